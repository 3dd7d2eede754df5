package damage

import (
	"image"
	"sync/atomic"
)

// History is what a texture's last uploads changed, for the trackers of
// the renderers that draw it. Embed one in a texture and call Record on
// every upload. Its address is the texture's identity to a Tracker.
type History struct {
	// gen names the current contents: every upload takes a new value
	// from gens, unique across textures; Reset sets it to 0.
	gen  uint64
	hist [HistLen]uploadRec // the last uploads, hist[at] newest
	at   int
}

// gens hands out texture generations (0 is never used).
var gens atomic.Uint64

// HistLen is how many uploads a texture remembers for damage tracking; a
// renderer that missed more redraws the whole item.
const HistLen = 4

// maxRecRects is how many damage rectangles an upload record keeps; more
// are merged into their bounding box.
const maxRecRects = 4

// uploadRec is what one upload changed: gen prev became gen.
type uploadRec struct {
	prev, gen uint64
	full      bool // every pixel (or the size or format) changed
	n         int
	rects     [maxRecRects]image.Rectangle
}

// Gen names the current contents (0 before any upload).
func (h *History) Gen() uint64 { return h.gen }

// Reset forgets every upload (the texture was destroyed).
func (h *History) Reset() { *h = History{} }

// Record notes an upload that changed the damage rectangles of a texture
// of the given bounds (all of it when full).
func (h *History) Record(full bool, damage []image.Rectangle, bounds image.Rectangle) {
	h.at = (h.at + 1) % HistLen
	rec := &h.hist[h.at]
	*rec = uploadRec{prev: h.gen, gen: gens.Add(1), full: full}
	h.gen = rec.gen
	if full {
		return
	}
	var bb image.Rectangle
	for _, d := range damage {
		d = d.Intersect(bounds)
		if d.Empty() {
			continue
		}
		bb = bb.Union(d)
		if rec.n < maxRecRects {
			rec.rects[rec.n] = d
		}
		rec.n++
	}
	if rec.n > maxRecRects {
		rec.rects[0], rec.n = bb, 1
	}
}

// Changes appends to dst the texture rectangles changed since generation
// since. full is true when they are not known (too many uploads since,
// or one that replaced everything): then the whole texture counts.
func (h *History) Changes(dst []image.Rectangle, since uint64) (_ []image.Rectangle, full bool) {
	want := h.gen
	for k := 0; k < HistLen && want != since; k++ {
		rec := &h.hist[(h.at-k+HistLen)%HistLen]
		if rec.gen != want || rec.full {
			return dst, true
		}
		dst = append(dst, rec.rects[:rec.n]...)
		want = rec.prev
	}
	return dst, want != since
}
