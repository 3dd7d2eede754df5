package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"

	"github.com/nofault/nofault/protocol"
	"golang.org/x/sys/unix"
)

// Client is one connected Wayland client. Its methods must be called on the
// display loop.
type Client struct {
	d       *Display
	conn    *net.UnixConn
	id      uint64
	objects protocol.ObjectMap
	// syncCB is the object of wl_display.sync's callback, reused: the
	// handler creates and destroys it before it returns, and nothing keeps
	// it, so a round trip allocates no object.
	syncCB protocol.Object
	fds    protocol.FDQueue
	enc    protocol.Encoder
	dec    protocol.Decoder
	w      *writer

	// Credentials of the peer process (SO_PEERCRED).
	PID, UID, GID int

	closeOnce  sync.Once
	readerDone chan struct{}
	finished   chan struct{} // closed when finish ends (display.go)

	dirty     bool
	err       *protocol.Error // the error posted, if any
	dead      bool
	reason    string
	values    map[any]any
	destroyFn []func()
	display   *protocol.Object

	// Accounts of the limits (limits.go).
	held        [numCharged]int64
	queuedFDs   int64
	released    bool
	peakObjects int
	peakRects   int64
	requests    int
	abusive     bool   // ended by a limit
	lastActive  uint64 // Display.batches when its last requests came
}

// Display returns the display the client is connected to.
func (c *Client) Display() *Display { return c.d }

// ID is a number unique to this client within the process, for logs.
func (c *Client) ID() uint64 { return c.id }

// Events returns the encoder for events to this client. Everything encoded
// is flushed when the display loop finishes its current step.
func (c *Client) Events() *protocol.Encoder {
	c.markDirty()
	return &c.enc
}

func (c *Client) markDirty() {
	if !c.dirty {
		c.dirty = true
		c.d.dirty = append(c.d.dirty, c)
	}
}

// Lookup returns the client's live object with the given id, or nil.
func (c *Client) Lookup(id protocol.ObjectID) *protocol.Object { return c.objects.Lookup(id) }

// ObjectCount returns the number of live objects.
func (c *Client) ObjectCount() int { return c.objects.Len() }

// NewObject creates the object id (a client-allocated new_id already checked
// by the decoder) with the given interface, version and request handler.
// It returns nil, after posting no_memory, when the client is over its
// object limit.
func (c *Client) NewObject(id protocol.ObjectID, iface *protocol.Interface, version uint32, handler any) *protocol.Object {
	c.d.assertLocked()
	if !c.checkNewObject() {
		return nil
	}
	return c.newObjectAt(&protocol.Object{}, id, iface, version, handler)
}

// newObjectAt is NewObject into o, which no one else refers to.
func (c *Client) newObjectAt(o *protocol.Object, id protocol.ObjectID, iface *protocol.Interface, version uint32, handler any) *protocol.Object {
	*o = protocol.Object{ID: id, Interface: iface, Version: version, Handler: handler}
	if !c.objects.Insert(o) {
		c.PostError(protocol.Errorf(c.display, protocol.WlDisplayErrorInvalidObject, "invalid new id %d", id))
		return nil
	}
	c.objectInserted()
	return o
}

// NewServerObject creates an object with a server-allocated id, for events
// that introduce objects (wl_data_device.data_offer).
func (c *Client) NewServerObject(iface *protocol.Interface, version uint32, handler any) *protocol.Object {
	c.d.assertLocked()
	o := &protocol.Object{ID: c.objects.NewServerID(), Interface: iface, Version: version, Handler: handler}
	c.objects.Insert(o)
	c.objectInserted()
	return o
}

// Destroyer is implemented by handlers that need to know when their object
// goes, whether by a destructor request, by the compositor or because the
// client disconnected.
type Destroyer interface {
	OnDestroy()
}

// Destroy removes o from the client, calls its handler's OnDestroy and, for
// client-allocated ids, sends wl_display.delete_id as libwayland does.
func (c *Client) Destroy(o *protocol.Object) {
	c.d.assertLocked()
	if o.Destroyed() {
		return
	}
	if c.objects.Remove(o.ID) != nil {
		c.d.objectRemoved()
	}
	if h, ok := o.Handler.(Destroyer); ok {
		h.OnDestroy()
	}
	if o.ID < protocol.ServerIDStart && !c.dead && c.display != nil {
		protocol.SendWlDisplayDeleteID(c.Events(), protocol.DisplayID, uint32(o.ID))
	}
}

// PostError sends wl_display.error and schedules the client's disconnect
// once the error has been flushed. Only the first error is sent.
func (c *Client) PostError(err *protocol.Error) {
	c.d.assertLocked()
	if c.err != nil || c.dead {
		return
	}
	c.err = err
	protocol.SendWlDisplayError(c.Events(), protocol.DisplayID, err.Object, err.Code, err.Message)
	c.d.stats.errorPosted(c, err)
	slog.Info("protocol error", "client", c.id, "pid", c.PID, "object", err.Object, "code", err.Code, "message", err.Message)
}

// PostErrorf posts a protocol error on obj.
func (c *Client) PostErrorf(obj *protocol.Object, code protocol.ErrorCode, format string, args ...any) {
	c.PostError(protocol.Errorf(obj, code, format, args...))
}

// PostImplementationError posts wl_display.error implementation, as
// wl_client_post_implementation_error does.
func (c *Client) PostImplementationError(format string, args ...any) {
	c.PostError(protocol.Errorf(c.display, protocol.WlDisplayErrorImplementation, format, args...))
}

// Failed reports whether an error has been posted to the client.
func (c *Client) Failed() bool { return c.err != nil || c.dead }

// Dead reports whether the client has been disconnected.
func (c *Client) Dead() bool { return c.dead }

// Value returns per-client data stored by other packages under key.
func (c *Client) Value(key any) any { return c.values[key] }

// SetValue stores per-client data under key.
func (c *Client) SetValue(key, v any) {
	c.d.assertLocked()
	if c.values == nil {
		c.values = make(map[any]any)
	}
	c.values[key] = v
}

// OnDestroy registers fn to run when the client is destroyed, after all its
// objects are.
func (c *Client) OnDestroy(fn func()) {
	c.d.assertLocked()
	c.destroyFn = append(c.destroyFn, fn)
}

// handle dispatches the complete messages in b.
func (c *Client) handle(b *batch) {
	c.d.assertLocked()
	c.d.batches++
	c.lastActive = c.d.batches // limits.go: admit ends the longest idle
	c.fds.Push(b.fds...)
	if len(b.fds) > 0 {
		c.checkFDs()
	}
	defer c.syncQueuedFDs()
	data := b.data
	for len(data) > 0 && !c.Failed() {
		h, _ := protocol.ParseHeader(data)
		body := data[protocol.HeaderSize:h.Size]
		data = data[h.Size:]
		c.dispatch(h, body, false)
	}
	if b.short != nil && !c.Failed() {
		c.dispatch(*b.short, nil, true)
	}
	if b.err != nil && !c.dead {
		c.reason = b.err.Error()
		c.d.destroyClient(c)
	}
}

// dispatch checks and handles one request. short marks a header whose size
// field is under 8: it passes the object and opcode checks like any request
// and then fails as invalid arguments, as in libwayland.
func (c *Client) dispatch(h protocol.Header, body []byte, short bool) {
	o := c.objects.Lookup(h.Object)
	if o == nil {
		c.PostErrorf(c.display, protocol.WlDisplayErrorInvalidObject, "invalid object %d", h.Object)
		return
	}
	if int(h.Opcode) >= len(o.Interface.Requests) {
		c.PostErrorf(c.display, protocol.WlDisplayErrorInvalidMethod, "invalid method %d, object %s@%d", h.Opcode, o.Interface.Name, o.ID)
		return
	}
	msg := &o.Interface.Requests[h.Opcode]
	if o.Version > 0 && o.Version < msg.Since {
		c.PostErrorf(c.display, protocol.WlDisplayErrorInvalidMethod, "invalid method %d (since %d < %d), object %s@%d",
			h.Opcode, o.Version, msg.Since, o.Interface.Name, o.ID)
		return
	}
	if short {
		c.PostErrorf(c.display, protocol.WlDisplayErrorInvalidMethod, "invalid arguments for %s@%d.%s", o.Interface.Name, o.ID, msg.Name)
		return
	}
	if c.d.trace != nil {
		c.d.trace.request(c, o, h.Opcode, body)
	}
	c.dec.Reset(body, &c.fds, &c.objects)
	err := o.Interface.Dispatch(o.Handler, o, h.Opcode, &c.dec)
	c.d.stats.Requests++
	c.requests++
	if err != nil {
		var perr *protocol.Error
		switch {
		case errors.Is(err, protocol.ErrBadArgs):
			c.PostErrorf(c.display, protocol.WlDisplayErrorInvalidMethod, "invalid arguments for %s@%d.%s", o.Interface.Name, o.ID, msg.Name)
		case errors.As(err, &perr):
			c.PostError(perr)
		default:
			c.PostImplementationError("%s@%d.%s: %v", o.Interface.Name, o.ID, msg.Name, err)
		}
		return
	}
	if msg.Destructor && !o.Destroyed() {
		c.Destroy(o)
	}
}

// flush hands encoded events to the writer. A client whose queue exceeds
// its limit is disconnected: it is not reading its socket.
func (c *Client) flush() {
	c.d.assertLocked()
	c.dirty = false
	if c.enc.Len() == 0 || c.dead {
		return
	}
	b, fds := c.enc.TakeInto(c.d.scratch[:0], c.d.scratchFDs[:0])
	q := c.w.queue(b, fds)
	c.d.scratch, c.d.scratchFDs = b[:0], fds[:0]
	if lim := c.d.limits.MaxQueuedBytes; lim > 0 && q > int64(lim) && !c.dead {
		slog.Warn("client not reading its socket; disconnecting", "client", c.id, "pid", c.PID, "queued", q, "limit", lim)
		c.reason = fmt.Sprintf("outgoing queue over %d bytes", lim)
		c.d.stats.clientStalled()
		c.d.stats.limitHit("max_queued_bytes")
		c.abusive = true
		c.d.destroyClient(c)
		return
	}
	c.checkQueued(q)
}

func peerCred(conn *net.UnixConn) (pid, uid, gid int) {
	raw, err := conn.SyscallConn()
	if err != nil {
		return -1, -1, -1
	}
	pid, uid, gid = -1, -1, -1
	raw.Control(func(fd uintptr) {
		if cred, err := unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED); err == nil {
			pid, uid, gid = int(cred.Pid), int(cred.Uid), int(cred.Gid)
		}
	})
	return pid, uid, gid
}
