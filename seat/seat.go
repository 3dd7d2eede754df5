// Package seat implements wl_seat with its wl_pointer, wl_keyboard and
// wl_touch objects: capabilities, pointer and keyboard focus, the cursor a
// client sets, and an input API that backends (headless, nested) and tests
// feed with device events.
//
// Everything in this package runs on the display loop: handlers
// are called by the server, and input methods must be called there too
// (from other goroutines, through server.Display.Do).
//
// The seat knows nothing about the shell. It asks a Surfaces implementation
// which surface is under the pointer, and the shell tells it which surface
// has the keyboard focus with SetKeyboardFocus.
package seat

import (
	"log/slog"

	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/seat/keymap"
	"github.com/nofault/nofault/server"
)

// Version is the highest wl_seat version this package implements (the
// version of the XML the bindings were generated from).
const Version = 8

// Default keyboard repeat settings, as weston's (rate in keys per second,
// delay in milliseconds).
const (
	DefaultRepeatRate  = 25
	DefaultRepeatDelay = 600
)

// Roles given to surfaces by this package, for RoleSetter.
const (
	RoleCursor = "wl_pointer-cursor"
)

// Surfaces is what the seat needs from the shell: the surface under a
// point in output coordinates and the point in that surface's coordinates.
// It returns a nil surface when there is none (background).
type Surfaces interface {
	SurfaceAt(x, y float64) (surface *protocol.Object, sx, sy float64)
}

// RoleSetter is implemented by a Surfaces that tracks wl_surface roles.
// SetRole gives surface the role, or reports false if the surface already
// has a different role (giving a surface the role it has is fine). Without
// a RoleSetter, role checks are skipped.
type RoleSetter interface {
	SetRole(surface *protocol.Object, role string) bool
}

// Options configures a Seat.
type Options struct {
	// Name is sent in wl_seat.name (default "seat0").
	Name string
	// Version is the advertised wl_seat version, 1 to Version (default
	// Version).
	Version uint32
	// Keyboard and Pointer are the initial capabilities.
	Keyboard, Pointer bool
	// Keymap is served to every wl_keyboard. Nil: the seat creates one
	// with keymap.New and closes it in Destroy.
	Keymap *keymap.Keymap
	// RepeatRate (keys per second, 0 disables repeat) and RepeatDelay
	// (ms) go to wl_keyboard.repeat_info. Both zero: the defaults.
	RepeatRate, RepeatDelay int32
	// Surfaces finds the surface under the pointer; nil means there are
	// no surfaces (the pointer never focuses anything). See SetSurfaces.
	Surfaces Surfaces
}

// Seat is one wl_seat global and its input state.
type Seat struct {
	d         *server.Display
	global    *server.Global
	name      string
	version   uint32
	caps      protocol.WlSeatCapability // current bits
	everCaps  protocol.WlSeatCapability // every capability the seat has had
	surfaces  Surfaces
	km        *keymap.Keymap
	ownKeymap bool
	rate      int32
	delay     int32
	shortcuts []binding // compositor key bindings (shortcut.go)

	clients map[*server.Client]*seatClient

	ptr  pointerState
	kbd  keyboardState
	grab PointerGrab // the active pointer grab (grab.go), or nil
	tch  touchState
	virt virtualDevices

	onClick    []func(surface *protocol.Object)
	onEmpty    []func(x, y float64, button uint32) // emptypress.go
	onKbdFocus []func(c *server.Client)
	onKbdSurf  []func(surface *protocol.Object) // focus_hook.go
	onCursor   []func(Cursor)

	ext ext // relative.go, constraints.go
}

// seatClient is the objects one client has on this seat.
type seatClient struct {
	c         *server.Client
	seats     []*protocol.Object
	pointers  []*protocol.Object
	keyboards []*protocol.Object
	touches   []*protocol.Object
}

// New creates a seat and advertises its wl_seat global on d (display loop
// only, or before d runs). When opts.Keymap is nil and the keyboard
// keymap cannot be created, the keyboard sends the no_keymap format.
func New(d *server.Display, opts Options) *Seat {
	s := &Seat{
		d:        d,
		name:     opts.Name,
		version:  opts.Version,
		surfaces: opts.Surfaces,
		km:       opts.Keymap,
		rate:     opts.RepeatRate,
		delay:    opts.RepeatDelay,
		clients:  make(map[*server.Client]*seatClient),
	}
	if s.name == "" {
		s.name = "seat0"
	}
	if s.version == 0 || s.version > Version {
		s.version = Version
	}
	if s.rate == 0 && s.delay == 0 {
		s.rate, s.delay = DefaultRepeatRate, DefaultRepeatDelay
	}
	if s.km == nil {
		km, err := keymap.New()
		if err != nil {
			slog.Error("seat: no keymap; keyboards get no_keymap", "seat", s.name, "err", err)
		} else {
			s.km, s.ownKeymap = km, true
		}
	}
	if opts.Pointer {
		s.caps |= protocol.WlSeatCapabilityPointer
	}
	if opts.Keyboard {
		s.caps |= protocol.WlSeatCapabilityKeyboard
	}
	s.everCaps = s.caps
	s.global = d.AddGlobal(&protocol.WlSeatInterface, s.version, s.bind)
	return s
}

// Name returns the seat's name.
func (s *Seat) Name() string { return s.name }

// Display returns the display the seat belongs to.
func (s *Seat) Display() *server.Display { return s.d }

// SetSurfaces sets the shell's surface lookup (it may be created after the
// seat) and re-evaluates the pointer focus.
func (s *Seat) SetSurfaces(surfaces Surfaces) {
	s.surfaces = surfaces
	s.RefreshPointerFocus()
}

// Destroy withdraws the global and closes the keymap the seat created.
// Existing objects stay but receive no more events.
func (s *Seat) Destroy() {
	s.d.RemoveGlobal(s.global)
	if s.ownKeymap {
		s.km.Close()
	}
	s.cancelGrab()
	s.clearPointerFocus(false)
	s.clearKeyboardFocus(false)
	s.tch.points = nil
	s.caps = 0
}

// Capabilities returns the current wl_seat.capability bits.
func (s *Seat) Capabilities() protocol.WlSeatCapability { return s.caps }

// SetCapabilities changes the pointer and keyboard capabilities (a device
// came or went) and tells every bound wl_seat; touch is SetTouch's. Losing
// the pointer or keyboard clears its focus (with leave events).
func (s *Seat) SetCapabilities(pointer, keyboard bool) {
	caps := s.caps & protocol.WlSeatCapabilityTouch
	if pointer {
		caps |= protocol.WlSeatCapabilityPointer
	}
	if keyboard {
		caps |= protocol.WlSeatCapabilityKeyboard
	}
	if caps == s.caps {
		return
	}
	if !pointer {
		s.cancelGrab()
		s.clearPointerFocus(true)
	}
	if !keyboard {
		s.clearKeyboardFocus(true)
	}
	s.setCaps(caps)
}

// FromResource returns the Seat a wl_seat object belongs to, or nil if o
// is not one of this package's wl_seat objects.
func FromResource(o *protocol.Object) *Seat {
	if o == nil {
		return nil
	}
	if h, ok := o.Handler.(*seatResource); ok {
		return h.s
	}
	return nil
}

// OnClick registers fn to run when a pointer button is pressed over a
// surface (focus follows click: the shell raises and activates the
// toplevel, then calls SetKeyboardFocus). Without any OnClick hook the
// seat gives the clicked surface the keyboard focus itself.
func (s *Seat) OnClick(fn func(surface *protocol.Object)) { s.onClick = append(s.onClick, fn) }

// OnKeyboardFocus registers fn to run after the keyboard focus moved to a
// surface of client c (nil: no focus), once enter and modifiers were sent.
// The data device uses it to send the selection.
func (s *Seat) OnKeyboardFocus(fn func(c *server.Client)) {
	s.onKbdFocus = append(s.onKbdFocus, fn)
}

// client returns the seat state of c, creating it.
func (s *Seat) client(c *server.Client) *seatClient {
	if sc := s.clients[c]; sc != nil {
		return sc
	}
	sc := &seatClient{c: c}
	s.clients[c] = sc
	c.OnDestroy(func() { delete(s.clients, c) })
	return sc
}

// clientOf returns the client owning surface, or nil if the surface is
// gone. Focus changes are rare, so a scan of the clients is fine.
func (s *Seat) clientOf(surface *protocol.Object) *server.Client {
	if surface.Destroyed() {
		return nil
	}
	for c := range s.clients {
		if c.Lookup(surface.ID) == surface {
			return c
		}
	}
	for _, c := range s.d.Clients() {
		if c.Lookup(surface.ID) == surface {
			return c
		}
	}
	return nil
}

func (s *Seat) bind(c *server.Client, id protocol.ObjectID, version uint32) {
	sc := s.client(c)
	h := &seatResource{s: s, sc: sc}
	o := c.NewObject(id, &protocol.WlSeatInterface, version, h)
	if o == nil {
		return
	}
	h.obj = o
	sc.seats = append(sc.seats, o)
	protocol.SendWlSeatCapabilities(c.Events(), o.ID, s.caps)
	if version >= protocol.WlSeatEventNameSince {
		protocol.SendWlSeatName(c.Events(), o.ID, s.name)
	}
}

// seatResource implements wl_seat for one bound object.
type seatResource struct {
	s   *Seat
	sc  *seatClient
	obj *protocol.Object
}

func (r *seatResource) OnDestroy() { r.sc.seats = remove(r.sc.seats, r.obj) }

// GetPointer creates a wl_pointer. A seat that never had a pointer answers
// missing_capability, as the XML says and wlroots does.
func (r *seatResource) GetPointer(id protocol.ObjectID) error {
	if !r.s.everCaps.Has(protocol.WlSeatCapabilityPointer) {
		return protocol.Errorf(r.obj, protocol.WlSeatErrorMissingCapability,
			"wl_seat.get_pointer called when no pointer capability has existed")
	}
	r.s.newPointer(r.sc, id, r.obj.Version)
	return nil
}

// GetKeyboard creates a wl_keyboard and sends it the keymap.
func (r *seatResource) GetKeyboard(id protocol.ObjectID) error {
	if !r.s.everCaps.Has(protocol.WlSeatCapabilityKeyboard) {
		return protocol.Errorf(r.obj, protocol.WlSeatErrorMissingCapability,
			"wl_seat.get_keyboard called when no keyboard capability has existed")
	}
	r.s.newKeyboard(r.sc, id, r.obj.Version)
	return nil
}

// Release destroys the wl_seat object (the server does it on return).
func (r *seatResource) Release() error { return nil }

// remove deletes o from l, keeping the order.
func remove(l []*protocol.Object, o *protocol.Object) []*protocol.Object {
	for i, x := range l {
		if x == o {
			copy(l[i:], l[i+1:])
			l[len(l)-1] = nil
			return l[:len(l)-1]
		}
	}
	return l
}

// AssignRole gives surface the role through the shell's RoleSetter and
// reports false if the surface has another role. Without a RoleSetter
// every role is accepted. The data device uses it for drag icons.
func (s *Seat) AssignRole(surface *protocol.Object, role string) bool {
	if rs, ok := s.surfaces.(RoleSetter); ok && surface != nil {
		return rs.SetRole(surface, role)
	}
	return true
}
