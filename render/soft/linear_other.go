//go:build !amd64 || purego

package soft

// vmixRow sets dst[i] to t[i] and u[i] mixed with weight wy (vmixRowGo).
func vmixRow(dst []uint32, t, u []uint64, wy uint32) { vmixRowGo(dst, t, u, wy) }

// vmixSrc mixes a[j] and c[j] into v[j] with weights w0 and w1
// (vmixSrcGo).
func vmixSrc(v []uint64, a, c []uint32, w0, w1, or uint32) { vmixSrcGo(v, a, c, w0, w1, or) }

// hmixRound mixes v[c[i]] and v[c[i]+1] into dst[i] (hmixRoundGo) and
// returns the AND of dst's pixels.
func hmixRound(dst []uint32, v []uint64, c []int32, wx, _ []uint32, _ int, swap bool, _ *hmixRepeat) uint32 {
	return hmixRoundGo(dst, v, c, wx, swap)
}

// rowsLast reports whether drawLinearH may take an item: only with its
// AVX2 routines; here drawLinearV's Go passes draw every filtered item.
func rowsLast() bool { return false }

// hperm sets h[i] to source row src filtered along the output row at pt's
// columns (hpermGo).
func hperm(h []uint64, src []uint32, pt *permTab, swap bool, or uint32) {
	hpermGo(h[:len(pt.c)], src[:pt.read], pt.c, pt.wx, swap, or)
}

// vmul mixes rows a and c with weight w of c into dst (vmulGo) and
// returns the AND of dst's pixels.
func vmul(dst []uint32, a, c []uint64, w uint32) uint32 { return vmulGo(dst, a, c, w) }
