package compositor

import (
	"image"
	"strings"
	"testing"

	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/seat"
)

// TestCursorShapes checks every built-in cursor: each alias names an
// image, each image has black and white pixels and its hotspot on a black
// one (the crossed circle's is its centre); -v prints them as text art.
func TestCursorShapes(t *testing.T) {
	canon := map[string]bool{}
	for name, c := range shapeAlias {
		canon[c] = true
		if _, ok := shapeAlias[c]; !ok {
			t.Errorf("%s maps to %s, which has no image name", name, c)
		}
	}
	for name := range canon {
		img := buildCursor(name)
		w, h, b := img.pix.Width(), img.pix.Height(), img.pix.Bytes()
		if !img.hot.In(image.Rect(0, 0, w, h)) {
			t.Errorf("%s: hotspot %v outside %dx%d", name, img.hot, w, h)
			continue
		}
		px := b[img.hot.Y*w*4+img.hot.X*4:]
		if name != "not-allowed" && (px[3] != 0xff || px[0] != 0) {
			t.Errorf("%s: the hotspot %v is not on a black pixel (%v)", name, img.hot, px[:4])
		}
		black, white := 0, 0
		var rows []string
		for y := 0; y < h; y++ {
			var row strings.Builder
			for x := 0; x < w; x++ {
				p := b[y*w*4+x*4:]
				switch {
				case p[3] == 0:
					row.WriteByte('.')
				case p[0] == 0:
					row.WriteByte('X')
					black++
				default:
					row.WriteByte('o')
					white++
				}
			}
			rows = append(rows, row.String())
		}
		if black < 10 || white < 10 {
			t.Errorf("%s: %d black and %d white pixels:\n%s", name, black, white, strings.Join(rows, "\n"))
		}
		if testing.Verbose() {
			t.Logf("%s (hotspot %v):\n%s", name, img.hot, strings.Join(rows, "\n"))
		}
	}
	if img := buildCursor("no such shape"); img.hot != arrowHotspot || img.pix.Width() != buildCursor("default").pix.Width() {
		t.Error("an unknown name does not give the arrow")
	}
}

// TestCursorShapeItems: a cursor named with wp_cursor_shape_v1 (the seat's
// Cursor.Shape) is drawn with the built-in image of that name, hotspot at
// the pointer; a name without an image gets the arrow.
func TestCursorShapeItems(t *testing.T) {
	c, _ := start(t)
	p := image.Pt(50, 40)
	for _, tc := range []struct {
		shape string
		want  image.Rectangle
	}{
		{"text", image.Rect(47, 33, 54, 48)},
		{"vertical-text", image.Rect(47, 33, 54, 48)},
		{"ew-resize", image.Rect(42, 32, 59, 49)},
		{"nwse-resize", image.Rect(42, 32, 59, 49)},
		{"pointer", image.Rect(50, 40, 62, 58)},
		{"zoom-in", image.Rect(42, 32, 59, 49)},
	} {
		var sc render.Scene
		do(t, c, func() { c.appendCursorAt(&sc, seat.Cursor{ClientSet: true, Shape: tc.shape}, p) })
		if len(sc.Items) != 1 || sc.Items[0].Dst != tc.want {
			t.Errorf("%s: items %+v, want one at %v", tc.shape, sc.Items, tc.want)
		}
	}
}
