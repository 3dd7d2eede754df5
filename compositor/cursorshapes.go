package compositor

import (
	"image"
	"math"

	"github.com/nofault/nofault/shm"
)

// This file holds nofault's own cursor images: the default arrow and the
// named shapes of wp_cursor_shape_v1 (CSS cursor names) that clients ask
// for instead of drawing a cursor surface. They are built into the binary
// (no cursor theme needed): black with a white outline, drawn from text
// art or from simple geometry. A name nofault has no image for shows the
// arrow.

// cursorImage is one built-in cursor: ARGB8888 pixels and the hotspot.
type cursorImage struct {
	pix *shm.Staging
	hot image.Point
}

// Shape names and the image each one uses (CSS cursor names).
var shapeAlias = map[string]string{
	"default": "default", "context-menu": "default", "help": "default", "progress": "default",
	"wait": "default", "alias": "default", "copy": "default", "no-drop": "not-allowed",
	"pointer": "default", "grab": "move", "grabbing": "move", "zoom-in": "crosshair", "zoom-out": "crosshair",
	"text": "text", "vertical-text": "text",
	"crosshair": "crosshair", "cell": "crosshair",
	"move": "move", "all-scroll": "move",
	"not-allowed": "not-allowed",
	"ew-resize":   "ew-resize", "e-resize": "ew-resize", "w-resize": "ew-resize", "col-resize": "ew-resize",
	"ns-resize": "ns-resize", "n-resize": "ns-resize", "s-resize": "ns-resize", "row-resize": "ns-resize",
	"nwse-resize": "nwse-resize", "nw-resize": "nwse-resize", "se-resize": "nwse-resize",
	"nesw-resize": "nesw-resize", "ne-resize": "nesw-resize", "sw-resize": "nesw-resize",
}

// textArt is the I-beam: X black, o white, space transparent.
var textArt = []string{
	"ooo ooo",
	"oXXoXXo",
	" ooXoo",
	"  oXo",
	"  oXo",
	"  oXo",
	"  oXo",
	"  oXo",
	"  oXo",
	"  oXo",
	"  oXo",
	"  oXo",
	" ooXoo",
	"oXXoXXo",
	"ooo ooo",
}

// buildCursor makes the image for a canonical shape name (a value of
// shapeAlias); unknown names give the arrow.
func buildCursor(name string) cursorImage {
	const n = 17 // geometric shapes: 17x17, hotspot in the middle
	mid := image.Pt(n/2, n/2)
	switch name {
	case "text":
		return cursorImage{fromArt(textArt), image.Pt(3, 7)}
	case "ew-resize":
		return cursorImage{fromCore(n, n, doubleArrow(1, 0)), mid}
	case "ns-resize":
		return cursorImage{fromCore(n, n, doubleArrow(0, 1)), mid}
	case "nwse-resize":
		return cursorImage{fromCore(n, n, doubleArrow(1, 1)), mid}
	case "nesw-resize":
		return cursorImage{fromCore(n, n, doubleArrow(1, -1)), mid}
	case "move":
		h, v := doubleArrow(1, 0), doubleArrow(0, 1)
		return cursorImage{fromCore(n, n, func(x, y float64) bool { return h(x, y) || v(x, y) }), mid}
	case "crosshair":
		return cursorImage{fromCore(n, n, func(x, y float64) bool {
			return math.Abs(x) <= 0.5 && math.Abs(y) <= 7 || math.Abs(y) <= 0.5 && math.Abs(x) <= 7
		}), mid}
	case "not-allowed":
		return cursorImage{fromCore(n, n, func(x, y float64) bool {
			r := math.Hypot(x, y)
			return math.Abs(r-5.5) <= 1 || r <= 5.5 && math.Abs(x-y)/math.Sqrt2 <= 1
		}), mid}
	}
	return cursorImage{fromArt(arrowArt), arrowHotspot}
}

// doubleArrow is the core (black) of a double-headed arrow through the
// middle along (dx, dy), in coordinates relative to the middle.
func doubleArrow(dx, dy float64) func(x, y float64) bool {
	l := math.Hypot(dx, dy)
	ux, uy := dx/l, dy/l
	const half = 7.0 // tip distance from the middle
	return func(x, y float64) bool {
		t := math.Abs(x*ux + y*uy)
		d := math.Abs(-x*uy + y*ux)
		switch {
		case t > half:
			return false
		case t >= half-4:
			return d <= (half-t)*0.9+0.3 // the head
		}
		return d <= 0.75 // the shaft
	}
}

// fromCore draws a w x h cursor whose black pixels are those where core
// holds (at pixel centres, relative to the middle), outlined in white.
func fromCore(w, h int, core func(x, y float64) bool) *shm.Staging {
	in := func(x, y int) bool {
		return x >= 0 && y >= 0 && x < w && y < h && core(float64(x-w/2), float64(y-h/2))
	}
	art := make([]string, h)
	for y := 0; y < h; y++ {
		row := make([]byte, w)
		for x := 0; x < w; x++ {
			row[x] = ' '
			if in(x, y) {
				row[x] = 'X'
				continue
			}
			for _, d := range [...]image.Point{{-1, 0}, {1, 0}, {0, -1}, {0, 1}, {-1, -1}, {1, 1}, {-1, 1}, {1, -1}} {
				if in(x+d.X, y+d.Y) {
					row[x] = 'o'
					break
				}
			}
		}
		art[y] = string(row)
	}
	return fromArt(art)
}

// fromArt turns text art (X black, o white, anything else transparent)
// into ARGB8888 pixels in Go memory.
func fromArt(art []string) *shm.Staging {
	w := 0
	for _, row := range art {
		w = max(w, len(row))
	}
	var st shm.Staging
	st.Reset(w, len(art), w*4, shm.FormatARGB8888)
	b := st.Bytes()
	clear(b)
	for y, row := range art {
		for x, ch := range row {
			px := b[y*w*4+x*4:]
			switch ch {
			case 'X':
				px[0], px[1], px[2], px[3] = 0, 0, 0, 0xff
			case 'o':
				px[0], px[1], px[2], px[3] = 0xff, 0xff, 0xff, 0xff
			}
		}
	}
	return &st
}
