package shell

import (
	"image"

	"github.com/nofault/nofault/protocol"
)

// xdgPopup implements xdg_popup.
type xdgPopup struct {
	sh     *Shell
	xs     *xdgSurface
	obj    *protocol.Object
	parent *xdgSurface // nil once the parent xdg_surface is gone
	rules  positionerRules

	geom      image.Rectangle // relative to the parent's window geometry
	grabbed   bool
	dismissed bool
}

// Destroy handles xdg_popup.destroy: only the topmost popup may go.
func (p *xdgPopup) Destroy() error {
	for _, ch := range p.xs.popups {
		if !ch.obj.Destroyed() {
			return p.xs.base.errorf(protocol.XdgWmBaseErrorNotTheTopmostPopup,
				"xdg_popup@%d destroyed while its child xdg_popup@%d exists", p.obj.ID, ch.obj.ID)
		}
	}
	return nil
}

// OnDestroy unmaps the popup and leaves its parent.
func (p *xdgPopup) OnDestroy() {
	wasShown := p.xs.mapped && !p.dismissed
	if p.xs.popup == p {
		p.xs.unmap()
		p.xs.popup = nil
	}
	if pp := p.parent; pp != nil {
		for i, x := range pp.popups {
			if x == p {
				pp.popups = append(pp.popups[:i], pp.popups[i+1:]...)
				break
			}
		}
	}
	p.sh.updateOutputs()
	if p.grabbed && wasShown {
		p.sh.grabbedPopupGone()
	}
	p.sh.sceneChanged(nil)
}

// Grab handles xdg_popup.grab. There is no seat grab yet: the grab is
// recorded and always granted.
func (p *xdgPopup) Grab(seat *protocol.Object, serial uint32) error {
	if p.xs.initialized || p.xs.mapped {
		return protocol.Errorf(p.obj, protocol.XdgPopupErrorInvalidGrab,
			"xdg_popup@%d.grab after the initial commit", p.obj.ID)
	}
	if pp := p.parent; pp != nil && pp.popup != nil {
		if pp.popup.dismissed {
			p.dismiss()
			return nil
		}
		if !pp.popup.grabbed {
			return p.xs.base.errorf(protocol.XdgWmBaseErrorInvalidPopupParent,
				"xdg_popup@%d.grab: parent xdg_popup@%d has no explicit grab", p.obj.ID, pp.popup.obj.ID)
		}
	}
	p.grabbed = true
	return nil
}

// Reposition handles xdg_popup.reposition (v3).
func (p *xdgPopup) Reposition(pos *protocol.Object, token uint32) error {
	rules := pos.Handler.(*positioner).rules
	if !rules.complete() {
		return p.xs.base.errorf(protocol.XdgWmBaseErrorInvalidPositioner,
			"xdg_positioner@%d is incomplete: set_size and set_anchor_rect are required", pos.ID)
	}
	p.rules = rules
	if p.xs.initialized && !p.dismissed {
		protocol.SendXdgPopupRepositioned(p.xs.c.Events(), p.obj.ID, token)
		p.configure()
	}
	return nil
}

// configure computes the popup's place, constrained to the output, and
// sends xdg_popup.configure and xdg_surface.configure.
func (p *xdgPopup) configure() {
	if p.obj.Destroyed() || p.dismissed || p.parent == nil {
		return
	}
	bounds := p.sh.outputRect().Sub(p.parent.geometryOrigin())
	p.geom = p.rules.place(bounds)
	protocol.SendXdgPopupConfigure(p.xs.c.Events(), p.obj.ID,
		int32(p.geom.Min.X), int32(p.geom.Min.Y), int32(p.geom.Dx()), int32(p.geom.Dy()))
	p.xs.sendConfigure()
}

// dismiss hides the popup and its children (topmost first) and tells the
// client with popup_done.
func (p *xdgPopup) dismiss() {
	for i := len(p.xs.popups) - 1; i >= 0; i-- {
		p.xs.popups[i].dismiss()
	}
	if p.dismissed {
		return
	}
	wasShown := p.xs.mapped
	p.dismissed = true
	p.xs.mapped = false
	if !p.obj.Destroyed() {
		protocol.SendXdgPopupPopupDone(p.xs.c.Events(), p.obj.ID)
	}
	if p.grabbed && wasShown {
		p.sh.grabbedPopupGone()
	}
}
