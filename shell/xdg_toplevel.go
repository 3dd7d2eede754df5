package shell

import (
	"image"
	"strings"

	"github.com/nofault/nofault/protocol"
)

// cascadeStep is how far each new toplevel placed at an occupied spot is
// moved right and down.
const cascadeStep = 32

// xdgToplevel implements xdg_toplevel.
type xdgToplevel struct {
	sh  *Shell
	xs  *xdgSurface
	obj *protocol.Object

	parent       *xdgToplevel
	title, appID string

	min, max               image.Point // applied; 0 means unset
	pendingMin, pendingMax image.Point

	maximized, fullscreen, resizing bool
	reqW, reqH                      int // size asked for outside maximized/fullscreen

	// Window management (wm.go): the window geometry size before
	// maximize/fullscreen (savedX, savedY hold the place); set_minimized
	// (on Shell.minimized); an interactive resize keeps the edges opposite
	// those in anchor at anchorRect until the client committed
	// anchorSerial.
	savedW, savedH int
	minimized      bool
	anchor         protocol.XdgToplevelResizeEdge
	anchorRect     image.Rectangle
	anchorSerial   uint32

	x, y           int // window geometry origin in output coordinates
	placed         bool
	savedX, savedY int // position before maximize/fullscreen
	// geomMin is the window geometry's corner in surface coordinates when
	// last seen mapped (geomKnown): keepSurfaceOrigin moves the window
	// when it changes, so that the wl_surface stays where it is.
	geomMin   image.Point
	geomKnown bool
	sentCaps  bool
}

// Destroy handles xdg_toplevel.destroy.
func (t *xdgToplevel) Destroy() error { return nil }

// OnDestroy unmaps the toplevel and hands its children to its parent.
func (t *xdgToplevel) OnDestroy() {
	if t.xs.toplevel == t {
		t.xs.unmap()
		t.xs.toplevel = nil
	}
	t.reparentChildren()
	t.sh.updateOutputs()
	t.sh.sceneChanged(nil)
}

func (t *xdgToplevel) reparentChildren() {
	for s := range t.sh.surfaces {
		if s.xdg != nil && s.xdg.toplevel != nil && s.xdg.toplevel.parent == t {
			s.xdg.toplevel.parent = t.parent
		}
	}
}

// SetParent handles xdg_toplevel.set_parent.
func (t *xdgToplevel) SetParent(parent *protocol.Object) error {
	var p *xdgToplevel
	if parent != nil {
		p = parent.Handler.(*xdgToplevel)
		for x := p; x != nil; x = x.parent {
			if x == t {
				return protocol.Errorf(t.obj, protocol.XdgToplevelErrorInvalidParent,
					"xdg_toplevel@%d.set_parent: xdg_toplevel@%d is itself or a descendant", t.obj.ID, parent.ID)
			}
		}
		if !p.xs.mapped {
			p = nil // an unmapped parent is a null parent
		}
	}
	t.parent = p
	return nil
}

// SetTitle handles xdg_toplevel.set_title. The string aliases the
// receive buffer (protocol's package doc): keep a copy.
func (t *xdgToplevel) SetTitle(title string) error {
	t.title = strings.Clone(title)
	return nil
}

// SetAppID handles xdg_toplevel.set_app_id.
func (t *xdgToplevel) SetAppID(id string) error {
	t.appID = strings.Clone(id)
	return nil
}

// ShowWindowMenu handles xdg_toplevel.show_window_menu (no window menu;
// wm_capabilities does not advertise one).
func (t *xdgToplevel) ShowWindowMenu(seat *protocol.Object, serial uint32, x, y int32) error {
	return nil
}

// Move handles xdg_toplevel.move by telling the OnMoveRequest listeners.
func (t *xdgToplevel) Move(seat *protocol.Object, serial uint32) error {
	if !t.xs.mapped {
		return nil
	}
	for _, fn := range t.sh.onMove {
		fn(t.xs.s.obj, seat, serial)
	}
	return nil
}

// Resize handles xdg_toplevel.resize by telling the OnResizeRequest
// listeners.
func (t *xdgToplevel) Resize(seat *protocol.Object, serial uint32, edges protocol.XdgToplevelResizeEdge) error {
	switch edges {
	case protocol.XdgToplevelResizeEdgeNone, protocol.XdgToplevelResizeEdgeTop, protocol.XdgToplevelResizeEdgeBottom,
		protocol.XdgToplevelResizeEdgeLeft, protocol.XdgToplevelResizeEdgeTopLeft, protocol.XdgToplevelResizeEdgeBottomLeft,
		protocol.XdgToplevelResizeEdgeRight, protocol.XdgToplevelResizeEdgeTopRight, protocol.XdgToplevelResizeEdgeBottomRight:
	default:
		return protocol.Errorf(t.obj, protocol.XdgToplevelErrorInvalidResizeEdge,
			"xdg_toplevel@%d.resize: invalid edge %d", t.obj.ID, edges)
	}
	if !t.xs.mapped {
		return nil
	}
	for _, fn := range t.sh.onResize {
		fn(t.xs.s.obj, seat, serial, edges)
	}
	return nil
}

// SetMaxSize handles xdg_toplevel.set_max_size (double-buffered).
func (t *xdgToplevel) SetMaxSize(w, h int32) error {
	if w < 0 || h < 0 {
		return protocol.Errorf(t.obj, protocol.XdgToplevelErrorInvalidSize,
			"xdg_toplevel@%d.set_max_size: negative size %dx%d", t.obj.ID, w, h)
	}
	t.pendingMax = image.Pt(int(w), int(h))
	return nil
}

// SetMinSize handles xdg_toplevel.set_min_size (double-buffered).
func (t *xdgToplevel) SetMinSize(w, h int32) error {
	if w < 0 || h < 0 {
		return protocol.Errorf(t.obj, protocol.XdgToplevelErrorInvalidSize,
			"xdg_toplevel@%d.set_min_size: negative size %dx%d", t.obj.ID, w, h)
	}
	t.pendingMin = image.Pt(int(w), int(h))
	return nil
}

// checkMinMax refuses a pending minimum larger than the pending maximum.
func (t *xdgToplevel) checkMinMax() error {
	mn, mx := t.pendingMin, t.pendingMax
	if (mx.X > 0 && mn.X > mx.X) || (mx.Y > 0 && mn.Y > mx.Y) {
		return protocol.Errorf(t.obj, protocol.XdgToplevelErrorInvalidSize,
			"xdg_toplevel@%d: min size %dx%d larger than max size %dx%d", t.obj.ID, mn.X, mn.Y, mx.X, mx.Y)
	}
	return nil
}

// SetMaximized handles xdg_toplevel.set_maximized.
func (t *xdgToplevel) SetMaximized() error {
	if !t.maximized {
		t.saveAndCover()
		t.maximized = true
		t.configure()
	}
	return nil
}

// UnsetMaximized handles xdg_toplevel.unset_maximized.
func (t *xdgToplevel) UnsetMaximized() error {
	if t.maximized {
		t.maximized = false
		t.restore()
		t.configure()
	}
	return nil
}

// SetFullscreen handles xdg_toplevel.set_fullscreen; there is one output,
// so the output argument does not matter.
func (t *xdgToplevel) SetFullscreen(output *protocol.Object) error {
	if !t.fullscreen {
		t.saveAndCover()
		t.fullscreen = true
		t.configure()
	}
	return nil
}

// UnsetFullscreen handles xdg_toplevel.unset_fullscreen.
func (t *xdgToplevel) UnsetFullscreen() error {
	if t.fullscreen {
		t.fullscreen = false
		t.restore()
		t.configure()
	}
	return nil
}

// configure sends a configure sequence with the current size and states.
// Before the initial commit nothing is sent: the initial commit's
// configure carries everything set so far.
func (t *xdgToplevel) configure() {
	xs := t.xs
	if !xs.initialized || xs.gone || t.obj.Destroyed() {
		return
	}
	e := xs.c.Events()
	out := t.sh.coverRect(t) // frames.go: below a server-side title bar
	w, h := t.reqW, t.reqH
	if t.maximized || t.fullscreen {
		w, h = out.Dx(), out.Dy()
		t.x, t.y = out.Min.X, out.Min.Y
	}
	var states []byte
	add := func(s protocol.XdgToplevelState) { states = protocol.AppendEnum(states, s) }
	if t.maximized {
		add(protocol.XdgToplevelStateMaximized)
	}
	if t.fullscreen {
		add(protocol.XdgToplevelStateFullscreen)
	}
	if t.resizing {
		add(protocol.XdgToplevelStateResizing)
	}
	if t.sh.activated == t {
		add(protocol.XdgToplevelStateActivated)
	}
	if t.obj.Version >= 4 {
		protocol.SendXdgToplevelConfigureBounds(e, t.obj.ID, int32(out.Dx()), int32(out.Dy()))
	}
	if t.obj.Version >= 5 && !t.sentCaps {
		t.sentCaps = true
		caps := protocol.AppendEnum(nil, protocol.XdgToplevelWmCapabilitiesMaximize,
			protocol.XdgToplevelWmCapabilitiesFullscreen, protocol.XdgToplevelWmCapabilitiesMinimize)
		protocol.SendXdgToplevelWmCapabilities(e, t.obj.ID, caps)
	}
	protocol.SendXdgToplevelConfigure(e, t.obj.ID, int32(w), int32(h), states)
	xs.sendConfigure()
}

// mapped places a newly mapped toplevel (wm.go), raises and activates
// it. A window larger than the output is asked to fit it.
func (t *xdgToplevel) mapped() {
	t.sh.dismissGrabs()
	if !t.placed {
		if w, h, shrink := t.fitSize(); shrink && !t.maximized && !t.fullscreen {
			t.reqW, t.reqH = w, h
			t.configure()
		}
		t.place()
	}
	t.sh.raise(t)
	t.sh.activate(t)
}

// unmapped takes an unmapped toplevel off the stack; focus moves to the
// topmost remaining one.
func (t *xdgToplevel) unmapped() {
	t.geomKnown = false
	t.sh.removeFromStack(t)
	t.reparentChildren()
	if t.sh.activated == t {
		t.sh.activated = nil
		t.sh.activateTop()
	}
	t.unminimize() // wm.go
	t.anchor = 0
}
