package compositor

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"testing"
	"time"

	"github.com/rajveermalviya/go-wayland/wayland/client"

	"github.com/nofault/nofault/config"
)

// startScaled is start with the output scale set to scale.
func startScaled(tb testing.TB, scale float64) (*Compositor, string) {
	tb.Helper()
	cfg := config.Default()
	cfg.Scale = scale
	return startConfig(tb, cfg)
}

// TestCursorHotspotScaled: at output scale 2 (and 1.5) a client's cursor
// surface is drawn at twice (1.5 times) its size, and its hotspot, in
// surface coordinates, is scaled too: the hotspot pixel of the drawn
// cursor is under the pointer, as at scale 1. The wl_surface.offset
// adjustment of the hotspot is in surface coordinates as well. nofault's
// own arrow is drawn at the output scale too.
func TestCursorHotspotScaled(t *testing.T) {
	for _, tc := range []struct {
		scale float64
		size  int // the 6x6 cursor's size on the output
	}{{2, 12}, {1.5, 9}} {
		t.Run(fmt.Sprint(tc.scale), func(t *testing.T) {
			c, path := startScaled(t, tc.scale)
			cl := dialCursorClient(t, path)
			const winPx, curPx = 0xff2060a0, 0xffff00ff
			win := cl.window(200, 160, winPx)
			winCol, curCol := color.RGBA{0x20, 0x60, 0xa0, 0xff}, color.RGBA{0xff, 0x00, 0xff, 0xff}
			wbox, n := box(shown(t, c), winCol)
			if n < 200*150 {
				t.Fatalf("window not drawn (%d pixels)", n)
			}
			p := wbox.Min.Add(image.Pt(100, 80))
			do(t, c, func() { c.Seat.PointerMotion(float64(p.X), float64(p.Y), time.Time{}) })
			cl.until("pointer enter", func() bool { return cl.over == win })

			cs, _ := cl.comp.CreateSurface()
			cl.ptr.SetCursor(cl.enter, cs, 4, 2)
			cb, _ := cs.Frame()
			framed := false
			cb.SetDoneHandler(func(client.CallbackDoneEvent) { framed = true })
			cs.Attach(cl.buffer(6, 6, curPx), 0, 0)
			cs.Damage(0, 0, 6, 6)
			cs.Commit()
			cl.until("the cursor surface's frame callback", func() bool { return framed })

			px := func(v int) int { return int(math.Floor(float64(v)*tc.scale + 0.5)) }
			check := func(what string, hx, hy int) {
				t.Helper()
				b, _ := box(shown(t, c), curCol)
				at := p.Sub(image.Pt(px(hx), px(hy)))
				want := image.Rectangle{Min: at, Max: at.Add(image.Pt(tc.size, tc.size))}
				if b != want {
					t.Errorf("%s: cursor at %v, want %v (hotspot (%d,%d) times %g under the pointer %v)", what, b, want, hx, hy, tc.scale, p)
				}
			}
			check("hotspot (4,2)", 4, 2)
			cs.Offset(2, 0)
			cs.Commit()
			cl.roundtrip()
			check("after offset(2,0)", 2, 2)

			// Over the background, nofault's arrow (12x18, hotspot at its
			// tip) is drawn at the output scale too, tip at the pointer.
			// At 1.5 it is filtered linearly, so its edge pixels are
			// blends with the background: the arrow is every pixel that
			// is not the background's colour.
			bg := wbox.Min.Sub(image.Pt(80, 80))
			do(t, c, func() { c.Seat.PointerMotion(float64(bg.X), float64(bg.Y), time.Time{}) })
			cl.until("pointer leave", func() bool { return cl.over == nil })
			img := shown(t, c)
			back := img.RGBAAt(bg.X-10, bg.Y-10)
			var arrow image.Rectangle
			for y := bg.Y - 10; y < bg.Y+60; y++ {
				for x := bg.X - 10; x < bg.X+60; x++ {
					if img.RGBAAt(x, y) != back {
						arrow = arrow.Union(image.Rect(x, y, x+1, y+1))
					}
				}
			}
			if want := (image.Rectangle{Min: bg, Max: bg.Add(image.Pt(px(12), px(18)))}); arrow != want {
				t.Errorf("arrow drawn at %v, want %v (12x18 times %g, tip at the pointer)", arrow, want, tc.scale)
			}
		})
	}
}
