package singlepixel

import (
	"testing"

	"github.com/nofault/nofault/shm"
)

// TestPixel: 32-bit premultiplied channels round to the nearest 8-bit
// value, in ARGB8888 byte order (B, G, R, A), opaque only at full alpha.
func TestPixel(t *testing.T) {
	for _, tc := range []struct {
		r, g, b, a uint32
		want       uint32
		opaque     bool
	}{
		{0, 0, 0, 0, 0x00000000, false},
		{0xffffffff, 0, 0, 0xffffffff, 0xffff0000, true},
		{0, 0xffffffff, 0x80000000, 0xffffffff, 0xff00ff80, true},
		{0x80000000, 0x80000000, 0x80000000, 0x80000000, 0x80808080, false},
		// Half an 8-bit step is 0x808080.8 (n+0.5 steps: 0x1818181.8, ...):
		// at or below it rounds down, above it up.
		{0x808080, 0x808081, 0, 0xfffffffe, 0xff000100, false},
		{0x1818182, 0x1818181, 0x2828282, 0xffffffff, 0xff020102, true},
	} {
		b := &Buffer{r: tc.r, g: tc.g, b: tc.b, a: tc.a}
		if got := b.Pixel(); got != tc.want {
			t.Errorf("%#x %#x %#x %#x: pixel %#08x, want %#08x", tc.r, tc.g, tc.b, tc.a, got, tc.want)
		}
		if b.Opaque() != tc.opaque {
			t.Errorf("%#x %#x %#x %#x: opaque %v", tc.r, tc.g, tc.b, tc.a, b.Opaque())
		}
		var st shm.Staging
		img, err := b.Image(&st, nil)
		if err != nil {
			t.Fatal(err)
		}
		p := img.Bytes()
		if img.Width() != 1 || img.Height() != 1 || img.Format() != shm.FormatARGB8888 ||
			uint32(p[0])|uint32(p[1])<<8|uint32(p[2])<<16|uint32(p[3])<<24 != tc.want {
			t.Errorf("image %dx%d %v bytes %v, want pixel %#08x", img.Width(), img.Height(), img.Format(), p[:4], tc.want)
		}
	}
}
