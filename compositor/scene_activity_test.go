package compositor

import (
	"testing"
	"time"

	"github.com/nofault/nofault/internal/rawclient"
	"github.com/nofault/nofault/protocol"
	"golang.org/x/sys/unix"
)

// rawWindow is a mapped xdg_toplevel made over the raw protocol.
type rawWindow struct {
	c                  *rawclient.Conn
	comp, shm, surface uint32
}

func mustEvents(t *testing.T, c *rawclient.Conn) []rawclient.Event {
	t.Helper()
	evs, err := c.Roundtrip(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// buffer makes a w x h XRGB8888 wl_buffer.
func (w *rawWindow) buffer(t *testing.T, width, height int) uint32 {
	t.Helper()
	fd, err := unix.MemfdCreate("buf", unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	size := width * height * 4
	unix.Ftruncate(fd, int64(size))
	pool, buf := w.c.NewID(), w.c.NewID()
	w.c.Send(w.shm, protocol.WlShmRequestCreatePool, rawclient.NewID(pool), rawclient.FD(fd), int32(size))
	w.c.Send(pool, protocol.WlShmPoolRequestCreateBuffer, rawclient.NewID(buf), int32(0), int32(width), int32(height), int32(width*4), uint32(1))
	w.c.Send(pool, protocol.WlShmPoolRequestDestroy)
	return buf
}

// mapWindow connects and maps a width x height toplevel; the client also
// binds the seat and gets a pointer and a touch.
func mapWindow(t *testing.T, path string, width, height int) (w *rawWindow, pointer, touch uint32) {
	t.Helper()
	c, err := rawclient.Dial(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Globals(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	w = &rawWindow{c: c}
	w.comp, _ = c.BindGlobal("wl_compositor", 4)
	w.shm, _ = c.BindGlobal("wl_shm", 1)
	wm, _ := c.BindGlobal("xdg_wm_base", 1)
	seat, _ := c.BindGlobal("wl_seat", 7)
	pointer, touch = c.NewID(), c.NewID()
	c.Send(seat, protocol.WlSeatRequestGetPointer, rawclient.NewID(pointer))
	c.Send(seat, protocol.WlSeatRequestGetTouch, rawclient.NewID(touch))
	w.surface = c.NewID()
	xs, top := c.NewID(), c.NewID()
	c.Send(w.comp, protocol.WlCompositorRequestCreateSurface, rawclient.NewID(w.surface))
	c.Send(wm, protocol.XdgWmBaseRequestGetXdgSurface, rawclient.NewID(xs), w.surface)
	c.Send(xs, protocol.XdgSurfaceRequestGetToplevel, rawclient.NewID(top))
	c.Send(w.surface, protocol.WlSurfaceRequestCommit)
	var serial uint32
	for _, ev := range mustEvents(t, c) {
		if ev.Object == xs && ev.Opcode == protocol.XdgSurfaceEventConfigure {
			serial = ev.Uint(0)
		}
	}
	if serial == 0 {
		t.Fatal("no configure")
	}
	c.Send(xs, protocol.XdgSurfaceRequestAckConfigure, serial)
	w.attach(t, width, height)
	return w, pointer, touch
}

// attach commits a new width x height buffer and returns the events up to
// a roundtrip.
func (w *rawWindow) attach(t *testing.T, width, height int) []rawclient.Event {
	t.Helper()
	w.c.Send(w.surface, protocol.WlSurfaceRequestAttach, w.buffer(t, width, height), int32(0), int32(0))
	w.c.Send(w.surface, protocol.WlSurfaceRequestCommit)
	return mustEvents(t, w.c)
}

func pick(evs []rawclient.Event, obj uint32) []rawclient.Event {
	var out []rawclient.Event
	for _, ev := range evs {
		if ev.Object == obj {
			out = append(out, ev)
		}
	}
	return out
}

// A surface that grows under a still pointer gets enter, one that shrinks
// away from it leave, and one moved under it motion in its new
// coordinates (WLCS ClientSurfaceEventsTest.surface_resizes_under_pointer
// and surface_moves_while_under_pointer found the compositor waiting for
// the pointer to move).
func TestPointerFocusFollowsScene(t *testing.T) {
	c, path := start(t)
	if err := c.Sync(t.Context(), func() { c.Seat.SetTouch(true) }); err != nil {
		t.Fatal(err)
	}
	w, ptr, _ := mapWindow(t, path, 100, 100)
	sync := func(fn func()) {
		t.Helper()
		if err := c.Sync(t.Context(), fn); err != nil {
			t.Fatal(err)
		}
	}
	var surf *protocol.Object
	sync(func() {
		surf = c.Shell.Toplevels()[0]
		c.Shell.MoveTo(surf, 400, 400)
		c.Seat.PointerMotion(550, 550, time.Time{})
	})
	if evs := pick(mustEvents(t, w.c), ptr); len(evs) != 0 {
		t.Fatalf("pointer events outside the window: %v", evs)
	}
	evs := pick(w.attach(t, 200, 200), ptr)
	if len(evs) == 0 || evs[0].Opcode != protocol.WlPointerEventEnter || evs[0].Uint(1) != w.surface ||
		evs[0].Uint(2) != uint32(protocol.FixedFromInt(150)) {
		t.Fatalf("after growing under the pointer: %v, want enter at 150,150", evs)
	}
	sync(func() {
		c.Shell.MoveTo(surf, 420, 410)
		c.Seat.RefreshPointerFocus()
	})
	evs = pick(mustEvents(t, w.c), ptr)
	if len(evs) == 0 || evs[0].Opcode != protocol.WlPointerEventMotion ||
		evs[0].Uint(1) != uint32(protocol.FixedFromInt(130)) || evs[0].Uint(2) != uint32(protocol.FixedFromInt(140)) {
		t.Fatalf("after moving under the pointer: %v, want motion at 130,140", evs)
	}
	evs = pick(w.attach(t, 50, 50), ptr)
	if len(evs) == 0 || evs[0].Opcode != protocol.WlPointerEventLeave {
		t.Fatalf("after shrinking away: %v, want leave", evs)
	}
}

// A touch point whose surface is destroyed ends with wl_touch.up (WLCS
// TouchTest.sends_touch_up_on_surface_destroy).
func TestTouchEndsWithItsSurface(t *testing.T) {
	c, path := start(t)
	var touched bool
	if err := c.Sync(t.Context(), func() { c.Seat.SetTouch(true) }); err != nil {
		t.Fatal(err)
	}
	w, _, tch := mapWindow(t, path, 100, 100)
	c.Sync(t.Context(), func() {
		c.Shell.MoveTo(c.Shell.Toplevels()[0], 0, 0)
		c.Seat.TouchDown(5, 10, 10, time.Time{})
	})
	for _, ev := range pick(mustEvents(t, w.c), tch) {
		touched = touched || ev.Opcode == protocol.WlTouchEventDown
	}
	if !touched {
		t.Fatal("no touch down")
	}
	w.c.Send(w.surface, protocol.WlSurfaceRequestDestroy)
	evs := pick(mustEvents(t, w.c), tch)
	if len(evs) == 0 || evs[0].Opcode != protocol.WlTouchEventUp || int32(evs[0].Uint(2)) != 5 {
		t.Fatalf("after the surface went: %v, want up of point 5", evs)
	}
	c.Sync(t.Context(), func() {
		if n := len(c.Seat.TouchPoints()); n != 0 {
			t.Errorf("%d touch points left", n)
		}
	})
}
