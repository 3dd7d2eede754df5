package config

import (
	"fmt"
	"strconv"
	"strings"
)

// MaxSide is the largest width or height [ParseSize] accepts.
const MaxSide = 16384

// Size is a size in pixels, written WxH.
type Size struct {
	W, H int
}

// String returns the size as WxH, such as "1280x720".
func (s Size) String() string { return strconv.Itoa(s.W) + "x" + strconv.Itoa(s.H) }

// ParseSize parses WxH ("1920x1080"; "X" is accepted for "x"), where W and
// H are decimal integers from 1 to [MaxSide].
func ParseSize(s string) (Size, error) {
	ws, hs, ok := strings.Cut(strings.ReplaceAll(s, "X", "x"), "x")
	w, werr := parseDecimal(ws)
	h, herr := parseDecimal(hs)
	if !ok || werr != nil || herr != nil {
		return Size{}, fmt.Errorf("want WxH, got %q", s)
	}
	if w < 1 || h < 1 || w > MaxSide || h > MaxSide {
		return Size{}, fmt.Errorf("want WxH with W and H from 1 to %d, got %q", MaxSide, s)
	}
	return Size{w, h}, nil
}

// checkScale accepts a scale from 1 to 10.
func checkScale(v float64) error {
	if !(v >= 1 && v <= 10) {
		return fmt.Errorf("want a number from 1 to 10, got %v", v)
	}
	return nil
}

// Scale120 returns the scale in 1/120ths, rounded to the nearest
// (fractional-scale-v1's unit): 180 for 1.5.
func (c *Config) Scale120() int { return int(c.Scale*120 + 0.5) }

// MaxOutputs is the most outputs [ParseOutputs] accepts.
const MaxOutputs = 16

// ParseOutputs parses a comma-separated list of sizes ("1920x1080,1280x720"),
// at most [MaxOutputs]; empty is none.
func ParseOutputs(s string) ([]Size, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) > MaxOutputs {
		return nil, fmt.Errorf("want at most %d outputs, got %d", MaxOutputs, len(parts))
	}
	out := make([]Size, 0, len(parts))
	for _, p := range parts {
		v, err := ParseSize(strings.TrimSpace(p))
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// parseDecimal parses a non-empty run of ASCII digits (no sign) that fits
// an int32.
func parseDecimal(s string) (int, error) {
	if s == "" || len(s) > 10 {
		return 0, strconv.ErrSyntax
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, strconv.ErrSyntax
		}
	}
	n, err := strconv.ParseInt(s, 10, 32)
	return int(n), err
}

// MarshalText implements [encoding.TextMarshaler].
func (s Size) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements [encoding.TextUnmarshaler] with [ParseSize].
func (s *Size) UnmarshalText(b []byte) error {
	v, err := ParseSize(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ByteSize is a number of bytes, written as a decimal integer with an
// optional IEC unit: "4194304", "4096KiB", "4MiB", "1GiB".
type ByteSize int64

// Byte size units.
const (
	KiB ByteSize = 1 << 10
	MiB ByteSize = 1 << 20
	GiB ByteSize = 1 << 30
	TiB ByteSize = 1 << 40
)

var byteUnits = []struct {
	name string
	size ByteSize
}{{"TiB", TiB}, {"GiB", GiB}, {"MiB", MiB}, {"KiB", KiB}, {"B", 1}}

// String returns b in the largest unit that divides it exactly, such as
// "4MiB", "1536KiB" or "100".
func (b ByteSize) String() string {
	for _, u := range byteUnits[:len(byteUnits)-1] {
		if b != 0 && b%u.size == 0 {
			return strconv.FormatInt(int64(b/u.size), 10) + u.name
		}
	}
	return strconv.FormatInt(int64(b), 10)
}

// ParseByteSize parses a non-negative decimal integer with an optional
// unit B, KiB, MiB, GiB or TiB (case-insensitive, space allowed before it).
func ParseByteSize(s string) (ByteSize, error) {
	num, mult := strings.TrimSpace(s), ByteSize(1)
	for _, u := range byteUnits {
		if len(num) > len(u.name) && strings.EqualFold(num[len(num)-len(u.name):], u.name) {
			num, mult = strings.TrimSpace(num[:len(num)-len(u.name)]), u.size
			break
		}
	}
	n, err := strconv.ParseUint(num, 10, 63)
	if err != nil || num == "" || num[0] == '+' {
		return 0, fmt.Errorf("want a byte count such as 4194304 or 4MiB, got %q", s)
	}
	if n > uint64((1<<63-1)/mult) {
		return 0, fmt.Errorf("byte count %q is too large", s)
	}
	return ByteSize(n) * mult, nil
}

// MarshalText implements [encoding.TextMarshaler].
func (b ByteSize) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// UnmarshalText implements [encoding.TextUnmarshaler] with [ParseByteSize],
// so a TOML value may be an integer or a string with a unit.
func (b *ByteSize) UnmarshalText(t []byte) error {
	v, err := ParseByteSize(string(t))
	if err != nil {
		return err
	}
	*b = v
	return nil
}
