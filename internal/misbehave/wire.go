package misbehave

// This file adapts internal/rawclient to what the scenarios need: batched
// writes for floods (so 100,000 requests do not cost 100,000 system calls),
// read deadlines, and errors classified as a protocol error, a closed
// connection or a timeout. The scenarios drive the wire directly rather
// than through go-wayland's generated proxies because half of them send
// traffic a well-behaved library refuses to produce: a create_pool without
// its fd, a request naming a dead object, 100,000 requests in one burst.

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/nofault/nofault/internal/rawclient"
	"golang.org/x/sys/unix"
)

// FD marks a file descriptor argument; it travels with SCM_RIGHTS and
// stays owned by the caller.
type FD = rawclient.FD

// NewIDArg is an untyped new_id argument (as in wl_registry.bind).
type NewIDArg = rawclient.Bind

// ProtocolError is a wl_display.error event: the compositor's verdict that
// ends the connection, with the interface of the object it names.
type ProtocolError struct {
	ObjectID  uint32 `json:"object_id"` // object the error was posted on
	Interface string `json:"interface"` // that object's interface, as the client created it
	Code      uint32 `json:"code"`      // interface-specific error code
	Message   string `json:"message"`   // human-readable text from the compositor
}

func (e *ProtocolError) Error() string {
	return fmt.Sprintf("protocol error on %s@%d: code %d: %s", e.Interface, e.ObjectID, e.Code, e.Message)
}

// ErrDisconnected reports that the compositor closed the connection without
// sending wl_display.error first.
var ErrDisconnected = errors.New("compositor closed the connection without a protocol error")

// errTimeout reports that a wait ran out of time with the connection open.
var errTimeout = errors.New("timed out")

// event is one message from the compositor.
type event = rawclient.Event

// wireConn is a rawclient connection with an output buffer. It is not
// safe for concurrent use.
type wireConn struct {
	rc     *rawclient.Conn
	out    []byte
	closed bool
}

// SocketPath resolves the compositor socket the way libwayland does: an
// explicit path wins, then WAYLAND_DISPLAY (absolute, or relative to
// XDG_RUNTIME_DIR), then wayland-0 in XDG_RUNTIME_DIR.
func SocketPath(explicit string) (string, error) {
	name := explicit
	if name == "" {
		name = os.Getenv("WAYLAND_DISPLAY")
	}
	if name == "" {
		name = "wayland-0"
	}
	if filepath.IsAbs(name) {
		return name, nil
	}
	dir := os.Getenv("XDG_RUNTIME_DIR")
	if dir == "" {
		return "", fmt.Errorf("cannot find the compositor: %q is not an absolute path and XDG_RUNTIME_DIR is not set", name)
	}
	return filepath.Join(dir, name), nil
}

// dial connects to the socket at path.
func dial(path string) (*wireConn, error) {
	rc, err := rawclient.Dial(path)
	if err != nil {
		return nil, err
	}
	rc.WriteTimeout = 10 * time.Second
	return &wireConn{rc: rc}, nil
}

// NewID allocates the next client-side object id.
func (w *wireConn) NewID() uint32 { return w.rc.NewID() }

// Close closes the socket and any received fds.
func (w *wireConn) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	return w.rc.Close()
}

// Send queues one request (argument types as rawclient.Conn.Send). A
// request carrying fds is written at once, after everything queued before
// it; others are written when 16 KiB are queued or before the next read.
func (w *wireConn) Send(obj uint32, opcode uint16, args ...any) error {
	b, fds, err := rawclient.Marshal(obj, opcode, args...)
	if err != nil {
		return err
	}
	if len(fds) > 0 {
		if err := w.Flush(); err != nil {
			return err
		}
		return w.rc.SendRaw(b, fds)
	}
	w.out = append(w.out, b...)
	if len(w.out) >= 16<<10 {
		return w.Flush()
	}
	return nil
}

// SendRaw writes bytes and fds as they are, after flushing queued requests.
func (w *wireConn) SendRaw(b []byte, fds []int) error {
	if err := w.Flush(); err != nil {
		return err
	}
	return w.rc.SendRaw(b, fds)
}

// Flush writes the queued requests. It writes through the socket directly
// because a large batch may need more than one sendmsg.
func (w *wireConn) Flush() error {
	if len(w.out) == 0 {
		return nil
	}
	uc := w.rc.UnixConn()
	uc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err := uc.Write(w.out)
	w.out = w.out[:0]
	return err
}

// ReadEvent returns the next event, waiting until deadline. It returns
// errTimeout when the deadline passes and ErrDisconnected when the
// connection ends.
func (w *wireConn) ReadEvent(deadline time.Time) (event, error) {
	// A connection the compositor closed may still hold its last events
	// (a wl_display.error): read them even when the write fails.
	if err := w.Flush(); err != nil && !isConnEnd(err) {
		return event{}, err
	}
	ev, err := w.rc.ReadEvent(max(time.Until(deadline), time.Millisecond))
	switch {
	case err == nil:
		return ev, nil
	case errors.Is(err, os.ErrDeadlineExceeded):
		return event{}, errTimeout
	case isConnEnd(err):
		return event{}, ErrDisconnected
	}
	return event{}, err
}

func isConnEnd(err error) bool {
	return errors.Is(err, unix.ECONNRESET) || errors.Is(err, unix.EPIPE) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF) || errors.Is(err, os.ErrClosed)
}
