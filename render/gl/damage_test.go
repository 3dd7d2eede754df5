//go:build cgo

package gl

import (
	"fmt"
	"image"
	"math/rand/v2"
	"slices"
	"testing"

	ogl "github.com/go-gl/gl/v3.3-core/gl"

	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/render/soft"
	"github.com/nofault/nofault/shm"
)

// TestDamageMatchesFullRender runs random frame sequences (partial and
// full uploads, moves, raises, items appearing and disappearing,
// background changes) with output damage tracking, and checks after each
// frame that the output equals a full redraw of the same scene and
// render/soft's pixels, under every upload mode.
func TestDamageMatchesFullRender(t *testing.T) {
	for _, mode := range []string{"rgba", "bgra", "rgba,pbo", "bgra,pbo,orphan", "rgba,ring", "bgra,ring", "rgba,persist", "bgra,persist"} {
		t.Run(mode, func(t *testing.T) {
			h := headlessMode(t, mode)
			p := &pair{gl: h, soft: soft.New()}
			cp := newClientPool(t, 1<<20, true, shm.ReadAuto)
			bufs := []*buffer{
				{p: cp, off: 0, w: 40, h: 30, stride: 40*4 + 8, format: shm.FormatARGB8888},
				{p: cp, off: 8192, w: 25, h: 25, stride: 25 * 4, format: shm.FormatXRGB8888},
				{p: cp, off: 16384, w: 33, h: 17, stride: 33*4 + 4, format: shm.FormatABGR8888},
				{p: cp, off: 24576, w: 12, h: 50, stride: 12 * 4, format: shm.FormatXBGR8888},
			}
			for i, b := range bufs {
				b.draw(image.Rect(0, 0, b.w, b.h), patternOf(uint32(i), binaryAlpha))
			}
			texs, softTex := p.textures(t, bufs, true)
			rng := rand.New(rand.NewPCG(7, uint64(len(mode))))
			const W, H = 120, 90
			sc := randomScene(rng, texs, W, H, true)
			partial := 0
			for step := 0; step < 80; step++ {
				switch c := rng.IntN(10); {
				case c < 5: // a client draws and damages part of its buffer
					i := rng.IntN(len(bufs))
					b := bufs[i]
					b.draw(image.Rect(0, 0, b.w, b.h), patternOf(uint32(1000+step), binaryAlpha))
					x, y := rng.IntN(b.w), rng.IntN(b.h)
					d := []image.Rectangle{image.Rect(x, y, x+1+rng.IntN(b.w-x), y+1+rng.IntN(b.h-y))}
					b.uploadBoth(t, texs[i], softTex[texs[i]], d, true)
				case c < 7: // an item moves
					if len(sc.Items) > 0 {
						it := &sc.Items[rng.IntN(len(sc.Items))]
						it.Dst = it.Dst.Add(image.Pt(rng.IntN(9)-4, rng.IntN(9)-4))
					}
				case c < 8: // raise the bottom item
					if len(sc.Items) > 1 {
						sc.Items = append(sc.Items[1:], sc.Items[0])
					}
				case c < 9: // a new scene
					sc = randomScene(rng, texs, W, H, true)
				default: // nothing changes
				}
				what := fmt.Sprintf("step %d", step)
				got := p.renderAndCompare(t, what, sc, softTex, W, H)
				var damaged []image.Rectangle
				h.Do(func(r *Renderer) {
					damaged = append(damaged, r.Damaged()...)
					r.Invalidate()
				})
				if len(damaged) != 1 || damaged[0] != image.Rect(0, 0, W, H) {
					partial++
				}
				full := p.renderAndCompare(t, what+" full redraw", sc, softTex, W, H)
				compare(t, what+": damage-tracked vs full redraw", got, full, W)
				if t.Failed() {
					t.Fatalf("%s: damage %v, scene %v", what, damaged, sc.Items)
				}
			}
			if partial < 20 {
				t.Errorf("only %d of 80 frames were partial redraws", partial)
			}
		})
	}
}

// TestDamageIsPartial checks that a small window's new frame redraws only
// that window on a 1080p output, and that an unchanged scene redraws
// nothing.
func TestDamageIsPartial(t *testing.T) {
	h := headless(t)
	cp := newClientPool(t, 1<<20, true, shm.ReadAuto)
	b := &buffer{p: cp, w: 256, h: 256, stride: 1024, format: shm.FormatARGB8888}
	b.draw(image.Rect(0, 0, 256, 256), pattern(1))
	tex := h.NewTexture()
	b.upload(t, tex)
	dst := image.Rect(100, 200, 356, 456)
	sc := render.Scene{Background: [4]uint8{1, 2, 3, 255}, Items: []render.Item{{Texture: tex, Dst: dst}}}
	damaged := func() []image.Rectangle {
		var d []image.Rectangle
		h.Do(func(r *Renderer) { d = append(d, r.Damaged()...) })
		return d
	}
	if err := h.Render(&sc, 1920, 1080); err != nil {
		t.Fatal(err)
	}
	if d := damaged(); fmt.Sprint(d) != "[(0,0)-(1920,1080)]" {
		t.Errorf("first frame: damage %v, want all", d)
	}
	if err := h.Render(&sc, 1920, 1080); err != nil {
		t.Fatal(err)
	}
	if d := damaged(); len(d) != 0 {
		t.Errorf("unchanged frame: damage %v, want none", d)
	}
	b.upload(t, tex)
	if err := h.Render(&sc, 1920, 1080); err != nil {
		t.Fatal(err)
	}
	if d := damaged(); fmt.Sprint(d) != fmt.Sprint([]image.Rectangle{dst}) {
		t.Errorf("new client frame: damage %v, want %v", d, dst)
	}
}

// TestDamageMostOfOutput: two stacked windows' new frames damage their
// own pixels (render/damage keeps the corner of their bounding box that
// neither covers out), unless those cover three quarters of the output:
// then the render redraws all of it (mostOf: Mesa clears a whole
// framebuffer in the driver, a part of one with a quad).
func TestDamageMostOfOutput(t *testing.T) {
	h := headless(t)
	for _, tc := range []struct {
		name   string
		a, b   image.Rectangle
		damage string
	}{
		{"half", image.Rect(0, 0, 400, 160), image.Rect(0, 120, 200, 320), "[(0,0)-(400,160) (0,160)-(200,320)]"},
		{"most", image.Rect(0, 0, 400, 260), image.Rect(0, 220, 300, 400), "[(0,0)-(400,400)]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var items []render.Item
			var bufs []*buffer
			var texs []render.Texture
			for i, d := range []image.Rectangle{tc.a, tc.b} {
				cp := newClientPool(t, 1<<20, true, shm.ReadAuto)
				b := &buffer{p: cp, w: d.Dx(), h: d.Dy(), stride: 4 * d.Dx(), format: shm.FormatARGB8888}
				b.draw(image.Rect(0, 0, d.Dx(), d.Dy()), pattern(uint32(i+1)))
				tex := h.NewTexture()
				b.upload(t, tex)
				bufs, texs = append(bufs, b), append(texs, tex)
				items = append(items, render.Item{Texture: tex, Dst: d})
			}
			sc := render.Scene{Background: [4]uint8{1, 2, 3, 255}, Items: items}
			if err := h.Render(&sc, 400, 400); err != nil {
				t.Fatal(err)
			}
			for i, b := range bufs {
				b.upload(t, texs[i])
			}
			if err := h.Render(&sc, 400, 400); err != nil {
				t.Fatal(err)
			}
			var d []image.Rectangle
			h.Do(func(r *Renderer) { d = append(d, r.Damaged()...) })
			slices.SortFunc(d, func(a, b image.Rectangle) int { return a.Min.Y - b.Min.Y })
			if fmt.Sprint(d) != tc.damage {
				t.Errorf("damage %v, want %s", d, tc.damage)
			}
		})
	}
}

// TestFrameNoAllocs checks that a frame (upload of a client buffer with
// damage, render, through the Proxy as the display loop calls it) does
// not allocate, in every upload mode, with an upload hook set as the
// nested window sets one (OnUpload); nor does one whose commit attaches a
// held buffer that the render copies, from a sealed or a guarded pool.
func TestFrameNoAllocs(t *testing.T) {
	h := headless(t)
	uploads := 0
	h.OnUpload(func() { uploads++ })
	cp := newClientPool(t, 1<<20, true, shm.ReadAuto)
	b := &buffer{p: cp, w: 256, h: 256, stride: 1024, format: shm.FormatARGB8888}
	b.draw(image.Rect(0, 0, 256, 256), pattern(1))
	tex := h.NewTexture()
	other := h.NewTexture()
	sc := render.Scene{Background: [4]uint8{1, 2, 3, 255}, Items: []render.Item{
		{Texture: other, Dst: image.Rect(0, 0, 300, 300)},
		{Texture: tex, Dst: image.Rect(10, 10, 266, 266)},
		{Texture: tex, Dst: image.Rect(400, 10, 528, 138), Transform: render.Transform90},
	}}
	v, ok := cp.pool.View(0, 256, 256, 1024, shm.FormatARGB8888)
	if !ok {
		t.Fatal("no zero-copy view")
	}
	defer v.Release()
	if err := other.Upload(v, nil); err != nil {
		t.Fatal(err)
	}
	if uploads != 1 {
		t.Fatalf("upload hook ran %d times after one upload", uploads)
	}
	damage := []image.Rectangle{image.Rect(0, 10, 256, 20), image.Rect(5, 100, 50, 200)}
	for _, mode := range []string{"rgba", "bgra,pbo,orphan", "rgba,ring", "rgba,persist"} {
		m, _ := ParseUploadMode(mode)
		h.Do(func(r *Renderer) { r.SetUploadMode(m) })
		frame := func(dmg []image.Rectangle) {
			if err := tex.Upload(v, dmg); err != nil {
				t.Fatal(err)
			}
			if err := h.Render(&sc, 640, 480); err != nil {
				t.Fatal(err)
			}
		}
		for range 5 {
			frame(nil)
			frame(damage)
		}
		for _, c := range []struct {
			name string
			dmg  []image.Rectangle
		}{{"full", nil}, {"partial", damage}} {
			if a := testing.AllocsPerRun(50, func() { frame(c.dmg) }); a != 0 {
				t.Errorf("%s, %s damage: %v allocations per frame, want 0", mode, c.name, a)
			}
		}
		// The shell's way: the commit attaches the held buffer and the
		// render copies it (the caller's Pixels made beforehand: each
		// commit holds the buffer anew).
		for _, pool := range []*clientPool{cp, newClientPool(t, 1<<20, false, shm.ReadGuarded)} {
			pb := &buffer{p: pool, w: 256, h: 256, stride: 1024, format: shm.FormatARGB8888}
			pb.draw(image.Rect(0, 0, 256, 256), pattern(2))
			held := make([]*shm.Pixels, 0, 64)
			for range cap(held) {
				held = append(held, pool.pool.Pixels(0, 256, 256, 1024, shm.FormatARGB8888))
			}
			attach := func(dmg []image.Rectangle) {
				px := held[0]
				held = held[1:]
				if err := tex.(render.BufferTexture).Attach(px, dmg); err != nil {
					t.Fatal(err)
				}
				if err := h.Render(&sc, 640, 480); err != nil {
					t.Fatal(err)
				}
				px.Release()
			}
			attach(nil)
			attach(damage)
			if a := testing.AllocsPerRun(50, func() { attach(damage) }); a != 0 {
				t.Errorf("%s, attached from a %v pool: %v allocations per frame, want 0", mode, pool.pool.Strategy(), a)
			}
			for _, px := range held {
				px.Release()
			}
		}
	}
}

// TestInfo logs the EGL and GL implementation (bench/gpu's report reads
// these lines) and checks that the strings exist.
func TestInfo(t *testing.T) {
	h := headless(t)
	var renderer, version, vendor string
	h.Do(func(r *Renderer) {
		renderer, version = r.Info()
		vendor = ogl.GoStr(ogl.GetString(ogl.VENDOR))
	})
	t.Logf("EGL_VENDOR: %s", h.EGLVendor)
	t.Logf("EGL_VERSION: %s", h.EGLVersion)
	t.Logf("GL_VENDOR: %s", vendor)
	t.Logf("GL_RENDERER: %s", renderer)
	t.Logf("GL_VERSION: %s", version)
	if h.EGLVendor == "" || renderer == "" || version == "" {
		t.Errorf("empty implementation strings: EGL vendor %q, GL renderer %q, version %q", h.EGLVendor, renderer, version)
	}
}
