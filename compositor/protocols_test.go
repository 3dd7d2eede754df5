package compositor

import (
	"bytes"
	"context"
	"image"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// do runs fn on c's display loop.
func do(t *testing.T, c *Compositor, fn func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Sync(ctx, fn); err != nil {
		t.Fatal(err)
	}
}

// runClient starts a real client on c; it is stopped when the test ends.
func runClient(t *testing.T, c *Compositor, name string, args ...string) *bytes.Buffer {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s not installed: %v", name, err)
	}
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "WAYLAND_DISPLAY="+c.Socket.Path, "WAYLAND_DEBUG=")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	})
	return &out
}

// waitWindow waits for a mapped toplevel and returns its rectangle.
func waitWindow(t *testing.T, c *Compositor, out *bytes.Buffer) image.Rectangle {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var r image.Rectangle
		var ok bool
		do(t, c, func() {
			if tops := c.Shell.Toplevels(); len(tops) > 0 {
				r, ok = c.Shell.SurfaceRect(tops[len(tops)-1])
			}
		})
		if ok && !r.Empty() {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("no window\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestWestonConfine: the real weston-confine confines the pointer to its
// window when clicked; the seat then keeps the pointer inside.
func TestWestonConfine(t *testing.T) {
	c, _ := start(t)
	out := runClient(t, c, "weston-confine")
	r := waitWindow(t, c, out)
	mid := r.Min.Add(r.Size().Div(2))
	do(t, c, func() {
		c.Seat.PointerMotion(float64(mid.X), float64(mid.Y), time.Time{})
		c.Seat.PointerButton(0x110, true, time.Time{})
		c.Seat.PointerButton(0x110, false, time.Time{})
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		var active, locked bool
		do(t, c, func() {
			pc := c.Seat.PointerConstraint()
			active, locked = pc.Active, pc.Locked
			c.Seat.PointerMotion(float64(mid.X), float64(mid.Y), time.Time{}) // re-evaluate once the request is in
		})
		if active {
			if locked {
				t.Fatal("weston-confine's constraint is a lock")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("weston-confine did not confine the pointer\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	do(t, c, func() {
		c.Seat.PointerMotion(float64(r.Max.X+300), float64(r.Max.Y+300), time.Time{})
		x, y := c.Seat.PointerPosition()
		if !(image.Point{int(x), int(y)}.In(r)) {
			t.Errorf("confined pointer at %g,%g, outside the window %v", x, y, r)
		}
	})
}
