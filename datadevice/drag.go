package datadevice

import (
	"log/slog"
	"math"
	"math/bits"
	"time"

	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/seat"
	"github.com/nofault/nofault/server"
	"golang.org/x/sys/unix"
)

// This file is drag-and-drop: wl_data_device.start_drag turns the implicit
// grab of the button held on the origin surface into a seat.PointerGrab.
// While it runs, the surface under the pointer gets wl_data_device enter,
// motion and leave (with a new wl_data_offer of the source per enter), the
// source and the destination negotiate an action (wl_data_offer.set_actions
// and wl_data_source.set_actions, version 3), and releasing the buttons
// drops (when the destination accepted a mime type and an action was
// chosen) or cancels. After a drop the destination reads the data and
// calls wl_data_offer.finish; the source gets dnd_finished. The rules
// follow weston's data-device.c and wlroots' types/data_device.

// drag is one drag-and-drop session: the pointer grab of a seat.
type drag struct {
	sd   *seatData
	c    *server.Client // the client that started the drag
	dev  *device        // ... through this device
	src  *source        // nil: a client-local drag (only c gets events)
	icon *protocol.Object
	// iconBase is the icon's IconOffset at start_drag: the icon's
	// top-left corner starts at the pointer and moves by the offsets
	// committed since.
	iconBase [2]int

	focus  *protocol.Object // surface that got enter, or nil
	target *device          // its client's device that got enter
	offer  *offer           // the offer sent with enter (nil for a local drag)
}

// DragIcon is what the compositor draws for a running drag.
type DragIcon struct {
	// Surface is the icon's wl_surface (nil: the drag has no icon).
	Surface *protocol.Object
	// X, Y is the pointer position in output pixels, where the icon's
	// top-left corner is when it committed no offset since start_drag.
	X, Y int
	// DX, DY is the offset the icon committed since start_drag
	// (wl_surface.offset, attach dx, dy) in surface coordinates: the
	// compositor scales it to output pixels, so the icon's top-left corner
	// is at (X, Y) + (DX, DY) × the output scale.
	DX, DY int
}

// IconOffset is what the compositor tells the data device about an icon
// surface: the sum of the wl_surface.offset (or attach dx, dy) it
// committed so far. The icon moves by the change since start_drag.
type IconOffset func(surface *protocol.Object) (x, y int)

// SetIconOffset sets the function that reads icon offsets (the shell's).
func (m *Manager) SetIconOffset(fn IconOffset) { m.iconOffset = fn }

// Dragging reports whether a drag runs on s.
func (m *Manager) Dragging(s *seat.Seat) bool {
	sd := m.seats[s]
	return sd != nil && sd.drag != nil
}

// Icon returns the icon of the drag running on s and where to draw it;
// ok is false when no drag runs or it has no live icon.
func (m *Manager) Icon(s *seat.Seat) (icon DragIcon, ok bool) {
	sd := m.seats[s]
	if sd == nil || sd.drag == nil || sd.drag.icon == nil || sd.drag.icon.Destroyed() {
		return DragIcon{}, false
	}
	dr := sd.drag
	x, y := s.PointerPosition()
	ox, oy := m.offset(dr.icon)
	return DragIcon{
		Surface: dr.icon,
		X:       int(math.Floor(x)),
		Y:       int(math.Floor(y)),
		DX:      ox - dr.iconBase[0],
		DY:      oy - dr.iconBase[1],
	}, true
}

func (m *Manager) offset(surface *protocol.Object) (x, y int) {
	if m.iconOffset == nil {
		return 0, 0
	}
	return m.iconOffset(surface)
}

// startDrag validates and starts a drag from d (the role and source
// checks are done). Without a valid implicit grab the drag is refused as
// wlroots does: the source (if any) is cancelled.
func (d *device) startDrag(src *source, origin, icon *protocol.Object, serial uint32) {
	sd := d.sd
	s := sd.s
	if src != nil {
		src.used = true
	}
	if sd.drag != nil || !s.ValidImplicitGrab(origin, serial) {
		slog.Debug("datadevice: start_drag without a matching implicit grab; cancelling", "client", d.c.ID(), "serial", serial)
		if src != nil {
			src.cancel()
		}
		return
	}
	dr := &drag{sd: sd, c: d.c, dev: d, src: src, icon: icon}
	if icon != nil {
		x, y := sd.m.offset(icon)
		dr.iconBase = [2]int{x, y}
	}
	if src != nil {
		src.drag = dr
	}
	sd.drag = dr
	s.ClearPointerFocus()
	s.StartGrab(dr)
	dr.Motion(s.PointerPosition())
}

// Motion moves the drag: enter and leave when the surface under the
// pointer changes, motion while it stays.
func (dr *drag) Motion(x, y float64) {
	surf, sx, sy := dr.sd.s.SurfaceUnder(x, y)
	if surf != dr.focus || dr.focus == nil || dr.focus.Destroyed() {
		dr.setFocus(surf, sx, sy)
		return
	}
	if t := dr.target; t != nil && t.live {
		protocol.SendWlDataDeviceMotion(t.c.Events(), t.obj.ID, now(),
			protocol.FixedFromFloat(sx), protocol.FixedFromFloat(sy))
	}
}

// Button drops when the last button is released.
func (dr *drag) Button(button uint32, state protocol.WlPointerButtonState) {
	if state != protocol.WlPointerButtonStateReleased || dr.sd.s.ButtonsHeld() > 0 {
		return
	}
	dr.drop()
	dr.end()
	dr.sd.s.EndGrab()
}

// Cancel ends the drag from the seat's side: nothing is dropped.
func (dr *drag) Cancel() {
	dr.cancelSource()
	dr.end()
}

// abort ends the drag from the data device's side (its source or device
// went away) and gives the pointer back.
func (dr *drag) abort() {
	dr.cancelSource()
	dr.end()
	if dr.sd.s.Grab() == seat.PointerGrab(dr) {
		dr.sd.s.EndGrab()
	}
}

// cancelSource tells a version 3 source that the drag ended without a
// drop (older sources learn nothing, as in weston).
func (dr *drag) cancelSource() {
	if src := dr.src; src != nil && src.obj.Version >= protocol.WlDataSourceEventDndDropPerformedSince {
		src.cancel()
	}
}

// end leaves the focus and forgets the drag.
func (dr *drag) end() {
	dr.setFocus(nil, 0, 0)
	if dr.src != nil {
		dr.src.drag = nil
	}
	if dr.sd.drag == dr {
		dr.sd.drag = nil
	}
}

// drop ends the drag over the focus: drop and dnd_drop_performed when the
// destination accepted a mime type and an action was chosen, cancelled
// otherwise. A client-local drag drops on its own client's surfaces.
func (dr *drag) drop() {
	t := dr.target
	if t == nil || !t.live || dr.focus == nil || dr.focus.Destroyed() {
		dr.cancelSource()
		return
	}
	src := dr.src
	if src == nil {
		protocol.SendWlDataDeviceDrop(t.c.Events(), t.obj.ID)
		return
	}
	o := dr.offer
	if o == nil || !src.live() || !src.accepted || src.current == 0 {
		dr.cancelSource()
		return
	}
	protocol.SendWlDataDeviceDrop(t.c.Events(), t.obj.ID)
	if src.obj.Version >= protocol.WlDataSourceEventDndDropPerformedSince {
		protocol.SendWlDataSourceDndDropPerformed(src.c.Events(), src.obj.ID)
	}
	o.dropped = true
	o.inAsk = src.current == protocol.WlDataDeviceManagerDndActionAsk
	// The offer and the source's acceptance and action stay for the
	// transfer and finish: the leave that follows must not touch them.
	dr.offer = nil
	src.drag, dr.src = nil, nil
}

// setFocus sends leave to the old focus and enter (with a new offer) to
// surf, nil for none. A client-local drag only enters its own client's
// surfaces.
func (dr *drag) setFocus(surf *protocol.Object, sx, sy float64) {
	if t := dr.target; t != nil && t.live && !t.c.Failed() {
		protocol.SendWlDataDeviceLeave(t.c.Events(), t.obj.ID)
	}
	if o := dr.offer; o != nil {
		o.detach() // an offer the pointer left is inert
	}
	if src := dr.src; src != nil {
		if src.accepted && src.live() {
			protocol.SendWlDataSourceTarget(src.c.Events(), src.obj.ID, "")
		}
		src.accepted, src.current = false, 0
	}
	dr.focus, dr.target, dr.offer = nil, nil, nil
	if surf == nil || surf.Destroyed() {
		return
	}
	c := dr.sd.s.ClientOf(surf)
	if c == nil || (dr.src == nil && c != dr.c) {
		return
	}
	var t *device
	for _, dev := range dr.sd.devices[c] {
		if dev.live {
			t = dev
			break
		}
	}
	if t == nil {
		return
	}
	var offerID protocol.ObjectID
	e := c.Events()
	if src := dr.src; src != nil {
		o := dr.sd.m.newOffer(c, src, t.obj.Version)
		if o == nil {
			return
		}
		o.dnd = true
		src.offer = o
		dr.offer = o
		offerID = o.obj.ID
		protocol.SendWlDataDeviceDataOffer(e, t.obj.ID, o.obj.ID)
		for _, mime := range src.mimes {
			protocol.SendWlDataOfferOffer(e, o.obj.ID, mime)
		}
		if o.obj.Version >= protocol.WlDataOfferEventSourceActionsSince {
			protocol.SendWlDataOfferSourceActions(e, o.obj.ID, src.dndActions())
		}
	}
	dr.focus, dr.target = surf, t
	protocol.SendWlDataDeviceEnter(e, t.obj.ID, dr.sd.s.Display().NextSerial(), surf.ID,
		protocol.FixedFromFloat(sx), protocol.FixedFromFloat(sy), offerID)
	if dr.offer != nil {
		dr.offer.updateAction()
	}
}

// deviceGone is called when a data device is destroyed: a drag it
// started is aborted, a drag over its client loses its target.
func (sd *seatData) deviceGone(d *device) {
	dr := sd.drag
	if dr == nil {
		return
	}
	if dr.dev == d {
		dr.abort()
		return
	}
	if dr.target == d {
		if dr.offer != nil {
			dr.offer.detach()
		}
		dr.focus, dr.target, dr.offer = nil, nil, nil
	}
}

// dndActions returns the source's actions as the offer sees them: a
// source older than version 3 offers copy.
func (s *source) dndActions() protocol.WlDataDeviceManagerDndAction {
	if s.obj.Version < protocol.WlDataSourceRequestSetActionsSince {
		return protocol.WlDataDeviceManagerDndActionCopy
	}
	return s.actions
}

// chooseAction is weston's data_offer_choose_action: the destination's
// preferred action if the source allows it, else the lowest common one; an
// offer older than version 3 takes copy.
func (o *offer) chooseAction() protocol.WlDataDeviceManagerDndAction {
	offerActions, preferred := protocol.WlDataDeviceManagerDndActionCopy, protocol.WlDataDeviceManagerDndAction(0)
	if o.obj.Version >= protocol.WlDataOfferRequestSetActionsSince {
		offerActions, preferred = o.actions, o.preferred
	}
	avail := offerActions & o.src.dndActions()
	switch {
	case avail == 0:
		return 0
	case preferred&avail != 0:
		return preferred
	}
	return 1 << bits.TrailingZeros32(uint32(avail))
}

// updateAction sends action to the source and the offer when the chosen
// action changed. During an ask (after a drop with ask) the choice is
// recorded silently; finish reports it to the source.
func (o *offer) updateAction() {
	src := o.src
	if src == nil || src.offer != o || !src.live() {
		return
	}
	a := o.chooseAction()
	if a == src.current {
		return
	}
	src.current = a
	if o.inAsk {
		return
	}
	if src.obj.Version >= protocol.WlDataSourceEventActionSince {
		protocol.SendWlDataSourceAction(src.c.Events(), src.obj.ID, a)
	}
	if o.obj.Version >= protocol.WlDataOfferEventActionSince && !o.obj.Destroyed() {
		protocol.SendWlDataOfferAction(o.c.Events(), o.obj.ID, a)
	}
}

// detach makes a drag offer inert: its source no longer answers it.
func (o *offer) detach() {
	if o.src != nil && o.src.offer == o {
		o.src.offer = nil
	}
	o.src = nil
}

// now is the timestamp of wl_data_device.motion: CLOCK_MONOTONIC
// milliseconds, as wl_pointer's.
func now() uint32 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return uint32(time.Now().UnixMilli())
	}
	return uint32(time.Duration(ts.Nano()).Milliseconds())
}
