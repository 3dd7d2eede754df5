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
// is never flooded with frames). When frame reports that the compositor is
// idle (nothing to draw, no frame callback or capture waiting), the clock
// stops until Wake: an idle compositor costs no CPU.
type Backend struct {
	loop     Loop
	interval time.Duration
	frame    func(now time.Time) (idle bool)
	pending  atomic.Bool
	sleep    atomic.Bool
	wake     chan struct{}
	// now is the tick runFrame runs for: written by Run only while no
	// frame is pending, read by runFrame before it clears pending.
	now      time.Time
	runFrame func()
	// Frames counts frames run.
	Frames atomic.Uint64
}

// New returns a backend that calls frame refreshHz times a second while
// frame keeps returning false (not idle).
func New(loop Loop, refreshHz int, frame func(now time.Time) (idle bool)) *Backend {
	if refreshHz <= 0 {
		refreshHz = 60
	}
	b := &Backend{loop: loop, interval: time.Second / time.Duration(refreshHz), frame: frame, wake: make(chan struct{}, 1)}
	b.runFrame = b.runOnLoop
	return b
}

// Wake restarts a sleeping clock; the next frame comes within one refresh
// interval. It never blocks and may be called from any goroutine.
func (b *Backend) Wake() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// Interval is the time between frames.
func (b *Backend) Interval() time.Duration { return b.interval }

// runOnLoop is what the loop runs for a tick, through runFrame (a method
// value made once in New, so that a frame allocates no closure).
func (b *Backend) runOnLoop() {
	now := b.now // before pending is cleared: Run may then write the next
	b.pending.Store(false)
	b.Frames.Add(1)
	if b.frame(now) {
		b.sleep.Store(true)
	}
}

// Run ticks until ctx is done.
//
// The ticks come from a timerfd the goroutine waits on in the runtime's
// network poller: the thread that wakes from epoll runs the frame itself.
// A Go timer (time.Ticker) instead readies the goroutine from the timer
// code, and the runtime then wakes a second thread to spin for work on
// every tick (docs/benchmarks.md, "Wake-ups per frame"). Without a usable
// timerfd Run falls back to a time.Ticker.
func (b *Backend) Run(ctx context.Context) {
	if tf, err := newTimerFD(); err == nil {
		b.runTimerFD(ctx, tf)
		return
	}
	b.runTicker(ctx)
}

// runTimerFD is Run on a timerfd.
func (b *Backend) runTimerFD(ctx context.Context, tf *timerFD) {
	stop := context.AfterFunc(ctx, func() { tf.close() })
	defer stop()
	defer tf.close()
	if tf.arm(b.interval) != nil {
		return
	}
	for {
		if !tf.wait() {
			return // closed: ctx is done
		}
		if ctx.Err() != nil {
			return
		}
		if b.pending.CompareAndSwap(false, true) {
			b.now = time.Now()
			b.loop.Do(b.runFrame)
		}
		if b.sleep.Swap(false) {
			// As in runTicker: wake tokens are only taken here.
			if tf.arm(0) != nil {
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-b.wake:
			}
			if tf.arm(b.interval) != nil {
				return
			}
		}
	}
}

// runTicker is Run on a time.Ticker.
func (b *Backend) runTicker(ctx context.Context) {
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
			b.now = now
			b.loop.Do(b.runFrame)
		}
		if b.sleep.Swap(false) {
			// Wake tokens are only taken here: a Wake that came at any
			// time after the idle frame left one in b.wake, so this
			// returns at once and no wake-up is lost. (A stale token only
			// costs one extra frame.)
			t.Stop()
			select {
			case <-ctx.Done():
				return
			case <-b.wake:
			}
			t.Reset(b.interval)
		}
	}
}
