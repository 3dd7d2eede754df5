package e2e

// Window management in the nested backend on Xvfb, driven by xdotool as a
// user would drive it: a title-bar drag moves weston-terminal, an edge
// drag resizes it, a smaller host window brings it back into reach, two
// foot windows opened one after the other do not cover each other, and
// the window-cycling key raises a hidden window. Positions come from
// nofault's screenshots (SIGUSR1), polled until they show the expected
// state. In process on the headless backend: the move serial check and
// the shortcuts with a keyboard-shortcuts inhibitor.

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nofault/nofault/config"
	"github.com/nofault/nofault/protocol"
	"github.com/rajveermalviya/go-wayland/wayland/client"
	ksi "github.com/rajveermalviya/go-wayland/wayland/unstable/keyboard-shortcuts-inhibit-v1"
)

// startIn runs a Wayland client in the nested compositor p: its socket,
// no host DISPLAY. The client's process group is ended with the test.
func startIn(t *testing.T, p *nestedProc, name string, args ...string) *syncBuffer {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(hostEnv(), "XDG_RUNTIME_DIR="+p.runtimeDir, "WAYLAND_DISPLAY="+p.socket)
	out := new(syncBuffer)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", name, out.String())
		}
	})
	return out
}

// waitShot polls screenshots until cond accepts one, and fails with the
// last one saved when it never does.
func (p *nestedProc) waitShot(what string, timeout time.Duration, cond func(img image.Image) bool) image.Image {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		img := p.screenshot()
		if cond(img) {
			return img
		}
		if time.Now().After(deadline) || !p.alive() {
			savePNG(p.t, img)
			p.t.Fatalf("%s: not seen within %v", what, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitLog waits until the compositor's log holds line at least n times.
func (p *nestedProc) waitLog(line string, n int, timeout time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for strings.Count(p.log.String(), line) < n {
		if time.Now().After(deadline) || !p.alive() {
			p.t.Fatalf("%q not logged %d times within %v", line, n, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// terminalBody finds weston-terminal's black text area: the bounding box of
// the rows that are mostly black (the title text and buttons above it are
// black too, but on short runs).
func terminalBody(img image.Image) (image.Rectangle, bool) {
	var body image.Rectangle
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		var row image.Rectangle
		n := 0
		for x := b.Min.X; x < b.Max.X; x++ {
			if c := rgbaAt(img, x, y); c.R < 8 && c.G < 8 && c.B < 8 {
				n++
				row = row.Union(image.Rect(x, y, x+1, y+1))
			}
		}
		if n >= 200 && n*10 >= row.Dx()*8 {
			body = body.Union(row)
		}
	}
	return body, body.Dx() >= 200 && body.Dy() >= 100
}

// drag presses button 1 at from (nested window coordinates), waits until
// the compositor started the interactive grab (its n-th), moves to to in
// steps and releases.
func drag(t *testing.T, p *nestedProc, display, id string, from, to image.Point, n int) {
	t.Helper()
	xdotool(t, display, "mousemove", "--window", id, strconv.Itoa(from.X), strconv.Itoa(from.Y))
	xdotool(t, display, "mousedown", "1")
	p.waitLog("interactive grab started", n, 20*time.Second)
	for i := 1; i <= 4; i++ {
		at := from.Add(to.Sub(from).Mul(i).Div(4))
		xdotool(t, display, "mousemove", "--window", id, strconv.Itoa(at.X), strconv.Itoa(at.Y))
	}
	xdotool(t, display, "mouseup", "1")
}

// TestWMMoveResizeWestonTerminal drags weston-terminal by its title bar (the
// window follows the pointer exactly), then by its left border (the window
// grows to the left, its right edge stays).
func TestWMMoveResizeWestonTerminal(t *testing.T) {
	need(t, "xdotool", "weston-terminal")
	display := startXvfb(t)
	p := startNested(t, display, "--log-level=debug")
	startIn(t, p, "weston-terminal")
	var body image.Rectangle
	p.waitShot("weston-terminal's window", 30*time.Second, func(img image.Image) bool {
		var ok bool
		body, ok = terminalBody(img)
		return ok
	})
	id := strconv.FormatUint(uint64(nestedWindowID(t, display)), 10)
	xdotool(t, display, "windowfocus", "--sync", id)

	// The title bar is the 27 rows above the text area; press left of the
	// title text.
	delta := image.Pt(-100, 80)
	title := image.Pt(body.Min.X+60, body.Min.Y-13)
	drag(t, p, display, id, title, title.Add(delta), 1)
	want := body.Add(delta)
	p.waitShot(fmt.Sprintf("the terminal moved from %v to %v", body, want), 20*time.Second, func(img image.Image) bool {
		body2, ok := terminalBody(img)
		return ok && body2 == want
	})
	body = want

	// The left border is the 6 columns left of the text area.
	edge := image.Pt(body.Min.X-3, body.Min.Y+body.Dy()/2)
	// weston's toolkit takes two presses within 250 ms for a double
	// click (which does not resize): this is the user's pause between
	// two drags, not a wait for nofault.
	time.Sleep(400 * time.Millisecond)
	drag(t, p, display, id, edge, edge.Add(image.Pt(-120, 0)), 2)
	var got image.Rectangle
	p.waitShot(fmt.Sprintf("the terminal %v grown by about 120 to the left", body), 20*time.Second, func(img image.Image) bool {
		var ok bool
		got, ok = terminalBody(img)
		// weston-terminal sizes itself in character cells: the width
		// may fall short of the pointer by less than a cell.
		return ok && got.Max.X == body.Max.X && got.Min.Y == body.Min.Y && got.Max.Y == body.Max.Y &&
			got.Dx() >= body.Dx()+100 && got.Dx() <= body.Dx()+120
	})
	t.Logf("moved by %v to %v, resized to %v", delta, body, got)

	// Dragged to the bottom right, then the host window shrinks to
	// 640x400: the terminal, wholly outside the smaller output, comes
	// back so that its title bar is on it.
	time.Sleep(400 * time.Millisecond) // no double click, as above
	title = image.Pt(got.Min.X+60, got.Min.Y-13)
	drag(t, p, display, id, title, title.Add(image.Pt(700, 300)), 3)
	p.waitShot("the terminal dragged to the bottom right", 20*time.Second, func(img image.Image) bool {
		b, ok := terminalBody(img)
		return ok && b.Min.X >= 640+6 && b.Min.Y >= 400+27
	})
	xdotool(t, display, "windowsize", "--sync", id, "640", "400")
	p.waitShot("the terminal's title bar on the 640x400 output", 20*time.Second, func(img image.Image) bool {
		_, n := foreground(img)
		return img.Bounds().Size() == image.Pt(640, 400) && n >= 64*32
	})
}

// footBox finds a foot window by its background colour: the bounding box and
// the number of pixels of that colour.
func footBox(img image.Image, rgb uint32) (image.Rectangle, int) {
	return colorBox(img, color.RGBA{uint8(rgb >> 16), uint8(rgb >> 8), uint8(rgb), 0xff})
}

// startFoot opens a foot window of w x h pixels with background rgb and
// waits until it is on the screen.
func startFoot(t *testing.T, p *nestedProc, rgb uint32, w, h int) image.Rectangle {
	t.Helper()
	startIn(t, p, "foot", "-o", "tweak.render-timer=none", "-o", fmt.Sprintf("colors.background=%06x", rgb),
		"-w", fmt.Sprintf("%dx%d", w, h), "sh", "-c", "sleep 600")
	var box image.Rectangle
	p.waitShot(fmt.Sprintf("foot %06x", rgb), 30*time.Second, func(img image.Image) bool {
		var n int
		box, n = footBox(img, rgb)
		return n > w*h/2
	})
	return box
}

// TestWMTwoClientsDoNotOverlap opens two foot windows one after the other:
// the second must not cover any of the first, and both must be whole.
func TestWMTwoClientsDoNotOverlap(t *testing.T) {
	need(t, "foot")
	display := startXvfb(t)
	p := startNested(t, display)
	const colA, colB = 0x802020, 0x208020
	// Beside a centred 400x300 window there is room for another on a
	// 1280x720 output.
	startFoot(t, p, colA, 400, 300)
	startFoot(t, p, colB, 400, 300)
	img := p.screenshot()
	a, na := footBox(img, colA)
	b, nb := footBox(img, colB)
	if a.Overlaps(b) {
		savePNG(t, img)
		t.Fatalf("the windows overlap: %v and %v", a, b)
	}
	// Only the text cursor and prompt are not background.
	if na < a.Dx()*a.Dy()*9/10 || nb < b.Dx()*b.Dy()*9/10 {
		savePNG(t, img)
		t.Fatalf("a window is partly hidden: %v %d pixels, %v %d pixels", a, na, b, nb)
	}
	if out := img.Bounds(); !a.In(out) || !b.In(out) {
		t.Errorf("a window leaves the output %v: %v %v", out, a, b)
	}
}

// TestWMCycleKeyRaisesHidden opens two foot windows too large to sit side by
// side: the second partly hides the first. Ctrl+Super+Tab (the default
// cycle-windows-key) brings the first back on top.
func TestWMCycleKeyRaisesHidden(t *testing.T) {
	need(t, "foot", "xdotool")
	display := startXvfb(t)
	p := startNested(t, display)
	const colA, colB = 0x802020, 0x208020
	startFoot(t, p, colA, 900, 600)
	startFoot(t, p, colB, 900, 600)
	img := p.screenshot()
	a, na := footBox(img, colA)
	if na > a.Dx()*a.Dy()*9/10 {
		savePNG(t, img)
		t.Fatalf("the first window %v is not hidden by the second (%d pixels)", a, na)
	}
	id := strconv.FormatUint(uint64(nestedWindowID(t, display)), 10)
	xdotool(t, display, "windowfocus", "--sync", id)
	xdotool(t, display, "key", "ctrl+super+Tab")
	p.waitShot("the first window raised by Ctrl+Super+Tab", 20*time.Second, func(img image.Image) bool {
		a, na := footBox(img, colA)
		b, nb := footBox(img, colB)
		return na >= a.Dx()*a.Dy()*9/10 && nb < b.Dx()*b.Dy()*9/10
	})
}

// TestWMMoveSerialHeadless runs the compositor in process on the headless
// backend: xdg_toplevel.move starts a grab only with the serial of the
// button press still held on that window (as weston and wlroots check);
// other requests are ignored without an error. The grab moves the window
// with the pointer and ends on release.
func TestWMMoveSerialHeadless(t *testing.T) {
	in := startInProcess(t, config.Size{W: 800, H: 600})
	c := connectClient(t, "client", in.path, true)
	ptr, err := c.seat.GetPointer()
	if err != nil {
		t.Fatal(err)
	}
	var press uint32
	ptr.SetButtonHandler(func(ev client.PointerButtonEvent) {
		if ev.State == 1 {
			press = ev.Serial
		}
	})
	wins := map[string]*wlWindow{}
	for _, name := range []string{"A", "B"} {
		w := c.window(name)
		b := c.buffer(200, 100, 800, 0, fmtXRGB8888, false)
		c.show(w.s, b)
		wins[name] = w
	}
	sync := func(fn func()) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := in.c.Sync(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	var a *protocol.Object
	var pa image.Point
	sync(func() {
		a = in.c.Shell.Toplevels()[0]
		x, y, _ := in.c.Shell.Position(a)
		pa = image.Pt(x, y)
		in.c.Seat.PointerMotion(float64(pa.X+10), float64(pa.Y+10), time.Time{})
		in.c.Seat.PointerButton(0x110, true, time.Time{})
	})
	c.dispatchUntil("the button press", func() bool { return press != 0 }, 20*time.Second)
	noGrab := func(what string) {
		t.Helper()
		c.roundtrip()
		sync(func() {
			if in.c.Seat.Grab() != nil {
				t.Errorf("%s started a grab", what)
				in.c.Seat.EndGrab()
			}
		})
	}
	wins["B"].top.Move(c.seat, press)
	noGrab("a move of another window with the press serial")
	wins["A"].top.Move(c.seat, press+1)
	noGrab("a move with a serial that is not the press")
	wins["A"].top.Resize(c.seat, 0, 8)
	noGrab("a resize with serial 0")

	wins["A"].top.Move(c.seat, press)
	c.roundtrip()
	sync(func() {
		if in.c.Seat.Grab() == nil {
			t.Fatal("a move with the press serial did not start a grab")
		}
		in.c.Seat.PointerMotion(float64(pa.X+60), float64(pa.Y+40), time.Time{})
		if x, y, _ := in.c.Shell.Position(a); image.Pt(x, y) != pa.Add(image.Pt(50, 30)) {
			t.Errorf("window at %d,%d after the pointer moved by 50,30 from %v", x, y, pa)
		}
		in.c.Seat.PointerButton(0x110, false, time.Time{})
		if in.c.Seat.Grab() != nil {
			t.Error("the grab outlived the button release")
		}
	})
	wins["A"].top.Move(c.seat, press)
	noGrab("a move with the serial of a released press")
}

// TestWMShortcutsHeadless drives the default window shortcuts through the
// seat of an in-process headless compositor: Ctrl+Super+Tab raises and
// focuses the bottom window and the client never sees the Tab;
// Ctrl+Super+M brings back a minimized window; while the focused surface
// holds an active zwp_keyboard_shortcuts_inhibitor_v1 the keys go to the
// client instead.
func TestWMShortcutsHeadless(t *testing.T) {
	in := startInProcess(t, config.Size{W: 800, H: 600})
	c := connectClient(t, "client", in.path, true)
	wins := map[string]*wlWindow{}
	for _, name := range []string{"A", "B"} {
		w := c.window(name)
		c.show(w.s, c.buffer(200, 100, 800, 0, fmtXRGB8888, false))
		wins[name] = w
	}
	sync := func(fn func()) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := in.c.Sync(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	const keyCtrl, keyMeta, keyTab, keyM = 29, 125, 15, 50
	press := func(keys ...uint32) {
		sync(func() {
			for _, k := range keys {
				in.c.Seat.Key(k, true, time.Time{})
			}
			for i := len(keys) - 1; i >= 0; i-- {
				in.c.Seat.Key(keys[i], false, time.Time{})
			}
		})
		c.roundtrip()
	}
	c.dispatchUntil("focus on B", func() bool { return c.focus == wins["B"].s }, 10*time.Second)

	press(keyCtrl, keyMeta, keyTab)
	c.dispatchUntil("focus on A after Ctrl+Super+Tab", func() bool { return c.focus == wins["A"].s }, 10*time.Second)
	if fmt.Sprint(c.keys) != fmt.Sprint([]uint32{keyCtrl, keyMeta}) {
		t.Errorf("the client got keys %v, want only the modifiers %v", c.keys, []uint32{keyCtrl, keyMeta})
	}

	wins["A"].top.SetMinimized()
	c.dispatchUntil("focus on B after A minimized", func() bool { return c.focus == wins["B"].s }, 10*time.Second)
	press(keyCtrl, keyMeta, keyM)
	c.dispatchUntil("focus on A after Ctrl+Super+M", func() bool { return c.focus == wins["A"].s }, 10*time.Second)
	sync(func() {
		if n := len(in.c.Shell.Minimized()); n != 0 {
			t.Errorf("%d windows still minimized", n)
		}
	})

	reg, err := c.disp.GetRegistry()
	if err != nil {
		t.Fatal(err)
	}
	mgr := ksi.NewKeyboardShortcutsInhibitManager(c.ctx)
	const iface = "zwp_keyboard_shortcuts_inhibit_manager_v1"
	if err := reg.Bind(c.names[iface], iface, 1, mgr); err != nil {
		t.Fatal(err)
	}
	inh, err := mgr.InhibitShortcuts(wins["A"].s, c.seat)
	if err != nil {
		t.Fatal(err)
	}
	active := false
	inh.SetActiveHandler(func(ksi.KeyboardShortcutsInhibitorActiveEvent) { active = true })
	c.dispatchUntil("the inhibitor active", func() bool { return active }, 10*time.Second)
	c.keys = nil
	press(keyCtrl, keyMeta, keyTab)
	if fmt.Sprint(c.keys) != fmt.Sprint([]uint32{keyCtrl, keyMeta, keyTab}) || c.focus != wins["A"].s {
		t.Errorf("with shortcuts inhibited: keys %v and focus on A %v; want the Tab delivered and no cycling", c.keys, c.focus == wins["A"].s)
	}
}
