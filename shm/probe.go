package shm

import (
	"fmt"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// MapNoSigbus is the mmap flag of MAP_NOSIGBUS, as in the project's v2
// series for Linux 6.12 (kernel/patches/linux; docs/kernel.md): a read
// fault that the file cannot back maps the zero page instead of raising
// SIGBUS. No released kernel has it; stock kernels accept and ignore the
// bit on MAP_PRIVATE, so only Probe tells whether it works.
const MapNoSigbus = 0x200000

// noSigbusMinRelease is the first kernel release MAP_NOSIGBUS v2 is made
// for. The superseded prototype (6.1 only) also refused MAP_SHARED and read
// zeros past EOF, but raised SIGBUS for in-file errors (a hole on a full
// tmpfs) and under a shrink/grow race: not safe for unguarded reads, and
// not distinguishable from v2 by behaviour without privileges.
var noSigbusMinRelease = [2]int{6, 12}

// ProbeResult is the outcome of Probe.
type ProbeResult struct {
	// Supported: the kernel has MAP_NOSIGBUS with the v2 semantics: it
	// refused MAP_SHARED|MapNoSigbus, page 2 read as zeros without a
	// fault, and the release is v2's (see noSigbusMinRelease).
	Supported bool
	Faulted   bool          // the read of page 2 faulted (stock kernel)
	Refused   bool          // mmap(MAP_SHARED|MapNoSigbus) failed with EINVAL: the kernel knows the flag
	Release   string        // uname release
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
	case r.Refused && !r.Faulted:
		return fmt.Sprintf("MAP_NOSIGBUS not trusted: Linux %s predates v2, whose semantics zero-copy needs (%v)", r.Release, r.Duration)
	case r.Faulted:
		return fmt.Sprintf("MAP_NOSIGBUS not supported: read past EOF faulted (%v)", r.Duration)
	}
	return fmt.Sprintf("MAP_NOSIGBUS not supported: read past EOF returned data (%v)", r.Duration)
}

// Probe tests whether the kernel honours MapNoSigbus with the v2
// semantics: every SIGBUS a read of the mapping could raise (beyond EOF,
// in-file errors, a file shrinking and growing meanwhile) is the zero page.
// It fills a memfd of two pages and checks, in order: that
// mmap(MAP_SHARED|MapNoSigbus) fails with EINVAL (v2's fault-free
// detection: stock kernels drop unknown MAP_SHARED flags and map it); that
// a PROT_READ MAP_PRIVATE|MapNoSigbus mapping, after truncating the file to
// one page, reads page 2 as zeros under the fault guard; and that the
// kernel release is at least noSigbusMinRelease. Every call probes afresh
// (for benchmarks); use ProbedNoSigbus for the cached result.
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
	if p, err := unix.MmapPtr(fd, 0, nil, uintptr(ps), unix.PROT_READ, unix.MAP_SHARED|MapNoSigbus); err == nil {
		unix.MunmapPtr(p, uintptr(ps))
	} else {
		r.Refused = err == unix.EINVAL
	}
	var u unix.Utsname
	if err := unix.Uname(&u); err == nil {
		r.Release = unix.ByteSliceToString(u.Release[:])
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
	_, r.Faulted, _ = protect(m, func(b []byte) error {
		first = b[16]
		past = b[ps+16]
		return nil
	})
	if !r.Faulted && first != 0xAB {
		r.Err = fmt.Errorf("page 1 read 0x%02x, want 0xab", first)
		return r
	}
	r.Supported = !r.Faulted && past == 0 && r.Refused && releaseAtLeast(r.Release, noSigbusMinRelease)
	return r
}

// releaseAtLeast reports whether a uname release ("6.12.118-amd64") is at
// least min (major, minor).
func releaseAtLeast(release string, min [2]int) bool {
	var major, minor int
	if n, _ := fmt.Sscanf(release, "%d.%d", &major, &minor); n != 2 {
		return false
	}
	return major > min[0] || major == min[0] && minor >= min[1]
}

// probed is replaced by tests that pretend the kernel honours the flag.
var probed = sync.OnceValue(Probe)

// ProbedNoSigbus returns the result of the first Probe in this process,
// running it on first use. The compositor logs it once at start-up.
func ProbedNoSigbus() ProbeResult { return probed() }
