package shm

import (
	"fmt"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// MapNoSigbus is the mmap flag of the 2021 MAP_NOSIGBUS proposal (never
// merged). Stock kernels accept and ignore it, so only Probe tells whether
// it works.
const MapNoSigbus = 0x200000

// ProbeResult is the outcome of Probe.
type ProbeResult struct {
	Supported bool          // page 2 read as zeros without a fault
	Faulted   bool          // the read of page 2 faulted (stock kernel)
	Duration  time.Duration // time the probe took
	Err       error         // a syscall of the probe failed; Supported is false
}

// String summarises the result for the start-up log line.
func (r ProbeResult) String() string {
	switch {
	case r.Err != nil:
		return fmt.Sprintf("MAP_NOSIGBUS probe failed: %v (%v)", r.Err, r.Duration)
	case r.Supported:
		return fmt.Sprintf("MAP_NOSIGBUS supported: read past EOF returned zeros (%v)", r.Duration)
	case r.Faulted:
		return fmt.Sprintf("MAP_NOSIGBUS not supported: read past EOF faulted (%v)", r.Duration)
	}
	return fmt.Sprintf("MAP_NOSIGBUS not supported: read past EOF returned data (%v)", r.Duration)
}

// Probe tests whether the kernel honours MapNoSigbus: it fills a memfd of
// two pages, maps it PROT_READ with MAP_PRIVATE|MapNoSigbus, truncates it to
// one page and reads page 2 under the fault guard. Only zeros read without a
// fault mean support: mmap's return value proves nothing, since stock
// kernels ignore unknown MAP_PRIVATE flags. Every call probes afresh (for
// benchmarks); use ProbedNoSigbus for the cached result.
func Probe() (r ProbeResult) {
	start := time.Now()
	defer func() { r.Duration = time.Since(start) }()

	ps := unix.Getpagesize()
	fd, err := unix.MemfdCreate("nofault-probe", unix.MFD_CLOEXEC)
	if err != nil {
		r.Err = fmt.Errorf("memfd_create: %w", err)
		return r
	}
	defer unix.Close(fd)
	fill := make([]byte, 2*ps)
	for i := range fill {
		fill[i] = 0xAB
	}
	if n, err := unix.Pwrite(fd, fill, 0); err != nil || n != len(fill) {
		r.Err = fmt.Errorf("pwrite: %d bytes, %v", n, err)
		return r
	}
	ptr, err := unix.MmapPtr(fd, 0, nil, uintptr(2*ps), unix.PROT_READ, unix.MAP_PRIVATE|MapNoSigbus)
	if err != nil {
		r.Err = fmt.Errorf("mmap MAP_PRIVATE|MAP_NOSIGBUS: %w", err)
		return r
	}
	defer unix.MunmapPtr(ptr, uintptr(2*ps))
	if err := unix.Ftruncate(fd, int64(ps)); err != nil {
		r.Err = fmt.Errorf("ftruncate: %w", err)
		return r
	}
	m := &mapping{ptr: ptr, size: int64(2 * ps)}
	var first, past byte
	_, _, r.Faulted = protect(m, func(b []byte) error {
		first = b[16]
		past = b[ps+16]
		return nil
	})
	if !r.Faulted && first != 0xAB {
		r.Err = fmt.Errorf("page 1 read 0x%02x, want 0xab", first)
		return r
	}
	r.Supported = !r.Faulted && past == 0
	return r
}

// probed is replaced by tests that pretend the kernel honours the flag.
var probed = sync.OnceValue(Probe)

// ProbedNoSigbus returns the result of the first Probe in this process,
// running it on first use. The compositor logs it once at start-up.
func ProbedNoSigbus() ProbeResult { return probed() }
