package compositor

import (
	"image"
	"testing"
	"time"

	"github.com/nofault/nofault/shell"
)

// windowRect returns the topmost toplevel's surface rectangle, or false.
func windowRect(t *testing.T, c *Compositor) (r image.Rectangle, ok bool) {
	do(t, c, func() {
		if tops := c.Shell.Toplevels(); len(tops) > 0 {
			r, ok = c.Shell.SurfaceRect(tops[len(tops)-1])
		}
	})
	return r, ok
}

// waitRect waits until cond holds for the window's rectangle.
func waitRect(t *testing.T, c *Compositor, what string, cond func(r image.Rectangle, ok bool) bool) image.Rectangle {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r, ok := windowRect(t, c)
		if cond(r, ok) {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: window at %v (mapped %v)", what, r, ok)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// click presses and releases the left button at (x, y), moving by
// (dx, dy) while it is down.
func click(t *testing.T, c *Compositor, x, y, dx, dy int) {
	do(t, c, func() {
		c.Seat.PointerMotion(float64(x), float64(y), time.Time{})
		c.Seat.PointerButton(0x110, true, time.Time{})
		if dx != 0 || dy != 0 {
			c.Seat.PointerMotion(float64(x+dx), float64(y+dy), time.Time{})
		}
		c.Seat.PointerButton(0x110, false, time.Time{})
	})
}

// TestFootServerSideFrame: foot asks for server-side decorations and gets
// them: nofault draws a title bar above its window (the title in the
// bar's text colour, the close button red), dragging the bar moves the
// window, its maximize button maximizes it below the bar, and its close
// button closes it.
func TestFootServerSideFrame(t *testing.T) {
	c, _ := start(t)
	out := runClient(t, c, "foot", "-o", "tweak.render-timer=none")
	r := waitWindow(t, c, out)
	const bh = shell.TitleBarHeight

	var img *image.RGBA
	do(t, c, func() {
		var err error
		if img, err = c.Screenshot(); err != nil {
			t.Fatal(err)
		}
	})
	bar := image.Rect(r.Min.X, r.Min.Y-bh, r.Max.X, r.Min.Y)
	bg := img.RGBAAt(bar.Min.X+bh/6, bar.Min.Y+1)
	if bg.R != 0x2b || bg.G != 0x30 || bg.B != 0x36 {
		t.Errorf("title bar at %v has colour %v, want the active bar colour", bar.Min, bg)
	}
	ink := 0
	for y := bar.Min.Y; y < bar.Max.Y; y++ {
		for x := bar.Min.X; x < bar.Min.X+100; x++ {
			if p := img.RGBAAt(x, y); p.R == 0xe8 && p.G == 0xea && p.B == 0xed {
				ink++
			}
		}
	}
	if ink < 20 {
		t.Errorf("%d title text pixels in the bar's left 100 columns, want the title drawn", ink)
	}
	if p := img.RGBAAt(bar.Max.X-bh/2+bh/3, bar.Min.Y+bh/2-bh/3+1); p.R != 0xd9 {
		t.Errorf("close button pixel %v, want red", p)
	}

	// Drag the title bar by (100, 60).
	click(t, c, bar.Min.X+40, bar.Min.Y+bh/2, 100, 60)
	moved := waitRect(t, c, "after dragging the title bar", func(m image.Rectangle, _ bool) bool {
		return m.Min == r.Min.Add(image.Pt(100, 60))
	})

	// Maximize: the window fills the output below its title bar.
	click(t, c, moved.Max.X-bh-bh/2, moved.Min.Y-bh/2, 0, 0)
	w, h := c.Output.Size()
	maxed := waitRect(t, c, "after the maximize button", func(m image.Rectangle, _ bool) bool {
		return m == image.Rect(0, bh, w, h)
	})

	// Close.
	click(t, c, maxed.Max.X-bh/2, bh/2, 0, 0)
	waitRect(t, c, "after the close button", func(_ image.Rectangle, ok bool) bool { return !ok })
}
