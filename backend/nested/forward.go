//go:build cgo

package nested

import "sync"

// maxQueued bounds the events waiting for the display loop; beyond it
// pointer motion is dropped (the next motion carries the position), other
// events are kept.
const maxQueued = 4096

// forwarder hands functions to the display loop in order from a goroutine
// of its own, so that the main thread never blocks on Loop.Do (the loop may
// be waiting for a GL call the main thread has to serve).
type forwarder struct {
	loop  Loop
	after func() // run on the loop after each batch (nil: nothing)

	mu      sync.Mutex
	queue   []func()
	tail    int // index in queue of a trailing pointer motion, or -1
	signal  chan struct{}
	quit    chan struct{}
	done    chan struct{}
	stopped bool
	n       uint64 // functions added, motion replaced at the tail included
}

// newForwarder starts the goroutine; after, when not nil, runs on the
// loop after each batch of functions.
func newForwarder(loop Loop, after func()) *forwarder {
	f := &forwarder{loop: loop, after: after, tail: -1, signal: make(chan struct{}, 1),
		quit: make(chan struct{}), done: make(chan struct{})}
	go f.run()
	return f
}

// post queues fn. It never blocks.
func (f *forwarder) post(fn func()) { f.add(fn, false) }

// motion queues a pointer motion, replacing one still queued at the tail.
func (f *forwarder) motion(fn func()) { f.add(fn, true) }

// count is how many functions were added so far: a window about to sleep
// compares it with its value after the last frame was posted.
func (f *forwarder) count() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n
}

func (f *forwarder) add(fn func(), motion bool) {
	f.mu.Lock()
	f.n++
	switch {
	case f.stopped:
	case motion && f.tail >= 0 && f.tail == len(f.queue)-1:
		f.queue[f.tail] = fn
	case motion && len(f.queue) >= maxQueued:
	default:
		f.queue = append(f.queue, fn)
		f.tail = -1
		if motion {
			f.tail = len(f.queue) - 1
		}
	}
	f.mu.Unlock()
	select {
	case f.signal <- struct{}{}:
	default:
	}
}

func (f *forwarder) run() {
	defer close(f.done)
	for {
		select {
		case <-f.signal:
		case <-f.quit:
			return
		}
		f.mu.Lock()
		q := f.queue
		f.queue, f.tail = nil, -1
		f.mu.Unlock()
		if len(q) == 0 {
			continue
		}
		delivered := make(chan struct{})
		f.loop.Do(func() {
			defer close(delivered)
			for _, fn := range q {
				fn()
			}
			if f.after != nil {
				f.after()
			}
		})
		// One batch at a time keeps the order and lets motion coalesce
		// while the loop is busy.
		select {
		case <-delivered:
		case <-f.quit:
			return
		}
	}
}

// stop drops whatever is queued and ends the goroutine (without waiting
// for a loop that may be gone).
func (f *forwarder) stop() {
	f.mu.Lock()
	if !f.stopped {
		f.stopped = true
		close(f.quit)
	}
	f.mu.Unlock()
}
