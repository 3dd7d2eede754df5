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
	// Screenshot is where to write a PNG of the output at exit and on
	// SIGUSR1; empty for none.
	Screenshot string `toml:"screenshot"`
	// Stats is where to write JSON statistics at exit; empty for none.
	Stats string `toml:"stats"`
	// Trace logs every protocol message on stderr, as WAYLAND_DEBUG does.
	Trace bool `toml:"trace"`
	// ShmRead is how client shared memory is read: "auto" (nosigbus when
	// the kernel honours MAP_NOSIGBUS, else sealed for pools whose file the
	// client sealed, else guarded), "nosigbus" (required; startup fails
	// without it) or "guarded" (every pool, even sealed ones).
	ShmRead string `toml:"shm_read"`
	// ShmShrink is what happens to a client that shrinks a pool under a
	// buffer in use: "kill" (wl_shm.error invalid_fd, as libwayland does)
	// or "zeros" (the lost pages read as zeros and the client keeps
	// running, as with wlroots).
	ShmShrink string `toml:"shm_shrink"`
	// Renderer is "auto" (gl for the nested backend, soft otherwise),
	// "soft" (pure Go) or "gl".
	Renderer string `toml:"renderer"`
	// Refresh is the output refresh rate in Hz: the headless frame clock
	// and the advertised wl_output mode.
	Refresh int `toml:"refresh"`
	// LogLevel is the minimum level logged: debug, info, warn or error.
	LogLevel slog.Level `toml:"log_level"`
	// Limits bound what clients can make the compositor hold.
	Limits Limits `toml:"limits"`
}

// Limits bound the resources one client, and all clients together, can
// make the compositor hold. A client that exceeds a per-client limit is
// disconnected with the error docs/limits.md gives (wl_display.error
// no_memory unless the interface has its own), except MaxDamageRects, past
// which damage is merged into its bounding box. When a request would exceed
// a Total limit, the client holding the most of that resource is
// disconnected the same way.
type Limits struct {
	// MaxObjects is the number of live protocol objects per client.
	MaxObjects int `toml:"max_objects"`
	// MaxPools is the number of wl_shm_pools (each one mapping) per client.
	MaxPools int `toml:"max_pools"`
	// MaxMappedBytes is the total size of a client's pools.
	MaxMappedBytes ByteSize `toml:"max_mapped_bytes"`
	// MaxBuffersPerPool is the number of live wl_buffers made from one pool.
	MaxBuffersPerPool int `toml:"max_buffers_per_pool"`
	// MaxRegionRects is the number of rectangles held by all of a client's
	// regions together: wl_region objects and the input and opaque regions
	// of its surfaces.
	MaxRegionRects int `toml:"max_region_rects"`
	// MaxDamageRects is the number of damage rectangles kept per surface
	// and commit; past it the damage becomes its bounding box.
	MaxDamageRects int `toml:"max_damage_rects"`
	// MaxFDs is the number of file descriptors a client has sent that the
	// compositor holds: queued, not yet consumed by a request, or kept open
	// on the client's behalf.
	MaxFDs int `toml:"max_fds"`
	// MaxQueuedBytes is the size of the events queued for a client that
	// has not read them yet.
	MaxQueuedBytes ByteSize `toml:"max_queued_bytes"`
	// MaxFrameCallbacks is the number of pending wl_surface.frame
	// callbacks per client.
	MaxFrameCallbacks int `toml:"max_frame_callbacks"`

	// MaxClients is the number of clients connected at once.
	MaxClients int `toml:"max_clients"`
	// TotalObjects is the number of live protocol objects of all clients.
	TotalObjects int `toml:"total_objects"`
	// TotalPools is the number of wl_shm_pools across all clients, which
	// keeps the compositor's mappings under the kernel's vm.max_map_count.
	TotalPools int `toml:"total_pools"`
	// TotalMappedBytes is the total size of all clients' pools.
	TotalMappedBytes ByteSize `toml:"total_mapped_bytes"`
	// TotalRegionRects is the number of region rectangles of all clients.
	TotalRegionRects int `toml:"total_region_rects"`
	// TotalFDs is the number of client file descriptors the compositor
	// holds across all clients, connections included.
	TotalFDs int `toml:"total_fds"`
	// TotalQueuedBytes is the size of the unread events of all clients.
	TotalQueuedBytes ByteSize `toml:"total_queued_bytes"`
}

// Default returns the built-in configuration.
func Default() Config {
	return Config{
		Backend:   "auto",
		Size:      Size{1280, 720},
		ShmRead:   "auto",
		ShmShrink: "kill",
		Renderer:  "auto",
		Refresh:   60,
		LogLevel:  slog.LevelInfo,
		Limits:    DefaultLimits(),
	}
}

// DefaultLimits returns the built-in limits; docs/limits.md explains each.
func DefaultLimits() Limits {
	return Limits{
		MaxObjects:        65536,
		MaxPools:          1024,
		MaxMappedBytes:    1 * GiB,
		MaxBuffersPerPool: 4096,
		MaxRegionRects:    65536,
		MaxDamageRects:    32,
		MaxFDs:            1024,
		MaxQueuedBytes:    256 * KiB,
		MaxFrameCallbacks: 1024,
		MaxClients:        1024,
		TotalObjects:      262144,
		TotalPools:        16384,
		TotalMappedBytes:  8 * GiB,
		TotalRegionRects:  1 << 20,
		TotalFDs:          16384,
		TotalQueuedBytes:  256 * MiB,
	}
}

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
