package soft

import (
	"image"
	"testing"

	"github.com/nofault/nofault/shm"
)

func TestUploadFormats(t *testing.T) {
	// Source pixels as 0xAARRGGBB, written in each format's byte order.
	px := func(x, y int) uint32 { return []uint32{0x80402010, 0xff112233, 0x00000000, 0x7f7f0000}[y*2+x] }
	tests := []struct {
		name   string
		format shm.Format
		stride int
		want   []uint32
		opaque bool
	}{
		{"ARGB8888", shm.FormatARGB8888, 8, []uint32{0x80402010, 0xff112233, 0x00000000, 0x7f7f0000}, false},
		{"XRGB8888 forces alpha", shm.FormatXRGB8888, 8, []uint32{0xff402010, 0xff112233, 0xff000000, 0xff7f0000}, true},
		{"ABGR8888 swaps", shm.FormatABGR8888, 8, []uint32{0x80402010, 0xff112233, 0x00000000, 0x7f7f0000}, false},
		{"XBGR8888 swaps and forces", shm.FormatXBGR8888, 8, []uint32{0xff402010, 0xff112233, 0xff000000, 0xff7f0000}, true},
		{"ARGB8888 stride padding", shm.FormatARGB8888, 20, []uint32{0x80402010, 0xff112233, 0x00000000, 0x7f7f0000}, false},
		{"XBGR8888 stride padding", shm.FormatXBGR8888, 12, []uint32{0xff402010, 0xff112233, 0xff000000, 0xff7f0000}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tex := upload(t, New(), newStaging(2, 2, tt.stride, tt.format, px))
			if w, h := tex.Size(); w != 2 || h != 2 {
				t.Fatalf("Size = %d, %d", w, h)
			}
			for i, want := range tt.want {
				if tex.pix[i] != want {
					t.Errorf("pixel %d = %#08x, want %#08x", i, tex.pix[i], want)
				}
			}
			if tex.Opaque() != tt.opaque {
				t.Errorf("Opaque = %v", tex.Opaque())
			}
		})
	}
}

// TestABGRBytes checks the byte order directly: ABGR8888 is R,G,B,A in
// memory, ARGB8888 is B,G,R,A.
func TestABGRBytes(t *testing.T) {
	for _, tt := range []struct {
		f    shm.Format
		want uint32
	}{
		{shm.FormatARGB8888, 0x44332211},
		{shm.FormatABGR8888, 0x44112233},
		{shm.FormatXRGB8888, 0xff332211},
		{shm.FormatXBGR8888, 0xff112233},
	} {
		s := new(shm.Staging)
		s.Reset(1, 1, 4, tt.f)
		copy(s.Bytes(), []byte{0x11, 0x22, 0x33, 0x44})
		if got := upload(t, New(), s).pix[0]; got != tt.want {
			t.Errorf("format %#x: %#08x, want %#08x", uint32(tt.f), got, tt.want)
		}
	}
}

func TestUploadPartialDamage(t *testing.T) {
	const w, h = 8, 6
	tex := upload(t, New(), newStaging(w, h, w*4+12, shm.FormatARGB8888, solid(0xff0000ff)))
	next := newStaging(w, h, w*4+12, shm.FormatARGB8888, solid(0xffff0000))
	damage := []image.Rectangle{
		image.Rect(1, 1, 3, 2),
		image.Rect(6, 4, 100, 100), // clipped to the buffer
		image.Rect(-5, -5, -1, -1), // outside: ignored
	}
	if err := tex.Upload(next, damage); err != nil {
		t.Fatal(err)
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			want := uint32(0xff0000ff)
			for _, d := range damage {
				if image.Pt(x, y).In(d) {
					want = 0xffff0000
				}
			}
			if got := tex.pix[y*w+x]; got != want {
				t.Errorf("(%d, %d) = %#08x, want %#08x", x, y, got, want)
			}
		}
	}
}

// TestUploadResizeIsFull checks that damage is ignored when the size or
// format changes: everything is copied.
func TestUploadResizeIsFull(t *testing.T) {
	tex := upload(t, New(), newStaging(2, 2, 8, shm.FormatARGB8888, solid(0xff0000ff)))
	for _, s := range []*shm.Staging{
		newStaging(3, 2, 12, shm.FormatARGB8888, solid(0xff00ff00)),
		newStaging(3, 2, 12, shm.FormatXRGB8888, solid(0x00ff0000)),
	} {
		if err := tex.Upload(s, []image.Rectangle{image.Rect(0, 0, 1, 1)}); err != nil {
			t.Fatal(err)
		}
		want := uint32(0xff000000) | uint32(s.Bytes()[2])<<16 | uint32(s.Bytes()[1])<<8
		for i, p := range tex.pix {
			if p != want {
				t.Fatalf("pixel %d = %#08x, want %#08x", i, p, want)
			}
		}
	}
}

func TestUploadErrors(t *testing.T) {
	short := new(shm.Staging)
	short.Reset(4, 4, 16, shm.FormatARGB8888)
	tests := []struct {
		name string
		img  shm.Image
	}{
		{"stride below width", newStaging(4, 2, 12, shm.FormatARGB8888, solid(0))},
		{"bad format", newStaging(2, 2, 8, shm.Format(0x12345678), solid(0))},
		{"too big", &fakeImage{w: MaxSize + 1, h: 1, stride: (MaxSize + 1) * 4, b: make([]byte, (MaxSize+1)*4)}},
		{"bytes too short", &fakeImage{w: 4, h: 4, stride: 16, b: make([]byte, 63)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tex := upload(t, New(), newStaging(1, 1, 4, shm.FormatARGB8888, solid(0xff123456)))
			if err := tex.Upload(tt.img, nil); err == nil {
				t.Fatal("no error")
			}
			if w, h := tex.Size(); w != 1 || h != 1 || tex.pix[0] != 0xff123456 {
				t.Errorf("texture changed by a failed upload")
			}
		})
	}
}

func TestDestroy(t *testing.T) {
	r := New()
	tex := upload(t, r, newStaging(2, 2, 8, shm.FormatARGB8888, solid(0xffffffff)))
	tex.Destroy()
	if w, h := tex.Size(); w != 0 || h != 0 {
		t.Fatalf("Size after Destroy = %d, %d", w, h)
	}
	renderScene(t, r, 2, 2, itemAt(tex, 0, 0, 2, 2)) // draws nothing, no panic
}

// fakeImage is an shm.Image with arbitrary geometry, for the error paths.
// It embeds a Staging to satisfy the unexported method.
type fakeImage struct {
	shm.Staging
	w, h, stride int
	b            []byte
	f            shm.Format // zero is ARGB8888
}

func (f fakeImage) Bytes() []byte      { return f.b }
func (f fakeImage) Stride() int        { return f.stride }
func (f fakeImage) Width() int         { return f.w }
func (f fakeImage) Height() int        { return f.h }
func (f fakeImage) Format() shm.Format { return f.f }

// TestUploadUnaligned checks the byte-wise path taken when a buffer's
// rows are not 4-byte aligned: same result as the aligned path.
func TestUploadUnaligned(t *testing.T) {
	for _, f := range shm.Formats {
		al := newStaging(3, 2, 13, f, pattern(0x80))
		b := make([]byte, len(al.Bytes())+1)
		copy(b[1:], al.Bytes())
		un := &fakeImage{w: 3, h: 2, stride: 13, b: b[1:], f: f}
		t1 := upload(t, New(), al)
		t2 := upload(t, New(), un)
		for i := range t1.pix {
			if t1.pix[i] != t2.pix[i] {
				t.Errorf("format %#x pixel %d: unaligned %#08x, aligned %#08x", uint32(f), i, t2.pix[i], t1.pix[i])
			}
		}
	}
}

// TestSolidTexture checks that an alpha-format texture whose pixels are
// all opaque draws as opaque, and stops when a partial upload brings
// translucent pixels.
func TestSolidTexture(t *testing.T) {
	r := New()
	tex := upload(t, r, newStaging(8, 8, 32, shm.FormatARGB8888, solid(0xff102030)))
	if !tex.opaquePixels() {
		t.Fatal("opaque ARGB upload: not solid")
	}
	if err := tex.Upload(newStaging(8, 8, 32, shm.FormatARGB8888, solid(0x80102030)), []image.Rectangle{image.Rect(7, 7, 8, 8)}); err != nil {
		t.Fatal(err)
	}
	if tex.opaquePixels() {
		t.Fatal("translucent partial upload: still solid")
	}
	if err := tex.Upload(newStaging(8, 8, 32, shm.FormatARGB8888, solid(0xff102030)), nil); err != nil {
		t.Fatal(err)
	}
	if !tex.opaquePixels() {
		t.Fatal("opaque full upload: not solid again")
	}
}
