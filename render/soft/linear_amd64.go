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

// hmixAVX2 is hmixFrom in AVX2 on pointers, for n pixels, n a multiple
// of 4 (linear_amd64.s).
//
//go:noescape
func hmixAVX2(h *uint64, pix *uint32, c0 *int, wx *uint32, n int, or uint32)

// hmixFrom mixes pix[c0[i]] and pix[c0[i]+1] into h[i] (hmixFromGo): with
// AVX2, 4 pixels at a time, gathering the pairs. cmax is the largest
// offset in c0 (none is negative): the gathers read unchecked, so
// pix[cmax+1] is checked here, as hmixFromGo's indexing would check each.
func hmixFrom(h []uint64, pix []uint32, c0 []int, wx []uint32, or uint32, cmax int) {
	c0, wx = c0[:len(h)], wx[:len(h)]
	n := 0
	if haveAVX2 {
		n = len(h) &^ 3
	}
	if n > 0 {
		_ = pix[cmax+1]
		hmixAVX2(&h[0], &pix[0], &c0[0], &wx[0], n, or)
	}
	hmixFromGo(h[n:], pix, c0[n:], wx[n:], or)
}
