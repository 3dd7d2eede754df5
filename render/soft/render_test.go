package soft

import (
	"bytes"
	"image"
	"testing"

	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/shm"
)

// itemAt draws tex with its whole size at (x, y) sized w x h.
func itemAt(tex render.Texture, x, y, w, h int) render.Item {
	return render.Item{Texture: tex, Dst: image.Rect(x, y, x+w, y+h), Scale: 1}
}

func TestBackground(t *testing.T) {
	r := New()
	sc := &render.Scene{Background: [4]uint8{0x10, 0x20, 0x30, 0xff}}
	if err := r.Render(sc, 3, 2); err != nil {
		t.Fatal(err)
	}
	for _, row := range readAll(t, r) {
		for _, p := range row {
			if p != 0xff102030 {
				t.Fatalf("pixel %#08x, want 0xff102030", p)
			}
		}
	}
	// A translucent background is premultiplied, read back with alpha 255
	// (as if over black).
	sc.Background = [4]uint8{0xff, 0x80, 0x00, 0x80}
	if err := r.Render(sc, 1, 1); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, r)[0][0]; got != 0xff804000 {
		t.Fatalf("pixel %#08x, want 0xff804000", got)
	}
}

func TestBlendItems(t *testing.T) {
	r := New()
	blue := upload(t, r, newStaging(4, 1, 16, shm.FormatXRGB8888, solid(0x000000ff)))
	halfRed := upload(t, r, newStaging(2, 1, 8, shm.FormatARGB8888, solid(0x80800000)))
	// ABGR bytes R,G,B,A = 0x00,0x40,0x00,0x40: quarter green.
	qGreen := upload(t, r, newStaging(1, 1, 4, shm.FormatABGR8888, solid(0x40004000)))
	got := renderScene(t, r, 5, 1,
		itemAt(blue, 0, 0, 4, 1),
		itemAt(halfRed, 1, 0, 2, 1),
		itemAt(qGreen, 2, 0, 1, 1),
		itemAt(qGreen, 4, 0, 1, 1),
	)[0]
	want := []uint32{
		0xff0000ff,
		0xff80007f,                      // half red over blue
		refOver(0x40004000, 0xff80007f), // quarter green over that
		0xff0000ff,
		refOver(0x40004000, 0xff000000), // quarter green over black background
	}
	for x := range want {
		if got[x] != want[x] {
			t.Errorf("x=%d: %#08x, want %#08x", x, got[x], want[x])
		}
	}
}

// TestOpaqueItem checks that Item.Opaque ignores a texture's alpha and that
// XRGB's padding byte never shows.
func TestOpaqueItem(t *testing.T) {
	r := New()
	argb := upload(t, r, newStaging(1, 1, 4, shm.FormatARGB8888, solid(0x10203040)))
	xrgb := upload(t, r, newStaging(1, 1, 4, shm.FormatXRGB8888, solid(0x10203040)))
	it := itemAt(argb, 0, 0, 1, 1)
	it.Opaque = true
	got := renderScene(t, r, 3, 1, it, itemAt(xrgb, 1, 0, 1, 1), itemAt(argb, 2, 0, 1, 1))[0]
	want := []uint32{0xff203040, 0xff203040, refOver(0x10203040, 0xff000000)}
	for x := range want {
		if got[x] != want[x] {
			t.Errorf("x=%d: %#08x, want %#08x", x, got[x], want[x])
		}
	}
}

// TestOcclusion checks the shortcut that skips what an opaque
// full-output item hides, and that items above it still blend.
func TestOcclusion(t *testing.T) {
	r := New()
	red := upload(t, r, newStaging(4, 4, 16, shm.FormatARGB8888, solid(0xffff0000)))
	green := upload(t, r, newStaging(6, 6, 24, shm.FormatXRGB8888, solid(0xff00ff00)))
	half := upload(t, r, newStaging(1, 1, 4, shm.FormatARGB8888, solid(0x80000080)))
	got := renderScene(t, r, 4, 4, itemAt(red, 0, 0, 4, 4), itemAt(green, -1, -1, 6, 6), itemAt(half, 1, 1, 1, 1))
	for y, row := range got {
		for x, p := range row {
			want := uint32(0xff00ff00)
			if x == 1 && y == 1 {
				want = refOver(0x80000080, 0xff00ff00)
			}
			if p != want {
				t.Errorf("(%d, %d) = %#08x, want %#08x", x, y, p, want)
			}
		}
	}
}

func TestClipping(t *testing.T) {
	r := New()
	src := []string{
		"ABCD",
		"EFGH",
		"IJKL",
	}
	tex := upload(t, r, newStaging(4, 3, 16, shm.FormatXRGB8888, fromGrid(src)))
	tests := []struct {
		name string
		x, y int
		want []string
	}{
		{"top left off", -2, -1, []string{"GH...", "KL...", ".....", "....."}},
		{"bottom right off", 3, 2, []string{".....", ".....", "...AB", "...EF"}},
		{"all off", 5, 0, []string{".....", ".....", ".....", "....."}},
		{"far off", -1 << 40, 1 << 40, []string{".....", ".....", ".....", "....."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := toGrid(renderScene(t, r, 5, 4, itemAt(tex, tt.x, tt.y, 4, 3)))
			if !equalGrid(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSrcCrop(t *testing.T) {
	r := New()
	tex := upload(t, r, newStaging(4, 3, 20, shm.FormatARGB8888, fromGrid([]string{
		"ABCD",
		"EFGH",
		"IJKL",
	})))
	tests := []struct {
		name string
		src  image.Rectangle
		tr   render.Transform
		want []string
	}{
		{"middle", image.Rect(1, 1, 3, 3), render.TransformNormal, []string{"FG..", "JK..", "....", "...."}},
		{"clipped to texture", image.Rect(2, -5, 9, 1), render.TransformNormal, []string{"CD..", "....", "....", "...."}},
		{"with 90", image.Rect(1, 0, 4, 2), render.Transform90, []string{"FB..", "GC..", "HD..", "...."}},
		{"outside", image.Rect(5, 5, 8, 8), render.TransformNormal, []string{"....", "....", "....", "...."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sr := tt.src.Intersect(image.Rect(0, 0, 4, 3))
			w, h := sr.Dx(), sr.Dy()
			if tt.tr.SwapsAxes() {
				w, h = h, w
			}
			it := itemAt(tex, 0, 0, w, h)
			it.Src, it.Transform = tt.src, tt.tr
			if got := toGrid(renderScene(t, r, 4, 4, it)); !equalGrid(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestScale(t *testing.T) {
	r := New()
	tex := upload(t, r, newStaging(4, 4, 16, shm.FormatXRGB8888, fromGrid([]string{
		"ABCD",
		"EFGH",
		"IJKL",
		"MNOP",
	})))
	tests := []struct {
		name  string
		dst   image.Rectangle
		tr    render.Transform
		scale int32
		want  []string
	}{
		// Scale 2: a 4x4 buffer is a 2x2 surface showing the even buffer
		// pixels, whatever the transform.
		{"scale 2", image.Rect(1, 1, 3, 3), render.TransformNormal, 2, []string{"....", ".AC.", ".IK.", "...."}},
		{"scale 2 rotated 90", image.Rect(0, 0, 2, 2), render.Transform90, 2, []string{"IA..", "KC..", "....", "...."}},
		{"scale 2 flipped", image.Rect(0, 0, 2, 2), render.TransformFlipped, 2, []string{"CA..", "KI..", "....", "...."}},
		// A Dst larger than the source repeats pixels (viewport-style).
		{"stretch", image.Rect(0, 0, 4, 2), render.TransformNormal, 1, []string{"AABB", "AABB", "....", "...."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it := render.Item{Texture: tex, Dst: tt.dst, Transform: tt.tr, Scale: tt.scale}
			if tt.name == "stretch" {
				it.Src = image.Rect(0, 0, 2, 1)
			}
			if got := toGrid(renderScene(t, r, 4, 4, it)); !equalGrid(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestForeignTexture(t *testing.T) {
	r := New()
	tex := upload(t, r, newStaging(1, 1, 4, shm.FormatXRGB8888, solid(0xffffffff)))
	sc := &render.Scene{Items: []render.Item{{Texture: foreign{}, Dst: image.Rect(0, 0, 2, 1)}, itemAt(tex, 1, 0, 1, 1)}}
	if err := r.Render(sc, 2, 1); err == nil {
		t.Error("no error for a foreign texture")
	}
	if got := readAll(t, r)[0]; got[0] != 0xff000000 || got[1] != 0xffffffff {
		t.Errorf("got %#08x, want the rest of the scene drawn", got)
	}
}

type foreign struct{}

func (foreign) Upload(shm.Image, []image.Rectangle) error { return nil }
func (foreign) Size() (int, int)                          { return 1, 1 }
func (foreign) Destroy()                                  {}

func TestRenderErrors(t *testing.T) {
	r := New()
	for _, s := range [][2]int{{-1, 1}, {1, -1}, {MaxSize + 1, 1}} {
		if err := r.Render(&render.Scene{}, s[0], s[1]); err == nil {
			t.Errorf("Render size %v: no error", s)
		}
	}
}

func TestReadPixels(t *testing.T) {
	r := New()
	tex := upload(t, r, newStaging(3, 3, 12, shm.FormatXRGB8888, fromGrid([]string{"ABC", "DEF", "GHI"})))
	renderScene(t, r, 3, 3, itemAt(tex, 0, 0, 3, 3))
	// A sub-rectangle into a padded buffer: padding stays untouched.
	buf := bytes.Repeat([]byte{0x55}, 2*12)
	if err := r.ReadPixels(image.Rect(1, 1, 3, 3), buf, 12); err != nil {
		t.Fatal(err)
	}
	e, f, h, i := letters['E'], letters['F'], letters['H'], letters['I']
	want := []byte{
		byte(e), byte(e >> 8), byte(e >> 16), 0xff, byte(f), byte(f >> 8), byte(f >> 16), 0xff, 0x55, 0x55, 0x55, 0x55,
		byte(h), byte(h >> 8), byte(h >> 16), 0xff, byte(i), byte(i >> 8), byte(i >> 16), 0xff, 0x55, 0x55, 0x55, 0x55,
	}
	if !bytes.Equal(buf, want) {
		t.Errorf("got % x\nwant % x", buf, want)
	}
	for _, tt := range []struct {
		rect   image.Rectangle
		n, str int
	}{
		{image.Rect(0, 0, 4, 1), 16, 16}, // outside the output
		{image.Rect(0, 0, 3, 3), 35, 12}, // buffer too short
		{image.Rect(0, 0, 3, 3), 36, 8},  // stride too small
	} {
		if err := r.ReadPixels(tt.rect, make([]byte, tt.n), tt.str); err == nil {
			t.Errorf("ReadPixels(%v, %d bytes, stride %d): no error", tt.rect, tt.n, tt.str)
		}
	}
}

// TestReadPixelsAlpha checks that a translucent output reads back with
// alpha 255 (the slow path).
func TestReadPixelsAlpha(t *testing.T) {
	r := New()
	tex := upload(t, r, newStaging(1, 1, 4, shm.FormatARGB8888, solid(0x40302010)))
	sc := &render.Scene{Items: []render.Item{itemAt(tex, 0, 0, 1, 1)}}
	if err := r.Render(sc, 2, 1); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, r)[0]; got[0] != 0xff302010 || got[1] != 0xff000000 {
		t.Errorf("got %#08x", got)
	}
}

func TestEncodePNG(t *testing.T) {
	r := New()
	tex := upload(t, r, newStaging(2, 1, 8, shm.FormatXRGB8888, fromGrid([]string{"AB"})))
	renderScene(t, r, 2, 1, itemAt(tex, 0, 0, 2, 1))
	img, err := render.ReadImage(r, r.Bounds())
	if err != nil {
		t.Fatal(err)
	}
	if c := img.RGBAAt(0, 0); c.R != 0xff || c.G != 0 || c.B != 0 || c.A != 0xff {
		t.Errorf("pixel 0 = %v, want red", c)
	}
	var buf bytes.Buffer
	if err := render.EncodePNG(&buf, r, r.Bounds()); err != nil || !bytes.HasPrefix(buf.Bytes(), []byte("\x89PNG")) {
		t.Errorf("EncodePNG: %v", err)
	}
}

// TestNoAllocs checks that uploads and frames allocate nothing once the
// texture and output have their size.
func TestNoAllocs(t *testing.T) {
	r := New()
	s := newStaging(64, 48, 64*4+8, shm.FormatXBGR8888, solid(0xff102030))
	tex := upload(t, r, s)
	a := upload(t, r, newStaging(16, 16, 64, shm.FormatARGB8888, solid(0x80402010)))
	rot := itemAt(a, 5, 5, 8, 8)
	rot.Transform, rot.Scale = render.Transform270, 2
	stretched := itemAt(a, 10, 8, 24, 20) // filtered linearly, inside the damage
	sc := &render.Scene{Background: bg, Items: []render.Item{itemAt(tex, 0, 0, 64, 48), itemAt(a, 40, 30, 16, 16), rot, stretched}}
	damage := []image.Rectangle{image.Rect(3, 3, 20, 20)}
	allocs := testing.AllocsPerRun(10, func() {
		if err := tex.Upload(s, damage); err != nil {
			t.Fatal(err)
		}
		if err := r.Render(sc, 64, 48); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per frame, want 0", allocs)
	}
}

// TestOpaqueRowsOnLines: rows used as they are go straight to the output
// where opaque (drawFrom's fast paths with non-temporal stores: rows on
// whole 64-byte lines of the output, and rows whose ends start or stop
// inside a line, putEndsRow); the same scenes drawn with plain stores,
// which never take them, must give the same pixels: rows all opaque,
// opaque then translucent, translucent then opaque, an opaque row with one
// clear or half-clear pixel, all translucent, one translucent pixel in
// the row's first line or in its last; over the background and over
// another window; windows on lines, and at x and widths that start or end
// rows inside lines.
func TestOpaqueRowsOnLines(t *testing.T) {
	const W, H = 128, 32
	below := newStaging(W, H, W*4, shm.FormatARGB8888, func(x, y int) uint32 { return 0xff000000 | uint32(x*2)<<16 | uint32(y*9)<<8 | 0x40 })
	nt, plain := New(), New()
	plain.plain = true
	for _, c := range []struct {
		x0, w    int
		onLines  bool // every row on whole lines
		withEnds bool // every row has ends inside lines and whole lines between
	}{
		{32, 64, true, false},
		{35, 64, false, true},
		{32, 61, false, true},
		{41, 50, false, true},
		{46, 37, false, true},
		{33, 12, false, false}, // shorter than a line: putRow only
	} {
		x0, w := c.x0, c.w
		row := func(x, y int) uint32 {
			a := uint32(0xff)
			switch y % 8 {
			case 1:
				if x >= 20 {
					a = 0x60
				}
			case 2:
				if x < 8 {
					a = 0x30
				}
			case 3:
				if x == w-1 {
					a = 0
				}
			case 4:
				a = 0x90
			case 5:
				if x == 17 {
					a = 0x80
				}
			case 6:
				if x == 2 {
					a = 0x70
				}
			case 7:
				if x == w-3 {
					a = 0x20
				}
			}
			c := uint32(x*5+y*3) % (a + 1)
			return a<<24 | c<<16 | (a-c)<<8 | c/3
		}
		top := newStaging(w, H, w*4, shm.FormatARGB8888, row)
		for _, overWindow := range []bool{false, true} {
			scene := func(r *Renderer) [][]uint32 {
				items := []render.Item{{Texture: upload(t, r, top), Dst: image.Rect(x0, 0, x0+w, H)}}
				if overWindow {
					items = append([]render.Item{{Texture: upload(t, r, below), Dst: image.Rect(0, 0, W, H)}}, items...)
				}
				return renderScene(t, r, W, H, items...)
			}
			got, want := scene(nt), scene(plain)
			for y := 0; y < H; y++ {
				o := y*W + x0
				h, e := ntSpan(nt.out[o : o+w])
				if haveBlocks() && ((h == 0 && e == w) != c.onLines || (e > h && (h > 0 || e < w)) != c.withEnds) {
					t.Fatalf("window at x %d, %d wide: row %d has whole lines [%d, %d), want on lines %v, with ends %v", x0, w, y, h, e, c.onLines, c.withEnds)
				}
				for x := 0; x < W; x++ {
					if got[y][x] != want[y][x] {
						t.Fatalf("window at x %d, %d wide, over a window %v: pixel (%d,%d) = %#08x, %#08x with plain stores", x0, w, overWindow, x, y, got[y][x], want[y][x])
					}
				}
			}
		}
	}
}
