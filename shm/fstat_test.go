package shm

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

// TestFstatRaw: the raw fstat reads what unix.Fstat reads, and fails the
// same way on a closed fd.
func TestFstatRaw(t *testing.T) {
	fd, err := unix.MemfdCreate("fstat", unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Ftruncate(fd, 12345); err != nil {
		t.Fatal(err)
	}
	var got, want unix.Stat_t
	if err := fstat(fd, &got); err != nil {
		t.Fatal(err)
	}
	if err := unix.Fstat(fd, &want); err != nil {
		t.Fatal(err)
	}
	if got != want || got.Size != 12345 {
		t.Errorf("fstat = size %d ino %d, unix.Fstat = size %d ino %d", got.Size, got.Ino, want.Size, want.Ino)
	}
	unix.Close(fd)
	if err := fstat(fd, &got); !errors.Is(err, unix.EBADF) {
		t.Errorf("fstat of a closed fd: %v, want EBADF", err)
	}
}
