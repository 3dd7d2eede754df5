// Command compositor runs nofault, a Wayland compositor that no wl_shm client
// can crash. Run it with --help for the flags.
//
// With "-- COMMAND ARGS..." it starts the client with WAYLAND_DISPLAY set,
// and exits with the client's status when it ends (as cage does).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image/png"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/nofault/nofault/compositor"
	"github.com/nofault/nofault/config"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	cfg, cmdArgs, err := config.Load(args, os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		config.Usage(os.Stdout, "compositor")
		return 0
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "compositor: %v\n", err)
		return 2
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel})))
	if cfg.Backend == "nested" {
		fmt.Fprintln(os.Stderr, "compositor: --backend=nested: not built yet (the nested GL backend is in progress); use --backend=headless")
		return 2
	}
	if cfg.Backend == "auto" && (os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != "") {
		slog.Info("a display exists but the nested backend is not built yet; running headless")
	}
	c, err := compositor.New(cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "compositor: %v\n", err)
		return 1
	}
	slog.Info("listening", "socket", c.Socket.Path, "size", cfg.Size, "renderer", c.Renderer.Name())
	fmt.Fprintf(os.Stderr, "WAYLAND_DISPLAY=%s\n", c.Socket.Name)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGUSR1)
	defer signal.Stop(sigs)

	runDone := make(chan error, 1)
	go func() { runDone <- c.Run(ctx) }()

	var child *exec.Cmd
	childDone := make(chan error, 1)
	if len(cmdArgs) > 0 {
		child = exec.Command(cmdArgs[0], cmdArgs[1:]...)
		child.Stdin, child.Stdout, child.Stderr = os.Stdin, os.Stdout, os.Stderr
		child.Env = append(os.Environ(), "WAYLAND_DISPLAY="+c.Socket.Name)
		if err := child.Start(); err != nil {
			fmt.Fprintf(os.Stderr, "compositor: start %s: %v\n", cmdArgs[0], err)
			cancel()
			<-runDone
			return 127
		}
		go func() { childDone <- child.Wait() }()
	}

	status := 0
loop:
	for {
		select {
		case s := <-sigs:
			if s == syscall.SIGUSR1 {
				screenshot(c, cfg.Screenshot)
				continue
			}
			slog.Info("signal; shutting down", "signal", s)
			if child != nil && child.Process != nil {
				child.Process.Signal(syscall.SIGTERM)
			}
			break loop
		case err := <-childDone:
			status = exitStatus(err)
			slog.Info("client exited", "status", status)
			child = nil
			break loop
		case err := <-runDone:
			if err != nil {
				fmt.Fprintf(os.Stderr, "compositor: %v\n", err)
				status = 1
			}
			runDone <- err
			break loop
		}
	}
	screenshot(c, cfg.Screenshot)
	writeStats(c, cfg.Stats)
	cancel()
	<-runDone
	if child != nil {
		select {
		case <-childDone:
		case <-time.After(2 * time.Second):
			child.Process.Kill()
			<-childDone
		}
	}
	return status
}

func exitStatus(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	}
	return 1
}

// screenshot writes a PNG of the output to path (via a temp file and
// rename, so readers never see half a file).
func screenshot(c *compositor.Compositor, path string) {
	if path == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var err error
	var write func() error
	if serr := c.Sync(ctx, func() {
		img, e := c.Screenshot()
		if e != nil {
			err = e
			return
		}
		write = func() error {
			tmp, e := os.CreateTemp(filepath.Dir(path), ".screenshot-*.png")
			if e != nil {
				return e
			}
			enc := png.Encoder{CompressionLevel: png.BestSpeed}
			if e := enc.Encode(tmp, img); e != nil {
				tmp.Close()
				os.Remove(tmp.Name())
				return e
			}
			if e := tmp.Close(); e != nil {
				return e
			}
			return os.Rename(tmp.Name(), path)
		}
	}); serr != nil {
		err = serr
	}
	if err == nil && write != nil {
		err = write()
	}
	if err != nil {
		slog.Error("screenshot failed", "path", path, "err", err)
		return
	}
	slog.Info("screenshot written", "path", path)
}

func writeStats(c *compositor.Compositor, path string) {
	if path == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var st compositor.Stats
	if err := c.Sync(ctx, func() { st = c.Stats() }); err != nil {
		slog.Error("stats failed", "err", err)
		return
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err == nil {
		err = os.WriteFile(path, append(b, '\n'), 0o644)
	}
	if err != nil {
		slog.Error("stats failed", "path", path, "err", err)
	}
}
