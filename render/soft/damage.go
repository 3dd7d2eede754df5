package soft

import (
	"image"

	"github.com/nofault/nofault/render/damage"
)

// Output damage tracking is render/damage's, shared with render/gl: each
// Render describes its plans to r.track and redraws the rectangles it
// returns.

// draw is how p is drawn, for the damage tracker.
func (p *plan) draw() damage.Draw {
	return damage.Draw{Tex: &p.tex.hist, Src: p.src, Dst: p.dst, Vis: p.vis, T: p.t, Opaque: p.opaque, OpaqueRect: p.opq}
}

func area(r image.Rectangle) int { return damage.Area(r) }
