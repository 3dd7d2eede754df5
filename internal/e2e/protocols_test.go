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
)

// addedProtocols are the globals of issue 13 and their versions; each
// must show in wayland-info (docs/protocols.md lists them all).
var addedProtocols = map[string]int{
	"zwp_primary_selection_device_manager_v1":   1,
	"xdg_activation_v1":                         1,
	"zwp_text_input_manager_v3":                 1,
	"zxdg_decoration_manager_v1":                1,
	"zwp_relative_pointer_manager_v1":           1,
	"zwp_pointer_constraints_v1":                1,
	"zwp_idle_inhibit_manager_v1":               1,
	"zwp_keyboard_shortcuts_inhibit_manager_v1": 1,
	"wp_presentation":                           1,
	"wp_cursor_shape_manager_v1":                1,
	"wp_viewporter":                             1,
	"wp_single_pixel_buffer_manager_v1":         1,
	"wp_fractional_scale_manager_v1":            1,
	"zwlr_virtual_pointer_manager_v1":           2,
}

// TestWaylandInfoListsProtocols: the real wayland-info sees every added
// global with its version.
func TestWaylandInfoListsProtocols(t *testing.T) {
	need(t, "wayland-info")
	bin := nftest.Binary(t, "compositor")
	dir := t.TempDir()
	os.Chmod(dir, 0o700)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--backend=headless", "--", "wayland-info")
	cmd.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+dir, "WAYLAND_DISPLAY=", "DISPLAY=")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("compositor -- wayland-info: %v\n%s\n%s", err, out.String(), errb.String())
	}
	got := map[string]int{}
	re := regexp.MustCompile(`interface: '([a-z0-9_]+)',\s+version:\s+(\d+)`)
	for _, m := range re.FindAllStringSubmatch(out.String(), -1) {
		got[m[1]], _ = strconv.Atoi(m[2])
	}
	for iface, v := range addedProtocols {
		if got[iface] != v {
			t.Errorf("%s: version %d, want %d", iface, got[iface], v)
		}
	}
	if t.Failed() {
		t.Logf("wayland-info:\n%s", out.String())
	}
}

// footWarnings are what foot 1.13 prints when a compositor lacks the
// protocols it looks for.
var footWarnings = []string{
	"no primary selection available",
	"no XDG activation support",
	"text input interface not implemented by compositor; IME will be disabled",
	"no decoration manager available - using CSDs unconditionally",
}

// TestFootStartsWithoutWarnings: foot finds every protocol it looks for.
// The warnings come while foot binds the globals, before its first frame,
// so once its window shows its output is complete for this purpose.
func TestFootStartsWithoutWarnings(t *testing.T) {
	need(t, "foot")
	in := nftest.Start(t)
	cmd, out := startClient(t, in, nil, "foot", "-o", "tweak.render-timer=none")
	waitForWindow(t, in, cmd, out, 1000, 30*time.Second)
	log := out.String()
	for _, w := range footWarnings {
		if strings.Contains(log, w) {
			t.Errorf("foot warned %q", w)
		}
	}
	// foot asked for server-side decorations and got them.
	if !strings.Contains(log, "using SSD decorations") {
		t.Errorf("foot did not negotiate decorations:\n%s", log)
	}
}
