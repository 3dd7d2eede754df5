package server

import (
	"strings"
	"testing"
)

// lockPanic runs fn and returns what it panicked with ("" for nothing).
func lockPanic(fn func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg, _ = r.(string)
			if msg == "" {
				msg = "non-string panic"
			}
		}
	}()
	fn()
	return ""
}

// TestAssertLocked: in race builds, a display-loop-only function called
// from outside the loop (the display lock is free) while Run serves
// panics; on the loop (Display.Do), and on the owning goroutine before
// Run, it does not.
func TestAssertLocked(t *testing.T) {
	if !lockChecks {
		t.Skip("the display-lock assertion is compiled in race builds only (go test -race)")
	}
	owned := NewDisplay(nil, Options{})
	if msg := lockPanic(func() { owned.NextSerial() }); msg != "" {
		t.Errorf("NextSerial before Run panicked: %s", msg)
	}

	d, _ := startDisplay(t, nil)
	do(t, d, func() {}) // Run serves once it ran a task
	// The check is TryLock: it sees a call from outside the loop while the
	// lock is free, which the test makes sure of before each call (no
	// client, no other task takes it).
	for _, tc := range []struct {
		name string
		fn   func()
	}{
		{"NextSerial", func() { d.NextSerial() }},
		{"Clients", func() { d.Clients() }},
		{"Stats", func() { d.Stats() }},
		{"Total", func() { d.Total(Pools) }},
		{"AssertLocked", d.AssertLocked},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The last task's Run may still hold the lock (flushing):
			// wait for it to let go. Nothing else takes it here.
			d.mu.Lock()
			//lint:ignore SA2001 the empty section is the point: it waits for Run to release the lock
			d.mu.Unlock()
			msg := lockPanic(tc.fn)
			if !strings.Contains(msg, "display lock not held") {
				t.Errorf("%s unlocked while Run serves: panic %q, want the display-lock assertion", tc.name, msg)
			}
			do(t, d, func() {
				if msg := lockPanic(tc.fn); msg != "" {
					t.Errorf("%s on the display loop panicked: %s", tc.name, msg)
				}
			})
		})
	}
}
