package decoration_test

import (
	"image"
	"testing"

	"github.com/nofault/nofault/decoration"
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/render/soft"
	"github.com/nofault/nofault/shell"
)

// drawBar renders f's items over a black background and returns the
// output.
func drawBar(t *testing.T, r *soft.Renderer, fs *decoration.Frames, f shell.Frame) (*image.RGBA, []render.Item) {
	t.Helper()
	items := fs.DrawFrame(f)
	if err := r.Render(&render.Scene{Background: [4]uint8{0, 0, 0, 255}, Items: items}, 400, 60); err != nil {
		t.Fatal(err)
	}
	img, err := render.ReadImage(r, image.Rect(0, 0, 400, 60))
	if err != nil {
		t.Fatal(err)
	}
	return img, items
}

// TestFramesDrawTitleBar: a title bar is its colour across its width, the
// title's text at the left, a maximize box and a red close button at the
// right; a new title or focus draws new textures; a bar too narrow for
// its buttons or far wider than the output still draws.
func TestFramesDrawTitleBar(t *testing.T) {
	r := soft.New()
	fs := decoration.NewFrames(r)
	top := &protocol.Object{ID: 7}
	bar := image.Rect(10, 5, 310, 29)
	img, items := drawBar(t, r, fs, shell.Frame{Toplevel: top, Title: "Hello nofault", Active: true, Bar: bar, Scale: 1})
	if c := img.RGBAAt(bar.Min.X+1, bar.Min.Y+1); c.R != 0x2b || c.G != 0x30 || c.B != 0x36 {
		t.Errorf("bar colour %v", c)
	}
	if c := img.RGBAAt(bar.Min.X-1, bar.Min.Y); c.R != 0 {
		t.Errorf("drawn outside the bar: %v", c)
	}
	ink := 0
	for y := bar.Min.Y; y < bar.Max.Y; y++ {
		for x := bar.Min.X; x < bar.Min.X+200; x++ {
			if c := img.RGBAAt(x, y); c.R == 0xe8 {
				ink++
			}
		}
	}
	if ink < 13*20 { // 13 glyphs of 35 font pixels, each 2x2, more than half inked
		t.Errorf("%d text pixels, want the title drawn", ink)
	}
	h := bar.Dy()
	if c := img.RGBAAt(bar.Max.X-h+h/4, bar.Min.Y+h/2); c.R != 0xd9 || c.G != 0x53 {
		t.Errorf("close button %v, want red", c)
	}
	if c := img.RGBAAt(bar.Max.X-2*h+h/4, bar.Min.Y+h/4); c.R != 0xe8 {
		t.Errorf("maximize box corner %v, want the text colour", c)
	}

	// The same frame again: the same textures (nothing redrawn).
	again := fs.DrawFrame(shell.Frame{Toplevel: top, Title: "Hello nofault", Active: true, Bar: bar, Scale: 1})
	for i := range again {
		if again[i].Texture != items[i].Texture {
			t.Fatalf("item %d got a new texture for an unchanged frame", i)
		}
	}
	// Unfocused: new textures in the inactive colour.
	img, inactive := drawBar(t, r, fs, shell.Frame{Toplevel: top, Title: "Hello nofault", Bar: bar, Scale: 1})
	if inactive[0].Texture == items[0].Texture {
		t.Error("focus change kept the old texture (the compositor would not redraw)")
	}
	if c := img.RGBAAt(bar.Min.X+1, bar.Min.Y+1); c.R != 0x4a {
		t.Errorf("inactive bar colour %v", c)
	}

	// Narrower than its buttons, and very wide: drawn, textures small.
	for _, b := range []image.Rectangle{image.Rect(0, 0, 30, 24), image.Rect(-1<<20, 0, 1<<20, 24)} {
		items := fs.DrawFrame(shell.Frame{Toplevel: top, Title: "x", Active: true, Bar: b, Scale: 1})
		if len(items) == 0 {
			t.Errorf("bar %v: no items", b)
		}
		for _, it := range items {
			if w, h := it.Texture.Size(); w > 1000 || h > 24 {
				t.Errorf("bar %v: a %dx%d texture", b, w, h)
			}
		}
	}
	fs.Forget(top)
}

func TestPartAt(t *testing.T) {
	for _, tc := range []struct {
		x    int
		want decoration.Part
	}{{0, decoration.PartTitle}, {251, decoration.PartTitle}, {252, decoration.PartMaximize}, {275, decoration.PartMaximize}, {276, decoration.PartClose}, {299, decoration.PartClose}} {
		if got := decoration.PartAt(image.Pt(tc.x, 3), 300, 24); got != tc.want {
			t.Errorf("PartAt(%d) = %d, want %d", tc.x, got, tc.want)
		}
	}
}
