//go:build cgo

package gl

import (
	"image"

	ogl "github.com/go-gl/gl/v3.3-core/gl"

	"github.com/nofault/nofault/render"
)

// The exact program reads its samples from a table: an R32I texture two
// rows high whose row 0 holds, for each output column of an item's
// visible rectangle, the first source column render/soft reads there
// and the next one's weight (render.LinearSample, or render.Nearest with
// weight 0), as k<<8 | w; row 1 holds the same for output rows. The
// sampling is separable, so the table costs the item's width plus height
// computations on the CPU, where the shader computed it per pixel with
// integer divisions that llvmpipe runs one lane at a time.
//
// Tables are kept by what they depend on (samplesKey), in a few slots,
// so that an item that keeps its geometry from frame to frame (the
// common case, whatever its damage) uploads nothing.
const sampleSlots = 8

// samplesKey is what a table depends on: the visible rectangle relative
// to the destination's origin, the destination's and the source's sizes
// (the source's as the output sees it, after a 90 or 270 degree
// transform) and the flips.
type samplesKey struct {
	rel            image.Rectangle
	dw, dh, uw, uh int
	flipX, flipY   bool
}

type samplesSlot struct {
	id   uint32
	w    int // allocated width
	key  samplesKey
	used uint64 // the frame that last used it
}

// samplesOf binds, on texture unit 1, a table for key (filling a slot
// when none holds it) for draw.
func (r *Renderer) samplesOf(key samplesKey) {
	var s *samplesSlot
	for i := range r.samples {
		if c := &r.samples[i]; c.id != 0 && c.key == key {
			s = c
			break
		}
	}
	if s == nil {
		s = &r.samples[0]
		for i := range r.samples {
			if c := &r.samples[i]; c.id == 0 || c.used < s.used {
				s = c
				if c.id == 0 {
					break
				}
			}
		}
		r.fillSamples(s, key)
	}
	s.used = r.frames
	ogl.ActiveTexture(ogl.TEXTURE1)
	ogl.BindTexture(ogl.TEXTURE_2D, s.id)
	ogl.ActiveTexture(ogl.TEXTURE0)
}

// fillSamples computes key's table into slot s.
func (r *Renderer) fillSamples(s *samplesSlot, key samplesKey) {
	w := max(key.rel.Dx(), key.rel.Dy())
	if cap(r.sampleBuf) < 2*w {
		r.sampleBuf = make([]int32, 2*w)
	}
	buf := r.sampleBuf[:2*w]
	axisSamples(buf[:key.rel.Dx()], key.rel.Min.X, key.dw, key.uw, key.flipX)
	axisSamples(buf[w:w+key.rel.Dy()], key.rel.Min.Y, key.dh, key.uh, key.flipY)
	ogl.ActiveTexture(ogl.TEXTURE1)
	if s.id == 0 {
		ogl.GenTextures(1, &s.id)
		ogl.BindTexture(ogl.TEXTURE_2D, s.id)
		// An integer texture is complete only without mipmaps' filter.
		ogl.TexParameteri(ogl.TEXTURE_2D, ogl.TEXTURE_MIN_FILTER, ogl.NEAREST)
		ogl.TexParameteri(ogl.TEXTURE_2D, ogl.TEXTURE_MAG_FILTER, ogl.NEAREST)
	} else {
		ogl.BindTexture(ogl.TEXTURE_2D, s.id)
	}
	// Uploads leave no pixel-unpack buffer bound and GL_UNPACK_ROW_LENGTH
	// at 0, so buf is read from Go memory, row after row.
	if s.w < w {
		ogl.TexImage2D(ogl.TEXTURE_2D, 0, ogl.R32I, int32(w), 2, 0, ogl.RED_INTEGER, ogl.INT, ogl.Ptr(buf))
		s.w = w
	} else {
		ogl.TexSubImage2D(ogl.TEXTURE_2D, 0, 0, 0, int32(w), 2, ogl.RED_INTEGER, ogl.INT, ogl.Ptr(buf))
	}
	ogl.ActiveTexture(ogl.TEXTURE0)
	s.key = key
	r.sampleFills++
}

// axisSamples fills e with the samples of destination pixels lo, lo+1,
// ... of an axis of n destination pixels showing m source pixels,
// counted from the far edge when the axis is flipped, as render/soft
// samples them (render.Linear decides the filter).
func axisSamples(e []int32, lo, n, m int, flip bool) {
	lin := render.Linear(m, n)
	for j := range e {
		i := lo + j
		if flip {
			i = n - 1 - i
		}
		if lin {
			k, w := render.LinearSample(i, m, n)
			e[j] = int32(k<<8 | w)
		} else {
			e[j] = int32(render.Nearest(i, m, n) << 8)
		}
	}
}

// freeSamples deletes the tables' textures.
func (r *Renderer) freeSamples() {
	for i := range r.samples {
		if s := &r.samples[i]; s.id != 0 {
			ogl.DeleteTextures(1, &s.id)
		}
	}
	r.samples = [sampleSlots]samplesSlot{}
}
