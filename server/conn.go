package server

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/nofault/nofault/protocol"
	"golang.org/x/sys/unix"
)

// readBufSize is how much one read may take from a client socket. It holds
// several maximum-size messages, and a partial message is carried over.
const readBufSize = 4 * protocol.MaxMessageSize

// initialReadSize is a new client's read buffer, before it grows.
const initialReadSize = 1024

// oobSize fits the most fds one sendmsg can carry on Linux (SCM_MAX_FD).
var oobSize = unix.CmsgSpace(253 * 4)

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

// errFraming reports a message header libwayland could not read either.
var errFraming = errors.New("malformed message header")

// readLoop frames messages from the socket and dispatches them itself,
// holding the display lock (Display.serve), as libwayland's event loop
// reads and dispatches on one thread: a request costs no hand-off to
// another goroutine, and a client that sends faster than the compositor
// handles simply waits in its socket. It stops at EOF, on error, or once
// the client is dead.
func (c *Client) readLoop() {
	// The buffer starts small and grows to readBufSize the first time a
	// read fills all its free space (more is waiting, or a message is
	// larger than the buffer): a thousand idle clients cost 1 KiB each, a
	// flooding one reads in large batches.
	acc := make([]byte, 0, initialReadSize)
	oob := make([]byte, oobSize)
	b := &batch{c: c}
	filled := false
	for {
		if filled && cap(acc) < readBufSize {
			acc = append(make([]byte, 0, readBufSize), acc...)
		}
		free := cap(acc) - len(acc)
		n, oobn, flags, _, err := c.conn.ReadMsgUnix(acc[len(acc):cap(acc)], oob)
		filled = n == free
		var fds []int
		if oobn > 0 {
			fds = parseRights(oob[:oobn])
		}
		if flags&unix.MSG_CTRUNC != 0 && err == nil {
			err = errors.New("control message truncated: fds lost")
		}
		if n < 0 {
			n = 0
		}
		acc = acc[:len(acc)+n]
		if (n == 0 && err == nil) || errors.Is(err, io.EOF) {
			err = errEOF
		}
		var end int
		var short *protocol.Header
		if err == nil {
			end, short, err = frame(acc)
		}
		if end > 0 || len(fds) > 0 || err != nil {
			// Handlers never keep the request bytes past their return,
			// so the batch can point into acc.
			b.data, b.fds, b.err, b.short = acc[:end], fds, err, short
			if !c.d.serve(b) {
				return
			}
		}
		if err != nil {
			return
		}
		copy(acc, acc[end:])
		acc = acc[:len(acc)-end]
	}
}

// serve handles a batch read from b.c's socket under the display lock,
// then flushes events. It reports whether the client is still served.
func (d *Display) serve(b *batch) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
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

func framingError(h protocol.Header) error {
	return fmt.Errorf("%w: object %d opcode %d size %d", errFraming, h.Object, h.Opcode, h.Size)
}

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
	conn *net.UnixConn
	raw  syscall.RawConn
	// Write-through state (under mu): the arguments and result of
	// directWrite, made once so a write does not allocate a closure.
	direct           func(fd uintptr) bool
	directB, directO []byte
	directN          int
	// wg counts running senders, for the display's shutdown.
	wg *sync.WaitGroup
	// failed is called once, from the sender, when a write fails.
	failed func(error)

	mu sync.Mutex
	// pending bytes and fds; fdEnds[i] is the byte offset in buf of the end
	// of the message that carries fds[i].
	buf     []byte
	fds     []int
	fdEnds  []int
	running bool // a sender goroutine is active
	closed  bool // nothing more is sent; queued fds are closed
	// The sender's own buffers, swapped with the pending ones.
	sbuf        []byte
	sfds, sends []int

	queued atomic.Int64
	err    error
}

func newWriter(conn *net.UnixConn, wg *sync.WaitGroup, failed func(error)) *writer {
	w := &writer{conn: conn, wg: wg, failed: failed}
	w.raw, _ = conn.SyscallConn()
	w.direct = func(fd uintptr) bool {
		n, err := unix.SendmsgN(int(fd), w.directB, w.directO, nil, unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL)
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

// idle reports whether everything queued has been sent (or dropped).
func (w *writer) idle() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return !w.running && (len(w.buf) == 0 || w.closed)
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
