package e2e

import (
	"image"
	"testing"
	"time"

	"github.com/nofault/nofault/internal/nftest"
)

// scalerWindow runs weston-scaler in mode and returns its window as the
// screenshot shows it (the bounding box of non-background pixels).
func scalerWindow(t *testing.T, mode string, minPixels int) (image.Image, image.Rectangle) {
	t.Helper()
	in := nftest.Start(t, "--size=640x480")
	cmd, out := startClient(t, in, nil, "weston-scaler", mode)
	waitForWindow(t, in, cmd, out, minPixels, 30*time.Second)
	// One more frame: the first screenshot may have caught it mapping.
	img := in.Screenshot()
	box, _ := foreground(img)
	return img, box
}

// TestWestonScalerViewport: weston-scaler's three viewport modes show the
// crop and scale of its unscaled buffer (mode -n): pixel for pixel, the
// screenshot of each matches the -n window cropped to the source
// rectangle (21,25 55x77 in surface coordinates) and scaled to the
// destination (220x308) by nearest neighbour, but for the one-pixel edges
// weston-scaler draws around its box.
func TestWestonScalerViewport(t *testing.T) {
	need(t, "weston-scaler")
	ref, refBox := scalerWindow(t, "-n", 421*337/2)
	if refBox.Dx() != 421 || refBox.Dy() != 337 {
		savePNG(t, ref)
		t.Fatalf("weston-scaler -n window %v, want 421x337", refBox)
	}
	crop := image.Rect(21, 25, 21+55, 25+77).Add(refBox.Min)
	cases := []struct {
		mode string
		src  image.Rectangle // in the -n screenshot
		w, h int
	}{
		{"-b", crop, 220, 308},
		{"-s", crop, 55, 77},
		{"-d", refBox, 220, 308},
	}
	for _, tc := range cases {
		t.Run(tc.mode, func(t *testing.T) {
			img, box := scalerWindow(t, tc.mode, tc.w*tc.h/2)
			if box.Dx() != tc.w || box.Dy() != tc.h {
				savePNG(t, img)
				t.Fatalf("window %v, want %dx%d", box, tc.w, tc.h)
			}
			bad := 0
			for y := 0; y < tc.h; y++ {
				for x := 0; x < tc.w; x++ {
					sx := tc.src.Min.X + (2*x+1)*tc.src.Dx()/(2*tc.w)
					sy := tc.src.Min.Y + (2*y+1)*tc.src.Dy()/(2*tc.h)
					if !near(img.At(box.Min.X+x, box.Min.Y+y), ref.At(sx, sy)) {
						bad++
					}
				}
			}
			// The edges (a source pixel each side) may sample either
			// neighbour: at most two rows and two columns of the scaled
			// source pixel size.
			allow := 2*(tc.w*tc.h/tc.src.Dy()) + 2*(tc.h*tc.w/tc.src.Dx())
			t.Logf("%s: %d of %d pixels differ (allowed %d)", tc.mode, bad, tc.w*tc.h, allow)
			if bad > allow {
				savePNG(t, img)
				t.Errorf("%d of %d pixels differ from the cropped and scaled -n window, allowed %d", bad, tc.w*tc.h, allow)
			}
		})
	}
}

// near reports whether two colours differ by at most 48 in each channel.
func near(a, b interface{ RGBA() (r, g, b, a uint32) }) bool {
	ar, ag, ab, _ := a.RGBA()
	br, bg, bb, _ := b.RGBA()
	d := func(x, y uint32) bool {
		x, y = x>>8, y>>8
		return x-y <= 48 || y-x <= 48
	}
	return d(ar, br) && d(ag, bg) && d(ab, bb)
}
