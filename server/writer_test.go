package server

import (
	"encoding/binary"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestSenderWaitsForRoom: a client that sends thousands of syncs before
// reading any reply fills its socket; what the socket refuses waits in the
// writer, whose sender waits for room and sends the rest, in order, once
// the client reads. The reader keeps reading meanwhile (it never waits for
// the sender).
func TestSenderWaitsForRoom(t *testing.T) {
	d, path := startDisplayWith(t, Options{Limits: Limits{MaxQueuedBytes: 64 << 20}})
	r := dialSyncer(t, path)
	sndbuf, err := unix.GetsockoptInt(r.fd, unix.SOL_SOCKET, unix.SO_SNDBUF)
	if err != nil {
		t.Fatal(err)
	}
	// Replies of three send buffers: the socket takes about one.
	n := 3 * sndbuf / len(r.resp)
	reqs := make([]byte, 0, n*len(r.req))
	for range n {
		reqs = append(reqs, r.req[:]...)
	}
	for off := 0; off < len(reqs); {
		k, err := unix.Write(r.fd, reqs[off:])
		if err != nil {
			t.Fatalf("write: %v", err)
		}
		off += k
	}
	// The server reads every request and queues what its socket refuses.
	for queued := int64(0); queued == 0; {
		done := make(chan struct{})
		d.Do(func() {
			for c := range d.clients {
				queued = c.Held(QueuedBytes)
			}
			close(done)
		})
		<-done
		if queued == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	conn := os.NewFile(uintptr(r.fd), "client")
	c, err := net.FileConn(conn) // a dup: r's cleanup closes the original
	conn.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	got := make([]byte, n*len(r.resp))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("reading %d replies: %v", n, err)
	}
	le := binary.LittleEndian
	for i := range n {
		m := got[i*len(r.resp):]
		if le.Uint32(m[0:]) != 2 || le.Uint32(m[4:]) != wireHeader(12, 0) || le.Uint32(m[12:]) != 1 || le.Uint32(m[16:]) != wireHeader(12, 1) || le.Uint32(m[20:]) != 2 {
			t.Fatalf("reply %d of %d: % x, want wl_callback@2.done and wl_display.delete_id(2)", i, n, m[:len(r.resp)])
		}
	}
}
