package shm

import (
	"errors"
	"image"

	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/server"
)

// Buffer is a wl_buffer made by wl_shm_pool.create_buffer. It keeps the
// geometry, not pointers: pixels are reached only through the pool's
// accessors, so a remapped or faulted pool never leaves a dangling slice.
type Buffer struct {
	acct   *poolAcct // limits.go
	c      *server.Client
	obj    *protocol.Object
	pool   *Pool
	offset int64
	width  int
	height int
	stride int
	format Format

	img   imager
	holds int // Pixels not yet released (view.go)
}

// BufferFromObject returns the shm buffer behind a wl_buffer object, or nil.
func BufferFromObject(o *protocol.Object) *Buffer {
	if o == nil {
		return nil
	}
	b, _ := o.Handler.(*Buffer)
	return b
}

// Destroy handles wl_buffer.destroy.
func (b *Buffer) Destroy() error { return nil }

// OnDestroy drops the buffer's reference on its pool.
func (b *Buffer) OnDestroy() {
	b.img.release()
	b.pool.Unref()
	b.acct.bufferGone()
}

// Size returns the buffer size in pixels.
func (b *Buffer) Size() (w, h int) { return b.width, b.height }

// Opaque reports whether the format has no alpha channel.
func (b *Buffer) Opaque() bool { return !b.format.HasAlpha() }

// Format returns the buffer's pixel format.
func (b *Buffer) Format() Format { return b.format }

// Offset returns the buffer's offset in its pool, in bytes.
func (b *Buffer) Offset() int64 { return b.offset }

// Stride returns the buffer's stride in bytes.
func (b *Buffer) Stride() int { return b.stride }

// Pool returns the pool the buffer lives in.
func (b *Buffer) Pool() *Pool { return b.pool }

// Image returns the buffer's pixels as memory that cannot fault: a
// zero-copy view for nosigbus and sealed pools, otherwise a copy of the
// damaged rows (buffer coordinates; nil means everything) into st.
//
// A fault, or a shrink seen on a nosigbus pool under the kill policy, posts
// wl_shm.error.invalid_fd on the wl_buffer once the access has ended (as
// libwayland's wl_shm_buffer_end_access does) and returns an error: the
// caller just stops. Under the zeros policy the lost pages read as zeros.
func (b *Buffer) Image(st *Staging, damage []image.Rectangle) (Image, error) {
	b.c.Display().AssertLocked()
	return b.img.image(b.pool, b, b.offset, b.width, b.height, b.stride, b.format, st, damage)
}

// imager makes the fault-free Images of Buffer.Image and Pixels.Image,
// keeping the view it last handed out (released by the next image or
// release; one View reused, so an image allocates nothing).
type imager struct {
	view *View // &own while pinned, else nil
	own  View
}

// image returns the pixels at offset with the given geometry as a view of
// p or a copy into st (Buffer.Image); a fault is posted on b (nil: none).
func (im *imager) image(p *Pool, b *Buffer, offset int64, width, height, stride int, f Format, st *Staging, damage []image.Rectangle) (Image, error) {
	im.release()
	kill := p.Options().Shrink == ShrinkKill
	if s := p.Strategy(); s == NoSigbus && kill {
		if err := p.CheckSize(); err != nil {
			b.postFault()
			return nil, err
		}
	}
	if p.viewInto(&im.own, offset, width, height, stride, f) {
		im.view = &im.own
		return im.view, nil
	}
	var rows []Span
	if damage != nil {
		st.rects = st.rects[:0]
		for _, r := range damage {
			st.rects = append(st.rects, Rect{X: int32(r.Min.X), Y: int32(r.Min.Y), Width: int32(r.Dx()), Height: int32(r.Dy())})
		}
		st.spans = AppendRowSpans(st.spans[:0], st.rects, height)
		rows = st.spans
		if rows == nil {
			rows = []Span{} // damage outside the buffer: nothing to copy
		}
	}
	err := p.Stage(st, offset, width, height, stride, f, rows)
	if err != nil && errors.Is(err, ErrFault) {
		if kill {
			b.postFault()
			return nil, err
		}
		// The pool now reads zeros; copy them.
		err = p.Stage(st, offset, width, height, stride, f, nil)
	}
	if err != nil {
		return nil, err
	}
	return st, nil
}

// release unpins the mapping of the view last handed out.
func (im *imager) release() {
	if im.view != nil {
		im.view.Release()
		im.view = nil
	}
}

// postFault posts invalid_fd on the buffer, libwayland's answer to a client
// whose pool faulted ("error accessing SHM buffer"). A nil b (pixels held
// without a wl_buffer, Pool.Pixels) posts nothing.
func (b *Buffer) postFault() {
	if b == nil {
		return
	}
	if b.obj.Destroyed() {
		b.c.PostImplementationError("error accessing SHM buffer")
		return
	}
	b.c.PostErrorf(b.obj, InvalidFD, "error accessing SHM buffer")
}

// Release ends the compositor's use of the content and sends
// wl_buffer.release, so the client may reuse the buffer, unless a surface
// still holds it (Buffer.Pixels): the last hold's release sends it then.
func (b *Buffer) Release() {
	b.c.Display().AssertLocked()
	b.img.release()
	if b.holds > 0 {
		return // a surface still draws from it (Pixels); its release sends it
	}
	if !b.obj.Destroyed() && !b.c.Failed() {
		protocol.SendWlBufferRelease(b.c.Events(), b.obj.ID)
	}
}
