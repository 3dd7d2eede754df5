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

// storeFence does nothing: copyOpaque here makes only ordinary stores.
func storeFence() {}
