package protocol

import "slices"

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
//
// Unlike wl_map, its footprint follows the live objects, not the highest
// id: a client that creates and destroys objects with ids rising to
// MaxObjectIndex while it keeps two alive would otherwise make it hold a
// slot for every id (128 MB, and twice that while the slice grows).
// Client ids below the dense slice's length live in the slice, which grows
// only while it stays at least half full (past denseSlack slots); later
// ids live in a map.
type ObjectMap struct {
	client []*Object // dense client ids: index = id; entry 0 stays nil
	sparse map[ObjectID]*Object
	// sparseSize is len(sparse) when it was last made: a map keeps its
	// buckets after deletes, so it is remade when it shrinks to a quarter.
	sparseSize int
	next       ObjectID  // the next new client id: one past the highest ever used
	live       int       // live client objects
	server     []*Object // index = id - ServerIDStart
	free       []uint32  // free server slots, reused first
	count      int
}

// denseSlack is how far past twice the live client objects the dense
// slice may grow: enough for any client that reuses its ids.
const denseSlack = 1024

// Len returns the number of live objects.
func (m *ObjectMap) Len() int { return m.count }

// Slots returns how many object slots the map keeps: its footprint.
func (m *ObjectMap) Slots() int { return cap(m.client) + len(m.sparse) + cap(m.server) }

// Lookup returns the live object with the given id, or nil.
func (m *ObjectMap) Lookup(id ObjectID) *Object {
	if id < ServerIDStart {
		if int(id) < len(m.client) {
			return m.client[id]
		}
		if m.sparse != nil {
			return m.sparse[id]
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
// limit, and either an unused slot or exactly the next id after the
// highest used.
func (m *ObjectMap) CanReserve(id ObjectID) bool {
	if id == 0 || id >= ServerIDStart || id > MaxObjectIndex {
		return false
	}
	next := max(m.next, 1) // slot 0 is always reserved
	switch {
	case id > next:
		return false
	case id == next:
		return true
	default:
		return m.Lookup(id) == nil
	}
}

// Insert adds o under o.ID, which must have passed CanReserve (client ids)
// or come from NewServerID. It reports false if the slot is taken.
func (m *ObjectMap) Insert(o *Object) bool {
	if o.ID < ServerIDStart {
		if !m.CanReserve(o.ID) {
			return false
		}
		switch {
		case int(o.ID) < len(m.client):
			m.client[o.ID] = o
		case int(o.ID) < 2*m.live+denseSlack:
			// Ids the slice now covers move out of the sparse map.
			for i := ObjectID(len(m.client)); i < o.ID; i++ {
				var moved *Object
				if m.sparse != nil {
					if moved = m.sparse[i]; moved != nil {
						delete(m.sparse, i)
					}
				}
				m.client = append(m.client, moved)
			}
			m.client = append(m.client, o)
			if m.sparse != nil {
				m.shrinkSparse()
			}
		default:
			if m.sparse == nil {
				m.sparse = make(map[ObjectID]*Object)
			}
			m.sparse[o.ID] = o
			m.sparseSize = max(m.sparseSize, len(m.sparse))
		}
		m.next = max(m.next, o.ID+1)
		m.live++
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
	switch {
	case id >= ServerIDStart:
		i := uint32(id - ServerIDStart)
		m.server[i] = nil
		m.free = append(m.free, i)
	case int(id) < len(m.client):
		m.client[id] = nil
		m.live--
	default:
		delete(m.sparse, id)
		m.live--
		m.shrinkSparse()
	}
	o.destroyed = true
	m.count--
	return o
}

// shrinkSparse drops or remakes the sparse map once it holds a quarter of
// what it did, so its buckets follow the live objects.
func (m *ObjectMap) shrinkSparse() {
	n := len(m.sparse)
	switch {
	case n == 0:
		m.sparse, m.sparseSize = nil, 0
	case m.sparseSize >= 64 && n <= m.sparseSize/4:
		s := make(map[ObjectID]*Object, n)
		for id, o := range m.sparse {
			s[id] = o
		}
		m.sparse, m.sparseSize = s, n
	}
}

// All calls fn for every live object in id order, client ids first, as
// libwayland destroys them when a client goes. fn may remove objects.
func (m *ObjectMap) All(fn func(*Object)) {
	for i := 0; i < len(m.client); i++ {
		if o := m.client[i]; o != nil {
			fn(o)
		}
	}
	if len(m.sparse) > 0 {
		ids := make([]ObjectID, 0, len(m.sparse))
		for id := range m.sparse {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			if o := m.sparse[id]; o != nil {
				fn(o)
			}
		}
	}
	for i := 0; i < len(m.server); i++ {
		if o := m.server[i]; o != nil {
			fn(o)
		}
	}
}
