// Package config holds nofault's configuration and loads it from the
// command line, the environment and a TOML file.
//
// # Precedence
//
// Each setting comes from the first of these that sets it:
//
//  1. a command-line flag (--size=1920x1080);
//  2. an environment variable (NOFAULT_SIZE=1920x1080); an empty variable
//     counts as unset;
//  3. the TOML file named by --config or, without that flag,
//     NOFAULT_CONFIG (size = "1920x1080"); no file is read unless one is
//     named, and a named file that is missing is an error;
//  4. the default ([Default]).
//
// Every setting has all three spellings: the flag --NAME, the environment
// variable NOFAULT_NAME (upper case, "-" as "_") and the TOML key
// name_with_underscores, with the limits in a [limits] table. [Usage]
// prints them all; testdata/example.toml sets every key to its default
// with a comment each; docs/limits.md explains the limits.
//
// Unknown TOML keys are an error naming the key, so a misspelt limit is
// never silently ignored.
package config

import (
	"fmt"
	"log/slog"

	"github.com/nofault/nofault/server"
	"github.com/nofault/nofault/shm"
)

// Config is the compositor's configuration. The zero value is not valid;
// start from [Default] or [Load].
type Config struct {
	// Backend is "auto" (nested when a display exists, headless
	// otherwise), "nested" or "headless".
	Backend string `toml:"backend"`
	// Socket is the socket name in $XDG_RUNTIME_DIR, such as "wayland-1";
	// empty picks the first free wayland-N.
	Socket string `toml:"socket"`
	// Size is the output size in pixels (the nested window's initial size).
	Size Size `toml:"size"`
	// Scale is the output scale, 1 to 10 in steps of 1/120 (1.5, 2, ...):
	// clients see wl_output.scale rounded up, and the exact value through
	// fractional-scale-v1; the global space is the output size divided by
	// it.
	Scale float64 `toml:"scale"`
	// Outputs lists headless outputs, "WxH,WxH,..." laid out left to
	// right; empty means one output of Size. The nested backend ignores it.
	Outputs string `toml:"outputs"`
	// Screenshot is where to write a PNG of the output at exit and on
	// SIGUSR1; empty for none.
	Screenshot string `toml:"screenshot"`
	// Stats is where to write JSON statistics at exit; empty for none.
	Stats string `toml:"stats"`
	// HostClipboard shares the text clipboard with the host desktop, both
	// ways, in the nested backend (docs/nested.md). The headless backend
	// has no host clipboard and ignores it.
	HostClipboard bool `toml:"host_clipboard"`
	// Trace logs every protocol message on stderr, as WAYLAND_DEBUG does.
	Trace bool `toml:"trace"`
	// ShmRead is how client shared memory is read: "auto" (nosigbus when
	// the kernel honours MAP_NOSIGBUS, else sealed for pools whose file the
	// client sealed, else guarded), "nosigbus" (required; startup fails
	// without it) or "guarded" (every pool, even sealed ones).
	ShmRead shm.ReadMode `toml:"shm_read"`
	// ShmShrink is what happens to a client that shrinks a pool under a
	// buffer in use: "kill" (wl_shm.error invalid_fd, as libwayland does)
	// or "zeros" (the lost pages read as zeros and the client keeps
	// running, as with wlroots).
	ShmShrink shm.ShrinkPolicy `toml:"shm_shrink"`
	// XdgUnackedBuffer is what happens to a buffer committed to an
	// xdg_surface before the client acked a configure: "error"
	// (xdg_surface.error unconfigured_buffer, as the xdg-shell spec says
	// and wlroots, weston and mutter do) or "accept" (the surface maps, as
	// Mir does; for WLCS 1.5.0 and old clients).
	XdgUnackedBuffer string `toml:"xdg_unacked_buffer"`
	// Renderer is "auto" (soft headless; gl nested, or soft where the
	// host's GL is software or missing), "soft" (pure Go) or "gl".
	Renderer string `toml:"renderer"`
	// Refresh is the output refresh rate in Hz: the headless frame clock
	// and the advertised wl_output mode.
	Refresh int `toml:"refresh"`
	// LogLevel is the minimum level logged: debug, info, warn or error.
	LogLevel slog.Level `toml:"log_level"`
	// CycleWindowsKey raises and focuses the next window; UnminimizeKey
	// brings back minimized windows. Written as seat.ParseShortcut reads
	// them ("ctrl+super+tab"); empty disables the shortcut.
	CycleWindowsKey string `toml:"cycle_windows_key"`
	UnminimizeKey   string `toml:"unminimize_key"`
	// Limits bound what clients can make the compositor hold. The
	// [limits] table is decoded by loadFile from server.LimitTable.
	Limits Limits `toml:"-"`
}

// Limits bound the resources one client, and all clients together, can
// make the compositor hold. It is server.Limits: its fields, defaults,
// ranges, flags, variables, TOML keys and help all come from one table,
// server.LimitTable, which docs/limits.md is generated from.
type Limits = server.Limits

// Default returns the built-in configuration.
func Default() Config {
	return Config{
		CycleWindowsKey: "ctrl+super+tab",
		UnminimizeKey:   "ctrl+super+m",

		Backend:   "auto",
		Size:      Size{1280, 720},
		ShmRead:   shm.ReadAuto,
		ShmShrink: shm.ShrinkKill,
		Renderer:  "auto",

		XdgUnackedBuffer: "error",
		HostClipboard:    true,
		Refresh:          60,
		Scale:            1,
		LogLevel:         slog.LevelInfo,
		Limits:           DefaultLimits(),
	}
}

// DefaultLimits returns the built-in limits (server.LimitTable's
// defaults); docs/limits.md explains each.
func DefaultLimits() Limits { return server.DefaultLimits() }

// Validate reports the first setting that is out of range, naming it by
// its TOML key.
func (c *Config) Validate() error {
	for _, o := range options {
		if err := o.check(c); err != nil {
			return fmt.Errorf("%s: %v", o.key, err)
		}
	}
	return nil
}
