//go:build cgo && !wayland

package nested

/*
#include <X11/Xlib.h>
#include <unistd.h>

static int nofault_x_fd(void *d) { return dup(ConnectionNumber((Display *)d)); }
*/
import "C"

import (
	"fmt"
	"os"
	"time"
	"unsafe"

	"github.com/go-gl/glfw/v3.3/glfw"
)

// hostWait is how the X11 window's main thread waits: in the runtime's
// network poller, on the X connection's fd (a duplicate: Xlib keeps
// reading its own), on wake's token and on a Go timer, never inside a
// blocking GLFW call. A goroutine blocked in cgo keeps its P in a system
// call, and the runtime's sysmon thread then polls every 20 µs to a few
// ms; parked in Go, every P is idle, and sysmon sleeps until the next
// timer, which is the next frame's.
type hostWait struct {
	conn  *os.File
	ready chan struct{} // a token when the X connection's fd turned readable
	woken chan struct{} // wake's token
	timer *time.Timer
}

// startHostWait registers the X connection's fd with the poller. Main
// thread, after GLFW's init.
func (w *Window) startHostWait() error {
	fd := C.nofault_x_fd(unsafe.Pointer(glfw.GetX11Display()))
	if fd < 0 {
		return fmt.Errorf("nested: dup of the X connection's fd failed")
	}
	f := os.NewFile(uintptr(fd), "x11-connection")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return fmt.Errorf("nested: X connection fd: %w", err)
	}
	hw := &hostWait{conn: f, ready: make(chan struct{}, 1), woken: make(chan struct{}, 1), timer: time.NewTimer(time.Hour)}
	hw.timer.Stop()
	go func() {
		for {
			// The callback's first call reports "not ready", so that Read
			// waits for the fd to turn readable; the second ends Read.
			// Xlib reads the bytes, not this goroutine.
			waited := false
			if err := rc.Read(func(uintptr) bool { r := waited; waited = true; return r }); err != nil {
				return // closed
			}
			select {
			case hw.ready <- struct{}{}:
			default:
			}
		}
	}()
	w.hw = hw
	return nil
}

// stopHostWait closes the duplicate fd and ends the goroutine.
func (w *Window) stopHostWait() {
	if w.hw != nil {
		w.hw.conn.Close()
	}
}

// postWake makes waitHost return. Any goroutine.
func (w *Window) postWake() {
	select {
	case w.hw.woken <- struct{}{}:
	default:
	}
}

// waitHost waits until the X server sends something, postWake runs or d
// passes (d < 0: no timeout), then handles the host's events
// (glfw.PollEvents). Main thread.
func (w *Window) waitHost(d time.Duration) {
	hw := w.hw
	var expired <-chan time.Time
	if d >= 0 {
		hw.timer.Reset(d)
		expired = hw.timer.C
	}
	select {
	case <-hw.ready:
	case <-hw.woken:
	case <-expired:
	}
	hw.timer.Stop()
	glfw.PollEvents()
}
