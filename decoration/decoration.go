// Package decoration implements zxdg_decoration_manager_v1: a toplevel
// and the compositor agree on who draws the window's frame.
//
// With Options.ServerSide (what the compositor sets) the client's
// preference is honoured, server_side when it has none: the shell then
// shows a title bar above the window, which Frames (frame.go) draws with
// the renderer's textures. Without it every toplevel is told client_side.
// Clients that find the manager stop warning that it is missing and know
// the answer at once instead of guessing.
//
// Errors are the spec's: a second decoration for one toplevel is
// already_constructed, a request on a decoration whose toplevel was
// destroyed first is orphaned. unconfigured_buffer (a buffer committed
// before the first configure) cannot happen here: the shell posts
// xdg_surface.unconfigured_buffer at that commit already.
//
// Everything runs on the display loop.
package decoration

import (
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/server"
)

// Version is the zxdg_decoration_manager_v1 version advertised.
const Version = 1

// Toplevels is what the manager needs of the shell.
type Toplevels interface {
	// ConfigureToplevel sends the toplevel its configure sequence again.
	ConfigureToplevel(xdgToplevel *protocol.Object) bool
	// SetServerSide gives the toplevel a compositor-drawn title bar or
	// takes it away (it sends no configure).
	SetServerSide(xdgToplevel *protocol.Object, on bool) bool
}

// Options configure the manager.
type Options struct {
	// ServerSide says the compositor draws decorations; false (nofault
	// today) answers client_side to every toplevel.
	ServerSide bool
}

// Manager is the zxdg_decoration_manager_v1 global.
type Manager struct {
	d      *server.Display
	shell  Toplevels
	opts   Options
	global *server.Global
	decos  map[*protocol.Object]*deco // by xdg_toplevel
}

// New advertises zxdg_decoration_manager_v1 on d.
func New(d *server.Display, shell Toplevels, opts Options) *Manager {
	m := &Manager{d: d, shell: shell, opts: opts, decos: make(map[*protocol.Object]*deco)}
	m.global = d.AddGlobal(&protocol.ZxdgDecorationManagerV1Interface, Version, m.bind)
	return m
}

// Destroy withdraws the global.
func (m *Manager) Destroy() { m.d.RemoveGlobal(m.global) }

// Mode returns the mode last sent to the toplevel whose xdg_toplevel
// object is toplevel, and false when it has no decoration object.
func (m *Manager) Mode(toplevel *protocol.Object) (protocol.ZxdgToplevelDecorationV1Mode, bool) {
	if dc := m.decos[toplevel]; dc != nil {
		return dc.mode, true
	}
	return 0, false
}

func (m *Manager) bind(c *server.Client, id protocol.ObjectID, version uint32) {
	c.NewObject(id, &protocol.ZxdgDecorationManagerV1Interface, version, &manager{m: m, c: c})
}

type manager struct {
	m *Manager
	c *server.Client
}

// Destroy destroys the manager object; decorations live on.
func (r *manager) Destroy() error { return nil }

// GetToplevelDecoration creates the toplevel's decoration object and
// sends the mode at once (followed by a configure once the toplevel had
// its initial commit).
func (r *manager) GetToplevelDecoration(id protocol.ObjectID, toplevel *protocol.Object) error {
	m := r.m
	if old := m.decos[toplevel]; old != nil {
		// The spec's error is on the new decoration object: create it so
		// the error names it, as wlroots does.
		o := r.c.NewObject(id, &protocol.ZxdgToplevelDecorationV1Interface, 1, &deco{m: m, c: r.c, inert: true})
		if o == nil {
			return nil // an error is posted already
		}
		return protocol.Errorf(o, protocol.ZxdgToplevelDecorationV1ErrorAlreadyConstructed,
			"xdg_toplevel@%d already has a decoration object", toplevel.ID)
	}
	dc := &deco{m: m, c: r.c, toplevel: toplevel}
	dc.obj = r.c.NewObject(id, &protocol.ZxdgToplevelDecorationV1Interface, 1, dc)
	if dc.obj == nil {
		return nil
	}
	m.decos[toplevel] = dc
	dc.negotiate()
	return nil
}

// deco implements zxdg_toplevel_decoration_v1.
type deco struct {
	m        *Manager
	c        *server.Client
	obj      *protocol.Object
	toplevel *protocol.Object
	pref     protocol.ZxdgToplevelDecorationV1Mode // 0: no preference
	mode     protocol.ZxdgToplevelDecorationV1Mode // last sent
	inert    bool
}

// negotiate sends configure with the mode for the client's preference,
// then has the shell send the toplevel's configure that must follow.
func (dc *deco) negotiate() {
	mode := protocol.ZxdgToplevelDecorationV1ModeClientSide
	if dc.m.opts.ServerSide && dc.pref != protocol.ZxdgToplevelDecorationV1ModeClientSide {
		mode = protocol.ZxdgToplevelDecorationV1ModeServerSide
	}
	dc.mode = mode
	protocol.SendZxdgToplevelDecorationV1Configure(dc.c.Events(), dc.obj.ID, mode)
	dc.m.shell.SetServerSide(dc.toplevel, mode == protocol.ZxdgToplevelDecorationV1ModeServerSide)
	dc.m.shell.ConfigureToplevel(dc.toplevel)
}

func (dc *deco) orphaned() error {
	if !dc.inert && dc.toplevel.Destroyed() {
		return protocol.Errorf(dc.obj, protocol.ZxdgToplevelDecorationV1ErrorOrphaned,
			"xdg_toplevel@%d was destroyed before its decoration object", dc.toplevel.ID)
	}
	return nil
}

// OnDestroy forgets the decoration; a toplevel it made server-side draws
// its own frame again (the spec: without a decoration object, client_side).
func (dc *deco) OnDestroy() {
	if !dc.inert && dc.m.decos[dc.toplevel] == dc {
		delete(dc.m.decos, dc.toplevel)
		if dc.mode == protocol.ZxdgToplevelDecorationV1ModeServerSide {
			if dc.m.shell.SetServerSide(dc.toplevel, false) {
				dc.m.shell.ConfigureToplevel(dc.toplevel)
			}
		}
	}
}

// Destroy destroys the decoration object: the toplevel may get another.
func (dc *deco) Destroy() error { return nil }

// SetMode records the client's preference and answers it. Unknown modes
// (the protocol version has no error for them) count as no preference.
func (dc *deco) SetMode(mode protocol.ZxdgToplevelDecorationV1Mode) error {
	if err := dc.orphaned(); err != nil || dc.inert {
		return err
	}
	switch mode {
	case protocol.ZxdgToplevelDecorationV1ModeClientSide, protocol.ZxdgToplevelDecorationV1ModeServerSide:
		dc.pref = mode
	default:
		dc.pref = 0
	}
	dc.negotiate()
	return nil
}

// UnsetMode drops the preference and answers with the compositor's
// choice.
func (dc *deco) UnsetMode() error {
	if err := dc.orphaned(); err != nil || dc.inert {
		return err
	}
	dc.pref = 0
	dc.negotiate()
	return nil
}

// The handlers implement the generated interfaces: a signature that drifts
// from the XML fails to compile instead of failing dispatch.
var (
	_ protocol.ZxdgDecorationManagerV1Handler  = (*manager)(nil)
	_ protocol.ZxdgToplevelDecorationV1Handler = (*deco)(nil)
)
