// Package shm is nofault's wl_shm: the OS side of client shared memory and
// the protocol glue that serves wl_shm, wl_shm_pool and wl_buffer on a
// server.Display. Its promise is the project's: no wl_shm client can crash
// the compositor, whatever it does to the file behind its pool.
//
// # Client memory is reached only inside a closure
//
// A Pool maps a client's fd. Its bytes are reached only through
// accessors that take a closure: Pool.Read and Pool.Write pin the current
// mapping (so Resize and Close on another goroutine cannot unmap it) and
// run the closure under debug.SetPanicOnFault, so a page that faults
// (the client truncated its file) becomes a *FaultError instead of a
// crash, and the mapping reads zeros from then on. The slice handed to
// the closure must not outlive it, nor reach another goroutine or cgo,
// where a fault is fatal.
//
// Memory that can never fault is an Image, and only this package makes
// one: a zero-copy *View of a pool whose strategy rules faults out
// (MAP_NOSIGBUS on a kernel that has it, or a file sealed against
// shrinking), or a *Staging, a Go copy made by Pool.Stage. Renderers that
// hand pixels to cgo (render/gl) take an Image; render/soft reads a held
// *Pixels through its guarded Read.
//
// # Where what is
//
// The OS side uses no Wayland types: pool.go (Pool: fd, mappings, Resize,
// Close, CheckSize), access.go (the fault guard), strategy.go and
// probe.go (the three strategies and the MAP_NOSIGBUS probe),
// filesystem.go (pools must not stall: FUSE and network files are
// refused), validate.go (CheckCreatePool, CheckBuffer), stage.go and
// staging.go, view.go's View and Pool.Pixels, stats.go (Counters),
// errors.go (Error carries a wl_shm error code as an ErrorCode) and
// image.go (Format, Image).
//
// The glue imports server and protocol: wl_shm.go (Register, Global),
// wl_buffer.go (Buffer, which keeps its *server.Client and wl_buffer
// *protocol.Object to post errors and send wl_buffer.release), limits.go
// (what a pool charges its client under docs/limits.md) and view.go's
// Buffer.Pixels, which charges the client for a held buffer and posts
// invalid_fd on the wl_buffer when its pixels fault. The glue stays here
// because Pixels and Buffer.Image post that error on the wl_buffer at
// the moment an access faults, and Buffer.Pixels checks the file's size
// with the pool's unexported covers. The glue's functions run on the
// display loop.
//
// # Counters
//
// Counters (for --stats) belong to whoever owns the pools: Register gives
// each Global its own unless Options.Counters names some, and
// Global.Stats reads them. A Pool made directly with NewPool counts in its
// Options.Counters, or nowhere.
//
// docs/shm.md tells the whole story: the SIGBUS problem, the strategies,
// the differences from libwayland, wlroots and Smithay, and the limits.
package shm
