//go:build !purego

package soft

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// copyOpaqueAVX2 is copyOpaque in AVX2 on pointers: n pixels at src and
// dst (copyopaque_amd64.s).
//
//go:noescape
func copyOpaqueAVX2(dst, src *uint32, n int, nt bool) int

// storeFence orders copyOpaque's non-temporal stores before any store
// after it (SFENCE): Render runs it at the end of a frame, before the
// output is handed to another thread.
func storeFence()

var haveAVX2 = cpu.X86.HasAVX2

// copyOpaque copies the opaque blocks at the start of src to dst, blocks
// of 8 pixels each with alpha 255 in every pixel, up to the first block
// that is not (or the last whole block), and returns how many pixels it
// copied: fewer than 8 short of the first translucent pixel or the end,
// or with nt and dst on a 64-byte line, fewer than 16 (its non-temporal
// stores write whole lines). It reads each source pixel once, testing alpha on the way:
// the separate alpha pass before a copy cost as much as the copy itself at
// 1080p (docs/benchmarks.md, "One pass over an opaque frame").
func copyOpaque(dst, src []uint32, nt bool) int {
	n := len(src)
	if len(dst) < n {
		n = len(dst)
	}
	if !haveAVX2 || n < 8 {
		return copyOpaqueGo(dst[:n], src[:n])
	}
	return copyOpaqueAVX2(&dst[0], &src[0], n, nt)
}

// convertAVX2 is convert in AVX2 on pointers, for the whole blocks of 8
// of n pixels; it returns the pixels converted (copyopaque_amd64.s).
//
//go:noescape
func convertAVX2(dst, src *uint32, n int, or uint32, swap, nt bool) int

// convert sets dst[i] to src[i], its R and B bytes exchanged when swap,
// ORed with or (convertGo): with AVX2 8 pixels at a time. With nt, and dst
// not src, the whole 64-byte lines of dst are written with non-temporal
// stores and the pixels around them with plain ones, as in compositeRow.
func convert(dst, src []uint32, or uint32, swap, nt bool) {
	dst = dst[:len(src)]
	if h, e := ntSpan(dst); nt && e > h && !overlaps(dst, src) {
		convertRun(dst[:h], src[:h], or, swap)
		convertAVX2(&dst[h], &src[h], e-h, or, swap, true)
		convertRun(dst[e:], src[e:], or, swap)
		return
	}
	convertRun(dst, src, or, swap)
}

// convertRun is convert with plain stores. Where dst is not src, the
// pixels after the last whole block are converted as one block of 8, a
// few of them again, to the same values.
func convertRun(dst, src []uint32, or uint32, swap bool) {
	n, i := len(src), 0
	if haveAVX2 && n >= 8 {
		i = convertAVX2(&dst[0], &src[0], n, or, swap, false)
		if i < n && !overlaps(dst, src) {
			convertAVX2(&dst[n-8], &src[n-8], 8, or, swap, false)
			return
		}
	}
	convertGo(dst[i:], src[i:], or, swap)
}

// gatherAVX2 is gather in AVX2 on pointers, for n pixels, n a multiple of
// 8 (copyopaque_amd64.s).
//
//go:noescape
func gatherAVX2(dst, pix *uint32, cols *int, n int)

// permuteAVX2 sets the n pixels at dst (n a multiple of 8) from blocks of
// 8: block b loads the 8 pixels at pix[base[b]], or 16 when wide, and
// puts them in the order idx gives, and prefetches the line at
// pix[base[b]+ahead] (the row gathered gatherAhead rows later;
// copyopaque_amd64.s).
//
//go:noescape
func permuteAVX2(dst, pix *uint32, base *int32, idx *uint32, n int, wide bool, ahead int)

// gather sets dst[i] = pix[cols[i]] (gatherGo); every column is in
// [0, cmax]: with AVX2 8 pixels at a time, the blocks pm planned for cols
// (permutes.plan; nil for none) by permutation.
func gather(dst, pix []uint32, cols []int, cmax int, pm *permutes) {
	cols = cols[:len(dst)]
	n, m := 0, 0
	if haveAVX2 {
		n = len(dst) &^ 7
	}
	if pm != nil {
		m = min(pm.n, n)
	}
	if n > 0 {
		_ = pix[cmax]
	}
	if m > 0 {
		_, _ = pm.base[m/8-1], pm.idx[m-1]
		permuteAVX2(&dst[0], &pix[0], &pm.base[0], &pm.idx[0], m, pm.wide, pm.ahead)
	}
	if n > m {
		gatherAVX2(&dst[m], &pix[0], &cols[m], n-m)
	}
	gatherGo(dst[n:], pix, cols[n:])
}

// prefetch2 prefetches the cache lines at a and b into every cache. A
// prefetch never faults: an address past a mapping does nothing.
//
//go:noescape
func prefetch2(a, b uintptr)

// prefetchSpan prefetches the first and last line of span (a source row
// drawFrom reads a few rows later).
func prefetchSpan(span []uint32) {
	a := uintptr(unsafe.Pointer(&span[0]))
	prefetch2(a, a+uintptr(len(span))*4-4)
}

// prefetchEdges prefetches every line under the first and last edgeSpan
// pixels of row (not empty): three addresses at most 64 bytes apart
// cover the lines of each end, wherever the row starts in its first.
func prefetchEdges(row []uint32) {
	n := len(row)
	k := min(n, edgeSpan) - 1
	a := uintptr(unsafe.Pointer(&row[0]))
	prefetch2(a, a+uintptr(k/2)*4)
	prefetch2(a+uintptr(k)*4, a+uintptr(n-1-k)*4)
	prefetch2(a+uintptr(n-1-k/2)*4, a+uintptr(n-1)*4)
}

// prefetchEnds prefetches the first and last line of row, the next row
// of the output, where compositeRow's plain stores will write them: those
// not filled by row's whole lines (ntSpan), which the plain stores must
// read first. A line the non-temporal stores write is not prefetched: one
// in the caches must be flushed before them.
func prefetchEnds(row []uint32) {
	a := uintptr(unsafe.Pointer(&row[0]))
	b := a + uintptr(len(row))*4 - 4
	if len(row) >= 16 { // ntSpan's rows: a line-aligned end is a whole line
		firstWhole, lastWhole := a&63 == 0, (b+4)&63 == 0
		switch {
		case firstWhole && lastWhole:
			return
		case firstWhole:
			a = b
		case lastWhole:
			b = a
		}
	}
	prefetch2(a, b)
}

// transposeAVX2 transposes the 16 pixels from pix[cols[x]], for each of
// the first m columns (a multiple of 8), into 16 rows of dst n pixels
// apart: dst[d*n+x] = pix[cols[x]+d], and prefetches the bytes ahead
// bytes from each 8 pixels it loads (copyopaque_amd64.s).
//
//go:noescape
func transposeAVX2(dst *uint32, n int, pix *uint32, cols *int, m, ahead int)

// transpose16 sets dst[d*n+x] = pix[cols[x]+d] for d < 16 and every x <
// len(cols) (gatherBand's lines; no column above cmax), the leading
// multiple of 8 columns in 8x8 blocks (transposeAVX2), the rest in Go.
// With AVX2 it prefetches, from each buffer row, the line ahead bytes on
// (64 or -64: the next band's 16 pixels of that row, 0 for none): the
// rows are a page apart, no hardware prefetcher follows them, and the
// next band reads the same rows (docs/benchmarks.md, "The next band's
// lines prefetched"). A prefetch never faults.
func transpose16(dst []uint32, n int, pix []uint32, cols []int, cmax, ahead int) {
	m := 0
	if haveAVX2 {
		m = len(cols) &^ 7
	}
	if m > 0 {
		_ = dst[15*n+m-1]
		_ = pix[cmax+15]
		transposeAVX2(&dst[0], n, &pix[0], &cols[0], m, ahead)
	}
	transposeGo(dst, n, pix, cols, m, 16)
}
