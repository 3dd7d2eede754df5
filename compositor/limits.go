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

// serverLimits returns the configured limits (config.Limits is
// server.Limits, one table for both) with total_fds lowered to the
// process's RLIMIT_NOFILE minus fdReserve when it is above it, with a log
// line. Every object family reads them from the display
// (server.Display.Limits).
func serverLimits(l config.Limits) server.Limits {
	l.TotalFDs = clampFDs(l.TotalFDs)
	return l
}

// clampFDs lowers total to RLIMIT_NOFILE minus fdReserve. Go raises the
// soft limit to the hard one at startup, so this is the hard limit.
func clampFDs(total int64) int64 {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil || rl.Cur == unix.RLIM_INFINITY {
		return total
	}
	room := int64(rl.Cur) - fdReserve
	if room < 64 {
		room = 64
	}
	if total > room {
		slog.Warn("total_fds lowered to fit RLIMIT_NOFILE", "configured", total, "total_fds", room,
			"rlimit_nofile", rl.Cur, "reserve", fdReserve)
		return room
	}
	return total
}

// applyLimits runs in New after every global is registered. The object
// families read their limits from the display, so there is nothing to
// hand over; it logs the effective limits once, every row of the table.
func (c *Compositor) applyLimits(config.Limits) {
	l := c.Display.Limits()
	args := make([]any, 0, 2*len(server.LimitTable))
	for _, row := range server.LimitTable {
		args = append(args, row.Key, *row.Field(&l))
	}
	slog.Debug("limits", args...)
}
