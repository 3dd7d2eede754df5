// Package wltest runs a server.Display inside a test with a raw client and a
// fake shell: the harness the seat, data device and other object-family
// tests share. Everything talks over a real Unix socket with real fds.
package wltest

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/nofault/nofault/internal/rawclient"
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/server"
)

// Timeout bounds every wait of the harness.
const Timeout = 5 * time.Second

// Env is a running display on a private 0700 runtime directory, with a
// fake wl_compositor (Shell) registered as version 4.
type Env struct {
	T     *testing.T
	D     *server.Display
	Path  string
	Shell *FakeShell
}

// Start creates the display, lets setup register globals, and runs it until
// the test ends (then stop runs, if not nil).
func Start(t *testing.T, setup func(e *Env), stop func()) *Env {
	t.Helper()
	return StartWith(t, server.Options{}, setup, stop)
}

// StartWith is Start with the display's options (such as lowered limits).
func StartWith(t *testing.T, opts server.Options, setup func(e *Env), stop func()) *Env {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	sock, err := server.Listen(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	d := server.NewDisplay(sock, opts)
	e := &Env{T: t, D: d, Path: sock.Path, Shell: &FakeShell{roles: map[*protocol.Object]string{}}}
	d.AddGlobal(&protocol.WlCompositorInterface, 4, e.Shell.bind)
	if setup != nil {
		setup(e)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(Timeout):
			t.Error("display did not stop")
		}
		if stop != nil {
			stop()
		}
	})
	return e
}

// Do runs fn on the display loop and waits for it (its events are flushed
// before any later request is answered).
func (e *Env) Do(fn func()) {
	done := make(chan struct{})
	e.D.Do(func() { fn(); close(done) })
	select {
	case <-done:
	case <-time.After(Timeout):
		e.T.Fatal("display loop did not run the task")
	}
}

// Place puts surface s at x, y with size w, h above the others.
func (e *Env) Place(s *protocol.Object, x, y, w, h float64) {
	e.Do(func() { e.Shell.rects = append(e.Shell.rects, rect{s, x, y, w, h}) })
}

// Client is a raw test client whose helpers fail the test on error.
type Client struct {
	T   *testing.T
	Env *Env
	*rawclient.Conn
}

// Connect dials the display and reads the globals.
func (e *Env) Connect() *Client {
	e.T.Helper()
	c, err := rawclient.Dial(e.Path)
	if err != nil {
		e.T.Fatal(err)
	}
	e.T.Cleanup(func() { c.Close() })
	if _, err := c.Globals(Timeout); err != nil {
		e.T.Fatal(err)
	}
	return &Client{T: e.T, Env: e, Conn: c}
}

// Disconnect closes the connection and waits until the display has
// destroyed the client. Clients are served concurrently, so another
// client's round trip says nothing about when this one is gone: it waits
// for the display's own event, a client's destroy listener. Any client's
// destruction ends the wait: connect no others while it waits.
func (c *Client) Disconnect() {
	c.T.Helper()
	gone := make(chan struct{}, 1)
	c.Env.Do(func() {
		for _, sc := range c.Env.D.Clients() {
			sc.OnDestroy(func() {
				select {
				case gone <- struct{}{}:
				default:
				}
			})
		}
	})
	c.Close()
	select {
	case <-gone:
	case <-time.After(Timeout):
		c.T.Fatal("the display did not destroy the closed client")
	}
}

// MustBind binds a global and returns the new id.
func (c *Client) MustBind(iface string, v uint32) uint32 {
	c.T.Helper()
	id, err := c.BindGlobal(iface, v)
	if err != nil {
		c.T.Fatal(err)
	}
	return id
}

// MustSend sends a request.
func (c *Client) MustSend(obj uint32, op uint16, args ...any) {
	c.T.Helper()
	if err := c.Send(obj, op, args...); err != nil {
		c.T.Fatal(err)
	}
}

// MustRoundtrip returns the events that arrived before a sync's done.
func (c *Client) MustRoundtrip() []rawclient.Event {
	c.T.Helper()
	evs, err := c.Roundtrip(Timeout)
	if err != nil {
		c.T.Fatalf("roundtrip: %v (events %v)", err, evs)
	}
	return evs
}

// ProtocolError does a roundtrip that must end in wl_display.error.
func (c *Client) ProtocolError() *rawclient.ProtocolError {
	c.T.Helper()
	evs, err := c.Roundtrip(Timeout)
	pe, ok := err.(*rawclient.ProtocolError)
	if !ok {
		c.T.Fatalf("want a protocol error, got %v (events %v)", err, evs)
	}
	return pe
}

// Surface creates a wl_surface on the fake compositor and returns its id
// and server object.
func (c *Client) Surface(compositor uint32) (uint32, *protocol.Object) {
	c.T.Helper()
	id := c.NewID()
	c.MustSend(compositor, 0, rawclient.NewID(id))
	c.MustRoundtrip()
	var o *protocol.Object
	c.Env.Do(func() { o = c.Env.Shell.created[len(c.Env.Shell.created)-1] })
	if uint32(o.ID) != id {
		c.T.Fatalf("server surface id %d, want %d", o.ID, id)
	}
	return id, o
}

// Only keeps the events on the given objects.
func Only(evs []rawclient.Event, objs ...uint32) []rawclient.Event {
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
