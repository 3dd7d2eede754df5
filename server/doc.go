// Package server is nofault's Wayland server core: the listening socket and
// its lock file, client connections (one reader and one writer goroutine
// each), the registry of globals, serials, and the dispatch loop.
//
// # Concurrency
//
// One goroutine, the one running Display.Run, owns all compositor state:
// every request handler, every global's bind function and every function
// passed to Display.Do runs on it. Readers only frame bytes and collect fds;
// writers only send. A client that stops reading its socket cannot block
// the loop: its outgoing queue is bounded and overflowing it disconnects
// that client alone.
package server
