// Package textinput implements zwp_text_input_manager_v3: the client side
// of input methods. A text input follows the seat's keyboard focus (enter
// and leave for the focused surface of its client), and keeps the
// double-buffered state the client commits: enabled, surrounding text,
// change cause, content type, cursor rectangle, and the commit count that
// done events carry.
//
// There is no input method yet (zwp_input_method_v2 is not offered), so
// nofault never sends preedit_string, commit_string,
// delete_surrounding_text or done: with no input method the spec's
// answer to every commit is silence, and keys arrive through wl_keyboard
// as usual. Active reports the state an input method would be given.
//
// The protocol defines no errors of its own. What it forbids without an
// error code (surrounding text over 4000 bytes, a cursor or anchor outside
// it, unknown content purposes) is ignored with a debug log, as wlroots
// does. Bound: MaxPerClient text inputs per client follow the focus;
// more are created but stay inert.
//
// Everything runs on the display loop.
package textinput

import (
	"log/slog"
	"strings"

	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/seat"
	"github.com/nofault/nofault/server"
)

// Version is the zwp_text_input_manager_v3 version advertised.
const Version = 1

const (
	// MaxPerClient bounds the live text inputs per client.
	MaxPerClient = 16
	// MaxSurroundingText is the spec's bound on surrounding text, in
	// bytes.
	MaxSurroundingText = 4000
)

// State is the committed state of a text input.
type State struct {
	Enabled          bool
	Text             string
	Cursor, Anchor   int32
	HasSurrounding   bool
	Cause            protocol.ZwpTextInputV3ChangeCause
	Hint             protocol.ZwpTextInputV3ContentHint
	Purpose          protocol.ZwpTextInputV3ContentPurpose
	HasContentType   bool
	CursorX, CursorY int32
	CursorW, CursorH int32
	HasCursorRect    bool
	Commits          uint32 // the serial a done event would carry
}

// Manager is the zwp_text_input_manager_v3 global.
type Manager struct {
	d      *server.Display
	global *server.Global
	inputs map[*seat.Seat][]*input
	count  map[*server.Client]int
	hooked map[*seat.Seat]bool
}

// New advertises zwp_text_input_manager_v3 on d.
func New(d *server.Display) *Manager {
	m := &Manager{
		d:      d,
		inputs: make(map[*seat.Seat][]*input),
		count:  make(map[*server.Client]int),
		hooked: make(map[*seat.Seat]bool),
	}
	m.global = d.AddGlobal(&protocol.ZwpTextInputManagerV3Interface, Version, m.bind)
	return m
}

// Destroy withdraws the global.
func (m *Manager) Destroy() { m.d.RemoveGlobal(m.global) }

// Active returns the committed state of the enabled text input that has
// entered s's focused surface: what an input method would serve.
func (m *Manager) Active(s *seat.Seat) (surface *protocol.Object, st State, ok bool) {
	for _, ti := range m.inputs[s] {
		if ti.entered != nil && ti.cur.Enabled {
			return ti.entered, ti.cur, true
		}
	}
	return nil, State{}, false
}

func (m *Manager) bind(c *server.Client, id protocol.ObjectID, version uint32) {
	c.NewObject(id, &protocol.ZwpTextInputManagerV3Interface, version, &manager{m: m, c: c})
}

// focusChanged sends leave to the text inputs that entered the old focus
// and enter to those of the new focus's client.
func (m *Manager) focusChanged(s *seat.Seat, surface *protocol.Object) {
	var c *server.Client
	if surface != nil {
		c = s.KeyboardFocusClient()
	}
	for _, ti := range m.inputs[s] {
		if ti.entered != nil && ti.entered != surface {
			ti.leave()
		}
		if c != nil && ti.c == c && ti.entered == nil {
			ti.enter(surface)
		}
	}
}

type manager struct {
	m *Manager
	c *server.Client
}

func (r *manager) Destroy() error { return nil }

// GetTextInput creates a text input on seatObj; if the client has the
// keyboard focus it enters the focused surface at once.
func (r *manager) GetTextInput(id protocol.ObjectID, seatObj *protocol.Object) error {
	s := seat.FromResource(seatObj)
	if s == nil {
		return protocol.Errorf(nil, protocol.WlDisplayErrorImplementation, "wl_seat@%d is not a seat of this compositor", seatObj.ID)
	}
	m := r.m
	ti := &input{m: m, s: s, c: r.c}
	ti.obj = r.c.NewObject(id, &protocol.ZwpTextInputV3Interface, 1, ti)
	if ti.obj == nil {
		return nil
	}
	if m.count[r.c] >= MaxPerClient {
		slog.Warn("text input: too many text inputs; this one stays inert", "client", r.c.ID(), "limit", MaxPerClient)
		return nil
	}
	if !m.hooked[s] {
		m.hooked[s] = true
		s.OnKeyboardFocusSurface(func(surface *protocol.Object) { m.focusChanged(s, surface) })
	}
	m.count[r.c]++
	ti.live = true
	m.inputs[s] = append(m.inputs[s], ti)
	if f := s.KeyboardFocus(); f != nil && s.KeyboardFocusClient() == r.c {
		ti.enter(f)
	}
	return nil
}

// input implements zwp_text_input_v3.
type input struct {
	m       *Manager
	s       *seat.Seat
	c       *server.Client
	obj     *protocol.Object
	live    bool
	entered *protocol.Object
	pending State
	cur     State
}

func (ti *input) enter(surface *protocol.Object) {
	ti.entered = surface
	protocol.SendZwpTextInputV3Enter(ti.c.Events(), ti.obj.ID, surface.ID)
}

// leave sends leave (unless the surface is gone) and disables the text
// input, as the spec says the focus loss does.
func (ti *input) leave() {
	if !ti.entered.Destroyed() {
		protocol.SendZwpTextInputV3Leave(ti.c.Events(), ti.obj.ID, ti.entered.ID)
	}
	ti.entered = nil
	ti.cur.Enabled = false
}

// OnDestroy unregisters the text input.
func (ti *input) OnDestroy() {
	if !ti.live {
		return
	}
	ti.live = false
	m := ti.m
	if m.count[ti.c]--; m.count[ti.c] <= 0 {
		delete(m.count, ti.c)
	}
	l := m.inputs[ti.s]
	for i, x := range l {
		if x == ti {
			m.inputs[ti.s] = append(l[:i], l[i+1:]...)
			break
		}
	}
}

func (ti *input) Destroy() error { return nil }

// Enable resets the pending state to the initial one, enabled.
func (ti *input) Enable() error {
	ti.pending = State{Enabled: true, Commits: ti.pending.Commits}
	return nil
}

// Disable makes the pending state disabled.
func (ti *input) Disable() error {
	ti.pending.Enabled = false
	return nil
}

// SetSurroundingText sets the pending surrounding text; text over the
// spec's 4000 bytes, or a cursor or anchor outside it, is ignored.
func (ti *input) SetSurroundingText(text string, cursor, anchor int32) error {
	n := int32(len(text))
	if len(text) > MaxSurroundingText || cursor < 0 || anchor < 0 || cursor > n || anchor > n {
		slog.Debug("text input: ignoring invalid surrounding text", "client", ti.c.ID(), "bytes", len(text), "cursor", cursor, "anchor", anchor)
		return nil
	}
	// The decoder's strings alias its buffer: keep a copy.
	ti.pending.Text, ti.pending.Cursor, ti.pending.Anchor = strings.Clone(text), cursor, anchor
	ti.pending.HasSurrounding = true
	return nil
}

// SetTextChangeCause sets the pending cause; unknown causes are ignored.
func (ti *input) SetTextChangeCause(cause protocol.ZwpTextInputV3ChangeCause) error {
	if cause > protocol.ZwpTextInputV3ChangeCauseOther {
		slog.Debug("text input: ignoring unknown change cause", "client", ti.c.ID(), "cause", cause)
		return nil
	}
	ti.pending.Cause = cause
	return nil
}

// allHints is every content_hint bit.
const allHints = 0x3ff

// SetContentType sets the pending hint and purpose; unknown bits or
// purposes are ignored.
func (ti *input) SetContentType(hint protocol.ZwpTextInputV3ContentHint, purpose protocol.ZwpTextInputV3ContentPurpose) error {
	if hint&^allHints != 0 || purpose > protocol.ZwpTextInputV3ContentPurposeTerminal {
		slog.Debug("text input: ignoring unknown content type", "client", ti.c.ID(), "hint", hint, "purpose", purpose)
		return nil
	}
	ti.pending.Hint, ti.pending.Purpose, ti.pending.HasContentType = hint, purpose, true
	return nil
}

// SetCursorRectangle sets the pending cursor rectangle (surface-local).
func (ti *input) SetCursorRectangle(x, y, w, h int32) error {
	if w < 0 || h < 0 {
		slog.Debug("text input: ignoring negative cursor rectangle", "client", ti.c.ID())
		return nil
	}
	p := &ti.pending
	p.CursorX, p.CursorY, p.CursorW, p.CursorH, p.HasCursorRect = x, y, w, h, true
	return nil
}

// Commit applies the pending state and counts the commit. The change
// cause applies to one commit: it goes back to input_method, its initial
// value, in the pending state.
func (ti *input) Commit() error {
	ti.pending.Commits++
	ti.cur = ti.pending
	if ti.entered == nil {
		// Without the focus a text input stays disabled whatever the
		// client commits; it is enabled again by its next enable after
		// enter.
		ti.cur.Enabled = false
	}
	ti.pending.Cause = protocol.ZwpTextInputV3ChangeCauseInputMethod
	return nil
}

// The handlers implement the generated interfaces: a signature that drifts
// from the XML fails to compile instead of failing dispatch.
var (
	_ protocol.ZwpTextInputManagerV3Handler = (*manager)(nil)
	_ protocol.ZwpTextInputV3Handler        = (*input)(nil)
	_ protocol.ZwpTextInputManagerV1Handler = (*v1Manager)(nil)
	_ protocol.ZwpTextInputV1Handler        = (*v1Input)(nil)
)
