package protocol

import (
	"errors"
	"fmt"
)

// wl_display.error codes as the wire carries them, for comparing with what
// a client received. The compositor posts the typed WlDisplayError values
// (WlDisplayErrorInvalidObject, ...).
const (
	ErrorInvalidObject  = 0
	ErrorInvalidMethod  = 1
	ErrorNoMemory       = 2
	ErrorImplementation = 3
)

// Error is a fatal protocol error to post to a client: wl_display.error with
// Object, Code and Message, after which the client is disconnected.
type Error struct {
	Object  ObjectID
	Code    uint32
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("protocol error on object %d, code %d: %s", e.Object, e.Code, e.Message)
}

// Errorf returns a protocol Error on obj with a code of obj's interface's
// error enum: Errorf(obj, XdgWmBaseErrorRole, "surface %d has a role", id).
// A nil obj is the display, whose codes are WlDisplayError's.
func Errorf(obj *Object, code ErrorCode, format string, args ...any) *Error {
	id := DisplayID
	if obj != nil {
		id = obj.ID
	}
	return &Error{Object: id, Code: code.Code(), Message: fmt.Sprintf(format, args...)}
}

// NoMemory is the error libwayland posts when a client exhausts memory
// (wl_client_post_no_memory).
func NoMemory() *Error {
	return &Error{Object: DisplayID, Code: ErrorNoMemory, Message: "no memory"}
}

// ErrBadArgs reports a request whose arguments libwayland's demarshaller or
// object lookup would refuse. The dispatcher turns it into
// "invalid arguments for iface@id.request" (wl_display.error invalid_method).
var ErrBadArgs = errors.New("invalid arguments")

// ArgError says which argument was bad and why; it wraps ErrBadArgs.
type ArgError struct {
	Arg    int
	Reason string
}

func (e *ArgError) Error() string {
	return fmt.Sprintf("argument %d: %s", e.Arg, e.Reason)
}

// Unwrap returns ErrBadArgs.
func (e *ArgError) Unwrap() error { return ErrBadArgs }

// ErrorCode is a protocol error code: a value of an interface's generated
// error enum (XdgWmBaseErrorRole, WlDisplayErrorInvalidObject, ...). Only
// the error enums have Code, so an enum of another kind does not compile
// where an error code belongs.
type ErrorCode interface {
	Code() uint32
	String() string
}
