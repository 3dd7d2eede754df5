package shm

import "math"

// CheckCreatePool validates wl_shm.create_pool's size as libwayland does:
// size <= 0 is invalid_stride "invalid size (%d)", posted on wl_shm.
func CheckCreatePool(size int32) error {
	if size <= 0 {
		return protoErr(InvalidStride, nil, "invalid size (%d)", size)
	}
	return nil
}

// CheckBuffer validates wl_shm_pool.create_buffer against a pool of
// poolSize bytes, in libwayland's order and with its codes and messages:
//
//  1. format not advertised: invalid_format "invalid format 0x%x";
//  2. offset < 0, width <= 0, height <= 0, stride < width,
//     INT32_MAX/stride < height, or offset > poolSize - stride*height:
//     invalid_stride "invalid width, height or stride (%dx%d, %u)";
//
// then, as wlroots does and libwayland does not, the bytes-per-pixel rule
// stride >= width*bpp and stride%bpp == 0 (invalid_stride), so a renderer
// can never read past a row. Errors are posted on the wl_shm_pool.
// All arithmetic is int64; no input overflows.
func CheckBuffer(poolSize int64, offset, width, height, stride int32, format Format) error {
	if !format.Supported() {
		return protoErr(InvalidFormat, nil, "invalid format 0x%x", uint32(format))
	}
	// stride >= width > 0 holds when the division runs.
	if offset < 0 || width <= 0 || height <= 0 || stride < width ||
		math.MaxInt32/stride < height ||
		int64(offset) > poolSize-int64(stride)*int64(height) {
		return protoErr(InvalidStride, nil, "invalid width, height or stride (%dx%d, %d)", width, height, uint32(stride))
	}
	bpp := int64(format.BytesPerPixel())
	if int64(stride) < int64(width)*bpp || int64(stride)%bpp != 0 {
		return protoErr(InvalidStride, nil, "invalid stride %d for width %d and format 0x%x (%d bytes per pixel)", stride, width, uint32(format), bpp)
	}
	return nil
}
