package shell

import (
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/nofault/nofault/output"
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/render"
	"github.com/rajveermalviya/go-wayland/wayland/client"
	fractional "github.com/rajveermalviya/go-wayland/wayland/staging/fraction-sclae-v1"
	xdgout "github.com/rajveermalviya/go-wayland/wayland/unstable/xdg-output-v1"
)

// fractionalManager binds wp_fractional_scale_manager_v1.
func (vc *vpClient) fractionalManager() *fractional.FractionalScaleManager {
	vc.t.Helper()
	m := fractional.NewFractionalScaleManager(vc.ctx)
	if err := vc.reg.Bind(vc.names["wp_fractional_scale_manager_v1"], "wp_fractional_scale_manager_v1", 1, m); err != nil {
		vc.t.Fatal(err)
	}
	return m
}

// expectBuffer checks that the output shows the w x h quadrants buffer
// one buffer pixel to one output pixel at dst.
func expectBuffer(t *testing.T, img *image.RGBA, dst image.Rectangle, w, h int) {
	t.Helper()
	if dst.Dx() != w || dst.Dy() != h {
		t.Fatalf("surface drawn at %v, want %dx%d output pixels", dst, w, h)
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := quadrantColor(x, y, w, h)
			want := color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 0xff}
			if got := img.RGBAAt(dst.Min.X+x, dst.Min.Y+y); got != want {
				t.Fatalf("buffer pixel (%d,%d) shows %v, want %v", x, y, got, want)
			}
		}
	}
}

// TestFractionalScale: at output scale 1.5, wl_output.scale is 2, the
// logical size is the mode / 1.5, a surface's preferred_scale is 180, and
// a client that follows fractional-scale-v1 (a buffer of its logical size
// times 1.5 shown with a viewport destination of the logical size) is
// drawn one buffer pixel to one output pixel; the pointer maps back to
// surface coordinates.
func TestFractionalScale(t *testing.T) {
	vc := startScaled(t, 180)
	o := vc.bindOutput(4)
	var scale int32
	o.SetScaleHandler(func(ev client.OutputScaleEvent) { scale = ev.Factor })
	xo, err := vc.xom.GetXdgOutput(o)
	if err != nil {
		t.Fatal(err)
	}
	var lw, lh int32
	xo.SetLogicalSizeHandler(func(ev xdgout.OutputLogicalSizeEvent) { lw, lh = ev.Width, ev.Height })
	fm := vc.fractionalManager()
	win := vc.toplevel()
	fs, err := fm.GetFractionalScale(win.s)
	if err != nil {
		t.Fatal(err)
	}
	var preferred uint32
	fs.SetPreferredScaleHandler(func(ev fractional.FractionalScalePreferredScaleEvent) { preferred = ev.Scale })
	vc.mustRoundtrip()
	if scale != 2 {
		t.Errorf("wl_output.scale %d, want 2 (1.5 rounded up)", scale)
	}
	if lw != 533 || lh != 400 {
		t.Errorf("xdg_output logical size %dx%d, want 533x400 (800x600 / 1.5)", lw, lh)
	}
	if preferred != 180 {
		t.Errorf("preferred_scale %d, want 180", preferred)
	}

	win.xs.AckConfigure(win.serial)
	vp, _ := vc.vp.GetViewport(win.s)
	win.s.Attach(vc.quadrants(300, 150), 0, 0)
	vp.SetDestination(200, 100)
	win.s.Commit()
	vc.mustRoundtrip()
	img, dst := vc.shown()
	expectBuffer(t, img, dst, 300, 150)

	var r image.Rectangle
	vc.e.do(func() { r, _ = vc.e.sh.SurfaceRect(vc.e.sh.Toplevels()[0]) })
	if r.Dx() != 200 || r.Dy() != 100 {
		t.Errorf("surface in the global space %v, want 200x100", r)
	}
	// The output pixel at buffer pixel (150, 75) is surface (100, 50).
	var sx, sy float64
	vc.e.do(func() { _, sx, sy = vc.e.sh.SurfaceAt(float64(dst.Min.X)+150.5, float64(dst.Min.Y)+75.5) })
	if math.Abs(sx-100.33) > 0.01 || math.Abs(sy-50.33) > 0.01 {
		t.Errorf("pointer at buffer pixel (150.5, 75.5): surface position (%.2f, %.2f), want (100.33, 50.33)", sx, sy)
	}
}

// TestIntegerScaleClientOnFractionalOutput: a client without
// fractional-scale-v1 renders at wl_output.scale (2) with buffer scale 2;
// the output shows it at 1.5, its logical size times the output scale.
func TestIntegerScaleClientOnFractionalOutput(t *testing.T) {
	vc := startScaled(t, 180)
	win := vc.toplevel()
	win.xs.AckConfigure(win.serial)
	win.s.SetBufferScale(2)
	win.s.Attach(vc.quadrants(400, 200), 0, 0)
	win.s.Commit()
	vc.mustRoundtrip()
	img, dst := vc.shown()
	if dst.Dx() != 300 || dst.Dy() != 150 {
		t.Fatalf("drawn at %v, want 300x150 (200x100 logical at 1.5)", dst)
	}
	expectFill(t, img, image.Rect(dst.Min.X, dst.Min.Y, dst.Min.X+150, dst.Min.Y+75), cRed)
	expectFill(t, img, image.Rect(dst.Min.X+150, dst.Min.Y+75, dst.Max.X, dst.Max.Y), cWhite)
}

// TestIntegerOutputScale: at scale 2 a buffer-scale-2 client is drawn one
// to one and maximizing fills the logical size.
func TestIntegerOutputScale(t *testing.T) {
	vc := startScaled(t, 240)
	win := vc.toplevel()
	win.top.SetMaximized()
	vc.mustRoundtrip()
	if win.size != [2]int32{400, 300} {
		t.Fatalf("maximized configure %v, want 400x300 (800x600 at scale 2)", win.size)
	}
	win.xs.AckConfigure(win.serial)
	win.s.SetBufferScale(2)
	win.s.Attach(vc.quadrants(800, 600), 0, 0)
	win.s.Commit()
	vc.mustRoundtrip()
	img, dst := vc.shown()
	if dst != image.Rect(0, 0, 800, 600) {
		t.Fatalf("maximized window drawn at %v, want the whole output", dst)
	}
	expectBuffer(t, img, dst, 800, 600)
}

// TestFractionalScaleExists: a second wp_fractional_scale_v1 for one
// surface is fractional_scale_exists on the manager; after destroy a new
// one is fine.
func TestFractionalScaleExists(t *testing.T) {
	vc := startScaled(t, 150)
	fm := vc.fractionalManager()
	s := vc.surface()
	fs, _ := fm.GetFractionalScale(s)
	vc.mustRoundtrip()
	fs.Destroy()
	if _, err := fm.GetFractionalScale(s); err != nil {
		t.Fatal(err)
	}
	vc.mustRoundtrip()
	fm.GetFractionalScale(s)
	vc.expectError(fm, protocol.WpFractionalScaleManagerV1ErrorFractionalScaleExists)
}

// TestTwoOutputsEnterLeave: with a second output to the right of the
// first, a surface gets enter and leave for each output it overlaps, and
// the scene spans both.
func TestTwoOutputsEnterLeave(t *testing.T) {
	vc := startScaled(t, 120)
	var second *output.Output
	vc.e.do(func() {
		second = output.New(vc.e.d, "TEST-2", 640, 480, 60000)
		second.SetPosition(800, 0)
		vc.e.sh.AddOutput(second)
	})
	// Bind both wl_outputs, by their registry names.
	reg, err := vc.disp.GetRegistry()
	if err != nil {
		t.Fatal(err)
	}
	var names []uint32
	reg.SetGlobalHandler(func(ev client.RegistryGlobalEvent) {
		if ev.Interface == "wl_output" {
			names = append(names, ev.Name)
		}
	})
	vc.mustRoundtrip()
	if len(names) != 2 {
		t.Fatalf("%d wl_output globals, want 2", len(names))
	}
	outs := make([]*client.Output, 2)
	for i, n := range names {
		outs[i] = client.NewOutput(vc.ctx)
		if err := reg.Bind(n, "wl_output", 4, outs[i]); err != nil {
			t.Fatal(err)
		}
	}
	win := vc.toplevel()
	on := map[uint32]bool{}
	win.s.SetEnterHandler(func(ev client.SurfaceEnterEvent) { on[ev.Output.ID()] = true })
	win.s.SetLeaveHandler(func(ev client.SurfaceLeaveEvent) { delete(on, ev.Output.ID()) })
	vc.mapWindow(win, 100, 100, 0xffffffff)
	check := func(what string, want ...*client.Output) {
		t.Helper()
		vc.mustRoundtrip()
		if len(on) != len(want) {
			t.Fatalf("%s: on %v, want %d outputs", what, on, len(want))
		}
		for _, o := range want {
			if !on[o.ID()] {
				t.Fatalf("%s: not on wl_output@%d (on %v)", what, o.ID(), on)
			}
		}
	}
	check("mapped on the first", outs[0])
	vc.e.do(func() { vc.e.sh.MoveTo(vc.e.sh.Toplevels()[0], 750, 10) })
	check("across both", outs[0], outs[1])
	vc.e.do(func() { vc.e.sh.MoveTo(vc.e.sh.Toplevels()[0], 1000, 10) })
	check("on the second", outs[1])
	vc.e.do(func() { vc.e.sh.MoveTo(vc.e.sh.Toplevels()[0], 1000, 500) })
	check("below the second (outside both)")
	var items []render.Item
	vc.e.do(func() { vc.e.sh.MoveTo(vc.e.sh.Toplevels()[0], 1000, 10); items = vc.e.sh.Scene().Items })
	if len(items) != 1 || items[0].Dst.Min != image.Pt(1000, 10) {
		t.Fatalf("scene %v, want the window at (1000, 10)", items)
	}
}

// TestMoveAtOutputScale: an interactive move follows the pointer in
// output pixels: at scale 2, 100 pixels of pointer motion move the window
// 50 units of the global space, so it stays under the pointer.
func TestMoveAtOutputScale(t *testing.T) {
	vc := startScaled(t, 240)
	win := vc.toplevel()
	vc.mapWindow(win, 100, 80, 0xffffffff)
	var before, after image.Rectangle
	vc.e.do(func() {
		s := vc.e.sh.Toplevels()[0]
		before, _ = vc.e.sh.SurfaceRect(s)
		px := float64(before.Min.X*2 + 10)
		py := float64(before.Min.Y*2 + 10)
		g := vc.e.sh.BeginMove(s, px, py)
		if g == nil {
			t.Fatal("no move")
		}
		g.Motion(px+100, py+60)
		g.End()
		after, _ = vc.e.sh.SurfaceRect(s)
	})
	if d := after.Min.Sub(before.Min); d != image.Pt(50, 30) {
		t.Fatalf("window moved by %v in the global space, want (50,30) for (100,60) output pixels at scale 2", d)
	}
}

// TestWindowBoundsAtOutputScale: WindowBounds is in output pixels, as the
// pointer positions it is compared with.
func TestWindowBoundsAtOutputScale(t *testing.T) {
	vc := startScaled(t, 240)
	win := vc.toplevel()
	vc.mapWindow(win, 100, 80, 0xffffffff)
	vc.e.do(func() {
		s := vc.e.sh.Toplevels()[0]
		logical, _ := vc.e.sh.SurfaceRect(s)
		b, ok := vc.e.sh.WindowBounds(s)
		want := image.Rectangle{Min: logical.Min.Mul(2), Max: logical.Max.Mul(2)}
		if !ok || b != want {
			t.Errorf("WindowBounds %v, want %v (the %v window at scale 2)", b, want, logical)
		}
	})
}

// TestAppendSurfaceAtOutputScale: a cursor or drag icon surface drawn at
// an output pixel position is scaled like the windows: a 10x10 surface is
// 20x20 output pixels at scale 2, its subsurface offset doubled.
func TestAppendSurfaceAtOutputScale(t *testing.T) {
	vc := startScaled(t, 240)
	s := vc.surface()
	s.Attach(vc.quadrants(10, 10), 0, 0)
	s.Commit()
	vc.mustRoundtrip()
	var items []render.Item
	vc.e.do(func() {
		sc := &render.Scene{}
		var obj *protocol.Object
		for x := range vc.e.sh.surfaces {
			obj = x.obj
		}
		if !vc.e.sh.AppendSurface(sc, obj, image.Pt(100, 50)) {
			t.Error("nothing appended")
		}
		items = sc.Items
	})
	if len(items) != 1 || items[0].Dst != image.Rect(100, 50, 120, 70) {
		t.Fatalf("items %v, want one at (100,50)-(120,70)", items)
	}
}
