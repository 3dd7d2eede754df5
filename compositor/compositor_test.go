package compositor

import (
	"context"
	"log/slog"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/nofault/nofault/config"
	"github.com/nofault/nofault/internal/procstat"
	"github.com/nofault/nofault/internal/rawclient"
)

// start runs a compositor in this process on a fresh runtime dir.
func start(tb testing.TB) (*Compositor, string) {
	tb.Helper()
	return startConfig(tb, config.Default())
}

// startConfig is start with the settings cfg.
func startConfig(tb testing.TB, cfg config.Config) (*Compositor, string) {
	tb.Helper()
	dir, err := os.MkdirTemp("", "nofault-ct-")
	if err != nil {
		tb.Fatal(err)
	}
	os.Chmod(dir, 0o700)
	tb.Setenv("XDG_RUNTIME_DIR", dir)
	c, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	tb.Cleanup(func() {
		cancel()
		<-done
		os.RemoveAll(dir)
	})
	return c, c.Socket.Path
}

// TestConnectBindDisconnectCycles connects 1,000 clients one after another,
// each binding every global and doing a roundtrip, and checks that the
// compositor's fds and goroutines come back to their start values.
func TestConnectBindDisconnectCycles(t *testing.T) {
	_, path := start(t)
	settle := func() (int, int) {
		runtime.GC()
		return procstat.OpenFDs(), runtime.NumGoroutine()
	}
	// One warm-up cycle creates lazily made state (the keymap memfd).
	cycle := func() {
		c, err := rawclient.Dial(path)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Globals(5 * time.Second); err != nil {
			t.Fatal(err)
		}
		for _, g := range c.GlobalList() {
			if _, err := c.BindGlobal(g.Interface, g.Version); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := c.Roundtrip(5 * time.Second); err != nil {
			t.Fatalf("roundtrip after binding everything: %v", err)
		}
	}
	cycle()
	time.Sleep(100 * time.Millisecond)
	fds0, g0 := settle()
	n := 1000
	if testing.Short() {
		n = 100
	}
	for i := 0; i < n; i++ {
		cycle()
	}
	deadline := time.Now().Add(10 * time.Second)
	var fds, g int
	for {
		fds, g = settle()
		if (fds == fds0 && g == g0) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if fds != fds0 || g != g0 {
		t.Fatalf("after %d cycles: %d fds, %d goroutines; want %d, %d", n, fds, g, fds0, g0)
	}
}

// BenchmarkSyncRoundTrip measures wl_display.sync round trips over the real
// socket: client write, reader, loop, writer, client read.
func BenchmarkSyncRoundTrip(b *testing.B) {
	_, path := start(b)
	c, err := rawclient.Dial(path)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Roundtrip(5 * time.Second); err != nil {
			b.Fatal(err)
		}
	}
}

func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.DiscardHandler))
	os.Exit(m.Run())
}
