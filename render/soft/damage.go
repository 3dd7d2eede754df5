package soft

import "image"

// Output damage tracking.
//
// The renderer keeps the drawn items of the last Render (their plans and
// the generation of their texture's contents). The next Render matches
// the new items against them in stacking order (a longest common
// subsequence on texture identity) and redraws:
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
// is what it was. A change of output size or background redraws all.

// drawn is one item of a rendered scene.
type drawn struct {
	plan
	gen uint64 // the texture's contents when drawn
}

// sameDraw reports whether a and b draw the same pixels from the same
// texture (contents aside).
func sameDraw(a, b *plan) bool {
	return a.tex == b.tex && a.src == b.src && a.dst == b.dst && a.t == b.t && a.opaque == b.opaque
}

// maxLCS bounds the matching table; past it, items match by position.
const maxLCS = 1 << 14

// diff adds to r.damage what differs between r.prev and r.cur.
func (r *Renderer) diff() {
	old, cur := r.prev, r.cur
	n, m := len(old), len(cur)
	// Common prefix and suffix match by position without a table.
	lo := 0
	for lo < n && lo < m && old[lo].tex == cur[lo].tex {
		r.matched(&old[lo], &cur[lo])
		lo++
	}
	hi := 0
	for hi < n-lo && hi < m-lo && old[n-1-hi].tex == cur[m-1-hi].tex {
		r.matched(&old[n-1-hi], &cur[m-1-hi])
		hi++
	}
	old, cur = old[lo:n-hi], cur[lo:m-hi]
	n, m = len(old), len(cur)
	if n == 0 || m == 0 || (n+1)*(m+1) > maxLCS {
		// Match by position (also exact: the order is kept).
		for i := 0; i < n || i < m; i++ {
			switch {
			case i < n && i < m && old[i].tex == cur[i].tex:
				r.matched(&old[i], &cur[i])
			default:
				if i < n {
					r.damage.add(old[i].vis)
				}
				if i < m {
					r.damage.add(cur[i].vis)
				}
			}
		}
		return
	}
	// L[i][j] is the LCS length of old[i:] and cur[j:].
	w := m + 1
	if cap(r.lcs) < (n+1)*w {
		r.lcs = make([]uint16, (n+1)*w)
	}
	L := r.lcs[:(n+1)*w]
	for j := 0; j <= m; j++ {
		L[n*w+j] = 0
	}
	for i := n - 1; i >= 0; i-- {
		L[i*w+m] = 0
		for j := m - 1; j >= 0; j-- {
			switch {
			case old[i].tex == cur[j].tex:
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
		case old[i].tex == cur[j].tex && L[i*w+j] == L[(i+1)*w+j+1]+1:
			r.matched(&old[i], &cur[j])
			i++
			j++
		case L[(i+1)*w+j] >= L[i*w+j+1]:
			r.damage.add(old[i].vis)
			i++
		default:
			r.damage.add(cur[j].vis)
			j++
		}
	}
	for ; i < n; i++ {
		r.damage.add(old[i].vis)
	}
	for ; j < m; j++ {
		r.damage.add(cur[j].vis)
	}
}

// matched adds the damage between two drawings of the same texture.
func (r *Renderer) matched(a, b *drawn) {
	if !sameDraw(&a.plan, &b.plan) {
		r.damage.add(a.vis)
		r.damage.add(b.vis)
		return
	}
	if a.gen == b.gen {
		return
	}
	rects, full := b.tex.changes(r.scratch[:0], a.gen)
	r.scratch = rects[:0]
	if full {
		r.damage.add(b.vis)
		return
	}
	for _, d := range rects {
		r.damage.add(b.mapRect(d))
	}
}

// mapRect returns an output rectangle holding every pixel of p that
// samples texture rectangle d (clipped to p.vis).
func (p *plan) mapRect(d image.Rectangle) image.Rectangle {
	d = d.Intersect(p.src)
	if d.Empty() {
		return image.Rectangle{}
	}
	d = d.Sub(p.src.Min)
	// Upright coordinates: u along output columns, v along rows.
	u0, u1, v0, v1 := d.Min.X, d.Max.X, d.Min.Y, d.Max.Y
	if p.t.SwapsAxes() {
		u0, u1, v0, v1 = v0, v1, u0, u1
	}
	dw, dh := p.dst.Dx(), p.dst.Dy()
	x0, x1 := span(u0, u1, p.uw, dw)
	y0, y1 := span(v0, v1, p.uh, dh)
	flipX, flipY := p.t.Flips()
	if flipX {
		x0, x1 = dw-x1, dw-x0
	}
	if flipY {
		y0, y1 = dh-y1, dh-y0
	}
	return image.Rect(x0, y0, x1, y1).Add(p.dst.Min).Intersect(p.vis)
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

// maxDamageRects caps the damage list; past it the list becomes its
// bounding box.
const maxDamageRects = 16

// damageList is a short list of output rectangles to redraw, kept
// disjoint: a rectangle added over or near another merges with it.
type damageList struct {
	bounds image.Rectangle
	rects  []image.Rectangle
	all    bool
}

func (l *damageList) reset(bounds image.Rectangle) {
	l.bounds, l.rects, l.all = bounds, l.rects[:0], false
}

// add adds rectangle d (clipped to the output).
func (l *damageList) add(d image.Rectangle) {
	d = d.Intersect(l.bounds)
	if d.Empty() || l.all {
		return
	}
	if d == l.bounds {
		l.rects, l.all = append(l.rects[:0], d), true
		return
	}
	for merged := true; merged; {
		merged = false
		for i := 0; i < len(l.rects); i++ {
			e := l.rects[i]
			u := d.Union(e)
			// Merge overlapping rectangles, and close ones whose union
			// wastes little (drawing a rectangle has a fixed cost).
			if d.Overlaps(e) || area(u)-area(d)-area(e) <= area(u)/8+1024 {
				d = u
				l.rects[i] = l.rects[len(l.rects)-1]
				l.rects = l.rects[:len(l.rects)-1]
				merged = true
				break
			}
		}
	}
	l.rects = append(l.rects, d)
	if len(l.rects) > maxDamageRects {
		var bb image.Rectangle
		for _, e := range l.rects {
			bb = bb.Union(e)
		}
		l.rects = append(l.rects[:0], bb)
	}
}

func area(r image.Rectangle) int { return r.Dx() * r.Dy() }
