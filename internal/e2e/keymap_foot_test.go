package e2e

// Issue 11's keymap promise with a real client: foot, nested in nofault on
// Xvfb, reads what the user types on a German layout. TestNestedKeymapLayouts
// checks the evdev codes and the keymap's symbols with a Go client; here
// foot's own xkbcommon turns them into text and a shell writes it to a file.

import (
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// footReads opens foot in p running a shell that reads one line from the
// terminal (no echo) and writes it, without the newline, to a file;
// focuses foot with a click, types keys with xdotool and returns what the
// shell read.
func footReads(t *testing.T, p *nestedProc, display string, keys ...string) string {
	t.Helper()
	const bg = 0x203040
	out := filepath.Join(t.TempDir(), "typed")
	// The rename makes the file appear whole.
	script := `stty -echo; IFS= read -r line; printf %s "$line" > "$1.tmp" && mv "$1.tmp" "$1"`
	foot := startIn(t, p, "foot", "-o", "tweak.render-timer=none", "-o", fmt.Sprintf("colors.background=%06x", bg),
		"-w", "400x300", "sh", "-c", script, "sh", out)
	var box image.Rectangle
	p.waitShot("foot's window", 30*time.Second, func(img image.Image) bool {
		var n int
		box, n = footBox(img, bg)
		return n > 400*300/2
	})
	id := strconv.FormatUint(uint64(nestedWindowID(t, display)), 10)
	xdotool(t, display, "windowfocus", "--sync", id)
	c := box.Min.Add(box.Max).Div(2)
	xdotool(t, display, "mousemove", "--window", id, strconv.Itoa(c.X), strconv.Itoa(c.Y))
	xdotool(t, display, "click", "1")
	// The click and the keys reach nofault in this order on one X
	// connection, and foot gets wl_keyboard.enter before the keys.
	xdotool(t, display, append([]string{"key", "--delay", "30"}, keys...)...)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if b, err := os.ReadFile(out); err == nil {
			return string(b)
		}
		if time.Now().After(deadline) || !p.alive() {
			t.Fatalf("foot's shell never wrote %s; foot:\n%s", out, foot.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestNestedKeymapFoot: with a German host layout (setxkbmap de, nofault
// follows it) and with --keymap=de on a US host, the keys where a German
// keyboard has z, y and ä reach foot as "zyä". On the German host xdotool
// types the keysyms z y adiaeresis (it finds their keycodes in the host
// keymap); on the US host it presses the same positions, which are y z
// apostrophe there. With the US keymap foot would read "yz'".
func TestNestedKeymapFoot(t *testing.T) {
	need(t, "foot", "xdotool", "setxkbmap", "xkbcli")
	const want = "zyä"
	t.Run("host de", func(t *testing.T) {
		display := startXvfb(t)
		// Xvfb resets its keymap when its last client leaves: one stays
		// connected meanwhile.
		hold, _ := x11Connect(t, display)
		defer hold.Close()
		cmd := exec.Command("setxkbmap", "-display", display, "de")
		cmd.Env = hostEnv()
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("setxkbmap de: %v: %s", err, out)
		}
		p := startNested(t, display)
		if got := footReads(t, p, display, "z", "y", "adiaeresis", "Return"); got != want {
			t.Errorf("foot read %q (% x) on a German host, want %q", got, got, want)
		}
	})
	t.Run("--keymap=de", func(t *testing.T) {
		display := startXvfb(t)
		p := startNested(t, display, "--keymap=de")
		if got := footReads(t, p, display, "y", "z", "apostrophe", "Return"); got != want {
			t.Errorf("foot read %q (% x) with --keymap=de on a US host, want %q", got, got, want)
		}
	})
}
