package shell

import (
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/server"
)

type compositor struct {
	sh  *Shell
	c   *server.Client
	obj *protocol.Object
}

func (sh *Shell) bindCompositor(c *server.Client, id protocol.ObjectID, version uint32) {
	h := &compositor{sh: sh, c: c}
	h.obj = c.NewObject(id, &protocol.WlCompositorInterface, version, h)
}

// CreateSurface makes a wl_surface of the compositor's version.
func (h *compositor) CreateSurface(id protocol.ObjectID) error {
	s := newSurface(h.sh, h.c)
	obj := h.c.NewObject(id, &protocol.WlSurfaceInterface, h.obj.Version, s)
	if obj == nil {
		return nil
	}
	s.obj = obj
	h.sh.surfaces[s] = struct{}{}
	return nil
}

// CreateRegion makes an empty wl_region.
func (h *compositor) CreateRegion(id protocol.ObjectID) error {
	r := &region{c: h.c}
	h.c.NewObject(id, &protocol.WlRegionInterface, 1, r)
	return nil
}
