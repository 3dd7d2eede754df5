package server

import (
	"bytes"
	"testing"

	"golang.org/x/sys/unix"
)

// TestRawSendRecvmsg: the non-blocking socket calls the display loop makes
// without the scheduler carry bytes and fds as unix.SendmsgN and
// unix.Recvmsg do, report EAGAIN on an empty socket, and allocate nothing.
func TestRawSendRecvmsg(t *testing.T) {
	sp, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(sp[0])
	defer unix.Close(sp[1])
	buf, oob := make([]byte, 64), make([]byte, oobSize)
	if _, _, _, err := recvmsgNB(sp[1], buf, oob, unix.MSG_DONTWAIT); err != unix.EAGAIN {
		t.Fatalf("recvmsg on an empty socket: %v, want EAGAIN", err)
	}
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(p[0])
	defer unix.Close(p[1])
	msg := []byte("hello, wayland")
	n, err := sendmsgNB(sp[0], msg, unix.UnixRights(p[0], p[1]), unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL)
	if err != nil || n != len(msg) {
		t.Fatalf("sendmsg: %d, %v; want %d", n, err, len(msg))
	}
	// Only fds: one byte of data carries them.
	if n, err := sendmsgNB(sp[0], nil, unix.UnixRights(p[0]), unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL); err != nil || n != 0 {
		t.Fatalf("sendmsg of fds alone: %d, %v; want 0, nil", n, err)
	}
	n, oobn, flags, err := recvmsgNB(sp[1], buf, oob, unix.MSG_DONTWAIT|unix.MSG_CMSG_CLOEXEC)
	if err != nil || !bytes.Equal(buf[:n], msg) || flags&unix.MSG_CTRUNC != 0 {
		t.Fatalf("recvmsg: %q, flags %#x, %v; want %q", buf[:n], flags, err, msg)
	}
	fds := parseRights(oob[:oobn])
	if len(fds) != 2 {
		t.Fatalf("got %d fds, want 2", len(fds))
	}
	closeAll(fds)
	n, oobn, _, err = recvmsgNB(sp[1], buf, oob, unix.MSG_DONTWAIT|unix.MSG_CMSG_CLOEXEC)
	if err != nil || n != 1 {
		t.Fatalf("recvmsg of the fd-only message: %d bytes, %v; want 1", n, err)
	}
	fds = parseRights(oob[:oobn])
	if len(fds) != 1 {
		t.Fatalf("got %d fds with the fd-only message, want 1", len(fds))
	}
	closeAll(fds)

	allocs := testing.AllocsPerRun(100, func() {
		sendmsgNB(sp[0], msg, nil, unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL)
		recvmsgNB(sp[1], buf, oob, unix.MSG_DONTWAIT)
		recvmsgNB(sp[1], buf, oob, unix.MSG_DONTWAIT) // EAGAIN
	})
	if allocs != 0 {
		t.Errorf("a send, a receive and an EAGAIN allocate %v times, want 0", allocs)
	}
}

// BenchmarkMakeFDRoom is the limit check every read of every client makes
// before its recvmsg.
func BenchmarkMakeFDRoom(b *testing.B) {
	d := NewDisplay(nil, Options{})
	c := &Client{d: d}
	b.ReportAllocs()
	for b.Loop() {
		if !d.makeFDRoom(c) {
			b.Fatal("no room")
		}
	}
}

// TestLimitRowsMatchKeys: the cached rows give what the table's keys do.
func TestLimitRowsMatchKeys(t *testing.T) {
	l := DefaultLimits()
	for r := Resource(0); r < numResources; r++ {
		perKey, totalKey := r.keys()
		per, total, pk, tk := l.limit(r)
		if pk != perKey || tk != totalKey || per != l.Get(perKey) || total != l.Get(totalKey) {
			t.Errorf("resource %d: limit gives %s=%d %s=%d, want %s=%d %s=%d", r, pk, per, tk, total,
				perKey, l.Get(perKey), totalKey, l.Get(totalKey))
		}
	}
}
