package e2e

// Tests of the nested backend: the real compositor binary in a window on
// Xvfb (GLFW, OpenGL on Mesa llvmpipe), and a -tags wayland build nested
// in nofault's own headless backend.
//
// Every test starts its own Xvfb (never the DISPLAY of the desktop running
// the tests: xdotool types into it) and skips only when Xvfb is missing
// (make test installs it) or when the compositor binary was built without
// cgo (then it has no nested backend).

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rajveermalviya/go-wayland/wayland/client"
	xdg "github.com/rajveermalviya/go-wayland/wayland/stable/xdg-shell"
	"golang.org/x/sys/unix"

	"github.com/nofault/nofault/bench/wlclient"
	"github.com/nofault/nofault/compositor"
	"github.com/nofault/nofault/internal/misbehave"
	"github.com/nofault/nofault/internal/nftest"
)

// ---- Xvfb and the nested compositor process.

// startXvfb starts Xvfb on a free display number for this test and
// returns its DISPLAY value.
// xvfbs maps the displays startXvfb started to their Xvfb's pid.
var xvfbs sync.Map

func startXvfb(t *testing.T, extra ...string) string {
	t.Helper()
	need(t, "Xvfb")
	// -displayfd: Xvfb picks a free display number itself and writes it
	// to the pipe once it accepts connections, so neither a concurrent
	// test's Xvfb nor a socket file that exists before the server is
	// ready can make a client fail to open the display. -noreset: the
	// server keeps its state (keymap, root properties) when its last
	// client leaves.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command("Xvfb", append([]string{"-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp", "-noreset"}, extra...)...)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.ExtraFiles = []*os.File{w}
	if err := cmd.Start(); err != nil {
		w.Close()
		t.Fatalf("Xvfb: %v", err)
	}
	w.Close()
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	line := make(chan string, 1)
	go func() {
		b, _ := bufio.NewReader(r).ReadString('\n')
		line <- strings.TrimSpace(b)
	}()
	select {
	case n := <-line:
		if n == "" {
			t.Fatalf("Xvfb exited without a display:\n%s", out.String())
		}
		xvfbs.Store(":"+n, cmd.Process.Pid)
		t.Cleanup(func() { xvfbs.Delete(":" + n) })
		return ":" + n
	case <-time.After(2 * time.Minute): // failsafe: the read ends when Xvfb is ready or exits
		t.Fatalf("Xvfb did not come up:\n%s", out.String())
	}
	return ""
}

// hostEnv is this process's environment without display variables.
func hostEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "WAYLAND_DISPLAY", "DISPLAY", "XDG_RUNTIME_DIR", "WAYLAND_SOCKET", "NOFAULT_CONFIG", "LIBGL_ALWAYS_SOFTWARE":
			continue
		}
		if strings.HasPrefix(k, "NOFAULT_") {
			continue
		}
		env = append(env, kv)
	}
	// Mesa's software rasteriser (llvmpipe) on every platform: the pixel
	// tests know its rounding.
	return append(env, "LIBGL_ALWAYS_SOFTWARE=1")
}

// nestedProc is a compositor process started by a test: like
// nftest.Instance, but with the environment and backend the test chooses.
type nestedProc struct {
	t          *testing.T
	cmd        *exec.Cmd
	runtimeDir string
	socket     string
	path       string
	shot       string
	statsPath  string
	log        *syncBuffer
	done       chan struct{}
	exitErr    error
}

// startCompositor runs bin with env (plus XDG_RUNTIME_DIR=runtimeDir) and
// args (after --socket, --screenshot and --stats), waits for the socket
// and stops the process when the test ends.
func startCompositor(t *testing.T, bin, runtimeDir, socket string, env []string, args ...string) *nestedProc {
	t.Helper()
	p := &nestedProc{
		t:          t,
		runtimeDir: runtimeDir,
		socket:     socket,
		path:       filepath.Join(runtimeDir, socket),
		shot:       filepath.Join(t.TempDir(), "shot.png"),
		statsPath:  filepath.Join(t.TempDir(), "stats.json"),
		log:        new(syncBuffer),
		done:       make(chan struct{}),
	}
	all := append([]string{"--socket=" + socket, "--screenshot=" + p.shot, "--stats=" + p.statsPath}, args...)
	p.cmd = exec.Command(bin, all...)
	p.cmd.Env = append(env, "XDG_RUNTIME_DIR="+runtimeDir)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.exitErr = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.stop()
		if strings.Contains(p.log.String(), "WARNING: DATA RACE") {
			t.Errorf("the race detector fired in %s", filepath.Base(bin))
		}
		if t.Failed() {
			t.Logf("%s log:\n%s", filepath.Base(bin), p.log.String())
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := os.Stat(p.path); err == nil {
			return p
		}
		select {
		case <-p.done:
			if strings.Contains(p.log.String(), "not built into this binary") {
				t.Skipf("the compositor was built without cgo: no nested backend")
			}
			t.Fatalf("compositor exited at start: %v\n%s", p.exitErr, p.log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("socket %s did not appear\n%s", p.path, p.log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// startNested runs the compositor binary with --backend=nested on display.
func startNested(t *testing.T, display string, args ...string) *nestedProc {
	t.Helper()
	bin := nftest.Binary(t, "compositor")
	dir, err := os.MkdirTemp("", "nofault-nested-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o700)
	t.Cleanup(func() { os.RemoveAll(dir) })
	env := append(hostEnv(), "DISPLAY="+display)
	env = append(env, nestedEnv...)
	return startCompositor(t, bin, dir, "wayland-nested", env, append([]string{"--backend=nested"}, args...)...)
}

// nestedEnv is added to the environment of the compositors startNested
// runs (a test that sets it must not run in parallel).
var nestedEnv []string

func (p *nestedProc) alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// screenshot asks for a screenshot (SIGUSR1): nofault renders the scene
// and reads its own output back (for GL, glReadPixels of the output
// framebuffer).
func (p *nestedProc) screenshot() image.Image {
	p.t.Helper()
	os.Remove(p.shot)
	if err := p.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		p.t.Fatalf("SIGUSR1: %v", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if img, err := readPNG(p.shot); err == nil {
			return img
		}
		if !p.alive() {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.t.Fatalf("no screenshot at %s\n%s", p.shot, p.log.String())
	return nil
}

func readPNG(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return png.Decode(f)
}

// wait waits for the process to exit on its own.
func (p *nestedProc) wait(timeout time.Duration) bool {
	select {
	case <-p.done:
		return true
	case <-time.After(timeout):
		return false
	}
}

// stop sends SIGTERM and waits.
func (p *nestedProc) stop() {
	if !p.alive() {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	// A failsafe: the exit writes a screenshot and the stats, which takes
	// seconds when other work keeps the CPUs busy.
	if !p.wait(90 * time.Second) {
		p.cmd.Process.Kill()
		<-p.done
		p.t.Errorf("compositor did not exit on SIGTERM")
	}
}

func (p *nestedProc) stats() *compositor.Stats {
	b, err := os.ReadFile(p.statsPath)
	if err != nil {
		p.t.Fatalf("no stats: %v", err)
	}
	var st compositor.Stats
	if err := json.Unmarshal(b, &st); err != nil {
		p.t.Fatalf("stats: %v", err)
	}
	return &st
}

// waitForeground polls screenshots until at least minPixels differ from
// the background.
func (p *nestedProc) waitForeground(minPixels int, timeout time.Duration) image.Image {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	var img image.Image
	for {
		img = p.screenshot()
		if _, n := foreground(img); n >= minPixels {
			return img
		}
		if time.Now().After(deadline) || !p.alive() {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	savePNG(p.t, img)
	p.t.Fatalf("no window in the screenshot within %v", timeout)
	return nil
}

// ---- X11 helpers: xdotool, and WM_DELETE_WINDOW (what a window manager
// sends when the user clicks the close button), which xdotool 3.2016
// cannot send.

func xdotool(t *testing.T, display string, args ...string) string {
	t.Helper()
	cmd := exec.Command("xdotool", args...)
	cmd.Env = append(hostEnv(), "DISPLAY="+display)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("xdotool %v: %v: %s", args, err, out)
	}
	return string(out)
}

// nestedWindowID finds the compositor's window (title "nofault").
func nestedWindowID(t *testing.T, display string) uint32 {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		cmd := exec.Command("xdotool", "search", "--name", "^nofault$")
		cmd.Env = append(hostEnv(), "DISPLAY="+display)
		out, _ := cmd.Output()
		if f := strings.Fields(string(out)); len(f) > 0 {
			id, err := strconv.ParseUint(f[0], 10, 32)
			if err != nil {
				t.Fatalf("xdotool search: %q", out)
			}
			return uint32(id)
		}
		if time.Now().After(deadline) {
			t.Fatal("the nested window did not appear on the X server")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// x11Close sends window the ICCCM WM_DELETE_WINDOW client message, over
// the X11 wire protocol (Xvfb without authorization).
func x11Close(display string, window uint32) error {
	num, _, _ := strings.Cut(strings.TrimPrefix(display, ":"), ".")
	conn, err := net.Dial("unix", "/tmp/.X11-unix/X"+num)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	le := binary.LittleEndian
	// Connection setup: little-endian, protocol 11.0, no authorization.
	if _, err := conn.Write([]byte{'l', 0, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0}); err != nil {
		return err
	}
	head := make([]byte, 8)
	if _, err := readFull(conn, head); err != nil {
		return err
	}
	rest := make([]byte, int(le.Uint16(head[6:]))*4)
	if _, err := readFull(conn, rest); err != nil {
		return err
	}
	if head[0] != 1 {
		return fmt.Errorf("X11 setup refused: %q", rest)
	}
	reply := func() ([]byte, error) {
		b := make([]byte, 32)
		if _, err := readFull(conn, b); err != nil {
			return nil, err
		}
		if b[0] == 0 {
			return nil, fmt.Errorf("X11 error %d", b[1])
		}
		if n := le.Uint32(b[4:]); n > 0 {
			more := make([]byte, n*4)
			if _, err := readFull(conn, more); err != nil {
				return nil, err
			}
		}
		return b, nil
	}
	intern := func(name string) (uint32, error) {
		n := (len(name) + 3) &^ 3
		req := make([]byte, 8+n)
		req[0] = 16 // InternAtom, only-if-exists false
		le.PutUint16(req[2:], uint16(len(req)/4))
		le.PutUint16(req[4:], uint16(len(name)))
		copy(req[8:], name)
		if _, err := conn.Write(req); err != nil {
			return 0, err
		}
		b, err := reply()
		if err != nil {
			return 0, err
		}
		return le.Uint32(b[8:]), nil
	}
	protocols, err := intern("WM_PROTOCOLS")
	if err != nil {
		return err
	}
	del, err := intern("WM_DELETE_WINDOW")
	if err != nil {
		return err
	}
	req := make([]byte, 44)
	req[0] = 25 // SendEvent, propagate false
	le.PutUint16(req[2:], 11)
	le.PutUint32(req[4:], window)
	le.PutUint32(req[8:], 0) // no mask: to the window's owner
	ev := req[12:]
	ev[0], ev[1] = 33, 32 // ClientMessage, format 32
	le.PutUint32(ev[4:], window)
	le.PutUint32(ev[8:], protocols)
	le.PutUint32(ev[12:], del)
	le.PutUint32(ev[16:], 0) // CurrentTime
	if _, err := conn.Write(req); err != nil {
		return err
	}
	// GetInputFocus: its reply means the SendEvent was processed.
	if _, err := conn.Write([]byte{43, 0, 1, 0}); err != nil {
		return err
	}
	_, err = reply()
	return err
}

func readFull(c net.Conn, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := c.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// ---- A Go Wayland client on go-wayland. Everything runs on the test's
// goroutine (go-wayland is not safe for concurrent use): requests, then
// dispatch until a condition holds.

type wlClient struct {
	t     *testing.T
	name  string
	disp  *client.Display
	ctx   *client.Context
	comp  *client.Compositor
	subc  *client.Subcompositor
	shm   *client.Shm
	wm    *xdg.WmBase
	seat  *client.Seat
	kbd   *client.Keyboard
	names map[string]uint32
	err   string

	keymap string
	focus  *client.Surface // keyboard focus
	enters []*client.Surface
	ptr    *client.Pointer
	under  *client.Surface // pointer focus
	keys   []uint32        // evdev codes pressed, in order
}

func connectClient(t *testing.T, name, path string, keyboard bool) *wlClient {
	t.Helper()
	disp, err := client.Connect(path)
	if err != nil {
		t.Fatal(err)
	}
	c := &wlClient{t: t, name: name, disp: disp, ctx: disp.Context(), names: map[string]uint32{}}
	t.Cleanup(func() { c.ctx.Close() })
	disp.SetErrorHandler(func(ev client.DisplayErrorEvent) { c.err = fmt.Sprintf("code %d: %s", ev.Code, ev.Message) })
	reg, err := disp.GetRegistry()
	if err != nil {
		t.Fatal(err)
	}
	reg.SetGlobalHandler(func(ev client.RegistryGlobalEvent) { c.names[ev.Interface] = ev.Name })
	c.roundtrip()
	c.comp, c.subc, c.shm, c.wm = client.NewCompositor(c.ctx), client.NewSubcompositor(c.ctx), client.NewShm(c.ctx), xdg.NewWmBase(c.ctx)
	binds := []struct {
		iface string
		v     uint32
		p     client.Proxy
	}{{"wl_compositor", 4, c.comp}, {"wl_subcompositor", 1, c.subc}, {"wl_shm", 1, c.shm}, {"xdg_wm_base", 1, c.wm}}
	if keyboard {
		c.seat = client.NewSeat(c.ctx)
		binds = append(binds, struct {
			iface string
			v     uint32
			p     client.Proxy
		}{"wl_seat", 5, c.seat})
	}
	// In creation order: go-wayland numbers proxies when they are made.
	for _, b := range binds {
		if err := reg.Bind(c.names[b.iface], b.iface, b.v, b.p); err != nil {
			t.Fatal(err)
		}
	}
	c.wm.SetPingHandler(func(ev xdg.WmBasePingEvent) { c.wm.Pong(ev.Serial) })
	if keyboard {
		// go-wayland takes a message's fd only from the read of that
		// message's own bytes, while nofault sends the fds of a flush with
		// its first bytes: get_keyboard goes alone after a roundtrip, so
		// that wl_keyboard.keymap leads its flush.
		c.roundtrip()
		if c.kbd, err = c.seat.GetKeyboard(); err != nil {
			t.Fatal(err)
		}
		c.kbd.SetKeymapHandler(func(ev client.KeyboardKeymapEvent) {
			if ev.Fd < 0 {
				c.err = "keymap event without its fd"
				return
			}
			defer unix.Close(ev.Fd)
			b, err := unix.Mmap(ev.Fd, 0, int(ev.Size), unix.PROT_READ, unix.MAP_PRIVATE)
			if err != nil {
				c.err = "keymap mmap: " + err.Error()
				return
			}
			c.keymap = strings.TrimRight(string(b), "\x00")
			unix.Munmap(b)
		})
		c.kbd.SetEnterHandler(func(ev client.KeyboardEnterEvent) { c.focus = ev.Surface; c.enters = append(c.enters, ev.Surface) })
		c.kbd.SetLeaveHandler(func(ev client.KeyboardLeaveEvent) { c.focus = nil })
		c.kbd.SetKeyHandler(func(ev client.KeyboardKeyEvent) {
			if ev.State == 1 {
				c.keys = append(c.keys, ev.Key)
			}
		})
		// The pointer after the keymap's flush, for the same reason.
		c.roundtrip()
		if c.ptr, err = c.seat.GetPointer(); err != nil {
			t.Fatal(err)
		}
		c.ptr.SetEnterHandler(func(ev client.PointerEnterEvent) { c.under = ev.Surface })
		c.ptr.SetLeaveHandler(func(ev client.PointerLeaveEvent) {
			if c.under == ev.Surface {
				c.under = nil
			}
		})
	}
	c.roundtrip()
	return c
}

// dispatchUntil reads events until cond holds; the connection is closed
// (and the test fails) after timeout.
func (c *wlClient) dispatchUntil(what string, cond func() bool, timeout time.Duration) {
	c.t.Helper()
	timer := time.AfterFunc(timeout, func() { c.ctx.Close() })
	defer timer.Stop()
	for !cond() {
		if err := c.ctx.Dispatch(); err != nil {
			c.t.Fatalf("%s: waiting for %s: %v (protocol error: %q)", c.name, what, err, c.err)
		}
		if c.err != "" {
			c.t.Fatalf("%s: protocol error while waiting for %s: %s", c.name, what, c.err)
		}
	}
}

// roundtrip waits until the compositor has handled every request sent.
func (c *wlClient) roundtrip() {
	c.t.Helper()
	cb, err := c.disp.Sync()
	if err != nil {
		c.t.Fatal(err)
	}
	done := false
	cb.SetDoneHandler(func(client.CallbackDoneEvent) { done = true })
	c.dispatchUntil("a roundtrip", func() bool { return done }, 20*time.Second)
}

// shmBuffer is a wl_buffer in a memfd the test writes through a mapping.
type shmBuffer struct {
	buf                  *client.Buffer
	data                 []byte
	w, h, stride, offset int
}

const (
	fmtARGB8888 = 0
	fmtXRGB8888 = 1
)

// buffer makes a w x h buffer at offset in a fresh memfd; sealed adds
// F_SEAL_SHRINK (and GROW), which makes nofault read it zero-copy.
func (c *wlClient) buffer(w, h, stride, offset int, format uint32, sealed bool) *shmBuffer {
	c.t.Helper()
	size := offset + stride*h
	flags := unix.MFD_CLOEXEC
	if sealed {
		flags |= unix.MFD_ALLOW_SEALING
	}
	fd, err := unix.MemfdCreate("nofault-test", flags)
	if err != nil {
		c.t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := unix.Ftruncate(fd, int64(size)); err != nil {
		c.t.Fatal(err)
	}
	data, err := unix.Mmap(fd, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { unix.Munmap(data) })
	if sealed {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, unix.F_SEAL_SHRINK|unix.F_SEAL_GROW|unix.F_SEAL_SEAL); err != nil {
			c.t.Fatal(err)
		}
	}
	pool, err := c.shm.CreatePool(fd, int32(size))
	if err != nil {
		c.t.Fatal(err)
	}
	b, err := pool.CreateBuffer(int32(offset), int32(w), int32(h), int32(stride), format)
	if err != nil {
		c.t.Fatal(err)
	}
	pool.Destroy()
	return &shmBuffer{buf: b, data: data, w: w, h: h, stride: stride, offset: offset}
}

func (b *shmBuffer) set(x, y int, px uint32) {
	binary.LittleEndian.PutUint32(b.data[b.offset+y*b.stride+x*4:], px)
}

func (b *shmBuffer) fill(px func(x, y int) uint32) {
	for y := 0; y < b.h; y++ {
		for x := 0; x < b.w; x++ {
			b.set(x, y, px(x, y))
		}
	}
}

type wlWindow struct {
	s      *client.Surface
	xs     *xdg.Surface
	top    *xdg.Toplevel
	serial uint32
}

// window makes a toplevel and waits for its first configure (acked).
func (c *wlClient) window(title string) *wlWindow {
	c.t.Helper()
	w := &wlWindow{}
	w.s, _ = c.comp.CreateSurface()
	w.xs, _ = c.wm.GetXdgSurface(w.s)
	w.top, _ = w.xs.GetToplevel()
	w.top.SetTitle(title)
	w.xs.SetConfigureHandler(func(ev xdg.SurfaceConfigureEvent) { w.serial = ev.Serial; w.xs.AckConfigure(ev.Serial) })
	w.s.Commit()
	c.dispatchUntil("the first configure", func() bool { return w.serial != 0 }, 20*time.Second)
	return w
}

// show attaches b with the given buffer damage (none: the whole buffer),
// commits, and waits until the compositor has handled it.
func (c *wlClient) show(s *client.Surface, b *shmBuffer, damage ...image.Rectangle) {
	c.t.Helper()
	s.Attach(b.buf, 0, 0)
	if len(damage) == 0 {
		damage = []image.Rectangle{image.Rect(0, 0, b.w, b.h)}
	}
	for _, r := range damage {
		s.DamageBuffer(int32(r.Min.X), int32(r.Min.Y), int32(r.Dx()), int32(r.Dy()))
	}
	s.Commit()
	c.roundtrip()
}

// ---- Screenshot helpers.

func rgbaAt(img image.Image, x, y int) color.RGBA {
	r, g, b, a := img.At(x, y).RGBA()
	return color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(a >> 8)}
}

func argbColor(px uint32) color.RGBA {
	return color.RGBA{uint8(px >> 16), uint8(px >> 8), uint8(px), uint8(px >> 24)}
}

// colorBox returns the bounding box of the pixels exactly equal to c and
// how many there are.
func colorBox(img image.Image, c color.RGBA) (image.Rectangle, int) {
	var box image.Rectangle
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if p := rgbaAt(img, x, y); p.R == c.R && p.G == c.G && p.B == c.B {
				n++
				box = box.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return box, n
}

// ---- (a) A real client in the nested window; closing the window.

// TestNestedShowsClientAndClosesCleanly runs `compositor --backend=nested
// -- foot` (weston-simple-shm without foot) on Xvfb and checks that the
// client's window is in nofault's screenshot (GL framebuffer read back),
// then closes the host window as a window manager does (WM_DELETE_WINDOW)
// and checks a clean shutdown: exit status 0, the client disconnected and
// gone, socket and lock file removed, a final screenshot (read from the
// last frame after the window closed) still showing the client, and the
// stats written by the renderer: GL, and render/soft shown with MIT-SHM
// (--renderer=soft, whose final screenshot the display loop takes).
func TestNestedShowsClientAndClosesCleanly(t *testing.T) {
	for _, renderer := range []string{"gl", "soft"} {
		t.Run(renderer, func(t *testing.T) { testNestedShowsClientAndClosesCleanly(t, renderer) })
	}
}

func testNestedShowsClientAndClosesCleanly(t *testing.T, renderer string) {
	display := startXvfb(t)
	marker := fmt.Sprintf("nofault-nested-%d-%d", os.Getpid(), time.Now().UnixNano())
	clientCmd := []string{"foot", "-o", "tweak.render-timer=none", "sh", "-c", "echo " + marker + "; sleep 600"}
	minPixels := 20000
	if _, err := exec.LookPath("foot"); err != nil {
		need(t, "weston-simple-shm")
		clientCmd, minPixels = []string{"weston-simple-shm"}, 250*250/2
	}
	p := startNested(t, display, append([]string{"--renderer=" + renderer, "--"}, clientCmd...)...)
	img := p.waitForeground(minPixels, 30*time.Second)
	if !strings.Contains(p.log.String(), "backend=nested") || !strings.Contains(p.log.String(), "renderer="+renderer) {
		t.Errorf("not the nested backend with %s:\n%s", renderer, p.log.String())
	}
	box, _ := foreground(img)
	t.Logf("client window at %v", box)

	id := nestedWindowID(t, display)
	if err := x11Close(display, id); err != nil {
		t.Fatalf("WM_DELETE_WINDOW: %v", err)
	}
	if !p.wait(90 * time.Second) {
		t.Fatal("the compositor did not exit after its window was closed")
	}
	if p.exitErr != nil {
		t.Errorf("exit: %v, want status 0", p.exitErr)
	}
	log := p.log.String()
	for _, want := range []string{"window closed", "client disconnected"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q", want)
		}
	}
	for _, f := range []string{p.path, p.path + ".lock"} {
		if _, err := os.Stat(f); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still exists after shutdown (%v)", f, err)
		}
	}
	if out, err := exec.Command("pgrep", "-f", marker).Output(); err == nil {
		t.Errorf("the client still runs after shutdown: pids %s", strings.Fields(string(out)))
		for _, pid := range strings.Fields(string(out)) {
			if n, err := strconv.Atoi(pid); err == nil {
				syscall.Kill(n, syscall.SIGKILL)
			}
		}
	}
	final, err := readPNG(p.shot)
	if err != nil {
		t.Fatalf("no final screenshot: %v", err)
	}
	if _, n := foreground(final); n < minPixels {
		t.Errorf("final screenshot shows %d foreground pixels, want >= %d", n, minPixels)
		savePNG(t, final)
	}
	st := p.stats()
	if st.Renderer != renderer || st.FramesPresented == 0 || st.Commits == 0 {
		t.Errorf("stats: renderer %q, %d frames presented, %d commits", st.Renderer, st.FramesPresented, st.Commits)
	}
}

// ---- (b) Pixel-exact uploads.

const pxW, pxH = 61, 37

// borderPixel frames the test window so that it can be found exactly.
const borderPixel = 0xff10e0a0

// patternARGB is a premultiplied ARGB8888 pattern with every kind of
// alpha (0, 1, 37, 64, 128, 200, 254, 255) and colour channels up to the
// alpha; phase changes every pixel.
func patternARGB(x, y, phase int) uint32 {
	if x == 0 || y == 0 || x == pxW-1 || y == pxH-1 {
		return borderPixel
	}
	alphas := [...]int{0, 255, 128, 1, 254, 64, 200, 37}
	a := alphas[(x*3+y*5+phase)%len(alphas)]
	r := (x*11 + y*3 + phase*50) % (a + 1)
	g := (x*5 + y*13 + phase*90) % (a + 1)
	b := (x ^ y + phase*17) % (a + 1)
	return uint32(a)<<24 | uint32(r)<<16 | uint32(g)<<8 | uint32(b)
}

// over composites premultiplied src over the opaque background as
// render/soft does (pixman's exact rounding of d*(255-a)/255).
func over(src uint32, bg [4]uint8) color.RGBA {
	a := src >> 24
	ch := func(s, d uint32) uint8 {
		t := d*(255-a) + 0x80
		v := s + (t+t>>8)>>8
		return uint8(min(v, 255))
	}
	return color.RGBA{ch(src>>16&0xff, uint32(bg[0])), ch(src>>8&0xff, uint32(bg[1])), ch(src&0xff, uint32(bg[2])), 255}
}

// checkPattern compares the window at origin with want(x, y), the ARGB
// pixel the client's buffer held there. Pixels with alpha 0 or 255 must
// match exactly; translucent ones may differ by 1 per channel, because
// the GL blend (llvmpipe: (t + (t>>8) + 0x80) >> 8 in its fixed-point
// multiply) may round d*(255-a)/255 differently from pixman.
// checkScreen waits until the nested window on the X screen shows the
// pattern (composited over compositor.Background), as the user sees it:
// the window presents a frame after the compositor rendered it.
func checkScreen(t *testing.T, what, display string, want func(x, y int) uint32) {
	t.Helper()
	var img *image.RGBA
	var origin image.Point
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var err error
		img, err = x11Image(display, image.Rect(0, 0, 1280, 800))
		if err != nil {
			t.Fatalf("%s: reading the X screen: %v", what, err)
		}
		box, _ := colorBox(img, argbColor(borderPixel))
		origin = box.Min
		if bad, _ := comparePattern(img, origin, want); box.Dx() == pxW && box.Dy() == pxH && len(bad) == 0 {
			return
		}
		if time.Now().After(deadline) {
			break
		}
	}
	checkPattern(t, what+" (X screen)", img, origin, want)
}

// patternMismatch is a pixel that differs from the pattern by more than
// the blend's rounding allows.
type patternMismatch struct {
	x, y     int
	src      uint32
	got, exp color.RGBA
}

// comparePattern compares the pixels of img at origin with the pattern
// composited over compositor.Background: a translucent pixel may be off
// by one in a channel (the driver's rounding), any other must be exact.
func comparePattern(img image.Image, origin image.Point, want func(x, y int) uint32) (bad []patternMismatch, offByOne int) {
	for y := 0; y < pxH; y++ {
		for x := 0; x < pxW; x++ {
			src := want(x, y)
			exp := over(src, compositor.Background)
			got := rgbaAt(img, origin.X+x, origin.Y+y)
			d := max(absDiff(got.R, exp.R), absDiff(got.G, exp.G), absDiff(got.B, exp.B))
			a := src >> 24
			switch {
			case d == 0:
			case d == 1 && a != 0 && a != 255:
				offByOne++
			default:
				bad = append(bad, patternMismatch{x, y, src, got, exp})
			}
		}
	}
	return bad, offByOne
}

func checkPattern(t *testing.T, what string, img image.Image, origin image.Point, want func(x, y int) uint32) {
	t.Helper()
	bad, offByOne := comparePattern(img, origin, want)
	for _, m := range bad[:min(len(bad), 5)] {
		t.Errorf("%s: pixel (%d,%d) src %08x: got %v, want %v", what, m.x, m.y, m.src, m.got, m.exp)
	}
	if len(bad) > 0 {
		t.Errorf("%s: %d of %d pixels wrong", what, len(bad), pxW*pxH)
		savePNG(t, img)
	}
	t.Logf("%s: %d translucent pixels off by one", what, offByOne)
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

// TestNestedPixelExact draws a known premultiplied ARGB pattern (all kinds
// of alpha) from a Go client into a buffer with a stride larger than
// width*4 at a non-zero offset, first from a sealed memfd (nofault uploads
// straight from the mapping) and then from an unsealed one (a guarded pool:
// uploaded from the staged copy), each time a full frame and then a
// partial one. For the partial frame the client rewrites the whole buffer
// but damages one rectangle only: the texture must change exactly there.
// nofault's own screenshot (the GL output framebuffer, read back) must
// equal the pattern composited over compositor.Background.
//
// What the X screen shows must be the same pattern: the window presents
// by swapping (backend/nested.PresentEnv=swap) or, the default on Xvfb's
// llvmpipe, by copying only what changed (GLX_MESA_copy_sub_buffer).
//
// --renderer=auto (the default) draws with render/soft on Xvfb, whose GLX
// says its renderer (llvmpipe) is not accelerated, and on an X server
// without GLX at all.
func TestNestedPixelExact(t *testing.T) {
	for _, tc := range []struct {
		name, present, renderer string
		xvfb                    []string // Xvfb's extra arguments
		want                    string   // the renderer that draws
		log                     []string // what the log must say
	}{
		{"gl,present=auto", "", "gl", nil, "gl", []string{"present=copy"}},
		{"gl,present=swap", "swap", "gl", nil, "gl", []string{"present=swap"}},
		{"soft", "", "soft", nil, "soft", []string{"present=mit-shm"}},
		{"auto", "", "auto", nil, "soft", []string{"present=mit-shm", "the host's GL is not accelerated"}},
		{"auto,no GLX", "", "auto", []string{"-extension", "GLX"}, "soft", []string{"present=mit-shm", "no GL window on this host"}},
		{"soft,no MIT-SHM", "", "soft", []string{"-extension", "MIT-SHM"}, "soft", []string{"present=xputimage"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nestedEnv = []string{"NOFAULT_NESTED_PRESENT=" + tc.present}
			defer func() { nestedEnv = nil }()
			testNestedPixelExact(t, startXvfb(t, tc.xvfb...), tc.renderer, tc.want, tc.log)
		})
	}
}

func testNestedPixelExact(t *testing.T, display, renderer, want string, wantLog []string) {
	// auto (the default) must pick nested when DISPLAY is set.
	p := startNested(t, display, "--backend=auto", "--shm-read=auto", "--renderer="+renderer)
	// The "listening" line follows the socket's creation: wait for it.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(p.log.String(), "msg=listening") && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(p.log.String(), "backend=nested") {
		t.Fatalf("--backend=auto with DISPLAY set did not run nested:\n%s", p.log.String())
	}
	c := connectClient(t, "pattern", p.path, false)
	w := c.window("pixel exact")

	find := func() image.Point {
		t.Helper()
		img := p.screenshot()
		box, n := colorBox(img, argbColor(borderPixel))
		if box.Dx() != pxW || box.Dy() != pxH || n < 2*(pxW+pxH)-4 {
			savePNG(t, img)
			t.Fatalf("window frame at %v (%d pixels), want %dx%d", box, n, pxW, pxH)
		}
		return box.Min
	}

	var last func(x, y int) uint32 // the pattern shown last
	for _, tc := range []struct {
		name   string
		sealed bool
		stride int
		offset int
		damage image.Rectangle
		phase  int
	}{
		{"sealed (zero-copy)", true, pxW*4 + 20, 128, image.Rect(7, 5, 30, 22), 0},
		{"unsealed (staged)", false, pxW*4 + 52, 0, image.Rect(30, 10, 50, 30), 2},
	} {
		b := c.buffer(pxW, pxH, tc.stride, tc.offset, fmtARGB8888, tc.sealed)
		full := func(x, y int) uint32 { return patternARGB(x, y, tc.phase) }
		b.fill(full)
		c.show(w.s, b)
		origin := find()
		checkPattern(t, tc.name+", full frame", p.screenshot(), origin, full)
		checkScreen(t, tc.name+", full frame", display, full)

		next := func(x, y int) uint32 { return patternARGB(x, y, tc.phase+1) }
		b.fill(next) // everywhere, but only tc.damage is damaged
		c.show(w.s, b, tc.damage)
		partial := func(x, y int) uint32 {
			if image.Pt(x, y).In(tc.damage) {
				return next(x, y)
			}
			return full(x, y)
		}
		checkPattern(t, tc.name+", partial damage", p.screenshot(), origin, partial)
		checkScreen(t, tc.name+", partial damage", display, partial)
		// All of it damaged again: what a renderer that reads the buffer
		// when it draws (render/soft) may show anywhere from now on.
		c.show(w.s, b)
		checkScreen(t, tc.name+", all damaged again", display, next)
		last = next
	}
	// The window resized, larger and then smaller: what it shows must
	// follow (a copy into a back buffer of the old size would be refused
	// by the X server).
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Log("no xdotool: resizing not tested")
	} else {
		id := fmt.Sprint(nestedWindowID(t, display))
		for _, size := range [][2]string{{"1100", "760"}, {"900", "600"}} {
			xdotool(t, display, "windowsize", "--sync", id, size[0], size[1])
			checkScreen(t, "after resizing to "+size[0]+"x"+size[1], display, last)
		}
	}
	if strings.Contains(p.log.String(), "X error") {
		t.Errorf("the X server refused a request:\n%s", p.log.String())
	}
	for _, l := range wantLog {
		if !strings.Contains(p.log.String(), l) {
			t.Errorf("--renderer=%s, %s on Xvfb (llvmpipe, no buffer age): the log does not say %s", renderer, nestedEnv, l)
		}
	}
	p.stop()
	st := p.stats()
	if st.Renderer != want {
		t.Errorf("--renderer=%s: renderer %q, want %s", renderer, st.Renderer, want)
	}
	if st.Shm.Sealed.Created < 1 {
		t.Errorf("no sealed pool: the zero-copy path was not taken (%+v)", st.Shm)
	}
	if st.Shm.Guarded.Created+st.Shm.NoSigbus.Created < 1 {
		t.Errorf("no guarded or nosigbus pool for the unsealed memfd (%+v)", st.Shm)
	}
}

// ---- (c) Faults on the GL path and in the soft window.

// TestNestedShrinkFault runs misbehave's shrink-while-committing (a
// client commits a 512x512 buffer on every frame callback and truncates
// its memfd right after the tenth commit) against the nested compositor
// with --shm-read=guarded, while a bystander commits on every frame so
// that nofault renders every frame: through GL (uploads at commit), and
// with render/soft into the X server's MIT-SHM image (reading the
// client's pool at the frame). The compositor must live, the offender
// must get invalid_fd, and the bystander must still be drawn and get
// frame callbacks.
func TestNestedShrinkFault(t *testing.T) {
	for _, renderer := range []string{"gl", "soft"} {
		t.Run(renderer, func(t *testing.T) { testNestedShrinkFault(t, renderer) })
	}
}

func testNestedShrinkFault(t *testing.T, renderer string) {
	display := startXvfb(t)
	p := startNested(t, display, "--shm-read=guarded", "--renderer="+renderer)
	by, err := misbehave.StartBystander(p.path, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer by.Stop()
	const name = "shrink-while-committing"
	s := misbehave.Lookup(name)
	if s == nil {
		t.Fatalf("no scenario %s", name)
	}
	out := misbehave.Run(s, misbehave.Options{Socket: p.path, Timeout: 10 * time.Second})
	if !p.alive() {
		t.Fatalf("compositor died: %s", out.Summary())
	}
	if out.Result == misbehave.Skipped {
		t.Skipf("skipped: %s", out.Detail)
	}
	if want := misbehave.Expected(misbehave.Nofault)[name]; !want.Match(out) {
		t.Errorf("offender: %s, want %s", out.Summary(), want)
	}
	if out.Error == nil || !strings.Contains(misbehave.ErrorName(out.Error.Interface, out.Error.Code), "invalid_fd") {
		t.Errorf("offender's error: %+v, want invalid_fd", out.Error)
	}
	frames := by.Frames()
	// The bystander's next frame callback, waited for (the timeout is a
	// failsafe, not a schedule).
	for deadline := time.Now().Add(10 * time.Second); by.Frames() <= frames && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if by.Frames() <= frames {
		t.Errorf("the bystander got no frame callback after the scenario (%d)", frames)
	}
	img := p.screenshot()
	if _, n := colorBox(img, color.RGBA{0x30, 0x70, 0xb0, 0xff}); n < 64*64 {
		savePNG(t, img)
		t.Errorf("the bystander's 64x64 window shows %d pixels", n)
	}
	r := by.Stop()
	checkBystander(t, &r)
	p.stop()
	st := p.stats()
	if st.Renderer != renderer || st.FramesPresented < 30 {
		t.Errorf("renderer %q presented %d frames, want %s rendering every frame", st.Renderer, st.FramesPresented, renderer)
	}
	if st.Shm.Guarded.Faults+st.Shm.Guarded.Shrinks == 0 {
		t.Logf("note: the shrink was caught before any read faulted (%+v)", st.Shm.Guarded)
	}
}

// ---- (d) Input from the host.

// keysymOf returns the first-level keysym the keymap text gives evdev
// code key: its xkb keycode (key+8) names a key in xkb_keycodes, whose
// first symbol in xkb_symbols is the keysym.
func keysymOf(keymap string, key uint32) string {
	m := regexp.MustCompile(`<(\w+)>\s*=\s*` + strconv.Itoa(int(key)+8) + `;`).FindStringSubmatch(keymap)
	if m == nil {
		return ""
	}
	s := regexp.MustCompile(`key\s+<` + m[1] + `>\s*\{[^\[]*\[\s*([^,\s\]]+)`).FindStringSubmatch(keymap)
	if s == nil {
		return ""
	}
	return s[1]
}

// TestNestedInput runs two Go clients in the nested window on Xvfb. Client
// A's toplevel has a subsurface above it (as foot's title bar); client B
// has a plain toplevel. xdotool clicks B, then A's subsurface: each click
// must give its toplevel the keyboard focus (the subsurface click focuses
// A's toplevel). Then xdotool types "hello" and "a" into the window: A
// receives exactly those evdev codes, the keymap it got names the right
// keysyms for them, and B receives nothing. Finally resizing the host
// window must resize the output.
func TestNestedInput(t *testing.T) {
	need(t, "xdotool")
	display := startXvfb(t)
	p := startNested(t, display)
	const (
		colA   = 0xff4080c0
		colBar = 0xffc0a040
		colB   = 0xff40c080
	)
	a := connectClient(t, "client A", p.path, true)
	wa := a.window("A")
	bar, _ := a.comp.CreateSurface()
	sub, _ := a.subc.GetSubsurface(bar, wa.s)
	sub.SetPosition(0, -24)
	sub.SetDesync()
	ba := a.buffer(160, 24, 160*4, 0, fmtXRGB8888, false)
	ba.fill(func(x, y int) uint32 { return colBar })
	a.show(bar, ba)
	bufA := a.buffer(160, 120, 160*4, 0, fmtXRGB8888, false)
	bufA.fill(func(x, y int) uint32 { return colA })
	a.show(wa.s, bufA)

	b := connectClient(t, "client B", p.path, true)
	wb := b.window("B")
	bufB := b.buffer(160, 120, 160*4, 0, fmtXRGB8888, false)
	bufB.fill(func(x, y int) uint32 { return colB })
	b.show(wb.s, bufB)

	img := p.screenshot()
	centre := func(col uint32, what string) image.Point {
		box, n := colorBox(img, argbColor(col))
		if n < 100 {
			savePNG(t, img)
			t.Fatalf("%s not visible (%d pixels)", what, n)
		}
		c := image.Pt((box.Min.X+box.Max.X)/2, (box.Min.Y+box.Max.Y)/2)
		if got := rgbaAt(img, c.X, c.Y); got != argbColor(col) {
			savePNG(t, img)
			t.Fatalf("%s: centre %v of %v is covered (%v)", what, c, box, got)
		}
		return c
	}
	atB, atBar := centre(colB, "B"), centre(colBar, "A's subsurface")

	id := strconv.FormatUint(uint64(nestedWindowID(t, display)), 10)
	xdotool(t, display, "windowfocus", "--sync", id)
	// click moves the pointer, waits until the seat has it over surf (the
	// client's wl_pointer.enter), then clicks.
	click := func(at image.Point, c *wlClient, surf *client.Surface, what string) {
		xdotool(t, display, "mousemove", "--window", id, strconv.Itoa(at.X), strconv.Itoa(at.Y))
		c.dispatchUntil("the pointer over "+what, func() bool { return c.under == surf }, 10*time.Second)
		xdotool(t, display, "click", "1")
	}

	click(atB, b, wb.s, "B")
	b.dispatchUntil("keyboard focus on B", func() bool { return b.focus == wb.s }, 10*time.Second)
	a.roundtrip()
	if a.focus != nil {
		t.Errorf("A keeps the keyboard focus after the click on B")
	}

	click(atBar, a, bar, "A's subsurface")
	a.dispatchUntil("keyboard focus on A after a click on its subsurface", func() bool { return a.focus == wa.s }, 10*time.Second)
	b.roundtrip()
	if b.focus != nil {
		t.Errorf("B keeps the keyboard focus after the click on A's subsurface")
	}

	xdotool(t, display, "type", "--delay", "30", "hello")
	xdotool(t, display, "key", "a")
	want := []uint32{35, 18, 38, 38, 24, 30} // KEY_H, E, L, L, O, A
	a.dispatchUntil("the typed keys", func() bool { return len(a.keys) >= len(want) }, 10*time.Second)
	if fmt.Sprint(a.keys) != fmt.Sprint(want) {
		t.Errorf("A got evdev keys %v, want %v", a.keys, want)
	}
	if a.keymap == "" {
		t.Fatal("A got no keymap")
	}
	var syms []string
	for _, k := range a.keys {
		syms = append(syms, keysymOf(a.keymap, k))
	}
	if got := strings.Join(syms, " "); got != "h e l l o a" {
		t.Errorf("keysyms of the keys A got: %q, want %q", got, "h e l l o a")
	}
	b.roundtrip()
	if len(b.keys) != 0 {
		t.Errorf("B (not focused) got keys %v", b.keys)
	}

	// Resizing the host window resizes the output.
	xdotool(t, display, "windowsize", "--sync", id, "900", "600")
	deadline := time.Now().Add(10 * time.Second)
	for {
		sz := p.screenshot().Bounds().Size()
		if sz == image.Pt(900, 600) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("output %v after resizing the window to 900x600", sz)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// ---- (e) nofault nested in nofault, on Wayland.

var wlBin struct {
	once sync.Once
	path string
	err  error
}

// waylandBinary builds cmd/compositor with -tags wayland (GLFW's Wayland
// platform) once per test binary.
func waylandBinary(t *testing.T) string {
	t.Helper()
	wlBin.once.Do(func() {
		dir, err := os.MkdirTemp("", "nofault-wlbin-")
		if err != nil {
			wlBin.err = err
			return
		}
		wlBin.path = filepath.Join(dir, "compositor-wl")
		cmd := exec.Command("go", "build", "-tags", "wayland", "-o", wlBin.path, "./cmd/compositor")
		cmd.Dir = filepath.Join("..", "..")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			wlBin.err = fmt.Errorf("go build -tags wayland: %v\n%s", err, out.String())
		}
	})
	if wlBin.err != nil {
		t.Fatal(wlBin.err)
	}
	return wlBin.path
}

// TestNestedOnWayland runs a -tags wayland build of the compositor with
// --backend=nested as a client of nofault's headless backend, with
// weston-simple-shm inside it: the inner compositor's screenshot (its GL
// output) must show the client, and the outer's must show the inner's
// window.
func TestNestedOnWayland(t *testing.T) {
	need(t, "weston-simple-shm")
	outer := nftest.Start(t)
	bin := waylandBinary(t)
	env := append(hostEnv(), "WAYLAND_DISPLAY="+outer.Socket)
	inner := startCompositor(t, bin, outer.RuntimeDir, "wayland-inner", env, "--backend=nested", "--", "weston-simple-shm")
	img := inner.waitForeground(250*250/2, 30*time.Second)
	box, _ := foreground(img)
	if box.Dx() < 240 || box.Dx() > 260 || box.Dy() < 240 || box.Dy() > 260 {
		savePNG(t, img)
		t.Errorf("inner: client window %v, want about 250x250", box)
	}
	if !strings.Contains(inner.log.String(), "platform=wayland") {
		t.Errorf("the inner compositor is not on GLFW's Wayland platform:\n%s", inner.log.String())
	}
	outerImg := outer.Screenshot()
	if _, n := foreground(outerImg); n < 250*250/2 {
		savePNG(t, outerImg)
		t.Errorf("outer: the inner compositor's window shows %d pixels", n)
	}
	inner.stop()
	if st := inner.stats(); st.Renderer != "gl" || st.FramesPresented == 0 {
		t.Errorf("inner stats: renderer %q, %d frames", st.Renderer, st.FramesPresented)
	}
}

// startHeadlessGL starts nofault headless with --renderer=gl and args. It
// skips the test when the binary has no GL renderer (built without cgo)
// and fails it when the renderer fell back to soft (no EGL: make test
// installs Mesa's).
func startHeadlessGL(t *testing.T, args ...string) *nftest.Instance {
	t.Helper()
	in := nftest.Start(t, append([]string{"--renderer=gl"}, args...)...)
	if strings.Contains(in.LogText(), "not built into this binary") {
		t.Skip("the compositor was built without cgo: no GL renderer")
	}
	if strings.Contains(in.LogText(), "falling back to soft") {
		t.Fatalf("--renderer=gl fell back to soft (make test installs Mesa's EGL):\n%s", in.LogText())
	}
	return in
}

// TestHeadlessGL runs the headless backend with --renderer=gl (Mesa's EGL
// surfaceless platform, no X): weston-simple-shm must show in the
// screenshot, drawn by the GL renderer.
func TestHeadlessGL(t *testing.T) {
	need(t, "weston-simple-shm")
	in := startHeadlessGL(t)
	cmd, out := startClient(t, in, nil, "weston-simple-shm")
	img := waitForWindow(t, in, cmd, out, 250*250/2, 30*time.Second)
	if box, _ := foreground(img); box.Dx() < 240 || box.Dx() > 260 {
		t.Errorf("window %v, want about 250x250", box)
	}
	if st := in.Stop(); st == nil || st.Renderer != "gl" || st.FramesPresented == 0 {
		t.Errorf("stats %+v, want the gl renderer presenting frames", st)
	}
}

// TestHeadlessGLOneBuffer: under --renderer=gl a client that keeps one
// buffer per surface (cmd/wlbench's client, --buffers=1) draws on every
// frame callback: the render that copies a buffer releases it, before the
// frame callbacks go out, as weston's GL renderer does. No frame callback
// finds the buffer still busy.
func TestHeadlessGLOneBuffer(t *testing.T) {
	in := startHeadlessGL(t)
	for _, sealed := range []bool{true, false} {
		res, err := wlclient.Run(wlclient.Options{
			Socket: in.Path, Mode: wlclient.ModeFrames, Surfaces: 2, Width: 128, Height: 96,
			Damage: 100, Sealed: sealed, Buffers: 1, Warmup: 200 * time.Millisecond, Duration: time.Second,
		})
		if err != nil {
			t.Fatalf("sealed=%v: %v", sealed, err)
		}
		if res.Frames == 0 || res.Stalls != 0 || res.BuffersMax != 1 {
			t.Errorf("sealed=%v: %d frames, %d found the buffer busy, %d buffers; want frames drawn on one buffer and none busy",
				sealed, res.Frames, res.Stalls, res.BuffersMax)
		}
	}
	if st := in.Stop(); st == nil || st.Renderer != "gl" {
		t.Errorf("stats %+v, want the gl renderer", st)
	}
}

// TestGrimNested: grim captures the nested compositor's output on Xvfb
// (GL renderer; readback through the GL thread into Go memory, then the
// guarded write into grim's buffer) and its PNG equals nofault's own
// screenshot pixel for pixel, whole output and regions.
func TestGrimNested(t *testing.T) {
	need(t, "grim")
	display := startXvfb(t)
	p := startNested(t, display, "--size=640x480", "--renderer=gl") // auto is soft on Xvfb
	startPatternClient(t, p.path, 200, 150)
	shot := waitForPattern(t, p.screenshot, 200, 150)
	env := append(hostEnv(), "XDG_RUNTIME_DIR="+p.runtimeDir, "WAYLAND_DISPLAY="+p.socket)
	grimMatches(t, env, shot)
	p.stop() // stats are written at exit
	if st := p.stats(); st == nil || st.Renderer != "gl" || st.Capture.Ready < 4 || st.Capture.Failed != 0 {
		t.Errorf("stats %+v: want the gl renderer, 4+ captures ready, none failed", st)
	}
}
