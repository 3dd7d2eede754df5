package misbehave

// This file holds the small Wayland wire client the scenarios drive. It speaks
// the wire format directly (rather than through go-wayland's generated
// proxies) because half of the scenarios send traffic a well-behaved library
// refuses to produce: a create_pool without its fd, a request naming a dead
// object, 100,000 requests in one burst. The surface it offers (Dial, NewID,
// Send, SendRaw, ReadEvent) mirrors internal/rawclient so that the scenarios
// can move onto that package without being rewritten.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// FD marks a file descriptor argument to Send. The descriptor is passed
// with SCM_RIGHTS and stays owned by the caller.
type FD int

// Fixed marks a wl_fixed_t argument to Send, already in 24.8 form.
type Fixed int32

// NewIDArg marks an untyped new_id argument (as in wl_registry.bind), which
// the wire encodes as interface name, version and id.
type NewIDArg struct {
	Interface string
	Version   uint32
	ID        uint32
}

// ProtocolError is a wl_display.error event: the compositor's verdict that
// ends the connection.
type ProtocolError struct {
	ObjectID  uint32 // object the error was posted on
	Interface string // that object's interface, as the client created it
	Code      uint32 // interface-specific error code
	Message   string // human-readable text from the compositor
}

func (e *ProtocolError) Error() string {
	return fmt.Sprintf("protocol error on %s@%d: code %d: %s", e.Interface, e.ObjectID, e.Code, e.Message)
}

// ErrDisconnected reports that the compositor closed the connection without
// sending wl_display.error first.
var ErrDisconnected = errors.New("compositor closed the connection without a protocol error")

// errTimeout reports that a wait ran out of time with the connection open.
var errTimeout = errors.New("timed out")

// event is one decoded message from the compositor.
type event struct {
	Sender uint32
	Opcode uint16
	Args   []byte
}

// wireConn is a raw connection: an id allocator, an output buffer and an
// input buffer. It is not safe for concurrent use.
type wireConn struct {
	c      *net.UnixConn
	nextID uint32
	out    []byte
	in     []byte
	inFDs  []int
	rbuf   []byte
	oob    []byte
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
	c, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, err
	}
	return &wireConn{
		c:      c,
		nextID: 2, // 1 is wl_display
		rbuf:   make([]byte, 64<<10),
		oob:    make([]byte, unix.CmsgSpace(4*253)),
	}, nil
}

// NewID allocates the next client-side object id.
func (w *wireConn) NewID() uint32 {
	id := w.nextID
	w.nextID++
	return id
}

// Close closes the socket and any received fds not yet consumed.
func (w *wireConn) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	for _, fd := range w.inFDs {
		unix.Close(fd)
	}
	w.inFDs = nil
	return w.c.Close()
}

// Send queues one request. Arguments are encoded by type: uint32, int32,
// Fixed, string, []byte (wl_array), FD and NewIDArg. A request carrying fds
// is written at once, together with everything queued before it.
func (w *wireConn) Send(obj uint32, opcode uint16, args ...any) error {
	msg := make([]byte, 8, 8+4*len(args))
	var fds []int
	for _, a := range args {
		switch v := a.(type) {
		case uint32:
			msg = binary.LittleEndian.AppendUint32(msg, v)
		case int32:
			msg = binary.LittleEndian.AppendUint32(msg, uint32(v))
		case int:
			msg = binary.LittleEndian.AppendUint32(msg, uint32(int32(v)))
		case Fixed:
			msg = binary.LittleEndian.AppendUint32(msg, uint32(v))
		case string:
			msg = appendString(msg, v)
		case []byte:
			msg = appendArray(msg, v)
		case FD:
			fds = append(fds, int(v))
		case NewIDArg:
			msg = appendString(msg, v.Interface)
			msg = binary.LittleEndian.AppendUint32(msg, v.Version)
			msg = binary.LittleEndian.AppendUint32(msg, v.ID)
		default:
			return fmt.Errorf("wire: unsupported argument type %T", a)
		}
	}
	if len(msg) > 0xffff {
		return fmt.Errorf("wire: message of %d bytes is too long", len(msg))
	}
	binary.LittleEndian.PutUint32(msg[0:], obj)
	binary.LittleEndian.PutUint32(msg[4:], uint32(len(msg))<<16|uint32(opcode))
	w.out = append(w.out, msg...)
	if len(fds) > 0 {
		return w.flush(fds)
	}
	if len(w.out) >= 16<<10 {
		return w.Flush()
	}
	return nil
}

// SendRaw writes bytes and fds as they are, after flushing queued requests.
func (w *wireConn) SendRaw(b []byte, fds []int) error {
	w.out = append(w.out, b...)
	return w.flush(fds)
}

// Flush writes the queued requests.
func (w *wireConn) Flush() error { return w.flush(nil) }

func (w *wireConn) flush(fds []int) error {
	if len(w.out) == 0 && len(fds) == 0 {
		return nil
	}
	var oob []byte
	if len(fds) > 0 {
		oob = unix.UnixRights(fds...)
	}
	w.c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	b := w.out
	for len(b) > 0 || oob != nil {
		n, _, err := w.c.WriteMsgUnix(b, oob, nil)
		if err != nil {
			w.out = w.out[:0]
			return err
		}
		b = b[n:]
		oob = nil
	}
	w.out = w.out[:0]
	return nil
}

// ReadEvent returns the next event, waiting until deadline. It returns
// errTimeout when the deadline passes and ErrDisconnected (or the read
// error) when the connection ends.
func (w *wireConn) ReadEvent(deadline time.Time) (event, error) {
	for {
		if len(w.in) >= 8 {
			size := int(binary.LittleEndian.Uint32(w.in[4:]) >> 16)
			if size < 8 {
				return event{}, fmt.Errorf("wire: compositor sent a message of %d bytes", size)
			}
			if len(w.in) >= size {
				ev := event{
					Sender: binary.LittleEndian.Uint32(w.in),
					Opcode: uint16(binary.LittleEndian.Uint32(w.in[4:])),
					Args:   append([]byte(nil), w.in[8:size]...),
				}
				w.in = w.in[size:]
				return ev, nil
			}
		}
		if err := w.Flush(); err != nil {
			return event{}, err
		}
		w.c.SetReadDeadline(deadline)
		n, oobn, _, _, err := w.c.ReadMsgUnix(w.rbuf, w.oob)
		if oobn > 0 {
			w.takeFDs(w.oob[:oobn])
		}
		if n > 0 {
			w.in = append(w.in, w.rbuf[:n]...)
		}
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				return event{}, errTimeout
			}
			if isConnEnd(err) {
				return event{}, ErrDisconnected
			}
			return event{}, err
		}
		if n <= 0 {
			return event{}, ErrDisconnected
		}
	}
}

// takeFDs keeps received descriptors; no scenario needs them, so they are
// closed at once rather than piling up.
func (w *wireConn) takeFDs(oob []byte) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return
	}
	for _, m := range msgs {
		fds, err := unix.ParseUnixRights(&m)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			unix.Close(fd)
		}
	}
}

func isConnEnd(err error) bool {
	return errors.Is(err, unix.ECONNRESET) || errors.Is(err, unix.EPIPE) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF) || errors.Is(err, os.ErrClosed)
}

func appendString(b []byte, s string) []byte {
	n := len(s) + 1
	b = binary.LittleEndian.AppendUint32(b, uint32(n))
	b = append(b, s...)
	b = append(b, 0)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func appendArray(b []byte, a []byte) []byte {
	b = binary.LittleEndian.AppendUint32(b, uint32(len(a)))
	b = append(b, a...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// argReader decodes event arguments.
type argReader struct {
	b   []byte
	err bool
}

func (r *argReader) uint() uint32 {
	if len(r.b) < 4 {
		r.err = true
		return 0
	}
	v := binary.LittleEndian.Uint32(r.b)
	r.b = r.b[4:]
	return v
}

func (r *argReader) int() int32 { return int32(r.uint()) }

func (r *argReader) string() string {
	n := int(r.uint())
	padded := (n + 3) &^ 3
	if n == 0 || len(r.b) < padded {
		r.err = true
		return ""
	}
	s := string(r.b[:n-1])
	r.b = r.b[padded:]
	return s
}
