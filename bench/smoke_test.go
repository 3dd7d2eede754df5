package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nofault/nofault/bench/wlclient"
	"github.com/nofault/nofault/compositor"
	"github.com/nofault/nofault/config"
)

// The smoke test runs the test binary itself as the compositor process
// (so it needs no go build), with this variable set.
const envCompositor = "NOFAULT_BENCH_SMOKE_COMPOSITOR"

func TestMain(m *testing.M) {
	if os.Getenv(envCompositor) == "1" {
		os.Exit(runCompositor(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// runCompositor is cmd/compositor's core: headless until SIGTERM.
func runCompositor(args []string) int {
	cfg, _, err := config.Load(args, os.Getenv)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	c, err := compositor.New(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "msg=listening socket=%s renderer=%s\n", c.Socket.Path, c.Renderer.Name())
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := c.Run(ctx); err != nil && ctx.Err() == nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// TestSmoke runs the harness on nofault alone (no weston or sway): one
// short frame workload and a short sync flood, then renders the report
// and the plots from the results.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a compositor process")
	}
	frameW := Workload{Name: "smoke-frames", Title: "1 x 640x480, full damage", Opts: frames(2, 640, 480, 100, true), OutW: 640, OutH: 480, Sweep: true}
	syncW := Workload{Name: "smoke-sync", Title: "sync flood", Opts: wlclient.Options{Mode: wlclient.ModeSync}, OutW: 640, OutH: 480}
	floodW := Workload{Name: "smoke-flood", Title: "request flood", Opts: wlclient.Options{Mode: wlclient.ModeFlood, Width: 64, Height: 64, Rects: 100, Inflight: 2}, OutW: 640, OutH: 480}
	cfg, samples, notes := runSmoke(t, InProcessClient(), 1500*time.Millisecond, frameW, syncW, floodW)
	dir := cfg.Dir
	fr, sy, fl := samples[0].Result, samples[1].Result, samples[2].Result
	if fr.Frames == 0 || fr.FPS < 1 || fr.FPS > 200 {
		t.Errorf("frames: %d frames, %.1f fps per surface", fr.Frames, fr.FPS)
	}
	if fr.CPU <= 0 && fr.CPUSched <= 0 {
		t.Errorf("frames: compositor CPU %.3f s (sched %.3f s)", fr.CPU, fr.CPUSched)
	}
	if fr.CPU > 0 && fr.CPUPerFrameMS <= 0 {
		t.Errorf("frames: CPU per frame %.3f ms", fr.CPUPerFrameMS)
	}
	// Every frame wakes the compositor at least for the tick and the commit.
	if fr.CtxSwitches < int64(fr.Frames) || sy.CtxSwitches <= 0 {
		t.Errorf("context switches in the window: %d for %d frames, %d for %d round trips", fr.CtxSwitches, fr.Frames, sy.CtxSwitches, sy.Syncs)
	}
	if sy.Syncs < 10 || sy.RTTp50 <= 0 || sy.RTTp99 < sy.RTTp50 || len(sy.RTTQuantiles) != 101 {
		t.Errorf("sync: %d round trips, p50 %.1f µs, p99 %.1f µs", sy.Syncs, sy.RTTp50, sy.RTTp99)
	}
	if fl.RequestsPerS <= 0 {
		t.Errorf("flood: %.0f requests/s", fl.RequestsPerS)
	}
	if notes["nofault"] != "renderer=soft" {
		t.Errorf("renderer note %q, want renderer=soft", notes["nofault"])
	}

	rs := NewResults(cfg, samples, notes, nil, time.Second)
	path := filepath.Join(dir, "results.json")
	if err := rs.Save(path); err != nil {
		t.Fatal(err)
	}
	rs, err := LoadResults(path)
	if err != nil {
		t.Fatal(err)
	}
	md := rs.Markdown("bench", "")
	for _, want := range []string{"| compositor CPU per frame (ms) |", "| compositor context switches per frame |", "| round trip p50 (µs) |", "| compositor context switches per round trip |", "| requests/s absorbed |"} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
	if err := rs.Plots(dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"cpu-per-frame.png", "rtt.png", "cpu-workloads.png"} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() < 1000 {
			t.Errorf("plot %s: %v", f, err)
		}
	}
}

// runSmoke runs ws once each on nofault (this test binary as the
// compositor) with client, a measured window of d, and fails the test on
// any error.
func runSmoke(t *testing.T, client Client, d time.Duration, ws ...Workload) (Config, []Sample, map[string]string) {
	t.Helper()
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	cfg := Config{
		Targets:   []Target{NofaultTarget("nofault", []string{os.Args[0]}, []string{envCompositor + "=1"})},
		Workloads: ws,
		Reps:      1,
		Warmup:    500 * time.Millisecond,
		Duration:  d,
		Client:    client,
		Dir:       dir,
		Log:       testLog{t},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	samples, notes, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) != len(ws) {
		t.Fatalf("%d samples, want %d", len(samples), len(ws))
	}
	for _, s := range samples {
		if s.Err != "" {
			t.Fatalf("%s: %s\ncompositor log:\n%s", s.Workload, s.Err, tail(filepath.Join(dir, "nofault.log"), 20))
		}
	}
	return cfg, samples, notes
}

type testLog struct{ t *testing.T }

func (l testLog) Write(b []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

func TestReplaceSection(t *testing.T) {
	p := filepath.Join(t.TempDir(), "b.md")
	os.WriteFile(p, []byte("# B\n\n<!-- BEGIN compare -->\nold\n<!-- END compare -->\ntail\n"), 0o644)
	if err := ReplaceSection(p, "compare", "new\nlines\n"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	if want := "# B\n\n<!-- BEGIN compare -->\nnew\nlines\n<!-- END compare -->\ntail\n"; string(b) != want {
		t.Errorf("got %q, want %q", b, want)
	}
}

// TestSmokeSyncRTT builds bench/c/syncrtt (cc, libwayland-dev) and runs
// the sync-c workload against nofault through the harness: placed by the
// kernel, and pinned to one CPU and to two (sync-c-same, sync-c-cross).
func TestSmokeSyncRTT(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a compositor process")
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	bin, err := BuildSyncRTT("..", dir)
	if err != nil {
		t.Skipf("syncrtt not built: %v", err)
	}
	pins := []string{""}
	if _, err := exec.LookPath("taskset"); err == nil && runtime.NumCPU() >= 2 {
		pins = append(pins, wlclient.PinSame, wlclient.PinCross)
	}
	var ws []Workload
	for _, pin := range pins {
		ws = append(ws, Workload{Name: "smoke-sync-c-" + pin, Title: "libwayland sync", Opts: wlclient.Options{Mode: wlclient.ModeSync, Client: wlclient.ClientLibwayland, Count: 300, Pin: pin}, OutW: 640, OutH: 480})
	}
	_, samples, _ := runSmoke(t, ExecClients("", bin), 0, ws...)
	for _, s := range samples {
		r := s.Result
		if r.Mode != wlclient.ModeSync || r.Client != wlclient.ClientLibwayland || r.Syncs != 300 ||
			r.RTTp50 <= 0 || r.RTTp99 < r.RTTp50 || r.RTTMean <= 0 || len(r.RTTQuantiles) != 101 || r.CPUSched <= 0 || r.CtxSwitches <= 0 {
			t.Errorf("%s: syncrtt result %+v", s.Workload, r)
		}
	}
}

// TestSmokeScaled runs a buffer-scale-2 client on an output at scale 1.5
// (the scale1.5 workload's shape, smaller) against nofault through the
// harness, and checks that the report says how it ran.
func TestSmokeScaled(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a compositor process")
	}
	w := Workload{Name: "smoke-scaled", Title: "scaled", Opts: scaled(frames(1, 320, 240, 100, true), 2), OutW: 640, OutH: 480, Scale: 1.5}
	cfg, samples, notes := runSmoke(t, InProcessClient(), time.Second, w)
	if r := samples[0].Result; r.Frames == 0 || r.BufferScale != 2 {
		t.Errorf("%d frames, buffer scale %d", r.Frames, r.BufferScale)
	}
	md := NewResults(cfg, samples, notes, nil, time.Second).Markdown("bench", "")
	if want := "`wlbench --surfaces=1 --size=320x240 --damage=100 --sealed=true --buffer-scale=2` on a 640x480 output at scale 1.5"; !strings.Contains(md, want) {
		t.Errorf("report lacks %q:\n%s", want, md)
	}
}

func TestWestonOutput(t *testing.T) {
	for _, c := range []struct {
		o    Output
		want string
	}{
		{Output{W: 1920, H: 1080}, "--width=1920 --height=1080"},
		{Output{W: 1920, H: 1080, Scale: 1}, "--width=1920 --height=1080"},
		{Output{W: 3840, H: 2160, Scale: 2}, "--width=1920 --height=1080 --scale=2"},
		{Output{W: 1920, H: 1080, Scale: 1.5}, "error"},
	} {
		args, err := westonOutput(c.o)
		got := strings.Join(args, " ")
		if err != nil {
			got = "error"
		}
		if got != c.want {
			t.Errorf("westonOutput(%+v) = %q (%v), want %q", c.o, got, err, c.want)
		}
	}
}
