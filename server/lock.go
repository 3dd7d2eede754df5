package server

// The display lock (Display.mu) is taken in four places: Run, for tasks
// and new clients; a reader's recvLocked, released by readLoop; and
// shutdown. They take it with lock and release it with unlock, so that
// race builds know which goroutine holds it: assertLocked, called at the
// top of every function that requires the lock, then panics when the
// calling goroutine does not hold it. Normal builds compile both the
// bookkeeping and the check to nothing (lockcheck_race.go,
// lockcheck_norace.go); `go test -race` and `make test` check.

// lock takes the display lock.
func (d *Display) lock() {
	d.mu.Lock()
	d.holder.set()
}

// unlock releases the display lock.
func (d *Display) unlock() {
	d.holder.clear()
	d.mu.Unlock()
}

// assertLocked panics, in race builds, unless the calling goroutine holds
// the display lock or owns the display outside Run (before Run started or
// after it returned, as tests and fuzzing do).
func (d *Display) assertLocked() {
	if lockChecks && d.looping.Load() && !d.holder.held() {
		panic("server: display lock not held: this function runs on the display loop only")
	}
}

// AssertLocked panics, in race builds (go test -race), unless the calling
// goroutine is the display loop: it holds the display lock (a request
// handler, a Display.Do function), or owns the display outside Run. Other
// packages call it at the top of functions documented "display loop
// only"; normal builds compile it to nothing.
func (d *Display) AssertLocked() { d.assertLocked() }
