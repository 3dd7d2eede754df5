package compositor

import (
	"github.com/nofault/nofault/decoration"
	"github.com/nofault/nofault/seat/keycodes"
)

// This file wires server-side decorations: the decoration package draws
// title bars for toplevels that chose server_side, and a left press on
// one (where no surface is above it) closes, maximizes or starts moving
// the window.

// setupFrames gives the shell its title bar drawer and handles presses on
// title bars.
func (c *Compositor) setupFrames() {
	c.Shell.SetFrameDrawer(decoration.NewFrames(c.Renderer))
	c.Seat.OnEmptyPress(c.framePress)
}

// framePress acts on a press at output position (x, y) over a title bar.
func (c *Compositor) framePress(x, y float64, button uint32) {
	surface, at, bar := c.Shell.FrameAt(x, y)
	if surface == nil {
		return
	}
	c.Shell.Activate(surface)
	if button != keycodes.BtnLeft {
		return
	}
	switch decoration.PartAt(at, bar.Dx(), bar.Dy()) {
	case decoration.PartClose:
		c.Shell.Close(surface)
	case decoration.PartMaximize:
		c.Shell.ToggleMaximized(surface)
		c.Seat.RefreshPointerFocus()
	default:
		if in := c.Shell.BeginMove(surface, x, y); in != nil {
			c.Seat.StartGrab(&wmGrab{seat: c.Seat, in: in})
		}
	}
}
