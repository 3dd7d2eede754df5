package misbehave

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Bystander is a well-behaved client that runs next to a scenario: an
// xdg_toplevel with a 64x64 XRGB8888 wl_shm buffer that commits again on
// every frame callback and records when each callback arrived. A
// compositor that stalls or dies while another client misbehaves shows up
// as a long gap or as frames that stop.
//
// It needs wl_compositor, wl_shm and xdg_wm_base, and no input devices.
type Bystander struct {
	c    *client
	win  *window
	buf  uint32
	stop chan struct{}
	done chan struct{}

	mu      sync.Mutex
	started time.Time
	times   []time.Time
	stopped time.Time
	err     error
}

// BystanderReport summarises a bystander's run.
type BystanderReport struct {
	Frames int           `json:"frames"`
	MaxGap time.Duration `json:"max_gap_ns"`
	// Error is why the bystander's own connection ended, if it did.
	Error string `json:"error,omitempty"`
}

const bystanderSize = 64

// StartBystander connects to the compositor at socket, maps its window and
// starts committing a frame per frame callback in its own goroutine. It
// returns once the first frame callback arrived, so that MaxGap measures a
// running client; it fails if none comes within timeout.
func StartBystander(socket string, timeout time.Duration) (*Bystander, error) {
	c, err := connect(socket, timeout)
	if err != nil {
		return nil, fmt.Errorf("bystander: %w", err)
	}
	if err := c.need(true, true); err != nil {
		c.close()
		return nil, fmt.Errorf("bystander: %w", err)
	}
	const stride = bystanderSize * 4
	fd, err := newMemfd(stride*bystanderSize, false)
	if err != nil {
		c.close()
		return nil, fmt.Errorf("bystander: %w", err)
	}
	if err := fill(fd, stride*bystanderSize, 0xff3070b0); err != nil {
		unix.Close(fd)
		c.close()
		return nil, fmt.Errorf("bystander: %w", err)
	}
	pool := c.newObject("wl_shm_pool")
	c.send(c.shm, opShmCreatePool, pool, FD(fd), int32(stride*bystanderSize))
	unix.Close(fd)
	b := &Bystander{c: c, stop: make(chan struct{}), done: make(chan struct{})}
	b.buf = c.newObject("wl_buffer")
	c.send(pool, opPoolCreateBuffer, b.buf, int32(0), int32(bystanderSize), int32(bystanderSize), int32(stride), uint32(formatXRGB8888))
	c.send(pool, opPoolDestroy)
	b.win, err = c.mapWindow("misbehave bystander", timeout)
	if err != nil {
		c.close()
		return nil, fmt.Errorf("bystander: %w", err)
	}
	cb, err := c.present(b.win, b.buf, bystanderSize, bystanderSize)
	if err == nil {
		err = c.waitFor(func() bool { return c.done[cb] }, timeout)
	}
	if err != nil {
		c.close()
		if errors.Is(err, errTimeout) {
			err = fmt.Errorf("no frame callback within %v", timeout)
		}
		return nil, fmt.Errorf("bystander: %w", err)
	}
	now := time.Now()
	b.started = now
	b.times = append(b.times, now)
	go b.run()
	return b, nil
}

func (b *Bystander) run() {
	defer close(b.done)
	c := b.c
	cb, err := c.present(b.win, b.buf, bystanderSize, bystanderSize)
	for err == nil {
		select {
		case <-b.stop:
			return
		default:
		}
		err = c.dispatch(time.Now().Add(50 * time.Millisecond))
		if errors.Is(err, errTimeout) {
			err = nil
		}
		if err == nil && c.done[cb] {
			delete(c.done, cb)
			b.mu.Lock()
			b.times = append(b.times, time.Now())
			b.mu.Unlock()
			cb, err = c.present(b.win, b.buf, bystanderSize, bystanderSize)
		}
	}
	b.mu.Lock()
	b.err = err
	b.mu.Unlock()
}

// Stop ends the bystander's loop, disconnects it and returns its report.
// It is safe to call more than once.
func (b *Bystander) Stop() BystanderReport {
	select {
	case <-b.stop:
	default:
		close(b.stop)
	}
	<-b.done
	b.mu.Lock()
	if b.stopped.IsZero() {
		b.stopped = time.Now()
	}
	b.mu.Unlock()
	b.c.close()
	return b.Report()
}

// Report returns the bystander's numbers so far.
func (b *Bystander) Report() BystanderReport {
	r := BystanderReport{Frames: b.Frames(), MaxGap: b.MaxGap()}
	if err := b.Err(); err != nil {
		r.Error = err.Error()
	}
	return r
}

// Frames returns how many frame callbacks arrived so far.
func (b *Bystander) Frames() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.times)
}

// Times returns a copy of the arrival time of every frame callback.
func (b *Bystander) Times() []time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]time.Time(nil), b.times...)
}

// MaxGap returns the longest interval between two frame callbacks,
// counting the time since the last one (until now, or until Stop), so that
// frames that stopped altogether show up as a growing gap.
func (b *Bystander) MaxGap() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	var max time.Duration
	for i := 1; i < len(b.times); i++ {
		max = maxDur(max, b.times[i].Sub(b.times[i-1]))
	}
	end := b.stopped
	if end.IsZero() {
		end = time.Now()
	}
	if n := len(b.times); n > 0 {
		max = maxDur(max, end.Sub(b.times[n-1]))
	}
	return max
}

// Err returns why the bystander's connection ended, or nil while it runs
// (or after a clean Stop).
func (b *Bystander) Err() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

func maxDur(a, b time.Duration) time.Duration {
	if a > b {
		return a
	}
	return b
}
