//go:build cgo

// Command glprof is the running compositor with a CPU profile: the
// headless path of cmd/compositor (config.Load of the same flags,
// compositor.NewWithOptions, the headless frame clock, and with
// --renderer=gl the EGL surfaceless renderer, gl.NewHeadless, behind its
// Proxy), which writes a pprof CPU profile of a window of its run.
// bench/gpu/run.sh uses it to profile the compositor under cmd/wlbench on
// a GPU machine, where no Go toolchain or perf exists.
//
//	glprof --cpuprofile=FILE [--profile-delay=2s] [--profile-seconds=4s] -- COMPOSITOR FLAGS
//
// Profiling starts --profile-delay after the socket is listening and runs
// for --profile-seconds; glprof then keeps serving until SIGINT or
// SIGTERM. Read the profile with `go tool pprof -top FILE` (the function
// names are in the file).
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/nofault/nofault/compositor"
	"github.com/nofault/nofault/config"
	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/render/gl"
)

func main() {
	fs := flag.NewFlagSet("glprof", flag.ContinueOnError)
	out := fs.String("cpuprofile", "", "write the CPU profile here (required)")
	delay := fs.Duration("profile-delay", 2*time.Second, "start profiling this long after listening")
	secs := fs.Duration("profile-seconds", 4*time.Second, "profile this long")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if *out == "" {
		fmt.Fprintln(os.Stderr, "glprof: --cpuprofile is required")
		os.Exit(2)
	}
	if err := run(*out, *delay, *secs, fs.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "glprof:", err)
		os.Exit(1)
	}
}

func run(out string, delay, secs time.Duration, args []string) error {
	cfg, _, err := config.Load(args, os.Getenv)
	if err != nil {
		return err
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel})))
	var r render.Renderer
	if cfg.Renderer == "gl" {
		h, err := gl.NewHeadless()
		if err != nil {
			return fmt.Errorf("--renderer=gl: %w", err)
		}
		defer h.Close()
		r = h
	}
	c, err := compositor.NewWithOptions(cfg, compositor.Options{Renderer: r})
	if err != nil {
		return err
	}
	slog.Info("listening", "socket", c.Socket.Path, "size", cfg.Size, "backend", "headless", "renderer", c.Renderer.Name())
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()

	f, err := os.Create(out)
	if err != nil {
		return err
	}
	profErr := make(chan error, 1)
	go func() {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			profErr <- fmt.Errorf("stopped before profiling began")
			return
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			profErr <- err
			return
		}
		select {
		case <-time.After(secs):
		case <-ctx.Done():
		}
		pprof.StopCPUProfile()
		profErr <- f.Close()
		slog.Info("cpu profile written", "path", out, "seconds", secs.Seconds())
	}()
	err = <-done
	stop()
	if perr := <-profErr; perr != nil && err == nil {
		err = fmt.Errorf("cpu profile: %w", perr)
	}
	return err
}
