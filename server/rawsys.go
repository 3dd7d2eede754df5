package server

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// The display loop's socket calls never block (MSG_DONTWAIT): they are
// made with RawSyscall, without telling the Go scheduler a syscall began
// and ended. A scheduler-visible syscall (unix.Recvmsg, unix.SendmsgN)
// wakes the runtime's sysmon thread from its idle sleep, and sysmon then
// polls every 20 µs while any goroutine runs: about seven extra context
// switches per frame for a compositor whose work comes in short bursts
// (docs/benchmarks.md, "Wake-ups per frame"). A non-blocking recvmsg or
// sendmsg takes microseconds, so the scheduler loses nothing by not
// knowing about it.

// recvmsgNB is unix.Recvmsg without the sender's address, for a
// non-blocking read (flags must hold MSG_DONTWAIT).
func recvmsgNB(fd int, p, oob []byte, flags int) (n, oobn, recvflags int, err error) {
	var msg unix.Msghdr
	var iov unix.Iovec
	var dummy byte
	if len(p) > 0 {
		iov.Base = &p[0]
		iov.SetLen(len(p))
	} else {
		iov.Base = &dummy
		iov.SetLen(1)
	}
	msg.Iov = &iov
	msg.SetIovlen(1)
	if len(oob) > 0 {
		msg.Control = &oob[0]
		msg.SetControllen(len(oob))
	}
	r, _, e := unix.RawSyscall(unix.SYS_RECVMSG, uintptr(fd), uintptr(unsafe.Pointer(&msg)), uintptr(flags))
	if e != 0 {
		return 0, 0, 0, e
	}
	return int(r), int(msg.Controllen), int(msg.Flags), nil
}

// sendmsgNB is unix.SendmsgN without an address, for a non-blocking write
// (flags must hold MSG_DONTWAIT).
func sendmsgNB(fd int, p, oob []byte, flags int) (int, error) {
	var msg unix.Msghdr
	var iov unix.Iovec
	var dummy byte
	if len(p) > 0 {
		iov.Base = &p[0]
		iov.SetLen(len(p))
	} else if len(oob) > 0 {
		// Ancillary data needs at least one byte of data.
		iov.Base = &dummy
		iov.SetLen(1)
	}
	msg.Iov = &iov
	msg.SetIovlen(1)
	if len(oob) > 0 {
		msg.Control = &oob[0]
		msg.SetControllen(len(oob))
	}
	r, _, e := unix.RawSyscall(unix.SYS_SENDMSG, uintptr(fd), uintptr(unsafe.Pointer(&msg)), uintptr(flags))
	if e != 0 {
		return 0, e
	}
	if len(p) == 0 && len(oob) > 0 {
		return 0, nil
	}
	return int(r), nil
}
