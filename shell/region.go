package shell

import (
	"image"
	"math"

	"github.com/nofault/nofault/server"
)

// regionMaxRects bounds a region's rectangle count; a client splitting a
// region into more pieces gets a coarser (larger) region instead.
const regionMaxRects = 4096

// rects is a set of disjoint rectangles.
type rects []image.Rectangle

// rectFrom turns wire values into a rectangle, clamped so that x+w cannot
// overflow; a non-positive width or height gives the empty rectangle.
func rectFrom(x, y, w, h int32) image.Rectangle {
	if w <= 0 || h <= 0 {
		return image.Rectangle{}
	}
	x1 := min(int64(x)+int64(w), math.MaxInt32)
	y1 := min(int64(y)+int64(h), math.MaxInt32)
	return image.Rect(int(x), int(y), int(x1), int(y1))
}

func (rs rects) add(r image.Rectangle) rects {
	if r.Empty() {
		return rs
	}
	for _, x := range rs {
		if r.In(x) {
			return rs // already covered: a flood inside a coalesced box is cheap
		}
	}
	rs = rs.subtract(r)
	if len(rs) >= regionMaxRects {
		u := r
		for _, x := range rs {
			u = u.Union(x)
		}
		return rects{u}
	}
	return append(rs, r)
}

func (rs rects) subtract(r image.Rectangle) rects {
	if r.Empty() {
		return rs
	}
	overlaps := false
	for _, a := range rs {
		if a.Overlaps(r) {
			overlaps = true
			break
		}
	}
	if !overlaps {
		return rs // no copy: a flood of disjoint rectangles allocates nothing
	}
	var out rects
	for _, a := range rs {
		if !a.Overlaps(r) {
			out = append(out, a)
			continue
		}
		in := a.Intersect(r)
		if a.Min.Y < in.Min.Y { // above
			out = append(out, image.Rect(a.Min.X, a.Min.Y, a.Max.X, in.Min.Y))
		}
		if in.Max.Y < a.Max.Y { // below
			out = append(out, image.Rect(a.Min.X, in.Max.Y, a.Max.X, a.Max.Y))
		}
		if a.Min.X < in.Min.X { // left
			out = append(out, image.Rect(a.Min.X, in.Min.Y, in.Min.X, in.Max.Y))
		}
		if in.Max.X < a.Max.X { // right
			out = append(out, image.Rect(in.Max.X, in.Min.Y, a.Max.X, in.Max.Y))
		}
	}
	return out
}

func (rs rects) contains(p image.Point) bool {
	for _, r := range rs {
		if p.In(r) {
			return true
		}
	}
	return false
}

// covers reports whether the rectangles cover all of r. Regions of more
// than maxCoverRects rectangles are not examined (false).
func (rs rects) covers(r image.Rectangle) bool {
	if r.Empty() || len(rs) == 0 || len(rs) > maxCoverRects {
		return false
	}
	rest := rects{r}
	for _, x := range rs {
		if rest = rest.subtract(x); len(rest) == 0 {
			return true
		}
	}
	return false
}

// largest returns the region's largest rectangle (the zero rectangle for
// none, and for regions of more than maxCoverRects rectangles, which may
// have been coarsened by add).
func (rs rects) largest() image.Rectangle {
	var l image.Rectangle
	if len(rs) > maxCoverRects {
		return l
	}
	for _, r := range rs {
		if r.Dx()*r.Dy() > l.Dx()*l.Dy() {
			l = r
		}
	}
	return l
}

// maxCoverRects bounds the work of covers, run at every commit that sets an
// opaque region: real opaque regions have a handful of rectangles.
const maxCoverRects = 64

func (rs rects) clone() rects { return append(rects(nil), rs...) }

// region implements wl_region. Its rectangles count against the client's
// max_region_rects (limits.go).
type region struct {
	c       *server.Client
	rs      rects
	charged int64
}

// Destroy handles wl_region.destroy.
func (r *region) Destroy() error { return nil }

// OnDestroy releases the region's rectangles from the client's count.
func (r *region) OnDestroy() { r.rs = nil; r.sync() }

// Add handles wl_region.add.
func (r *region) Add(x, y, w, h int32) error {
	r.rs = r.rs.add(rectFrom(x, y, w, h))
	r.sync()
	return nil
}

// Subtract handles wl_region.subtract.
func (r *region) Subtract(x, y, w, h int32) error {
	r.rs = r.rs.subtract(rectFrom(x, y, w, h))
	r.sync()
	return nil
}
