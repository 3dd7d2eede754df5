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
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nofault/nofault/compositor"
	"github.com/nofault/nofault/config"
	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/seat/keymap"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if wantsVersion(args) {
		fmt.Println(version())
		return 0
	}
	args, kmFlag, kmSet := takeKeymapFlag(args)
	cfg, cmdArgs, err := config.Load(args, os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		config.Usage(os.Stdout, "compositor")
		fmt.Fprint(os.Stdout, extraUsage)
		return 0
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "compositor: %s\n", flagMessage(err.Error()))
		return 2
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel})))
	// The keymap: --keymap, else XKB_DEFAULT_*, else (nested on X11) the
	// host's layout, else us. A name xkbcommon does not know stops here.
	names := keymap.NamesFromEnv(os.Getenv)
	explicit := names != keymap.Names{}
	if kmSet {
		names, explicit = keymapFlagNames(names, kmFlag), true
	}
	if explicit {
		if err := keymap.Use(names); err != nil {
			fmt.Fprintf(os.Stderr, "compositor: %v\n", err)
			return 2
		}
		slog.Info("keymap", "names", names.String())
	}
	// The outputs are checked now rather than at exit, when the screenshot
	// of a whole session would be lost to a typo.
	for _, o := range []struct{ flag, path string }{{"screenshot", cfg.Screenshot}, {"stats", cfg.Stats}} {
		if err := checkWritable(o.path); err != nil {
			fmt.Fprintf(os.Stderr, "compositor: --%s=%s: %v\n", o.flag, o.path, err)
			return 2
		}
	}
	// Signals are caught from now on: the socket appears before the
	// session starts serving them, and a SIGUSR1 (or SIGTERM) sent as soon
	// as it exists must wait in the channel rather than be dropped (or
	// kill the process without cleanup). SIGQUIT stops as SIGTERM does
	// (the goroutine dump Go would print instead comes with
	// --log-level=debug). SIGPIPE: a write to a stdout or stderr whose
	// reader went away fails with EPIPE instead of killing the process
	// with the socket and lock left behind; it is caught rather than
	// ignored so that the `-- CMD` child does not inherit SIG_IGN.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGQUIT, syscall.SIGUSR1)
	defer signal.Stop(sigs)
	pipes := make(chan os.Signal, 1)
	signal.Notify(pipes, syscall.SIGPIPE)
	go func() {
		for range pipes {
		}
	}()
	switch cfg.Backend {
	case "nested":
		if !nestedBuilt {
			fmt.Fprintf(os.Stderr, "compositor: --backend=nested: %s; use --backend=headless\n", nestedMissing)
			return 2
		}
		return runNested(cfg, cmdArgs, sigs, false, explicit)
	case "auto":
		if os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != "" {
			if nestedBuilt {
				return runNested(cfg, cmdArgs, sigs, true, explicit)
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
	pgid      int // the child's process group; 0 without a child
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
		code := startFailure(err)
		fmt.Fprintf(os.Stderr, "compositor: start %s: %v\n", cmdArgs[0], err)
		return code, false
	}
	s.child = child
	s.pgid = child.Process.Pid
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
			if sig == syscall.SIGQUIT && slog.Default().Enabled(context.Background(), slog.LevelDebug) {
				pprof.Lookup("goroutine").WriteTo(os.Stderr, 2)
			}
			s.termChild()
			return 0, stopSignal
		case err := <-s.childDone:
			status := exitStatus(err)
			slog.Info("client exited", "status", status)
			// What it started goes with it.
			s.signalGroup(syscall.SIGTERM)
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

// checkWritable reports why a file could not be written at path (a
// directory that is missing or not writable); nil for an empty path.
func checkWritable(path string) error {
	if path == "" {
		return nil
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("is a directory")
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".nofault-check-*")
	if err != nil {
		return fmt.Errorf("cannot write there: %w", err)
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// wantsVersion reports whether --version (or -version) comes before "--".
func wantsVersion(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "--version", "-version":
			return true
		}
	}
	return false
}

// version is the line --version prints: the module version, the VCS
// revision the binary was built from (with "+dirty" for uncommitted
// changes) and the Go toolchain.
func version() string {
	v, rev, dirty := "(devel)", "", false
	bi, ok := debug.ReadBuildInfo()
	if ok {
		if bi.Main.Version != "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	out := "nofault " + v
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if dirty {
			rev += "+dirty"
		}
		out += " " + rev
	}
	goVersion := "unknown"
	if ok {
		goVersion = bi.GoVersion
	}
	return out + " (" + goVersion + ")"
}

// flagDash finds a flag name written with one dash, as Go's flag package
// writes them in its errors.
var flagDash = regexp.MustCompile(`(^|[\s:])-([A-Za-z][\w-]*)`)

// flagMessage rewrites the flag package's errors the way the flags are
// documented: "unknown flag --foo", "invalid value ... for flag --size".
func flagMessage(msg string) string {
	if !strings.HasSuffix(msg, "(see --help)") {
		return msg
	}
	msg = strings.Replace(msg, "flag provided but not defined:", "unknown flag", 1)
	return flagDash.ReplaceAllString(msg, "$1--$2")
}

// extraUsage documents the flags cmd/compositor handles itself, after
// config's.
const extraUsage = `
  --keymap LAYOUT[:VARIANT[:OPTIONS]]
    	keyboard layout sent to clients, e.g. de, de:nodeadkeys, us::ctrl:nocaps,
    	compiled with xkbcli compile-keymap (libxkbcommon-tools); default:
    	XKB_DEFAULT_LAYOUT, _VARIANT, _OPTIONS (and _RULES, _MODEL), else the
    	host X server's layout when nested, else us
  --version
    	print the version (module, VCS revision, Go) and exit
`

// takeKeymapFlag removes --keymap=V (or --keymap V, one dash too) before
// "--" from args.
func takeKeymapFlag(args []string) (rest []string, value string, set bool) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(rest, args[i:]...), value, set
		}
		name, v, hasV := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "keymap" {
			rest = append(rest, a)
			continue
		}
		if !hasV && i+1 < len(args) {
			i++
			v = args[i]
		}
		value, set = v, true
	}
	return rest, value, set
}

// keymapFlagNames puts --keymap's LAYOUT[:VARIANT[:OPTIONS]] over names
// (the options may hold colons themselves: caps:escape).
func keymapFlagNames(names keymap.Names, v string) keymap.Names {
	f := strings.SplitN(v, ":", 3)
	names.Layout, names.Variant = f[0], ""
	if len(f) > 1 {
		names.Variant = f[1]
	}
	if len(f) > 2 {
		names.Options = f[2]
	}
	return names
}

// foregroundTerminal reports whether stdin is a terminal whose foreground
// process group is nofault's own.
func foregroundTerminal() bool {
	pgrp, err := unix.IoctlGetInt(0, unix.TIOCGPGRP)
	return err == nil && pgrp == syscall.Getpgrp()
}
