package compositor

import (
	"log/slog"

	"github.com/nofault/nofault/config"
	"github.com/nofault/nofault/server"
	"golang.org/x/sys/unix"
)

// fdReserve is how many fds below RLIMIT_NOFILE total_fds leaves to the
// compositor itself (listening socket, keymaps, GL driver, logs).
const fdReserve = 512

// serverLimits maps the configured limits onto the server's, which every
// object family reads (shm: pools, mappings, buffers per pool; shell:
// regions, damage, frame callbacks). total_fds is lowered to the process's
// RLIMIT_NOFILE minus fdReserve when it is above it, with a log line.
func serverLimits(l config.Limits) server.Limits {
	s := server.Limits{
		MaxObjects:        l.MaxObjects,
		MaxFDs:            l.MaxFDs,
		MaxQueuedBytes:    int(l.MaxQueuedBytes),
		MaxClients:        l.MaxClients,
		MaxPools:          l.MaxPools,
		MaxMappedBytes:    int64(l.MaxMappedBytes),
		MaxBuffersPerPool: l.MaxBuffersPerPool,
		MaxRegionRects:    l.MaxRegionRects,
		MaxDamageRects:    l.MaxDamageRects,
		MaxFrameCallbacks: l.MaxFrameCallbacks,
		TotalObjects:      l.TotalObjects,
		TotalPools:        l.TotalPools,
		TotalMappedBytes:  int64(l.TotalMappedBytes),
		TotalRegionRects:  l.TotalRegionRects,
		TotalFDs:          l.TotalFDs,
		TotalQueuedBytes:  int64(l.TotalQueuedBytes),
	}
	s.TotalFDs = clampFDs(s.TotalFDs)
	return s
}

// clampFDs lowers total to RLIMIT_NOFILE minus fdReserve. Go raises the
// soft limit to the hard one at startup, so this is the hard limit.
func clampFDs(total int) int {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil || rl.Cur == unix.RLIM_INFINITY {
		return total
	}
	room := int64(rl.Cur) - fdReserve
	if room < 64 {
		room = 64
	}
	if int64(total) > room {
		slog.Warn("total_fds lowered to fit RLIMIT_NOFILE", "configured", total, "total_fds", room,
			"rlimit_nofile", rl.Cur, "reserve", fdReserve)
		return int(room)
	}
	return total
}

// applyLimits runs in New after every global is registered. The object
// families read their limits from the display (server.Display.Limits), so
// there is nothing to hand over; it logs the effective per-client limits
// once.
func (c *Compositor) applyLimits(config.Limits) {
	l := c.Display.Limits()
	slog.Debug("limits", "max_objects", l.MaxObjects, "max_pools", l.MaxPools, "max_mapped_bytes", l.MaxMappedBytes,
		"max_buffers_per_pool", l.MaxBuffersPerPool, "max_region_rects", l.MaxRegionRects,
		"max_damage_rects", l.MaxDamageRects, "max_fds", l.MaxFDs, "max_queued_bytes", l.MaxQueuedBytes,
		"max_frame_callbacks", l.MaxFrameCallbacks, "max_clients", l.MaxClients, "total_fds", l.TotalFDs)
}
