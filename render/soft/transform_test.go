package soft

import (
	"bytes"
	"flag"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/shm"
)

var update = flag.Bool("update", false, "rewrite the golden PNGs in testdata")

// transformCases are the eight wl_output.transform values applied to the
// 3x2 buffer
//
//	ABC
//	DEF
//
// with the upright surface worked out by hand from the wl_surface and
// wl_output.transform texts: the client rotated its content
// counter-clockwise (after flipping around the vertical axis), so the
// compositor turns the buffer clockwise (then flips) to show it upright.
var transformCases = []struct {
	t    render.Transform
	name string
	want []string
}{
	{render.TransformNormal, "normal", []string{"ABC", "DEF"}},
	{render.Transform90, "90", []string{"DA", "EB", "FC"}},
	{render.Transform180, "180", []string{"FED", "CBA"}},
	{render.Transform270, "270", []string{"CF", "BE", "AD"}},
	{render.TransformFlipped, "flipped", []string{"CBA", "FED"}},
	{render.TransformFlipped90, "flipped-90", []string{"AD", "BE", "CF"}},
	{render.TransformFlipped180, "flipped-180", []string{"DEF", "ABC"}},
	{render.TransformFlipped270, "flipped-270", []string{"FC", "EB", "DA"}},
}

func TestTransforms(t *testing.T) {
	r := New()
	buf := []string{"ABC", "DEF"}
	tex1 := upload(t, r, newStaging(3, 2, 16, shm.FormatXRGB8888, fromGrid(buf)))
	// The same picture at buffer scale 2: every letter is 2x2 pixels.
	tex2 := upload(t, r, newStaging(6, 4, 24, shm.FormatARGB8888, func(x, y int) uint32 {
		return letters[buf[y/2][x/2]]
	}))
	for _, tc := range transformCases {
		t.Run(tc.name, func(t *testing.T) {
			w, h := len(tc.want[0]), len(tc.want)
			for _, scale := range []int32{1, 2} {
				tex := tex1
				if scale == 2 {
					tex = tex2
				}
				it := render.Item{Texture: tex, Dst: image.Rect(1, 1, 1+w, 1+h), Transform: tc.t, Scale: scale}
				px := renderScene(t, r, 5, 5, it)
				got := toGrid(px)
				// Cut the item back out of the 5x5 output.
				inner := make([]string, h)
				for y := range inner {
					inner[y] = got[1+y][1 : 1+w]
				}
				if !equalGrid(inner, tc.want) {
					t.Errorf("scale %d: got %q, want %q (whole output %q)", scale, inner, tc.want, got)
				}
				if scale == 1 {
					checkGolden(t, r, "transform-"+tc.name+".png")
				}
			}
		})
	}
}

// TestTransformsMatchMapping checks the fast row walks against the
// per-pixel mapping documented on render.Transform, on a larger
// asymmetric image with odd sizes.
func TestTransformsMatchMapping(t *testing.T) {
	const bw, bh = 7, 4
	px := func(x, y int) uint32 { return 0xff000000 | uint32(x)<<16 | uint32(y)<<8 }
	r := New()
	tex := upload(t, r, newStaging(bw, bh, bw*4, shm.FormatXRGB8888, px))
	for _, tc := range transformCases {
		W, H := bw, bh
		if tc.t.SwapsAxes() {
			W, H = bh, bw
		}
		out := renderScene(t, r, W, H, render.Item{Texture: tex, Dst: image.Rect(0, 0, W, H), Transform: tc.t, Scale: 1})
		for y := 0; y < H; y++ {
			for x := 0; x < W; x++ {
				bx, by := bufferPixel(tc.t, x, y, W, H)
				if got, want := out[y][x], px(bx, by); got != want {
					t.Fatalf("%s: surface (%d, %d) = %#08x, want buffer (%d, %d)", tc.name, x, y, got, bx, by)
				}
			}
		}
	}
}

// bufferPixel is the buffer pixel that surface pixel (x, y) of a W x H
// surface shows under t, as render.Transform documents it.
func bufferPixel(t render.Transform, x, y, W, H int) (bx, by int) {
	switch t {
	case render.Transform90:
		return y, W - 1 - x
	case render.Transform180:
		return W - 1 - x, H - 1 - y
	case render.Transform270:
		return H - 1 - y, x
	case render.TransformFlipped:
		return W - 1 - x, y
	case render.TransformFlipped90:
		return y, x
	case render.TransformFlipped180:
		return x, H - 1 - y
	case render.TransformFlipped270:
		return H - 1 - y, W - 1 - x
	}
	return x, y
}

// checkGolden compares r's output with testdata/name, or rewrites it
// with -update.
func checkGolden(t *testing.T, r *Renderer, name string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		var buf bytes.Buffer
		if err := render.EncodePNG(&buf, r, r.Bounds()); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	defer f.Close()
	want, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	got, err := render.ReadImage(r, r.Bounds())
	if err != nil {
		t.Fatal(err)
	}
	if want.Bounds() != got.Bounds() {
		t.Fatalf("%s: bounds %v, golden %v", name, got.Bounds(), want.Bounds())
	}
	b := got.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r1, g1, b1, a1 := got.At(x, y).RGBA()
			r2, g2, b2, a2 := want.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				t.Fatalf("%s: pixel (%d, %d) = %v, golden %v", name, x, y, got.At(x, y), want.At(x, y))
			}
		}
	}
}

// TestTurnedBands draws buffers turned by 90 or 270 degrees (flipped or
// not), in the three formats, as they are, scaled up 2x and shrunk to a
// half and a third, placed partly off the output, and checks every output
// pixel against the mapping: the rows gathered in bands (gatherBand), 16
// buffer columns at a time in 8x8 blocks where they are consecutive, and
// the bands at the item's edges and the output's, which hold fewer; from
// an uploaded copy and from the client's buffer in place.
func TestTurnedBands(t *testing.T) {
	px := func(x, y int) uint32 { return 0xff000000 | uint32(x)<<16 | uint32(y)<<8 | uint32(x*y)&0xff }
	r := New()
	tested := 0
	for _, c := range []struct {
		bw, bh int
		f      shm.Format
	}{{48, 36, shm.FormatARGB8888}, {48, 36, shm.FormatXRGB8888}, {48, 36, shm.FormatABGR8888}, {45, 37, shm.FormatARGB8888}} {
		bw, bh, f := c.bw, c.bh, c.f
		s := newStaging(bw, bh, bw*4+12, f, px)
		staged := upload(t, r, s)
		client, _, _ := attached(t, r, s, 0) // read in place, converted as drawn
		for _, tr := range []render.Transform{render.Transform90, render.Transform270, render.TransformFlipped90, render.TransformFlipped270} {
			uw, uh := bh, bw // the buffer's size turned
			for _, size := range []image.Point{{uw, uh}, {2 * uw, 2 * uh}, {uw / 2, uh / 2}, {uw / 3, uh / 3}, {uw, uh / 2}} {
				if uw%size.X != 0 && size.X%uw != 0 || uh%size.Y != 0 && size.Y%uh != 0 {
					continue // filtered: not this path
				}
				tested++
				for _, at := range []image.Point{{2, 3}, {-5, -20}, {30, 40}} {
					const W, H = 80, 100
					dst := image.Rectangle{Min: at, Max: at.Add(size)}
					for _, tex := range []*Texture{staged, client} {
						out := renderScene(t, r, W, H, render.Item{Texture: tex, Dst: dst, Transform: tr})
						for y := 0; y < H; y++ {
							for x := 0; x < W; x++ {
								want := uint32(0xff000000)
								if p := image.Pt(x, y); p.In(dst) {
									// Turned at the item's size, then sampled.
									bx, by := bufferPixel(tr, x-dst.Min.X, y-dst.Min.Y, size.X, size.Y)
									want = px(render.Nearest(bx, bw, size.Y), render.Nearest(by, bh, size.X))
								}
								if got := out[y][x]; got != want {
									t.Fatalf("%dx%d %v (in place %v), transform %d, %v at %v: (%d, %d) = %#08x, want %#08x", bw, bh, f, tex == client, tr, size, at, x, y, got, want)
								}
							}
						}
					}
				}
			}
		}
	}
	if tested != 4*(3*5+2) {
		t.Fatalf("%d sizes drawn, want %d", tested, 4*(3*5+2))
	}
}
