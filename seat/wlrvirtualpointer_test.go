package seat_test

import (
	"fmt"
	"testing"

	"github.com/nofault/nofault/internal/rawclient"
	"github.com/nofault/nofault/internal/wltest"
	"github.com/nofault/nofault/output"
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/seat"
)

const (
	btnRight  = 0x111
	btnMiddle = 0x112
)

// vpEnv is a display with a seat, two outputs (the default 1000x800, a
// second 500x400) and zwlr_virtual_pointer_manager_v1; recv is a client
// whose 400x400 surface at (0, 0) has the pointer focus at (20, 30).
type vpEnv struct {
	*wltest.Env
	seat *seat.Seat
	recv *wltest.Client
	ptr  uint32 // recv's wl_pointer
}

func startVirtualPointer(t *testing.T, pointerVersion uint32) *vpEnv {
	t.Helper()
	e := &vpEnv{}
	e.Env = wltest.Start(t, func(w *wltest.Env) {
		e.seat = seat.New(w.D, seat.Options{Pointer: true, Surfaces: w.Shell})
		out := output.New(w.D, "TEST-1", 1000, 800, 60000)
		output.New(w.D, "TEST-2", 500, 400, 60000)
		seat.AddWlrVirtualPointerManager(e.seat, out)
	}, func() { e.seat.Destroy() })
	e.recv = e.Connect()
	comp := e.recv.MustBind("wl_compositor", 4)
	st := e.recv.MustBind("wl_seat", pointerVersion)
	e.ptr = e.recv.NewID()
	e.recv.MustSend(st, protocol.WlSeatRequestGetPointer, rawclient.NewID(e.ptr))
	_, surf := e.recv.Surface(comp)
	e.Place(surf, 0, 0, 400, 400)
	e.Do(func() { e.seat.PointerMotion(20, 30, now) })
	if got := e.events(); !same(got, "enter 20,30", "frame") {
		t.Fatalf("setup: %v", got)
	}
	return e
}

// events describes recv's pointer events since the last call.
func (e *vpEnv) events() []string {
	var out []string
	for _, ev := range wltest.Only(e.recv.MustRoundtrip(), e.ptr) {
		r := ev.Reader()
		switch ev.Opcode {
		case protocol.WlPointerEventEnter:
			r.Uint()
			r.Uint()
			out = append(out, fmt.Sprintf("enter %g,%g", r.Fixed().Float(), r.Fixed().Float()))
		case protocol.WlPointerEventLeave:
			out = append(out, "leave")
		case protocol.WlPointerEventMotion:
			r.Uint()
			out = append(out, fmt.Sprintf("motion %g,%g", r.Fixed().Float(), r.Fixed().Float()))
		case protocol.WlPointerEventButton:
			r.Uint()
			r.Uint()
			out = append(out, fmt.Sprintf("button %#x %d", r.Uint(), r.Uint()))
		case protocol.WlPointerEventAxis:
			r.Uint()
			out = append(out, fmt.Sprintf("axis %d %g", r.Uint(), r.Fixed().Float()))
		case protocol.WlPointerEventFrame:
			out = append(out, "frame")
		case protocol.WlPointerEventAxisSource:
			out = append(out, fmt.Sprintf("source %d", r.Uint()))
		case protocol.WlPointerEventAxisStop:
			r.Uint()
			out = append(out, fmt.Sprintf("stop %d", r.Uint()))
		case protocol.WlPointerEventAxisDiscrete:
			out = append(out, fmt.Sprintf("discrete %d %d", r.Uint(), r.Int()))
		case protocol.WlPointerEventAxisValue120:
			out = append(out, fmt.Sprintf("value120 %d %d", r.Uint(), r.Int()))
		default:
			out = append(out, fmt.Sprintf("opcode %d", ev.Opcode))
		}
	}
	return out
}

// sender is a client with the manager bound at version v.
type sender struct {
	*wltest.Client
	mgr uint32
}

func (e *vpEnv) sender(v uint32) *sender {
	c := e.Connect()
	return &sender{Client: c, mgr: c.MustBind("zwlr_virtual_pointer_manager_v1", v)}
}

// create makes a virtual pointer with a null seat (and output, if out
// is not 0, with create_virtual_pointer_with_output).
func (s *sender) create(out uint32) uint32 {
	id := s.NewID()
	if out == 0 {
		s.MustSend(s.mgr, protocol.ZwlrVirtualPointerManagerV1RequestCreateVirtualPointer, uint32(0), rawclient.NewID(id))
	} else {
		s.MustSend(s.mgr, protocol.ZwlrVirtualPointerManagerV1RequestCreateVirtualPointerWithOutput, uint32(0), out, rawclient.NewID(id))
	}
	return id
}

// lastOutput binds the wl_output announced last (TEST-2).
func (s *sender) lastOutput() uint32 {
	var g rawclient.Global
	for _, x := range s.GlobalList() {
		if x.Interface == "wl_output" {
			g = x
		}
	}
	id := s.NewID()
	s.MustSend(s.Registry(), 0, g.Name, rawclient.Bind{Interface: "wl_output", Version: 4, ID: id})
	return id
}

func (s *sender) motion(vp uint32, dx, dy float64) {
	s.MustSend(vp, protocol.ZwlrVirtualPointerV1RequestMotion, uint32(0), rawclient.FixedFromFloat(dx), rawclient.FixedFromFloat(dy))
}

func (s *sender) absolute(vp, x, y, xe, ye uint32) {
	s.MustSend(vp, protocol.ZwlrVirtualPointerV1RequestMotionAbsolute, uint32(0), x, y, xe, ye)
}

func (s *sender) button(vp, button, state uint32) {
	s.MustSend(vp, protocol.ZwlrVirtualPointerV1RequestButton, uint32(0), button, state)
}

func (s *sender) frame(vp uint32) {
	s.MustSend(vp, protocol.ZwlrVirtualPointerV1RequestFrame)
	s.MustRoundtrip()
}

// Nothing reaches the focused client before frame; then the frame's
// motion and buttons arrive in order, and its scroll with the frame's
// source whatever the order of the requests.
func TestWlrVirtualPointerFrame(t *testing.T) {
	e := startVirtualPointer(t, 8)
	s := e.sender(2)
	vp := s.create(0)
	s.motion(vp, 7, 22)
	s.button(vp, btnLeft, 1)
	s.button(vp, btnRight, 1)
	s.MustSend(vp, protocol.ZwlrVirtualPointerV1RequestAxis, uint32(0), protocol.WlPointerAxisVerticalScroll, rawclient.FixedFromFloat(5))
	s.MustSend(vp, protocol.ZwlrVirtualPointerV1RequestAxisSource, protocol.WlPointerAxisSourceContinuous)
	s.MustRoundtrip()
	if got := e.events(); len(got) != 0 {
		t.Fatalf("before frame: %v", got)
	}
	s.frame(vp)
	if got := e.events(); !same(got,
		"motion 27,52", "frame",
		"button 0x110 1", "frame",
		"button 0x111 1", "frame",
		"source 2", "axis 0 5", "frame") {
		t.Errorf("frame: %v", got)
	}
	// Consecutive motion is one event; a release and a press in a frame
	// both arrive.
	s.motion(vp, 1, 1)
	s.motion(vp, 2, -3)
	s.button(vp, btnLeft, 0)
	s.button(vp, btnMiddle, 1)
	s.frame(vp)
	if got := e.events(); !same(got,
		"motion 30,50", "frame",
		"button 0x110 0", "frame",
		"button 0x112 1", "frame") {
		t.Errorf("second frame: %v", got)
	}
	// An empty frame sends nothing; destroying the pointer releases what
	// it holds, and what it buffered is dropped.
	s.frame(vp)
	s.motion(vp, 50, 50)
	s.MustSend(vp, protocol.ZwlrVirtualPointerV1RequestDestroy)
	s.MustRoundtrip()
	if got := e.events(); !same(got, "button 0x112 0", "frame", "button 0x111 0", "frame") {
		t.Errorf("destroy: %v", got)
	}
}

// motion_absolute maps 0..extent onto the pointer's output: the one given
// to create_virtual_pointer_with_output, else the compositor's.
func TestWlrVirtualPointerAbsolute(t *testing.T) {
	e := startVirtualPointer(t, 8)
	s := e.sender(2)
	vp := s.create(0)
	s.absolute(vp, 250, 200, 1000, 800)
	s.frame(vp)
	if got := e.events(); !same(got, "motion 250,200", "frame") {
		t.Errorf("1:1 extent: %v", got)
	}
	s.absolute(vp, 1, 1, 10, 8) // a tenth and an eighth of 1000x800
	s.motion(vp, 0.5, 0.25)     // relative motion after it adds to it
	s.frame(vp)
	if got := e.events(); !same(got, "motion 100.5,100.25", "frame") {
		t.Errorf("scaled extent: %v", got)
	}
	s.absolute(vp, 5, 5, 0, 10) // no extent: ignored
	s.frame(vp)
	if got := e.events(); len(got) != 0 {
		t.Errorf("zero extent: %v", got)
	}

	vp2 := s.create(s.lastOutput())
	s.absolute(vp2, 1, 1, 2, 2) // the middle of the 500x400 output
	s.frame(vp2)
	if got := e.events(); !same(got, "motion 250,200", "frame") {
		t.Errorf("with_output: %v", got)
	}
}

// Scroll with steps: axis_discrete for wl_pointer 5 to 7 (WLCS 1.5.0
// binds such a pointer), axis_value120 from 8; axis_stop with its source.
func TestWlrVirtualPointerAxis(t *testing.T) {
	for _, tc := range []struct {
		version uint32
		steps   string
	}{{5, "discrete 1 4"}, {7, "discrete 1 4"}, {8, "value120 1 480"}} {
		t.Run(fmt.Sprint(tc.version), func(t *testing.T) {
			e := startVirtualPointer(t, tc.version)
			s := e.sender(1)
			vp := s.create(0)
			h := protocol.WlPointerAxisHorizontalScroll
			s.MustSend(vp, protocol.ZwlrVirtualPointerV1RequestAxisDiscrete, uint32(0), h, rawclient.FixedFromFloat(5), int32(4))
			s.frame(vp)
			if got := e.events(); !same(got, "source 0", tc.steps, "axis 1 5", "frame") {
				t.Errorf("axis_discrete: %v", got)
			}
			s.MustSend(vp, protocol.ZwlrVirtualPointerV1RequestAxisSource, protocol.WlPointerAxisSourceFinger)
			s.MustSend(vp, protocol.ZwlrVirtualPointerV1RequestAxisStop, uint32(0), protocol.WlPointerAxisVerticalScroll)
			s.frame(vp)
			if got := e.events(); !same(got, "source 1", "stop 0", "frame") {
				t.Errorf("axis_stop: %v", got)
			}
		})
	}
}

// An axis or axis source outside wl_pointer's enums is the protocol's
// error on the virtual pointer; a version-2 request on a version-1
// manager is the core's invalid_method.
func TestWlrVirtualPointerErrors(t *testing.T) {
	e := startVirtualPointer(t, 8)
	axis, source := protocol.ZwlrVirtualPointerV1ErrorInvalidAxis, protocol.ZwlrVirtualPointerV1ErrorInvalidAxisSource
	for _, tc := range []struct {
		name string
		send func(s *sender, vp uint32)
		code protocol.ZwlrVirtualPointerV1Error
	}{
		{"axis", func(s *sender, vp uint32) {
			s.MustSend(vp, protocol.ZwlrVirtualPointerV1RequestAxis, uint32(0), uint32(2), rawclient.FixedFromFloat(1))
		}, axis},
		{"axis_discrete", func(s *sender, vp uint32) {
			s.MustSend(vp, protocol.ZwlrVirtualPointerV1RequestAxisDiscrete, uint32(0), uint32(7), rawclient.FixedFromFloat(1), int32(1))
		}, axis},
		{"axis_stop", func(s *sender, vp uint32) {
			s.MustSend(vp, protocol.ZwlrVirtualPointerV1RequestAxisStop, uint32(0), ^uint32(0))
		}, axis},
		{"axis_source", func(s *sender, vp uint32) {
			s.MustSend(vp, protocol.ZwlrVirtualPointerV1RequestAxisSource, uint32(4))
		}, source},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := e.sender(2)
			vp := s.create(0)
			tc.send(s, vp)
			if pe := s.ProtocolError(); pe.ObjectID != vp || pe.Code != tc.code.Code() {
				t.Errorf("got %v, want code %d (%s) on %d", pe, tc.code.Code(), tc.code, vp)
			}
		})
	}
	s := e.sender(1)
	s.create(s.lastOutput())
	if pe := s.ProtocolError(); pe.ObjectID != 1 || pe.Code != protocol.ErrorInvalidMethod {
		t.Errorf("with_output on version 1: %v", pe)
	}
}

// A client's virtual pointers beyond MaxWlrVirtualPointersPerClient are
// inert until one of the others goes; a disconnect releases the buttons
// its pointers hold.
func TestWlrVirtualPointerLimit(t *testing.T) {
	e := startVirtualPointer(t, 8)
	s := e.sender(2)
	vps := make([]uint32, seat.MaxWlrVirtualPointersPerClient+1)
	for i := range vps {
		vps[i] = s.create(0)
	}
	extra := vps[len(vps)-1]
	s.motion(extra, 1, 1)
	s.frame(extra)
	if got := e.events(); len(got) != 0 {
		t.Errorf("pointer over the limit: %v", got)
	}
	s.MustSend(vps[0], protocol.ZwlrVirtualPointerV1RequestDestroy)
	later := s.create(0)
	s.motion(later, 1, 1)
	s.button(later, btnLeft, 1)
	s.frame(later)
	if got := e.events(); !same(got, "motion 21,31", "frame", "button 0x110 1", "frame") {
		t.Errorf("after one went: %v", got)
	}
	s.Disconnect()
	if got := e.events(); !same(got, "button 0x110 0", "frame") {
		t.Errorf("disconnect: %v", got)
	}
}

// A frame longer than MaxWlrVirtualPointerFrameEvents is delivered in
// parts: what a client buffers stays bounded.
func TestWlrVirtualPointerLongFrame(t *testing.T) {
	e := startVirtualPointer(t, 8)
	s := e.sender(2)
	vp := s.create(0)
	n := seat.MaxWlrVirtualPointerFrameEvents
	for i := 0; i <= n; i++ {
		s.button(vp, btnLeft, uint32(1-i%2))
	}
	s.MustRoundtrip()
	if got := e.events(); len(got) != 2*n {
		t.Errorf("before frame: %d events, want %d", len(got), 2*n)
	}
	s.frame(vp)
	if got := e.events(); !same(got, "button 0x110 1", "frame") {
		t.Errorf("frame: %v", got)
	}
}
