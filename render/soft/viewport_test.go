package soft

import (
	"image"
	"testing"

	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/shm"
)

// TestSourceCropAndScale: Item.Src crops the texture (buffer pixels) and
// Dst stretches the crop, as wp_viewport's source and destination do; a
// one-pixel texture (a single-pixel buffer) fills any destination.
func TestSourceCropAndScale(t *testing.T) {
	tex := []string{
		"ABCD",
		"EFGH",
		"IJKL",
		"MNOP",
	}
	r := New()
	tx := upload(t, r, newStaging(4, 4, 16, shm.FormatXRGB8888, fromGrid(tex)))
	one := upload(t, r, newStaging(1, 1, 4, shm.FormatXRGB8888, solid(letters['K'])))
	cases := []struct {
		name string
		item render.Item
		want []string
	}{
		{"crop", render.Item{Texture: tx, Src: image.Rect(1, 1, 3, 3), Dst: image.Rect(1, 0, 3, 2)}, []string{
			".FG...",
			".JK...",
			"......",
		}},
		{"crop stretched 3x, 2x", render.Item{Texture: tx, Src: image.Rect(2, 0, 4, 2), Dst: image.Rect(0, 0, 6, 4)}, []string{
			"CCCDDD",
			"CCCDDD",
			"GGGHHH",
		}},
		{"crop shrunk", render.Item{Texture: tx, Src: image.Rect(0, 0, 4, 2), Dst: image.Rect(0, 0, 2, 1)}, []string{
			"AC....",
			"......",
			"......",
		}},
		{"crop rotated 90", render.Item{Texture: tx, Src: image.Rect(0, 0, 2, 3), Transform: render.Transform90, Dst: image.Rect(0, 0, 3, 2)}, []string{
			"IEA...", // surface (x, y) shows source (y, 2-x)
			"JFB...",
			"......",
		}},
		{"one pixel, any size", render.Item{Texture: one, Dst: image.Rect(1, 1, 6, 3)}, []string{
			"......",
			".KKKKK",
			".KKKKK",
		}},
	}
	for _, tc := range cases {
		got := toGrid(renderScene(t, r, 6, 3, tc.item))
		if !equalGrid(got, tc.want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}

	// Stretched 1.5x, rows are filtered linearly (render.Linear): the
	// centres of output rows 0 and 2 lie beyond the centres of the edge
	// rows (clamped to them), and row 1's halfway between, an even blend.
	out := renderScene(t, r, 6, 3, render.Item{Texture: tx, Src: image.Rect(2, 0, 4, 2), Dst: image.Rect(0, 0, 6, 3)})
	half := func(a, b uint32) uint32 { // per channel, rounded up
		var v uint32
		for sh := 0; sh < 32; sh += 8 {
			v |= (a>>sh&0xff + b>>sh&0xff + 1) / 2 << sh
		}
		return v
	}
	for x := range 6 {
		top, bot := letters['C'], letters['G']
		if x >= 3 {
			top, bot = letters['D'], letters['H']
		}
		for y, want := range []uint32{top, half(top, bot), bot} {
			if out[y][x] != want {
				t.Errorf("stretched 1.5x: (%d, %d) = %#08x, want %#08x", x, y, out[y][x], want)
			}
		}
	}
}
