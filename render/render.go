// Package render defines what a renderer is to the rest of nofault: a place
// to keep surface contents (textures) and a way to draw a scene of them into
// an output. Implementations live in render/soft (pure Go, the CGO_ENABLED=0
// default) and render/gl (go-gl, used by the nested backend).
//
// Renderers never see client memory that can fault: Texture.Upload takes a
// shm.Image, which only package shm can make, and shm makes one only from a
// mapping that cannot raise SIGBUS (nosigbus or sealed pools) or from a
// Go-owned staged copy. A BufferTexture (render/soft) instead holds a
// *shm.Pixels and reads the client's memory while drawing, through shm's
// guarded accessor (Pixels.Read), never from cgo.
package render

import (
	"image"

	"github.com/nofault/nofault/shm"
)

// Texture holds the pixels of one surface on the renderer's side.
type Texture interface {
	// Upload copies the damaged part of src into the texture. damage is in
	// buffer coordinates; an empty damage list means the whole buffer. The
	// texture is resized when src's size differs from the previous upload
	// (then everything is copied).
	Upload(src shm.Image, damage []image.Rectangle) error
	// Size is the size in buffer pixels of the last upload.
	Size() (w, h int)
	// Destroy frees the texture. It must not be used afterwards.
	Destroy()
}

// BufferTexture is a Texture that shows a client buffer without copying it
// at commit: the renderer reads the buffer's pixels through src.Read when
// it draws (only the pixels it draws), as pixman compositors do. A commit
// then costs no copy and no memory however large the buffer; the buffer
// stays busy (no wl_buffer.release) while held. render/soft implements it;
// render/gl's proxied textures implement it by copying the damage at the
// next Render (the buffer's fault-free image, shm.Pixels.Image, made on
// the caller's goroutine). The shell uses Attach where the texture offers
// it, Upload otherwise.
type BufferTexture interface {
	Texture
	// Attach makes the texture show src from now on. damage (buffer
	// coordinates; nil means all, an empty list nothing) is what changed
	// since the previous Attach or Upload. The caller keeps src unreleased until the next
	// Attach, Upload or Destroy, and releases it afterwards. A texture that
	// copies src may release it itself once copied (render/gl, at the next
	// Render): Pixels.Release is a no-op the second time.
	Attach(src *shm.Pixels, damage []image.Rectangle) error
}

// TextureLimiter is implemented by renderers that copy buffers into
// textures with a largest width and height (GL_MAX_TEXTURE_SIZE): the shell
// refuses a larger buffer, or one over max_upload_bytes, at commit, before
// holding or copying anything.
type TextureLimiter interface {
	MaxTextureSize() int
}

// Transform is a wl_output.transform value applied to a buffer.
//
// As wl_surface.set_buffer_transform defines it, the value says how the
// client has already rotated (counter-clockwise) and flipped its buffer; the
// renderer applies the inverse to show the surface upright. For a surface of
// size W x H (in buffer pixels after the transform), surface pixel (x, y)
// shows buffer pixel:
//
//	TransformNormal      (x, y)
//	Transform90          (y, W-1-x)
//	Transform180         (W-1-x, H-1-y)
//	Transform270         (H-1-y, x)
//	TransformFlipped     (W-1-x, y)
//	TransformFlipped90   (y, x)
//	TransformFlipped180  (x, H-1-y)
//	TransformFlipped270  (H-1-y, W-1-x)
//
// (weston_transformed_coord in Weston gives the same mapping.)
type Transform int32

// The wl_output.transform values.
const (
	TransformNormal     Transform = 0
	Transform90         Transform = 1
	Transform180        Transform = 2
	Transform270        Transform = 3
	TransformFlipped    Transform = 4
	TransformFlipped90  Transform = 5
	TransformFlipped180 Transform = 6
	TransformFlipped270 Transform = 7
)

// Valid reports whether t is one of the eight wl_output.transform values.
func (t Transform) Valid() bool { return t >= TransformNormal && t <= TransformFlipped270 }

// SwapsAxes reports whether t rotates by 90 or 270 degrees, so that the
// buffer's width becomes the surface's height.
func (t Transform) SwapsAxes() bool { return t.Valid() && t&1 == 1 }

// Flips reports which output axes run backwards through the buffer under
// t (after SwapsAxes, if it applies).
func (t Transform) Flips() (flipX, flipY bool) {
	switch t {
	case Transform90:
		flipX = true
	case Transform180:
		flipX, flipY = true, true
	case Transform270:
		flipY = true
	case TransformFlipped:
		flipX = true
	case TransformFlipped180:
		flipY = true
	case TransformFlipped270:
		flipX, flipY = true, true
	}
	return flipX, flipY
}

// Item is one textured quad of a scene, drawn in order (first is bottom).
type Item struct {
	Texture Texture
	// Dst is where the item lands in output coordinates (surface size after
	// buffer scale and transform). An empty Dst draws nothing.
	Dst image.Rectangle
	// Src is the part of the texture to draw in buffer pixels; the zero
	// rectangle means the whole texture. It is clipped to the texture.
	Src image.Rectangle
	// Transform and Scale are the surface's buffer transform and scale.
	// Src, turned upright by Transform, is stretched over Dst, sampled
	// as filter.go says; Dst's size is normally Src's transformed size
	// divided by Scale, so Scale needs no extra handling. Invalid values
	// draw as normal and 1.
	Transform Transform
	Scale     int32
	// Opaque is true for formats without alpha (XRGB8888, XBGR8888) and
	// for surfaces whose opaque region (wl_surface.set_opaque_region)
	// covers them: the alpha byte is ignored and the item covers what is
	// below, which the renderer need not draw.
	Opaque bool
	// OpaqueRect is a rectangle of Dst, in output pixels, that the
	// surface's opaque region covers (a window's body inside its
	// client-side shadows; the zero rectangle for none). There the item
	// hides what is below it and is drawn over the background colour (a
	// pixel the client marks opaque and is not shows the background). The
	// renderers take it where sampling reads only pixels inside it
	// (OpaqueArea).
	OpaqueRect image.Rectangle
}

// Scene is what one output shows: a background colour and items.
type Scene struct {
	Background [4]uint8 // R, G, B, A (straight alpha; A is normally 255)
	Items      []Item
}

// Renderer draws scenes. All methods are called on the display loop, one
// at a time (the compositor uploads at commit and renders in Frame). The
// GL renderer's calls then run on the thread that owns the context: the
// nested backend hands out a gl.Proxy that forwards each call to it.
type Renderer interface {
	// NewTexture returns an empty texture.
	NewTexture() Texture
	// Render draws the scene into the renderer's output of the given size.
	Render(scene *Scene, width, height int) error
	// ReadPixels copies the last rendered output, rectangle r in output
	// coordinates, into dst as ARGB8888 little-endian rows (bytes B,G,R,A,
	// alpha 255) with the given stride. dst is Go-owned memory, never a
	// client mapping.
	ReadPixels(r image.Rectangle, dst []byte, stride int) error
	// Name identifies the renderer in logs and stats ("soft", "gl").
	Name() string
	// Close frees the renderer's resources.
	Close() error
}

// LateReader is implemented by renderers whose textures keep the client's
// buffer and read it when they render rather than when uploaded
// (render/soft). ReadsLate reports whether that is so, and rendering early
// pays (render/soft's lent output answers false). The compositor
// renders such a renderer's scene right after the first commit of a
// refresh interval, while the pixels the client has just written are
// still in the CPU's caches, and the frame then presents that render (a
// GL renderer's upload at commit reads them then already).
type LateReader interface {
	ReadsLate() bool
}
