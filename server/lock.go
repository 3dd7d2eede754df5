package server

// The display lock (Display.mu) is taken in four places: Run, for tasks
// and new clients; a reader's recvLocked, released by readLoop; and
// shutdown. assertLocked, called at the top of every function that
// requires it, panics in race builds when the lock is free while Run
// serves: the function was called from outside the display loop. It asks
// with TryLock, which costs a few nanoseconds, so the check can sit in
// functions that run once per object. A call from outside the loop while
// another goroutine holds the lock passes this check; the race detector
// then reports the state it touches. Normal builds compile the check to
// nothing (lockcheck_race.go, lockcheck_norace.go); `go test -race` and
// `make test` check.

// assertLocked panics, in race builds, if the display lock is free while
// Run serves. Before Run starts and after it returns, the goroutine that
// owns the display (tests, fuzzing) stands in for the loop.
func (d *Display) assertLocked() {
	if lockChecks && d.looping.Load() && d.mu.TryLock() {
		d.mu.Unlock()
		panic("server: display lock not held: this function runs on the display loop only")
	}
}

// AssertLocked panics, in race builds (go test -race), if it is called
// outside the display loop: the display lock is free while Run serves.
// Other packages call it at the top of functions documented "display
// loop only" (shm.Buffer.Pixels does); normal builds compile it to
// nothing.
func (d *Display) AssertLocked() { d.assertLocked() }
