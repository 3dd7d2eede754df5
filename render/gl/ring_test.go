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
	p := &pair{gl: h, soft: soft.New()}
	cp := newClientPool(t, 1<<20, true, shm.ReadAuto)
	b := &buffer{p: cp, off: 0, w: 64, h: 48, stride: 64*4 + 12, format: shm.FormatARGB8888}
	b.draw(image.Rect(0, 0, b.w, b.h), patternOf(1, binaryAlpha))
	gt, st := h.NewTexture(), p.soft.NewTexture()
	b.uploadBoth(t, gt, st, nil, true)
	sc := render.Scene{Background: [4]uint8{10, 20, 30, 255}, Items: []render.Item{{Texture: gt, Dst: image.Rect(5, 7, 69, 55)}}}
	softTex := map[render.Texture]render.Texture{gt: st}
	p.renderAndCompare(t, "first upload", sc, softTex, 80, 60)
	for i := 0; i < 2*ringSlots; i++ {
		b.draw(image.Rect(0, 0, b.w, b.h), patternOf(uint32(100+i), binaryAlpha))
		damage := []image.Rectangle{image.Rect(i, 0, i+9, 5), image.Rect(3, 20+i, 60, 30+i)}
		var next int
		h.Do(func(r *Renderer) { next = r.ringNext })
		b.uploadBoth(t, gt, st, damage, true)
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
