//go:build cgo

package gl

import (
	"fmt"
	"image"
	"runtime"
	"testing"
	"time"

	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/shm"
)

// The frame-loop benchmarks split the gap between the in-process frame
// (BenchmarkFrameSize: upload + render back to back on the GL thread, the
// same unchanged buffer every time) and the running compositor's frame
// (2x that on an NVIDIA H200, bench/gpu). Each frame goes through the
// Proxy from another goroutine, as the display loop calls it, and the
// variants add one running-compositor condition at a time:
//
//	BenchmarkFrameLoop/SIZE/MODE/COND
//	  hot     frames back to back, the buffer unchanged (BenchmarkFrameSize
//	          plus the Proxy's hand-offs)
//	  paced   one frame per 1/60 s tick, the process idle in between (CPU
//	          caches, TLB and clocks cool down as in the compositor)
//	  fresh   before each frame a client thread rewrites the whole buffer
//	          (the pixels arrive from another core's cache or from memory)
//	  paced-fresh  both: the compositor's conditions without the protocol
//	BenchmarkCopyFresh/SIZE/COND  the bare memcpy of the buffer into Go
//	  memory under the same conditions: the "one memcpy" the frame is
//	  measured against
//
// cpu-ns/op is the process's CPU (GL driver threads included) from the
// start to the end of each frame, the client's drawing left out.

// frameConds are the conditions of BenchmarkFrameLoop and
// BenchmarkCopyFresh.
var frameConds = []struct {
	name         string
	paced, fresh bool
}{{"hot", false, false}, {"paced", true, false}, {"fresh", false, true}, {"paced-fresh", true, true}}

// clientWriter rewrites a buffer on an OS thread of its own, as a client
// draws its next frame: Write returns once the whole buffer holds new
// pixels. Its CPU time is kept apart (CPU).
type clientWriter struct {
	req  chan struct{}
	done chan struct{}
}

func newClientWriter(tb testing.TB, mem []byte) *clientWriter {
	w := &clientWriter{req: make(chan struct{}), done: make(chan struct{})}
	pats := [2][]byte{make([]byte, len(mem)), make([]byte, len(mem))}
	for i := range pats[0] {
		pats[0][i], pats[1][i] = byte(i), byte(i*7+3)
	}
	go func() {
		runtime.LockOSThread()
		n := 0
		for range w.req {
			copy(mem, pats[n&1])
			n++
			w.done <- struct{}{}
		}
	}()
	tb.Cleanup(func() { close(w.req) })
	return w
}

// Write has the client draw a new frame and waits for it.
func (w *clientWriter) Write() {
	w.req <- struct{}{}
	<-w.done
}

// frameLoop runs frame b.N times under the condition and reports
// cpu-ns/op: the process's CPU time (every thread: the Proxy's GL thread,
// the driver's) from just before each frame to just after it, so that
// neither the client's drawing nor the pacing counts.
func frameLoop(b *testing.B, paced, fresh bool, mem []byte, frame func()) {
	var cw *clientWriter
	if fresh {
		cw = newClientWriter(b, mem)
	}
	frame() // allocate textures, warm up
	tick := time.NewTicker(time.Second / 60)
	defer tick.Stop()
	var cpu time.Duration
	b.ResetTimer()
	b.StopTimer()
	for i := 0; i < b.N; i++ {
		if paced {
			<-tick.C
		}
		if cw != nil {
			cw.Write()
		}
		b.StartTimer()
		c0 := cpuTime()
		frame()
		cpu += cpuTime() - c0
		b.StopTimer()
	}
	b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
}

func BenchmarkFrameLoop(b *testing.B) {
	h := headless(b)
	for _, sz := range []image.Point{{1920, 1080}, {3840, 2160}} {
		buf := sizedPool(b, sz.X, sz.Y)
		mem := buf.p.mem[buf.off : buf.off+sz.X*sz.Y*4]
		for _, mode := range []string{"rgba", "rgba,pbo", "rgba,ring", "rgba,persist"} {
			for _, c := range frameConds {
				b.Run(fmt.Sprintf("%dx%d/%s/%s", sz.X, sz.Y, mode, c.name), func(b *testing.B) {
					onGL(b, h, func(r *Renderer) { setMode(b, r, mode) })
					defer onGL(b, h, func(r *Renderer) { setMode(b, r, "rgba") })
					tex := h.NewTexture()
					defer tex.Destroy()
					sc := render.Scene{Background: [4]uint8{0x30, 0x30, 0x38, 0xff},
						Items: []render.Item{{Texture: tex, Dst: image.Rect(0, 0, sz.X, sz.Y)}}}
					b.SetBytes(int64(sz.X * sz.Y * 4))
					frameLoop(b, c.paced, c.fresh, mem, func() {
						// As the shell does at commit: a view, the upload,
						// the release; then the frame's render.
						v, ok := buf.p.pool.View(int64(buf.off), sz.X, sz.Y, sz.X*4, shm.FormatARGB8888)
						if !ok {
							b.Fatal("no zero-copy view")
						}
						if err := tex.Upload(v, nil); err != nil {
							b.Fatal(err)
						}
						v.Release()
						if err := h.Render(&sc, sz.X, sz.Y); err != nil {
							b.Fatal(err)
						}
					})
				})
			}
		}
	}
}

func BenchmarkCopyFresh(b *testing.B) {
	for _, sz := range []image.Point{{1920, 1080}, {3840, 2160}} {
		buf := sizedPool(b, sz.X, sz.Y)
		mem := buf.p.mem[buf.off : buf.off+sz.X*sz.Y*4]
		dst := make([]byte, len(mem))
		for _, c := range frameConds {
			b.Run(fmt.Sprintf("%dx%d/%s", sz.X, sz.Y, c.name), func(b *testing.B) {
				b.SetBytes(int64(len(mem)))
				frameLoop(b, c.paced, c.fresh, mem, func() {
					v, ok := buf.p.pool.View(int64(buf.off), sz.X, sz.Y, sz.X*4, shm.FormatARGB8888)
					if !ok {
						b.Fatal("no zero-copy view")
					}
					copy(dst, v.Bytes()[:len(dst)])
					v.Release()
				})
			})
		}
	}
}
