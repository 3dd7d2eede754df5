package misbehave

// Abuse scenarios (issue 8): floods of cheap requests that make a
// compositor hold memory, objects or fds, a client that never reads, and a
// thousand clients at once. Each is bounded by a count and abuseTime, so a
// compositor without limits survives them in seconds; nofault's answers
// are in docs/limits.md.

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// abuseTime bounds each flood of this file.
const abuseTime = 8 * time.Second

// Opcodes used only here.
const (
	opCompositorCreateRegion = 1
	opRegionAdd              = 1

	opDDMCreateDataSource = 0
	opDDMGetDataDevice    = 1
	opDataSourceOffer     = 0
	opDataDeviceSetSel    = 1
	opDataOfferReceive    = 1
	evDataDeviceDataOffer = 0
	evDataOfferOffer      = 0
	evDataDeviceSelection = 5
)

// Flood sizes.
const (
	regionFloodAdds = 2000000
	regionFloodMany = 64 // regions of region-flood-many
	// regionFloodFloor is how many adds are sent before the time bound may
	// end a region flood: more than max_region_rects (65,536), so a
	// compositor with that limit always meets it, however slowly a loaded
	// machine runs the flood.
	regionFloodFloor  = 131072
	damageFloodRects  = 100000
	damageFloodCommit = 10
	objectFloodCount  = 70000
	fdFloodReceives   = 10000
	mimeFloodTypes    = 50000
	frameFloodCount   = 100000
	neverReadsSyncs   = 50000
	thousandClients   = 1000
)

const (
	noteNoLimit   = "no limit on this resource: the flood is accepted and the memory grows (weston 10: 19 MB to 660 MB for resource-thief region)"
	noteCoalesce  = "past 4,096 rectangles a region becomes its bounding box, so one region stays small; a rectangle inside it is a no-op"
	noteMimeFlood = "every type is stored and announced in one burst, which overflows libwayland's buffer for the focused client: the victim of someone else's selection is disconnected"
	noteNeverRead = "the client's queue of unread events passes the server's bound; the error could not be delivered"
)

// abuseScenarios are the floods of issue 8, in report order.
func abuseScenarios() []*Scenario {
	return []*Scenario{
		{
			Name:    "region-flood",
			Summary: "2,000,000 wl_region.add of 1x1 rectangles on one region, none adjacent (wleird resource-thief region)",
			Doc: "A checkerboard of 1x1 rectangles defeats merging; pixman's region code stores every one and each add is " +
				"linear in the region. Bounded at 2,000,000 adds or 8 s; the compositor's memory during the flood is what " +
				"issue 8 measured (weston 10 to 660 MB, sway 1.7 to 1.08 GB, neither gave it back).",
			LibWayland: survives(noteNoLimit),
			WlrShm:     survives(noteNoLimit),
			Nofault:    survives(noteCoalesce),
			run:        regionFlood(1),
		},
		{
			Name:    "region-flood-many",
			Summary: "as region-flood, spread over 64 regions",
			Doc: "Round-robin over 64 regions, so coalescing one region is not enough: the rectangles of all the client's " +
				"regions count against max_region_rects (65,536). Bounded at 2,000,000 adds or 8 s, but never fewer than " +
				"131,072 adds, so the limit is reached however loaded the machine is.",
			LibWayland: survives(noteNoLimit),
			WlrShm:     survives(noteNoLimit),
			Nofault:    killedBy("wl_display", codeNoMemory, "max_region_rects (65,536 per client) exceeded"),
			run:        regionFlood(regionFloodMany),
		},
		{
			Name:    "damage-flood",
			Summary: "10 commits of a mapped window, each with 100,000 wl_surface.damage_buffer 1x1 rectangles",
			Doc: "Damage is a hint: nofault keeps at most max_damage_rects (32) per list and then their bounding box. " +
				"Bounded at 8 s.",
			LibWayland: survives("damage is accumulated in a pixman region"),
			WlrShm:     survives("damage is accumulated in a pixman region"),
			Nofault:    survives("past max_damage_rects (32) the damage becomes its bounding box"),
			run:        damageFlood,
		},
		{
			Name:    "object-id-exhaustion",
			Summary: "70,000 wl_compositor.create_region without destroying any",
			Doc: "Every request makes one more live object. libwayland has no per-client object limit (ids run to " +
				"0xfeffffff); nofault's max_objects is 65,536.",
			LibWayland: survives(noteNoLimit),
			WlrShm:     survives(noteNoLimit),
			Nofault:    killedBy("wl_display", codeNoMemory, "max_objects (65,536 per client) exceeded"),
			run:        objectFlood,
		},
		{
			Name:    "fd-flood-data-device",
			Summary: "10,000 wl_data_offer.receive, each with an fd, on a selection a second connection offers and never reads (wleird copy-fu recv-flood)",
			Doc: "The offender maps a window (for keyboard focus), a second connection sets a text/plain selection and never " +
				"reads its socket, and the offender asks for the data 10,000 times. Each fd is forwarded to the source " +
				"client. nofault forwards a burst of 256 then 64 per second and closes the rest (the reader sees end of " +
				"file); a compositor that forwards them all holds them in the source's unread queue. Needs a wl_seat with a " +
				"keyboard focus (weston headless has no seat: skipped there). Where the compositor offers " +
				"zwp_virtual_keyboard_manager_v1 (sway, cage, phoc), a virtual keyboard gives the windows focus and the " +
				"source sets the selection with its own keyboard-enter serial, as wlroots requires.",
			LibWayland: survives("every fd is forwarded; the source's unread queue grows until libwayland drops that client"),
			WlrShm:     survives("every fd is forwarded; the source's unread queue grows until libwayland drops that client"),
			Nofault:    survives("receives past the budget (256, then 64/s) have their fd closed at once"),
			run:        fdFloodDataDevice,
		},
		{
			Name:    "selection-mime-flood",
			Summary: "a selection whose source offers 50,000 mime types, sent to the focused window",
			Doc: "A second connection creates a wl_data_source, offers 50,000 distinct mime types (text/x-misbehave-00000, " +
				"...) and sets the selection; the offender's window has the keyboard focus, so the compositor announces the " +
				"offer to it: one wl_data_offer.offer event per type, in one burst. The offender reads everything. " +
				"nofault keeps the first 128 types of a source (datadevice.MaxMimeTypes). Needs keyboard focus, as " +
				"fd-flood-data-device (virtual keyboard on wlroots; weston headless has no seat). The detail says how many " +
				"types were announced.",
			LibWayland: Want{Result: DisconnectedNoError, Note: noteMimeFlood},
			WlrShm:     Want{Result: DisconnectedNoError, Note: noteMimeFlood},
			Nofault:    survives("the first 128 mime types are kept and announced, the rest ignored"),
			run:        selectionMimeFlood,
		},
		{
			Name:    "frame-callback-flood",
			Summary: "100,000 wl_surface.frame on one surface without a commit, never reading events",
			Doc: "Callbacks wait for a commit that never comes, so each is a live object and state in the compositor. " +
				"nofault's max_frame_callbacks is 1,024 per client.",
			LibWayland: survives(noteNoLimit),
			WlrShm:     survives(noteNoLimit),
			Nofault:    killedBy("wl_display", codeNoMemory, "max_frame_callbacks (1,024 per client) exceeded"),
			run:        frameCallbackFlood,
		},
		{
			Name:    "never-reads",
			Summary: "50,000 wl_display.sync without reading a single event",
			Doc: "Each sync queues wl_callback.done and wl_display.delete_id (24 bytes). libwayland drops the client once " +
				"its 4 KiB buffer and the socket are full; nofault once max_queued_bytes (256 KiB) are queued. Neither can " +
				"deliver an error.",
			LibWayland: Want{Result: DisconnectedNoError, Note: noteNeverRead},
			WlrShm:     Want{Result: DisconnectedNoError, Note: noteNeverRead},
			Nofault:    Want{Result: DisconnectedNoError, Note: noteNeverRead + " (max_queued_bytes)"},
			run:        neverReads,
		},
		{
			Name:    "thousand-clients",
			Summary: "1,000 connections at once, each with a registry and a roundtrip, then all disconnect",
			Doc: "Each connection costs the compositor an fd, buffers and (nofault) two goroutines. nofault's max_clients " +
				"(1,024) leaves room for them and the bystander.",
			LibWayland: survives("no client limit below the fd limit"),
			WlrShm:     survives("no client limit below the fd limit"),
			Nofault:    survives("under max_clients (1,024) and total_fds"),
			run:        thousandClientsRun,
		},
	}
}

// floodErr is the outcome of a flood loop: the connection's end if it
// ended, else nil.
func (c *client) floodErr() error { return c.err }

// regionFlood adds non-adjacent 1x1 rectangles round-robin to n regions.
func regionFlood(n int) func(*env) error {
	return func(e *env) error {
		c, err := e.offender(true)
		if err != nil {
			return err
		}
		defer c.close()
		regions := make([]uint32, n)
		for i := range regions {
			regions[i] = c.newObject("wl_region")
			c.send(c.compositor, opCompositorCreateRegion, regions[i])
		}
		stop := time.Now().Add(abuseTime)
		for i := 0; i < regionFloodAdds && c.err == nil; i++ {
			if i%4096 == 0 && i >= regionFloodFloor && time.Now().After(stop) {
				break
			}
			k := i / n
			x, y := int32(k%2048)*2, int32(k/2048)*2
			c.send(regions[i%n], opRegionAdd, x, y, int32(1), int32(1))
		}
		if err := c.floodErr(); err != nil {
			return err
		}
		return c.roundtrip(floodWait(e))
	}
}

// damageFlood maps a 64x64 window and commits it damageFloodCommit times,
// each with damageFloodRects 1x1 damage rectangles.
func damageFlood(e *env) error {
	c, err := e.offender(true)
	if err != nil {
		return err
	}
	defer c.close()
	const w, stride = 64, 64 * 4
	return withMemfd(stride*w, func(fd int) error {
		pool := c.createPool(fd, stride*w)
		buf := c.createBuffer(pool, 0, w, w, stride, formatXRGB8888)
		win, err := c.mapWindow("misbehave damage flood", e.timeout)
		if err != nil {
			return err
		}
		stop := time.Now().Add(abuseTime)
		for k := 0; k < damageFloodCommit && time.Now().Before(stop); k++ {
			c.send(win.surface, opSurfaceAttach, buf, int32(0), int32(0))
			for i := 0; i < damageFloodRects && c.err == nil; i++ {
				x, y := int32(i%32)*2, int32(i/32%32)*2
				if c.compositorVersion >= 4 {
					c.send(win.surface, opSurfaceDamageBuffer, x, y, int32(1), int32(1))
				} else {
					c.send(win.surface, opSurfaceDamage, x, y, int32(1), int32(1))
				}
			}
			c.send(win.surface, opSurfaceCommit)
			if err := c.roundtrip(floodWait(e)); err != nil {
				return err
			}
		}
		return c.roundtrip(floodWait(e))
	})
}

// objectFlood creates objectFloodCount regions.
func objectFlood(e *env) error {
	c, err := e.offender(true)
	if err != nil {
		return err
	}
	defer c.close()
	stop := time.Now().Add(abuseTime)
	for i := 0; i < objectFloodCount && c.err == nil; i++ {
		if i%4096 == 0 && time.Now().After(stop) {
			break
		}
		c.send(c.compositor, opCompositorCreateRegion, c.newObject("wl_region"))
	}
	if err := c.floodErr(); err != nil {
		return err
	}
	return c.roundtrip(floodWait(e))
}

// frameCallbackFlood asks for frameCallbackFlood callbacks on one surface
// and never commits or reads until the end.
func frameCallbackFlood(e *env) error {
	c, err := e.offender(true)
	if err != nil {
		return err
	}
	defer c.close()
	surface := c.newObject("wl_surface")
	c.send(c.compositor, opCompositorCreateSurface, surface)
	stop := time.Now().Add(abuseTime)
	for i := 0; i < frameFloodCount && c.err == nil; i++ {
		if i%4096 == 0 && time.Now().After(stop) {
			break
		}
		c.send(surface, opSurfaceFrame, c.newObject("wl_callback"))
	}
	if err := c.floodErr(); err != nil {
		return err
	}
	return c.roundtrip(floodWait(e))
}

// neverReads sends neverReadsSyncs syncs, then reads: the events queued
// before the compositor gave up, then the end of the connection.
func neverReads(e *env) error {
	c, err := e.offender(false)
	if err != nil {
		return err
	}
	defer c.close()
	for i := 0; i < neverReadsSyncs && c.err == nil; i++ {
		c.send(1, opDisplaySync, c.newObject("wl_callback"))
	}
	if err := c.w.Flush(); err != nil {
		return c.fail(err)
	}
	// Give the compositor time to process the burst before reading.
	time.Sleep(time.Second)
	return c.roundtrip(floodWait(e))
}

// thousandClientsRun opens thousandClients connections concurrently; each
// gets the registry and roundtrips. They all stay connected until every
// one has its answer, then all close.
func thousandClientsRun(e *env) error {
	conns := make([]*client, thousandClients)
	errs := make([]error, thousandClients)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w, err := dial(e.socket)
			if err != nil {
				errs[i] = err
				return
			}
			c := &client{w: w, ifaces: map[uint32]string{1: "wl_display"}, done: map[uint32]bool{},
				configured: map[uint32]uint32{}, released: map[uint32]int{}}
			conns[i] = c
			c.registry = c.newObject("wl_registry")
			c.send(1, opDisplayGetRegistry, c.registry)
			errs[i] = c.roundtrip(floodWait(e))
		}()
	}
	wg.Wait()
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.close()
			}
		}
	}()
	failed := 0
	var first error
	for _, err := range errs {
		if err != nil {
			failed++
			if first == nil {
				first = err
			}
		}
	}
	if failed > 0 {
		var pe *ProtocolError
		if errors.As(first, &pe) {
			return pe
		}
		return fmt.Errorf("%d of %d connections failed; first: %w", failed, thousandClients, first)
	}
	return nil
}

// withSelection gives the offender (c, which must have a surface) the
// selection of a second connection that offers mimes and then never
// reads, and calls body with the offer and how many mime types the
// compositor announced on it. Without a seat or a data device manager, or
// when no offer arrives, it skips.
func withSelection(e *env, mimes []string, body func(c *client, offer uint32, announced int) error) error {
	c, err := e.offender(true)
	if err != nil {
		return err
	}
	defer c.close()
	seat, _ := c.bind("wl_seat", 1)
	ddm, _ := c.bind("wl_data_device_manager", 3)
	if seat == 0 || ddm == 0 {
		return skipf("the compositor offers no wl_seat or wl_data_device_manager")
	}
	dev := c.newObject("wl_data_device")
	c.send(ddm, opDDMGetDataDevice, dev, seat)

	// On wlroots, a virtual keyboard gives windows the focus, and the
	// source needs a serial of its own: it maps a window first and sets
	// the selection with its keyboard-enter serial; the offender's window
	// comes next and takes the focus, and with it the selection.
	kb, err := virtualKeyboard(e)
	if err != nil {
		return skipf("%v", err)
	}
	if kb != nil {
		defer kb.close()
	}

	// The source: a second connection that sets the selection and then
	// never reads.
	src, err := connect(e.socket, e.timeout)
	if err != nil {
		return err
	}
	defer src.close()
	sseat, _ := src.bind("wl_seat", 1)
	sddm, _ := src.bind("wl_data_device_manager", 3)
	setSelection := func(serial uint32) error {
		sdev := src.newObject("wl_data_device")
		src.send(sddm, opDDMGetDataDevice, sdev, sseat)
		source := src.newObject("wl_data_source")
		src.send(sddm, opDDMCreateDataSource, source)
		for _, m := range mimes {
			src.send(source, opDataSourceOffer, m)
		}
		src.send(sdev, opDataDeviceSetSel, source, serial)
		if err := src.roundtrip(e.timeout); err != nil {
			return fmt.Errorf("source: %w", err)
		}
		return nil
	}
	if kb != nil {
		serial, err := focusedWindow(src, sseat, "misbehave clipboard source", e.timeout)
		if err != nil {
			return err
		}
		if err := setSelection(serial); err != nil {
			return err
		}
	}

	// The selection's offer, whenever it comes, and the mime types
	// announced on each offer.
	var offer uint32
	announced := map[uint32]int{}
	c.intercept = func(ev event) bool {
		switch {
		case ev.Object == dev && ev.Opcode == evDataDeviceDataOffer:
			id := ev.Reader().Uint()
			c.ifaces[id] = "wl_data_offer"
			announced[id] = 0
		case ev.Object == dev && ev.Opcode == evDataDeviceSelection:
			if id := ev.Reader().Uint(); id != 0 {
				offer = id
			}
		case c.ifaces[ev.Object] == "wl_data_offer" && ev.Opcode == evDataOfferOffer:
			announced[ev.Object]++
		default:
			return false
		}
		return true
	}

	// A window with content, so that the offender gets the keyboard focus
	// and with it the selection.
	const w, stride = 32, 32 * 4
	var serial uint32
	err = withMemfd(stride*w, func(fd int) error {
		pool := c.createPool(fd, stride*w)
		buf := c.createBuffer(pool, 0, w, w, stride, formatXRGB8888)
		win, err := c.mapWindow("misbehave fd flood", e.timeout)
		if err != nil {
			return err
		}
		cb, err := c.present(win, buf, w, w)
		if err != nil {
			return err
		}
		err = c.settleFor(300*time.Millisecond, win, buf, w, w, cb, e.timeout)
		serial = win.acked
		return err
	})
	if err != nil {
		return err
	}
	if kb == nil {
		// A recent serial (the offender's last configure), so that no
		// earlier selection counts as newer.
		if err := setSelection(serial); err != nil {
			return err
		}
	}

	// Wait for the offer the selection brings (it may have come while the
	// window was mapped: the intercept has recorded it).
	if err := c.waitFor(func() bool { return offer != 0 }, e.timeout); errors.Is(err, errTimeout) {
		return skipf("no selection offer arrived within %v (no keyboard focus?)", e.timeout)
	} else if err != nil {
		return err
	}
	if err := c.roundtrip(floodWait(e)); err != nil { // every offer event is in
		return err
	}
	c.intercept = nil
	return body(c, offer, announced[offer])
}

// fdFloodDataDevice: see the scenario's Doc.
func fdFloodDataDevice(e *env) error {
	return withSelection(e, []string{"text/plain"}, func(c *client, offer uint32, _ int) error {
		var p [2]int
		if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
			return skipf("pipe: %v", err)
		}
		defer unix.Close(p[0])
		defer unix.Close(p[1])
		stop := time.Now().Add(abuseTime)
		for i := 0; i < fdFloodReceives && c.err == nil; i++ {
			if i%256 == 0 && time.Now().After(stop) {
				break
			}
			c.send(offer, opDataOfferReceive, "text/plain", FD(p[1]))
			if i%1000 == 999 {
				if err := c.roundtrip(floodWait(e)); err != nil {
					return err
				}
			}
		}
		if err := c.floodErr(); err != nil {
			return err
		}
		return c.roundtrip(floodWait(e))
	})
}

// selectionMimeFlood: see the scenario's Doc.
func selectionMimeFlood(e *env) error {
	mimes := make([]string, mimeFloodTypes)
	for i := range mimes {
		mimes[i] = fmt.Sprintf("text/x-misbehave-%05d", i)
	}
	return withSelection(e, mimes, func(c *client, offer uint32, announced int) error {
		return notef("%d of %d mime types announced", announced, len(mimes))
	})
}
