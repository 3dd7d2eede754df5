package seat

import (
	"image"
	"testing"

	"github.com/nofault/nofault/protocol"
)

type rectGeom struct{ r image.Rectangle }

func (g rectGeom) SurfaceAt(x, y float64) (*protocol.Object, float64, float64) { return nil, 0, 0 }
func (g rectGeom) SurfaceRect(*protocol.Object) (image.Rectangle, bool)        { return g.r, true }
func (g rectGeom) RegionRects(*protocol.Object) ([]image.Rectangle, bool)      { return nil, false }

// TestConstraintRegion: the allowed area is the region clipped to the
// surface; clamping goes to the nearest allowed point, on the last whole
// pixel inside right and bottom edges; an empty region allows nothing.
func TestConstraintRegion(t *testing.T) {
	s := &Seat{surfaces: rectGeom{image.Rect(100, 100, 200, 150)}} // a 100x50 surface
	c := &constraint{s: s, surface: &protocol.Object{}, region: []image.Rectangle{
		image.Rect(10, 10, 20, 20), image.Rect(50, 40, 500, 500), // the second clipped to 50,40-100,50
	}}
	for _, tc := range []struct {
		x, y, wx, wy float64
		in           bool
	}{
		{15, 15, 15, 15, true},
		{60, 45, 60, 45, true},
		{0, 0, 10, 10, false},
		{25, 12, 20 - 1, 12, false},
		{300, 45, 100 - 1, 45, false},
		{60, 30, 60, 40, false},
		{60, 120, 60, 50 - 1, false},
	} {
		if in := c.contains(tc.x, tc.y); in != tc.in {
			t.Errorf("contains(%g,%g) = %v", tc.x, tc.y, in)
		}
		if x, y := c.clamp(tc.x, tc.y); x != tc.wx || y != tc.wy {
			t.Errorf("clamp(%g,%g) = %g,%g, want %g,%g", tc.x, tc.y, x, y, tc.wx, tc.wy)
		}
	}
	c.region = []image.Rectangle{}
	if c.contains(50, 25) {
		t.Error("an empty region contains a point")
	}
}
