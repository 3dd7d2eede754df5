package server

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/nofault/nofault/internal/rawsys"
	"github.com/nofault/nofault/protocol"
	"golang.org/x/sys/unix"
)

// readBufSize is how much one read may take from a client socket. It holds
// several maximum-size messages, and a partial message is carried over.
const readBufSize = 4 * protocol.MaxMessageSize

// initialReadSize is a new client's read buffer, before it grows.
const initialReadSize = 1024

// maxFDsPerRead is the most fds one read takes from a client socket:
// libwayland's MAX_FDS_OUT (its receive buffer is CMSG_LEN of 28 fds).
// A client that attaches more to one sendmsg loses the rest to the kernel
// (MSG_CTRUNC), as with libwayland, so no read installs more than this
// many fds in the compositor, whatever the client sends.
const maxFDsPerRead = protocol.MaxFDsPerMessage

// oobSize fits maxFDsPerRead fds.
var oobSize = unix.CmsgSpace(maxFDsPerRead * 4)

// batch is a run of complete messages read from one client, with the fds
// that arrived with them. err, when set, ends the client after the
// messages are handled.
type batch struct {
	c    *Client
	data []byte
	fds  []int
	err  error
	// short, when set, is a header whose size is under 8 bytes that
	// followed data: libwayland dispatches it and fails its arguments.
	short *protocol.Header
}

// readLoop frames messages from the socket and dispatches them itself,
// holding the display lock, as libwayland's event loop reads and
// dispatches on one thread: a request costs no hand-off to another
// goroutine, and a client that sends faster than the compositor handles
// simply waits in its socket. The recvmsg itself runs under the display
// lock too (the goroutine waits for the socket to be readable without it):
// before it, room for maxFDsPerRead more fds is made under total_fds, and
// the fds it brings are charged before the lock is released, so the
// readers of many clients can never together hold fds that no limit
// counted. It stops at EOF, on error, or once the client is dead.
func (c *Client) readLoop() {
	raw, err := c.conn.SyscallConn()
	if err != nil {
		c.d.Do(func() {
			if !c.dead {
				c.reason = "socket: " + err.Error()
				c.d.destroyClient(c)
			}
		})
		return
	}
	// The buffer starts small and grows to readBufSize the first time a
	// read fills all its free space (more is waiting, or a message is
	// larger than the buffer): a thousand idle clients cost 1 KiB each, a
	// flooding one reads in large batches.
	r := &reader{c: c, acc: make([]byte, 0, initialReadSize), oob: make([]byte, oobSize)}
	r.recv = r.recvLocked
	b := &batch{c: c}
	filled := false
	for {
		if filled && cap(r.acc) < readBufSize {
			r.acc = append(make([]byte, 0, readBufSize), r.acc...)
		}
		free := cap(r.acc) - len(r.acc)
		r.locked, r.stop = false, false
		if err := raw.Read(r.recv); err != nil {
			// The connection was closed (finish): the client is gone.
			if r.locked {
				c.d.mu.Unlock()
			}
			return
		}
		// raw.Read returned after recvLocked took the display lock.
		if r.stop {
			c.d.mu.Unlock()
			return
		}
		n, oobn, flags, err := r.n, r.oobn, r.flags, r.err
		filled = n == free
		var fds []int
		if oobn > 0 {
			fds = parseRights(r.oob[:oobn])
		}
		if flags&unix.MSG_CTRUNC != 0 {
			// More than maxFDsPerRead fds came with one sendmsg: the
			// kernel closed the rest. libwayland ignores this too (the
			// client fails later if a request lacks its fd).
			c.d.fdsTruncated++
		}
		if n < 0 {
			n = 0
		}
		r.acc = r.acc[:len(r.acc)+n]
		if (n == 0 && err == nil) || errors.Is(err, io.EOF) {
			err = errEOF
		}
		var end int
		var short *protocol.Header
		if err == nil {
			end, short, err = frame(r.acc)
		}
		alive := true
		if end > 0 || len(fds) > 0 || err != nil {
			// Handlers never keep the request bytes past their return,
			// so the batch can point into acc.
			b.data, b.fds, b.err, b.short = r.acc[:end], fds, err, short
			alive = c.d.serveLocked(b)
		}
		c.d.mu.Unlock()
		if !alive || err != nil {
			return
		}
		copy(r.acc, r.acc[end:])
		r.acc = r.acc[:len(r.acc)-end]
	}
}

// reader is readLoop's state for recvLocked, made once so that a read
// does not allocate a closure.
type reader struct {
	c        *Client
	acc, oob []byte
	recv     func(fd uintptr) bool
	// Results of the last recvLocked.
	n, oobn, flags int
	err            error
	locked         bool // recvLocked returned holding the display lock
	stop           bool // the client is dead or the display closing
}

// recvLocked is the raw.Read callback: it takes the display lock, makes
// room for maxFDsPerRead fds and receives without blocking. When the
// socket has nothing it lets the lock go and returns false, so raw.Read
// waits for the socket to be readable; otherwise it returns true, still
// holding the lock.
func (r *reader) recvLocked(fd uintptr) bool {
	d := r.c.d
	d.mu.Lock()
	r.locked = true
	if d.closing || r.c.dead || !d.makeFDRoom(r.c) {
		// makeFDRoom posted the client its error: flush it and end.
		d.flushAll()
		r.stop = true
		return true
	}
	for {
		r.n, r.oobn, r.flags, r.err = rawsys.Recvmsg(int(fd), r.acc[len(r.acc):cap(r.acc)], r.oob, unix.MSG_DONTWAIT|unix.MSG_CMSG_CLOEXEC)
		if r.err != unix.EINTR {
			break
		}
	}
	if r.err == unix.EAGAIN {
		r.locked = false
		d.mu.Unlock()
		return false
	}
	return true
}

// makeFDRoom makes room under total_fds for the fds of one more read
// (maxFDsPerRead) before it happens: while the fds held and queued by all
// clients, plus that read, would pass the total, clients are ended as for
// any total (makeRoom). It reports false when c was ended (its error is
// posted). Display loop only.
func (d *Display) makeFDRoom(c *Client) bool {
	d.assertLocked()
	_, total, _, totalKey := d.limits.limit(HeldFDs)
	return d.makeRoom(HeldFDs, maxFDsPerRead, total, totalKey, c)
}

// serveLocked handles a batch read from b.c's socket, then flushes events.
// It reports whether the client is still served. The caller holds the
// display lock.
func (d *Display) serveLocked(b *batch) bool {
	d.assertLocked()
	if d.closing || b.c.dead {
		closeAll(b.fds)
		return false
	}
	b.c.handle(b)
	d.active()
	d.flushAll()
	return !b.c.dead
}

var errEOF = errors.New("client closed the connection")

func parseRights(oob []byte) []int {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil
	}
	var fds []int
	for i := range msgs {
		if r, err := unix.ParseUnixRights(&msgs[i]); err == nil {
			fds = append(fds, r...)
		}
	}
	return fds
}

func closeAll(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}

// writer sends a client's events. The display loop hands it events under
// mu and never blocks: with nothing pending they are written through with
// one non-blocking sendmsg; what the socket refuses is appended to the
// pending buffers, and a sending goroutine runs only while there is
// something pending (so a thousand idle clients cost no writer
// goroutines), swapping the pending buffers out and writing them. A client
// whose socket is full keeps its sender blocked in the write while the
// loop keeps queueing, up to max_queued_bytes.
type writer struct {
	// Set by newWriter, never changed.
	conn *net.UnixConn
	raw  syscall.RawConn
	// direct is tryWrite's raw.Write callback, made once so a write does
	// not allocate a closure.
	direct func(fd uintptr) bool
	// wg counts running senders, for the display's shutdown; senders
	// counts this writer's own, for the client's teardown (wait).
	wg      *sync.WaitGroup
	senders sync.WaitGroup
	// failed is called once, from the sender, when a write fails.
	failed func(error)

	queued atomic.Int64 // bytes queued for a sender, not yet sent

	mu sync.Mutex // guards following
	// Write-through state: direct's arguments and result.
	directB, directO []byte
	directN          int
	// pending bytes and fds; fdEnds[i] is the byte offset in buf of the end
	// of the message that carries fds[i].
	buf     []byte
	fds     []int
	fdEnds  []int
	running bool // a sender goroutine is active
	closed  bool // nothing more is sent; queued fds are closed
	// The sender's own buffers, swapped with the pending ones (the sender
	// uses them without mu while it writes).
	sbuf        []byte
	sfds, sends []int
	err         error // the write that failed
}

func newWriter(conn *net.UnixConn, wg *sync.WaitGroup, failed func(error)) *writer {
	w := &writer{conn: conn, wg: wg, failed: failed}
	w.raw, _ = conn.SyscallConn()
	w.direct = func(fd uintptr) bool {
		n, err := rawsys.Sendmsg(int(fd), w.directB, w.directO, unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL)
		if err != nil {
			n = 0
		}
		w.directN = n
		return true // never wait for the poller here
	}
	return w
}

// queue writes encoded events through when nothing is pending, and queues
// what the socket did not take for a sender goroutine, started if none
// runs. It never blocks.
func (w *writer) queue(b []byte, fds []int) int64 {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		closeAll(fds)
		return w.queued.Load()
	}
	if !w.running && len(w.buf) == 0 && len(b) > 0 {
		// Nothing is in flight: write through, as libwayland flushes,
		// and leave only what the socket did not take to a sender.
		n := w.tryWrite(b, fds)
		if n > 0 {
			closeAll(fds) // sent with the first byte
			fds = nil
		}
		b = b[n:]
		if len(b) == 0 {
			w.mu.Unlock()
			return w.queued.Load()
		}
	}
	base := len(w.buf)
	w.buf = append(w.buf, b...)
	for _, fd := range fds {
		w.fds = append(w.fds, fd)
		// Conservative: the fd may be used by any message up to the end of
		// this flush, so it must arrive with or before the last byte.
		w.fdEnds = append(w.fdEnds, base+len(b))
	}
	q := w.queued.Add(int64(len(b)))
	if !w.running {
		w.running = true
		w.wg.Add(1)
		w.senders.Add(1)
		go w.run()
	}
	w.mu.Unlock()
	return q
}

// tryWrite makes one non-blocking sendmsg of b with all of fds, and returns
// how many bytes the socket took (0 when it would block, or on an error,
// which the sender then meets again and reports).
func (w *writer) tryWrite(b []byte, fds []int) int {
	if w.raw == nil || len(fds) > protocol.MaxFDsPerMessage {
		return 0
	}
	w.directB, w.directO, w.directN = b, nil, 0
	if len(fds) > 0 {
		w.directO = unix.UnixRights(fds...)
	}
	w.raw.Write(w.direct)
	w.directB, w.directO = nil, nil
	return w.directN
}

// run sends until nothing is pending, the writer is closed or a write
// fails.
func (w *writer) run() {
	defer w.wg.Done()
	defer w.senders.Done()
	for {
		w.mu.Lock()
		if w.closed || len(w.buf) == 0 {
			w.running = false
			w.mu.Unlock()
			return
		}
		buf, fds, ends := w.buf, w.fds, w.fdEnds
		w.buf, w.fds, w.fdEnds = w.sbuf[:0], w.sfds[:0], w.sends[:0]
		w.mu.Unlock()
		err := w.send(buf, fds, ends)
		closeAll(fds)
		w.queued.Add(-int64(len(buf)))
		w.mu.Lock()
		w.sbuf, w.sfds, w.sends = buf[:0], fds[:0], ends[:0]
		if err != nil {
			w.err = err
			w.closed = true
			closeAll(w.fds)
			w.fds, w.fdEnds = nil, nil
			w.running = false
			w.mu.Unlock()
			w.failed(err)
			return
		}
		w.mu.Unlock()
	}
}

// close stops sending: queued fds are closed and nothing more is written.
func (w *writer) close() {
	w.mu.Lock()
	w.closed = true
	closeAll(w.fds)
	w.fds, w.fdEnds = nil, nil
	w.mu.Unlock()
}

// send writes buf, attaching at most MaxFDsPerMessage fds per sendmsg and
// never letting bytes overtake the fds they need.
func (w *writer) send(buf []byte, fds, ends []int) error {
	off := 0
	for len(fds) > 0 {
		k := min(len(fds), protocol.MaxFDsPerMessage)
		limit := len(buf)
		if k < len(fds) {
			limit = ends[k-1]
		}
		if limit <= off {
			limit = off + 1 // always send at least one byte with the fds
		}
		n, _, err := w.conn.WriteMsgUnix(buf[off:limit], unix.UnixRights(fds[:k]...), nil)
		if err != nil {
			return err
		}
		off += n
		if off < limit {
			if _, err := w.conn.Write(buf[off:limit]); err != nil {
				return err
			}
			off = limit
		}
		fds, ends = fds[k:], ends[k:]
	}
	if off < len(buf) {
		if _, err := w.conn.Write(buf[off:]); err != nil {
			return err
		}
	}
	return nil
}
