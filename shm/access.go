package shm

import (
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mapping is one mmap of a pool's fd. Accesses pin it (refs, under
// Pool.mu) so that Resize and Close never unmap memory a goroutine is
// reading: a replaced mapping is only marked dropped and is unmapped by the
// last release, as wlroots does.
type mapping struct {
	ptr  unsafe.Pointer // not Go memory: the GC ignores it
	size int64
	ctr  *Counters // counts its unmapping
	refs int       // guarded by Pool.mu
	dead bool      // guarded by Pool.mu: no longer current; unmap at refs == 0
	// zeroed: a fault replaced the pages by anonymous zeros (MAP_FIXED).
	zeroed atomic.Bool
	// broken: that replacement failed; the memory may still fault and must
	// never be touched again.
	broken atomic.Bool
}

func (m *mapping) bytes() []byte { return unsafe.Slice((*byte)(m.ptr), m.size) }

func (m *mapping) contains(addr uintptr) bool {
	base := uintptr(m.ptr)
	return addr >= base && addr-base < uintptr(m.size)
}

// protect runs fn(m's bytes) with faults turned into panics on this
// goroutine and recovers a fault whose address lies inside m, returning
// that address and faulted (err is then nil); otherwise it returns fn's
// error. Any other panic, including a fault in another pool's mapping,
// propagates unchanged, so an enclosing protect for that pool can recover
// it; nesting therefore works for any number of pools.
//
// SetPanicOnFault is per goroutine: fn must not hand the memory to another
// goroutine or to cgo, where a fault is fatal.
func protect(m *mapping, fn func([]byte) error) (addr uintptr, faulted bool, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		_, ok := r.(runtime.Error)
		fa, ok2 := r.(interface{ Addr() uintptr })
		if !ok || !ok2 || !m.contains(fa.Addr()) {
			panic(r)
		}
		addr, faulted = fa.Addr(), true
	}()
	return 0, false, fn(m.bytes())
}

// Read runs fn with the pool's whole read mapping (len(b) == Size()). It is
// the only way to read client memory. A fault inside fn (the client shrank
// its file) is recovered: the mapping is replaced by anonymous zeros, the
// pool is marked faulted and Read returns a *FaultError (errors.Is ErrFault)
// after fn's access has ended; the glue then posts the error on the
// wl_buffer. Faults outside this pool and other panics propagate.
//
// b is valid only during fn; fn must not retain it, pass it to cgo or to
// another goroutine. Read may run concurrently with Resize and other
// accesses. Reads of nosigbus and sealed pools are guarded too: it costs
// nothing and keeps a kernel bug from becoming a crash.
func (p *Pool) Read(fn func(b []byte) error) error {
	m, err := p.acquire(false)
	if err != nil {
		return err
	}
	defer p.release(m)
	return p.guard(m, false, fn)
}

// Write runs fn with a writable MAP_SHARED mapping of the whole pool, for
// screen capture into client buffers. The mapping is created on first use.
// It is always guarded whatever the strategy, since MAP_NOSIGBUS only
// applies to private read-only mappings; on a fault the pages are replaced
// by anonymous read-write zeros (never read-only: a read-only placeholder
// turns the restarted store into a fatal SIGSEGV, Smithay's bug) and Write
// returns a *FaultError. A pool whose fd cannot be mapped writable returns
// an error wrapping ErrReadOnly.
func (p *Pool) Write(fn func(b []byte) error) error {
	m, err := p.acquire(true)
	if err != nil {
		return err
	}
	defer p.release(m)
	return p.guard(m, true, fn)
}

func (p *Pool) guard(m *mapping, write bool, fn func([]byte) error) error {
	addr, faulted, err := protect(m, fn)
	if !faulted {
		return err
	}
	return p.fault(m, addr, write)
}

// fault handles a recovered fault in m, which the caller still pins.
func (p *Pool) fault(m *mapping, addr uintptr, write bool) error {
	if m.zeroed.CompareAndSwap(false, true) {
		// MAP_FIXED replaces the file pages at the same address: accesses
		// racing with us see zeros instead of faulting, and the final
		// munmap of m covers the replacement too.
		_, err := unix.MmapPtr(-1, 0, m.ptr, uintptr(m.size),
			unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_FIXED|unix.MAP_ANONYMOUS)
		if err != nil {
			m.broken.Store(true)
		}
	}
	s := p.Strategy()
	p.faulted.Store(true)
	p.opts.Counters.faulted(s)
	return &FaultError{Addr: addr, Offset: int64(addr - uintptr(m.ptr)), Write: write, Strategy: s}
}
