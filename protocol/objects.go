package protocol

// MaxObjectIndex is the largest id index libwayland's map accepts
// (WL_MAP_MAX_OBJECTS, since libwayland 1.21): beyond it new ids fail.
const MaxObjectIndex = 0x00f00000

// Object is one live protocol object of a client.
type Object struct {
	ID        ObjectID
	Interface *Interface
	Version   uint32
	// Handler receives the object's requests; it implements the generated
	// handler interface of Interface (for example WlSurfaceHandler).
	Handler any
	// Data is free for the owner of the object.
	Data any

	destroyed bool
}

// Destroyed reports whether the object has been removed from its map.
func (o *Object) Destroyed() bool { return o == nil || o.destroyed }

// ObjectMap holds a client's objects, indexed like libwayland's wl_map:
// client-allocated ids from 1 up, server-allocated ids from ServerIDStart
// up. A new client id must be a free slot or the next id after the highest
// (libwayland rejects ids that skip ahead).
type ObjectMap struct {
	client []*Object // index = id; entry 0 stays nil
	server []*Object // index = id - ServerIDStart
	free   []uint32  // free server slots, reused first
	count  int
}

// Len returns the number of live objects.
func (m *ObjectMap) Len() int { return m.count }

// Lookup returns the live object with the given id, or nil.
func (m *ObjectMap) Lookup(id ObjectID) *Object {
	if id < ServerIDStart {
		if int(id) < len(m.client) {
			return m.client[id]
		}
		return nil
	}
	i := int(id - ServerIDStart)
	if i < len(m.server) {
		return m.server[i]
	}
	return nil
}

// CanReserve reports whether id is acceptable as a new client object id,
// following wl_map_reserve_new: a client id, not 0, not beyond the map's
// limit, and either an unused slot or exactly one past the last slot.
func (m *ObjectMap) CanReserve(id ObjectID) bool {
	if id == 0 || id >= ServerIDStart || id > MaxObjectIndex {
		return false
	}
	n := len(m.client)
	if n == 0 {
		n = 1 // slot 0 is always reserved
	}
	switch {
	case int(id) > n:
		return false
	case int(id) == n:
		return true
	default:
		return m.client[id] == nil
	}
}

// Insert adds o under o.ID, which must have passed CanReserve (client ids)
// or come from NewServerID. It reports false if the slot is taken.
func (m *ObjectMap) Insert(o *Object) bool {
	if o.ID < ServerIDStart {
		if !m.CanReserve(o.ID) {
			return false
		}
		for len(m.client) <= int(o.ID) {
			m.client = append(m.client, nil)
		}
		m.client[o.ID] = o
	} else {
		i := int(o.ID - ServerIDStart)
		if i >= len(m.server) || m.server[i] != nil {
			return false
		}
		m.server[i] = o
	}
	m.count++
	return true
}

// NewServerID allocates a server-side id, reusing freed ones first.
func (m *ObjectMap) NewServerID() ObjectID {
	if n := len(m.free); n > 0 {
		i := m.free[n-1]
		m.free = m.free[:n-1]
		return ServerIDStart + ObjectID(i)
	}
	m.server = append(m.server, nil)
	return ServerIDStart + ObjectID(len(m.server)-1)
}

// Remove deletes the object with the given id and marks it destroyed.
func (m *ObjectMap) Remove(id ObjectID) *Object {
	o := m.Lookup(id)
	if o == nil {
		if id >= ServerIDStart {
			// An id from NewServerID that never got an object.
			if i := uint32(id - ServerIDStart); int(i) < len(m.server) {
				m.free = append(m.free, i)
			}
		}
		return nil
	}
	if id < ServerIDStart {
		m.client[id] = nil
	} else {
		i := uint32(id - ServerIDStart)
		m.server[i] = nil
		m.free = append(m.free, i)
	}
	o.destroyed = true
	m.count--
	return o
}

// All calls fn for every live object in id order, client ids first, as
// libwayland destroys them when a client goes. fn may remove objects.
func (m *ObjectMap) All(fn func(*Object)) {
	for i := 0; i < len(m.client); i++ {
		if o := m.client[i]; o != nil {
			fn(o)
		}
	}
	for i := 0; i < len(m.server); i++ {
		if o := m.server[i]; o != nil {
			fn(o)
		}
	}
}
