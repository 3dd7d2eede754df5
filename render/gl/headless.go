//go:build cgo

package gl

import (
	"runtime"

	"github.com/nofault/nofault/render/gl/egl"
)

// Headless is a GL renderer with no window: an EGL surfaceless context on
// a goroutine of its own, locked to its OS thread, served through a Proxy.
// The headless backend uses it for --renderer=gl; tests and benchmarks use
// it where no display server exists.
type Headless struct {
	*Proxy
	// EGLVendor and EGLVersion are the EGL display's strings.
	EGLVendor, EGLVersion string

	quit chan struct{}
	done chan struct{}
}

// NewHeadless starts the GL thread, makes the context and the renderer.
// It fails when EGL surfaceless or OpenGL 3.3 core is not available.
func NewHeadless() (*Headless, error) {
	t := NewThread(nil)
	h := &Headless{quit: make(chan struct{}), done: make(chan struct{})}
	errc := make(chan error, 1)
	go func() {
		// Never unlocked: if anything leaves GL state on this thread,
		// the thread ends with the goroutine.
		runtime.LockOSThread()
		defer close(h.done)
		ctx, err := egl.New()
		if err != nil {
			errc <- err
			return
		}
		h.EGLVendor, h.EGLVersion = ctx.Info()
		r, err := NewWithLoader(egl.ProcAddress)
		if err != nil {
			ctx.Destroy()
			errc <- err
			return
		}
		h.Proxy = NewProxy(t, r)
		errc <- nil
		for {
			select {
			case <-t.Ready():
				t.Serve()
			case <-h.quit:
				t.Stop()
				r.Close()
				ctx.Destroy()
				return
			}
		}
	}()
	if err := <-errc; err != nil {
		return nil, err
	}
	return h, nil
}

// Do runs fn on the GL thread, with the context current, and waits.
// Tests and benchmarks use it to call the Renderer directly.
func (h *Headless) Do(fn func(r *Renderer)) error {
	return h.Proxy.t.Do(func() { fn(h.Proxy.r) })
}

// Close stops the thread and destroys the renderer and the context.
// Later calls through the Proxy return ErrStopped.
func (h *Headless) Close() error {
	select {
	case <-h.quit:
	default:
		close(h.quit)
	}
	<-h.done
	return nil
}
