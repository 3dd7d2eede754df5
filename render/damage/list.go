package damage

import "image"

// MaxRects caps a List; past it the two rectangles whose union adds the
// fewest pixels are merged.
const MaxRects = 16

// mergeSlack is the most pixels a merge may add to the area to redraw
// (pixels no rectangle of the two covers) for two rectangles that do not
// overlap: drawing a rectangle has a fixed cost of about what filling a
// few thousand pixels costs. The slack is absolute, not a share of the
// union: windows tiled in rows of different lengths merged at an eighth
// of their union left the empty corners of their bounding box redrawn
// with background every frame (12% of a 16-window frame).
const mergeSlack = 4096

// List is a short list of output rectangles to redraw, kept disjoint: a
// rectangle added over or near another merges with it where their union
// adds at most mergeSlack pixels neither covers; where it would add more,
// only the parts of the new rectangle outside the other are added.
// Windows stacked over each other (a cascade, a dialog over its parent
// and past its edge) so damage their own pixels, not their bounding box:
// merged, the empty corners of the box were filled with background and
// every window below drawn again, every frame.
type List struct {
	bounds image.Rectangle
	rects  []image.Rectangle
	todo   []image.Rectangle // Add's parts still to place
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

// maxSplits bounds the parts one Add places one by one; past it, the
// rest merge with whatever they overlap (as two overlapping rectangles
// always did before splitting), which always ends.
const maxSplits = 4 * MaxRects

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
	l.todo = append(l.todo[:0], d)
	for n := 0; len(l.todo) > 0; n++ {
		d := l.todo[len(l.todo)-1]
		l.todo = l.todo[:len(l.todo)-1]
		l.place(d, n < maxSplits)
	}
	for len(l.rects) > MaxRects {
		l.mergeCheapest()
	}
	if len(l.rects) == 1 && l.rects[0] == l.bounds {
		l.all = true
	}
}

// place adds d, disjoint from every rectangle of the list: merged with
// each one whose union with it adds at most mergeSlack pixels neither
// covers (drawing a rectangle has a fixed cost), over and over while the
// union reaches others. Where d overlaps a rectangle whose union with it
// would add more, its parts outside that rectangle go to l.todo instead
// (with split false, d merges with it all the same).
func (l *List) place(d image.Rectangle, split bool) {
	for i := 0; i < len(l.rects); i++ {
		e := l.rects[i]
		u := d.Union(e)
		over := d.Overlaps(e)
		// The union's pixels that neither covers (d ∩ e is empty when
		// they do not overlap).
		if waste := Area(u) - Area(d) - Area(e) + Area(d.Intersect(e)); waste > mergeSlack {
			if !over {
				continue
			}
			if split {
				l.todo = Subtract(l.todo, d, e)
				return
			}
		}
		d = u
		l.rects[i] = l.rects[len(l.rects)-1]
		l.rects = l.rects[:len(l.rects)-1]
		i = -1 // the union may reach rectangles already passed
	}
	l.rects = append(l.rects, d)
}

// mergeCheapest replaces the two rectangles whose union adds the fewest
// pixels with that union, and merges on while the union overlaps
// another: the rectangles stay disjoint.
func (l *List) mergeCheapest() {
	bi, bj, best := 0, 1, -1
	for i := range l.rects {
		for j := i + 1; j < len(l.rects); j++ {
			a, b := l.rects[i], l.rects[j]
			if w := Area(a.Union(b)) - Area(a) - Area(b); best < 0 || w < best {
				bi, bj, best = i, j, w
			}
		}
	}
	d := l.rects[bi].Union(l.rects[bj])
	l.rects[bj] = l.rects[len(l.rects)-1]
	l.rects = l.rects[:len(l.rects)-1]
	l.rects[bi] = l.rects[len(l.rects)-1]
	l.rects = l.rects[:len(l.rects)-1]
	l.place(d, false)
}

// Area is r's number of pixels.
func Area(r image.Rectangle) int { return r.Dx() * r.Dy() }

// Subtract appends to dst the parts of b outside o: up to four disjoint
// rectangles (the bands above and below o, then the parts left and right
// of it).
func Subtract(dst []image.Rectangle, b, o image.Rectangle) []image.Rectangle {
	o = o.Intersect(b)
	if o.Empty() {
		return append(dst, b)
	}
	if b.Min.Y < o.Min.Y {
		dst = append(dst, image.Rect(b.Min.X, b.Min.Y, b.Max.X, o.Min.Y))
	}
	if o.Max.Y < b.Max.Y {
		dst = append(dst, image.Rect(b.Min.X, o.Max.Y, b.Max.X, b.Max.Y))
	}
	if b.Min.X < o.Min.X {
		dst = append(dst, image.Rect(b.Min.X, o.Min.Y, o.Min.X, o.Max.Y))
	}
	if o.Max.X < b.Max.X {
		dst = append(dst, image.Rect(o.Max.X, o.Min.Y, b.Max.X, o.Max.Y))
	}
	return dst
}

// Set is a set of disjoint rectangles that subtractions split, in two
// slices that take turns (it allocates only while it grows).
type Set struct{ cur, next []image.Rectangle }

// Reset makes v the set's only rectangle (none when v is empty).
func (s *Set) Reset(v image.Rectangle) {
	s.cur = s.cur[:0]
	if !v.Empty() {
		s.cur = append(s.cur, v)
	}
}

// Assign makes the set rs's rectangles (copied; they must be disjoint).
func (s *Set) Assign(rs []image.Rectangle) { s.cur = append(s.cur[:0], rs...) }

// Rects returns the set's rectangles, valid until its next change.
func (s *Set) Rects() []image.Rectangle { return s.cur }

// Sub takes o out of the set and returns how many rectangles are left.
func (s *Set) Sub(o image.Rectangle) int {
	hit := false
	for _, b := range s.cur {
		if b.Overlaps(o) {
			hit = true
			break
		}
	}
	if !hit {
		return len(s.cur)
	}
	s.next = s.next[:0]
	for _, b := range s.cur {
		s.next = Subtract(s.next, b, o)
	}
	s.cur, s.next = s.next, s.cur
	return len(s.cur)
}
