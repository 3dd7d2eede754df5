package e2e

import (
	"image"
	"image/color"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nofault/nofault/internal/font5x7"
	"github.com/nofault/nofault/internal/nftest"
	"github.com/nofault/nofault/shell"
)

// This file shows issue 13's protocols with real applications: mpv's
// server-side frame, GTK 4 and foot sharing the primary selection, and
// fractional scale with foot (wl_output.scale) and Firefox
// (wp_fractional_scale_v1).

// waitShot takes screenshots of in until ok accepts one, and fails after
// timeout (or when the client exits) with the last one saved.
func waitShot(t *testing.T, in *nftest.Instance, cmd *exec.Cmd, what string, timeout time.Duration, ok func(image.Image) bool) image.Image {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var img image.Image
	for {
		img = in.Screenshot()
		if ok(img) {
			return img
		}
		if time.Now().After(deadline) || !running(cmd) {
			savePNG(t, img)
			t.Fatalf("%s: not seen within %v (client running: %v)", what, timeout, running(cmd))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestMpvServerSideFrame: mpv 0.35 with its default video output (vo=gpu,
// on llvmpipe) asks for server-side decorations by default
// (zxdg_toplevel_decoration_v1.set_mode(server_side)), nofault configures
// that mode, mpv logs "Enabling server decorations", and the output shows
// nofault's title bar, the active bar colour with the red close button at
// its right end and mpv's title ("lavfi:testsrc=...", read glyph by glyph),
// above mpv's 320x240 testsrc picture.
func TestMpvServerSideFrame(t *testing.T) {
	need(t, "mpv")
	in := nftest.Start(t, "--size=800x600", "--trace")
	cmd, out := startClient(t, in, nil, "mpv", "--no-config", "--no-audio", "--loop=inf",
		"--msg-level=all=warn,vo=v", "av://lavfi:testsrc=size=320x240:rate=5")
	const w, h, bh = 320, 240, shell.TitleBarHeight
	bar := color.RGBA{0x2b, 0x30, 0x36, 0xff}
	img := waitShot(t, in, cmd, "mpv's window with its frame", 60*time.Second, func(img image.Image) bool {
		box, _ := foreground(img)
		return box.Dx() == w && box.Dy() == h+bh && rgbaAt(img, box.Min.X+2, box.Min.Y+bh-1) == bar
	})

	log := in.LogText()
	for _, re := range []string{
		`zxdg_decoration_manager_v1@\d+\.get_toplevel_decoration\(new id zxdg_toplevel_decoration_v1@(\d+), xdg_toplevel@\d+\)`,
		`zxdg_toplevel_decoration_v1@\d+\.set_mode\(2\)`,
		`-> zxdg_toplevel_decoration_v1@\d+\.configure\(2\)`,
	} {
		if !regexp.MustCompile(re).MatchString(log) {
			t.Errorf("the trace lacks %s", re)
		}
	}
	if !strings.Contains(out.String(), "Enabling server decorations") {
		t.Errorf("mpv did not log server-side decorations")
	}

	box, _ := foreground(img)
	for _, y := range []int{box.Min.Y, box.Min.Y + bh - 1} {
		if c := rgbaAt(img, box.Min.X+2, y); c != bar {
			t.Errorf("title bar pixel (%d,%d) is %v, want %v", box.Min.X+2, y, c, bar)
		}
	}
	if c := rgbaAt(img, box.Max.X-bh/2-bh/3, box.Min.Y+bh/2-bh/3+1); c.R != 0xd9 || c.G != 0x53 {
		t.Errorf("close button pixel %v, want red", c)
	}
	// The title mpv set ("lavfi:testsrc=... - mpv") starts the bar, in
	// upper case, each font pixel 2x2 (decoration/frame.go's layout).
	ink := color.RGBA{0xe8, 0xea, 0xed, 0xff}
	const k, pad = bh / 12, bh / 3
	for i, r := range "LAVFI:TESTSRC" {
		g, _ := font5x7.Glyph(r)
		for gy, row := range g {
			for gx, ch := range row {
				x, y := box.Min.X+pad+i*6*k+gx*k, box.Min.Y+(bh-7*k)/2+gy*k
				if want := map[bool]color.RGBA{true: ink, false: bar}[ch == '#']; rgbaAt(img, x, y) != want {
					t.Fatalf("title glyph %d (%c) pixel (%d,%d) is %v, want %v", i, r, x, y, rgbaAt(img, x, y), want)
				}
			}
		}
	}
	// Below the bar, mpv's picture: testsrc's colour bars, many colours.
	colours := map[color.RGBA]bool{}
	for y := box.Min.Y + bh; y < box.Max.Y; y += 4 {
		for x := box.Min.X; x < box.Max.X; x += 4 {
			colours[rgbaAt(img, x, y)] = true
		}
	}
	if len(colours) < 16 {
		t.Errorf("mpv's picture shows %d colours; testsrc has many", len(colours))
	}
	if t.Failed() {
		savePNG(t, img)
	}
}
