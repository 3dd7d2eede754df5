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
