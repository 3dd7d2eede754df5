package keymap

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func newTestKeymap(t *testing.T) *Keymap {
	t.Helper()
	k, err := New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Close() })
	return k
}

func openTest(t *testing.T, k *Keymap) int {
	t.Helper()
	fd, size, err := k.Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if size != k.Size() || size != uint32(len(Text())+1) {
		t.Fatalf("Open size = %d, Size() = %d, want %d", size, k.Size(), len(Text())+1)
	}
	return fd
}

func TestTextIsCompiledKeymap(t *testing.T) {
	s := Text()
	if !strings.HasPrefix(s, "xkb_keymap {") || strings.IndexByte(s, 0) >= 0 {
		t.Fatalf("embedded keymap does not look like xkbcli output (%d bytes)", len(s))
	}
	// The size weston sends for the same keymap (clients.md).
	if len(s) != 64434 {
		t.Errorf("len(Text()) = %d, want 64434", len(s))
	}
}

func TestSealed(t *testing.T) {
	k := newTestKeymap(t)
	for name, fd := range map[string]int{"memfd": k.fd, "opened": openTest(t, k)} {
		seals, err := unix.FcntlInt(uintptr(fd), unix.F_GET_SEALS, 0)
		if err != nil {
			t.Fatalf("%s: F_GET_SEALS: %v", name, err)
		}
		if seals != Seals {
			t.Errorf("%s: seals = %#x, want %#x", name, seals, Seals)
		}
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if err != nil || flags&unix.FD_CLOEXEC == 0 {
			t.Errorf("%s: F_GETFD = %#x, %v; want FD_CLOEXEC", name, flags, err)
		}
	}
	if err := unix.Ftruncate(k.fd, 1); !errors.Is(err, unix.EPERM) {
		t.Errorf("ftruncate of the sealed memfd: %v, want EPERM", err)
	}
	if _, err := unix.Pwrite(k.fd, []byte("x"), 0); !errors.Is(err, unix.EPERM) {
		t.Errorf("pwrite to the sealed memfd: %v, want EPERM", err)
	}
}

func TestOpenReadOnly(t *testing.T) {
	k := newTestKeymap(t)
	fd := openTest(t, k)
	fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		t.Fatal(err)
	}
	if fl&unix.O_ACCMODE != unix.O_RDONLY {
		t.Errorf("access mode = %#x, want O_RDONLY", fl&unix.O_ACCMODE)
	}
	if _, err := unix.Write(fd, []byte("x")); !errors.Is(err, unix.EBADF) {
		t.Errorf("write: %v, want EBADF", err)
	}
	if _, err := unix.Mmap(fd, 0, int(k.Size()), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED); err == nil {
		t.Error("writable shared mapping of the client fd succeeded")
	}
	// What clients do from wl_keyboard v7 on: MAP_PRIVATE, read-only.
	m, err := unix.Mmap(fd, 0, int(k.Size()), unix.PROT_READ, unix.MAP_PRIVATE)
	if err != nil {
		t.Fatalf("MAP_PRIVATE mapping: %v", err)
	}
	defer unix.Munmap(m)
	if string(m) != Text()+"\x00" {
		t.Error("mapped content differs from Text()+NUL")
	}
}

func TestContentNULTerminated(t *testing.T) {
	k := newTestKeymap(t)
	fd := openTest(t, k)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		t.Fatal(err)
	}
	if st.Size != int64(k.Size()) {
		t.Errorf("file size = %d, want %d", st.Size, k.Size())
	}
	got, err := readAll(fd)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 || got[len(got)-1] != 0 || bytes.IndexByte(got, 0) != len(got)-1 {
		t.Fatal("content is not text followed by exactly one NUL")
	}
	if string(got[:len(got)-1]) != Text() {
		t.Error("content differs from Text()")
	}
}

func TestOpenIndependentOffsets(t *testing.T) {
	k := newTestKeymap(t)
	a, b := openTest(t, k), openTest(t, k)
	buf := make([]byte, 12)
	if _, err := unix.Read(a, buf); err != nil {
		t.Fatal(err)
	}
	if _, err := unix.Read(a, buf); err != nil {
		t.Fatal(err)
	}
	n, err := unix.Read(b, buf)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(buf[:n]); got != Text()[:12] {
		t.Errorf("second fd read %q after the first read 24 bytes; want %q (offsets shared)", got, Text()[:12])
	}
	if off, _ := unix.Seek(a, 0, 1); off != 24 {
		t.Errorf("first fd offset = %d, want 24", off)
	}
}

func TestCloseLeakFree(t *testing.T) {
	before := countFDs(t)
	for range 20 {
		k, err := New()
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			fd, _, err := k.Open()
			if err != nil {
				t.Fatal(err)
			}
			unix.Close(fd)
		}
		if err := k.Close(); err != nil {
			t.Fatal(err)
		}
		if err := k.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		if _, _, err := k.Open(); !errors.Is(err, ErrClosed) {
			t.Errorf("Open after Close: %v, want ErrClosed", err)
		}
	}
	if after := countFDs(t); after != before {
		t.Errorf("open fds: %d before, %d after", before, after)
	}
}

func TestOpenOutlivesClose(t *testing.T) {
	k, err := New()
	if err != nil {
		t.Fatal(err)
	}
	fd, _, err := k.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	k.Close()
	got, err := readAll(fd)
	if err != nil || string(got) != Text()+"\x00" {
		t.Errorf("reading a client fd after Close: %d bytes, %v", len(got), err)
	}
}

// TestGenerated checks that us.xkb is what the go:generate command makes,
// when the same xkbcli is installed.
func TestGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	ver, err := exec.Command("xkbcli", "--version").Output()
	if err != nil {
		t.Skip("xkbcli not installed (Debian: libxkbcommon-tools)")
	}
	if v := strings.TrimSpace(string(ver)); v != "1.5.0" {
		t.Skipf("xkbcli %s; us.xkb was made with 1.5.0", v)
	}
	out, err := exec.Command("xkbcli", "compile-keymap", "--layout", "us", "--rules", "evdev", "--model", "pc105").Output()
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != Text() {
		t.Error("us.xkb differs from xkbcli compile-keymap output; run go generate (xkb-data changed?)")
	}
}

func readAll(fd int) ([]byte, error) {
	var out []byte
	buf := make([]byte, 16<<10)
	for {
		n, err := unix.Read(fd, buf)
		if err != nil {
			return out, err
		}
		if n == 0 {
			return out, nil
		}
		out = append(out, buf[:n]...)
	}
}

func countFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip(err)
	}
	return len(ents)
}

func TestOpenConcurrent(t *testing.T) {
	k, err := New()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	for range 4 {
		go func() {
			for range 50 {
				fd, _, err := k.Open()
				if errors.Is(err, ErrClosed) {
					break
				}
				if err != nil {
					done <- err
					return
				}
				unix.Close(fd)
			}
			done <- nil
		}()
	}
	k.Close()
	for range 4 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
