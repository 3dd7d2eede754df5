package bench

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/nofault/nofault/bench/wlclient"
	"github.com/nofault/nofault/compositor"
	"github.com/nofault/nofault/config"
)

// Benchmarks that run nofault in process with the wlbench client, for
// profiles of the compositor under the compare workloads:
//
//	go test -run='^$' -bench=Nofault -benchtime=1x -cpuprofile=/tmp/cpu.out ./bench/
//	go tool pprof -top -focus='nofault/(server|shell|shm|render|protocol|compositor)' bench.test /tmp/cpu.out
//
// The profile holds the client too (bench/wlclient); focus on the
// compositor's packages. Each iteration is one 3 s window.

func startInProcess(b *testing.B, w, h int) string {
	b.Helper()
	rd := b.TempDir()
	os.Chmod(rd, 0o700)
	b.Setenv("XDG_RUNTIME_DIR", rd)
	cfg := config.Default()
	cfg.Backend = "headless"
	cfg.Socket = "bench-profile"
	cfg.Size = config.Size{W: w, H: h}
	cfg.LogLevel = 8 // errors only
	c, err := compositor.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	b.Cleanup(func() { cancel(); <-done })
	return c.Socket.Path
}

func benchWorkload(b *testing.B, name string) {
	var w Workload
	for _, x := range Workloads() {
		if x.Name == name {
			w = x
		}
	}
	sock := startInProcess(b, w.OutW, w.OutH)
	o := w.Opts
	o.Socket = sock
	o.Warmup = 500 * time.Millisecond
	o.Duration = 3 * time.Second
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := wlclient.Run(o)
		if err != nil {
			b.Fatal(err)
		}
		switch o.Mode {
		case wlclient.ModeFrames:
			b.ReportMetric(r.FPS, "fps/surface")
		case wlclient.ModeSync:
			b.ReportMetric(r.RTTp50, "p50-µs")
			b.ReportMetric(r.RTTp99, "p99-µs")
		case wlclient.ModeFlood:
			b.ReportMetric(r.RequestsPerS, "requests/s")
		}
	}
}

func BenchmarkNofault1080pFull(b *testing.B)     { benchWorkload(b, "1080p-full") }
func BenchmarkNofault1080pDamage10(b *testing.B) { benchWorkload(b, "1080p-damage10") }
func BenchmarkNofault16x256(b *testing.B)        { benchWorkload(b, "16x256") }
func BenchmarkNofault256Full(b *testing.B)       { benchWorkload(b, "256-full") }
func BenchmarkNofaultSync(b *testing.B)          { benchWorkload(b, "sync") }
func BenchmarkNofaultFlood(b *testing.B)         { benchWorkload(b, "flood") }

// BenchmarkNofaultIdle measures the compositor with a connected client
// that does nothing: the cost of the frame clock alone.
func BenchmarkNofaultIdle(b *testing.B) {
	sock := startInProcess(b, 1920, 1080)
	c, err := wlclient.Dial(sock)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		time.Sleep(3 * time.Second)
	}
}
