package datadevice

import (
	"log/slog"
	"math/bits"
	"time"

	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/server"
	"golang.org/x/sys/unix"
)

// offer implements wl_data_offer. All offers are selection offers (there
// is no drag-and-drop), created by the server with data_offer.
type offer struct {
	m   *Manager
	c   *server.Client
	obj *protocol.Object
	src *source
}

// newOffer creates a server-side wl_data_offer of src for c, or returns
// nil when c holds MaxOffersPerClient offers already.
func (m *Manager) newOffer(c *server.Client, src *source, version uint32) *offer {
	cd := m.client(c)
	if cd.offers >= MaxOffersPerClient {
		slog.Warn("datadevice: client holds too many offers; sending no selection", "client", c.ID(), "limit", MaxOffersPerClient)
		return nil
	}
	o := &offer{m: m, c: c, src: src}
	o.obj = c.NewServerObject(&protocol.WlDataOfferInterface, version, o)
	cd.offers++
	return o
}

// OnDestroy releases the offer's slot in the client's bound.
func (o *offer) OnDestroy() {
	if cd := o.m.clients[o.c]; cd != nil {
		cd.offers--
	}
}

// Accept is feedback for drag-and-drop only; selection offers ignore it.
func (o *offer) Accept(serial uint32, mimeType string) error { return nil }

// Receive forwards fd to the source client with wl_data_source.send; the
// source writes the data into it and closes it. If the source is gone (the
// offer is inert) or the client is over its receive budget, fd is closed
// and the receiver reads end of file.
func (o *offer) Receive(mimeType string, fd int) error {
	switch {
	case o.src == nil || !o.src.live():
		unix.Close(fd)
	case !o.m.takeReceive(o.c):
		if cd := o.m.client(o.c); time.Since(cd.warned) >= time.Second {
			slog.Warn("datadevice: client over its receive budget; closing the fds", "client", o.c.ID(), "refused", cd.overBudget+1)
			cd.warned, cd.overBudget = time.Now(), 0
		} else {
			cd.overBudget++
		}
		unix.Close(fd)
	default:
		// The encoder owns fd from here and closes it once sent.
		protocol.SendWlDataSourceSend(o.src.c.Events(), o.src.obj.ID, mimeType, fd)
	}
	return nil
}

// Destroy destroys the offer (the server does it on return).
func (o *offer) Destroy() error { return nil }

// Finish is only for drag-and-drop offers: invalid_finish.
func (o *offer) Finish() error {
	return protocol.Errorf(o.obj, uint32(protocol.WlDataOfferErrorInvalidFinish), "offer is not drag-and-drop")
}

// SetActions checks its arguments as the spec says (invalid_action_mask,
// invalid_action), then refuses: it is only for drag-and-drop offers
// (invalid_offer).
func (o *offer) SetActions(dndActions, preferredAction uint32) error {
	if dndActions&^allActions != 0 {
		return protocol.Errorf(o.obj, uint32(protocol.WlDataOfferErrorInvalidActionMask),
			"invalid action mask %x", dndActions)
	}
	if preferredAction != 0 && (preferredAction&dndActions == 0 || bits.OnesCount32(preferredAction) > 1) {
		return protocol.Errorf(o.obj, uint32(protocol.WlDataOfferErrorInvalidAction),
			"invalid action %x", preferredAction)
	}
	return protocol.Errorf(o.obj, uint32(protocol.WlDataOfferErrorInvalidOffer),
		"set_actions can only be sent to drag-and-drop offers")
}
