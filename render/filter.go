package render

import "image"

// How renderers sample a texture along one axis of an item: n output
// pixels showing m source pixels (Src's size on that axis, after the
// transform). Both renderers follow these formulas exactly, in integers,
// and render/damage maps texture damage through them.
//
// Where one size is a whole multiple of the other (1:1, an integer zoom,
// an integer buffer scale) the axis is sampled nearest-neighbour: output
// pixel i shows source pixel Nearest(i, m, n), sharp and exact. Elsewhere
// (a fractional output scale, a wp_viewport stretch) it is filtered
// linearly, as sway's default "smart" filter and weston's pixman renderer
// do: output pixel i blends the two source pixels around its centre. On
// an item filtered along both axes the four weights multiply (bilinear).
// Pixel i is counted from the far edge of an axis the transform flips.

// MaxLinear bounds both sizes of a linearly filtered axis, so that the
// weights' arithmetic fits 32 bits (render/gl's shader); a larger axis is
// sampled nearest-neighbour.
const MaxLinear = 1 << 22

// LinearOne is the unit of LinearSample's weights: 7 bits, as pixman's
// bilinear filter has, so that a channel times a weight fits a signed
// 16-bit lane (render/soft's AVX2 blend).
const LinearOne = 128

// Linear reports whether an axis of n output pixels showing m source
// pixels is filtered linearly.
func Linear(m, n int) bool {
	return m > 0 && n > 0 && m%n != 0 && n%m != 0 && m <= MaxLinear && n <= MaxLinear
}

// Nearest returns the source pixel, of m, under the centre of output
// pixel i of n: the pixel containing (i+0.5)*m/n, or the lower one when
// that lies on a boundary.
func Nearest(i, m, n int) int {
	return ((2*i+1)*m - 1) / (2 * n)
}

// LinearSample returns the two source pixels, of m, around the centre of
// output pixel i of n, and the weight of the second in 1/LinearOne:
// output pixel i shows (p[k]*(LinearOne-w) + p[k+1]*w) / LinearOne. The
// centre lies at u = (i+0.5)*m/n - 0.5 in source pixels (source pixel
// centres at integers); k is u rounded down and w the rest, rounded to
// the nearest 1/LinearOne (a rest that rounds to 1 moves to the next
// pixel). At the edges the nearest pixel is taken whole: k is clamped to
// [0, m-1] with w = 0, as GL's CLAMP_TO_EDGE does. w is 0 exactly when
// k+1 is not read.
//
// On an item filtered along both axes, a channel of output pixel (x, y)
// is, with weights wx and wy and the four source pixels' channels
// c00, c10 (the next column), c01 (the next row) and c11:
//
//	t = c00*(LinearOne-wx) + c10*wx
//	u = c01*(LinearOne-wx) + c11*wx
//	(t*(LinearOne-wy) + u*wy + LinearOne*LinearOne/2) / (LinearOne*LinearOne)
//
// rounded down, with wx = 0 (or wy = 0) on a nearest-neighbour axis.
func LinearSample(i, m, n int) (k, w int) {
	num := (2*i+1)*m - n // 2n*u
	div := 2 * n
	if num < 0 {
		return 0, 0
	}
	k, rem := num/div, num%div
	w = (rem*LinearOne + n) / div
	if w == LinearOne {
		k, w = k+1, 0
	}
	if k >= m-1 {
		return m - 1, 0
	}
	return k, w
}

// OpaqueArea returns the part of an item's OpaqueRect o that a renderer
// treats as opaque, for an item drawn at dst from a source of uw x uh
// pixels (after its transform): o inside dst, less the pixel at each end
// of an axis whose sizes are not whole multiples of each other, where a
// pixel at the edge may sample source pixels outside the opaque region
// (a linear filter's pair, or a nearest pixel rounded across the edge).
// It is empty when nothing is left.
func OpaqueArea(o, dst image.Rectangle, uw, uh int) image.Rectangle {
	o = o.Intersect(dst)
	if o.Empty() {
		return image.Rectangle{}
	}
	if uw%dst.Dx() != 0 && dst.Dx()%uw != 0 {
		o.Min.X, o.Max.X = o.Min.X+1, o.Max.X-1
	}
	if uh%dst.Dy() != 0 && dst.Dy()%uh != 0 {
		o.Min.Y, o.Max.Y = o.Min.Y+1, o.Max.Y-1
	}
	if o.Empty() {
		return image.Rectangle{}
	}
	return o
}
