// Package activation implements xdg_activation_v1: a client asks for a
// token (a launcher before it starts a program, a window that wants to
// give the focus to another), the token travels to the client that uses
// it (XDG_ACTIVATION_TOKEN), and activate with it moves the focus.
//
// The focus-stealing rule: a token is granted only when the client that
// commits it has the seat's keyboard focus at that moment. activate with a
// granted token raises and activates the window; with any other token
// (unknown, expired, used, or made by a client without the focus) the
// window is marked urgent instead (Urgent, Stats) and keeps its place,
// as sway and mutter do. Urgency ends when the window gets the focus.
//
// Tokens are single use and live TokenLifetime. Bounds: a client holds at
// most MaxTokensPerClient unused tokens (beyond it, tokens it commits are
// sent but not granted) and the compositor at most MaxTokens (the oldest
// goes first); tokens outlive their client, since a launcher often exits
// before the program it started activates.
//
// Everything runs on the display loop.
package activation

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"time"

	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/seat"
	"github.com/nofault/nofault/server"
)

// Version is the xdg_activation_v1 version advertised.
const Version = 1

// Bounds.
const (
	// MaxTokensPerClient bounds the unused tokens one client has made.
	MaxTokensPerClient = 32
	// MaxTokens bounds the tokens the compositor keeps.
	MaxTokens = 1024
	// TokenLifetime is how long a token can be used.
	TokenLifetime = 30 * time.Second
)

// Windows is what activation needs of the shell.
type Windows interface {
	// RootToplevel returns the wl_surface of the mapped toplevel that
	// surface belongs to, or nil.
	RootToplevel(surface *protocol.Object) *protocol.Object
	// Activate raises and focuses the toplevel whose wl_surface is
	// surface.
	Activate(surface *protocol.Object) bool
}

// Stats are the activation counters.
type Stats struct {
	Tokens    int    `json:"tokens"`    // tokens kept now
	Activated uint64 `json:"activated"` // activate requests that moved the focus
	Refused   uint64 `json:"refused"`   // activate requests that marked a window urgent instead
	Urgent    int    `json:"urgent"`    // windows urgent now
}

// Manager is the xdg_activation_v1 global.
type Manager struct {
	d      *server.Display
	seat   *seat.Seat
	win    Windows
	global *server.Global
	now    func() time.Time

	tokens   map[string]*token
	order    []string // token strings, oldest first (may hold used ones)
	perCli   map[*server.Client]int
	urgent   map[*protocol.Object]bool // toplevel wl_surfaces
	activate uint64
	refused  uint64
}

type token struct {
	client  *server.Client // nil once the client is gone
	granted bool
	expires time.Time
}

// New advertises xdg_activation_v1. s decides who has the focus, win
// moves it.
func New(d *server.Display, s *seat.Seat, win Windows) *Manager {
	m := &Manager{
		d: d, seat: s, win: win, now: time.Now,
		tokens: make(map[string]*token),
		perCli: make(map[*server.Client]int),
		urgent: make(map[*protocol.Object]bool),
	}
	s.OnKeyboardFocus(func(*server.Client) {
		if f := s.KeyboardFocus(); f != nil {
			if top := win.RootToplevel(f); top != nil {
				delete(m.urgent, top)
			}
		}
	})
	m.global = d.AddGlobal(&protocol.XdgActivationV1Interface, Version, m.bind)
	return m
}

// Destroy withdraws the global.
func (m *Manager) Destroy() { m.d.RemoveGlobal(m.global) }

// Urgent reports whether the toplevel whose wl_surface is surface asked
// to be activated without a granted token and has not had the focus
// since.
func (m *Manager) Urgent(surface *protocol.Object) bool {
	return m.urgent[surface] && !surface.Destroyed()
}

// Stats returns the counters.
func (m *Manager) Stats() Stats {
	m.prune()
	for s := range m.urgent {
		if s.Destroyed() {
			delete(m.urgent, s)
		}
	}
	return Stats{Tokens: len(m.tokens), Activated: m.activate, Refused: m.refused, Urgent: len(m.urgent)}
}

// prune drops expired tokens and, past MaxTokens, the oldest.
func (m *Manager) prune() {
	now := m.now()
	i := 0
	for ; i < len(m.order); i++ {
		t := m.tokens[m.order[i]]
		if t != nil && now.Before(t.expires) && len(m.tokens) <= MaxTokens {
			break
		}
		m.drop(m.order[i])
	}
	m.order = m.order[i:]
	if len(m.order) > 2*MaxTokens { // used tokens behind a live one
		live := m.order[:0]
		for _, s := range m.order {
			if m.tokens[s] != nil {
				live = append(live, s)
			}
		}
		m.order = live
	}
}

func (m *Manager) drop(s string) {
	t := m.tokens[s]
	if t == nil {
		return
	}
	delete(m.tokens, s)
	if t.client != nil {
		if m.perCli[t.client]--; m.perCli[t.client] <= 0 {
			delete(m.perCli, t.client)
		}
	}
}

func (m *Manager) bind(c *server.Client, id protocol.ObjectID, version uint32) {
	c.NewObject(id, &protocol.XdgActivationV1Interface, version, &resource{m: m, c: c})
	if c.Value(m) == nil {
		c.SetValue(m, true)
		c.OnDestroy(func() {
			for _, t := range m.tokens {
				if t.client == c {
					t.client = nil
				}
			}
			delete(m.perCli, c)
		})
	}
}

// resource implements xdg_activation_v1 for one client.
type resource struct {
	m *Manager
	c *server.Client
}

// Destroy destroys the global's object; tokens live on.
func (r *resource) Destroy() error { return nil }

// GetActivationToken creates a token object for the client to fill in.
func (r *resource) GetActivationToken(id protocol.ObjectID) error {
	h := &tokenResource{m: r.m, c: r.c}
	h.obj = r.c.NewObject(id, &protocol.XdgActivationTokenV1Interface, 1, h)
	return nil
}

// Activate moves the focus to surface's window if token is granted, and
// marks the window urgent otherwise. The token is used up either way.
func (r *resource) Activate(tok string, surface *protocol.Object) error {
	m := r.m
	m.prune()
	t := m.tokens[tok]
	granted := t != nil && t.granted
	m.drop(tok)
	top := m.win.RootToplevel(surface)
	if top == nil {
		slog.Debug("xdg_activation: activate for a surface that is not a mapped window", "client", r.c.ID(), "surface", surface.ID)
		return nil
	}
	if granted {
		m.activate++
		delete(m.urgent, top)
		m.win.Activate(top)
		return nil
	}
	m.refused++
	if m.seat.KeyboardFocus() == nil || m.win.RootToplevel(m.seat.KeyboardFocus()) != top {
		m.urgent[top] = true
	}
	slog.Debug("xdg_activation: token not granted; window marked urgent", "client", r.c.ID(), "surface", surface.ID, "known", t != nil)
	return nil
}

// tokenResource implements xdg_activation_token_v1.
type tokenResource struct {
	m         *Manager
	c         *server.Client
	obj       *protocol.Object
	committed bool
}

func (t *tokenResource) used() error {
	if t.committed {
		return protocol.Errorf(t.obj, protocol.XdgActivationTokenV1ErrorAlreadyUsed,
			"xdg_activation_token_v1@%d was already committed", t.obj.ID)
	}
	return nil
}

// SetSerial records nothing but checks the token is not committed: the
// grant is decided by who has the focus at commit, which the serial of a
// recent input event implies.
func (t *tokenResource) SetSerial(serial uint32, seatObj *protocol.Object) error { return t.used() }

// SetAppID is informational.
func (t *tokenResource) SetAppID(appID string) error { return t.used() }

// SetSurface is informational (the committing client must hold the focus
// whichever of its surfaces it names).
func (t *tokenResource) SetSurface(surface *protocol.Object) error { return t.used() }

// Commit makes the token and sends it with done.
func (t *tokenResource) Commit() error {
	if err := t.used(); err != nil {
		return err
	}
	t.committed = true
	m := t.m
	m.prune()
	var b [16]byte
	rand.Read(b[:])
	s := hex.EncodeToString(b[:])
	if m.perCli[t.c] >= MaxTokensPerClient {
		slog.Warn("xdg_activation: client holds too many tokens; this one is not kept", "client", t.c.ID(), "limit", MaxTokensPerClient)
	} else {
		m.tokens[s] = &token{
			client:  t.c,
			granted: m.seat.KeyboardFocusClient() == t.c,
			expires: m.now().Add(TokenLifetime),
		}
		m.order = append(m.order, s)
		m.perCli[t.c]++
		m.prune()
	}
	protocol.SendXdgActivationTokenV1Done(t.c.Events(), t.obj.ID, s)
	return nil
}

// Destroy destroys the token object; a committed token stays usable.
func (t *tokenResource) Destroy() error { return nil }
