package rawsys

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// pipe returns a non-blocking pipe; the test closes both ends when it
// ends, except one it closed itself through closeFD.
func pipe(t *testing.T) (r, w *fd) {
	t.Helper()
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		t.Fatal(err)
	}
	return newFD(t, p[0]), newFD(t, p[1])
}

// fd is a descriptor a test owns: closed once, early or at the end, so
// that a number the process may have reused is never closed twice.
type fd struct{ n int }

func newFD(t *testing.T, n int) *fd {
	f := &fd{n}
	t.Cleanup(f.close)
	return f
}

func (f *fd) close() {
	if f.n >= 0 {
		unix.Close(f.n)
		f.n = -1
	}
}

func rights(t *testing.T, oob []byte) []int {
	t.Helper()
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		t.Fatal(err)
	}
	var fds []int
	for i := range msgs {
		r, err := unix.ParseUnixRights(&msgs[i])
		if err != nil {
			t.Fatal(err)
		}
		fds = append(fds, r...)
	}
	for _, fd := range fds {
		unix.Close(fd)
	}
	return fds
}

func socketpair(t *testing.T) (a, b *fd) {
	t.Helper()
	sp, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	return newFD(t, sp[0]), newFD(t, sp[1])
}

// TestSendRecvmsg: the socket calls carry bytes and fds as unix.SendmsgN
// and unix.Recvmsg do, report EAGAIN on an empty socket, and allocate
// nothing.
func TestSendRecvmsg(t *testing.T) {
	a, b := socketpair(t)
	sp := [2]int{a.n, b.n}
	buf, oob := make([]byte, 64), make([]byte, unix.CmsgSpace(4*4)) // room for 4 fds
	if _, _, _, err := Recvmsg(sp[1], buf, oob, unix.MSG_DONTWAIT); err != unix.EAGAIN {
		t.Fatalf("recvmsg on an empty socket: %v, want EAGAIN", err)
	}
	r, w := pipe(t)
	msg := []byte("hello, wayland")
	n, err := Sendmsg(sp[0], msg, unix.UnixRights(r.n, w.n), unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL)
	if err != nil || n != len(msg) {
		t.Fatalf("sendmsg: %d, %v; want %d", n, err, len(msg))
	}
	// Only fds: one byte of data carries them.
	if n, err := Sendmsg(sp[0], nil, unix.UnixRights(r.n), unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL); err != nil || n != 0 {
		t.Fatalf("sendmsg of fds alone: %d, %v; want 0, nil", n, err)
	}
	n, oobn, flags, err := Recvmsg(sp[1], buf, oob, unix.MSG_DONTWAIT|unix.MSG_CMSG_CLOEXEC)
	if err != nil || !bytes.Equal(buf[:n], msg) || flags&unix.MSG_CTRUNC != 0 {
		t.Fatalf("recvmsg: %q, flags %#x, %v; want %q", buf[:n], flags, err, msg)
	}
	if fds := rights(t, oob[:oobn]); len(fds) != 2 {
		t.Fatalf("got %d fds, want 2", len(fds))
	}
	n, oobn, _, err = Recvmsg(sp[1], buf, oob, unix.MSG_DONTWAIT|unix.MSG_CMSG_CLOEXEC)
	if err != nil || n != 1 {
		t.Fatalf("recvmsg of the fd-only message: %d bytes, %v; want 1", n, err)
	}
	if fds := rights(t, oob[:oobn]); len(fds) != 1 {
		t.Fatalf("got %d fds with the fd-only message, want 1", len(fds))
	}
	if _, err := Sendmsg(sp[0], msg, nil, unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL); err != nil {
		t.Fatal(err)
	}
	b.close() // the peer leaves: the next send fails with EPIPE, no SIGPIPE
	if _, err := Sendmsg(sp[0], msg, nil, unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL); err != unix.EPIPE {
		t.Fatalf("sendmsg to a closed peer: %v, want EPIPE", err)
	}

	c, d := socketpair(t)
	allocs := testing.AllocsPerRun(100, func() {
		Sendmsg(c.n, msg, nil, unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL)
		Recvmsg(d.n, buf, oob, unix.MSG_DONTWAIT)
		Recvmsg(d.n, buf, oob, unix.MSG_DONTWAIT) // EAGAIN
	})
	if allocs != 0 {
		t.Errorf("a send, a receive and an EAGAIN allocate %v times, want 0", allocs)
	}
}

// TestRead: a read of a non-blocking fd reports EAGAIN while it is empty,
// then the bytes written, then 0 at end of file, and allocates nothing.
func TestRead(t *testing.T) {
	rf, wf := pipe(t)
	r, w := rf.n, wf.n
	var b [8]byte
	if _, err := Read(r, b[:]); err != unix.EAGAIN {
		t.Fatalf("read of an empty pipe: %v, want EAGAIN", err)
	}
	if _, err := unix.Write(w, []byte("tick")); err != nil {
		t.Fatal(err)
	}
	if n, err := Read(r, b[:]); err != nil || string(b[:n]) != "tick" {
		t.Fatalf("read: %q, %v; want \"tick\"", b[:n], err)
	}
	// An empty buffer passes a nil pointer, which read(2) of 0 bytes
	// never touches.
	if n, err := Read(r, nil); err != nil || n != 0 {
		t.Fatalf("read into an empty buffer: %d, %v; want 0, nil", n, err)
	}
	if _, err := Read(-1, b[:]); err != unix.EBADF {
		t.Fatalf("read of fd -1: %v, want EBADF", err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		unix.Write(w, b[:1])
		Read(r, b[:])
		Read(r, b[:]) // EAGAIN
	})
	if allocs != 0 {
		t.Errorf("a read and an EAGAIN allocate %v times, want 0", allocs)
	}
	wf.close()
	if n, err := Read(r, b[:]); err != nil || n != 0 {
		t.Fatalf("read at end of file: %d, %v; want 0, nil", n, err)
	}
}

// TestFstat: Fstat fills in what unix.Fstat does, and reports EBADF for a
// closed fd.
func TestFstat(t *testing.T) {
	mfd, err := unix.MemfdCreate("rawsys-test", unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(mfd)
	if err := unix.Ftruncate(mfd, 12345); err != nil {
		t.Fatal(err)
	}
	var got, want unix.Stat_t
	if err := Fstat(mfd, &got); err != nil {
		t.Fatal(err)
	}
	if err := unix.Fstat(mfd, &want); err != nil {
		t.Fatal(err)
	}
	if got != want || got.Size != 12345 {
		t.Fatalf("Fstat: %+v\nunix.Fstat: %+v", got, want)
	}
	if err := Fstat(-1, &got); err != unix.EBADF {
		t.Fatalf("Fstat of fd -1: %v, want EBADF", err)
	}
	if allocs := testing.AllocsPerRun(100, func() { Fstat(mfd, &got) }); allocs != 0 {
		t.Errorf("Fstat allocates %v times, want 0", allocs)
	}
}

// rawCall is a raw system call in Go code (a comment naming one has no
// parenthesis after it).
var rawCall = regexp.MustCompile(`\bRawSyscall(6|NoError)?\(`)

// TestRawCallsLiveHere: no package of the module but this one (and
// bench/cmd/wakefloor, which measures event loops of other shapes) makes a
// raw system call, so that the rule of the package doc is kept in one
// place.
func TestRawCallsLiveHere(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root: %v", err)
	}
	allowed := map[string]bool{"internal/rawsys": true, "bench/cmd/wakefloor": true}
	seen := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && rel != "." || d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if !rawCall.Match(b) {
			return nil
		}
		if allowed[filepath.ToSlash(filepath.Dir(rel))] {
			seen++
			return nil
		}
		t.Errorf("%s makes a raw system call: make it in internal/rawsys, where the rule for them is", rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 2 {
		t.Errorf("found raw calls in %d allowed files, want this package's and wakefloor's: is the pattern still right?", seen)
	}
}
