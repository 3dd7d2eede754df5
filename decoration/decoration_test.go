package decoration_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/nofault/nofault/decoration"
	"github.com/nofault/nofault/internal/rawclient"
	"github.com/nofault/nofault/output"
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/render/soft"
	"github.com/nofault/nofault/server"
	"github.com/nofault/nofault/shell"
)

const timeout = 5 * time.Second

// start runs a display with the real shell and the decoration manager.
func start(t *testing.T, opts decoration.Options) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	sock, err := server.Listen(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	d := server.NewDisplay(sock, server.Options{Limits: server.DefaultLimits()})
	out := output.New(d, "TEST-1", 640, 480, 60000)
	sh := shell.New(d, soft.New(), shell.Options{Output: out})
	decoration.New(d, sh, opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return sock.Path
}

type client struct {
	t *testing.T
	*rawclient.Conn
	comp, wm, dm uint32
}

func connect(t *testing.T, path string) *client {
	t.Helper()
	c, err := rawclient.Dial(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Globals(timeout); err != nil {
		t.Fatal(err)
	}
	cl := &client{t: t, Conn: c}
	for _, b := range []struct {
		p    *uint32
		name string
		v    uint32
	}{{&cl.comp, "wl_compositor", 4}, {&cl.wm, "xdg_wm_base", 2}, {&cl.dm, "zxdg_decoration_manager_v1", 1}} {
		if *b.p, err = c.BindGlobal(b.name, b.v); err != nil {
			t.Fatal(err)
		}
	}
	return cl
}

func (c *client) send(obj uint32, op uint16, args ...any) {
	c.t.Helper()
	if err := c.Send(obj, op, args...); err != nil {
		c.t.Fatal(err)
	}
}

// events does a roundtrip and names the events: "deco configure N",
// "toplevel configure", "surface configure".
func (c *client) events(deco, top, xs uint32) []string {
	c.t.Helper()
	evs, err := c.Roundtrip(timeout)
	if err != nil {
		c.t.Fatalf("roundtrip: %v", err)
	}
	var out []string
	for _, ev := range evs {
		switch {
		case ev.Object == deco && ev.Opcode == protocol.ZxdgToplevelDecorationV1EventConfigure:
			out = append(out, fmt.Sprintf("deco configure %d", ev.Uint(0)))
		case ev.Object == top && ev.Opcode == protocol.XdgToplevelEventConfigure:
			out = append(out, "toplevel configure")
		case ev.Object == xs && ev.Opcode == protocol.XdgSurfaceEventConfigure:
			out = append(out, "surface configure")
		}
	}
	return out
}

// toplevel makes surface, xdg_surface, xdg_toplevel.
func (c *client) toplevel() (surf, xs, top uint32) {
	surf, xs, top = c.NewID(), c.NewID(), c.NewID()
	c.send(c.comp, protocol.WlCompositorRequestCreateSurface, rawclient.NewID(surf))
	c.send(c.wm, protocol.XdgWmBaseRequestGetXdgSurface, rawclient.NewID(xs), surf)
	c.send(xs, protocol.XdgSurfaceRequestGetToplevel, rawclient.NewID(top))
	return
}

func (c *client) decoration(top uint32) uint32 {
	id := c.NewID()
	c.send(c.dm, protocol.ZxdgDecorationManagerV1RequestGetToplevelDecoration, rawclient.NewID(id), top)
	return id
}

func eq(got []string, want ...string) bool { return fmt.Sprint(got) == fmt.Sprint(want) }

const (
	csd = protocol.ZxdgToplevelDecorationV1ModeClientSide
	ssd = protocol.ZxdgToplevelDecorationV1ModeServerSide
)

// TestClientSideAlways: nofault draws no frames, so every toplevel is told
// client_side, before its initial commit (the initial configure follows
// at the commit) and after (a configure sequence follows at once).
func TestClientSideAlways(t *testing.T) {
	c := connect(t, start(t, decoration.Options{}))
	surf, xs, top := c.toplevel()
	deco := c.decoration(top)
	if got := c.events(deco, top, xs); !eq(got, "deco configure 1") {
		t.Fatalf("before the initial commit: %v", got)
	}
	c.send(surf, protocol.WlSurfaceRequestCommit)
	if got := c.events(deco, top, xs); !eq(got, "toplevel configure", "surface configure") {
		t.Fatalf("initial commit: %v", got)
	}
	for _, req := range []struct {
		op   uint16
		args []any
	}{
		{protocol.ZxdgToplevelDecorationV1RequestSetMode, []any{ssd}},
		{protocol.ZxdgToplevelDecorationV1RequestSetMode, []any{csd}},
		{protocol.ZxdgToplevelDecorationV1RequestUnsetMode, nil},
		{protocol.ZxdgToplevelDecorationV1RequestSetMode, []any{uint32(7)}},
	} {
		c.send(deco, req.op, req.args...)
		if got := c.events(deco, top, xs); !eq(got, "deco configure 1", "toplevel configure", "surface configure") {
			t.Fatalf("request %d %v: %v", req.op, req.args, got)
		}
	}
	// Destroyed, the toplevel may get a new one.
	c.send(deco, protocol.ZxdgToplevelDecorationV1RequestDestroy)
	deco = c.decoration(top)
	if got := c.events(deco, top, xs); !eq(got, "deco configure 1", "toplevel configure", "surface configure") {
		t.Fatalf("second decoration: %v", got)
	}
}

// TestPreferenceHonoured: with frames drawn by the compositor the client's
// preference decides, server_side without one.
func TestPreferenceHonoured(t *testing.T) {
	c := connect(t, start(t, decoration.Options{ServerSide: true}))
	_, xs, top := c.toplevel()
	deco := c.decoration(top)
	if got := c.events(deco, top, xs); !eq(got, fmt.Sprintf("deco configure %d", ssd)) {
		t.Fatalf("no preference: %v", got)
	}
	for _, tc := range []struct {
		op   uint16
		args []any
		want protocol.ZxdgToplevelDecorationV1Mode
	}{
		{protocol.ZxdgToplevelDecorationV1RequestSetMode, []any{csd}, csd},
		{protocol.ZxdgToplevelDecorationV1RequestSetMode, []any{ssd}, ssd},
		{protocol.ZxdgToplevelDecorationV1RequestSetMode, []any{csd}, csd},
		{protocol.ZxdgToplevelDecorationV1RequestUnsetMode, nil, ssd},
	} {
		c.send(deco, tc.op, tc.args...)
		if got := c.events(deco, top, xs); !eq(got, fmt.Sprintf("deco configure %d", tc.want)) {
			t.Fatalf("request %d %v: %v, want mode %d", tc.op, tc.args, got, tc.want)
		}
	}
}

// TestErrors: the spec's already_constructed and orphaned, and the core's
// invalid_method for a non-toplevel.
func TestErrors(t *testing.T) {
	path := start(t, decoration.Options{})
	expect := func(c *client, obj uint32, code protocol.ErrorCode) {
		t.Helper()
		_, err := c.Roundtrip(timeout)
		pe, ok := err.(*rawclient.ProtocolError)
		if !ok || pe.ObjectID != obj || pe.Code != code.Code() {
			t.Errorf("got %v, want error %d (%s) on object %d", err, code.Code(), code, obj)
		}
	}
	c := connect(t, path)
	_, _, top := c.toplevel()
	c.decoration(top)
	second := c.decoration(top)
	expect(c, second, protocol.ZxdgToplevelDecorationV1ErrorAlreadyConstructed)

	c = connect(t, path)
	_, _, top = c.toplevel()
	deco := c.decoration(top)
	c.send(top, protocol.XdgToplevelRequestDestroy)
	c.send(deco, protocol.ZxdgToplevelDecorationV1RequestSetMode, csd)
	expect(c, deco, protocol.ZxdgToplevelDecorationV1ErrorOrphaned)

	c = connect(t, path)
	_, _, top = c.toplevel()
	deco = c.decoration(top)
	c.send(top, protocol.XdgToplevelRequestDestroy)
	c.send(deco, protocol.ZxdgToplevelDecorationV1RequestUnsetMode)
	expect(c, deco, protocol.ZxdgToplevelDecorationV1ErrorOrphaned)

	// Destroying an orphan is allowed.
	c = connect(t, path)
	_, _, top = c.toplevel()
	deco = c.decoration(top)
	c.send(top, protocol.XdgToplevelRequestDestroy)
	c.send(deco, protocol.ZxdgToplevelDecorationV1RequestDestroy)
	if _, err := c.Roundtrip(timeout); err != nil {
		t.Errorf("destroying an orphaned decoration: %v", err)
	}

	c = connect(t, path)
	surf, _, _ := c.toplevel()
	c.send(c.dm, protocol.ZxdgDecorationManagerV1RequestGetToplevelDecoration, rawclient.NewID(c.NewID()), surf)
	expect(c, 1, protocol.WlDisplayErrorInvalidMethod)
}
