//go:build cgo

// Package nested is the backend that shows nofault in a window of the
// user's desktop: a GLFW window (X11 by default; built with -tags wayland,
// a Wayland client instead, as GLFW v3.3 picks its platform at compile
// time) with an OpenGL 3.3 core context, the GL renderer (render/gl), and
// the host's keyboard and mouse as the seat's input.
//
// Threads. GLFW and the GL context live on the process's main OS thread:
// Open and Run must be called from the main goroutine of a program whose
// package main locks it in init (runtime.LockOSThread). Compositor state
// lives on the display loop. The two meet in three ways:
//
//   - GL calls: the renderer the window hands out (Window.Renderer, a
//     gl.Proxy) runs each call on the main thread and waits for it
//     (gl.Thread, woken through Window.wake). The display loop can
//     therefore upload a buffer at commit and release the wl_buffer as
//     soon as Upload returns, exactly as with render/soft.
//   - Frames: once per host frame the main thread asks the loop to run
//     Compositor.Frame and serves GL calls until it is done (never
//     blocking on the loop otherwise), then blits the output to the window
//     and swaps; the swap's wait for vsync paces the next frame.
//   - Input and resizes: GLFW callbacks (on the main thread, inside event
//     polling) queue events for a forwarding goroutine that delivers them
//     to the loop in order with Loop.Do, so the main thread never waits
//     for the loop (which may itself be waiting for a GL call).
//
// docs/nested.md has the whole story.
package nested

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"log"
	"log/slog"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-gl/glfw/v3.3/glfw"

	"github.com/nofault/nofault/backend/headless"
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/render/gl"
	"github.com/nofault/nofault/render/soft"
	"github.com/nofault/nofault/seat"
	"github.com/nofault/nofault/seat/keycodes"
	"github.com/nofault/nofault/seat/keymap"
)

// Loop is the display loop: server.Display implements it. Do queues fn to
// run on the loop's goroutine.
type Loop interface {
	Do(fn func())
}

// Input receives the host's input, converted to Wayland terms: positions
// in output pixels, evdev key and button codes, wl_pointer axis values.
// Every method runs on the display loop. *seat.Seat implements it.
type Input interface {
	PointerMotion(x, y float64, t time.Time)
	PointerButton(button uint32, pressed bool, t time.Time)
	PointerAxis(ev seat.AxisEvent, t time.Time)
	Key(evdev uint32, pressed bool, t time.Time)
	// ReleaseAllKeys runs when the window loses the keyboard focus: the
	// releases of the keys held then will never come.
	ReleaseAllKeys(t time.Time)
}

// Compositor is what the window drives; its methods run on the display
// loop.
type Compositor interface {
	// Frame runs once per host frame: render the scene with the window's
	// renderer if anything changed, send frame callbacks, and report
	// whether a new output was rendered (then the window shows it).
	Frame(now time.Time) (rendered bool)
	// FramesWanted reports whether a client waits for a frame (a frame
	// callback, a screen capture). After a Frame that rendered nothing
	// and with none wanted, the window sleeps until host input, a
	// scheduled frame or Wake: an idle window costs no CPU.
	FramesWanted() bool
	// Resize runs when the window's framebuffer size changes (and once at
	// the start): it is the new output mode, in pixels.
	Resize(width, height int)
}

// PointerInsider is implemented by a Compositor that draws the cursor
// itself: PointerInside runs on the display loop when the host pointer
// enters or leaves the window, so that the cursor is hidden while the
// pointer is elsewhere on the host.
type PointerInsider interface {
	PointerInside(inside bool)
}

// Options configure the window.
type Options struct {
	Title         string // window title; "nofault" when empty
	Width, Height int    // initial size in pixels; 1280x720 when 0
	// RefreshMilliHz is the frame rate when the host does not pace swaps
	// (Xvfb, vsync off) and when idle; 60000 when 0.
	RefreshMilliHz int
	// Hidden creates the window unmapped (tests).
	Hidden bool
	// HideCursor hides the host's cursor over the window, for when the
	// compositor draws the clients' cursors itself.
	HideCursor bool
	// NoVsync sets a swap interval of 0.
	NoVsync bool
	// Soft draws with render/soft on the display loop and shows the
	// output with MIT-SHM instead of GL (X11 build only: SoftBuilt).
	Soft bool
	// SoftOnSoftwareGL draws as with Soft where the host's GL is software
	// (GLX_MESA_query_renderer says not accelerated: llvmpipe on Xvfb,
	// VNC, a machine without a GPU), with GL elsewhere and where the host
	// does not say (X11 build only).
	SoftOnSoftwareGL bool
}

// Soft reports whether the window draws with render/soft (Options.Soft,
// or Options.SoftOnSoftwareGL on a host whose GL is software).
func (w *Window) Soft() bool { return w.soft != nil }

// Window is the host window and its GL context.
type Window struct {
	opts     Options
	win      *glfw.Window
	thread   *gl.Thread // serves the GL calls on the main thread; nil for the soft window
	r        *gl.Renderer
	proxy    *gl.Proxy
	interval time.Duration
	age      func() int // the back buffer's age for Blit (0: unknown)
	// copySub copies a rectangle of the back buffer to the window, where
	// the window presents that way instead of swapping (nil: swaps).
	copySub func(r image.Rectangle, winH int)
	// With Options.Soft: the renderer (used on the display loop) and what
	// shows its output (softpresent_x11.go); r and proxy are nil.
	soft    *soft.Renderer
	softOut *softPresenter
	// With Options.Soft the frames come from a clock of the display
	// loop's (runSoft): frames run on clockLoop, which Run points at the
	// loop before the clock starts; exposed asks the next frame to show
	// all of the output (set on the main thread, taken on the loop).
	clock     *headless.Clock
	clockLoop *loopRef
	exposed   atomic.Bool

	hw *hostWait // how the main thread waits for the host (wait_x11.go, wait_wayland.go)

	aliveMu sync.RWMutex
	alive   bool // GLFW is initialised: PostEmptyEvent is allowed

	mu        sync.Mutex // guards following
	scheduled bool
	sleeping  bool // the main thread waits for the host with no timeout (Wake posts)
	woken     bool // Wake ran since the last frame began: do not sleep
	sleeps    int  // sleeps begun (tests)
	lockWant  bool // pointerlock.go

	// Main thread only.
	fbW, fbH   int
	winW, winH int
	needSwap   bool
	posted     uint64          // fwd.count() once the last frame was posted
	copied     image.Rectangle // the window's size at the last swap while presenting by copy
	copyAll    bool            // the next present by copy copies the whole window
	copyErrs   int             // X errors while presenting by copy
	hostErrs   int             // X protocol errors seen so far
	lockHave   bool            // pointerlock.go
	lost       bool            // the host connection broke: Close leaves GLFW alone
	keysDown   map[uint32]bool // evdev keys passed on as pressed (syncKeys)
	fwd        *forwarder
	input      Input
	comp       Compositor

	clip clipboard // clipboard.go: sharing the host's clipboard
}

// ErrClosed is returned by Run when the user closed the window.
var ErrClosed = errors.New("nested: window closed")

// ErrHostLost is returned by Run when the connection to the host display
// broke (the X server or the host compositor went away). The window can
// no longer be shown; the GL context still reads back what it drew.
var ErrHostLost = errors.New("nested: connection to the host display lost")

// Open initialises GLFW, opens the window with an OpenGL 3.3 core context
// and makes the GL renderer, or with Options.Soft a window without GL and
// render/soft. Call it on the main OS thread.
func Open(opts Options) (*Window, error) {
	if opts.Title == "" {
		opts.Title = "nofault"
	}
	if opts.Width <= 0 || opts.Height <= 0 {
		opts.Width, opts.Height = 1280, 720
	}
	if opts.RefreshMilliHz <= 0 {
		opts.RefreshMilliHz = 60000
	}
	if err := checkHost(); err != nil {
		return nil, fmt.Errorf("nested: %w", err)
	}
	if err := initGLFW(); err != nil {
		return nil, err
	}
	watchHost()
	autoSoft := opts.SoftOnSoftwareGL && !opts.Soft && SoftBuilt
	if autoSoft {
		if acc, known := hostGLAccelerated(); known && !acc {
			opts.Soft, autoSoft = true, false
			slog.Info("nested: the host's GL is not accelerated; drawing with render/soft")
		}
	}
	w := &Window{opts: opts, alive: true, keysDown: make(map[uint32]bool),
		interval: time.Duration(float64(time.Second) * 1000 / float64(opts.RefreshMilliHz))}
	win, err := createWindow(opts)
	if err != nil && autoSoft {
		// A host without GLX (or without the GL version asked for) can
		// still show render/soft's output.
		slog.Warn("nested: no GL window on this host; drawing with render/soft", "err", err)
		w.opts.Soft = true
		win, err = createWindow(w.opts)
	}
	if err != nil {
		w.terminate()
		return nil, fmt.Errorf("nested: create window: %w", err)
	}
	w.win = win
	if w.opts.Soft {
		return w.openSoft()
	}
	win.MakeContextCurrent()
	if opts.NoVsync {
		glfw.SwapInterval(0)
	} else {
		glfw.SwapInterval(1)
	}
	r, err := gl.NewWithLoader(glfw.GetProcAddress)
	if err != nil {
		win.Destroy()
		w.terminate()
		return nil, err
	}
	w.r = r
	if err := w.startHostWait(); err != nil {
		r.Close()
		win.Destroy()
		w.terminate()
		return nil, err
	}
	w.thread = gl.NewThread(w.wake)
	w.proxy = gl.NewProxy(w.thread, r)
	// A commit's upload asks for a frame at once, so that an idle window
	// shows it without waiting for its next idle tick.
	w.proxy.OnUpload(w.ScheduleFrame)
	if opts.HideCursor {
		win.SetInputMode(glfw.CursorMode, glfw.CursorHidden)
	}
	w.fbW, w.fbH = win.GetFramebufferSize()
	w.winW, w.winH = win.GetSize()
	age, hasAge := newBufferAge(win)
	w.age = age
	rn, ver := r.Info()
	mode := presentModeFromEnv()
	copySub := newCopySubBuffer(win)
	if mode.copies(copySub != nil, hasAge, gl.IsSoftware(rn)) {
		w.copySub = copySub
	} else if mode == presentCopy {
		slog.Warn("nested: " + PresentEnv + "=copy needs GLX_MESA_copy_sub_buffer (X11), which this host lacks; swapping")
	}
	present := "swap"
	if w.copySub != nil {
		present = "copy"
	}
	if rn != "" {
		slog.Info("nested: GL context", "renderer", rn, "version", ver, "platform", platform, "buffer_age", hasAge, "present", present)
	}
	return w, nil
}

// createWindow makes the GLFW window: with an OpenGL 3.3 core context, or
// none for opts.Soft. Main thread, after initGLFW.
func createWindow(opts Options) (*glfw.Window, error) {
	if opts.Soft {
		glfw.WindowHint(glfw.ClientAPI, glfw.NoAPI)
	} else {
		glfw.WindowHint(glfw.ClientAPI, glfw.OpenGLAPI)
		glfw.WindowHint(glfw.ContextVersionMajor, 3)
		glfw.WindowHint(glfw.ContextVersionMinor, 3)
		glfw.WindowHint(glfw.OpenGLProfile, glfw.OpenGLCoreProfile)
		glfw.WindowHint(glfw.OpenGLForwardCompatible, glfw.True)
		// The window is opaque: without alpha bits, gl.Renderer.Blit
		// need not set them to 1 after each copy (a masked clear that
		// cost llvmpipe 3.8 ms a 1280x720 frame).
		glfw.WindowHint(glfw.AlphaBits, 0)
	}
	glfw.WindowHint(glfw.Resizable, glfw.True)
	glfw.WindowHint(glfw.Visible, b2glfw(!opts.Hidden))
	glfw.WindowHint(glfw.FocusOnShow, glfw.True)
	return glfw.CreateWindow(opts.Width, opts.Height, opts.Title, nil, nil)
}

// openSoft finishes Open for Options.Soft: render/soft on the display
// loop, its output shown with MIT-SHM (softPresenter), no GL context.
func (w *Window) openSoft() (*Window, error) {
	sp, err := newSoftPresenter(w.win)
	if err == nil {
		err = w.startHostWait()
		if err != nil {
			sp.close()
		}
	}
	if err != nil {
		w.win.Destroy()
		w.terminate()
		return nil, err
	}
	w.soft, w.softOut = soft.New(), sp
	w.soft.SetOutputMemory(sp) // render/soft draws into the MIT-SHM image
	w.clockLoop = &loopRef{}
	w.clock = headless.NewClock(w.clockLoop, max(1, (w.opts.RefreshMilliHz+500)/1000), w.softFrame)
	if w.opts.HideCursor {
		w.win.SetInputMode(glfw.CursorMode, glfw.CursorHidden)
	}
	w.fbW, w.fbH = w.win.GetFramebufferSize()
	w.winW, w.winH = w.win.GetSize()
	slog.Info("nested: render/soft", "platform", platform, "present", sp.method())
	return w, nil
}

// present shows the output in the window: a blit of what changed and a
// swap, or where the window presents by copy (copySub, PresentEnv) a blit
// and a copy of what changed only. expose says the host lost the window's
// pixels; again, that the next frame must present too. Main thread.
func (w *Window) present(expose bool) (again bool) {
	if w.copySub == nil {
		w.r.Blit(w.fbW, w.fbH, w.age())
		w.win.SwapBuffers() // with vsync, waits here: the host paces us
		return false
	}
	win := image.Rect(0, 0, w.fbW, w.fbH)
	if win != w.copied {
		// Mesa's software GLX learns a window's size again only when a
		// swap invalidates the drawable: until then the back buffer keeps
		// the old size, and a copy may name rows it does not have (the X
		// server refuses it). Swap once at the new size; the next frame
		// copies the whole window.
		w.r.Blit(w.fbW, w.fbH, 0)
		w.win.SwapBuffers()
		w.copied, w.copyAll = win, true
		return true
	}
	age := 1 // never swapped since, the back buffer holds the last frame
	if w.copyAll {
		age = 0
	}
	w.r.Blit(w.fbW, w.fbH, age)
	region, _ := w.r.LastBlit()
	if expose || w.copyAll {
		region = win // the host lost the window's pixels, or a new back buffer
	}
	w.copyAll = false
	w.copySub(region.Intersect(win), w.fbH)
	return false
}

// presentSoft shows what render/soft drew since the last present (all of
// the output when expose) and tells the compositor when it is shown.
// Display loop.
func (w *Window) presentSoft(expose, rendered bool) {
	rect := w.soft.TakeDamage()
	if expose {
		rect = w.soft.Bounds()
	}
	if err := w.softOut.present(w.soft, rect); err != nil {
		slog.Error("nested: showing the output", "err", err)
		return
	}
	if p, ok := w.comp.(presenter); ok && rendered {
		p.Presented(time.Now())
	}
}

// hostError is an X protocol error's codes: the request (major, minor)
// that failed and the error.
type hostError struct{ Request, Minor, Code uint8 }

// checkHostErrors logs X protocol errors since the last check (Xlib would
// have exited on the first), the first few and then every power of two.
// While the window presents by copy an error is taken for a copy that a
// resize raced (Xlib reports errors late, so which request failed cannot
// be told): the next frame swaps at the window's size. After
// maxCopyErrors the window swaps for good. Main thread.
func (w *Window) checkHostErrors() {
	n, last := hostErrors()
	if n == w.hostErrs {
		return
	}
	w.hostErrs = n
	if w.copySub != nil {
		w.copyErrs++
		w.copied, w.needSwap = image.Rectangle{}, true
		if w.copyErrs >= maxCopyErrors {
			w.copySub = nil
			slog.Warn("nested: the X server refused copies to the window; swapping from now on", "request", last.Request, "minor", last.Minor, "error", last.Code, "errors", n)
			return
		}
	}
	if n <= 3 || n&(n-1) == 0 {
		slog.Warn("nested: X error", "request", last.Request, "minor", last.Minor, "error", last.Code, "errors", n, "presenting_by_copy", w.copySub != nil)
	}
}

// maxCopyErrors is how many X errors a window presenting by copy takes
// before it swaps for good.
const maxCopyErrors = 16

// initGLFW initialises GLFW and reports a failure as an error. This
// binding's Init returns nil when glfwInit fails with a platform error (it
// only logs it with package log) and the next GLFW call then panics with
// NotInitialized: the log line is captured for the message, and whether
// GLFW is up is asked with a call that panics when it is not.
func initGLFW() (err error) {
	var logged bytes.Buffer
	out, flags := log.Writer(), log.Flags()
	log.SetOutput(&logged)
	log.SetFlags(0)
	initErr := glfw.Init()
	log.SetOutput(out)
	log.SetFlags(flags)
	why := strings.TrimSpace(logged.String())
	if initErr != nil {
		return fmt.Errorf("nested: glfw init: %w", initErr)
	}
	defer func() {
		if recover() != nil {
			if why == "" {
				why = "GLFW is not initialized"
			}
			err = fmt.Errorf("nested: glfw init failed: %s", why)
		}
	}()
	glfw.GetTime() // panics with NotInitialized when glfwInit failed
	if why != "" {
		slog.Warn("nested: glfw", "msg", why)
	}
	return nil
}

func b2glfw(b bool) int {
	if b {
		return glfw.True
	}
	return glfw.False
}

// wake gets the main thread out of its wait for the host (waitHost). Any
// goroutine.
func (w *Window) wake() {
	w.aliveMu.RLock()
	if w.alive {
		w.postWake()
	}
	w.aliveMu.RUnlock()
}

func (w *Window) terminate() {
	w.aliveMu.Lock()
	w.alive = false
	w.aliveMu.Unlock()
	glfw.Terminate()
}

// HostKeymap returns the host's keyboard layout names where the host
// tells them: the X server's _XKB_RULES_NAMES; ok is false on Wayland.
// Main thread, after Open.
func (w *Window) HostKeymap() (names keymap.Names, ok bool) {
	n, ok := hostKeymap()
	return keymap.Names{Rules: n[0], Model: n[1], Layout: n[2], Variant: n[3], Options: n[4]}, ok
}

// Renderer is the GL renderer for the compositor: a render.Renderer whose
// methods may be called from any goroutine other than the main thread
// (normally the display loop) and run on the main thread. A texture
// upload through it schedules a frame (ScheduleFrame).
func (w *Window) Renderer() render.Renderer {
	if w.soft != nil {
		return w.soft
	}
	return w.proxy
}

// GL is the renderer itself, for the main thread only.
func (w *Window) GL() *gl.Renderer { return w.r }

// Size is the window's framebuffer size in pixels: the output mode. Main
// thread only.
func (w *Window) Size() (width, height int) { return w.fbW, w.fbH }

// ScheduleFrame asks for a frame now rather than at the next idle tick,
// e.g. after a commit. Any goroutine.
func (w *Window) ScheduleFrame() {
	if w.clock != nil {
		w.clock.Wake()
		return
	}
	w.mu.Lock()
	w.scheduled = true
	w.mu.Unlock()
	w.wake()
}

// Wake ends the window's idle sleep, so that the compositor runs a frame
// within one refresh interval (backend.Waker): the compositor calls it
// after client activity. It wakes the main thread only while the window
// sleeps, once per sleep. Any goroutine.
func (w *Window) Wake() {
	if w.clock != nil {
		w.clock.Wake()
		return
	}
	w.mu.Lock()
	w.woken = true
	post := w.sleeping
	w.sleeping = false
	w.mu.Unlock()
	if post {
		w.wake()
	}
}

// sleep waits for the host (waitHost) until host input, a scheduled frame, a
// GL call or Wake, unless a frame was scheduled, Wake ran, host input
// went to the loop or the host asked for a redraw since the last frame
// began. Main thread.
func (w *Window) sleep() {
	if w.fwd.count() != w.posted || w.needSwap {
		return // input (or a resize) the last frame did not see, an expose
	}
	w.mu.Lock()
	if w.scheduled || w.woken {
		w.mu.Unlock()
		return
	}
	w.sleeping = true
	w.sleeps++
	w.mu.Unlock()
	w.waitHost(-1)
	w.mu.Lock()
	w.sleeping = false
	w.mu.Unlock()
}

// frameBegins clears woken: activity from now on is activity the frame
// about to run may not have seen. Main thread.
func (w *Window) frameBegins() {
	w.mu.Lock()
	w.woken = false
	w.mu.Unlock()
}

func (w *Window) takeScheduled() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.scheduled
	w.scheduled = false
	return s
}

// Run shows frames and forwards input until the window is closed
// (ErrClosed) or ctx is done (nil). Call it on the main OS thread. The
// display loop must keep running until Run returns, and ctx must be
// cancelled if the loop stops first. input may be nil.
//
// When Run returns, GL calls from other goroutines return gl.ErrStopped:
// the display loop can shut down (destroying textures) without the main
// thread. Call Close afterwards.
func (w *Window) Run(ctx context.Context, loop Loop, comp Compositor, input Input) error {
	w.comp, w.input = comp, input
	var delivered func()
	if w.clock != nil {
		delivered = w.clock.Wake // input may need a frame: the clock may sleep
	}
	w.fwd = newForwarder(loop, delivered)
	defer w.fwd.stop()
	if w.thread != nil { // GL's; the soft window has none
		defer w.thread.Stop()
	}
	w.installCallbacks()
	w.fwd.post(func() { comp.Resize(w.fbW, w.fbH) })

	// A sleeping window wakes for cancellation too.
	defer context.AfterFunc(ctx, w.wake)()

	// GLFW's first poll returns the window-creation events at once.
	glfw.PollEvents()
	if w.soft != nil {
		return w.runSoft(ctx, loop)
	}
	w.thread.Serve()
	next := time.Now()
	idle, asleep := false, false
	for {
		// Wait for the next frame's time, serving GL calls and events;
		// an idle window wakes early when a frame is scheduled, and an
		// asleep one waits for anything at all.
		for {
			if stop, err := w.stopped(ctx); stop {
				return err
			}
			w.thread.Serve()
			w.applyPointerLock()
			w.serviceClipboard()
			now := time.Now()
			if !asleep && !now.Before(next) || (idle && w.takeScheduled()) {
				break
			}
			if asleep {
				// Whatever ends the sleep (input, a GL call, Wake) brings
				// the next frame at its time.
				w.sleep()
				asleep = false
				continue
			}
			w.waitHost(next.Sub(now))
		}
		start := time.Now()
		w.frameBegins()
		rendered, wanted, ok := w.frame(ctx, start)
		if !ok {
			_, err := w.stopped(ctx) // ctx ended, or the window closed or lost
			return err
		}
		if rendered || w.needSwap {
			w.needSwap = w.present(w.needSwap)
			if p, ok := w.comp.(presenter); ok && rendered {
				t := time.Now()
				w.fwd.post(func() { p.Presented(t) })
			}
		}
		idle = !rendered
		asleep = idle && !wanted && !w.needSwap
		// When the swap did not wait (no vsync) or nothing was drawn, the
		// refresh interval is the floor between frames.
		next = start.Add(w.interval * 9 / 10)
		if idle {
			next = start.Add(w.interval)
		}
		glfw.PollEvents()
		w.checkHostErrors()
	}
}

// frame runs Compositor.Frame on the loop and serves GL calls until it
// returns; wanted is Compositor.FramesWanted after it. ok is false when
// ctx ended or the window closed meanwhile.
func (w *Window) frame(ctx context.Context, now time.Time) (rendered, wanted, ok bool) {
	done := make(chan struct{})
	var res, want bool
	w.fwd.post(func() {
		defer close(done)
		res = w.comp.Frame(now)
		want = w.comp.FramesWanted()
	})
	w.posted = w.fwd.count()
	slow := time.NewTimer(100 * time.Millisecond)
	defer slow.Stop()
	for {
		w.thread.Serve()
		select {
		case <-w.thread.Ready():
		case <-done:
			w.thread.Serve()
			return res, want, true
		case <-ctx.Done():
			return false, false, false
		case <-slow.C:
			// The loop is slow: keep the window responsive meanwhile.
			glfw.PollEvents()
			if w.win.ShouldClose() {
				return false, false, false
			}
			slow.Reset(100 * time.Millisecond)
		}
	}
}

// runSoft is Run's loop for render/soft. The frames do not involve the
// main thread: the clock (headless.Clock, a timerfd in the runtime's
// poller) runs them on the display loop at the refresh rate, each
// showing what it rendered at once (softFrame), and sleeps while the
// compositor is idle until Wake, a scheduled frame or forwarded input. The
// main thread only waits for the host's events, with no timeout: a
// frame costs the loop's one wake-up, as headless. Main thread.
func (w *Window) runSoft(ctx context.Context, loop Loop) error {
	w.clockLoop.l = loop
	if l, ok := loop.(interface{ RunLocked(fn func()) bool }); ok {
		w.clockLoop.l = headless.LockedLoop{L: l} // the frame on the clock's goroutine
	}
	clockCtx, stopClock := context.WithCancel(ctx)
	clockDone := make(chan struct{})
	go func() {
		defer close(clockDone)
		w.clock.Run(clockCtx)
	}()
	defer func() {
		stopClock()
		<-clockDone
	}()
	for {
		if stop, err := w.stopped(ctx); stop {
			return err
		}
		w.applyPointerLock()
		w.serviceClipboard()
		if w.needSwap {
			w.needSwap = false
			w.exposed.Store(true)
			w.clock.Wake()
		}
		w.waitHost(-1)
		w.checkHostErrors()
	}
}

// softFrame is the soft window's frame, run by its clock on the display
// loop: the compositor's frame, then what it rendered (all of the output
// after an expose: the host lost the window's pixels) shown at once.
// idle: nothing rendered or shown and no frame wanted.
func (w *Window) softFrame(now time.Time) (idle bool) {
	rendered := w.comp.Frame(now)
	expose := w.exposed.Swap(false)
	if rendered || expose {
		w.presentSoft(expose, rendered)
	}
	return !rendered && !expose && !w.comp.FramesWanted()
}

// loopRef is a Loop set later: the soft window's clock is made by Open,
// and Run names the loop before the clock starts.
type loopRef struct{ l Loop }

func (r *loopRef) Do(fn func()) { r.l.Do(fn) }

// stopped reports whether Run must return, and what: the host connection
// broke (ErrHostLost), the window was closed (closed) or ctx ended (nil).
// Main thread.
func (w *Window) stopped(ctx context.Context) (bool, error) {
	if hostLost() {
		w.lost = true
		return true, ErrHostLost
	}
	if w.win.ShouldClose() {
		return true, w.closed()
	}
	return ctx.Err() != nil, nil
}

// closed is ErrClosed, or ErrHostLost when the close request was GLFW's
// answer to a broken connection (its Wayland backend does that).
func (w *Window) closed() error {
	if hostLost() {
		w.lost = true
		return ErrHostLost
	}
	return ErrClosed
}

// Close destroys the renderer, the window and GLFW. Call it on the main
// thread after Run. After ErrHostLost it does nothing: the window system
// calls behind them would talk to a connection that is gone, and the
// process is about to exit.
func (w *Window) Close() {
	if w.win == nil || w.lost {
		return
	}
	if w.thread != nil {
		w.thread.Stop()
	}
	if w.soft != nil {
		w.soft.Close() // gives the image back
		w.softOut.close()
	} else {
		w.r.Close()
	}
	w.win.Destroy()
	w.win = nil
	w.stopHostWait()
	w.terminate()
}

func (w *Window) installCallbacks() {
	w.win.SetFramebufferSizeCallback(func(_ *glfw.Window, width, height int) {
		if width == w.fbW && height == w.fbH || width <= 0 || height <= 0 {
			return
		}
		w.fbW, w.fbH = width, height
		w.needSwap = true
		comp := w.comp
		w.fwd.post(func() { comp.Resize(width, height) })
		w.ScheduleFrame()
	})
	w.win.SetSizeCallback(func(_ *glfw.Window, width, height int) {
		w.winW, w.winH = width, height
	})
	w.win.SetRefreshCallback(func(*glfw.Window) { w.needSwap = true })
	w.win.SetCloseCallback(func(*glfw.Window) { w.wake() })
	if pi, ok := w.comp.(PointerInsider); ok {
		w.win.SetCursorEnterCallback(func(_ *glfw.Window, entered bool) {
			w.fwd.post(func() { pi.PointerInside(entered) })
			w.ScheduleFrame()
		})
	}
	if w.input == nil {
		return
	}
	in := w.input
	w.win.SetCursorPosCallback(func(_ *glfw.Window, x, y float64) {
		// Window coordinates to framebuffer (output) pixels.
		if w.winW > 0 && w.winH > 0 {
			x *= float64(w.fbW) / float64(w.winW)
			y *= float64(w.fbH) / float64(w.winH)
		}
		t := time.Now()
		w.fwd.motion(func() { in.PointerMotion(x, y, t) })
	})
	w.win.SetMouseButtonCallback(func(_ *glfw.Window, b glfw.MouseButton, action glfw.Action, _ glfw.ModifierKey) {
		code, ok := keycodes.FromGLFWMouseButton(int(b))
		if !ok || action == glfw.Repeat {
			return
		}
		t, pressed := time.Now(), action == glfw.Press
		w.fwd.post(func() { in.PointerButton(code, pressed, t) })
	})
	w.win.SetScrollCallback(func(_ *glfw.Window, xoff, yoff float64) {
		t := time.Now()
		for _, a := range []struct {
			axis protocol.WlPointerAxis
			off  float64
		}{{protocol.WlPointerAxisVerticalScroll, yoff}, {protocol.WlPointerAxisHorizontalScroll, xoff}} {
			if a.off == 0 {
				continue
			}
			// GLFW: positive is up / left; wl_pointer: positive is down /
			// right.
			ev := seat.AxisEvent{Axis: a.axis, Value: -a.off * scrollScale, Source: protocol.WlPointerAxisSourceWheel}
			if wheelClicks {
				ev.Value120 = int32(math.Round(-a.off * 120))
			}
			w.fwd.post(func() { in.PointerAxis(ev, t) })
		}
	})
	w.win.SetKeyCallback(func(_ *glfw.Window, key glfw.Key, scancode int, action glfw.Action, _ glfw.ModifierKey) {
		code, ok := evdevOf(int(key), scancode)
		if !ok {
			return
		}
		t, pressed := time.Now(), action != glfw.Release
		if pressed {
			w.syncKeys(t, false)
		}
		// Host key repeat is dropped (clients repeat by themselves), but
		// GLFW also reports a press as a repeat when it missed the key's
		// release (syncKeys then found the key up): that press is passed
		// on.
		if action == glfw.Repeat && w.keysDown[code] {
			return
		}
		if pressed {
			w.keysDown[code] = true
		} else {
			delete(w.keysDown, code)
		}
		w.fwd.post(func() { in.Key(code, pressed, t) })
	})
	w.win.SetFocusCallback(func(_ *glfw.Window, focused bool) {
		t := time.Now()
		if !focused {
			w.fwd.post(func() { in.ReleaseAllKeys(t) })
			return
		}
		w.syncKeys(t, true)
		w.clipboardFocus()
	})
}

// keyState is what the seat offers for syncKeys (*seat.Seat has both).
type keyState interface {
	PressedKeys() []uint32
	SetLockedModifiers(mask uint32)
}

// syncKeys brings the seat's keys in line with the host's, on focus-in
// and before each key press: a key released while the window did not see
// it is released. With locks (focus-in), Caps and Num Lock follow the
// host's too (not before a key press: a Caps Lock press has already
// toggled the host's lock, and the seat toggles its own with the key). GLFW's
// X11 platform ignores the focus changes of a keyboard grab (a window
// manager's Alt+Tab grabs the keyboard), so the release of Alt after
// Alt+Tab back to the window never reaches it, and every later key would
// arrive with Alt held. Main thread.
func (w *Window) syncKeys(t time.Time, locks bool) {
	ks, ok := w.input.(keyState)
	if !ok {
		return
	}
	held, locked, ok := hostKeys()
	if !ok {
		return
	}
	for k := range w.keysDown {
		if !held[k] {
			delete(w.keysDown, k)
		}
	}
	w.fwd.post(func() {
		for _, k := range ks.PressedKeys() {
			if !held[k] {
				w.input.Key(k, false, t)
			}
		}
		if locks {
			ks.SetLockedModifiers(locked & (keymap.ModCaps | keymap.ModNum))
		}
	})
}

// evdevOf converts a GLFW key event to an evdev code: the scancode when the
// platform gives one, else the GLFW key as on a US keyboard.
func evdevOf(key, scancode int) (uint32, bool) {
	if c, ok := evdevOfScancode(scancode); ok {
		return c, true
	}
	return keycodes.FromGLFWKey(key)
}
