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
}

func (lb *linBufs) grow(n int) {
	if cap(lb.wx) >= n {
		return
	}
	lb.cols1, lb.wx = make([]int, n), make([]uint32, n)
	lb.a, lb.b = make([]uint32, n), make([]uint32, n)
	lb.h = [2][]uint64{make([]uint64, n), make([]uint64, n)}
}

// drawLinear draws p from b as drawFrom does, for an item filtered
// linearly along linX, linY or both (render.Linear): output pixel (x, y)
// blends the source pixels render.LinearSample names on each axis (one
// on a nearest-neighbour axis) with weights in 128ths, in premultiplied
// 8-bit channels, and rounds once. render/gl's exact program computes
// the same numbers.
//
// The filter is separable: each source row is first filtered along the
// output row (hmix, kept unrounded in 16-bit lanes), and each output row
// mixes two such rows (vmix). Consecutive output rows mostly share a
// source row, so a filtered row is kept while the next output row still
// reads it.
func (r *Renderer) drawLinear(p *plan, b []byte, stride int, f shm.Format, alphaSet, linX, linY bool) {
	dw, dh := p.dst.Dx(), p.dst.Dy()
	x0, x1 := p.vis.Min.X-p.dst.Min.X, p.vis.Max.X-p.dst.Min.X
	n := x1 - x0
	l := layoutOf(p, b, stride)
	flipX, flipY := p.t.Flips()
	opaqueSrc := alphaSet || !f.HasAlpha()

	lb := &r.lin
	lb.grow(len(r.cols))
	c0, c1, wx := r.cols[:n], lb.cols1[:n], lb.wx[:n]
	for i := range c0 {
		x := x0 + i
		if flipX {
			x = dw - 1 - x
		}
		k, w := render.Nearest(x, p.uw, dw), 0
		if linX {
			k, w = render.LinearSample(x, p.uw, dw)
			if k == p.uw-1 {
				// The last pixel whole, as the second of a pair (a
				// filtered axis has 2 pixels or more): every column then
				// reads pixels k and k+1 (hmixFrom).
				k, w = k-1, one
			}
		}
		c0[i], c1[i], wx[i] = k*l.colStep, (k+min(w, 1))*l.colStep, uint32(w)
	}
	cmax := 0 // the largest offset in c0
	for _, c := range c0 {
		cmax = max(cmax, c)
	}
	lb.hRow = [2]int{-1, -1}
	// row returns source row k filtered along the output row, computing
	// it into the buffer that does not hold keep.
	row := func(k, keep int) []uint64 {
		for j := range lb.hRow {
			if lb.hRow[j] == k {
				return lb.h[j][:n]
			}
		}
		j := 0
		if lb.hRow[0] == keep {
			j = 1
		}
		h := lb.h[j][:n]
		s := l.base + k*l.rowStep
		lb.hRow[j] = k
		if linX && l.colStep == 1 && !f.SwapRB() {
			var or uint32
			if !f.HasAlpha() {
				or = alphaMask
			}
			hmixFrom(h, l.pix[s:], c0, wx, or, cmax)
			return h
		}
		l.gather(lb.a[:n], b, s, c0, f)
		if linX {
			l.gather(lb.b[:n], b, s, c1, f)
			hmixRow(h, lb.a[:n], lb.b[:n], wx)
		} else {
			spreadRow(h, lb.a[:n])
		}
		return h
	}
	out := r.row[:n]
	for y := p.vis.Min.Y; y < p.vis.Max.Y; y++ {
		yy := y - p.dst.Min.Y
		if flipY {
			yy = dh - 1 - yy
		}
		k, w := render.Nearest(yy, p.uh, dh), 0
		if linY {
			k, w = render.LinearSample(yy, p.uh, dh)
		}
		t := row(k, k+1)
		if w == 0 {
			roundRow(out, t)
		} else {
			vmixRow(out, t, row(k+1, k), uint32(w))
		}
		r.putRow(p, y, out, opaqueSrc)
	}
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

// hmixFromGo is gather and hmixRow in one pass, for a row whose pixels
// are in 0xAARRGGBB order and next to each other: h[i] mixes pix[c0[i]]
// and the pixel after it, each ORed with or (the alpha of an X format),
// with weight wx[i] (of the second, at most one).
func hmixFromGo(h []uint64, pix []uint32, c0 []int, wx []uint32, or uint32) {
	c0, wx = c0[:len(h)], wx[:len(h)]
	for i := range h {
		w := uint64(wx[i])
		h[i] = spread(pix[c0[i]]|or)*(one-w) + spread(pix[c0[i]+1]|or)*w
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
