package soft

import (
	"image"

	"github.com/nofault/nofault/render"
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
	return plan{
		tex: tex, src: src, dst: dst, vis: vis, t: t, uw: uw, uh: uh,
		opaque: it.Opaque || tex.opaquePixels(),
	}, true
}

// draw composites p into the output.
//
// Sampling is nearest-neighbour at pixel centres, in buffer space: output
// pixel i of an item n output pixels wide whose source is m buffer pixels
// wide shows buffer pixel sample(i, m, n), counted from the far edge when
// the transform flips that axis (a centre on a pixel boundary, as with
// scale 2, takes the lower buffer pixel). The texture offset of a sample
// is the sum of a column term, depending only on the output column and
// kept in r.cols, and a row term depending only on the output row.
func (r *Renderer) draw(p *plan) {
	tex, t := p.tex, p.t
	tw := tex.w
	dw, dh := p.dst.Dx(), p.dst.Dy()
	x0, x1 := p.vis.Min.X-p.dst.Min.X, p.vis.Max.X-p.dst.Min.X
	base := p.src.Min.Y*tw + p.src.Min.X
	n := x1 - x0

	// Which output axis runs backwards through the buffer, and whether
	// output columns walk buffer rows (a 90 or 270 degree rotation).
	flipX, flipY := t.Flips()
	colStep, rowStep := 1, tw
	if t.SwapsAxes() {
		colStep, rowStep = tw, 1
	}

	// Untransformed and not scaled horizontally: rows are texture slices.
	direct := t == render.TransformNormal && p.uw == dw
	copyRows := tex.opaquePixels()

	if !direct {
		cols := r.cols[:n]
		for i := range cols {
			x := x0 + i
			if flipX {
				x = dw - 1 - x
			}
			cols[i] = sample(x, p.uw, dw) * colStep
		}
	}

	for y := p.vis.Min.Y; y < p.vis.Max.Y; y++ {
		yy := y - p.dst.Min.Y
		if flipY {
			yy = dh - 1 - yy
		}
		rowOff := sample(yy, p.uh, dh) * rowStep
		o := y*r.w + p.vis.Min.X
		out := r.out[o : o+n]

		var src []uint32
		if direct {
			s := base + rowOff + x0
			src = tex.pix[s : s+n]
		} else {
			src = r.row[:n]
			gather(src, tex.pix[base+rowOff:], r.cols[:n])
		}
		switch {
		case copyRows:
			copy(out, src)
		case p.opaque:
			opaqueRow(out, src)
		default:
			overRow(out, src)
		}
	}
}

// sample returns the source pixel, of m, under the centre of destination
// pixel i of n: the pixel containing (i+0.5)*m/n, or the lower one when
// that lies on a boundary.
func sample(i, m, n int) int {
	return ((2*i+1)*m - 1) / (2 * n)
}

// gather sets dst[i] = pix[cols[i]].
func gather(dst, pix []uint32, cols []int) {
	cols = cols[:len(dst)]
	for i, c := range cols {
		dst[i] = pix[c]
	}
}
