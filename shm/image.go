package shm

// Format is a wl_shm.format code.
type Format uint32

// The formats nofault advertises: only what the renderers can draw.
const (
	FormatARGB8888 Format = 0
	FormatXRGB8888 Format = 1
	FormatABGR8888 Format = 0x34324241 // 'AB24'
	FormatXBGR8888 Format = 0x34324258 // 'XB24'
)

// Formats lists the supported formats in the order wl_shm.format events
// advertise them.
var Formats = []Format{FormatARGB8888, FormatXRGB8888, FormatABGR8888, FormatXBGR8888}

// Supported reports whether f is one of Formats.
func (f Format) Supported() bool {
	switch f {
	case FormatARGB8888, FormatXRGB8888, FormatABGR8888, FormatXBGR8888:
		return true
	}
	return false
}

// HasAlpha reports whether the format's fourth byte is alpha (ARGB, ABGR)
// rather than padding (XRGB, XBGR).
func (f Format) HasAlpha() bool { return f == FormatARGB8888 || f == FormatABGR8888 }

// SwapRB reports whether the bytes in memory are R,G,B,A (ABGR8888,
// XBGR8888) rather than B,G,R,A (ARGB8888, XRGB8888).
func (f Format) SwapRB() bool { return f == FormatABGR8888 || f == FormatXBGR8888 }

// BytesPerPixel is 4 for every supported format.
func (f Format) BytesPerPixel() int { return 4 }

// Image is pixel memory that cannot fault: a view of a mapping that cannot
// raise SIGBUS (nosigbus or sealed pools) or a Go-owned staged copy. Only
// package shm implements it (the unexported method), so a value of this type
// is the proof that handing Bytes to cgo (GL) is safe.
//
// Bytes covers rows 0..Height-1 of the buffer, row y starting at y*Stride.
// It is valid until the next call into the pool or staging it came from.
type Image interface {
	Bytes() []byte
	Stride() int
	Width() int
	Height() int
	Format() Format
	faultFree()
}
