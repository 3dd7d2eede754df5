//go:build cgo

package nested

import "testing"

func TestPresentMode(t *testing.T) {
	for _, tc := range []struct {
		env                      string
		want                     presentMode
		bad                      bool
		copyAuto, copyAge, noExt bool // copies: software without age; software with age; copy asked, no extension
	}{
		{env: "", want: presentAuto, copyAuto: true},
		{env: "auto", want: presentAuto, copyAuto: true},
		{env: "swap", want: presentSwap},
		{env: "copy", want: presentCopy, copyAuto: true, copyAge: true},
		{env: "blit", want: presentAuto, bad: true, copyAuto: true},
	} {
		m, err := parsePresentMode(tc.env)
		if m != tc.want || (err != nil) != tc.bad {
			t.Errorf("parsePresentMode(%q) = %v, %v; want %v, error %v", tc.env, m, err, tc.want, tc.bad)
		}
		if got := m.copies(true, false, true); got != tc.copyAuto {
			t.Errorf("%v: copies on software GLX without buffer age = %v, want %v", m, got, tc.copyAuto)
		}
		if got := m.copies(true, true, true); got != tc.copyAge {
			t.Errorf("%v: copies with buffer age = %v, want %v", m, got, tc.copyAge)
		}
		if got := m.copies(false, false, true); got != tc.noExt {
			t.Errorf("%v: copies without GLX_MESA_copy_sub_buffer = %v, want false", m, got)
		}
		if m == presentAuto && m.copies(true, false, false) {
			t.Errorf("auto copies on a GPU driver")
		}
		if m.String() != tc.want.String() || (!tc.bad && tc.env != "" && m.String() != tc.env) {
			t.Errorf("%q: String() = %q", tc.env, m.String())
		}
	}
}
