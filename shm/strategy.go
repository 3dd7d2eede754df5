package shm

import "fmt"

// Strategy is how a pool's memory is protected against SIGBUS.
type Strategy uint8

const (
	// Guarded pools are mapped MAP_SHARED and every access runs under the
	// fault guard of Read or Write; their memory is never handed to cgo.
	Guarded Strategy = iota
	// Sealed pools have F_SEAL_SHRINK set and a file at least as large as
	// the pool, so their mapping cannot fault.
	Sealed
	// NoSigbus pools are mapped MAP_PRIVATE|MAP_NOSIGBUS on a kernel whose
	// behaviour probe showed that reads past the end of file return zeros.
	NoSigbus
	numStrategies
)

var strategyNames = [numStrategies]string{"guarded", "sealed", "nosigbus"}

// String returns "guarded", "sealed" or "nosigbus".
func (s Strategy) String() string {
	if s < numStrategies {
		return strategyNames[s]
	}
	return fmt.Sprintf("Strategy(%d)", uint8(s))
}

// MarshalText implements encoding.TextMarshaler (for --stats JSON).
func (s Strategy) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// FaultFree reports whether memory mapped with s cannot fault, so that a
// zero-copy View of it may be handed to cgo.
func (s Strategy) FaultFree() bool { return s == Sealed || s == NoSigbus }

// ReadMode is the --shm-read setting: which strategies new pools may use.
type ReadMode uint8

const (
	// ReadAuto uses nosigbus when the probe passed, else sealed when the
	// client sealed its file, else guarded.
	ReadAuto ReadMode = iota
	// ReadNoSigbus requires the kernel to honour MAP_NOSIGBUS; Check fails
	// when the probe did not pass.
	ReadNoSigbus
	// ReadGuarded maps every pool guarded, even sealed ones.
	ReadGuarded
)

// ParseReadMode parses "auto", "nosigbus" or "guarded".
func ParseReadMode(s string) (ReadMode, error) {
	switch s {
	case "auto":
		return ReadAuto, nil
	case "nosigbus":
		return ReadNoSigbus, nil
	case "guarded":
		return ReadGuarded, nil
	}
	return ReadAuto, fmt.Errorf("shm: invalid read mode %q (want auto, nosigbus or guarded)", s)
}

// String returns "auto", "nosigbus" or "guarded".
func (m ReadMode) String() string {
	switch m {
	case ReadAuto:
		return "auto"
	case ReadNoSigbus:
		return "nosigbus"
	case ReadGuarded:
		return "guarded"
	}
	return fmt.Sprintf("ReadMode(%d)", uint8(m))
}

// MarshalText implements encoding.TextMarshaler.
func (m ReadMode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler, so a ReadMode works
// with flag.TextVar and TOML decoding.
func (m *ReadMode) UnmarshalText(b []byte) error {
	v, err := ParseReadMode(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// Check reports whether the mode can be used in this process: ReadNoSigbus
// fails (with an error wrapping ErrNoSigbus) unless the cached probe passed.
// The compositor calls it at start-up and refuses to start on error.
func (m ReadMode) Check() error {
	switch m {
	case ReadAuto, ReadGuarded:
		return nil
	case ReadNoSigbus:
		if r := ProbedNoSigbus(); !r.Supported {
			return fmt.Errorf("--shm-read=nosigbus: %w (probe: %v)", ErrNoSigbus, r)
		}
		return nil
	}
	return fmt.Errorf("shm: invalid read mode %d", uint8(m))
}

// ShrinkPolicy is the --shm-shrink setting: what the server does with a
// client whose pool file shrank under a mapping (a recovered fault, or a
// shrink seen by CheckSize). The pool reports the event either way; the
// protocol glue applies the policy.
type ShrinkPolicy uint8

const (
	// ShrinkKill posts wl_shm.error.invalid_fd on the wl_buffer, as
	// libwayland does. The default.
	ShrinkKill ShrinkPolicy = iota
	// ShrinkZeros keeps the client and renders zeros, as wlroots does,
	// until the client resizes the pool (which maps the file anew).
	ShrinkZeros
)

// ParseShrinkPolicy parses "kill" or "zeros".
func ParseShrinkPolicy(s string) (ShrinkPolicy, error) {
	switch s {
	case "kill":
		return ShrinkKill, nil
	case "zeros":
		return ShrinkZeros, nil
	}
	return ShrinkKill, fmt.Errorf("shm: invalid shrink policy %q (want kill or zeros)", s)
}

// String returns "kill" or "zeros".
func (p ShrinkPolicy) String() string {
	switch p {
	case ShrinkKill:
		return "kill"
	case ShrinkZeros:
		return "zeros"
	}
	return fmt.Sprintf("ShrinkPolicy(%d)", uint8(p))
}

// MarshalText implements encoding.TextMarshaler.
func (p ShrinkPolicy) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (p *ShrinkPolicy) UnmarshalText(b []byte) error {
	v, err := ParseShrinkPolicy(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}
