// Package datadevice implements wl_data_device_manager version 3 and its
// wl_data_source, wl_data_device and wl_data_offer objects: the clipboard
// (selection) between clients and drag-and-drop (drag.go), with the data
// piped straight from the source client to the receiving client through
// the fd the receiver passes.
//
// The selection belongs to a seat. Its keyboard focus decides who sees it:
// when the focus enters a client, and whenever the selection changes while
// a client has the focus, that client's wl_data_device objects get a new
// wl_data_offer and a selection event.
//
// A nested compositor shares the clipboard with the host desktop's
// (host.go, Manager.ShareHost): the host's text becomes the selection
// through a server-owned source, and a client's text selection goes to the
// host.
//
// Like the seat, everything here runs on the display loop.
package datadevice

import (
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/seat"
	"github.com/nofault/nofault/server"
)

// Version is the wl_data_device_manager version advertised.
const Version = 3

// Per-client bounds. A client beyond them is not disconnected: it simply
// gets no more of what it is hoarding, and a warning is logged.
const (
	// MaxOffersPerClient bounds the live wl_data_offer objects a client
	// holds; beyond it the client is sent selection(null) instead of a new
	// offer until it destroys some.
	MaxOffersPerClient = 128
	// MaxDevicesPerClient bounds the wl_data_device objects per client and
	// seat that receive selections; extra devices stay inert.
	MaxDevicesPerClient = 16
	// MaxMimeTypes bounds the mime types of one source; more are ignored.
	MaxMimeTypes = 128
	// ReceiveBurst and ReceiveRate bound wl_data_offer.receive per client
	// (a token bucket: ReceiveBurst at once, ReceiveRate per second
	// after). Each receive queues an fd to the source client; a receive
	// over budget has its fd closed, so the receiver reads end of file.
	ReceiveBurst = 256
	ReceiveRate  = 64
)

// Manager is the wl_data_device_manager global and the selections of the
// seats its clients use.
type Manager struct {
	d       *server.Display
	global  *server.Global
	seats   map[*seat.Seat]*seatData
	clients map[*server.Client]*clientData
	// iconOffset reads a drag icon's committed offset (SetIconOffset).
	iconOffset IconOffset
	// hostWrites counts the pastes of host text in flight (host.go),
	// bounded by MaxHostWrites; their goroutines decrement it.
	hostWrites atomic.Int32
}

// clientData is what the manager bounds per client.
type clientData struct {
	offers int
	tokens float64
	refill time.Time
	// overBudget counts receives refused since the last warning, which
	// is logged once per second at most (a flood must not flood the log).
	overBudget int
	warned     time.Time
}

// New advertises wl_data_device_manager on d (display loop only, or
// before d runs). Seats are hooked when a client first asks for a data
// device on them; seats listed here are hooked at once.
func New(d *server.Display, seats ...*seat.Seat) *Manager {
	m := &Manager{
		d:       d,
		seats:   make(map[*seat.Seat]*seatData),
		clients: make(map[*server.Client]*clientData),
	}
	for _, s := range seats {
		m.seat(s)
	}
	m.global = d.AddGlobal(&protocol.WlDataDeviceManagerInterface, Version, m.bind)
	return m
}

// Destroy withdraws the global.
func (m *Manager) Destroy() { m.d.RemoveGlobal(m.global) }

// Selection returns the mime types of s's selection, and false when there
// is no selection.
func (m *Manager) Selection(s *seat.Seat) (mimeTypes []string, ok bool) {
	sd := m.seats[s]
	if sd == nil || sd.selection == nil {
		return nil, false
	}
	return append([]string(nil), sd.selection.mimes...), true
}

// ClearSelection drops s's selection (the source gets cancelled), as when
// the compositor wants to forget the clipboard.
func (m *Manager) ClearSelection(s *seat.Seat) {
	if sd := m.seats[s]; sd != nil && sd.selection != nil {
		sd.setSelection(nil, sd.serial)
	}
}

func (m *Manager) client(c *server.Client) *clientData {
	if cd := m.clients[c]; cd != nil {
		return cd
	}
	cd := &clientData{tokens: ReceiveBurst, refill: time.Now()}
	m.clients[c] = cd
	c.OnDestroy(func() { delete(m.clients, c) })
	return cd
}

// takeReceive spends one receive token of c, reporting false when c is
// over its budget.
func (m *Manager) takeReceive(c *server.Client) bool {
	cd := m.client(c)
	now := time.Now()
	cd.tokens = min(ReceiveBurst, cd.tokens+now.Sub(cd.refill).Seconds()*ReceiveRate)
	cd.refill = now
	if cd.tokens < 1 {
		return false
	}
	cd.tokens--
	return true
}

// seat returns the state of s, creating it and hooking the keyboard focus.
func (m *Manager) seat(s *seat.Seat) *seatData {
	if sd := m.seats[s]; sd != nil {
		return sd
	}
	sd := &seatData{m: m, s: s, devices: make(map[*server.Client][]*device)}
	m.seats[s] = sd
	s.OnKeyboardFocus(sd.focusChanged)
	return sd
}

func (m *Manager) bind(c *server.Client, id protocol.ObjectID, version uint32) {
	h := &managerResource{m: m, c: c}
	h.obj = c.NewObject(id, &protocol.WlDataDeviceManagerInterface, version, h)
}

// managerResource implements wl_data_device_manager for one client.
// Sources and devices get the manager object's version, as in libwayland
// compositors.
type managerResource struct {
	m   *Manager
	c   *server.Client
	obj *protocol.Object
}

// CreateDataSource creates a wl_data_source.
func (r *managerResource) CreateDataSource(id protocol.ObjectID) error {
	h := &source{m: r.m, c: r.c}
	h.obj = r.c.NewObject(id, &protocol.WlDataSourceInterface, r.obj.Version, h)
	return nil
}

// GetDataDevice creates the wl_data_device of seatObj for this client and,
// if the client has the keyboard focus, sends it the selection.
func (r *managerResource) GetDataDevice(id protocol.ObjectID, seatObj *protocol.Object) error {
	s := seat.FromResource(seatObj)
	if s == nil {
		return protocol.Errorf(nil, protocol.WlDisplayErrorImplementation, "wl_seat@%d is not a seat of this compositor", seatObj.ID)
	}
	sd := r.m.seat(s)
	h := &device{sd: sd, c: r.c}
	o := r.c.NewObject(id, &protocol.WlDataDeviceInterface, r.obj.Version, h)
	if o == nil {
		return nil
	}
	h.obj = o
	if len(sd.devices[r.c]) >= MaxDevicesPerClient {
		slog.Warn("datadevice: too many data devices; this one stays inert", "client", r.c.ID(), "limit", MaxDevicesPerClient)
		return nil
	}
	sd.devices[r.c] = append(sd.devices[r.c], h)
	h.live = true
	if s.KeyboardFocusClient() == r.c {
		sd.sendSelectionTo(h)
	}
	return nil
}

// The wl_data_* handlers implement the generated interfaces: a signature
// that drifts from the XML fails to compile instead of failing dispatch.
var (
	_ protocol.WlDataDeviceManagerHandler = (*managerResource)(nil)
	_ protocol.WlDataSourceHandler        = (*source)(nil)
	_ protocol.WlDataDeviceHandler        = (*device)(nil)
	_ protocol.WlDataOfferHandler         = (*offer)(nil)
)
