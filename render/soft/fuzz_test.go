package soft

import (
	"image"
	"testing"

	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/shm"
)

// FuzzRender draws random scenes of random textures: Render must neither
// panic nor index out of range, and ReadPixels must return alpha 255.
func FuzzRender(f *testing.F) {
	f.Add([]byte{8, 8, 3, 2, 0, 1, 0, 0, 3, 2, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{4, 3, 7, 5, 2, 7, 0xfe, 0xfd, 9, 9, 1, 2, 3, 4, 0x80, 0x81})
	f.Add([]byte{16, 16, 6, 4, 1, 2, 3, 3, 2, 2, 3, 0, 2, 1, 0xff, 0x00, 0x10, 0x20})
	formats := []shm.Format{shm.FormatARGB8888, shm.FormatXRGB8888, shm.FormatABGR8888, shm.FormatXBGR8888}
	// Every output is a mapping of its own (outmem_linux.go), however
	// small: the fuzzer then reaches its resizes, Close and the cleanup of
	// dropped renderers, not only Go memory.
	old := mapOutFrom
	mapOutFrom = 0
	f.Cleanup(func() { mapOutFrom = old })
	f.Fuzz(func(t *testing.T, data []byte) {
		next := func() int {
			if len(data) == 0 {
				return 0
			}
			b := data[0]
			data = data[1:]
			return int(int8(b))
		}
		r := New()
		ow, oh := next()&31, next()&31
		var items []render.Item
		for len(data) > 0 && len(items) < 8 {
			w, h := next()&15, next()&15
			stride := w*4 + next()&7
			s := new(shm.Staging)
			s.Reset(w, h, stride, formats[next()&3])
			b := s.Bytes()
			for i := range b {
				b[i] = byte(next())
			}
			tex := r.NewTexture()
			var damage []image.Rectangle
			if next()&1 == 1 {
				damage = []image.Rectangle{image.Rect(next(), next(), next(), next())}
			}
			if err := tex.Upload(s, damage); err != nil && w*h != 0 {
				t.Fatalf("Upload %dx%d stride %d: %v", w, h, stride, err)
			}
			it := render.Item{
				Texture:   tex,
				Dst:       image.Rect(next(), next(), next(), next()),
				Transform: render.Transform(next()),
				Scale:     int32(next()),
				Opaque:    next()&1 == 1,
			}
			if next()&1 == 1 {
				it.Src = image.Rect(next(), next(), next(), next())
			}
			items = append(items, it)
		}
		sc := &render.Scene{Background: [4]uint8{byte(next()), byte(next()), byte(next()), byte(next())}, Items: items}
		// Rendered, then resized (a new mapping, the old one unmapped) and
		// drawn again in full: every pixel is opaque either way.
		for _, size := range [][2]int{{ow, oh}, {oh, ow}} {
			w, h := size[0], size[1]
			if err := r.Render(sc, w, h); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, w*h*4)
			if err := r.ReadPixels(image.Rect(0, 0, w, h), buf, w*4); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < len(buf); i += 4 {
				if buf[i+3] != 0xff {
					t.Fatalf("%dx%d output: pixel %d alpha %#x", w, h, i/4, buf[i+3])
				}
			}
		}
		// Closed or dropped (the cleanup unmaps it).
		if next()&3 != 0 {
			r.Close()
		}
	})
}
