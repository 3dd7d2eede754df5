//go:build cgo && !wayland

package nested

/*
#include <X11/Xlib.h>
#include <unistd.h>

static int nofault_x_fd(void *d) { return dup(ConnectionNumber((Display *)d)); }
static int nofault_x_queued(void *d) { return XEventsQueued((Display *)d, QueuedAlready); }
*/
import "C"

import (
	"fmt"
	"os"
	"time"
	"unsafe"

	"github.com/go-gl/glfw/v3.3/glfw"
	"golang.org/x/sys/unix"
)

// hostWait is how the X11 window's main thread waits: in the runtime's
// network poller, on the X connection's fd (a duplicate: Xlib keeps
// reading its own), on wake's token and on a Go timer, never inside a
// blocking GLFW call. A goroutine blocked in cgo keeps its P in a system
// call, and the runtime's sysmon thread then polls every 20 µs to a few
// ms; parked in Go, every P is idle, and sysmon sleeps until the next
// timer, which is the next frame's.
//
// Two ways to miss the host's events are closed:
//   - RawConn.Read begins by clearing the fd's readiness, so bytes that
//     arrived after the previous wait ended and before the next one began
//     would never wake it (an edge-triggered poller reports new bytes
//     only). The watcher looks at the fd itself first (readable).
//   - Xlib may read events into its queue during a call other than
//     glfwPollEvents (a round trip), leaving the fd empty: waitHost does
//     not wait while the queue holds any.
type hostWait struct {
	disp   unsafe.Pointer // GLFW's X display
	conn   *os.File
	ready  chan struct{} // a token when the X connection's fd turned readable
	polled chan struct{} // the main thread has polled the host since the last token
	done   chan struct{} // closed by stopHostWait
	woken  chan struct{} // wake's token
	timer  *time.Timer
}

// startHostWait registers the X connection's fd with the poller. Main
// thread, after GLFW's init.
func (w *Window) startHostWait() error {
	disp := unsafe.Pointer(glfw.GetX11Display())
	fd := C.nofault_x_fd(disp)
	if fd < 0 {
		return fmt.Errorf("nested: dup of the X connection's fd failed")
	}
	f := os.NewFile(uintptr(fd), "x11-connection")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return fmt.Errorf("nested: X connection fd: %w", err)
	}
	hw := &hostWait{disp: disp, conn: f, ready: make(chan struct{}, 1), polled: make(chan struct{}, 1), done: make(chan struct{}),
		woken: make(chan struct{}, 1), timer: time.NewTimer(time.Hour)}
	hw.timer.Stop()
	go func() {
		for {
			// Xlib reads the bytes, not this goroutine: the callback's
			// first call reports whether some are there already, and
			// otherwise Read waits for the fd to turn readable and calls
			// it again, which ends Read.
			first := true
			if err := rc.Read(func(fd uintptr) bool {
				if first {
					first = false
					return readable(int(fd))
				}
				return true
			}); err != nil {
				return // closed
			}
			select {
			case hw.ready <- struct{}{}:
			default:
			}
			// The bytes stay until the main thread polls: wait for that
			// before looking again.
			select {
			case <-hw.polled:
			case <-hw.done:
				return
			}
		}
	}()
	w.hw = hw
	return nil
}

// stopHostWait closes the duplicate fd and ends the goroutine.
func (w *Window) stopHostWait() {
	if w.hw != nil {
		close(w.hw.done)
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
	if C.nofault_x_queued(hw.disp) > 0 {
		d = 0 // events Xlib has read already: handle them now
	}
	var expired <-chan time.Time
	if d >= 0 {
		hw.timer.Reset(d)
		expired = hw.timer.C
	}
	token := false
	select {
	case <-hw.ready:
		token = true
	case <-hw.woken:
	case <-expired:
	}
	hw.timer.Stop()
	glfw.PollEvents()
	if token {
		select {
		case hw.polled <- struct{}{}:
		default:
		}
	}
}

// readable reports whether fd has bytes to read now.
func readable(fd int) bool {
	p := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	n, err := unix.Poll(p, 0)
	return err == nil && n > 0 && p[0].Revents != 0
}
