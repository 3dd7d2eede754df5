package shell

import (
	"image"
	"slices"

	"github.com/nofault/nofault/protocol"
)

// This file is the window management policy: where new toplevels go, the
// geometry maximize and fullscreen restore, keeping windows reachable when
// the output shrinks, minimizing, cycling, and interactive move and resize
// (driven by a pointer grab the compositor runs in the seat).

// Reachability: a window keeps at least its top reachTitle rows (its title
// bar, for client decorations) and reachWidth columns on the output, so it
// can always be dragged back.
const (
	reachTitle = 32
	reachWidth = 64
)

// maxPlacementPeers bounds the windows smart placement looks at (the
// topmost ones), so that a client with thousands of toplevels cannot make
// each map quadratic.
const maxPlacementPeers = 32

// windowRect is the toplevel's window geometry in output coordinates.
func (t *xdgToplevel) windowRect() image.Rectangle {
	g := t.xs.geometry()
	return image.Rect(t.x, t.y, t.x+g.Dx(), t.y+g.Dy())
}

// place picks the new toplevel's position: maximized and fullscreen
// windows cover the output; a dialog is centred on its parent; the first
// window is centred; later ones go to the free spot nearest the centre
// that overlaps no window (smart placement). When the output is full, the
// spot that hides least of the other windows, their title bars above all,
// is taken; when every spot would hide a whole title bar, windows cascade
// down and right from the topmost one. The window is kept inside the
// output (at its top-left corner when it is larger).
func (t *xdgToplevel) place() {
	t.placed = true
	out := t.sh.coverRect(t) // frames.go
	if t.maximized || t.fullscreen {
		t.x, t.y = out.Min.X, out.Min.Y
		return
	}
	g := t.xs.geometry()
	p := t.sh.placement(t, g.Size())
	t.x, t.y = p.X, p.Y
}

// placement returns where a window of size sz (not yet on the stack, or
// t itself) goes.
func (sh *Shell) placement(t *xdgToplevel, sz image.Point) image.Point {
	out := sh.outputRect()
	inside := func(p image.Point) image.Point {
		p.X = max(min(p.X, out.Max.X-sz.X), out.Min.X)
		p.Y = max(min(p.Y, out.Max.Y-sz.Y), out.Min.Y)
		return p
	}
	centre := image.Pt(out.Min.X+(out.Dx()-sz.X)/2, out.Min.Y+(out.Dy()-sz.Y)/2)
	if p := t.parent; p != nil && p.xs.mapped && !p.minimized {
		pr := p.windowRect()
		return inside(image.Pt(pr.Min.X+(pr.Dx()-sz.X)/2, pr.Min.Y+(pr.Dy()-sz.Y)/2))
	}
	var others []image.Rectangle
	for i := len(sh.stack) - 1; i >= 0 && len(others) < maxPlacementPeers; i-- {
		if o := sh.stack[i]; o != t && o.xs.mapped {
			others = append(others, o.windowRect())
		}
	}
	if len(others) == 0 {
		return inside(centre)
	}
	// Candidate corners: the output's edges and the edges of every
	// window, on both sides.
	xs := []int{out.Min.X, out.Max.X - sz.X, centre.X}
	ys := []int{out.Min.Y, out.Max.Y - sz.Y, centre.Y}
	for _, o := range others {
		xs = append(xs, o.Max.X, o.Min.X-sz.X, o.Min.X)
		ys = append(ys, o.Max.Y, o.Min.Y-sz.Y, o.Min.Y)
	}
	best, bestScore, bestDist := image.Point{}, -1, 0
	for _, x := range xs {
		for _, y := range ys {
			p := inside(image.Pt(x, y))
			score := coverScore(image.Rectangle{Min: p, Max: p.Add(sz)}, others)
			d := p.Sub(centre)
			dist := d.X*d.X + d.Y*d.Y
			if bestScore < 0 || score < bestScore || score == bestScore && dist < bestDist {
				best, bestScore, bestDist = p, score, dist
			}
		}
	}
	if bestScore < hidesTitle {
		return best
	}
	return sh.cascade(t, sz)
}

// hidesTitle is the coverScore of a spot that hides a whole title bar.
const hidesTitle = 1 << 40

// coverScore rates how much a window at r would hide of the windows
// others: 0 for a free spot; the area it covers, title bar areas counting
// 16 times; hidesTitle or more when it hides some window's whole title bar
// area.
func coverScore(r image.Rectangle, others []image.Rectangle) int {
	score := 0
	for _, o := range others {
		title := image.Rect(o.Min.X, o.Min.Y, o.Max.X, o.Min.Y+min(o.Dy(), reachTitle))
		if title.In(r) {
			score += hidesTitle
		}
		a, b := r.Intersect(o), r.Intersect(title)
		score += a.Dx()*a.Dy() + 15*b.Dx()*b.Dy()
	}
	return score
}

// cascade places a window one cascadeStep down and right of the topmost
// window, starting again at the output's top-left corner (shifted by the
// number of laps) when it would leave the output, and never exactly on
// another window's corner.
func (sh *Shell) cascade(t *xdgToplevel, sz image.Point) image.Point {
	out := sh.outputRect()
	var p image.Point
	if n := len(sh.stack); n > 0 && sh.stack[n-1] != t {
		top := sh.stack[n-1]
		p = image.Pt(top.x+cascadeStep, top.y+cascadeStep)
	} else {
		p = out.Min
	}
	for i := 0; i < 64; i++ {
		if p.X+sz.X > out.Max.X || p.Y+sz.Y > out.Max.Y {
			lap := (i % 8) * cascadeStep
			p = image.Pt(out.Min.X+lap, out.Min.Y+lap)
		}
		if !sh.occupied(t, p) {
			break
		}
		p = p.Add(image.Pt(cascadeStep, cascadeStep))
	}
	p.X = max(min(p.X, out.Max.X-sz.X), out.Min.X)
	p.Y = max(min(p.Y, out.Max.Y-sz.Y), out.Min.Y)
	return p
}

// occupied reports whether a window other than t has its corner at p.
func (sh *Shell) occupied(t *xdgToplevel, p image.Point) bool {
	for _, o := range sh.stack {
		if o != t && o.x == p.X && o.y == p.Y {
			return true
		}
	}
	return false
}

// fitSize is the size to ask a new window for so that it fits the output,
// or false when it fits already (or cannot shrink: its minimum size is
// larger).
func (t *xdgToplevel) fitSize() (w, h int, shrink bool) {
	out := t.sh.outputRect()
	g := t.xs.geometry()
	w, h = g.Dx(), g.Dy()
	if w > out.Dx() {
		w = max(out.Dx(), t.min.X)
	}
	if h > out.Dy() {
		h = max(out.Dy(), t.min.Y)
	}
	return w, h, w < g.Dx() || h < g.Dy()
}

// reachable moves p (a window's corner, for a window of size sz) so that
// the window's title bar area is on the output.
func (sh *Shell) reachable(p, sz image.Point) image.Point {
	out := sh.outputRect()
	title, width := min(sz.Y, reachTitle), min(sz.X, reachWidth)
	p.X = max(min(p.X, out.Max.X-width), out.Min.X-(sz.X-width))
	p.Y = max(min(p.Y, out.Max.Y-title), out.Min.Y)
	return p
}

// keepReachable moves every window that is not maximized or fullscreen
// back so its title bar is on the output, and keeps the saved geometry of
// those that are reachable too. It runs when the output changes size.
func (sh *Shell) keepReachable() {
	for _, t := range slices.Concat(sh.stack, sh.minimized) {
		if t.maximized || t.fullscreen {
			p := sh.reachable(image.Pt(t.savedX, t.savedY), image.Pt(t.savedW, t.savedH))
			t.savedX, t.savedY = p.X, p.Y
			continue
		}
		p := sh.reachable(image.Pt(t.x, t.y), t.xs.geometry().Size())
		if p != image.Pt(t.x, t.y) {
			t.x, t.y = p.X, p.Y
			t.anchor = 0
		}
	}
}

// saveAndCover remembers the window's place and size before it is
// maximized or made fullscreen, then moves it to the output's corner.
func (t *xdgToplevel) saveAndCover() {
	if !t.maximized && !t.fullscreen {
		g := t.xs.geometry()
		t.savedX, t.savedY = t.x, t.y
		t.savedW, t.savedH = g.Dx(), g.Dy()
		if !t.xs.mapped {
			t.savedW, t.savedH = t.reqW, t.reqH
		}
	}
	t.anchor = 0
	r := t.sh.outputRect()
	t.x, t.y = r.Min.X, r.Min.Y
}

// restore puts back the place and size saved by saveAndCover once the
// window is neither maximized nor fullscreen (the next configure asks for
// the saved size), keeping it reachable on an output that shrank since.
func (t *xdgToplevel) restore() {
	if t.maximized || t.fullscreen {
		return
	}
	t.reqW, t.reqH = t.savedW, t.savedH
	if !t.placed {
		return // never mapped: placed when it maps
	}
	p := t.sh.reachable(image.Pt(t.savedX, t.savedY), image.Pt(t.savedW, t.savedH))
	t.x, t.y = p.X, p.Y
}

// SetMinimized handles xdg_toplevel.set_minimized: the window is hidden
// (off the stack, not drawn, not under the pointer) until the
// unminimize shortcut, Activate or a cycle brings it back.
func (t *xdgToplevel) SetMinimized() error {
	if t.minimized || !t.xs.mapped {
		return nil
	}
	sh := t.sh
	sh.removeFromStack(t)
	t.minimized = true
	sh.minimized = append(sh.minimized, t)
	if sh.activated == t {
		sh.activated = nil
		t.configure() // no longer activated
		sh.activateTop()
	}
	sh.updateOutputs()
	return nil
}

// unminimize takes t off the minimized list; the caller raises it.
func (t *xdgToplevel) unminimize() {
	if !t.minimized {
		return
	}
	t.minimized = false
	if i := slices.Index(t.sh.minimized, t); i >= 0 {
		t.sh.minimized = slices.Delete(t.sh.minimized, i, i+1)
	}
}

// Minimize hides the toplevel whose wl_surface is surface, as
// xdg_toplevel.set_minimized does.
func (sh *Shell) Minimize(surface *protocol.Object) bool {
	t := sh.toplevelOf(surface)
	if t == nil || !t.xs.mapped {
		return false
	}
	t.SetMinimized()
	return true
}

// Minimized returns the wl_surfaces of the minimized toplevels, oldest
// first.
func (sh *Shell) Minimized() []*protocol.Object {
	out := make([]*protocol.Object, 0, len(sh.minimized))
	for _, t := range sh.minimized {
		out = append(out, t.xs.s.obj)
	}
	return out
}

// RestoreMinimized brings every minimized toplevel back on top, the most
// recently minimized topmost and activated. It reports whether there was
// one.
func (sh *Shell) RestoreMinimized() bool {
	if len(sh.minimized) == 0 {
		return false
	}
	ts := slices.Clone(sh.minimized)
	for _, t := range ts {
		sh.raise(t)
	}
	sh.activate(ts[len(ts)-1])
	sh.updateOutputs()
	return true
}

// CycleWindows raises and activates the bottom window of the stack, so
// that pressing it repeatedly visits every window in turn. With one
// window it activates that one. It reports false when there is none.
func (sh *Shell) CycleWindows() bool {
	if len(sh.stack) == 0 {
		return false
	}
	t := sh.stack[0]
	sh.raise(t)
	sh.activate(t)
	sh.updateOutputs()
	return true
}

// Interactive is an interactive move or resize of one toplevel, driven by
// pointer positions in output coordinates: the compositor starts it on
// xdg_toplevel.move/resize and feeds it from a seat pointer grab.
type Interactive struct {
	sh     *Shell
	t      *xdgToplevel
	edges  protocol.XdgToplevelResizeEdge // 0 (none) for a move
	px, py float64
	start  image.Rectangle // window geometry at the start
	w, h   int             // last size asked for
	ended  bool
}

// BeginMove starts moving the toplevel whose wl_surface is surface, with
// the pointer at (px, py). It returns nil when surface is not a mapped
// toplevel or is maximized or fullscreen (weston ignores those too).
func (sh *Shell) BeginMove(surface *protocol.Object, px, py float64) *Interactive {
	return sh.begin(surface, 0, px, py)
}

// BeginResize starts resizing the toplevel whose wl_surface is surface
// from edges (an xdg_toplevel.resize_edge other than none), with the
// pointer at (px, py): the window gets configures with the resizing state
// and the size the pointer asks for, and its opposite edges stay put.
func (sh *Shell) BeginResize(surface *protocol.Object, edges protocol.XdgToplevelResizeEdge, px, py float64) *Interactive {
	if edges == 0 || edges&^15 != 0 {
		return nil
	}
	return sh.begin(surface, edges, px, py)
}

func (sh *Shell) begin(surface *protocol.Object, edges protocol.XdgToplevelResizeEdge, px, py float64) *Interactive {
	t := sh.toplevelOf(surface)
	if t == nil || !t.xs.mapped || t.minimized || t.maximized || t.fullscreen || t.obj.Destroyed() {
		return nil
	}
	px, py = sh.toLogical(px, py) // pointer positions are output pixels (outputs.go)
	g := &Interactive{sh: sh, t: t, edges: edges, px: px, py: py, start: t.windowRect()}
	g.w, g.h = g.start.Dx(), g.start.Dy()
	if edges != 0 {
		t.anchor, t.anchorRect, t.anchorSerial = edges, g.start, 0
		t.resizing = true
		t.reqW, t.reqH = g.w, g.h
		t.configure()
	}
	return g
}

// Resizing reports whether this is a resize rather than a move.
func (g *Interactive) Resizing() bool { return g.edges != 0 }

// Motion moves the window, or asks it for a new size, for the pointer at
// (x, y). It reports false when the window is gone: the caller ends the
// grab.
func (g *Interactive) Motion(x, y float64) bool {
	t := g.t
	if g.ended || t.obj.Destroyed() || t.xs.toplevel != t || !t.xs.mapped || t.minimized {
		return false
	}
	x, y = g.sh.toLogical(x, y)
	dx, dy := int(x-g.px), int(y-g.py)
	if g.edges == 0 {
		p := g.sh.reachable(g.start.Min.Add(image.Pt(dx, dy)), t.xs.geometry().Size())
		if p != image.Pt(t.x, t.y) {
			t.x, t.y = p.X, p.Y
			g.sh.updateOutputs()
		}
		return true
	}
	w, h := g.start.Dx(), g.start.Dy()
	switch {
	case g.edges&protocol.XdgToplevelResizeEdgeLeft != 0:
		w -= dx
	case g.edges&protocol.XdgToplevelResizeEdgeRight != 0:
		w += dx
	}
	switch {
	case g.edges&protocol.XdgToplevelResizeEdgeTop != 0:
		h -= dy
	case g.edges&protocol.XdgToplevelResizeEdgeBottom != 0:
		h += dy
	}
	w, h = t.constrain(w, h)
	if w != g.w || h != g.h {
		g.w, g.h = w, h
		t.reqW, t.reqH = w, h
		t.configure()
	}
	return true
}

// constrain clamps a size to the window's minimum and maximum sizes and
// to at least 1x1.
func (t *xdgToplevel) constrain(w, h int) (int, int) {
	if t.max.X > 0 {
		w = min(w, t.max.X)
	}
	if t.max.Y > 0 {
		h = min(h, t.max.Y)
	}
	return max(w, t.min.X, 1), max(h, t.min.Y, 1)
}

// End finishes the move or resize: a resized window gets a last configure
// without the resizing state, and keeps its anchored edges until it has
// committed that configure.
func (g *Interactive) End() {
	if g.ended {
		return
	}
	g.ended = true
	t := g.t
	if g.edges == 0 || t.obj.Destroyed() || t.xs.toplevel != t {
		return
	}
	t.resizing = false
	t.configure()
	if n := len(t.xs.serials); n > 0 {
		t.anchorSerial = t.xs.serials[n-1]
	} else {
		t.anchor = 0
	}
}

// applied runs after each commit of the mapped toplevel: during and right
// after an interactive resize the edges opposite the dragged ones stay
// where they were.
func (t *xdgToplevel) applied() {
	if t.anchor == 0 || t.maximized || t.fullscreen {
		return
	}
	g, old := t.xs.geometry(), image.Pt(t.x, t.y)
	if t.anchor&protocol.XdgToplevelResizeEdgeLeft != 0 {
		t.x = t.anchorRect.Max.X - g.Dx()
	}
	if t.anchor&protocol.XdgToplevelResizeEdgeTop != 0 {
		t.y = t.anchorRect.Max.Y - g.Dy()
	}
	if !t.resizing && t.anchorSerial != 0 && !slices.Contains(t.xs.serials, t.anchorSerial) {
		t.anchor, t.anchorSerial = 0, 0
	}
	if old != image.Pt(t.x, t.y) {
		t.sh.updateOutputs()
	}
}
