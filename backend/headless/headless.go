// Package headless is the backend with no window: a frame clock (Clock)
// drives the compositor's frames at the refresh rate while there is work
// and sleeps while the compositor is idle, until client activity wakes
// it. Tests, CI, benchmarks and the kernel demo use it; it needs no cgo.
package headless

import (
	"context"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/nofault/nofault/backend"
	"github.com/nofault/nofault/render"
)

// Backend is the headless backend (backend.Backend): its Clock runs the
// compositor's frames on the clock's own goroutine under the display lock
// (backend.Compositor.RunLocked: a frame wakes one goroutine, not the
// clock's and then the display loop's) and sleeps while the compositor is
// idle.
type Backend struct {
	r     render.Renderer
	clock *Clock
}

var (
	_ backend.Backend = (*Backend)(nil)
	_ backend.Waker   = (*Backend)(nil)
)

// ClockEnv names the environment variable that picks where New's clock
// takes its ticks from, for measuring: "timerfd" (the default: see
// Clock.Run) or "timer", a Go timer (time.Ticker).
//
// The timer costs a frame a wake-up of a second thread, which render/soft's
// short frames pay for nothing. With render/gl it keeps the runtime's
// sysmon thread from polling every 20 µs through a long frame: sysmon,
// asleep while every P is idle, then wakes at the tick by its own timeout,
// and is not reset to its shortest interval by the frame's first cgo call
// (docs/benchmarks.md, "The frame clock and sysmon").
const ClockEnv = "NOFAULT_HEADLESS_CLOCK"

// New returns the headless backend with a clock of refreshHz (60 when 0)
// and renderer r (nil: render/soft).
func New(refreshHz int, r render.Renderer) *Backend {
	k := NewClock(nil, refreshHz, nil)
	switch v := os.Getenv(ClockEnv); v {
	case "timer":
		k.ticker = true
	case "", "timerfd":
	default:
		slog.Warn(ClockEnv+" ignored: want timerfd or timer", "value", v)
	}
	// The timerfd is made now, before compositor.Run announces the socket,
	// so that the fds a client sees the compositor hold once it listens
	// are all it holds while idle (tests count them).
	if !k.ticker {
		k.tf, _ = newTimerFD()
	}
	return &Backend{r: r, clock: k}
}

// Name returns "headless".
func (b *Backend) Name() string { return "headless" }

// Renderer is the renderer New was given.
func (b *Backend) Renderer() render.Renderer { return b.r }

// OutputName is empty: the compositor names its outputs (HEADLESS-1, ...).
func (b *Backend) OutputName() string { return "" }

// PresentAfterSwap is false: a rendered frame counts as shown.
func (b *Backend) PresentAfterSwap() bool { return false }

// Wake restarts the sleeping clock (backend.Waker).
func (b *Backend) Wake() { b.clock.Wake() }

// Clock is the backend's frame clock.
func (b *Backend) Clock() *Clock { return b.clock }

// Run ticks c's frames until ctx is done; after a frame that rendered
// nothing, while no client wants frames, the clock sleeps until Wake. Call
// it once.
func (b *Backend) Run(ctx context.Context, c backend.Compositor) error {
	b.clock.loop = LockedLoop{c}
	b.clock.frame = func(now time.Time) bool { return !c.Frame(now) && !c.FramesWanted() }
	b.clock.Run(ctx)
	return nil
}

// LockedLoop is a Loop that runs the clock's frames at once on the
// clock's goroutine as the display loop (backend.Compositor.RunLocked),
// without a hand-off to the loop's goroutine.
type LockedLoop struct {
	L interface{ RunLocked(fn func()) bool }
}

// Do runs fn with RunLocked (not at all once the display shuts down).
func (l LockedLoop) Do(fn func()) { l.L.RunLocked(fn) }

// Loop is where frames run: the display loop's Do.
type Loop interface {
	Do(fn func())
}

// Clock ticks at a fixed refresh rate and runs frame on the display loop,
// skipping ticks while the previous frame has not run yet (so a busy loop
// is never flooded with frames). When frame reports that the compositor is
// idle (nothing to draw, no frame callback or capture waiting), the clock
// stops until Wake: an idle compositor costs no CPU.
type Clock struct {
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
	tf       *timerFD // made ahead of Run by New, or nil
	ticker   bool     // Run ticks from a time.Ticker (ClockEnv=timer)
	// Frames counts frames run.
	Frames atomic.Uint64
}

// NewClock returns a clock that calls frame refreshHz times a second
// while frame keeps returning false (not idle).
func NewClock(loop Loop, refreshHz int, frame func(now time.Time) (idle bool)) *Clock {
	if refreshHz <= 0 {
		refreshHz = 60
	}
	k := &Clock{loop: loop, interval: time.Second / time.Duration(refreshHz), frame: frame, wake: make(chan struct{}, 1)}
	k.runFrame = k.runOnLoop
	return k
}

// Wake restarts a sleeping clock; the next frame comes within one refresh
// interval. It never blocks and may be called from any goroutine, before
// Run too.
func (k *Clock) Wake() {
	select {
	case k.wake <- struct{}{}:
	default:
	}
}

// Interval is the time between frames.
func (k *Clock) Interval() time.Duration { return k.interval }

// runOnLoop is what the loop runs for a tick, through runFrame (a method
// value made once in NewClock, so that a frame allocates no closure).
func (k *Clock) runOnLoop() {
	now := k.now // before pending is cleared: Run may then write the next
	k.pending.Store(false)
	k.Frames.Add(1)
	if k.frame(now) {
		k.sleep.Store(true)
	}
}

// Run ticks until ctx is done.
//
// The ticks come from a timerfd the goroutine waits on in the runtime's
// network poller: the thread that wakes from epoll runs the frame itself.
// A Go timer (time.Ticker) instead readies the goroutine from the timer
// code, and the runtime then wakes a second thread to spin for work on
// every tick (docs/benchmarks.md, "Wake-ups per frame"). Without a usable
// timerfd, or when New was asked for one (ClockEnv), Run ticks from a
// time.Ticker.
func (k *Clock) Run(ctx context.Context) {
	if k.ticker {
		k.runTicker(ctx)
		return
	}
	tf := k.tf
	if tf == nil {
		tf, _ = newTimerFD()
	}
	if tf != nil {
		k.runTimerFD(ctx, tf)
		return
	}
	k.runTicker(ctx)
}

// runTimerFD is Run on a timerfd.
func (k *Clock) runTimerFD(ctx context.Context, tf *timerFD) {
	stop := context.AfterFunc(ctx, func() { tf.close() })
	defer stop()
	defer tf.close()
	if tf.arm(k.interval) != nil {
		return
	}
	for {
		if !tf.wait() {
			return // closed: ctx is done
		}
		if ctx.Err() != nil {
			return
		}
		if k.pending.CompareAndSwap(false, true) {
			k.now = time.Now()
			k.loop.Do(k.runFrame)
		}
		if k.sleep.Swap(false) {
			// As in runTicker: wake tokens are only taken here.
			if tf.arm(0) != nil {
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-k.wake:
			}
			if tf.arm(k.interval) != nil {
				return
			}
		}
	}
}

// runTicker is Run on a time.Ticker.
func (k *Clock) runTicker(ctx context.Context) {
	t := time.NewTicker(k.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if !k.pending.CompareAndSwap(false, true) {
				continue
			}
			k.now = now
			k.loop.Do(k.runFrame)
		}
		if k.sleep.Swap(false) {
			// Wake tokens are only taken here: a Wake that came at any
			// time after the idle frame left one in k.wake, so this
			// returns at once and no wake-up is lost. (A stale token only
			// costs one extra frame.)
			t.Stop()
			select {
			case <-ctx.Done():
				return
			case <-k.wake:
			}
			t.Reset(k.interval)
		}
	}
}
