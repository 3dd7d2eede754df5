package misbehave

import (
	"fmt"
	"strings"
	"time"
)

// Result classifies how a scenario ended.
type Result int

const (
	// Survived means the offending client was still connected at the end.
	Survived Result = iota
	// Disconnected means the compositor sent wl_display.error and closed
	// the connection; Outcome.Error says on which object, with which code.
	Disconnected
	// DisconnectedNoError means the connection ended without an error
	// event while the compositor kept accepting new clients.
	DisconnectedNoError
	// CompositorDied means a fresh connection failed after the scenario:
	// the socket refused it or the compositor did not answer a roundtrip.
	CompositorDied
	// Skipped means the scenario could not run here; Outcome.Detail says
	// why (a missing global, the compositor already gone, ...).
	Skipped
)

var resultNames = [...]string{
	Survived:            "survived",
	Disconnected:        "disconnected",
	DisconnectedNoError: "disconnected-no-error",
	CompositorDied:      "compositor-died",
	Skipped:             "skipped",
}

// String returns the kebab-case name used in tables and JSON.
func (r Result) String() string {
	if r >= 0 && int(r) < len(resultNames) {
		return resultNames[r]
	}
	return fmt.Sprintf("result(%d)", int(r))
}

// MarshalText encodes r by name.
func (r Result) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText decodes a name written by MarshalText.
func (r *Result) UnmarshalText(b []byte) error {
	for i, n := range resultNames {
		if n == string(b) {
			*r = Result(i)
			return nil
		}
	}
	return fmt.Errorf("unknown result %q", b)
}

// Outcome is what one scenario run observed.
type Outcome struct {
	Scenario string         `json:"scenario"`
	Result   Result         `json:"result"`
	Error    *ProtocolError `json:"error,omitempty"` // set when Result is Disconnected
	Detail   string         `json:"detail,omitempty"`
	Elapsed  time.Duration  `json:"elapsed_ns"`
	// Bystander is what the well-behaved client saw meanwhile, when one ran.
	Bystander *BystanderReport `json:"bystander,omitempty"`
}

// ErrorText renders the error as "interface@id code N (name): message", or
// "" when there is none.
func (o Outcome) ErrorText() string {
	e := o.Error
	if e == nil {
		return ""
	}
	code := fmt.Sprint(e.Code)
	if n := ErrorName(e.Interface, e.Code); n != "" {
		code += " (" + n + ")"
	}
	return fmt.Sprintf("%s@%d code %s: %s", e.Interface, e.ObjectID, code, strings.TrimSpace(e.Message))
}

// Summary is a one-line description of the outcome for humans.
func (o Outcome) Summary() string {
	switch o.Result {
	case Disconnected:
		return "disconnected: " + o.ErrorText()
	case Skipped, CompositorDied, DisconnectedNoError:
		if o.Detail != "" {
			return o.Result.String() + ": " + o.Detail
		}
	}
	return o.Result.String()
}

// ErrorName names the error code of a wl_display.error posted on an object
// of the given interface. wl_shm_pool and wl_buffer define no enum of their
// own; libwayland posts wl_shm error codes on them, so they use wl_shm's
// names. Codes 0-3 posted on other objects by the library itself (invalid
// object, invalid method, no memory, implementation) cannot be told from
// interface errors by the code alone, so they are not named.
func ErrorName(iface string, code uint32) string {
	switch iface {
	case "wl_display":
		return pick(code, "invalid_object", "invalid_method", "no_memory", "implementation")
	case "wl_shm", "wl_shm_pool", "wl_buffer":
		return pick(code, "invalid_format", "invalid_stride", "invalid_fd")
	case "wl_surface":
		return pick(code, "invalid_scale", "invalid_transform", "invalid_size", "invalid_offset", "defunct_role_object")
	case "zwlr_screencopy_frame_v1":
		return pick(code, "already_used", "invalid_buffer")
	}
	return ""
}

func pick(code uint32, names ...string) string {
	if int(code) < len(names) {
		return names[code]
	}
	return ""
}

// Want describes an expected outcome: a result and, for Disconnected, the
// interface the error is posted on and its code.
type Want struct {
	Result    Result `json:"result"`
	Interface string `json:"interface,omitempty"`
	Code      uint32 `json:"code"`
	// Note explains the expectation, e.g. which check fires.
	Note string `json:"note,omitempty"`
}

// Match reports whether o is the expected outcome. Messages are not
// compared: they differ between implementations.
func (w Want) Match(o Outcome) bool {
	if o.Result != w.Result {
		return false
	}
	if w.Result != Disconnected {
		return true
	}
	return o.Error != nil && o.Error.Interface == w.Interface && o.Error.Code == w.Code
}

// String renders w like a table cell: "disconnected wl_shm_pool code 1
// (invalid_stride)" or "survived".
func (w Want) String() string {
	if w.Result != Disconnected {
		return w.Result.String()
	}
	s := fmt.Sprintf("disconnected %s code %d", w.Interface, w.Code)
	if n := ErrorName(w.Interface, w.Code); n != "" {
		s += " (" + n + ")"
	}
	return s
}

// Convenience constructors for expectation tables.
func survives(note string) Want { return Want{Result: Survived, Note: note} }

func killedBy(iface string, code uint32, note string) Want {
	return Want{Result: Disconnected, Interface: iface, Code: code, Note: note}
}

// wl_shm error codes.
const (
	codeInvalidFormat = 0
	codeInvalidStride = 1
	codeInvalidFD     = 2
)

// wl_display error codes.
const (
	codeInvalidObject = 0
	codeInvalidMethod = 1
	codeNoMemory      = 2
)
