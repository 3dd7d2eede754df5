package seat_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"github.com/nofault/nofault/internal/wltest"
	"testing"
	"time"

	"github.com/nofault/nofault/internal/rawclient"
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/seat"
	"github.com/nofault/nofault/seat/keymap"
	wl "github.com/rajveermalviya/go-wayland/wayland/client"
	"golang.org/x/sys/unix"
)

const (
	keyA     = 30
	keyShift = 42
	btnLeft  = 0x110
)

var now = time.Time{} // zero: the seat stamps events with the current time

func wantEvent(t *testing.T, got rawclient.Event, obj uint32, op uint16) *rawclient.ArgReader {
	t.Helper()
	if got.Object != obj || got.Opcode != op {
		t.Fatalf("got %v, want event %d.%d", got, obj, op)
	}
	return got.Reader()
}

func wantCount(t *testing.T, evs []rawclient.Event, n int) {
	t.Helper()
	if len(evs) != n {
		t.Fatalf("got %d events %v, want %d", len(evs), evs, n)
	}
}

func TestBindCapabilitiesAndName(t *testing.T) {
	e := start(t, seat.Options{Name: "seat-test", Keyboard: true, Pointer: true})
	c := e.Connect()
	if g := c.GlobalList(); len(g) != 2 || g[1].Interface != "wl_seat" || g[1].Version != seat.Version {
		t.Fatalf("globals %v, want wl_compositor and wl_seat %d", g, seat.Version)
	}
	s8 := c.MustBind("wl_seat", 8)
	s1 := c.MustBind("wl_seat", 1)
	evs := c.MustRoundtrip()
	wantCount(t, evs, 3)
	if r := wantEvent(t, evs[0], s8, protocol.WlSeatEventCapabilities); r.Uint() != 3 {
		t.Error("capabilities != pointer|keyboard")
	}
	if r := wantEvent(t, evs[1], s8, protocol.WlSeatEventName); r.String() != "seat-test" {
		t.Error("wrong seat name")
	}
	wantEvent(t, evs[2], s1, protocol.WlSeatEventCapabilities) // no name before v2
	c.MustSend(s8, protocol.WlSeatRequestRelease)
	c.MustRoundtrip()
	if !c.Deleted(s8) {
		t.Error("wl_seat.release did not delete the object")
	}
}

func TestMissingCapability(t *testing.T) {
	e := start(t, seat.Options{Pointer: true})
	for _, op := range []uint16{protocol.WlSeatRequestGetKeyboard, protocol.WlSeatRequestGetTouch} {
		c := e.Connect()
		s := c.MustBind("wl_seat", 7)
		c.MustSend(s, protocol.WlSeatRequestGetPointer, rawclient.NewID(c.NewID()))
		c.MustSend(s, op, rawclient.NewID(c.NewID()))
		pe := c.ProtocolError()
		if pe.ObjectID != s || pe.Code != protocol.WlSeatErrorMissingCapability.Code() {
			t.Errorf("request %d: error %v, want missing_capability on wl_seat@%d", op, pe, s)
		}
	}
}

// getKeyboard creates a wl_keyboard and returns it with its keymap fd.
func getKeyboard(t *testing.T, c *wltest.Client, seatID uint32) (uint32, int, []rawclient.Event) {
	t.Helper()
	kbd := c.NewID()
	c.ExpectFDs(kbd, protocol.WlKeyboardEventKeymap, 1)
	c.MustSend(seatID, protocol.WlSeatRequestGetKeyboard, rawclient.NewID(kbd))
	evs := wltest.Only(c.MustRoundtrip(), kbd)
	if len(evs) == 0 || evs[0].Opcode != protocol.WlKeyboardEventKeymap {
		t.Fatalf("no keymap: %v", evs)
	}
	fd := evs[0].FDs[0]
	t.Cleanup(func() { unix.Close(fd) })
	return kbd, fd, evs
}

func TestKeymapPerClient(t *testing.T) {
	e := start(t, seat.Options{Keyboard: true})
	var fds []int
	for i, v := range []uint32{8, 3} {
		c := e.Connect()
		s := c.MustBind("wl_seat", v)
		kbd, fd, evs := getKeyboard(t, c, s)
		r := evs[0].Reader()
		format, size := r.Uint(), r.Uint()
		if format != keymap.FormatXKBV1 || size != uint32(len(keymap.Text())+1) {
			t.Errorf("keymap format %d size %d, want %d %d", format, size, keymap.FormatXKBV1, len(keymap.Text())+1)
		}
		if v >= 4 {
			wantCount(t, evs, 2)
			r := wantEvent(t, evs[1], kbd, protocol.WlKeyboardEventRepeatInfo)
			if rate, delay := r.Int(), r.Int(); rate != seat.DefaultRepeatRate || delay != seat.DefaultRepeatDelay {
				t.Errorf("repeat_info %d %d", rate, delay)
			}
		} else {
			wantCount(t, evs, 1) // no repeat_info before v4
		}
		fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
		if err != nil || fl&unix.O_ACCMODE != unix.O_RDONLY {
			t.Errorf("client %d: keymap fd flags %#x %v, want read-only", i, fl, err)
		}
		if _, err := unix.Write(fd, []byte("x")); !errors.Is(err, unix.EBADF) {
			t.Errorf("write to keymap fd: %v, want EBADF", err)
		}
		seals, err := unix.FcntlInt(uintptr(fd), unix.F_GET_SEALS, 0)
		if err != nil || seals&keymap.Seals != keymap.Seals {
			t.Errorf("seals %#x %v, want %#x", seals, err, keymap.Seals)
		}
		m, err := unix.Mmap(fd, 0, int(size), unix.PROT_READ, unix.MAP_PRIVATE)
		if err != nil {
			t.Fatal(err)
		}
		if len(m) == 0 || m[len(m)-1] != 0 || bytes.IndexByte(m, 0) != len(m)-1 || string(m[:len(m)-1]) != keymap.Text() {
			t.Error("keymap content is not the text followed by one NUL")
		}
		unix.Munmap(m)
		fds = append(fds, fd)
	}
	// Distinct open file descriptions: moving one offset leaves the other.
	if _, err := unix.Seek(fds[0], 100, 0); err != nil {
		t.Fatal(err)
	}
	if off, _ := unix.Seek(fds[1], 0, 1); off != 0 {
		t.Errorf("second client's keymap offset %d after seeking the first; want 0 (shared file description)", off)
	}
}

func keysOf(b []byte) []uint32 {
	var k []uint32
	for len(b) >= 4 {
		k = append(k, binary.LittleEndian.Uint32(b))
		b = b[4:]
	}
	return k
}

func TestKeyboardFocusAndKeys(t *testing.T) {
	e := start(t, seat.Options{Keyboard: true, Pointer: true})
	c := e.Connect()
	comp := c.MustBind("wl_compositor", 4)
	st := c.MustBind("wl_seat", 8)
	sid, surf := c.Surface(comp)
	kbd, _, _ := getKeyboard(t, c, st)

	e.Do(func() { e.seat.Key(keyA, true, now) }) // held before the focus comes
	e.Do(func() { e.seat.SetKeyboardFocus(surf) })
	evs := wltest.Only(c.MustRoundtrip(), kbd)
	wantCount(t, evs, 2)
	r := wantEvent(t, evs[0], kbd, protocol.WlKeyboardEventEnter)
	enterSerial, s, keys := r.Uint(), r.Uint(), keysOf(r.Array())
	if s != sid || len(keys) != 1 || keys[0] != keyA {
		t.Errorf("enter surface %d keys %v, want %d [%d]", s, keys, sid, keyA)
	}
	r = wantEvent(t, evs[1], kbd, protocol.WlKeyboardEventModifiers)
	if modSerial := r.Uint(); modSerial <= enterSerial {
		t.Errorf("modifiers serial %d not after enter %d", modSerial, enterSerial)
	}
	if dep := r.Uint(); dep != 0 {
		t.Errorf("depressed %#x, want 0", dep)
	}

	e.Do(func() { e.seat.Key(keyShift, true, now) })
	evs = wltest.Only(c.MustRoundtrip(), kbd)
	wantCount(t, evs, 2)
	r = wantEvent(t, evs[0], kbd, protocol.WlKeyboardEventKey)
	if _, _, key, state := r.Uint(), r.Uint(), r.Uint(), r.Uint(); key != keyShift || state != 1 {
		t.Errorf("key %d state %d", key, state)
	}
	r = wantEvent(t, evs[1], kbd, protocol.WlKeyboardEventModifiers)
	if _, dep := r.Uint(), r.Uint(); dep != keymap.ModShift {
		t.Errorf("depressed %#x with shift down", dep)
	}
	e.Do(func() {
		e.seat.Key(keyShift, true, now) // host auto-repeat: ignored
		e.seat.Key(keyShift, false, now)
		e.seat.Key(keyA, false, now)
	})
	evs = wltest.Only(c.MustRoundtrip(), kbd)
	wantCount(t, evs, 3) // shift up, modifiers, A up
	wantEvent(t, evs[0], kbd, protocol.WlKeyboardEventKey)
	wantEvent(t, evs[1], kbd, protocol.WlKeyboardEventModifiers)
	r = wantEvent(t, evs[2], kbd, protocol.WlKeyboardEventKey)
	if _, _, key, state := r.Uint(), r.Uint(), r.Uint(), r.Uint(); key != keyA || state != 0 {
		t.Errorf("key %d state %d, want A released", key, state)
	}

	e.Do(func() { e.seat.SetKeyboardFocus(nil) })
	evs = wltest.Only(c.MustRoundtrip(), kbd)
	wantCount(t, evs, 1)
	if r := wantEvent(t, evs[0], kbd, protocol.WlKeyboardEventLeave); r.Uint() <= enterSerial || r.Uint() != sid {
		t.Error("bad leave")
	}
	e.Do(func() { e.seat.Key(keyA, true, now) })
	wantCount(t, wltest.Only(c.MustRoundtrip(), kbd), 0)
}

func TestKeyboardFocusSurfaceDestroyed(t *testing.T) {
	e := start(t, seat.Options{Keyboard: true})
	c := e.Connect()
	comp := c.MustBind("wl_compositor", 4)
	st := c.MustBind("wl_seat", 8)
	sid, surf := c.Surface(comp)
	sid2, surf2 := c.Surface(comp)
	kbd, _, _ := getKeyboard(t, c, st)
	e.Do(func() { e.seat.SetKeyboardFocus(surf) })
	wantCount(t, wltest.Only(c.MustRoundtrip(), kbd), 2)

	c.MustSend(sid, protocol.WlSurfaceRequestDestroy)
	c.MustRoundtrip()
	e.Do(func() {
		e.seat.Key(keyA, true, now)
		if e.seat.KeyboardFocus() != nil || e.seat.KeyboardFocusClient() != nil {
			t.Error("focus survived its surface")
		}
	})
	wantCount(t, wltest.Only(c.MustRoundtrip(), kbd), 0)
	e.Do(func() { e.seat.SetKeyboardFocus(surf2) }) // no leave for the dead one
	evs := wltest.Only(c.MustRoundtrip(), kbd)
	wantCount(t, evs, 2)
	if r := wantEvent(t, evs[0], kbd, protocol.WlKeyboardEventEnter); r.Uint() == 0 || r.Uint() != sid2 {
		t.Error("enter on the wrong surface")
	}

	// A second client takes the focus; a new wl_keyboard of the focused
	// client learns it at once.
	c2 := e.Connect()
	comp2 := c2.MustBind("wl_compositor", 4)
	st2 := c2.MustBind("wl_seat", 5)
	sid3, surf3 := c2.Surface(comp2)
	e.Do(func() { e.seat.SetKeyboardFocus(surf3) })
	if evs := wltest.Only(c.MustRoundtrip(), kbd); len(evs) != 1 || evs[0].Opcode != protocol.WlKeyboardEventLeave {
		t.Errorf("first client: %v, want leave", evs)
	}
	kbd2, _, evs := getKeyboard(t, c2, st2)
	wantCount(t, evs, 4) // keymap, repeat_info, enter, modifiers
	if r := wantEvent(t, evs[2], kbd2, protocol.WlKeyboardEventEnter); r.Uint() == 0 || r.Uint() != sid3 {
		t.Error("new keyboard: enter on the wrong surface")
	}
	c2.Disconnect()
	e.Do(func() {
		if e.seat.KeyboardFocusClient() != nil {
			t.Error("focus survived its client")
		}
	})
}

func TestPointer(t *testing.T) {
	e := start(t, seat.Options{Keyboard: true, Pointer: true})
	c := e.Connect()
	comp := c.MustBind("wl_compositor", 4)
	st8 := c.MustBind("wl_seat", 8)
	st5 := c.MustBind("wl_seat", 5)
	aid, a := c.Surface(comp)
	bid, b := c.Surface(comp)
	e.Place(a, 0, 0, 100, 100)
	e.Place(b, 200, 0, 100, 100)
	p8, p5 := c.NewID(), c.NewID()
	c.MustSend(st8, protocol.WlSeatRequestGetPointer, rawclient.NewID(p8))
	c.MustSend(st5, protocol.WlSeatRequestGetPointer, rawclient.NewID(p5))
	kbd, _, _ := getKeyboard(t, c, st8)

	check := func(evs []rawclient.Event, want ...ev) {
		t.Helper()
		if len(evs) != len(want) {
			t.Fatalf("got %v, want %d events", evs, len(want))
		}
		for i, w := range want {
			r := wantEvent(t, evs[i], w.obj, w.op)
			for j, word := range w.words {
				if word == ^uint32(0) { // any value
					r.Uint()
					continue
				}
				if got := r.Uint(); got != word {
					t.Errorf("event %d (%d.%d) word %d = %d, want %d", i, w.obj, w.op, j, got, word)
				}
			}
		}
	}
	const any = ^uint32(0)
	fx := func(f float64) uint32 { return uint32(protocol.FixedFromFloat(f)) }
	both := func(op uint16, words ...uint32) []ev {
		return []ev{{p8, op, words}, {p8, protocol.WlPointerEventFrame, nil}, {p5, op, words}, {p5, protocol.WlPointerEventFrame, nil}}
	}

	e.Do(func() { e.seat.PointerMotion(10, 20.5, now) })
	check(wltest.Only(c.MustRoundtrip(), p8, p5), both(protocol.WlPointerEventEnter, any, aid, fx(10), fx(20.5))...)
	e.Do(func() { e.seat.PointerMotion(11, 21, now) })
	check(wltest.Only(c.MustRoundtrip(), p8, p5), both(protocol.WlPointerEventMotion, any, fx(11), fx(21))...)

	// A click focuses the surface (no OnClick hook: the seat does it) and
	// the client gets keyboard enter before the button.
	e.Do(func() { e.seat.PointerButton(btnLeft, true, now) })
	evs := wltest.Only(c.MustRoundtrip(), p8, p5, kbd)
	if len(evs) < 2 || evs[0].Object != kbd || evs[0].Opcode != protocol.WlKeyboardEventEnter {
		t.Fatalf("click: %v, want keyboard enter first", evs)
	}
	check(evs[2:], both(protocol.WlPointerEventButton, any, any, btnLeft, 1)...)

	// Implicit grab: motion over b still goes to a, relative to a.
	e.Do(func() { e.seat.PointerMotion(250, 10, now) })
	check(wltest.Only(c.MustRoundtrip(), p8, p5), both(protocol.WlPointerEventMotion, any, fx(250), fx(10))...)
	// Release ends the grab: b gets the focus.
	e.Do(func() { e.seat.PointerButton(btnLeft, false, now) })
	evs = wltest.Only(c.MustRoundtrip(), p8, p5)
	check(evs[:4], both(protocol.WlPointerEventButton, any, any, btnLeft, 0)...)
	check(evs[4:8], both(protocol.WlPointerEventLeave, any, aid)...)
	check(evs[8:], both(protocol.WlPointerEventEnter, any, bid, fx(50), fx(10))...)
	e.Do(func() {
		if e.seat.PointerFocus() != b {
			t.Error("PointerFocus is not b")
		}
	})

	e.Do(func() {
		e.seat.PointerAxis(seat.AxisEvent{Axis: protocol.WlPointerAxisVerticalScroll, Value: 15, Value120: 120,
			Source: protocol.WlPointerAxisSourceWheel}, now)
	})
	check(wltest.Only(c.MustRoundtrip(), p8, p5),
		ev{p8, protocol.WlPointerEventAxisSource, []uint32{0}},
		ev{p8, protocol.WlPointerEventAxisValue120, []uint32{0, 120}},
		ev{p8, protocol.WlPointerEventAxis, []uint32{any, 0, fx(15)}},
		ev{p8, protocol.WlPointerEventFrame, nil},
		ev{p5, protocol.WlPointerEventAxisSource, []uint32{0}},
		ev{p5, protocol.WlPointerEventAxisDiscrete, []uint32{0, 1}},
		ev{p5, protocol.WlPointerEventAxis, []uint32{any, 0, fx(15)}},
		ev{p5, protocol.WlPointerEventFrame, nil})
	e.Do(func() {
		e.seat.PointerAxis(seat.AxisEvent{Axis: protocol.WlPointerAxisHorizontalScroll, Stop: true,
			Source: protocol.WlPointerAxisSourceFinger}, now)
	})
	check(wltest.Only(c.MustRoundtrip(), p8),
		ev{p8, protocol.WlPointerEventAxisSource, []uint32{1}},
		ev{p8, protocol.WlPointerEventAxisStop, []uint32{any, 1}},
		ev{p8, protocol.WlPointerEventFrame, nil})

	e.Do(func() { e.seat.PointerMotion(150, 50, now) }) // background
	check(wltest.Only(c.MustRoundtrip(), p8, p5), both(protocol.WlPointerEventLeave, any, bid)...)
}

func TestSetCursor(t *testing.T) {
	e := start(t, seat.Options{Pointer: true})
	c := e.Connect()
	comp := c.MustBind("wl_compositor", 4)
	st := c.MustBind("wl_seat", 8)
	_, a := c.Surface(comp)
	cid, cur := c.Surface(comp)
	tid, top := c.Surface(comp)
	e.Place(a, 0, 0, 100, 100)
	p := c.NewID()
	c.MustSend(st, protocol.WlSeatRequestGetPointer, rawclient.NewID(p))
	var cursors []seat.Cursor
	e.Do(func() {
		e.seat.OnCursor(func(c seat.Cursor) { cursors = append(cursors, c) })
		e.seat.PointerMotion(5, 5, now)
	})
	evs := wltest.Only(c.MustRoundtrip(), p)
	enter := evs[0].Uint(0)

	c.MustSend(p, protocol.WlPointerRequestSetCursor, enter-1, cid, int32(3), int32(4)) // old serial
	c.MustRoundtrip()
	e.Do(func() {
		if e.seat.Cursor().ClientSet {
			t.Error("set_cursor with an old serial was honoured")
		}
	})
	c.MustSend(p, protocol.WlPointerRequestSetCursor, enter, cid, int32(3), int32(4))
	c.MustRoundtrip()
	e.Do(func() {
		if got := e.seat.Cursor(); got != (seat.Cursor{ClientSet: true, Surface: cur, HotspotX: 3, HotspotY: 4}) {
			t.Errorf("cursor %+v", got)
		}
		if e.Shell.Role(cur) != seat.RoleCursor {
			t.Error("cursor surface has no cursor role")
		}
	})
	c.MustSend(p, protocol.WlPointerRequestSetCursor, enter, uint32(0), int32(0), int32(0))
	c.MustRoundtrip()
	e.Do(func() {
		if got := e.seat.Cursor(); !got.ClientSet || got.Surface != nil {
			t.Errorf("hidden cursor reads %+v", got)
		}
		if len(cursors) != 2 {
			t.Errorf("OnCursor ran %d times, want 2", len(cursors))
		}
		e.Shell.SetRole(top, "xdg_toplevel")
	})
	c.MustSend(p, protocol.WlPointerRequestSetCursor, enter, tid, int32(0), int32(0))
	if pe := c.ProtocolError(); pe.ObjectID != p || pe.Code != protocol.WlPointerErrorRole.Code() {
		t.Errorf("error %v, want role on wl_pointer@%d", pe, p)
	}
}

// TestGoWaylandClient checks the seat against a third-party client
// library (go-wayland), not only the raw test client.
func TestGoWaylandClient(t *testing.T) {
	e := start(t, seat.Options{Keyboard: true, Pointer: true})
	disp, err := wl.Connect(e.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer disp.Context().Close()
	reg, err := disp.GetRegistry()
	if err != nil {
		t.Fatal(err)
	}
	// Proxies get their ids when made, and ids must be used in order:
	// make each one just before binding it.
	var comp *wl.Compositor
	var st *wl.Seat
	var caps uint32
	reg.SetGlobalHandler(func(g wl.RegistryGlobalEvent) {
		switch g.Interface {
		case "wl_compositor":
			comp = wl.NewCompositor(disp.Context())
			reg.Bind(g.Name, g.Interface, 4, comp)
		case "wl_seat":
			st = wl.NewSeat(disp.Context())
			st.SetCapabilitiesHandler(func(ev wl.SeatCapabilitiesEvent) { caps = ev.Capabilities })
			reg.Bind(g.Name, g.Interface, 7, st)
		}
	})
	roundtrip := func() {
		t.Helper()
		cb, err := disp.Sync()
		if err != nil {
			t.Fatal(err)
		}
		done := false
		cb.SetDoneHandler(func(wl.CallbackDoneEvent) { done = true })
		for !done {
			if err := disp.Context().Dispatch(); err != nil {
				t.Fatal(err)
			}
		}
	}
	roundtrip()
	roundtrip()
	if caps != 3 {
		t.Fatalf("capabilities %d, want 3", caps)
	}
	surf, err := comp.CreateSurface()
	if err != nil {
		t.Fatal(err)
	}
	ptr, err := st.GetPointer()
	if err != nil {
		t.Fatal(err)
	}
	var enter wl.PointerEnterEvent
	var buttons []uint32
	ptr.SetEnterHandler(func(ev wl.PointerEnterEvent) { enter = ev })
	ptr.SetButtonHandler(func(ev wl.PointerButtonEvent) { buttons = append(buttons, ev.Button) })
	roundtrip()
	var so *protocol.Object
	e.Do(func() { so = e.Shell.Created()[0] })
	e.Place(so, 10, 10, 50, 50)
	e.Do(func() {
		e.seat.PointerMotion(20, 30, now)
		e.seat.PointerButton(btnLeft, true, now)
		e.seat.PointerButton(btnLeft, false, now)
	})
	roundtrip()
	if enter.Surface != surf || enter.SurfaceX != 10 || enter.SurfaceY != 20 {
		t.Errorf("enter %+v, want surface %d at 10,20", enter, surf.ID())
	}
	if len(buttons) != 2 || buttons[0] != btnLeft {
		t.Errorf("buttons %v", buttons)
	}
}

func TestOnClickHookAndCapabilities(t *testing.T) {
	e := start(t, seat.Options{Keyboard: true, Pointer: true})
	c := e.Connect()
	comp := c.MustBind("wl_compositor", 4)
	st := c.MustBind("wl_seat", 8)
	_, a := c.Surface(comp)
	e.Place(a, 0, 0, 10, 10)
	kbd, _, _ := getKeyboard(t, c, st)
	var clicked []*protocol.Object
	e.Do(func() {
		e.seat.OnClick(func(s *protocol.Object) { clicked = append(clicked, s) })
		e.seat.PointerMotion(1, 1, now)
		e.seat.PointerButton(btnLeft, true, now)
		if len(clicked) != 1 || clicked[0] != a {
			t.Errorf("OnClick got %v, want the surface", clicked)
		}
		if e.seat.KeyboardFocus() != nil {
			t.Error("the seat focused the surface itself although a hook is set")
		}
		e.seat.SetKeyboardFocus(a)
	})
	c.MustRoundtrip()

	// Losing the keyboard: capabilities to every wl_seat, leave to the
	// focus; get_keyboard still works (the seat had a keyboard).
	e.Do(func() { e.seat.SetCapabilities(true, false) })
	evs := c.MustRoundtrip()
	wantCount(t, evs, 2)
	if r := wantEvent(t, evs[0], kbd, protocol.WlKeyboardEventLeave); r.Uint() == 0 {
		t.Error("leave with serial 0")
	}
	if r := wantEvent(t, evs[1], st, protocol.WlSeatEventCapabilities); r.Uint() != 1 {
		t.Error("capabilities != pointer")
	}
	c.MustSend(st, protocol.WlSeatRequestGetKeyboard, rawclient.NewID(c.NewID()))
	c.ExpectFDs(c.PeekID()-1, protocol.WlKeyboardEventKeymap, 1)
	for _, ev := range c.MustRoundtrip() {
		for _, fd := range ev.FDs {
			unix.Close(fd)
		}
	}
	c.Close()
	n := -1
	for deadline := time.Now().Add(timeout); n != 0 && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		e.Do(func() { n = seat.ClientCount(e.seat) })
	}
	if n != 0 {
		t.Errorf("seat still tracks %d clients after the client left", n)
	}
}
