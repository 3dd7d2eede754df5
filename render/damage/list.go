package damage

import "image"

// MaxRects caps a List; past it the list becomes its bounding box.
const MaxRects = 16

// List is a short list of output rectangles to redraw, kept disjoint: a
// rectangle added over or near another merges with it.
type List struct {
	bounds image.Rectangle
	rects  []image.Rectangle
	all    bool
}

// Reset empties the list and sets the output rectangle it clips to.
func (l *List) Reset(bounds image.Rectangle) {
	l.bounds, l.rects, l.all = bounds, l.rects[:0], false
}

// Rects returns the rectangles; the slice is valid until the next Reset
// or Add.
func (l *List) Rects() []image.Rectangle { return l.rects }

// All reports whether the list is the whole output.
func (l *List) All() bool { return l.all }

// Add adds rectangle d (clipped to the output).
func (l *List) Add(d image.Rectangle) {
	d = d.Intersect(l.bounds)
	if d.Empty() || l.all {
		return
	}
	if d == l.bounds {
		l.rects, l.all = append(l.rects[:0], d), true
		return
	}
	for merged := true; merged; {
		merged = false
		for i := 0; i < len(l.rects); i++ {
			e := l.rects[i]
			u := d.Union(e)
			// Merge overlapping rectangles, and close ones whose union
			// wastes little (drawing a rectangle has a fixed cost).
			if d.Overlaps(e) || Area(u)-Area(d)-Area(e) <= Area(u)/8+1024 {
				d = u
				l.rects[i] = l.rects[len(l.rects)-1]
				l.rects = l.rects[:len(l.rects)-1]
				merged = true
				break
			}
		}
	}
	l.rects = append(l.rects, d)
	if len(l.rects) > MaxRects {
		var bb image.Rectangle
		for _, e := range l.rects {
			bb = bb.Union(e)
		}
		l.rects = append(l.rects[:0], bb)
	}
	if len(l.rects) == 1 && l.rects[0] == l.bounds {
		l.all = true
	}
}

// Area is r's number of pixels.
func Area(r image.Rectangle) int { return r.Dx() * r.Dy() }
