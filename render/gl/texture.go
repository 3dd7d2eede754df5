//go:build cgo

package gl

import (
	"fmt"
	"image"
	"runtime"
	"unsafe"

	ogl "github.com/go-gl/gl/v3.3-core/gl"

	"github.com/nofault/nofault/render"
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
	valid  bool // a previous upload set w, h and format
}

var _ render.Texture = (*Texture)(nil)

// Size is the size in buffer pixels of the last upload.
func (t *Texture) Size() (w, h int) { return t.w, t.h }

// Opaque reports whether the last upload had a format without alpha.
func (t *Texture) Opaque() bool { return t.valid && !t.format.HasAlpha() }

// ID is the GL texture name (0 before the first upload).
func (t *Texture) ID() uint32 { return t.id }

// Destroy deletes the GL texture. Call it on the GL thread.
func (t *Texture) Destroy() {
	if t.id != 0 && t.r != nil && !t.r.closed {
		ogl.DeleteTextures(1, &t.id)
		delete(t.r.textures, t)
	}
	t.id, t.w, t.h, t.valid = 0, 0, 0, false
}

// Upload copies the damaged rectangles of src (buffer coordinates; none
// means all) into the texture: GL_RGBA uploads straight from src's bytes,
// with GL_UNPACK_ROW_LENGTH for the stride and a texture swizzle for the
// channel order (B,G,R,A formats swap red and blue; X formats read alpha
// as 1). When the size or format differs from the previous upload the
// texture is reallocated and the whole buffer is copied.
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
	realloc := !t.valid || w != t.w || h != t.h || t.id == 0
	full := len(damage) == 0 || realloc || f != t.format
	if w == 0 || h == 0 {
		t.w, t.h, t.format, t.valid = w, h, f, true
		return nil
	}
	if t.id == 0 {
		ogl.GenTextures(1, &t.id)
		t.r.textures[t] = struct{}{}
	}
	ogl.ActiveTexture(ogl.TEXTURE0)
	ogl.BindTexture(ogl.TEXTURE_2D, t.id)
	if realloc {
		for ogl.GetError() != ogl.NO_ERROR {
		}
		ogl.TexImage2D(ogl.TEXTURE_2D, 0, ogl.RGBA8, int32(w), int32(h), 0, ogl.RGBA, ogl.UNSIGNED_BYTE, nil)
		if e := ogl.GetError(); e != ogl.NO_ERROR {
			t.valid = false
			return fmt.Errorf("gl: allocate %dx%d texture: GL error 0x%x", w, h, e)
		}
		ogl.TexParameteri(ogl.TEXTURE_2D, ogl.TEXTURE_MIN_FILTER, ogl.NEAREST)
		ogl.TexParameteri(ogl.TEXTURE_2D, ogl.TEXTURE_MAG_FILTER, ogl.NEAREST)
		ogl.TexParameteri(ogl.TEXTURE_2D, ogl.TEXTURE_WRAP_S, ogl.CLAMP_TO_EDGE)
		ogl.TexParameteri(ogl.TEXTURE_2D, ogl.TEXTURE_WRAP_T, ogl.CLAMP_TO_EDGE)
		ogl.TexParameteri(ogl.TEXTURE_2D, ogl.TEXTURE_MAX_LEVEL, 0)
	}
	if realloc || f != t.format {
		setSwizzle(f)
	}
	t.w, t.h, t.format, t.valid = w, h, f, true

	bounds := image.Rect(0, 0, w, h)
	if !full && len(damage) > maxDamageRects {
		var u image.Rectangle
		for _, r := range damage {
			u = u.Union(r.Intersect(bounds))
		}
		damage = []image.Rectangle{u}
	}
	ogl.PixelStorei(ogl.UNPACK_ALIGNMENT, 1)
	ogl.PixelStorei(ogl.UNPACK_SKIP_PIXELS, 0)
	ogl.PixelStorei(ogl.UNPACK_SKIP_ROWS, 0)
	var err error
	if full {
		err = uploadRect(b, stride, bounds)
	} else {
		for _, r := range damage {
			if e := uploadRect(b, stride, r.Intersect(bounds)); e != nil && err == nil {
				err = e
			}
		}
	}
	ogl.PixelStorei(ogl.UNPACK_ROW_LENGTH, 0)
	runtime.KeepAlive(src)
	return err
}

// setSwizzle makes the bound texture read as R, G, B, A for format f,
// whose bytes GL_RGBA stored in that order.
func setSwizzle(f shm.Format) {
	r, b, a := int32(ogl.RED), int32(ogl.BLUE), int32(ogl.ALPHA)
	if !f.SwapRB() { // ARGB8888, XRGB8888: bytes B, G, R, A
		r, b = ogl.BLUE, ogl.RED
	}
	if !f.HasAlpha() {
		a = ogl.ONE
	}
	ogl.TexParameteri(ogl.TEXTURE_2D, ogl.TEXTURE_SWIZZLE_R, r)
	ogl.TexParameteri(ogl.TEXTURE_2D, ogl.TEXTURE_SWIZZLE_G, ogl.GREEN)
	ogl.TexParameteri(ogl.TEXTURE_2D, ogl.TEXTURE_SWIZZLE_B, b)
	ogl.TexParameteri(ogl.TEXTURE_2D, ogl.TEXTURE_SWIZZLE_A, a)
}

// uploadRect sends rectangle r (inside the texture) of b to the bound
// texture. It is the only place that hands pixel memory to GL, and it
// checks first that the bytes GL will read, rows r.Min.Y to r.Max.Y-1 from
// column r.Min.X for r.Dx() pixels, stride bytes apart, lie inside b.
func uploadRect(b []byte, stride int, r image.Rectangle) error {
	if r.Empty() {
		return nil
	}
	first := int64(r.Min.Y)*int64(stride) + int64(r.Min.X)*4
	end := int64(r.Max.Y-1)*int64(stride) + int64(r.Max.X)*4
	if r.Min.X < 0 || r.Min.Y < 0 || first < 0 || end > int64(len(b)) {
		return fmt.Errorf("gl: damage %v outside the buffer's %d bytes", r, len(b))
	}
	if stride%4 == 0 {
		ogl.PixelStorei(ogl.UNPACK_ROW_LENGTH, int32(stride/4))
		ogl.TexSubImage2D(ogl.TEXTURE_2D, 0, int32(r.Min.X), int32(r.Min.Y), int32(r.Dx()), int32(r.Dy()),
			ogl.RGBA, ogl.UNSIGNED_BYTE, unsafe.Pointer(&b[first]))
		return nil
	}
	// A stride that is not a whole number of pixels: row by row.
	ogl.PixelStorei(ogl.UNPACK_ROW_LENGTH, 0)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		o := y*stride + r.Min.X*4
		ogl.TexSubImage2D(ogl.TEXTURE_2D, 0, int32(r.Min.X), int32(y), int32(r.Dx()), 1,
			ogl.RGBA, ogl.UNSIGNED_BYTE, unsafe.Pointer(&b[o]))
	}
	return nil
}
