package shm

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
	n, ok := extent(offset, width, height, stride, f)
	if !ok {
		return nil, false
	}
	p.mu.Lock()
	m := p.rd
	if p.closed || !p.strategy.FaultFree() || m.zeroed.Load() || offset+n > m.size {
		p.mu.Unlock()
		return nil, false
	}
	m.refs++
	p.mu.Unlock()
	b := m.bytes()[offset : offset+n : offset+n]
	return &View{p: p, m: m, b: b, width: width, height: height, stride: stride, format: f}, true
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
