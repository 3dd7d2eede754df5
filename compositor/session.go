package compositor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nofault/nofault/backend"
	"github.com/nofault/nofault/config"
)

// session is what runs next to the display loop in Run: signals (SIGUSR1
// takes a screenshot, the others stop) and the `-- CMD` child.
type session struct {
	c         *Compositor
	cfg       config.Config
	sigs      <-chan os.Signal
	child     *exec.Cmd
	pgid      int // the child's process group; 0 without a child
	childDone chan error
}

func newSession(c *Compositor, cfg config.Config, sigs <-chan os.Signal) *session {
	return &session{c: c, cfg: cfg, sigs: sigs, childDone: make(chan error, 1)}
}

// startChild starts the client command, if any. On error, code is the
// exit status to use.
func (s *session) startChild(cmdArgs []string) (code int, err error) {
	if len(cmdArgs) == 0 {
		return 0, nil
	}
	child := exec.Command(cmdArgs[0], cmdArgs[1:]...)
	child.Stdin, child.Stdout, child.Stderr = os.Stdin, os.Stdout, os.Stderr
	child.Env = childEnv(os.Environ(), s.c.Socket.Name)
	// Its own process group, so that everything it starts ends with
	// nofault (termChild, reapChild). On a terminal that group becomes
	// the foreground job, as a shell does, so that the client may read
	// the terminal (and Ctrl-C reaches it; its exit then ends nofault).
	child.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if foregroundTerminal() {
		child.SysProcAttr.Foreground, child.SysProcAttr.Ctty = true, 0
	}
	if err := child.Start(); err != nil {
		return startFailure(err), fmt.Errorf("start %s: %w", cmdArgs[0], err)
	}
	s.child = child
	s.pgid = child.Process.Pid
	go func() { s.childDone <- child.Wait() }()
	return 0, nil
}

// Why wait returned.
type stopReason int

const (
	stopSignal  stopReason = iota // a stop signal, or ctx ended
	stopChild                     // the command exited
	stopLoop                      // the display loop ended
	stopBackend                   // the backend ended on its own
)

// wait serves signals until a reason to stop: a stop signal or ctx's end
// (the child gets SIGTERM), the child's exit (its status is returned),
// the display loop's end (an error when it failed), or backendGone.
func (s *session) wait(ctx context.Context, loop *loopRun, backendGone <-chan struct{}) (int, stopReason, error) {
	for {
		select {
		case sig := <-s.sigs:
			if sig == syscall.SIGUSR1 {
				s.c.writeScreenshot(s.cfg.Screenshot)
				continue
			}
			slog.Info("signal; shutting down", "signal", sig)
			if sig == syscall.SIGQUIT && slog.Default().Enabled(context.Background(), slog.LevelDebug) {
				pprof.Lookup("goroutine").WriteTo(os.Stderr, 2)
			}
			s.termChild()
			return 0, stopSignal, nil
		case <-ctx.Done():
			s.termChild()
			return 0, stopSignal, nil
		case err := <-s.childDone:
			status := exitStatus(err)
			slog.Info("client exited", "status", status)
			// What it started goes with it.
			s.signalGroup(syscall.SIGTERM)
			s.child = nil
			return status, stopChild, nil
		case <-loop.done:
			if loop.err != nil {
				return 1, stopLoop, loop.err
			}
			return 0, stopLoop, nil
		case <-backendGone:
			s.termChild()
			return 0, stopBackend, nil
		}
	}
}

// termChild sends SIGTERM to the child's process group: the child and
// whatever it started.
func (s *session) termChild() {
	if s.child != nil && s.child.Process != nil {
		s.signalGroup(syscall.SIGTERM)
	}
}

// signalGroup signals the child's process group (its pid: Setpgid). The
// group outlives the child while anything it started still runs, so its id
// cannot be reused meanwhile.
func (s *session) signalGroup(sig syscall.Signal) {
	if s.pgid > 0 {
		syscall.Kill(-s.pgid, sig)
	}
}

// reapChild waits for a child still running (killing it after 2 s), then
// kills what is left of its process group: grandchildren that ignored
// SIGTERM do not outlive nofault.
func (s *session) reapChild() {
	if s.child != nil {
		select {
		case <-s.childDone:
		case <-time.After(2 * time.Second):
			s.signalGroup(syscall.SIGKILL)
			<-s.childDone
		}
		s.child = nil
	}
	if s.pgid > 0 {
		deadline := time.Now().Add(2 * time.Second)
		for groupRunning(s.pgid) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		s.signalGroup(syscall.SIGKILL)
	}
}

// groupRunning reports whether a process of group pgid still runs. Zombies
// do not count: kill(-pgid, 0) would, until whoever adopted them (init)
// reaps them.
func groupRunning(pgid int) bool {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(string(b[i+1:]))
		if len(fields) > 2 && fields[2] == strconv.Itoa(pgid) && fields[0] != "Z" && fields[0] != "X" {
			return true
		}
	}
	return false
}

// foregroundTerminal reports whether stdin is a terminal whose foreground
// process group is nofault's own.
func foregroundTerminal() bool {
	pgrp, err := unix.IoctlGetInt(0, unix.TIOCGPGRP)
	return err == nil && pgrp == syscall.Getpgrp()
}

// childEnv is the `-- CMD` child's environment: nofault's socket as
// WAYLAND_DISPLAY, XDG_SESSION_TYPE=wayland, and none of the host's
// display: no DISPLAY (nofault runs no X server, so X11 toolkits must not
// open their windows on the host desktop; Qt, SDL, GTK and Electron then
// pick Wayland) and no WAYLAND_SOCKET (an fd meant for nofault itself).
func childEnv(environ []string, socket string) []string {
	env := make([]string, 0, len(environ)+2)
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "WAYLAND_DISPLAY", "WAYLAND_SOCKET", "DISPLAY", "XDG_SESSION_TYPE":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "WAYLAND_DISPLAY="+socket, "XDG_SESSION_TYPE=wayland")
}

// startFailure is the exit status for a child that could not be started,
// as shells and cage use: 126 when the file exists but cannot be executed,
// 127 when it was not found.
func startFailure(err error) int {
	switch {
	case errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.ENOEXEC), errors.Is(err, syscall.EISDIR):
		return 126
	}
	return 127
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

// writeScreenshot renders the scene on the display loop and writes a PNG
// of the output to path; nothing for an empty path.
func (c *Compositor) writeScreenshot(path string) {
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
	c.saveScreenshot(path, img, err)
}

// finalScreenshot writes the screenshot after b's Run returned on its
// own: from the backend's last frame when its renderer no longer serves
// the display loop (backend.LastFramer), else as writeScreenshot.
func (c *Compositor) finalScreenshot(b backend.Backend, path string) {
	lf, ok := b.(backend.LastFramer)
	if !ok {
		c.writeScreenshot(path)
		return
	}
	if path == "" {
		return
	}
	img, err := lf.LastFrame()
	if errors.Is(err, backend.ErrRendererOnLoop) {
		c.writeScreenshot(path)
		return
	}
	c.saveScreenshot(path, img, err)
}

func (c *Compositor) saveScreenshot(path string, img *image.RGBA, err error) {
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

// writeStats writes Stats as JSON to path; nothing for an empty path.
func (c *Compositor) writeStats(path string) {
	if path == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var st Stats
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
