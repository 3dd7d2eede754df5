// Package shell implements the surface side of the compositor: wl_compositor,
// wl_surface, wl_region, wl_subcompositor, wl_subsurface and xdg-shell
// (xdg_wm_base, xdg_positioner, xdg_surface, xdg_toplevel, xdg_popup), and
// turns committed surface state into a render.Scene.
//
// Everything runs on the display loop: request handlers, and the
// methods the backend and seat call (Frame, Scene, SurfaceAt, Activate ...),
// which must be called through server.Display.Do from other goroutines.
//
// Buffers are consumed at commit. A render.BufferTexture holds the
// committed buffer until the next one replaces it, as pixman compositors
// do (clients keep two buffers): render/soft draws from it, no copy, and
// render/gl's textures copy its damage in at the next render and release
// it then (as weston's GL renderer does). Other
// textures get the damaged pixels copied in at commit and the buffer is
// released at once. For a renderer that copies (render.TextureLimiter) a
// buffer too large to copy (the renderer's texture size, limit
// max_upload_bytes) is refused at commit, before any copy.
package shell

import (
	"image"
	"log/slog"
	"slices"
	"time"

	"github.com/nofault/nofault/output"
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/server"
	"github.com/nofault/nofault/shm"
)

// Global versions advertised.
const (
	CompositorVersion    = 5 // wl_compositor; 5 adds wl_surface.offset
	SubcompositorVersion = 1
	WmBaseVersion        = 5 // xdg_wm_base, the highest in wayland-protocols 1.31
)

// BufferSource is what a wl_buffer object's handler implements so that a
// surface can consume it. The shm glue implements it; shell never reads
// client memory itself.
type BufferSource interface {
	// Size is the buffer size in pixels.
	Size() (w, h int)
	// Opaque reports a format without alpha (XRGB8888, XBGR8888).
	Opaque() bool
	// Image returns the buffer's pixels as memory that cannot fault, staging
	// (at least) the damaged rectangles into st when the pool needs a copy.
	// damage is in buffer coordinates, clipped to the buffer; an empty list
	// means the whole buffer. On error the implementation has already
	// posted the protocol error to the client.
	Image(st *shm.Staging, damage []image.Rectangle) (shm.Image, error)
	// Release sends wl_buffer.release: the compositor no longer needs it.
	Release()
}

// Options configures a Shell.
type Options struct {
	// Output is where surfaces are shown; its size drives placement and
	// maximized/fullscreen configures. When nil, a 1280x720 space is
	// assumed and no wl_surface.enter is sent.
	Output *output.Output
	// Background is the scene's background colour (R, G, B, A).
	Background [4]uint8
	// PingInterval is how often Frame pings each xdg_wm_base client that
	// has no ping outstanding; 0 disables pings.
	PingInterval time.Duration
	// AcceptUnackedBuffer lets a buffer committed to an xdg_surface
	// before the client acked a configure map the surface, as Mir does,
	// instead of posting unconfigured_buffer as the xdg-shell spec, wlroots,
	// weston and mutter do. A buffer in the initial commit then gets the
	// initial configure and maps at once. WLCS 1.5.0's clients need it
	// (docs/conformance.md); off by default.
	AcceptUnackedBuffer bool
	// PingTimeout is how long a ping may stay unanswered before the client
	// gets xdg_wm_base.error.unresponsive; 0 never disconnects.
	PingTimeout time.Duration
}

// Shell owns every surface of every client.
type Shell struct {
	d      *server.Display
	r      render.Renderer
	copies bool // r copies buffers into textures (render.TextureLimiter): uploadRefused applies
	opts   Options
	out    *output.Output

	surfaces map[*Surface]struct{}
	// stack holds the mapped toplevels, bottom first.
	stack     []*xdgToplevel
	minimized []*xdgToplevel // mapped but hidden, oldest first (wm.go)
	activated *xdgToplevel
	wmBases   map[*wmBase]struct{}
	pingDue   time.Time       // pingClients has nothing to do before it (zero: look now)
	frames    []frameCallback // committed callbacks in commit order
	// releaseAtFrame holds replaced buffers whose wl_buffer.release goes
	// out with the next Frame's callbacks (Surface.attach).
	releaseAtFrame []heldRelease
	outs           []*output.Output      // outputs.go; outs[0] is out
	ssd            map[*xdgToplevel]bool // toplevels with a title bar (frames.go)
	framer         FrameDrawer
	epoch          uint64
	stats          Stats

	onFocus  []func(surface *protocol.Object)
	onApply  []func(surface *protocol.Object) // protocol_hooks.go
	onScene  []func(committed *protocol.Object)
	onMove   []func(surface, seat *protocol.Object, serial uint32)
	onResize []func(surface, seat *protocol.Object, serial uint32, edges protocol.XdgToplevelResizeEdge)
}

type frameCallback struct {
	obj *protocol.Object
	s   *Surface
}

// New registers wl_compositor, wl_subcompositor and xdg_wm_base on d.
// Textures for surface contents come from r.
func New(d *server.Display, r render.Renderer, opts Options) *Shell {
	if opts.Background == ([4]uint8{}) {
		opts.Background = [4]uint8{0x30, 0x30, 0x38, 0xff}
	}
	sh := &Shell{
		d:        d,
		r:        r,
		opts:     opts,
		out:      opts.Output,
		surfaces: make(map[*Surface]struct{}),
		wmBases:  make(map[*wmBase]struct{}),
	}
	_, sh.copies = r.(render.TextureLimiter)
	d.AddGlobal(&protocol.WlCompositorInterface, CompositorVersion, sh.bindCompositor)
	d.AddGlobal(&protocol.WlSubcompositorInterface, SubcompositorVersion, sh.bindSubcompositor)
	d.AddGlobal(&protocol.XdgWmBaseInterface, WmBaseVersion, sh.bindWmBase)
	if sh.out != nil {
		sh.AddOutput(sh.out)
	}
	return sh
}

// OnFocus registers fn to run when the activated toplevel changes; surface
// is its wl_surface, or nil when no toplevel is activated. The seat gives
// keyboard focus to it.
func (sh *Shell) OnFocus(fn func(surface *protocol.Object)) { sh.onFocus = append(sh.onFocus, fn) }

// OnMoveRequest registers fn for xdg_toplevel.move (an interactive move
// the seat may start with its pointer).
func (sh *Shell) OnMoveRequest(fn func(surface, seat *protocol.Object, serial uint32)) {
	sh.onMove = append(sh.onMove, fn)
}

// OnResizeRequest registers fn for xdg_toplevel.resize.
func (sh *Shell) OnResizeRequest(fn func(surface, seat *protocol.Object, serial uint32, edges protocol.XdgToplevelResizeEdge)) {
	sh.onResize = append(sh.onResize, fn)
}

// Surface returns the Surface behind a wl_surface object, or nil.
func (sh *Shell) Surface(obj *protocol.Object) *Surface {
	if obj == nil {
		return nil
	}
	s, _ := obj.Handler.(*Surface)
	return s
}

// Frame sends wl_callback.done with now in milliseconds to every frame
// callback committed so far, in commit order, and destroys them. Callbacks
// of hidden surfaces are answered too (as weston does), so that clients
// never stall. It also drives xdg_wm_base pings. Call it once per output
// frame on the display loop.
func (sh *Shell) Frame(now time.Time) {
	sh.releaseHeld()
	ms := uint32(now.UnixMilli())
	cbs := sh.frames
	sh.frames = nil
	for _, cb := range cbs {
		if cb.obj.Destroyed() {
			continue
		}
		cb.s.frameCount--
		sh.stats.FrameCallbacks++
		protocol.SendWlCallbackDone(cb.s.c.Events(), cb.obj.ID, ms)
		cb.s.c.Destroy(cb.obj)
	}
	if sh.frames == nil {
		// Reuse the array without its old entries: they point at
		// surfaces (and their textures) of clients that may be gone.
		clear(cbs)
		sh.frames = cbs[:0]
	}
	sh.pingClients(now)
}

// releaseHeld releases the buffers replaced since the last frame whose
// release waits for it (Surface.attach).
func (sh *Shell) releaseHeld() {
	for _, h := range sh.releaseAtFrame {
		h.px.Release()
	}
	clear(sh.releaseAtFrame)
	sh.releaseAtFrame = sh.releaseAtFrame[:0]
}

// heldRelease is a replaced buffer of s waiting for the next frame.
type heldRelease struct {
	s  *Surface
	px *shm.Pixels
}

// releaseHeldOf releases at once the buffers of s that wait for the next
// frame: a destroyed surface (a client gone) has no frame to wait for,
// and its pools are unmapped now rather than a frame later.
func (sh *Shell) releaseHeldOf(s *Surface) {
	kept := sh.releaseAtFrame[:0]
	for _, h := range sh.releaseAtFrame {
		if h.s == s {
			h.px.Release()
		} else {
			kept = append(kept, h)
		}
	}
	clear(sh.releaseAtFrame[len(kept):])
	sh.releaseAtFrame = kept
}

// PendingReleases is how many replaced buffers wait for the next Frame to
// be released: a frame clock must not sleep while there are any.
func (sh *Shell) PendingReleases() int { return len(sh.releaseAtFrame) }

// Stats counts shell activity since New.
type Stats struct {
	Commits        uint64 // wl_surface.commit requests accepted
	Uploads        uint64 // buffers uploaded into textures
	BuffersUsed    uint64 // buffers consumed at commit (copied or held)
	Refused        uint64 // buffers too large to copy, refused at commit
	FrameCallbacks uint64 // wl_callback.done sent by Frame
	Surfaces       int    // live wl_surfaces
	Toplevels      int    // mapped toplevels
}

// Stats returns the counters (display loop only).
func (sh *Shell) Stats() Stats {
	st := sh.stats
	st.Surfaces = len(sh.surfaces)
	st.Toplevels = len(sh.stack)
	return st
}

// PendingFrameCallbacks returns how many committed frame callbacks wait for
// the next Frame.
func (sh *Shell) PendingFrameCallbacks() int { return len(sh.frames) }

// Activate raises the toplevel whose wl_surface is surface and makes it the
// activated one (xdg_toplevel state activated; OnFocus listeners run). It
// reports false when surface is not a mapped toplevel.
func (sh *Shell) Activate(surface *protocol.Object) bool {
	t := sh.toplevelOf(surface)
	if t == nil || !t.xs.mapped {
		return false
	}
	sh.raise(t)
	sh.activate(t)
	return true
}

// Raise puts the toplevel whose wl_surface is surface on top of the stack
// without changing activation.
func (sh *Shell) Raise(surface *protocol.Object) bool {
	t := sh.toplevelOf(surface)
	if t == nil || !t.xs.mapped {
		return false
	}
	sh.raise(t)
	sh.updateOutputs()
	return true
}

// MoveTo places the window geometry's top-left corner of the toplevel
// whose wl_surface is surface at (x, y) in output coordinates.
func (sh *Shell) MoveTo(surface *protocol.Object, x, y int) bool {
	t := sh.toplevelOf(surface)
	if t == nil {
		return false
	}
	t.x, t.y, t.placed, t.anchor = x, y, true, 0
	sh.updateOutputs()
	return true
}

// Position returns where the toplevel's window geometry starts in output
// coordinates.
func (sh *Shell) Position(surface *protocol.Object) (x, y int, ok bool) {
	t := sh.toplevelOf(surface)
	if t == nil {
		return 0, 0, false
	}
	return t.x, t.y, true
}

// RequestSize sends the toplevel a configure asking for a window geometry
// of w x h (0 lets the client choose), with the resizing state while an
// interactive resize runs.
func (sh *Shell) RequestSize(surface *protocol.Object, w, h int, resizing bool) bool {
	t := sh.toplevelOf(surface)
	if t == nil || t.obj.Destroyed() {
		return false
	}
	t.reqW, t.reqH, t.resizing = w, h, resizing
	t.configure()
	return true
}

// Close asks the toplevel to close (xdg_toplevel.close).
func (sh *Shell) Close(surface *protocol.Object) bool {
	t := sh.toplevelOf(surface)
	if t == nil || t.obj.Destroyed() {
		return false
	}
	protocol.SendXdgToplevelClose(t.xs.c.Events(), t.obj.ID)
	return true
}

// Toplevels returns the wl_surfaces of the mapped toplevels, bottom first.
func (sh *Shell) Toplevels() []*protocol.Object {
	out := make([]*protocol.Object, 0, len(sh.stack))
	for _, t := range sh.stack {
		out = append(out, t.xs.s.obj)
	}
	return out
}

// Focused returns the activated toplevel's wl_surface, or nil.
func (sh *Shell) Focused() *protocol.Object {
	if sh.activated == nil {
		return nil
	}
	return sh.activated.xs.s.obj
}

func (sh *Shell) toplevelOf(surface *protocol.Object) *xdgToplevel {
	s := sh.Surface(surface)
	if s == nil || s.xdg == nil {
		return nil
	}
	return s.xdg.toplevel
}

func (sh *Shell) raise(t *xdgToplevel) {
	t.unminimize()
	sh.removeFromStack(t)
	sh.stack = append(sh.stack, t)
}

func (sh *Shell) removeFromStack(t *xdgToplevel) bool {
	for i, x := range sh.stack {
		if x == t {
			// slices.Delete clears the freed slot: a stale pointer there
			// kept a departed client's surface, and its memory, alive
			// until another toplevel mapped.
			sh.stack = slices.Delete(sh.stack, i, i+1)
			return true
		}
	}
	return false
}

// activate makes t (nil: nobody) the activated toplevel and tells both the
// old and the new one with a configure.
func (sh *Shell) activate(t *xdgToplevel) {
	if sh.activated == t {
		return
	}
	old := sh.activated
	sh.activated = t
	if old != nil && !old.obj.Destroyed() {
		old.configure()
	}
	var surface *protocol.Object
	if t != nil {
		t.configure()
		surface = t.xs.s.obj
	}
	for _, fn := range sh.onFocus {
		fn(surface)
	}
}

// activateTop activates the topmost mapped toplevel, if any.
func (sh *Shell) activateTop() {
	if n := len(sh.stack); n > 0 {
		sh.activate(sh.stack[n-1])
	} else {
		sh.activate(nil)
	}
}

func (sh *Shell) outputResized() {
	sh.keepReachable() // wm.go
	for _, t := range sh.stack {
		// Maximized and fullscreen windows get the new size; from
		// version 4 every window learns the new configure_bounds.
		if t.maximized || t.fullscreen || t.obj.Version >= 4 {
			t.configure()
		}
	}
	sh.updateOutputs()
}

func (sh *Shell) pingClients(now time.Time) {
	if sh.opts.PingInterval <= 0 || now.Before(sh.pingDue) {
		return // a frame costs no walk over the clients between pings
	}
	var due time.Time // the earliest next ping or timeout
	soonest := func(t time.Time) {
		if due.IsZero() || t.Before(due) {
			due = t
		}
	}
	for b := range sh.wmBases {
		switch {
		case b.pingSerial != 0:
			if sh.opts.PingTimeout <= 0 {
				continue // until the pong (which sets pingDue back)
			}
			if now.Sub(b.pingSent) > sh.opts.PingTimeout {
				slog.Info("xdg_wm_base client unresponsive", "client", b.c.ID(), "pid", b.c.PID)
				b.c.PostErrorf(b.obj, protocol.XdgWmBaseErrorUnresponsive,
					"xdg_wm_base@%d did not answer ping %d within %v", b.obj.ID, b.pingSerial, sh.opts.PingTimeout)
				continue // it goes; until then, the walk runs every frame
			}
			soonest(b.pingSent.Add(sh.opts.PingTimeout + 1))
		case now.Sub(b.pingSent) >= sh.opts.PingInterval:
			b.pingSerial = sh.d.NextSerial()
			b.pingSent = now
			protocol.SendXdgWmBasePing(b.c.Events(), b.obj.ID, b.pingSerial)
			if sh.opts.PingTimeout > 0 {
				soonest(now.Add(sh.opts.PingTimeout + 1))
			}
		default:
			soonest(b.pingSent.Add(sh.opts.PingInterval))
		}
	}
	sh.pingDue = due
}

// RootToplevel returns the wl_surface of the mapped toplevel that surface
// belongs to, following subsurface parents and popup parents, or nil when
// it belongs to none (an unmapped window, a cursor, a dead surface). The
// compositor uses it to focus a window when one of its subsurfaces (foot's
// decorations) or popups is clicked.
func (sh *Shell) RootToplevel(surface *protocol.Object) *protocol.Object {
	s := sh.Surface(surface)
	for s != nil && !s.obj.Destroyed() {
		if p := s.parent(); p != nil {
			s = p
			continue
		}
		x := s.xdg
		if x == nil || x.gone || !x.mapped {
			return nil
		}
		switch {
		case x.toplevel != nil:
			return s.obj
		case x.popup != nil && x.popup.parent != nil:
			s = x.popup.parent.s
		default:
			return nil
		}
	}
	return nil
}
