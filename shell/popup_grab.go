package shell

import "github.com/nofault/nofault/protocol"

// This file is the keyboard side of xdg_popup.grab. The spec: "During a
// popup grab, the client owning the grab will receive pointer and touch
// events for all their surfaces as normal (similar to an "owner-events"
// grab in X11 semantics), while the top most grabbing popup will always
// have keyboard focus." A grab ends when the popups are dismissed: here
// when another toplevel maps (WLCS XdgPopupTest found grabs ignored).

// grabbedPopupMapped gives the keyboard focus to a grabbing popup that
// just mapped: it is the topmost grabbing popup.
func (sh *Shell) grabbedPopupMapped(p *xdgPopup) {
	sh.focusSurface(p.xs.s.obj)
}

// grabbedPopupGone gives the keyboard focus back after a grabbing popup
// was dismissed or destroyed: to the topmost grabbing popup still shown,
// else to the activated toplevel.
func (sh *Shell) grabbedPopupGone() {
	if top := sh.topGrab(); top != nil {
		sh.focusSurface(top.xs.s.obj)
		return
	}
	var surface *protocol.Object
	if sh.activated != nil && !sh.activated.obj.Destroyed() {
		surface = sh.activated.xs.s.obj
	}
	sh.focusSurface(surface)
}

// topGrab returns the deepest grabbing popup still shown, or nil.
func (sh *Shell) topGrab() *xdgPopup {
	var best *xdgPopup
	depth := -1
	for s := range sh.surfaces {
		x := s.xdg
		if x == nil || x.popup == nil || !x.popup.grabbed || x.popup.dismissed || !x.mapped || s.destroyed {
			continue
		}
		d := 0
		for pp := x.popup.parent; pp != nil && pp.popup != nil; pp = pp.popup.parent {
			d++
		}
		if d > depth {
			best, depth = x.popup, d
		}
	}
	return best
}

// dismissGrabs dismisses every grabbing popup that is shown, children
// first (a new toplevel mapped: the grab ends).
func (sh *Shell) dismissGrabs() {
	for p := sh.topGrab(); p != nil; p = sh.topGrab() {
		p.dismiss()
	}
}

func (sh *Shell) focusSurface(surface *protocol.Object) {
	for _, fn := range sh.onFocus {
		fn(surface)
	}
}
