//go:build cgo

package gl

import (
	"errors"
	"image"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/render/soft"
	"github.com/nofault/nofault/shm"
)

// uploaded reports whether tex's GL texture has pixels yet, read on the GL
// thread.
func uploaded(tb testing.TB, h *Headless, tex render.Texture) bool {
	tb.Helper()
	var ok bool
	if err := h.Do(func(*Renderer) { ok = tex.(*proxyTexture).t.id != 0 }); err != nil {
		tb.Fatal(err)
	}
	return ok
}

// TestAttachUploadsAtRender: textures take held buffers (Attach) and copy
// them only at the next Render, the damage of every Attach since: two
// buffers in turn, two commits between renders, a sealed (zero-copy) and a
// guarded (staged) pool, each frame pixel-exact against render/soft drawing
// the same buffers.
func TestAttachUploadsAtRender(t *testing.T) {
	for _, tc := range []struct {
		name     string
		sealed   bool
		mode     shm.ReadMode
		zeroCopy bool
	}{
		{"sealed", true, shm.ReadAuto, true},
		{"guarded", false, shm.ReadGuarded, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := pair{gl: headless(t), soft: soft.New()}
			const w, hh = 48, 40
			cp := newClientPool(t, 1<<20, tc.sealed, tc.mode)
			if _, ok := cp.pool.View(0, w, hh, w*4, shm.FormatARGB8888); ok != tc.zeroCopy {
				t.Fatalf("pool %v: zero-copy %v, want %v", cp.pool.Strategy(), ok, tc.zeroCopy)
			}
			bufs := [2]*buffer{
				{p: cp, off: 0, w: w, h: hh, stride: w*4 + 16, format: shm.FormatARGB8888},
				{p: cp, off: 1 << 19, w: w, h: hh, stride: w*4 + 16, format: shm.FormatARGB8888},
			}
			gt, st := p.gl.NewTexture(), p.soft.NewTexture()
			softTex := map[render.Texture]render.Texture{gt: st}
			sc := render.Scene{Background: [4]uint8{0x10, 0x20, 0x30, 0xff},
				Items: []render.Item{{Texture: gt, Dst: image.Rect(5, 3, 5+w, 3+hh)}}}
			var held []*shm.Pixels // the gl texture's, released as the shell does at the next Attach
			var last *shm.Pixels   // the gl texture's latest
			attach := func(b *buffer, damage []image.Rectangle) {
				t.Helper()
				gpx := cp.pool.Pixels(int64(b.off), b.w, b.h, b.stride, b.format)
				spx := cp.pool.Pixels(int64(b.off), b.w, b.h, b.stride, b.format)
				if err := gt.(render.BufferTexture).Attach(gpx, damage); err != nil {
					t.Fatal(err)
				}
				if err := st.(render.BufferTexture).Attach(spx, damage); err != nil {
					t.Fatal(err)
				}
				held = append(held, gpx, spx)
				last = gpx
				for len(held) > 4 {
					held[0].Release()
					held = held[1:]
				}
			}
			t.Cleanup(func() {
				for _, px := range held {
					px.Release()
				}
			})
			colour := func(seed uint32) func(x, y int) uint32 {
				return func(x, y int) uint32 { return 0x80000000 | (seed*0x9e3779b9+uint32(x*7+y*131))&0x7f7f7f7f }
			}
			// The first attach: everything, not copied before the render.
			bufs[0].draw(image.Rect(0, 0, w, hh), colour(1))
			attach(bufs[0], nil)
			if w, h := gt.Size(); w != 48 || h != 40 {
				t.Fatalf("size after attach %dx%d", w, h)
			}
			if uploaded(t, p.gl, gt) {
				t.Fatal("Attach copied the buffer before any render")
			}
			p.renderAndCompare(t, "first frame", sc, softTex, 60, 50)
			// Frames alternate buffers. The client keeps both alike: what
			// it draws into the buffer it attaches (the damage, against the
			// buffer attached before) it draws into the other afterwards.
			// Odd frames commit twice before the render.
			bufs[1].draw(image.Rect(0, 0, w, hh), colour(1))
			n := 0
			for frame := 2; frame < 12; frame++ {
				for c := 0; c < 1+frame%2; c++ {
					n++
					b, o := bufs[n%2], bufs[(n+1)%2]
					r := image.Rect(frame+c*20, frame*2, frame+c*20+9, frame*2+7)
					if frame == 7 {
						r = image.Rect(-3, 30, w+5, hh+9) // clipped to the buffer
					}
					b.draw(r, colour(uint32(n)))
					attach(b, []image.Rectangle{r})
					o.draw(r, colour(uint32(n)))
				}
				p.renderAndCompare(t, "frame", sc, softTex, 60, 50)
				// Copied: the render released it (the client gets
				// wl_buffer.release before the frame callback).
				var st shm.Staging
				if _, err := last.Image(&st, nil); !errors.Is(err, shm.ErrClosed) {
					t.Fatalf("frame %d: the buffer attached is still held after the render (%v)", frame, err)
				}
			}
		})
	}
}

// TestAttachFaultAtRender: a guarded pool shrinks between an Attach and
// the Render that copies it. The copy is made under the fault guard on the
// caller's goroutine, so the render goes on: the texture keeps the pixels
// it had, and a bystander attached in the same frame is drawn. A texture
// destroyed between its Attach and the Render is not copied at all.
func TestAttachFaultAtRender(t *testing.T) {
	h := headless(t)
	const w, hh = 32, 32
	bad := newClientPool(t, 1<<20, false, shm.ReadGuarded)
	good := newClientPool(t, 1<<20, true, shm.ReadAuto)
	ob := &buffer{p: bad, off: 1 << 19, w: w, h: hh, stride: w * 4, format: shm.FormatXRGB8888}
	gb := &buffer{p: good, off: 0, w: w, h: hh, stride: w * 4, format: shm.FormatXRGB8888}
	ob.draw(image.Rect(0, 0, w, hh), func(int, int) uint32 { return 0xffff0000 })
	gb.draw(image.Rect(0, 0, w, hh), func(int, int) uint32 { return 0xff00ff00 })
	ot, gt, dt := h.NewTexture(), h.NewTexture(), h.NewTexture()
	sc := render.Scene{Background: [4]uint8{0, 0, 0, 0xff}, Items: []render.Item{
		{Texture: ot, Dst: image.Rect(0, 0, w, hh)},
		{Texture: gt, Dst: image.Rect(w, 0, 2*w, hh)},
	}}
	var held []*shm.Pixels
	t.Cleanup(func() {
		for _, px := range held {
			px.Release()
		}
	})
	attach := func(tex render.Texture, b *buffer) {
		t.Helper()
		px := b.p.pool.Pixels(int64(b.off), b.w, b.h, b.stride, b.format)
		held = append(held, px)
		if err := tex.(render.BufferTexture).Attach(px, nil); err != nil {
			t.Fatal(err)
		}
	}
	attach(ot, ob)
	attach(gt, gb)
	if err := h.Render(&sc, 2*w, hh); err != nil {
		t.Fatal(err)
	}
	if px := readOut(t, h, 2*w, hh); px[0] != 0xffff0000 || px[w] != 0xff00ff00 {
		t.Fatalf("first frame: %08x %08x", px[0], px[w])
	}
	// The offender redraws and commits, then shrinks its file; the
	// bystander commits new pixels in the same frame.
	ob.draw(image.Rect(0, 0, w, hh), func(int, int) uint32 { return 0xff0000ff })
	attach(ot, ob)
	gb.draw(image.Rect(0, 0, w, hh), func(int, int) uint32 { return 0xffffff00 })
	attach(gt, gb)
	if err := unix.Ftruncate(bad.fd, 4096); err != nil {
		t.Fatal(err)
	}
	// A texture attached and destroyed before the render.
	attach(dt, gb)
	dt.Destroy()
	if err := h.Render(&sc, 2*w, hh); err != nil {
		t.Fatalf("render after the shrink: %v", err)
	}
	if px := readOut(t, h, 2*w, hh); px[0] != 0xffff0000 || px[w] != 0xffffff00 {
		t.Fatalf("after the shrink: offender %08x (want its last good ffff0000), bystander %08x (want ffffff00)", px[0], px[w])
	}
	if !bad.pool.Faulted() {
		t.Error("the shrunk pool never faulted")
	}
	if uploaded(t, h, dt) {
		t.Error("a texture destroyed before the render was copied")
	}
}
