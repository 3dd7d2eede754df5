package compositor

import (
	"log/slog"

	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/seat"
	"github.com/nofault/nofault/shell"
)

// This file wires window management between the shell and the seat:
// xdg_toplevel.move and resize start a pointer grab that drives
// shell.Interactive, and the window shortcuts are bound on the seat.

// setupWM registers the move and resize handlers and binds the window
// shortcuts of the configuration (validated by config already; a bad one
// is logged and left unbound). A client holding an active
// zwp_keyboard_shortcuts_inhibitor_v1 gets the shortcut keys instead.
func (c *Compositor) setupWM() {
	c.Shell.OnMoveRequest(func(surface, seatObj *protocol.Object, serial uint32) {
		c.startInteractive(surface, seatObj, serial, 0)
	})
	c.Shell.OnResizeRequest(func(surface, seatObj *protocol.Object, serial uint32, edges protocol.XdgToplevelResizeEdge) {
		c.startInteractive(surface, seatObj, serial, edges)
	})
	for _, b := range []struct {
		name, spec string
		fn         func() bool
	}{
		{"cycle-windows-key", c.cfg.CycleWindowsKey, c.Shell.CycleWindows},
		{"unminimize-key", c.cfg.UnminimizeKey, c.Shell.RestoreMinimized},
	} {
		sc, err := seat.ParseShortcut(b.spec)
		if err != nil {
			slog.Error("window shortcut not bound", "setting", b.name, "err", err)
			continue
		}
		fn := b.fn
		c.Seat.BindShortcut(sc, func() bool {
			if c.Keys != nil && c.Keys.Inhibited(c.Seat) {
				return false // the focused client asked for every key
			}
			fn()
			c.Seat.RefreshPointerFocus()
			return true
		})
	}
}

// startInteractive starts a move (edges 0) or resize of the toplevel
// surface when serial is the seat's latest button press, still held, on
// that window (the surface pressed, or one of its subsurfaces and popups:
// client decorations). Other requests are ignored, as weston and wlroots
// ignore them.
func (c *Compositor) startInteractive(surface, seatObj *protocol.Object, serial uint32, edges protocol.XdgToplevelResizeEdge) {
	if s := seat.FromResource(seatObj); s != c.Seat {
		return
	}
	pressed, ok := c.Seat.GrabSerial(serial)
	if !ok || c.Shell.RootToplevel(pressed) != surface {
		slog.Debug("interactive move/resize ignored: serial is not a held button press on the window",
			"surface", surface.ID, "serial", serial)
		return
	}
	x, y := c.Seat.PointerPosition()
	var in *shell.Interactive
	if edges == 0 {
		in = c.Shell.BeginMove(surface, x, y)
	} else {
		in = c.Shell.BeginResize(surface, edges, x, y)
	}
	if in == nil {
		return
	}
	c.Shell.Activate(surface)
	c.Seat.ClearPointerFocus() // the client gets leave, as in weston
	c.Seat.StartGrab(&wmGrab{seat: c.Seat, in: in})
	slog.Debug("interactive grab started", "surface", surface.ID, "edges", edges, "x", x, "y", y)
}

// wmGrab is the seat.PointerGrab of an interactive move or resize: it ends
// when every button is up, or when the window goes away.
type wmGrab struct {
	seat *seat.Seat
	in   *shell.Interactive
}

func (g *wmGrab) Motion(x, y float64) {
	if !g.in.Motion(x, y) {
		g.end()
	}
}

func (g *wmGrab) Button(button uint32, state protocol.WlPointerButtonState) {
	if state == protocol.WlPointerButtonStateReleased && g.seat.ButtonsHeld() == 0 {
		g.end()
	}
}

func (g *wmGrab) end() {
	g.in.End()
	if g.seat.Grab() == seat.PointerGrab(g) {
		g.seat.EndGrab()
	}
}

func (g *wmGrab) Cancel() { g.in.End() }
