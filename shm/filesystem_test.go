package shm

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// BenchmarkCheckFileSystem is the cost create_pool pays for the file
// system check: a memfd (F_GET_SEALS answers) and a regular file on the
// test's temp dir (statx and a read of /proc/self/mountinfo).
func BenchmarkCheckFileSystem(b *testing.B) {
	b.Run("memfd", func(b *testing.B) {
		fd := memfd(b, 4096, 0, false)
		defer unix.Close(fd)
		for i := 0; i < b.N; i++ {
			if err := checkFileSystem(fd); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("disk-file", func(b *testing.B) {
		f, err := os.CreateTemp(b.TempDir(), "pool")
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		for i := 0; i < b.N; i++ {
			if err := checkFileSystem(int(f.Fd())); err != nil {
				b.Skipf("temp dir refused: %v", err)
			}
		}
	})
}
