package datadevice_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/nofault/nofault/datadevice"
	"github.com/nofault/nofault/output"
	"github.com/nofault/nofault/render/soft"
	"github.com/nofault/nofault/seat"
	"github.com/nofault/nofault/server"
	"github.com/nofault/nofault/shell"
	"github.com/nofault/nofault/shm"
)

// TestWlCopyWlPaste is the acceptance test at this level: the real
// wl-copy (its fallback path: a 1x1 toplevel, wait for keyboard enter,
// set_selection with that serial) then the real wl-paste round-trip a
// string, with the real shell giving focus to mapped toplevels.
func TestWlCopyWlPaste(t *testing.T) {
	r := startWlClipboardRig(t)
	const text = "hello from nofault"
	copyOut := r.copyUntil(t, []string{text}, func() bool { _, ok := r.dm.Selection(r.st); return ok })
	if got := r.paste(t, copyOut); got != text {
		t.Fatalf("wl-paste printed %q, want %q", got, text)
	}
}

// wlClipboardRig is a display with shm, an output, the shell, a seat with
// keyboard focus following the shell, the clipboard and the primary
// selection, run with a frame clock, for wl-clipboard's real tools.
type wlClipboardRig struct {
	d   *server.Display
	st  *seat.Seat
	dm  *datadevice.Manager
	pm  *datadevice.Primary
	env []string
}

func startWlClipboardRig(t *testing.T) *wlClipboardRig {
	t.Helper()
	for _, tool := range []string{"wl-copy", "wl-paste"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (Debian package wl-clipboard)", tool)
		}
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	sock, err := server.Listen(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	d := server.NewDisplay(sock, server.Options{Limits: server.DefaultLimits()})
	shm.Register(d, shm.Options{})
	out := output.New(d, "HEADLESS-1", 640, 480, 60000)
	sh := shell.New(d, soft.New(), shell.Options{Output: out})
	st := seat.New(d, seat.Options{Keyboard: true, Pointer: true, Surfaces: sh})
	dm := datadevice.New(d, st)
	pm := datadevice.NewPrimary(dm, st)
	sh.OnFocus(st.SetKeyboardFocus)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	go func() { // frame clock
		tick := time.NewTicker(16 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-tick.C:
				d.Do(func() { sh.Frame(now) })
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		st.Destroy()
	})
	env := append(os.Environ(), "XDG_RUNTIME_DIR="+dir, "WAYLAND_DISPLAY="+sock.Name, "WAYLAND_DEBUG=")
	return &wlClipboardRig{d: d, st: st, dm: dm, pm: pm, env: env}
}

// copyUntil starts `wl-copy --foreground ARGS...` (killed at the test's
// end) and waits until has, run on the display loop, reports the selection
// set. It returns wl-copy's output so far.
func (r *wlClipboardRig) copyUntil(t *testing.T, args []string, has func() bool) *bytes.Buffer {
	t.Helper()
	var copyOut bytes.Buffer
	cp := exec.Command("wl-copy", append([]string{"--foreground"}, args...)...)
	cp.Env, cp.Stdout, cp.Stderr = r.env, &copyOut, &copyOut
	if err := cp.Start(); err != nil {
		t.Fatal(err)
	}
	copyDone := make(chan error, 1)
	go func() { copyDone <- cp.Wait() }()
	t.Cleanup(func() {
		cp.Process.Kill()
		<-copyDone
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		have := make(chan bool, 1)
		r.d.Do(func() { have <- has() })
		if <-have {
			return &copyOut
		}
		select {
		case err := <-copyDone:
			copyDone <- err
			t.Fatalf("wl-copy %v exited before setting the selection: %v\n%s", args, err, copyOut.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("wl-copy %v did not set the selection\n%s", args, copyOut.String())
		}
	}
}

// paste runs `wl-paste --no-newline ARGS...` and returns what it printed.
func (r *wlClipboardRig) paste(t *testing.T, copyOut *bytes.Buffer, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	paste := exec.CommandContext(ctx, "wl-paste", append(args, "--no-newline")...)
	paste.Env = r.env
	var stderr bytes.Buffer
	paste.Stderr = &stderr
	got, err := paste.Output()
	if err != nil {
		t.Fatalf("wl-paste %v: %v\n%s\nwl-copy: %s", args, err, stderr.String(), copyOut.String())
	}
	return string(got)
}
