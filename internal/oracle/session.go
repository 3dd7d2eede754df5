package oracle

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/nofault/nofault/internal/rawclient"
)

// Case is one piece of client traffic whose answer libwayland defines.
type Case struct {
	// Name identifies the case in the golden file.
	Name string
	// Doc says what is sent, in one line.
	Doc string
	// Run sends the traffic. It may do roundtrips itself and return their
	// error; otherwise RunCase does a final roundtrip.
	Run func(s *Session) error
}

// Session is the client side of one case: a fresh connection plus the
// names given to the objects the case creates, so an error's object id
// can be reported as "buffer" rather than 7.
type Session struct {
	// C is the raw connection.
	C *rawclient.Conn
	// Timeout bounds each roundtrip done by the case.
	Timeout time.Duration

	names   map[uint32]string
	globals map[string]rawclient.Global
	cleanup []func()
}

// NewSession wraps a connection. Close releases what the case allocated
// (files, pipes), not the connection.
func NewSession(c *rawclient.Conn) *Session {
	return &Session{
		C:       c,
		Timeout: 2 * time.Second,
		names:   map[uint32]string{rawclient.DisplayID: "display"},
	}
}

// Close runs the cleanups registered by the case.
func (s *Session) Close() {
	for i := len(s.cleanup) - 1; i >= 0; i-- {
		s.cleanup[i]()
	}
	s.cleanup = nil
}

// Defer registers f to run when the session is closed.
func (s *Session) Defer(f func()) { s.cleanup = append(s.cleanup, f) }

// ObjectName returns the name the case gave id, or "" if none.
func (s *Session) ObjectName(id uint32) string { return s.names[id] }

// NewID allocates a client id and names it.
func (s *Session) NewID(name string) uint32 {
	id := s.C.NewID()
	s.names[id] = name
	return id
}

// SetName names an id that was allocated some other way.
func (s *Session) SetName(id uint32, name string) { s.names[id] = name }

// Send sends one request; see rawclient.Conn.Send.
func (s *Session) Send(obj uint32, opcode uint16, args ...any) error {
	return s.C.Send(obj, opcode, args...)
}

// Roundtrip does one wl_display.sync roundtrip.
func (s *Session) Roundtrip() error {
	_, err := s.C.Roundtrip(s.Timeout)
	return err
}

// Globals returns the server's globals, creating the registry (named
// "registry") on first use.
func (s *Session) Globals() (map[string]rawclient.Global, error) {
	if s.globals != nil {
		return s.globals, nil
	}
	g, err := s.C.Globals(s.Timeout)
	if err != nil {
		return nil, err
	}
	s.names[s.C.Registry()] = "registry"
	s.globals = g
	return g, nil
}

// Registry returns the registry id, creating it if needed.
func (s *Session) Registry() (uint32, error) {
	if _, err := s.Globals(); err != nil {
		return 0, err
	}
	return s.C.Registry(), nil
}

// Bind binds the global for iface at version and names the new object
// after the interface without its "wl_" prefix ("compositor", "shm").
func (s *Session) Bind(iface string, version uint32) (uint32, error) {
	if _, err := s.Globals(); err != nil {
		return 0, err
	}
	id, err := s.C.BindGlobal(iface, version)
	if err != nil {
		return 0, err
	}
	s.names[id] = strings.TrimPrefix(iface, "wl_")
	return id, nil
}

// Outcome is the server's answer to a case.
type Outcome struct {
	// Result is "error" (wl_display.error received, then the connection
	// closed; "error-not-closed" if it stayed open), "disconnect" (the
	// connection closed without an error), "no-reply" (the final roundtrip
	// got no answer in time: the server waits for more bytes) or "ok".
	Result string `json:"result"`
	// Object names the object the error was posted on, as the case named
	// it ("display", "registry", "shm", "pool", "buffer", "surface"...).
	Object string `json:"object,omitempty"`
	// ObjectIDRel is the error's object id on the case's connection.
	// Cases allocate ids deterministically, so it is comparable across
	// servers.
	ObjectIDRel uint32 `json:"object_id_rel,omitempty"`
	// Code is the wl_display.error code.
	Code uint32 `json:"code"`
	// Message is the error message text.
	Message string `json:"message,omitempty"`
	// Disconnect is true when the server closed the connection without
	// sending wl_display.error.
	Disconnect bool `json:"disconnect"`
}

// String formats o for test failures.
func (o Outcome) String() string {
	switch o.Result {
	case "error":
		return fmt.Sprintf("error on %s (id %d) code %d: %q", o.Object, o.ObjectIDRel, o.Code, o.Message)
	default:
		return o.Result
	}
}

// Equivalent reports whether got is the same answer as o: same result,
// object, id and code, and a message of the same shape (see
// SameMessage).
func (o Outcome) Equivalent(got Outcome) bool {
	return o.Result == got.Result && o.Object == got.Object && o.ObjectIDRel == got.ObjectIDRel &&
		o.Code == got.Code && o.Disconnect == got.Disconnect && SameMessage(o.Message, got.Message)
}

var number = regexp.MustCompile(`-?[0-9]+`)

// SameMessage compares two error messages with every decimal number
// replaced by N: some of libwayland's messages carry server-specific
// numbers (global names, advertised versions, the server's fd numbers).
func SameMessage(a, b string) bool {
	return number.ReplaceAllString(a, "N") == number.ReplaceAllString(b, "N")
}

// RunCase runs c on a new connection to the server at socketPath and
// reports the server's answer. The returned error is about the harness
// (cannot connect, the case could not build its traffic), not about the
// server's answer.
func RunCase(socketPath string, c Case, finalTimeout time.Duration) (Outcome, error) {
	conn, err := rawclient.Dial(socketPath)
	if err != nil {
		return Outcome{}, err
	}
	defer conn.Close()
	s := NewSession(conn)
	defer s.Close()
	err = c.Run(s)
	switch {
	case err == nil:
		_, err = conn.Roundtrip(finalTimeout)
	case errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET):
		// The server closed the connection while the case was still
		// sending: read what it said before closing.
		err = drain(conn, finalTimeout)
	}
	var pe *rawclient.ProtocolError
	switch {
	case err == nil:
		return Outcome{Result: "ok"}, nil
	case errors.As(err, &pe):
		o := Outcome{Result: "error", Object: s.objectName(pe.ObjectID), ObjectIDRel: pe.ObjectID,
			Code: pe.Code, Message: pe.Message}
		if !closesAfter(conn, finalTimeout) {
			o.Result = "error-not-closed"
		}
		return o, nil
	case errors.Is(err, io.EOF):
		return Outcome{Result: "disconnect", Disconnect: true}, nil
	case errors.Is(err, os.ErrDeadlineExceeded):
		return Outcome{Result: "no-reply"}, nil
	default:
		return Outcome{}, fmt.Errorf("oracle: case %s: %w", c.Name, err)
	}
}

// drain reads events until an error event, end of file or timeout, and
// returns the corresponding error (nil never).
func drain(c *rawclient.Conn, timeout time.Duration) error {
	for {
		ev, err := c.ReadEvent(timeout)
		if err != nil {
			return err
		}
		if pe, ok := rawclient.AsProtocolError(ev); ok {
			return pe
		}
	}
}

// closesAfter reports whether the server closes the connection within
// timeout, discarding events meanwhile.
func closesAfter(c *rawclient.Conn, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return false
		}
		if _, err := c.ReadEvent(left); err != nil {
			return errors.Is(err, io.EOF)
		}
	}
}

func (s *Session) objectName(id uint32) string {
	if n, ok := s.names[id]; ok {
		return n
	}
	return fmt.Sprintf("unnamed@%d", id)
}

//go:embed testdata/libwayland-errors.json
var golden []byte

// GoldenFile is the golden file's path relative to this package.
const GoldenFile = "testdata/libwayland-errors.json"

// LoadGolden returns libwayland-server 1.21's recorded answer for each
// case, by case name.
func LoadGolden() (map[string]Outcome, error) {
	m := make(map[string]Outcome)
	if err := json.Unmarshal(golden, &m); err != nil {
		return nil, fmt.Errorf("oracle: decoding %s: %w", GoldenFile, err)
	}
	return m, nil
}
