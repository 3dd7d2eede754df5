package datadevice_test

import (
	"testing"
	"time"

	"github.com/nofault/nofault/datadevice"
	"github.com/nofault/nofault/internal/rawclient"
	"github.com/nofault/nofault/internal/wltest"
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/seat"
)

// time0 is "now" for the seat's input methods.
var time0 time.Time

const (
	btnLeft = 0x110
	copyA   = protocol.WlDataDeviceManagerDndActionCopy
	moveA   = protocol.WlDataDeviceManagerDndActionMove
	askA    = protocol.WlDataDeviceManagerDndActionAsk
)

// nullString is a null string argument (wl_data_offer.accept's mime type).
var nullString = rawclient.RawString{}

// dragEnv is two clients with a pointer each: A's surface at (0,0) and
// B's at (200,0), both 100x100.
type dragEnv struct {
	*env
	a, b       *dclient
	ptrA, ptrB uint32
}

func startDrag(t *testing.T) *dragEnv {
	e := start(t, seat.Options{Keyboard: true, Pointer: true})
	de := &dragEnv{env: e, a: e.desktop(), b: e.desktop()}
	de.ptrA, de.ptrB = de.a.pointer(), de.b.pointer()
	e.Place(de.a.surf, 0, 0, 100, 100)
	e.Place(de.b.surf, 200, 0, 100, 100)
	return de
}

func (d *dclient) pointer() uint32 {
	id := d.NewID()
	d.MustSend(d.seat, protocol.WlSeatRequestGetPointer, rawclient.NewID(id))
	d.MustRoundtrip()
	return id
}

func (de *dragEnv) motion(x, y float64) { de.Do(func() { de.seat.PointerMotion(x, y, time0) }) }
func (de *dragEnv) button(pressed bool) {
	de.Do(func() { de.seat.PointerButton(btnLeft, pressed, time0) })
}

// press moves the pointer over A's surface, presses the button and
// returns the button event's serial.
func (de *dragEnv) press() uint32 {
	de.T.Helper()
	de.motion(50, 50)
	de.a.MustRoundtrip()
	de.button(true)
	for _, ev := range de.a.MustRoundtrip() {
		if ev.Object == de.ptrA && ev.Opcode == protocol.WlPointerEventButton {
			return ev.Uint(0)
		}
	}
	de.T.Fatal("no button event")
	return 0
}

// dragSource makes A's source offering text with the given actions
// (0: set_actions not sent).
func (de *dragEnv) dragSource(actions protocol.WlDataDeviceManagerDndAction) uint32 {
	src := de.a.source(textUTF8)
	if actions != 0 {
		de.a.MustSend(src, protocol.WlDataSourceRequestSetActions, actions)
	}
	return src
}

// enterOffer finds the enter event on d's device and returns its offer
// id; ok is false without enter.
func (d *dclient) enterOffer(evs []rawclient.Event) (offer uint32, ok bool) {
	for _, ev := range evs {
		if ev.Object == d.dev && ev.Opcode == protocol.WlDataDeviceEventEnter {
			r := ev.Reader()
			r.Uint() // serial
			if surf := r.Uint(); surf != d.sid {
				d.T.Errorf("enter on surface %d, want %d", surf, d.sid)
			}
			r.Fixed()
			r.Fixed()
			return r.Uint(), true
		}
	}
	return 0, false
}

func has(evs []rawclient.Event, obj uint32, op uint16) bool {
	for _, ev := range evs {
		if ev.Object == obj && ev.Opcode == op {
			return true
		}
	}
	return false
}

// actionOf returns the first argument of the first obj.op event, a
// dnd_action.
func actionOf(t *testing.T, evs []rawclient.Event, obj uint32, op uint16) protocol.WlDataDeviceManagerDndAction {
	t.Helper()
	for _, ev := range evs {
		if ev.Object == obj && ev.Opcode == op {
			return protocol.WlDataDeviceManagerDndAction(ev.Uint(0))
		}
	}
	t.Fatalf("no event %d.%d in %v", obj, op, evs)
	return 0
}

// toB starts a drag of src from A and moves it over B, returning B's
// offer.
func (de *dragEnv) toB(src uint32) uint32 {
	de.T.Helper()
	serial := de.press()
	de.a.MustSend(de.a.dev, protocol.WlDataDeviceRequestStartDrag, src, de.a.sid, uint32(0), serial)
	de.a.MustRoundtrip()
	de.motion(250, 40)
	off, ok := de.b.enterOffer(de.b.MustRoundtrip())
	if !ok || off == 0 {
		de.T.Fatal("B got no enter with an offer")
	}
	return off
}

// TestDragBetweenClients is a whole drag from A to B: enter with an offer
// of A's mime types and actions, motion, negotiation (move preferred by B),
// drop, the transfer through a pipe, finish and dnd_finished.
func TestDragBetweenClients(t *testing.T) {
	de := startDrag(t)
	a, b := de.a, de.b
	serial := de.press()
	src := de.dragSource(copyA | moveA)
	a.MustSend(a.dev, protocol.WlDataDeviceRequestStartDrag, src, a.sid, uint32(0), serial)
	evs := a.MustRoundtrip()
	if !has(evs, de.ptrA, protocol.WlPointerEventLeave) {
		t.Error("the origin's pointer got no leave when the drag started")
	}
	offA, ok := a.enterOffer(evs)
	if !ok || offA == 0 {
		t.Fatalf("A (under the pointer) got no enter with an offer: %v", evs)
	}
	if got := actionOf(t, evs, offA, protocol.WlDataOfferEventSourceActions); got != copyA|moveA {
		t.Errorf("source_actions %d, want copy|move", got)
	}
	e := de.env
	e.Do(func() {
		if !e.dm.Dragging(e.seat) {
			t.Error("Dragging = false during the drag")
		}
	})

	de.motion(250, 40)
	if evs := a.MustRoundtrip(); !has(evs, a.dev, protocol.WlDataDeviceEventLeave) {
		t.Errorf("A got no leave: %v", evs)
	}
	evs = b.MustRoundtrip()
	off, ok := b.enterOffer(evs)
	if !ok || off == 0 {
		t.Fatalf("B got no enter: %v", evs)
	}
	de.motion(260, 41)
	if evs := b.MustRoundtrip(); !has(evs, b.dev, protocol.WlDataDeviceEventMotion) {
		t.Errorf("B got no motion: %v", evs)
	}
	if evs := b.MustRoundtrip(); has(evs, de.ptrB, protocol.WlPointerEventEnter) {
		t.Error("B's pointer got enter during the drag")
	}

	b.MustSend(off, protocol.WlDataOfferRequestAccept, uint32(1), textUTF8)
	b.MustSend(off, protocol.WlDataOfferRequestSetActions, copyA|moveA, moveA)
	if got := actionOf(t, b.MustRoundtrip(), off, protocol.WlDataOfferEventAction); got != moveA {
		t.Errorf("offer action %d, want move", got)
	}
	evs = a.MustRoundtrip()
	if r := wltest.Only(evs, src); !has(r, src, protocol.WlDataSourceEventTarget) {
		t.Errorf("source got no target: %v", evs)
	}
	if got := actionOf(t, evs, src, protocol.WlDataSourceEventAction); got != moveA {
		t.Errorf("source action %d, want move", got)
	}

	de.button(false)
	evs = b.MustRoundtrip()
	if !has(evs, b.dev, protocol.WlDataDeviceEventDrop) || !has(evs, b.dev, protocol.WlDataDeviceEventLeave) {
		t.Fatalf("B after release: %v, want drop and leave", evs)
	}
	if !has(evs, de.ptrB, protocol.WlPointerEventEnter) {
		t.Error("B's pointer did not get the focus back after the drop")
	}
	if evs := a.MustRoundtrip(); !has(evs, src, protocol.WlDataSourceEventDndDropPerformed) || cancelled(evs, src) {
		t.Fatalf("A after release: %v, want dnd_drop_performed", evs)
	}
	if got := paste(t, a, b, src, off, textUTF8, "dropped"); got != "dropped" {
		t.Fatalf("B read %q", got)
	}
	b.MustSend(off, protocol.WlDataOfferRequestFinish)
	b.MustRoundtrip()
	if evs := a.MustRoundtrip(); !has(evs, src, protocol.WlDataSourceEventDndFinished) {
		t.Fatalf("A after finish: %v, want dnd_finished", evs)
	}
	e.Do(func() {
		if e.dm.Dragging(e.seat) {
			t.Error("Dragging = true after the drop")
		}
	})
}

// TestDragWithinClient: a drag from A's surface dropped on A's own
// surface, with copy (the only common action).
func TestDragWithinClient(t *testing.T) {
	de := startDrag(t)
	a := de.a
	serial := de.press()
	src := de.dragSource(copyA | moveA)
	a.MustSend(a.dev, protocol.WlDataDeviceRequestStartDrag, src, a.sid, uint32(0), serial)
	off, ok := a.enterOffer(a.MustRoundtrip())
	if !ok || off == 0 {
		t.Fatal("no enter")
	}
	a.MustSend(off, protocol.WlDataOfferRequestAccept, uint32(1), textUTF8)
	a.MustSend(off, protocol.WlDataOfferRequestSetActions, copyA, copyA)
	a.MustRoundtrip()
	de.button(false)
	evs := a.MustRoundtrip()
	if !has(evs, a.dev, protocol.WlDataDeviceEventDrop) || !has(evs, src, protocol.WlDataSourceEventDndDropPerformed) {
		t.Fatalf("after release: %v", evs)
	}
	a.MustSend(off, protocol.WlDataOfferRequestFinish)
	if evs := a.MustRoundtrip(); !has(evs, src, protocol.WlDataSourceEventDndFinished) {
		t.Fatalf("after finish: %v", evs)
	}
}

// TestDragAsk: after a drop with ask the destination picks the action
// with set_actions; finish reports it to the source before dnd_finished.
// Finishing while still at ask is invalid_offer.
func TestDragAsk(t *testing.T) {
	for _, choose := range []bool{true, false} {
		de := startDrag(t)
		a, b := de.a, de.b
		src := de.dragSource(copyA | moveA | askA)
		off := de.toB(src)
		b.MustSend(off, protocol.WlDataOfferRequestAccept, uint32(1), textUTF8)
		b.MustSend(off, protocol.WlDataOfferRequestSetActions, copyA|moveA|askA, askA)
		b.MustRoundtrip()
		if got := actionOf(t, a.MustRoundtrip(), src, protocol.WlDataSourceEventAction); got != askA {
			t.Fatalf("action %d, want ask", got)
		}
		de.button(false)
		b.MustRoundtrip()
		a.MustRoundtrip()
		if !choose {
			b.MustSend(off, protocol.WlDataOfferRequestFinish)
			if pe := b.ProtocolError(); pe.ObjectID != off || pe.Code != protocol.WlDataOfferErrorInvalidOffer.Code() {
				t.Errorf("finish at ask: %v, want invalid_offer on the offer", pe)
			}
			continue
		}
		b.MustSend(off, protocol.WlDataOfferRequestSetActions, moveA, moveA)
		if evs := b.MustRoundtrip(); has(evs, off, protocol.WlDataOfferEventAction) {
			t.Error("action sent during the ask")
		}
		b.MustSend(off, protocol.WlDataOfferRequestFinish)
		b.MustRoundtrip()
		evs := a.MustRoundtrip()
		if got := actionOf(t, evs, src, protocol.WlDataSourceEventAction); got != moveA || !has(evs, src, protocol.WlDataSourceEventDndFinished) {
			t.Errorf("after finish: %v, want action move and dnd_finished", evs)
		}
	}
}

// TestDragCancelled: released over a destination that accepted nothing,
// or over the background, the drag is cancelled: no drop, the source gets
// cancelled.
func TestDragCancelled(t *testing.T) {
	for _, over := range []string{"unaccepted", "background", "no action"} {
		de := startDrag(t)
		a, b := de.a, de.b
		src := de.dragSource(copyA)
		off := de.toB(src)
		switch over {
		case "background":
			b.MustSend(off, protocol.WlDataOfferRequestAccept, uint32(1), textUTF8)
			b.MustSend(off, protocol.WlDataOfferRequestSetActions, copyA, copyA)
			b.MustRoundtrip()
			de.motion(150, 150)
		case "no action":
			b.MustSend(off, protocol.WlDataOfferRequestAccept, uint32(1), textUTF8)
			b.MustSend(off, protocol.WlDataOfferRequestSetActions, moveA, moveA)
		}
		b.MustRoundtrip()
		de.button(false)
		if evs := b.MustRoundtrip(); has(evs, b.dev, protocol.WlDataDeviceEventDrop) {
			t.Errorf("%s: B got drop", over)
		}
		if evs := a.MustRoundtrip(); !cancelled(evs, src) || has(evs, src, protocol.WlDataSourceEventDndDropPerformed) {
			t.Errorf("%s: A got %v, want cancelled", over, evs)
		}
	}
}

// TestDragSourceDestroyed: destroying the source ends the drag; the
// destination gets leave and the pointer comes back.
func TestDragSourceDestroyed(t *testing.T) {
	de := startDrag(t)
	a, b := de.a, de.b
	src := de.dragSource(copyA)
	de.toB(src)
	a.MustSend(src, protocol.WlDataSourceRequestDestroy)
	a.MustRoundtrip()
	if evs := b.MustRoundtrip(); !has(evs, b.dev, protocol.WlDataDeviceEventLeave) {
		t.Fatalf("B: %v, want leave", evs)
	}
	de.Do(func() {
		if de.dm.Dragging(de.seat) || de.seat.Grab() != nil {
			t.Error("the drag survived its source")
		}
	})
	de.button(false)
	de.motion(255, 45)
	if evs := b.MustRoundtrip(); !has(evs, de.ptrB, protocol.WlPointerEventEnter) && !has(evs, de.ptrB, protocol.WlPointerEventMotion) {
		t.Errorf("B's pointer: %v, want the pointer back", evs)
	}
}

// TestDragLocal: with a null source only the dragging client gets enter
// (without an offer) and drop.
func TestDragLocal(t *testing.T) {
	de := startDrag(t)
	a, b := de.a, de.b
	serial := de.press()
	a.MustSend(a.dev, protocol.WlDataDeviceRequestStartDrag, uint32(0), a.sid, uint32(0), serial)
	off, ok := a.enterOffer(a.MustRoundtrip())
	if !ok || off != 0 {
		t.Fatalf("A: enter %v offer %d, want enter with a null offer", ok, off)
	}
	de.motion(250, 50)
	if _, ok := b.enterOffer(b.MustRoundtrip()); ok {
		t.Error("B got enter for another client's local drag")
	}
	de.motion(50, 50)
	if _, ok := a.enterOffer(a.MustRoundtrip()); !ok {
		t.Error("A got no enter back")
	}
	de.button(false)
	if evs := a.MustRoundtrip(); !has(evs, a.dev, protocol.WlDataDeviceEventDrop) {
		t.Errorf("A: %v, want drop", evs)
	}
}

// TestDragRefused: start_drag without the implicit grab's serial (or
// with no button held) cancels the source; nothing is entered.
func TestDragRefused(t *testing.T) {
	de := startDrag(t)
	a := de.a
	serial := de.press()
	src := de.dragSource(copyA)
	a.MustSend(a.dev, protocol.WlDataDeviceRequestStartDrag, src, a.sid, uint32(0), serial+7)
	evs := a.MustRoundtrip()
	if !cancelled(evs, src) {
		t.Errorf("wrong serial: %v, want cancelled", evs)
	}
	if _, ok := a.enterOffer(evs); ok {
		t.Error("enter for a refused drag")
	}
	de.button(false)
	src = de.dragSource(copyA)
	a.MustSend(a.dev, protocol.WlDataDeviceRequestStartDrag, src, a.sid, uint32(0), serial)
	if !cancelled(a.MustRoundtrip(), src) {
		t.Error("no button held: source not cancelled")
	}
	de.Do(func() {
		if de.seat.Grab() != nil {
			t.Error("a refused drag grabbed the pointer")
		}
	})
}

// TestDragErrors checks every wl_data_offer and start_drag error of a
// drag as the spec defines them.
func TestDragErrors(t *testing.T) {
	type step func(de *dragEnv, off uint32)
	accept := func(de *dragEnv, off uint32) {
		de.b.MustSend(off, protocol.WlDataOfferRequestAccept, uint32(1), textUTF8)
		de.b.MustSend(off, protocol.WlDataOfferRequestSetActions, copyA, copyA)
		de.b.MustRoundtrip()
	}
	drop := func(de *dragEnv, off uint32) { de.button(false); de.b.MustRoundtrip() }
	send := func(op uint16, args ...any) step {
		return func(de *dragEnv, off uint32) { de.b.MustSend(off, op, args...) }
	}
	for _, tc := range []struct {
		name  string
		steps []step
		code  protocol.WlDataOfferError
	}{
		{"finish before drop", []step{accept, send(protocol.WlDataOfferRequestFinish)}, protocol.WlDataOfferErrorInvalidFinish},
		{"finish after unaccepting", []step{accept, drop, send(protocol.WlDataOfferRequestAccept, uint32(2), nullString), send(protocol.WlDataOfferRequestFinish)}, protocol.WlDataOfferErrorInvalidFinish},
		{"bad action mask", []step{send(protocol.WlDataOfferRequestSetActions, uint32(8), uint32(0))}, protocol.WlDataOfferErrorInvalidActionMask},
		{"preferred not in mask", []step{send(protocol.WlDataOfferRequestSetActions, copyA, moveA)}, protocol.WlDataOfferErrorInvalidAction},
		{"two preferred", []step{send(protocol.WlDataOfferRequestSetActions, copyA|moveA, copyA|moveA)}, protocol.WlDataOfferErrorInvalidAction},
		{"set_actions after finish", []step{accept, drop, send(protocol.WlDataOfferRequestFinish), send(protocol.WlDataOfferRequestSetActions, copyA, copyA)}, protocol.WlDataOfferErrorInvalidOffer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			de := startDrag(t)
			off := de.toB(de.dragSource(copyA))
			for _, s := range tc.steps {
				s(de, off)
			}
			if pe := de.b.ProtocolError(); pe.ObjectID != off || pe.Code != uint32(tc.code) {
				t.Errorf("error %v, want code %d on offer %d", pe, tc.code, off)
			}
		})
	}

	t.Run("used source", func(t *testing.T) {
		de := startDrag(t)
		src := de.dragSource(copyA)
		de.toB(src)
		de.button(false)
		serial := de.press()
		de.a.MustSend(de.a.dev, protocol.WlDataDeviceRequestStartDrag, src, de.a.sid, uint32(0), serial)
		if pe := de.a.ProtocolError(); pe.ObjectID != src || pe.Code != protocol.WlDataSourceErrorInvalidSource.Code() {
			t.Errorf("error %v, want invalid_source", pe)
		}
	})
	t.Run("icon with a role", func(t *testing.T) {
		de := startDrag(t)
		serial := de.press()
		iconID, icon := de.a.Surface(de.a.comp)
		de.Do(func() { de.Shell.SetRole(icon, seat.RoleCursor) })
		de.a.MustSend(de.a.dev, protocol.WlDataDeviceRequestStartDrag, uint32(0), de.a.sid, iconID, serial)
		if pe := de.a.ProtocolError(); pe.ObjectID != de.a.dev || pe.Code != protocol.WlDataDeviceErrorRole.Code() {
			t.Errorf("error %v, want role on the device", pe)
		}
	})
	t.Run("icon role given", func(t *testing.T) {
		de := startDrag(t)
		// The test's shell does not sum offsets: iconOff stands for the
		// sum the compositor's shell reports (compositor tests the real one).
		var iconOff [2]int
		de.Do(func() {
			de.dm.SetIconOffset(func(*protocol.Object) (int, int) { return iconOff[0], iconOff[1] })
		})
		serial := de.press()
		iconID, icon := de.a.Surface(de.a.comp)
		de.Do(func() { iconOff = [2]int{3, 4} }) // committed before start_drag: no move
		de.a.MustSend(de.a.dev, protocol.WlDataDeviceRequestStartDrag, uint32(0), de.a.sid, iconID, serial)
		de.a.MustRoundtrip()
		de.Do(func() {
			if r := de.Shell.Role(icon); r != datadevice.RoleDragIcon {
				t.Errorf("icon role %q", r)
			}
			ic, ok := de.dm.Icon(de.seat)
			if want := (datadevice.DragIcon{Surface: icon, X: 50, Y: 50}); !ok || ic != want {
				t.Errorf("Icon = %+v, %v; want the icon at the pointer (50,50), no offset", ic, ok)
			}
		})
		// An offset committed since moves it, in surface coordinates (the
		// compositor scales them); X, Y follow the pointer.
		de.Do(func() { iconOff = [2]int{5, 3} })
		de.motion(60.7, 70.2)
		de.Do(func() {
			ic, ok := de.dm.Icon(de.seat)
			if want := (datadevice.DragIcon{Surface: icon, X: 60, Y: 70, DX: 2, DY: -1}); !ok || ic != want {
				t.Errorf("Icon = %+v, %v; want %+v", ic, ok, want)
			}
		})
	})
}

// TestDragOldOfferDestroyed: a version 1 destination cannot finish; its
// destroying the dropped offer is the finish for a version 3 source.
func TestDragOldOfferDestroyed(t *testing.T) {
	e := start(t, seat.Options{Keyboard: true, Pointer: true})
	a := e.desktop()
	c := e.Connect()
	b := &dclient{Client: c, e: e}
	b.comp = c.MustBind("wl_compositor", 4)
	b.seat = c.MustBind("wl_seat", 7)
	b.ddm = c.MustBind("wl_data_device_manager", 1)
	b.sid, b.surf = c.Surface(b.comp)
	b.dev = c.NewID()
	c.MustSend(b.ddm, protocol.WlDataDeviceManagerRequestGetDataDevice, rawclient.NewID(b.dev), b.seat)
	c.MustRoundtrip() // B's device exists before the drag reaches it
	de := &dragEnv{env: e, a: a, b: b}
	de.ptrA = a.pointer()
	e.Place(a.surf, 0, 0, 100, 100)
	e.Place(b.surf, 200, 0, 100, 100)
	src := de.dragSource(copyA | moveA)
	off := de.toB(src)
	b.MustSend(off, protocol.WlDataOfferRequestAccept, uint32(1), textUTF8)
	b.MustRoundtrip()
	if got := actionOf(t, a.MustRoundtrip(), src, protocol.WlDataSourceEventAction); got != copyA {
		t.Errorf("action %d, want copy for a version 1 destination", got)
	}
	de.button(false)
	if evs := b.MustRoundtrip(); !has(evs, b.dev, protocol.WlDataDeviceEventDrop) {
		t.Fatalf("B: %v, want drop", evs)
	}
	a.MustRoundtrip()
	b.MustSend(off, protocol.WlDataOfferRequestDestroy)
	b.MustRoundtrip()
	if evs := a.MustRoundtrip(); !has(evs, src, protocol.WlDataSourceEventDndFinished) {
		t.Errorf("A: %v, want dnd_finished", evs)
	}
}
