package server

import (
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/nofault/nofault/protocol"
)

// Resource is something a client makes the compositor hold that the
// object families (shm, shell) count with Client.Charge. Objects, queued
// fds and queued bytes are counted by the server itself.
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
	numResources
)

var resourceKeys = [numResources][2]string{
	Pools:          {"max_pools", "total_pools"},
	MappedBytes:    {"max_mapped_bytes", "total_mapped_bytes"},
	RegionRects:    {"max_region_rects", "total_region_rects"},
	HeldFDs:        {"max_fds", "total_fds"},
	FrameCallbacks: {"max_frame_callbacks", ""},
}

// String returns the per-client limit's key.
func (r Resource) String() string { return resourceKeys[r][0] }

// limit returns the per-client and total limits of r (0: none).
func (l *Limits) limit(r Resource) (per, total int64) {
	switch r {
	case Pools:
		return int64(l.MaxPools), int64(l.TotalPools)
	case MappedBytes:
		return l.MaxMappedBytes, l.TotalMappedBytes
	case RegionRects:
		return int64(l.MaxRegionRects), int64(l.TotalRegionRects)
	case HeldFDs:
		return int64(l.MaxFDs), int64(l.TotalFDs)
	case FrameCallbacks:
		return int64(l.MaxFrameCallbacks), 0
	}
	return 0, 0
}

// Limits returns the display's limits.
func (d *Display) Limits() Limits { return d.limits }

// Charge records that c holds n more of r. When that would pass c's limit,
// c gets wl_display.error no_memory naming the limit and Charge returns
// false: the caller refuses the request (and must not Uncharge). When it
// would pass the total over all clients, the client holding the most of r
// is disconnected the same way first; if that is c, Charge returns false.
// Display loop only.
func (c *Client) Charge(r Resource, n int64) bool {
	if c.dead || c.err != nil {
		return false
	}
	d := c.d
	per, total := d.limits.limit(r)
	held := c.held[r] + n
	if r == HeldFDs {
		c.syncQueuedFDs()
		held += int64(c.fds.Len())
	}
	if per > 0 && held > per {
		c.OverLimit(resourceKeys[r][0], per)
		return false
	}
	if total > 0 {
		for d.totalOf(r)+n > total {
			top := d.topHolder(r)
			if top == nil {
				break
			}
			top.OverLimit(resourceKeys[r][1], total)
			if top == c {
				return false
			}
			d.destroyClient(top)
		}
	}
	c.held[r] += n
	d.total[r] += n
	if r == RegionRects && c.held[r] > c.peakRects {
		c.peakRects = c.held[r]
	}
	return true
}

// Uncharge records that c holds n less of r. It is a no-op once the
// client's teardown has released its accounts.
func (c *Client) Uncharge(r Resource, n int64) {
	if c.released {
		return
	}
	c.held[r] -= n
	c.d.total[r] -= n
}

// Held returns how much of r the client holds.
func (c *Client) Held(r Resource) int64 {
	if r == HeldFDs {
		return c.held[r] + int64(c.fds.Len())
	}
	return c.held[r]
}

// Total returns how much of r all clients hold (display loop only).
func (d *Display) Total(r Resource) int64 { return d.totalOf(r) }

func (d *Display) totalOf(r Resource) int64 {
	if r == HeldFDs {
		return d.total[r] + d.queuedFDs + int64(len(d.clients))
	}
	return d.total[r]
}

// topHolder returns the client holding the most of r, or nil.
func (d *Display) topHolder(r Resource) *Client {
	var top *Client
	var most int64
	for c := range d.clients {
		if c.dead || c.err != nil {
			continue
		}
		if h := c.Held(r); h > most {
			top, most = c, h
		}
	}
	return top
}

// OverLimit ends c because it passed the limit named key (a TOML key of
// docs/limits.md) of value: wl_display.error no_memory with the message
// "key (value) exceeded", a warning naming the limit, and a count in the
// stats. The client is disconnected once the error is flushed.
func (c *Client) OverLimit(key string, value int64) {
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
func (d *Display) NoteLimit(key string) { d.stats.limitHit(key) }

// syncQueuedFDs keeps the display's count of queued fds in step with c's
// queue.
func (c *Client) syncQueuedFDs() {
	n := int64(c.fds.Len())
	c.d.queuedFDs += n - c.queuedFDs
	c.queuedFDs = n
}

// checkFDs runs when a batch brought fds: the client's own limit first,
// then the total (the client holding the most fds goes).
func (c *Client) checkFDs() {
	c.syncQueuedFDs()
	d := c.d
	if lim := d.limits.MaxFDs; lim > 0 && c.Held(HeldFDs) > int64(lim) {
		c.OverLimit("max_fds", int64(lim))
		return
	}
	if lim := int64(d.limits.TotalFDs); lim > 0 {
		for d.totalOf(HeldFDs) > lim {
			top := d.topHolder(HeldFDs)
			if top == nil {
				break
			}
			top.OverLimit("total_fds", lim)
			if top == c {
				return
			}
			d.destroyClient(top)
		}
	}
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
func (d *Display) TotalObjects() int { return d.totalObjects }

// checkNewObject applies max_objects and total_objects before c creates
// an object. It returns false after posting the error when c may not.
func (c *Client) checkNewObject() bool {
	d := c.d
	if lim := d.limits.MaxObjects; lim > 0 && c.objects.Len() >= lim {
		c.OverLimit("max_objects", int64(lim))
		return false
	}
	if lim := d.limits.TotalObjects; lim > 0 {
		for d.totalObjects >= lim {
			var top *Client
			most := 0
			for x := range d.clients {
				if !x.dead && x.err == nil && x.objects.Len() > most {
					top, most = x, x.objects.Len()
				}
			}
			if top == nil {
				break
			}
			top.OverLimit("total_objects", int64(lim))
			if top == c {
				return false
			}
			d.destroyClient(top)
		}
	}
	return true
}

// checkQueued applies total_queued_bytes after c's events were queued:
// while all clients' unread events pass it, the client with the longest
// queue is disconnected without an error (it is not reading). Only
// clients with a sizeable queue trigger the scan.
func (c *Client) checkQueued(q int64) {
	d := c.d
	lim := d.limits.TotalQueuedBytes
	if lim <= 0 || q < 64<<10 {
		return
	}
	for {
		var sum, most int64
		var top *Client
		for x := range d.clients {
			if x.dead {
				continue
			}
			n := x.w.queued.Load()
			sum += n
			if n > most {
				top, most = x, n
			}
		}
		if sum <= lim || top == nil {
			return
		}
		slog.Warn("clients' unread events over the total; disconnecting the longest queue",
			"client", top.id, "pid", top.PID, "limit", "total_queued_bytes", "value", lim, "queued", most)
		d.stats.limitHit("total_queued_bytes")
		d.stats.clientStalled()
		top.abusive = true
		top.reason = fmt.Sprintf("total_queued_bytes (%d) exceeded; longest queue (%d bytes)", lim, most)
		d.destroyClient(top)
	}
}

// releaseAccounts drops what a destroyed client still held from the
// totals (its objects' destroy handlers have run by then).
func (c *Client) releaseAccounts() {
	d := c.d
	for r := range numResources {
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
	// Off the loop: a full GC of a large heap takes milliseconds.
	go debug.FreeOSMemory()
}
