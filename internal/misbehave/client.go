package misbehave

import (
	"errors"
	"fmt"
	"time"
)

// Request opcodes and event opcodes used by the scenarios, from wayland.xml
// and xdg-shell.xml.
const (
	opDisplaySync        = 0
	opDisplayGetRegistry = 1
	evDisplayError       = 0
	evDisplayDeleteID    = 1

	opRegistryBind = 0
	evRegistryGlob = 0

	evCallbackDone = 0

	opCompositorCreateSurface = 0

	opShmCreatePool = 0
	evShmFormat     = 0

	opPoolCreateBuffer = 0
	opPoolDestroy      = 1
	opPoolResize       = 2

	opBufferDestroy = 0
	evBufferRelease = 0

	opSurfaceDestroy      = 0
	opSurfaceAttach       = 1
	opSurfaceDamage       = 2
	opSurfaceFrame        = 3
	opSurfaceCommit       = 6
	opSurfaceDamageBuffer = 9

	opWmBaseGetXdgSurface = 2
	opWmBasePong          = 3
	evWmBasePing          = 0

	opXdgSurfaceGetToplevel  = 1
	opXdgSurfaceAckConfigure = 4
	evXdgSurfaceConfigure    = 0

	opToplevelSetTitle = 2
)

// wl_shm formats.
const (
	formatARGB8888 = 0
	formatXRGB8888 = 1
)

// Global is one entry of the compositor's registry.
type Global struct {
	Name      uint32
	Interface string
	Version   uint32
}

// client is a connection plus the bookkeeping every scenario needs: the
// interface of each object it created (to name the target of an error),
// registry globals, and automatic answers to ping and configure.
type client struct {
	w        *wireConn
	ifaces   map[uint32]string
	globals  []Global
	registry uint32

	compositor, compositorVersion uint32
	shm, wmBase                   uint32
	formats                       []uint32

	done       map[uint32]bool   // wl_callback ids that fired
	configured map[uint32]uint32 // xdg_surface id -> last configure serial
	released   map[uint32]int    // wl_buffer id -> release count

	// intercept, when set, sees each event first; returning true means it
	// consumed the event (the capture scenarios record frame events).
	intercept func(ev event) bool

	err error // sticky: the connection's end
}

// connect dials path, reads the registry and binds wl_compositor (v4 at
// most), wl_shm (v1) and xdg_wm_base (v1) when they exist.
func connect(path string, timeout time.Duration) (*client, error) {
	w, err := dial(path)
	if err != nil {
		return nil, err
	}
	c := &client{
		w:          w,
		ifaces:     map[uint32]string{1: "wl_display"},
		done:       map[uint32]bool{},
		configured: map[uint32]uint32{},
		released:   map[uint32]int{},
	}
	c.registry = c.newObject("wl_registry")
	if err := c.send(1, opDisplayGetRegistry, c.registry); err != nil {
		c.close()
		return nil, err
	}
	if err := c.roundtrip(timeout); err != nil {
		c.close()
		return nil, err
	}
	c.compositor, c.compositorVersion = c.bind("wl_compositor", 4)
	c.shm, _ = c.bind("wl_shm", 1)
	c.wmBase, _ = c.bind("xdg_wm_base", 1)
	if err := c.roundtrip(timeout); err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

func (c *client) close() { c.w.Close() }

// newObject allocates an id for an object of the given interface.
func (c *client) newObject(iface string) uint32 {
	id := c.w.NewID()
	c.ifaces[id] = iface
	return id
}

// bind binds the first global named iface at min(advertised, max) and
// returns its id and version, or zeros when the global is missing.
func (c *client) bind(iface string, max uint32) (uint32, uint32) {
	for _, g := range c.globals {
		if g.Interface != iface {
			continue
		}
		v := min(g.Version, max)
		id := c.newObject(iface)
		if c.send(c.registry, opRegistryBind, g.Name, NewIDArg{Interface: iface, Version: v, ID: id}) != nil {
			return 0, 0
		}
		return id, v
	}
	return 0, 0
}

// send queues a request unless the connection already ended.
func (c *client) send(obj uint32, op uint16, args ...any) error {
	if c.err != nil {
		return c.err
	}
	if err := c.w.Send(obj, op, args...); err != nil {
		return c.fail(err)
	}
	return nil
}

// fail records the end of the connection. A write error may hide a
// wl_display.error the compositor sent before closing, so it reads what is
// left first.
func (c *client) fail(err error) error {
	if c.err != nil {
		return c.err
	}
	if !errors.Is(err, errTimeout) && !isProtocolError(err) {
		deadline := time.Now().Add(500 * time.Millisecond)
		for {
			ev, rerr := c.w.ReadEvent(deadline)
			if rerr != nil {
				break
			}
			if perr := c.handle(ev); perr != nil {
				if !isProtocolError(perr) && isConnEnd(perr) {
					continue // a reply the closed connection refused: read on
				}
				err = perr
				break
			}
		}
		if isConnEnd(err) {
			err = ErrDisconnected
		}
	}
	if !errors.Is(err, errTimeout) {
		c.err = err
	}
	return err
}

func isProtocolError(err error) bool {
	var pe *ProtocolError
	return errors.As(err, &pe)
}

// dispatch reads and handles one event. It returns errTimeout at deadline.
func (c *client) dispatch(deadline time.Time) error {
	if c.err != nil {
		return c.err
	}
	ev, err := c.w.ReadEvent(deadline)
	if err != nil {
		return c.fail(err)
	}
	if c.intercept != nil && c.intercept(ev) {
		return nil
	}
	if err := c.handle(ev); err != nil {
		if !isProtocolError(err) {
			return c.fail(err) // a reply (pong) the closed connection refused
		}
		c.err = err
		return err
	}
	return nil
}

// handle updates the client's state for one event. A wl_display.error
// comes back as a *ProtocolError.
func (c *client) handle(ev event) error {
	r := ev.Reader()
	iface := c.ifaces[ev.Object]
	switch {
	case ev.Object == 1 && ev.Opcode == evDisplayError:
		obj := r.Uint()
		code := r.Uint()
		msg := r.String()
		name := c.ifaces[obj]
		if name == "" {
			name = "unknown"
		}
		return &ProtocolError{ObjectID: obj, Interface: name, Code: code, Message: msg}
	case ev.Object == 1 && ev.Opcode == evDisplayDeleteID:
		// Keep the interface name: an error may still name the id.
	case ev.Object == c.registry && ev.Opcode == evRegistryGlob:
		g := Global{Name: r.Uint(), Interface: r.String(), Version: r.Uint()}
		if r.Err() == nil {
			c.globals = append(c.globals, g)
		}
	case iface == "wl_callback" && ev.Opcode == evCallbackDone:
		c.done[ev.Object] = true
	case iface == "wl_shm" && ev.Opcode == evShmFormat:
		c.formats = append(c.formats, r.Uint())
	case iface == "wl_buffer" && ev.Opcode == evBufferRelease:
		c.released[ev.Object]++
	case iface == "xdg_wm_base" && ev.Opcode == evWmBasePing:
		return c.w.Send(ev.Object, opWmBasePong, r.Uint())
	case iface == "xdg_surface" && ev.Opcode == evXdgSurfaceConfigure:
		c.configured[ev.Object] = r.Uint()
	}
	return nil
}

// waitFor dispatches events until cond holds, the connection ends or the
// timeout passes (errTimeout).
func (c *client) waitFor(cond func() bool, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if err := c.dispatch(deadline); err != nil {
			return err
		}
	}
	return nil
}

// roundtrip sends wl_display.sync and waits for its callback.
func (c *client) roundtrip(timeout time.Duration) error {
	cb := c.newObject("wl_callback")
	if err := c.send(1, opDisplaySync, cb); err != nil {
		return err
	}
	err := c.waitFor(func() bool { return c.done[cb] }, timeout)
	if errors.Is(err, errTimeout) {
		return fmt.Errorf("no answer to wl_display.sync within %v: %w", timeout, errTimeout)
	}
	return err
}

// need reports a skip when a global the scenario uses is missing.
func (c *client) need(shm, surface bool) error {
	if shm && c.shm == 0 {
		return skipf("the compositor offers no wl_shm")
	}
	if surface && (c.compositor == 0 || c.wmBase == 0) {
		return skipf("the compositor offers no wl_compositor or xdg_wm_base")
	}
	return nil
}

// window is a mapped xdg_toplevel.
type window struct {
	surface, xdgSurface, toplevel uint32
	acked                         uint32 // last configure serial acked
}

// mapWindow creates a toplevel, commits without a buffer, and acks the
// first configure, so that the next commit with a buffer maps it.
func (c *client) mapWindow(title string, timeout time.Duration) (*window, error) {
	win := &window{surface: c.newObject("wl_surface")}
	c.send(c.compositor, opCompositorCreateSurface, win.surface)
	win.xdgSurface = c.newObject("xdg_surface")
	c.send(c.wmBase, opWmBaseGetXdgSurface, win.xdgSurface, win.surface)
	win.toplevel = c.newObject("xdg_toplevel")
	c.send(win.xdgSurface, opXdgSurfaceGetToplevel, win.toplevel)
	c.send(win.toplevel, opToplevelSetTitle, title)
	if err := c.send(win.surface, opSurfaceCommit); err != nil {
		return nil, err
	}
	err := c.waitFor(func() bool { _, ok := c.configured[win.xdgSurface]; return ok }, timeout)
	if errors.Is(err, errTimeout) {
		return nil, fmt.Errorf("no xdg_surface.configure within %v", timeout)
	}
	if err != nil {
		return nil, err
	}
	win.acked = c.configured[win.xdgSurface]
	return win, c.send(win.xdgSurface, opXdgSurfaceAckConfigure, win.acked)
}

// damageAll damages a w x h buffer, in buffer coordinates when the
// compositor supports wl_surface v4.
func (c *client) damageAll(win *window, w, h int32) error {
	if c.compositorVersion >= 4 {
		return c.send(win.surface, opSurfaceDamageBuffer, int32(0), int32(0), w, h)
	}
	return c.send(win.surface, opSurfaceDamage, int32(0), int32(0), w, h)
}

// present attaches buffer, damages it whole, asks for a frame callback and
// commits. It returns the callback id.
func (c *client) present(win *window, buffer uint32, w, h int32) (uint32, error) {
	c.send(win.surface, opSurfaceAttach, buffer, int32(0), int32(0))
	c.damageAll(win, w, h)
	cb, err := c.commitWithFrame(win)
	if err != nil {
		return 0, err
	}
	if err := c.w.Flush(); err != nil {
		return 0, c.fail(err)
	}
	return cb, nil
}

// commitWithFrame asks for a frame callback and commits; it returns the
// callback's id.
func (c *client) commitWithFrame(win *window) (uint32, error) {
	cb := c.newObject("wl_callback")
	c.send(win.surface, opSurfaceFrame, cb)
	return cb, c.send(win.surface, opSurfaceCommit)
}

// settle behaves like a live client until the compositor has surely used
// what was committed: it acks every new configure and, on every frame
// callback, commits again (re-attaching buf when it is not 0). It returns
// after three frame callbacks and at least settleMin, or after
// min(timeout, settleMax) when frame callbacks stop (compositors do not
// draw surfaces that are off every output, or that have no buffer), then
// roundtrips. cb is the callback of the commit already sent, or 0.
func (c *client) settle(win *window, buf uint32, w, h int32, cb uint32, timeout time.Duration) error {
	return c.settleFor(settleMin, win, buf, w, h, cb, timeout)
}

// settleMin is long enough for sway 1.7, which draws a new toplevel only
// after a configure transaction (up to 200 ms) and a few frames.
const settleMin, settleMax = time.Second, 3 * time.Second

// settleFor is settle with a chosen minimum duration.
func (c *client) settleFor(atLeast time.Duration, win *window, buf uint32, w, h int32, cb uint32, timeout time.Duration) error {
	start := time.Now()
	end := start.Add(min(timeout, settleMax))
	frames := 0
	for time.Now().Before(end) && (frames < 3 || time.Since(start) < atLeast) {
		err := c.dispatch(time.Now().Add(20 * time.Millisecond))
		if err != nil && !errors.Is(err, errTimeout) {
			return err
		}
		again := false
		if serial, ok := c.configured[win.xdgSurface]; ok && serial != win.acked {
			win.acked = serial
			c.send(win.xdgSurface, opXdgSurfaceAckConfigure, serial)
			again = true
		}
		if cb != 0 && c.done[cb] {
			frames++
			again = true
		}
		if again {
			if buf != 0 {
				c.send(win.surface, opSurfaceAttach, buf, int32(0), int32(0))
				c.damageAll(win, w, h)
			}
			if cb, err = c.commitWithFrame(win); err != nil {
				return err
			}
		}
	}
	return c.roundtrip(timeout)
}

// skipError explains why a scenario could not run here.
type skipError struct{ reason string }

func (e *skipError) Error() string { return e.reason }

func skipf(format string, args ...any) error {
	return &skipError{fmt.Sprintf(format, args...)}
}

// showAndSettle maps a window titled title, commits buf (w x h) into it and
// keeps the client alive as settle does: the common ending of the drawing
// scenarios.
func (c *client) showAndSettle(title string, buf uint32, w, h int32, timeout time.Duration) error {
	win, err := c.mapWindow(title, timeout)
	if err != nil {
		return err
	}
	cb, err := c.present(win, buf, w, h)
	if err != nil {
		return err
	}
	return c.settle(win, buf, w, h, cb, timeout)
}

// shrinkAndShow is the shape of the shrink scenarios: once the compositor
// has mapped the pool (a roundtrip), truncate its file to size to, then
// show buf and keep the client alive (showAndSettle). A failing truncate
// is a skip, not a result.
func (c *client) shrinkAndShow(fd int, to int64, title string, buf uint32, w, h int32, timeout time.Duration) error {
	if err := c.roundtrip(timeout); err != nil {
		return err
	}
	if err := truncate(fd, to); err != nil {
		return skipf("%v", err)
	}
	return c.showAndSettle(title, buf, w, h, timeout)
}
