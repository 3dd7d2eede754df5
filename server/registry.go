package server

import (
	"github.com/nofault/nofault/protocol"
)

// BindFunc creates the object id for client c bound to a global at version.
type BindFunc func(c *Client, id protocol.ObjectID, version uint32)

// Global is an object advertised through wl_registry.
type Global struct {
	Name      uint32
	Interface *protocol.Interface
	Version   uint32
	bind      BindFunc
	removed   bool
}

// AddGlobal advertises a global at version (at most the generated
// interface's version) and returns it. Existing registries are told.
func (d *Display) AddGlobal(iface *protocol.Interface, version uint32, bind BindFunc) *Global {
	d.assertLocked()
	if version > iface.Version {
		panic("server: global " + iface.Name + " advertised above its XML version")
	}
	g := &Global{Name: d.nextGlobal, Interface: iface, Version: version, bind: bind}
	d.nextGlobal++
	d.globals = append(d.globals, g)
	d.registries.each(func(reg *protocol.Object, c *Client) {
		protocol.SendWlRegistryGlobal(c.Events(), reg.ID, g.Name, iface.Name, version)
	})
	return g
}

// RemoveGlobal withdraws g; existing registries get global_remove.
func (d *Display) RemoveGlobal(g *Global) {
	d.assertLocked()
	if g.removed {
		return
	}
	g.removed = true
	for i, x := range d.globals {
		if x == g {
			d.globals = append(d.globals[:i], d.globals[i+1:]...)
			break
		}
	}
	d.registries.each(func(reg *protocol.Object, c *Client) {
		protocol.SendWlRegistryGlobalRemove(c.Events(), reg.ID, g.Name)
	})
}

// registrySet is the display's live wl_registry objects with their
// clients, for the global and global_remove broadcasts. Adding and
// removing one is a map operation; only a broadcast visits them all, and
// scans counts the entries it visited, so tests can check that nothing
// else (a client's teardown) walks the whole set.
type registrySet struct {
	m     map[*protocol.Object]*Client
	scans int
}

func (s *registrySet) each(fn func(reg *protocol.Object, c *Client)) {
	for reg, c := range s.m {
		s.scans++
		fn(reg, c)
	}
}

// Globals returns the advertised globals in name order.
func (d *Display) Globals() []*Global {
	d.assertLocked()
	return d.globals
}

// displayHandler implements wl_display for one client.
type displayHandler struct{ c *Client }

func (h *displayHandler) Sync(callback protocol.ObjectID) error {
	c := h.c
	c.d.assertLocked()
	if !c.checkNewObject() {
		return nil
	}
	o := &c.syncCB
	if c.objects.Lookup(o.ID) == o {
		// Still live (it never is: Sync destroys it below); take a new one.
		o = &protocol.Object{}
	}
	if o = c.newObjectAt(o, callback, &protocol.WlCallbackInterface, 1, nil); o == nil {
		return nil
	}
	protocol.SendWlCallbackDone(c.Events(), o.ID, c.d.serial)
	c.Destroy(o)
	return nil
}

func (h *displayHandler) GetRegistry(registry protocol.ObjectID) error {
	c := h.c
	o := c.NewObject(registry, &protocol.WlRegistryInterface, 1, nil)
	if o == nil {
		return nil
	}
	o.Handler = &registryHandler{c: c, obj: o}
	c.d.registries.m[o] = c
	for _, g := range c.d.globals {
		protocol.SendWlRegistryGlobal(c.Events(), o.ID, g.Name, g.Interface.Name, g.Version)
	}
	return nil
}

// registryHandler implements wl_registry.
type registryHandler struct {
	c   *Client
	obj *protocol.Object
}

func (r *registryHandler) OnDestroy() { delete(r.c.d.registries.m, r.obj) }

// Bind follows libwayland's registry_bind checks and messages; all of them
// post invalid_object on the registry.
func (r *registryHandler) Bind(name uint32, iface string, version uint32, id protocol.ObjectID) error {
	var g *Global
	for _, x := range r.c.d.globals {
		if x.Name == name {
			g = x
			break
		}
	}
	switch {
	case g == nil:
		return protocol.Errorf(r.obj, protocol.WlDisplayErrorInvalidObject, "invalid global %s (%d)", iface, name)
	case version == 0:
		return protocol.Errorf(r.obj, protocol.WlDisplayErrorInvalidObject, "invalid version for global %s (%d): 0 is not a valid version", iface, name)
	case g.Version < version:
		return protocol.Errorf(r.obj, protocol.WlDisplayErrorInvalidObject, "invalid version for global %s (%d): have %d, wanted %d", iface, name, g.Version, version)
	case g.Interface.Name != iface:
		return protocol.Errorf(r.obj, protocol.WlDisplayErrorInvalidObject, "invalid interface for global %d: have %s, wanted %s", name, iface, g.Interface.Name)
	}
	g.bind(r.c, id, version)
	return nil
}
