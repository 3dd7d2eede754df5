package shm

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/nofault/nofault/internal/rawsys"
	"golang.org/x/sys/unix"
)

// Options configure a Pool.
type Options struct {
	// Mode restricts the strategies the pool may use (--shm-read).
	Mode ReadMode
	// Shrink is the --shm-shrink policy. The pool only carries it for the
	// glue (see Pool.Options); it reports faults and shrinks either way.
	Shrink ShrinkPolicy
	// Counters is where the pool counts for --stats (nil: nowhere).
	// Register sets it to the Global's own when it is nil.
	Counters *Counters
}

// Pool is the OS side of a wl_shm_pool: the client's fd, its mappings, its
// size and its strategy. It holds no Wayland state. Buffers are described
// by offset and geometry, never by pointers, so they survive Resize.
//
// All methods are safe for concurrent use. The compositor calls them all on
// the display loop (renderers upload at commit, there), but Resize and
// Close never unmap memory that a Read, Write, Stage or View on another
// goroutine is using: accessors pin the mapping they use (access.go).
type Pool struct {
	fd   int     // set by NewPool, never changed
	opts Options // set by NewPool, never changed

	refs    atomic.Int32
	faulted atomic.Bool // a Read or Write faulted
	shrunk  atomic.Bool // a size check saw the file shorter than a buffer

	mu       sync.Mutex // guards following (and mapping.refs, mapping.dead)
	size     int64
	strategy Strategy
	rd       *mapping // current read mapping
	wr       *mapping // current write mapping, nil until the first Write
	wrErr    error    // why the write mapping cannot exist
	closed   bool
}

// NewPool maps fd, which it owns from now on (it closes it on error and in
// Close), as a pool of size bytes: wl_shm.create_pool after CheckCreatePool.
// The fd is kept for remapping on Resize, for CheckSize and for forwarding.
//
// Strategy: nosigbus if opts.Mode allows it and the probe passed; else
// sealed if the file has F_SEAL_SHRINK and is at least size bytes long (and
// Mode is not ReadGuarded); else guarded. The read mapping is PROT_READ
// (MAP_PRIVATE|MAP_NOSIGBUS for nosigbus, MAP_SHARED otherwise), so an
// O_RDONLY or write-sealed fd works, unlike in libwayland.
//
// A regular file on a file system that a process or the network serves
// (FUSE, NFS, ...) is refused with invalid_fd wrapping ErrFileSystem: its
// reads could block the compositor for as long as the server wants
// (checkFileSystem, docs/shm.md).
//
// Errors are *Error: size <= 0 is invalid_stride, an mmap failure is
// invalid_fd "failed mmap fd %d: %s" wrapping ErrMap. libwayland accepts
// whatever mmap accepts; so does NewPool (docs/shm.md, "fds").
func NewPool(fd int, size int64, opts Options) (*Pool, error) {
	if size <= 0 || size > maxInt {
		unix.Close(fd)
		return nil, protoErr(InvalidStride, nil, "invalid size (%d)", size)
	}
	if err := checkFileSystem(fd); err != nil {
		unix.Close(fd)
		return nil, protoErr(InvalidFD, err, "fd %d: %v: pools must be shared memory (memfd, tmpfs, hugetlbfs) or a file on a local disk", fd, err)
	}
	s, err := chooseStrategy(fd, size, opts.Mode)
	if err != nil {
		unix.Close(fd)
		return nil, protoErr(InvalidFD, err, "failed mmap fd %d: %v", fd, err)
	}
	m, s, err := mapRead(fd, size, s, opts.Counters)
	if err != nil {
		unix.Close(fd)
		return nil, protoErr(InvalidFD, fmt.Errorf("%w: %w", ErrMap, err), "failed mmap fd %d: %s", fd, errText(err))
	}
	p := &Pool{fd: fd, opts: opts, size: size, strategy: s, rd: m}
	p.refs.Store(1)
	opts.Counters.created(s)
	return p, nil
}

const maxInt = int64(^uint(0) >> 1)

// errText renders err as strerror does ("No such device"), so messages
// read like libwayland's "failed mmap fd %d: %s".
func errText(err error) string {
	var errno unix.Errno
	if errors.As(err, &errno) {
		t := errno.Error()
		if t != "" {
			t = strings.ToUpper(t[:1]) + t[1:]
		}
		return t
	}
	return err.Error()
}

func chooseStrategy(fd int, size int64, mode ReadMode) (Strategy, error) {
	switch mode {
	case ReadGuarded:
		return Guarded, nil
	case ReadNoSigbus:
		if r := ProbedNoSigbus(); !r.Supported {
			return Guarded, fmt.Errorf("%w (%v)", ErrNoSigbus, r)
		}
		return NoSigbus, nil
	}
	if ProbedNoSigbus().Supported {
		return NoSigbus, nil
	}
	if sealedCovers(fd, size) {
		return Sealed, nil
	}
	return Guarded, nil
}

// sealedCovers reports whether the file can never be smaller than size:
// F_SEAL_SHRINK is set (seals cannot be removed) and it is size bytes or
// more now. F_GET_SEALS fails with EINVAL on files without seal support.
func sealedCovers(fd int, size int64) bool {
	seals, err := unix.FcntlInt(uintptr(fd), unix.F_GET_SEALS, 0)
	if err != nil || seals&unix.F_SEAL_SHRINK == 0 {
		return false
	}
	var st unix.Stat_t
	return rawsys.Fstat(fd, &st) == nil && st.Size >= size
}

// mapRead maps fd for reading with strategy s. If the kernel refuses the
// MAP_NOSIGBUS flag for this file, it falls back to a guarded mapping.
func mapRead(fd int, size int64, s Strategy, ctr *Counters) (*mapping, Strategy, error) {
	if s == NoSigbus {
		if m, err := mmap(fd, size, unix.PROT_READ, unix.MAP_PRIVATE|MapNoSigbus, ctr); err == nil {
			return m, s, nil
		}
		s = Guarded
	}
	m, err := mmap(fd, size, unix.PROT_READ, unix.MAP_SHARED, ctr)
	return m, s, err
}

func mmap(fd int, size int64, prot, flags int, ctr *Counters) (*mapping, error) {
	ptr, err := unix.MmapPtr(fd, 0, nil, uintptr(size), prot, flags)
	if err != nil {
		return nil, err
	}
	ctr.mapped(size)
	return &mapping{ptr: ptr, size: size, ctr: ctr}, nil
}

func munmap(m *mapping) {
	if err := unix.MunmapPtr(m.ptr, uintptr(m.size)); err != nil {
		// Only EINVAL for a bad range, which would be a bug here.
		panic(fmt.Sprintf("shm: munmap %p+%d: %v", m.ptr, m.size, err))
	}
	m.ctr.mapped(-m.size)
}

// acquire pins the current read (or write) mapping for an access.
func (p *Pool) acquire(write bool) (*mapping, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, ErrClosed
	}
	m := p.rd
	if write {
		if p.wr == nil {
			if p.wrErr != nil {
				return nil, p.wrErr
			}
			w, err := mmap(p.fd, p.size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED, p.opts.Counters)
			if err != nil {
				if errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM) {
					p.wrErr = fmt.Errorf("%w: mmap fd %d writable: %w", ErrReadOnly, p.fd, err)
				} else {
					p.wrErr = fmt.Errorf("%w: mmap fd %d writable: %w", ErrMap, p.fd, err)
				}
				return nil, p.wrErr
			}
			p.wr = w
		}
		m = p.wr
	}
	if m.broken.Load() {
		return nil, &FaultError{Write: write, Strategy: p.strategy}
	}
	m.refs++
	return m, nil
}

// release unpins m and unmaps it if it was replaced or the pool closed.
func (p *Pool) release(m *mapping) {
	p.mu.Lock()
	m.refs--
	unmap := m.dead && m.refs == 0
	p.mu.Unlock()
	if unmap {
		munmap(m)
	}
}

// drop retires m (p.mu held); it is unmapped now or by its last release.
func drop(m *mapping) (unmapNow bool) {
	if m == nil {
		return false
	}
	m.dead = true
	return m.refs == 0
}

// Resize grows the pool to size bytes (wl_shm_pool.resize). A size smaller
// than the current one, zero or negative, is invalid_fd "shrinking pool
// invalid" (posted on the pool); an equal size is a no-op. The file is
// mapped anew at the new size, as wlroots does: accesses in flight keep the
// old mapping, which is unmapped when the last of them ends, and a later
// create_buffer in the grown area works at once (no libwayland deferral).
//
// Unlike libwayland, the seal check is redone: a sealed pool whose file no
// longer covers the new size is downgraded to guarded, since reads past the
// file would fault.
func (p *Pool) Resize(size int64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	if size < p.size {
		return protoErr(InvalidFD, nil, "shrinking pool invalid")
	}
	if size == p.size {
		return nil
	}
	if size > maxInt {
		return protoErr(InvalidFD, nil, "failed mremap")
	}
	s := p.strategy
	if s == Sealed && !sealedCovers(p.fd, size) {
		s = Guarded
	}
	m, s, err := mapRead(p.fd, size, s, p.opts.Counters)
	if err != nil {
		return protoErr(InvalidFD, fmt.Errorf("%w: %w", ErrMap, err), "failed mremap: %s", errText(err))
	}
	if s != p.strategy {
		p.opts.Counters.downgraded(p.strategy, s)
		p.strategy = s
	}
	var unmap [2]*mapping
	if drop(p.rd) {
		unmap[0] = p.rd
	}
	if drop(p.wr) {
		unmap[1] = p.wr
	}
	p.rd, p.wr, p.wrErr, p.size = m, nil, nil, size
	for _, m := range unmap {
		if m != nil {
			munmap(m)
		}
	}
	return nil
}

// Close unmaps the pool (at once, or when the last access in flight ends)
// and closes its fd. Calling it twice returns ErrClosed. Use Ref/Unref
// instead when buffers share the pool.
func (p *Pool) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	p.closed = true
	for _, m := range []*mapping{p.rd, p.wr} {
		if drop(m) {
			munmap(m)
		}
	}
	p.opts.Counters.closed(p.strategy)
	return unix.Close(p.fd)
}

// Ref adds a reference: wl_buffers keep the pool alive after
// wl_shm_pool.destroy. NewPool returns a pool holding one reference.
func (p *Pool) Ref() { p.refs.Add(1) }

// Unref drops a reference and closes the pool when none is left.
func (p *Pool) Unref() error {
	switch n := p.refs.Add(-1); {
	case n == 0:
		return p.Close()
	case n < 0:
		panic("shm: Pool.Unref without Ref")
	}
	return nil
}

// Size returns the pool size in bytes.
func (p *Pool) Size() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.size
}

// Strategy returns the pool's current strategy (it can only move from
// sealed to guarded, on Resize).
func (p *Pool) Strategy() Strategy {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.strategy
}

// Options returns the options the pool was created with.
func (p *Pool) Options() Options { return p.opts }

// Fd returns the pool's fd, e.g. to forward the pool to a parent
// compositor. The pool owns it: do not close it.
func (p *Pool) Fd() int { return p.fd }

// Faulted reports whether an access to the pool ever faulted.
func (p *Pool) Faulted() bool { return p.faulted.Load() }

// CheckSize compares the file size (fstat) with the pool size: the cheap
// check at attach and commit that detects a shrink on nosigbus pools, where
// reads past the end return zeros instead of faulting (and on any other
// pool). It returns an error wrapping ErrShrunk if the file is smaller; the
// glue applies the shrink policy, posting the same error as after a fault.
// Each pool counts at most one shrink in Stats.
func (p *Pool) CheckSize() error {
	size := p.Size()
	var st unix.Stat_t
	// A raw fstat: it runs at every commit of an unsealed pool's buffer,
	// and a pool's fd is on a local file system (checkFileSystem), so it
	// never waits.
	if err := rawsys.Fstat(p.fd, &st); err != nil {
		return fmt.Errorf("shm: fstat fd %d: %w", p.fd, err)
	}
	if st.Size >= size {
		return nil
	}
	if p.shrunk.CompareAndSwap(false, true) {
		p.opts.Counters.shrunk(p.Strategy())
	}
	return fmt.Errorf("%w: file is %d bytes, pool %d", ErrShrunk, st.Size, size)
}

// Shrunk reports whether the file is now smaller than the pool (see
// CheckSize; an fstat failure counts as shrunk).
func (p *Pool) Shrunk() bool { return p.CheckSize() != nil }
