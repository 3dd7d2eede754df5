package misbehave

import (
	"encoding/binary"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// newMemfd returns a memfd of size bytes (zeros, nothing mapped). With
// sealing the file accepts F_ADD_SEALS; without it, it behaves like the
// unlinked tmpfiles of wleird and Weston's tests: nothing stops a shrink.
func newMemfd(size int64, sealing bool) (int, error) {
	flags := unix.MFD_CLOEXEC
	if sealing {
		flags |= unix.MFD_ALLOW_SEALING
	}
	fd, err := unix.MemfdCreate("misbehave", flags)
	if err != nil {
		return -1, fmt.Errorf("memfd_create: %w", err)
	}
	if err := unix.Ftruncate(fd, size); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("ftruncate(%d): %w", size, err)
	}
	return fd, nil
}

// fill writes a 32-bit pixel value over the first size bytes of fd.
func fill(fd int, size int, pixel uint32) error {
	row := make([]byte, 0, 4096)
	for len(row) < cap(row) {
		row = binary.LittleEndian.AppendUint32(row, pixel)
	}
	for off := 0; off < size; off += len(row) {
		n := min(len(row), size-off)
		if _, err := unix.Pwrite(fd, row[:n], int64(off)); err != nil {
			return fmt.Errorf("pwrite: %w", err)
		}
	}
	return nil
}

// truncate changes fd's size, the client's half of every shrink scenario.
func truncate(fd int, size int64) error {
	if err := unix.Ftruncate(fd, size); err != nil {
		return fmt.Errorf("ftruncate(%d): %w", size, err)
	}
	return nil
}

// tempFile creates an unlinked regular file of size bytes in the runtime
// directory (or the temporary directory) and reopens it with flag. It is
// how fd-readonly gets an O_RDONLY descriptor of a real file.
func tempFile(size int64, flag int) (int, error) {
	dir := os.Getenv("XDG_RUNTIME_DIR")
	if dir == "" {
		dir = os.TempDir()
	}
	f, err := os.CreateTemp(dir, "misbehave-*")
	if err != nil {
		return -1, err
	}
	name := f.Name()
	defer os.Remove(name)
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		return -1, err
	}
	fd, err := unix.Open(name, flag|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("open %s: %w", name, err)
	}
	return fd, nil
}
