package capture

import (
	"image"
	"testing"
	"time"

	"github.com/nofault/nofault/render/soft"
	"github.com/nofault/nofault/shm"
	"golang.org/x/sys/unix"
)

const fhdW, fhdH = 1920, 1080

// newTestPool is a pool of size bytes on a memfd; it also returns a dup of
// the fd for the test's own truncations.
func newTestPool(tb testing.TB, size int64) (*shm.Pool, int) {
	tb.Helper()
	fd, err := unix.MemfdCreate("capture-bench", unix.MFD_CLOEXEC)
	if err != nil {
		tb.Fatal(err)
	}
	if err := unix.Ftruncate(fd, size); err != nil {
		tb.Fatal(err)
	}
	dup, err := unix.Dup(fd)
	if err != nil {
		tb.Fatal(err)
	}
	p, err := shm.NewPool(fd, size, shm.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { p.Close(); unix.Close(dup) })
	return p, dup
}

// TestCopyOutNoAlloc: once the readback buffer is sized, a capture
// allocates nothing.
func TestCopyOutNoAlloc(t *testing.T) {
	src := &fakeSource{w: 256, h: 128}
	m := newManager(src)
	p, _ := newTestPool(t, 256*128*4)
	rect := image.Rect(0, 0, 256, 128)
	if err := m.copyOut(p, 0, rect); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(50, func() {
		m.pixValid = false // a new frame: read back again
		if err := m.copyOut(p, 0, rect); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("copyOut allocates %v times per capture", allocs)
	}
}

// TestCopyOutGeometry: a buffer that does not fit the mapping is refused
// before any byte is written (CheckBuffer and grow-only pools make it
// impossible through the protocol; the guard is defence in depth).
func TestCopyOutGeometry(t *testing.T) {
	m := newManager(&fakeSource{w: 32, h: 32})
	p, _ := newTestPool(t, 4096)
	if err := m.copyOut(p, 1, image.Rect(0, 0, 32, 32)); err == nil {
		t.Fatal("copy past the pool accepted")
	}
	if err := m.copyOut(p, -4, image.Rect(0, 0, 4, 4)); err == nil {
		t.Fatal("negative offset accepted")
	}
}

// filled returns n bytes of the test pattern: source pages that were never
// written all map the kernel's zero page, which reads unrealistically fast.
func filled(n int) []byte {
	b := make([]byte, n)
	(&fakeSource{w: n / 4, h: 1}).ReadPixels(image.Rect(0, 0, n/4, 1), b, n)
	return b
}

// readbackSource is the soft renderer's ReadPixels of a rendered 1080p
// output, the real readback of the headless compositor.
func readbackSource(b *testing.B) Source {
	r := soft.New()
	if err := r.Render(nil, fhdW, fhdH); err != nil {
		b.Fatal(err)
	}
	return SourceFuncs{Read: r.ReadPixels, Size: func() (int, int) { return fhdW, fhdH }}
}

// The benchmarks below are the figures of BENCHMARKS.txt. Each writes one
// 1080p XRGB8888 frame (8,294,400 bytes) from Go memory into a client
// buffer in a memfd pool whose pages are already populated.

// BenchmarkWriteGuarded1080p is the write path's copy alone: pool.Write
// (pin the mapping, SetPanicOnFault, recover frame) around one copy().
func BenchmarkWriteGuarded1080p(b *testing.B) {
	m := newManager(&fakeSource{w: fhdW, h: fhdH})
	rect := image.Rect(0, 0, fhdW, fhdH)
	p, _ := newTestPool(b, fhdW*fhdH*4)
	m.copyOut(p, 0, rect) // read back once; map and populate the pages
	b.SetBytes(fhdW * fhdH * 4)
	b.ReportAllocs()
	for b.Loop() {
		if err := m.copyOut(p, 0, rect); err != nil { // pixValid: no readback
			b.Fatal(err)
		}
	}
}

// BenchmarkPlainCopy1080p is the baseline: the same bytes copied into a
// Go slice, no mapping, no guard.
func BenchmarkPlainCopy1080p(b *testing.B) {
	src := filled(fhdW * fhdH * 4)
	dst := make([]byte, len(src))
	copy(dst, src)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		copy(dst, src)
	}
}

// BenchmarkPlainCopyMapped1080p copies into the same kind of MAP_SHARED
// memfd mapping without the guard: the difference to WriteGuarded is the
// guard, the difference to PlainCopy the memory.
func BenchmarkPlainCopyMapped1080p(b *testing.B) {
	fd, err := unix.MemfdCreate("capture-bench", unix.MFD_CLOEXEC)
	if err != nil {
		b.Fatal(err)
	}
	defer unix.Close(fd)
	n := fhdW * fhdH * 4
	unix.Ftruncate(fd, int64(n))
	dst, err := unix.Mmap(fd, 0, n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		b.Fatal(err)
	}
	defer unix.Munmap(dst)
	src := filled(n)
	copy(dst, src)
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		copy(dst, src)
	}
}

// BenchmarkCapture1080p is a whole capture: the soft renderer's readback
// into the Go buffer, then the guarded write.
func BenchmarkCapture1080p(b *testing.B) {
	m := newManager(readbackSource(b))
	rect := image.Rect(0, 0, fhdW, fhdH)
	p, _ := newTestPool(b, fhdW*fhdH*4)
	m.copyOut(p, 0, rect)
	b.SetBytes(fhdW * fhdH * 4)
	b.ReportAllocs()
	for b.Loop() {
		m.pixValid = false
		if err := m.copyOut(p, 0, rect); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCapturePlain1080p is the same readback followed by a plain
// copy into a Go slice: the baseline of BenchmarkCapture1080p.
func BenchmarkCapturePlain1080p(b *testing.B) {
	src := readbackSource(b)
	rect := image.Rect(0, 0, fhdW, fhdH)
	pix := make([]byte, fhdW*fhdH*4)
	dst := make([]byte, len(pix))
	copy(dst, pix)
	b.SetBytes(int64(len(pix)))
	b.ReportAllocs()
	for b.Loop() {
		if err := src.ReadPixels(rect, pix, fhdW*4); err != nil {
			b.Fatal(err)
		}
		copy(dst, pix)
	}
}

// BenchmarkGuardedVsPlain1080p alternates the two copies of the goal in
// one loop, so that both see the same machine load (this machine has two
// cores shared with other work): guarded-ns is the guarded write into the
// client's mapping, plain-ns a plain copy of the same bytes into a Go
// slice, ratio their quotient (goal <= 1.2).
func BenchmarkGuardedVsPlain1080p(b *testing.B) {
	m := newManager(&fakeSource{w: fhdW, h: fhdH})
	rect := image.Rect(0, 0, fhdW, fhdH)
	p, _ := newTestPool(b, fhdW*fhdH*4)
	m.copyOut(p, 0, rect)
	dst := make([]byte, fhdW*fhdH*4)
	copy(dst, m.pix)
	var guarded, plain time.Duration
	b.SetBytes(2 * fhdW * fhdH * 4)
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		if err := m.copyOut(p, 0, rect); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		copy(dst, m.pix)
		t2 := time.Now()
		guarded += t1.Sub(t0)
		plain += t2.Sub(t1)
	}
	b.ReportMetric(float64(guarded.Nanoseconds())/float64(b.N), "guarded-ns")
	b.ReportMetric(float64(plain.Nanoseconds())/float64(b.N), "plain-ns")
	b.ReportMetric(float64(guarded)/float64(plain), "ratio")
}

// BenchmarkWriteGuardOverhead is the fixed cost of one guarded write
// access with an empty body: pin the mapping, SetPanicOnFault twice, the
// deferred recover, unpin.
func BenchmarkWriteGuardOverhead(b *testing.B) {
	p, _ := newTestPool(b, 4096)
	fn := func([]byte) error { return nil }
	p.Write(fn) // create the write mapping
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Write(fn); err != nil {
			b.Fatal(err)
		}
	}
}
