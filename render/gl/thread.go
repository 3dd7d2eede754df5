//go:build cgo

package gl

import (
	"errors"
	"sync"
)

// ErrStopped is returned by Thread.Do (and so by every Proxy method) once
// the GL thread has stopped serving calls.
var ErrStopped = errors.New("gl: GL thread stopped")

// Thread runs functions on the OS thread that owns a GL context. Any
// goroutine may call Do, which queues fn, wakes the GL thread and waits
// until fn has run; the GL thread calls Serve (or ServeUntil) to run the
// queue. A call waiting in Do proves that the caller is blocked, so fn may
// read the caller's memory (a scene, a shm.Image) without further
// synchronisation.
//
// Do must never be called from the GL thread itself (it would wait for
// itself). The GL thread, in turn, must never block on a goroutine that may
// be waiting in Do without serving the queue meanwhile: ServeUntil exists
// for that.
type Thread struct {
	wake   func()
	signal chan struct{} // has a token while the queue may be non-empty

	mu      sync.Mutex
	queue   []call
	spare   []call
	stopped bool
}

// call is a queued function; done, when not nil, receives a value once it
// has run (Do waits on it).
type call struct {
	fn   func()
	done chan struct{}
}

// doneChans recycles Do's channels, so that a call allocates nothing.
var doneChans = sync.Pool{New: func() any { return make(chan struct{}, 1) }}

// NewThread returns a Thread. wake is called after every queued call, to
// get the GL thread out of whatever it waits in (glfw.PostEmptyEvent for
// the nested backend); nil when the GL thread waits on Ready.
func NewThread(wake func()) *Thread {
	return &Thread{wake: wake, signal: make(chan struct{}, 1)}
}

// Ready receives a value when calls may be queued, for a GL thread that
// waits in a select: call Serve then.
func (t *Thread) Ready() <-chan struct{} { return t.signal }

// Do runs fn on the GL thread and waits for it. It returns ErrStopped
// without running fn when the thread has stopped.
//
// Do itself does not allocate; a closure passed as fn that captures
// variables does, which is why Proxy passes method values made once.
func (t *Thread) Do(fn func()) error {
	done := doneChans.Get().(chan struct{})
	if !t.post(call{fn: fn, done: done}) {
		doneChans.Put(done)
		return ErrStopped
	}
	<-done
	doneChans.Put(done)
	return nil
}

// Go queues fn on the GL thread without waiting (for work whose result
// nobody needs, such as deleting a texture). It reports false when the
// thread has stopped.
func (t *Thread) Go(fn func()) bool { return t.post(call{fn: fn}) }

func (t *Thread) post(c call) bool {
	t.mu.Lock()
	if t.stopped {
		t.mu.Unlock()
		return false
	}
	t.queue = append(t.queue, c)
	t.mu.Unlock()
	select {
	case t.signal <- struct{}{}:
	default:
	}
	if t.wake != nil {
		t.wake()
	}
	return true
}

// Serve runs every queued call without blocking and returns how many ran.
// Call it on the GL thread.
func (t *Thread) Serve() int {
	n := 0
	for {
		t.mu.Lock()
		q := t.queue
		t.queue = t.spare[:0]
		t.mu.Unlock()
		if len(q) == 0 {
			t.spare = q
			return n
		}
		for i, c := range q {
			q[i] = call{}
			t.run(c)
			n++
		}
		t.mu.Lock()
		t.spare = q[:0]
		t.mu.Unlock()
	}
}

// run runs c and signals its waiter, even if c.fn panics.
func (t *Thread) run(c call) {
	if c.done != nil {
		defer func() { c.done <- struct{}{} }()
	}
	c.fn()
}

// ServeUntil runs queued calls until done or abort is closed, and reports
// whether done was. Call it on the GL thread when it waits for another
// goroutine that may itself be waiting in Do.
func (t *Thread) ServeUntil(done, abort <-chan struct{}) bool {
	for {
		t.Serve()
		select {
		case <-t.signal:
		case <-done:
			t.Serve()
			return true
		case <-abort:
			return false
		}
	}
}

// Stop runs the calls already queued, then makes every later Do return
// ErrStopped. Call it on the GL thread while its context is still current,
// before destroying the context.
func (t *Thread) Stop() {
	t.mu.Lock()
	t.stopped = true
	t.mu.Unlock()
	t.Serve()
}

// Stopped reports whether Stop was called.
func (t *Thread) Stopped() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.stopped
}
