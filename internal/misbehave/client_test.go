package misbehave

import (
	"errors"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/nofault/nofault/internal/rawclient"
)

// TestWriteErrorReadsTheError checks that a write refused because the
// compositor closed the connection is not taken for survival: the
// wl_display.error the compositor sent before closing is read and is the
// outcome (present's flush once returned the bare EPIPE, a "survived"
// with "broken pipe" in the kernel demo's table).
func TestWriteErrorReadsTheError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wayland-test")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	closed := make(chan error, 1)
	go func() {
		conn, err := l.Accept()
		if err != nil {
			closed <- err
			return
		}
		b, _, err := rawclient.Marshal(1, evDisplayError, uint32(9), uint32(2), "error accessing SHM buffer")
		if err == nil {
			_, err = conn.Write(b)
		}
		conn.Close()
		closed <- err
	}()
	w, err := dial(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	c := &client{w: w, ifaces: map[uint32]string{1: "wl_display", 9: "wl_buffer"}, done: map[uint32]bool{}, configured: map[uint32]uint32{}}
	win := &window{surface: w.NewID()}
	c.ifaces[win.surface] = "wl_surface"
	// The first write may still be taken by the socket; a later one is refused.
	deadline := time.Now().Add(10 * time.Second)
	for err == nil && time.Now().Before(deadline) {
		_, err = c.present(win, 9, 64, 64)
	}
	var pe *ProtocolError
	if !errors.As(err, &pe) || pe.Interface != "wl_buffer" || pe.Code != 2 {
		t.Fatalf("present after the compositor closed: %v, want the wl_buffer error it sent", err)
	}
}
