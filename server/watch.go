package server

import (
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// A client's socket is not in the Go runtime's network poller: the runtime
// registers every fd it polls for EPOLLIN|EPOLLOUT, edge-triggered, and a
// Unix socket signals EPOLLOUT each time its peer reads: the kernel frees
// the bytes the compositor sent and wakes the socket's waiters with
// "writable". A wl_display.sync round trip therefore woke the thread that
// waits in epoll_wait once for the request and once more when the client
// read the reply, for nothing (docs/benchmarks.md, "Round trip from a
// libwayland client": 1.21 context switches per round trip against
// weston's 1.00, which polls for EPOLLIN only, as libwayland does until a
// write would block). Instead the socket is watched by an epoll instance
// of its own for the events wanted, and that epoll fd, readable when one
// of them is pending, waits in the runtime's poller: the reader for
// EPOLLIN always, a sender for EPOLLOUT only while it has bytes the socket
// refused.

// watch is an epoll instance watching one fd, itself registered with the
// Go runtime's network poller.
type watch struct {
	f   *os.File // the epoll fd
	raw syscall.RawConn
	fd  int    // the fd watched
	ev  uint32 // the events watched for
	on  bool   // fd is in the epoll set (arm, disarm; one goroutine)
}

// newWatch makes an epoll instance for fd; arm adds fd to it for ev.
func newWatch(fd int, ev uint32) (*watch, error) {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll_create1: %w", err)
	}
	// os.NewFile puts a non-blocking fd in the runtime's poller.
	if err := unix.SetNonblock(ep, true); err != nil {
		unix.Close(ep)
		return nil, fmt.Errorf("epoll fd: %w", err)
	}
	w := &watch{f: os.NewFile(uintptr(ep), "epoll"), fd: fd, ev: ev}
	if w.raw, err = w.f.SyscallConn(); err != nil {
		w.f.Close()
		return nil, err
	}
	return w, nil
}

// arm adds the watched fd to the epoll set, level-triggered: if an event
// is pending already, the epoll fd is readable at once.
func (w *watch) arm() error {
	if w.on {
		return nil
	}
	var err error
	if cerr := w.raw.Control(func(ep uintptr) {
		err = unix.EpollCtl(int(ep), unix.EPOLL_CTL_ADD, w.fd, &unix.EpollEvent{Events: w.ev, Fd: int32(w.fd)})
	}); cerr != nil {
		return cerr
	}
	if err != nil {
		return fmt.Errorf("epoll_ctl add: %w", err)
	}
	w.on = true
	return nil
}

// disarm takes the watched fd out of the epoll set: its events no longer
// wake anyone.
func (w *watch) disarm() {
	if !w.on {
		return
	}
	w.on = false
	w.raw.Control(func(ep uintptr) {
		unix.EpollCtl(int(ep), unix.EPOLL_CTL_DEL, w.fd, nil)
	})
}

// close closes the epoll fd: a goroutine waiting in the poller on it
// returns with an error, and close returns once no callback of a RawConn
// Read runs (os.File's close waits for the fd's users). It may be called
// more than once.
func (w *watch) close() { w.f.Close() }
