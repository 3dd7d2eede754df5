package soft

import (
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// hugePage is the size of a transparent huge page on x86-64 and arm64
// (4 KiB base pages).
const hugePage = 2 << 20

// outMem is output memory outside the Go heap: an anonymous mapping the
// kernel is asked to back with transparent huge pages (MADV_HUGEPAGE). A
// full 1920x1080 pass then walks 4 TLB entries instead of about 2,000;
// at 1080p that is about a tenth of a frame (docs/benchmarks.md, perf4).
// The Go heap gives no huge pages unless the system enables them for all
// memory, which Debian does not (transparent_hugepage=madvise).
type outMem struct {
	b       []byte
	cleanup runtime.Cleanup // unmaps b if the renderer is dropped unclosed
}

// mapOutFrom is the smallest output, in bytes, that allocOut maps: a
// huge page. FuzzRender lowers it to 0 so that the fuzzer reaches the
// mapping's whole life (resizes, Close, dropped renderers) with small
// outputs; those are mapped with base pages.
var mapOutFrom = hugePage

// allocOut returns n pixels of output memory and what frees it (nil for
// Go memory, which the collector frees): a huge-page mapping from 2 MiB
// up, Go memory below that or when the mapping fails.
func allocOut(n int) ([]uint32, *outMem) {
	size := n * 4
	if size < mapOutFrom {
		return make([]uint32, n), nil
	}
	huge := size >= hugePage
	pad := 0
	if huge {
		// Huge pages need 2 MiB-aligned addresses, which kernels before
		// 6.7 do not choose for anonymous mappings (Debian 12 runs 6.1):
		// map a huge page more and start at the first aligned address in
		// it.
		size = (size + hugePage - 1) &^ (hugePage - 1)
		pad = hugePage
	}
	b, err := unix.Mmap(-1, 0, max(size+pad, 1), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return make([]uint32, n), nil
	}
	off := 0
	if huge {
		addr := uintptr(unsafe.Pointer(&b[0]))
		off = int((addr+hugePage-1)&^(hugePage-1) - addr)
		_ = unix.Madvise(b[off:off+size], unix.MADV_HUGEPAGE) // advice: without it the mapping works as well
	}
	m := &outMem{b: b}
	m.cleanup = runtime.AddCleanup(m, func(b []byte) { unix.Munmap(b) }, b)
	return unsafe.Slice((*uint32)(unsafe.Pointer(&b[off])), n), m
}

// free unmaps m's memory; no slice of it may be used afterwards. A nil m
// is Go memory: nothing to do.
func (m *outMem) free() {
	if m == nil || m.b == nil {
		return
	}
	m.cleanup.Stop()
	unix.Munmap(m.b)
	m.b = nil
}
