package shm

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// fstat is unix.Fstat made with RawSyscall, without telling the Go
// scheduler a syscall began and ended: a scheduler-visible syscall wakes
// the runtime's sysmon thread from its idle sleep (server/rawsys.go), and
// a buffer of an unsealed pool is checked with fstat at every commit
// (about two futex wake-ups and a nanosleep per frame, strace -c). Pool
// fds live on local file systems only (checkFileSystem refuses FUSE, NFS
// and the like), so fstat never waits on a server.
func fstat(fd int, st *unix.Stat_t) error {
	_, _, e := unix.RawSyscall(unix.SYS_FSTAT, uintptr(fd), uintptr(unsafe.Pointer(st)), 0)
	if e != 0 {
		return e
	}
	return nil
}
