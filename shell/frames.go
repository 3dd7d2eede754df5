package shell

import (
	"image"
	"math"

	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/render"
)

// Server-side decorations: a toplevel that agreed to server_side
// (xdg-decoration, package decoration) gets a title bar drawn by the
// compositor above its window geometry, TitleBarHeight surface units
// high and as wide as the window. The shell knows where frames are (for
// the scene and for the pointer); a FrameDrawer makes their pixels. A
// fullscreen window has no frame; a maximized one is sized to the output
// below its title bar.

// TitleBarHeight is the height of a server-side title bar in surface
// coordinates.
const TitleBarHeight = 24

// Frame is one toplevel's title bar to draw.
type Frame struct {
	Toplevel *protocol.Object // the xdg_toplevel
	Title    string
	Active   bool            // the window has the keyboard focus
	Bar      image.Rectangle // in output pixels
	Scale    float64         // output pixels per surface unit
}

// FrameDrawer draws title bars. DrawFrame returns the items that draw f
// (at f.Bar, bottom first); Forget drops what it keeps for a toplevel that
// has no frame any more. Both run on the display loop.
type FrameDrawer interface {
	DrawFrame(f Frame) []render.Item
	Forget(toplevel *protocol.Object)
}

// SetFrameDrawer sets who draws title bars; without one no frame is drawn.
func (sh *Shell) SetFrameDrawer(d FrameDrawer) { sh.framer = d }

// SetServerSide gives the toplevel whose xdg_toplevel object is toplevel
// a title bar (on) or takes it away. It sends no configure: the caller
// sends one (ConfigureToplevel; a maximized window's size changes). It
// reports false when toplevel is not a live xdg_toplevel of this shell.
func (sh *Shell) SetServerSide(toplevel *protocol.Object, on bool) bool {
	t, ok := toplevel.Handler.(*xdgToplevel)
	if !ok || t.sh != sh || toplevel.Destroyed() {
		if ok && !on {
			sh.dropFrame(t)
		}
		return false
	}
	if on == sh.ssd[t] {
		return true
	}
	if on {
		if sh.ssd == nil {
			sh.ssd = make(map[*xdgToplevel]bool)
		}
		sh.ssd[t] = true
	} else {
		sh.dropFrame(t)
	}
	if t.maximized {
		r := sh.coverRect(t)
		t.x, t.y = r.Min.X, r.Min.Y
	}
	return true
}

func (sh *Shell) dropFrame(t *xdgToplevel) {
	if !sh.ssd[t] {
		return
	}
	delete(sh.ssd, t)
	if sh.framer != nil {
		sh.framer.Forget(t.obj)
	}
}

// framed reports whether t shows a title bar now.
func (sh *Shell) framed(t *xdgToplevel) bool {
	return sh.ssd[t] && !t.fullscreen
}

// coverRect is where a maximized or fullscreen t goes: the output, less
// the title bar of a framed maximized window.
func (sh *Shell) coverRect(t *xdgToplevel) image.Rectangle {
	r := sh.outputRect()
	if t.maximized && sh.framed(t) {
		r.Min.Y += TitleBarHeight
	}
	return r
}

// titleBar returns t's title bar in the global space.
func titleBar(t *xdgToplevel) image.Rectangle {
	w := t.windowRect()
	return image.Rect(w.Min.X, w.Min.Y-TitleBarHeight, w.Max.X, w.Min.Y)
}

// frameItems appends t's title bar to sc (Scene, before t's surfaces).
func (sh *Shell) frameItems(sc *render.Scene, t *xdgToplevel) {
	if len(sh.ssd) == 0 {
		return
	}
	if t.obj.Destroyed() {
		sh.dropFrame(t)
		return
	}
	if sh.framer == nil || !sh.framed(t) {
		return
	}
	sc.Items = append(sc.Items, sh.framer.DrawFrame(Frame{
		Toplevel: t.obj,
		Title:    t.title,
		Active:   sh.activated == t,
		Bar:      sh.toPixels(titleBar(t)),
		Scale:    float64(sh.scale120()) / 120,
	})...)
}

// FrameAt returns the framed toplevel (its wl_surface) whose title bar is
// topmost at output position (x, y), and the position in the bar in
// output pixels with the bar's size; surface is nil when there is none or
// a surface is above the bar there.
func (sh *Shell) FrameAt(x, y float64) (surface *protocol.Object, at image.Point, bar image.Rectangle) {
	if len(sh.ssd) == 0 {
		return nil, at, bar
	}
	p := image.Pt(int(math.Floor(x)), int(math.Floor(y)))
	lx, ly := sh.toLogical(x, y)
	lp := image.Pt(int(math.Floor(lx)), int(math.Floor(ly)))
	var hit *xdgToplevel
	over := func(s *Surface, r image.Rectangle) {
		if lp.In(r) && (s.inputAll || s.input.contains(lp.Sub(r.Min))) {
			hit = nil
		}
	}
	for _, t := range sh.stack {
		if !t.xs.mapped {
			continue
		}
		if sh.framed(t) && !t.obj.Destroyed() {
			if b := sh.toPixels(titleBar(t)); p.In(b) {
				hit, bar = t, b
			}
		}
		walkTree(t.xs.s, t.xs.surfaceOrigin(), over)
		walkPopups(t.xs, over)
	}
	if hit == nil {
		return nil, at, image.Rectangle{}
	}
	return hit.xs.s.obj, p.Sub(bar.Min), bar
}

// ToggleMaximized maximizes the toplevel whose wl_surface is surface, or
// restores it when it is maximized (a title bar's maximize button).
func (sh *Shell) ToggleMaximized(surface *protocol.Object) bool {
	t := sh.toplevelOf(surface)
	if t == nil || t.obj.Destroyed() {
		return false
	}
	if t.maximized {
		t.UnsetMaximized()
	} else {
		t.SetMaximized()
	}
	return true
}
