package headless

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

type directLoop struct{}

func (directLoop) Do(fn func()) { fn() }

// stuckLoop queues tasks without running them, like a busy display loop.
type stuckLoop struct{ queued atomic.Int32 }

func (l *stuckLoop) Do(fn func()) { l.queued.Add(1) }

func TestFramesTick(t *testing.T) {
	var n atomic.Int32
	b := New(directLoop{}, 200, func(time.Time) { n.Add(1) })
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
	b := New(l, 1000, func(time.Time) {})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	b.Run(ctx)
	if q := l.queued.Load(); q != 1 {
		t.Fatalf("queued %d frames on a loop that never ran one, want 1", q)
	}
}
