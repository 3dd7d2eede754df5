package shm

// Staging is a reusable Go-owned copy of buffer pixels. Guarded pools are
// read into a Staging (damaged rows only) and renderers upload from it; its
// memory belongs to Go, so it can never fault and may be handed to cgo.
// The zero value is an empty staging buffer ready for Reset.
type Staging struct {
	buf    []byte
	stride int
	width  int
	height int
	format Format
	valid  bool // holds a complete copy; false forces Pool.Stage to copy all rows

	// Buffer.Image's and Pixels.Image's scratch for the damaged rows,
	// kept with the copy so that a new Pixels each commit allocates none
	rects []Rect
	spans []Span
}

// Reset sizes s for a width x height image with the given stride and
// format, reusing its memory when it is large enough. It reports whether the
// geometry changed (then the old contents are meaningless).
func (s *Staging) Reset(width, height, stride int, format Format) (changed bool) {
	n := stride * height
	changed = s.width != width || s.height != height || s.stride != stride || s.format != format
	if cap(s.buf) < n {
		s.buf = make([]byte, n)
	}
	s.buf = s.buf[:n]
	s.width, s.height, s.stride, s.format = width, height, stride, format
	if changed {
		s.valid = false
	}
	return changed
}

// Invalidate makes the next Pool.Stage into s copy every row, e.g. when s
// is reused for another surface.
func (s *Staging) Invalidate() { s.valid = false }

// Bytes returns the staged pixels; rows start every Stride bytes.
func (s *Staging) Bytes() []byte { return s.buf }

// Stride is the distance in bytes between rows.
func (s *Staging) Stride() int { return s.stride }

// Width is the image width in pixels.
func (s *Staging) Width() int { return s.width }

// Height is the image height in pixels.
func (s *Staging) Height() int { return s.height }

// Format is the pixel format of the staged bytes.
func (s *Staging) Format() Format { return s.format }

func (*Staging) faultFree() {}

var _ Image = (*Staging)(nil)
