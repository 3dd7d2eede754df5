package soft

import (
	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/shm"
)

// linBufs is drawLinear's scratch, grown to the output's width on first
// use: the second source pixel of each visible column and its weight,
// two gathered source rows, and two source rows filtered along output
// rows (hmix lanes) with the source row each holds.
type linBufs struct {
	cols1 []int
	wx    []uint32
	a, b  []uint32
	h     [2][]uint64
	hRow  [2]int
	// Rows first (drawLinearV): a span of source pixels mixed along the
	// column, the columns from the span's start, and hmixRound's
	// weights.
	v   []uint64
	c32 []int32
	wt  []uint32
	rep hmixRepeat
	// A turned source's rows (turnedRows): bandSpan (16) of them over the
	// span, from source row tk, and the offsets transpose16 reads.
	tb    []uint32
	tcols []int
	tk    int
	// Rows last with a table (drawLinearH): the pass along the row's
	// table; it shares h, hRow and c32.
	perm permTab
}

// hSlot returns which of lb.h holds source row k filtered along the
// output row (hit), or, where neither does, which is to hold it: the one
// that does not hold row keep.
func (lb *linBufs) hSlot(k, keep int) (j int, hit bool) {
	for j := range lb.hRow {
		if lb.hRow[j] == k {
			return j, true
		}
	}
	if lb.hRow[0] == keep {
		j = 1
	}
	lb.hRow[j] = k
	return j, false
}

func (lb *linBufs) grow(n int) {
	if cap(lb.wx) >= n {
		return
	}
	lb.cols1, lb.wx = make([]int, n), make([]uint32, n)
	lb.a, lb.b = make([]uint32, n), make([]uint32, n)
	lb.h = [2][]uint64{make([]uint64, n), make([]uint64, n)}
	lb.c32, lb.wt = make([]int32, n), make([]uint32, n)
}

// drawLinear draws p from b as drawFrom does, for an item filtered
// linearly along linX, linY or both (render.Linear): output pixel (x, y)
// blends the source pixels render.LinearSample names on each axis (one
// on a nearest-neighbour axis) with weights in 128ths, in premultiplied
// 8-bit channels, and rounds once. render/gl's exact program computes
// the same numbers.
//
// The filter is separable. Where the source's pixels are 4-byte aligned
// (client buffers in practice), an item that shrinks its source to no
// less than about 0.5 goes to drawLinearH, which filters each source row
// along the output row once with a table (a buffer at scale 2 on an
// output at 1.5, a viewport's stretch, an enlargement; turned by 90 or
// 270 degrees too, its rows transposed in bands). Where it does not take
// the item and the item does not shrink its source more than maxSpan
// allows, drawLinearV mixes along the column first. Elsewhere each
// source row is first gathered and filtered along the output row
// (hmixRow, kept unrounded in 16-bit lanes), and each output row mixes
// two such rows (vmixRow).
// Consecutive output rows mostly share a source row, so a filtered row is
// kept while the next output row still reads it.
func (r *Renderer) drawLinear(p *plan, b []byte, stride int, f shm.Format, alphaSet, linX, linY bool) {
	n := p.vis.Dx()
	l := layoutOf(p, b, stride)
	opaqueSrc := alphaSet || !f.HasAlpha()

	lb := &r.lin
	lb.grow(len(r.cols))
	c0, wx := r.cols[:n], lb.wx[:n]
	for i := range c0 {
		k, w := p.sourceCol(p.vis.Min.X+i, linX)
		if linX && k == p.uw-1 {
			// The last pixel whole, as the second of a pair (a filtered
			// axis has 2 pixels or more): every column then reads pixels
			// k and k+1 (hmixRound).
			k, w = k-1, one
		}
		c0[i], wx[i] = k*l.colStep, uint32(w)
	}
	cmax, lo := 0, c0[0] // the largest and smallest offsets in c0
	for _, c := range c0 {
		cmax, lo = max(cmax, c), min(lo, c)
	}
	or := alphaOr(f) // the alpha of an X format
	// direct: the rows go straight into the output.
	direct := p.opaque && opaqueSrc
	if l.aligned {
		sp := r.spanOf(p, &l, lo, cmax)
		if r.drawLinearH(p, &l, sp, or, f.SwapRB(), linY, direct, opaqueSrc) {
			return
		}
		// Rows first mixes every source pixel between the columns read,
		// on each output row: where the item shrinks a wide source to a
		// few pixels, that would cost in proportion to the source (a
		// client's buffer 2^27 pixels wide shown 2 wide), so it takes
		// the gathering path, whose cost follows the output.
		if cmax-lo <= maxSpan(n)*l.colStep {
			r.drawLinearV(p, &l, sp, or, f.SwapRB(), linX, linY, direct, opaqueSrc)
			return
		}
	}
	c1 := lb.cols1[:n] // the second pixel of each column's pair
	for i, c := range c0 {
		c1[i] = c + int(min(wx[i], 1))*l.colStep
	}
	lb.hRow = [2]int{-1, -1}
	// row returns source row k filtered along the output row, computing
	// it into the buffer that does not hold keep.
	row := func(k, keep int) []uint64 {
		j, hit := lb.hSlot(k, keep)
		h := lb.h[j][:n]
		if hit {
			return h
		}
		s := l.base + k*l.rowStep
		l.gather(lb.a[:n], b, s, c0, cmax, f, nil)
		if linX {
			l.gather(lb.b[:n], b, s, c1, cmax+l.colStep, f, nil)
			hmixRow(h, lb.a[:n], lb.b[:n], wx)
		} else {
			spreadRow(h, lb.a[:n])
		}
		return h
	}
	for y := p.vis.Min.Y; y < p.vis.Max.Y; y++ {
		k, w := p.sourceRow(y, linY)
		t := row(k, k+1)
		out := r.rowOut(p, y, n, direct)
		if w == 0 {
			roundRow(out, t)
		} else {
			vmixRow(out, t, row(k+1, k), uint32(w))
		}
		if !direct {
			r.putRow(p, y, out, opaqueSrc)
		}
	}
}

// rowOut is where drawLinear puts output row y's n pixels: the output
// itself where they need no compositing (direct), else a row buffer for
// putRow.
func (r *Renderer) rowOut(p *plan, y, n int, direct bool) []uint32 {
	if !direct {
		return r.row[:n]
	}
	o := y*r.w + p.vis.Min.X
	return r.out[o : o+n]
}

// maxSpan is the widest span of source columns, less one, that
// drawLinearV mixes for n output pixels: 4 source pixels an output pixel
// (a shrink to 0.25), which also bounds its scratch by the output's
// width.
func maxSpan(n int) int { return 4*n + 16 }

// linSpan is the source columns that an item whose source pixels are
// 4-byte aligned reads, as drawLinearH and drawLinearV take them: from
// column x0 to x0+xmax+1 (the last pair's second), read of them within
// the row, and each output pixel's first column from x0 (cr, 32 bits: a
// filtered axis has at most render.MaxLinear pixels).
type linSpan struct {
	x0, xmax, read int
	cr             []int32
}

// spanOf returns the linSpan of p's columns as drawLinear set them
// (r.cols, offsets from l.base, lo and cmax the smallest and largest),
// the columns from x0 in r.lin.c32. Offsets to source columns step by
// l.colStep, which is 1 but for a turned buffer, whose columns are its
// rows.
func (r *Renderer) spanOf(p *plan, l *srcLayout, lo, cmax int) linSpan {
	n, step := p.vis.Dx(), l.colStep
	sp := linSpan{x0: lo / step, xmax: (cmax - lo) / step, cr: r.lin.c32[:n]}
	// Along a nearest-neighbour row the last column may be the row's
	// last pixel, whose pair (at weight 0) is past the row: only the
	// pixels up to the row's end are read.
	sp.read = min(sp.xmax+2, p.uw-sp.x0)
	for i, c := range r.cols[:n] {
		sp.cr[i] = int32((c - lo) / step)
	}
	return sp
}

// turnedDown readies turnedRows for a draw of p, a turned buffer whose
// source rows are its columns, and reports whether those rows follow the
// output rows down (not flipped).
func (r *Renderer) turnedDown(p *plan, linY bool) bool {
	r.lin.tk = -1
	k0, _ := p.sourceRow(p.vis.Min.Y, linY)
	k1, _ := p.sourceRow(p.vis.Max.Y-1, linY)
	return k1 >= k0
}

// drawLinearV is drawLinear for an item whose source pixels are 4-byte
// aligned (l.aligned), with the columns drawLinear set (r.cols, r.lin.wx;
// sp their span), linX and linY telling which axes are filtered and swap
// whether the pixels are R, G, B, A in memory (SwapRB). It mixes along
// the column first: each output row mixes its two source rows
// over the span of columns it reads (vmixSrc, unrounded 16-bit lanes),
// then mixes and rounds along the row (hmixRound). The sums are those of
// drawLinear's order, so the pixels are the same. It costs less: the
// pass along the row, which reads a pair per output pixel, runs once per
// output row instead of once per source row, and the pass along the
// column reads whole runs of pixels.
func (r *Renderer) drawLinearV(p *plan, l *srcLayout, sp linSpan, or uint32, swap, linX, linY, direct, opaqueSrc bool) {
	lb := &r.lin
	n := p.vis.Dx()
	wx := lb.wx[:n]
	x0, xmax, read, cr := sp.x0, sp.xmax, sp.read, sp.cr
	span := xmax + 2 // columns x0 to x0+xmax+1
	if cap(lb.v) < span {
		lb.v = make([]uint64, span)
	}
	v := lb.v[:span]
	clear(v[read:]) // a pair past the row's end (at weight 0): lanes of 0
	wt := lb.wt[:n]
	hmixWeights(wt, wx)
	q := 1 // the weights along a nearest-neighbour row are all 0
	if linX {
		q = p.dst.Dx() / gcd(p.uw, p.dst.Dx())
	}
	lb.rep.set(wt, q)
	// A translucent item over the background alone (putRow's overBg) is
	// also mixed straight into the output, and where a row has a pixel
	// that is not opaque, composited over the background in place.
	overBg := !p.opaque && p.overBg
	// Source rows of a turned buffer are its columns: they are
	// transposed into lb.tb, 16 at a time (turnedRows).
	turned := l.colStep != 1
	down := !turned || r.turnedDown(p, linY) // source rows follow output rows down, not up (flipped)
	for y := p.vis.Min.Y; y < p.vis.Max.Y; y++ {
		k, w := p.sourceRow(y, linY)
		var a, c []uint32 // rows k and k+1 (k again where w is 0)
		if turned {
			a, c = r.turnedRows(p, l, k, w != 0, down, x0, read)
		} else {
			s := l.base + k*l.rowStep + x0
			a, c = l.pix[s:s+read], l.pix[s:s+read]
			if w != 0 {
				c = l.pix[s+l.rowStep : s+l.rowStep+read]
			}
		}
		// Weights (one/2, one/2) of a row with itself make it whole:
		// vmixSrc's weights are signed bytes, which one is not.
		w0, w1 := uint32(one/2), uint32(one/2)
		if w != 0 {
			w0, w1 = uint32(one-w), uint32(w)
		}
		vmixSrc(v[:read], a, c, w0, w1, or)
		out := r.rowOut(p, y, n, direct || overBg)
		and := hmixRound(out, v, cr, wx, wt, xmax, swap, &lb.rep)
		r.putLinearRow(p, y, out, and, direct, overBg, opaqueSrc)
	}
}

// putLinearRow finishes output row y of a filtered item, whose pixels a
// pass wrote to out (rowOut(direct || overBg)), and returned their AND:
// nothing more where they went straight into the output, composited in
// place over the background colour where they went there and some pixel
// is translucent (overBg), else composited into the output by putRow.
func (r *Renderer) putLinearRow(p *plan, y int, out []uint32, and uint32, direct, overBg, opaqueSrc bool) {
	switch {
	case direct:
	case overBg:
		if and < alphaMask { // some pixel is translucent
			// Plain stores: the pass has just written out's lines into
			// the caches (5.50 against 4.63 ms a translucent frame at
			// 1.5 with non-temporal ones, bench/ab.sh).
			overSolidRow(out, out, p.bg, false)
		}
	default:
		r.putRow(p, y, out, opaqueSrc)
	}
}

// turnedRows returns source rows k and k+1 (k again where !pair) of p, a
// buffer turned by 90 or 270 degrees (l: its rows are the buffer's
// columns, l.rowStep 1), over n columns from x0: rows of r.lin.tb, which
// holds 16 source rows transposed from the buffer (transpose16, 16 pixels
// of each 64-byte line of the buffer's rows at once), from r.lin.tk. It
// transposes the 16 rows from k (down) or up to k+1 (!down: the item is
// flipped, and the source rows run up) when the band holds not both.
// Read a pixel at a time, as the gathering path does, each pixel was a
// load from another buffer row, and the frame cost three straight ones.
func (r *Renderer) turnedRows(p *plan, l *srcLayout, k int, pair, down bool, x0, n int) (a, c []uint32) {
	lb := &r.lin
	k1 := k
	if pair {
		k1 = k + 1
	}
	rows := min(bandSpan, p.uh)
	if lb.tk < 0 || k < lb.tk || k1 >= lb.tk+rows {
		tk := k
		if !down {
			tk = k1 - (rows - 1)
		}
		tk = max(0, min(tk, p.uh-rows))
		if cap(lb.tb) < bandSpan*n {
			lb.tb = make([]uint32, bandSpan*n)
		}
		if cap(lb.tcols) < n {
			lb.tcols = make([]int, n)
		}
		cols := lb.tcols[:n]
		for x := range cols {
			cols[x] = l.base + tk*l.rowStep + (x0+x)*l.colStep
		}
		if rows == bandSpan {
			ahead := bandAhead(0, 1)
			if !down {
				ahead = bandAhead(1, 0)
			}
			transpose16(lb.tb[:bandSpan*n], n, l.pix, cols, cols[n-1], ahead)
		} else {
			transposeGo(lb.tb[:rows*n], n, l.pix, cols, 0, rows)
		}
		lb.tk = tk
	}
	a = lb.tb[(k-lb.tk)*n : (k-lb.tk+1)*n]
	c = lb.tb[(k1-lb.tk)*n : (k1-lb.tk+1)*n]
	return a, c
}

// wide puts p's bytes in the 16-bit lanes of a uint64 in memory order: B,
// G, R, A of 0xAARRGGBB from the low lane up.
func wide(p uint32) uint64 {
	return uint64(p&0xff) | uint64(p>>8&0xff)<<16 | uint64(p>>16&0xff)<<32 | uint64(p>>24)<<48
}

// vRound is one/2 in each of wide's lanes. Added to both lanes that
// hmixRound mixes with weights that sum to one, it adds one*one/2 to the
// sum: the rounding of the final division.
const vRound = 0x0040_0040_0040_0040

// vmixSrcGo sets v[j] to a[j] and c[j], each ORed with or, mixed with
// weights w0 and w1 (w0+w1 = one) in wide's lanes, plus vRound: a
// channel is at most 255*one + one/2.
func vmixSrcGo(v []uint64, a, c []uint32, w0, w1, or uint32) {
	a, c = a[:len(v)], c[:len(v)]
	for j := range v {
		v[j] = wide(a[j]|or)*uint64(w0) + wide(c[j]|or)*uint64(w1) + vRound
	}
}

// hmixRoundGo sets dst[i] to v[c[i]] and v[c[i]+1] (wide's lanes, each
// with vmixSrc's one/2 added) mixed with weight wx[i] (of the second, at
// most one) and rounded: each channel (a*(one-wx) + b*wx) / (one*one),
// which vRound makes the rounded quotient. As in vmixRowGo, the even and
// odd lanes run apart in 32-bit lanes. With swap, the lanes are R, G, B,
// A (an ABGR8888 or XBGR8888 source) and the pixels are put in
// 0xAARRGGBB order. It returns the AND of dst's pixels.
func hmixRoundGo(dst []uint32, v []uint64, c []int32, wx []uint32, swap bool) uint32 {
	const even = 0x0000_ffff_0000_ffff
	c, wx = c[:len(dst)], wx[:len(dst)]
	and := ^uint32(0)
	for i := range dst {
		a, b := v[c[i]], v[c[i]+1]
		w := uint64(wx[i])
		br := (a&even)*(one-w) + (b&even)*w         // B, R
		ga := (a>>16&even)*(one-w) + (b>>16&even)*w // G, A
		p := uint32(br>>14)&0xff | uint32(ga>>6)&0xff00 | uint32(br>>30)&0xff0000 | uint32(ga>>22)&0xff000000
		if swap {
			p = p&0xff00ff00 | p>>16&0xff | p&0xff<<16
		}
		dst[i] = p
		and &= p
	}
	return and
}

// hmixWeights fills wt, hmixRound's weights: each output pixel's
// (one-wx, wx) as two 16-bit words (VPMADDWD's operand).
func hmixWeights(wt, wx []uint32) {
	wt = wt[:len(wx)]
	for i, w := range wx {
		wt[i] = w<<16 | (one - w)
	}
}

// hmixRepeat is a run of groups of 8 output pixels whose hmixRound
// weights repeat with a period of a few groups, as they do wherever an
// item's width and its source's are in a ratio of small numbers (1280
// source pixels on 1920 output pixels repeat every 3 pixels, so every 3
// groups): tab holds one period's weights spread as hmixRoundAVX2 spreads
// them, so that the AVX2 routine reads them instead of spreading each
// group's.
type hmixRepeat struct {
	tab    []uint32 // 32 dwords a group: four registers of 8
	groups int      // groups in a period; 0: no run
	g0, g1 int      // the run: groups g0 to g1-1
}

// maxRepeat is the longest period, in pixels, that hmixRepeat holds (a
// table of 4 KiB).
const maxRepeat = 256

// set finds the run of wt, one weight a pixel, whose weights repeat every
// lcm(8, q) pixels from group 1 on (the first pixels of an item enlarged
// take the source's edge and break the period; so do its last) and
// spreads one period into tab. Each weight of the run is compared with
// the one a period before, so the run is right whatever q is; q only
// picks the period to try.
func (rp *hmixRepeat) set(wt []uint32, q int) {
	rp.groups = 0
	per := 8 / gcd(8, q) * q
	const g0 = 1
	start := 8 * g0
	if per > maxRepeat || start+2*per > len(wt) {
		return // too long a period, or too short a row to take two
	}
	end := start + per
	for end < len(wt) && wt[end] == wt[end-per] {
		end++
	}
	if cap(rp.tab) < maxRepeat*4 {
		rp.tab = make([]uint32, maxRepeat*4)
	}
	tab := rp.tab[:per*4]
	for g := range per / 8 {
		w := wt[start+8*g : start+8*g+8]
		for j := range 4 {
			r := tab[32*g+8*j : 32*g+8*j+8]
			for k := range 4 {
				r[k], r[4+k] = w[j], w[j+4]
			}
		}
	}
	rp.groups, rp.g0, rp.g1 = per/8, g0, end/8
}

// gcd is the greatest common divisor of a and b, both positive.
func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// one is a whole weight.
const one = render.LinearOne

// A row filtered along the output row holds each pixel's four channels
// in the 16-bit lanes of a uint64, as 0xAAAA_GGGG_RRRR_BBBB (blend.go's
// spread), unrounded: a channel is c0*(one-w) + c1*w, at most 255*128.

// hmixRow sets h[i] to a[i] and b[i] mixed with weight wx[i] (of b, in
// 1/one), channel by channel.
func hmixRow(h []uint64, a, b, wx []uint32) {
	a, b, wx = a[:len(h)], b[:len(h)], wx[:len(h)]
	for i := range h {
		w := uint64(wx[i])
		h[i] = spread(a[i])*(one-w) + spread(b[i])*w
	}
}

// spreadRow sets h[i] to a[i] with weight one (no mixing).
func spreadRow(h []uint64, a []uint32) {
	a = a[:len(h)]
	for i := range h {
		h[i] = spread(a[i]) * one
	}
}

// roundRow sets dst[i] to t[i] rounded back to 8-bit channels: each
// channel (t*one + one*one/2) / (one*one), which is (t + one/2) / one.
func roundRow(dst []uint32, t []uint64) {
	t = t[:len(dst)]
	for i := range dst {
		v := (t[i] + 0x0040_0040_0040_0040) >> 7 & lanes
		dst[i] = uint32(v) | uint32(v>>24)
	}
}

// vmixRowGo sets dst[i] to t[i] and u[i] mixed with weight wy (of u, in
// 1/one) and rounded: each channel (t*(one-wy) + u*wy + one*one/2) /
// (one*one). Those sums need 22 bits a channel, so the even and odd
// lanes run apart in 32-bit lanes.
func vmixRowGo(dst []uint32, t, u []uint64, wy uint32) {
	const even = 0x0000_ffff_0000_ffff
	const half = 0x0000_2000_0000_2000
	t, u = t[:len(dst)], u[:len(dst)]
	w, iw := uint64(wy), uint64(one-wy)
	for i := range dst {
		bg := (t[i]&even)*iw + (u[i]&even)*w + half         // B, G
		ra := (t[i]>>16&even)*iw + (u[i]>>16&even)*w + half // R, A
		dst[i] = uint32(bg>>14)&0xff | uint32(bg>>38)&0xff00 | uint32(ra<<2)&0xff0000 | uint32(ra>>22)&0xff000000
	}
}
