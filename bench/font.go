package bench

import (
	"image"
	"image/color"

	"github.com/nofault/nofault/internal/font5x7"
)

// Plot labels use internal/font5x7, each glyph 6 px wide with its gap.

// textWidth is the width in pixels of s at scale k (6 px per glyph).
func textWidth(s string, k int) int { return len([]rune(s)) * 6 * k }

// drawText draws s with its top-left corner at (x, y), each font pixel
// k x k.
func drawText(img *image.RGBA, x, y int, s string, k int, c color.RGBA) {
	for _, r := range s {
		g, _ := font5x7.Glyph(r)
		for gy, row := range g {
			for gx, ch := range row {
				if ch != '#' {
					continue
				}
				for dy := 0; dy < k; dy++ {
					for dx := 0; dx < k; dx++ {
						px, py := x+gx*k+dx, y+gy*k+dy
						if image.Pt(px, py).In(img.Rect) {
							img.SetRGBA(px, py, c)
						}
					}
				}
			}
		}
		x += 6 * k
	}
}

// drawTextUp draws s rotated 90° counter-clockwise (reading bottom to
// top) with the glyphs' top edge at x and the text starting at y (its
// bottom end).
func drawTextUp(img *image.RGBA, x, y int, s string, k int, c color.RGBA) {
	w := textWidth(s, k)
	tmp := image.NewRGBA(image.Rect(0, 0, w, 7*k))
	drawText(tmp, 0, 0, s, k, c)
	for ty := 0; ty < 7*k; ty++ {
		for tx := 0; tx < w; tx++ {
			if tmp.RGBAAt(tx, ty).A == 0 {
				continue
			}
			px, py := x+ty, y-tx
			if image.Pt(px, py).In(img.Rect) {
				img.SetRGBA(px, py, c)
			}
		}
	}
}
