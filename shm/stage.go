package shm

import (
	"fmt"
	"slices"
)

// Span is the row range [Y0, Y1) of a buffer.
type Span struct{ Y0, Y1 int }

// Rect is a damage rectangle in buffer coordinates (wl_surface.damage_buffer).
type Rect struct{ X, Y, Width, Height int32 }

// AppendRowSpans appends to dst the rows of a buffer of the given height
// touched by damage, as sorted, disjoint, non-adjacent spans clipped to
// [0, height), and returns the extended slice. Empty and negative rects are
// ignored; INT32_MAX-sized rects are fine. Reusing dst avoids allocation.
func AppendRowSpans(dst []Span, damage []Rect, height int) []Span {
	start := len(dst)
	for _, r := range damage {
		if r.Width <= 0 || r.Height <= 0 {
			continue
		}
		y0 := max(int64(r.Y), 0)
		y1 := min(int64(r.Y)+int64(r.Height), int64(height))
		if y0 < y1 {
			dst = append(dst, Span{int(y0), int(y1)})
		}
	}
	spans := dst[start:]
	slices.SortFunc(spans, func(a, b Span) int { return a.Y0 - b.Y0 })
	out := spans[:0]
	for _, s := range spans {
		if n := len(out); n > 0 && s.Y0 <= out[n-1].Y1 {
			out[n-1].Y1 = max(out[n-1].Y1, s.Y1)
			continue
		}
		out = append(out, s)
	}
	return dst[:start+len(out)]
}

// Stage copies a buffer of a pool into dst, a reusable Go-owned Image, under
// the Read guard: the way guarded pools reach the renderer. Only the rows in
// rows are copied, unless the geometry changed, dst was invalidated or rows
// is nil, in which case every row is. rows should come from AppendRowSpans;
// out-of-range rows are clipped. Once dst is sized, Stage does not allocate.
//
// A fault returns a *FaultError (see Read) and leaves dst invalid, so the
// next Stage copies everything. The buffer must fit the pool, as
// CheckBuffer ensured at create_buffer; otherwise Stage returns an error
// wrapping ErrGeometry.
func (p *Pool) Stage(dst *Staging, offset int64, width, height, stride int, f Format, rows []Span) error {
	n, ok := extent(offset, width, height, stride, f)
	if !ok {
		return fmt.Errorf("%w: %dx%d stride %d format 0x%x", ErrGeometry, width, height, stride, uint32(f))
	}
	// Checked before Reset sizes dst, so a bogus geometry cannot make it
	// allocate more than the pool holds.
	if size := p.Size(); offset+n > size {
		return fmt.Errorf("%w: buffer at %d needs %d bytes, pool has %d", ErrGeometry, offset, n, size)
	}
	if dst.Reset(width, height, stride, f) || !dst.valid {
		rows = nil
	}
	dst.valid = false
	err := p.Read(func(b []byte) error {
		if offset+n > int64(len(b)) {
			return fmt.Errorf("%w: buffer at %d needs %d bytes, pool has %d", ErrGeometry, offset, n, len(b))
		}
		// The buffer's last row may end at width*bpp: the pool need
		// not hold its padding (CheckBuffer requires it, extent not).
		src := b[offset:min(int64(len(b)), offset+int64(stride)*int64(height))]
		if rows == nil {
			copy(dst.buf, src)
			return nil
		}
		for _, s := range rows {
			y0, y1 := max(s.Y0, 0), min(s.Y1, height)
			if y0 < y1 {
				copy(dst.buf[y0*stride:y1*stride], src[y0*stride:min(y1*stride, len(src))])
			}
		}
		return nil
	})
	if err == nil {
		dst.valid = true
	}
	return err
}
