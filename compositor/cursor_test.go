package compositor

import (
	"context"
	"encoding/binary"
	"image"
	"image/color"
	"testing"
	"time"

	"github.com/rajveermalviya/go-wayland/wayland/client"
	xdg "github.com/rajveermalviya/go-wayland/wayland/stable/xdg-shell"
	"golang.org/x/sys/unix"

	"github.com/nofault/nofault/render"
)

// cursorClient is a go-wayland client with a toplevel and a pointer.
type cursorClient struct {
	t     testing.TB
	ctx   *client.Context
	disp  *client.Display
	comp  *client.Compositor
	shm   *client.Shm
	wm    *xdg.WmBase
	seat  *client.Seat
	ptr   *client.Pointer
	enter uint32
	over  *client.Surface
}

func dialCursorClient(t testing.TB, path string) *cursorClient {
	t.Helper()
	disp, err := client.Connect(path)
	if err != nil {
		t.Fatal(err)
	}
	c := &cursorClient{t: t, disp: disp, ctx: disp.Context()}
	t.Cleanup(func() { c.ctx.Close() })
	reg, _ := disp.GetRegistry()
	names := map[string]uint32{}
	reg.SetGlobalHandler(func(ev client.RegistryGlobalEvent) { names[ev.Interface] = ev.Name })
	c.roundtrip()
	c.comp, c.shm, c.wm, c.seat = client.NewCompositor(c.ctx), client.NewShm(c.ctx), xdg.NewWmBase(c.ctx), client.NewSeat(c.ctx)
	for _, b := range []struct {
		iface string
		v     uint32
		p     client.Proxy
	}{{"wl_compositor", 5, c.comp}, {"wl_shm", 1, c.shm}, {"xdg_wm_base", 1, c.wm}, {"wl_seat", 5, c.seat}} {
		if err := reg.Bind(names[b.iface], b.iface, b.v, b.p); err != nil {
			t.Fatal(err)
		}
	}
	c.wm.SetPingHandler(func(ev xdg.WmBasePingEvent) { c.wm.Pong(ev.Serial) })
	c.ptr, _ = c.seat.GetPointer()
	c.ptr.SetEnterHandler(func(ev client.PointerEnterEvent) { c.enter, c.over = ev.Serial, ev.Surface })
	c.ptr.SetLeaveHandler(func(client.PointerLeaveEvent) { c.over = nil })
	c.roundtrip()
	return c
}

func (c *cursorClient) until(what string, cond func() bool) {
	c.t.Helper()
	timer := time.AfterFunc(10*time.Second, func() { c.ctx.Close() })
	defer timer.Stop()
	for !cond() {
		if err := c.ctx.Dispatch(); err != nil {
			c.t.Fatalf("waiting for %s: %v", what, err)
		}
	}
}

func (c *cursorClient) roundtrip() {
	c.t.Helper()
	cb, _ := c.disp.Sync()
	done := false
	cb.SetDoneHandler(func(client.CallbackDoneEvent) { done = true })
	c.until("a roundtrip", func() bool { return done })
}

// buffer is a w x h ARGB8888 buffer filled with px.
func (c *cursorClient) buffer(w, h int, px uint32) *client.Buffer {
	c.t.Helper()
	fd, err := unix.MemfdCreate("cursor-test", unix.MFD_CLOEXEC)
	if err != nil {
		c.t.Fatal(err)
	}
	defer unix.Close(fd)
	b := make([]byte, w*h*4)
	for i := 0; i < w*h; i++ {
		binary.LittleEndian.PutUint32(b[i*4:], px)
	}
	unix.Pwrite(fd, b, 0)
	pool, _ := c.shm.CreatePool(fd, int32(len(b)))
	buf, _ := pool.CreateBuffer(0, int32(w), int32(h), int32(w*4), 0)
	pool.Destroy()
	return buf
}

// window maps a w x h toplevel of colour px.
func (c *cursorClient) window(w, h int, px uint32) *client.Surface {
	s, _ := c.comp.CreateSurface()
	xs, _ := c.wm.GetXdgSurface(s)
	top, _ := xs.GetToplevel()
	top.SetTitle("cursor test")
	configured := false
	xs.SetConfigureHandler(func(ev xdg.SurfaceConfigureEvent) { xs.AckConfigure(ev.Serial); configured = true })
	s.Commit()
	c.until("configure", func() bool { return configured })
	s.Attach(c.buffer(w, h, px), 0, 0)
	s.Damage(0, 0, int32(w), int32(h))
	s.Commit()
	c.roundtrip()
	return s
}

// shown runs an output frame and reads the output back: what the
// nested window would show.
func shown(t *testing.T, c *Compositor) *image.RGBA {
	t.Helper()
	var img *image.RGBA
	var err error
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if serr := c.Sync(ctx, func() {
		c.Frame(time.Now())
		w, h := c.Output.Size()
		img, err = render.ReadImage(c.Renderer, image.Rect(0, 0, w, h))
	}); serr != nil {
		t.Fatal(serr)
	}
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// box returns the bounding box of the pixels of colour col and their count.
func box(img *image.RGBA, col color.RGBA) (image.Rectangle, int) {
	var r image.Rectangle
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if img.RGBAAt(x, y) == col {
				r = r.Union(image.Rect(x, y, x+1, y+1))
				n++
			}
		}
	}
	return r, n
}

// TestCursor: the client's cursor surface is drawn at the pointer minus
// its hotspot, above the windows; set_cursor with the same surface and a
// new hotspot moves it, so does wl_surface.offset (the hotspot decreases
// by the offset); set_cursor(null) hides it; over the background the
// arrow is drawn, tip at the pointer; --screenshot leaves the cursor out.
// No cursor is drawn before the pointer first moves, nor while the host
// pointer is outside the nested window.
func TestCursor(t *testing.T) {
	c, path := start(t)
	cl := dialCursorClient(t, path)
	const winPx, curPx = 0xff2060a0, 0xffff00ff
	win := cl.window(200, 160, winPx)
	winCol, curCol := color.RGBA{0x20, 0x60, 0xa0, 0xff}, color.RGBA{0xff, 0x00, 0xff, 0xff}
	first := shown(t, c)
	if first.RGBAAt(0, 0) != first.RGBAAt(20, 20) {
		t.Errorf("a cursor at (0,0) before the pointer moved: %v", first.RGBAAt(0, 0))
	}
	wbox, n := box(first, winCol)
	if n < 200*150 {
		t.Fatalf("window not drawn (%d pixels)", n)
	}
	p := wbox.Min.Add(image.Pt(100, 80))
	do(t, c, func() { c.Seat.PointerMotion(float64(p.X)+0.5, float64(p.Y)+0.5, time.Time{}) })
	cl.until("pointer enter", func() bool { return cl.over == win })

	cs, _ := cl.comp.CreateSurface()
	cl.ptr.SetCursor(cl.enter, cs, 3, 2)
	cb, _ := cs.Frame()
	framed := false
	cb.SetDoneHandler(func(client.CallbackDoneEvent) { framed = true })
	cs.Attach(cl.buffer(6, 6, curPx), 0, 0)
	cs.Damage(0, 0, 6, 6)
	cs.Commit()
	cl.until("the cursor surface's frame callback", func() bool { return framed })

	check := func(what string, hot image.Point) {
		t.Helper()
		b, n := box(shown(t, c), curCol)
		want := image.Rectangle{Min: p.Sub(hot), Max: p.Sub(hot).Add(image.Pt(6, 6))}
		if n != 36 || b != want {
			t.Errorf("%s: cursor at %v (%d pixels), want %v", what, b, n, want)
		}
	}
	check("hotspot (3,2)", image.Pt(3, 2))

	cl.ptr.SetCursor(cl.enter, cs, 5, 0)
	cl.roundtrip()
	check("hotspot updated to (5,0)", image.Pt(5, 0))

	cs.Offset(2, 1)
	cs.Commit()
	cl.roundtrip()
	check("after offset(2,1)", image.Pt(3, -1))
	cs.Offset(1, 0)
	cs.Commit()
	cl.roundtrip()
	check("after offset(1,0)", image.Pt(2, -1))

	// The screenshot (--screenshot, SIGUSR1) has no cursor.
	var shot *image.RGBA
	do(t, c, func() {
		var err error
		if shot, err = c.Screenshot(); err != nil {
			t.Error(err)
		}
	})
	if _, n := box(shot, curCol); n != 0 {
		t.Errorf("the screenshot shows the cursor (%d pixels)", n)
	}
	check("after a screenshot", image.Pt(2, -1))

	cl.ptr.SetCursor(cl.enter, nil, 0, 0)
	cl.roundtrip()
	img := shown(t, c)
	if _, n := box(img, curCol); n != 0 || img.RGBAAt(p.X, p.Y) != winCol {
		t.Errorf("hidden cursor: %d cursor pixels, %v at the pointer", n, img.RGBAAt(p.X, p.Y))
	}

	// Over the background: the arrow, black tip at the pointer.
	bg := wbox.Min.Sub(image.Pt(40, 40))
	do(t, c, func() { c.Seat.PointerMotion(float64(bg.X), float64(bg.Y), time.Time{}) })
	cl.until("pointer leave", func() bool { return cl.over == nil })
	img = shown(t, c)
	black, white := color.RGBA{0, 0, 0, 0xff}, color.RGBA{0xff, 0xff, 0xff, 0xff}
	if img.RGBAAt(bg.X, bg.Y) != black || img.RGBAAt(bg.X+1, bg.Y+2) != white {
		t.Errorf("arrow: %v at the pointer, %v at (+1,+2); want black, white", img.RGBAAt(bg.X, bg.Y), img.RGBAAt(bg.X+1, bg.Y+2))
	}

	// A client that never set a cursor gets the arrow over its window too.
	do(t, c, func() { c.Seat.PointerMotion(float64(p.X), float64(p.Y), time.Time{}) })
	cl.until("pointer enter again", func() bool { return cl.over == win })
	if img := shown(t, c); img.RGBAAt(p.X, p.Y) != black {
		t.Errorf("over a window with no cursor set: %v at the pointer, want the arrow", img.RGBAAt(p.X, p.Y))
	}

	// The host pointer left the nested window: no cursor.
	do(t, c, func() { c.PointerInside(false) })
	if img := shown(t, c); img.RGBAAt(p.X, p.Y) == black {
		t.Error("the arrow is drawn while the pointer is outside the window")
	}
	do(t, c, func() { c.PointerInside(true) })
	if img := shown(t, c); img.RGBAAt(p.X, p.Y) != black {
		t.Error("no arrow after the pointer came back")
	}
}

// BenchmarkCursorMotion is one output frame after the pointer moved by a
// pixel over a 200x160 window on the 1280x720 soft-rendered output: what
// moving the drawn cursor costs per frame.
func BenchmarkCursorMotion(b *testing.B) {
	c, path := start(b)
	cl := dialCursorClient(b, path)
	cl.window(200, 160, 0xff2060a0)
	ctx := context.Background()
	x := 0.0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		x = float64(100 + i%400)
		c.Sync(ctx, func() {
			c.Seat.PointerMotion(x, 300, time.Time{})
			c.Frame(time.Now())
		})
	}
}
