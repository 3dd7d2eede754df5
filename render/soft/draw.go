package soft

import (
	"encoding/binary"
	"image"
	"math"

	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/shm"
)

// maxCoord bounds item coordinates so that the sampling arithmetic
// cannot overflow; items beyond it are not drawn.
const maxCoord = 1 << 30

// plan is one item resolved against a texture and the output.
type plan struct {
	tex    *Texture
	src    image.Rectangle // texture pixels drawn, inside the texture
	dst    image.Rectangle // item rectangle in output coordinates
	vis    image.Rectangle // dst clipped to the output, not empty
	t      render.Transform
	uw, uh int  // src size after the transform
	opaque bool // alpha is ignored (or always 255)
	// opq is the part of vis where p hides what is below: all of it for an
	// opaque item, else its render.OpaqueArea (maybe empty).
	opq image.Rectangle
	// overBg: draw over the solid pixel bg instead of over the output
	// (what is below is only the background; drawRect sets it).
	overBg bool
	bg     uint32
}

// plan resolves it; ok is false when nothing of it is drawn.
func (r *Renderer) plan(it *render.Item) (p plan, ok bool) {
	tex, _ := it.Texture.(*Texture)
	if tex == nil || !tex.valid || tex.w == 0 || tex.h == 0 {
		return p, false
	}
	tb := image.Rect(0, 0, tex.w, tex.h)
	src := tb
	if it.Src != (image.Rectangle{}) {
		src = it.Src.Intersect(tb)
	}
	dst := it.Dst
	if src.Empty() || dst.Empty() || !dst.In(image.Rect(-maxCoord, -maxCoord, maxCoord, maxCoord)) {
		return p, false
	}
	vis := dst.Intersect(r.Bounds())
	if vis.Empty() {
		return p, false
	}
	t := it.Transform
	if !t.Valid() {
		t = render.TransformNormal
	}
	uw, uh := src.Dx(), src.Dy()
	if t.SwapsAxes() {
		uw, uh = uh, uw
	}
	p = plan{
		tex: tex, src: src, dst: dst, vis: vis, t: t, uw: uw, uh: uh,
		opaque: it.Opaque || tex.opaquePixels(),
	}
	p.opq = vis
	if !p.opaque {
		p.opq = render.OpaqueArea(it.OpaqueRect, dst, uw, uh).Intersect(vis)
	}
	return p, true
}

// draw composites p into the output, from the texture's own pixels or,
// for an attached buffer, from the client's memory under shm's guard.
//
// Sampling is in buffer space, at output pixel centres, as render's
// filter.go defines it: nearest-neighbour along an axis where one size is
// a whole multiple of the other, linear elsewhere (drawLinear). Output
// pixel i of an item n output pixels wide whose source is m buffer pixels
// wide shows buffer pixel render.Nearest(i, m, n), counted from the far
// edge when the transform flips that axis (a centre on a pixel boundary,
// as with scale 2, takes the lower buffer pixel). The offset of a sample
// is the sum of a column term, depending only on the output column and
// kept in r.cols, and a row term depending only on the output row.
func (r *Renderer) draw(p *plan) {
	tex := p.tex
	if tex.src == nil {
		r.drawFrom(p, asBytes(tex.pix), tex.w*4, shm.FormatARGB8888, tex.opaquePixels())
		return
	}
	// A fault is handled by Read (the client gets its error, or the pages
	// read as zeros); what was drawn of the item stays until it goes.
	r.drawing = *p
	if r.readFn == nil {
		r.readFn = r.drawRead
	}
	if err := tex.src.Read(r.readFn); err != nil {
		r.readErrs++
	}
	r.drawing = plan{}
}

// drawRead is draw's callback for Pixels.Read (a method value kept in
// r.readFn, so that drawing allocates nothing).
func (r *Renderer) drawRead(b []byte) error {
	p := &r.drawing
	r.drawFrom(p, b, p.tex.src.Stride(), p.tex.format, false)
	return nil
}

// srcLayout is how drawFrom addresses b: offsets count pixels of pix
// when aligned (4-byte aligned rows: client buffers in practice), else
// bytes of b. base is the offset of the source rectangle's first pixel;
// colStep and rowStep those of one step along an output column and row
// (a 90 or 270 degree rotation makes output columns walk buffer rows).
type srcLayout struct {
	pix              []uint32
	aligned          bool
	base             int
	colStep, rowStep int
}

func layoutOf(p *plan, b []byte, stride int) srcLayout {
	pix, aligned := asPixels(b)
	aligned = aligned && stride%4 == 0
	unit, rowStride := 4, stride
	if aligned {
		unit, rowStride = 1, stride/4
	}
	l := srcLayout{pix: pix, aligned: aligned, base: p.src.Min.Y*rowStride + p.src.Min.X*unit, colStep: unit, rowStep: rowStride}
	if p.t.SwapsAxes() {
		l.colStep, l.rowStep = rowStride, unit
	}
	return l
}

// gather sets dst[i] to the pixel at offset s+cols[i] of b, converted
// from format f. No offset in cols is above cmax, none below 0; pm is
// cols' plan (permutes.plan).
func (l *srcLayout) gather(dst []uint32, b []byte, s int, cols []int, cmax int, f shm.Format, pm *permutes) {
	switch {
	case l.aligned && l.colStep == 1:
		gather(dst, l.pix[s:], cols, cmax, pm)
	case l.aligned:
		// Rotated by 90 or 270 degrees, filtered (drawLinear; drawFrom
		// gathers such rows in bands, gatherBand): each pixel is in
		// another row of the buffer, mostly on another page, and the
		// vector gather was slower than Go's loads (docs/benchmarks.md).
		gatherGo(dst, l.pix[s:], cols)
	default:
		gatherBytes(dst, b[s:], cols)
	}
	if f != shm.FormatARGB8888 {
		convertPixels(dst, dst, f)
	}
}

// permutes is gather's plan for the columns of one draw: its leading
// blocks of 8 output pixels whose columns lie within 8 source pixels of
// each other (a window scaled up, mirrored, or shown as it is) are read
// with one load each and put in order with a permutation (permuteAVX2),
// not with a vector gather, which cost 0.9 ns a pixel and most of a frame
// at 2x (docs/benchmarks.md, "A scaled row gathered once"); blocks within
// 16 source pixels (a window shrunk to a half or more) with two loads and
// two permutations (wide).
type permutes struct {
	n    int      // the leading pixels so read, a multiple of 8
	wide bool     // every block loads 16 pixels (some spans more than 8)
	base []int32  // per block: the column its load starts at
	idx  []uint32 // per pixel: its column less its block's base, 0 to 7 (15 when wide)
	// ahead is the offset in pixels, from the row gathered, of the row
	// to prefetch the same columns of (the row gatherAhead rows later).
	ahead int
}

// plan sets pm for cols, every column in [0, cmax]. A block's load starts
// at its smallest column, or at cmax-7 (cmax-15 when wide) where that
// would read past cmax, so that it never reads a pixel the gather would
// not.
func (pm *permutes) plan(cols []int, cmax int) {
	pm.n, pm.wide = 0, false
	if !haveBlocks() || cmax < 7 || cmax > math.MaxInt32 {
		return
	}
	nb := len(cols) / 8
	if cap(pm.idx) < nb*8 {
		pm.base, pm.idx = make([]int32, nb), make([]uint32, nb*8)
	}
	span := func(c []int) (lo, hi int) {
		lo, hi = c[0], c[0]
		for _, v := range c[1:] {
			lo, hi = min(lo, v), max(hi, v)
		}
		return lo, hi
	}
	// The leading blocks within 16 pixels; wide if one needs more than 8.
	last := 7
	for b := range nb {
		lo, hi := span(cols[b*8 : b*8+8])
		if hi-lo > 15 || hi-lo > 7 && cmax < 15 {
			nb = b
			break
		}
		if hi-lo > 7 {
			last = 15
		}
	}
	pm.wide = last == 15
	base, idx := pm.base[:nb], pm.idx[:nb*8]
	for b := range base {
		c := cols[b*8 : b*8+8 : b*8+8]
		lo, _ := span(c)
		lo = min(lo, cmax-last)
		base[b] = int32(lo)
		for i, v := range c {
			idx[b*8+i] = uint32(v - lo)
		}
	}
	pm.n = nb * 8
}

// drawFrom draws p from b, rows stride bytes apart in format f. alphaSet
// says every pixel of b already has alpha 255 where it must (a converted
// opaque texture).
func (r *Renderer) drawFrom(p *plan, b []byte, stride int, f shm.Format, alphaSet bool) {
	t := p.t
	dw, dh := p.dst.Dx(), p.dst.Dy()
	if linX, linY := render.Linear(p.uw, dw), render.Linear(p.uh, dh); linX || linY {
		r.drawLinear(p, b, stride, f, alphaSet, linX, linY)
		return
	}
	x0, x1 := p.vis.Min.X-p.dst.Min.X, p.vis.Max.X-p.dst.Min.X
	n := x1 - x0
	l := layoutOf(p, b, stride)

	// Untransformed and not scaled horizontally: rows are slices of b.
	direct := t == render.TransformNormal && p.uw == dw
	// Rows of b used as they are (no conversion): pixels in native
	// 0xAARRGGBB order.
	native := direct && l.aligned && !f.SwapRB()
	// After conversion, opaque formats have alpha 255.
	opaqueSrc := alphaSet || !native && !f.HasAlpha()

	cmax := 0 // the largest offset in cols
	if !direct {
		cols := r.cols[:n]
		for i := range cols {
			k, _ := p.sourceCol(p.vis.Min.X+i, false)
			cols[i] = k * l.colStep
			cmax = max(cmax, cols[i])
		}
		if l.aligned && l.colStep == 1 { // the rows gather uses it for
			r.perm.plan(cols, cmax)
		}
	}

	// Rows used as they are, on whole 64-byte lines of the output: their
	// opaque blocks go straight to the output (an opaque pixel over
	// anything is itself), and only the rest of a row, if any, through
	// putRow. The calls around the copy were 15 % of a frame of 16
	// 256x256 windows (docs/benchmarks.md, "Opaque rows straight to the
	// output").
	lines := native && r.ntStores() && haveBlocks()
	// Opaque rows of the other formats (an XRGB8888 buffer turned,
	// mirrored or scaled, or in another byte order) are gathered or
	// read unconverted and converted on their way to the output, one
	// pass with non-temporal stores, not converted in the row first and
	// then copied (docs/benchmarks.md, "Converted on the way out").
	raw := p.opaque && opaqueSrc && l.aligned && f != shm.FormatARGB8888 && r.ntStores()
	rowFmt := f // the format gather and gatherBand convert from
	if raw {
		rowFmt = shm.FormatARGB8888
	}
	// The source row r.row holds, converted or gathered: a window scaled
	// up shows each source row on several output rows in turn, and
	// gathering it again for each was three quarters of a frame at 2x
	// (docs/benchmarks.md, "A scaled row gathered once").
	held := -1
	// Turned by 90 or 270 degrees: rows gathered in bands (gatherBand).
	turned := l.aligned && l.colStep != 1
	bandY, bandN := 0, 0
	for y := p.vis.Min.Y; y < p.vis.Max.Y; y++ {
		k, _ := p.sourceRow(y, false)
		s := l.base + k*l.rowStep
		var src []uint32
		switch {
		case native:
			src = l.pix[s+x0 : s+x0+n]
			if n <= maxAheadSpan && y+srcAhead < p.vis.Max.Y {
				k, _ := p.sourceRow(y+srcAhead, false)
				s := l.base + k*l.rowStep + x0
				prefetchSpan(l.pix[s : s+n])
			}
			if lines {
				o := y*r.w + p.vis.Min.X
				out := r.out[o : o+n]
				if h, e := ntSpan(out); h == 0 && e == n {
					if c := copyOpaque(out, src, true); c < n {
						r.putRowAt(p, o+c, src[c:], opaqueSrc)
					}
					continue
				} else if e > h {
					r.putEndsRow(p, o, h, e, src, opaqueSrc)
					continue
				}
			}
		case turned:
			j := y - bandY
			if j < 0 || j >= bandN {
				bandY, bandN, j = y, r.gatherBand(p, &l, y, n, cmax, rowFmt), 0
			}
			d := r.bandRow[j]
			src = r.band[d*n : d*n+n]
		case k == held:
			src = r.row[:n]
		case direct && raw:
			src = l.pix[s+x0 : s+x0+n]
		case direct:
			src = r.row[:n]
			if l.aligned {
				s *= 4
			}
			convertRow(src, b[s+x0*4:s+x0*4+n*4], f)
			held = k
		default:
			src = r.row[:n]
			r.perm.ahead = 0
			if y+gatherAhead < p.vis.Max.Y {
				k2, _ := p.sourceRow(y+gatherAhead, false)
				r.perm.ahead = (k2 - k) * l.rowStep
			}
			l.gather(src, b, s, r.cols[:n], cmax, rowFmt, &r.perm)
			held = k
		}
		if raw {
			o := y*r.w + p.vis.Min.X
			r.prefetchNextEnds(o, n)
			convert(r.out[o:o+n], src, alphaOr(f), f.SwapRB(), true)
			continue
		}
		r.putRow(p, y, src, opaqueSrc)
	}
}

// bandSpan is how many buffer columns gatherBand reads at once: 16
// pixels, a 64-byte line of each buffer row; bandRows how many output
// rows it gathers for at most (a buffer scaled up 2x shows 16 columns on
// 32 rows).
const (
	bandSpan = 16
	bandRows = 32
)

// gatherBand gathers the source rows of output rows y, y+1, ... of p,
// turned by 90 or 270 degrees (l aligned; the columns in r.cols[:n], none
// above cmax), converted from format f, into r.band: as many output rows
// as show buffer columns less than bandSpan apart, up to bandRows. Row j
// of them, from y, is r.band[d*n:][:n] with d = r.bandRow[j]; it returns
// how many.
//
// Each output row walks a buffer column, a pixel from each buffer row.
// Gathered one output row at a time, each pixel was a load from another
// page, and the next 15 rows read the same lines again. A band reads each
// line once, 16 columns of it, 8x8 blocks transposed with AVX2
// (docs/benchmarks.md, "Turned windows gathered in bands").
func (r *Renderer) gatherBand(p *plan, l *srcLayout, y, n, cmax int, f shm.Format) int {
	var ks [bandRows]int
	lo, hi, m := 0, 0, 0
	for ; m < bandRows && y+m < p.vis.Max.Y; m++ {
		k, _ := p.sourceRow(y+m, false)
		if m == 0 {
			lo, hi = k, k
		}
		if max(hi, k)-min(lo, k) >= bandSpan {
			break
		}
		lo, hi = min(lo, k), max(hi, k)
		ks[m] = k
	}
	for j := range m {
		r.bandRow[j] = ks[j] - lo
	}
	if cap(r.band) < bandSpan*n {
		r.band = make([]uint32, bandSpan*n)
	}
	span := hi - lo + 1
	band, pix, cols := r.band[:span*n], l.pix[l.base+lo*l.rowStep:], r.cols[:n]
	if span == bandSpan {
		transpose16(band, n, pix, cols, cmax, bandAhead(ks[0], ks[m-1]))
	} else {
		transposeGo(band, n, pix, cols, 0, span)
	}
	if f != shm.FormatARGB8888 {
		convertPixels(band, band, f)
	}
	return m
}

// bandAhead is transpose16's prefetch for a band whose first output row
// shows source row k0 and whose last shows k1: the next band lies 64
// bytes on along each buffer row where the source rows run up (a turned
// buffer's source rows are its columns), 64 bytes back where they run
// down, and nowhere known in a band of one row.
func bandAhead(k0, k1 int) int {
	switch {
	case k1 > k0:
		return 4 * bandSpan
	case k1 < k0:
		return -4 * bandSpan
	}
	return 0
}

// transposeGo sets dst[d*n+x] = pix[cols[x]+d] for d < span and x from
// from to len(cols).
func transposeGo(dst []uint32, n int, pix []uint32, cols []int, from, span int) {
	for x := from; x < len(cols); x++ {
		c := cols[x]
		for d, v := range pix[c : c+span] {
			dst[d*n+x] = v
		}
	}
}

// putEndsRow is drawFrom's straight copy for a row of src landing at
// offset o of the output whose whole 64-byte lines are [h, e) of it (ntSpan)
// and whose ends start or stop inside a line: a window whose x is not a
// multiple of 16 pixels, as tiles 250 pixels wide side by side. The lines
// go straight to the output with non-temporal stores, each end's leading
// opaque pixels with plain ones, and only the rest, if any, through
// putRowAt. Through putRowAt, each end was a call into compositeRun of its
// own, with its checks and blocks, for at most 15 pixels (docs/benchmarks.md,
// "Rows with ends").
func (r *Renderer) putEndsRow(p *plan, o, h, e int, src []uint32, opaqueSrc bool) {
	n := len(src)
	r.prefetchNextEnds(o, n)
	out := r.out[o : o+n]
	if c := copyOpaqueShort(out[:h], src[:h]); c < h {
		r.putRowAt(p, o+c, src[c:h], opaqueSrc)
	}
	if c := copyOpaque(out[h:e], src[h:e], true); c < e-h {
		// The rest of the row, tail included, as putRowAt draws it: its
		// first pixel starts a line (copyOpaque's non-temporal stores
		// stop on one).
		r.putRowAt(p, o+h+c, src[h+c:], opaqueSrc)
		return
	}
	if c := copyOpaqueShort(out[e:], src[e:]); e+c < n {
		r.putRowAt(p, o+e+c, src[e+c:], opaqueSrc)
	}
}

// copyOpaqueShort copies the leading pixels of src with alpha 255 to dst,
// with plain stores, and returns how many it copied: for the few pixels
// of a row's end, where copyOpaque's blocks of 8 do not fit.
func copyOpaqueShort(dst, src []uint32) int {
	dst = dst[:len(src)]
	for i, s := range src {
		if s < alphaMask {
			return i
		}
		dst[i] = s
	}
	return len(src)
}

// gatherAhead is how many rows ahead gather prefetches the source.
const gatherAhead = 4

// srcAhead is how many rows ahead drawFrom prefetches the first and last
// line of a short source row (at most maxAheadSpan pixels). A window's
// parts beside another window's opaque area are such rows, 24 pixels of
// shadow wide, read down a column: each row's first load missed every
// cache, and the loop around them took a quarter of a frame of eight
// stacked windows with opaque bodies. Longer rows are left to
// copyOpaque's prefetch along the row and the hardware's: prefetching
// theirs too cost 5 % on windows drawn whole (docs/benchmarks.md,
// "Short rows prefetched").
const srcAhead = 4

// maxAheadSpan is the longest source row drawFrom prefetches (srcAhead).
const maxAheadSpan = 64

// sourceRow returns the source row (upright, after p's transform) that
// output row y reads, the first of two on an axis filtered linearly
// (lin), and the second one's weight (render.LinearSample; 0 otherwise).
func (p *plan) sourceRow(y int, lin bool) (k, w int) {
	_, flipY := p.t.Flips()
	return sampleAxis(y-p.dst.Min.Y, p.uh, p.dst.Dy(), flipY, lin)
}

// sourceCol is sourceRow for output column x.
func (p *plan) sourceCol(x int, lin bool) (k, w int) {
	flipX, _ := p.t.Flips()
	return sampleAxis(x-p.dst.Min.X, p.uw, p.dst.Dx(), flipX, lin)
}

// sampleAxis is render's sampling of pixel i of an axis of n output
// pixels showing m source pixels, counted from the far edge when flip.
func sampleAxis(i, m, n int, flip, lin bool) (k, w int) {
	if flip {
		i = n - 1 - i
	}
	switch {
	case lin:
		return render.LinearSample(i, m, n)
	case m == n:
		return i, 0 // render.Nearest(i, n, n), without its division
	}
	return render.Nearest(i, m, n), 0
}

// putRow composites src, a row of p's premultiplied pixels, into output
// row y from p.vis.Min.X on. opaqueSrc says src's alpha is 255 wherever
// p is opaque.
func (r *Renderer) putRow(p *plan, y int, src []uint32, opaqueSrc bool) {
	r.putRowAt(p, y*r.w+p.vis.Min.X, src, opaqueSrc)
}

// putRowAt is putRow for src landing at offset o of the output.
func (r *Renderer) putRowAt(p *plan, o int, src []uint32, opaqueSrc bool) {
	out := r.out[o : o+len(src)]
	nt := r.ntStores()
	if nt {
		r.prefetchNextEnds(o, len(src))
	}
	switch {
	case p.opaque && opaqueSrc && nt:
		// A copy with non-temporal stores (convert adds no bits here):
		// copy's plain stores read each line of the output first
		// (docs/benchmarks.md, "Gathered rows without a read").
		convert(out, src, 0, false, true)
	case p.opaque && opaqueSrc:
		copy(out, src)
	case p.opaque:
		opaqueRow(out, src, nt)
	case p.overBg:
		overSolidRow(out, src, p.bg, nt)
	default:
		r.prefetchBelow(o, len(src))
		overRow(out, src, nt)
	}
}

// prefetchNextEnds prefetches the lines that plain stores will write at
// the ends of the n pixels below output offset o, the next row's
// (prefetchEnds): the rows of a small window start and end inside lines,
// and the stores there waited for each line to be read.
func (r *Renderer) prefetchNextEnds(o, n int) {
	if next := o + r.w; n > 0 && next+n <= len(r.out) {
		prefetchEnds(r.out[next : next+n])
	}
}

// dstAhead is how many rows ahead putRowAt prefetches the output under a
// row it blends over another window (prefetchBelow).
const dstAhead = 4

// edgeSpan is how many pixels at each end of a row prefetchBelow covers:
// the width of a client-side shadow and a little more (wlbench's
// --edges=24, the harness's shadows).
const edgeSpan = 32

// prefetchBelow prefetches the output row of n pixels dstAhead rows below
// offset o where putRowAt blends a row over another window: the lines
// under its first and last 32 pixels (prefetchEdges), where a window's
// translucent edges (client-side shadows) lie over the window below,
// which render/soft stored non-temporally, out of the caches. Read down a
// column, those lines missed every cache: the load of the pixels below
// took 59 % of the blend's samples with 8 stacked windows with shadows
// (docs/benchmarks.md, "The pixels below a shadow prefetched"). Rows of
// at most two edges are left alone: such a part of a window beside
// another's opaque body lies over pixels drawn a moment before, and
// prefetching them cost 3 % of that frame.
func (r *Renderer) prefetchBelow(o, n int) {
	if a := o + dstAhead*r.w; n > 2*edgeSpan && a+n <= len(r.out) {
		prefetchEdges(r.out[a : a+n])
	}
}

// gatherBytes sets dst[i] to the little-endian pixel at byte offset
// cols[i] of b.
func gatherBytes(dst []uint32, b []byte, cols []int) {
	cols = cols[:len(dst)]
	for i, c := range cols {
		dst[i] = binary.LittleEndian.Uint32(b[c:])
	}
}

// gatherGo sets dst[i] = pix[cols[i]].
func gatherGo(dst, pix []uint32, cols []int) {
	cols = cols[:len(dst)]
	for i, c := range cols {
		dst[i] = pix[c]
	}
}
