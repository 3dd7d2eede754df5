package shm_test

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nofault/nofault/internal/rawclient"
	"github.com/nofault/nofault/internal/wltest"
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/server"
	"github.com/nofault/nofault/shm"
	"golang.org/x/sys/unix"
)

// wl_shm and wl_shm_pool request opcodes.
const (
	opCreatePool  = 0 // wl_shm.create_pool(id, fd, size)
	opPoolDestroy = 1
	opPoolResize  = 2
)

// sparseMemfd returns a memfd of size bytes with no pages (a hole), named
// name so the test can find its mappings in /proc/self/maps.
func sparseMemfd(t *testing.T, name string, size int64) int {
	t.Helper()
	fd, err := unix.MemfdCreate(name, unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.Ftruncate(fd, size); err != nil {
		t.Fatal(err)
	}
	return fd
}

// mappedBytes sums the sizes of this process's mappings of memfds named
// name: the compositor runs in the test process, so these are its pool
// mappings.
func mappedBytes(t *testing.T, name string) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var total int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, "/memfd:"+name+" ") {
			continue
		}
		lo, hi, _ := strings.Cut(strings.Fields(line)[0], "-")
		a, _ := strconv.ParseUint(lo, 16, 64)
		b, _ := strconv.ParseUint(hi, 16, 64)
		total += int64(b - a)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return total
}

// startShm runs a display with wl_shm and max_mapped_bytes lowered to
// maxMapped (1 GiB, the default, in these tests: set to say so).
func startShm(t *testing.T, maxMapped int64) *wltest.Env {
	return wltest.StartWith(t, server.Options{Limits: server.Limits{MaxMappedBytes: maxMapped}}, func(e *wltest.Env) {
		shm.Register(e.D, shm.Options{Mode: shm.ReadGuarded})
	}, nil)
}

// TestResizeChargedToMappedBytes is issue 16's hostile client: 8 pools
// created at 4 KiB on sparse memfds, each resized to 2 GiB - 4 KiB,
// against a max_mapped_bytes of 1 GiB. Before resizes were charged, all 8
// were accepted (16 GiB of mappings).
func TestResizeChargedToMappedBytes(t *testing.T) {
	const limit = 1 << 30
	name := fmt.Sprintf("nofault-resize-%d", os.Getpid())
	e := startShm(t, limit)
	c := e.Connect()
	wlShm := c.MustBind("wl_shm", 1)
	var pools []uint32
	for range 8 {
		id := c.NewID()
		c.MustSend(wlShm, opCreatePool, rawclient.NewID(id), rawclient.FD(sparseMemfd(t, name, 2<<30)), int32(4096))
		pools = append(pools, id)
	}
	c.MustRoundtrip()
	for _, p := range pools {
		// The first resize ends the client: later sends may meet a
		// closed socket.
		if err := c.Send(p, opPoolResize, int32(2<<30-4096)); err != nil {
			break
		}
	}
	pe := c.ProtocolError()
	if pe.ObjectID != uint32(protocol.DisplayID) || pe.Code != protocol.ErrorNoMemory || !strings.Contains(pe.Message, "max_mapped_bytes") {
		t.Fatalf("got %v, want wl_display.error no_memory naming max_mapped_bytes", pe)
	}
	if got := mappedBytes(t, name); got > limit {
		t.Errorf("the compositor maps %d bytes of the client's pools, over max_mapped_bytes (%d)", got, limit)
	}
	// The error ends the client; its pools give their charge back.
	deadline := time.Now().Add(wltest.Timeout)
	for {
		var n int
		var total int64
		e.Do(func() { n, total = e.D.ClientCount(), e.D.Total(server.MappedBytes) })
		if n == 0 {
			if total != 0 {
				t.Errorf("total mapped bytes after the client left = %d, want 0", total)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the client was not disconnected after its error")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestResizeUnchargedWhenPoolGoes: a grown pool gives its whole size back
// when it is destroyed, so the same client can grow another pool as far.
func TestResizeUnchargedWhenPoolGoes(t *testing.T) {
	const limit = 1 << 30
	name := fmt.Sprintf("nofault-unresize-%d", os.Getpid())
	e := startShm(t, limit)
	c := e.Connect()
	wlShm := c.MustBind("wl_shm", 1)
	var held int64
	for range 3 {
		id := c.NewID()
		c.MustSend(wlShm, opCreatePool, rawclient.NewID(id), rawclient.FD(sparseMemfd(t, name, 768<<20)), int32(4096))
		c.MustSend(id, opPoolResize, int32(768<<20))
		c.MustRoundtrip()
		e.Do(func() { held = e.D.Total(server.MappedBytes) })
		if held != 768<<20 {
			t.Fatalf("mapped bytes charged after the resize = %d, want %d", held, 768<<20)
		}
		c.MustSend(id, opPoolDestroy)
		c.MustRoundtrip()
		e.Do(func() { held = e.D.Total(server.MappedBytes) })
		if held != 0 {
			t.Fatalf("mapped bytes charged after the pool went = %d, want 0", held)
		}
	}
}

// TestTotalMappedBytesSparesTheHonestPool is issue 16's other case: an
// honest process with one 100 MiB pool while another process opens 91
// connections with a sparse 95 MiB pool each, over a total_mapped_bytes
// of 8 GiB. The honest client holds the largest pool, but its process far
// less than its fair share; before, it was the one disconnected.
func TestTotalMappedBytesSparesTheHonestPool(t *testing.T) {
	var pid atomic.Int64
	const totalLimit = 8 << 30
	e := wltest.StartWith(t, server.Options{Limits: server.Limits{TotalMappedBytes: totalLimit},
		PeerCred: func(*net.UnixConn) (int, int, int) { return int(pid.Load()), 1000, 1000 }},
		func(e *wltest.Env) { shm.Register(e.D, shm.Options{Mode: shm.ReadGuarded}) }, nil)
	name := fmt.Sprintf("nofault-fair-%d", os.Getpid())
	pool := func(c *wltest.Client, size int64) error {
		wlShm := c.MustBind("wl_shm", 1)
		if err := c.Send(wlShm, opCreatePool, rawclient.NewID(c.NewID()), rawclient.FD(sparseMemfd(t, name, size)), int32(size)); err != nil {
			return err
		}
		_, err := c.Roundtrip(wltest.Timeout)
		return err
	}
	pid.Store(100)
	honest := e.Connect()
	if err := pool(honest, 100<<20); err != nil {
		t.Fatalf("honest client: %v", err)
	}
	pid.Store(200)
	for i := range 91 {
		err := pool(e.Connect(), 95<<20)
		if pe, ok := err.(*rawclient.ProtocolError); ok {
			if pe.Code != protocol.ErrorNoMemory || !strings.Contains(pe.Message, "total_mapped_bytes") {
				t.Fatalf("flooding client %d: %v, want no_memory naming total_mapped_bytes", i, pe)
			}
		} else if err != nil {
			t.Fatalf("flooding client %d: %v", i, err)
		}
	}
	if _, err := honest.Roundtrip(wltest.Timeout); err != nil {
		t.Fatalf("the honest client was ended: %v", err)
	}
	var total int64
	var hits int
	e.Do(func() { total, hits = e.D.Total(server.MappedBytes), e.D.Stats().Limits["total_mapped_bytes"] })
	if hits == 0 {
		t.Fatal("total_mapped_bytes was never reached: the test does not test it")
	}
	if lim := int64(totalLimit); total > lim {
		t.Errorf("%d bytes mapped, over total_mapped_bytes (%d)", total, lim)
	}
}
