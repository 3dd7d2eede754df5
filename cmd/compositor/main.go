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
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/nofault/nofault/backend"
	"github.com/nofault/nofault/backend/headless"
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
	b, closeBackend, code := pickBackend(cfg, explicit)
	if b == nil {
		return code
	}
	defer closeBackend()
	status, err := compositor.Run(context.Background(), cfg, b, compositor.RunOptions{Command: cmdArgs, Signals: sigs})
	if err != nil {
		fmt.Fprintf(os.Stderr, "compositor: %v\n", err)
	}
	return status
}

// pickBackend opens the backend --backend asks for: nested needs a
// binary built with cgo and a window on the host display; auto takes
// nested when DISPLAY or WAYLAND_DISPLAY is set and the window opens,
// headless otherwise. On failure b is nil and code the exit status, the
// error already written. closeFn frees the backend after compositor.Run.
func pickBackend(cfg config.Config, keymapChosen bool) (b backend.Backend, closeFn func(), code int) {
	switch cfg.Backend {
	case "nested":
		if !nestedBuilt {
			fmt.Fprintf(os.Stderr, "compositor: --backend=nested: %s; use --backend=headless\n", nestedMissing)
			return nil, nil, 2
		}
		b, closeFn, err := openNested(cfg, keymapChosen)
		if err != nil {
			fmt.Fprintf(os.Stderr, "compositor: %v\n", err)
			return nil, nil, 1
		}
		return b, closeFn, 0
	case "auto":
		if os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != "" {
			if !nestedBuilt {
				slog.Info("a display exists but " + nestedMissing + "; running headless")
				break
			}
			b, closeFn, err := openNested(cfg, keymapChosen)
			if err == nil {
				return b, closeFn, 0
			}
			slog.Warn("no nested window; running headless", "err", err)
		}
	}
	// Headless: the soft renderer, or GL through EGL surfaceless with
	// --renderer=gl.
	var r render.Renderer
	closeFn = func() {}
	if cfg.Renderer == "gl" {
		var closeGL func()
		r, closeGL = headlessGL()
		if r == nil {
			slog.Warn("--renderer=gl: no GL renderer; falling back to soft")
		} else {
			closeFn = closeGL
		}
	}
	// Only the nested window needs the main thread (nested.go locks it in
	// init). Left locked, every frame the headless clock's timerfd readies
	// on the poller's thread is handed to the main thread: two more
	// wake-ups and context switches per frame.
	runtime.UnlockOSThread()
	return headless.New(cfg.Refresh, r), closeFn, 0
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
