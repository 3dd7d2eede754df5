package datadevice

import "github.com/nofault/nofault/protocol"

// GtkPrimaryVersion is the gtk_primary_selection_device_manager version
// advertised.
const GtkPrimaryVersion = 1

// gtkPrimary is gtk_primary_selection_device_manager, GTK's protocol that
// became zwp_primary_selection_device_manager_v1: the same requests and
// events under other interface names. GTK 3 releases from before GTK
// learnt the zwp one (3.22, early 3.24), and Chromium and Firefox builds
// of that time, speak only this one.
var gtkPrimary = &primaryProtocol{
	manager:       &protocol.GtkPrimarySelectionDeviceManagerInterface,
	device:        &protocol.GtkPrimarySelectionDeviceInterface,
	source:        &protocol.GtkPrimarySelectionSourceInterface,
	offer:         &protocol.GtkPrimarySelectionOfferInterface,
	sendDataOffer: protocol.SendGtkPrimarySelectionDeviceDataOffer,
	sendSelection: protocol.SendGtkPrimarySelectionDeviceSelection,
	sendOffer:     protocol.SendGtkPrimarySelectionOfferOffer,
	sendSend:      protocol.SendGtkPrimarySelectionSourceSend,
	sendCancelled: protocol.SendGtkPrimarySelectionSourceCancelled,
}

// AdvertiseGtk advertises gtk_primary_selection_device_manager too, serving
// p's selection: what a GTK-protocol client selects, a
// zwp_primary_selection_v1 client pastes, and the other way round, with the
// same focus rule and the same per-client bounds (devices, offers and the
// receive budget count both protocols together). Calling it again does
// nothing; Destroy withdraws both globals (display loop only, or before
// the display runs).
//
// compositor.New does not call it: WLCS 1.5.0's GtkPrimarySelection tests
// expect the selection offered to a client without the keyboard focus,
// which the protocol forbids (docs/conformance.md).
func (p *Primary) AdvertiseGtk() {
	if p.gtkGlobal == nil {
		p.gtkGlobal = p.m.d.AddGlobal(gtkPrimary.manager, GtkPrimaryVersion, p.bind(gtkPrimary))
	}
}

// One set of handlers serves both protocols.
var (
	_ protocol.GtkPrimarySelectionDeviceManagerHandler   = (*primaryManager)(nil)
	_ protocol.GtkPrimarySelectionDeviceHandler          = (*primaryDevice)(nil)
	_ protocol.GtkPrimarySelectionSourceHandler          = (*primarySource)(nil)
	_ protocol.GtkPrimarySelectionOfferHandler           = (*primaryOffer)(nil)
	_ protocol.ZwpPrimarySelectionDeviceManagerV1Handler = (*primaryManager)(nil)
	_ protocol.ZwpPrimarySelectionDeviceV1Handler        = (*primaryDevice)(nil)
	_ protocol.ZwpPrimarySelectionSourceV1Handler        = (*primarySource)(nil)
	_ protocol.ZwpPrimarySelectionOfferV1Handler         = (*primaryOffer)(nil)
)
