package seat

import (
	"log/slog"
	"time"

	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/server"
	"golang.org/x/sys/unix"
)

// This file is zwp_relative_pointer_manager_v1: pointer motion as deltas,
// unbounded by the output's edges and sent even while the pointer is
// locked (constraints.go), which games and Xwayland's pointer lock need.
// The deltas come from the seat's input path: PointerMotion's change of
// position, or PointerMotionRelative's raw deltas where the backend has
// them (GLFW's raw mouse motion).

// RelativePointerVersion is the zwp_relative_pointer_manager_v1 version.
const RelativePointerVersion = 1

// MaxRelativePointersPerClient bounds the relative pointers per client and
// seat that get events; more are created but stay inert.
const MaxRelativePointersPerClient = 16

// ext is the state of this file and constraints.go, one field of Seat.
type ext struct {
	relative map[*server.Client][]*protocol.Object
	raw      *rawDelta
	lastX    float64 // last absolute position reported by the backend
	lastY    float64
	haveLast bool

	constraints map[*protocol.Object]*constraint // by wl_surface
	active      *constraint
	suspended   *constraint // released by ReleasePointerConstraint
	hooked      bool
	onLock      []func(PointerConstraint)
}

type rawDelta struct{ dx, dy, ux, uy float64 }

// AddRelativePointerManager advertises zwp_relative_pointer_manager_v1 on
// d for every seat of d.
func AddRelativePointerManager(d *server.Display) *server.Global {
	return d.AddGlobal(&protocol.ZwpRelativePointerManagerV1Interface, RelativePointerVersion,
		func(c *server.Client, id protocol.ObjectID, version uint32) {
			c.NewObject(id, &protocol.ZwpRelativePointerManagerV1Interface, version, relativeManager{c: c})
		})
}

type relativeManager struct{ c *server.Client }

func (relativeManager) Destroy() error { return nil }

// GetRelativePointer makes the relative pointer of a wl_pointer.
func (r relativeManager) GetRelativePointer(id protocol.ObjectID, pointer *protocol.Object) error {
	pr, ok := pointer.Handler.(*pointerResource)
	if !ok {
		return protocol.Errorf(nil, protocol.WlDisplayErrorImplementation, "wl_pointer@%d is not a pointer of this compositor", pointer.ID)
	}
	s := pr.s
	h := &relativePointer{s: s, c: r.c}
	h.obj = r.c.NewObject(id, &protocol.ZwpRelativePointerV1Interface, 1, h)
	if h.obj == nil {
		return nil
	}
	if s.ext.relative == nil {
		s.ext.relative = make(map[*server.Client][]*protocol.Object)
	}
	if len(s.ext.relative[r.c]) >= MaxRelativePointersPerClient {
		slog.Warn("seat: too many relative pointers; this one stays inert", "client", r.c.ID(), "limit", MaxRelativePointersPerClient)
		return nil
	}
	h.live = true
	s.ext.relative[r.c] = append(s.ext.relative[r.c], h.obj)
	return nil
}

type relativePointer struct {
	s    *Seat
	c    *server.Client
	obj  *protocol.Object
	live bool
}

func (r *relativePointer) Destroy() error { return nil }

func (r *relativePointer) OnDestroy() {
	if !r.live {
		return
	}
	if l := remove(r.s.ext.relative[r.c], r.obj); len(l) > 0 {
		r.s.ext.relative[r.c] = l
	} else {
		delete(r.s.ext.relative, r.c)
	}
}

// PointerMotionRelative moves the pointer by dx, dy (accelerated) and
// sends the focused client's relative pointers those deltas with the
// unaccelerated ones, for backends that have raw motion. While the
// pointer is locked only the relative events go out.
func (s *Seat) PointerMotionRelative(dx, dy, dxUnaccel, dyUnaccel float64, t time.Time) {
	s.ext.raw = &rawDelta{dx, dy, dxUnaccel, dyUnaccel}
	s.PointerMotion(s.ptr.x+dx, s.ptr.y+dy, t)
	s.ext.raw = nil
}

// motionDeltas sends relative motion for a move to x, y (or the raw deltas
// of PointerMotionRelative) to the pointer focus's relative pointers, and
// reports whether it sent any.
func (s *Seat) motionDeltas(x, y float64, t time.Time) bool {
	e := &s.ext
	var d rawDelta
	switch {
	case e.raw != nil:
		d = *e.raw
	case e.haveLast:
		d.dx, d.dy = x-e.lastX, y-e.lastY
		d.ux, d.uy = d.dx, d.dy
	}
	e.lastX, e.lastY, e.haveLast = x, y, true
	p := &s.ptr
	if (d.dx == 0 && d.dy == 0 && d.ux == 0 && d.uy == 0) || !p.focusAlive() {
		return false
	}
	rels := e.relative[p.focusClient]
	if len(rels) == 0 {
		return false
	}
	us := usec(t)
	ev := p.focusClient.Events()
	for _, o := range rels {
		protocol.SendZwpRelativePointerV1RelativeMotion(ev, o.ID, uint32(us>>32), uint32(us),
			protocol.FixedFromFloat(d.dx), protocol.FixedFromFloat(d.dy),
			protocol.FixedFromFloat(d.ux), protocol.FixedFromFloat(d.uy))
	}
	return true
}

// usec is t in microseconds of CLOCK_MONOTONIC (the clock of msec's
// millisecond timestamps), as relative_motion carries it.
func usec(t time.Time) uint64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return uint64(time.Now().UnixMicro())
	}
	now := time.Duration(ts.Nano())
	if !t.IsZero() {
		now -= time.Since(t)
	}
	return uint64(now.Microseconds())
}
