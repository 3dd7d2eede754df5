package datadevice

import (
	"log/slog"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/seat"
	"github.com/nofault/nofault/server"
	"golang.org/x/sys/unix"
)

// PrimaryVersion is the zwp_primary_selection_device_manager_v1 version
// advertised.
const PrimaryVersion = 1

// Primary is the zwp_primary_selection_device_manager_v1 global: the
// primary selection (select to copy, middle-click to paste) of each seat.
// It works as the clipboard does (the same focus rule, the data piped from
// the source client to the receiver through the receiver's fd) and shares
// the clipboard's per-client bounds (MaxOffersPerClient counts both kinds
// of offer, the receive budget is one bucket), so a client cannot double
// what it hoards by using both protocols.
//
// The same selection can be offered through GTK's older twin protocol,
// gtk_primary_selection_device_manager (AdvertiseGtk): a client of either
// protocol pastes what a client of the other selected.
//
// The protocols define no errors of their own; a wrong object type, a bad
// id or a missing fd are the core errors the decoder posts.
type Primary struct {
	m         *Manager
	global    *server.Global
	gtkGlobal *server.Global
	seats     map[*seat.Seat]*primarySeat
}

// primaryProtocol is what differs between the two primary selection
// protocols: the interfaces and the encoders of their events. Their
// requests are the same (opcodes and arguments), so one set of handlers
// serves both, each object knowing its protocol.
type primaryProtocol struct {
	manager, device, source, offer *protocol.Interface

	sendDataOffer func(e *protocol.Encoder, dev, offer protocol.ObjectID)
	sendSelection func(e *protocol.Encoder, dev, offer protocol.ObjectID)
	sendOffer     func(e *protocol.Encoder, offer protocol.ObjectID, mimeType string)
	sendSend      func(e *protocol.Encoder, src protocol.ObjectID, mimeType string, fd int)
	sendCancelled func(e *protocol.Encoder, src protocol.ObjectID)
}

// zwpPrimary is zwp_primary_selection_device_manager_v1 (wayland-protocols).
var zwpPrimary = &primaryProtocol{
	manager:       &protocol.ZwpPrimarySelectionDeviceManagerV1Interface,
	device:        &protocol.ZwpPrimarySelectionDeviceV1Interface,
	source:        &protocol.ZwpPrimarySelectionSourceV1Interface,
	offer:         &protocol.ZwpPrimarySelectionOfferV1Interface,
	sendDataOffer: protocol.SendZwpPrimarySelectionDeviceV1DataOffer,
	sendSelection: protocol.SendZwpPrimarySelectionDeviceV1Selection,
	sendOffer:     protocol.SendZwpPrimarySelectionOfferV1Offer,
	sendSend:      protocol.SendZwpPrimarySelectionSourceV1Send,
	sendCancelled: protocol.SendZwpPrimarySelectionSourceV1Cancelled,
}

// NewPrimary advertises zwp_primary_selection_device_manager_v1 on m's
// display, bounded by m's per-client limits (display loop only, or before
// the display runs).
func NewPrimary(m *Manager, seats ...*seat.Seat) *Primary {
	p := &Primary{m: m, seats: make(map[*seat.Seat]*primarySeat)}
	for _, s := range seats {
		p.seat(s)
	}
	p.global = m.d.AddGlobal(zwpPrimary.manager, PrimaryVersion, p.bind(zwpPrimary))
	return p
}

// Destroy withdraws the globals.
func (p *Primary) Destroy() {
	p.m.d.RemoveGlobal(p.global)
	if p.gtkGlobal != nil {
		p.m.d.RemoveGlobal(p.gtkGlobal)
		p.gtkGlobal = nil
	}
}

// Selection returns the mime types of s's primary selection, and false
// when there is none.
func (p *Primary) Selection(s *seat.Seat) (mimeTypes []string, ok bool) {
	ps := p.seats[s]
	if ps == nil || ps.selection == nil {
		return nil, false
	}
	return slices.Clone(ps.selection.mimes), true
}

func (p *Primary) seat(s *seat.Seat) *primarySeat {
	if ps := p.seats[s]; ps != nil {
		return ps
	}
	ps := &primarySeat{p: p, s: s, devices: make(map[*server.Client][]*primaryDevice)}
	p.seats[s] = ps
	s.OnKeyboardFocus(ps.focusChanged)
	return ps
}

func (p *Primary) bind(proto *primaryProtocol) server.BindFunc {
	return func(c *server.Client, id protocol.ObjectID, version uint32) {
		h := &primaryManager{p: p, proto: proto, c: c}
		h.obj = c.NewObject(id, proto.manager, version, h)
	}
}

// primaryManager implements zwp_primary_selection_device_manager_v1 or
// gtk_primary_selection_device_manager for one client.
type primaryManager struct {
	p     *Primary
	proto *primaryProtocol
	c     *server.Client
	obj   *protocol.Object
}

// CreateSource creates a source of the manager's protocol.
func (r *primaryManager) CreateSource(id protocol.ObjectID) error {
	h := &primarySource{p: r.p, proto: r.proto, c: r.c}
	h.obj = r.c.NewObject(id, r.proto.source, r.obj.Version, h)
	return nil
}

// GetDevice creates the client's primary selection device of seatObj and,
// if the client has the keyboard focus, sends it the selection. Devices of
// both protocols count against one MaxDevicesPerClient.
func (r *primaryManager) GetDevice(id protocol.ObjectID, seatObj *protocol.Object) error {
	s := seat.FromResource(seatObj)
	if s == nil {
		return protocol.Errorf(nil, protocol.WlDisplayErrorImplementation, "wl_seat@%d is not a seat of this compositor", seatObj.ID)
	}
	ps := r.p.seat(s)
	h := &primaryDevice{ps: ps, proto: r.proto, c: r.c}
	o := r.c.NewObject(id, r.proto.device, r.obj.Version, h)
	if o == nil {
		return nil
	}
	h.obj = o
	if len(ps.devices[r.c]) >= MaxDevicesPerClient {
		slog.Warn("primary selection: too many devices; this one stays inert", "client", r.c.ID(), "limit", MaxDevicesPerClient)
		return nil
	}
	ps.devices[r.c] = append(ps.devices[r.c], h)
	h.live = true
	if s.KeyboardFocusClient() == r.c {
		ps.sendSelectionTo(h)
	}
	return nil
}

// Destroy destroys the manager object (the server does it on return);
// what it made lives on.
func (r *primaryManager) Destroy() error { return nil }

// primarySeat is the primary selection of one seat, whichever protocol
// set it.
type primarySeat struct {
	p         *Primary
	s         *seat.Seat
	selection *primarySource
	serial    uint32
	hasSerial bool
	devices   map[*server.Client][]*primaryDevice
}

func (ps *primarySeat) setSelection(src *primarySource, serial uint32) {
	if old := ps.selection; old != nil {
		old.sel = nil
		old.cancel()
	}
	ps.selection, ps.serial, ps.hasSerial = src, serial, true
	if src != nil {
		src.used = true
		src.sel = ps
	}
	ps.sendSelectionToFocus()
}

func (ps *primarySeat) sourceGone(src *primarySource) {
	if ps.selection != src {
		return
	}
	ps.selection = nil
	ps.sendSelectionToFocus()
}

func (ps *primarySeat) focusChanged(c *server.Client) {
	if c != nil {
		for _, dev := range ps.devices[c] {
			ps.sendSelectionTo(dev)
		}
	}
}

func (ps *primarySeat) sendSelectionToFocus() { ps.focusChanged(ps.s.KeyboardFocusClient()) }

// sendSelectionTo sends dev a new offer of the selection (data_offer,
// offer per mime type, selection) in dev's protocol, whichever protocol
// the source's client used, or selection(null).
func (ps *primarySeat) sendSelectionTo(dev *primaryDevice) {
	c, proto := dev.c, dev.proto
	src := ps.selection
	if src == nil || !src.live() {
		proto.sendSelection(c.Events(), dev.obj.ID, 0)
		return
	}
	cd := ps.p.m.client(c)
	if cd.offers >= MaxOffersPerClient {
		slog.Warn("primary selection: client holds too many offers; sending no selection", "client", c.ID(), "limit", MaxOffersPerClient)
		proto.sendSelection(c.Events(), dev.obj.ID, 0)
		return
	}
	off := &primaryOffer{p: ps.p, c: c, src: src}
	off.obj = c.NewServerObject(proto.offer, dev.obj.Version, off)
	cd.offers++
	e := c.Events()
	proto.sendDataOffer(e, dev.obj.ID, off.obj.ID)
	for _, mime := range src.mimes {
		proto.sendOffer(e, off.obj.ID, mime)
	}
	proto.sendSelection(e, dev.obj.ID, off.obj.ID)
}

// primaryDevice implements zwp_primary_selection_device_v1 and
// gtk_primary_selection_device.
type primaryDevice struct {
	ps    *primarySeat
	proto *primaryProtocol
	c     *server.Client
	obj   *protocol.Object
	live  bool
}

// OnDestroy unregisters the device.
func (d *primaryDevice) OnDestroy() {
	if !d.live {
		return
	}
	d.live = false
	l := slices.DeleteFunc(d.ps.devices[d.c], func(x *primaryDevice) bool { return x == d })
	if len(l) == 0 {
		delete(d.ps.devices, d.c)
	} else {
		d.ps.devices[d.c] = l
	}
}

// SetSelection sets the seat's primary selection. The serial is checked
// as the clipboard's is: a request older than the current selection's is
// ignored and its source cancelled. A source that was already a selection
// (replaced, so cancelled, since) cannot come back: the request is ignored,
// since the protocol defines no error for it; setting the current
// selection again does nothing. The decoder has checked that the source
// is of the device's protocol (invalid_method otherwise).
func (d *primaryDevice) SetSelection(sourceObj *protocol.Object, serial uint32) error {
	ps := d.ps
	var src *primarySource
	if sourceObj != nil {
		var ok bool
		if src, ok = sourceObj.Handler.(*primarySource); !ok {
			return protocol.Errorf(nil, protocol.WlDisplayErrorImplementation, "%s@%d has no source", sourceObj.Interface.Name, sourceObj.ID)
		}
		if src == ps.selection {
			return nil
		}
		if src.used {
			src.cancel()
			return nil
		}
	}
	if ps.hasSerial && serial-ps.serial > math.MaxUint32/2 {
		slog.Debug("primary selection: ignoring set_selection with an old serial", "client", d.c.ID(), "serial", serial, "current", ps.serial)
		if src != nil {
			src.used = true
			src.cancel()
		}
		return nil
	}
	ps.setSelection(src, serial)
	return nil
}

// Destroy destroys the device (the server does it on return).
func (d *primaryDevice) Destroy() error { return nil }

// primarySource implements zwp_primary_selection_source_v1 and
// gtk_primary_selection_source.
type primarySource struct {
	p         *Primary
	proto     *primaryProtocol
	c         *server.Client
	obj       *protocol.Object
	mimes     []string
	used      bool
	cancelled bool
	sel       *primarySeat
}

func (s *primarySource) live() bool { return !s.obj.Destroyed() && !s.cancelled && !s.c.Failed() }

func (s *primarySource) cancel() {
	if s.live() {
		s.proto.sendCancelled(s.c.Events(), s.obj.ID)
	}
	s.cancelled = true
}

// OnDestroy drops the selection this source provided.
func (s *primarySource) OnDestroy() {
	if ps := s.sel; ps != nil {
		s.sel = nil
		ps.sourceGone(s)
	}
}

// Offer adds a mime type; duplicates and types beyond MaxMimeTypes are
// ignored.
func (s *primarySource) Offer(mimeType string) error {
	if slices.Contains(s.mimes, mimeType) {
		return nil
	}
	if len(s.mimes) >= MaxMimeTypes {
		slog.Warn("primary selection: too many mime types; ignoring", "client", s.c.ID(), "limit", MaxMimeTypes)
		return nil
	}
	s.mimes = append(s.mimes, strings.Clone(mimeType))
	return nil
}

// Destroy destroys the source (the server does it on return).
func (s *primarySource) Destroy() error { return nil }

// primaryOffer implements zwp_primary_selection_offer_v1 and
// gtk_primary_selection_offer (its source may be of either protocol).
type primaryOffer struct {
	p   *Primary
	c   *server.Client
	obj *protocol.Object
	src *primarySource
}

// OnDestroy releases the offer's slot in the client's bound.
func (o *primaryOffer) OnDestroy() {
	if cd := o.p.m.clients[o.c]; cd != nil {
		cd.offers--
	}
}

// Receive forwards fd to the source client with send, within the client's
// receive budget; otherwise (or when the source is gone) fd is closed and
// the receiver reads end of file.
func (o *primaryOffer) Receive(mimeType string, fd int) error {
	m := o.p.m
	switch {
	case o.src == nil || !o.src.live():
		unix.Close(fd)
	case !m.takeReceive(o.c):
		if cd := m.client(o.c); time.Since(cd.warned) >= time.Second {
			slog.Warn("primary selection: client over its receive budget; closing the fds", "client", o.c.ID(), "refused", cd.overBudget+1)
			cd.warned, cd.overBudget = time.Now(), 0
		} else {
			cd.overBudget++
		}
		unix.Close(fd)
	default:
		o.src.proto.sendSend(o.src.c.Events(), o.src.obj.ID, mimeType, fd)
	}
	return nil
}

// Destroy destroys the offer (the server does it on return).
func (o *primaryOffer) Destroy() error { return nil }
