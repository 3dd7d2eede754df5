package soft

import "slices"

// Rows last with a table (drawLinearH): each source row an item reads is
// filtered along the output row once, by a table of 4 output pixels a
// group, into hmix lanes, and each output row mixes two such rows and
// rounds. Where the item shows more output rows than it reads source
// rows (every enlargement) the pass along the row, the dearer one, runs
// fewer times than in drawLinearV; and each of its groups takes one
// load and one VPERMD for its pixel pairs where drawLinearV's pass takes
// a load a pixel.

// permEntry is a group of 4 output pixels of a permTab: 8 source pixels
// from base hold every pixel's pair; idx names them (VPERMD's indices:
// pixel j's pair at 2j and 2j+1), w gives their weights, (one-wx, wx) as
// bytes for each of the 4 channels. A pixel at weight 0 (or one) has the
// pair (k, k) at weights (one/2, one/2): a signed byte cannot hold one.
type permEntry struct {
	base int32
	_    int32
	idx  [8]uint8
	w    [32]uint8
}

// permTab is hperm's table for one mapping of source columns to output
// pixels: a permEntry for each whole group of 4, made again only when
// the columns, their weights or the span of source pixels read change.
type permTab struct {
	e    []permEntry
	c    []int32 // each output pixel's first source pixel, from the span's start
	wx   []uint32
	read int // the source pixels each row reads, from the span's start
	ok   bool
}

// set makes pt the table of columns c (from the span's start) at weights
// wx over a span of read source pixels, and reports whether each group's
// pairs lie within 8 source pixels (a shrink to more than about 0.5 does
// not) and the span holds 8.
func (pt *permTab) set(c []int32, wx []uint32, read int) bool {
	if read == pt.read && slices.Equal(c, pt.c) && slices.Equal(wx, pt.wx) {
		return pt.ok
	}
	pt.c, pt.wx, pt.read = append(pt.c[:0], c...), append(pt.wx[:0], wx...), read
	pt.ok = false
	if read < 8 {
		return false
	}
	g := len(c) / 4
	if cap(pt.e) < g {
		pt.e = make([]permEntry, g)
	}
	pt.e = pt.e[:g]
	for i := range pt.e {
		var k [4][2]int
		lo, hi := read, 0
		for j := range k {
			x, w := int(c[4*i+j]), wx[4*i+j]
			switch w {
			case 0:
				k[j] = [2]int{x, x}
			case one:
				k[j] = [2]int{x + 1, x + 1}
			default:
				k[j] = [2]int{x, x + 1}
			}
			lo, hi = min(lo, k[j][0]), max(hi, k[j][1])
		}
		base := min(lo, read-8)
		if lo < 0 || hi >= read || hi-base > 7 {
			return false
		}
		e := &pt.e[i]
		e.base = int32(base)
		for j := range k {
			e.idx[2*j], e.idx[2*j+1] = uint8(k[j][0]-base), uint8(k[j][1]-base)
			w0, w1 := uint8(one/2), uint8(one/2)
			if w := wx[4*i+j]; w != 0 && w != one {
				w0, w1 = uint8(one-w), uint8(w)
			}
			for ch := range 4 {
				e.w[8*j+2*ch], e.w[8*j+2*ch+1] = w0, w1
			}
		}
	}
	pt.ok = true
	return true
}

// hpermGo sets h[i] to src[c[i]] and src[c[i]+1], each ORed with or,
// mixed with weight wx[i] of the second, in wide's lanes B, G, R, A (the
// bytes' R and B exchanged first where swap), plus vRound: a channel is
// at most 255*one + one/2, as vmixSrc's.
func hpermGo(h []uint64, src []uint32, c []int32, wx []uint32, swap bool, or uint32) {
	c, wx = c[:len(h)], wx[:len(h)]
	for i := range h {
		w := uint64(wx[i])
		a := src[c[i]] | or
		b := a
		if w != 0 {
			b = src[c[i]+1] | or
		}
		if swap {
			a, b = swapRB(a), swapRB(b)
		}
		h[i] = wide(a)*(one-w) + wide(b)*w + vRound
	}
}

// vmulGo sets dst[i] to a[i] and c[i] (hperm's lanes, vRound included)
// mixed with weight w of c, each channel (a*(one-w) + c*w) / (one*one)
// rounded down, and returns the AND of dst's pixels.
func vmulGo(dst []uint32, a, c []uint64, w uint32) uint32 {
	a, c = a[:len(dst)], c[:len(dst)]
	and := ^uint32(0)
	for i := range dst {
		var p uint32
		for ch := 0; ch < 64; ch += 16 {
			s := (a[i]>>ch&0xffff)*uint64(one-w) + (c[i]>>ch&0xffff)*uint64(w)
			p |= uint32(s>>14) << (ch / 2)
		}
		dst[i] = p
		and &= p
	}
	return and
}

// noRowsLast, set by tests, sends every item drawLinearH would take to
// drawLinearV.
var noRowsLast bool

// drawLinearH is drawLinear for an item whose source pixels are 4-byte
// aligned (l.aligned), with the columns drawLinear set (r.cols, r.lin.wx;
// sp their span), where each group of 4 output pixels reads 8 source
// pixels or fewer: each source row is filtered along the output row
// (hperm) once, kept while the next output row reads it too, and each
// output row mixes two such rows and rounds (vmul). A turned buffer's
// source rows (its columns) come from turnedRows' bands. The sums are
// drawLinear's, so the pixels are the same. It reports false, having
// drawn nothing, where it does not take the item.
func (r *Renderer) drawLinearH(p *plan, l *srcLayout, sp linSpan, or uint32, swap, linY, direct, opaqueSrc bool) bool {
	lb := &r.lin
	n := p.vis.Dx()
	if !rowsLast() || !lb.perm.set(sp.cr, lb.wx[:n], sp.read) {
		return false
	}
	x0, read := sp.x0, sp.read
	turned := l.colStep != 1
	down := !turned || r.turnedDown(p, linY) // source rows follow output rows down
	lb.hRow = [2]int{-1, -1}
	// row returns source row k filtered along the output row, computing
	// it into the buffer that does not hold keep.
	row := func(k, keep int) []uint64 {
		j, hit := lb.hSlot(k, keep)
		h := lb.h[j][:n]
		if !hit {
			var src []uint32
			if turned {
				src, _ = r.turnedRows(p, l, k, false, down, x0, read)
			} else {
				s := l.base + k*l.rowStep + x0
				src = l.pix[s : s+read]
			}
			hperm(h, src, &lb.perm, swap, or)
		}
		return h
	}
	overBg := !p.opaque && p.overBg
	for y := p.vis.Min.Y; y < p.vis.Max.Y; y++ {
		k, w := p.sourceRow(y, linY)
		t := row(k, k+1)
		u := t
		if w != 0 {
			u = row(k+1, k)
		}
		out := r.rowOut(p, y, n, direct || overBg)
		and := vmul(out, t, u, uint32(w))
		r.putLinearRow(p, y, out, and, direct, overBg, opaqueSrc)
	}
	return true
}
