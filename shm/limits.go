package shm

import "github.com/nofault/nofault/server"

// poolAcct is what one pool costs its client under docs/limits.md: one
// pool (a mapping), its size in mapped bytes and its fd, from
// create_pool until the last of the wl_shm_pool and its wl_buffers is
// gone (the Pool's own reference count), plus the count of live buffers
// for max_buffers_per_pool.
type poolAcct struct {
	c       *server.Client
	size    int64
	refs    int // the wl_shm_pool object plus one per wl_buffer
	buffers int
}

// chargePool charges a new pool of size bytes to c. On false, c already
// has its no_memory error.
func chargePool(c *server.Client, size int64) *poolAcct {
	if !c.Charge(server.Pools, 1) {
		return nil
	}
	if !c.Charge(server.MappedBytes, size) {
		c.Uncharge(server.Pools, 1)
		return nil
	}
	if !c.Charge(server.HeldFDs, 1) {
		c.Uncharge(server.Pools, 1)
		c.Uncharge(server.MappedBytes, size)
		return nil
	}
	return &poolAcct{c: c, size: size, refs: 1}
}

// unref drops one reference; the last releases the pool's charges.
func (a *poolAcct) unref() {
	if a == nil {
		return
	}
	a.refs--
	if a.refs == 0 {
		a.c.Uncharge(server.Pools, 1)
		a.c.Uncharge(server.MappedBytes, a.size)
		a.c.Uncharge(server.HeldFDs, 1)
	}
}

// addBuffer checks max_buffers_per_pool and counts a new wl_buffer.
func (a *poolAcct) addBuffer() bool {
	if lim := a.c.Display().Limits().MaxBuffersPerPool; lim > 0 && int64(a.buffers) >= lim {
		a.c.OverLimit("max_buffers_per_pool", lim)
		return false
	}
	a.buffers++
	a.refs++
	return true
}

// bufferGone undoes addBuffer.
func (a *poolAcct) bufferGone() {
	if a == nil {
		return
	}
	a.buffers--
	a.unref()
}

// grow charges a resize from the current size to size bytes.
func (a *poolAcct) grow(size int64) bool {
	if size <= a.size {
		return true
	}
	if !a.c.Charge(server.MappedBytes, size-a.size) {
		return false
	}
	a.size = size
	return true
}

// shrinkBack undoes grow after a failed resize.
func (a *poolAcct) shrinkBack(old int64) {
	if a.size > old {
		a.c.Uncharge(server.MappedBytes, a.size-old)
		a.size = old
	}
}
