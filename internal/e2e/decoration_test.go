package e2e

import (
	"image/color"
	"strings"
	"testing"
	"time"

	"github.com/nofault/nofault/internal/nftest"
	"github.com/nofault/nofault/shell"
)

// TestFootServerSideDecorations: foot with csd.preferred=server gets
// server-side decorations, and the screenshot shows nofault's frame: a
// title bar of TitleBarHeight rows across the top of the window, in the
// active bar colour, with the red close button at its right end.
func TestFootServerSideDecorations(t *testing.T) {
	need(t, "foot")
	in := nftest.Start(t, "--size=1280x720")
	cmd, out := startClient(t, in, nil, "foot", "-o", "csd.preferred=server", "-o", "tweak.render-timer=none")
	waitForWindow(t, in, cmd, out, 1000, 30*time.Second)
	img := in.Screenshot()
	if !strings.Contains(out.String(), "using SSD decorations") {
		t.Fatalf("foot did not get server-side decorations:\n%s", out.String())
	}
	box, _ := foreground(img)
	bar := color.RGBA{0x2b, 0x30, 0x36, 0xff}
	at := func(x, y int) color.RGBA {
		r, g, b, a := img.At(x, y).RGBA()
		return color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(a >> 8)}
	}
	h := shell.TitleBarHeight
	for _, y := range []int{box.Min.Y, box.Min.Y + h - 1} {
		if c := at(box.Min.X+2, y); c != bar {
			t.Errorf("pixel (%d,%d) of the title bar is %v, want %v", box.Min.X+2, y, c, bar)
		}
	}
	if c := at(box.Max.X-h/2-h/3, box.Min.Y+h/2-h/3+1); c.R != 0xd9 || c.G != 0x53 {
		t.Errorf("close button pixel %v, want red", c)
	}
	if c := at(box.Min.X+2, box.Min.Y+h+2); c == bar {
		t.Errorf("below the bar is still bar colour: foot's own contents missing")
	}
	if t.Failed() {
		savePNG(t, img)
	}
}
