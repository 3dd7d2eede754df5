//go:build !purego

package soft

import "unsafe"

// overBlocksAVX2 is overBlocks in AVX2 on pointers, for n pixels
// (blend_amd64.s).
//
//go:noescape
func overBlocksAVX2(dst, src *uint32, n int, bg uint32, solid, nt bool) int

// overBlocks blends src over dst, or over the pixel bg when solid, in
// blocks of 8 pixels, up to 32 pixels that are all opaque (for copyOpaque)
// or fewer than 8 left, and returns the pixels it blended: 0 without
// AVX2. Its non-temporal stores (solid and nt, on a 32-byte aligned dst)
// need a storeFence before the output is handed on, as copyOpaque's.
func overBlocks(dst, src []uint32, bg uint32, solid, nt bool) int {
	n := min(len(dst), len(src))
	if !haveAVX2 || n < 8 {
		return 0
	}
	return overBlocksAVX2(&dst[0], &src[0], n, bg, solid, nt)
}

// haveBlocks reports whether overBlocks blends anything here.
func haveBlocks() bool { return haveAVX2 }

// alignHead returns how many pixels of dst come before a 32-byte
// boundary, for rows the AVX2 blocks will draw (16 pixels or more), so
// that their stores are aligned and copyOpaque's non-temporal ones need
// no unaligned start; 0 otherwise.
func alignHead(dst []uint32) int {
	if !haveAVX2 || len(dst) < 16 {
		return 0
	}
	return int(-uintptr(unsafe.Pointer(&dst[0])) & 31 >> 2)
}

// ntSpan returns the pixels [h, e) of dst that fill whole 64-byte lines,
// for non-temporal stores, where there are any and AVX2 draws the rows.
func ntSpan(dst []uint32) (h, e int) {
	if !haveAVX2 || len(dst) < 16 {
		return 0, 0
	}
	h = int(-uintptr(unsafe.Pointer(&dst[0])) & 63 >> 2)
	return h, h + (len(dst)-h)&^15
}
