package seat

import (
	"log/slog"
	"time"

	"github.com/nofault/nofault/output"
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/server"
)

// This file is zwlr_virtual_pointer_manager_v1: a client drives a pointer
// of the seat (remote desktops such as wayvnc, input tools such as
// ydotool and wlrctl). Each zwlr_virtual_pointer_v1 is a VirtualPointer
// (virtual.go), so its events take the path of the backend's: focus,
// implicit grabs, constraints and relative motion all apply.
//
// Policy: as in wlroots, every client may create virtual pointers; there
// is no permission check. A client that can connect to the socket can
// move the pointer and click anywhere.
//
// Requests are buffered until frame, which delivers them in order:
// motion (consecutive motion merged), buttons, then the frame's scroll,
// one event per axis carrying the frame's axis_source. motion_absolute
// maps 0..x_extent, 0..y_extent onto the output the pointer was created
// for (create_virtual_pointer_with_output) or onto the compositor's
// output. Event timestamps are the compositor's clock at the frame: the
// time argument of the requests has the client's unknown base. Each
// delivered event is its own wl_pointer frame (the seat's input API sends
// one per event).

// WlrVirtualPointerVersion is the zwlr_virtual_pointer_manager_v1 version.
const WlrVirtualPointerVersion = 2

// MaxWlrVirtualPointersPerClient bounds the virtual pointers a client has
// at once that drive the seat; more are created but stay inert (their
// requests are checked, nothing is delivered).
const MaxWlrVirtualPointersPerClient = 16

// MaxWlrVirtualPointerFrameEvents bounds the buttons (and motions between
// them) buffered before a frame; a longer frame is delivered in parts, as
// if the client had sent a frame there.
const MaxWlrVirtualPointerFrameEvents = 64

// AddWlrVirtualPointerManager advertises zwlr_virtual_pointer_manager_v1.
// Pointers whose seat argument is null or not a seat of this compositor go
// to s; absolute motion without an output argument maps onto out.
func AddWlrVirtualPointerManager(s *Seat, out *output.Output) *server.Global {
	m := &wlrVPManager{s: s, out: out, live: make(map[*server.Client]int)}
	return s.d.AddGlobal(&protocol.ZwlrVirtualPointerManagerV1Interface, WlrVirtualPointerVersion,
		func(c *server.Client, id protocol.ObjectID, version uint32) {
			c.NewObject(id, &protocol.ZwlrVirtualPointerManagerV1Interface, version, &wlrVPManagerResource{m: m, c: c, version: version})
		})
}

// wlrVPManager is the state of one advertised global.
type wlrVPManager struct {
	s    *Seat
	out  *output.Output
	live map[*server.Client]int // pointers driving the seat, by client
}

type wlrVPManagerResource struct {
	m       *wlrVPManager
	c       *server.Client
	version uint32
}

func (r *wlrVPManagerResource) Destroy() error { return nil }

// CreateVirtualPointer creates a pointer on seat (a suggestion) for the
// whole output.
func (r *wlrVPManagerResource) CreateVirtualPointer(seat *protocol.Object, id protocol.ObjectID) error {
	return r.create(seat, nil, id)
}

// CreateVirtualPointerWithOutput creates a pointer whose absolute motion
// maps onto output.
func (r *wlrVPManagerResource) CreateVirtualPointerWithOutput(seat, out *protocol.Object, id protocol.ObjectID) error {
	return r.create(seat, out, id)
}

func (r *wlrVPManagerResource) create(seatObj, outObj *protocol.Object, id protocol.ObjectID) error {
	m := r.m
	s := m.s
	if seatObj != nil {
		if sr, ok := seatObj.Handler.(*seatResource); ok {
			s = sr.s
		}
	}
	out := m.out
	if o := output.FromResource(outObj); o != nil {
		out = o
	}
	h := &wlrVirtualPointer{m: m, s: s, c: r.c, out: out}
	h.obj = r.c.NewObject(id, &protocol.ZwlrVirtualPointerV1Interface, r.version, h)
	if h.obj == nil {
		return nil
	}
	if m.live[r.c] >= MaxWlrVirtualPointersPerClient {
		slog.Warn("seat: too many virtual pointers; this one stays inert", "client", r.c.ID(), "limit", MaxWlrVirtualPointersPerClient)
		return nil
	}
	m.live[r.c]++
	h.vp = s.NewVirtualPointer()
	return nil
}

// vpEvent is a buffered motion or button.
type vpEvent struct {
	isButton bool
	button   uint32
	pressed  bool
	abs      bool    // motion: x, y is a position (plus any relative motion after it)
	x, y     float64 // motion: position or delta
}

// maxDiscrete bounds a frame's wheel steps so that 120 times them fits
// axis_value120's int32.
const maxDiscrete = 1 << 20

// vpAxis is a frame's scroll on one axis.
type vpAxis struct {
	used     bool
	value    float64
	discrete int32
	stop     bool
}

// wlrVirtualPointer is one zwlr_virtual_pointer_v1.
type wlrVirtualPointer struct {
	m   *wlrVPManager
	s   *Seat
	c   *server.Client
	out *output.Output
	obj *protocol.Object
	vp  *VirtualPointer // nil while inert

	pending []vpEvent
	axes    [2]vpAxis
	source  protocol.WlPointerAxisSource
}

// Motion buffers relative motion.
func (p *wlrVirtualPointer) Motion(_ uint32, dx, dy protocol.Fixed) error {
	p.motion(false, dx.Float(), dy.Float())
	return nil
}

// MotionAbsolute buffers a move to x/xExtent, y/yExtent of the output. An
// extent of 0 makes it meaningless and it is ignored, as in wlroots.
func (p *wlrVirtualPointer) MotionAbsolute(_ uint32, x, y, xExtent, yExtent uint32) error {
	if xExtent == 0 || yExtent == 0 {
		return nil
	}
	w, h := 0, 0
	if p.out != nil {
		w, h = p.out.Size()
	}
	p.motion(true, float64(x)/float64(xExtent)*float64(w), float64(y)/float64(yExtent)*float64(h))
	return nil
}

// motion merges with the buffered motion at the end of the frame, if any.
func (p *wlrVirtualPointer) motion(abs bool, x, y float64) {
	if n := len(p.pending); n > 0 && !p.pending[n-1].isButton {
		last := &p.pending[n-1]
		if abs {
			last.abs, last.x, last.y = true, x, y
		} else {
			last.x += x
			last.y += y
		}
		return
	}
	p.push(vpEvent{abs: abs, x: x, y: y})
}

// Button buffers a press or release; any non-zero state is a press, as in
// wlroots (wl_pointer.button_state defines no error).
func (p *wlrVirtualPointer) Button(_ uint32, button uint32, state protocol.WlPointerButtonState) error {
	p.push(vpEvent{isButton: true, button: button, pressed: state != 0})
	return nil
}

// push buffers ev, delivering the frame so far when it is full.
func (p *wlrVirtualPointer) push(ev vpEvent) {
	if len(p.pending) >= MaxWlrVirtualPointerFrameEvents {
		p.flush(false)
	}
	p.pending = append(p.pending, ev)
}

// checkAxis validates a wl_pointer.axis value.
func (p *wlrVirtualPointer) checkAxis(axis protocol.WlPointerAxis) error {
	if axis > protocol.WlPointerAxisHorizontalScroll {
		return protocol.Errorf(p.obj, protocol.ZwlrVirtualPointerV1ErrorInvalidAxis, "invalid axis %d", axis)
	}
	return nil
}

// Axis buffers scroll on axis.
func (p *wlrVirtualPointer) Axis(_ uint32, axis protocol.WlPointerAxis, value protocol.Fixed) error {
	return p.AxisDiscrete(0, axis, value, 0)
}

// AxisDiscrete buffers scroll on axis with its wheel steps.
func (p *wlrVirtualPointer) AxisDiscrete(_ uint32, axis protocol.WlPointerAxis, value protocol.Fixed, discrete int32) error {
	if err := p.checkAxis(axis); err != nil {
		return err
	}
	a := &p.axes[axis]
	a.used = true
	a.value += value.Float()
	a.discrete = int32(max(-maxDiscrete, min(maxDiscrete, int64(a.discrete)+int64(discrete))))
	return nil
}

// AxisStop buffers the end of a finger or continuous scroll on axis.
func (p *wlrVirtualPointer) AxisStop(_ uint32, axis protocol.WlPointerAxis) error {
	if err := p.checkAxis(axis); err != nil {
		return err
	}
	p.axes[axis].used = true
	p.axes[axis].stop = true
	return nil
}

// AxisSource sets the source of the frame's scroll.
func (p *wlrVirtualPointer) AxisSource(source protocol.WlPointerAxisSource) error {
	if source > protocol.WlPointerAxisSourceWheelTilt {
		return protocol.Errorf(p.obj, protocol.ZwlrVirtualPointerV1ErrorInvalidAxisSource, "invalid axis source %d", source)
	}
	p.source = source
	return nil
}

// Frame delivers what was buffered.
func (p *wlrVirtualPointer) Frame() error {
	p.flush(true)
	return nil
}

// flush delivers the buffered motion and buttons and, at the end of a
// frame, the scroll.
func (p *wlrVirtualPointer) flush(end bool) {
	now := time.Now()
	vp := p.vp
	for _, ev := range p.pending {
		switch {
		case vp == nil:
		case ev.isButton:
			vp.Button(ev.button, ev.pressed, now)
		case ev.abs:
			// A relative motion after the absolute one was added to it.
			vp.MoveTo(ev.x, ev.y, now)
		default:
			vp.MoveBy(ev.x, ev.y, now)
		}
	}
	clear(p.pending)
	p.pending = p.pending[:0]
	if !end {
		return
	}
	for i := range p.axes {
		a := p.axes[i]
		if !a.used || vp == nil || vp.gone {
			continue
		}
		ev := AxisEvent{Axis: protocol.WlPointerAxis(i), Source: p.source, Value: a.value, Value120: a.discrete * 120}
		if a.value != 0 || a.discrete != 0 || !a.stop {
			p.s.PointerAxis(ev, now)
		}
		if a.stop {
			ev.Stop = true
			p.s.PointerAxis(ev, now)
		}
	}
	p.axes = [2]vpAxis{}
	p.source = protocol.WlPointerAxisSourceWheel
}

// Destroy is the destructor; OnDestroy does the work.
func (p *wlrVirtualPointer) Destroy() error { return nil }

// OnDestroy drops what was not framed and removes the device, releasing
// the buttons it holds (also when the client disconnects).
func (p *wlrVirtualPointer) OnDestroy() {
	p.pending = nil
	if p.vp == nil {
		return
	}
	p.vp.Destroy(time.Now())
	p.vp = nil
	if p.m.live[p.c]--; p.m.live[p.c] <= 0 {
		delete(p.m.live, p.c)
	}
}
