// Package compositor assembles nofault: the display, the globals (shm,
// shell, output, seat, data device), a renderer and a backend. Run starts
// it with either backend (backend/headless, backend/nested) and owns the
// session around it: the `-- CMD` client, signals, the screenshot and the
// statistics. The cmd/compositor command parses the settings, picks the
// backend and calls Run; tests and the kernel demo use the package the
// same way.
package compositor

import (
	"context"
	"errors"
	"fmt"
	"github.com/nofault/nofault/capture"
	"image"
	"log/slog"
	"math"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/nofault/nofault/activation"
	"github.com/nofault/nofault/config"
	"github.com/nofault/nofault/datadevice"
	"github.com/nofault/nofault/decoration"
	"github.com/nofault/nofault/inhibit"
	"github.com/nofault/nofault/output"
	"github.com/nofault/nofault/presentation"
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/render/soft"
	"github.com/nofault/nofault/seat"
	"github.com/nofault/nofault/server"
	"github.com/nofault/nofault/shell"
	"github.com/nofault/nofault/shm"
	"github.com/nofault/nofault/singlepixel"
	"github.com/nofault/nofault/textinput"
)

// Background is the output's clear colour (R, G, B, A): a dark slate that
// no client draws by accident.
var Background = [4]uint8{0x30, 0x38, 0x40, 0xff}

// Compositor is a running nofault instance.
type Compositor struct {
	cfg      config.Config
	opts     Options
	Display  *server.Display
	Socket   *server.Socket
	Shm      *shm.Global
	Output   *output.Output   // the first output
	Outputs  []*output.Output // every output, first at (0, 0); outputs.go
	Shell    *shell.Shell
	Seat     *seat.Seat
	Data     *datadevice.Manager
	Primary  *datadevice.Primary
	Activate *activation.Manager
	Text     *textinput.Manager
	TextV1   *textinput.V1
	Deco     *decoration.Manager
	Idle     *inhibit.Idle
	Keys     *inhibit.Shortcuts
	Present  *presentation.Presentation
	Renderer render.Renderer
	Capture  *capture.Manager
	Probe    shm.ProbeResult

	frames    uint64 // frames presented (a render shown by Frame)
	ticks     uint64 // output frames (frame callbacks sent)
	width     int
	height    int
	rendered  bool
	callbacks uint64 // frame callbacks answered
	startTime time.Time

	// What the last render drew, to skip renders that would draw the same
	// (see Frame).
	last lastRender
	// Scenes reused frame after frame (a frame allocates nothing): the
	// output's, and the one captureFrame draws without the cursor.
	scene, bareScene render.Scene
	fullDamage       [1]image.Rectangle // captureFrame's damage of a rendered frame
	unpresented      bool               // a render since the last Frame (a screenshot) is not shown yet
	readsLate        bool               // the renderer reads buffers when it renders (renderAtCommit)
	renderedEarly    bool               // renderAtCommit rendered in this refresh interval
	sceneKey         [3]uint64          // shell commits, surfaces, toplevels when sceneActivity last looked

	cursor cursorState // cursor.go
}

// Options are what New cannot take from the configuration: the pieces a
// backend brings.
type Options struct {
	// Renderer draws the output and holds the surfaces' textures; nil
	// means render/soft. The nested backend passes its window's GL
	// renderer, --renderer=gl on the headless backend an EGL surfaceless
	// one. Its methods are called from the display loop. The compositor
	// does not close it: its maker does.
	Renderer render.Renderer
	// OutputName is the wl_output name; "HEADLESS-1" when empty. A
	// backend that names its output (the nested window) has that one
	// output: --outputs makes several only when it is empty.
	OutputName string
	// PresentAfterSwap: the backend shows a rendered frame later and
	// calls Presented then (the nested window, after the host's swap);
	// otherwise a frame counts as presented when Frame renders it.
	PresentAfterSwap bool
}

// New creates the socket and the globals with the soft renderer. It does
// not serve clients until Run.
func New(cfg config.Config) (*Compositor, error) {
	return NewWithOptions(cfg, Options{})
}

// NewWithOptions is New with a renderer (and output name) chosen by the
// caller.
func NewWithOptions(cfg config.Config, opts Options) (*Compositor, error) {
	probe := shm.ProbedNoSigbus()
	switch {
	case probe.Err != nil:
		slog.Warn("MAP_NOSIGBUS probe failed; client memory is read through guarded accessors (docs/shm.md)", "err", probe.Err)
	case probe.Supported:
		slog.Info("MAP_NOSIGBUS: this kernel honours it; client memory is read through it", "probe", probe.Duration)
	default:
		// A stock kernel: the probe's test read faulted, as expected, and
		// the fault was caught. Nothing is wrong.
		slog.Info("MAP_NOSIGBUS: not in this kernel (stock kernels lack it); client memory is read through guarded accessors (docs/shm.md)", "probe", probe.Duration)
	}
	if err := cfg.ShmRead.Check(); err != nil {
		return nil, err
	}
	sock, err := server.Listen(os.Getenv("XDG_RUNTIME_DIR"), cfg.Socket)
	if err != nil {
		return nil, err
	}
	d := server.NewDisplay(sock, server.Options{Limits: serverLimits(cfg.Limits), Trace: cfg.Trace})
	c := &Compositor{
		cfg:       cfg,
		opts:      opts,
		Display:   d,
		Socket:    sock,
		Probe:     probe,
		width:     cfg.Size.W,
		height:    cfg.Size.H,
		startTime: time.Now(),
	}
	c.Renderer = opts.Renderer
	if c.Renderer == nil {
		c.Renderer = soft.New()
	}
	if lr, ok := c.Renderer.(render.LateReader); ok {
		c.readsLate = lr.ReadsLate()
	}
	single := opts.OutputName != ""
	if opts.OutputName == "" {
		opts.OutputName = "HEADLESS-1"
	}
	c.Shm = shm.Register(d, shm.Options{Mode: cfg.ShmRead, Shrink: cfg.ShmShrink})
	c.addOutputs(cfg, opts.OutputName, single) // outputs.go
	output.AddXdgOutputManager(d)
	c.Shell = shell.New(d, c.Renderer, shell.Options{
		Output:       c.Output,
		Background:   Background,
		PingInterval: 10 * time.Second,

		AcceptUnackedBuffer: cfg.XdgUnackedBuffer == "accept",
	})
	for _, o := range c.Outputs[1:] {
		c.Shell.AddOutput(o)
	}
	c.Seat = seat.New(d, seat.Options{Name: "seat0", Keyboard: true, Pointer: true, Surfaces: c.Shell})
	c.Data = datadevice.New(d, c.Seat)
	c.Primary = datadevice.NewPrimary(c.Data, c.Seat)
	c.Activate = activation.New(d, c.Seat, c.Shell)
	c.Text = textinput.New(d)
	c.TextV1 = textinput.NewV1(d)
	c.Deco = decoration.New(d, c.Shell, decoration.Options{ServerSide: true}) // frames.go draws the title bars
	seat.AddRelativePointerManager(d)
	seat.AddPointerConstraints(d)
	seat.AddCursorShapeManager(d)
	seat.AddWlrVirtualPointerManager(c.Seat, c.Output) // any client may drive the pointer, as in wlroots
	c.Idle = inhibit.NewIdle(d, c.Shell)
	c.Keys = inhibit.NewShortcuts(d)
	c.setupWM()     // wm.go: move/resize grabs, window shortcuts
	c.setupFrames() // frames.go: server-side title bars
	c.Present = presentation.New(d, c.Output, c.Shell)
	c.Shell.AddViewporter()
	c.Shell.AddFractionalScale()
	singlepixel.Register(d)
	c.Shell.OnFocus(c.Seat.SetKeyboardFocus)
	c.Seat.OnClick(c.clicked)
	d.OnActivity(c.sceneActivity)
	c.Shell.OnSceneChange(c.sceneChanged)
	c.registerCapture()
	c.initCursor()
	c.applyLimits(cfg.Limits)
	return c, nil
}

// Frame is one output frame: render the scene if anything changed since
// the last render, then send frame callbacks. It reports whether the
// output holds a render the backend has not shown yet (the nested window
// then blits and swaps). It runs on the display loop.
//
// "Changed" is: a wl_surface commit or a texture upload happened (the
// shell's counters moved), the list of drawn items differs (a surface
// mapped, moved, was raised or went away), or the output was resized. An
// idle desktop therefore costs a scene walk per frame, no render.
func (c *Compositor) Frame(now time.Time) bool {
	c.ticks++
	sc := c.renderChanged(c.Shell.Stats())
	shown := c.unpresented
	c.unpresented = false
	if shown {
		c.frames++
	}
	if c.opts.PresentAfterSwap {
		if shown {
			c.Present.Rendered(c.ticks) // Presented follows the host's swap
		}
	} else {
		c.Present.Frame(now, c.ticks, shown)
	}
	c.captureFrame(sc, shown)
	c.callbacks += uint64(c.Shell.PendingFrameCallbacks())
	c.Shell.Frame(now)
	c.renderedEarly = false
	return shown
}

// renderAtCommit renders the scene once client requests were handled, if
// a commit or an upload changed it, the renderer reads buffers when it
// renders (render.LateReader) and nothing was rendered so early in this
// refresh interval yet. The client has just written the pixels: they are
// still in the caches, where at the next frame, up to an interval later,
// they have mostly left them (docs/benchmarks.md, perf4: with the
// huge-page output, 1080p frames cost 0.71x). Frame presents the render,
// and renders again only if the scene changed after it: at most two
// renders an interval, however fast clients commit.
func (c *Compositor) renderAtCommit(st shell.Stats) {
	if !c.readsLate || c.renderedEarly {
		return
	}
	if c.rendered && !c.last.countersMoved(st) {
		return // the batch committed nothing: input, a sync, a new object
	}
	c.renderedEarly = true
	c.renderChanged(st)
}

// renderChanged makes the output's scene and renders it if it differs
// from the last render (or nothing was rendered yet). It returns the
// scene.
func (c *Compositor) renderChanged(st shell.Stats) *render.Scene {
	sc := c.Shell.SceneInto(&c.scene)
	c.addOverlays(sc, true)
	w, h := c.renderSize()
	if !c.rendered || c.last.differs(sc, st, w, h) {
		if err := c.renderScene(sc, w, h, st); err != nil {
			slog.Error("render failed", "err", err)
		}
	}
	return sc
}

// Presented tells presentation feedback that the last rendered frame
// reached the screen at t (with Options.PresentAfterSwap). It runs on the
// display loop.
func (c *Compositor) Presented(t time.Time) { c.Present.Presented(t) }

// Resize sets the output mode (the nested window's framebuffer was
// resized): wl_output mode and done go out, maximized and fullscreen
// toplevels are reconfigured, and the pointer focus is found again. It
// runs on the display loop.
func (c *Compositor) Resize(w, h int) {
	c.Output.SetMode(w, h)
	c.Seat.RefreshPointerFocus()
}

// lastRender is what a render drew: the items, the output size and the
// shell's commit and upload counters at that time.
type lastRender struct {
	items            []render.Item
	w, h             int
	commits, uploads uint64
}

func (l *lastRender) differs(sc *render.Scene, st shell.Stats, w, h int) bool {
	return l.countersMoved(st) || w != l.w || h != l.h || !slices.Equal(sc.Items, l.items)
}

// countersMoved reports whether a commit or an upload happened since the
// render.
func (l *lastRender) countersMoved(st shell.Stats) bool {
	return st.Commits != l.commits || st.Uploads != l.uploads
}

func (c *Compositor) render() error {
	w, h := c.renderSize()
	sc := c.Shell.Scene()
	c.addOverlays(sc, false)
	return c.renderScene(sc, w, h, c.Shell.Stats())
}

func (c *Compositor) renderScene(sc *render.Scene, w, h int, st shell.Stats) error {
	// Whatever happens, the next Frame renders again unless nothing
	// changes after a successful render.
	items := c.last.items[:0] // its storage is reused: sc's is the next scene's
	c.last = lastRender{}
	c.rendered = false
	if err := c.Renderer.Render(sc, w, h); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	clear(items[:cap(items)])
	c.last = lastRender{items: append(items, sc.Items...), w: w, h: h, commits: st.Commits, uploads: st.Uploads}
	c.rendered = true
	c.unpresented = true
	return nil
}

// sceneActivity runs after each commit and after client requests were
// handled. It renders at commit (renderAtCommit); then, when a surface was
// committed, created or destroyed, or a toplevel mapped or unmapped, the
// pointer focus is found again (a surface may have moved, grown or shrunk
// under the pointer) and touch points on destroyed surfaces end.
func (c *Compositor) sceneActivity() {
	st := c.Shell.Stats()
	c.renderAtCommit(st)
	key := [3]uint64{st.Commits, uint64(st.Surfaces), uint64(st.Toplevels)}
	if key != c.sceneKey {
		c.sceneChanged(nil)
	}
}

// sceneChanged is the shell's OnSceneChange hook and sceneActivity's work:
// the pointer focus is found again and touch points on destroyed surfaces
// end. A commit (committed not nil) of a window that neither has the
// pointer focus nor lies under the pointer cannot change either, and
// costs no scene walk: a busy desktop commits thousands of times a second.
func (c *Compositor) sceneChanged(committed *protocol.Object) {
	st := c.Shell.Stats()
	c.sceneKey = [3]uint64{st.Commits, uint64(st.Surfaces), uint64(st.Toplevels)}
	if committed != nil && !c.pointerMayCare(committed) {
		return
	}
	c.Seat.RefreshPointerFocus()
	c.Seat.EndDeadTouches(time.Time{})
}

// pointerMayCare reports whether a commit of surface can move the pointer
// focus: the focus is on its window, or its window is under the pointer.
func (c *Compositor) pointerMayCare(surface *protocol.Object) bool {
	if f := c.Seat.PointerFocus(); f != nil && c.Shell.SameWindow(f, surface) {
		return true
	}
	r, ok := c.Shell.WindowBounds(surface)
	if !ok {
		return false
	}
	x, y := c.Seat.PointerPosition()
	return image.Pt(int(math.Floor(x)), int(math.Floor(y))).In(r)
}

// clicked is the seat's OnClick hook: a button press over surface raises
// and activates the toplevel surface belongs to (the seat then gives it
// the keyboard focus through the shell's OnFocus). surface may be the
// toplevel's own wl_surface, one of its subsurfaces (foot's decorations)
// or a popup's.
func (c *Compositor) clicked(surface *protocol.Object) {
	if top := c.Shell.RootToplevel(surface); top != nil {
		c.Shell.Activate(top)
	}
}

// Screenshot renders the current scene and returns the output's pixels.
// It runs on the display loop.
func (c *Compositor) Screenshot() (*image.RGBA, error) {
	if err := c.render(); err != nil {
		return nil, err
	}
	w, h := c.renderSize()
	return render.ReadImage(c.Renderer, image.Rect(0, 0, w, h))
}

// Sync runs fn on the display loop and waits for it, or for ctx. When it
// returns an error, fn has not run and never will (the caller may read
// what fn would have written): a fn already running when ctx ends is
// waited for.
func (c *Compositor) Sync(ctx context.Context, fn func()) error {
	done := make(chan struct{})
	var mu sync.Mutex
	abandoned := false
	c.Display.Do(func() {
		mu.Lock()
		defer mu.Unlock()
		if !abandoned {
			fn()
			close(done)
		}
	})
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		mu.Lock()
		defer mu.Unlock()
		select {
		case <-done:
			return nil
		default:
		}
		abandoned = true
		return errors.New("display loop did not answer")
	}
}
