package server

import (
	"context"
	"testing"
	"time"

	"github.com/nofault/nofault/protocol"
	"golang.org/x/sys/unix"
)

// lockedClients adds n clients on socketpairs to d, whose lock the test
// holds (as the display loop would) until it ends.
func lockedClients(t *testing.T, d *Display, n int) []*Client {
	t.Helper()
	cs := make([]*Client, n)
	for i := range cs {
		conn, peer := socketpair(t)
		t.Cleanup(func() { peer.Close() })
		cs[i] = d.AddClient(conn)
	}
	return cs
}

// TestTeardownVisitsOnlyItsClient is issue 16's mass departure (900
// clients x 280 registries leaving together stalled the display for
// seconds): destroying a client used to walk the display-wide registry
// map once per client, so N clients leaving cost N times all registries.
// The test counts that work: a teardown visits no registry of the display
// (the client's own go with its objects), and the set still holds exactly
// the other clients' registries, which a broadcast then visits once each.
func TestTeardownVisitsOnlyItsClient(t *testing.T) {
	const clients, perClient = 200, 30
	d := NewDisplay(nil, Options{Limits: DefaultLimits()})
	t.Cleanup(func() { // last: the clients' ends are closed, the lock free
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := d.WaitClientsGone(ctx); err != nil {
			t.Error(err)
		}
	})
	d.mu.Lock()
	t.Cleanup(d.mu.Unlock)
	compositorGlobal(d)
	cs := lockedClients(t, d, clients)
	for _, c := range cs {
		var req []byte
		for i := 0; i < perClient; i++ {
			req = append(req, msg(1, 1, uint32(2+i))...) // wl_display.get_registry
		}
		if rest := d.Inject(c, req, nil); len(rest) != 0 || c.Failed() {
			t.Fatalf("get_registry failed: %v", c.err)
		}
	}
	if got := len(d.registries.m); got != clients*perClient {
		t.Fatalf("%d registries, want %d", got, clients*perClient)
	}
	before := d.registries.scans
	leaving := cs[:clients/2]
	for _, c := range leaving {
		c.reason = "test"
		d.destroyClient(c)
	}
	if visits := d.registries.scans - before; visits != 0 {
		t.Errorf("%d clients' teardown visited %d registries of the display, want 0 (only their own objects)", len(leaving), visits)
	}
	if got, want := len(d.registries.m), (clients-len(leaving))*perClient; got != want {
		t.Errorf("%d registries left, want %d", got, want)
	}
	for _, rc := range d.registries.m {
		if rc.dead {
			t.Fatal("a departed client's registry is still in the set")
		}
	}
	// A broadcast does visit each remaining registry, once.
	before = d.registries.scans
	d.AddGlobal(&protocol.WlOutputInterface, 1, func(*Client, protocol.ObjectID, uint32) {})
	if visits, want := d.registries.scans-before, len(d.registries.m); visits != want {
		t.Errorf("global broadcast visited %d registries, want %d", visits, want)
	}
}

// TestWaitClientsGoneMeansClosed: when WaitClientsGone returns, the
// departed clients' connections and the fds they sent are closed already:
// the process's fd count is back where it was, read once, without a delay.
func TestWaitClientsGoneMeansClosed(t *testing.T) {
	d, path := startDisplay(t, nil)
	null, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(null)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for round := 0; round < 3; round++ {
		before := openFDs(t)
		var cs []*rawClient
		for i := 0; i < 20; i++ {
			c := dialRaw(t, path)
			if _, err := c.sync(make28(null)...); err != nil { // fds queued, never used
				t.Fatal(err)
			}
			if err := c.roundtrip(30 * time.Second); err != nil {
				t.Fatal(err)
			}
			cs = append(cs, c)
		}
		for _, c := range cs {
			c.conn.Close()
		}
		if err := d.WaitClientsGone(ctx); err != nil {
			t.Fatal(err)
		}
		if n := openFDs(t); n != before {
			t.Fatalf("round %d: %d fds open once the clients were gone, %d before", round, n, before)
		}
	}
}

// TestPartialThenCloseEndsClient: a client that sends part of a message
// and closes its socket at once is ended when the compositor reads the end
// of file. Its bytes and its end of file reach the socket together and the
// runtime's poller reports them once (edge-triggered), so the reader must
// read on until EAGAIN or EOF: a reader that went back to the poller after
// a read that took less than its buffer (an attempt to save the read that
// only says EAGAIN, docs/benchmarks.md) never saw the end of file, and such
// clients stayed connected (nothing is written to them, so no failed write
// ends them either).
func TestPartialThenCloseEndsClient(t *testing.T) {
	d, path := startDisplay(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	const n = 100
	for range n {
		c := dialRaw(t, path)
		if _, err := c.conn.Write(msg(1, 0, 2)[:6]); err != nil { // half a sync
			t.Fatal(err)
		}
		c.conn.Close()
	}
	// Every connection is accepted before WaitClientsGone counts them.
	for seen := 0; seen < n; {
		done := make(chan struct{})
		d.Do(func() { seen = d.stats.ClientsSeen; close(done) })
		<-done
		if seen < n {
			if ctx.Err() != nil {
				t.Fatalf("%d of %d connections accepted", seen, n)
			}
			time.Sleep(time.Millisecond)
		}
	}
	if err := d.WaitClientsGone(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestMemoryReturnWaitsForTeardowns: a memory return gives back the
// memory of the clients that left only if it runs once their teardown has
// ended (finish): before that, its goroutine still holds the client, its
// buffers and stacks, and the debt that paid for the return is spent, so
// nothing gives that memory back later. A client ended for not reading
// its socket (max_queued_bytes, so the return is due at once) has a
// sender blocked on its full socket, which finish waits for up to
// finalFlushTimeout (500 ms), longer than freeMemoryDelay (300 ms); the
// return must wait for it. (In CI it was the finishes of a thousand
// clients blocked on their log line, while the test process was too
// loaded to read the compositor's stderr: the return ran with hundreds
// still leaving and RSS stayed at the flood's peak.)
func TestMemoryReturnWaitsForTeardowns(t *testing.T) {
	returned := make(chan int, 1) // clients present when the return ran
	d, _ := startDisplay(t, func(d *Display) {
		d.returnMemory = func() {
			d.presentMu.Lock()
			n := d.present
			d.presentMu.Unlock()
			select {
			case returned <- n:
			default:
			}
		}
	})
	conn, peer := socketpair(t)
	defer peer.Close() // never read
	var c *Client
	do(t, d, func() { c = d.AddClient(conn) })
	// Events until the queue passes max_queued_bytes: the client is ended
	// as not reading, with its sender blocked in a write.
	for dead := false; !dead; {
		do(t, d, func() {
			for i := 0; i < 4096; i++ {
				protocol.SendWlDisplayDeleteID(c.Events(), protocol.DisplayID, uint32(i))
			}
		})
		do(t, d, func() { dead = c.Dead() })
	}
	select {
	case n := <-returned:
		if n != 0 {
			t.Errorf("memory returned while %d client(s) were still being torn down, want 0: what they hold stays", n)
		}
	case <-time.After(testTimeout):
		t.Fatal("no memory return after a client ended by max_queued_bytes")
	}
}
