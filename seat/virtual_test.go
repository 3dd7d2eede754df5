package seat_test

import (
	"testing"

	"github.com/nofault/nofault/internal/rawclient"
	"github.com/nofault/nofault/internal/wltest"
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/seat"
)

func fx(f float64) uint32 { return uint32(protocol.FixedFromFloat(f)) }

// checkEvents compares evs with want; a word of ^0 matches any value.
func checkEvents(t *testing.T, evs []rawclient.Event, want ...ev) {
	t.Helper()
	if len(evs) != len(want) {
		t.Fatalf("got %v, want %d events", evs, len(want))
	}
	for i, w := range want {
		r := wantEvent(t, evs[i], w.obj, w.op)
		for j, word := range w.words {
			if got := r.Uint(); word != ^uint32(0) && got != word {
				t.Errorf("event %d (%d.%d) word %d = %d, want %d", i, w.obj, w.op, j, got, word)
			}
		}
	}
}

// The touch capability exists while a touch device does: bound seats hear
// of it coming and going, and get_touch works once it has existed.
func TestVirtualTouchCapability(t *testing.T) {
	e := start(t, seat.Options{Keyboard: true, Pointer: true})
	c := e.Connect()
	st := c.MustBind("wl_seat", 8)
	c.MustRoundtrip()
	var t1, t2 *seat.VirtualTouch
	e.Do(func() { t1, t2 = e.seat.NewVirtualTouch(), e.seat.NewVirtualTouch() })
	checkEvents(t, wltest.Only(c.MustRoundtrip(), st), ev{st, protocol.WlSeatEventCapabilities, []uint32{7}})
	tid := c.NewID()
	c.MustSend(st, protocol.WlSeatRequestGetTouch, rawclient.NewID(tid))
	c.MustRoundtrip()
	e.Do(func() { t1.Destroy(now) })
	wantCount(t, wltest.Only(c.MustRoundtrip(), st), 0) // t2 still exists
	e.Do(func() {
		t2.Destroy(now)
		t2.Destroy(now) // twice is harmless
	})
	checkEvents(t, wltest.Only(c.MustRoundtrip(), st), ev{st, protocol.WlSeatEventCapabilities, []uint32{3}})
	e.Do(func() {
		if e.seat.HasTouch() {
			t.Error("HasTouch after the last touch device went")
		}
	})
	// get_touch after the capability went is not an error: it existed.
	c.MustSend(st, protocol.WlSeatRequestGetTouch, rawclient.NewID(c.NewID()))
	c.MustRoundtrip()
}

// A touch point belongs to the surface it went down on: motion outside it
// still goes there in its coordinates; up ends it.
func TestVirtualTouchEvents(t *testing.T) {
	e := start(t, seat.Options{Keyboard: true, Pointer: true})
	c := e.Connect()
	comp := c.MustBind("wl_compositor", 4)
	st := c.MustBind("wl_seat", 8)
	aid, a := c.Surface(comp)
	_, b := c.Surface(comp)
	e.Place(a, 10, 20, 100, 100)
	e.Place(b, 200, 0, 100, 100)
	var vt *seat.VirtualTouch
	e.Do(func() { vt = e.seat.NewVirtualTouch() })
	tch := c.NewID()
	c.MustSend(st, protocol.WlSeatRequestGetTouch, rawclient.NewID(tch))
	c.MustRoundtrip()

	const any = ^uint32(0)
	e.Do(func() { vt.Down(15, 30, now) })
	checkEvents(t, wltest.Only(c.MustRoundtrip(), tch),
		ev{tch, protocol.WlTouchEventDown, []uint32{any, any, aid, 0, fx(5), fx(10)}},
		ev{tch, protocol.WlTouchEventFrame, nil})
	e.Do(func() {
		if e.seat.KeyboardFocus() != a {
			t.Error("a tap did not focus the surface (no OnClick hook: the seat does)")
		}
	})
	e.Do(func() { vt.Move(250, 10, now) }) // over b: still a's
	checkEvents(t, wltest.Only(c.MustRoundtrip(), tch),
		ev{tch, protocol.WlTouchEventMotion, []uint32{any, 0, fx(240), fx(-10)}},
		ev{tch, protocol.WlTouchEventFrame, nil})
	e.Do(func() { vt.Up(now) })
	checkEvents(t, wltest.Only(c.MustRoundtrip(), tch),
		ev{tch, protocol.WlTouchEventUp, []uint32{any, any, 0}},
		ev{tch, protocol.WlTouchEventFrame, nil})
	e.Do(func() {
		if n := len(e.seat.TouchPoints()); n != 0 {
			t.Errorf("%d touch points after up", n)
		}
	})

	// Down on the background: nothing is sent, and motion and up of that
	// point send nothing either.
	e.Do(func() { vt.Down(150, 150, now); vt.Move(20, 30, now); vt.Up(now) })
	wantCount(t, wltest.Only(c.MustRoundtrip(), tch), 0)

	// Losing the device while a finger is down cancels it.
	e.Do(func() { vt.Down(20, 30, now) })
	c.MustRoundtrip()
	e.Do(func() { vt.Destroy(now) })
	evs := wltest.Only(c.MustRoundtrip(), tch, uint32(st))
	if len(evs) == 0 || evs[0].Object != tch || evs[0].Opcode != protocol.WlTouchEventUp {
		t.Fatalf("destroy with a finger down: %v, want up first", evs)
	}
}

// Two fingers on two surfaces of two clients, and a client that goes
// while its finger is down.
func TestTouchTwoClients(t *testing.T) {
	e := start(t, seat.Options{Pointer: true})
	c1, c2 := e.Connect(), e.Connect()
	var touches []uint32
	var surfs []*protocol.Object
	for i, c := range []*wltest.Client{c1, c2} {
		comp := c.MustBind("wl_compositor", 4)
		st := c.MustBind("wl_seat", 7)
		_, s := c.Surface(comp)
		e.Place(s, float64(i*100), 0, 100, 100)
		surfs = append(surfs, s)
		if i == 0 {
			e.Do(func() { e.seat.SetTouch(true) })
		}
		tch := c.NewID()
		c.MustSend(st, protocol.WlSeatRequestGetTouch, rawclient.NewID(tch))
		c.MustRoundtrip()
		touches = append(touches, tch)
	}
	e.Do(func() {
		e.seat.TouchDown(3, 50, 50, now)
		e.seat.TouchDown(4, 150, 50, now)
		e.seat.TouchDown(4, 150, 50, now) // already down: ignored
	})
	const any = ^uint32(0)
	checkEvents(t, wltest.Only(c1.MustRoundtrip(), touches[0]),
		ev{touches[0], protocol.WlTouchEventDown, []uint32{any, any, uint32(surfs[0].ID), 3, fx(50), fx(50)}},
		ev{touches[0], protocol.WlTouchEventFrame, nil})
	checkEvents(t, wltest.Only(c2.MustRoundtrip(), touches[1]),
		ev{touches[1], protocol.WlTouchEventDown, []uint32{any, any, uint32(surfs[1].ID), 4, fx(50), fx(50)}},
		ev{touches[1], protocol.WlTouchEventFrame, nil})
	c2.Disconnect()
	e.Do(func() {
		e.seat.TouchMotion(4, 10, 10, now) // c2 is gone: dropped
		e.seat.TouchUp(4, now)
		e.seat.TouchCancel()
	})
	checkEvents(t, wltest.Only(c1.MustRoundtrip(), touches[0]), ev{touches[0], protocol.WlTouchEventCancel, nil})
}

// A virtual pointer moves absolutely and relatively, clicks, and releases
// what it holds when it goes.
func TestVirtualPointer(t *testing.T) {
	e := start(t, seat.Options{Keyboard: true})
	c := e.Connect()
	comp := c.MustBind("wl_compositor", 4)
	st := c.MustBind("wl_seat", 8)
	aid, a := c.Surface(comp)
	e.Place(a, 100, 100, 100, 100)
	c.MustRoundtrip()
	var vp *seat.VirtualPointer
	e.Do(func() { vp = e.seat.NewVirtualPointer() })
	// The seat had no pointer: the virtual one brings the capability.
	checkEvents(t, wltest.Only(c.MustRoundtrip(), st), ev{st, protocol.WlSeatEventCapabilities, []uint32{3}})
	p := c.NewID()
	c.MustSend(st, protocol.WlSeatRequestGetPointer, rawclient.NewID(p))
	c.MustRoundtrip()

	const any = ^uint32(0)
	e.Do(func() { vp.MoveTo(110, 120, now) })
	checkEvents(t, wltest.Only(c.MustRoundtrip(), p),
		ev{p, protocol.WlPointerEventEnter, []uint32{any, aid, fx(10), fx(20)}},
		ev{p, protocol.WlPointerEventFrame, nil})
	e.Do(func() { vp.MoveBy(2.5, -1, now) })
	checkEvents(t, wltest.Only(c.MustRoundtrip(), p),
		ev{p, protocol.WlPointerEventMotion, []uint32{any, fx(12.5), fx(19)}},
		ev{p, protocol.WlPointerEventFrame, nil})
	e.Do(func() { vp.Button(btnLeft, true, now) })
	checkEvents(t, wltest.Only(c.MustRoundtrip(), p),
		ev{p, protocol.WlPointerEventButton, []uint32{any, any, btnLeft, 1}},
		ev{p, protocol.WlPointerEventFrame, nil})
	e.Do(func() { vp.Destroy(now) })
	checkEvents(t, wltest.Only(c.MustRoundtrip(), p, st),
		ev{p, protocol.WlPointerEventButton, []uint32{any, any, btnLeft, 0}},
		ev{p, protocol.WlPointerEventFrame, nil},
		ev{p, protocol.WlPointerEventLeave, []uint32{any, aid}},
		ev{p, protocol.WlPointerEventFrame, nil},
		ev{st, protocol.WlSeatEventCapabilities, []uint32{2}})
	e.Do(func() { vp.MoveTo(0, 0, now); vp.Button(btnLeft, true, now) }) // gone: ignored
	wantCount(t, wltest.Only(c.MustRoundtrip(), p), 0)
}
