//go:build cgo && !wayland

package nested

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/seat"
	"github.com/nofault/nofault/shm"
)

// GLFW must run on the main OS thread: TestMain keeps it and runs the
// tests on another goroutine; onMain runs a function there.
func init() { runtime.LockOSThread() }

var mainCalls = make(chan func())

func onMain(fn func()) {
	done := make(chan struct{})
	mainCalls <- func() { defer close(done); fn() }
	<-done
}

var (
	xvfbErr error
	ownXvfb bool // DISPLAY is the Xvfb startXvfb started (llvmpipe's GLX)
)

func TestMain(m *testing.M) {
	stop := startXvfb()
	code := make(chan int)
	go func() { code <- m.Run() }()
	for {
		select {
		case fn := <-mainCalls:
			fn()
		case c := <-code:
			stop()
			os.Exit(c)
		}
	}
}

// startXvfb starts Xvfb on a free display when DISPLAY is unset.
func startXvfb() (stop func()) {
	if os.Getenv("DISPLAY") != "" {
		return func() {}
	}
	path, err := exec.LookPath("Xvfb")
	if err != nil {
		xvfbErr = err
		return func() {}
	}
	// -displayfd: Xvfb picks a free display and writes its number once it
	// accepts connections (no race with other Xvfbs, no connecting early).
	r, w, err := os.Pipe()
	if err != nil {
		xvfbErr = err
		return func() {}
	}
	defer r.Close()
	cmd := exec.Command(path, "-displayfd", "3", "-screen", "0", "1280x1024x24", "-nolisten", "tcp", "-noreset")
	cmd.ExtraFiles = []*os.File{w}
	// Xvfb ends with the test binary even when it dies without running
	// stop (Xlib's exit on an X error, a panic, a timeout). The main
	// thread, which starts it, lives as long as the process.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		w.Close()
		xvfbErr = err
		return func() {}
	}
	w.Close()
	if n, _ := bufio.NewReader(r).ReadString('\n'); strings.TrimSpace(n) != "" {
		os.Setenv("DISPLAY", ":"+strings.TrimSpace(n))
		ownXvfb = true
		return func() { cmd.Process.Kill(); cmd.Wait() }
	}
	cmd.Process.Kill()
	cmd.Wait()
	xvfbErr = errors.New("no Xvfb display came up")
	return func() {}
}

// chanLoop is a display loop: one goroutine running queued functions.
// Like server.Display.Do, Do returns without running fn once the loop has
// stopped (the window's event forwarder may still post after the test).
type chanLoop struct {
	fns  chan func()
	stop chan struct{}
}

func newLoop(t *testing.T) chanLoop {
	l := chanLoop{fns: make(chan func(), 256), stop: make(chan struct{})}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case fn := <-l.fns:
				fn()
			case <-l.stop:
				return
			}
		}
	}()
	t.Cleanup(func() { close(l.stop); <-done })
	return l
}

func (l chanLoop) Do(fn func()) {
	select {
	case l.fns <- fn:
	case <-l.stop:
	}
}

// sync runs fn on the loop and waits.
func (l chanLoop) sync(fn func()) {
	done := make(chan struct{})
	l.Do(func() { defer close(done); fn() })
	<-done
}

// fakeComp is a compositor with one ARGB surface, uploaded through the
// window's renderer from the loop goroutine.
type fakeComp struct {
	r       render.Renderer
	tex     render.Texture
	st      shm.Staging
	frames  int
	renders int
	w, h    int
	resizes [][2]int
	err     error
	dirty   bool
	// noneWanted makes FramesWanted false: the window may sleep after a
	// frame that rendered nothing.
	noneWanted bool
}

func (c *fakeComp) FramesWanted() bool { return !c.noneWanted }

func (c *fakeComp) Resize(w, h int) {
	c.w, c.h = w, h
	c.resizes = append(c.resizes, [2]int{w, h})
	c.dirty = true
}

func (c *fakeComp) Frame(now time.Time) bool {
	c.frames++
	if c.tex == nil {
		c.tex = c.r.NewTexture()
		c.st.Reset(4, 2, 16+8, shm.FormatARGB8888)
		b := c.st.Bytes()
		for i, p := range []uint32{0xffff0000, 0xff00ff00, 0xff0000ff, 0x80400000, 0, 0xffffffff, 0xff102030, 0x00000000} {
			binary.LittleEndian.PutUint32(b[(i/4)*24+(i%4)*4:], p)
		}
		if err := c.tex.Upload(&c.st, nil); err != nil {
			c.err = err
		}
		c.dirty = true
	}
	if !c.dirty && c.frames%2 == 1 {
		return false
	}
	c.dirty = false
	sc := render.Scene{Background: [4]uint8{0, 0, 0xff, 0xff}, Items: []render.Item{{Texture: c.tex, Dst: image.Rect(10, 20, 14, 22)}}}
	if err := c.r.Render(&sc, c.w, c.h); err != nil && c.err == nil {
		c.err = err
	}
	c.renders++
	return true
}

// recInput records input events as strings.
type recInput struct {
	mu     sync.Mutex
	events []string
}

func (r *recInput) add(s string) { r.mu.Lock(); r.events = append(r.events, s); r.mu.Unlock() }
func (r *recInput) PointerMotion(x, y float64, _ time.Time) {
	r.add(fmt.Sprintf("motion %.0f %.0f", x, y))
}
func (r *recInput) PointerButton(b uint32, p bool, _ time.Time) {
	r.add(fmt.Sprintf("button %#x %v", b, p))
}
func (r *recInput) PointerAxis(ev seat.AxisEvent, _ time.Time) {
	r.add(fmt.Sprintf("axis %d %v %d", ev.Axis, ev.Value, ev.Value120))
}
func (r *recInput) Key(k uint32, p bool, _ time.Time) { r.add(fmt.Sprintf("key %d %v", k, p)) }
func (r *recInput) ReleaseAllKeys(time.Time)          { r.add("release-all") }
func (r *recInput) has(s string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.events {
		if e == s {
			return true
		}
	}
	return false
}

var _ Input = (*seat.Seat)(nil)

func openWindow(t *testing.T, title string) *Window {
	t.Helper()
	return openWindowWith(t, Options{Title: title, Width: 320, Height: 240})
}

func openWindowWith(t *testing.T, opts Options) *Window {
	t.Helper()
	if xvfbErr != nil {
		t.Skipf("no X display: %v", xvfbErr)
	}
	var w *Window
	var err error
	onMain(func() { w, err = Open(opts) })
	if err != nil {
		t.Skipf("no GL window available: %v", err)
	}
	t.Cleanup(func() { onMain(w.Close) })
	return w
}

// TestSoftOnSoftwareGL opens windows on the test's Xvfb, whose GLX is
// Mesa's llvmpipe: GLX_MESA_query_renderer says it is not accelerated, so
// Options.SoftOnSoftwareGL draws with render/soft, and without it the
// window has GL.
func TestSoftOnSoftwareGL(t *testing.T) {
	if !ownXvfb {
		t.Skip("DISPLAY was set: its GL may be a GPU's")
	}
	for _, tc := range []struct {
		opts Options
		soft bool
	}{
		{Options{SoftOnSoftwareGL: true}, true},
		{Options{}, false},
		{Options{Soft: true}, true},
	} {
		var w *Window
		var err error
		var acc, known bool
		tc.opts.Width, tc.opts.Height, tc.opts.Hidden = 64, 64, true
		onMain(func() {
			if w, err = Open(tc.opts); err == nil {
				acc, known = hostGLAccelerated()
			}
		})
		if err != nil {
			t.Fatalf("%+v: %v", tc.opts, err)
		}
		soft := w.Soft()
		onMain(w.Close)
		if !known || acc {
			t.Errorf("Xvfb's GLX: accelerated %v, known %v; want a known software renderer", acc, known)
		}
		if soft != tc.soft {
			t.Errorf("%+v: Soft() = %v, want %v", tc.opts, soft, tc.soft)
		}
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestNestedWindow runs the window on Xvfb with a compositor that
// uploads and renders from the loop goroutine: frames are paced, the
// output reads back exactly, xdotool's input arrives as evdev codes, a
// resize reaches the compositor, and closing the window ends Run.
func TestNestedWindow(t *testing.T) {
	const title = "nofault-nested-test"
	w := openWindow(t, title)
	loop := newLoop(t)
	comp := &fakeComp{r: w.Renderer()}
	in := &recInput{}
	runErr, cancel := runWindow(w, loop, comp, in)
	defer cancel()

	frames := func() (n int) { loop.sync(func() { n = comp.frames }); return }
	waitFor(t, "frames", func() bool { return frames() > 5 })
	f0 := frames()
	time.Sleep(time.Second)
	rate := frames() - f0
	t.Logf("%d frames in 1 s (Xvfb has no vsync: the 60 Hz floor paces)", rate)
	if rate < 20 || rate > 90 {
		t.Errorf("%d frames per second, want about 60", rate)
	}

	// The output, read back from the loop through the proxy.
	var px [2 * 4 * 4]byte
	var rerr error
	loop.sync(func() {
		if comp.err != nil {
			rerr = comp.err
			return
		}
		rerr = comp.r.ReadPixels(image.Rect(10, 20, 14, 22), px[:], 16)
	})
	if rerr != nil {
		t.Fatal(rerr)
	}
	want := []uint32{0xffff0000, 0xff00ff00, 0xff0000ff, 0xff40007f, 0xff0000ff, 0xffffffff, 0xff102030, 0xff0000ff}
	for i, wv := range want {
		if got := binary.LittleEndian.Uint32(px[i*4:]); got != wv {
			t.Errorf("output pixel %d = %08x, want %08x", i, got, wv)
		}
	}

	// Input with xdotool.
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Log("no xdotool: input not tested")
	} else {
		out, err := exec.Command("xdotool", "search", "--name", title).Output()
		if err != nil {
			t.Fatalf("xdotool search: %v", err)
		}
		id := strings.Fields(string(out))[0]
		xdo := func(args ...string) {
			if out, err := exec.Command("xdotool", args...).CombinedOutput(); err != nil {
				t.Fatalf("xdotool %v: %v: %s", args, err, out)
			}
		}
		xdo("windowfocus", "--sync", id)
		xdo("mousemove", "--window", id, "37", "41")
		waitFor(t, "pointer motion", func() bool { return in.has("motion 37 41") })
		xdo("click", "--window", id, "1")
		waitFor(t, "button", func() bool { return in.has("button 0x110 true") && in.has("button 0x110 false") })
		xdo("click", "--window", id, "5") // wheel down
		waitFor(t, "scroll", func() bool { return in.has("axis 0 15 120") })
		xdo("key", "--window", id, "a")
		waitFor(t, "key a", func() bool { return in.has("key 30 true") && in.has("key 30 false") })
		xdo("key", "--window", id, "shift+Return")
		waitFor(t, "shift+Return", func() bool { return in.has("key 42 true") && in.has("key 28 true") })

		xdo("windowsize", id, "400", "300")
		waitFor(t, "resize", func() bool {
			var ok bool
			loop.sync(func() { ok = comp.w == 400 && comp.h == 300 })
			return ok
		})
	}

	// Closing the window (as the window manager's close button does)
	// ends Run with ErrClosed; later GL calls fail instead of hanging.
	w.win.SetShouldClose(true)
	w.wake()
	select {
	case err := <-runErr:
		if !errors.Is(err, ErrClosed) {
			t.Errorf("Run = %v, want ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after close")
	}
	var uerr error
	loop.sync(func() { uerr = comp.tex.Upload(&comp.st, nil) })
	if uerr == nil {
		t.Error("upload after Run returned no error")
	}
}

// TestNestedCancel: cancelling the context ends Run with nil.
func TestNestedCancel(t *testing.T) {
	w := openWindow(t, "nofault-nested-cancel")
	loop := newLoop(t)
	comp := &fakeComp{r: w.Renderer()}
	runErr, cancel := runWindow(w, loop, comp, nil)
	waitFor(t, "frames", func() bool {
		var n int
		loop.sync(func() { n = comp.renders })
		return n > 2
	})
	cancel()
	waitCancelled(t, runErr, "a window")
}

// runWindow runs w.Run on the main thread with a context that cancel
// ends; runErr receives what Run returned.
func runWindow(w *Window, loop Loop, comp Compositor, in Input) (runErr <-chan error, cancel context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go onMain(func() { errc <- w.Run(ctx, loop, comp, in) })
	return errc, cancel
}

// waitCancelled waits for Run to return nil after its context was
// cancelled.
func waitCancelled(t *testing.T, runErr <-chan error, what string) {
	t.Helper()
	select {
	case err := <-runErr:
		if err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not return from Run after cancel", what)
	}
}

// TestNestedSleepsWhileIdle: after a frame that rendered nothing, with no
// frame wanted, the window stops ticking (an idle nested compositor costs
// no CPU) until Wake, host input or cancellation.
func TestNestedSleepsWhileIdle(t *testing.T) {
	const title = "nofault-nested-sleep"
	w := openWindow(t, title)
	r := runIdle(t, w)
	frames := r.frames
	sleep := func() (asleep bool, n int) {
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.sleeping, w.sleeps
	}
	// Asleep: one sleep lasted six refresh intervals, and no frame ran
	// in it (a frame needs the sleep to end, and the next one counts).
	asleepIdle := func(what string) int {
		t.Helper()
		var n int
		waitFor(t, what, func() bool {
			a0, s0 := sleep()
			n = frames()
			time.Sleep(6 * w.interval)
			a1, s1 := sleep()
			return a0 && a1 && s0 == s1 && frames() == n
		})
		return n
	}
	n := asleepIdle("the idle window to sleep")
	checkWakes(t, w, title, r, image.Pt(17, 19), n, asleepIdle)

	r.cancel()
	waitCancelled(t, r.runErr, "a sleeping window")
}

// idleRun is a window running with a fake compositor that wants no
// frames, so that it sleeps whenever a frame rendered nothing.
type idleRun struct {
	loop   chanLoop
	comp   *fakeComp
	in     *recInput
	runErr <-chan error
	cancel context.CancelFunc // also run at the test's end
}

func runIdle(t *testing.T, w *Window) *idleRun {
	r := &idleRun{loop: newLoop(t), in: &recInput{}}
	r.comp = &fakeComp{r: w.Renderer(), noneWanted: true}
	r.runErr, r.cancel = runWindow(w, r.loop, r.comp, r.in)
	t.Cleanup(r.cancel)
	return r
}

// frames is how many frames the compositor ran.
func (r *idleRun) frames() (n int) { r.loop.sync(func() { n = r.comp.frames }); return }

// checkWakes checks that r's window w, asleep after frame n, runs a frame
// after Wake and after host pointer motion to at, and sleeps again after
// each (sleepIdle waits until it sleeps and returns the frame count then).
func checkWakes(t *testing.T, w *Window, title string, r *idleRun, at image.Point, n int, sleepIdle func(what string) int) {
	t.Helper()
	w.Wake()
	waitFor(t, "a frame after Wake", func() bool { return r.frames() > n })
	n = sleepIdle("sleep after the woken frame")
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Log("no xdotool: waking by input not tested")
		return
	}
	moveHostPointer(t, title, at.X, at.Y)
	motion := fmt.Sprintf("motion %d %d", at.X, at.Y)
	waitFor(t, "pointer motion", func() bool { return r.in.has(motion) })
	waitFor(t, "a frame after input", func() bool { return r.frames() > n })
	sleepIdle("sleep after the input's frame")
}

// moveHostPointer moves the X pointer to (x, y) in the window titled
// title (xdotool).
func moveHostPointer(t *testing.T, title string, x, y int) {
	t.Helper()
	out, err := exec.Command("xdotool", "search", "--sync", "--name", title).Output()
	if err != nil {
		t.Fatalf("xdotool search: %v", err)
	}
	id := strings.Fields(string(out))[0]
	if out, err := exec.Command("xdotool", "mousemove", "--window", id, fmt.Sprint(x), fmt.Sprint(y)).CombinedOutput(); err != nil {
		t.Fatalf("xdotool mousemove: %v: %s", err, out)
	}
}

// TestSoftWindowClock runs a window with Options.Soft: its frames come
// from the display loop's clock without the main thread, stop while the
// compositor is idle, and come again after Wake and after host input;
// cancel ends Run. (What the frames show on the X screen:
// internal/e2e's TestNestedPixelExact.)
func TestSoftWindowClock(t *testing.T) {
	const title = "nofault-nested-soft"
	w := openWindowWith(t, Options{Title: title, Width: 320, Height: 240, Soft: true})
	r := runIdle(t, w)
	loop, comp, frames := r.loop, r.comp, r.frames
	// Idle: no frame in six refresh intervals.
	idle := func(what string) int {
		t.Helper()
		var n int
		waitFor(t, what, func() bool {
			n = frames()
			time.Sleep(6 * w.interval)
			return frames() == n
		})
		return n
	}
	n := idle("the idle clock to sleep")
	var renders int
	loop.sync(func() { renders = comp.renders })
	if renders == 0 {
		t.Fatal("no frame rendered before the clock slept")
	}

	// Not where another test left the pointer: the window may have
	// opened under it and seen that motion already.
	checkWakes(t, w, title, r, image.Pt(41, 37), n, idle)

	r.cancel()
	waitCancelled(t, r.runErr, "a soft window")
}
