package shell

import (
	"image"

	"github.com/nofault/nofault/protocol"
)

// ConfigureToplevel sends the toplevel whose xdg_toplevel object is obj
// its configure sequence again, unchanged (xdg_toplevel.configure, then
// xdg_surface.configure), for protocols whose own configure events must
// be followed by one (xdg-decoration). Before the initial commit it sends
// nothing: the initial configure follows then. It reports false when obj
// is not a live xdg_toplevel of this shell.
func (sh *Shell) ConfigureToplevel(obj *protocol.Object) bool {
	t, ok := obj.Handler.(*xdgToplevel)
	if !ok || t.sh != sh || obj.Destroyed() {
		return false
	}
	t.configure()
	return true
}

// RegionRects returns a copy of the rectangles of a wl_region of this
// shell (surface-local once given to a request), and false when obj is not
// one: pointer constraints copy the region they are made with.
func (sh *Shell) RegionRects(obj *protocol.Object) ([]image.Rectangle, bool) {
	r, ok := obj.Handler.(*region)
	if !ok {
		return nil, false
	}
	return r.rs.clone(), true
}

// OnApply registers fn to run whenever a surface's committed state is
// applied (a commit, or a synchronized subsurface's cache with its
// parent's): the content update presentation feedback is about.
func (sh *Shell) OnApply(fn func(surface *protocol.Object)) { sh.onApply = append(sh.onApply, fn) }

func (sh *Shell) applied(surface *protocol.Object) {
	for _, fn := range sh.onApply {
		fn(surface)
	}
}
