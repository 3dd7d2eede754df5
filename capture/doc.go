// Package capture implements screen capture for clients:
// zwlr_screencopy_manager_v1 version 3 (wlr-screencopy-unstable-v1), the
// protocol grim, wf-recorder and wayvnc use.
//
// # The write path
//
// Capture writes pixels into memory the client owns, which the client can
// truncate at any moment. The read-side protection (MAP_PRIVATE with
// MAP_NOSIGBUS, or a shrink seal) cannot cover a write into a shared
// mapping, so every capture goes the same way:
//
//  1. Source.ReadPixels reads the output back into a Go-owned buffer that
//     the Manager reuses from frame to frame (no allocation once sized). The
//     renderer, and any cgo it calls (glReadPixels), only ever sees Go memory.
//  2. One copy() moves those bytes into the client's buffer inside
//     shm.Pool.Write: a writable MAP_SHARED mapping, created only for pools
//     that are capture targets, under the fault guard. The offered stride is
//     width*4 and a buffer with another stride is refused, so the copy is a
//     single contiguous memmove.
//  3. If the client shrank its file, the store faults; the guard maps
//     anonymous read-write zeros over the pool (read-write, so the restarted
//     store succeeds: Smithay's read-only placeholder turned it into a
//     SIGSEGV) and Write returns an error wrapping shm.ErrFault. The frame
//     gets failed, and once the access is over the wl_buffer gets
//     wl_shm.error.invalid_fd, as libwayland does for read faults (unless the
//     pool's shrink policy is zeros, which keeps the client). Everyone else is
//     served as usual.
//
// # Scheduling
//
// A copy request is served on the next output frame (Manager.Frame, called by
// the compositor after it rendered); copy_with_damage waits for a frame whose
// damage touches the captured region. Everything runs on the display loop
// (under the display lock), like every request handler.
//
// See docs/capture.md for the full story and the reasons MAP_NOSIGBUS cannot
// serve writes.
package capture
