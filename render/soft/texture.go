package soft

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"math/bits"

	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/render/damage"
	"github.com/nofault/nofault/shm"
)

// MaxSize is the largest texture or output width and height the renderer
// accepts, so that a client cannot make the compositor allocate without
// bound (16384 x 16384 x 4 bytes is 1 GiB).
const MaxSize = 16384

// Texture is what the soft renderer draws a surface from: either its own
// copy of the pixels (Upload: premultiplied 0xAARRGGBB, rows of exactly
// Size's width) or the client's buffer itself (Attach: a held *shm.Pixels
// read while drawing, no copy). Make one with Renderer.NewTexture.
type Texture struct {
	src    *shm.Pixels // Attach: the buffer drawn from; pix is then nil
	pix    []uint32
	w, h   int
	format shm.Format
	valid  bool // a previous upload set pix, w, h and format
	// solid is true when every pixel is known to have alpha 255 (an
	// alpha format whose uploads so far were all opaque): then the
	// texture draws like an opaque one, with copy. A partial upload can
	// clear it; only a full one sets it again.
	solid bool

	// hist records the uploads for the renderers' damage tracking.
	hist damage.History
}

var _ render.BufferTexture = (*Texture)(nil)

// Size is the size in buffer pixels of the last upload.
func (t *Texture) Size() (w, h int) { return t.w, t.h }

// Opaque reports whether the last upload had a format without alpha, so
// every pixel of the texture has alpha 255.
func (t *Texture) Opaque() bool { return t.valid && !t.format.HasAlpha() }

// opaquePixels reports whether every pixel has alpha 255: the format has
// no alpha, or every uploaded pixel was opaque.
func (t *Texture) opaquePixels() bool { return t.Opaque() || t.valid && t.solid }

// Attach makes the texture draw src's pixels from now on, read through
// src.Read at render time: no copy, no memory of its own (see
// render.BufferTexture). Any size the pool holds is fine; only the pixels
// that reach the output are ever read. damage (buffer coordinates; nil
// means all, an empty list that no pixel changed) feeds the renderer's
// output damage tracking.
func (t *Texture) Attach(src *shm.Pixels, damage []image.Rectangle) error {
	w, h, f := src.Width(), src.Height(), src.Format()
	if !f.Supported() {
		return fmt.Errorf("soft: unsupported format %#x", uint32(f))
	}
	if w <= 0 || h <= 0 || w > maxCoord || h > maxCoord || src.Stride() < w*4 {
		return fmt.Errorf("soft: bad buffer %dx%d stride %d", w, h, src.Stride())
	}
	full := damage == nil || !t.valid || t.src == nil || w != t.w || h != t.h || f != t.format
	t.src, t.pix = src, nil
	t.w, t.h, t.format, t.valid, t.solid = w, h, f, true, false
	t.hist.Record(full, damage, image.Rect(0, 0, w, h))
	return nil
}

// Destroy frees the texture's pixels.
func (t *Texture) Destroy() { *t = Texture{} }

// Upload copies the damaged rectangles of src (buffer coordinates; none
// means all) into the texture, converting to premultiplied 0xAARRGGBB:
// X formats get alpha 255, ABGR and XBGR have red and blue swapped. When
// the size or format differs from the previous upload the whole buffer is
// copied. src is validated first; a bad geometry or format is an error and
// leaves the texture unchanged.
func (t *Texture) Upload(src shm.Image, damage []image.Rectangle) error {
	w, h, stride, f := src.Width(), src.Height(), src.Stride(), src.Format()
	if !f.Supported() {
		return fmt.Errorf("soft: unsupported format %#x", uint32(f))
	}
	if w < 0 || h < 0 || w > MaxSize || h > MaxSize {
		return fmt.Errorf("soft: bad buffer size %dx%d", w, h)
	}
	b := src.Bytes()
	if w > 0 && h > 0 && (stride < w*4 || stride > len(b) && h > 1 || len(b) < (h-1)*stride+w*4) {
		return fmt.Errorf("soft: %dx%d buffer with stride %d does not fit %d bytes", w, h, stride, len(b))
	}
	full := len(damage) == 0 || !t.valid || t.src != nil || w != t.w || h != t.h || f != t.format
	t.src = nil
	// Reuse the pixels unless they are too few, or far too many (a window
	// that shrank should not keep its largest size's memory).
	if n := w * h; cap(t.pix) < n || cap(t.pix)-n > 1<<20 && cap(t.pix) > 2*n {
		t.pix = make([]uint32, n)
	} else {
		t.pix = t.pix[:n]
	}
	t.w, t.h, t.format, t.valid = w, h, f, true
	bounds := image.Rect(0, 0, w, h)
	t.hist.Record(full, damage, bounds)
	if full {
		t.solid = t.copyRect(b, stride, bounds, f.HasAlpha())
		return nil
	}
	for _, r := range damage {
		t.solid = t.copyRect(b, stride, r.Intersect(bounds), t.solid) && t.solid
	}
	return nil
}

// copyRect converts rectangle r (inside the texture) from b. When check
// is true it reports whether every pixel copied has alpha 255.
func (t *Texture) copyRect(b []byte, stride int, r image.Rectangle, check bool) (opaque bool) {
	if r.Empty() {
		return check
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		off := y*stride + r.Min.X*4
		src := b[off : off+r.Dx()*4]
		dst := t.pix[y*t.w+r.Min.X : y*t.w+r.Max.X]
		convertRow(dst, src, t.format)
		check = check && allOpaque(dst)
	}
	return check
}

// allOpaque reports whether every pixel of p has alpha 255: opaqueRun's
// two pixels per load over whole blocks of 16 (the row was just copied and
// is in the cache), then the rest pixel by pixel.
func allOpaque(p []uint32) bool {
	n := opaqueRun(p)
	if n != len(p)&^15 {
		return false
	}
	acc := uint32(alphaMask)
	for _, v := range p[n:] {
		acc &= v
	}
	return acc >= alphaMask
}

// convertRow converts one row of len(dst) pixels in format f.
func convertRow(dst []uint32, src []byte, f shm.Format) {
	src = src[:len(dst)*4]
	if f == shm.FormatARGB8888 && littleEndian {
		copy(asBytes(dst), src)
		return
	}
	if p, ok := asPixels(src); ok {
		convertPixels(dst, p, f)
		return
	}
	for i := range dst {
		dst[i] = binary.LittleEndian.Uint32(src[i*4:])
	}
	convertPixels(dst, dst, f)
}

// convertPixels converts little-endian pixels of format f (one of the
// four). dst may be src.
func convertPixels(dst, src []uint32, f shm.Format) {
	src = src[:len(dst)]
	if f == shm.FormatARGB8888 {
		copy(dst, src)
		return
	}
	convert(dst, src, alphaOr(f), f.SwapRB(), false)
}

// alphaOr is what every pixel of format f is ORed with: alphaMask for
// the formats whose alpha byte is undefined (XRGB8888, XBGR8888), else 0.
func alphaOr(f shm.Format) uint32 {
	if f.HasAlpha() {
		return 0
	}
	return alphaMask
}

// swapRB exchanges the first and third bytes of a pixel: 0xAABBGGRR
// becomes 0xAARRGGBB and back.
func swapRB(p uint32) uint32 {
	// Byte reversal gives 0xRRGGBBAA; rotating right by 8 puts alpha back.
	return bits.RotateLeft32(bits.ReverseBytes32(p), -8)
}

var errForeign = errors.New("soft: texture not made by this renderer")
