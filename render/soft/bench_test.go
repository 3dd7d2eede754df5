package soft

import (
	"fmt"
	"image"
	"testing"

	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/shm"
)

// pattern is a cheap non-uniform test picture with alpha a.
func pattern(a uint32) func(x, y int) uint32 {
	return func(x, y int) uint32 {
		c := uint32(x*7+y*3) & 0xff
		return a<<24 | mul255(c, a)<<16 | mul255(255-c, a)<<8 | mul255(uint32(y)&0xff, a)
	}
}

func BenchmarkUpload(b *testing.B) {
	const w, h = 1920, 1080
	full := image.Rect(0, 0, w, h)
	// 10% of the area: a centred 607x342 rectangle.
	tenth := image.Rect(656, 369, 656+607, 369+342)
	for _, bc := range []struct {
		name   string
		format shm.Format
		damage image.Rectangle
	}{
		{"1080p-full-ARGB8888", shm.FormatARGB8888, full},
		{"1080p-full-XRGB8888", shm.FormatXRGB8888, full},
		{"1080p-full-ABGR8888", shm.FormatABGR8888, full},
		{"1080p-10pct-ARGB8888", shm.FormatARGB8888, tenth},
		{"1080p-10pct-XRGB8888", shm.FormatXRGB8888, tenth},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := newStaging(w, h, w*4, bc.format, pattern(0xff))
			tex := upload(b, New(), s)
			damage := []image.Rectangle{bc.damage}
			b.SetBytes(int64(bc.damage.Dx() * bc.damage.Dy() * 4))
			b.ReportAllocs()
			for b.Loop() {
				if err := tex.Upload(s, damage); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchRender renders sc into a w x h output in a loop, all of it every
// time (the scene does not change, so damage tracking would draw
// nothing); SetBytes counts output pixels.
func benchRender(b *testing.B, r *Renderer, sc *render.Scene, w, h int) {
	if err := r.Render(sc, w, h); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(w * h * 4))
	b.ReportAllocs()
	for b.Loop() {
		r.Invalidate()
		if err := r.Render(sc, w, h); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDamageFrame is an upload then a render with damage tracking,
// as the compositor does on a commit: the compare harness's partial
// workloads.
func BenchmarkDamageFrame(b *testing.B) {
	const W, H = 1920, 1080
	b.Run("1080p-ARGB-10pct-band", func(b *testing.B) {
		r := New()
		s := newStaging(W, H, W*4, shm.FormatARGB8888, pattern(0xff))
		tex := upload(b, r, s)
		sc := &render.Scene{Background: bg, Items: []render.Item{itemAt(tex, 0, 0, W, H)}}
		benchDamage(b, r, sc, func(i int) {
			y := (i * 108) % (H - 108)
			tex.Upload(s, []image.Rectangle{image.Rect(0, y, W, y+108)})
		})
	})
	b.Run("1080p-16x256-ARGB", func(b *testing.B) {
		r := New()
		s := newStaging(256, 256, 256*4, shm.FormatARGB8888, pattern(0xff))
		sc := &render.Scene{Background: bg}
		var texs []*Texture
		for i := range 16 {
			tex := upload(b, r, s)
			texs = append(texs, tex)
			sc.Items = append(sc.Items, itemAt(tex, 32*i, 32*i, 256, 256)) // cascaded
		}
		benchDamage(b, r, sc, func(int) {
			for _, tex := range texs {
				tex.Upload(s, nil)
			}
		})
	})
	b.Run("1080p-1x256-ARGB", func(b *testing.B) {
		r := New()
		s := newStaging(256, 256, 256*4, shm.FormatARGB8888, pattern(0xff))
		tex := upload(b, r, s)
		sc := &render.Scene{Background: bg, Items: []render.Item{itemAt(tex, 0, 0, 256, 256)}}
		benchDamage(b, r, sc, func(int) { tex.Upload(s, nil) })
	})
}

func benchDamage(b *testing.B, r *Renderer, sc *render.Scene, change func(i int)) {
	if err := r.Render(sc, 1920, 1080); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		change(i)
		i++
		if err := r.Render(sc, 1920, 1080); err != nil {
			b.Fatal(err)
		}
	}
}

var bg = [4]uint8{0x20, 0x30, 0x40, 0xff}

func BenchmarkRender(b *testing.B) {
	// One buffer filling the output.
	for _, c := range []struct {
		name       string
		bw, bh     int // buffer size
		format     shm.Format
		alpha      uint32
		t          render.Transform
		scale      int32
		outW, outH int
	}{
		{"1080p-1-opaque", 1920, 1080, shm.FormatXRGB8888, 0xff, render.TransformNormal, 1, 1920, 1080},
		{"1080p-1-opaque-rot90", 1080, 1920, shm.FormatXRGB8888, 0xff, render.Transform90, 1, 1920, 1080},
		{"1080p-1-opaque-rot180", 1920, 1080, shm.FormatXRGB8888, 0xff, render.Transform180, 1, 1920, 1080},
		{"1080p-1-opaque-scale2", 3840, 2160, shm.FormatXRGB8888, 0xff, render.TransformNormal, 2, 1920, 1080},
		// A client that turns its buffer (wl_surface.set_buffer_transform):
		// ARGB, and a scale-1 one on an output at --scale=2.
		{"1080p-1-ARGB-rot270", 1080, 1920, shm.FormatARGB8888, 0xff, render.Transform270, 1, 1920, 1080},
		{"1080p-1-ARGB-rot90-x2-at-2", 540, 960, shm.FormatARGB8888, 0xff, render.Transform90, 1, 1920, 1080},
		// A scale-1 client (Xwayland's, or one that ignores the scale)
		// on an output at --scale=2: each pixel shown 2x2, nearest.
		{"1080p-1-ARGB-x2-at-2", 960, 540, shm.FormatARGB8888, 0xff, render.TransformNormal, 1, 1920, 1080},
		// At --scale=1.5 a client without fractional-scale-v1 renders at
		// buffer scale 2: its 1280x720 window is a 2560x1440 buffer shown
		// at 1920x1080 (0.75, filtered linearly). A scale-1 client's
		// 1280x720 buffer is shown at the same size (1.5, filtered
		// linearly too).
		{"1080p-1-ARGB-scale2-at-1.5", 2560, 1440, shm.FormatARGB8888, 0xff, render.TransformNormal, 2, 1920, 1080},
		{"1080p-1-ARGB-scale1-at-1.5", 1280, 720, shm.FormatARGB8888, 0xff, render.TransformNormal, 1, 1920, 1080},
		// The same client turned (wl_surface.set_buffer_transform 90):
		// its columns are the buffer's rows.
		{"1080p-1-ARGB-rot90-scale1-at-1.5", 720, 1280, shm.FormatARGB8888, 0xff, render.Transform90, 1, 1920, 1080},
		// Stretched along one axis only (a wp_viewport destination of
		// another aspect): filtered along rows, nearest along columns,
		// and the other way round.
		{"1080p-1-ARGB-stretch-x1.5", 1280, 1080, shm.FormatARGB8888, 0xff, render.TransformNormal, 1, 1920, 1080},
		{"1080p-1-ARGB-stretch-y1.5", 1920, 720, shm.FormatARGB8888, 0xff, render.TransformNormal, 1, 1920, 1080},
		{"2160p-1-opaque", 3840, 2160, shm.FormatXRGB8888, 0xff, render.TransformNormal, 1, 3840, 2160},
		{"2160p-1-ARGB-translucent", 3840, 2160, shm.FormatARGB8888, 0xc0, render.TransformNormal, 1, 3840, 2160},
	} {
		b.Run(c.name, func(b *testing.B) {
			r := New()
			tex := upload(b, r, newStaging(c.bw, c.bh, c.bw*4, c.format, pattern(c.alpha)))
			it := itemAt(tex, 0, 0, c.outW, c.outH)
			it.Transform, it.Scale = c.t, c.scale
			sc := &render.Scene{Background: bg, Items: []render.Item{it}}
			benchRender(b, r, sc, c.outW, c.outH)
		})
	}
	b.Run("1080p-1-window-ARGB", func(b *testing.B) {
		// A 1280x720 ARGB window of opaque pixels (the usual toolkit
		// case: alpha format, alpha 255) over the background.
		r := New()
		tex := upload(b, r, newStaging(1280, 720, 1280*4, shm.FormatARGB8888, pattern(0xff)))
		sc := &render.Scene{Background: bg, Items: []render.Item{itemAt(tex, 320, 180, 1280, 720)}}
		benchRender(b, r, sc, 1920, 1080)
	})
	b.Run("1080p-16x256-ARGB", func(b *testing.B) {
		// 16 translucent 256x256 windows, overlapping, over the background.
		r := New()
		sc := &render.Scene{Background: bg}
		for i := range 16 {
			tex := upload(b, r, newStaging(256, 256, 256*4, shm.FormatARGB8888, pattern(uint32(64+i*12))))
			x, y := 100+(i%4)*200, 100+(i/4)*200
			sc.Items = append(sc.Items, itemAt(tex, x, y, 256, 256))
		}
		benchRender(b, r, sc, 1920, 1080)
	})
}

// BenchmarkFrame is one full-damage 1080p frame: upload then render
// ("upload", the copy renderers and the soft renderer before it drew from
// client memory), or attach the held buffer then render, reading the
// client's pool under shm's guard ("attach").
func BenchmarkFrame(b *testing.B) {
	for _, f := range []shm.Format{shm.FormatXRGB8888, shm.FormatARGB8888} {
		name := "1080p-XRGB8888"
		if f == shm.FormatARGB8888 {
			name = "1080p-ARGB8888"
		}
		b.Run("attach-"+name, func(b *testing.B) {
			benchAttachFrame(b, 1920, 1080, f, !f.HasAlpha(), 1920, 1080)
		})
		b.Run("upload-"+name, func(b *testing.B) {
			r := New()
			s := newStaging(1920, 1080, 1920*4, f, pattern(0xff))
			tex := upload(b, r, s)
			sc := &render.Scene{Background: bg, Items: []render.Item{itemAt(tex, 0, 0, 1920, 1080)}}
			if err := r.Render(sc, 1920, 1080); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(1920 * 1080 * 4)
			b.ReportAllocs()
			for b.Loop() {
				if err := tex.Upload(s, nil); err != nil {
					b.Fatal(err)
				}
				if err := r.Render(sc, 1920, 1080); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFrameScaled is BenchmarkFrame's attach case for a client at
// buffer scale 2 on an output at 1.5 (its 2560x1440 buffer shown at
// 1920x1080, filtered linearly), in the byte orders of both families.
// The item is not marked opaque, as a client with no opaque region's is.
func BenchmarkFrameScaled(b *testing.B) {
	for _, c := range []struct {
		name string
		f    shm.Format
	}{{"ARGB8888", shm.FormatARGB8888}, {"ABGR8888", shm.FormatABGR8888}} {
		b.Run("attach-"+c.name, func(b *testing.B) {
			benchAttachFrame(b, 2560, 1440, c.f, false, 1920, 1080)
		})
	}
}

// benchAttachFrame times frames of a client's bw x bh buffer in format f,
// attached again each frame and drawn over a w x h output (opaque: the
// item is marked opaque).
func benchAttachFrame(b *testing.B, bw, bh int, f shm.Format, opaque bool, w, h int) {
	r := New()
	s := newStaging(bw, bh, bw*4, f, pattern(0xff))
	tex, px, _ := attached(b, r, s, 0)
	sc := &render.Scene{Background: bg, Items: []render.Item{itemAt(tex, 0, 0, w, h)}}
	sc.Items[0].Opaque = opaque
	if err := r.Render(sc, w, h); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(w * h * 4))
	b.ReportAllocs()
	for b.Loop() {
		if err := tex.Attach(px, nil); err != nil {
			b.Fatal(err)
		}
		if err := r.Render(sc, w, h); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadPixels(b *testing.B) {
	r := New()
	tex := upload(b, r, newStaging(1920, 1080, 1920*4, shm.FormatXRGB8888, pattern(0xff)))
	renderScene(b, r, 1920, 1080, itemAt(tex, 0, 0, 1920, 1080))
	buf := make([]byte, 1920*1080*4)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if err := r.ReadPixels(r.Bounds(), buf, 1920*4); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStackedWindow is a window with client-side shadows redrawing
// its body over a maximized one, as the compositor draws it on each
// commit (upload, then a render with damage tracking): with its opaque
// region (render.Item.OpaqueRect) marking the body, as GTK sets it, and
// without.
func BenchmarkStackedWindow(b *testing.B) {
	const W, H, w, h, e = 1920, 1080, 1000, 700, 24
	shadowed := func(x, y int) uint32 {
		if x < e || y < e || x >= w-e || y >= h-e {
			return 0x40000000
		}
		return pattern(0xff)(x, y)
	}
	for _, marked := range []bool{false, true} {
		b.Run(fmt.Sprintf("marked=%v", marked), func(b *testing.B) {
			r := New()
			low := upload(b, r, newStaging(W, H, W*4, shm.FormatARGB8888, pattern(0xff)))
			top := upload(b, r, newStaging(w, h, w*4, shm.FormatARGB8888, shadowed))
			it := itemAt(top, 400, 200, w, h)
			if marked {
				it.OpaqueRect = image.Rect(400+e, 200+e, 400+w-e, 200+h-e)
			}
			sc := &render.Scene{Background: bg, Items: []render.Item{itemAt(low, 0, 0, W, H), it}}
			if err := r.Render(sc, W, H); err != nil {
				b.Fatal(err)
			}
			body := []image.Rectangle{image.Rect(e, e, w-e, h-e)}
			st := newStaging(w, h, w*4, shm.FormatARGB8888, shadowed)
			b.ReportAllocs()
			for b.Loop() {
				if err := top.Upload(st, body); err != nil {
					b.Fatal(err)
				}
				if err := r.Render(sc, W, H); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
