package misbehave

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// SoakOptions configures Soak.
type SoakOptions struct {
	// Socket is the compositor's socket path (as Options.Socket).
	Socket string
	// Clients is how many clients run at once (each a worker that
	// connects, runs a session, disconnects and starts over).
	Clients int
	// Duration is how long workers start new sessions.
	Duration time.Duration
	// Misbehave is the probability that a session runs a misbehaving
	// scenario instead of an honest one (default 0.2).
	Misbehave float64
	// Seed makes the choice of sessions reproducible.
	Seed uint64
	// Timeout bounds each wait for the compositor (default 10 s).
	Timeout time.Duration
}

// SoakReport is what a soak saw.
type SoakReport struct {
	Sessions   int            `json:"sessions"`
	Honest     int            `json:"honest"`
	Commits    int64          `json:"commits"`
	Misbehaved map[string]int `json:"misbehaved"` // scenario -> runs
	Outcomes   map[string]int `json:"outcomes"`   // "scenario: result" -> runs
	// HonestFailures counts honest sessions that did not end cleanly;
	// FirstFailure says why the first one failed.
	HonestFailures int             `json:"honest_failures"`
	FirstFailure   string          `json:"first_failure,omitempty"`
	Bystander      BystanderReport `json:"bystander"`
}

// soakScenarios are the misbehaving sessions a soak picks from: protocol
// errors, faults and floods that end within a second or two.
var soakScenarios = []string{
	"shrink-after-map", "resize-zero", "create-pool-zero", "fd-pipe", "no-fd",
	"buffer-negative-offset", "buffer-past-pool", "attach-destroyed-buffer",
	"destroy-pool-then-truncate", "damage-int32-max",
	"frame-callback-flood", "never-reads", "buffer-flood", "pool-flood-one-fd",
	"region-flood-many", "object-id-exhaustion", "memfd-flood",
}

// Soak runs opts.Clients workers for opts.Duration against the compositor,
// with a bystander measuring its frame callbacks, and returns what they
// saw once every worker has disconnected. Honest sessions connect, create
// a pool and a 32x32 buffer, map a toplevel and commit on every frame
// callback (the compositor's refresh, 60 Hz) for 0.2 to 2 s; misbehaving
// ones run a scenario of soakScenarios.
func Soak(opts SoakOptions) (SoakReport, error) {
	if opts.Clients <= 0 {
		opts.Clients = 200
	}
	if opts.Misbehave == 0 {
		opts.Misbehave = 0.2
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	path, err := SocketPath(opts.Socket)
	if err != nil {
		return SoakReport{}, err
	}
	by, err := StartBystander(path, opts.Timeout)
	if err != nil {
		return SoakReport{}, err
	}
	rep := SoakReport{Misbehaved: map[string]int{}, Outcomes: map[string]int{}}
	var mu sync.Mutex
	var commits atomic.Int64
	end := time.Now().Add(opts.Duration)
	var wg sync.WaitGroup
	for w := range opts.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(opts.Seed, uint64(w)))
			// Stagger the starts over the first second.
			time.Sleep(time.Duration(rng.Int64N(int64(time.Second))))
			for time.Now().Before(end) {
				if rng.Float64() < opts.Misbehave {
					name := soakScenarios[rng.IntN(len(soakScenarios))]
					s := Lookup(name)
					err := s.run(&env{socket: path, timeout: opts.Timeout})
					res := classify(err)
					mu.Lock()
					rep.Sessions++
					rep.Misbehaved[name]++
					rep.Outcomes[name+": "+res.String()]++
					mu.Unlock()
					continue
				}
				n, err := honestSession(path, opts.Timeout, time.Duration(200+rng.IntN(1800))*time.Millisecond)
				commits.Add(int64(n))
				mu.Lock()
				rep.Sessions++
				rep.Honest++
				if err != nil {
					rep.HonestFailures++
					if rep.FirstFailure == "" {
						rep.FirstFailure = err.Error()
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	rep.Commits = commits.Load()
	rep.Bystander = by.Stop()
	return rep, nil
}

// classify maps a scenario body's error to a Result, as Run does.
func classify(err error) Result {
	var pe *ProtocolError
	var se *skipError
	switch {
	case err == nil:
		return Survived
	case errors.As(err, &pe):
		return Disconnected
	case errors.Is(err, ErrDisconnected):
		return DisconnectedNoError
	case errors.As(err, &se):
		return Skipped
	}
	return Survived
}

// honestSession is a well-behaved client that commits a 32x32 buffer on
// every frame callback for d, then disconnects. It returns its commits.
func honestSession(path string, timeout, d time.Duration) (int, error) {
	c, err := connect(path, timeout)
	if err != nil {
		return 0, fmt.Errorf("connect: %w", err)
	}
	defer c.close()
	if err := c.need(true, true); err != nil {
		return 0, err
	}
	const w, stride = 32, 32 * 4
	fd, err := newMemfd(stride*w, false)
	if err != nil {
		return 0, err
	}
	pool := c.createPool(fd, stride*w)
	unix.Close(fd)
	buf := c.createBuffer(pool, 0, w, w, stride, formatXRGB8888)
	c.send(pool, opPoolDestroy)
	win, err := c.mapWindow("soak", timeout)
	if err != nil {
		return 0, fmt.Errorf("map: %w", err)
	}
	commits := 0
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		cb, err := c.present(win, buf, w, w)
		if err != nil {
			return commits, fmt.Errorf("commit: %w", err)
		}
		commits++
		err = c.waitFor(func() bool { return c.done[cb] }, timeout)
		if err != nil {
			return commits, fmt.Errorf("frame callback %d: %w", commits, err)
		}
		delete(c.done, cb)
		if serial, ok := c.configured[win.xdgSurface]; ok && serial != win.acked {
			win.acked = serial
			c.send(win.xdgSurface, opXdgSurfaceAckConfigure, serial)
		}
	}
	return commits, c.roundtrip(timeout)
}
