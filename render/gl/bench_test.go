//go:build cgo

package gl

import (
	"image"
	"testing"
	"unsafe"

	ogl "github.com/go-gl/gl/v3.3-core/gl"

	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/shm"
)

// The upload benchmarks: one 1920x1080 ARGB8888 buffer, full damage, on
// the GL thread of an EGL surfaceless context (no window, no X):
//
//	zero-copy   Pool.View of a sealed memfd pool + Texture.Upload + Release
//	staged      Pool.Stage of a guarded pool (guarded copy) + Texture.Upload
//	bare-upload glTexSubImage2D of the same bytes (GL_RGBA, swizzled texture)
//	bare-copy   copy() of the same bytes into Go memory
//
// plus the same through the Proxy from another goroutine (the display
// loop's view) and whole frames (upload + render of a 1080p output +
// glFinish). Goals: zero-copy <= 1.1x bare-upload; staged <= 1.5x
// (bare-upload + bare-copy). Figures and command: BENCHMARKS.txt.

const benchW, benchH = 1920, 1080

func benchPool(b *testing.B, sealed bool, mode shm.ReadMode) *buffer {
	cp := newClientPool(b, benchW*benchH*4+4096, sealed, mode)
	buf := &buffer{p: cp, off: 4096, w: benchW, h: benchH, stride: benchW * 4, format: shm.FormatARGB8888}
	buf.draw(image.Rect(0, 0, benchW, benchH), pattern(1))
	return buf
}

func onGL(b *testing.B, h *Headless, fn func(r *Renderer)) {
	if err := h.Do(fn); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkUpload1080p(b *testing.B) {
	h := headless(b)
	size := int64(benchW * benchH * 4)

	b.Run("zero-copy", func(b *testing.B) {
		buf := benchPool(b, true, shm.ReadAuto)
		onGL(b, h, func(r *Renderer) {
			tex := r.NewTexture()
			defer tex.Destroy()
			b.SetBytes(size)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				v, ok := buf.p.pool.View(int64(buf.off), benchW, benchH, benchW*4, shm.FormatARGB8888)
				if !ok {
					b.Fatal("no view")
				}
				if err := tex.Upload(v, nil); err != nil {
					b.Fatal(err)
				}
				v.Release()
			}
			ogl.Finish()
		})
	})

	b.Run("staged", func(b *testing.B) {
		buf := benchPool(b, false, shm.ReadGuarded)
		onGL(b, h, func(r *Renderer) {
			tex := r.NewTexture()
			defer tex.Destroy()
			var st shm.Staging
			b.SetBytes(size)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := buf.p.pool.Stage(&st, int64(buf.off), benchW, benchH, benchW*4, shm.FormatARGB8888, nil); err != nil {
					b.Fatal(err)
				}
				if err := tex.Upload(&st, nil); err != nil {
					b.Fatal(err)
				}
			}
			ogl.Finish()
		})
	})

	b.Run("bare-upload", func(b *testing.B) {
		buf := benchPool(b, true, shm.ReadAuto)
		src := make([]byte, size)
		copy(src, buf.p.mem[buf.off:])
		onGL(b, h, func(r *Renderer) {
			var id uint32
			ogl.GenTextures(1, &id)
			defer ogl.DeleteTextures(1, &id)
			ogl.BindTexture(ogl.TEXTURE_2D, id)
			ogl.TexImage2D(ogl.TEXTURE_2D, 0, ogl.RGBA8, benchW, benchH, 0, ogl.RGBA, ogl.UNSIGNED_BYTE, nil)
			layoutOf(shm.FormatARGB8888, false).setSwizzle()
			ogl.PixelStorei(ogl.UNPACK_ALIGNMENT, 1)
			ogl.PixelStorei(ogl.UNPACK_ROW_LENGTH, benchW)
			b.SetBytes(size)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				ogl.TexSubImage2D(ogl.TEXTURE_2D, 0, 0, 0, benchW, benchH, ogl.RGBA, ogl.UNSIGNED_BYTE, unsafe.Pointer(&src[0]))
			}
			ogl.Finish()
			ogl.PixelStorei(ogl.UNPACK_ROW_LENGTH, 0)
		})
	})

	b.Run("bare-copy", func(b *testing.B) {
		buf := benchPool(b, true, shm.ReadAuto)
		src := buf.p.mem[buf.off : buf.off+int(size)]
		dst := make([]byte, size)
		b.SetBytes(size)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			copy(dst, src)
		}
	})

	b.Run("zero-copy-proxy", func(b *testing.B) {
		buf := benchPool(b, true, shm.ReadAuto)
		tex := h.NewTexture()
		defer tex.Destroy()
		b.SetBytes(size)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			v, ok := buf.p.pool.View(int64(buf.off), benchW, benchH, benchW*4, shm.FormatARGB8888)
			if !ok {
				b.Fatal("no view")
			}
			if err := tex.Upload(v, nil); err != nil {
				b.Fatal(err)
			}
			v.Release()
		}
	})

	b.Run("staged-proxy", func(b *testing.B) {
		buf := benchPool(b, false, shm.ReadGuarded)
		tex := h.NewTexture()
		defer tex.Destroy()
		var st shm.Staging
		b.SetBytes(size)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := buf.p.pool.Stage(&st, int64(buf.off), benchW, benchH, benchW*4, shm.FormatARGB8888, nil); err != nil {
				b.Fatal(err)
			}
			if err := tex.Upload(&st, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkFrame1080p is a whole compositor frame on the GL thread: the
// full-damage upload of a 1920x1080 ARGB client, then the render of a
// 1920x1080 output showing it over the background, then glFinish.
func BenchmarkFrame1080p(b *testing.B) {
	h := headless(b)
	for _, c := range []struct {
		name   string
		sealed bool
		mode   shm.ReadMode
	}{{"zero-copy", true, shm.ReadAuto}, {"staged", false, shm.ReadGuarded}} {
		b.Run(c.name, func(b *testing.B) {
			buf := benchPool(b, c.sealed, c.mode)
			onGL(b, h, func(r *Renderer) {
				tex := r.NewTexture()
				defer tex.Destroy()
				sc := render.Scene{Background: [4]uint8{0x30, 0x30, 0x38, 0xff},
					Items: []render.Item{{Texture: tex, Dst: image.Rect(0, 0, benchW, benchH)}}}
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					buf.upload(b, tex)
					if err := r.Render(&sc, benchW, benchH); err != nil {
						b.Fatal(err)
					}
					ogl.Finish()
				}
			})
		})
	}
}

// BenchmarkRenderScaled redraws, in full, a 1920x1080 output showing
// one 1920x1080 ARGB texture stretched: 1:1 (the fast program), shrunk to
// 1440x810 (a buffer-scale-2 client at output scale 1.5: the exact
// program, filtered linearly) and a 1280x720 part of it grown to 1920x1080
// (a scale-1 client at 1.5: the same), then glFinish.
func BenchmarkRenderScaled(b *testing.B) {
	h := headless(b)
	buf := benchPool(b, true, shm.ReadAuto)
	for _, c := range []struct {
		name string
		src  image.Rectangle
		dst  image.Rectangle
	}{
		{"1to1", image.Rectangle{}, image.Rect(0, 0, benchW, benchH)},
		{"0.75", image.Rectangle{}, image.Rect(0, 0, benchW*3/4, benchH*3/4)},
		{"1.5", image.Rect(0, 0, benchW*2/3, benchH*2/3), image.Rect(0, 0, benchW, benchH)},
	} {
		b.Run(c.name, func(b *testing.B) {
			onGL(b, h, func(r *Renderer) {
				tex := r.NewTexture()
				defer tex.Destroy()
				buf.upload(b, tex)
				sc := render.Scene{Background: [4]uint8{0x30, 0x30, 0x38, 0xff},
					Items: []render.Item{{Texture: tex, Src: c.src, Dst: c.dst}}}
				b.ResetTimer()
				for range b.N {
					r.Invalidate()
					if err := r.Render(&sc, benchW, benchH); err != nil {
						b.Fatal(err)
					}
					ogl.Finish()
				}
			})
		})
	}
}

// BenchmarkStackedWindows is a frame of 8 ARGB 640x480 clients with
// 24-pixel shadows at alpha 64 at both ends of their rows (the harness's
// 8x640-edges) on a 1920x1080 output, six side by side and two over
// them: each uploaded in full, the output redrawn in full, glFinish.
// body: their bodies set as opaque areas (8x640-body).
func BenchmarkStackedWindows(b *testing.B) {
	const w, h, edge = 640, 480, 24
	hd := headless(b)
	cp := newClientPool(b, w*h*4, true, shm.ReadAuto)
	buf := &buffer{p: cp, w: w, h: h, stride: w * 4, format: shm.FormatARGB8888}
	buf.draw(image.Rect(0, 0, w, h), func(x, y int) uint32 {
		if x < edge || x >= w-edge {
			return 0x40101010
		}
		return pattern(1)(x, y) | 0xff000000
	})
	at := []image.Point{{0, 0}, {640, 0}, {1280, 0}, {0, 480}, {640, 480}, {1280, 480}, {320, 240}, {960, 600}}
	for _, body := range []bool{false, true} {
		name := "edges"
		if body {
			name = "body"
		}
		b.Run(name, func(b *testing.B) {
			onGL(b, hd, func(r *Renderer) {
				sc := render.Scene{Background: [4]uint8{0x30, 0x30, 0x38, 0xff}}
				for _, p := range at {
					tex := r.NewTexture()
					defer tex.Destroy()
					it := render.Item{Texture: tex, Dst: image.Rect(p.X, p.Y, p.X+w, p.Y+h)}
					if body {
						it.OpaqueRect = image.Rect(p.X+edge, p.Y, p.X+w-edge, p.Y+h)
					}
					sc.Items = append(sc.Items, it)
				}
				frame := func() {
					for _, it := range sc.Items {
						buf.upload(b, it.Texture)
					}
					if err := r.Render(&sc, benchW, benchH); err != nil {
						b.Fatal(err)
					}
					ogl.Finish()
				}
				frame()
				b.ResetTimer()
				for range b.N {
					frame()
				}
			})
		})
	}
}

// BenchmarkProxyFrame is a frame of 16 surfaces of 256x256 (sealed pools)
// made through the Proxy from another goroutine, as the display loop
// makes it. upload: each commit's copy is a hand-off of its own
// (Texture.Upload), then the render; attach: the commits hand over only
// the buffers (Attach) and the render copies them, in the frame's one
// hand-off (the shell's way since render/gl's textures hold buffers).
func BenchmarkProxyFrame(b *testing.B) {
	h := headless(b)
	const n, w, hh = 16, 256, 256
	cp := newClientPool(b, n*w*hh*4, true, shm.ReadAuto)
	bufs := make([]*buffer, n)
	for i := range bufs {
		bufs[i] = &buffer{p: cp, off: i * w * hh * 4, w: w, h: hh, stride: w * 4, format: shm.FormatARGB8888}
		bufs[i].draw(image.Rect(0, 0, w, hh), pattern(uint32(i+1)))
	}
	for _, mode := range []string{"upload", "attach"} {
		b.Run(mode, func(b *testing.B) {
			sc := render.Scene{Background: [4]uint8{0x30, 0x30, 0x38, 0xff}}
			texs := make([]render.Texture, n)
			for i := range texs {
				texs[i] = h.NewTexture()
				x, y := i%6*(w+8), i/6*(hh+8)
				sc.Items = append(sc.Items, render.Item{Texture: texs[i], Dst: image.Rect(x, y, x+w, y+hh)})
			}
			defer func() {
				for _, t := range texs {
					t.Destroy()
				}
			}()
			var held []*shm.Pixels
			for b.Loop() {
				for i, buf := range bufs {
					if mode == "upload" {
						buf.upload(b, texs[i])
						continue
					}
					px := cp.pool.Pixels(int64(buf.off), w, hh, w*4, shm.FormatARGB8888)
					if err := texs[i].(render.BufferTexture).Attach(px, nil); err != nil {
						b.Fatal(err)
					}
					held = append(held, px)
				}
				if err := h.Render(&sc, 1920, 1080); err != nil {
					b.Fatal(err)
				}
				for _, px := range held {
					px.Release() // the render did already: a no-op, as the shell's
				}
				held = held[:0]
			}
		})
	}
}
