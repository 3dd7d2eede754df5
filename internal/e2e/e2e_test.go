package e2e

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
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

	"github.com/nofault/nofault/internal/nftest"
)

func need(t *testing.T, bins ...string) {
	t.Helper()
	for _, b := range bins {
		if _, err := exec.LookPath(b); err != nil {
			t.Skipf("%s not installed (make test installs it): %v", b, err)
		}
	}
}

// background is the output's clear colour as the screenshot shows it.
func background(img image.Image) color.RGBA {
	r, g, b, a := img.At(0, 0).RGBA()
	return color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(a >> 8)}
}

// foreground returns the bounding box of pixels that differ from the
// background and how many there are.
func foreground(img image.Image) (image.Rectangle, int) {
	bg := background(img)
	var box image.Rectangle
	n := 0
	bnd := img.Bounds()
	for y := bnd.Min.Y; y < bnd.Max.Y; y++ {
		for x := bnd.Min.X; x < bnd.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if uint8(r>>8) != bg.R || uint8(g>>8) != bg.G || uint8(b>>8) != bg.B {
				n++
				box = box.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return box, n
}

func TestWaylandInfoListsGlobals(t *testing.T) {
	need(t, "wayland-info")
	bin := nftest.Binary(t, "compositor")
	dir := t.TempDir()
	os.Chmod(dir, 0o700)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--backend=headless", "--", "wayland-info")
	cmd.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+dir)
	cmd.Env = append(cmd.Env, "WAYLAND_DISPLAY=", "DISPLAY=")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("compositor -- wayland-info: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errb.String())
	}
	re := regexp.MustCompile(`interface: '([a-z0-9_]+)',\s+version:\s+(\d+)`)
	got := map[string]int{}
	for _, m := range re.FindAllStringSubmatch(out.String(), -1) {
		v, _ := strconv.Atoi(m[2])
		got[m[1]] = v
	}
	want := map[string]int{
		"wl_compositor":          4,
		"wl_subcompositor":       1,
		"wl_shm":                 1,
		"xdg_wm_base":            5,
		"wl_output":              4,
		"zxdg_output_manager_v1": 3,
		"wl_seat":                7,
		"wl_data_device_manager": 3,
	}
	for iface, v := range want {
		if got[iface] < v {
			t.Errorf("%s: version %d, want >= %d", iface, got[iface], v)
		}
	}
	for _, f := range []string{"0 = 'AR24'", "1 = 'XR24'"} {
		if !strings.Contains(out.String(), f) {
			t.Errorf("wl_shm formats lack %s", f)
		}
	}
	if t.Failed() {
		t.Logf("wayland-info:\n%s", out.String())
	}
}

// syncBuffer is a bytes.Buffer safe for a child's output and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startClient runs a client of in; it is killed when the test ends.
func startClient(t *testing.T, in *nftest.Instance, env []string, name string, args ...string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(in.Env(), env...)
	out := new(syncBuffer)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	exited := make(chan struct{})
	clientExited.Store(cmd, exited)
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		defer clientExited.Delete(cmd)
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", name, out.String())
		}
	})
	return cmd, out
}

// clientExited maps each client startClient started to a channel closed
// once its Wait returns, so running need not read cmd.ProcessState, which
// the waiting goroutine writes.
var clientExited sync.Map // *exec.Cmd → chan struct{}

func running(cmd *exec.Cmd) bool {
	if ch, ok := clientExited.Load(cmd); ok {
		select {
		case <-ch.(chan struct{}):
			return false
		default:
			return true
		}
	}
	return syscall.Kill(cmd.Process.Pid, 0) == nil
}

func TestWestonSimpleShm(t *testing.T) {
	need(t, "weston-simple-shm")
	in := nftest.Start(t)
	start := time.Now()
	cmd, out := startClient(t, in, nil, "weston-simple-shm")
	run := 10 * time.Second
	time.Sleep(run)
	if !running(cmd) {
		t.Fatalf("weston-simple-shm exited early: %s", out.String())
	}
	img := in.Screenshot()
	elapsed := time.Since(start)
	st := in.Stop()
	if st == nil {
		t.Fatal("no stats")
	}
	// The rate is a timing figure (60/s on an idle machine; it drops
	// when other work takes the CPUs): reported, and measured by the
	// benchmarks. The client must have been animating all along.
	t.Logf("frame callbacks: %d in %v = %.1f/s", st.FrameCallbacks, elapsed.Round(time.Millisecond), float64(st.FrameCallbacks)/elapsed.Seconds())
	if least := uint64(run / freezeGap); st.FrameCallbacks < least {
		t.Errorf("frame callbacks: %d in %v: the compositor froze", st.FrameCallbacks, elapsed)
	}
	if strings.Contains(out.String(), "busy") {
		t.Errorf("client complained: %s", out.String())
	}
	// simple-shm draws a 250x250 XRGB window full of its ring pattern.
	box, n := foreground(img)
	if box.Dx() < 240 || box.Dx() > 260 || box.Dy() < 240 || box.Dy() > 260 {
		t.Errorf("window bounds %v, want about 250x250", box)
	}
	if n < 250*250/2 {
		t.Errorf("only %d pixels differ from the background", n)
	}
	colors := map[color.Color]bool{}
	for y := box.Min.Y; y < box.Max.Y; y += 3 {
		for x := box.Min.X; x < box.Max.X; x += 3 {
			colors[img.At(x, y)] = true
		}
	}
	if len(colors) < 50 {
		t.Errorf("window shows %d distinct colours; simple-shm's pattern has many", len(colors))
	}
	if t.Failed() {
		savePNG(t, img)
	}
}

func savePNG(t *testing.T, img image.Image) {
	p := filepath.Join(os.TempDir(), strings.ReplaceAll(t.Name(), "/", "_")+".png")
	f, err := os.Create(p)
	if err != nil {
		return
	}
	png.Encode(f, img)
	f.Close()
	t.Logf("screenshot saved to %s", p)
}

// waitForWindow polls screenshots until at least minPixels differ from the
// background, and fails otherwise.
func waitForWindow(t *testing.T, in *nftest.Instance, cmd *exec.Cmd, out *syncBuffer, minPixels int, timeout time.Duration) image.Image {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var img image.Image
	for time.Now().Before(deadline) {
		img = in.Screenshot()
		if _, n := foreground(img); n >= minPixels {
			return img
		}
		if !running(cmd) {
			break
		}
		time.Sleep(300 * time.Millisecond)
	}
	savePNG(t, img)
	t.Fatalf("no window appeared (client running: %v)\n%s", running(cmd), out.String())
	return nil
}

func TestRealClientsMapWindows(t *testing.T) {
	pngPath := filepath.Join(t.TempDir(), "pattern.png")
	writePattern(t, pngPath)
	cases := []struct {
		name string
		bin  string
		args []string
		env  []string
	}{
		{"weston-terminal", "weston-terminal", nil, nil},
		{"foot", "foot", []string{"-o", "tweak.render-timer=none"}, nil},
		{"gtk3-widget-factory", "gtk3-widget-factory", nil, []string{"GDK_BACKEND=wayland", "NO_AT_BRIDGE=1"}},
		{"imv", "imv-wayland", []string{pngPath}, nil},
		{"Xwayland", "Xwayland", []string{":93", "-retro", "-noreset"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			need(t, tc.bin)
			in := nftest.Start(t)
			cmd, out := startClient(t, in, tc.env, tc.bin, tc.args...)
			waitForWindow(t, in, cmd, out, 1000, 30*time.Second)
			if !in.Alive() {
				t.Fatal("compositor died")
			}
		})
	}
}

// writePattern writes a 64x64 PNG with distinct colours for imv.
func writePattern(t *testing.T, path string) {
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for y := 0; y < 64; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 4), 200, 255})
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

func TestClipboardRoundTrip(t *testing.T) {
	need(t, "wl-copy", "wl-paste")
	in := nftest.Start(t)
	const text = "nofault clipboard round trip"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cp := exec.CommandContext(ctx, "wl-copy", "--foreground", text)
	cp.Env = in.Env()
	var cpOut bytes.Buffer
	cp.Stdout, cp.Stderr = &cpOut, &cpOut
	if err := cp.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cp.Process.Kill(); cp.Wait() }()
	var got string
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		pctx, pcancel := context.WithTimeout(ctx, 5*time.Second)
		paste := exec.CommandContext(pctx, "wl-paste", "--no-newline")
		paste.Env = in.Env()
		b, err := paste.Output()
		pcancel()
		if err == nil && string(b) == text {
			got = string(b)
			break
		}
		got = string(b)
		time.Sleep(200 * time.Millisecond)
	}
	if got != text {
		t.Fatalf("wl-paste = %q, want %q\nwl-copy: %s", got, text, cpOut.String())
	}
}
