package config

import "testing"

// FuzzParseSize checks that ParseSize never panics, accepts only sizes in
// range, and round-trips through String.
func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"1280x720", "1X1", "16384x16384", "0x0", "x", "", "1x", "+1x1", "99999999999x1", "1x1x1", "１x1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseSize(s)
		if err != nil {
			if v != (Size{}) {
				t.Fatalf("ParseSize(%q) = %v with error %v", s, v, err)
			}
			return
		}
		if v.W < 1 || v.H < 1 || v.W > MaxSide || v.H > MaxSide {
			t.Fatalf("ParseSize(%q) = %v, out of range", s, v)
		}
		w, err := ParseSize(v.String())
		if err != nil || w != v {
			t.Fatalf("ParseSize(%q) = %v, but ParseSize(%q) = %v, %v", s, v, v.String(), w, err)
		}
	})
}

// FuzzParseByteSize checks that ParseByteSize never panics, never returns
// a negative size, and round-trips through String.
func FuzzParseByteSize(f *testing.F) {
	for _, s := range []string{"0", "4MiB", "4 mib", "1536KiB", "8388608TiB", "9223372036854775807", "9223372036854775808", "B", "-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseByteSize(s)
		if err != nil {
			return
		}
		if v < 0 {
			t.Fatalf("ParseByteSize(%q) = %d", s, int64(v))
		}
		w, err := ParseByteSize(v.String())
		if err != nil || w != v {
			t.Fatalf("ParseByteSize(%q) = %d, but ParseByteSize(%q) = %d, %v", s, int64(v), v.String(), int64(w), err)
		}
	})
}
