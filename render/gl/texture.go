//go:build cgo

package gl

import (
	"encoding/binary"
	"fmt"
	"image"
	"runtime"
	"time"
	"unsafe"

	ogl "github.com/go-gl/gl/v3.3-core/gl"

	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/render/damage"
	"github.com/nofault/nofault/shm"
)

// MaxSize is the largest texture or output width and height the renderer
// accepts (as render/soft; lowered to GL_MAX_TEXTURE_SIZE when the driver
// has less).
const MaxSize = 16384

// maxDamageRects is how many damage rectangles Upload sends one by one;
// beyond it their bounding box is uploaded in one call.
const maxDamageRects = 32

// Texture is one surface's pixels in a GL texture (GL_RGBA8). Make one with
// Renderer.NewTexture and use it only on the GL thread (Proxy's textures
// do that for you).
type Texture struct {
	r      *Renderer
	id     uint32
	w, h   int
	format shm.Format
	valid  bool   // a previous upload set w, h and format
	solid  bool   // every pixel uploaded so far has alpha 255 (opaqueRect, Renderer.scanOpaque)
	lay    layout // how the storage holds the pixels (set with the storage)
	hist   damage.History
}

var _ render.Texture = (*Texture)(nil)

// Size is the size in buffer pixels of the last upload.
func (t *Texture) Size() (w, h int) { return t.w, t.h }

// Opaque reports whether the last upload had a format without alpha.
func (t *Texture) Opaque() bool { return t.valid && !t.format.HasAlpha() }

// opaquePixels reports whether every pixel has alpha 255: the format has
// no alpha, or every uploaded pixel was opaque. Such an item is drawn
// without blending and hides what is below it, as render/soft does.
func (t *Texture) opaquePixels() bool { return t.Opaque() || t.valid && t.solid }

// ID is the GL texture name (0 before the first upload).
func (t *Texture) ID() uint32 { return t.id }

// Destroy deletes the GL texture. Call it on the GL thread.
func (t *Texture) Destroy() {
	if t.id != 0 && t.r != nil && !t.r.closed {
		ogl.DeleteTextures(1, &t.id)
		delete(t.r.textures, t)
	}
	t.id, t.w, t.h, t.valid = 0, 0, 0, false
	t.hist.Reset()
}

// Upload copies the damaged rectangles of src (buffer coordinates; none
// means all) into the texture: GL_RGBA uploads straight from src's bytes,
// with GL_UNPACK_ROW_LENGTH for the stride and a texture swizzle for the
// channel order (B,G,R,A formats swap red and blue; X formats read alpha
// as 1). When the size or format differs from the previous upload the
// texture is reallocated and the whole buffer is copied. The renderer's
// UploadMode can change the format (BGRA), stream through a pixel-unpack
// buffer (PBO) or orphan the texture's storage first (Orphan).
//
// src is a shm.Image, so its memory cannot fault (a zero-copy view of a
// nosigbus or sealed pool, or a Go-owned staged copy); GL reads only the
// bytes of the damaged rectangles, every one checked to lie inside
// src.Bytes() before the call. When Upload returns GL has copied what it
// needs: the caller may release the view and the wl_buffer. A bad
// geometry or format is an error and leaves the texture unchanged. Call it
// on the GL thread.
func (t *Texture) Upload(src shm.Image, damage []image.Rectangle) error {
	if t.r == nil || t.r.closed {
		return errClosed
	}
	w, h, stride, f := src.Width(), src.Height(), src.Stride(), src.Format()
	if !f.Supported() {
		return fmt.Errorf("gl: unsupported format %#x", uint32(f))
	}
	if w < 0 || h < 0 || w > t.r.maxSize || h > t.r.maxSize {
		return fmt.Errorf("gl: bad buffer size %dx%d", w, h)
	}
	b := src.Bytes()
	if w > 0 && h > 0 && (stride < w*4 || int64(len(b)) < int64(h-1)*int64(stride)+int64(w)*4) {
		return fmt.Errorf("gl: %dx%d buffer with stride %d does not fit %d bytes", w, h, stride, len(b))
	}
	lay := layoutOf(f, t.r.upload.BGRA)
	realloc := !t.valid || w != t.w || h != t.h || t.id == 0 || lay != t.lay
	full := len(damage) == 0 || realloc || f != t.format
	bounds := image.Rect(0, 0, w, h)
	t.hist.Record(full, damage, bounds)
	if w == 0 || h == 0 {
		t.w, t.h, t.format, t.valid = w, h, f, true
		return nil
	}
	if t.id == 0 {
		ogl.GenTextures(1, &t.id)
		t.r.textures[t] = struct{}{}
	}
	mode := t.r.upload
	ogl.ActiveTexture(ogl.TEXTURE0)
	ogl.BindTexture(ogl.TEXTURE_2D, t.id)
	if realloc || full && mode.Orphan {
		for ogl.GetError() != ogl.NO_ERROR {
		}
		ogl.TexImage2D(ogl.TEXTURE_2D, 0, lay.internal, int32(w), int32(h), 0, lay.format, lay.typ, nil)
		if e := ogl.GetError(); e != ogl.NO_ERROR {
			t.valid = false
			return fmt.Errorf("gl: allocate %dx%d texture: GL error 0x%x", w, h, e)
		}
	}
	if realloc {
		ogl.TexParameteri(ogl.TEXTURE_2D, ogl.TEXTURE_MIN_FILTER, ogl.NEAREST)
		ogl.TexParameteri(ogl.TEXTURE_2D, ogl.TEXTURE_MAG_FILTER, ogl.NEAREST)
		ogl.TexParameteri(ogl.TEXTURE_2D, ogl.TEXTURE_WRAP_S, ogl.CLAMP_TO_EDGE)
		ogl.TexParameteri(ogl.TEXTURE_2D, ogl.TEXTURE_WRAP_T, ogl.CLAMP_TO_EDGE)
		ogl.TexParameteri(ogl.TEXTURE_2D, ogl.TEXTURE_MAX_LEVEL, 0)
		lay.setSwizzle()
	}
	t.w, t.h, t.format, t.valid, t.lay = w, h, f, true, lay

	var one [1]image.Rectangle
	if full {
		one[0] = bounds
		damage = one[:]
	} else if len(damage) > maxDamageRects {
		for _, r := range damage {
			one[0] = one[0].Union(r.Intersect(bounds))
		}
		damage = one[:]
	}
	if !f.HasAlpha() || !t.r.scanOpaque {
		t.solid = false
	} else {
		t.solid = full || t.solid
		for _, r := range damage {
			if !t.solid {
				break
			}
			t.solid = opaqueRect(b, stride, r.Intersect(bounds))
		}
	}
	glFormat, glType := lay.format, lay.typ
	ogl.PixelStorei(ogl.UNPACK_ALIGNMENT, 1)
	ogl.PixelStorei(ogl.UNPACK_SKIP_PIXELS, 0)
	ogl.PixelStorei(ogl.UNPACK_SKIP_ROWS, 0)
	if mode.Ring || mode.Persist {
		var err error
		if mode.Persist {
			err = t.r.uploadPersist(b, stride, damage, bounds, glFormat, glType)
		} else {
			err = t.r.uploadRing(b, stride, damage, bounds, glFormat, glType)
		}
		ogl.PixelStorei(ogl.UNPACK_ROW_LENGTH, 0)
		runtime.KeepAlive(src)
		return err
	}
	var err error
	for _, r := range damage {
		r = r.Intersect(bounds)
		var e error
		if mode.PBO {
			e = t.r.uploadPBO(b, stride, r, glFormat, glType)
		} else {
			e = uploadRect(b, stride, r, glFormat, glType)
		}
		if e != nil && err == nil {
			err = e
		}
	}
	ogl.PixelStorei(ogl.UNPACK_ROW_LENGTH, 0)
	runtime.KeepAlive(src)
	return err
}

// opaqueRect reports whether every pixel of rectangle r (inside the
// buffer) of b has alpha 255: the fourth byte of a pixel in both formats
// with alpha. It reads eight bytes a load and stops after the first row
// that is not opaque. b is a shm.Image's bytes, which cannot fault.
func opaqueRect(b []byte, stride int, r image.Rectangle) bool {
	const mask = 0xff000000_ff000000 // two pixels' alpha bytes
	le := binary.LittleEndian
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := b[y*stride+r.Min.X*4 : y*stride+r.Max.X*4]
		acc := uint64(mask)
		i := 0
		for ; i+32 <= len(row); i += 32 {
			acc &= le.Uint64(row[i:]) & le.Uint64(row[i+8:]) & le.Uint64(row[i+16:]) & le.Uint64(row[i+24:])
		}
		for ; i+8 <= len(row); i += 8 {
			acc &= le.Uint64(row[i:])
		}
		if i < len(row) { // one pixel left
			acc &= uint64(row[i+3])<<24 | 0xff<<56
		}
		if acc&mask != mask {
			return false
		}
	}
	return true
}

// layout is how a texture stores a format's pixels: the internal format
// glTexImage2D allocates, the format and type glTexSubImage2D reads the
// wl_shm bytes with, whether red and blue trade places on sampling, and
// whether alpha samples as 1 (X formats, whose fourth byte is undefined:
// opaque items are drawn by the fast program with blending off, which
// writes the sampled alpha into the output).
type layout struct {
	internal    int32
	format, typ uint32
	swapRB      bool
	alphaOne    bool
}

// layoutOf is the layout of format f. Bytes go to GL as they are, never
// converted on the CPU:
//   - by default as GL_RGBA bytes into GL_RGBA8, swizzled back to R, G, B
//     for ARGB8888/XRGB8888 (bytes B, G, R, A);
//   - with bgra (UploadMode.BGRA), ARGB8888/XRGB8888 as GL_BGRA,
//     GL_UNSIGNED_INT_8_8_8_8_REV into the unsized GL_RGBA, for which Mesa
//     picks storage in the same order (B8G8R8A8), with no swizzle: the
//     layout llvmpipe's linear rasterizer samples (it refuses swizzles and
//     any other format). A sized GL_RGBA8 there is stored R, G, B, A, and
//     each upload converted (5x slower, docs/benchmarks.md);
//   - ABGR8888/XBGR8888, bytes R, G, B, A, always as GL_RGBA bytes into
//     GL_RGBA8, their own order.
//
// X formats sample alpha 1 through a swizzle, except XRGB8888 with bgra:
// llvmpipe's linear rasterizer takes no swizzle, and the unsized GL_RGB
// (stored B8G8R8X8) cost 2.6 times as much a frame as B8G8R8A8
// (docs/benchmarks.md). Its opaque draws leave the fourth byte in the
// output's alpha, which Blit sets to 1 in a window.
func layoutOf(f shm.Format, bgra bool) layout {
	x := !f.HasAlpha()
	if f.SwapRB() { // ABGR8888, XBGR8888: bytes R, G, B, A
		return layout{ogl.RGBA8, ogl.RGBA, ogl.UNSIGNED_BYTE, false, x}
	}
	if bgra {
		return layout{ogl.RGBA, ogl.BGRA, ogl.UNSIGNED_INT_8_8_8_8_REV, false, false}
	}
	return layout{ogl.RGBA8, ogl.RGBA, ogl.UNSIGNED_BYTE, true, x}
}

// setSwizzle sets the bound texture's swizzle for l.
func (l layout) setSwizzle() {
	r, b := int32(ogl.RED), int32(ogl.BLUE)
	if l.swapRB {
		r, b = ogl.BLUE, ogl.RED
	}
	ogl.TexParameteri(ogl.TEXTURE_2D, ogl.TEXTURE_SWIZZLE_R, r)
	ogl.TexParameteri(ogl.TEXTURE_2D, ogl.TEXTURE_SWIZZLE_G, ogl.GREEN)
	ogl.TexParameteri(ogl.TEXTURE_2D, ogl.TEXTURE_SWIZZLE_B, b)
	a := int32(ogl.ALPHA)
	if l.alphaOne {
		a = ogl.ONE
	}
	ogl.TexParameteri(ogl.TEXTURE_2D, ogl.TEXTURE_SWIZZLE_A, a)
}

// checkRect checks that the bytes GL will read for rectangle r, rows
// r.Min.Y to r.Max.Y-1 from column r.Min.X for r.Dx() pixels, stride bytes
// apart, lie inside b, and returns the offset of the first.
func checkRect(b []byte, stride int, r image.Rectangle) (int, error) {
	first := int64(r.Min.Y)*int64(stride) + int64(r.Min.X)*4
	end := int64(r.Max.Y-1)*int64(stride) + int64(r.Max.X)*4
	if r.Min.X < 0 || r.Min.Y < 0 || first < 0 || end > int64(len(b)) {
		return 0, fmt.Errorf("gl: damage %v outside the buffer's %d bytes", r, len(b))
	}
	return int(first), nil
}

// uploadRect sends rectangle r (inside the texture) of b to the bound
// texture. With uploadPBO it is the only place that hands pixel memory to
// GL, and it checks first (checkRect) that GL reads inside b.
func uploadRect(b []byte, stride int, r image.Rectangle, format, typ uint32) error {
	if r.Empty() {
		return nil
	}
	first, err := checkRect(b, stride, r)
	if err != nil {
		return err
	}
	if stride%4 == 0 {
		ogl.PixelStorei(ogl.UNPACK_ROW_LENGTH, int32(stride/4))
		ogl.TexSubImage2D(ogl.TEXTURE_2D, 0, int32(r.Min.X), int32(r.Min.Y), int32(r.Dx()), int32(r.Dy()),
			format, typ, unsafe.Pointer(&b[first]))
		return nil
	}
	// A stride that is not a whole number of pixels: row by row.
	ogl.PixelStorei(ogl.UNPACK_ROW_LENGTH, 0)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		o := y*stride + r.Min.X*4
		ogl.TexSubImage2D(ogl.TEXTURE_2D, 0, int32(r.Min.X), int32(y), int32(r.Dx()), 1,
			format, typ, unsafe.Pointer(&b[o]))
	}
	return nil
}

// uploadPBO sends rectangle r of b to the bound texture through the
// renderer's pixel-unpack buffer: the rows are copied (in Go, from the
// checked slice) into the buffer mapped with GL_MAP_INVALIDATE_BUFFER_BIT,
// then glTexSubImage2D reads the buffer, which a GPU driver may do after
// the call returns. When the buffer cannot be mapped it falls back to
// uploadRect.
func (rd *Renderer) uploadPBO(b []byte, stride int, r image.Rectangle, format, typ uint32) error {
	if r.Empty() {
		return nil
	}
	first, err := checkRect(b, stride, r)
	if err != nil {
		return err
	}
	row := r.Dx() * 4
	size := row * r.Dy()
	if rd.pbo == 0 {
		ogl.GenBuffers(1, &rd.pbo)
	}
	ogl.BindBuffer(ogl.PIXEL_UNPACK_BUFFER, rd.pbo)
	if size > rd.pboLen {
		ogl.BufferData(ogl.PIXEL_UNPACK_BUFFER, size, nil, ogl.STREAM_DRAW)
		rd.pboLen = size
	}
	p := ogl.MapBufferRange(ogl.PIXEL_UNPACK_BUFFER, 0, size, ogl.MAP_WRITE_BIT|ogl.MAP_INVALIDATE_BUFFER_BIT)
	if p == nil {
		ogl.BindBuffer(ogl.PIXEL_UNPACK_BUFFER, 0)
		return uploadRect(b, stride, r, format, typ)
	}
	dst := unsafe.Slice((*byte)(p), size)
	if stride == row {
		copy(dst, b[first:first+size])
	} else {
		for y := 0; y < r.Dy(); y++ {
			o := first + y*stride
			copy(dst[y*row:(y+1)*row], b[o:o+row])
		}
	}
	ogl.UnmapBuffer(ogl.PIXEL_UNPACK_BUFFER)
	ogl.PixelStorei(ogl.UNPACK_ROW_LENGTH, 0)
	ogl.TexSubImage2D(ogl.TEXTURE_2D, 0, int32(r.Min.X), int32(r.Min.Y), int32(r.Dx()), int32(r.Dy()),
		format, typ, nil)
	ogl.BindBuffer(ogl.PIXEL_UNPACK_BUFFER, 0)
	return nil
}

// ringSlots is how many pixel-unpack buffers UploadMode.Ring cycles
// through: at 60 Hz a buffer is reused two frames after its upload, long
// after the GPU has read it.
const ringSlots = 3

// ringAlign rounds a rectangle's offset in a ring buffer up to a multiple
// of 4096: page-aligned for the driver's copy, and never a small non-zero
// number, which Go's checkptr (-race) rejects as a pointer (gl.PtrOffset).
func ringAlign(off int) int { return (off + 4095) &^ 4095 }

// ringSlot is one buffer of the ring and the fence after its last upload.
type ringSlot struct {
	buf    uint32
	size   int
	fence  uintptr        // GLsync; 0 when none is pending
	mapped unsafe.Pointer // Persist's mapping of buf; nil for Ring's
}

// uploadRing sends the damaged rectangles (clipped to bounds) of b to the
// bound texture through the next buffer of the ring: it waits for that
// buffer's fence (normally signalled long ago), maps it without
// invalidating it or synchronising, copies every rectangle's rows (in Go,
// from the checked slice) one after another (page-aligned), unmaps, and uploads each
// rectangle from its offset; then it sets the buffer's fence. A buffer
// that cannot be mapped falls back to uploadRect.
func (rd *Renderer) uploadRing(b []byte, stride int, damage []image.Rectangle, bounds image.Rectangle, format, typ uint32) error {
	total, err := packedSize(b, stride, damage, bounds)
	if err != nil || total == 0 {
		return err
	}
	s := &rd.ring[rd.ringNext]
	rd.ringNext = (rd.ringNext + 1) % ringSlots
	if s.mapped != nil {
		s.free() // Persist's immutable buffer: BufferData cannot resize it
	}
	if s.buf == 0 {
		ogl.GenBuffers(1, &s.buf)
	}
	ogl.BindBuffer(ogl.PIXEL_UNPACK_BUFFER, s.buf)
	flags := uint32(ogl.MAP_WRITE_BIT | ogl.MAP_INVALIDATE_RANGE_BIT | ogl.MAP_UNSYNCHRONIZED_BIT)
	if s.fence != 0 {
		if ogl.ClientWaitSync(s.fence, ogl.SYNC_FLUSH_COMMANDS_BIT, uint64(time.Second)) == ogl.TIMEOUT_EXPIRED {
			flags = ogl.MAP_WRITE_BIT | ogl.MAP_INVALIDATE_BUFFER_BIT // let the driver orphan it
		}
		ogl.DeleteSync(s.fence)
		s.fence = 0
	}
	if total > s.size {
		ogl.BufferData(ogl.PIXEL_UNPACK_BUFFER, total, nil, ogl.STREAM_DRAW)
		s.size = total
	}
	p := ogl.MapBufferRange(ogl.PIXEL_UNPACK_BUFFER, 0, total, flags)
	if p == nil {
		ogl.BindBuffer(ogl.PIXEL_UNPACK_BUFFER, 0)
		return uploadRects(b, stride, damage, bounds, format, typ)
	}
	packRects(unsafe.Slice((*byte)(p), total), b, stride, damage, bounds)
	ogl.UnmapBuffer(ogl.PIXEL_UNPACK_BUFFER)
	uploadPacked(damage, bounds, format, typ)
	s.fence = ogl.FenceSync(ogl.SYNC_GPU_COMMANDS_COMPLETE, 0)
	ogl.BindBuffer(ogl.PIXEL_UNPACK_BUFFER, 0)
	return nil
}

// packedSize checks every damaged rectangle (clipped to bounds) against
// b and returns the bytes packRects lays them out in.
func packedSize(b []byte, stride int, damage []image.Rectangle, bounds image.Rectangle) (int, error) {
	total := 0
	for _, r := range damage {
		r = r.Intersect(bounds)
		if r.Empty() {
			continue
		}
		if _, err := checkRect(b, stride, r); err != nil {
			return 0, err
		}
		total = ringAlign(total) + r.Dx()*4*r.Dy()
	}
	return total, nil
}

// packRects copies the rows of every damaged rectangle (clipped to
// bounds, already checked against b) into dst one rectangle after another,
// each starting at a ringAlign offset: the layout uploadPacked reads.
func packRects(dst, b []byte, stride int, damage []image.Rectangle, bounds image.Rectangle) {
	off := 0
	for _, r := range damage {
		r = r.Intersect(bounds)
		if r.Empty() {
			continue
		}
		first, _ := checkRect(b, stride, r)
		off = ringAlign(off)
		row := r.Dx() * 4
		if stride == row {
			off += copy(dst[off:], b[first:first+row*r.Dy()])
			continue
		}
		for y := 0; y < r.Dy(); y++ {
			o := first + y*stride
			off += copy(dst[off:off+row], b[o:o+row])
		}
	}
}

// uploadPacked uploads every damaged rectangle (clipped to bounds) to the
// bound texture from the bound pixel-unpack buffer, laid out by packRects.
func uploadPacked(damage []image.Rectangle, bounds image.Rectangle, format, typ uint32) {
	ogl.PixelStorei(ogl.UNPACK_ROW_LENGTH, 0)
	off := 0
	for _, r := range damage {
		r = r.Intersect(bounds)
		if r.Empty() {
			continue
		}
		off = ringAlign(off)
		// With a pixel-unpack buffer bound, the pointer argument is an
		// offset into it. go-gl marks PtrOffset deprecated in favour of
		// ...WithOffset overloads, but has none for TexSubImage2D.
		//lint:ignore SA1019 no TexSubImage2D overload takes an offset; the offset is page-aligned (ringAlign), which checkptr accepts
		pixels := ogl.PtrOffset(off)
		ogl.TexSubImage2D(ogl.TEXTURE_2D, 0, int32(r.Min.X), int32(r.Min.Y), int32(r.Dx()), int32(r.Dy()),
			format, typ, pixels)
		off += r.Dx() * 4 * r.Dy()
	}
}
