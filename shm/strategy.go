package shm

import (
	"fmt"
	"strings"
)

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
// Its text form ("auto", "nosigbus", "guarded") is what config parses
// (UnmarshalText) and --help lists (ReadModes).
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
	numReadModes
)

var readModeNames = [numReadModes]string{ReadAuto: "auto", ReadNoSigbus: "nosigbus", ReadGuarded: "guarded"}

// ReadModes returns every ReadMode, in the order --help lists them.
func ReadModes() []ReadMode { return []ReadMode{ReadAuto, ReadNoSigbus, ReadGuarded} }

// String returns "auto", "nosigbus" or "guarded".
func (m ReadMode) String() string {
	if m < numReadModes {
		return readModeNames[m]
	}
	return fmt.Sprintf("ReadMode(%d)", uint8(m))
}

// MarshalText implements encoding.TextMarshaler.
func (m ReadMode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler: it accepts the names
// String returns. config parses --shm-read, NOFAULT_SHM_READ and the TOML
// key shm_read with it.
func (m *ReadMode) UnmarshalText(b []byte) error {
	return unmarshalName(m, readModeNames[:], b)
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
// protocol glue applies the policy. Its text form ("kill", "zeros") is
// what config parses (UnmarshalText) and --help lists (ShrinkPolicies).
type ShrinkPolicy uint8

const (
	// ShrinkKill posts wl_shm.error.invalid_fd on the wl_buffer, as
	// libwayland does. The default.
	ShrinkKill ShrinkPolicy = iota
	// ShrinkZeros keeps the client and renders zeros, as wlroots does,
	// until the client resizes the pool (which maps the file anew).
	ShrinkZeros
	numShrinkPolicies
)

var shrinkPolicyNames = [numShrinkPolicies]string{ShrinkKill: "kill", ShrinkZeros: "zeros"}

// ShrinkPolicies returns every ShrinkPolicy, in the order --help lists
// them.
func ShrinkPolicies() []ShrinkPolicy { return []ShrinkPolicy{ShrinkKill, ShrinkZeros} }

// String returns "kill" or "zeros".
func (p ShrinkPolicy) String() string {
	if p < numShrinkPolicies {
		return shrinkPolicyNames[p]
	}
	return fmt.Sprintf("ShrinkPolicy(%d)", uint8(p))
}

// MarshalText implements encoding.TextMarshaler.
func (p ShrinkPolicy) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler: it accepts the names
// String returns. config parses --shm-shrink, NOFAULT_SHM_SHRINK and the
// TOML key shm_shrink with it.
func (p *ShrinkPolicy) UnmarshalText(b []byte) error {
	return unmarshalName(p, shrinkPolicyNames[:], b)
}

// unmarshalName sets *v to the index of text in names, or reports the
// names it wants ("want kill or zeros, got "x"", as config words errors).
func unmarshalName[T ~uint8](v *T, names []string, text []byte) error {
	for i, n := range names {
		if n == string(text) {
			*v = T(i)
			return nil
		}
	}
	want := names[len(names)-1]
	if len(names) > 1 {
		want = strings.Join(names[:len(names)-1], ", ") + " or " + want
	}
	return fmt.Errorf("want %s, got %q", want, text)
}
