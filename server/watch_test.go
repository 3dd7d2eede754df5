package server

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// epollWatches returns, for every epoll instance of this process, what it
// watches: the watched file's inode and the events, from
// /proc/self/fdinfo ("tfd: N events: X data: D pos:P ino:I sdev:S").
func epollWatches(t *testing.T) map[uint64][]uint32 {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	watches := make(map[uint64][]uint32)
	for _, e := range ents {
		if l, err := os.Readlink("/proc/self/fd/" + e.Name()); err != nil || l != "anon_inode:[eventpoll]" {
			continue
		}
		f, err := os.Open(filepath.Join("/proc/self/fdinfo", e.Name()))
		if err != nil {
			continue // closed meanwhile
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) == 0 || fields[0] != "tfd:" {
				continue
			}
			var ev, ino uint64
			for i, fl := range fields {
				switch {
				case fl == "events:" && i+1 < len(fields):
					ev, _ = strconv.ParseUint(fields[i+1], 16, 32)
				case strings.HasPrefix(fl, "ino:"):
					ino, _ = strconv.ParseUint(strings.TrimPrefix(fl, "ino:"), 16, 64)
				}
			}
			watches[ino] = append(watches[ino], uint32(ev))
		}
		f.Close()
	}
	return watches
}

// socketInodes returns the inodes of this process's socket fds.
func socketInodes(t *testing.T) map[uint64]bool {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	inos := make(map[uint64]bool)
	for _, e := range ents {
		l, err := os.Readlink("/proc/self/fd/" + e.Name())
		if err != nil {
			continue
		}
		var ino uint64
		if _, err := fmt.Sscanf(l, "socket:[%d]", &ino); err == nil {
			inos[ino] = true
		}
	}
	return inos
}

// TestClientSocketPolledForInputOnly: the compositor's end of a client
// connection is watched for EPOLLIN only while nothing waits to be sent.
// The Go runtime's poller watches every fd for EPOLLOUT too, and a Unix
// socket signals EPOLLOUT each time its peer reads, so a socket in the
// runtime's poller woke the compositor a second time in every round trip,
// when the client read the reply (1.21 context switches per round trip
// against weston's 1.00; docs/benchmarks.md). It fails on the runtime's
// poller: the socket is watched with events 8000201d (EPOLLIN, EPOLLOUT,
// EPOLLRDHUP, EPOLLET).
func TestClientSocketPolledForInputOnly(t *testing.T) {
	_, path := startDisplay(t, nil)
	before := socketInodes(t)
	r := dialSyncer(t, path)
	for range 10 {
		r.roundTrip(t)
	}
	var st unix.Stat_t
	if err := unix.Fstat(r.fd, &st); err != nil {
		t.Fatal(err)
	}
	var server []uint64
	for ino := range socketInodes(t) {
		if !before[ino] && ino != st.Ino {
			server = append(server, ino)
		}
	}
	if len(server) != 1 {
		t.Fatalf("found %d new server-side sockets (%v), want 1", len(server), server)
	}
	watches := epollWatches(t)[server[0]]
	in := false
	for _, ev := range watches {
		if ev&unix.EPOLLOUT != 0 {
			t.Errorf("the client's socket is polled with events %x: EPOLLOUT wakes the compositor whenever the client reads", ev)
		}
		if ev&unix.EPOLLIN != 0 {
			in = true
		}
	}
	if !in {
		t.Errorf("the client's socket is not polled for EPOLLIN (watches %x)", watches)
	}
}

// TestSenderWaitsForRoom: a client that sends thousands of syncs before
// reading any reply fills its socket; what the socket refuses waits in the
// writer, whose sender waits for room (an EPOLLOUT watch armed only while
// it waits) and sends the rest, in order, once the client reads.
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
