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

// TestWlCopyWlPastePrimary: the real wl-copy --primary then the real
// wl-paste --primary round-trip a string through the primary selection,
// and the clipboard stays empty.
func TestWlCopyWlPastePrimary(t *testing.T) {
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
	defer func() {
		cancel()
		<-done
		st.Destroy()
	}()

	env := append(os.Environ(), "XDG_RUNTIME_DIR="+dir, "WAYLAND_DISPLAY="+sock.Name, "WAYLAND_DEBUG=")
	const text = "selected in nofault"
	var copyOut bytes.Buffer
	cp := exec.Command("wl-copy", "--primary", "--foreground", text)
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
		d.Do(func() { _, ok := pm.Selection(st); have <- ok })
		if <-have {
			break
		}
		select {
		case err := <-copyDone:
			copyDone <- err
			t.Fatalf("wl-copy --primary exited before setting the selection: %v\n%s", err, copyOut.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("wl-copy --primary did not set the primary selection\n%s", copyOut.String())
		}
	}
	clip := make(chan bool, 1)
	d.Do(func() { _, ok := dm.Selection(st); clip <- ok })
	if <-clip {
		t.Error("wl-copy --primary set the clipboard")
	}
	pctx, pcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer pcancel()
	paste := exec.CommandContext(pctx, "wl-paste", "--primary", "--no-newline")
	paste.Env = env
	var stderr bytes.Buffer
	paste.Stderr = &stderr
	got, err := paste.Output()
	if err != nil {
		t.Fatalf("wl-paste --primary: %v\n%s\nwl-copy: %s", err, stderr.String(), copyOut.String())
	}
	if string(got) != text {
		t.Fatalf("wl-paste --primary printed %q, want %q", got, text)
	}
}
