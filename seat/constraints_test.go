package seat_test

import (
	"fmt"
	"image"
	"testing"

	"github.com/nofault/nofault/internal/rawclient"
	"github.com/nofault/nofault/internal/wltest"
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/seat"
	"golang.org/x/sys/unix"
)

// geomShell is the fake shell with surface rectangles, for confinement.
type geomShell struct {
	*wltest.FakeShell
	rects map[*protocol.Object]image.Rectangle
}

func (g *geomShell) SurfaceRect(s *protocol.Object) (image.Rectangle, bool) {
	r, ok := g.rects[s]
	return r, ok
}

func (g *geomShell) RegionRects(*protocol.Object) ([]image.Rectangle, bool) { return nil, false }

type cenv struct {
	*wltest.Env
	seat *seat.Seat
	geom *geomShell
}

func startConstraints(t *testing.T) *cenv {
	e := &cenv{}
	e.Env = wltest.Start(t, func(w *wltest.Env) {
		e.geom = &geomShell{FakeShell: w.Shell, rects: map[*protocol.Object]image.Rectangle{}}
		e.seat = seat.New(w.D, seat.Options{Keyboard: true, Pointer: true, Surfaces: e.geom})
		seat.AddRelativePointerManager(w.D)
		seat.AddPointerConstraints(w.D)
	}, func() { e.seat.Destroy() })
	return e
}

// place puts s at r (output coordinates).
func (e *cenv) place(s *protocol.Object, r image.Rectangle) {
	e.Place(s, float64(r.Min.X), float64(r.Min.Y), float64(r.Dx()), float64(r.Dy()))
	e.Do(func() { e.geom.rects[s] = r })
}

type cclient struct {
	*wltest.Client
	e                       *cenv
	seat, ptr, kbd, rel, pc uint32
	sid                     uint32
	surf                    *protocol.Object
}

func (e *cenv) client(r image.Rectangle) *cclient {
	c := &cclient{Client: e.Connect(), e: e}
	comp := c.MustBind("wl_compositor", 4)
	c.seat = c.MustBind("wl_seat", 7)
	c.ptr, c.kbd = c.NewID(), c.NewID()
	c.MustSend(c.seat, protocol.WlSeatRequestGetPointer, rawclient.NewID(c.ptr))
	c.ExpectFDs(c.kbd, protocol.WlKeyboardEventKeymap, 1)
	c.MustSend(c.seat, protocol.WlSeatRequestGetKeyboard, rawclient.NewID(c.kbd))
	rm := c.MustBind("zwp_relative_pointer_manager_v1", 1)
	c.rel = c.NewID()
	c.MustSend(rm, protocol.ZwpRelativePointerManagerV1RequestGetRelativePointer, rawclient.NewID(c.rel), c.ptr)
	c.pc = c.MustBind("zwp_pointer_constraints_v1", 1)
	c.sid, c.surf = c.Surface(comp)
	for _, ev := range c.MustRoundtrip() {
		for _, fd := range ev.FDs {
			unix.Close(fd)
		}
	}
	e.place(c.surf, r)
	return c
}

// names describes c's pointer, relative pointer and constraint events.
func (c *cclient) names(evs []rawclient.Event, constraint uint32) []string {
	var out []string
	for _, ev := range evs {
		r := ev.Reader()
		switch {
		case ev.Object == c.rel:
			r.Uint()
			r.Uint()
			out = append(out, fmt.Sprintf("rel %g,%g %g,%g", r.Fixed().Float(), r.Fixed().Float(), r.Fixed().Float(), r.Fixed().Float()))
		case ev.Object == c.ptr && ev.Opcode == protocol.WlPointerEventMotion:
			r.Uint()
			out = append(out, fmt.Sprintf("motion %g,%g", r.Fixed().Float(), r.Fixed().Float()))
		case ev.Object == c.ptr && ev.Opcode == protocol.WlPointerEventEnter:
			out = append(out, "enter")
		case ev.Object == c.ptr && ev.Opcode == protocol.WlPointerEventLeave:
			out = append(out, "leave")
		case ev.Object == c.ptr && ev.Opcode == protocol.WlPointerEventFrame:
			out = append(out, "frame")
		case constraint != 0 && ev.Object == constraint:
			out = append(out, []string{"on", "off"}[ev.Opcode])
		}
	}
	return out
}

func (e *cenv) motion(x, y float64) { e.Do(func() { e.seat.PointerMotion(x, y, now) }) }

func same(got []string, want ...string) bool { return fmt.Sprint(got) == fmt.Sprint(want) }

// TestRelativeMotion: the deltas of the absolute input path, and raw
// deltas with their unaccelerated values, go to the focus's relative
// pointer before wl_pointer.motion.
func TestRelativeMotion(t *testing.T) {
	e := startConstraints(t)
	a := e.client(image.Rect(0, 0, 100, 100))
	e.motion(10, 10)
	a.MustRoundtrip()
	e.motion(15, 13)
	if got := a.names(a.MustRoundtrip(), 0); !same(got, "rel 5,3 5,3", "motion 15,13", "frame") {
		t.Fatalf("absolute motion: %v", got)
	}
	e.Do(func() { e.seat.PointerMotionRelative(2, 1, 4, 2, now) })
	if got := a.names(a.MustRoundtrip(), 0); !same(got, "rel 2,1 4,2", "motion 17,14", "frame") {
		t.Fatalf("raw motion: %v", got)
	}
	// Another client without the focus gets nothing.
	b := e.client(image.Rect(200, 0, 300, 100))
	e.motion(18, 14)
	if got := b.names(b.MustRoundtrip(), 0); len(got) != 0 {
		t.Fatalf("unfocused client got %v", got)
	}
}

func (c *cclient) constrain(lock bool, lifetime protocol.ZwpPointerConstraintsV1Lifetime) uint32 {
	id := c.NewID()
	op := protocol.ZwpPointerConstraintsV1RequestConfinePointer
	if lock {
		op = protocol.ZwpPointerConstraintsV1RequestLockPointer
	}
	c.MustSend(c.pc, op, rawclient.NewID(id), c.sid, c.ptr, uint32(0), uint32(lifetime))
	return id
}

// TestLock: a lock activates with pointer and keyboard focus; while locked
// only relative motion (and frame) goes out; Super+Escape releases it; a
// persistent lock comes back when the pointer re-enters, a oneshot one
// does not.
func TestLock(t *testing.T) {
	e := startConstraints(t)
	a := e.client(image.Rect(0, 0, 100, 100))
	e.motion(50, 50)
	lock := a.constrain(true, protocol.ZwpPointerConstraintsV1LifetimePersistent)
	if got := a.names(a.MustRoundtrip(), lock); !same(got, "enter", "frame") {
		t.Fatalf("without keyboard focus: %v", got)
	}
	e.Do(func() { e.seat.SetKeyboardFocus(a.surf) })
	if got := a.names(a.MustRoundtrip(), lock); !same(got, "on") {
		t.Fatalf("with keyboard focus: %v", got)
	}
	e.motion(60, 45)
	if got := a.names(a.MustRoundtrip(), lock); !same(got, "rel 10,-5 10,-5", "frame") {
		t.Fatalf("locked motion: %v", got)
	}
	e.Do(func() {
		if pc := e.seat.PointerConstraint(); !pc.Active || !pc.Locked || pc.Surface != a.surf {
			t.Errorf("PointerConstraint %+v", pc)
		}
		if x, y := e.seat.PointerPosition(); x != 50 || y != 50 {
			t.Errorf("locked pointer moved to %g,%g", x, y)
		}
	})
	// Super+Escape.
	e.Do(func() {
		e.seat.Key(125, true, now)
		e.seat.Key(1, true, now)
		e.seat.Key(1, false, now)
		e.seat.Key(125, false, now)
	})
	if got := a.names(a.MustRoundtrip(), lock); !same(got, "off") {
		t.Fatalf("Super+Escape: %v", got)
	}
	// The first position after a lock ends is where the backend's held
	// cursor came back to: no relative motion for that jump.
	e.motion(61, 45)
	if got := a.names(a.MustRoundtrip(), lock); !same(got, "motion 61,45", "frame") {
		t.Fatalf("released: %v", got)
	}
	// Leave and come back: persistent locks again. The motion that
	// leaves is relative motion for the surface it started on; the one
	// that comes back starts outside.
	e.motion(150, 45)
	e.motion(70, 45)
	if got := a.names(a.MustRoundtrip(), lock); !same(got, "rel 89,0 89,0", "leave", "frame", "enter", "frame", "on") {
		t.Fatalf("re-enter: %v", got)
	}
	a.MustSend(lock, protocol.ZwpLockedPointerV1RequestDestroy)
	a.MustRoundtrip()
	e.Do(func() {
		if e.seat.PointerConstraint().Active {
			t.Error("active after destroy")
		}
	})
	// Oneshot: off for good after the keyboard focus goes.
	one := a.constrain(true, protocol.ZwpPointerConstraintsV1LifetimeOneshot)
	if got := a.names(a.MustRoundtrip(), one); !same(got, "on") {
		t.Fatalf("oneshot: %v", got)
	}
	e.Do(func() { e.seat.SetKeyboardFocus(nil) })
	e.Do(func() { e.seat.SetKeyboardFocus(a.surf) })
	e.motion(71, 45)
	if got := a.names(a.MustRoundtrip(), one); !same(got, "off", "motion 71,45", "frame") {
		t.Fatalf("oneshot after focus loss: %v", got)
	}
}

// TestConfine: a confined pointer stays inside the surface.
func TestConfine(t *testing.T) {
	e := startConstraints(t)
	a := e.client(image.Rect(10, 10, 110, 60))
	e.Do(func() { e.seat.SetKeyboardFocus(a.surf) })
	e.motion(50, 30)
	conf := a.constrain(false, protocol.ZwpPointerConstraintsV1LifetimePersistent)
	a.MustRoundtrip()
	e.motion(200, 30)
	if got := a.names(a.MustRoundtrip(), conf); !same(got, "rel 150,0 150,0", "motion 99,20", "frame") {
		t.Fatalf("confined motion: %v", got)
	}
	e.motion(0, 0)
	if got := a.names(a.MustRoundtrip(), conf); !same(got, "rel -200,-30 -200,-30", "motion 0,0", "frame") {
		t.Fatalf("confined motion: %v", got)
	}
	e.Do(func() {
		if x, y := e.seat.PointerPosition(); x != 10 || y != 10 {
			t.Errorf("pointer at %g,%g, want 10,10", x, y)
		}
	})
}

// TestConstraintErrors: a second constraint on a surface is
// already_constrained on the manager; a non-pointer is the core's
// invalid_method.
func TestConstraintErrors(t *testing.T) {
	e := startConstraints(t)
	a := e.client(image.Rect(0, 0, 10, 10))
	a.constrain(true, protocol.ZwpPointerConstraintsV1LifetimeOneshot)
	a.constrain(false, protocol.ZwpPointerConstraintsV1LifetimeOneshot)
	if pe := a.ProtocolError(); pe.ObjectID != a.pc || pe.Code != protocol.ZwpPointerConstraintsV1ErrorAlreadyConstrained.Code() {
		t.Errorf("second constraint: %v", pe)
	}
	b := e.client(image.Rect(0, 0, 10, 10))
	b.MustSend(b.pc, protocol.ZwpPointerConstraintsV1RequestLockPointer, rawclient.NewID(b.NewID()), b.sid, b.kbd, uint32(0), uint32(1))
	if pe := b.ProtocolError(); pe.ObjectID != 1 || pe.Code != protocol.ErrorInvalidMethod {
		t.Errorf("lock with a keyboard: %v", pe)
	}
	// A destroyed constraint frees the surface for a new one.
	c := e.client(image.Rect(0, 0, 10, 10))
	id := c.constrain(true, protocol.ZwpPointerConstraintsV1LifetimeOneshot)
	c.MustSend(id, protocol.ZwpLockedPointerV1RequestDestroy)
	c.constrain(false, protocol.ZwpPointerConstraintsV1LifetimeOneshot)
	c.MustRoundtrip()
}
