// Package inhibit implements the two inhibitor protocols:
// zwp_idle_inhibit_manager_v1 (a video player keeps the screen awake
// while its surface is visible) and
// zwp_keyboard_shortcuts_inhibit_manager_v1 (a remote desktop or nested
// compositor gets the compositor's shortcuts while it has the keyboard
// focus).
//
// Everything runs on the display loop.
package inhibit

import (
	"image"
	"log/slog"

	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/server"
)

// IdleVersion is the zwp_idle_inhibit_manager_v1 version advertised.
const IdleVersion = 1

// MaxIdleInhibitorsPerClient bounds the inhibitors a client has; more are
// created but ignored.
const MaxIdleInhibitorsPerClient = 32

// Visibility is what idle inhibition needs of the shell: whether a
// surface is shown on the output.
type Visibility interface {
	SurfaceRect(surface *protocol.Object) (image.Rectangle, bool)
}

// IdleStats are the idle inhibitors, for --stats.
type IdleStats struct {
	Inhibitors int `json:"inhibitors"` // live inhibitor objects
	Visible    int `json:"visible"`    // those whose surface is visible: they inhibit
	Surfaces   int `json:"surfaces"`   // visible surfaces with at least one
}

// Idle is the zwp_idle_inhibit_manager_v1 global. nofault has no idle
// behaviour of its own (no screen blanking, no idle-notify yet); it keeps
// the inhibitors so that Inhibited can say whether the session may idle
// (a nested backend can forward it to the host) and --stats reports them.
// An inhibitor counts only while its surface is visible, as the spec
// says.
type Idle struct {
	d      *server.Display
	vis    Visibility
	global *server.Global
	list   []*idleInhibitor
	count  map[*server.Client]int
}

// NewIdle advertises zwp_idle_inhibit_manager_v1 on d.
func NewIdle(d *server.Display, vis Visibility) *Idle {
	m := &Idle{d: d, vis: vis, count: make(map[*server.Client]int)}
	m.global = d.AddGlobal(&protocol.ZwpIdleInhibitManagerV1Interface, IdleVersion, func(c *server.Client, id protocol.ObjectID, v uint32) {
		c.NewObject(id, &protocol.ZwpIdleInhibitManagerV1Interface, v, &idleManager{m: m, c: c})
	})
	return m
}

// Destroy withdraws the global.
func (m *Idle) Destroy() { m.d.RemoveGlobal(m.global) }

// Stats counts the inhibitors.
func (m *Idle) Stats() IdleStats {
	st := IdleStats{Inhibitors: len(m.list)}
	seen := map[*protocol.Object]bool{}
	for _, in := range m.list {
		if in.surface.Destroyed() {
			continue
		}
		if _, vis := m.vis.SurfaceRect(in.surface); vis {
			st.Visible++
			if !seen[in.surface] {
				seen[in.surface] = true
				st.Surfaces++
			}
		}
	}
	return st
}

// Inhibited reports whether a visible surface inhibits idling.
func (m *Idle) Inhibited() bool { return m.Stats().Visible > 0 }

type idleManager struct {
	m *Idle
	c *server.Client
}

func (r *idleManager) Destroy() error { return nil }

// CreateInhibitor makes an inhibitor for surface.
func (r *idleManager) CreateInhibitor(id protocol.ObjectID, surface *protocol.Object) error {
	m := r.m
	in := &idleInhibitor{m: m, c: r.c, surface: surface}
	if r.c.NewObject(id, &protocol.ZwpIdleInhibitorV1Interface, 1, in) == nil {
		return nil
	}
	if m.count[r.c] >= MaxIdleInhibitorsPerClient {
		slog.Warn("idle inhibit: too many inhibitors; this one is ignored", "client", r.c.ID(), "limit", MaxIdleInhibitorsPerClient)
		return nil
	}
	m.count[r.c]++
	in.live = true
	m.list = append(m.list, in)
	return nil
}

type idleInhibitor struct {
	m       *Idle
	c       *server.Client
	surface *protocol.Object
	live    bool
}

func (in *idleInhibitor) Destroy() error { return nil }

func (in *idleInhibitor) OnDestroy() {
	if !in.live {
		return
	}
	m := in.m
	if m.count[in.c]--; m.count[in.c] <= 0 {
		delete(m.count, in.c)
	}
	for i, x := range m.list {
		if x == in {
			m.list = append(m.list[:i], m.list[i+1:]...)
			break
		}
	}
}
