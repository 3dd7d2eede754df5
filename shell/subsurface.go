package shell

import (
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/server"
)

type subcompositor struct {
	sh  *Shell
	c   *server.Client
	obj *protocol.Object
}

func (sh *Shell) bindSubcompositor(c *server.Client, id protocol.ObjectID, version uint32) {
	h := &subcompositor{sh: sh, c: c}
	h.obj = c.NewObject(id, &protocol.WlSubcompositorInterface, version, h)
}

// Destroy handles wl_subcompositor.destroy; existing subsurfaces stay.
func (h *subcompositor) Destroy() error { return nil }

// GetSubsurface makes surface a subsurface of parent. wayland.xml 1.21 has
// only bad_surface, so loops and self-parenting use it too (as weston does).
func (h *subcompositor) GetSubsurface(id protocol.ObjectID, surface, parent *protocol.Object) error {
	s, p := h.sh.Surface(surface), h.sh.Surface(parent)
	bad := func(format string, args ...any) error {
		return protocol.Errorf(h.obj, protocol.WlSubcompositorErrorBadSurface, format, args...)
	}
	switch {
	case s == nil || p == nil:
		return bad("wl_subcompositor@%d.get_subsurface: unknown surface", h.obj.ID)
	case s == p:
		return bad("wl_surface@%d cannot be its own parent", surface.ID)
	case s.sub != nil:
		return bad("wl_surface@%d is already a sub-surface", surface.ID)
	case s.role != "" && s.role != "wl_subsurface":
		return bad("wl_surface@%d already has the role %s", surface.ID, s.role)
	}
	for x := p; x != nil; x = x.parent() {
		if x == s {
			return bad("wl_surface@%d is an ancestor of parent wl_surface@%d", surface.ID, parent.ID)
		}
	}
	sub := &subsurface{sh: h.sh, s: s, parent: p, sync: true}
	obj := h.c.NewObject(id, &protocol.WlSubsurfaceInterface, h.obj.Version, sub)
	if obj == nil {
		return nil
	}
	sub.obj = obj
	s.role = "wl_subsurface"
	s.sub = sub
	// A new subsurface starts on top of its siblings, effective at once.
	p.children = append(p.children, s)
	p.childrenPending = append(p.childrenPending, s)
	h.sh.updateOutputs()
	return nil
}

// parent returns the surface s is a subsurface of, or nil.
func (s *Surface) parent() *Surface {
	if s.sub == nil {
		return nil
	}
	return s.sub.parent
}

// subsurface implements wl_subsurface.
type subsurface struct {
	sh     *Shell
	obj    *protocol.Object
	s      *Surface
	parent *Surface // nil once the parent or the surface is gone
	sync   bool

	x, y               int // applied position relative to the parent
	pendingX, pendingY int
}

// synchronized reports whether the subsurface is effectively synchronized:
// itself or any ancestor subsurface is in sync mode.
func (sub *subsurface) synchronized() bool {
	for x := sub; x != nil; {
		if x.sync {
			return true
		}
		if x.parent == nil {
			return false
		}
		x = x.parent.sub
	}
	return false
}

// unlink takes the surface out of its parent's stacking lists; the
// wl_subsurface object, if still alive, becomes inert.
func (sub *subsurface) unlink() {
	if p := sub.parent; p != nil {
		p.children = removeSurface(p.children, sub.s)
		p.childrenPending = removeSurface(p.childrenPending, sub.s)
	}
	sub.parent = nil
	if sub.s.sub == sub {
		sub.s.sub = nil
	}
}

func removeSurface(list []*Surface, s *Surface) []*Surface {
	for i, x := range list {
		if x == s {
			return append(list[:i], list[i+1:]...)
		}
	}
	return list
}

// Destroy handles wl_subsurface.destroy: the surface leaves its parent
// (unmapped) and its cached state is dropped.
func (sub *subsurface) Destroy() error { return nil }

// OnDestroy unlinks the surface.
func (sub *subsurface) OnDestroy() {
	s := sub.s
	if s.sub != sub {
		return
	}
	sub.unlink()
	if s.hasCache {
		if s.cached.set&fBuffer != 0 {
			releaseBuffer(s.cached.buffer)
		}
		// The cached frame callbacks go with the next commit.
		s.pending.frames = append(append([]*protocol.Object(nil), s.cached.frames...), s.pending.frames...)
		s.cached.reset()
		s.hasCache = false
	}
	sub.sh.updateOutputs()
}

// SetPosition handles wl_subsurface.set_position, applied with the
// parent's state.
func (sub *subsurface) SetPosition(x, y int32) error {
	sub.pendingX, sub.pendingY = int(x), int(y)
	return nil
}

// PlaceAbove handles wl_subsurface.place_above.
func (sub *subsurface) PlaceAbove(sibling *protocol.Object) error { return sub.place(sibling, true) }

// PlaceBelow handles wl_subsurface.place_below.
func (sub *subsurface) PlaceBelow(sibling *protocol.Object) error { return sub.place(sibling, false) }

func (sub *subsurface) place(sibling *protocol.Object, above bool) error {
	p := sub.parent
	if p == nil {
		return nil // inert
	}
	sib := sub.sh.Surface(sibling)
	if sib == nil || sib == sub.s || (sib != p && sib.parent() != p) {
		req := "place_below"
		if above {
			req = "place_above"
		}
		return protocol.Errorf(sub.obj, protocol.WlSubsurfaceErrorBadSurface,
			"wl_subsurface@%d.%s: wl_surface@%d is not a sibling or the parent", sub.obj.ID, req, sibling.ID)
	}
	list := removeSurface(p.childrenPending, sub.s)
	i := 0
	for i < len(list) && list[i] != sib {
		i++
	}
	if above {
		i++
	}
	list = append(list, nil)
	copy(list[i+1:], list[i:])
	list[i] = sub.s
	p.childrenPending = list
	return nil
}

// SetSync handles wl_subsurface.set_sync.
func (sub *subsurface) SetSync() error {
	sub.sync = true
	return nil
}

// SetDesync handles wl_subsurface.set_desync: cached state is applied at
// once if the subsurface is no longer effectively synchronized.
func (sub *subsurface) SetDesync() error {
	sub.sync = false
	if s := sub.s; s.sub == sub && s.hasCache && !sub.synchronized() {
		s.applyCached()
		sub.sh.updateOutputs()
	}
	return nil
}
