package server

import (
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/nofault/nofault/protocol"
)

// Limits bound what one client, and all clients together, may make the
// compositor hold (docs/limits.md). A field left zero takes its default
// from [LimitTable], so Limits{} is the production configuration: tests
// use the same limits unless they lower one on purpose. Each field's key,
// default, range, help and error are its row of [LimitTable].
type Limits struct {
	MaxObjects               int64 // max_objects: live objects per client
	MaxPools                 int64 // max_pools: live wl_shm pools per client
	MaxMappedBytes           int64 // max_mapped_bytes: sum of a client's pool sizes
	MaxBuffersPerPool        int64 // max_buffers_per_pool: live wl_buffers per pool
	MaxRegionRects           int64 // max_region_rects: rectangles of a client's regions
	MaxDamageRects           int64 // max_damage_rects: damage rectangles per surface list
	MaxFDs                   int64 // max_fds: fds a client sent that are queued or held
	MaxQueuedBytes           int64 // max_queued_bytes: events a client has not read
	MaxFrameCallbacks        int64 // max_frame_callbacks: pending frame callbacks per client
	MaxSurfaceFrameCallbacks int64 // max_surface_frame_callbacks: pending frame callbacks per surface
	MaxUploadBytes           int64 // max_upload_bytes: one buffer a copying renderer copies
	MaxClients               int64 // max_clients: connections at once
	TotalObjects             int64 // total_objects
	TotalPools               int64 // total_pools
	TotalMappedBytes         int64 // total_mapped_bytes
	TotalRegionRects         int64 // total_region_rects
	TotalFDs                 int64 // total_fds: client fds held, one per connection included
	TotalQueuedBytes         int64 // total_queued_bytes
}

// Scope is whom a limit bounds.
type Scope int

// Scopes, in the order --help and docs/limits.md group them.
const (
	PerClient  Scope = iota // one client's holdings
	PerPool                 // one wl_shm_pool's
	PerSurface              // one wl_surface's
	Total                   // all clients' together
)

func (s Scope) String() string {
	return [...]string{"per client", "per pool", "per surface", "all clients"}[s]
}

// Unit is what a limit counts in.
type Unit int

// Units.
const (
	Count Unit = iota
	Bytes
)

// Limit is one row of [LimitTable]: everything there is to know about a
// limit. The config package turns the rows into flags (--max-objects),
// environment variables (NOFAULT_MAX_OBJECTS), TOML keys ([limits]
// max_objects) and --help; docs/limits.md's tables are generated from them
// (go generate ./config); Display.Stats reports every value and total by
// key; the server and the object families enforce them under the key.
type Limit struct {
	Key      string // TOML key; the flag is --Key and the variable NOFAULT_KEY, "_" as "-" and upper case
	Scope    Scope
	Unit     Unit
	Default  int64
	Min, Max int64  // accepted range
	Counts   string // what it counts (--help, docs)
	Exceeded string // what the client gets when it passes the limit (docs)
	// Resource is what the limit counts in the accounts; -1 for limits the
	// object families check themselves (per pool, per surface).
	Resource Resource
	// Field is the limit's field of Limits.
	Field func(*Limits) *int64
}

// Errors the rows name.
const (
	noMemory      = "`wl_display.error` `no_memory`, naming the limit"
	noMemoryTotal = "the client furthest over its fair share (see Totals above) gets `wl_display.error` `no_memory` naming the limit"
)

// maxInt32 bounds counts; they are compared with protocol ids and sizes.
const maxInt32 = 1<<31 - 1

// LimitTable is every configurable limit, in --help order.
var LimitTable = []Limit{
	{Key: "max_objects", Scope: PerClient, Default: 65536, Min: 16, Max: 0xfeffffff,
		Counts:   "live protocol objects, client- and server-allocated (a wl_callback, wl_data_offer, wl_buffer each count)",
		Exceeded: "the request creating one more gets " + noMemory,
		Resource: Objects, Field: func(l *Limits) *int64 { return &l.MaxObjects }},
	{Key: "max_pools", Scope: PerClient, Default: 1024, Min: 1, Max: maxInt32,
		Counts:   "live wl_shm_pools (one mapping each), until the pool and all its buffers are gone",
		Exceeded: "`wl_shm.create_pool` gets " + noMemory,
		Resource: Pools, Field: func(l *Limits) *int64 { return &l.MaxPools }},
	{Key: "max_mapped_bytes", Scope: PerClient, Unit: Bytes, Default: 4 << 30, Min: 4 << 10, Max: 64 << 40,
		Counts:   "sum of the client's pool sizes, a resize counting its growth",
		Exceeded: "the `wl_shm.create_pool` or `wl_shm_pool.resize` that would pass it gets " + noMemory,
		Resource: MappedBytes, Field: func(l *Limits) *int64 { return &l.MaxMappedBytes }},
	{Key: "max_buffers_per_pool", Scope: PerPool, Default: 4096, Min: 1, Max: maxInt32,
		Counts:   "live wl_buffers made from one pool",
		Exceeded: "`wl_shm_pool.create_buffer` gets " + noMemory,
		Resource: -1, Field: func(l *Limits) *int64 { return &l.MaxBuffersPerPool }},
	{Key: "max_region_rects", Scope: PerClient, Default: 65536, Min: 1, Max: maxInt32,
		Counts:   "rectangles of all the client's wl_regions plus the input and opaque regions its surfaces hold",
		Exceeded: "the `wl_region.add`/`subtract` or `set_input_region`/`set_opaque_region` that would pass it gets " + noMemory,
		Resource: RegionRects, Field: func(l *Limits) *int64 { return &l.MaxRegionRects }},
	{Key: "max_damage_rects", Scope: PerSurface, Default: 32, Min: 1, Max: maxInt32,
		Counts:   "damage rectangles pending on one surface, damage and damage_buffer separately",
		Exceeded: "**no error**: the damage becomes its bounding box (counted in `--stats`)",
		Resource: -1, Field: func(l *Limits) *int64 { return &l.MaxDamageRects }},
	{Key: "max_fds", Scope: PerClient, Default: 1024, Min: 1, Max: maxInt32,
		Counts:   "fds the client sent that nofault holds: queued, not yet taken by a request, or kept open (one per pool)",
		Exceeded: "the read that passes it gets " + noMemory + "; the excess fds are closed at once",
		Resource: HeldFDs, Field: func(l *Limits) *int64 { return &l.MaxFDs }},
	{Key: "max_queued_bytes", Scope: PerClient, Unit: Bytes, Default: 256 << 10, Min: 64 << 10, Max: 1 << 40,
		Counts:   "events queued for a client that does not read its socket",
		Exceeded: "**disconnected without an error event** (it could not be delivered), logged as not reading its socket",
		Resource: QueuedBytes, Field: func(l *Limits) *int64 { return &l.MaxQueuedBytes }},
	{Key: "max_frame_callbacks", Scope: PerClient, Default: 1024, Min: 1, Max: maxInt32,
		Counts:   "wl_surface.frame callbacks not yet done, over all the client's surfaces",
		Exceeded: "`wl_surface.frame` gets " + noMemory,
		Resource: FrameCallbacks, Field: func(l *Limits) *int64 { return &l.MaxFrameCallbacks }},
	{Key: "max_surface_frame_callbacks", Scope: PerSurface, Default: 1024, Min: 1, Max: maxInt32,
		Counts:   "wl_surface.frame callbacks not yet done on one surface",
		Exceeded: "`wl_surface.frame` gets " + noMemory,
		Resource: -1, Field: func(l *Limits) *int64 { return &l.MaxSurfaceFrameCallbacks }},
	{Key: "max_upload_bytes", Scope: PerSurface, Unit: Bytes, Default: 256 << 20, Min: 4 << 10, Max: 64 << 40,
		Counts: "bytes (width x height x 4) of the one buffer a copying renderer (--renderer=gl) copies into a texture; " +
			"the soft renderer draws from the client's buffer and copies nothing",
		Exceeded: "the buffer is refused before any copy: the surface shows nothing and a warning is logged " +
			"(no wl_surface or wl_shm error fits, and a client cannot know a GPU's limits); the client stays connected",
		Resource: -1, Field: func(l *Limits) *int64 { return &l.MaxUploadBytes }},

	{Key: "max_clients", Scope: Total, Default: 1024, Min: 1, Max: maxInt32,
		Counts: "clients connected at once",
		Exceeded: "when full, a connection from a user (peer uid) holding at least two fewer connections than the user " +
			"holding the most replaces that user's longest-idle connection (which gets " + noMemory + "); " +
			"otherwise the new connection gets it and is closed",
		Resource: Clients, Field: func(l *Limits) *int64 { return &l.MaxClients }},
	{Key: "total_objects", Scope: Total, Default: 262144, Min: 16, Max: maxInt32,
		Counts: "live protocol objects of all clients", Exceeded: noMemoryTotal,
		Resource: Objects, Field: func(l *Limits) *int64 { return &l.TotalObjects }},
	{Key: "total_pools", Scope: Total, Default: 16384, Min: 1, Max: maxInt32,
		Counts: "wl_shm_pools of all clients, kept under the kernel's vm.max_map_count", Exceeded: noMemoryTotal,
		Resource: Pools, Field: func(l *Limits) *int64 { return &l.TotalPools }},
	{Key: "total_mapped_bytes", Scope: Total, Unit: Bytes, Default: 32 << 30, Min: 4 << 10, Max: 64 << 40,
		Counts: "pool sizes of all clients", Exceeded: noMemoryTotal,
		Resource: MappedBytes, Field: func(l *Limits) *int64 { return &l.TotalMappedBytes }},
	{Key: "total_region_rects", Scope: Total, Default: 1 << 20, Min: 1, Max: maxInt32,
		Counts: "region rectangles of all clients", Exceeded: noMemoryTotal,
		Resource: RegionRects, Field: func(l *Limits) *int64 { return &l.TotalRegionRects }},
	{Key: "total_fds", Scope: Total, Default: 16384, Min: 1, Max: maxInt32,
		Counts:   "client fds held, one per connection included; lowered at startup to RLIMIT_NOFILE - 512",
		Exceeded: noMemoryTotal + "; a new connection over it is refused as for `max_clients`",
		Resource: HeldFDs, Field: func(l *Limits) *int64 { return &l.TotalFDs }},
	{Key: "total_queued_bytes", Scope: Total, Unit: Bytes, Default: 256 << 20, Min: 64 << 10, Max: 1 << 40,
		Counts:   "unread events of all clients",
		Exceeded: "the client furthest over its fair share of the total is disconnected without an error event",
		Resource: QueuedBytes, Field: func(l *Limits) *int64 { return &l.TotalQueuedBytes }},
}

// LimitByKey returns the row of key, or nil.
func LimitByKey(key string) *Limit {
	for i := range LimitTable {
		if LimitTable[i].Key == key {
			return &LimitTable[i]
		}
	}
	return nil
}

// DefaultLimits returns the limits of [LimitTable], as Limits{} resolves
// them: a fresh copy each call, so no caller can change another's.
func DefaultLimits() Limits { return Limits{}.WithDefaults() }

// WithDefaults returns l with every zero field set to its default.
func (l Limits) WithDefaults() Limits {
	for _, row := range LimitTable {
		if f := row.Field(&l); *f == 0 {
			*f = row.Default
		}
	}
	return l
}

// Get returns the value of the limit named key (0 for an unknown key).
func (l *Limits) Get(key string) int64 {
	if row := LimitByKey(key); row != nil {
		return *row.Field(l)
	}
	return 0
}

// Resource is something a client makes the compositor hold that limits
// count. The object families (shm, shell) charge Pools, MappedBytes,
// RegionRects, HeldFDs and FrameCallbacks with Client.Charge; the server
// counts Objects, QueuedBytes and Clients itself.
type Resource int

const (
	// Pools are live wl_shm pools (each one mapping and one fd).
	Pools Resource = iota
	// MappedBytes is the sum of the client's pool sizes.
	MappedBytes
	// RegionRects are rectangles held by wl_regions and surface regions.
	RegionRects
	// HeldFDs are client fds the compositor keeps open (pool fds). Fds
	// queued and not yet taken by a request are counted on top.
	HeldFDs
	// FrameCallbacks are wl_surface.frame callbacks not yet done.
	FrameCallbacks
	// Objects are live protocol objects (counted by the server).
	Objects
	// QueuedBytes are events queued and not yet read (counted by the
	// server).
	QueuedBytes
	// Clients are connections (counted by the server).
	Clients
	numResources
)

// numCharged: the resources before it are charged with Client.Charge.
const numCharged = Objects

// keys returns the keys of r's per-client and total limits ("" for none).
func (r Resource) keys() (per, total string) {
	for _, row := range LimitTable {
		if row.Resource != r {
			continue
		}
		if row.Scope == Total {
			total = row.Key
		} else if per == "" {
			per = row.Key
		}
	}
	return per, total
}

// String returns the key of r's per-client limit (its total's when it has
// none).
func (r Resource) String() string {
	per, total := r.keys()
	if per == "" {
		return total
	}
	return per
}

// limit returns the per-client and total limits of r (0: none) with
// their keys.
func (l *Limits) limit(r Resource) (per, total int64, perKey, totalKey string) {
	rows := resourceRows[r]
	if row := rows[0]; row != nil {
		per, perKey = *row.Field(l), row.Key
	}
	if row := rows[1]; row != nil {
		total, totalKey = *row.Field(l), row.Key
	}
	return per, total, perKey, totalKey
}

// resourceRows holds, for each resource, the LimitTable rows of its
// per-client and total limits (nil for none), looked up once: limit runs
// on every read of every client (makeFDRoom), where searching the table by
// key cost about 60 string comparisons.
var resourceRows = func() (t [numResources][2]*Limit) {
	for r := range t {
		per, total := Resource(r).keys()
		t[r] = [2]*Limit{LimitByKey(per), LimitByKey(total)}
	}
	return t
}()

// Limits returns the display's limits (defaults filled in).
func (d *Display) Limits() Limits { return d.limits }

// Charge records that c holds n more of r (one of the charged resources).
// When that would pass c's limit, c gets wl_display.error no_memory naming
// the limit and Charge returns false: the caller refuses the request (and
// must not Uncharge). When it would pass the total over all clients,
// clients are ended by makeRoom first; if c is one of them, Charge returns
// false. Display loop only.
func (c *Client) Charge(r Resource, n int64) bool {
	c.d.assertLocked()
	if c.dead || c.err != nil || r >= numCharged {
		return false
	}
	if r == HeldFDs {
		c.syncQueuedFDs() // the total counts queued fds too
	}
	per, total, perKey, totalKey := c.d.limits.limit(r)
	if per > 0 && c.Held(r)+n > per {
		c.OverLimit(perKey, per)
		return false
	}
	if !c.d.makeRoom(r, n, total, totalKey, c) {
		return false
	}
	c.held[r] += n
	c.d.total[r] += n
	if r == RegionRects && c.held[r] > c.peakRects {
		c.peakRects = c.held[r]
	}
	return true
}

// makeRoom ends clients while the total of r plus n would pass limit
// (named key), choosing each by [Display.victim]. It reports false when
// asking (nil for none) was ended, or nobody could be.
func (d *Display) makeRoom(r Resource, n, limit int64, key string, asking *Client) bool {
	d.assertLocked()
	if limit <= 0 {
		return true
	}
	for d.totalOf(r)+n > limit {
		v := d.victim(r, limit)
		if v == nil {
			if asking != nil {
				asking.OverLimit(key, limit)
			}
			return false
		}
		if r == QueuedBytes {
			// A client that does not read cannot be told.
			slog.Warn("clients' unread events over the total; disconnecting",
				"client", v.id, "pid", v.PID, "limit", key, "value", limit, "queued", v.Held(r))
			d.stats.limitHit(key)
			d.stats.clientStalled()
			v.abusive = true
			v.reason = fmt.Sprintf("%s (%d) exceeded; queue %d bytes", key, limit, v.Held(r))
		} else {
			v.OverLimit(key, limit)
		}
		if v == asking {
			return false
		}
		d.destroyClient(v)
	}
	return true
}

// victim chooses whom to end when the total of r is over limit: the
// client furthest above its fair share, not the largest holder. Shares
// are split level by level: limit equally among the users connected (peer
// uid), a user's share equally among its processes (peer pid), a
// process's among its connections. At each level the group furthest above
// its share is taken (ties: the larger holding, then the newer), so a
// thousand connections of one process or user count as one party and an
// honest client of another is not chosen for being the largest. nil when
// no client holds any of r.
func (d *Display) victim(r Resource, limit int64) *Client {
	cs := make([]*Client, 0, len(d.clients))
	for c := range d.clients {
		if !c.dead && c.err == nil && c.Held(r) > 0 {
			cs = append(cs, c)
		}
	}
	share := limit // what each group at the current level may fairly hold
	for _, key := range []func(*Client) int64{
		func(c *Client) int64 { return int64(c.UID) },
		func(c *Client) int64 {
			if c.PID <= 0 {
				return -int64(c.id) // unknown: a process of its own
			}
			return int64(c.PID)
		},
		func(c *Client) int64 { return int64(c.id) },
	} {
		if len(cs) == 0 {
			return nil
		}
		type group struct {
			held, newest int64
			cs           []*Client
		}
		groups := make(map[int64]*group)
		for _, c := range cs {
			k := key(c)
			g := groups[k]
			if g == nil {
				g = &group{}
				groups[k] = g
			}
			g.held += c.Held(r)
			g.newest = max(g.newest, int64(c.id))
			g.cs = append(g.cs, c)
		}
		// Every group at a level has the same share, so the one furthest
		// above it is the one holding the most.
		share /= int64(len(groups))
		var best *group
		for _, g := range groups {
			if best == nil || g.held > best.held || (g.held == best.held && g.newest > best.newest) {
				best = g
			}
		}
		cs = best.cs
	}
	return cs[0]
}

// Uncharge records that c holds n less of r. It is a no-op once the
// client's teardown has released its accounts.
func (c *Client) Uncharge(r Resource, n int64) {
	c.d.assertLocked()
	if c.released || r >= numCharged {
		return
	}
	c.held[r] -= n
	c.d.total[r] -= n
}

// Held returns how much of r the client holds.
func (c *Client) Held(r Resource) int64 {
	c.d.assertLocked()
	switch r {
	case HeldFDs:
		return c.held[r] + int64(c.fds.Len())
	case Objects:
		return int64(c.objects.Len())
	case QueuedBytes:
		if c.w == nil {
			return 0
		}
		return c.w.queued.Load()
	case Clients:
		return 1
	}
	return c.held[r]
}

// Total returns how much of r all clients hold (display loop only).
func (d *Display) Total(r Resource) int64 {
	d.assertLocked()
	return d.totalOf(r)
}

func (d *Display) totalOf(r Resource) int64 {
	switch r {
	case HeldFDs:
		return d.total[r] + d.queuedFDs + int64(len(d.clients))
	case Objects:
		return int64(d.totalObjects)
	case QueuedBytes:
		var sum int64
		for c := range d.clients {
			if !c.dead {
				sum += c.Held(QueuedBytes)
			}
		}
		return sum
	case Clients:
		return int64(len(d.clients))
	}
	return d.total[r]
}

// admit applies max_clients and total_fds to a new connection from uid
// (display loop only). When max_clients are connected, the connection
// still gets in if its user holds at least two fewer connections than the
// user holding the most: that user's longest-idle connection (the one
// whose last request is oldest) is ended with max_clients' error to make
// room. So one user's idle connections cannot lock every other user out,
// and one user alone can still use every slot. Otherwise the connection
// gets wl_display.error no_memory naming the limit and is closed.
func (d *Display) admit(conn *net.UnixConn, uid int) bool {
	d.assertLocked()
	if lim := d.limits.MaxClients; lim > 0 && int64(len(d.clients)) >= lim {
		v := d.longestIdleOfTopUser(uid)
		if v == nil {
			d.refuse(conn, "max_clients", lim)
			return false
		}
		slog.Warn("max_clients reached; ending the longest-idle connection of the user holding the most",
			"client", v.id, "pid", v.PID, "uid", v.UID, "new_uid", uid)
		v.OverLimit("max_clients", lim)
		d.destroyClient(v)
	}
	if lim := d.limits.TotalFDs; lim > 0 && d.totalOf(HeldFDs)+1 > lim {
		d.refuse(conn, "total_fds", lim)
		return false
	}
	return true
}

// longestIdleOfTopUser returns the longest-idle connection of the user
// holding the most connections, if uid holds at least two fewer (so the
// swap makes the shares more even), else nil.
func (d *Display) longestIdleOfTopUser(uid int) *Client {
	count := make(map[int]int)
	top, most := 0, 0
	for c := range d.clients {
		if c.dead {
			continue
		}
		count[c.UID]++
		if n := count[c.UID]; n > most {
			top, most = c.UID, n
		}
	}
	if count[uid]+2 > most {
		return nil
	}
	var idle *Client
	for c := range d.clients {
		if c.dead || c.UID != top {
			continue
		}
		if idle == nil || c.lastActive < idle.lastActive || (c.lastActive == idle.lastActive && c.id < idle.id) {
			idle = c
		}
	}
	return idle
}

// refuse answers a connection that is not admitted with wl_display.error
// no_memory naming the limit, and closes it.
func (d *Display) refuse(conn *net.UnixConn, key string, lim int64) {
	slog.Warn("refusing client", "limit", key, "value", lim)
	d.stats.limitHit(key)
	d.stats.ClientsRefused++
	// The socket buffer of a new connection is empty: this small write
	// cannot block.
	var e protocol.Encoder
	protocol.SendWlDisplayError(&e, protocol.DisplayID, protocol.DisplayID, protocol.ErrorNoMemory, fmt.Sprintf("%s (%d) exceeded", key, lim))
	b, _ := e.Take()
	conn.Write(b)
	conn.Close()
}

// OverLimit ends c because it passed the limit named key (a TOML key of
// docs/limits.md) of value: wl_display.error no_memory with the message
// "key (value) exceeded", a warning naming the limit, and a count in the
// stats. The client is disconnected once the error is flushed.
func (c *Client) OverLimit(key string, value int64) {
	c.d.assertLocked()
	if c.dead || c.err != nil {
		return
	}
	slog.Warn("client over a limit; disconnecting", "client", c.id, "pid", c.PID, "limit", key, "value", value)
	c.abusive = true
	c.d.stats.limitHit(key)
	c.PostError(&protocol.Error{Object: protocol.DisplayID, Code: protocol.ErrorNoMemory,
		Message: fmt.Sprintf("%s (%d) exceeded", key, value)})
}

// NoteLimit counts an event of the limit named key that is not an error
// (damage coalesced into its bounding box), for the stats.
func (d *Display) NoteLimit(key string) {
	d.assertLocked()
	d.stats.limitHit(key)
}

// syncQueuedFDs keeps the display's count of queued fds in step with c's
// queue.
func (c *Client) syncQueuedFDs() {
	n := int64(c.fds.Len())
	c.d.queuedFDs += n - c.queuedFDs
	c.queuedFDs = n
}

// checkFDs runs when a batch brought fds: the client's own limit first,
// then the total.
func (c *Client) checkFDs() {
	c.syncQueuedFDs()
	d := c.d
	per, total, perKey, totalKey := d.limits.limit(HeldFDs)
	if per > 0 && c.Held(HeldFDs) > per {
		c.OverLimit(perKey, per)
		return
	}
	d.makeRoom(HeldFDs, 0, total, totalKey, c)
}

// objectInserted counts an object c created.
func (c *Client) objectInserted() {
	c.d.totalObjects++
	if n := c.objects.Len(); n > c.peakObjects {
		c.peakObjects = n
	}
}

// objectAdded and objectRemoved keep the total of live objects.
func (d *Display) objectAdded()   { d.totalObjects++ }
func (d *Display) objectRemoved() { d.totalObjects-- }

// TotalObjects returns the live objects of all clients.
func (d *Display) TotalObjects() int {
	d.assertLocked()
	return d.totalObjects
}

// checkNewObject applies max_objects and total_objects before c creates
// an object. It returns false after posting the error when c may not.
func (c *Client) checkNewObject() bool {
	per, total, perKey, totalKey := c.d.limits.limit(Objects)
	if per > 0 && c.Held(Objects) >= per {
		c.OverLimit(perKey, per)
		return false
	}
	return c.d.makeRoom(Objects, 1, total, totalKey, c)
}

// checkQueued applies total_queued_bytes after c's events were queued (q
// bytes in its queue): while all clients' unread events pass it, the
// client furthest over its fair share is disconnected without an error
// (it is not reading). Only clients with a sizeable queue trigger the
// scan.
func (c *Client) checkQueued(q int64) {
	if q < 64<<10 {
		return
	}
	_, total, _, totalKey := c.d.limits.limit(QueuedBytes)
	c.d.makeRoom(QueuedBytes, 0, total, totalKey, nil)
}

// releaseAccounts drops what a destroyed client still held from the
// totals (its objects' destroy handlers have run by then).
func (c *Client) releaseAccounts() {
	d := c.d
	for r := range numCharged {
		d.total[r] -= c.held[r]
		c.held[r] = 0
	}
	c.fds.CloseAll()
	c.syncQueuedFDs()
	c.released = true
	d.maybeFreeMemory(c)
}

// FreeMemoryAfter is the size of the teardowns (peak objects plus region
// rectangles of the clients gone, plus clientWeight per client and a unit
// per requestWeight requests they sent) past
// which the display gives freed memory back to the OS with
// debug.FreeOSMemory, rather than leaving it to the Go scavenger, which
// returns it over minutes. Measured in docs/limits.md.
const FreeMemoryAfter = 20000

// clientWeight stands for a client's fixed cost (goroutine stacks, read
// and write buffers) in FreeMemoryAfter's units.
const clientWeight = 64

// requestWeight: requests handled, by their churn of the heap, count one
// unit per requestWeight.
const requestWeight = 16

// freeMemoryDelay lets a burst of teardowns (a thousand clients leaving)
// finish before the one forced GC.
const freeMemoryDelay = 300 * time.Millisecond

// freeMemoryQuiet: once teardowns stop for this long, whatever debt is
// left (at least FreeMemoryAfter/20) is paid too, so memory also comes
// back after the last of many small clients left.
const freeMemoryQuiet = time.Second

func (d *Display) maybeFreeMemory(c *Client) {
	d.freeDebt += c.peakObjects + int(c.peakRects) + clientWeight + c.requests/requestWeight
	if c.abusive {
		// Ended by a limit: whatever it made the compositor hold is
		// garbage now.
		d.freeDebt += FreeMemoryAfter
	}
	if d.freeDebt >= FreeMemoryAfter && !d.freePending {
		d.freePending = true
		time.AfterFunc(freeMemoryDelay, func() { d.Do(d.freeOSMemory) })
	}
	if d.freeQuiet == nil {
		d.freeQuiet = time.AfterFunc(freeMemoryQuiet, func() {
			d.Do(func() {
				if d.freeDebt >= FreeMemoryAfter/20 && !d.freePending {
					d.freeOSMemory()
				}
			})
		})
	} else {
		d.freeQuiet.Reset(freeMemoryQuiet)
	}
}

func (d *Display) freeOSMemory() {
	d.freePending = false
	d.freeDebt = 0
	d.stats.MemoryReturns++
	n := d.stats.MemoryReturns
	// A client destroyed is garbage only once its finish has ended: until
	// then that goroutine, and maybe its reader and sender, hold their
	// stacks, the client, its objects and buffers. finish waits for the
	// writer (up to finalFlushTimeout), the reader and its own log line,
	// which blocks while whoever reads our stderr does not (a loaded
	// machine): a GC run before then keeps all of it, and the debt that
	// paid for it is spent, so no later return gives it back. So the
	// return first waits for the teardowns under way when it was decided.
	leaving := d.leavingNow()
	// Off the loop: a full GC of a large heap takes milliseconds. The log
	// line marks the moment the memory of every client whose teardown had
	// begun when the return was decided is back (tests wait for it).
	returnMemory := d.returnMemory
	go func() {
		for _, end := range leaving {
			<-end
		}
		returnMemory()
		slog.Info("memory returned to the OS", "returns", n)
	}()
}
