package datadevice

import (
	"log/slog"
	"math"

	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/seat"
	"github.com/nofault/nofault/server"
)

// RoleDragIcon is the role start_drag gives its icon surface.
const RoleDragIcon = "wl_data_device-icon"

// seatData is the selection of one seat and the data devices on it.
type seatData struct {
	m         *Manager
	s         *seat.Seat
	selection *source
	serial    uint32 // serial of the set_selection that made it
	hasSerial bool
	devices   map[*server.Client][]*device
	drag      *drag          // the running drag-and-drop (drag.go), or nil
	host      *HostClipboard // sharing with the host's clipboard (host.go), or nil
}

// setSelection replaces the selection with src (nil: none), cancelling
// the old source, and tells the client with the keyboard focus.
func (sd *seatData) setSelection(src *source, serial uint32) {
	sd.serial, sd.hasSerial = serial, true
	sd.replaceSelection(src)
}

// replaceSelection is setSelection without a serial: the compositor's own
// selection (a server-owned source) leaves the clients' serial order as
// it was.
func (sd *seatData) replaceSelection(src *source) {
	if old := sd.selection; old != nil {
		old.sel = nil
		old.cancel()
	}
	sd.selection = src
	if src != nil {
		src.used = true
		src.sel = sd
	}
	sd.sendSelectionToFocus()
	if sd.host != nil {
		sd.host.selectionChanged()
	}
}

// sourceGone handles the destruction of the selection's source (by the
// client or because the client went): the selection becomes empty, or
// the host's copy of it (host.go).
func (sd *seatData) sourceGone(src *source) {
	if sd.selection != src {
		return
	}
	sd.selection = nil
	if sd.host != nil {
		sd.host.sourceGone(src)
		if sd.selection != nil {
			return // replaced, and sent
		}
	}
	sd.sendSelectionToFocus()
}

// focusChanged is the seat's keyboard focus hook.
func (sd *seatData) focusChanged(c *server.Client) {
	if c != nil {
		sd.sendSelection(c)
	}
}

func (sd *seatData) sendSelectionToFocus() {
	if c := sd.s.KeyboardFocusClient(); c != nil {
		sd.sendSelection(c)
	}
}

func (sd *seatData) sendSelection(c *server.Client) {
	for _, dev := range sd.devices[c] {
		sd.sendSelectionTo(dev)
	}
}

// sendSelectionTo sends dev a new offer of the selection (data_offer,
// offer per mime type, selection), or selection(null).
func (sd *seatData) sendSelectionTo(dev *device) {
	c := dev.c
	src := sd.selection
	if src == nil || !src.live() {
		protocol.SendWlDataDeviceSelection(c.Events(), dev.obj.ID, 0)
		return
	}
	off := sd.m.newOffer(c, src, dev.obj.Version)
	if off == nil {
		protocol.SendWlDataDeviceSelection(c.Events(), dev.obj.ID, 0)
		return
	}
	e := c.Events()
	protocol.SendWlDataDeviceDataOffer(e, dev.obj.ID, off.obj.ID)
	for _, mime := range src.mimes {
		protocol.SendWlDataOfferOffer(e, off.obj.ID, mime)
	}
	protocol.SendWlDataDeviceSelection(e, dev.obj.ID, off.obj.ID)
}

// device implements wl_data_device.
type device struct {
	sd   *seatData
	c    *server.Client
	obj  *protocol.Object
	live bool // registered in sd.devices (not over the per-client limit)
}

// OnDestroy unregisters the device.
func (d *device) OnDestroy() {
	if !d.live {
		return
	}
	d.live = false
	d.sd.deviceGone(d)
	l := d.sd.devices[d.c]
	for i, x := range l {
		if x == d {
			l = append(l[:i], l[i+1:]...)
			break
		}
	}
	if len(l) == 0 {
		delete(d.sd.devices, d.c)
	} else {
		d.sd.devices[d.c] = l
	}
}

// StartDrag starts drag-and-drop (drag.go). A used source is an
// invalid_source error and an icon with another role a role error; a
// serial that is not the implicit grab's on origin cancels the source.
func (d *device) StartDrag(sourceObj, origin, icon *protocol.Object, serial uint32) error {
	src, err := sourceOf(sourceObj)
	if err != nil {
		return err
	}
	if src != nil && src.used {
		return protocol.Errorf(sourceObj, protocol.WlDataSourceErrorInvalidSource,
			"wl_data_source@%d was already used", sourceObj.ID)
	}
	if icon != nil && !d.sd.s.AssignRole(icon, RoleDragIcon) {
		return protocol.Errorf(d.obj, protocol.WlDataDeviceErrorRole,
			"Cannot assign role %s to wl_surface@%d, already has another role", RoleDragIcon, icon.ID)
	}
	d.startDrag(src, origin, icon, serial)
	return nil
}

// SetSelection sets the seat's selection. As in weston the serial is
// checked leniently: only a request older than the current selection's is
// ignored (its source is cancelled). A source set up for drag-and-drop, or
// already used, is an invalid_source error; setting the current selection
// again does nothing.
func (d *device) SetSelection(sourceObj *protocol.Object, serial uint32) error {
	sd := d.sd
	src, err := sourceOf(sourceObj)
	if err != nil {
		return err
	}
	if src != nil {
		if src.actionsSet {
			return protocol.Errorf(sourceObj, protocol.WlDataSourceErrorInvalidSource,
				"cannot set drag-and-drop source as selection")
		}
		if src == sd.selection {
			return nil
		}
		if src.used {
			return protocol.Errorf(sourceObj, protocol.WlDataSourceErrorInvalidSource,
				"wl_data_source@%d was already used", sourceObj.ID)
		}
	}
	if sd.hasSerial && serial-sd.serial > math.MaxUint32/2 {
		slog.Debug("datadevice: ignoring set_selection with an old serial", "client", d.c.ID(), "serial", serial, "current", sd.serial)
		if src != nil {
			src.used = true
			src.cancel()
		}
		return nil
	}
	sd.setSelection(src, serial)
	return nil
}

// Release destroys the device (the server does it on return).
func (d *device) Release() error { return nil }

// sourceOf returns the source behind a wl_data_source object (nil for
// null). Every wl_data_source is made by this package; anything else is a
// compositor bug, reported as an implementation error.
func sourceOf(o *protocol.Object) (*source, error) {
	if o == nil {
		return nil, nil
	}
	src, ok := o.Handler.(*source)
	if !ok {
		return nil, protocol.Errorf(nil, protocol.WlDisplayErrorImplementation, "wl_data_source@%d has no data source", o.ID)
	}
	return src, nil
}
