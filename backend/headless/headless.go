// Package headless is the backend with no window: a fixed-rate frame clock
// drives the compositor's frames. Tests, CI, benchmarks and the kernel demo
// use it; it needs no cgo.
package headless

import (
	"context"
	"sync/atomic"
	"time"
)

// Loop is where frames run: the display loop's Do.
type Loop interface {
	Do(fn func())
}

// Backend ticks at a fixed refresh rate and runs frame on the display loop,
// skipping ticks while the previous frame has not run yet (so a busy loop
// is never flooded with frames).
type Backend struct {
	loop     Loop
	interval time.Duration
	frame    func(now time.Time)
	pending  atomic.Bool
	// Frames counts frames run.
	Frames atomic.Uint64
}

// New returns a backend that calls frame refreshHz times a second.
func New(loop Loop, refreshHz int, frame func(now time.Time)) *Backend {
	if refreshHz <= 0 {
		refreshHz = 60
	}
	return &Backend{loop: loop, interval: time.Second / time.Duration(refreshHz), frame: frame}
}

// Interval is the time between frames.
func (b *Backend) Interval() time.Duration { return b.interval }

// Run ticks until ctx is done.
func (b *Backend) Run(ctx context.Context) {
	t := time.NewTicker(b.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if !b.pending.CompareAndSwap(false, true) {
				continue
			}
			b.loop.Do(func() {
				b.pending.Store(false)
				b.Frames.Add(1)
				b.frame(now)
			})
		}
	}
}
