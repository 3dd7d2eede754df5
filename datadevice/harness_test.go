package datadevice_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/nofault/nofault/datadevice"
	"github.com/nofault/nofault/internal/rawclient"
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/seat"
	"github.com/nofault/nofault/server"
)

const timeout = 5 * time.Second

// fakeShell is a minimal wl_compositor with surfaces placed by the test
// at rectangles, implementing seat.Surfaces and seat.RoleSetter. It is
// touched only on the display loop goroutine.
type fakeShell struct {
	created []*protocol.Object
	rects   []rect // bottom to top
	roles   map[*protocol.Object]string
}

type rect struct {
	s          *protocol.Object
	x, y, w, h float64
}

func (f *fakeShell) SurfaceAt(x, y float64) (*protocol.Object, float64, float64) {
	for i := len(f.rects) - 1; i >= 0; i-- {
		r := f.rects[i]
		if !r.s.Destroyed() && x >= r.x && y >= r.y && x < r.x+r.w && y < r.y+r.h {
			return r.s, x - r.x, y - r.y
		}
	}
	return nil, 0, 0
}

func (f *fakeShell) SetRole(s *protocol.Object, role string) bool {
	if r, ok := f.roles[s]; ok && r != role {
		return false
	}
	f.roles[s] = role
	return true
}

func (f *fakeShell) bind(c *server.Client, id protocol.ObjectID, v uint32) {
	c.NewObject(id, &protocol.WlCompositorInterface, v, &fakeCompositor{f: f, c: c, v: v})
}

type fakeCompositor struct {
	f *fakeShell
	c *server.Client
	v uint32
}

func (fc *fakeCompositor) CreateSurface(id protocol.ObjectID) error {
	if o := fc.c.NewObject(id, &protocol.WlSurfaceInterface, fc.v, fakeSurface{}); o != nil {
		fc.f.created = append(fc.f.created, o)
	}
	return nil
}

func (fc *fakeCompositor) CreateRegion(id protocol.ObjectID) error {
	return protocol.Errorf(nil, protocol.ErrorImplementation, "no regions in this test")
}

type fakeSurface struct{}

func (fakeSurface) Destroy() error                                { return nil }
func (fakeSurface) Attach(*protocol.Object, int32, int32) error   { return nil }
func (fakeSurface) Damage(int32, int32, int32, int32) error       { return nil }
func (fakeSurface) Frame(protocol.ObjectID) error                 { return nil }
func (fakeSurface) SetOpaqueRegion(*protocol.Object) error        { return nil }
func (fakeSurface) SetInputRegion(*protocol.Object) error         { return nil }
func (fakeSurface) Commit() error                                 { return nil }
func (fakeSurface) SetBufferTransform(int32) error                { return nil }
func (fakeSurface) SetBufferScale(int32) error                    { return nil }
func (fakeSurface) DamageBuffer(int32, int32, int32, int32) error { return nil }
func (fakeSurface) Offset(int32, int32) error                     { return nil }

// env is a running display with a seat and the fake shell.
type env struct {
	t    *testing.T
	d    *server.Display
	path string
	seat *seat.Seat
	dm   *datadevice.Manager
	sh   *fakeShell
}

func start(t *testing.T, opts seat.Options) *env {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	sock, err := server.Listen(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	d := server.NewDisplay(sock, server.Options{Limits: server.DefaultLimits})
	e := &env{t: t, d: d, path: sock.Path, sh: &fakeShell{roles: map[*protocol.Object]string{}}}
	d.AddGlobal(&protocol.WlCompositorInterface, 4, e.sh.bind)
	opts.Surfaces = e.sh
	e.seat = seat.New(d, opts)
	e.dm = datadevice.New(d)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(timeout):
			t.Error("display did not stop")
		}
		e.seat.Destroy()
	})
	return e
}

// do runs fn on the display loop and waits for it (its events are
// flushed before any later request is answered).
func (e *env) do(fn func()) {
	done := make(chan struct{})
	e.d.Do(func() { fn(); close(done) })
	select {
	case <-done:
	case <-time.After(timeout):
		e.t.Fatal("display loop did not run the task")
	}
}

// place puts surface s at x, y with size w, h on top of the others.
func (e *env) place(s *protocol.Object, x, y, w, h float64) {
	e.do(func() { e.sh.rects = append(e.sh.rects, rect{s, x, y, w, h}) })
}

// tclient is a raw test client.
type tclient struct {
	t *testing.T
	e *env
	*rawclient.Conn
}

func (e *env) connect() *tclient {
	e.t.Helper()
	c, err := rawclient.Dial(e.path)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { c.Close() })
	if _, err := c.Globals(timeout); err != nil {
		e.t.Fatal(err)
	}
	return &tclient{t: e.t, e: e, Conn: c}
}

func (c *tclient) bind(iface string, v uint32) uint32 {
	c.t.Helper()
	id, err := c.BindGlobal(iface, v)
	if err != nil {
		c.t.Fatal(err)
	}
	return id
}

func (c *tclient) send(obj uint32, op uint16, args ...any) {
	c.t.Helper()
	if err := c.Send(obj, op, args...); err != nil {
		c.t.Fatal(err)
	}
}

// roundtrip returns the events that arrived before a sync's done.
func (c *tclient) roundtrip() []rawclient.Event {
	c.t.Helper()
	evs, err := c.Roundtrip(timeout)
	if err != nil {
		c.t.Fatalf("roundtrip: %v (events %v)", err, evs)
	}
	return evs
}

// protocolError does a roundtrip that must end in wl_display.error.
func (c *tclient) protocolError() *rawclient.ProtocolError {
	c.t.Helper()
	evs, err := c.Roundtrip(timeout)
	pe, ok := err.(*rawclient.ProtocolError)
	if !ok {
		c.t.Fatalf("want a protocol error, got %v (events %v)", err, evs)
	}
	return pe
}

// surface creates a wl_surface and returns its id and server object.
func (c *tclient) surface(compositor uint32) (uint32, *protocol.Object) {
	c.t.Helper()
	id := c.NewID()
	c.send(compositor, 0, rawclient.NewID(id))
	c.roundtrip()
	var o *protocol.Object
	c.e.do(func() { o = c.e.sh.created[len(c.e.sh.created)-1] })
	if uint32(o.ID) != id {
		c.t.Fatalf("server surface id %d, want %d", o.ID, id)
	}
	return id, o
}

// ev describes an event for comparisons: object, opcode and 32-bit words.
type ev struct {
	obj   uint32
	op    uint16
	words []uint32
}

// only keeps the events on the given objects.
func only(evs []rawclient.Event, objs ...uint32) []rawclient.Event {
	var out []rawclient.Event
	for _, e := range evs {
		for _, o := range objs {
			if e.Object == o {
				out = append(out, e)
				break
			}
		}
	}
	return out
}
