// Package rawclient is a minimal raw Wayland client for tests and for tools
// that send malformed traffic on purpose. It knows the wire format and the
// few wl_display and wl_registry messages it needs (sync, get_registry,
// error, delete_id, global), nothing else: requests are built from an
// object id, an opcode and Go values, and events come back as raw bytes.
package rawclient

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"syscall"
	"time"
)

// DisplayID is the object id of wl_display, fixed by the protocol.
const DisplayID = 1

// Well-known wl_display and wl_registry opcodes.
const (
	displaySync        = 0 // request wl_display.sync(callback new_id)
	displayGetRegistry = 1 // request wl_display.get_registry(registry new_id)
	displayError       = 0 // event wl_display.error(object, code, message)
	displayDeleteID    = 1 // event wl_display.delete_id(id)
	registryGlobal     = 0 // event wl_registry.global(name, interface, version)
	registryRemove     = 1 // event wl_registry.global_remove(name)
	callbackDone       = 0 // event wl_callback.done(data)
)

// maxFDsPerRead bounds the SCM_RIGHTS fds accepted in one read (libwayland
// sends at most 28 per message).
const maxFDsPerRead = 28

// ErrDisconnected is returned (wrapped) when the server closed the
// connection without sending wl_display.error. It wraps io.EOF.
var ErrDisconnected = fmt.Errorf("rawclient: disconnected: %w", io.EOF)

// ProtocolError is a wl_display.error event received from the server.
type ProtocolError struct {
	ObjectID uint32
	Code     uint32
	Message  string
}

// Error implements error.
func (e *ProtocolError) Error() string {
	return fmt.Sprintf("wayland protocol error: object %d, code %d: %s", e.ObjectID, e.Code, e.Message)
}

// AsProtocolError decodes ev if it is a wl_display.error event.
func AsProtocolError(ev Event) (*ProtocolError, bool) {
	if ev.Object != DisplayID || ev.Opcode != displayError {
		return nil, false
	}
	r := ev.Reader()
	pe := &ProtocolError{ObjectID: r.Uint(), Code: r.Uint(), Message: r.String()}
	return pe, true
}

// Global is one wl_registry.global announcement.
type Global struct {
	Name      uint32
	Interface string
	Version   uint32
}

// Conn is a raw client connection. It is not safe for concurrent use.
type Conn struct {
	uc *net.UnixConn

	// WriteTimeout bounds each Send and SendRaw; zero means no limit.
	// A server that stops reading cannot block a test forever.
	WriteTimeout time.Duration

	nextID   uint32
	in       []byte // received bytes not yet returned as events
	fdq      []int  // received fds not yet handed out
	expect   map[fdKey]int
	registry uint32
	globals  []Global
	deleted  map[uint32]bool
	readErr  error // sticky read error (EOF, reset)
}

type fdKey struct {
	obj    uint32
	opcode uint16
}

// Dial connects to the Wayland socket at the absolute path.
func Dial(path string) (*Conn, error) {
	uc, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("rawclient: dial %s: %w", path, err)
	}
	return NewConn(uc), nil
}

// DialEnv connects to $XDG_RUNTIME_DIR/$WAYLAND_DISPLAY (WAYLAND_DISPLAY
// defaults to "wayland-0"; an absolute WAYLAND_DISPLAY is used as is).
func DialEnv() (*Conn, error) {
	name := os.Getenv("WAYLAND_DISPLAY")
	if name == "" {
		name = "wayland-0"
	}
	if filepath.IsAbs(name) {
		return Dial(name)
	}
	dir := os.Getenv("XDG_RUNTIME_DIR")
	if dir == "" {
		return nil, errors.New("rawclient: XDG_RUNTIME_DIR is not set")
	}
	return Dial(filepath.Join(dir, name))
}

// NewConn wraps an already connected socket (for instance one end of a
// socketpair in tests). The Conn owns uc.
func NewConn(uc *net.UnixConn) *Conn {
	return &Conn{
		uc:           uc,
		WriteTimeout: 5 * time.Second,
		nextID:       DisplayID + 1,
		expect:       make(map[fdKey]int),
		deleted:      make(map[uint32]bool),
	}
}

// UnixConn returns the underlying socket.
func (c *Conn) UnixConn() *net.UnixConn { return c.uc }

// NewID allocates the next client object id. Ids are never reused.
func (c *Conn) NewID() uint32 {
	id := c.nextID
	c.nextID++
	return id
}

// PeekID returns the id the next NewID call will return.
func (c *Conn) PeekID() uint32 { return c.nextID }

// Send encodes and sends one request. Accepted argument types: uint32,
// int32, int (must fit 32 bits), Fixed, NewID, string (length, bytes, NUL
// and padding added), []byte (array), RawString (explicit length field),
// FD (sent with SCM_RIGHTS) and Bind (untyped new_id as in
// wl_registry.bind).
func (c *Conn) Send(obj uint32, opcode uint16, args ...any) error {
	b, fds, err := Marshal(obj, opcode, args...)
	if err != nil {
		return err
	}
	if err := c.SendRaw(b, fds); err != nil {
		return fmt.Errorf("rawclient: send %d.%d: %w", obj, opcode, err)
	}
	return nil
}

// SendRaw writes b as is, with fds attached by SCM_RIGHTS (the caller
// keeps its copies). It is how tests send malformed messages.
func (c *Conn) SendRaw(b []byte, fds []int) error {
	if c.WriteTimeout > 0 {
		if err := c.uc.SetWriteDeadline(time.Now().Add(c.WriteTimeout)); err != nil {
			return fmt.Errorf("rawclient: set write deadline: %w", err)
		}
	}
	var oob []byte
	if len(fds) > 0 {
		oob = syscall.UnixRights(fds...)
	}
	n, oobn, err := c.uc.WriteMsgUnix(b, oob, nil)
	if err != nil {
		return fmt.Errorf("rawclient: write: %w", err)
	}
	if n != len(b) || oobn != len(oob) {
		return fmt.Errorf("rawclient: short write (%d of %d bytes, %d of %d oob)", n, len(b), oobn, len(oob))
	}
	return nil
}

// CloseWrite shuts down the sending side of the socket, so the server sees
// end of file while the client can still read its answer.
func (c *Conn) CloseWrite() error { return c.uc.CloseWrite() }

// ExpectFDs tells the reader that events obj.opcode carry n file
// descriptors (the raw client does not know signatures). Such events get
// n fds from the received queue in Event.FDs.
func (c *Conn) ExpectFDs(obj uint32, opcode uint16, n int) {
	c.expect[fdKey{obj, opcode}] = n
}

// TakeFDs returns and removes every received fd not yet attached to an
// event. The caller owns them.
func (c *Conn) TakeFDs() []int {
	fds := c.fdq
	c.fdq = nil
	return fds
}

// ReadEvent returns the next event, reading from the socket if needed and
// waiting at most timeout (zero or negative: no limit). End of file gives
// an error wrapping io.EOF; a timeout an error wrapping
// os.ErrDeadlineExceeded. wl_display.error and delete_id are returned like
// any other event.
func (c *Conn) ReadEvent(timeout time.Duration) (Event, error) {
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	for {
		if ev, ok, err := c.parse(); err != nil || ok {
			return ev, err
		}
		if c.readErr != nil {
			return Event{}, c.readErr
		}
		if err := c.fill(deadline); err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return Event{}, fmt.Errorf("rawclient: no event within %v: %w", timeout, err)
			}
			c.readErr = err
		}
	}
}

// parse pops one complete event from the input buffer.
func (c *Conn) parse() (Event, bool, error) {
	if len(c.in) < HeaderSize {
		return Event{}, false, nil
	}
	obj := binary.LittleEndian.Uint32(c.in)
	w := binary.LittleEndian.Uint32(c.in[4:])
	size := int(w >> 16)
	if size < HeaderSize || size%4 != 0 {
		return Event{}, false, fmt.Errorf("rawclient: server sent a malformed header (object %d, size %d)", obj, size)
	}
	if len(c.in) < size {
		return Event{}, false, nil
	}
	ev := Event{Object: obj, Opcode: uint16(w), Args: append([]byte(nil), c.in[HeaderSize:size]...)}
	c.in = c.in[size:]
	if n := c.expect[fdKey{ev.Object, ev.Opcode}]; n > 0 {
		if len(c.fdq) < n {
			return Event{}, false, fmt.Errorf("rawclient: %v expects %d fds, %d received", ev, n, len(c.fdq))
		}
		ev.FDs = append([]int(nil), c.fdq[:n]...)
		c.fdq = c.fdq[n:]
	}
	return ev, true, nil
}

// fill does one read from the socket into the input buffer and fd queue.
func (c *Conn) fill(deadline time.Time) error {
	if err := c.uc.SetReadDeadline(deadline); err != nil {
		return fmt.Errorf("rawclient: set read deadline: %w", err)
	}
	buf := make([]byte, 65536)
	oob := make([]byte, syscall.CmsgSpace(4*maxFDsPerRead))
	// On Linux the net package passes MSG_CMSG_CLOEXEC.
	n, oobn, flags, _, err := c.uc.ReadMsgUnix(buf, oob)
	n, oobn = max(n, 0), max(oobn, 0)
	if oobn > 0 {
		if perr := c.queueFDs(oob[:oobn]); perr != nil && err == nil {
			err = perr
		}
	}
	c.in = append(c.in, buf[:n]...)
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return err
		}
		if errors.Is(err, io.EOF) {
			return ErrDisconnected
		}
		if errors.Is(err, syscall.ECONNRESET) {
			return fmt.Errorf("%w (connection reset)", ErrDisconnected)
		}
		return fmt.Errorf("rawclient: read: %w", err)
	}
	if flags&syscall.MSG_CTRUNC != 0 {
		return errors.New("rawclient: control message truncated, fds lost")
	}
	if n == 0 && oobn == 0 {
		return ErrDisconnected
	}
	return nil
}

func (c *Conn) queueFDs(oob []byte) error {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return fmt.Errorf("rawclient: parse control message: %w", err)
	}
	for _, m := range msgs {
		fds, err := syscall.ParseUnixRights(&m)
		if err != nil {
			continue
		}
		c.fdq = append(c.fdq, fds...)
	}
	return nil
}

// Sync sends wl_display.sync and returns the callback id.
func (c *Conn) Sync() (uint32, error) {
	cb := c.NewID()
	return cb, c.Send(DisplayID, displaySync, NewID(cb))
}

// Roundtrip sends wl_display.sync and collects events until the callback's
// done event, which is not included. wl_display.delete_id events are
// consumed (see Deleted) and registry globals recorded (see Globals). If
// the server sends wl_display.error, Roundtrip returns the events so far
// and a *ProtocolError; if it closes the connection, an error wrapping
// io.EOF. If the sync cannot be sent (the server already closed the
// socket), Roundtrip still reads what the server sent before closing, so a
// pending protocol error is reported rather than the write failure.
func (c *Conn) Roundtrip(timeout time.Duration) ([]Event, error) {
	cb, sendErr := c.Sync()
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	var evs []Event
	for {
		left := time.Duration(0)
		if timeout > 0 {
			left = time.Until(deadline)
			if left <= 0 {
				left = time.Nanosecond
			}
		}
		ev, err := c.ReadEvent(left)
		if err != nil {
			if sendErr != nil && !errors.Is(err, io.EOF) {
				return evs, sendErr
			}
			return evs, err
		}
		switch {
		case ev.Object == DisplayID && ev.Opcode == displayError:
			pe, _ := AsProtocolError(ev)
			return evs, pe
		case ev.Object == DisplayID && ev.Opcode == displayDeleteID:
			c.deleted[ev.Uint(0)] = true
		case sendErr == nil && ev.Object == cb && ev.Opcode == callbackDone:
			return evs, nil
		default:
			if c.registry != 0 && ev.Object == c.registry {
				c.noteRegistry(ev)
			}
			evs = append(evs, ev)
		}
	}
}

// Deleted reports whether the server sent wl_display.delete_id for id
// during a Roundtrip.
func (c *Conn) Deleted(id uint32) bool { return c.deleted[id] }

func (c *Conn) noteRegistry(ev Event) {
	r := ev.Reader()
	switch ev.Opcode {
	case registryGlobal:
		g := Global{Name: r.Uint(), Interface: r.String(), Version: r.Uint()}
		if r.Err() == nil {
			c.globals = append(c.globals, g)
		}
	case registryRemove:
		name := r.Uint()
		for i, g := range c.globals {
			if g.Name == name {
				c.globals = append(c.globals[:i], c.globals[i+1:]...)
				break
			}
		}
	}
}

// Registry returns the wl_registry id, or 0 before Globals was called.
func (c *Conn) Registry() uint32 { return c.registry }

// Globals creates a wl_registry on first use, does a roundtrip and returns
// the announced globals by interface name (the lowest name wins when an
// interface is announced more than once; see GlobalList).
func (c *Conn) Globals(timeout time.Duration) (map[string]Global, error) {
	if c.registry == 0 {
		c.registry = c.NewID()
		if err := c.Send(DisplayID, displayGetRegistry, NewID(c.registry)); err != nil {
			return nil, err
		}
	}
	if _, err := c.Roundtrip(timeout); err != nil {
		return nil, fmt.Errorf("rawclient: registry roundtrip: %w", err)
	}
	m := make(map[string]Global)
	for _, g := range c.GlobalList() {
		if _, ok := m[g.Interface]; !ok {
			m[g.Interface] = g
		}
	}
	return m, nil
}

// GlobalList returns every global seen so far, ordered by name.
func (c *Conn) GlobalList() []Global {
	l := append([]Global(nil), c.globals...)
	sort.Slice(l, func(i, j int) bool { return l[i].Name < l[j].Name })
	return l
}

// BindGlobal binds the global announcing iface at version with a fresh id
// (Globals must have been called) and returns the id.
func (c *Conn) BindGlobal(iface string, version uint32) (uint32, error) {
	var g *Global
	for i := range c.globals {
		if c.globals[i].Interface == iface && (g == nil || c.globals[i].Name < g.Name) {
			g = &c.globals[i]
		}
	}
	if g == nil {
		return 0, fmt.Errorf("rawclient: no global %s announced", iface)
	}
	id := c.NewID()
	if err := c.Send(c.registry, 0, g.Name, Bind{Interface: iface, Version: version, ID: id}); err != nil {
		return 0, err
	}
	return id, nil
}

// Close closes the connection and every received fd not handed out.
func (c *Conn) Close() error {
	for _, fd := range c.fdq {
		syscall.Close(fd)
	}
	c.fdq = nil
	return c.uc.Close()
}
