package damage

import (
	"fmt"
	"image"
	"math/rand/v2"
	"testing"

	"github.com/nofault/nofault/render"
)

// The whole algorithm is checked pixel for pixel against full renders by
// render/soft's TestDamageTrackingMatchesFullRender and render/gl's
// TestDamageMatchesFullRender; these tests pin the pieces.

func TestHistoryChanges(t *testing.T) {
	var h History
	b := image.Rect(0, 0, 100, 100)
	h.Record(true, nil, b)
	g0 := h.Gen()
	for _, tc := range []struct {
		ups  [][]image.Rectangle
		want string
		full bool
	}{
		{nil, "[]", false},
		{[][]image.Rectangle{{image.Rect(0, 0, 10, 10)}}, "[(0,0)-(10,10)]", false},
		{[][]image.Rectangle{{image.Rect(0, 0, 10, 10)}, {image.Rect(50, 50, 200, 60)}}, "[(50,50)-(100,60) (0,0)-(10,10)]", false},
		{[][]image.Rectangle{{image.Rect(0, 0, 1, 1)}, {image.Rect(0, 0, 1, 1)}, {image.Rect(0, 0, 1, 1)}, {image.Rect(0, 0, 1, 1)}, {image.Rect(0, 0, 1, 1)}}, "", true},
	} {
		h.Record(true, nil, b)
		since := h.Gen()
		for _, u := range tc.ups {
			h.Record(false, u, b)
		}
		got, full := h.Changes(nil, since)
		if full != tc.full || !full && fmt.Sprint(got) != tc.want {
			t.Errorf("%v: got %v full=%v, want %s full=%v", tc.ups, got, full, tc.want, tc.full)
		}
	}
	if _, full := h.Changes(nil, g0); !full {
		t.Errorf("changes since a generation before a full upload: not full")
	}
}

func TestListMerges(t *testing.T) {
	var l List
	l.Reset(image.Rect(0, 0, 1000, 1000))
	l.Add(image.Rect(0, 0, 10, 10))
	l.Add(image.Rect(5, 5, 20, 20))       // overlaps: merged
	l.Add(image.Rect(500, 500, 600, 600)) // far: separate
	l.Add(image.Rect(-50, -50, -1, -1))   // outside: dropped
	if got, want := fmt.Sprint(l.Rects()), "[(0,0)-(20,20) (500,500)-(600,600)]"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	l.Add(image.Rect(-5, -5, 2000, 2000))
	if !l.All() || len(l.Rects()) != 1 {
		t.Errorf("whole output: got %v all=%v", l.Rects(), l.All())
	}
}

func TestTrackerNoAllocs(t *testing.T) {
	var tr Tracker
	var h [8]History
	for i := range h {
		h[i].Record(true, nil, image.Rect(0, 0, 64, 64))
	}
	bounds := image.Rect(0, 0, 1920, 1080)
	frame := func(up int) {
		h[up%8].Record(false, []image.Rectangle{image.Rect(0, up%64, 64, up%64+1)}, image.Rect(0, 0, 64, 64))
		for i := range h {
			d := image.Rect(i*100, 0, i*100+64, 64)
			tr.Add(Draw{Tex: &h[(i+up/7)%8], Src: image.Rect(0, 0, 64, 64), Dst: d, Vis: d, T: render.Transform90})
		}
		tr.Damage(bounds, [4]uint8{0, 0, 0, 255})
	}
	for i := 0; i < 20; i++ {
		frame(i)
	}
	n := 0
	if a := testing.AllocsPerRun(100, func() { frame(n); n++ }); a != 0 {
		t.Errorf("%v allocations per frame, want 0", a)
	}
}

// TestListTiledRows: sixteen 256x256 windows tiled in rows of 5, 6 and 5
// (how nofault places them) damage exactly their own pixels: the empty
// corners of their bounding box are not redrawn.
func TestListTiledRows(t *testing.T) {
	var l List
	l.Reset(image.Rect(0, 0, 1920, 1080))
	n := 0
	for row, cols := range []int{5, 6, 5} {
		for c := 0; c < cols; c++ {
			l.Add(image.Rect(320+256*c, 156+256*row, 320+256*(c+1), 156+256*(row+1)))
			n++
		}
	}
	area := 0
	for _, r := range l.Rects() {
		area += Area(r)
	}
	if want := n * 256 * 256; area != want {
		t.Errorf("damage %v covers %d pixels, want the windows' %d", l.Rects(), area, want)
	}
}

// TestListCap: past MaxRects rectangles the list merges the pair whose
// union adds the fewest pixels, not everything into a bounding box, and
// stays disjoint.
func TestListCap(t *testing.T) {
	var l List
	l.Reset(image.Rect(0, 0, 4000, 4000))
	// 20 small squares on a diagonal, far apart, and two next to each
	// other at the end: those two are the cheapest pair.
	for i := 0; i < 20; i++ {
		l.Add(image.Rect(i*180, i*180, i*180+10, i*180+10))
	}
	l.Add(image.Rect(3900, 3900, 3910, 3910))
	l.Add(image.Rect(3990, 3900, 3999, 3910))
	if n := len(l.Rects()); n > MaxRects {
		t.Fatalf("%d rectangles, want at most %d", n, MaxRects)
	}
	area := 0
	for i, a := range l.Rects() {
		area += Area(a)
		for _, b := range l.Rects()[i+1:] {
			if a.Overlaps(b) {
				t.Errorf("%v and %v overlap", a, b)
			}
		}
	}
	// A bounding box would be about 4000²; merging nearest pairs keeps
	// it to a few hundred thousand pixels at most.
	if area > 400000 {
		t.Errorf("damage covers %d pixels: %v", area, l.Rects())
	}
}

// TestSubtract: the parts Subtract returns are disjoint, inside b, outside
// o, and with o ∩ b they cover b, for rectangles placed every way.
func TestSubtract(t *testing.T) {
	b := image.Rect(2, 3, 9, 8)
	for x0 := 0; x0 < 12; x0++ {
		for x1 := x0; x1 < 12; x1++ {
			for y0 := 0; y0 < 11; y0++ {
				for y1 := y0; y1 < 11; y1++ {
					o := image.Rect(x0, y0, x1, y1)
					parts := Subtract(nil, b, o)
					if len(parts) > 4 {
						t.Fatalf("%v minus %v: %d parts", b, o, len(parts))
					}
					for y := 0; y < 11; y++ {
						for x := 0; x < 12; x++ {
							p := image.Pt(x, y)
							n := 0
							for _, r := range parts {
								if r.Empty() {
									t.Fatalf("%v minus %v: an empty part %v", b, o, r)
								}
								if p.In(r) {
									n++
								}
							}
							want := 0
							if p.In(b) && !p.In(o) {
								want = 1
							}
							if n != want {
								t.Fatalf("%v minus %v: %v lies in %d parts of %v, want %d", b, o, p, n, parts, want)
							}
						}
					}
				}
			}
		}
	}
}

// TestSet takes random rectangles out of a set and checks it pixel by
// pixel against the same subtractions on a grid.
func TestSet(t *testing.T) {
	const w, h = 24, 20
	rng := rand.New(rand.NewPCG(1, 2))
	rect := func() image.Rectangle {
		x0, y0 := rng.IntN(w), rng.IntN(h)
		return image.Rect(x0, y0, x0+rng.IntN(w-x0+1), y0+rng.IntN(h-y0+1))
	}
	var s Set
	for round := range 200 {
		var grid [h][w]bool
		v := rect()
		s.Reset(v)
		for y := v.Min.Y; y < v.Max.Y; y++ {
			for x := v.Min.X; x < v.Max.X; x++ {
				grid[y][x] = true
			}
		}
		for range 1 + rng.IntN(6) {
			o := rect()
			if n := s.Sub(o); n != len(s.Rects()) {
				t.Fatalf("round %d: Sub returned %d, the set holds %d", round, n, len(s.Rects()))
			}
			for y := o.Min.Y; y < o.Max.Y; y++ {
				for x := o.Min.X; x < o.Max.X; x++ {
					grid[y][x] = false
				}
			}
		}
		for y := range h {
			for x := range w {
				n := 0
				for _, r := range s.Rects() {
					if r.Empty() {
						t.Fatalf("round %d: an empty rectangle in %v", round, s.Rects())
					}
					if image.Pt(x, y).In(r) {
						n++
					}
				}
				if want := b2n(grid[y][x]); n != want {
					t.Fatalf("round %d: (%d,%d) lies in %d rectangles of %v, want %d", round, x, y, n, s.Rects(), want)
				}
			}
		}
	}
}

func b2n(b bool) int {
	if b {
		return 1
	}
	return 0
}
