package shm

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

const testMemfdName = "nofault-shm-test"

// memfd returns a memfd of size bytes filled with fill (0 leaves a hole).
// With seal, it allows sealing and gets F_SEAL_SHRINK.
func memfd(tb testing.TB, size int64, fill byte, seal bool) int {
	tb.Helper()
	flags := unix.MFD_CLOEXEC
	if seal {
		flags |= unix.MFD_ALLOW_SEALING
	}
	fd, err := unix.MemfdCreate(testMemfdName, flags)
	if err != nil {
		tb.Fatal(err)
	}
	if err := unix.Ftruncate(fd, size); err != nil {
		tb.Fatal(err)
	}
	if fill != 0 {
		buf := make([]byte, size)
		for i := range buf {
			buf[i] = fill
		}
		if _, err := unix.Pwrite(fd, buf, 0); err != nil {
			tb.Fatal(err)
		}
	}
	if seal {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, unix.F_SEAL_SHRINK); err != nil {
			tb.Fatal(err)
		}
	}
	return fd
}

// testCounters count the pools this package's tests create.
var testCounters Counters

// readStats returns a snapshot of testCounters.
func readStats() Stats { return testCounters.Read() }

// newPool creates a pool on a fresh memfd and closes it at cleanup. It
// returns the pool and a dup of the fd that the test may truncate.
func newPool(tb testing.TB, size int64, fill byte, seal bool, opts Options) (*Pool, int) {
	tb.Helper()
	fd := memfd(tb, size, fill, seal)
	client, err := unix.Dup(fd)
	if err != nil {
		tb.Fatal(err)
	}
	if opts.Counters == nil {
		opts.Counters = &testCounters
	}
	p, err := NewPool(fd, size, opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := p.Close(); err != nil && !errors.Is(err, ErrClosed) {
			tb.Error(err)
		}
		unix.Close(client)
	})
	return p, client
}

// forceProbe makes ProbedNoSigbus return r until the test ends.
func forceProbe(tb testing.TB, r ProbeResult) {
	old := probed
	probed = func() ProbeResult { return r }
	tb.Cleanup(func() { probed = old })
}

func truncate(tb testing.TB, fd int, size int64) {
	tb.Helper()
	if err := unix.Ftruncate(fd, size); err != nil {
		tb.Fatal(err)
	}
}

func asFault(tb testing.TB, err error) *FaultError {
	tb.Helper()
	var fe *FaultError
	if !errors.As(err, &fe) || !errors.Is(err, ErrFault) {
		tb.Fatalf("err = %v, want a *FaultError", err)
	}
	return fe
}

// load reads b[off] for real: `_ = b[off]` is only a bounds check and never
// touches the memory.
//
//go:noinline
func load(b []byte, off int) byte { return b[off] }

// stockProbe is what Probe returns on a kernel without MAP_NOSIGBUS.
var stockProbe = ProbeResult{Faulted: true}

// kernelEnforcesNoSigbus reports whether the running kernel implements
// MapNoSigbus, decided without Probe's read past EOF (docs/kernel.md, flag
// table): a patched kernel refuses MAP_SHARED|MapNoSigbus on a memfd with
// EINVAL, while a stock kernel masks the bit off and maps. As a cross-check,
// MAP_PRIVATE|MapNoSigbus with PROT_WRITE must be refused (patched) or
// accepted (stock) the same way; any other outcome fails the test.
func kernelEnforcesNoSigbus(tb testing.TB) bool {
	tb.Helper()
	ps := unix.Getpagesize()
	fd := memfd(tb, int64(ps), 0xAB, false)
	defer unix.Close(fd)
	refused := func(prot, flags int) bool {
		ptr, err := unix.MmapPtr(fd, 0, nil, uintptr(ps), prot, flags)
		if err == nil {
			if err := unix.MunmapPtr(ptr, uintptr(ps)); err != nil {
				tb.Fatal(err)
			}
			return false
		}
		if !errors.Is(err, unix.EINVAL) {
			tb.Fatalf("mmap prot %#x flags %#x: %v, want success (stock) or EINVAL (patched)", prot, flags, err)
		}
		return true
	}
	shared := refused(unix.PROT_READ, unix.MAP_SHARED|MapNoSigbus)
	if write := refused(unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|MapNoSigbus); write != shared {
		tb.Fatalf("MAP_SHARED|MAP_NOSIGBUS refused=%v but PROT_WRITE with MAP_PRIVATE|MAP_NOSIGBUS refused=%v: neither a stock nor a patched kernel", shared, write)
	}
	return shared
}

// needNoSigbusKernel skips the test unless the running kernel enforces
// MapNoSigbus (kernelEnforcesNoSigbus): the patched kernel demo guest.
func needNoSigbusKernel(tb testing.TB) {
	tb.Helper()
	if !kernelEnforcesNoSigbus(tb) {
		tb.Skip("kernel does not implement MAP_NOSIGBUS (run it in the patched guest: kernel/demo.sh -gotest ./shm)")
	}
}
