package damage

import (
	"fmt"
	"image"
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
