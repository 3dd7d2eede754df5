package e2e

// Issue 13's host clipboard with real tools on both sides: xclip on the
// Xvfb host, wl-copy, wl-paste and foot inside nofault nested in it.

import (
	"context"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nofault/nofault/compositor"
	"github.com/nofault/nofault/internal/nftest"
)

// xclipSet puts text on display's CLIPBOARD with xclip, which stays (in
// the foreground: -quiet) to serve it until another client takes the
// clipboard or the test ends.
func xclipSet(t *testing.T, display, text string) {
	t.Helper()
	cmd := exec.Command("xclip", "-quiet", "-selection", "clipboard", "-i")
	cmd.Env = append(hostEnv(), "DISPLAY="+display)
	cmd.Stdin = strings.NewReader(text)
	out := new(syncBuffer)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("xclip: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		<-exited
		if t.Failed() {
			t.Logf("xclip -i output:\n%s", out.String())
		}
	})
}

// xclipGet returns display's CLIPBOARD text as xclip -o prints it.
func xclipGet(display string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "xclip", "-o", "-selection", "clipboard")
	cmd.Env = append(hostEnv(), "DISPLAY="+display)
	out, err := cmd.Output()
	return string(out), err
}

// wlPaste returns nofault's clipboard as wl-paste prints it.
func wlPaste(p *nestedProc) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "wl-paste", "--no-newline")
	cmd.Env = append(hostEnv(), "XDG_RUNTIME_DIR="+p.runtimeDir, "WAYLAND_DISPLAY="+p.socket)
	out, err := cmd.Output()
	return string(out), err
}

// waitText polls get until it returns want, failing with the last answer
// after a deadline or when p (if not nil) exits.
func waitText(t *testing.T, p *nestedProc, what, want string, get func() (string, error)) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, err := get()
		if err == nil && got == want {
			return
		}
		if time.Now().After(deadline) || p != nil && !p.alive() {
			t.Fatalf("%s: got %q (err %v), want %q", what, got, err, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestNestedHostClipboard: text copied on the X host (xclip) pastes in
// nofault (wl-paste), and text copied in nofault (wl-copy) pastes on the
// host (xclip -o), non-ASCII included; the copy the host got back does
// not replace nofault's own selection.
func TestNestedHostClipboard(t *testing.T) {
	need(t, "Xvfb", "xclip", "wl-copy", "wl-paste")
	display := startXvfb(t)
	p := startNested(t, display)

	const fromHost = "copied on the host: grüße ✓"
	xclipSet(t, display, fromHost)
	waitText(t, p, "wl-paste in nofault after xclip on the host", fromHost, func() (string, error) { return wlPaste(p) })

	const fromNested = "copied in nofault: ça marche ✓"
	startIn(t, p, "wl-copy", "--foreground", fromNested)
	waitText(t, p, "xclip -o on the host after wl-copy in nofault", fromNested, func() (string, error) { return xclipGet(display) })
	waitText(t, p, "wl-paste in nofault after the export", fromNested, func() (string, error) { return wlPaste(p) })

	// And the host again, after nofault owned its clipboard.
	const again = "the host's turn again"
	xclipSet(t, display, again)
	waitText(t, p, "wl-paste in nofault after a second xclip", again, func() (string, error) { return wlPaste(p) })
}

// TestNestedHostClipboardOff: with --host-clipboard=false the window
// does not share the clipboard (nofault logs that it does when it starts
// serving clients, and not here), and a copy in nofault leaves the host's
// clipboard alone.
func TestNestedHostClipboardOff(t *testing.T) {
	need(t, "Xvfb", "xclip", "wl-copy", "wl-paste")
	display := startXvfb(t)
	on := startNested(t, display)
	on.waitLog(compositor.HostClipboardLog, 1, 60*time.Second)
	on.stop()

	p := startNested(t, display, "--host-clipboard=false")
	xclipSet(t, display, "host only")
	const nestedOnly = "nofault only"
	startIn(t, p, "wl-copy", "--foreground", nestedOnly)
	waitText(t, p, "wl-paste in nofault", nestedOnly, func() (string, error) { return wlPaste(p) })
	// Clients are served: the clipboard would be shared by now.
	if strings.Contains(p.log.String(), compositor.HostClipboardLog) {
		t.Fatalf("nofault logged %q with --host-clipboard=false", compositor.HostClipboardLog)
	}
	if got, err := xclipGet(display); err != nil || got != "host only" {
		t.Errorf("host clipboard %q (err %v), want xclip's text untouched", got, err)
	}
}

// TestNestedHostClipboardFoot is the done-when: text copied on the
// host arrives in foot (pasted with Ctrl+Shift+V, read by foot's shell)
// and back (foot copies with OSC 52, the host pastes with xclip -o).
func TestNestedHostClipboardFoot(t *testing.T) {
	need(t, "Xvfb", "xclip", "wl-paste", "foot", "xdotool", "base64")
	display := startXvfb(t)
	p := startNested(t, display)

	const fromHost = "from the host to foot ✓"
	xclipSet(t, display, fromHost+"\n")
	waitText(t, p, "wl-paste in nofault after xclip on the host", fromHost+"\n", func() (string, error) { return wlPaste(p) })

	const bg = 0x304020
	out := filepath.Join(t.TempDir(), "pasted")
	// The shell reads the pasted line (no echo), writes it to a file (the
	// rename makes it appear whole), then has foot copy it back with a
	// suffix through OSC 52 and stays, as foot serves its selection.
	script := `stty -echo; IFS= read -r line; printf %s "$line" > "$1.tmp" && mv "$1.tmp" "$1"; ` +
		`printf '\033]52;c;%s\a' "$(printf '%s, back from foot' "$line" | base64 | tr -d '\n')"; exec cat > /dev/null`
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
	xdotool(t, display, "key", "ctrl+shift+v")
	deadline := time.Now().Add(30 * time.Second)
	for {
		if b, err := os.ReadFile(out); err == nil {
			if string(b) != fromHost {
				t.Fatalf("foot's shell read %q, want %q", b, fromHost)
			}
			break
		}
		if time.Now().After(deadline) || !p.alive() {
			t.Fatalf("foot's shell never wrote %s; foot:\n%s", out, foot.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	waitText(t, p, "xclip -o on the host after foot's copy", fromHost+", back from foot", func() (string, error) { return xclipGet(display) })
}

// TestNestedHostClipboardWayland: the -tags wayland build nested in
// nofault's headless backend shares its clipboard with it: wl-copy in the
// outer nofault → wl-paste in the inner one (read when the inner window
// gets the keyboard focus), and wl-copy in the inner → wl-paste in the
// outer.
func TestNestedHostClipboardWayland(t *testing.T) {
	need(t, "wl-copy", "wl-paste")
	outer := nftest.Start(t)
	outerEnv := append(hostEnv(), "XDG_RUNTIME_DIR="+outer.RuntimeDir, "WAYLAND_DISPLAY="+outer.Socket)
	run := func(env []string, name string, args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Env = env
		out, err := cmd.Output()
		return string(out), err
	}
	const fromOuter = "copied in the host nofault ✓"
	copyOuter := exec.Command("wl-copy", "--foreground", fromOuter)
	copyOuter.Env = outerEnv
	if err := copyOuter.Start(); err != nil {
		t.Fatal(err)
	}
	copyDone := make(chan struct{})
	go func() { copyOuter.Wait(); close(copyDone) }()
	t.Cleanup(func() { copyOuter.Process.Kill(); <-copyDone })
	// The outer selection is wl-copy's before the inner window opens.
	waitText(t, nil, "wl-paste in the outer nofault", fromOuter,
		func() (string, error) { return run(outerEnv, "wl-paste", "--no-newline") })

	bin := waylandBinary(t)
	env := append(hostEnv(), "WAYLAND_DISPLAY="+outer.Socket)
	inner := startCompositor(t, bin, outer.RuntimeDir, "wayland-inner", env, "--backend=nested")
	waitText(t, inner, "wl-paste in the inner nofault", fromOuter, func() (string, error) { return wlPaste(inner) })

	const fromInner = "copied in the nested nofault ✓"
	startIn(t, inner, "wl-copy", "--foreground", fromInner)
	waitText(t, inner, "wl-paste in the outer nofault after wl-copy in the inner", fromInner,
		func() (string, error) { return run(outerEnv, "wl-paste", "--no-newline") })
}
