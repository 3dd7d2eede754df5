package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nofault/nofault/internal/nftest"
	"github.com/nofault/nofault/shell"
)

// TestWaylandInfoOutputs: --outputs makes several headless outputs side
// by side, each a wl_output and an xdg_output at its logical position;
// with --scale=1.5 wl_output.scale is 2 and the logical sizes are the
// modes / 1.5. The screenshot spans both.
func TestWaylandInfoOutputs(t *testing.T) {
	need(t, "wayland-info")
	bin := nftest.Binary(t, "compositor")
	dir := t.TempDir()
	os.Chmod(dir, 0o700)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--backend=headless", "--outputs=1920x1080,1280x720", "--scale=1.5", "--", "wayland-info")
	cmd.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+dir, "WAYLAND_DISPLAY=", "DISPLAY=")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("compositor -- wayland-info: %v\n%s\n%s", err, out.String(), errb.String())
	}
	info := out.String()
	for _, want := range []string{
		`(?s)name: HEADLESS-1\s.*?x: 0, y: 0, scale: 2,.*?width: 1920 px, height: 1080 px`,
		`(?s)name: HEADLESS-2\s.*?x: 1280, y: 0, scale: 2,.*?width: 1280 px, height: 720 px`,
		`(?s)name: 'HEADLESS-1'.*?logical_x: 0, logical_y: 0\s+logical_width: 1280, logical_height: 720`,
		`(?s)name: 'HEADLESS-2'.*?logical_x: 1280, logical_y: 0\s+logical_width: 853, logical_height: 480`,
		`interface: 'wp_fractional_scale_manager_v1',\s+version:\s+1`,
	} {
		if !regexp.MustCompile(want).MatchString(info) {
			t.Errorf("wayland-info does not show %s", want)
		}
	}
	if t.Failed() {
		t.Logf("wayland-info:\n%s", info)
	}

	in := nftest.Start(t, "--outputs=640x480,320x200")
	if b := in.Screenshot().Bounds(); b.Dx() != 960 || b.Dy() != 480 {
		t.Errorf("screenshot of two outputs is %v, want 960x480 (side by side)", b.Size())
	}
}

// TestFootScaled: at --scale=1.5, foot (1.13, which predates its
// fractional-scale-v1 support) renders at wl_output.scale 2 with buffer
// scale 2, and nofault shows its window at 1.5 times its logical size:
// the window geometry foot sets (surface coordinates, with nofault's title
// bar above it) times 1.5 is the window's size in the screenshot.
func TestFootScaled(t *testing.T) {
	need(t, "foot")
	in := nftest.Start(t, "--size=1920x1080", "--scale=1.5", "--trace")
	cmd, out := startClient(t, in, nil, "foot", "-o", "tweak.render-timer=none")
	waitForWindow(t, in, cmd, out, 1000, 30*time.Second)
	img := in.Screenshot()
	log := in.LogText()
	if !strings.Contains(log, "wl_output@") || !regexp.MustCompile(`wl_output@\d+\.scale\(2\)`).MatchString(log) {
		t.Fatalf("foot was not told wl_output.scale 2")
	}
	if !regexp.MustCompile(`wl_surface@\d+\.set_buffer_scale\(2\)`).MatchString(log) {
		t.Fatalf("foot did not render at buffer scale 2")
	}
	geo := regexp.MustCompile(`xdg_surface@\d+\.set_window_geometry\((-?\d+), (-?\d+), (\d+), (\d+)\)`).FindAllStringSubmatch(log, -1)
	if len(geo) == 0 {
		t.Fatal("foot set no window geometry")
	}
	last := geo[len(geo)-1]
	gw, _ := strconv.Atoi(last[3])
	gh, _ := strconv.Atoi(last[4])
	if strings.Contains(out.String(), "using SSD decorations") {
		gh += shell.TitleBarHeight // nofault's title bar above the window
	}
	box, _ := foreground(img)
	wantW, wantH := gw*3/2, gh*3/2
	if d := box.Dx() - wantW; d < -2 || d > 2 {
		t.Errorf("window %d pixels wide, want %d (geometry %dx%d at 1.5)", box.Dx(), wantW, gw, gh)
	}
	if d := box.Dy() - wantH; d < -2 || d > 2 {
		t.Errorf("window %d pixels high, want %d (geometry %dx%d at 1.5)", box.Dy(), wantH, gw, gh)
	}
	if t.Failed() {
		savePNG(t, img)
	}
}
