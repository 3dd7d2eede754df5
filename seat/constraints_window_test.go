package seat_test

import (
	"image"
	"testing"

	"github.com/nofault/nofault/internal/wltest"
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/seat"
)

// windowShell is geomShell whose surfaces are each their own window.
type windowShell struct{ *geomShell }

func (windowShell) SameWindow(a, b *protocol.Object) bool { return a != nil && a == b }

// A constraint needs its window to have the keyboard focus, not just its
// client: another window of the same client taking the focus unlocks the
// pointer at once (no motion needed) and a persistent lock comes back
// with the focus (WLCS PointerConstraints.when_surface_is_unselected_*
// and when_surface_is_reselected_persistent_*).
func TestConstraintFollowsWindowFocus(t *testing.T) {
	e := &cenv{}
	e.Env = wltest.Start(t, func(w *wltest.Env) {
		e.geom = &geomShell{FakeShell: w.Shell, rects: map[*protocol.Object]image.Rectangle{}}
		e.seat = seat.New(w.D, seat.Options{Keyboard: true, Pointer: true, Surfaces: windowShell{e.geom}})
		seat.AddRelativePointerManager(w.D)
		seat.AddPointerConstraints(w.D)
	}, func() { e.seat.Destroy() })
	a := e.client(image.Rect(0, 0, 100, 100))
	comp := a.MustBind("wl_compositor", 4)
	_, other := a.Surface(comp) // a second window of the same client, elsewhere
	e.place(other, image.Rect(300, 300, 400, 400))
	e.motion(50, 50)
	e.Do(func() { e.seat.SetKeyboardFocus(a.surf) })
	lock := a.constrain(true, protocol.ZwpPointerConstraintsV1LifetimePersistent)
	if got := a.names(a.MustRoundtrip(), lock); !same(got, "enter", "frame", "on") {
		t.Fatalf("locked: %v", got)
	}
	e.Do(func() { e.seat.SetKeyboardFocus(other) })
	if got := a.names(a.MustRoundtrip(), lock); !same(got, "off") {
		t.Fatalf("after the client's other window took the focus: %v, want off", got)
	}
	e.Do(func() { e.seat.SetKeyboardFocus(a.surf) })
	if got := a.names(a.MustRoundtrip(), lock); !same(got, "on") {
		t.Fatalf("focus back: %v, want on", got)
	}
}
