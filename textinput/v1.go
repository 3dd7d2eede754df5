package textinput

import (
	"log/slog"

	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/seat"
	"github.com/nofault/nofault/server"
)

// V1Version is the zwp_text_input_manager_v1 version advertised.
const V1Version = 1

// V1 is zwp_text_input_manager_v1, the older text input protocol that
// weston's demo clients (weston-editor) use. As in weston, activate
// enters the text input into the surface (here only when the surface has
// the seat's keyboard focus, so a background window cannot), and the
// text input leaves when deactivated or when the keyboard focus moves
// off the surface. With no input method, nothing else is ever sent; the
// state requests are accepted and ignored. The protocol has no errors of
// its own. Bound: MaxPerClient text inputs per client follow the focus;
// more are created but stay inert.
type V1 struct {
	d      *server.Display
	global *server.Global
	active map[*v1Input]bool
	count  map[*server.Client]int
	hooked map[*seat.Seat]bool
}

// NewV1 advertises zwp_text_input_manager_v1 on d.
func NewV1(d *server.Display) *V1 {
	m := &V1{d: d, active: make(map[*v1Input]bool), count: make(map[*server.Client]int), hooked: make(map[*seat.Seat]bool)}
	m.global = d.AddGlobal(&protocol.ZwpTextInputManagerV1Interface, V1Version, func(c *server.Client, id protocol.ObjectID, v uint32) {
		c.NewObject(id, &protocol.ZwpTextInputManagerV1Interface, v, &v1Manager{m: m, c: c})
	})
	return m
}

// Destroy withdraws the global.
func (m *V1) Destroy() { m.d.RemoveGlobal(m.global) }

// Active returns the surface an active text input of s is entered into.
func (m *V1) Active(s *seat.Seat) *protocol.Object {
	for ti := range m.active {
		if ti.seat == s {
			return ti.surface
		}
	}
	return nil
}

func (m *V1) focusChanged(s *seat.Seat, focus *protocol.Object) {
	for ti := range m.active {
		if ti.seat == s && ti.surface != focus {
			ti.deactivate()
		}
	}
}

type v1Manager struct {
	m *V1
	c *server.Client
}

// CreateTextInput makes a text input.
func (r *v1Manager) CreateTextInput(id protocol.ObjectID) error {
	ti := &v1Input{m: r.m, c: r.c}
	if ti.obj = r.c.NewObject(id, &protocol.ZwpTextInputV1Interface, 1, ti); ti.obj == nil {
		return nil
	}
	if r.m.count[r.c] >= MaxPerClient {
		slog.Warn("text input v1: too many text inputs; this one stays inert", "client", r.c.ID(), "limit", MaxPerClient)
		return nil
	}
	r.m.count[r.c]++
	ti.live = true
	return nil
}

type v1Input struct {
	m       *V1
	c       *server.Client
	obj     *protocol.Object
	live    bool
	seat    *seat.Seat
	surface *protocol.Object
}

func (ti *v1Input) OnDestroy() {
	if ti.live {
		delete(ti.m.active, ti)
		if ti.m.count[ti.c]--; ti.m.count[ti.c] <= 0 {
			delete(ti.m.count, ti.c)
		}
	}
}

// Activate enters the text input into surface if surface has the keyboard
// focus of seatObj.
func (ti *v1Input) Activate(seatObj, surface *protocol.Object) error {
	s := seat.FromResource(seatObj)
	if s == nil {
		return protocol.Errorf(nil, protocol.WlDisplayErrorImplementation, "wl_seat@%d is not a seat of this compositor", seatObj.ID)
	}
	if !ti.live || ti.surface == surface {
		return nil
	}
	ti.deactivate()
	if s.KeyboardFocus() != surface {
		slog.Debug("text input v1: activate for a surface without the keyboard focus; ignored", "client", ti.c.ID())
		return nil
	}
	m := ti.m
	if !m.hooked[s] {
		m.hooked[s] = true
		s.OnKeyboardFocusSurface(func(f *protocol.Object) { m.focusChanged(s, f) })
	}
	ti.seat, ti.surface = s, surface
	m.active[ti] = true
	protocol.SendZwpTextInputV1Enter(ti.c.Events(), ti.obj.ID, surface.ID)
	return nil
}

func (ti *v1Input) deactivate() {
	if ti.surface == nil {
		return
	}
	delete(ti.m.active, ti)
	ti.seat, ti.surface = nil, nil
	protocol.SendZwpTextInputV1Leave(ti.c.Events(), ti.obj.ID)
}

// Deactivate leaves the surface.
func (ti *v1Input) Deactivate(seatObj *protocol.Object) error {
	if s := seat.FromResource(seatObj); s != nil && s == ti.seat {
		ti.deactivate()
	}
	return nil
}

func (ti *v1Input) ShowInputPanel() error                                       { return nil }
func (ti *v1Input) HideInputPanel() error                                       { return nil }
func (ti *v1Input) Reset() error                                                { return nil }
func (ti *v1Input) SetSurroundingText(text string, cursor, anchor uint32) error { return nil }
func (ti *v1Input) SetContentType(hint protocol.ZwpTextInputV1ContentHint, purpose protocol.ZwpTextInputV1ContentPurpose) error {
	return nil
}
func (ti *v1Input) SetCursorRectangle(x, y, w, h int32) error  { return nil }
func (ti *v1Input) SetPreferredLanguage(language string) error { return nil }
func (ti *v1Input) CommitState(serial uint32) error            { return nil }
func (ti *v1Input) InvokeAction(button, index uint32) error    { return nil }
