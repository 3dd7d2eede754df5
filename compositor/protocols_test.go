package compositor

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nofault/nofault/internal/rawclient"
	"github.com/nofault/nofault/protocol"
	"golang.org/x/sys/unix"
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
func waitWindow(t *testing.T, c *Compositor, out fmt.Stringer) image.Rectangle {
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

// TestPresentationFeedback: a client that commits a real shm buffer with a
// feedback gets presented with a CLOCK_MONOTONIC time between its commit
// and the event's arrival, the output's refresh period and frame count,
// from the running headless frame clock.
func TestPresentationFeedback(t *testing.T) {
	c, path := start(t)
	before, wait := commitWithFeedback(t, path)
	at, refresh, seq, flags := wait(nil)
	var after unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &after)
	if at < before || at > after.Nano() {
		t.Errorf("presented at %d, not between the commit (%d) and now (%d)", at, before, after.Nano())
	}
	if want := uint32(1e12 / int64(c.Output.Refresh())); refresh != want || seq == 0 || flags != 0 {
		t.Errorf("refresh %d (want %d), seq %d, flags %d", refresh, want, seq, flags)
	}
}

// TestPresentAfterSwap: with Options.PresentAfterSwap (the nested
// window), a rendered frame's feedback waits for Presented and carries
// its time.
func TestPresentAfterSwap(t *testing.T) {
	c := startNoClock(t, Options{PresentAfterSwap: true})
	_, wait := commitWithFeedback(t, c.Socket.Path)
	swap := time.Now().Add(50 * time.Millisecond) // far from any frame time
	at, _, seq, _ := wait(func() {
		do(t, c, func() {
			if c.Frame(time.Now()) { // rendered: the feedback waits for the swap
				c.Presented(swap)
			}
		})
	})
	var mono unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &mono)
	if want := mono.Nano() - int64(time.Since(swap)); at < want-int64(time.Millisecond) || at > want+int64(time.Millisecond) {
		t.Errorf("presented at %d, want the swap's time %d", at, want)
	}
	if seq == 0 {
		t.Error("sequence 0")
	}
}

// commitWithFeedback connects to path, maps a toplevel with a real shm
// buffer and commits it with a presentation feedback. It returns the
// CLOCK_MONOTONIC time before the commit and a function that waits for
// the presented event (calling step, if not nil, between round trips)
// and returns its time in ns, refresh, sequence (low word) and flags.
func commitWithFeedback(t *testing.T, path string) (int64, func(step func()) (int64, uint32, uint32, uint32)) {
	t.Helper()
	cl, err := rawclient.Dial(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	if _, err := cl.Globals(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	bind := func(name string, v uint32) uint32 {
		id, err := cl.BindGlobal(name, v)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	send := func(obj uint32, op uint16, args ...any) {
		if err := cl.Send(obj, op, args...); err != nil {
			t.Fatal(err)
		}
	}
	comp, shmG, wm, pres := bind("wl_compositor", 4), bind("wl_shm", 1), bind("xdg_wm_base", 1), bind("wp_presentation", 1)
	surf, xs, top := cl.NewID(), cl.NewID(), cl.NewID()
	send(comp, protocol.WlCompositorRequestCreateSurface, rawclient.NewID(surf))
	send(wm, protocol.XdgWmBaseRequestGetXdgSurface, rawclient.NewID(xs), surf)
	send(xs, protocol.XdgSurfaceRequestGetToplevel, rawclient.NewID(top))
	send(surf, protocol.WlSurfaceRequestCommit)
	evs, err := cl.Roundtrip(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var serial uint32
	for _, ev := range evs {
		if ev.Object == xs && ev.Opcode == protocol.XdgSurfaceEventConfigure {
			serial = ev.Uint(0)
		}
	}
	send(xs, protocol.XdgSurfaceRequestAckConfigure, serial)
	const w, h = 64, 64
	fd, err := unix.MemfdCreate("buf", unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	unix.Ftruncate(fd, w*h*4)
	pool, buf := cl.NewID(), cl.NewID()
	send(shmG, protocol.WlShmRequestCreatePool, rawclient.NewID(pool), rawclient.FD(fd), int32(w*h*4))
	unix.Close(fd)
	send(pool, protocol.WlShmPoolRequestCreateBuffer, rawclient.NewID(buf), int32(0), int32(w), int32(h), int32(w*4), protocol.WlShmFormatXrgb8888)
	fb := cl.NewID()
	send(pres, protocol.WpPresentationRequestFeedback, surf, rawclient.NewID(fb))
	send(surf, protocol.WlSurfaceRequestAttach, buf, int32(0), int32(0))
	send(surf, protocol.WlSurfaceRequestDamage, int32(0), int32(0), int32(w), int32(h))
	var before unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &before)
	send(surf, protocol.WlSurfaceRequestCommit)
	return before.Nano(), func(step func()) (int64, uint32, uint32, uint32) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			evs, err := cl.Roundtrip(5 * time.Second)
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range evs {
				if ev.Object != fb {
					continue
				}
				if ev.Opcode == protocol.WpPresentationFeedbackEventDiscarded {
					t.Fatal("the update was discarded")
				}
				if ev.Opcode != protocol.WpPresentationFeedbackEventPresented {
					continue
				}
				r := ev.Reader()
				hi, lo, ns, refresh, _, seq, flags := r.Uint(), r.Uint(), r.Uint(), r.Uint(), r.Uint(), r.Uint(), r.Uint()
				return int64(uint64(hi)<<32|uint64(lo))*1e9 + int64(ns), refresh, seq, flags
			}
			if time.Now().After(deadline) {
				t.Fatal("no presented event")
			}
			if step != nil {
				step()
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// TestWestonEditor: weston-editor (text-input-unstable-v1) starts, maps
// its window and, clicked, activates its text input in the focused
// surface.
func TestWestonEditor(t *testing.T) {
	c, _ := start(t)
	out := runClient(t, c, "weston-editor")
	r := waitWindow(t, c, out)
	deadline := time.Now().Add(10 * time.Second)
	for {
		var active bool
		do(t, c, func() {
			// The editor's entries fill its window: click in the upper one.
			x, y := float64(r.Min.X+r.Dx()/2), float64(r.Min.Y+r.Dy()/4)
			c.Seat.PointerMotion(x, y, time.Time{})
			c.Seat.PointerButton(0x110, true, time.Time{})
			c.Seat.PointerButton(0x110, false, time.Time{})
			active = c.TextV1.Active(c.Seat) != nil
		})
		if active {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("weston-editor's text input never activated\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	do(t, c, func() {
		if f := c.Seat.KeyboardFocus(); c.TextV1.Active(c.Seat) != f {
			t.Error("the active text input is not in the focused surface")
		}
	})
}

// TestFootPrimarySelection: foot and wl-clipboard share the primary
// selection both ways. A double-click selects a word in foot, which makes
// it the primary selection (wl-paste --primary prints it); text that
// wl-copy --primary offers is pasted into foot by a middle click (foot
// writes it to its shell, which saves it).
func TestFootPrimarySelection(t *testing.T) {
	for _, b := range []string{"foot", "wl-copy", "wl-paste"} {
		if _, err := exec.LookPath(b); err != nil {
			t.Skipf("%s not installed", b)
		}
	}
	c, _ := start(t)
	saved := t.TempDir() + "/pasted"
	const word = "nofaultprimaryword"
	out := runClient(t, c, "foot", "-o", "tweak.render-timer=none", "sh", "-c", "printf "+word+"; cat > "+saved)
	r := waitWindow(t, c, out)
	wait := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("%s\nfoot: %s", what, out.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	// Double-click the word (first row, a few cells in), again if foot
	// had not drawn it yet, until wl-paste --primary prints it.
	x, y := float64(r.Min.X+20), float64(r.Min.Y+8)
	env := append(os.Environ(), "WAYLAND_DISPLAY="+c.Socket.Path, "WAYLAND_DEBUG=")
	var got string
	wait("wl-paste --primary never printed foot's selection", func() bool {
		do(t, c, func() {
			c.Seat.PointerMotion(x, y, time.Time{})
			for i := 0; i < 2; i++ {
				c.Seat.PointerButton(0x110, true, time.Time{})
				c.Seat.PointerButton(0x110, false, time.Time{})
			}
		})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		paste := exec.CommandContext(ctx, "wl-paste", "--primary", "--no-newline")
		paste.Env = env
		b, _ := paste.Output()
		// foot's word selection may end with the line's newline.
		got = strings.TrimSuffix(string(b), "\n")
		return got == word
	})

	// The other way: wl-copy --primary, then a middle click in foot.
	const text = "from-wl-copy"
	cp := exec.Command("wl-copy", "--primary", "--foreground", text+"\n")
	cp.Env = env
	if err := cp.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cp.Process.Kill(); cp.Wait() }()
	wait("wl-copy did not take the primary selection", func() bool {
		var ok bool
		do(t, c, func() {
			mimes, _ := c.Primary.Selection(c.Seat)
			ok = slices.Contains(mimes, "text/plain;charset=utf-8")
		})
		return ok
	})
	wait("foot did not paste the primary selection", func() bool {
		do(t, c, func() {
			c.Seat.PointerMotion(x, y, time.Time{})
			c.Seat.PointerButton(0x112, true, time.Time{})
			c.Seat.PointerButton(0x112, false, time.Time{})
		})
		b, _ := os.ReadFile(saved)
		return bytes.Contains(b, []byte(text))
	})
}

// TestFootUrgency: foot rings its bell in the background with
// bell.urgent=yes, which it does through xdg_activation_v1 (a token for
// its own surface, then activate). Its token comes from a client without
// the keyboard focus, so the focus stays and foot's window is marked
// urgent instead.
func TestFootUrgency(t *testing.T) {
	if _, err := exec.LookPath("weston-simple-shm"); err != nil {
		t.Skip("weston-simple-shm not installed")
	}
	c, _ := start(t)
	ring := t.TempDir() + "/ring"
	out := runClient(t, c, "foot", "-o", "tweak.render-timer=none", "-o", "bell.urgent=yes",
		"sh", "-c", "while [ ! -e "+ring+" ]; do sleep 0.05; done; printf '\\a'; sleep 60")
	waitWindow(t, c, out)
	var foot *protocol.Object
	do(t, c, func() { foot = c.Shell.Focused() })
	other := runClient(t, c, "weston-simple-shm")
	deadline := time.Now().Add(20 * time.Second)
	for {
		var moved bool
		do(t, c, func() { f := c.Shell.Focused(); moved = f != nil && f != foot })
		if moved {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the second window never took the focus\n%s", other.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := os.WriteFile(ring, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(20 * time.Second)
	for {
		var urgent, focusedFoot bool
		do(t, c, func() { urgent, focusedFoot = c.Activate.Urgent(foot), c.Shell.Focused() == foot })
		if focusedFoot {
			t.Fatal("foot's bell took the focus")
		}
		if urgent {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("foot's window never became urgent\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
