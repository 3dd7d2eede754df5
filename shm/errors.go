package shm

import (
	"errors"
	"fmt"
)

// ErrorCode is a wl_shm.error code.
type ErrorCode uint32

// The wl_shm.error codes. libwayland posts them on the object of the
// failing request (wl_shm, wl_shm_pool) or, after a fault, on the wl_buffer.
const (
	InvalidFormat ErrorCode = 0
	InvalidStride ErrorCode = 1
	InvalidFD     ErrorCode = 2
)

// Code returns c as the wire's wl_shm.error code: an ErrorCode is a
// protocol.ErrorCode, so protocol.Errorf takes it.
func (c ErrorCode) Code() uint32 { return uint32(c) }

// String returns the protocol name of the code.
func (c ErrorCode) String() string {
	switch c {
	case InvalidFormat:
		return "invalid_format"
	case InvalidStride:
		return "invalid_stride"
	case InvalidFD:
		return "invalid_fd"
	}
	return fmt.Sprintf("ErrorCode(%d)", uint32(c))
}

// Error is a protocol error the glue posts as wl_display.error with Code
// and Msg. Err, when set, is the underlying cause (e.g. ErrMap wrapping an
// errno) and is reachable through errors.Is/As.
type Error struct {
	Code ErrorCode
	Msg  string
	Err  error
}

func (e *Error) Error() string { return "wl_shm." + e.Code.String() + ": " + e.Msg }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

func protoErr(code ErrorCode, cause error, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...), Err: cause}
}

// Sentinel errors; test them with errors.Is.
var (
	// ErrMap: mmap of the client's fd failed (wl_shm.error.invalid_fd).
	ErrMap = errors.New("shm: mmap failed")
	// ErrFault: an access faulted because the file shrank under the
	// mapping. Returned inside a *FaultError.
	ErrFault = errors.New("shm: fault accessing pool")
	// ErrShrunk: CheckSize found the file smaller than the pool.
	ErrShrunk = errors.New("shm: pool file shrunk")
	// ErrReadOnly: Write on a pool whose fd cannot be mapped writable
	// (O_RDONLY or F_SEAL_WRITE).
	ErrReadOnly = errors.New("shm: pool is read-only")
	// ErrClosed: the pool was closed.
	ErrClosed = errors.New("shm: pool closed")
	// ErrNoSigbus: MAP_NOSIGBUS was required but the kernel probe failed.
	ErrNoSigbus = errors.New("shm: kernel does not honour MAP_NOSIGBUS")
	// ErrGeometry: a buffer rectangle does not fit the pool or staging.
	ErrGeometry = errors.New("shm: buffer geometry outside pool")
)

// FaultError reports a recovered fault inside Read or Write. The pool's
// mapping was replaced by anonymous zeros before it was returned; the glue
// posts wl_shm.error.invalid_fd ("error accessing SHM buffer") on the
// wl_buffer after the access ended, as libwayland does, unless the shrink
// policy is ShrinkZeros.
type FaultError struct {
	Addr     uintptr  // faulting address
	Offset   int64    // Addr relative to the start of the pool
	Write    bool     // the fault happened in Write
	Strategy Strategy // the pool's strategy at the time
}

func (e *FaultError) Error() string {
	op := "read"
	if e.Write {
		op = "write"
	}
	return fmt.Sprintf("shm: fault on %s at pool offset %d (%s pool): file shrank under the mapping", op, e.Offset, e.Strategy)
}

// Is makes errors.Is(err, ErrFault) true.
func (e *FaultError) Is(target error) bool { return target == ErrFault }

// Protocol returns the error libwayland posts on the wl_buffer after a
// fault.
func (e *FaultError) Protocol() *Error {
	return &Error{Code: InvalidFD, Msg: "error accessing SHM buffer", Err: e}
}
