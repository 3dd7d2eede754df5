package e2e

// Cursors and drag-and-drop in the nested window on Xvfb, driven by
// xdotool: a client's cursor surface on the X screen at the pointer (with
// its hotspot, offset, hiding and nofault's default arrow), and
// weston-dnd dragging a flower from one cell to another.

import (
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"net"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rajveermalviya/go-wayland/wayland/client"

	"github.com/nofault/nofault/config"
)

// x11Image reads rectangle r of the root window of display with the X11
// GetImage request (ZPixmap), over the wire protocol: what the X screen
// shows (Xvfb draws no cursor of its own into it).
func x11Image(display string, r image.Rectangle) (*image.RGBA, error) {
	num, _, _ := strings.Cut(strings.TrimPrefix(display, ":"), ".")
	conn, err := net.Dial("unix", "/tmp/.X11-unix/X"+num)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	le := binary.LittleEndian
	if _, err := conn.Write([]byte{'l', 0, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0}); err != nil {
		return nil, err
	}
	head := make([]byte, 8)
	if _, err := readFull(conn, head); err != nil {
		return nil, err
	}
	rest := make([]byte, int(le.Uint16(head[6:]))*4)
	if _, err := readFull(conn, rest); err != nil {
		return nil, err
	}
	if head[0] != 1 {
		return nil, fmt.Errorf("X11 setup refused: %q", rest)
	}
	vendor := int(le.Uint16(rest[16:]))
	screen := rest[32+(vendor+3)&^3+8*int(rest[21]):]
	root := le.Uint32(screen[0:])
	req := make([]byte, 20)
	req[0], req[1] = 73, 2 // GetImage, ZPixmap
	le.PutUint16(req[2:], 5)
	le.PutUint32(req[4:], root)
	le.PutUint16(req[8:], uint16(r.Min.X))
	le.PutUint16(req[10:], uint16(r.Min.Y))
	le.PutUint16(req[12:], uint16(r.Dx()))
	le.PutUint16(req[14:], uint16(r.Dy()))
	le.PutUint32(req[16:], 0xffffffff)
	if _, err := conn.Write(req); err != nil {
		return nil, err
	}
	rep := make([]byte, 32)
	if _, err := readFull(conn, rep); err != nil {
		return nil, err
	}
	if rep[0] != 1 {
		return nil, fmt.Errorf("GetImage: X11 error %d", rep[1])
	}
	data := make([]byte, le.Uint32(rep[4:])*4)
	if _, err := readFull(conn, data); err != nil {
		return nil, err
	}
	if len(data) < r.Dx()*r.Dy()*4 {
		return nil, fmt.Errorf("GetImage: %d bytes for %v (depth %d): not 32 bits per pixel", len(data), r, rep[1])
	}
	img := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	for i := 0; i < r.Dx()*r.Dy(); i++ {
		img.Pix[i*4], img.Pix[i*4+1], img.Pix[i*4+2], img.Pix[i*4+3] = data[i*4+2], data[i*4+1], data[i*4], 0xff
	}
	return img, nil
}

// mouseAt returns the pointer's position on the X screen.
func mouseAt(t *testing.T, display string) image.Point {
	t.Helper()
	out := xdotool(t, display, "getmouselocation")
	m := regexp.MustCompile(`x:(\d+) y:(\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("getmouselocation: %q", out)
	}
	x, _ := strconv.Atoi(m[1])
	y, _ := strconv.Atoi(m[2])
	return image.Pt(x, y)
}

// screenNear polls the X screen around the pointer (r is relative to it)
// until ok accepts the picture; it fails the test after timeout.
func screenNear(t *testing.T, display string, r image.Rectangle, what string, ok func(img *image.RGBA) bool) *image.RGBA {
	t.Helper()
	at := mouseAt(t, display)
	deadline := time.Now().Add(15 * time.Second)
	for {
		img, err := x11Image(display, r.Add(at))
		if err != nil {
			t.Fatalf("reading the X screen at %v: %v", r.Add(at), err)
		}
		if ok(img) {
			return img
		}
		if time.Now().After(deadline) {
			savePNG(t, img)
			t.Fatalf("%s: not on the X screen around the pointer %v", what, at)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestNestedClientCursor: a client's cursor surface is on the X screen at
// the pointer minus its hotspot; an attach offset moves the hotspot; the
// cursor surface gets frame callbacks; set_cursor(null) hides it; over the
// background nofault draws its arrow.
func TestNestedClientCursor(t *testing.T) {
	need(t, "xdotool")
	display := startXvfb(t)
	p := startNested(t, display)
	const (
		colWin    = 0xff3070a0
		colCursor = 0xffff00ff
	)
	a := connectClient(t, "cursor client", p.path, true)
	ptr, err := a.seat.GetPointer()
	if err != nil {
		t.Fatal(err)
	}
	var enter uint32
	var over *client.Surface
	ptr.SetEnterHandler(func(ev client.PointerEnterEvent) { enter, over = ev.Serial, ev.Surface })
	ptr.SetLeaveHandler(func(ev client.PointerLeaveEvent) { over = nil })
	w := a.window("cursor")
	buf := a.buffer(240, 160, 240*4, 0, fmtXRGB8888, false)
	buf.fill(func(x, y int) uint32 { return colWin })
	a.show(w.s, buf)
	box, n := colorBox(p.screenshot(), argbColor(colWin))
	if n < 240*160/2 {
		t.Fatalf("window not visible (%d pixels)", n)
	}
	id := strconv.FormatUint(uint64(nestedWindowID(t, display)), 10)
	centre := box.Min.Add(box.Size().Div(2))
	xdotool(t, display, "mousemove", "--window", id, strconv.Itoa(centre.X), strconv.Itoa(centre.Y))
	a.dispatchUntil("pointer enter", func() bool { return over == w.s }, 10*time.Second)

	// An 8x8 magenta cursor with hotspot (3, 2), and a frame callback.
	cs, _ := a.comp.CreateSurface()
	cbuf := a.buffer(8, 8, 32, 0, fmtARGB8888, false)
	cbuf.fill(func(x, y int) uint32 { return colCursor })
	ptr.SetCursor(enter, cs, 3, 2)
	cb, _ := cs.Frame()
	framed := false
	cb.SetDoneHandler(func(client.CallbackDoneEvent) { framed = true })
	a.show(cs, cbuf)
	a.dispatchUntil("the cursor surface's frame callback", func() bool { return framed }, 10*time.Second)

	magenta := argbColor(colCursor)
	area := image.Rect(-20, -20, 20, 20) // around the pointer; (20, 20) is the pointer
	at := func(dx, dy int) func(img *image.RGBA) bool {
		return func(img *image.RGBA) bool {
			b, n := colorBox(img, magenta)
			return n == 64 && b == image.Rect(20+dx, 20+dy, 28+dx, 28+dy)
		}
	}
	screenNear(t, display, area, "the client's cursor with hotspot (3,2)", at(-3, -2))

	// attach with dx, dy (wl_compositor 4) moves the hotspot by -dx, -dy.
	cs.Attach(cbuf.buf, 2, 1)
	cs.Commit()
	a.roundtrip()
	screenNear(t, display, area, "the cursor after attach(2, 1)", at(-1, -1))

	// set_cursor(null): no cursor; the window shows under the pointer.
	ptr.SetCursor(enter, nil, 0, 0)
	a.roundtrip()
	win := argbColor(colWin)
	screenNear(t, display, area, "the window without a cursor", func(img *image.RGBA) bool {
		_, n := colorBox(img, magenta)
		return n == 0 && rgbaAt(img, 20, 20) == win && rgbaAt(img, 21, 22) == win
	})

	// Over the background: nofault's arrow, black tip at the pointer,
	// white inside.
	xdotool(t, display, "mousemove", "--window", id, "40", "40")
	a.dispatchUntil("pointer leave", func() bool { return over == nil }, 10*time.Second)
	black, white := color.RGBA{0, 0, 0, 0xff}, color.RGBA{0xff, 0xff, 0xff, 0xff}
	screenNear(t, display, area, "the default arrow", func(img *image.RGBA) bool {
		return rgbaAt(img, 20, 20) == black && rgbaAt(img, 21, 22) == white && rgbaAt(img, 20, 25) == black
	})
}

// darkBox is weston-dnd's drop area, its 80%-black background: the rows
// and columns with at least 150 pixels darker than 0x14 in every channel
// (the title's black text has fewer).
func darkBox(img image.Image) image.Rectangle {
	b := img.Bounds()
	rows, cols := make([]int, b.Max.Y), make([]int, b.Max.X)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if c := rgbaAt(img, x, y); c.R < 0x14 && c.G < 0x14 && c.B < 0x14 {
				rows[y]++
				cols[x]++
			}
		}
	}
	var box image.Rectangle
	for y, n := range rows {
		for x, m := range cols {
			if n >= 150 && m >= 150 {
				box = box.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return box
}

// litPixels counts the pixels of r that are not dark (a flower).
func litPixels(img image.Image, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if c := rgbaAt(img, x, y); c.R >= 0x30 || c.G >= 0x30 || c.B >= 0x30 {
				n++
			}
		}
	}
	return n
}

// TestNestedWestonDnd drags a flower of weston-dnd from its cell to an
// empty one with xdotool (button held, motion, release). The drop
// arrives: weston-dnd's protocol trace shows start_drag, the drop, the
// transfer and finish/dnd_finished, and the flower shows in the new cell.
func TestNestedWestonDnd(t *testing.T) {
	need(t, "xdotool", "weston-dnd")
	display := startXvfb(t)
	p := startNested(t, display)
	trace := tracedClient(t, p, "weston-dnd")
	waitTrace := func(what string, re *regexp.Regexp) { t.Helper(); trace.wait(t, what, re) }

	// The drop area is a 4x4 grid of 64-pixel cells with 16 pixels of
	// padding; cell 1 holds a flower, cell 0 is empty (dnd.c).
	var area image.Rectangle
	deadline := time.Now().Add(30 * time.Second)
	for area.Dx() < 300 || area.Dy() < 300 {
		if time.Now().After(deadline) {
			t.Fatalf("weston-dnd's window did not show (dark area %v)", area)
		}
		time.Sleep(100 * time.Millisecond)
		area = darkBox(p.screenshot())
	}
	cell := func(i int) image.Rectangle {
		min := area.Min.Add(image.Pt(16+(i%4)*80, 16+(i/4)*80))
		return image.Rectangle{Min: min, Max: min.Add(image.Pt(64, 64))}
	}
	img := p.screenshot()
	if n := litPixels(img, cell(1)); n < 200 {
		savePNG(t, img)
		t.Fatalf("no flower in cell 1 (%d lit pixels)", n)
	}
	if n := litPixels(img, cell(0)); n != 0 {
		savePNG(t, img)
		t.Fatalf("cell 0 %v of area %v is not empty (%d lit pixels)", cell(0), area, n)
	}

	id := strconv.FormatUint(uint64(nestedWindowID(t, display)), 10)
	move := func(pt image.Point) {
		xdotool(t, display, "mousemove", "--window", id, strconv.Itoa(pt.X), strconv.Itoa(pt.Y))
	}
	from, to := cell(1).Min.Add(image.Pt(32, 32)), cell(0).Min.Add(image.Pt(32, 32))
	// The pointer's last position in weston-dnd's surface coordinates.
	posRe := regexp.MustCompile(`wl_pointer@\d+\.(?:enter\(\d+, wl_surface@\d+,|motion\(\d+,) (\d+)\.\d+, (\d+)\.`)
	lastPos := func() (image.Point, bool) {
		m := posRe.FindAllStringSubmatch(trace.String(), -1)
		if m == nil {
			return image.Point{}, false
		}
		x, _ := strconv.Atoi(m[len(m)-1][1])
		y, _ := strconv.Atoi(m[len(m)-1][2])
		return image.Pt(x, y), true
	}
	move(from)
	var local image.Point
	for deadline := time.Now().Add(15 * time.Second); ; {
		if pt, ok := lastPos(); ok { // the pointer came from outside the window: this is from
			local = pt
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("weston-dnd got no pointer position over the flower")
		}
		time.Sleep(20 * time.Millisecond)
	}
	xdotool(t, display, "mousedown", "1")
	waitTrace("start_drag", regexp.MustCompile(`wl_data_device@\d+\.start_drag\(`))
	for i := 1; i <= 4; i++ {
		move(from.Add(to.Sub(from).Mul(i).Div(4)))
	}
	dst := local.Add(to.Sub(from))
	waitTrace("drag motion over the empty cell", regexp.MustCompile(fmt.Sprintf(`wl_data_device@\d+\.(motion\(\d+|enter\(\d+, wl_surface@\d+), %d\.\d+, %d\.`, dst.X, dst.Y)))
	// The drag icon (the flower, placed by attach's dx, dy so that the
	// point held stays under the pointer) is over the empty cell.
	lit := func(c color.RGBA) bool { return c.R >= 0x30 || c.G >= 0x30 || c.B >= 0x30 }
	around := cell(0).Inset(-12).Intersect(area)
	var icon image.Rectangle
	for deadline := time.Now().Add(15 * time.Second); ; {
		var n int
		if icon, n = boxWhere(p.screenshot(), around, lit); n > 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no drag icon over cell 0 (%d lit pixels)", n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	xdotool(t, display, "mouseup", "1")
	waitTrace("drop", regexp.MustCompile(`wl_data_device@\d+\.drop\(\)`))
	waitTrace("the transfer (send to the source)", regexp.MustCompile(`wl_data_source@\d+\.send\("application/x-wayland-dnd-flower"`))
	waitTrace("finish or dnd_finished", regexp.MustCompile(`wl_data_offer@\d+\.finish\(\)|wl_data_source@\d+\.dnd_finished\(\)`))
	if strings.Contains(trace.String(), "cancelled()") {
		t.Error("the drag source was cancelled")
	}
	deadline = time.Now().Add(15 * time.Second)
	for {
		img = p.screenshot()
		if litPixels(img, cell(0)) > 200 {
			// weston-dnd puts the flower where its icon was dropped.
			if b, _ := boxWhere(img, around, lit); b != icon {
				t.Errorf("the dropped flower is at %v, its drag icon was at %v", b, icon)
			}
			break
		}
		if time.Now().After(deadline) {
			savePNG(t, img)
			t.Fatal("no flower in cell 0 after the drop")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// tracedClient runs a client of p with WAYLAND_DEBUG=1; the returned
// buffer collects its protocol trace (and other output).
func tracedClient(t *testing.T, p *nestedProc, name string, args ...string) *syncBuffer {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(hostEnv(), "WAYLAND_DISPLAY="+p.socket, "XDG_RUNTIME_DIR="+p.runtimeDir, "WAYLAND_DEBUG=1", "GDK_BACKEND=wayland")
	trace := new(syncBuffer)
	cmd.Stdout, cmd.Stderr = trace, trace
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		if t.Failed() {
			t.Logf("%s trace (last 8 KiB):\n%s", name, tail(trace.String(), 8192))
		}
	})
	return trace
}

// wait polls the trace until re matches it; it fails the test after 15 s.
func (b *syncBuffer) wait(t *testing.T, what string, re *regexp.Regexp) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !re.MatchString(b.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("no %s in the client's trace", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// boxWhere returns the bounding box of the pixels of r for which ok holds
// and their count.
func boxWhere(img image.Image, r image.Rectangle, ok func(c color.RGBA) bool) (image.Rectangle, int) {
	var box image.Rectangle
	n := 0
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if ok(rgbaAt(img, x, y)) {
				box = box.Union(image.Rect(x, y, x+1, y+1))
				n++
			}
		}
	}
	return box, n
}

func red(c color.RGBA) bool    { return c.R > 0xb0 && c.G < 0x30 && c.B < 0x30 }
func orange(c color.RGBA) bool { return c.R > 0xd0 && c.G > 0x60 && c.G < 0xd0 && c.B < 0x50 }

// TestNestedGtkDnd: GTK 3 as a real drag-and-drop client. gtk3-demo's
// Clipboard demo has two images that are drag sources and drop targets;
// xdotool drags the warning sign onto the stop sign, which becomes a
// warning sign. GTK's trace shows start_drag, drop and finish.
func TestNestedGtkDnd(t *testing.T) {
	need(t, "xdotool", "gtk3-demo")
	display := startXvfb(t)
	p := startNested(t, display)
	trace := tracedClient(t, p, "gtk3-demo", "--run=clipboard")
	var stop image.Rectangle
	// gtk3-demo maps its main window and the Clipboard demo's in either
	// order; when the main window maps last it covers the demo. A user
	// then brings the demo forward with the window-cycling key.
	id := strconv.FormatUint(uint64(nestedWindowID(t, display)), 10)
	deadline := time.Now().Add(30 * time.Second)
	nextCycle := time.Now().Add(3 * time.Second)
	for {
		var n int
		img := p.screenshot()
		if stop, n = boxWhere(img, img.Bounds(), red); n > 100 && stop.Dx() < 40 && stop.Dy() < 40 {
			break
		}
		if time.Now().After(deadline) {
			savePNG(t, img)
			t.Fatalf("no stop sign on the screen (red box %v, %d pixels)", stop, n)
		}
		if time.Now().After(nextCycle) && strings.Count(trace.String(), "xdg_toplevel@") > 0 {
			xdotool(t, display, "windowfocus", "--sync", id)
			xdotool(t, display, "key", "ctrl+super+Tab")
			nextCycle = time.Now().Add(3 * time.Second)
		}
		time.Sleep(200 * time.Millisecond)
	}
	img := p.screenshot()
	row := image.Rect(stop.Min.X-60, stop.Min.Y-4, stop.Min.X, stop.Max.Y+4)
	warn, n := boxWhere(img, row, orange)
	if n < 50 {
		savePNG(t, img)
		t.Fatalf("no warning sign left of the stop sign %v (%d orange pixels in %v)", stop, n, row)
	}
	from := warn.Min.Add(warn.Size().Div(2))
	to := stop.Min.Add(stop.Size().Div(2))

	move := func(pt image.Point) {
		xdotool(t, display, "mousemove", "--window", id, strconv.Itoa(pt.X), strconv.Itoa(pt.Y))
	}
	motions := func() int { return strings.Count(trace.String(), "wl_pointer@") }
	move(from)
	for deadline := time.Now().Add(15 * time.Second); motions() == 0; {
		if time.Now().After(deadline) {
			t.Fatal("gtk3-demo got no pointer events")
		}
		time.Sleep(20 * time.Millisecond)
	}
	xdotool(t, display, "mousedown", "1")
	trace.wait(t, "the button press", regexp.MustCompile(`wl_pointer@\d+\.button\(\d+, \d+, 272, 1\)`))
	// GTK starts the drag on a motion past its 8-pixel threshold; like a
	// user, keep moving (down and back) until it has.
	startDrag := regexp.MustCompile(`wl_data_device@\d+\.start_drag\(`)
	for i, deadline := 1, time.Now().Add(20*time.Second); !startDrag.MatchString(trace.String()); i++ {
		if time.Now().After(deadline) {
			t.Fatal("gtk3-demo did not start the drag")
		}
		move(from.Add(image.Pt(0, 10+2*(i%8))))
		time.Sleep(50 * time.Millisecond)
	}
	for i := 1; i <= 4; i++ {
		move(from.Add(image.Pt(0, 16)).Add(to.Sub(from.Add(image.Pt(0, 16))).Mul(i).Div(4)))
	}
	trace.wait(t, "the drag entering", regexp.MustCompile(`wl_data_device@\d+\.enter\(`))
	trace.wait(t, "the destination accepting", regexp.MustCompile(`wl_data_source@\d+\.target\("[^"]+"\)`))
	xdotool(t, display, "mouseup", "1")
	trace.wait(t, "drop", regexp.MustCompile(`wl_data_device@\d+\.drop\(\)`))
	trace.wait(t, "finish", regexp.MustCompile(`wl_data_offer@\d+\.finish\(\)`))
	trace.wait(t, "dnd_finished", regexp.MustCompile(`wl_data_source@\d+\.dnd_finished\(\)`))
	for deadline := time.Now().Add(15 * time.Second); ; {
		img := p.screenshot()
		_, r := boxWhere(img, stop, red)
		_, o := boxWhere(img, stop, orange)
		if r == 0 && o > 10 {
			break
		}
		if time.Now().After(deadline) {
			savePNG(t, img)
			t.Fatalf("the stop sign was not replaced: %d red, %d orange pixels in %v", r, o, stop)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// TestGrimOverlayCursor: grim captures the cursor only with -c
// (overlay_cursor), as on wlroots; without it the capture equals
// --screenshot, which has no cursor.
func TestGrimOverlayCursor(t *testing.T) {
	need(t, "grim")
	in := startInProcess(t, config.Size{W: 320, H: 240})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := in.c.Sync(ctx, func() { in.c.Seat.PointerMotion(100, 80, time.Time{}) }); err != nil {
		t.Fatal(err)
	}
	black, white := color.RGBA{0, 0, 0, 0xff}, color.RGBA{0xff, 0xff, 0xff, 0xff}
	with := runGrim(t, in.env(), "-c")
	if rgbaAt(with, 100, 80) != black || rgbaAt(with, 101, 82) != white {
		savePNG(t, with)
		t.Errorf("grim -c: %v at the pointer, %v at (+1,+2); want the arrow", rgbaAt(with, 100, 80), rgbaAt(with, 101, 82))
	}
	plain := runGrim(t, in.env())
	shot := in.screenshot(t)
	if rgbaAt(plain, 100, 80) == black {
		t.Error("grim without -c captured the cursor")
	}
	samePixels(t, "grim without -c", plain, shot, shot.Bounds())
}
