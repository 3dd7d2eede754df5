package server

import (
	"context"
	"net"
	"os"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nofault/nofault/internal/rawclient"
	"github.com/nofault/nofault/protocol"
)

const testTimeout = 10 * time.Second

// peer is the credentials the next accepted connection gets through
// Options.PeerCred: the tests play several processes and users without
// creating real ones (that needs root).
type peer struct{ pid, uid atomic.Int64 }

func (p *peer) cred(*net.UnixConn) (pid, uid, gid int) {
	return int(p.pid.Load()), int(p.uid.Load()), int(p.uid.Load())
}

func (p *peer) set(pid, uid int) { p.pid.Store(int64(pid)); p.uid.Store(int64(uid)) }

// startDisplayWith runs a display with opts on a fresh runtime dir.
func startDisplayWith(t *testing.T, opts Options) (*Display, string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	sock, err := Listen(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	d := NewDisplay(sock, opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(testTimeout):
			t.Error("display did not stop")
		}
	})
	return d, sock.Path
}

// do runs fn on the display loop and waits for it.
func do(t *testing.T, d *Display, fn func()) {
	t.Helper()
	done := make(chan struct{})
	d.Do(func() { fn(); close(done) })
	select {
	case <-done:
	case <-time.After(testTimeout):
		t.Fatal("display loop did not run the task")
	}
}

func dial(t *testing.T, path string) *rawclient.Conn {
	t.Helper()
	c, err := rawclient.Dial(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// registries sends n wl_display.get_registry (objects that stay; the
// display has no globals, so they cost no events) and a roundtrip.
func registries(c *rawclient.Conn, n int) error {
	var b []byte
	for range n {
		m, _, err := rawclient.Marshal(rawclient.DisplayID, 1, rawclient.NewID(c.NewID()))
		if err != nil {
			return err
		}
		b = append(b, m...)
	}
	if err := c.SendRaw(b, nil); err != nil {
		return err
	}
	_, err := c.Roundtrip(testTimeout)
	return err
}

// TestTotalsEndTheFurthestOverFairShare is issue 16's case: an honest
// process holding 2,000 objects while another process opens 140
// connections of 1,900 objects each, over total_objects (262,144). The
// honest client holds the most of any connection, but its process holds
// far less than its fair share; before, "disconnect the largest holder"
// ended it.
func TestTotalsEndTheFurthestOverFairShare(t *testing.T) {
	var p peer
	d, path := startDisplayWith(t, Options{PeerCred: p.cred})
	p.set(100, 1000)
	honest := dial(t, path)
	if err := registries(honest, 2000); err != nil {
		t.Fatalf("honest client: %v", err)
	}
	p.set(200, 1000) // another process of the same user
	ended := 0
	for i := range 140 {
		c := dial(t, path)
		err := registries(c, 1900)
		if pe, ok := err.(*rawclient.ProtocolError); ok {
			if pe.Code != protocol.ErrorNoMemory || !strings.Contains(pe.Message, "total_objects") {
				t.Fatalf("flooding client %d: %v, want no_memory naming total_objects", i, pe)
			}
			ended++
		} else if err != nil {
			t.Fatalf("flooding client %d: %v", i, err)
		}
	}
	if _, err := honest.Roundtrip(testTimeout); err != nil {
		t.Fatalf("the honest client was ended: %v", err)
	}
	var total, hits int
	do(t, d, func() { total, hits = d.TotalObjects(), d.Stats().Limits["total_objects"] })
	if hits == 0 {
		t.Fatal("total_objects was never reached: the test does not test it")
	}
	if lim := int(DefaultLimits().TotalObjects); total > lim {
		t.Errorf("%d objects live, over total_objects (%d)", total, lim)
	}
	t.Logf("%d flooding connections ended (%d answered with the error), %d objects live", hits, ended, total)
}

// TestVictimFairShare checks the choice level by level on made-up
// holdings: users first, then processes, then connections.
func TestVictimFairShare(t *testing.T) {
	type cl struct {
		uid, pid int
		held     int64
	}
	tests := []struct {
		name    string
		clients []cl
		want    int // index of the victim
	}{
		{"largest connection of one process", []cl{{1, 10, 5}, {1, 10, 9}, {1, 10, 7}}, 1},
		{"many small connections of one process beat one big one", []cl{{1, 10, 100}, {1, 20, 60}, {1, 20, 61}}, 2},
		{"a user's many processes beat another user's big one", []cl{{1, 10, 100}, {2, 20, 40}, {2, 21, 41}, {2, 22, 40}}, 2},
		{"unknown pids are processes of their own", []cl{{1, -1, 50}, {1, -1, 60}, {1, 10, 40}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDisplay(nil, Options{})
			var cs []*Client
			for i, x := range tt.clients {
				c := &Client{d: d, id: uint64(i + 1), UID: x.uid, PID: x.pid}
				c.held[MappedBytes] = x.held
				d.clients[c] = struct{}{}
				cs = append(cs, c)
			}
			if got := d.victim(MappedBytes, 100); got != cs[tt.want] {
				t.Errorf("victim is client %d, want %d", got.id-1, tt.want)
			}
		})
	}
}

// TestMaxClientsPerUser: 1,023 idle connections of one user do not lock
// every other user out. A second user's connection is admitted in place
// of the first user's longest-idle one, and the first user, holding the
// most, is still refused past max_clients.
func TestMaxClientsPerUser(t *testing.T) {
	var p peer
	d, path := startDisplayWith(t, Options{PeerCred: p.cred})
	lim := int(DefaultLimits().MaxClients)
	p.set(100, 1000)
	var first []*rawclient.Conn
	for range lim - 1 {
		first = append(first, dial(t, path))
	}
	waitClients(t, d, lim-1)
	// All idle but the first, which makes a request.
	if _, err := first[0].Roundtrip(testTimeout); err != nil {
		t.Fatal(err)
	}
	p.set(101, 1000)
	if _, err := dial(t, path).Roundtrip(testTimeout); err != nil {
		t.Fatalf("the user's last free slot: %v", err)
	}
	waitClients(t, d, lim)

	p.set(200, 2000) // another user
	other := dial(t, path)
	if _, err := other.Roundtrip(testTimeout); err != nil {
		t.Fatalf("a second user is locked out by the first's idle connections: %v", err)
	}
	// The first user's longest-idle connection made room.
	if _, err := first[1].Roundtrip(testTimeout); !isMaxClients(err) {
		t.Errorf("longest-idle connection: %v, want max_clients' error", err)
	}
	if _, err := first[0].Roundtrip(testTimeout); err != nil {
		t.Errorf("the first user's active connection was ended: %v", err)
	}
	p.set(102, 1000)
	if _, err := dial(t, path).Roundtrip(testTimeout); !isMaxClients(err) {
		t.Errorf("the user holding the most connected past max_clients: %v", err)
	}
	waitClients(t, d, lim)
}

func isMaxClients(err error) bool {
	pe, ok := err.(*rawclient.ProtocolError)
	return ok && pe.Code == protocol.ErrorNoMemory && strings.Contains(pe.Message, "max_clients")
}

// waitClients waits until the display serves n clients.
func waitClients(t *testing.T, d *Display, n int) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for {
		var got int
		do(t, d, func() { got = d.ClientCount() })
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d clients, want %d", got, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestLimitsFromTheTable: Limits{} is production's configuration (tests
// ran with a 4 MiB queue limit while the compositor used 256 KiB), every
// row has a field and a default in range, and --stats reports each value
// and total by key.
func TestLimitsFromTheTable(t *testing.T) {
	d := NewDisplay(nil, Options{})
	if got := d.Limits(); got != DefaultLimits() {
		t.Errorf("Limits{} resolves to %+v, want %+v", got, DefaultLimits())
	}
	if DefaultLimits().MaxQueuedBytes != 256<<10 {
		t.Errorf("max_queued_bytes default %d, want 256 KiB", DefaultLimits().MaxQueuedBytes)
	}
	seen := map[*int64]string{}
	var l Limits
	st := d.Stats()
	for _, row := range LimitTable {
		f := row.Field(&l)
		if other, dup := seen[f]; dup {
			t.Errorf("%s and %s share a field", row.Key, other)
		}
		seen[f] = row.Key
		if row.Default < row.Min || row.Default > row.Max {
			t.Errorf("%s: default %d outside %d..%d", row.Key, row.Default, row.Min, row.Max)
		}
		if st.LimitValues[row.Key] != row.Default {
			t.Errorf("stats limit_values[%s] = %d, want %d", row.Key, st.LimitValues[row.Key], row.Default)
		}
		if _, ok := st.Totals[row.Key]; ok != (row.Scope == Total) {
			t.Errorf("stats totals has %s: %v, want %v", row.Key, ok, row.Scope == Total)
		}
	}
	if n, want := len(seen), reflect.TypeFor[Limits]().NumField(); n != want {
		t.Errorf("%d limits in the table, want one per field of Limits (%d)", n, want)
	}
}

// BenchmarkMakeFDRoom is the limit check every read of every client makes
// before its recvmsg.
func BenchmarkMakeFDRoom(b *testing.B) {
	d := NewDisplay(nil, Options{})
	c := &Client{d: d}
	b.ReportAllocs()
	for b.Loop() {
		if !d.makeFDRoom(c) {
			b.Fatal("no room")
		}
	}
}

// TestLimitRowsMatchKeys: the cached rows give what the table's keys do.
func TestLimitRowsMatchKeys(t *testing.T) {
	l := DefaultLimits()
	for r := Resource(0); r < numResources; r++ {
		perKey, totalKey := r.keys()
		per, total, pk, tk := l.limit(r)
		if pk != perKey || tk != totalKey || per != l.Get(perKey) || total != l.Get(totalKey) {
			t.Errorf("resource %d: limit gives %s=%d %s=%d, want %s=%d %s=%d", r, pk, per, tk, total,
				perKey, l.Get(perKey), totalKey, l.Get(totalKey))
		}
	}
}
