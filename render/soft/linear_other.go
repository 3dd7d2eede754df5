//go:build !amd64 || purego

package soft

// vmixRow sets dst[i] to t[i] and u[i] mixed with weight wy (vmixRowGo).
func vmixRow(dst []uint32, t, u []uint64, wy uint32) { vmixRowGo(dst, t, u, wy) }

// hmixFrom mixes pix[c0[i]] and pix[c0[i]+1] into h[i] (hmixFromGo).
func hmixFrom(h []uint64, pix []uint32, c0 []int, wx []uint32, or uint32, _ int) {
	hmixFromGo(h, pix, c0, wx, or)
}
