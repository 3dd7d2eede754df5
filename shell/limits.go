package shell

import (
	"image"

	"github.com/nofault/nofault/server"
)

// damageLimit is max_damage_rects: the damage rectangles one list of a
// surface keeps before it collapses into its bounding box.
func (s *Surface) damageLimit() int { return int(s.c.Display().Limits().MaxDamageRects) }

// addDamage appends r to a pending damage list, counting a collapse into
// the bounding box in the stats (limits: max_damage_rects). Damage is a
// hint, so the collapse is never an error.
func (s *Surface) addDamage(dst []image.Rectangle, r image.Rectangle) []image.Rectangle {
	lim := s.damageLimit()
	if len(dst) >= lim && !r.Empty() {
		s.c.Display().NoteLimit("max_damage_rects")
	}
	return appendDamage(dst, lim, r)
}

// sync charges the client for the region's rectangles (max_region_rects,
// total_region_rects). Over the limit the client gets no_memory.
func (r *region) sync() {
	n := int64(len(r.rs))
	switch d := n - r.charged; {
	case d > 0:
		if !r.c.Charge(server.RegionRects, d) {
			return
		}
	case d < 0:
		r.c.Uncharge(server.RegionRects, -d)
	}
	r.charged = n
}

// regionRects counts the rectangles the surface holds in its pending,
// cached and current input and opaque regions (copies of wl_regions).
func (s *Surface) regionRects() int64 {
	return int64(len(s.opaque) + len(s.input) + len(s.pending.opaque) + len(s.pending.input) +
		len(s.cached.opaque) + len(s.cached.input))
}

// syncRegions keeps the client's max_region_rects count in step with the
// regions the surface holds.
func (s *Surface) syncRegions() {
	n := s.regionRects()
	switch d := n - s.regionCharged; {
	case d > 0:
		if !s.c.Charge(server.RegionRects, d) {
			return
		}
	case d < 0:
		s.c.Uncharge(server.RegionRects, -d)
	}
	s.regionCharged = n
}

// chargeFrame applies max_frame_callbacks (the client's callbacks) and
// then max_surface_frame_callbacks (this surface's) to one more
// wl_surface.frame. On false the client has its no_memory error.
func (s *Surface) chargeFrame() bool {
	if !s.c.Charge(server.FrameCallbacks, 1) {
		return false
	}
	if lim := s.c.Display().Limits().MaxSurfaceFrameCallbacks; int64(s.frameCount) >= lim {
		s.c.Uncharge(server.FrameCallbacks, 1)
		s.c.OverLimit("max_surface_frame_callbacks", lim)
		return false
	}
	return true
}

// frameCharge is the handler of a wl_surface.frame callback: it gives the
// client's max_frame_callbacks slot back when the callback is done or
// destroyed.
type frameCharge struct{ c *server.Client }

func (f frameCharge) OnDestroy() { f.c.Uncharge(server.FrameCallbacks, 1) }
