package server

import (
	"context"
	"encoding/binary"
	"errors"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// rawClient is a client that speaks the wire format itself, so a test can
// attach any number of fds to a message.
type rawClient struct {
	conn   *net.UnixConn
	nextID uint32
	buf    []byte
}

func dialRaw(t *testing.T, path string) *rawClient {
	t.Helper()
	conn, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &rawClient{conn: conn, nextID: 2}
}

// sync sends wl_display.sync with fds attached and returns the callback id.
func (c *rawClient) sync(fds ...int) (uint32, error) {
	id := c.nextID
	c.nextID++
	var oob []byte
	if len(fds) > 0 {
		oob = unix.UnixRights(fds...)
	}
	_, _, err := c.conn.WriteMsgUnix(msg(1, 0, id), oob, nil)
	return id, err
}

// roundtrip sends wl_display.sync and reads events until its done. timeout
// only bounds a failure: a healthy server answers at once.
func (c *rawClient) roundtrip(timeout time.Duration) error {
	id, err := c.sync()
	if err != nil {
		return err
	}
	c.conn.SetReadDeadline(time.Now().Add(timeout))
	defer c.conn.SetReadDeadline(time.Time{})
	tmp := make([]byte, 4096)
	for {
		for len(c.buf) >= 8 {
			obj := binary.LittleEndian.Uint32(c.buf)
			w := binary.LittleEndian.Uint32(c.buf[4:])
			size, op := int(w>>16), w&0xffff
			if size < 8 || len(c.buf) < size {
				break
			}
			c.buf = c.buf[size:]
			if obj == id && op == 0 {
				return nil
			}
			if obj == 1 && op == 0 {
				return errors.New("wl_display.error")
			}
		}
		n, err := c.conn.Read(tmp)
		if err != nil {
			return err
		}
		c.buf = append(c.buf, tmp[:n]...)
	}
}

// setNoFile sets the soft RLIMIT_NOFILE for the rest of the test.
func setNoFile(t *testing.T, soft uint64) {
	t.Helper()
	var old unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	if soft > old.Max {
		t.Skipf("RLIMIT_NOFILE hard limit %d under %d", old.Max, soft)
	}
	nl := old
	nl.Cur = soft
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &nl); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Setrlimit(unix.RLIMIT_NOFILE, &old) })
}

func openFDs(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(ents)
}

// TestFDFloodKeepsAccepting is issue 16's fd flood: clients each send one
// wl_display.sync carrying 253 fds (SCM_MAX_FD). Before the fix the
// readers received every fd before total_fds counted them, the process
// reached RLIMIT_NOFILE, accept4 failed with EMFILE and the accept loop
// returned for good. Now a read takes at most 28 fds, room for them is
// made under total_fds (which the compositor fits under RLIMIT_NOFILE)
// before the read, and accept retries: after the flood a new client
// connects and round-trips.
func TestFDFloodKeepsAccepting(t *testing.T) {
	// A low limit makes the flood small; total_fds fits under it, as the
	// compositor sets it (compositor.clampFDs).
	setNoFile(t, uint64(openFDs(t))+400)
	_, path := startDisplayWith(t, Options{Limits: Limits{TotalFDs: 300}})
	null, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(null)
	many := make([]int, 253)
	for i := range many {
		many[i] = null
	}
	const flooders, rounds = 40, 10
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []*net.UnixConn
	for i := 0; i < flooders; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				conn, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: path, Net: "unix"})
				if err != nil {
					continue
				}
				mu.Lock()
				conns = append(conns, conn) // kept open until the flood ends
				mu.Unlock()
				conn.WriteMsgUnix(msg(1, 0, 2), unix.UnixRights(many...), nil)
			}
		}()
	}
	wg.Wait()
	for _, c := range conns {
		c.Close()
	}
	c := dialRaw(t, path)
	if err := c.roundtrip(30 * time.Second); err != nil {
		t.Fatalf("after the fd flood a new client got no answer: %v", err)
	}
}

// TestFDFloodOneReadTakesAtMost28: a message carrying more fds than
// libwayland's 28 gets its first 28 taken and the rest closed by the
// kernel, as with libwayland (internal/oracle's fds-over-28: the client
// lives on); the compositor never held the others.
func TestFDFloodOneReadTakesAtMost28(t *testing.T) {
	d, path := startDisplay(t, nil)
	null, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(null)
	c := dialRaw(t, path)
	if err := c.roundtrip(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	before := openFDs(t)
	many := make([]int, 253)
	for i := range many {
		many[i] = null
	}
	if _, err := c.sync(many...); err != nil {
		t.Fatal(err)
	}
	if err := c.roundtrip(30 * time.Second); err != nil {
		t.Fatalf("a message with 253 fds ended the client (libwayland keeps it): %v", err)
	}
	var queued int64
	var truncated int
	done := make(chan struct{})
	d.Do(func() {
		for cl := range d.clients {
			queued += cl.Held(HeldFDs)
		}
		truncated = d.fdsTruncated
		close(done)
	})
	<-done
	if queued != maxFDsPerRead {
		t.Errorf("the client holds %d queued fds, want %d (one read's worth)", queued, maxFDsPerRead)
	}
	if truncated != 1 {
		t.Errorf("%d truncated reads counted, want 1", truncated)
	}
	if n := openFDs(t); n > before+maxFDsPerRead {
		t.Errorf("open fds %d after the 253-fd message, %d before", n, before)
	}
}

func make28(fd int) []int {
	fds := make([]int, maxFDsPerRead)
	for i := range fds {
		fds[i] = fd
	}
	return fds
}

// logWatch is a slog handler that reports records whose message starts
// with a prefix.
type logWatch struct {
	slog.Handler
	prefix string
	seen   chan struct{}
	once   sync.Once
}

func (w *logWatch) Handle(ctx context.Context, r slog.Record) error {
	if strings.HasPrefix(r.Message, w.prefix) {
		w.once.Do(func() { close(w.seen) })
	}
	return w.Handler.Handle(ctx, r)
}

// TestAcceptRetriesEMFILE: accept4 failing with EMFILE (the process is out
// of fds for a moment) does not end the accept loop: once fds are free
// again, the client that was waiting in the backlog is served.
func TestAcceptRetriesEMFILE(t *testing.T) {
	w := &logWatch{Handler: slog.NewTextHandler(os.Stderr, nil), prefix: "accept failed", seen: make(chan struct{})}
	old := slog.Default()
	slog.SetDefault(slog.New(w))
	t.Cleanup(func() { slog.SetDefault(old) })
	_, path := startDisplay(t, nil)
	first := dialRaw(t, path)
	if err := first.roundtrip(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	// Fill the fd table but for the slot the client's own socket takes:
	// the connection waits in the listen backlog and the server's accept4
	// fails with EMFILE.
	setNoFile(t, uint64(openFDs(t))+16)
	var fill []int
	for {
		fd, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			break
		}
		fill = append(fill, fd)
	}
	unix.Close(fill[len(fill)-1])
	fill = fill[:len(fill)-1]
	conn, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		closeAll(fill)
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write(msg(1, 0, 2)) // readable backlog entry: wake the acceptor
	select {
	case <-w.seen:
	case <-time.After(30 * time.Second):
		closeAll(fill)
		t.Fatal("accept never failed with the fd table full")
	}
	closeAll(fill)
	c := &rawClient{conn: conn, nextID: 3}
	if err := c.roundtrip(30 * time.Second); err != nil {
		t.Fatalf("the client accepted after EMFILE got no answer: %v", err)
	}
}
