package soft

import (
	"image"
	"math/rand/v2"
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

// FuzzStores: a scene renders to the same pixels into the renderer's own
// output, with non-temporal stores and drawFrom's straight copies (rows on
// whole 64-byte lines, rows with ends, the prefetches ahead of them), as
// with plain stores, which take none of them: windows of any width at any
// x against the output's lines, opaque or with translucent edges or
// pixels, stacked, cropped at the output's edges, some scaled, some with
// an opaque region.
func FuzzStores(f *testing.F) {
	f.Add(uint64(1), uint64(2))
	f.Add(uint64(250), uint64(16))
	f.Add(uint64(0xdead), uint64(0xbeef))
	formats := []shm.Format{shm.FormatARGB8888, shm.FormatXRGB8888, shm.FormatABGR8888, shm.FormatXBGR8888}
	f.Fuzz(func(t *testing.T, seed1, seed2 uint64) {
		rng := rand.New(rand.NewPCG(seed1, seed2))
		ow, oh := 16+rng.IntN(300), 1+rng.IntN(48)
		type spec struct {
			s         *shm.Staging
			dst, opq  image.Rectangle
			opaque    bool
			scale     int32
			transform render.Transform
		}
		var specs []spec
		for range 1 + rng.IntN(6) {
			w, h := 1+rng.IntN(260), 1+rng.IntN(40)
			edges := rng.IntN(30)
			mode := rng.IntN(4)
			px := func(x, y int) uint32 {
				a := uint32(0xff)
				switch {
				case mode == 1 && (x < edges || x >= w-edges): // shadows
					a = 0x40
				case mode == 2 && (x*7+y*3)%11 == 0: // a translucent pixel here and there
					a = uint32(x*13+y) & 0xff
				case mode == 3: // anything
					a = uint32(x*31+y*17) & 0xff
				}
				c := uint32(x*5+y*3) % (a + 1)
				return a<<24 | c<<16 | (a-c)<<8 | c/3
			}
			sp := spec{
				s:      newStaging(w, h, w*4+4*rng.IntN(3), formats[rng.IntN(len(formats))], px),
				opaque: rng.IntN(5) == 0,
				scale:  1,
			}
			x, y := rng.IntN(ow+40)-20, rng.IntN(oh+20)-10
			dw, dh := w, h
			switch rng.IntN(8) {
			case 0: // stretched
				dw, dh = 1+rng.IntN(2*w), 1+rng.IntN(2*h)
			case 1: // turned
				sp.transform = render.Transform(rng.IntN(8))
				if sp.transform.SwapsAxes() {
					dw, dh = h, w
				}
			}
			sp.dst = image.Rect(x, y, x+dw, y+dh)
			if rng.IntN(3) == 0 && dw > 2*edges && edges > 0 {
				sp.opq = image.Rect(x+edges, y, x+dw-edges, y+dh)
			}
			specs = append(specs, sp)
		}
		bg := [4]uint8{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 0xff}
		draw := func(r *Renderer) [][]uint32 {
			items := make([]render.Item, len(specs))
			for i, sp := range specs {
				items[i] = render.Item{Texture: upload(t, r, sp.s), Dst: sp.dst, Opaque: sp.opaque, Scale: sp.scale, Transform: sp.transform, OpaqueRect: sp.opq}
			}
			if err := r.Render(&render.Scene{Background: bg, Items: items}, ow, oh); err != nil {
				t.Fatal(err)
			}
			return readAll(t, r)
		}
		nt, plain := New(), New()
		nt.plain, plain.plain = false, true
		defer nt.Close()
		defer plain.Close()
		got, want := draw(nt), draw(plain)
		for y := range want {
			for x := range want[y] {
				if got[y][x] != want[y][x] {
					t.Fatalf("%dx%d output: pixel (%d,%d) = %#08x with non-temporal stores, %#08x with plain ones", ow, oh, x, y, got[y][x], want[y][x])
				}
			}
		}
	})
}
