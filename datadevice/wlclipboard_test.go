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
	d := server.NewDisplay(sock, server.Options{Limits: server.DefaultLimits})
	shm.Register(d, shm.Options{})
	out := output.New(d, "HEADLESS-1", 640, 480, 60000)
	sh := shell.New(d, soft.New(), shell.Options{Output: out})
	st := seat.New(d, seat.Options{Keyboard: true, Pointer: true, Surfaces: sh})
	dm := datadevice.New(d, st)
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
	defer func() {
		cancel()
		<-done
		st.Destroy()
	}()

	env := append(os.Environ(), "XDG_RUNTIME_DIR="+dir, "WAYLAND_DISPLAY="+sock.Name, "WAYLAND_DEBUG=")
	const text = "hello from nofault"
	var copyOut bytes.Buffer
	cp := exec.Command("wl-copy", "--foreground", text)
	cp.Env, cp.Stdout, cp.Stderr = env, &copyOut, &copyOut
	if err := cp.Start(); err != nil {
		t.Fatal(err)
	}
	copyDone := make(chan error, 1)
	go func() { copyDone <- cp.Wait() }()
	defer func() {
		cp.Process.Kill()
		<-copyDone
	}()

	deadline := time.Now().Add(10 * time.Second)
	for {
		have := make(chan bool, 1)
		d.Do(func() { _, ok := dm.Selection(st); have <- ok })
		if <-have {
			break
		}
		select {
		case err := <-copyDone:
			copyDone <- err
			t.Fatalf("wl-copy exited before setting the selection: %v\n%s", err, copyOut.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("wl-copy did not set the selection\n%s", copyOut.String())
		}
	}

	pctx, pcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer pcancel()
	paste := exec.CommandContext(pctx, "wl-paste", "--no-newline")
	paste.Env = env
	var stderr bytes.Buffer
	paste.Stderr = &stderr
	got, err := paste.Output()
	if err != nil {
		t.Fatalf("wl-paste: %v\n%s\nwl-copy: %s", err, stderr.String(), copyOut.String())
	}
	if string(got) != text {
		t.Fatalf("wl-paste printed %q, want %q", got, text)
	}
}
