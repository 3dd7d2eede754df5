// Command compositor runs nofault, a Wayland compositor that no wl_shm client
// can crash. Run it with --help for the flags.
//
// With "-- COMMAND ARGS..." it starts the client with WAYLAND_DISPLAY set,
// and exits with the client's status when it ends (as cage does).
//
// Backends: --backend=nested shows the output in a window of the desktop
// it runs in (a GLFW window drawn with OpenGL; in binaries built with cgo,
// see nested.go), --backend=headless keeps it in memory, and auto (the
// default) picks nested when DISPLAY or WAYLAND_DISPLAY is set and the
// binary has it, headless otherwise.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
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
	"github.com/nofault/nofault/render"
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
	// Signals are caught from now on: the socket appears before the
	// session starts serving them, and a SIGUSR1 (or SIGTERM) sent as soon
	// as it exists must wait in the channel rather than be dropped (or
	// kill the process without cleanup).
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGUSR1)
	defer signal.Stop(sigs)
	switch cfg.Backend {
	case "nested":
		if !nestedBuilt {
			fmt.Fprintf(os.Stderr, "compositor: --backend=nested: %s; use --backend=headless\n", nestedMissing)
			return 2
		}
		return runNested(cfg, cmdArgs, sigs, false)
	case "auto":
		if os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != "" {
			if nestedBuilt {
				return runNested(cfg, cmdArgs, sigs, true)
			}
			slog.Info("a display exists but " + nestedMissing + "; running headless")
		}
	}
	return runHeadless(cfg, cmdArgs, sigs)
}

// runHeadless serves clients with no window: the headless frame clock and
// the soft renderer, or GL through EGL surfaceless with --renderer=gl.
func runHeadless(cfg config.Config, cmdArgs []string, sigs chan os.Signal) int {
	var r render.Renderer
	if cfg.Renderer == "gl" {
		var closeGL func()
		r, closeGL = headlessGL()
		if r == nil {
			slog.Warn("--renderer=gl: no GL renderer; falling back to soft")
		} else {
			defer closeGL()
		}
	}
	c, err := compositor.NewWithOptions(cfg, compositor.Options{Renderer: r})
	if err != nil {
		fmt.Fprintf(os.Stderr, "compositor: %v\n", err)
		return 1
	}
	announce(c, cfg, "headless")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := newSession(c, cfg, sigs)
	loop := startLoop(func() error { return c.Run(ctx) })
	if code, ok := s.startChild(cmdArgs); !ok {
		cancel()
		<-loop.done
		return code
	}
	status, _ := s.wait(loop, nil)
	screenshot(c, cfg.Screenshot)
	writeStats(c, cfg.Stats)
	cancel()
	<-loop.done
	s.reapChild()
	return status
}

func announce(c *compositor.Compositor, cfg config.Config, backend string) {
	slog.Info("listening", "socket", c.Socket.Path, "size", cfg.Size, "backend", backend, "renderer", c.Renderer.Name())
	fmt.Fprintf(os.Stderr, "WAYLAND_DISPLAY=%s\n", c.Socket.Name)
}

// loopRun is the display loop running on its goroutine.
type loopRun struct {
	done chan struct{}
	err  error // valid after done is closed
}

func startLoop(fn func() error) *loopRun {
	l := &loopRun{done: make(chan struct{})}
	go func() { l.err = fn(); close(l.done) }()
	return l
}

// session is what runs next to the display loop: signals (SIGUSR1 takes a
// screenshot, SIGINT and SIGTERM stop) and the `-- CMD` child.
type session struct {
	c         *compositor.Compositor
	cfg       config.Config
	sigs      chan os.Signal
	child     *exec.Cmd
	childDone chan error
}

func newSession(c *compositor.Compositor, cfg config.Config, sigs chan os.Signal) *session {
	return &session{c: c, cfg: cfg, sigs: sigs, childDone: make(chan error, 1)}
}

// startChild starts the client command, if any. ok is false (with the exit
// code to use) when it could not be started.
func (s *session) startChild(cmdArgs []string) (code int, ok bool) {
	if len(cmdArgs) == 0 {
		return 0, true
	}
	child := exec.Command(cmdArgs[0], cmdArgs[1:]...)
	child.Stdin, child.Stdout, child.Stderr = os.Stdin, os.Stdout, os.Stderr
	child.Env = append(os.Environ(), "WAYLAND_DISPLAY="+s.c.Socket.Name)
	if err := child.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "compositor: start %s: %v\n", cmdArgs[0], err)
		return 127, false
	}
	s.child = child
	go func() { s.childDone <- child.Wait() }()
	return 0, true
}

// Why wait returned.
type stopReason int

const (
	stopSignal stopReason = iota
	stopChild
	stopLoop
	stopWindow
)

// wait serves signals until a reason to stop: SIGINT/SIGTERM (the child
// gets SIGTERM), the child's exit (its status is returned), the display
// loop's end, or windowClosed.
func (s *session) wait(loop *loopRun, windowClosed <-chan struct{}) (int, stopReason) {
	for {
		select {
		case sig := <-s.sigs:
			if sig == syscall.SIGUSR1 {
				screenshot(s.c, s.cfg.Screenshot)
				continue
			}
			slog.Info("signal; shutting down", "signal", sig)
			s.termChild()
			return 0, stopSignal
		case err := <-s.childDone:
			status := exitStatus(err)
			slog.Info("client exited", "status", status)
			s.child = nil
			return status, stopChild
		case <-loop.done:
			if loop.err != nil {
				fmt.Fprintf(os.Stderr, "compositor: %v\n", loop.err)
				return 1, stopLoop
			}
			return 0, stopLoop
		case <-windowClosed:
			s.termChild()
			return 0, stopWindow
		}
	}
}

func (s *session) termChild() {
	if s.child != nil && s.child.Process != nil {
		s.child.Process.Signal(syscall.SIGTERM)
	}
}

// reapChild waits for a child still running (killing it after 2 s).
func (s *session) reapChild() {
	if s.child == nil {
		return
	}
	select {
	case <-s.childDone:
	case <-time.After(2 * time.Second):
		s.child.Process.Kill()
		<-s.childDone
	}
	s.child = nil
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

// screenshot renders the scene on the display loop and writes a PNG of the
// output to path.
func screenshot(c *compositor.Compositor, path string) {
	if path == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var img *image.RGBA
	var err error
	if serr := c.Sync(ctx, func() { img, err = c.Screenshot() }); serr != nil {
		err = serr
	}
	if err == nil {
		err = writePNG(path, img)
	}
	if err != nil {
		slog.Error("screenshot failed", "path", path, "err", err)
		return
	}
	slog.Info("screenshot written", "path", path)
}

// writePNG writes img to path via a temp file and rename, so readers never
// see half a file.
func writePNG(path string, img image.Image) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".screenshot-*.png")
	if err != nil {
		return err
	}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(tmp, img); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
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
