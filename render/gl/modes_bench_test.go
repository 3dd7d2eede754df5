//go:build cgo

package gl

import (
	"fmt"
	"image"
	"syscall"
	"testing"
	"time"

	ogl "github.com/go-gl/gl/v3.3-core/gl"

	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/shm"
)

// The upload-mode and frame benchmarks, for telling apart on a real
// driver what an upload costs inside the frame loop (bench/gpu runs them
// on an NVIDIA GPU):
//
//	BenchmarkUploadMode/MODE/SRC/WHERE
//	  MODE   rgba, bgra, rgba,pbo, bgra,pbo, rgba,ring, bgra,ring, rgba,persist,
//	         bgra,persist, rgba,orphan, bgra,orphan
//	  SRC    map: a zero-copy view of the client's memfd mapping;
//	         heap: the same pixels in Go memory (a staged copy made once)
//	  WHERE  alone: uploads back to back, glFinish at the end;
//	         frame: each upload followed by a render that samples the
//	         texture (as in the compositor, no glFinish per frame), so an
//	         upload may wait for the GPU's previous read of the texture
//	BenchmarkFrameSize/SIZE/MODE  full-damage upload + render of a
//	  SIZE output showing the client, no glFinish per frame
//	BenchmarkSmallClient/DAMAGE  a 256x256 client's new frame on a 1080p
//	  output, with output damage tracking on or off
//
// Besides ns/op each reports cpu-ns/op: the process's user+system CPU
// time per operation (the driver's threads included), which is what the
// compositor pays.

// uploadModes are the modes the benchmarks compare.
var uploadModes = []string{"rgba", "bgra", "rgba,pbo", "bgra,pbo", "rgba,ring", "bgra,ring", "rgba,persist", "bgra,persist", "rgba,orphan", "bgra,orphan"}

// cpuTime is the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuMeter reports cpu-ns/op for the timed part of a benchmark.
type cpuMeter struct{ start time.Duration }

func startCPU(b *testing.B) *cpuMeter {
	b.ResetTimer()
	return &cpuMeter{start: cpuTime()}
}

func (m *cpuMeter) stop(b *testing.B) {
	b.StopTimer()
	b.ReportMetric(float64(cpuTime()-m.start)/float64(b.N), "cpu-ns/op")
}

func setMode(b *testing.B, r *Renderer, mode string) {
	m, err := ParseUploadMode(mode)
	if err != nil {
		b.Fatal(err)
	}
	r.SetUploadMode(m)
}

// sizedPool is a sealed pool holding one w x h ARGB8888 buffer.
func sizedPool(b *testing.B, w, h int) *buffer {
	cp := newClientPool(b, w*h*4+4096, true, shm.ReadAuto)
	buf := &buffer{p: cp, off: 4096, w: w, h: h, stride: w * 4, format: shm.FormatARGB8888}
	buf.draw(image.Rect(0, 0, w, h), pattern(1))
	return buf
}

func BenchmarkUploadMode(b *testing.B) {
	h := headless(b)
	buf := sizedPool(b, benchW, benchH)
	var st shm.Staging
	if err := buf.p.pool.Stage(&st, int64(buf.off), benchW, benchH, benchW*4, shm.FormatARGB8888, nil); err != nil {
		b.Fatal(err)
	}
	view, ok := buf.p.pool.View(int64(buf.off), benchW, benchH, benchW*4, shm.FormatARGB8888)
	if !ok {
		b.Fatal("no zero-copy view")
	}
	defer view.Release()
	for _, mode := range uploadModes {
		for _, src := range []struct {
			name string
			img  shm.Image
		}{{"map", view}, {"heap", &st}} {
			for _, inFrame := range []bool{false, true} {
				where := "alone"
				if inFrame {
					where = "frame"
				}
				b.Run(mode+"/"+src.name+"/"+where, func(b *testing.B) {
					onGL(b, h, func(r *Renderer) {
						setMode(b, r, mode)
						defer setMode(b, r, "rgba")
						tex := r.NewTexture()
						defer tex.Destroy()
						sc := render.Scene{Background: [4]uint8{0, 0, 0, 255},
							Items: []render.Item{{Texture: tex, Dst: image.Rect(0, 0, benchW, benchH)}}}
						if err := tex.Upload(src.img, nil); err != nil {
							b.Fatal(err)
						}
						r.Render(&sc, benchW, benchH)
						ogl.Finish()
						b.SetBytes(int64(benchW * benchH * 4))
						m := startCPU(b)
						for i := 0; i < b.N; i++ {
							if err := tex.Upload(src.img, nil); err != nil {
								b.Fatal(err)
							}
							if inFrame {
								if err := r.Render(&sc, benchW, benchH); err != nil {
									b.Fatal(err)
								}
								ogl.Flush()
							}
						}
						ogl.Finish()
						m.stop(b)
					})
				})
			}
		}
	}
}

func BenchmarkFrameSize(b *testing.B) {
	h := headless(b)
	for _, sz := range []image.Point{{1920, 1080}, {3840, 2160}} {
		buf := sizedPool(b, sz.X, sz.Y)
		for _, mode := range uploadModes {
			b.Run(fmt.Sprintf("%dx%d/%s", sz.X, sz.Y, mode), func(b *testing.B) {
				onGL(b, h, func(r *Renderer) {
					setMode(b, r, mode)
					defer setMode(b, r, "rgba")
					tex := r.NewTexture()
					defer tex.Destroy()
					sc := render.Scene{Background: [4]uint8{0x30, 0x30, 0x38, 0xff},
						Items: []render.Item{{Texture: tex, Dst: image.Rect(0, 0, sz.X, sz.Y)}}}
					v, ok := buf.p.pool.View(int64(buf.off), sz.X, sz.Y, sz.X*4, shm.FormatARGB8888)
					if !ok {
						b.Fatal("no zero-copy view")
					}
					defer v.Release()
					m := startCPU(b)
					for i := 0; i < b.N; i++ {
						if err := tex.Upload(v, nil); err != nil {
							b.Fatal(err)
						}
						if err := r.Render(&sc, sz.X, sz.Y); err != nil {
							b.Fatal(err)
						}
						ogl.Flush()
					}
					ogl.Finish()
					m.stop(b)
				})
			})
		}
	}
}

func BenchmarkSmallClient(b *testing.B) {
	h := headless(b)
	buf := sizedPool(b, 256, 256)
	for _, on := range []bool{true, false} {
		name := "damage"
		if !on {
			name = "full-redraw"
		}
		b.Run(name, func(b *testing.B) {
			onGL(b, h, func(r *Renderer) {
				r.SetDamageTracking(on)
				defer r.SetDamageTracking(true)
				tex := r.NewTexture()
				defer tex.Destroy()
				sc := render.Scene{Background: [4]uint8{0x30, 0x30, 0x38, 0xff},
					Items: []render.Item{{Texture: tex, Dst: image.Rect(200, 100, 456, 356)}}}
				v, ok := buf.p.pool.View(int64(buf.off), 256, 256, 1024, shm.FormatARGB8888)
				if !ok {
					b.Fatal("no zero-copy view")
				}
				defer v.Release()
				m := startCPU(b)
				for i := 0; i < b.N; i++ {
					if err := tex.Upload(v, nil); err != nil {
						b.Fatal(err)
					}
					if err := r.Render(&sc, benchW, benchH); err != nil {
						b.Fatal(err)
					}
					ogl.Finish()
				}
				m.stop(b)
			})
		})
	}
}
