package server

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// epollWatches reports, for every epoll instance of this process, the
// events it watches for the file with inode ino (from
// /proc/self/fdinfo's "tfd:" lines): epoll fd -> event mask.
func epollWatches(t *testing.T, ino uint64) map[int]uint32 {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	w := make(map[int]uint32)
	for _, e := range ents {
		link, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		if err != nil || link != "anon_inode:[eventpoll]" {
			continue
		}
		epfd, _ := strconv.Atoi(e.Name())
		f, err := os.Open(filepath.Join("/proc/self/fdinfo", e.Name()))
		if err != nil {
			continue // closed meanwhile
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			// tfd:        7 events:       19 data: ... pos:0 ino:3f52 sdev:8
			fields := strings.Fields(sc.Text())
			if len(fields) == 0 || fields[0] != "tfd:" {
				continue
			}
			var events uint32
			var inode uint64
			for i := range fields {
				switch {
				case fields[i] == "events:" && i+1 < len(fields):
					v, _ := strconv.ParseUint(fields[i+1], 16, 32)
					events = uint32(v)
				case strings.HasPrefix(fields[i], "ino:"):
					inode, _ = strconv.ParseUint(strings.TrimPrefix(fields[i], "ino:"), 16, 64)
				}
			}
			if inode == ino {
				w[epfd] = events
			}
		}
		f.Close()
	}
	return w
}

// serverSocket returns the inode of the display's end of its one client's
// connection.
func serverSocket(t *testing.T, d *Display) uint64 {
	t.Helper()
	var ino uint64
	done := make(chan error, 1)
	d.Do(func() {
		if len(d.clients) != 1 {
			done <- fmt.Errorf("%d clients, want 1", len(d.clients))
			return
		}
		for c := range d.clients {
			raw, err := c.conn.SyscallConn()
			if err != nil {
				done <- err
				return
			}
			var st unix.Stat_t
			raw.Control(func(fd uintptr) { err = unix.Fstat(int(fd), &st) })
			ino = st.Ino
			done <- err
		}
	})
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	return ino
}

// waitWatch waits until exactly one epoll of the process (the Go runtime's
// poller) watches the socket ino, for readable and, if writable, for
// writable too (or, gone, until none watches it).
func waitWatch(t *testing.T, ino uint64, writable, gone bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		w := epollWatches(t, ino)
		ok := len(w) == 0
		if !gone {
			ok = false
			for _, ev := range w {
				ok = len(w) == 1 && ev&unix.EPOLLIN != 0 && (ev&unix.EPOLLOUT != 0) == writable
			}
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("client socket watched as %x (epoll fd: events), want it gone %v, or watched by one epoll, readable, writable %v", w, gone, writable)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestClientSocketWritableOnlyWhileSending: the Go runtime's poller watches
// a client's socket for readable, and for writable only while a sender
// waits for room. The runtime registers every socket for both: each time a
// client read its events, and so freed room in its socket, the compositor
// woke for nothing (docs/benchmarks.md, perf6).
func TestClientSocketWritableOnlyWhileSending(t *testing.T) {
	d, path := startDisplayWith(t, Options{Limits: Limits{MaxQueuedBytes: 64 << 20}})
	r := dialSyncer(t, path)
	r.roundTrip(t)
	ino := serverSocket(t, d)
	waitWatch(t, ino, false, false)
	n := r.overfill(t, d)
	waitWatch(t, ino, true, false)
	r.readReplies(t, n) // the sender wakes when the client reads
	waitWatch(t, ino, false, false)
	r.roundTrip(t)
	if err := unix.Shutdown(r.fd, unix.SHUT_RDWR); err != nil { // the cleanup closes it
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := d.WaitClientsGone(ctx); err != nil {
		t.Fatal(err)
	}
	waitWatch(t, ino, false, true)
}
