package compositor

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// testRelative is SDL 2's relative mouse mode test (Debian's
// libsdl2-tests): it calls SDL_SetRelativeMouseMode(SDL_TRUE), which on
// Wayland binds zwp_relative_pointer_manager_v1 and locks the pointer
// with zwp_pointer_constraints_v1.lock_pointer.
const testRelative = "/usr/libexec/installed-tests/SDL2/testrelative"

// keyLeftMeta is the evdev code of the left Super key.
const keyLeftMeta = 125

// lockedBuffer is a bytes.Buffer a running client writes while the test
// reads it.
type lockedBuffer struct {
	mu  sync.Mutex // guards following
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// runTraced starts a real client on c with WAYLAND_DEBUG=1 (libwayland's
// trace of every message on stderr) and extra environment; it is stopped
// when the test ends.
func runTraced(t *testing.T, c *Compositor, env []string, name string, args ...string) *lockedBuffer {
	t.Helper()
	if _, err := os.Stat(name); err != nil {
		t.Skipf("%s not installed (Debian package libsdl2-tests): %v", name, err)
	}
	cmd := exec.Command(name, args...)
	cmd.Env = append(append(os.Environ(), "WAYLAND_DISPLAY="+c.Socket.Path, "WAYLAND_DEBUG=1"), env...)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	})
	return out
}

// waitTrace polls out until re matches, for at most 10 s.
func waitTrace(t *testing.T, out *lockedBuffer, re *regexp.Regexp, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !re.MatchString(out.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: no %q in the client's trace; its pointer messages:\n%s", what, re, pointerTrace(out.String()))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// pointerTrace is the lines of a trace about the pointer (the rest is
// mostly frames), and any that are not trace lines (the client's own
// messages).
func pointerTrace(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, "pointer") || strings.Contains(l, "keyboard@") || !strings.HasPrefix(strings.TrimSpace(l), "[") {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// TestSDLRelativeMouse: SDL 2's testrelative, a real client in relative
// mouse mode, gets a pointer lock once it has the pointer and keyboard
// focus. While locked the pointer stays where it is and the client gets
// the injected deltas as zwp_relative_pointer_v1.relative_motion;
// Super+Escape releases the lock (the client gets
// zwp_locked_pointer_v1.unlocked) and the pointer moves again.
func TestSDLRelativeMouse(t *testing.T) {
	c, _ := start(t)
	out := runTraced(t, c, []string{"SDL_VIDEODRIVER=wayland"}, testRelative)
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
			if !active {
				c.Seat.PointerMotion(float64(mid.X), float64(mid.Y), time.Time{}) // re-evaluate once the request is in
			}
		})
		if active {
			if !locked {
				t.Fatal("testrelative's constraint is a confinement, not a lock")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("testrelative did not lock the pointer\n%s", pointerTrace(out.String()))
		}
		time.Sleep(20 * time.Millisecond)
	}
	waitTrace(t, out, regexp.MustCompile(`zwp_locked_pointer_v1@\d+\.locked\(\)`), "lock")

	// Deltas no other motion of the test makes, sent as a backend with
	// raw motion does and as a plain absolute move.
	do(t, c, func() {
		x0, y0 := c.Seat.PointerPosition()
		c.Seat.PointerMotionRelative(13, -7, 11, -5, time.Time{})
		c.Seat.PointerMotion(x0+29, y0+17, time.Time{})
		if x, y := c.Seat.PointerPosition(); x != x0 || y != y0 {
			t.Errorf("locked pointer moved from %g,%g to %g,%g", x0, y0, x, y)
		}
	})
	fixed := func(v float64) string { return regexp.QuoteMeta(fmt.Sprintf("%.8f", v)) } // libwayland's trace of a wl_fixed
	rel := func(dx, dy, ux, uy float64) *regexp.Regexp {
		return regexp.MustCompile(`zwp_relative_pointer_v1@\d+\.relative_motion\(\d+, \d+, ` +
			fixed(dx) + `, ` + fixed(dy) + `, ` + fixed(ux) + `, ` + fixed(uy) + `\)`)
	}
	waitTrace(t, out, rel(13, -7, 11, -5), "raw relative motion")
	// The absolute move's delta is from where the host pointer was
	// after the raw one: (29-13, 17-(-7)).
	waitTrace(t, out, rel(16, 24, 16, 24), "absolute motion while locked")

	// Super+Escape, the key that always releases a constraint.
	do(t, c, func() {
		c.Seat.Key(keyLeftMeta, true, time.Time{})
		c.Seat.Key(1, true, time.Time{})
		c.Seat.Key(1, false, time.Time{})
		c.Seat.Key(keyLeftMeta, false, time.Time{})
		if pc := c.Seat.PointerConstraint(); pc.Active {
			t.Errorf("constraint still active after Super+Escape: %+v", pc)
		}
	})
	waitTrace(t, out, regexp.MustCompile(`zwp_locked_pointer_v1@\d+\.unlocked\(\)`), "release")
	trace := out.String()
	locked := trace[strings.Index(trace, ".locked()"):strings.Index(trace, ".unlocked()")]
	if m := regexp.MustCompile(`.*wl_pointer@\d+\.motion\(.*`).FindString(locked); m != "" {
		t.Errorf("absolute motion while locked: %s", m)
	}
	do(t, c, func() {
		c.Seat.PointerMotion(float64(mid.X+5), float64(mid.Y+3), time.Time{})
		if x, y := c.Seat.PointerPosition(); x != float64(mid.X+5) || y != float64(mid.Y+3) {
			t.Errorf("released pointer at %g,%g, want %d,%d", x, y, mid.X+5, mid.Y+3)
		}
	})
}
