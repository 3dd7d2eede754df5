package shm

import (
	"errors"
	"fmt"
	"image"

	"github.com/nofault/nofault/internal/rawsys"
	"github.com/nofault/nofault/server"
	"golang.org/x/sys/unix"
)

// View is a zero-copy Image of a buffer in a pool that cannot fault
// (nosigbus, or sealed with the file covering the pool). Only Pool.View
// creates one; its fields are unexported, so holding a *View proves the
// memory may go to cgo (GL). It pins the mapping: call Release when the
// upload is done, after which Bytes must not be used.
type View struct {
	p      *Pool
	m      *mapping
	b      []byte
	width  int
	height int
	stride int
	format Format
}

// View returns a zero-copy Image of the buffer at offset with the given
// geometry, or false when the pool is guarded (use Stage), closed, or the
// geometry does not fit the pool. Bytes covers rows 0..height-1, the last
// one truncated to width*4 bytes.
func (p *Pool) View(offset int64, width, height, stride int, f Format) (*View, bool) {
	v := new(View)
	if !p.viewInto(v, offset, width, height, stride, f) {
		return nil, false
	}
	return v, true
}

// viewInto is View filling v (released, or never used) in place of a new
// View: Buffer.Image and Pixels.Image reuse one per buffer.
func (p *Pool) viewInto(v *View, offset int64, width, height, stride int, f Format) bool {
	n, ok := extent(offset, width, height, stride, f)
	if !ok {
		return false
	}
	p.mu.Lock()
	m := p.rd
	if p.closed || !p.strategy.FaultFree() || m.zeroed.Load() || offset+n > m.size {
		p.mu.Unlock()
		return false
	}
	m.refs++
	p.mu.Unlock()
	b := m.bytes()[offset : offset+n : offset+n]
	*v = View{p: p, m: m, b: b, width: width, height: height, stride: stride, format: f}
	return true
}

// extent returns the bytes spanned by a buffer: (height-1)*stride +
// width*bpp, checked for overflow and for stride >= width*bpp.
func extent(offset int64, width, height, stride int, f Format) (int64, bool) {
	bpp := int64(f.BytesPerPixel())
	w, h, s := int64(width), int64(height), int64(stride)
	if !f.Supported() || offset < 0 || w <= 0 || h <= 0 || s < w*bpp ||
		w > 1<<31 || h > 1<<31 || s > 1<<31 {
		return 0, false
	}
	return (h-1)*s + w*bpp, true
}

// Release unpins the mapping. Calling it twice is a no-op.
func (v *View) Release() {
	if v.m != nil {
		v.p.release(v.m)
		v.m, v.b = nil, nil
	}
}

// Bytes returns the buffer's pixels; nil after Release.
func (v *View) Bytes() []byte { return v.b }

// Stride is the distance in bytes between rows.
func (v *View) Stride() int { return v.stride }

// Width is the width in pixels.
func (v *View) Width() int { return v.width }

// Height is the height in pixels.
func (v *View) Height() int { return v.height }

// Format is the pixel format.
func (v *View) Format() Format { return v.format }

func (*View) faultFree() {}

var _ Image = (*View)(nil)

// Pixels is a wl_buffer's pixels held for reading while a renderer draws,
// instead of a copy made at commit: the way render/soft composites straight
// from client memory, as pixman compositors do. It holds a reference on the
// pool (the mapping stays valid after wl_shm_pool.destroy or a resize),
// counts against the client's limits (see Buffer.Pixels), and keeps the wl_buffer
// busy: wl_buffer.release goes out when the last Pixels of a buffer is
// released. Make one with Buffer.Pixels; use it on the display loop
// (Buffer.Pixels asserts it in race builds).
//
// Pixels never hands out memory that may fault except inside Read, which
// guards it: the bytes are not an Image and must not reach cgo.
type Pixels struct {
	b      *Buffer
	pool   *Pool
	offset int64
	width  int
	height int
	stride int
	format Format
	img    imager // Image's view and scratch
	done   bool
}

// Pixels holds the buffer's current pixels for reading at render time (see
// Pixels). Release it when the renderer no longer draws it.
//
// A held buffer counts as one pool and one fd of its client (max_pools,
// max_fds and their totals) until released, since its mapping and fd live
// on after the client destroys the wl_buffer and pool (the content stays
// valid, as wl_surface.attach requires). Its bytes count only while the
// client's pool exists: a client replacing its pool (foot, on resize)
// must not pay twice for the one it is replacing. Pixels returns nil when
// the client is over those limits (it has its no_memory error) or failed.
func (b *Buffer) Pixels() *Pixels {
	b.c.Display().AssertLocked()
	// A file that no longer covers the buffer would fault when drawn:
	// answer at commit, as libwayland's read at commit does, with one
	// fstat (a sealed file cannot shrink).
	if b.pool.Options().Shrink == ShrinkKill && b.pool.Strategy() != Sealed {
		if err := b.pool.covers(b.offset, b.width, b.height, b.stride, b.format); err != nil {
			b.postFault()
			return nil
		}
	}
	if !b.c.Charge(server.Pools, 1) {
		return nil
	}
	if !b.c.Charge(server.HeldFDs, 1) {
		b.c.Uncharge(server.Pools, 1)
		return nil
	}
	px := b.pool.Pixels(b.offset, b.width, b.height, b.stride, b.format)
	b.holds++
	px.b = b
	return px
}

// Pixels holds the pool for reading the pixels of a buffer at offset with
// the given geometry at render time, with no wl_buffer behind it (faults
// are then only returned). The geometry is checked by Read.
func (p *Pool) Pixels(offset int64, width, height, stride int, f Format) *Pixels {
	p.Ref()
	return &Pixels{pool: p, offset: offset, width: width, height: height, stride: stride, format: f}
}

// Width is the width in pixels.
func (px *Pixels) Width() int { return px.width }

// Height is the height in pixels.
func (px *Pixels) Height() int { return px.height }

// Stride is the distance in bytes between rows.
func (px *Pixels) Stride() int { return px.stride }

// Format is the pixel format.
func (px *Pixels) Format() Format { return px.format }

// Read runs fn with the buffer's bytes: rows 0..Height-1, row y at
// y*Stride, the last one truncated to Width*4 bytes. It is Pool.Read
// narrowed to the buffer, with the same rules: b is valid only during fn
// and must not be retained, passed to cgo or to another goroutine.
//
// A fault (the client shrank its file) ends as Buffer.Image's does: under
// --shm-shrink=kill the wl_buffer gets invalid_fd and Read returns the
// error; under zeros fn runs again over the zeroed pages.
func (px *Pixels) Read(fn func(b []byte) error) error {
	if px.done {
		return ErrClosed
	}
	n, ok := extent(px.offset, px.width, px.height, px.stride, px.format)
	if !ok {
		return fmt.Errorf("%w: %dx%d stride %d format 0x%x", ErrGeometry, px.width, px.height, px.stride, uint32(px.format))
	}
	kill := px.pool.Options().Shrink == ShrinkKill
	if kill && px.pool.Strategy() == NoSigbus {
		if err := px.pool.CheckSize(); err != nil {
			px.postFault()
			return err
		}
	}
	read := func(b []byte) error {
		if px.offset+n > int64(len(b)) {
			return fmt.Errorf("%w: buffer at %d needs %d bytes, pool has %d", ErrGeometry, px.offset, n, len(b))
		}
		return fn(b[px.offset : px.offset+n : px.offset+n])
	}
	err := px.pool.Read(read)
	if err != nil && errors.Is(err, ErrFault) {
		if kill {
			px.postFault()
			return err
		}
		err = px.pool.Read(read)
	}
	return err
}

// Image returns the held pixels as memory that cannot fault, as
// Buffer.Image does: a zero-copy view for nosigbus and sealed pools, valid
// until the next Image or Release, otherwise a copy of the damaged rows
// (buffer coordinates; nil means everything) into st. A copying renderer
// holding a buffer (render/gl) uploads from it when it renders. A fault
// ends as Read's does.
func (px *Pixels) Image(st *Staging, damage []image.Rectangle) (Image, error) {
	if px.done {
		return nil, ErrClosed
	}
	return px.img.image(px.pool, px.b, px.offset, px.width, px.height, px.stride, px.format, st, damage)
}

// Release ends the hold: the pool reference and charges go, and the
// wl_buffer gets wl_buffer.release once no other Pixels holds it. Calling
// it twice is a no-op.
func (px *Pixels) Release() {
	if px.done {
		return
	}
	px.done = true
	px.img.release()
	if b := px.b; b != nil {
		b.holds--
		if b.holds == 0 {
			b.Release()
		}
	}
	px.pool.Unref()
	if b := px.b; b != nil {
		b.c.Uncharge(server.Pools, 1)
		b.c.Uncharge(server.HeldFDs, 1)
	}
}

func (px *Pixels) postFault() { px.b.postFault() }

// covers checks with fstat that the file still holds every byte of the
// buffer at offset; otherwise it returns an error wrapping ErrShrunk (and
// counts the pool's shrink once, as CheckSize does).
func (p *Pool) covers(offset int64, width, height, stride int, f Format) error {
	n, ok := extent(offset, width, height, stride, f)
	if !ok {
		return fmt.Errorf("%w: %dx%d stride %d format 0x%x", ErrGeometry, width, height, stride, uint32(f))
	}
	var st unix.Stat_t
	if err := rawsys.Fstat(p.fd, &st); err != nil {
		return fmt.Errorf("shm: fstat fd %d: %w", p.fd, err)
	}
	// Only a regular file's (memfd, tmpfs, disk) size says what can be
	// read; a character device such as /dev/zero has st_size 0 and maps
	// fine, as libwayland accepts it. Reads stay guarded either way.
	if st.Mode&unix.S_IFMT != unix.S_IFREG || st.Size >= offset+n {
		return nil
	}
	if p.shrunk.CompareAndSwap(false, true) {
		p.opts.Counters.shrunk(p.Strategy())
	}
	return fmt.Errorf("%w: file is %d bytes, buffer ends at %d", ErrShrunk, st.Size, offset+n)
}
