//go:build cgo

package gl

import (
	"image"
	"testing"

	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/render/soft"
	"github.com/nofault/nofault/shm"
)

// TestRingUploads checks that UploadMode.Ring really streams through its
// buffers (each upload takes the next one and leaves a fence on it, the
// damage rectangles of one upload packed into one buffer) and that the
// pixels match render/soft's, partial uploads included.
func TestRingUploads(t *testing.T) {
	h := headless(t)
	h.Do(func(r *Renderer) { r.SetUploadMode(UploadMode{Ring: true}) })
	rc := newRingCase(t, h)
	p, sc, softTex := rc.p, rc.sc, rc.softTex
	for i := 0; i < 2*ringSlots; i++ {
		next := rc.partialUpload(t, h, i)
		h.Do(func(r *Renderer) {
			s := r.ring[next]
			if s.buf == 0 || s.fence == 0 {
				t.Errorf("upload %d: ring buffer %d not used (buffer %d, fence %#x)", i, next, s.buf, s.fence)
			}
			if want := ringAlign(9*4*5) + 57*4*10; s.size < want {
				t.Errorf("upload %d: ring buffer %d holds %d bytes, want >= %d (both rectangles)", i, next, s.size, want)
			}
			if r.ringNext != (next+1)%ringSlots {
				t.Errorf("upload %d: next ring buffer %d, want %d", i, r.ringNext, (next+1)%ringSlots)
			}
		})
		p.renderAndCompare(t, "partial upload", sc, softTex, 80, 60)
	}
}

// TestPersistUploads checks that UploadMode.Persist streams through
// buffers mapped once (each upload takes the next slot, writes through the
// slot's standing mapping and leaves a fence; a slot keeps its buffer and
// mapping from one round to the next), that the pixels match
// render/soft's, and that switching to Ring and back replaces the
// immutable buffers rather than resizing them.
func TestPersistUploads(t *testing.T) {
	h := headless(t)
	var has bool
	h.Do(func(r *Renderer) {
		has = r.bufferStorage != nil
		r.SetUploadMode(UploadMode{Persist: true})
	})
	if !has {
		t.Skip("the GL context has no GL_ARB_buffer_storage: Persist is Ring there")
	}
	rc := newRingCase(t, h)
	p, b, gt, st, sc, softTex := rc.p, rc.b, rc.gt, rc.st, rc.sc, rc.softTex
	var first [ringSlots]ringSlot
	for i := 0; i < 3*ringSlots; i++ {
		if i == ringSlots+1 {
			// One upload through Ring in between: it must drop the
			// immutable buffer of its slot, and Persist make a new one.
			h.Do(func(r *Renderer) { r.SetUploadMode(UploadMode{Ring: true}) })
			b.uploadBoth(t, gt, st, []image.Rectangle{image.Rect(0, 0, 8, 8)}, true)
			h.Do(func(r *Renderer) {
				s := r.ring[(r.ringNext+ringSlots-1)%ringSlots]
				if s.mapped != nil || s.buf == 0 {
					t.Errorf("ring upload after persist: slot keeps a persistent mapping (%p) or has no buffer", s.mapped)
				}
				r.SetUploadMode(UploadMode{Persist: true})
			})
			p.renderAndCompare(t, "ring upload between persistent ones", sc, softTex, 80, 60)
		}
		next := rc.partialUpload(t, h, i)
		h.Do(func(r *Renderer) {
			s := r.ring[next]
			if s.buf == 0 || s.fence == 0 || s.mapped == nil {
				t.Errorf("upload %d: slot %d not used persistently (buffer %d, fence %#x, mapping %p)", i, next, s.buf, s.fence, s.mapped)
			}
			if s.size < persistMin {
				t.Errorf("upload %d: slot %d holds %d bytes, want >= %d", i, next, s.size, persistMin)
			}
			if r.ringNext != (next+1)%ringSlots {
				t.Errorf("upload %d: next slot %d, want %d", i, r.ringNext, (next+1)%ringSlots)
			}
			switch {
			case i < ringSlots:
				first[next] = s
			case i < ringSlots+1 && (s.buf != first[next].buf || s.mapped != first[next].mapped):
				t.Errorf("upload %d: slot %d was remade (buffer %d -> %d): a persistent buffer is mapped once", i, next, first[next].buf, s.buf)
			}
		})
		p.renderAndCompare(t, "partial upload", sc, softTex, 80, 60)
	}
}

// ringCase is the scene TestRingUploads and TestPersistUploads draw: one
// 64x48 ARGB texture with a stride that is not a whole row, uploaded whole
// once (in the renderer's current upload mode) and checked against
// render/soft.
type ringCase struct {
	p       *pair
	b       *buffer
	gt, st  render.Texture
	sc      render.Scene
	softTex map[render.Texture]render.Texture
}

func newRingCase(t *testing.T, h *Headless) *ringCase {
	t.Helper()
	rc := &ringCase{p: &pair{gl: h, soft: soft.New()}}
	cp := newClientPool(t, 1<<20, true, shm.ReadAuto)
	rc.b = &buffer{p: cp, off: 0, w: 64, h: 48, stride: 64*4 + 12, format: shm.FormatARGB8888}
	rc.b.draw(image.Rect(0, 0, rc.b.w, rc.b.h), patternOf(1, binaryAlpha))
	rc.gt, rc.st = h.NewTexture(), rc.p.soft.NewTexture()
	rc.b.uploadBoth(t, rc.gt, rc.st, nil, true)
	rc.sc = render.Scene{Background: [4]uint8{10, 20, 30, 255}, Items: []render.Item{{Texture: rc.gt, Dst: image.Rect(5, 7, 69, 55)}}}
	rc.softTex = map[render.Texture]render.Texture{rc.gt: rc.st}
	rc.p.renderAndCompare(t, "first upload", rc.sc, rc.softTex, 80, 60)
	return rc
}

// partialUpload draws upload i's pattern and uploads two damaged
// rectangles of it, which move with i, to both renderers; it returns the
// ring slot the upload was to take.
func (rc *ringCase) partialUpload(t *testing.T, h *Headless, i int) (slot int) {
	t.Helper()
	b := rc.b
	b.draw(image.Rect(0, 0, b.w, b.h), patternOf(uint32(100+i), binaryAlpha))
	damage := []image.Rectangle{image.Rect(i, 0, i+9, 5), image.Rect(3, 20+i, 60, 30+i)}
	h.Do(func(r *Renderer) { slot = r.ringNext })
	b.uploadBoth(t, rc.gt, rc.st, damage, true)
	return slot
}
