package font5x7

import "testing"

func TestGlyph(t *testing.T) {
	for _, tc := range []struct {
		r  rune
		ok bool
		as rune
	}{{'A', true, 'A'}, {'a', true, 'A'}, {'7', true, '7'}, {'€', false, '?'}} {
		g, ok := Glyph(tc.r)
		if ok != tc.ok || g != glyphs[tc.as] {
			t.Errorf("Glyph(%q) = %v, %v; want the glyph of %q, %v", tc.r, g, ok, tc.as, tc.ok)
		}
	}
	for r, g := range glyphs {
		for _, row := range g {
			if len(row) != 5 {
				t.Errorf("glyph %q has a row of %d columns", r, len(row))
			}
		}
	}
}
