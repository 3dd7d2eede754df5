//go:build cgo

package gl

import (
	"fmt"
	"image"
	"math/rand/v2"
	"testing"

	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/render/soft"
	"github.com/nofault/nofault/shm"
)

// pattern is a known ARGB pattern with every kind of alpha: opaque,
// transparent, half, and premultiplied colours below alpha.
func pattern(seed uint32) func(x, y int) uint32 { return patternOf(seed, translucent) }

var (
	translucent = []uint32{0xff, 0x00, 0x80, 0x40, 0xc0, 0x01}
	binaryAlpha = []uint32{0xff, 0x00, 0xff}
)

func patternOf(seed uint32, alphas []uint32) func(x, y int) uint32 {
	return func(x, y int) uint32 {
		a := (x*37 + y*11 + int(seed)) % len(alphas)
		alpha := alphas[a]
		v := uint32(x*7+y*13) ^ seed*0x9e3779b9
		c := func(s uint32) uint32 { return (v >> s & 0xff) * alpha / 255 }
		return alpha<<24 | c(0)<<16 | c(8)<<8 | c(16)
	}
}

// TestKnownValues checks a few pixels against values worked out by hand:
// premultiplied over, X formats opaque, ABGR byte order, a stride larger
// than width*4 and an offset buffer.
func TestKnownValues(t *testing.T) {
	h := headless(t)
	cp := newClientPool(t, 4096, true, shm.ReadAuto)
	argb := &buffer{p: cp, off: 64, w: 2, h: 2, stride: 16, format: shm.FormatARGB8888}
	argb.draw(image.Rect(0, 0, 2, 2), func(x, y int) uint32 {
		return [...]uint32{0xffff0000, 0x80400000, 0x00000000, 0x80808080}[y*2+x]
	})
	xrgb := &buffer{p: cp, off: 1024, w: 1, h: 1, stride: 4, format: shm.FormatXRGB8888}
	xrgb.draw(image.Rect(0, 0, 1, 1), func(int, int) uint32 { return 0x12345678 }) // alpha byte 0x12 ignored
	abgr := &buffer{p: cp, off: 2048, w: 1, h: 1, stride: 4, format: shm.FormatABGR8888}
	abgr.draw(image.Rect(0, 0, 1, 1), func(int, int) uint32 { return 0x80102030 })

	tex := func(b *buffer) render.Texture {
		tx := h.NewTexture()
		b.upload(t, tx)
		return tx
	}
	ta, tx, tb := tex(argb), tex(xrgb), tex(abgr)
	if w, hh := ta.Size(); w != 2 || hh != 2 {
		t.Fatalf("Size = %dx%d, want 2x2", w, hh)
	}
	sc := render.Scene{
		Background: [4]uint8{0x00, 0x00, 0xff, 0xff}, // blue
		Items: []render.Item{
			{Texture: ta, Dst: image.Rect(0, 0, 2, 2)},
			{Texture: tx, Dst: image.Rect(2, 0, 3, 1)},
			{Texture: tb, Dst: image.Rect(2, 1, 3, 2)},
		},
	}
	if err := h.Render(&sc, 3, 2); err != nil {
		t.Fatal(err)
	}
	got := readOut(t, h, 3, 2)
	// Over blue, each channel is c + 0xff*(255-a)/255 on blue, rounded.
	want := []uint32{
		0xffff0000, // opaque red
		0xff40007f, // 0x80400000: blue 255*127/255 = 127
		0xff345678, // XRGB: the alpha byte 0x12 is ignored
		0xff0000ff, // transparent: blue
		0xff8080ff, // 0x80808080: blue 0x80 + 127
		0xff1020af, // ABGR bytes of ARGB 0x80102030: blue 0x30 + 127
	}
	compare(t, "known values", got, want, 3)
}

// TestMatchesSoft draws random scenes of the same buffers with both
// renderers: every transform, scales 1 to 3, stretching, crops, opaque
// items, the four formats, items off the edges, a translucent background;
// then damages parts of the buffers after the client rewrote all of them,
// for both the zero-copy (sealed pool) and the staged (guarded pool)
// paths, with strides larger than width*4. The outputs must be identical.
//
// With alpha 0 and 255 only, every pixel must be identical. With
// translucent pixels the fixed-function blend of the driver rounds
// d*(255-a)/255 its own way: llvmpipe computes (t + (t>>8) + 0x80) >> 8
// with t = d*(255-a), which is 1 below the exact rounding render/soft
// (and pixman) use for a few products, so blended channels may differ by
// 1; the test allows that and nothing more.
func TestMatchesSoft(t *testing.T) {
	for _, path := range []struct {
		name     string
		sealed   bool
		mode     shm.ReadMode
		zeroCopy bool
		alpha    []uint32
		tol      int
	}{
		{"zero-copy", true, shm.ReadAuto, true, binaryAlpha, 0},
		{"staged", false, shm.ReadGuarded, false, binaryAlpha, 0},
		{"zero-copy-translucent", true, shm.ReadAuto, true, translucent, 1},
		{"staged-translucent", false, shm.ReadGuarded, false, translucent, 1},
	} {
		t.Run(path.name, func(t *testing.T) {
			off := 0
			h := headless(t)
			p := &pair{gl: h, soft: soft.New()}
			cp := newClientPool(t, 1<<20, path.sealed, path.mode)
			if got := cp.pool.Strategy().FaultFree(); got != path.zeroCopy {
				t.Fatalf("pool strategy %v", cp.pool.Strategy())
			}
			bufs := []*buffer{
				{p: cp, off: 100, w: 37, h: 23, stride: 37*4 + 24, format: shm.FormatARGB8888},
				{p: cp, off: 8192, w: 16, h: 16, stride: 16*4 + 4, format: shm.FormatXRGB8888},
				{p: cp, off: 16384, w: 20, h: 31, stride: 20*4 + 64, format: shm.FormatABGR8888},
				{p: cp, off: 32768, w: 9, h: 5, stride: 9 * 4, format: shm.FormatXBGR8888},
				{p: cp, off: 40000, w: 64, h: 48, stride: 64*4 + 8, format: shm.FormatARGB8888},
			}
			for i, b := range bufs {
				b.draw(image.Rect(0, 0, b.w, b.h), patternOf(uint32(i), path.alpha))
			}
			texs, softTex := p.textures(t, bufs, path.zeroCopy)
			rng := rand.New(rand.NewPCG(1, 2))
			const W, H = 203, 157
			scenes := make([]render.Scene, 40)
			for i := range scenes {
				scenes[i] = randomScene(rng, texs, W, H, path.tol == 0)
			}
			for i, sc := range scenes {
				_, n := p.renderAndCompareTol(t, fmt.Sprintf("scene %d", i), sc, softTex, W, H, path.tol)
				off += n
			}

			// The client rewrites every buffer but damages only parts:
			// both renderers must show the old pixels outside the damage.
			for i, b := range bufs {
				b.draw(image.Rect(0, 0, b.w, b.h), patternOf(uint32(100+i), path.alpha))
				damage := []image.Rectangle{
					image.Rect(1, 2, b.w/2+1, b.h/2),
					image.Rect(b.w-3, b.h-2, b.w+5, b.h+5), // partly outside
				}
				b.uploadBoth(t, texs[i], softTex[texs[i]], damage, path.zeroCopy)
			}
			for i, sc := range scenes {
				_, n := p.renderAndCompareTol(t, fmt.Sprintf("damaged scene %d", i), sc, softTex, W, H, path.tol)
				off += n
			}
			t.Logf("%d pixels off by one (of %d)", off, 2*len(scenes)*W*H)
			// A full-buffer view of the first texture, to see that the
			// damage really was partial: a pixel outside the damage still
			// has the old pattern.
			sc := render.Scene{Items: []render.Item{{Texture: texs[0], Dst: image.Rect(0, 0, 37, 23), Opaque: true}}}
			got := p.renderAndCompare(t, "texture 0", sc, softTex, 37, 23)
			if old := patternOf(0, path.alpha)(30, 1) | 0xff000000; got[1*37+30] != old {
				t.Errorf("pixel outside the damage = %08x, want the old %08x", got[1*37+30], old)
			}
			if nw := patternOf(100, path.alpha)(2, 3) | 0xff000000; got[3*37+2] != nw {
				t.Errorf("pixel inside the damage = %08x, want the new %08x", got[3*37+2], nw)
			}
		})
	}
}

// randomScene makes a scene of 1 to 8 items over a random background.
// With exact, items filtered linearly are drawn opaque: a blend of texels
// of alpha 0 and 255 is translucent, and the driver may round its blend
// over the output 1 off (see TestMatchesSoft); the filtered colours are
// still compared exactly.
func randomScene(rng *rand.Rand, texs []render.Texture, W, H int, exact bool) render.Scene {
	sc := render.Scene{Background: [4]uint8{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256))}}
	if rng.IntN(2) == 0 {
		sc.Background[3] = 0xff
	}
	n := 1 + rng.IntN(8)
	for range n {
		tex := texs[rng.IntN(len(texs))]
		tw, th := tex.Size()
		src := image.Rect(0, 0, tw, th)
		it := render.Item{Texture: tex}
		if rng.IntN(3) == 0 {
			x0, y0 := rng.IntN(tw), rng.IntN(th)
			src = image.Rect(x0, y0, x0+1+rng.IntN(tw-x0), y0+1+rng.IntN(th-y0))
			it.Src = src
		}
		it.Transform = render.Transform(rng.IntN(8))
		it.Scale = int32(1 + rng.IntN(3))
		uw, uh := src.Dx(), src.Dy()
		if it.Transform.SwapsAxes() {
			uw, uh = uh, uw
		}
		dw, dh := max(uw/int(it.Scale), 1), max(uh/int(it.Scale), 1)
		switch rng.IntN(4) {
		case 0: // stretched to an arbitrary size
			dw, dh = 1+rng.IntN(90), 1+rng.IntN(90)
		case 1: // scaled up (a scale-1 buffer on a zoomed output)
			dw, dh = uw*2, uh*3
		}
		x, y := rng.IntN(W+40)-20-dw/2, rng.IntN(H+40)-20-dh/2
		it.Dst = image.Rect(x, y, x+dw, y+dh)
		it.Opaque = rng.IntN(5) == 0 || exact && (render.Linear(uw, dw) || render.Linear(uh, dh))
		if rng.IntN(3) == 0 { // an opaque region: a body inside shadows, maybe past the edges
			in := func(n int) int { return rng.IntN(max(n/3, 1)) - rng.IntN(2) }
			it.OpaqueRect = image.Rect(x+in(dw), y+in(dh), x+dw-in(dw), y+dh-in(dh))
		}
		sc.Items = append(sc.Items, it)
	}
	return sc
}

// TestTransformsExact checks every transform at scale 1 and 2 on a buffer
// with distinct pixels, one item per output.
func TestTransformsExact(t *testing.T) {
	h := headless(t)
	p := &pair{gl: h, soft: soft.New()}
	cp := newClientPool(t, 1<<16, true, shm.ReadAuto)
	b := &buffer{p: cp, off: 0, w: 6, h: 4, stride: 6*4 + 4, format: shm.FormatARGB8888}
	b.draw(image.Rect(0, 0, 6, 4), func(x, y int) uint32 { return 0xff000000 | uint32(x)<<16 | uint32(y)<<8 | 0x55 })
	gt, st := h.NewTexture(), p.soft.NewTexture()
	b.uploadBoth(t, gt, st, nil, true)
	softTex := map[render.Texture]render.Texture{gt: st}
	for tr := render.TransformNormal; tr <= render.TransformFlipped270; tr++ {
		for scale := 1; scale <= 2; scale++ {
			w, hh := 6, 4
			if tr.SwapsAxes() {
				w, hh = hh, w
			}
			w, hh = w/scale, hh/scale
			sc := render.Scene{Items: []render.Item{{Texture: gt, Dst: image.Rect(0, 0, w, hh), Transform: tr, Scale: int32(scale)}}}
			p.renderAndCompare(t, fmt.Sprintf("transform %d scale %d", tr, scale), sc, softTex, w, hh)
		}
	}
	// Transform90 at scale 1 shows buffer pixel (y, W-1-x) at (x, y).
	sc := render.Scene{Items: []render.Item{{Texture: gt, Dst: image.Rect(0, 0, 4, 6), Transform: render.Transform90}}}
	got := p.renderAndCompare(t, "transform 90", sc, softTex, 4, 6)
	for y := 0; y < 6; y++ {
		for x := 0; x < 4; x++ {
			bx, by := y, 4-1-x
			if want := 0xff000000 | uint32(bx)<<16 | uint32(by)<<8 | 0x55; got[y*4+x] != want {
				t.Errorf("90: (%d,%d) = %08x, want %08x", x, y, got[y*4+x], want)
			}
		}
	}
}

// TestOddStride uploads a staged buffer whose stride is not a multiple of
// 4 (row-by-row upload).
func TestOddStride(t *testing.T) {
	h := headless(t)
	p := &pair{gl: h, soft: soft.New()}
	cp := newClientPool(t, 1<<16, false, shm.ReadGuarded)
	b := &buffer{p: cp, off: 3, w: 11, h: 7, stride: 11*4 + 3, format: shm.FormatARGB8888}
	b.draw(image.Rect(0, 0, 11, 7), pattern(5))
	gt, st := h.NewTexture(), p.soft.NewTexture()
	b.uploadBoth(t, gt, st, nil, false)
	b.draw(image.Rect(0, 0, 11, 7), pattern(6))
	b.uploadBoth(t, gt, st, []image.Rectangle{image.Rect(2, 2, 5, 6)}, false)
	sc := render.Scene{Background: [4]uint8{9, 8, 7, 255}, Items: []render.Item{{Texture: gt, Dst: image.Rect(1, 1, 12, 8)}}}
	p.renderAndCompare(t, "odd stride", sc, map[render.Texture]render.Texture{gt: st}, 13, 9)
}

// TestBadUploads: geometry that does not fit the bytes is an error and
// leaves the texture as it was; a foreign texture is skipped with an
// error.
func TestBadUploads(t *testing.T) {
	h := headless(t)
	var s shm.Staging
	s.Reset(4, 4, 16, shm.FormatARGB8888)
	tx := h.NewTexture()
	if err := tx.Upload(&s, nil); err != nil {
		t.Fatal(err)
	}
	s.Reset(4, 4, 8, shm.FormatARGB8888) // stride < width*4
	if err := tx.Upload(&s, nil); err == nil {
		t.Error("stride < width*4 accepted")
	}
	s.Reset(MaxSize+1, 1, (MaxSize+1)*4, shm.FormatARGB8888)
	if err := tx.Upload(&s, nil); err == nil {
		t.Error("oversized buffer accepted")
	}
	if w, hh := tx.Size(); w != 4 || hh != 4 {
		t.Errorf("after bad uploads Size = %dx%d, want 4x4", w, hh)
	}
	foreign := soft.New().NewTexture()
	sc := render.Scene{Items: []render.Item{{Texture: foreign, Dst: image.Rect(0, 0, 1, 1)}, {Texture: tx, Dst: image.Rect(0, 0, 4, 4)}}}
	if err := h.Render(&sc, 4, 4); err == nil {
		t.Error("foreign texture not reported")
	}
	tx.Destroy()
	if err := h.Render(&render.Scene{}, 4, 4); err != nil {
		t.Error(err)
	}
	if err := h.Render(nil, MaxSize+1, 1); err == nil {
		t.Error("oversized output accepted")
	}
}

// TestStopped: after Close the proxy answers ErrStopped instead of
// hanging.
func TestStopped(t *testing.T) {
	h := headless(t)
	tx := h.NewTexture()
	h.Close()
	var s shm.Staging
	s.Reset(1, 1, 4, shm.FormatARGB8888)
	if err := tx.Upload(&s, nil); err != ErrStopped {
		t.Errorf("Upload after Close: %v, want ErrStopped", err)
	}
	if err := h.Render(nil, 1, 1); err != ErrStopped {
		t.Errorf("Render after Close: %v, want ErrStopped", err)
	}
	tx.Destroy()
}

// TestOnePixelStretched: a 1x1 texture (a single-pixel buffer) stretched
// over a large destination, opaque and translucent, and a crop of a
// texture stretched (a wp_viewport source and destination), draw exactly
// as render/soft does.
func TestOnePixelStretched(t *testing.T) {
	h := headless(t)
	p := &pair{gl: h, soft: soft.New()}
	cp := newClientPool(t, 1<<16, false, shm.ReadGuarded)
	bufs := []*buffer{
		{p: cp, off: 0, w: 1, h: 1, stride: 4, format: shm.FormatARGB8888},
		{p: cp, off: 64, w: 1, h: 1, stride: 4, format: shm.FormatARGB8888},
		{p: cp, off: 4096, w: 8, h: 6, stride: 32, format: shm.FormatXRGB8888},
	}
	bufs[0].draw(image.Rect(0, 0, 1, 1), func(int, int) uint32 { return 0xff20c040 })
	bufs[1].draw(image.Rect(0, 0, 1, 1), func(int, int) uint32 { return 0x80400000 }) // premultiplied
	bufs[2].draw(image.Rect(0, 0, 8, 6), patternOf(3, binaryAlpha))
	texs, softTex := p.textures(t, bufs, false)
	sc := render.Scene{Background: [4]uint8{10, 20, 30, 255}, Items: []render.Item{
		{Texture: texs[0], Dst: image.Rect(3, 4, 93, 64), Opaque: true},
		{Texture: texs[1], Dst: image.Rect(50, 30, 120, 90)},
		{Texture: texs[2], Src: image.Rect(2, 1, 6, 4), Dst: image.Rect(10, 70, 47, 95)},
	}}
	p.renderAndCompareTol(t, "stretched", sc, softTex, 128, 100, 1)
}

// TestSampleTables draws more items at ratios the exact program takes
// (filtered linearly, or nearest-neighbour at a ratio that is not an
// integer) than there are sample tables, flipped and cut by the output's
// edges, and checks every pixel against render/soft through frames that
// move them; a frame that keeps every item's geometry computes no table.
func TestSampleTables(t *testing.T) {
	h := headless(t)
	p := &pair{gl: h, soft: soft.New()}
	cp := newClientPool(t, 1<<16, true, shm.ReadAuto)
	b := &buffer{p: cp, off: 0, w: 64, h: 48, stride: 64 * 4, format: shm.FormatXRGB8888}
	b.draw(image.Rect(0, 0, b.w, b.h), patternOf(7, binaryAlpha))
	gt, st := h.NewTexture(), p.soft.NewTexture()
	b.uploadBoth(t, gt, st, nil, true)
	softTex := map[render.Texture]render.Texture{gt: st}
	const W, H = 301, 233
	scene := func(n, shift int) render.Scene {
		sc := render.Scene{Background: [4]uint8{10, 20, 30, 255}}
		for i := range n {
			dw, dh := 37+7*i, 29+5*i // 64 and 48 are multiples of neither
			if i%4 == 3 {
				dw, dh = 96, 72 // 1.5x on both axes: linear
			}
			x, y := (i%4)*80-20+shift, (i/4)*80-15+shift
			sc.Items = append(sc.Items, render.Item{Texture: gt, Dst: image.Rect(x, y, x+dw, y+dh),
				Transform: render.Transform(i % 8), Opaque: true})
		}
		return sc
	}
	fills := func() (n uint64) {
		if err := h.Do(func(r *Renderer) { n = r.sampleFills }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for shift := range 3 {
		p.renderAndCompare(t, fmt.Sprintf("12 items, shift %d", shift), scene(12, shift*9), softTex, W, H)
	}
	var exact uint64
	if err := h.Do(func(r *Renderer) { _, exact = r.Draws() }); err != nil {
		t.Fatal(err)
	}
	if exact == 0 {
		t.Fatal("no item took the exact program")
	}
	sc := scene(sampleSlots, 0)
	p.renderAndCompare(t, "as many items as tables", sc, softTex, W, H)
	before := fills()
	b.draw(image.Rect(0, 0, b.w, b.h), patternOf(8, binaryAlpha))
	b.uploadBoth(t, gt, st, nil, true)
	p.renderAndCompare(t, "same geometry, new pixels", sc, softTex, W, H)
	if n := fills() - before; n != 0 {
		t.Errorf("a frame with every item's geometry unchanged computed %d sample tables, want 0", n)
	}
	// A destination wider than 2^30 pixels (inside render/soft's bounds,
	// sampled nearest-neighbour past render.MaxLinear) is drawn as soft
	// draws it.
	huge := render.Scene{Background: [4]uint8{10, 20, 30, 255}, Items: []render.Item{
		{Texture: gt, Dst: image.Rect(-(1<<29)-5, 10, 1<<29+100, 60), Opaque: true}}}
	p.renderAndCompare(t, "huge destination", huge, softTex, W, H)
}

// TestOpaqueAreaMatchesSoft draws windows with an opaque area (a body
// inside translucent shadows) at 1:1, scaled and transformed, over each
// other, as render/soft does, pixel for pixel.
func TestOpaqueAreaMatchesSoft(t *testing.T) {
	h := headless(t)
	p := &pair{gl: h, soft: soft.New()}
	cp := newClientPool(t, 1<<20, true, shm.ReadAuto)
	bufs := []*buffer{
		{p: cp, off: 0, w: 60, h: 40, stride: 60 * 4, format: shm.FormatARGB8888},
		{p: cp, off: 16384, w: 50, h: 30, stride: 50 * 4, format: shm.FormatABGR8888},
	}
	for i, b := range bufs {
		// Shadows: alpha 0x40 at the edges, a body of distinct colours
		// (alpha 0x80 in part of it: the opaque area ignores it).
		b.draw(image.Rect(0, 0, b.w, b.h), func(x, y int) uint32 {
			c := patternOf(uint32(i), binaryAlpha)(x, y) | 0xff000000
			switch {
			case x < 5 || y < 4 || x >= b.w-5 || y >= b.h-4:
				return 0x40102030
			case x < 10:
				return c&0x007f7f7f | 0x80000000
			}
			return c
		})
	}
	texs, softTex := p.textures(t, bufs, true)
	sc := render.Scene{Background: [4]uint8{0x30, 0x38, 0x40, 0xff}, Items: []render.Item{
		{Texture: texs[0], Dst: image.Rect(3, 4, 63, 44), OpaqueRect: image.Rect(8, 8, 58, 40)},
		{Texture: texs[1], Dst: image.Rect(30, 20, 80, 50), OpaqueRect: image.Rect(35, 24, 75, 46)},
		{Texture: texs[0], Dst: image.Rect(10, 40, 100, 100), OpaqueRect: image.Rect(17, 46, 93, 94)},
		{Texture: texs[1], Dst: image.Rect(90, 5, 120, 55), Transform: render.Transform90, OpaqueRect: image.Rect(94, 10, 116, 50)},
	}}
	p.renderAndCompareTol(t, "opaque areas", sc, softTex, 128, 110, 1)
	// The lower window changes only under the upper one's opaque area
	// (its damage lies inside it): the upper one is drawn over the
	// background there, not over the old frame.
	two := render.Scene{Background: sc.Background, Items: sc.Items[:2]}
	p.renderAndCompareTol(t, "two windows", two, softTex, 128, 110, 1)
	bufs[0].draw(image.Rect(0, 0, bufs[0].w, bufs[0].h), patternOf(9, binaryAlpha))
	bufs[0].uploadBoth(t, texs[0], softTex[texs[0]], []image.Rectangle{image.Rect(33, 21, 53, 34)}, true)
	p.renderAndCompareTol(t, "under an opaque area", two, softTex, 128, 110, 1)
	h.Do(func(r *Renderer) {
		if d := r.Damaged(); len(d) != 1 || !d[0].In(two.Items[1].OpaqueRect) {
			t.Errorf("damage %v, want one rectangle inside %v", d, two.Items[1].OpaqueRect)
		}
	})
}

// TestCulling checks that what an opaque area hides is not drawn, and
// that an item under more opaque areas than maxPieces cuts it into is
// drawn whole and cleared under those areas (their windows are drawn
// over the background colour there), as render/soft draws it.
func TestCulling(t *testing.T) {
	h := headless(t)
	p := &pair{gl: h, soft: soft.New()}
	cp := newClientPool(t, 1<<20, true, shm.ReadAuto)
	big := &buffer{p: cp, off: 0, w: 120, h: 100, stride: 120 * 4, format: shm.FormatARGB8888}
	small := &buffer{p: cp, off: 65536, w: 20, h: 16, stride: 20 * 4, format: shm.FormatARGB8888}
	big.draw(image.Rect(0, 0, big.w, big.h), patternOf(1, binaryAlpha))
	// A body whose left column is translucent: drawn over the background
	// colour, it shows that colour through, not what lies below.
	small.draw(image.Rect(0, 0, small.w, small.h), func(x, y int) uint32 {
		if x < 3 {
			return 0x80402010
		}
		return patternOf(2, binaryAlpha)(x, y) | 0xff000000
	})
	texs, softTex := p.textures(t, []*buffer{big, small}, true)
	bg := [4]uint8{0x30, 0x38, 0x40, 0xff}
	pixels := func() (n int) {
		h.Do(func(r *Renderer) { n = r.drawnPx })
		return n
	}

	// One small window's body hides 20x16 of the big one.
	one := render.Scene{Background: bg, Items: []render.Item{
		{Texture: texs[0], Dst: image.Rect(0, 0, 120, 100)},
		{Texture: texs[1], Dst: image.Rect(30, 30, 50, 46), OpaqueRect: image.Rect(30, 30, 50, 46)},
	}}
	h.Do(func(r *Renderer) { r.Invalidate() })
	before := pixels()
	p.renderAndCompareTol(t, "one opaque area", one, softTex, 120, 100, 1)
	if got, want := pixels()-before, 120*100; got != want {
		t.Errorf("one opaque area: %d pixels drawn, want %d (the big window less what the body hides, and the body)", got, want)
	}

	// A grid of 5x4 bodies over the big window cuts it into more pieces
	// than maxPieces: it is drawn whole, and each body over the
	// background colour.
	grid := render.Scene{Background: bg, Items: []render.Item{{Texture: texs[0], Dst: image.Rect(0, 0, 120, 100)}}}
	for y := range 4 {
		for x := range 5 {
			d := image.Rect(4+x*23, 4+y*24, 24+x*23, 20+y*24)
			grid.Items = append(grid.Items, render.Item{Texture: texs[1], Dst: d, OpaqueRect: d})
		}
	}
	h.Do(func(r *Renderer) { r.Invalidate() })
	before = pixels()
	p.renderAndCompareTol(t, "more areas than pieces", grid, softTex, 120, 100, 1)
	if got, want := pixels()-before, 120*100+20*20*16; got != want {
		t.Errorf("more areas than pieces: %d pixels drawn, want %d (the big window whole, and the bodies)", got, want)
	}
}

// TestLargeOpaque draws opaque windows covering whole tiles of the
// rasterizer (llvmpipe's are 64x64), in every byte order and both
// layouts, and a translucent one with an opaque area that does, as
// render/soft does (X formats' fourth byte is 0 here; TestBlitBufferAge
// checks the window's alpha). llvmpipe's linear rasterizer swapped red
// and blue in such tiles for a shader writing vec4(texel.rgb, 1.0).
func TestLargeOpaque(t *testing.T) {
	for _, mode := range []string{"rgba", "bgra"} {
		t.Run(mode, func(t *testing.T) {
			h := headlessMode(t, mode)
			p := &pair{gl: h, soft: soft.New()}
			cp := newClientPool(t, 4<<20, true, shm.ReadAuto)
			formats := []shm.Format{shm.FormatXRGB8888, shm.FormatARGB8888, shm.FormatXBGR8888, shm.FormatABGR8888, shm.FormatARGB8888}
			var bufs []*buffer
			for i, f := range formats {
				b := &buffer{p: cp, off: i << 19, w: 200, h: 150, stride: 200 * 4, format: f}
				b.draw(image.Rect(0, 0, b.w, b.h), func(x, y int) uint32 {
					switch {
					case i == 4 && (x < 8 || x >= b.w-8): // shadows
						return 0x40102030
					case !f.HasAlpha():
						return uint32(x)<<16 | uint32(y)<<8 | uint32(0x80+i) // alpha byte 0
					}
					return 0xff000000 | uint32(x)<<16 | uint32(y)<<8 | uint32(0x80+i)
				})
				bufs = append(bufs, b)
			}
			texs, softTex := p.textures(t, bufs, true)
			const W, H = 256, 192
			for i, tex := range texs {
				it := render.Item{Texture: tex, Dst: image.Rect(0, 0, 200, 150)}
				if i == 4 {
					it.OpaqueRect = image.Rect(8, 0, 192, 150)
				}
				sc := render.Scene{Background: [4]uint8{0x30, 0x38, 0x40, 0xff}, Items: []render.Item{it}}
				what := fmt.Sprintf("%d (format %#x)", i, uint32(formats[i]))
				p.renderAndCompare(t, what, sc, softTex, W, H)
			}
		})
	}
}
