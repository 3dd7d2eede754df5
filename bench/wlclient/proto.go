package wlclient

import (
	"fmt"
	"time"
)

// Global is a wl_registry.global announcement.
type Global struct {
	Name    uint32
	Version uint32
}

// Registry binds wl_registry and collects the globals with one round trip.
func (c *Conn) Registry(timeout time.Duration) (reg uint32, globals map[string]Global, err error) {
	globals = map[string]Global{}
	reg = c.NewID(func(op uint16, a []byte) {
		if op == 0 {
			name := u32(a, 0)
			iface, off := str(a, 4)
			globals[iface] = Global{name, u32(a, off)}
		}
	})
	s := c.begin(1, 1) // wl_display.get_registry
	c.u32(reg)
	c.end(s)
	if err := c.Roundtrip(timeout); err != nil {
		return 0, nil, err
	}
	return reg, globals, nil
}

// Bind binds global g of interface iface at version v and registers h.
func (c *Conn) Bind(reg uint32, iface string, g Global, v uint32, h Handler) uint32 {
	id := c.NewID(h)
	s := c.begin(reg, 0)
	c.u32(g.Name)
	c.str(iface)
	c.u32(v)
	c.u32(id)
	c.end(s)
	return id
}

// Sync sends wl_display.sync; done is called with the callback data.
func (c *Conn) Sync(done func(uint32)) uint32 {
	id := c.NewID(func(op uint16, a []byte) {
		if op == 0 && done != nil {
			done(u32(a, 0))
		}
	})
	s := c.begin(1, 0)
	c.u32(id)
	c.end(s)
	return id
}

// Roundtrip sends a sync and dispatches until its done, or timeout.
func (c *Conn) Roundtrip(timeout time.Duration) error {
	done := false
	c.Sync(func(uint32) { done = true })
	deadline := time.Now().Add(timeout)
	for !done {
		if err := c.Dispatch(deadline); err != nil {
			if err == ErrTimeout {
				return fmt.Errorf("wlclient: round trip timed out after %v", timeout)
			}
			return err
		}
	}
	return nil
}

// CreateSurface sends wl_compositor.create_surface.
func (c *Conn) CreateSurface(comp uint32) uint32 {
	id := c.NewID(nil) // enter/leave are ignored
	s := c.begin(comp, 0)
	c.u32(id)
	c.end(s)
	return id
}

// CreatePool sends wl_shm.create_pool with fd (sent, not closed).
func (c *Conn) CreatePool(shm uint32, fd int, size int32) uint32 {
	id := c.NewID(nil)
	s := c.begin(shm, 0)
	c.u32(id)
	c.i32(size)
	c.end(s)
	c.outFDs = append(c.outFDs, fd)
	c.Flush() // the fd must travel with this message
	return id
}

// CreateBuffer sends wl_shm_pool.create_buffer; release is called on
// wl_buffer.release.
func (c *Conn) CreateBuffer(pool uint32, offset, w, h, stride int32, format uint32, release func()) uint32 {
	id := c.NewID(func(op uint16, _ []byte) {
		if op == 0 && release != nil {
			release()
		}
	})
	s := c.begin(pool, 0)
	c.u32(id)
	c.i32(offset)
	c.i32(w)
	c.i32(h)
	c.i32(stride)
	c.u32(format)
	c.end(s)
	return id
}

// Destroy sends the destructor with opcode op (0 for most interfaces; 1
// for wl_shm_pool).
func (c *Conn) Destroy(obj uint32, op uint16) {
	s := c.begin(obj, op)
	c.end(s)
}

// Attach sends wl_surface.attach.
func (c *Conn) Attach(surf, buf uint32) {
	s := c.begin(surf, 1)
	c.u32(buf)
	c.i32(0)
	c.i32(0)
	c.end(s)
}

// Damage sends wl_surface.damage_buffer when buffer is true (v4),
// wl_surface.damage otherwise.
func (c *Conn) Damage(surf uint32, buffer bool, x, y, w, h int32) {
	op := uint16(2)
	if buffer {
		op = 9
	}
	s := c.begin(surf, op)
	c.i32(x)
	c.i32(y)
	c.i32(w)
	c.i32(h)
	c.end(s)
}

// Frame sends wl_surface.frame; done is called with the timestamp.
func (c *Conn) Frame(surf uint32, done func(uint32)) uint32 {
	id := c.NewID(func(op uint16, a []byte) {
		if op == 0 {
			done(u32(a, 0))
		}
	})
	s := c.begin(surf, 3)
	c.u32(id)
	c.end(s)
	return id
}

// SetBufferTransform sends wl_surface.set_buffer_transform (v2).
func (c *Conn) SetBufferTransform(surf uint32, transform int32) {
	s := c.begin(surf, 7)
	c.i32(transform)
	c.end(s)
}

// SetBufferScale sends wl_surface.set_buffer_scale (v3).
func (c *Conn) SetBufferScale(surf uint32, scale int32) {
	s := c.begin(surf, 8)
	c.i32(scale)
	c.end(s)
}

// CreateRegion sends wl_compositor.create_region.
func (c *Conn) CreateRegion(comp uint32) uint32 {
	id := c.NewID(nil)
	s := c.begin(comp, 1)
	c.u32(id)
	c.end(s)
	return id
}

// RegionAdd sends wl_region.add.
func (c *Conn) RegionAdd(region uint32, x, y, w, h int32) {
	s := c.begin(region, 1)
	c.i32(x)
	c.i32(y)
	c.i32(w)
	c.i32(h)
	c.end(s)
}

// SetOpaqueRegion sends wl_surface.set_opaque_region.
func (c *Conn) SetOpaqueRegion(surf, region uint32) {
	s := c.begin(surf, 4)
	c.u32(region)
	c.end(s)
}

// Commit sends wl_surface.commit.
func (c *Conn) Commit(surf uint32) {
	s := c.begin(surf, 6)
	c.end(s)
}

// Pong answers xdg_wm_base.ping.
func (c *Conn) Pong(wm, serial uint32) {
	s := c.begin(wm, 3)
	c.u32(serial)
	c.end(s)
}

// GetXdgSurface sends xdg_wm_base.get_xdg_surface; configure gets the serial.
func (c *Conn) GetXdgSurface(wm, surf uint32, configure func(serial uint32)) uint32 {
	id := c.NewID(func(op uint16, a []byte) {
		if op == 0 {
			configure(u32(a, 0))
		}
	})
	s := c.begin(wm, 2)
	c.u32(id)
	c.u32(surf)
	c.end(s)
	return id
}

// AckConfigure sends xdg_surface.ack_configure.
func (c *Conn) AckConfigure(xs, serial uint32) {
	s := c.begin(xs, 4)
	c.u32(serial)
	c.end(s)
}

// GetToplevel sends xdg_surface.get_toplevel, then set_title and
// set_app_id. Toplevel events (configure, close) are ignored: the benchmark
// keeps its own size.
func (c *Conn) GetToplevel(xs uint32, title, appID string) uint32 {
	id := c.NewID(nil)
	s := c.begin(xs, 1)
	c.u32(id)
	c.end(s)
	s = c.begin(id, 2)
	c.str(title)
	c.end(s)
	s = c.begin(id, 3)
	c.str(appID)
	c.end(s)
	return id
}
