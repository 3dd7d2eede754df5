package e2e

import (
	"context"
	"image"
	"image/color"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nofault/nofault/config"
	"github.com/nofault/nofault/internal/font5x7"
	"github.com/nofault/nofault/internal/nftest"
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/shell"
	"github.com/nofault/nofault/textinput"
)

// This file shows issue 13's protocols with real applications: mpv's
// server-side frame, GTK 4 and foot sharing the primary selection, and
// fractional scale with foot (wl_output.scale) and Firefox
// (wp_fractional_scale_v1).

// waitShot takes screenshots of in until ok accepts one, and fails after
// timeout (or when the client exits) with the last one saved.
func waitShot(t *testing.T, in *nftest.Instance, cmd *exec.Cmd, what string, timeout time.Duration, ok func(image.Image) bool) image.Image {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var img image.Image
	for {
		img = in.Screenshot()
		if ok(img) {
			return img
		}
		if time.Now().After(deadline) || !running(cmd) {
			savePNG(t, img)
			t.Fatalf("%s: not seen within %v (client running: %v)", what, timeout, running(cmd))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestMpvServerSideFrame: mpv 0.35 with its default video output (vo=gpu,
// on llvmpipe) asks for server-side decorations by default
// (zxdg_toplevel_decoration_v1.set_mode(server_side)), nofault configures
// that mode, mpv logs "Enabling server decorations", and the output shows
// nofault's title bar, the active bar colour with the red close button at
// its right end and mpv's title ("lavfi:testsrc=...", read glyph by glyph),
// above mpv's 320x240 testsrc picture. mpv also inhibits idling while it
// plays (zwp_idle_inhibit_manager_v1).
func TestMpvServerSideFrame(t *testing.T) {
	need(t, "mpv")
	in := nftest.Start(t, "--size=800x600", "--trace")
	cmd, out := startClient(t, in, nil, "mpv", "--no-config", "--no-audio", "--loop=inf",
		"--msg-level=all=warn,vo=v", "av://lavfi:testsrc=size=320x240:rate=5")
	const w, h, bh = 320, 240, shell.TitleBarHeight
	bar := color.RGBA{0x2b, 0x30, 0x36, 0xff}
	img := waitShot(t, in, cmd, "mpv's window with its frame", 60*time.Second, func(img image.Image) bool {
		box, _ := foreground(img)
		return box.Dx() == w && box.Dy() == h+bh && rgbaAt(img, box.Min.X+2, box.Min.Y+bh-1) == bar
	})

	log := in.LogText()
	for _, re := range []string{
		`zxdg_decoration_manager_v1@\d+\.get_toplevel_decoration\(new id zxdg_toplevel_decoration_v1@(\d+), xdg_toplevel@\d+\)`,
		`zxdg_toplevel_decoration_v1@\d+\.set_mode\(2\)`,
		`-> zxdg_toplevel_decoration_v1@\d+\.configure\(2\)`,
		// While it plays, mpv keeps the session awake.
		`zwp_idle_inhibit_manager_v1@\d+\.create_inhibitor\(new id zwp_idle_inhibitor_v1@\d+, wl_surface@\d+\)`,
	} {
		if !regexp.MustCompile(re).MatchString(log) {
			t.Errorf("the trace lacks %s", re)
		}
	}
	if !strings.Contains(out.String(), "Enabling server decorations") {
		t.Errorf("mpv did not log server-side decorations")
	}

	box, _ := foreground(img)
	for _, y := range []int{box.Min.Y, box.Min.Y + bh - 1} {
		if c := rgbaAt(img, box.Min.X+2, y); c != bar {
			t.Errorf("title bar pixel (%d,%d) is %v, want %v", box.Min.X+2, y, c, bar)
		}
	}
	if c := rgbaAt(img, box.Max.X-bh/2-bh/3, box.Min.Y+bh/2-bh/3+1); c.R != 0xd9 || c.G != 0x53 {
		t.Errorf("close button pixel %v, want red", c)
	}
	// The title mpv set ("lavfi:testsrc=... - mpv") starts the bar, in
	// upper case, each font pixel 2x2 (decoration/frame.go's layout).
	ink := color.RGBA{0xe8, 0xea, 0xed, 0xff}
	const k, pad = bh / 12, bh / 3
	for i, r := range "LAVFI:TESTSRC" {
		g, _ := font5x7.Glyph(r)
		for gy, row := range g {
			for gx, ch := range row {
				x, y := box.Min.X+pad+i*6*k+gx*k, box.Min.Y+(bh-7*k)/2+gy*k
				if want := map[bool]color.RGBA{true: ink, false: bar}[ch == '#']; rgbaAt(img, x, y) != want {
					t.Fatalf("title glyph %d (%c) pixel (%d,%d) is %v, want %v", i, r, x, y, rgbaAt(img, x, y), want)
				}
			}
		}
	}
	// Below the bar, mpv's picture: testsrc's colour bars, many colours.
	colours := map[color.RGBA]bool{}
	for y := box.Min.Y + bh; y < box.Max.Y; y += 4 {
		for x := box.Min.X; x < box.Max.X; x += 4 {
			colours[rgbaAt(img, x, y)] = true
		}
	}
	if len(colours) < 16 {
		t.Errorf("mpv's picture shows %d colours; testsrc has many", len(colours))
	}
	if t.Failed() {
		savePNG(t, img)
	}
}

// surfaceCommit is a surface's state at one wl_surface.commit, from the
// compositor's --trace.
type surfaceCommit struct {
	client, surface string
	buffer          image.Point // the attached shm buffer's size; 0 for none yet
	scale           int         // wl_surface.set_buffer_scale, 1 by default
	dest            image.Point // wp_viewport.set_destination; 0 for none
	preferred       int         // the last wp_fractional_scale_v1.preferred_scale sent for it
}

var (
	traceLineRE  = regexp.MustCompile(`\{client (\d+)\} (-> )?([a-z0-9_]+)@(\d+)\.([a-z_]+)\((.*)\)$`)
	traceArgIDRE = regexp.MustCompile(`@(\d+)`)
)

// traceCommits replays a --trace log: every wl_surface.commit with the
// state the client had set for that surface (a buffer's size from its
// wl_shm_pool.create_buffer, buffer scale, viewport destination, the
// preferred fractional scale it was told), in order.
func traceCommits(log string) []surfaceCommit {
	type key struct{ client, id string }
	type state struct {
		buffer image.Point
		scale  int
		dest   image.Point
		pref   int
	}
	buffers := map[key]image.Point{}
	surfaces := map[key]*state{}
	viewportOf := map[key]string{} // wp_viewport id -> wl_surface id
	fractionalOf := map[key]string{}
	surf := func(c, id string) *state {
		s := surfaces[key{c, id}]
		if s == nil {
			s = &state{scale: 1}
			surfaces[key{c, id}] = s
		}
		return s
	}
	num := func(s string) int { n, _ := strconv.Atoi(strings.TrimSpace(s)); return n }
	var out []surfaceCommit
	for _, line := range strings.Split(log, "\n") {
		m := traceLineRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		c, event, iface, id, req, args := m[1], m[2] != "", m[3], m[4], m[5], strings.Split(m[6], ",")
		ids := traceArgIDRE.FindAllStringSubmatch(m[6], -1)
		switch {
		case event && iface == "wp_fractional_scale_v1" && req == "preferred_scale":
			if s, ok := fractionalOf[key{c, id}]; ok {
				surf(c, s).pref = num(args[0])
			}
		case event:
		case iface == "wl_compositor" && req == "create_surface" && len(ids) == 1:
			surfaces[key{c, ids[0][1]}] = &state{scale: 1}
		case iface == "wl_shm_pool" && req == "create_buffer" && len(args) == 6:
			buffers[key{c, ids[0][1]}] = image.Pt(num(args[2]), num(args[3]))
		case iface == "wp_viewporter" && req == "get_viewport" && len(ids) == 2:
			viewportOf[key{c, ids[0][1]}] = ids[1][1]
		case iface == "wp_fractional_scale_manager_v1" && req == "get_fractional_scale" && len(ids) == 2:
			fractionalOf[key{c, ids[0][1]}] = ids[1][1]
		case iface == "wp_viewport" && req == "set_destination" && len(args) == 2:
			if s, ok := viewportOf[key{c, id}]; ok {
				surf(c, s).dest = image.Pt(num(args[0]), num(args[1]))
			}
		case iface == "wl_surface" && req == "attach":
			if len(ids) == 1 {
				surf(c, id).buffer = buffers[key{c, ids[0][1]}]
			} else {
				surf(c, id).buffer = image.Point{}
			}
		case iface == "wl_surface" && req == "set_buffer_scale":
			surf(c, id).scale = num(args[0])
		case iface == "wl_surface" && req == "commit":
			s := surf(c, id)
			out = append(out, surfaceCommit{client: c, surface: id, buffer: s.buffer, scale: s.scale, dest: s.dest, preferred: s.pref})
		}
	}
	return out
}

// stripesPage is red with a 400x200 CSS pixel canvas at the bottom left
// that has a blue stripe on every other device pixel column, and titles
// itself with its devicePixelRatio.
const stripesPage = `<html><body style="margin:0;background:#cc0033">
<canvas id=c style="position:fixed;left:0;bottom:0;width:400px;height:200px"></canvas>
<script>
var c = document.getElementById("c"), d = window.devicePixelRatio;
c.width = 400 * d; c.height = 200 * d;
var g = c.getContext("2d"); g.fillStyle = "#0000ff";
for (var i = 0; i < c.width; i += 2) g.fillRect(i, 0, 1, c.height);
document.title = "dpr " + d;
</script></body></html>`

// TestFirefoxFractionalScale: at --scale=1.5 Firefox ESR (153 in Debian
// 12, which uses wp_fractional_scale_v1 by default) is told
// preferred_scale 180 for its content surface, renders its page at
// devicePixelRatio 1.5, and commits there a buffer 1.5 times the viewport
// destination it sets: 1920x1080 pixels for a 1280x720 surface on the
// 1920x1080 output (whose global space is 1280x720). nofault draws that
// buffer one pixel to one output pixel: the page's stripes, one device
// pixel wide, alternate column by column on the output, 600 columns for
// 400 CSS pixels (any resampling would double some columns).
func TestFirefoxFractionalScale(t *testing.T) {
	need(t, "firefox-esr")
	home := t.TempDir()
	profile := filepath.Join(home, "profile")
	page := filepath.Join(home, "page.html")
	os.Mkdir(profile, 0o700)
	os.WriteFile(filepath.Join(profile, "user.js"), []byte(strings.Join([]string{
		`user_pref("browser.shell.checkDefaultBrowser", false);`,
		`user_pref("browser.startup.homepage_override.mstone", "ignore");`,
		`user_pref("browser.aboutwelcome.enabled", false);`,
		`user_pref("datareporting.policy.dataSubmissionEnabled", false);`,
		`user_pref("datareporting.policy.firstRunURL", "");`,
		`user_pref("toolkit.telemetry.reportingpolicy.firstRun", false);`,
		`user_pref("app.update.enabled", false);`,
		`user_pref("network.captive-portal-service.enabled", false);`,
	}, "\n")), 0o600)
	os.WriteFile(page, []byte(stripesPage), 0o600)

	in := nftest.Start(t, "--size=1920x1080", "--scale=1.5", "--trace")
	cmd, out := startClient(t, in, []string{"HOME=" + home, "XDG_CACHE_HOME=" + home + "/cache", "MOZ_ENABLE_WAYLAND=1", "NO_AT_BRIDGE=1"},
		"firefox-esr", "--no-remote", "--new-instance", "--profile", profile, "file://"+page)
	red, blue := color.RGBA{0xcc, 0x00, 0x33, 0xff}, color.RGBA{0x00, 0x00, 0xff, 0xff}
	// stripes reports the first of the 600+2 columns of row y that does
	// not alternate blue, red from column 0 (the canvas) and then is the
	// page's red (right of it); -1 when all do.
	stripes := func(img image.Image, y int) int {
		for x := 0; x < 602; x++ {
			want := red
			if x < 600 && x%2 == 0 {
				want = blue
			}
			if rgbaAt(img, x, y) != want {
				return x
			}
		}
		return -1
	}
	var frac surfaceCommit
	found := func() bool {
		for _, sc := range traceCommits(in.LogText()) {
			if sc.preferred == 180 && sc.dest.X > 0 && sc.buffer.X > 0 {
				frac = sc
			}
		}
		return frac.preferred != 0
	}
	// The page's script sets the title ("dpr " and the ratio) after it
	// draws, and Firefox may send set_title after the frame that shows
	// the stripes: wait for both.
	titled := regexp.MustCompile(`xdg_toplevel@\d+\.set_title\("dpr `)
	// A browser start on a loaded 2-core machine takes tens of seconds.
	img := waitShot(t, in, cmd, "Firefox's page with its stripes and its title", 180*time.Second, func(img image.Image) bool {
		b := img.Bounds()
		return rgbaAt(img, b.Max.X-1, b.Max.Y-1) == red && stripes(img, b.Max.Y-1) < 0 && found() && titled.MatchString(in.LogText())
	})
	if !regexp.MustCompile(`xdg_toplevel@\d+\.set_title\("dpr 1\.5`).MatchString(in.LogText()) {
		t.Errorf("the page's devicePixelRatio is not 1.5 (no title \"dpr 1.5\")")
	}
	if frac.dest != image.Pt(1280, 720) || frac.buffer != image.Pt(1920, 1080) || frac.scale != 1 {
		t.Errorf("Firefox's fractionally scaled surface committed a %v buffer (scale %d) for a %v destination, want 1920x1080 (scale 1) for 1280x720",
			frac.buffer, frac.scale, frac.dest)
	}
	b := img.Bounds()
	for _, y := range []int{b.Max.Y - 1, b.Max.Y - 150, b.Max.Y - 300} {
		if x := stripes(img, y); x >= 0 {
			t.Errorf("output row %d: column %d is %v; want blue on even columns below 600 and red elsewhere (one output pixel per buffer pixel)", y, x, rgbaAt(img, x, y))
		}
	}
	if c := rgbaAt(img, 0, b.Max.Y-301); c != red {
		t.Errorf("above the 300-pixel canvas: %v, want the page's red", c)
	}
	if t.Failed() {
		savePNG(t, img)
		t.Logf("firefox:\n%s", out.String())
	}
}

// TestFootBufferScale2: foot 1.13 predates fractional-scale-v1; at
// --scale=1.5 it is told wl_output.scale 2, commits its window's buffers
// at buffer scale 2 (twice its surface size), and nofault shows the
// window at 1.5 times its surface size, 3/4 of the buffer's pixels, below
// a title bar of 1.5 times TitleBarHeight (foot asks for server-side
// decorations, so its surface is the whole window).
func TestFootBufferScale2(t *testing.T) {
	need(t, "foot")
	in := nftest.Start(t, "--size=1920x1080", "--scale=1.5", "--trace")
	cmd, out := startClient(t, in, nil, "foot", "-o", "tweak.render-timer=none")
	waitForWindow(t, in, cmd, out, 1000, 60*time.Second)
	if !regexp.MustCompile(`-> wl_output@\d+\.scale\(2\)`).MatchString(in.LogText()) {
		t.Fatal("foot was not told wl_output.scale 2")
	}
	m := regexp.MustCompile(`xdg_wm_base@\d+\.get_xdg_surface\(new id xdg_surface@\d+, wl_surface@(\d+)\)`).FindStringSubmatch(in.LogText())
	if m == nil {
		t.Fatal("foot made no xdg_surface")
	}
	// The window's last committed buffer and the screenshot agree once
	// foot has stopped resizing (its first frames may differ).
	var last surfaceCommit
	var box image.Rectangle
	bar := shell.TitleBarHeight * 3 / 2
	img := waitShot(t, in, cmd, "foot's window at 3/4 of its buffer", 30*time.Second, func(img image.Image) bool {
		for _, sc := range traceCommits(in.LogText()) {
			if sc.surface == m[1] && sc.buffer.X > 0 {
				last = sc
			}
		}
		box, _ = foreground(img)
		want := last.buffer.Mul(3).Div(4)
		return last.scale == 2 && absInt(box.Dx()-want.X) <= 1 && absInt(box.Dy()-bar-want.Y) <= 1
	})
	if last.buffer.X%2 != 0 || last.buffer.Y%2 != 0 {
		t.Errorf("foot's %v buffer at scale 2 is not a whole surface size", last.buffer)
	}
	if !strings.Contains(out.String(), "using SSD decorations") {
		t.Errorf("foot did not use server-side decorations; the window size above includes the bar")
	}
	if t.Failed() {
		savePNG(t, img)
	}
	t.Logf("foot: %v buffer at scale 2, window %v on the output", last.buffer, box.Size())
}

func absInt(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// app is a real client of an in-process compositor.
type app struct {
	cmd    *exec.Cmd
	out    *syncBuffer
	exited chan struct{} // closed when it has exited
}

func (a *app) running() bool {
	select {
	case <-a.exited:
		return false
	default:
		return true
	}
}

// runIn starts a real client of the in-process compositor in; it is
// stopped (its process group) when the test ends.
func runIn(t *testing.T, in *inproc, env []string, name string, args ...string) *app {
	t.Helper()
	a := &app{cmd: exec.Command(name, args...), out: new(syncBuffer), exited: make(chan struct{})}
	a.cmd.Env = append(in.env(), env...)
	a.cmd.Stdout, a.cmd.Stderr = a.out, a.out
	a.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := a.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { a.cmd.Wait(); close(a.exited) }()
	t.Cleanup(func() {
		syscall.Kill(-a.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-a.exited:
		case <-time.After(5 * time.Second):
			syscall.Kill(-a.cmd.Process.Pid, syscall.SIGKILL)
			<-a.exited
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", name, a.out.String())
		}
	})
	return a
}

// sync runs fn on in's display loop.
func (in *inproc) sync(t *testing.T, fn func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := in.c.Sync(ctx, fn); err != nil {
		t.Fatal(err)
	}
}

// waitUntil polls cond every 50 ms until it holds, and fails after timeout.
func waitUntil(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// newWindow waits for a mapped toplevel that is not in old and returns
// its wl_surface and rectangle.
func (in *inproc) newWindow(t *testing.T, what string, a *app, old ...*protocol.Object) (*protocol.Object, image.Rectangle) {
	t.Helper()
	var s *protocol.Object
	var r image.Rectangle
	waitUntil(t, what+"'s window", 90*time.Second, func() bool {
		if !a.running() {
			t.Fatalf("%s exited", what)
		}
		in.sync(t, func() {
			for _, top := range in.c.Shell.Toplevels() {
				if rr, ok := in.c.Shell.SurfaceRect(top); ok && !rr.Empty() && !slices.Contains(old, top) {
					s, r = top, rr
				}
			}
		})
		return s != nil
	})
	return s, r
}

// click presses and releases button at p (output pixels), n times.
func (in *inproc) click(t *testing.T, p image.Point, button uint32, n int) {
	in.sync(t, func() {
		in.c.Seat.PointerMotion(float64(p.X)+0.5, float64(p.Y)+0.5, time.Time{})
		for i := 0; i < n; i++ {
			in.c.Seat.PointerButton(button, true, time.Time{})
			in.c.Seat.PointerButton(button, false, time.Time{})
		}
	})
}

// evdevKeys are the evdev codes of the keys typeText types (us layout).
var evdevKeys = map[rune]uint32{
	'q': 16, 'w': 17, 'e': 18, 'r': 19, 't': 20, 'y': 21, 'u': 22, 'i': 23, 'o': 24, 'p': 25,
	'a': 30, 's': 31, 'd': 32, 'f': 33, 'g': 34, 'h': 35, 'j': 36, 'k': 37, 'l': 38,
	'z': 44, 'x': 45, 'c': 46, 'v': 47, 'b': 48, 'n': 49, 'm': 50, ' ': 57,
}

const (
	keyLeftCtrl = 29
	btnLeft     = 0x110
	btnMiddle   = 0x112
)

// keys presses keys in order, then releases them in reverse.
func (in *inproc) keys(t *testing.T, keys ...uint32) {
	in.sync(t, func() {
		for _, k := range keys {
			in.c.Seat.Key(k, true, time.Time{})
		}
		for i := len(keys) - 1; i >= 0; i-- {
			in.c.Seat.Key(keys[i], false, time.Time{})
		}
	})
}

// typeText types s (lower-case letters and spaces) on the seat.
func (in *inproc) typeText(t *testing.T, s string) {
	for _, r := range s {
		k, ok := evdevKeys[r]
		if !ok {
			t.Fatalf("typeText: no key for %q", r)
		}
		in.keys(t, k)
	}
}

// retryUntil does act, then polls cond for up to each; it fails after
// attempts tries. For an action a slow client may miss (a click before
// it has drawn), where doing it again is harmless.
func retryUntil(t *testing.T, what string, attempts int, each time.Duration, act func(), cond func() bool) {
	t.Helper()
	for i := 0; i < attempts; i++ {
		act()
		deadline := time.Now().Add(each)
		for time.Now().Before(deadline) {
			if cond() {
				if i > 0 {
					t.Logf("%s: on try %d", what, i+1)
				}
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	t.Fatalf("%s: not after %d tries of %v", what, attempts, each)
}

// primaryMimes is the seat's primary selection's MIME types (nil: none).
func (in *inproc) primaryMimes(t *testing.T) []string {
	var m []string
	in.sync(t, func() { m, _ = in.c.Primary.Selection(in.c.Seat) })
	return m
}

// TestGtk4FootPrimarySelection: GTK 4 (gtk4-demo-application's text
// view, GTK 4.8 with its default renderer) and foot share the
// primary selection both ways through nofault alone, driven by the seat
// as a user would. Text typed into GTK's text view and selected with
// Ctrl+A becomes the primary selection and a middle click in foot pastes
// it (foot's shell saves what it receives); a word double-clicked in foot
// becomes the primary selection and a middle click at the end of GTK's
// line pastes it there (GTK's text is read back from the state it
// reports through text-input v3).
func TestGtk4FootPrimarySelection(t *testing.T) {
	need(t, "foot", "gtk4-demo-application")
	in := startInProcess(t, config.Size{W: 1024, H: 768})
	saved := filepath.Join(t.TempDir(), "pasted")
	const footWord, gtkWord = "footprimaryword", "gtkprimaryword"
	foot := runIn(t, in, nil, "foot", "-o", "tweak.render-timer=none", "-o", "csd.preferred=server", "--window-size-pixels=400x120",
		"sh", "-c", "stty -icanon -echo; printf '"+footWord+"\\n'; exec cat > "+saved)
	footS, footR := in.newWindow(t, "foot", foot)
	gtk := runIn(t, in, []string{"GDK_BACKEND=wayland", "NO_AT_BRIDGE=1"}, "gtk4-demo-application")
	gtkS, gtkR := in.newWindow(t, "gtk4-demo-application", gtk, footS)
	// GTK's text view is the white area of its window.
	var view image.Rectangle
	waitUntil(t, "GTK's text view drawn", 30*time.Second, func() bool {
		img := in.screenshot(t)
		view = image.Rectangle{}
		for y := gtkR.Min.Y; y < gtkR.Max.Y; y++ {
			for x := gtkR.Min.X; x < gtkR.Max.X; x++ {
				if img.RGBAAt(x, y) == (color.RGBA{0xff, 0xff, 0xff, 0xff}) {
					view = view.Union(image.Rect(x, y, x+1, y+1))
				}
			}
		}
		return view.Dx() > 100 && view.Dy() > 20
	})
	footText := footR.Min.Add(image.Pt(20, 8)) // foot's first row, a few cells in
	if footText.In(gtkR) || view.Overlaps(footR) {
		t.Fatalf("the windows overlap where the test clicks: foot %v, GTK %v, its text view %v", footR, gtkR, view)
	}
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(saved)
			t.Logf("foot's shell received %q", b)
			savePNG(t, in.screenshot(t))
		}
	})

	// GTK's text as GTK reports it through text-input v3 (the paragraph
	// around the cursor, sent whenever it changes).
	gtkText := func() string {
		var st textinput.State
		var on *protocol.Object
		in.sync(t, func() { on, st, _ = in.c.Text.Active(in.c.Seat) })
		if on != gtkS {
			return ""
		}
		return st.Text
	}

	// GTK to foot: click in the text view, type, select all.
	in.click(t, view.Min.Add(image.Pt(view.Dx()/2, view.Dy()/2)), btnLeft, 1)
	waitUntil(t, "GTK focused", 10*time.Second, func() bool {
		var f *protocol.Object
		in.sync(t, func() { f = in.c.Shell.Focused() })
		return f == gtkS
	})
	in.typeText(t, gtkWord+" ")
	waitUntil(t, "GTK's text typed", 15*time.Second, func() bool { return gtkText() == gtkWord+" " })
	in.keys(t, keyLeftCtrl, evdevKeys['a'])
	var gtkMimes []string
	waitUntil(t, "GTK's selection offered as the primary selection", 15*time.Second, func() bool {
		gtkMimes = in.primaryMimes(t)
		return slices.Contains(gtkMimes, "text/plain;charset=utf-8")
	})
	in.click(t, footText, btnLeft, 1) // focus foot
	retryUntil(t, "foot pasted GTK's selection", 6, 5*time.Second,
		func() { in.click(t, footText, btnMiddle, 1) },
		func() bool { b, _ := os.ReadFile(saved); return strings.Contains(string(b), gtkWord) })

	// foot to GTK: double-click foot's word; foot's offer replaces GTK's
	// (its MIME types differ). Then a click at the end of GTK's line
	// focuses it, and a middle click there pastes foot's word after GTK's.
	retryUntil(t, "foot's word as the primary selection", 3, 10*time.Second,
		func() { in.click(t, footText, btnLeft, 2) },
		func() bool { m := in.primaryMimes(t); return len(m) > 0 && !slices.Equal(m, gtkMimes) })
	// GTK 4.8 reports its text after a paste only with its next input
	// event: the tries after a paste are left clicks at the end of the
	// line (they paste nothing), and every third a middle click again.
	endOfLine := image.Pt(view.Max.X-10, view.Min.Y+view.Dy()/2)
	in.click(t, endOfLine, btnLeft, 1)
	try := 0
	retryUntil(t, "foot's word pasted into GTK", 9, 3*time.Second,
		func() {
			if try%3 == 0 {
				in.click(t, endOfLine, btnMiddle, 1)
			} else {
				in.click(t, endOfLine, btnLeft, 1)
			}
			try++
		},
		func() bool { return strings.Contains(gtkText(), footWord) })
	if got := gtkText(); !strings.HasPrefix(got, gtkWord+" "+footWord) {
		t.Errorf("GTK's text is %q, want %q then foot's word", got, gtkWord+" ")
	}
}

// TestProtocolsDocListsEveryGlobal: docs/protocols.md's table lists
// exactly the globals wayland-info sees on a running nofault, each at the
// version it sees.
func TestProtocolsDocListsEveryGlobal(t *testing.T) {
	need(t, "wayland-info")
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "protocols.md"))
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]int{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z0-9_]+)` \\| (\\d+) \\|").FindAllStringSubmatch(string(doc), -1) {
		documented[m[1]], _ = strconv.Atoi(m[2])
	}
	in := nftest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	info := exec.CommandContext(ctx, "wayland-info")
	info.Env = in.Env()
	out, err := info.Output()
	if err != nil {
		t.Fatalf("wayland-info: %v", err)
	}
	seen := map[string]int{}
	for _, m := range regexp.MustCompile(`interface: '([a-z0-9_]+)',\s+version:\s+(\d+)`).FindAllStringSubmatch(string(out), -1) {
		seen[m[1]], _ = strconv.Atoi(m[2])
	}
	if len(seen) == 0 {
		t.Fatalf("wayland-info listed no globals:\n%s", out)
	}
	for g, v := range seen {
		if dv, ok := documented[g]; !ok {
			t.Errorf("%s (version %d) is advertised but not in docs/protocols.md's table", g, v)
		} else if dv != v {
			t.Errorf("%s: docs/protocols.md says version %d, wayland-info sees %d", g, dv, v)
		}
	}
	for g := range documented {
		if _, ok := seen[g]; !ok {
			t.Errorf("docs/protocols.md lists %s, which nofault does not advertise", g)
		}
	}
}
