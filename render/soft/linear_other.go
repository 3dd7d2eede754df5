//go:build !amd64 || purego

package soft

// vmixRow sets dst[i] to t[i] and u[i] mixed with weight wy (vmixRowGo).
func vmixRow(dst []uint32, t, u []uint64, wy uint32) { vmixRowGo(dst, t, u, wy) }
