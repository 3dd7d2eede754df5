package soft

import (
	"log/slog"
	"os"
)

// StoresEnv names the environment variable that sets the kind of stores
// a render's copies and blends make into the renderer's own output, for
// measuring: "nt" (non-temporal, the default) or "plain". Output memory
// lent to the renderer always gets plain stores.
//
// Non-temporal stores write whole lines to memory without reading them
// first and leave nothing in the caches; plain ones keep the output's
// lines in the caches, where a large last-level cache may hold them until
// the next frame overwrites them. Which is cheaper depends on the host
// and on how much a render draws: where perf3 measured, non-temporal
// stores won a 1080p frame and the small ones; on a later host plain ones
// won a 4K frame by a sixth to a fifth and lost a 10 % band of 1080p by
// about as much. A renderer that measured the two as it went, per size
// class, won the 4K frame but lost about as much on others (commit
// 8c9d8d9; docs/benchmarks.md, "Plain or non-temporal stores"), so the
// default stays non-temporal and this setting is for A/B runs on other
// hosts. Those measures were made with the source prefetched by
// PREFETCHNTA; with PREFETCHT0, on that later host, non-temporal stores
// won the 4K frame too (3.5 against 5.6 ms: "Prefetch into every
// cache").
const StoresEnv = "NOFAULT_SOFT_STORES"

// plainStores reads StoresEnv: whether the renderer's own output gets
// plain stores.
func plainStores() bool {
	switch v := os.Getenv(StoresEnv); v {
	case "", "nt":
		return false
	case "plain":
		return true
	default:
		slog.Warn(StoresEnv+" ignored: want nt or plain", "value", v)
		return false
	}
}
