// Package server is nofault's Wayland server core: the listening socket and
// its lock file, client connections (a reader goroutine each, and a sender
// goroutine while events wait for a full socket), the registry of globals,
// serials, and the dispatch loop.
//
// # Concurrency
//
// The display lock owns all compositor state; "the display loop" means
// whoever holds it. A client's reader goroutine frames bytes, collects
// fds, and dispatches the complete requests itself under the lock, then
// writes the events they produced straight to the socket with one
// non-blocking sendmsg. Functions passed to Display.Do and new clients run
// under the same lock on the goroutine running Display.Run; a function
// passed to Display.RunLocked (the headless frame clock's frames) runs
// under it on its caller's goroutine. Handlers thus
// run one at a time, in the order libwayland's single-threaded event loop
// would allow. A client that stops reading its socket cannot block the
// loop: what its socket refuses waits in a bounded queue for a sender
// goroutine, and overflowing the queue disconnects that client alone.
//
// Race builds check the rule (lock.go): the functions that require the
// lock (documented "display loop only") panic when called while Run
// serves and the lock is free. Before Run and after it returns, the
// goroutine that owns the display stands in for the loop. Normal builds
// compile the check to nothing.
package server
