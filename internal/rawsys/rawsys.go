// Package rawsys makes the system calls of nofault's frame path that
// return at once (a socket call with MSG_DONTWAIT, a read of a
// non-blocking fd, fstat of a local file) as raw system calls: RawSyscall
// does not tell the Go scheduler that a system call began and ended.
//
// A scheduler-visible system call (unix.Recvmsg, unix.Read, unix.Fstat)
// wakes the runtime's sysmon thread when it sleeps because every P is
// idle, and sysmon then polls every 20 µs for a millisecond while any
// goroutine runs: about seven extra context switches per frame for a
// compositor whose work comes in short bursts (docs/benchmarks.md,
// "Wake-ups per frame"). A call that returns at once takes microseconds,
// so the scheduler loses nothing by not knowing about it.
//
// The rule for callers: only a call that cannot block. A raw call that
// blocks holds its P, and nothing else runs on it, until it returns.
// Every raw system call of nofault's packages is made here, so that the
// rule and its reason live in one place (TestRawCallsLiveHere); only
// bench/cmd/wakefloor, which measures event loops of other shapes
// (blocking ones included), makes its own.
package rawsys

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// Recvmsg is unix.Recvmsg without the sender's address, for a
// non-blocking read: flags must hold MSG_DONTWAIT, or fd be non-blocking.
func Recvmsg(fd int, p, oob []byte, flags int) (n, oobn, recvflags int, err error) {
	r, oobn, recvflags, err := msgCall(unix.SYS_RECVMSG, fd, p, oob, flags, true)
	if err != nil {
		return 0, 0, 0, err
	}
	return int(r), oobn, recvflags, nil
}

// Sendmsg is unix.SendmsgN without an address, for a non-blocking write:
// flags must hold MSG_DONTWAIT, or fd be non-blocking. Ancillary data
// without data travels with one byte of data, which Sendmsg does not
// count (it returns 0), as unix.SendmsgN does.
func Sendmsg(fd int, p, oob []byte, flags int) (int, error) {
	r, _, _, err := msgCall(unix.SYS_SENDMSG, fd, p, oob, flags, len(oob) > 0)
	if err != nil {
		return 0, err
	}
	if len(p) == 0 && len(oob) > 0 {
		return 0, nil
	}
	return int(r), nil
}

// msgCall makes system call trap (recvmsg or sendmsg) with one iovec for
// p and the control buffer oob. An empty p passes one byte of its own
// instead when byteIfEmpty. It returns the call's result and the
// message's control length and flags as the kernel left them.
func msgCall(trap uintptr, fd int, p, oob []byte, flags int, byteIfEmpty bool) (r uintptr, oobn, msgFlags int, err error) {
	var msg unix.Msghdr
	var iov unix.Iovec
	var one byte
	if len(p) > 0 {
		iov.Base = &p[0]
		iov.SetLen(len(p))
	} else if byteIfEmpty {
		iov.Base = &one
		iov.SetLen(1)
	}
	msg.Iov = &iov
	msg.SetIovlen(1)
	if len(oob) > 0 {
		msg.Control = &oob[0]
		msg.SetControllen(len(oob))
	}
	r, _, e := unix.RawSyscall(trap, uintptr(fd), uintptr(unsafe.Pointer(&msg)), uintptr(flags))
	if e != 0 {
		return 0, 0, 0, e
	}
	return r, int(msg.Controllen), int(msg.Flags), nil
}

// Read is unix.Read for a non-blocking fd.
func Read(fd int, p []byte) (int, error) {
	var b unsafe.Pointer
	if len(p) > 0 {
		b = unsafe.Pointer(&p[0])
	}
	r, _, e := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(b), uintptr(len(p)))
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

// Fstat is unix.Fstat, for an fd on a local file system (which never waits
// on a server: shm's pools refuse FUSE, NFS and the like).
func Fstat(fd int, st *unix.Stat_t) error {
	_, _, e := unix.RawSyscall(unix.SYS_FSTAT, uintptr(fd), uintptr(unsafe.Pointer(st)), 0)
	if e != 0 {
		return e
	}
	return nil
}
