// Package wlclient is the small Wayland client under cmd/wlbench: the wire
// format, object ids reused after delete_id (as libwayland does, so a long
// run keeps the server's object map small), and the handful of requests a
// benchmark needs from wl_compositor, wl_shm and xdg_wm_base. It is written
// for low overhead (no allocation per message on the hot path, blocking
// syscalls, one thread), so that client cost does not blur the
// compositor's.
package wlclient

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// Handler receives the events of one object: opcode, argument bytes (valid
// only during the call) and any file descriptors it carried.
type Handler func(opcode uint16, args []byte)

// ProtocolError is a wl_display.error event.
type ProtocolError struct {
	Object uint32
	Code   uint32
	Msg    string
}

func (e *ProtocolError) Error() string {
	return fmt.Sprintf("wayland protocol error: object %d code %d: %s", e.Object, e.Code, e.Msg)
}

// ErrTimeout is returned by Dispatch when nothing arrived before the deadline.
var ErrTimeout = errors.New("wlclient: timeout")

// Conn is a client connection. Not safe for concurrent use.
type Conn struct {
	fd       int
	out      []byte
	outFDs   []int
	in       []byte
	inStart  int
	inEnd    int
	oob      []byte
	handlers []Handler // by object id
	free     []uint32  // ids freed by delete_id, reused first
	nextID   uint32
	err      error

	// Requests counts requests sent.
	Requests uint64
	// Events counts events received.
	Events uint64
}

// Dial connects to socket path (absolute) or to name in $XDG_RUNTIME_DIR.
func Dial(socket string) (*Conn, error) {
	if socket == "" {
		socket = os.Getenv("WAYLAND_DISPLAY")
		if socket == "" {
			socket = "wayland-0"
		}
	}
	if !filepath.IsAbs(socket) {
		socket = filepath.Join(os.Getenv("XDG_RUNTIME_DIR"), socket)
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	if err := unix.Connect(fd, &unix.SockaddrUnix{Name: socket}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("connect %s: %w", socket, err)
	}
	c := &Conn{
		fd:       fd,
		in:       make([]byte, 1<<16),
		oob:      make([]byte, unix.CmsgSpace(28*4)),
		handlers: make([]Handler, 2, 64),
		nextID:   2,
	}
	c.handlers[1] = c.displayEvent
	return c, nil
}

// Close closes the socket.
func (c *Conn) Close() error { return unix.Close(c.fd) }

// Err is the first fatal error seen (protocol error, disconnect).
func (c *Conn) Err() error { return c.err }

// NewID allocates an object id, reusing one freed by delete_id first, and
// registers h for its events.
func (c *Conn) NewID(h Handler) uint32 {
	var id uint32
	if n := len(c.free); n > 0 {
		id = c.free[n-1]
		c.free = c.free[:n-1]
	} else {
		id = c.nextID
		c.nextID++
	}
	for int(id) >= len(c.handlers) {
		c.handlers = append(c.handlers, nil)
	}
	c.handlers[id] = h
	return id
}

// SetHandler replaces the handler of id.
func (c *Conn) SetHandler(id uint32, h Handler) { c.handlers[id] = h }

func (c *Conn) displayEvent(op uint16, a []byte) {
	switch op {
	case 0: // error
		obj, code := u32(a, 0), u32(a, 4)
		msg, _ := str(a, 8)
		if c.err == nil {
			c.err = &ProtocolError{obj, code, msg}
		}
	case 1: // delete_id
		id := u32(a, 0)
		if int(id) < len(c.handlers) {
			c.handlers[id] = nil
		}
		c.free = append(c.free, id)
	}
}

// Message building. A request is begun with begin, arguments appended with
// the put helpers, and closed with end, which writes the size.

func (c *Conn) begin(obj uint32, op uint16) int {
	n := len(c.out)
	c.out = binary.LittleEndian.AppendUint32(c.out, obj)
	c.out = binary.LittleEndian.AppendUint32(c.out, uint32(op))
	return n
}

func (c *Conn) end(start int) {
	size := uint32(len(c.out) - start)
	op := binary.LittleEndian.Uint32(c.out[start+4:]) & 0xffff
	binary.LittleEndian.PutUint32(c.out[start+4:], size<<16|op)
	c.Requests++
	if len(c.out) >= 1<<15 {
		c.Flush()
	}
}

func (c *Conn) u32(v uint32) { c.out = binary.LittleEndian.AppendUint32(c.out, v) }
func (c *Conn) i32(v int32)  { c.u32(uint32(v)) }

func (c *Conn) str(s string) {
	c.u32(uint32(len(s) + 1))
	c.out = append(c.out, s...)
	c.out = append(c.out, 0)
	for len(c.out)%4 != 0 {
		c.out = append(c.out, 0)
	}
}

// Flush writes buffered requests (and fds) to the socket, blocking until
// all are written.
func (c *Conn) Flush() error {
	for len(c.out) > 0 {
		var oob []byte
		if len(c.outFDs) > 0 {
			oob = unix.UnixRights(c.outFDs...)
		}
		n, err := unix.SendmsgN(c.fd, c.out, oob, nil, unix.MSG_NOSIGNAL)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			if c.err == nil {
				c.err = fmt.Errorf("wlclient: write: %w", err)
			}
			c.out = c.out[:0]
			return c.err
		}
		c.outFDs = c.outFDs[:0]
		c.out = c.out[:copy(c.out, c.out[n:])]
	}
	return nil
}

// Dispatch reads what is available (waiting until deadline if nothing is;
// a zero deadline waits forever) and calls the handlers of every complete
// event. It flushes pending requests first.
func (c *Conn) Dispatch(deadline time.Time) error {
	if err := c.Flush(); err != nil {
		return err
	}
	if c.err != nil {
		return c.err
	}
	timeout := -1
	if !deadline.IsZero() {
		d := time.Until(deadline)
		if d <= 0 {
			return ErrTimeout
		}
		timeout = int((d + time.Millisecond - 1) / time.Millisecond)
	}
	pfd := []unix.PollFd{{Fd: int32(c.fd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(pfd, timeout)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrTimeout
		}
		break
	}
	return c.readAndDispatch()
}

// DispatchBlocking reads with a blocking recvmsg (no poll first; lowest
// latency for round-trip measurements) and dispatches.
func (c *Conn) DispatchBlocking() error {
	if err := c.Flush(); err != nil {
		return err
	}
	return c.readAndDispatch()
}

func (c *Conn) readAndDispatch() error {
	if c.inStart > 0 {
		c.inEnd = copy(c.in, c.in[c.inStart:c.inEnd])
		c.inStart = 0
	}
	if c.inEnd == len(c.in) {
		c.in = append(c.in, make([]byte, len(c.in))...)
	}
	var n, oobn int
	var err error
	for {
		n, oobn, _, _, err = unix.Recvmsg(c.fd, c.in[c.inEnd:], c.oob, unix.MSG_CMSG_CLOEXEC)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		c.err = fmt.Errorf("wlclient: read: %w", err)
		return c.err
	}
	if n == 0 {
		if c.err == nil {
			c.err = errors.New("wlclient: compositor closed the connection")
		}
		return c.err
	}
	if oobn > 0 {
		// The benchmark never expects fds (no keymaps: it binds no seat);
		// close any that arrive.
		if msgs, err := unix.ParseSocketControlMessage(c.oob[:oobn]); err == nil {
			for _, m := range msgs {
				if fds, err := unix.ParseUnixRights(&m); err == nil {
					for _, fd := range fds {
						unix.Close(fd)
					}
				}
			}
		}
	}
	c.inEnd += n
	for c.inEnd-c.inStart >= 8 {
		b := c.in[c.inStart:c.inEnd]
		obj := binary.LittleEndian.Uint32(b)
		w := binary.LittleEndian.Uint32(b[4:])
		size := int(w >> 16)
		if size < 8 {
			c.err = fmt.Errorf("wlclient: bad event size %d", size)
			return c.err
		}
		if len(b) < size {
			break
		}
		c.Events++
		if int(obj) < len(c.handlers) && c.handlers[obj] != nil {
			c.handlers[obj](uint16(w&0xffff), b[8:size])
		}
		c.inStart += size
	}
	return c.err
}

func u32(a []byte, off int) uint32 {
	if off+4 > len(a) {
		return 0
	}
	return binary.LittleEndian.Uint32(a[off:])
}

func str(a []byte, off int) (string, int) {
	n := int(u32(a, off))
	if n == 0 || off+4+n > len(a) {
		return "", off + 4
	}
	s := string(a[off+4 : off+4+n-1])
	return s, off + 4 + (n+3)&^3
}

// Fixed converts a wl_fixed to float64.
func Fixed(v uint32) float64 { return float64(int32(v)) / 256 }

var _ = math.MaxInt32
