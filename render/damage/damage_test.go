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

// checkList fails unless l's rectangles are disjoint, inside the output,
// at most MaxRects, and cover every pixel of added; it returns how many
// pixels they cover.
func checkList(t *testing.T, l *List, added []image.Rectangle) int {
	t.Helper()
	rs := l.Rects()
	if len(rs) > MaxRects {
		t.Errorf("%d rectangles, want at most %d", len(rs), MaxRects)
	}
	area := 0
	for i, a := range rs {
		area += Area(a)
		if !a.In(l.bounds) || a.Empty() {
			t.Errorf("%v: empty or outside the output %v", a, l.bounds)
		}
		for _, b := range rs[i+1:] {
			if a.Overlaps(b) {
				t.Errorf("%v and %v overlap", a, b)
			}
		}
	}
	for _, d := range added {
		d = d.Intersect(l.bounds)
		for y := d.Min.Y; y < d.Max.Y; y++ {
			for x := d.Min.X; x < d.Max.X; x++ {
				p, in := image.Pt(x, y), false
				for _, r := range rs {
					if p.In(r) {
						in = true
						break
					}
				}
				if !in {
					t.Fatalf("pixel %v of %v not in the damage %v", p, d, rs)
				}
			}
		}
	}
	if l.All() && (len(rs) != 1 || rs[0] != l.bounds) {
		t.Errorf("All with %v", rs)
	}
	return area
}

// unionArea is the number of pixels of bounds in any of rs.
func unionArea(bounds image.Rectangle, rs []image.Rectangle) int {
	n := 0
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			for _, r := range rs {
				if image.Pt(x, y).In(r) {
					n++
					break
				}
			}
		}
	}
	return n
}

// TestListStacked: eight 640x480 windows as nofault places them on a
// 1920x1080 output once it is full (two rows centred, then a cascade
// from the corner), all damaged: the damage is their own pixels and one
// 32x32 corner between two cascaded windows (within mergeSlack), not
// their bounding box, the whole output, whose top right corner
// (1248x300) no window covers.
func TestListStacked(t *testing.T) {
	windows := []image.Rectangle{
		image.Rect(640, 300, 1280, 780), image.Rect(0, 300, 640, 780), image.Rect(1280, 300, 1920, 780),
		image.Rect(640, 600, 1280, 1080), image.Rect(0, 600, 640, 1080), image.Rect(1280, 600, 1920, 1080),
		image.Rect(0, 0, 640, 480), image.Rect(32, 32, 672, 512),
	}
	var l List
	l.Reset(image.Rect(0, 0, 1920, 1080))
	for _, w := range windows {
		l.Add(w)
	}
	area := checkList(t, &l, windows)
	if want := unionArea(l.bounds, windows); area-want > mergeSlack {
		t.Errorf("damage %v covers %d pixels, want the windows' %d (and at most %d more)", l.Rects(), area, want, mergeSlack)
	}
	// The same windows damaged again, in the other order.
	l.Reset(l.bounds)
	for i := range windows {
		l.Add(windows[len(windows)-1-i])
	}
	if area := checkList(t, &l, windows); area-unionArea(l.bounds, windows) > mergeSlack {
		t.Errorf("reversed: damage %v covers %d pixels", l.Rects(), area)
	}
}

// TestListOverlapMerges: a rectangle over most of another, or inside it,
// merges with it (their union adds few pixels): one rectangle, not a
// rectangle and its parts around.
func TestListOverlapMerges(t *testing.T) {
	var l List
	l.Reset(image.Rect(0, 0, 1000, 1000))
	l.Add(image.Rect(100, 100, 300, 300))
	l.Add(image.Rect(150, 150, 200, 200)) // inside
	l.Add(image.Rect(110, 110, 310, 305)) // over most of it
	if got, want := fmt.Sprint(l.Rects()), "[(100,100)-(310,305)]"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// FuzzList: whatever rectangles are added, the list stays disjoint,
// inside the output, at most MaxRects long, and covers every pixel
// added.
func FuzzList(f *testing.F) {
	f.Add([]byte{0, 0, 40, 30, 20, 10, 64, 64, 5, 50, 30, 60})
	f.Add([]byte{10, 10, 20, 20, 15, 0, 25, 64, 0, 15, 64, 25})
	f.Fuzz(func(t *testing.T, b []byte) {
		var l List
		l.Reset(image.Rect(0, 0, 64, 48))
		var added []image.Rectangle
		for ; len(b) >= 4; b = b[4:] {
			d := image.Rect(int(b[0]%72)-4, int(b[1]%56)-4, int(b[2]%72)-4, int(b[3]%56)-4).Canon()
			l.Add(d)
			added = append(added, d)
			checkList(t, &l, added)
		}
	})
}
