package shm

import "sync/atomic"

// Counters count what pools did, for --stats. They belong to whoever owns
// the pools: a Global (one display's wl_shm) keeps its own and passes them
// to the pools its clients create, so two displays in one process (tests,
// wlcs) never count into each other. A pool made with Options.Counters nil
// counts nothing. The zero value is ready to use; all methods are safe for
// concurrent use and, for a nil *Counters, do nothing.
type Counters struct {
	strategy     [numStrategies]strategyCounters
	downgrades   atomic.Uint64
	liveMappings atomic.Int64
	bytesMapped  atomic.Int64
}

type strategyCounters struct {
	created, faults, shrinks atomic.Uint64
	live                     atomic.Int64
}

func (c *Counters) created(s Strategy) {
	if c != nil {
		c.strategy[s].created.Add(1)
		c.strategy[s].live.Add(1)
	}
}

func (c *Counters) closed(s Strategy) {
	if c != nil {
		c.strategy[s].live.Add(-1)
	}
}

func (c *Counters) downgraded(from, to Strategy) {
	if c != nil {
		c.downgrades.Add(1)
		c.strategy[from].live.Add(-1)
		c.strategy[to].live.Add(1)
	}
}

func (c *Counters) faulted(s Strategy) {
	if c != nil {
		c.strategy[s].faults.Add(1)
	}
}

func (c *Counters) shrunk(s Strategy) {
	if c != nil {
		c.strategy[s].shrinks.Add(1)
	}
}

// mapped counts a mapping of n bytes made (n > 0) or unmapped (n < 0).
func (c *Counters) mapped(n int64) {
	if c != nil {
		if n > 0 {
			c.liveMappings.Add(1)
		} else {
			c.liveMappings.Add(-1)
		}
		c.bytesMapped.Add(n)
	}
}

// StrategyStats are the counters of one strategy.
type StrategyStats struct {
	Created uint64 `json:"created"` // pools created with this strategy
	Live    int64  `json:"live"`    // pools open now
	Faults  uint64 `json:"faults"`  // faults recovered in Read or Write
	Shrinks uint64 `json:"shrinks"` // shrinks seen by CheckSize
}

// Stats is a snapshot of a Counters, for --stats.
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

// Read returns a snapshot of the counters (zero for nil). Counters are
// read one by one, so a snapshot taken during activity may be slightly
// inconsistent.
func (c *Counters) Read() Stats {
	if c == nil {
		return Stats{}
	}
	get := func(s Strategy) StrategyStats {
		sc := &c.strategy[s]
		return StrategyStats{Created: sc.created.Load(), Live: sc.live.Load(), Faults: sc.faults.Load(), Shrinks: sc.shrinks.Load()}
	}
	return Stats{
		Guarded:      get(Guarded),
		Sealed:       get(Sealed),
		NoSigbus:     get(NoSigbus),
		Downgrades:   c.downgrades.Load(),
		LiveMappings: c.liveMappings.Load(),
		BytesMapped:  c.bytesMapped.Load(),
	}
}
