package protocol

import (
	"runtime"
	"slices"
	"testing"
)

// TestObjectMapRisingIDs is issue 16's id-map growth: a client creates
// and destroys objects with ids rising to MaxObjectIndex (0xf00000) while
// it keeps two alive, each new id the next one as libwayland requires.
// The map held a slot for every id up to the highest (peak RSS +431 MB
// for one client; weston: +123 MB). Its footprint must follow the live
// objects instead.
func TestObjectMapRisingIDs(t *testing.T) {
	top := ObjectID(MaxObjectIndex)
	if testing.Short() {
		top = 1 << 20
	}
	var m ObjectMap
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	keep := []*Object{{ID: 1}, {ID: 2}}
	m.Insert(keep[0])
	m.Insert(keep[1])
	obj := &Object{}
	peak := 0
	for id := ObjectID(3); id <= top; id++ {
		if !m.CanReserve(id) {
			t.Fatalf("id %d, the next one, refused", id)
		}
		*obj = Object{ID: id}
		if !m.Insert(obj) {
			t.Fatalf("insert %d failed", id)
		}
		if m.Lookup(id) != obj || m.Lookup(1) != keep[0] || m.Lookup(2) != keep[1] {
			t.Fatalf("lookups wrong at id %d", id)
		}
		m.Remove(id)
		if id&0xffff == 0 {
			peak = max(peak, m.Slots())
		}
	}
	peak = max(peak, m.Slots())
	if m.Len() != 2 {
		t.Fatalf("%d live objects, want 2", m.Len())
	}
	if m.CanReserve(top+2) || (top < MaxObjectIndex && !m.CanReserve(top+1)) || !m.CanReserve(5) {
		t.Error("after the run: want the next id and freed ids reservable, ids past the next refused")
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	grew := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("ids to %#x with 2 live: peak %d slots, heap %+d bytes", top, peak, grew)
	if peak > 4096 {
		t.Errorf("the map peaked at %d slots for 2 live objects", peak)
	}
	if grew > 1<<20 {
		t.Errorf("the heap grew by %d bytes for 2 live objects", grew)
	}
	runtime.KeepAlive(&m)
}

// TestObjectMapOrderAndReuse: All visits objects in id order wherever
// they are kept, ids freed anywhere are reusable, and an id past the next
// is refused, as wl_map does.
func TestObjectMapOrderAndReuse(t *testing.T) {
	var m ObjectMap
	live := map[ObjectID]bool{}
	// Rise far enough that later ids are kept sparse, keeping every 997th.
	for id := ObjectID(1); id < 50000; id++ {
		if !m.Insert(&Object{ID: id}) {
			t.Fatalf("insert %d", id)
		}
		if id%997 == 0 {
			live[id] = true
		} else {
			m.Remove(id)
		}
	}
	if m.Len() != len(live) {
		t.Fatalf("Len %d, want %d", m.Len(), len(live))
	}
	if m.CanReserve(50001) || !m.CanReserve(50000) || !m.CanReserve(4) || m.CanReserve(997) {
		t.Error("CanReserve wrong")
	}
	if m.Insert(&Object{ID: 997}) {
		t.Error("insert over a live id succeeded")
	}
	srv := &Object{ID: m.NewServerID()}
	m.Insert(srv)
	var order []ObjectID
	m.All(func(o *Object) {
		order = append(order, o.ID)
		m.Remove(o.ID) // fn may remove objects
	})
	if len(order) != len(live)+1 || order[len(order)-1] != srv.ID {
		t.Fatalf("All visited %d objects, want %d, server id last", len(order), len(live)+1)
	}
	for i := 1; i < len(order); i++ {
		if order[i] <= order[i-1] {
			t.Fatalf("All out of order: %d after %d", order[i], order[i-1])
		}
	}
	if m.Len() != 0 {
		t.Errorf("Len %d after removing all", m.Len())
	}
}

// TestObjectMapDenseCatchesUp: when the dense slice grows over ids kept in
// the sparse map, they move into it and stay found.
func TestObjectMapDenseCatchesUp(t *testing.T) {
	var m ObjectMap
	live := map[ObjectID]*Object{}
	insert := func(id ObjectID) {
		o := &Object{ID: id}
		if !m.Insert(o) {
			t.Fatalf("insert %d", id)
		}
		live[id] = o
	}
	for id := ObjectID(1); id <= 3000; id++ {
		insert(id)
	}
	for id := ObjectID(2); id <= 3000; id++ { // one left: the next ids go sparse
		m.Remove(id)
		delete(live, id)
	}
	for id := ObjectID(3001); id <= 3100; id++ {
		insert(id)
	}
	if len(m.sparse) == 0 {
		t.Fatal("no id went sparse: the test does not test the move")
	}
	for id := ObjectID(2); id <= 1500; id++ { // refill: the live count rises
		insert(id)
	}
	insert(3101) // the slice grows over the sparse ids
	for id, o := range live {
		if m.Lookup(id) != o {
			t.Fatalf("object %d lost", id)
		}
	}
	if m.Len() != len(live) {
		t.Fatalf("Len %d, want %d", m.Len(), len(live))
	}
}

// FuzzObjectMap runs a sequence of inserts and removes against a plain Go
// map with libwayland's id rule and checks every answer of the ObjectMap.
// Each op byte: low bit insert (the next id, or a freed id picked by the
// rest) or remove (a live id picked by the rest); 0xff jumps the next id
// by 1,000 through inserts and removes, to reach the sparse part.
func FuzzObjectMap(f *testing.F) {
	f.Add([]byte{1, 1, 1, 0, 2, 1, 0xff, 1, 3, 0})
	f.Add([]byte{0xff, 0xff, 1, 1, 0, 0xff, 5, 7, 9, 0xff, 1, 1})
	f.Fuzz(func(t *testing.T, ops []byte) {
		var m ObjectMap
		ref := map[ObjectID]*Object{}
		next := ObjectID(1)
		insert := func(id ObjectID) {
			want := id <= next && ref[id] == nil
			if got := m.CanReserve(id); got != want {
				t.Fatalf("CanReserve(%d) = %v, want %v (next %d)", id, got, want, next)
			}
			o := &Object{ID: id}
			if got := m.Insert(o); got != want {
				t.Fatalf("Insert(%d) = %v, want %v", id, got, want)
			}
			if want {
				ref[id] = o
				next = max(next, id+1)
			}
		}
		for _, op := range ops {
			switch {
			case op == 0xff:
				for range 1000 {
					insert(next)
					m.Remove(next - 1)
					delete(ref, next-1)
				}
			case op&1 == 1:
				id := next
				if op > 1 && next > 2 {
					id = ObjectID(op>>1)%(next-1) + 1
				}
				insert(id)
			default:
				if len(ref) > 0 {
					ids := make([]ObjectID, 0, len(ref))
					for id := range ref {
						ids = append(ids, id)
					}
					slices.Sort(ids)
					id := ids[int(op>>1)%len(ids)]
					if m.Remove(id) != ref[id] {
						t.Fatalf("Remove(%d) returned another object", id)
					}
					delete(ref, id)
				}
			}
			if m.Len() != len(ref) {
				t.Fatalf("Len %d, want %d", m.Len(), len(ref))
			}
		}
		for id, o := range ref {
			if m.Lookup(id) != o {
				t.Fatalf("Lookup(%d) lost its object", id)
			}
		}
		var last ObjectID
		n := 0
		m.All(func(o *Object) {
			if o.ID <= last || ref[o.ID] != o {
				t.Fatalf("All: %d after %d", o.ID, last)
			}
			last = o.ID
			n++
		})
		if n != len(ref) {
			t.Fatalf("All visited %d, want %d", n, len(ref))
		}
	})
}
