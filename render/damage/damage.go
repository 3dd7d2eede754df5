// Package damage is the output damage tracking shared by nofault's
// renderers (render/soft and render/gl): which output rectangles differ
// between the last rendered scene and the next, so that a renderer redraws
// only those.
//
// A texture keeps a History of its uploads. Each Render, the renderer
// describes every item it will draw to a Tracker (Add), then asks it for
// the damage (Damage). The tracker matches the new items against the last
// scene's in stacking order (a longest common subsequence on texture
// identity) and returns:
//   - the visible rectangle of every item that has no match (it appeared,
//     disappeared or changed places in the stack);
//   - the old and new rectangles of a matched item drawn differently
//     (moved, resized, cropped, transformed, opacity changed);
//   - for a matched item drawn the same way, the texture rectangles
//     uploaded since, mapped to the output through the item's sampling.
//
// That is exact: at an output pixel outside all of these, the items
// covering it are the matched ones, in the same order, drawn the same way
// from unchanged texture pixels, over the same background, so the pixel
// is what it was. A change of output size or background damages all.
//
// MapRect follows the sampling of render's filter.go, which both
// renderers implement exactly. Nothing here allocates once
// the slices have grown to the scene's size.
package damage

import (
	"image"

	"github.com/nofault/nofault/render"
)

// Draw is how one item of a scene is drawn.
type Draw struct {
	Tex    *History        // the texture's history: its identity and contents
	Src    image.Rectangle // texture pixels drawn, inside the texture
	Dst    image.Rectangle // item rectangle in output coordinates
	Vis    image.Rectangle // Dst clipped to the output, not empty
	T      render.Transform
	Opaque bool // alpha is ignored (or always 255)
	// OpaqueRect is where the item hides what is below it (Vis for an
	// opaque item; else render.OpaqueArea, clipped to Vis).
	OpaqueRect image.Rectangle
	gen        uint64 // the texture's contents when drawn
}

// sameDraw reports whether a and b draw the same pixels from the same
// texture (contents aside).
func sameDraw(a, b *Draw) bool {
	return a.Tex == b.Tex && a.Src == b.Src && a.Dst == b.Dst && a.T == b.T && a.Opaque == b.Opaque && a.OpaqueRect == b.OpaqueRect
}

// Tracker computes output damage between consecutive scenes. The zero
// value is ready; its first Damage is the whole output.
type Tracker struct {
	prev, cur  []Draw
	prevBg     [4]uint8
	prevBounds image.Rectangle
	valid      bool // prev, prevBg and prevBounds describe the last frame
	list       List
	scratch    []image.Rectangle
	lcs        []uint16
}

// Invalidate makes the next Damage the whole output (the output's pixels
// were lost or never drawn).
func (t *Tracker) Invalidate() { t.valid = false }

// Add appends an item of the scene being rendered, bottom first.
func (t *Tracker) Add(d Draw) {
	d.gen = d.Tex.gen
	t.cur = append(t.cur, d)
}

// Damage returns the output rectangles (disjoint, inside bounds) that
// differ between the last frame and the items added since, over
// background bg, and makes those items the last frame. The slice is valid
// until the next call.
func (t *Tracker) Damage(bounds image.Rectangle, bg [4]uint8) []image.Rectangle {
	t.list.Reset(bounds)
	if !t.valid || bounds != t.prevBounds || bg != t.prevBg {
		t.list.Add(bounds)
	} else {
		t.diff()
	}
	t.prev, t.cur = t.cur, t.prev[:0]
	t.prevBg, t.prevBounds, t.valid = bg, bounds, true
	return t.list.Rects()
}

// maxLCS bounds the matching table; past it, items match by position.
const maxLCS = 1 << 14

// diff adds to t.list what differs between t.prev and t.cur.
func (t *Tracker) diff() {
	old, cur := t.prev, t.cur
	n, m := len(old), len(cur)
	// Common prefix and suffix match by position without a table.
	lo := 0
	for lo < n && lo < m && old[lo].Tex == cur[lo].Tex {
		t.matched(&old[lo], &cur[lo])
		lo++
	}
	hi := 0
	for hi < n-lo && hi < m-lo && old[n-1-hi].Tex == cur[m-1-hi].Tex {
		t.matched(&old[n-1-hi], &cur[m-1-hi])
		hi++
	}
	old, cur = old[lo:n-hi], cur[lo:m-hi]
	n, m = len(old), len(cur)
	if n == 0 || m == 0 || (n+1)*(m+1) > maxLCS {
		// Match by position (also exact: the order is kept).
		for i := 0; i < n || i < m; i++ {
			switch {
			case i < n && i < m && old[i].Tex == cur[i].Tex:
				t.matched(&old[i], &cur[i])
			default:
				if i < n {
					t.list.Add(old[i].Vis)
				}
				if i < m {
					t.list.Add(cur[i].Vis)
				}
			}
		}
		return
	}
	// L[i][j] is the LCS length of old[i:] and cur[j:].
	w := m + 1
	if cap(t.lcs) < (n+1)*w {
		t.lcs = make([]uint16, (n+1)*w)
	}
	L := t.lcs[:(n+1)*w]
	for j := 0; j <= m; j++ {
		L[n*w+j] = 0
	}
	for i := n - 1; i >= 0; i-- {
		L[i*w+m] = 0
		for j := m - 1; j >= 0; j-- {
			switch {
			case old[i].Tex == cur[j].Tex:
				L[i*w+j] = L[(i+1)*w+j+1] + 1
			case L[(i+1)*w+j] >= L[i*w+j+1]:
				L[i*w+j] = L[(i+1)*w+j]
			default:
				L[i*w+j] = L[i*w+j+1]
			}
		}
	}
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case old[i].Tex == cur[j].Tex && L[i*w+j] == L[(i+1)*w+j+1]+1:
			t.matched(&old[i], &cur[j])
			i++
			j++
		case L[(i+1)*w+j] >= L[i*w+j+1]:
			t.list.Add(old[i].Vis)
			i++
		default:
			t.list.Add(cur[j].Vis)
			j++
		}
	}
	for ; i < n; i++ {
		t.list.Add(old[i].Vis)
	}
	for ; j < m; j++ {
		t.list.Add(cur[j].Vis)
	}
}

// matched adds the damage between two drawings of the same texture.
func (t *Tracker) matched(a, b *Draw) {
	if !sameDraw(a, b) {
		t.list.Add(a.Vis)
		t.list.Add(b.Vis)
		return
	}
	if a.gen == b.gen {
		return
	}
	rects, full := b.Tex.Changes(t.scratch[:0], a.gen)
	t.scratch = rects[:0]
	if full {
		t.list.Add(b.Vis)
		return
	}
	for _, d := range rects {
		t.list.Add(b.MapRect(d))
	}
}

// MapRect returns an output rectangle holding every pixel of d that
// samples texture rectangle r (clipped to d.Vis).
func (d *Draw) MapRect(r image.Rectangle) image.Rectangle {
	r = r.Intersect(d.Src)
	if r.Empty() {
		return image.Rectangle{}
	}
	r = r.Sub(d.Src.Min)
	uw, uh := d.Src.Dx(), d.Src.Dy()
	// Upright coordinates: u along output columns, v along rows.
	u0, u1, v0, v1 := r.Min.X, r.Max.X, r.Min.Y, r.Max.Y
	if d.T.SwapsAxes() {
		u0, u1, v0, v1 = v0, v1, u0, u1
		uw, uh = uh, uw
	}
	dw, dh := d.Dst.Dx(), d.Dst.Dy()
	// A linearly filtered output pixel reads the two source pixels around
	// its centre, so one whose nearest source pixel is next to r may read
	// r too.
	if render.Linear(uw, dw) {
		u0, u1 = u0-1, u1+1
	}
	if render.Linear(uh, dh) {
		v0, v1 = v0-1, v1+1
	}
	x0, x1 := span(u0, u1, uw, dw)
	y0, y1 := span(v0, v1, uh, dh)
	flipX, flipY := d.T.Flips()
	if flipX {
		x0, x1 = dw-x1, dw-x0
	}
	if flipY {
		y0, y1 = dh-y1, dh-y0
	}
	return image.Rect(x0, y0, x1, y1).Add(d.Dst.Min).Intersect(d.Vis)
}

// span returns a range of destination pixels, of n, holding all those
// whose sample (of m source pixels) lies in [a, b).
func span(a, b, m, n int) (int, int) {
	if m == n {
		return a, b
	}
	i0 := a*n/m - 1
	i1 := (b*n+m-1)/m + 1
	return max(i0, 0), min(i1, n)
}
