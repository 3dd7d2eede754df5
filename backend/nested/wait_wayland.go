//go:build cgo && wayland

package nested

import (
	"time"

	"github.com/go-gl/glfw/v3.3/glfw"
)

// hostWait: a Wayland window waits inside GLFW, which also serves its own
// timers (key repeat, cursor animation) there.
type hostWait struct{}

func (w *Window) startHostWait() error { w.hw = new(hostWait); return nil }
func (w *Window) stopHostWait()        {}

// postWake makes waitHost return: GLFW's empty event. Any goroutine.
func (w *Window) postWake() { glfw.PostEmptyEvent() }

// waitHost waits in GLFW until an event, postWake or d passes (d < 0: no
// timeout). Main thread.
func (w *Window) waitHost(d time.Duration) {
	if d < 0 {
		glfw.WaitEvents()
		return
	}
	glfw.WaitEventsTimeout(d.Seconds())
}
