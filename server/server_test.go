package server

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nofault/nofault/protocol"
	"github.com/rajveermalviya/go-wayland/wayland/client"
)

// startDisplay runs a display on a fresh runtime dir and returns it with the
// socket path; it stops when the test ends.
func startDisplay(t testing.TB, setup func(d *Display)) (*Display, string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	sock, err := Listen(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	d := NewDisplay(sock, Options{Limits: DefaultLimits()})
	if setup != nil {
		setup(d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("display did not stop")
		}
	})
	return d, sock.Path
}

func TestRegistryAndSync(t *testing.T) {
	_, path := startDisplay(t, func(d *Display) {
		d.AddGlobal(&protocol.WlCompositorInterface, 4, func(c *Client, id protocol.ObjectID, v uint32) {
			c.NewObject(id, &protocol.WlCompositorInterface, v, nil)
		})
	})
	disp, err := client.Connect(path)
	if err != nil {
		t.Fatal(err)
	}
	defer disp.Context().Close()
	reg, err := disp.GetRegistry()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]uint32{}
	reg.SetGlobalHandler(func(e client.RegistryGlobalEvent) { got[e.Interface] = e.Version })
	cb, err := disp.Sync()
	if err != nil {
		t.Fatal(err)
	}
	done := false
	cb.SetDoneHandler(func(client.CallbackDoneEvent) { done = true })
	for !done {
		if err := disp.Context().Dispatch(); err != nil {
			t.Fatal(err)
		}
	}
	if got["wl_compositor"] != 4 {
		t.Fatalf("globals = %v, want wl_compositor 4", got)
	}
}

func TestListenRejectsBadRuntimeDir(t *testing.T) {
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	if _, err := Listen(dir, ""); err == nil {
		t.Fatal("Listen accepted a 0755 runtime dir")
	}
	if _, err := Listen(filepath.Join(dir, "missing"), ""); err == nil {
		t.Fatal("Listen accepted a missing runtime dir")
	}
	if _, err := Listen("", ""); err == nil {
		t.Fatal("Listen accepted an empty runtime dir")
	}
}
