//go:build !purego

package soft

// vmixAVX2 is vmixRow in AVX2 on pointers, for n pixels, n a multiple of
// 8 (linear_amd64.s).
//
//go:noescape
func vmixAVX2(dst *uint32, t, u *uint64, n int, wy uint32)

// vmixRow sets dst[i] to t[i] and u[i] mixed with weight wy (vmixRowGo):
// with AVX2, 8 pixels at a time.
func vmixRow(dst []uint32, t, u []uint64, wy uint32) {
	t, u = t[:len(dst)], u[:len(dst)]
	n := 0
	if haveAVX2 {
		n = len(dst) &^ 7
	}
	if n > 0 {
		vmixAVX2(&dst[0], &t[0], &u[0], n, wy)
	}
	vmixRowGo(dst[n:], t[n:], u[n:], wy)
}

// vmixSrcAVX2 is vmixSrc in AVX2 on pointers, for n pixels, n a multiple
// of 8, with the weights as bytes: w0 | w1<<8 (linear_amd64.s).
//
//go:noescape
func vmixSrcAVX2(v *uint64, a, c *uint32, n int, w, or uint32)

// vmixSrc mixes a[j] and c[j] into v[j] with weights w0 and w1
// (vmixSrcGo): with AVX2, 8 pixels at a time. Each weight is at most
// one-1: the AVX2 routine multiplies by signed bytes.
func vmixSrc(v []uint64, a, c []uint32, w0, w1, or uint32) {
	a, c = a[:len(v)], c[:len(v)]
	n := 0
	if haveAVX2 {
		n = len(v) &^ 7
	}
	if n > 0 {
		vmixSrcAVX2(&v[0], &a[0], &c[0], n, w0|w1<<8, or)
	}
	vmixSrcGo(v[n:], a[n:], c[n:], w0, w1, or)
}

// hmixRoundAVX2 is hmixRound in AVX2 on pointers, for n pixels, n a
// multiple of 8 (linear_amd64.s).
//
//go:noescape
func hmixRoundAVX2(dst *uint32, v *uint64, c *int32, wt *uint32, n int, swap bool) uint32

// hmixRound mixes v[c[i]] and v[c[i]+1] into dst[i] with weight wx[i]
// (hmixRoundGo, swap included) and returns the AND of dst's pixels: with
// AVX2, 8 pixels at a time, with the weights wt (hmixWeights), or for
// rp's run of groups, rp's table. cmax is the largest index in c (none
// is negative): the AVX2 routines read unchecked, so v[cmax+1] and the
// table's end are checked here.
func hmixRound(dst []uint32, v []uint64, c []int32, wx, wt []uint32, cmax int, swap bool, rp *hmixRepeat) uint32 {
	c, wx = c[:len(dst)], wx[:len(dst)]
	n, and := 0, ^uint32(0)
	if haveAVX2 {
		n = len(dst) &^ 7
	}
	if n > 0 {
		_, _ = v[cmax+1], wt[n-1]
		lo, hi := n, n // the pixels mixed with rp's table: none
		if rp != nil && rp.groups > 0 {
			_ = rp.tab[32*rp.groups-1]
			lo, hi = min(8*rp.g0, n), min(8*rp.g1, n)
		}
		if lo > 0 {
			and = hmixRoundAVX2(&dst[0], &v[0], &c[0], &wt[0], lo, swap)
		}
		if hi > lo {
			and &= hmixRoundTabAVX2(&dst[lo], &v[0], &c[lo], &rp.tab[0], hi-lo, rp.groups, swap)
		}
		if hi < n {
			and &= hmixRoundAVX2(&dst[hi], &v[0], &c[hi], &wt[hi], n-hi, swap)
		}
	}
	return and & hmixRoundGo(dst[n:], v, c[n:], wx[n:], swap)
}

// hmixRoundTabAVX2 is hmixRoundAVX2 with a table of spread weights
// (hmixRepeat) of groups groups of 8 pixels, read again from its start
// after its last group (linear_amd64.s).
//
//go:noescape
func hmixRoundTabAVX2(dst *uint32, v *uint64, c *int32, tab *uint32, n, groups int, swap bool) uint32

// hpermAVX2 is hperm in AVX2 on pointers, for groups groups of 4 output
// pixels of tab (linear_amd64.s).
//
//go:noescape
func hpermAVX2(h *uint64, src *uint32, tab *permEntry, groups int, swap bool, or uint32)

// vmulAVX2 is vmul in AVX2 on pointers, for n pixels, n a multiple of 8,
// with a weight w of at most 63, or half (linear_amd64.s).
//
//go:noescape
func vmulAVX2(dst *uint32, a, c *uint64, n int, w uint32, half bool) uint32

// rowsLast reports whether drawLinearH may take an item: it has no
// routine but AVX2's worth taking.
func rowsLast() bool { return haveAVX2 && !noRowsLast }

// hperm sets h[i] to source row src filtered along the output row at pt's
// columns (hpermGo): with AVX2, 4 pixels at a time.
func hperm(h []uint64, src []uint32, pt *permTab, swap bool, or uint32) {
	n := len(pt.c)
	h, src = h[:n], src[:pt.read]
	g := len(pt.e)
	if !haveAVX2 {
		g = 0
	}
	if g > 0 {
		_ = h[4*g-1]
		hpermAVX2(&h[0], &src[0], &pt.e[0], g, swap, or)
	}
	hpermGo(h[4*g:], src, pt.c[4*g:], pt.wx[4*g:], swap, or)
}

// vmul mixes rows a and c (hperm's lanes) with weight w of c and rounds
// them into dst (vmulGo): with AVX2, 8 pixels at a time. It returns the
// AND of dst's pixels.
func vmul(dst []uint32, a, c []uint64, w uint32) uint32 {
	a, c = a[:len(dst)], c[:len(dst)]
	n, and := 0, ^uint32(0)
	if haveAVX2 {
		n = len(dst) &^ 7
	}
	if n > 0 {
		if w > one/2 { // the sum is the same from c: w fits VPMULHW's word
			a, c, w = c, a, one-w
		}
		and = vmulAVX2(&dst[0], &a[0], &c[0], n, w, w == one/2)
	}
	return and & vmulGo(dst[n:], a[n:], c[n:], w)
}
