package server

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// The Go runtime's network poller registers every socket for readable and
// writable, edge-triggered, and never changes that. A unix socket signals
// writable each time its peer reads: every time a client read its events,
// the thread parked in the poller woke, found no goroutine waiting to
// write, and slept again. That was a third of the context switches of a
// frame at 10 % damage and the tail of the same-CPU round trip
// (docs/benchmarks.md, "perf4" and "perf6").
//
// pollMask takes writable out of the runtime's registration of a client
// socket while no sender waits (EPOLL_CTL_MOD on the runtime's own epoll,
// keeping the runtime's event data), and puts it back for as long as a
// sender runs. The runtime never modifies a registration after adding it,
// so the two do not contend. Where the runtime's epoll or the socket's
// registration cannot be found (no /proc), the socket stays as the
// runtime registered it.

// pollMask is one client socket's registration in the runtime's epoll.
type pollMask struct {
	raw    syscall.RawConn
	epfd   int
	events uint32 // the runtime's mask, writable included
	data   uint64 // the runtime's event data, handed back unchanged
}

var runtimeEpoll struct {
	once sync.Once
	fd   int // -1 when not found
}

// newPollMask finds conn's registration in the runtime's epoll and takes
// writable out of it. It returns nil where that cannot be done.
func newPollMask(raw syscall.RawConn) *pollMask {
	var p *pollMask
	raw.Control(func(fd uintptr) {
		var st unix.Stat_t
		if unix.Fstat(int(fd), &st) != nil {
			return
		}
		runtimeEpoll.once.Do(func() { runtimeEpoll.fd = findEpollOf(int(fd), st.Ino) })
		epfd := runtimeEpoll.fd
		if epfd < 0 {
			return
		}
		events, data, ok := epollEntry(epfd, int(fd), st.Ino)
		if !ok || events&unix.EPOLLOUT == 0 {
			return
		}
		p = &pollMask{raw: raw, epfd: epfd, events: events, data: data}
		if p.modLocked(int(fd), false) != nil {
			p = nil
		}
	})
	return p
}

// writable puts writable into the registration (on) or takes it out. While
// it is in, a sender blocked on a full socket wakes when the client reads:
// adding it reports the socket at once if it has room already.
func (p *pollMask) writable(on bool) {
	if p == nil {
		return
	}
	// Control holds the fd open, so its number cannot name another file.
	p.raw.Control(func(fd uintptr) { p.modLocked(int(fd), on) })
}

func (p *pollMask) modLocked(fd int, out bool) error {
	ev := p.events
	if !out {
		ev &^= unix.EPOLLOUT
	}
	// Fd and Pad are the data's two halves, in memory order.
	var d [8]byte
	binary.NativeEndian.PutUint64(d[:], p.data)
	e := unix.EpollEvent{Events: ev, Fd: int32(binary.NativeEndian.Uint32(d[:4])), Pad: int32(binary.NativeEndian.Uint32(d[4:]))}
	return unix.EpollCtl(p.epfd, unix.EPOLL_CTL_MOD, fd, &e)
}

// findEpollOf returns the fd of the epoll in this process that has fd
// (inode ino) registered, or -1.
func findEpollOf(fd int, ino uint64) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	for _, ent := range ents {
		n, err := strconv.Atoi(ent.Name())
		if err != nil {
			continue
		}
		if target, err := os.Readlink("/proc/self/fd/" + ent.Name()); err != nil || target != "anon_inode:[eventpoll]" {
			continue
		}
		if _, _, ok := epollEntry(n, fd, ino); ok {
			return n
		}
	}
	return -1
}

// epollEntry reads the registration of fd, inode ino, in the epoll epfd
// from /proc/self/fdinfo: "tfd: FD events: HEX data: HEX pos:N ino:HEX ...".
func epollEntry(epfd, fd int, ino uint64) (events uint32, data uint64, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/self/fdinfo/%d", epfd))
	if err != nil {
		return 0, 0, false
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		if len(f) < 8 || string(f[0]) != "tfd:" || string(f[2]) != "events:" || string(f[4]) != "data:" {
			continue
		}
		if t, err := strconv.Atoi(string(f[1])); err != nil || t != fd || string(f[7]) != "ino:"+strconv.FormatUint(ino, 16) {
			continue
		}
		ev, err1 := strconv.ParseUint(string(f[3]), 16, 32)
		d, err2 := strconv.ParseUint(string(f[5]), 16, 64)
		if err1 != nil || err2 != nil {
			return 0, 0, false
		}
		return uint32(ev), d, true
	}
	return 0, 0, false
}
