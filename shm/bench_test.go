package shm

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

const (
	fhdW, fhdH  = 1920, 1080
	fhdStride   = fhdW * 4
	fhdSize     = fhdStride * fhdH
	benchPoolSz = 1 << 20
)

// BenchmarkCopy1080p is the baseline: a plain Go copy of a 1080p XRGB
// buffer from the same kind of mapping, without guard or staging.
func BenchmarkCopy1080p(b *testing.B) {
	p, _ := newPool(b, fhdSize, 1, false, Options{})
	dst := make([]byte, fhdSize)
	src := p.rd.bytes()
	b.SetBytes(fhdSize)
	b.ReportAllocs()
	for b.Loop() {
		copy(dst, src)
	}
}

// BenchmarkStage1080p is the guarded staged copy of a whole 1080p buffer.
func BenchmarkStage1080p(b *testing.B) {
	p, _ := newPool(b, fhdSize, 1, false, Options{})
	var s Staging
	s.Reset(fhdW, fhdH, fhdStride, FormatXRGB8888)
	b.SetBytes(fhdSize)
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Stage(&s, 0, fhdW, fhdH, fhdStride, FormatXRGB8888, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStage1080pDamage10 copies 10% of the rows (three damage rects).
func BenchmarkStage1080pDamage10(b *testing.B) {
	p, _ := newPool(b, fhdSize, 1, false, Options{})
	var s Staging
	p.Stage(&s, 0, fhdW, fhdH, fhdStride, FormatXRGB8888, nil)
	damage := []Rect{{0, 100, 200, 36}, {500, 500, 300, 36}, {0, 1000, 1920, 36}}
	var spans []Span
	b.SetBytes(108 * fhdStride)
	b.ReportAllocs()
	for b.Loop() {
		spans = AppendRowSpans(spans[:0], damage, fhdH)
		if err := p.Stage(&s, 0, fhdW, fhdH, fhdStride, FormatXRGB8888, spans); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkProbe(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if r := Probe(); r.Err != nil {
			b.Fatal(r.Err)
		}
	}
}

// BenchmarkFaultRecovery measures one recovered fault: grow the file back,
// map it anew (what Resize does), truncate it, read past the end under the
// guard, replace the mapping with zeros, return the FaultError. The two
// ftruncates and the mmap/munmap are included, so this is an upper bound.
func BenchmarkFaultRecovery(b *testing.B) {
	p, client := newPool(b, 64<<10, 0, false, Options{})
	b.ReportAllocs()
	for b.Loop() {
		truncate(b, client, 64<<10)
		p.remapForTest()
		truncate(b, client, 0)
		if err := p.Read(func(b []byte) error { load(b, 8192); return nil }); err == nil {
			b.Fatal("no fault")
		}
	}
}

// remapForTest maps the file anew at the same size, like Resize.
func (p *Pool) remapForTest() {
	p.mu.Lock()
	defer p.mu.Unlock()
	m, _, err := mapRead(p.fd, p.size, p.strategy, p.opts.Counters)
	if err != nil {
		panic(err)
	}
	if drop(p.rd) {
		munmap(p.rd)
	}
	p.rd = m
}

// BenchmarkPoolCreateDestroy is NewPool+Close of a 1 MiB memfd (GTK3
// creates a pool per frame); the fd is a dup, so dup(2) is included.
func BenchmarkPoolCreateDestroy(b *testing.B) {
	fd := memfd(b, benchPoolSz, 0, false)
	defer unix.Close(fd)
	b.ReportAllocs()
	for b.Loop() {
		d, err := unix.Dup(fd)
		if err != nil {
			b.Fatal(err)
		}
		p, err := NewPool(d, benchPoolSz, Options{Counters: &testCounters})
		if err != nil {
			b.Fatal(err)
		}
		p.Close()
	}
}

// BenchmarkPoolCreateReadDestroy adds a first read of one byte per page of
// the 1 MiB pool (page-table population), closer to a real first frame.
func BenchmarkPoolCreateReadDestroy(b *testing.B) {
	fd := memfd(b, benchPoolSz, 1, false)
	defer unix.Close(fd)
	b.ReportAllocs()
	for b.Loop() {
		d, _ := unix.Dup(fd)
		p, err := NewPool(d, benchPoolSz, Options{Counters: &testCounters})
		if err != nil {
			b.Fatal(err)
		}
		p.Read(func(b []byte) error {
			for i := 0; i < len(b); i += 4096 {
				load(b, i)
			}
			return nil
		})
		p.Close()
	}
}

// BenchmarkReadGuardOverhead is the fixed cost of one guarded access (pin,
// SetPanicOnFault twice, deferred recover, unpin) with an empty body: the
// whole difference between a staged copy and a plain copy.
func BenchmarkReadGuardOverhead(b *testing.B) {
	p, _ := newPool(b, 4096, 1, false, Options{})
	fn := func([]byte) error { return nil }
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Read(fn); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStagedVsPlain1080p alternates the guarded staged copy and a
// plain Go copy of the same bytes in one loop, so both see the same machine
// load; its ratio metric is the figure to quote (goal <= 1.1).
func BenchmarkStagedVsPlain1080p(b *testing.B) {
	p, _ := newPool(b, fhdSize, 1, false, Options{})
	var s Staging
	p.Stage(&s, 0, fhdW, fhdH, fhdStride, FormatXRGB8888, nil)
	dst := make([]byte, fhdSize)
	src := p.rd.bytes()
	copy(dst, src)
	var staged, plain time.Duration
	b.SetBytes(2 * fhdSize)
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		if err := p.Stage(&s, 0, fhdW, fhdH, fhdStride, FormatXRGB8888, nil); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		copy(dst, src)
		t2 := time.Now()
		staged += t1.Sub(t0)
		plain += t2.Sub(t1)
	}
	b.ReportMetric(float64(staged.Nanoseconds())/float64(b.N), "staged-ns")
	b.ReportMetric(float64(plain.Nanoseconds())/float64(b.N), "plain-ns")
	b.ReportMetric(float64(staged)/float64(plain), "ratio")
}
