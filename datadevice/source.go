package datadevice

import (
	"log/slog"
	"slices"
	"strings"

	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/server"
)

// allActions is every wl_data_device_manager.dnd_action bit.
const allActions = protocol.WlDataDeviceManagerDndActionCopy |
	protocol.WlDataDeviceManagerDndActionMove | protocol.WlDataDeviceManagerDndActionAsk

// source implements wl_data_source. A server-owned source (host.go: the
// host's clipboard text) has no client and no object: host and text are
// set instead.
type source struct {
	m     *Manager
	c     *server.Client
	obj   *protocol.Object
	mimes []string

	host *HostClipboard
	text string

	actions    protocol.WlDataDeviceManagerDndAction
	actionsSet bool
	// used: the source was given to set_selection or start_drag; it
	// cannot be given again.
	used bool
	// cancelled: wl_data_source.cancelled was sent; the source is dead
	// to the compositor even if the client keeps the object.
	cancelled bool
	// sel is the seat whose selection this source is, or nil.
	sel *seatData

	// Drag-and-drop state: the drag it feeds (until the drop), the offer
	// of the destination under the pointer or dropped on, whether that
	// destination accepted a mime type, and the chosen action.
	drag     *drag
	offer    *offer
	accepted bool
	current  protocol.WlDataDeviceManagerDndAction
}

// live reports whether the source can still provide data.
func (s *source) live() bool {
	if s.host != nil {
		return !s.cancelled
	}
	return !s.obj.Destroyed() && !s.cancelled && !s.c.Failed()
}

// cancel sends wl_data_source.cancelled once and kills the source.
func (s *source) cancel() {
	if s.host == nil && s.live() {
		protocol.SendWlDataSourceCancelled(s.c.Events(), s.obj.ID)
	}
	s.cancelled = true
}

// OnDestroy drops the selection this source provided and cancels the
// drag it feeds.
func (s *source) OnDestroy() {
	if dr := s.drag; dr != nil {
		dr.abort()
	}
	if o := s.offer; o != nil {
		o.detach()
	}
	if sd := s.sel; sd != nil {
		s.sel = nil
		sd.sourceGone(s)
	}
}

// Offer adds a mime type. Duplicates are ignored, as are types beyond
// MaxMimeTypes.
func (s *source) Offer(mimeType string) error {
	if slices.Contains(s.mimes, mimeType) {
		return nil
	}
	if len(s.mimes) >= MaxMimeTypes {
		slog.Warn("datadevice: too many mime types; ignoring", "client", s.c.ID(), "limit", MaxMimeTypes)
		return nil
	}
	s.mimes = append(s.mimes, strings.Clone(mimeType))
	return nil
}

// Destroy destroys the source (the server does it on return).
func (s *source) Destroy() error { return nil }

// SetActions records the drag-and-drop actions. Unknown bits, a second
// call and a call after the source was used are invalid_action_mask
// errors, with weston's and wlroots' messages.
func (s *source) SetActions(dndActions protocol.WlDataDeviceManagerDndAction) error {
	if dndActions&^allActions != 0 {
		return protocol.Errorf(s.obj, protocol.WlDataSourceErrorInvalidActionMask,
			"invalid action mask %x", dndActions)
	}
	if s.actionsSet {
		return protocol.Errorf(s.obj, protocol.WlDataSourceErrorInvalidActionMask,
			"cannot set actions more than once")
	}
	if s.used {
		return protocol.Errorf(s.obj, protocol.WlDataSourceErrorInvalidActionMask,
			"invalid action change after wl_data_device.start_drag")
	}
	s.actions, s.actionsSet = dndActions, true
	return nil
}
