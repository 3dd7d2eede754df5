package headless

import (
	"context"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nofault/nofault/seat"
)

type directLoop struct{}

func (directLoop) Do(fn func()) { fn() }

// stuckLoop queues tasks without running them, like a busy display loop.
type stuckLoop struct{ queued atomic.Int32 }

func (l *stuckLoop) Do(fn func()) { l.queued.Add(1) }

func TestFramesTick(t *testing.T) {
	var n atomic.Int32
	b := NewClock(directLoop{}, 200, func(time.Time) bool { n.Add(1); return false })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.Run(ctx); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for n.Load() < 5 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	if n.Load() < 5 {
		t.Fatalf("got %d frames, want at least 5", n.Load())
	}
}

func TestBusyLoopGetsOneFrameAtATime(t *testing.T) {
	l := &stuckLoop{}
	b := NewClock(l, 1000, func(time.Time) bool { return false })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	b.Run(ctx)
	if q := l.queued.Load(); q != 1 {
		t.Fatalf("queued %d frames on a loop that never ran one, want 1", q)
	}
}

// TestIdleSleepsUntilWake: an idle frame stops the clock; Wake restarts it.
func TestIdleSleepsUntilWake(t *testing.T) {
	var n atomic.Int32
	var idle atomic.Bool
	idle.Store(true)
	b := NewClock(directLoop{}, 1000, func(time.Time) bool { n.Add(1); return idle.Load() })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s (frames %d)", what, n.Load())
			}
		}
	}
	waitFor("the first frame", func() bool { return n.Load() >= 1 })
	time.Sleep(50 * time.Millisecond) // 50 ticks' worth
	if got := n.Load(); got > 2 {
		t.Fatalf("an idle clock ran %d frames", got)
	}
	idle.Store(false)
	b.Wake()
	waitFor("frames after Wake", func() bool { return n.Load() >= 10 })
	idle.Store(true)
	time.Sleep(20 * time.Millisecond)
	before := n.Load()
	time.Sleep(50 * time.Millisecond)
	if got := n.Load() - before; got > 1 {
		t.Fatalf("the clock kept running when idle again: %d more frames", got)
	}
}

// asyncLoop runs tasks on its own goroutine, like the display loop; after
// each task it runs after(), the client activity that follows a frame.
type asyncLoop struct {
	tasks chan func()
	after func()
}

func (l *asyncLoop) Do(fn func()) { l.tasks <- fn }

func (l *asyncLoop) run(ctx context.Context) {
	for {
		select {
		case fn := <-l.tasks:
			fn()
			l.after()
		case <-ctx.Done():
			return
		}
	}
}

// TestWakeRightAfterIdleFrame: client activity (Wake) that comes right after
// an idle frame, while the clock is about to sleep, must not be lost.
func TestWakeRightAfterIdleFrame(t *testing.T) {
	for i := 0; i < 50; i++ {
		var n atomic.Int32
		var b *Clock
		l := &asyncLoop{tasks: make(chan func(), 4)}
		woke := false
		l.after = func() {
			if !woke { // one burst of activity, after the first frame only
				woke = true
				b.Wake()
			}
		}
		b = NewClock(l, 2000, func(time.Time) bool { n.Add(1); return true })
		ctx, cancel := context.WithCancel(context.Background())
		go l.run(ctx)
		done := make(chan struct{})
		go func() { b.Run(ctx); close(done) }()
		deadline := time.Now().Add(time.Second)
		for n.Load() < 2 && time.Now().Before(deadline) {
			time.Sleep(100 * time.Microsecond)
		}
		cancel()
		<-done
		if n.Load() < 2 {
			t.Fatalf("round %d: the wake after an idle frame was lost", i)
		}
	}
}

// TestTickerFallback: without a timerfd the clock ticks from a
// time.Ticker, with the same idle sleep.
func TestTickerFallback(t *testing.T) {
	var n atomic.Int32
	b := NewClock(directLoop{}, 500, func(time.Time) bool { return n.Add(1) >= 5 })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.runTicker(ctx); close(done) }()
	for deadline := time.Now().Add(5 * time.Second); n.Load() < 5; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("got %d frames, want 5", n.Load())
		}
	}
	b.Wake()
	for deadline := time.Now().Add(5 * time.Second); n.Load() < 6; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no frame after Wake")
		}
	}
	cancel()
	<-done
}

// TestTimerFD: the timerfd fires at its interval, stops when disarmed,
// and a wait in progress returns false when the timer is closed.
func TestTimerFD(t *testing.T) {
	tf, err := newTimerFD()
	if err != nil {
		t.Skipf("no timerfd: %v", err)
	}
	if err := tf.arm(time.Millisecond); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for range 5 {
		if !tf.wait() {
			t.Fatal("wait returned false on an open timer")
		}
	}
	if d := time.Since(start); d < 4*time.Millisecond {
		t.Fatalf("5 waits on a 1 ms timer took %v", d)
	}
	if err := tf.arm(0); err != nil {
		t.Fatal(err)
	}
	ret := make(chan bool)
	go func() {
		tf.wait() // may see one expiration from before the disarm
		ret <- tf.wait()
	}()
	select {
	case v := <-ret:
		t.Fatalf("a disarmed timer fired (wait returned %v)", v)
	case <-time.After(20 * time.Millisecond):
	}
	tf.close()
	if v := <-ret; v {
		t.Fatal("wait on a closed timer returned true")
	}
	if err := tf.arm(time.Millisecond); err == nil {
		t.Fatal("arming a closed timer succeeded")
	}
	tf.close() // twice is fine
}

// fakeCompositor counts frames; it renders nothing and wants frames while
// want is set.
type fakeCompositor struct {
	frames atomic.Int32
	want   atomic.Bool
}

func (f *fakeCompositor) Do(fn func())             { fn() }
func (f *fakeCompositor) RunLocked(fn func()) bool { fn(); return true }
func (f *fakeCompositor) Frame(time.Time) bool     { f.frames.Add(1); return false }
func (f *fakeCompositor) FramesWanted() bool       { return f.want.Load() }
func (f *fakeCompositor) Resize(int, int)          {}
func (f *fakeCompositor) Presented(time.Time)      {}
func (f *fakeCompositor) PointerInside(bool)       {}
func (f *fakeCompositor) Input() *seat.Seat        { return nil }

// TestBackendSleepsWhileNoFrameWanted: the backend's clock runs frames
// while a client wants them, sleeps after a frame that drew nothing for
// nobody, and Wake (client activity) brings the next frame.
// TestBackendSleepsWhileNoFrameWanted: the backend's clock ticks while the
// compositor wants frames, sleeps while it does not, and Wake restarts it,
// with either source of ticks ClockEnv picks (a value it does not know
// gives the default).
func TestBackendSleepsWhileNoFrameWanted(t *testing.T) {
	for _, tc := range []struct {
		env    string
		ticker bool
	}{{"", false}, {"timerfd", false}, {"timer", true}, {"hpet", false}} {
		t.Run("clock="+tc.env, func(t *testing.T) {
			t.Setenv(ClockEnv, tc.env)
			testBackendSleeps(t, tc.ticker)
		})
	}
}

func testBackendSleeps(t *testing.T, ticker bool) {
	b := New(1000, nil)
	if k := b.Clock(); k.ticker != ticker || ticker && k.tf != nil {
		t.Fatalf("%s=%q: ticker %v, timerfd %v; want ticker %v", ClockEnv, os.Getenv(ClockEnv), k.ticker, k.tf != nil, ticker)
	}
	if b.Name() != "headless" || b.Renderer() != nil || b.OutputName() != "" || b.PresentAfterSwap() {
		t.Fatalf("headless backend: %q, %v, %q, %v", b.Name(), b.Renderer(), b.OutputName(), b.PresentAfterSwap())
	}
	f := &fakeCompositor{}
	f.want.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx, f) }()
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
		}
	}
	waitFor("frames while wanted", func() bool { return f.frames.Load() >= 3 })
	f.want.Store(false)
	// Asleep once the count stops moving: the clock stopped, as
	// b.Clock().Frames shows too.
	waitFor("sleep", func() bool {
		n := b.Clock().Frames.Load()
		time.Sleep(20 * time.Millisecond)
		return b.Clock().Frames.Load() == n
	})
	n := f.frames.Load()
	b.Wake()
	waitFor("a frame after Wake", func() bool { return f.frames.Load() > n })
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
}
