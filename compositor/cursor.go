package compositor

import (
	"image"
	"log/slog"
	"math"

	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/seat"
)

// This file draws the pointer: the top layers of the scene are the drag
// icon of a running drag-and-drop, then the cursor. The cursor is the
// surface the client under the pointer set with wl_pointer.set_cursor
// (drawn at the output scale, at the pointer minus its hotspot scaled the
// same; nothing when it set none), nofault's own image of the shape it
// named with wp_cursor_shape_v1 (cursorshapes.go), or nofault's own arrow
// where no client set one. Both are plain scene items, so both renderers
// draw them with no code of their own.
//
// The cursor is part of what the output shows (the nested window) but not
// of what --screenshot writes, and wlr-screencopy captures include it only
// when the client asked with overlay_cursor, as in wlroots.

// cursorState follows the seat's cursor.
type cursorState struct {
	cur seat.Cursor
	// base is the cursor surface's RoleOffset when set_cursor named it:
	// offsets committed since move the hotspot (wl_pointer.set_cursor:
	// "hotspot_x and hotspot_y are decremented by the x and y parameters
	// passed to the request").
	base image.Point

	// shapes holds the built-in cursors uploaded so far, by canonical
	// name (cursorshapes.go); nil for one the renderer refused.
	shapes map[string]shapeTex

	drawn bool // the last scene built for the output has a cursor item
	// outside: the pointer is not over the output. It starts outside (a
	// headless output, or a nested window the host pointer has not
	// entered, shows no cursor), comes in when it moves, and goes out when
	// the nested window says the host pointer left (PointerInside).
	outside bool
	lastX   float64 // pointer position when last looked at
	lastY   float64
}

// PointerInside tells the compositor whether the host pointer is over the
// nested window: outside it no cursor is drawn. The nested backend calls
// it on the display loop.
func (c *Compositor) PointerInside(inside bool) { c.cursor.outside = !inside }

// arrowHotspot is where the arrow points, in its pixels.
var arrowHotspot = image.Pt(0, 0)

// arrowArt is the default cursor: X black, o white, space transparent.
var arrowArt = []string{
	"X",
	"XX",
	"XoX",
	"XooX",
	"XoooX",
	"XooooX",
	"XoooooX",
	"XooooooX",
	"XoooooooX",
	"XooooooooX",
	"XoooooooooX",
	"XooooooXXXXX",
	"XoooXooX",
	"XooX XooX",
	"XoX  XooX",
	"XX    XooX",
	"X     XooX",
	"       XX",
}

// initCursor hooks the seat's cursor and the drag icon offsets.
func (c *Compositor) initCursor() {
	c.cursor.outside = true
	c.Seat.OnCursor(c.cursorChanged)
	c.Data.SetIconOffset(c.roleOffset)
}

func (c *Compositor) roleOffset(surface *protocol.Object) (x, y int) {
	if s := c.Shell.Surface(surface); s != nil {
		return s.RoleOffset()
	}
	return 0, 0
}

func (c *Compositor) cursorChanged(cur seat.Cursor) {
	c.cursor.cur = cur
	x, y := c.roleOffset(cur.Surface)
	c.cursor.base = image.Pt(x, y)
}

// shapeTexture returns the texture of the built-in cursor name and its
// hotspot, uploading it on first use; nil if the renderer refused it
// (then that cursor is not drawn, and this is logged once).
func (c *Compositor) shapeTexture(name string) (render.Texture, image.Point) {
	cs := &c.cursor
	canon, ok := shapeAlias[name]
	if !ok {
		canon = "default"
	}
	if st, ok := cs.shapes[canon]; ok {
		return st.tex, st.hot
	}
	if cs.shapes == nil {
		cs.shapes = make(map[string]shapeTex)
	}
	img := buildCursor(canon)
	t := c.Renderer.NewTexture()
	if err := t.Upload(img.pix, nil); err != nil {
		slog.Error("built-in cursor: upload failed; drawing none", "cursor", canon, "err", err)
		t.Destroy()
		t = nil
	}
	cs.shapes[canon] = shapeTex{t, img.hot}
	return t, img.hot
}

// shapeTex is an uploaded built-in cursor.
type shapeTex struct {
	tex render.Texture
	hot image.Point
}

// appendShape appends the built-in cursor name with its hotspot at p,
// drawn at the output scale like a client's cursor (its image's pixels
// are surface coordinates).
func (c *Compositor) appendShape(sc *render.Scene, p image.Point, name string) bool {
	t, hot := c.shapeTexture(name)
	if t == nil {
		return false
	}
	w, h := t.Size()
	at := p.Sub(c.surfaceToPixels(hot))
	sc.Items = append(sc.Items, render.Item{Texture: t, Dst: image.Rectangle{Min: at, Max: at.Add(c.surfaceToPixels(image.Pt(w, h)))}, Scale: 1})
	return true
}

// addOverlays appends the drag icon and, if withCursor, the cursor to sc.
func (c *Compositor) addOverlays(sc *render.Scene, withCursor bool) {
	if icon, ok := c.Data.Icon(c.Seat); ok {
		// The offset is in surface coordinates and the pointer in output
		// pixels, where AppendSurface draws the icon at the output scale:
		// scale the offset too, as the cursor hotspot.
		c.Shell.AppendSurface(sc, icon.Surface, image.Pt(icon.X, icon.Y).Add(c.surfaceToPixels(image.Pt(icon.DX, icon.DY))))
	}
	if withCursor {
		c.cursor.drawn = c.appendCursor(sc)
	}
}

// appendCursor appends the cursor to sc and reports whether it did.
func (c *Compositor) appendCursor(sc *render.Scene) bool {
	cs := &c.cursor
	px, py := c.Seat.PointerPosition()
	if px != cs.lastX || py != cs.lastY {
		cs.lastX, cs.lastY, cs.outside = px, py, false // it moved: it is over the output
	}
	if cs.outside || !c.Seat.Capabilities().Has(protocol.WlSeatCapabilityPointer) {
		return false
	}
	p := image.Pt(int(math.Floor(px)), int(math.Floor(py)))
	return c.appendCursorAt(sc, c.Seat.Cursor(), p)
}

// appendCursorAt appends cursor cur with its hotspot at p.
func (c *Compositor) appendCursorAt(sc *render.Scene, cur seat.Cursor, p image.Point) bool {
	switch {
	case !cur.ClientSet:
		return c.appendShape(sc, p, "default")
	case cur.Shape != "":
		return c.appendShape(sc, p, cur.Shape) // wp_cursor_shape_v1
	case cur.Surface == nil:
		return false // the client hid the cursor
	}
	x, y := c.roleOffset(cur.Surface)
	hot := image.Pt(int(cur.HotspotX), int(cur.HotspotY)).Sub(image.Pt(x, y).Sub(c.cursor.base))
	// The hotspot is in surface coordinates and p in output pixels, where
	// AppendSurface draws the surface at the output scale: scale it too.
	return c.Shell.AppendSurface(sc, cur.Surface, p.Sub(c.surfaceToPixels(hot)))
}

// surfaceToPixels maps a length in surface coordinates to output pixels
// at the output scale, rounded as the shell rounds surface edges.
func (c *Compositor) surfaceToPixels(v image.Point) image.Point {
	s := c.Output.Scale120()
	if s == 120 {
		return v
	}
	px := func(n int) int { return int(math.Floor(float64(n)*float64(s)/120 + 0.5)) }
	return image.Pt(px(v.X), px(v.Y))
}

// captureFrame serves the screencopy copies after an output frame whose
// output shows sc; rendered tells whether the output changed (then the
// whole output is damage). Copies made without overlay_cursor, while the
// output shows a cursor, are served from a render without it, then the
// output is drawn again as it was.
func (c *Compositor) captureFrame(sc *render.Scene, rendered bool) {
	w, h := c.Output.Size()
	var damage []image.Rectangle
	if rendered {
		c.fullDamage[0] = image.Rect(0, 0, w, h)
		damage = c.fullDamage[:]
	}
	if !c.cursor.drawn || !c.Capture.Waiting(false) {
		c.Capture.Frame(damage)
		return
	}
	bare := c.Shell.SceneInto(&c.bareScene)
	c.addOverlays(bare, false)
	if err := c.Renderer.Render(bare, w, h); err != nil {
		slog.Error("render without the cursor failed", "err", err)
	}
	c.Capture.FrameCursor(damage, false)
	if err := c.Renderer.Render(sc, w, h); err != nil {
		slog.Error("render failed", "err", err)
		c.last = lastRender{}
	}
	c.Capture.FrameCursor(nil, true)
}
