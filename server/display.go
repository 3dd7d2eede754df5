package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nofault/nofault/protocol"
	"golang.org/x/sys/unix"
)

// Options configures a Display.
type Options struct {
	// Limits are the limits; zero fields take their defaults (LimitTable).
	Limits Limits
	// PeerCred, when set, replaces the SO_PEERCRED lookup of a new
	// connection's pid, uid and gid: tests use it to play several users.
	PeerCred func(*net.UnixConn) (pid, uid, gid int)
	// Trace, when true, logs every request and event like WAYLAND_DEBUG.
	Trace bool
}

// Display is the Wayland display: it accepts clients, owns the registry of
// globals and runs the dispatch loop.
type Display struct {
	// Set by NewDisplay, never changed.
	limits   Limits
	peerCred func(*net.UnixConn) (pid, uid, gid int)
	trace    *tracer
	socket   *Socket
	tasks    chan func()
	accepted chan *net.UnixConn
	stop     chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup // readers, senders, finishing clients, the acceptor
	running  atomic.Bool    // Run was called
	looping  atomic.Bool    // Run is serving: the lock is the loop (lock.go)

	// present counts clients from AddClient until their teardown has
	// closed everything (finish); gone is closed and replaced whenever a
	// teardown ends. leaving holds the clients destroyed whose finish has
	// not ended: their goroutines, buffers and objects are still
	// reachable, so a memory return waits for them (freeOSMemory). finish
	// takes presentMu without the display lock.
	presentMu sync.Mutex // guards following
	present   int
	gone      chan struct{}
	leaving   map[*Client]struct{}

	// mu is the display lock: whoever holds it is "the display loop".
	// Readers take it to dispatch their client's requests, Run takes it
	// for tasks and new clients. Before Run starts and after it returns,
	// the goroutine that owns the display stands in for the loop.
	// Functions that require it call assertLocked (lock.go).
	mu sync.Mutex // guards following

	closing bool // set at shutdown: readers stop

	clients    map[*Client]struct{}
	nextClient uint64
	dirty      []*Client
	scratch    []byte
	scratchFDs []int

	globals    []*Global
	nextGlobal uint32
	registries registrySet

	serial uint32
	stats  Stats
	// fdsTruncated counts reads that brought more than maxFDsPerRead fds
	// (the kernel closed the rest).
	fdsTruncated int

	clientCreated []func(*Client)
	activity      []func()

	// Accounts of the limits (limits.go).
	total        [numCharged]int64
	queuedFDs    int64
	batches      uint64 // request batches handled, the clock of Client.lastActive
	totalObjects int
	freeDebt     int
	freePending  bool
	freeQuiet    *time.Timer
	returnMemory func() // debug.FreeOSMemory; tests see when it runs
}

// NewDisplay returns a display that serves clients accepted on socket (which
// may be nil for tests that call AddClient directly).
func NewDisplay(socket *Socket, opts Options) *Display {
	d := &Display{
		limits:       opts.Limits.WithDefaults(),
		peerCred:     opts.PeerCred,
		socket:       socket,
		tasks:        make(chan func(), 256),
		accepted:     make(chan *net.UnixConn),
		stop:         make(chan struct{}),
		clients:      make(map[*Client]struct{}),
		registries:   registrySet{m: make(map[*protocol.Object]*Client)},
		gone:         make(chan struct{}),
		leaving:      make(map[*Client]struct{}),
		returnMemory: debug.FreeOSMemory,
		nextGlobal:   1,
	}
	if opts.Trace {
		d.trace = newTracer()
	}
	return d
}

// Socket returns the display's listening socket, or nil.
func (d *Display) Socket() *Socket { return d.socket }

// NextSerial returns a new event serial.
func (d *Display) NextSerial() uint32 {
	d.assertLocked()
	d.serial++
	return d.serial
}

// Serial returns the last serial handed out.
func (d *Display) Serial() uint32 {
	d.assertLocked()
	return d.serial
}

// Do runs fn on the display loop (on Run's goroutine, holding the display
// lock). It may be called from any goroutine but the loop itself; it
// blocks only if the loop's task queue is full.
func (d *Display) Do(fn func()) {
	select {
	case d.tasks <- fn:
	case <-d.stop:
	}
}

// RunLocked runs fn at once on the calling goroutine, holding the display
// lock (it is then the display loop, as a reader dispatching its client's
// requests is), and flushes the events fn queued before it lets the lock
// go. Unlike Do it costs no hand-off to Run's goroutine: a frame clock
// that calls it wakes one goroutine per frame, not two. It must not be
// called from the display loop itself. It reports false, without running
// fn, once the display is shutting down.
func (d *Display) RunLocked(fn func()) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closing {
		return false
	}
	fn()
	d.flushAll()
	return true
}

// OnActivity registers fn to run on the loop after client requests were
// handled or a client came or went: an idle backend uses it to restart its
// frame clock.
func (d *Display) OnActivity(fn func()) { d.activity = append(d.activity, fn) }

// OnClientCreated registers fn to run for every new client.
func (d *Display) OnClientCreated(fn func(*Client)) { d.clientCreated = append(d.clientCreated, fn) }

// Clients returns the connected clients (display loop only).
func (d *Display) Clients() []*Client {
	d.assertLocked()
	cs := make([]*Client, 0, len(d.clients))
	for c := range d.clients {
		cs = append(cs, c)
	}
	return cs
}

// Run serves clients until ctx is done or Stop is called. It must be called
// once. Everything touching compositor state runs under the display lock:
// client requests on their reader goroutines, tasks and new clients on
// Run's goroutine, one at a time.
func (d *Display) Run(ctx context.Context) error {
	if !d.running.CompareAndSwap(false, true) {
		return errors.New("display already running")
	}
	d.looping.Store(true)
	if d.socket != nil {
		d.wg.Add(1)
		go d.acceptLoop()
	}
	defer d.shutdown()
	for {
		select {
		case fn := <-d.tasks:
			d.mu.Lock()
			fn()
			d.flushAll()
			d.mu.Unlock()
		case conn := <-d.accepted:
			d.mu.Lock()
			d.AddClient(conn)
			d.active()
			d.flushAll()
			d.mu.Unlock()
		case <-ctx.Done():
			return nil
		case <-d.stop:
			return nil
		}
	}
}

func (d *Display) active() {
	for _, fn := range d.activity {
		fn()
	}
}

// Stop ends Run.
func (d *Display) Stop() { d.stopOnce.Do(func() { close(d.stop) }) }

func (d *Display) flushAll() {
	d.assertLocked()
	for i, c := range d.dirty {
		c.flush()
		if c.err != nil && !c.dead {
			c.reason = c.err.Message
			d.destroyClient(c)
		}
		d.dirty[i] = nil
	}
	d.dirty = d.dirty[:0]
}

// acceptLoop hands new connections to Run. Errors that say the process or
// the system is short of something for now (out of fds under a flood,
// out of memory, a connection aborted before it was accepted) are
// retried with a back-off from 5 ms doubling to 1 s, as net/http's Server
// does: the loop ends only when the socket is closed.
func (d *Display) acceptLoop() {
	defer d.wg.Done()
	var delay time.Duration
	for {
		conn, err := d.socket.Accept()
		if err != nil {
			select {
			case <-d.stop:
				return
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if !temporaryAccept(err) {
				slog.Error("accept failed; no new clients will be accepted", "err", err)
				return
			}
			delay = min(max(2*delay, acceptMinDelay), acceptMaxDelay)
			slog.Warn("accept failed; retrying", "err", err, "retry_in", delay)
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-d.stop:
				t.Stop()
				return
			}
			continue
		}
		delay = 0
		select {
		case d.accepted <- conn:
		case <-d.stop:
			conn.Close()
			return
		}
	}
}

// Back-off of acceptLoop after a temporary error (net/http's values).
const (
	acceptMinDelay = 5 * time.Millisecond
	acceptMaxDelay = time.Second
)

// temporaryAccept reports whether an accept error passes: the process or
// the system ran out of fds or memory, or the peer went before its
// connection was accepted.
func temporaryAccept(err error) bool {
	for _, e := range []syscall.Errno{unix.EMFILE, unix.ENFILE, unix.ENOBUFS, unix.ENOMEM,
		unix.ECONNABORTED, unix.ECONNRESET, unix.EINTR, unix.EAGAIN, unix.EPROTO, unix.EPERM, unix.ETIMEDOUT} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// AddClient starts serving conn (display loop only).
func (d *Display) AddClient(conn *net.UnixConn) *Client {
	d.assertLocked()
	pid, uid, gid := peerCred(conn)
	if d.peerCred != nil {
		pid, uid, gid = d.peerCred(conn)
	}
	if !d.admit(conn, uid) { // limits.go
		return nil
	}
	d.nextClient++
	c := &Client{
		d:          d,
		conn:       conn,
		id:         d.nextClient,
		readerDone: make(chan struct{}),
		finished:   make(chan struct{}),
	}
	c.w = newWriter(conn, &d.wg, func(err error) {
		// A failed write ends the client from the loop's side too. Do may
		// block on a full task queue: never from the sender itself.
		go d.Do(func() {
			if !c.dead {
				c.reason = "write: " + err.Error()
				d.destroyClient(c)
			}
		})
	})
	c.PID, c.UID, c.GID = pid, uid, gid
	if d.trace != nil {
		c.enc.Trace = func(obj protocol.ObjectID, iface *protocol.Interface, op uint16, args []byte, fds []int) {
			d.trace.event(c, obj, iface, op, args)
		}
	}
	c.display = &protocol.Object{ID: protocol.DisplayID, Interface: &protocol.WlDisplayInterface, Version: 1, Handler: &displayHandler{c: c}}
	c.objects.Insert(c.display)
	d.objectAdded()
	d.clients[c] = struct{}{}
	d.presentMu.Lock()
	d.present++
	d.presentMu.Unlock()
	d.stats.ClientsSeen++
	slog.Info("client connected", "client", c.id, "pid", c.PID, "uid", c.UID, "gid", c.GID)
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		defer close(c.readerDone)
		c.readLoop()
	}()
	for _, fn := range d.clientCreated {
		fn(c)
	}
	return c
}

// destroyClient tears a client down: objects in id order (as libwayland),
// then the client's own destroy listeners, then the connection. Pending
// output (such as a posted error) is flushed first.
func (d *Display) destroyClient(c *Client) {
	d.assertLocked()
	if c.dead {
		return
	}
	if c.enc.Len() > 0 {
		b, fds := c.enc.TakeInto(nil, nil)
		c.w.queue(b, fds)
	}
	c.dead = true
	c.objects.All(func(o *protocol.Object) { c.Destroy(o) })
	for _, fn := range c.destroyFn {
		fn()
	}
	// The client's registries left d.registries with their objects
	// (registryHandler.OnDestroy): teardown touches only what the client
	// holds, never a display-wide map, so a thousand clients leaving at
	// once cost a thousand times one, not a million registry visits.
	c.fds.CloseAll()
	c.releaseAccounts()
	delete(d.clients, c)
	d.stats.clientGone(c)
	d.presentMu.Lock()
	d.leaving[c] = struct{}{}
	d.presentMu.Unlock()
	d.wg.Add(1)
	go c.finish()
}

// leavingNow returns the ends (Client.finished) of the teardowns under
// way: clients destroyed whose finish has not ended.
func (d *Display) leavingNow() []chan struct{} {
	d.presentMu.Lock()
	defer d.presentMu.Unlock()
	ends := make([]chan struct{}, 0, len(d.leaving))
	for c := range d.leaving {
		ends = append(ends, c.finished)
	}
	return ends
}

// shutdownClients disconnects every client.
func (d *Display) shutdownClients() {
	d.assertLocked()
	for c := range d.clients {
		c.reason = "compositor shutting down"
		d.destroyClient(c)
	}
}

// finish lets the writer flush what is queued (bounded by a write
// deadline), closes the connection, waits for the reader to leave and then
// logs "client disconnected": from that line on, the process holds nothing
// of the client (its connection, queued and received fds and pool
// mappings are closed), which tests wait for before counting fds. Its
// end (finished) is the moment nothing refers to the client any more but
// this goroutine, which returns next: a memory return waits for it.
func (c *Client) finish() {
	defer close(c.finished) // last: after the deferred Done
	defer c.d.wg.Done()
	c.closeOnce.Do(func() {
		// Give the writer a chance to send the final error: a blocked
		// sender fails at the deadline.
		c.conn.SetWriteDeadline(deadlineSoon())
		c.w.wait()
		c.w.close()
		c.conn.Close()
	})
	<-c.readerDone
	slog.Info("client disconnected", "client", c.id, "pid", c.PID, "reason", c.reason)
	d := c.d
	d.presentMu.Lock()
	d.present--
	delete(d.leaving, c)
	close(d.gone)
	d.gone = make(chan struct{})
	d.presentMu.Unlock()
}

// WaitClientsGone waits until no client is connected and every client
// that left has had its connection, fds and pool mappings closed (the
// moment "client disconnected" is logged for the last one), or until ctx
// is done. It may be called from any goroutine but the display loop.
// Tests use it to count a process's fds after clients left, on the
// server's event rather than after a delay.
func (d *Display) WaitClientsGone(ctx context.Context) error {
	for {
		d.presentMu.Lock()
		n, ch := d.present, d.gone
		d.presentMu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("%d clients still present: %w", n, ctx.Err())
		}
	}
}

func (d *Display) shutdown() {
	d.Stop()
	d.mu.Lock()
	d.closing = true
	d.shutdownClients()
	d.mu.Unlock()
	if d.socket != nil {
		d.socket.Close()
	}
	// Readers see closing and stop; drain what other goroutines hand us
	// until every reader, sender and the acceptor are gone.
	done := make(chan struct{})
	go func() { d.wg.Wait(); close(done) }()
	for {
		select {
		case fn := <-d.tasks:
			_ = fn // state is gone; tasks are dropped
		case conn := <-d.accepted:
			conn.Close()
		case <-done:
			d.looping.Store(false)
			return
		}
	}
}
