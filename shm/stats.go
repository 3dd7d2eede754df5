package shm

import "sync/atomic"

type strategyCounters struct {
	created, faults, shrinks atomic.Uint64
	live                     atomic.Int64
}

var stats struct {
	strategy     [numStrategies]strategyCounters
	downgrades   atomic.Uint64
	liveMappings atomic.Int64
	bytesMapped  atomic.Int64
}

// StrategyStats are the counters of one strategy.
type StrategyStats struct {
	Created uint64 `json:"created"` // pools created with this strategy
	Live    int64  `json:"live"`    // pools open now
	Faults  uint64 `json:"faults"`  // faults recovered in Read or Write
	Shrinks uint64 `json:"shrinks"` // shrinks seen by CheckSize
}

// Stats is a snapshot of the process-wide shm counters, for --stats.
type Stats struct {
	Guarded      StrategyStats `json:"guarded"`
	Sealed       StrategyStats `json:"sealed"`
	NoSigbus     StrategyStats `json:"nosigbus"`
	Downgrades   uint64        `json:"downgrades"`    // sealed pools resized past their file
	LiveMappings int64         `json:"live_mappings"` // read and write mappings not yet unmapped
	BytesMapped  int64         `json:"bytes_mapped"`  // their total size
}

// Faults returns the faults recovered over all strategies.
func (s Stats) Faults() uint64 { return s.Guarded.Faults + s.Sealed.Faults + s.NoSigbus.Faults }

// ReadStats returns a snapshot of the counters. Counters are read one by
// one, so a snapshot taken during activity may be slightly inconsistent.
func ReadStats() Stats {
	get := func(s Strategy) StrategyStats {
		c := &stats.strategy[s]
		return StrategyStats{Created: c.created.Load(), Live: c.live.Load(), Faults: c.faults.Load(), Shrinks: c.shrinks.Load()}
	}
	return Stats{
		Guarded:      get(Guarded),
		Sealed:       get(Sealed),
		NoSigbus:     get(NoSigbus),
		Downgrades:   stats.downgrades.Load(),
		LiveMappings: stats.liveMappings.Load(),
		BytesMapped:  stats.bytesMapped.Load(),
	}
}
