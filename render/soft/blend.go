package soft

import (
	"encoding/binary"
	"unsafe"
)

// Row operations on premultiplied 0xAARRGGBB pixels. The blend spreads a
// pixel's four channels over the 16-bit lanes of a uint64, then uses
// pixman's exact rounding of x*y/255 and a saturating add, so that
// ill-formed premultiplied input (colour above alpha) clamps at 255
// instead of spilling into the neighbouring channel.

const (
	lanes    = 0x00ff00ff00ff00ff // the low byte of each 16-bit lane
	laneHalf = 0x0080008000800080 // 0x80 in each lane: rounding
	laneOne  = 0x0100010001000100 // 0x100 in each lane: saturation
	laneBit8 = 0x0001000100010001 // 1 in each lane
)

// overRow composites src over dst: dst = src + dst*(255-srcA)/255 per
// channel, rounded, saturated at 255.
func overRow(dst, src []uint32, nt bool) { compositeRow(dst, src, 0, false, nt) }

// overSolidRow sets dst to src over the solid pixel bg: what overRow gives
// over a row filled with bg, in one pass. dst may be src.
func overSolidRow(dst, src []uint32, bg uint32, nt bool) { compositeRow(dst, src, bg, true, nt) }

// compositeRow is overRow, or overSolidRow when solid.
//
// Runs of opaque source pixels (alpha 255, the usual case for toolkits
// drawing into ARGB buffers) are copied in blocks of eight pixels, tested
// as they are copied (copyOpaque). The rest is blended in blocks of eight
// with AVX2 (overBlocks, which goes on through opaque pixels until 32 in a
// row, and over the background adds one constant to runs of 32 pixels
// that share the alpha of its first pixel), or pixel by pixel.
//
// With nt, non-temporal stores write the whole 64-byte lines of dst
// (ntSpan) and plain ones the pixels before and after them: a line
// written both ways, plain then non-temporal or the other way round, is
// flushed from the caches or the write-combining buffer in between, and
// a window whose rows did not start on a line cost 2.4 times as much a
// frame as one whose rows did (docs/benchmarks.md, "Rows off the line").
func compositeRow(dst, src []uint32, bg uint32, solid, nt bool) {
	dst = dst[:len(src)]
	if h, e := ntSpan(dst); nt && e > h {
		// A row on the lines has no head or tail: no calls for them
		// (their prologues were 8 % of the 16 x 256x256 frame's samples,
		// docs/benchmarks.md).
		if h > 0 {
			compositeRun(dst[:h], src[:h], bg, solid, false)
		}
		compositeRun(dst[h:e], src[h:e], bg, solid, true)
		if e < len(dst) {
			compositeRun(dst[e:], src[e:], bg, solid, false)
		}
		return
	}
	compositeRun(dst, src, bg, solid, false)
}

// compositeRun is compositeRow for a run of dst whose stores are all of
// one kind: non-temporal ones with nt (compositeRow gives such a run whole
// lines).
//
// Over the background a pixel's result depends on its source pixel alone,
// so where dst is not src, the pixels before the first aligned one and
// those after the last whole block are drawn as one block of 8 each,
// overlapping the other blocks (a few pixels are drawn twice, with the
// same values), instead of pixel by pixel. (A non-temporal run is whole
// lines, so it has no such ends.)
func compositeRun(dst, src []uint32, bg uint32, solid, nt bool) {
	n := len(src)
	i := alignHead(dst)
	ends := solid && !nt && n >= 8 && haveBlocks() && !overlaps(dst, src)
	if ends && i > 0 {
		solidBlock(dst[:8], src[:8], bg)
	} else if i > 0 {
		blendPixels(dst[:i], src[:i], bg, solid)
	}
	for i+8 <= n {
		b := src[i : i+8 : i+8]
		// In a non-temporal run (whole lines from a line's start), the
		// second half of a line whose first half overBlocks drew is drawn
		// by overBlocks too, with the same kind of store; copyOpaque's
		// non-temporal stores start and stop on lines.
		end := n
		if nt && i&15 != 0 {
			end = i + 8 // half a line
		} else if b[0]&b[1]&b[2]&b[3]&b[4]&b[5]&b[6]&b[7] >= alphaMask {
			// 0 when the line's other half is not opaque.
			if k := copyOpaque(dst[i:], src[i:], nt); k > 0 {
				i += k
				continue
			}
		}
		if k := overBlocks(dst[i:end], src[i:end], bg, solid, nt); k > 0 {
			i += k
			continue
		}
		blendPixels(dst[i:i+8:i+8], b, bg, solid)
		i += 8
	}
	if ends && i < n {
		solidBlock(dst[n-8:], src[n-8:], bg)
		return
	}
	if i < n {
		blendPixels(dst[i:], src[i:], bg, solid)
	}
}

// solidBlock draws the 8 pixels of src over the pixel bg into dst, with
// plain stores.
func solidBlock(dst, src []uint32, bg uint32) {
	if copyOpaque(dst[:8], src[:8], false) == 0 {
		overBlocks(dst[:8], src[:8], bg, true, false)
	}
}

// overlaps reports whether a and b share memory.
func overlaps(a, b []uint32) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	pa, pb := uintptr(unsafe.Pointer(&a[0])), uintptr(unsafe.Pointer(&b[0]))
	return pa < pb+uintptr(len(b))*4 && pb < pa+uintptr(len(a))*4
}

// blendPixels is compositeRow pixel by pixel.
func blendPixels(dst, src []uint32, bg uint32, solid bool) {
	if solid {
		overSolidPixels(dst, src, bg)
	} else {
		overPixels(dst, src)
	}
}

// copyOpaqueGo is copyOpaque in portable Go: the run of opaque blocks is
// found first, then copied with one memmove.
func copyOpaqueGo(dst, src []uint32) int {
	n := len(src)
	j := opaqueRun(src)
	for j+8 <= n {
		b := src[j : j+8 : j+8]
		if b[0]&b[1]&b[2]&b[3]&b[4]&b[5]&b[6]&b[7] < alphaMask {
			break
		}
		j += 8
	}
	copy(dst[:j], src[:j])
	return j
}

// opaqueRun returns how many pixels at the start of src have alpha 255,
// counted in whole blocks of 16 (the caller finishes the run in blocks of
// 8): it tests two pixels per 64-bit load, eight loads a block, about
// twice as fast as the pixel-wide test, which was half the cost of an
// opaque ARGB frame (docs/benchmarks.md).
func opaqueRun(src []uint32) int {
	bs := asBytes(src)
	n := len(bs) &^ 63
	i := 0
	for ; i < n; i += 64 {
		b := bs[i : i+64 : i+64]
		v := binary.NativeEndian.Uint64(b[0:]) & binary.NativeEndian.Uint64(b[8:]) &
			binary.NativeEndian.Uint64(b[16:]) & binary.NativeEndian.Uint64(b[24:]) &
			binary.NativeEndian.Uint64(b[32:]) & binary.NativeEndian.Uint64(b[40:]) &
			binary.NativeEndian.Uint64(b[48:]) & binary.NativeEndian.Uint64(b[56:])
		if v&alphaMask2 != alphaMask2 {
			break
		}
	}
	return i / 4
}

// alphaMask2 is the alpha bytes of two pixels read as one uint64 (in
// either byte order).
const alphaMask2 = alphaMask<<32 | alphaMask

// overPixels is overRow pixel by pixel.
func overPixels(dst, src []uint32) {
	dst = dst[:len(src)]
	for i, s := range src {
		a := s >> 24
		if a == 0xff {
			dst[i] = s
			continue
		}
		if s == 0 {
			continue
		}
		dst[i] = over(s, dst[i], 0xff-a)
	}
}

// over returns s + d*m/255 per channel, rounded and saturated.
func over(s, d, m uint32) uint32 {
	t := spread(d)*uint64(m) + laneHalf
	t = (t + t>>8&lanes) >> 8 & lanes
	t += spread(s)
	t |= laneOne - t>>8&laneBit8
	t &= lanes
	return uint32(t) | uint32(t>>24)
}

// spread moves the channels of 0xAARRGGBB into 16-bit lanes as
// 0x00AA00GG_00RR00BB.
func spread(p uint32) uint64 {
	return uint64(p&0x00ff00ff) | uint64(p&0xff00ff00)<<24
}

// opaqueRow copies src into dst with alpha forced to 255.
func opaqueRow(dst, src []uint32, nt bool) { convert(dst, src, alphaMask, false, nt) }

// convertGo is convert pixel by pixel.
func convertGo(dst, src []uint32, or uint32, swap bool) {
	dst = dst[:len(src)]
	if swap {
		for i, p := range src {
			dst[i] = swapRB(p) | or
		}
		return
	}
	for i, p := range src {
		dst[i] = p | or
	}
}

// overSolidPixels is overSolidRow pixel by pixel.
func overSolidPixels(dst, src []uint32, bg uint32) {
	dst = dst[:len(src)]
	for i, s := range src {
		switch a := s >> 24; {
		case a == 0xff:
			dst[i] = s
		case s == 0:
			dst[i] = bg
		default:
			dst[i] = over(s, bg, 0xff-a)
		}
	}
}
