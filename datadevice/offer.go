package datadevice

import (
	"log/slog"
	"math/bits"
	"time"

	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/server"
	"golang.org/x/sys/unix"
)

// offer implements wl_data_offer: a selection offer, or a drag-and-drop
// offer sent with wl_data_device.enter. The server creates both with
// data_offer. src is nil once a drag offer is inert (the pointer left, the
// source went or the offer finished).
type offer struct {
	m   *Manager
	c   *server.Client
	obj *protocol.Object
	src *source

	dnd                bool
	actions, preferred protocol.WlDataDeviceManagerDndAction // set_actions
	dropped            bool                                  // the drop happened on this offer
	inAsk              bool                                  // ... with the ask action
	finished           bool
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

// OnDestroy releases the offer's slot in the client's bound. A dropped
// offer destroyed without finish ends the drag for the source as weston
// does: an offer older than version 3 cannot finish, so its destruction is
// the finish; a version 3 offer abandoned the transfer, so the source is
// cancelled.
func (o *offer) OnDestroy() {
	if cd := o.m.clients[o.c]; cd != nil {
		cd.offers--
	}
	src := o.src
	if !o.dnd || src == nil || src.offer != o {
		return
	}
	if o.dropped && !o.finished && src.live() {
		if o.obj.Version < protocol.WlDataOfferRequestFinishSince {
			o.notifyFinish()
		} else if src.obj.Version >= protocol.WlDataSourceEventDndFinishedSince {
			src.cancel()
		}
	}
	o.detach()
}

// Accept tells the source of a drag offer under the pointer (or dropped on)
// which mime type the destination would take (target; none cancels the
// acceptance). Selection offers and inert drag offers ignore it.
func (o *offer) Accept(serial uint32, mimeType string) error {
	src := o.src
	if !o.dnd || src == nil || src.offer != o || !src.live() {
		return nil
	}
	src.accepted = mimeType != ""
	protocol.SendWlDataSourceTarget(src.c.Events(), src.obj.ID, mimeType)
	return nil
}

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
	case o.src.host != nil:
		o.src.host.serveText(o.c, o.src.text, fd)
	default:
		// The encoder owns fd from here and closes it once sent.
		protocol.SendWlDataSourceSend(o.src.c.Events(), o.src.obj.ID, mimeType, fd)
	}
	return nil
}

// Destroy destroys the offer (the server does it on return).
func (o *offer) Destroy() error { return nil }

// Finish ends a drop: the source gets dnd_finished (and, after an ask,
// the action the destination chose). As the spec and weston say, finish on
// a selection offer, before the drop or without an accepted mime type is
// invalid_finish, and with no action or ask chosen invalid_offer. An inert
// offer (its source gone) ignores it.
func (o *offer) Finish() error {
	if !o.dnd {
		return protocol.Errorf(o.obj, protocol.WlDataOfferErrorInvalidFinish, "offer is not drag-and-drop")
	}
	src := o.src
	if src == nil || src.offer != o || !src.live() {
		return nil
	}
	if !o.dropped || !src.accepted {
		return protocol.Errorf(o.obj, protocol.WlDataOfferErrorInvalidFinish, "premature finish request")
	}
	switch src.current {
	case 0, protocol.WlDataDeviceManagerDndActionAsk:
		return protocol.Errorf(o.obj, protocol.WlDataOfferErrorInvalidOffer, "offer finished with an invalid action")
	}
	o.notifyFinish()
	return nil
}

// notifyFinish is weston's data_source_notify_finish: the action chosen
// during an ask, then dnd_finished, to a version 3 source.
func (o *offer) notifyFinish() {
	src := o.src
	o.finished = true
	if src.obj.Version >= protocol.WlDataSourceEventDndFinishedSince {
		e := src.c.Events()
		if o.inAsk {
			protocol.SendWlDataSourceAction(e, src.obj.ID, src.current)
		}
		protocol.SendWlDataSourceDndFinished(e, src.obj.ID)
	}
	o.detach()
}

// SetActions checks its arguments as the spec says (invalid_action_mask,
// invalid_action); on a selection offer it is invalid_offer. On a drag
// offer it records the destination's actions and renegotiates.
func (o *offer) SetActions(dndActions, preferredAction protocol.WlDataDeviceManagerDndAction) error {
	if dndActions&^allActions != 0 {
		return protocol.Errorf(o.obj, protocol.WlDataOfferErrorInvalidActionMask,
			"invalid action mask %x", dndActions)
	}
	if preferredAction != 0 && (preferredAction&dndActions == 0 || bits.OnesCount32(uint32(preferredAction)) > 1) {
		return protocol.Errorf(o.obj, protocol.WlDataOfferErrorInvalidAction,
			"invalid action %x", preferredAction)
	}
	if !o.dnd {
		return protocol.Errorf(o.obj, protocol.WlDataOfferErrorInvalidOffer,
			"set_actions can only be sent to drag-and-drop offers")
	}
	if o.finished {
		return protocol.Errorf(o.obj, protocol.WlDataOfferErrorInvalidOffer,
			"set_actions after finish")
	}
	o.actions, o.preferred = dndActions, preferredAction
	o.updateAction()
	return nil
}
