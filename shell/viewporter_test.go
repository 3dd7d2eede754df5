package shell

import (
	"encoding/binary"
	"image"
	"image/color"
	"testing"

	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/render/soft"
	"github.com/nofault/nofault/server"
	"github.com/nofault/nofault/singlepixel"
	"github.com/rajveermalviya/go-wayland/wayland/client"
	wpvp "github.com/rajveermalviya/go-wayland/wayland/stable/viewporter"
	spb "github.com/rajveermalviya/go-wayland/wayland/staging/single-pixel-buffer-v1"
	"golang.org/x/sys/unix"
)

// vpClient is a test client with wp_viewporter and the single-pixel
// buffer manager bound, on a shell with the real wl_shm and the soft
// renderer.
type vpClient struct {
	*tclient
	e   *env
	r   *soft.Renderer
	vp  *wpvp.Viewporter
	spm *spb.WpSinglePixelBufferManager
}

func startViewporter(t *testing.T) *vpClient { return startScaled(t, 120) }

// startScaled is startViewporter on an output of scale scale120/120, with
// wp_fractional_scale_manager_v1 advertised too.
func startScaled(t *testing.T, scale120 int) *vpClient {
	t.Helper()
	r := soft.New()
	e := startEnvWith(t, r, Options{}, true, server.Limits{})
	e.do(func() {
		e.out.SetScale120(scale120)
		e.sh.AddViewporter()
		e.sh.AddFractionalScale()
		singlepixel.Register(e.d)
	})
	tc := e.connect()
	vc := &vpClient{tclient: tc, e: e, r: r}
	vc.vp = wpvp.NewViewporter(tc.ctx)
	vc.spm = spb.NewWpSinglePixelBufferManager(tc.ctx)
	if err := tc.reg.Bind(tc.names["wp_viewporter"], "wp_viewporter", 1, vc.vp); err != nil {
		t.Fatal(err)
	}
	if err := tc.reg.Bind(tc.names["wp_single_pixel_buffer_manager_v1"], "wp_single_pixel_buffer_manager_v1", 1, vc.spm); err != nil {
		t.Fatal(err)
	}
	tc.mustRoundtrip()
	return vc
}

// quadrants makes a w x h XRGB8888 buffer whose four quadrants are red,
// green (top right), blue (bottom left) and white.
func (tc *tclient) quadrants(w, h int) *client.Buffer {
	tc.t.Helper()
	size := w * h * 4
	fd, err := unix.MemfdCreate("quadrants", unix.MFD_CLOEXEC)
	if err != nil {
		tc.t.Fatal(err)
	}
	defer unix.Close(fd)
	b := make([]byte, size)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			binary.LittleEndian.PutUint32(b[(y*w+x)*4:], quadrantColor(x, y, w, h))
		}
	}
	if _, err := unix.Pwrite(fd, b, 0); err != nil {
		tc.t.Fatal(err)
	}
	pool, err := tc.shm.CreatePool(fd, int32(size))
	if err != nil {
		tc.t.Fatal(err)
	}
	buf, err := pool.CreateBuffer(0, int32(w), int32(h), int32(w*4), uint32(protocol.WlShmFormatXrgb8888))
	if err != nil {
		tc.t.Fatal(err)
	}
	pool.Destroy()
	return buf
}

func quadrantColor(x, y, w, h int) uint32 {
	switch {
	case x < w/2 && y < h/2:
		return 0xffff0000
	case y < h/2:
		return 0xff00ff00
	case x < w/2:
		return 0xff0000ff
	}
	return 0xffffffff
}

// shown renders and returns the output and the window's rectangle.
func (vc *vpClient) shown() (*image.RGBA, image.Rectangle) {
	vc.t.Helper()
	vc.e.renderOnce(vc.r)
	items := vc.e.sceneItems()
	if len(items) != 1 {
		vc.t.Fatalf("scene has %d items, want 1", len(items))
	}
	img, err := render.ReadImage(vc.r, image.Rect(0, 0, 800, 600))
	if err != nil {
		vc.t.Fatal(err)
	}
	return img, items[0].Dst
}

// expectFill checks that every pixel of r in img is c.
func expectFill(t *testing.T, img *image.RGBA, r image.Rectangle, c color.RGBA) {
	t.Helper()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if got := img.RGBAAt(x, y); got != c {
				t.Fatalf("pixel (%d,%d) = %v, want %v (in %v)", x, y, got, c, r)
			}
		}
	}
}

var (
	cRed   = color.RGBA{0xff, 0, 0, 0xff}
	cGreen = color.RGBA{0, 0xff, 0, 0xff}
	cBlue  = color.RGBA{0, 0, 0xff, 0xff}
	cWhite = color.RGBA{0xff, 0xff, 0xff, 0xff}
)

// TestViewportCropAndScale: a source rectangle crops the buffer (after its
// scale) and the destination size stretches the crop; destroying the
// viewport restores the plain buffer at the next commit.
func TestViewportCropAndScale(t *testing.T) {
	vc := startViewporter(t)
	win := vc.toplevel()
	win.xs.AckConfigure(win.serial)
	vp, err := vc.vp.GetViewport(win.s)
	if err != nil {
		t.Fatal(err)
	}
	// 128x128 buffer at scale 2: a 64x64 surface; the source is its top
	// right quadrant (green), stretched to 200x100.
	win.s.SetBufferScale(2)
	win.s.Attach(vc.quadrants(128, 128), 0, 0)
	vp.SetSource(32, 0, 32, 32)
	vp.SetDestination(200, 100)
	win.s.Commit()
	vc.mustRoundtrip()
	img, dst := vc.shown()
	if dst.Dx() != 200 || dst.Dy() != 100 {
		t.Fatalf("surface %v, want 200x100", dst)
	}
	if it := vc.e.sceneItems()[0]; it.Src != image.Rect(64, 0, 128, 64) {
		t.Errorf("item source %v, want (64,0)-(128,64) in buffer pixels", it.Src)
	}
	expectFill(t, img, dst, cGreen)

	// Source only: the surface is the source's size, unscaled.
	vp.SetDestination(-1, -1)
	vp.SetSource(0, 32, 32, 32)
	win.s.Commit()
	vc.mustRoundtrip()
	img, dst = vc.shown()
	if dst.Dx() != 32 || dst.Dy() != 32 {
		t.Fatalf("surface %v, want 32x32", dst)
	}
	expectFill(t, img, dst, cBlue)

	// Destination only: the whole buffer scaled.
	vp.SetSource(-1, -1, -1, -1)
	vp.SetDestination(40, 20)
	win.s.Commit()
	vc.mustRoundtrip()
	img, dst = vc.shown()
	if dst.Dx() != 40 || dst.Dy() != 20 {
		t.Fatalf("surface %v, want 40x20", dst)
	}
	expectFill(t, img, image.Rect(dst.Min.X, dst.Min.Y, dst.Min.X+20, dst.Min.Y+10), cRed)
	expectFill(t, img, image.Rect(dst.Min.X+20, dst.Min.Y+10, dst.Max.X, dst.Max.Y), cWhite)

	vp.Destroy()
	win.s.Commit()
	vc.mustRoundtrip()
	if _, dst = vc.shown(); dst.Dx() != 64 || dst.Dy() != 64 {
		t.Fatalf("after wp_viewport.destroy: surface %v, want 64x64", dst)
	}
	// A new viewport for the surface is allowed once the old one is gone.
	if _, err := vc.vp.GetViewport(win.s); err != nil {
		t.Fatal(err)
	}
	vc.mustRoundtrip()
}

// TestViewportTransformedSource: the source rectangle is in surface
// coordinates, after the buffer transform.
func TestViewportTransformedSource(t *testing.T) {
	vc := startViewporter(t)
	win := vc.toplevel()
	win.xs.AckConfigure(win.serial)
	vp, _ := vc.vp.GetViewport(win.s)
	// 64x32 buffer rotated 90: a 32x64 surface. Its top left 16x16 shows
	// buffer pixels (y, W-1-x) for W = 32: buffer columns 0-15, rows
	// 16-31, in the blue quadrant (untransformed it would be red).
	win.s.SetBufferTransform(int32(render.Transform90))
	win.s.Attach(vc.quadrants(64, 32), 0, 0)
	vp.SetSource(0, 0, 16, 16)
	vp.SetDestination(48, 48)
	win.s.Commit()
	vc.mustRoundtrip()
	img, dst := vc.shown()
	expectFill(t, img, dst, cBlue)
}

// TestSinglePixelBuffer: a one-pixel buffer is a solid colour; with a
// viewport destination, of any size. Channels are premultiplied 32-bit.
func TestSinglePixelBuffer(t *testing.T) {
	vc := startViewporter(t)
	win := vc.toplevel()
	win.xs.AckConfigure(win.serial)
	vp, _ := vc.vp.GetViewport(win.s)
	buf, err := vc.spm.CreateU32RgbaBuffer(0, 0xffffffff, 0, 0xffffffff)
	if err != nil {
		t.Fatal(err)
	}
	released := 0
	buf.SetReleaseHandler(func(client.BufferReleaseEvent) { released++ })
	win.s.Attach(buf, 0, 0)
	vp.SetDestination(300, 200)
	win.s.Commit()
	vc.mustRoundtrip()
	img, dst := vc.shown()
	if dst.Dx() != 300 || dst.Dy() != 200 {
		t.Fatalf("surface %v, want 300x200", dst)
	}
	expectFill(t, img, dst, cGreen)
	if !vc.e.sceneItems()[0].Opaque {
		t.Error("an opaque single-pixel buffer is not drawn opaque")
	}

	// Half-transparent white (premultiplied) over the background.
	half, _ := vc.spm.CreateU32RgbaBuffer(0x80000000, 0x80000000, 0x80000000, 0x80000000)
	win.s.Attach(half, 0, 0)
	win.s.Damage(0, 0, 300, 200)
	win.s.Commit()
	vc.mustRoundtrip()
	img, dst = vc.shown()
	bg := vc.e.sh.opts.Background
	want := func(b uint8) uint8 { return uint8((int(b)*127+127)/255 + 0x80) }
	got := img.RGBAAt(dst.Min.X+5, dst.Min.Y+5)
	for i, pair := range [][2]uint8{{got.R, want(bg[0])}, {got.G, want(bg[1])}, {got.B, want(bg[2])}} {
		if d := int(pair[0]) - int(pair[1]); d < -1 || d > 1 {
			t.Errorf("channel %d = %#x, want about %#x (50%% white over the background)", i, pair[0], pair[1])
		}
	}
	if released == 0 {
		t.Error("the first single-pixel buffer was not released when replaced")
	}
}

// TestViewportErrors: every wp_viewport and wp_viewporter error, with its
// code on the object viewporter.xml names.
func TestViewportErrors(t *testing.T) {
	type setup struct {
		vc  *vpClient
		win *window
		vp  *wpvp.Viewport
	}
	cases := []struct {
		name string
		run  func(s setup) (client.Proxy, protocol.ErrorCode)
	}{
		{"viewport exists", func(s setup) (client.Proxy, protocol.ErrorCode) {
			s.vc.vp.GetViewport(s.win.s)
			return s.vc.vp, protocol.WpViewporterErrorViewportExists
		}},
		{"negative source origin", func(s setup) (client.Proxy, protocol.ErrorCode) {
			s.vp.SetSource(-2, 0, 10, 10)
			return s.vp, protocol.WpViewportErrorBadValue
		}},
		{"zero source width", func(s setup) (client.Proxy, protocol.ErrorCode) {
			s.vp.SetSource(0, 0, 0, 10)
			return s.vp, protocol.WpViewportErrorBadValue
		}},
		{"partly unset source", func(s setup) (client.Proxy, protocol.ErrorCode) {
			s.vp.SetSource(-1, -1, -1, 10)
			return s.vp, protocol.WpViewportErrorBadValue
		}},
		{"zero destination", func(s setup) (client.Proxy, protocol.ErrorCode) {
			s.vp.SetDestination(0, 5)
			return s.vp, protocol.WpViewportErrorBadValue
		}},
		{"half unset destination", func(s setup) (client.Proxy, protocol.ErrorCode) {
			s.vp.SetDestination(-1, 5)
			return s.vp, protocol.WpViewportErrorBadValue
		}},
		{"fractional source size without destination", func(s setup) (client.Proxy, protocol.ErrorCode) {
			s.vp.SetSource(0, 0, 10.5, 10)
			s.win.s.Commit()
			return s.vp, protocol.WpViewportErrorBadSize
		}},
		{"source outside the buffer", func(s setup) (client.Proxy, protocol.ErrorCode) {
			s.vp.SetSource(10, 0, 60, 10) // the surface is 64 wide
			s.win.s.Commit()
			return s.vp, protocol.WpViewportErrorOutOfBuffer
		}},
		{"source outside after a scale change", func(s setup) (client.Proxy, protocol.ErrorCode) {
			s.vp.SetSource(0, 0, 64, 64)
			s.win.s.Commit() // fine at scale 1
			s.win.s.SetBufferScale(2)
			s.win.s.Commit() // now a 32x32 surface
			return s.vp, protocol.WpViewportErrorOutOfBuffer
		}},
		{"set_destination after the surface is gone", func(s setup) (client.Proxy, protocol.ErrorCode) {
			s.win.top.Destroy()
			s.win.xs.Destroy()
			s.win.s.Destroy()
			s.vp.SetDestination(10, 10)
			return s.vp, protocol.WpViewportErrorNoSurface
		}},
		{"set_source after the surface is gone", func(s setup) (client.Proxy, protocol.ErrorCode) {
			s.win.top.Destroy()
			s.win.xs.Destroy()
			s.win.s.Destroy()
			s.vp.SetSource(0, 0, 1, 1)
			return s.vp, protocol.WpViewportErrorNoSurface
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			vc := startViewporter(t)
			win := vc.toplevel()
			win.xs.AckConfigure(win.serial)
			win.s.Attach(vc.quadrants(64, 64), 0, 0)
			win.s.Commit()
			vp, err := vc.vp.GetViewport(win.s)
			if err != nil {
				t.Fatal(err)
			}
			vc.mustRoundtrip()
			obj, code := tc.run(setup{vc, win, vp})
			vc.expectError(obj, code)
		})
	}
}

// TestViewportValidRequests: the unset values, a fractional source with a
// destination, and a source reaching exactly the buffer's edge are no
// errors.
func TestViewportValidRequests(t *testing.T) {
	vc := startViewporter(t)
	win := vc.toplevel()
	win.xs.AckConfigure(win.serial)
	vp, _ := vc.vp.GetViewport(win.s)
	win.s.Attach(vc.quadrants(64, 64), 0, 0)
	vp.SetSource(0.5, 0.25, 63.5, 63.75)
	vp.SetDestination(100, 100)
	win.s.Commit()
	vc.mustRoundtrip()
	vp.SetSource(-1, -1, -1, -1)
	vp.SetDestination(-1, -1)
	win.s.Commit()
	vc.mustRoundtrip()
	// Destroying the surface first, then the viewport, is fine.
	win.top.Destroy()
	win.xs.Destroy()
	win.s.Destroy()
	vp.Destroy()
	vc.mustRoundtrip()
}
