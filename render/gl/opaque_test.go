//go:build cgo

package gl

import (
	"encoding/binary"
	"fmt"
	"image"
	"math/rand/v2"
	"testing"

	ogl "github.com/go-gl/gl/v3.3-core/gl"

	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/render/soft"
	"github.com/nofault/nofault/shm"
)

// TestOpaqueRect puts one pixel with alpha 254, or with every byte but
// alpha 0, at each position of rectangles of every width from 1 to 40
// pixels (and 64, 65) inside a wider buffer, whose pixels outside the
// rectangle are transparent.
func TestOpaqueRect(t *testing.T) {
	const stride = 80 * 4
	widths := []int{64, 65}
	for w := 1; w <= 40; w++ {
		widths = append(widths, w)
	}
	for _, w := range widths {
		for _, x0 := range []int{0, 1, 3, 80 - w} {
			r := image.Rect(x0, 1, x0+w, 4)
			b := make([]byte, 5*stride)
			for y := r.Min.Y; y < r.Max.Y; y++ {
				for x := r.Min.X; x < r.Max.X; x++ {
					binary.LittleEndian.PutUint32(b[y*stride+x*4:], 0xff000000)
				}
			}
			if !opaqueRect(b, stride, r) {
				t.Fatalf("%v with every alpha 255: not opaque", r)
			}
			for y := r.Min.Y; y < r.Max.Y; y++ {
				for x := r.Min.X; x < r.Max.X; x++ {
					o := y*stride + x*4
					b[o+3] = 0xfe
					if opaqueRect(b, stride, r) {
						t.Fatalf("%v: pixel (%d,%d) with alpha 254 reported opaque", r, x, y)
					}
					b[o+3] = 0xff
				}
			}
			if around := r.Inset(-1).Intersect(image.Rect(0, 0, 80, 5)); opaqueRect(b, stride, around) {
				t.Fatalf("%v: the transparent pixels around it reported opaque", around)
			}
		}
	}
}

// TestBackgroundOf checks on random scenes that the background
// rectangles of a damage rectangle are disjoint, inside it, clear of
// every opaque item, and cover every pixel no opaque item covers (or are
// the damage rectangle itself, past maxBgRects).
func TestBackgroundOf(t *testing.T) {
	var r Renderer
	rng := rand.New(rand.NewPCG(3, 4))
	rect := func(n int) image.Rectangle {
		x, y := rng.IntN(n)-5, rng.IntN(n)-5
		return image.Rect(x, y, x+1+rng.IntN(n/2), y+1+rng.IntN(n/2))
	}
	whole := 0
	for round := 0; round < 2000; round++ {
		c := rect(40)
		plans := make([]plan, rng.IntN(12))
		for i := range plans {
			plans[i] = plan{vis: rect(50), opaque: rng.IntN(3) > 0}
		}
		bg := r.backgroundOf(c, plans)
		if len(bg) == 1 && bg[0] == c {
			whole++
		}
		for y := c.Min.Y; y < c.Max.Y; y++ {
			for x := c.Min.X; x < c.Max.X; x++ {
				p := image.Pt(x, y)
				hidden := false
				for _, pl := range plans {
					hidden = hidden || pl.opaque && p.In(pl.vis)
				}
				in := 0
				for _, b := range bg {
					if p.In(b) {
						in++
					}
				}
				switch {
				case in > 1:
					t.Fatalf("round %d: %v is in %d background rectangles %v", round, p, in, bg)
				case !hidden && in == 0:
					t.Fatalf("round %d: %v is uncovered but in no background rectangle %v", round, p, bg)
				case hidden && in == 1 && !(len(bg) == 1 && bg[0] == c):
					t.Fatalf("round %d: %v is under an opaque item but in the background %v", round, p, bg)
				}
			}
		}
		for _, b := range bg {
			if !b.In(c) || b.Empty() {
				t.Fatalf("round %d: background rectangle %v empty or outside %v", round, b, c)
			}
		}
	}
	if whole == 2000 {
		t.Fatal("every background was the whole damage rectangle")
	}
}

// TestSolidTextures draws ARGB8888 windows whose every pixel has alpha
// 255 side by side, drawn as opaque (no blend, no background under
// them), and follows a window that turns translucent and opaque again:
// the pixels must stay render/soft's, and a texture counts as opaque
// only while every pixel uploaded since its last full upload was. The
// scan is on whatever the driver (a GPU's renderer leaves it off).
func TestSolidTextures(t *testing.T) {
	h := headless(t)
	h.Do(func(r *Renderer) { r.scanOpaque = true })
	p := &pair{gl: h, soft: soft.New()}
	cp := newClientPool(t, 1<<16, true, shm.ReadAuto)
	opaque := func(x, y int) uint32 { return 0xff000000 | uint32(x*37+y*11)<<8 | uint32(y*5) }
	softTex := map[render.Texture]render.Texture{}
	var bufs []*buffer
	var items []render.Item
	for i := 0; i < 3; i++ {
		b := &buffer{p: cp, off: i * 8192, w: 20, h: 14, stride: 20*4 + 4*i, format: shm.FormatARGB8888}
		b.draw(image.Rect(0, 0, b.w, b.h), opaque)
		gt, st := h.NewTexture(), p.soft.NewTexture()
		b.uploadBoth(t, gt, st, nil, true)
		softTex[gt] = st
		bufs = append(bufs, b)
		items = append(items, render.Item{Texture: gt, Dst: image.Rect(3+20*i, 5, 23+20*i, 19)})
	}
	solid := func(i int) bool {
		var s bool
		h.Do(func(*Renderer) { s = items[i].Texture.(*proxyTexture).t.opaquePixels() })
		return s
	}
	sc := render.Scene{Background: [4]uint8{0x20, 0x40, 0x80, 0xff}, Items: items}
	const W, H = 70, 24
	check := func(what string, want bool) {
		t.Helper()
		if got := solid(1); got != want {
			t.Fatalf("%s: opaque = %v, want %v", what, got, want)
		}
		h.Do(func(r *Renderer) { r.Invalidate() })
		p.renderAndCompare(t, what, sc, softTex, W, H)
	}
	check("three opaque windows", true)
	if !solid(0) || !solid(2) {
		t.Fatal("opaque ARGB8888 windows not taken as opaque")
	}

	b := bufs[1]
	one := []image.Rectangle{image.Rect(4, 6, 5, 7)}
	b.draw(one[0], func(int, int) uint32 { return 0x80402010 })
	b.uploadBoth(t, items[1].Texture, softTex[items[1].Texture], one, true)
	check("one translucent pixel", false)

	b.draw(one[0], opaque)
	b.uploadBoth(t, items[1].Texture, softTex[items[1].Texture], one, true)
	check("the pixel opaque again, the rest not read", false)

	b.uploadBoth(t, items[1].Texture, softTex[items[1].Texture], nil, true)
	check("a full upload", true)

	for i := range 4 {
		b.draw(image.Rect(0, 0, b.w, b.h), func(x, y int) uint32 {
			if x == i*5 && y == i*3 {
				return 0
			}
			return opaque(x, y)
		})
		b.uploadBoth(t, items[1].Texture, softTex[items[1].Texture], nil, true)
		check(fmt.Sprintf("a transparent pixel at (%d,%d)", i*5, i*3), false)
	}

	// Without the scan (a GPU's default) nothing is read, and the same
	// pixels come out of the blend.
	h.Do(func(r *Renderer) { r.scanOpaque = false })
	b.draw(image.Rect(0, 0, b.w, b.h), opaque)
	b.uploadBoth(t, items[1].Texture, softTex[items[1].Texture], nil, true)
	check("opaque pixels, no scan", false)
}

// TestScanOpaqueOnSoftwareOnly checks that the scan is on by default
// exactly where GL_RENDERER names one of Mesa's software rasterizers.
func TestScanOpaqueOnSoftwareOnly(t *testing.T) {
	h := headless(t)
	var scan bool
	var name string
	h.Do(func(r *Renderer) { scan, name = r.scanOpaque, ogl.GoStr(ogl.GetString(ogl.RENDERER)) })
	if scan != IsSoftware(name) {
		t.Fatalf("GL_RENDERER %q: scanOpaque = %v, want %v", name, scan, IsSoftware(name))
	}
}

// BenchmarkOpaqueRect scans a 1920x1080 buffer whose every pixel is
// opaque: the most opaqueRect reads in a frame.
func BenchmarkOpaqueRect(b *testing.B) {
	const w, h = 1920, 1080
	buf := make([]byte, w*h*4)
	for i := 3; i < len(buf); i += 4 {
		buf[i] = 0xff
	}
	r := image.Rect(0, 0, w, h)
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		if !opaqueRect(buf, w*4, r) {
			b.Fatal("not opaque")
		}
	}
}
