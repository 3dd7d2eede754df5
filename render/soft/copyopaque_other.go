//go:build !amd64 || purego

package soft

// copyOpaque copies the opaque blocks at the start of src to dst: whole
// blocks of 8 pixels, each with alpha 255 in every pixel, up to the first
// block that is not (or the last whole block), and returns how many pixels
// it copied.
func copyOpaque(dst, src []uint32, _ bool) int {
	n := min(len(dst), len(src))
	return copyOpaqueGo(dst[:n], src[:n])
}

// convert sets dst[i] to src[i], its R and B bytes exchanged when swap,
// ORed with or (convertGo).
func convert(dst, src []uint32, or uint32, swap, _ bool) { convertGo(dst, src, or, swap) }

// gather sets dst[i] = pix[cols[i]] (gatherGo).
func gather(dst, pix []uint32, cols []int, _ int, _ *permutes) { gatherGo(dst, pix, cols) }

// storeFence does nothing: copyOpaque here makes only ordinary stores.
func storeFence() {}

// prefetchSpan does nothing here.
func prefetchSpan([]uint32) {}

// prefetchEdges does nothing here.
func prefetchEdges([]uint32) {}

// prefetchEnds does nothing here.
func prefetchEnds([]uint32) {}

// transpose16 sets dst[d*n+x] = pix[cols[x]+d] for d < 16 (transposeGo).
func transpose16(dst []uint32, n int, pix []uint32, cols []int, _, _ int) {
	transposeGo(dst, n, pix, cols, 0, 16)
}
