package capture

import (
	"errors"
	"fmt"
	"image"

	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/server"
	"github.com/nofault/nofault/shm"
	"golang.org/x/sys/unix"
)

// Version is the zwlr_screencopy_manager_v1 version advertised.
const Version = 3

// MaxPending is how many copies one client may have waiting for the next
// output frame. Further copies fail at once (failed may come any time
// before ready), so that no client can make one output frame write
// gigabytes: 16 4K copies are 530 MB of memmove already.
const MaxPending = 16

// Format is the only buffer format offered (and accepted): XRGB8888, whose
// little-endian bytes B,G,R,X are what Renderer.ReadPixels produces.
const Format = shm.FormatXRGB8888

// Source is what capture needs from the compositor: its output and a way to
// read the last rendered frame back. All methods run on the display loop.
type Source interface {
	// ReadPixels copies rectangle rect (output coordinates) of the last
	// rendered frame into dst as ARGB8888 little-endian rows (bytes B,G,R,A,
	// alpha 255) with the given stride, as render.Renderer.ReadPixels does.
	// dst is always Go-owned memory, never a client mapping.
	ReadPixels(rect image.Rectangle, dst []byte, stride int) error
	// OutputSize is the output's current size in pixels.
	OutputSize() (w, h int)
	// OutputObject reports whether o, a wl_output object of client c, is
	// this output.
	OutputObject(c *server.Client, o *protocol.Object) bool
}

// SourceFuncs adapts three functions to Source, e.g.
//
//	capture.SourceFuncs{
//		Read:     renderer.ReadPixels,
//		Size:     out.Size,
//		IsOutput: func(_ *server.Client, o *protocol.Object) bool { return output.FromResource(o) == out },
//	}
type SourceFuncs struct {
	Read     func(rect image.Rectangle, dst []byte, stride int) error
	Size     func() (w, h int)
	IsOutput func(c *server.Client, o *protocol.Object) bool
}

// ReadPixels calls Read.
func (s SourceFuncs) ReadPixels(rect image.Rectangle, dst []byte, stride int) error {
	return s.Read(rect, dst, stride)
}

// OutputSize calls Size.
func (s SourceFuncs) OutputSize() (w, h int) { return s.Size() }

// OutputObject calls IsOutput.
func (s SourceFuncs) OutputObject(c *server.Client, o *protocol.Object) bool {
	return s.IsOutput(c, o)
}

// Stats counts what capture did, for --stats.
type Stats struct {
	Frames     uint64 `json:"frames"`      // frame objects created
	Copies     uint64 `json:"copies"`      // copy requests accepted
	Ready      uint64 `json:"ready"`       // frames copied (ready sent)
	Failed     uint64 `json:"failed"`      // failed events sent
	Faults     uint64 `json:"faults"`      // guarded writes that faulted
	MidCopy    uint64 `json:"mid_copy"`    // ... more than a page into the buffer: the file shrank during the copy
	BufferGone uint64 `json:"buffer_gone"` // wl_buffer destroyed between copy and ready
	Cancelled  uint64 `json:"cancelled"`   // frames destroyed with a copy pending
	Throttled  uint64 `json:"throttled"`   // copies failed because the client had MaxPending waiting
	Errors     uint64 `json:"errors"`      // protocol errors posted
	Bytes      uint64 `json:"bytes"`       // bytes written into client buffers
	Pending    int    `json:"pending"`     // copies waiting for the next frame now
}

// Manager is the zwlr_screencopy_manager_v1 global. Its methods must be
// called on the display loop.
type Manager struct {
	d      *server.Display
	src    Source
	global *server.Global

	binds   map[*managerObj]struct{} // live manager objects, for damage
	frames  map[*frame]struct{}      // live frame objects
	pending []*frame                 // copies waiting for Frame, in request order
	queued  map[*server.Client]int   // len(pending) per client

	// The readback buffer, reused: pix[:h*w*4] holds rect pixRect of the
	// frame being served, pixValid says whether it is the current frame's.
	pix      []byte
	pixRect  image.Rectangle
	pixValid bool

	// Arguments of the guarded copy; write is bound once so that serving a
	// frame allocates nothing.
	wOff  int64
	wSrc  []byte
	write func([]byte) error

	stats Stats
}

// Register advertises zwlr_screencopy_manager_v1 version 3 on d, capturing
// the output described by src. The compositor must call Frame after every
// output frame.
func Register(d *server.Display, src Source) *Manager {
	m := newManager(src)
	m.d = d
	m.global = d.AddGlobal(&protocol.ZwlrScreencopyManagerV1Interface, Version, m.bind)
	return m
}

func newManager(src Source) *Manager {
	m := &Manager{
		src:    src,
		binds:  map[*managerObj]struct{}{},
		frames: map[*frame]struct{}{},
		queued: map[*server.Client]int{},
	}
	m.write = m.copyInto
	return m
}

// Global returns the manager's global.
func (m *Manager) Global() *server.Global { return m.global }

// Stats returns a copy of the counters.
func (m *Manager) Stats() Stats {
	s := m.stats
	s.Pending = len(m.pending)
	return s
}

// Frame tells capture that the output produced a frame: the renderer's last
// output is now the picture to capture, and damage (output coordinates) is
// what changed since the previous call; nil or empty means nothing changed.
// It serves every pending copy, and every copy_with_damage whose region
// the damage accumulated since its manager's last copy touches.
func (m *Manager) Frame(damage []image.Rectangle) { m.frame(damage, false, false) }

// Waiting reports whether a copy waits whose frame was created with
// overlay_cursor set (cursor) or not (!cursor).
func (m *Manager) Waiting(cursor bool) bool {
	for _, f := range m.pending {
		if f.cursor == cursor {
			return true
		}
	}
	return false
}

// FrameCursor is Frame serving only the copies whose frame asked for the
// cursor (cursor) or not (!cursor); the others keep waiting. A compositor
// that draws the cursor into its output renders without it, calls
// FrameCursor(damage, false), renders with it and calls
// FrameCursor(nil, true).
func (m *Manager) FrameCursor(damage []image.Rectangle, cursor bool) { m.frame(damage, true, cursor) }

func (m *Manager) frame(damage []image.Rectangle, filter, cursor bool) {
	var box image.Rectangle
	for _, r := range damage {
		box = box.Union(r.Canon())
	}
	for b := range m.binds {
		b.damage = b.damage.Union(box)
	}
	for f := range m.frames {
		// Frames outlive their manager object; keep tracking for them.
		if f.mgr.destroyed {
			f.mgr.damage = f.mgr.damage.Union(box)
		}
	}
	if len(m.pending) == 0 {
		return
	}
	m.pixValid = false
	keep := m.pending[:0]
	var served []*managerObj
	for _, f := range m.pending {
		if filter && f.cursor != cursor || f.withDamage && f.mgr.damage.Intersect(f.box).Empty() {
			keep = append(keep, f)
			continue
		}
		f.pending = false
		m.unqueue(f.c)
		m.serve(f)
		served = append(served, f.mgr)
	}
	clear(m.pending[len(keep):])
	m.pending = keep
	for _, b := range served {
		b.damage = image.Rectangle{}
	}
}

// unqueue counts one pending copy of c as gone.
func (m *Manager) unqueue(c *server.Client) {
	if n := m.queued[c] - 1; n > 0 {
		m.queued[c] = n
	} else {
		delete(m.queued, c)
	}
}

// serve copies the current frame into f's buffer and sends ready, or sends
// failed.
func (m *Manager) serve(f *frame) {
	if f.c.Failed() {
		return // an error was posted: the client is going
	}
	if f.buf.Destroyed() {
		m.stats.BufferGone++
		f.fail()
		return
	}
	b := shm.BufferFromObject(f.buf)
	ow, oh := m.src.OutputSize()
	if !f.box.In(image.Rect(0, 0, ow, oh)) {
		// The output shrank since the buffer event.
		f.fail()
		return
	}
	off := b.Offset()
	err := m.copyOut(b.Pool(), off, f.box)
	switch {
	case err == nil:
		m.stats.Ready++
		f.ready()
	case errors.Is(err, shm.ErrFault):
		m.stats.Faults++
		var fe *shm.FaultError
		if errors.As(err, &fe) && fe.Offset >= off+4096 {
			m.stats.MidCopy++
		}
		f.fail()
		if b.Pool().Options().Shrink == shm.ShrinkKill {
			m.stats.Errors++
			f.c.PostErrorf(f.buf, shm.InvalidFD, "error accessing SHM buffer")
		}
	default:
		// A read-only or closed pool, or a renderer that cannot read back.
		f.fail()
	}
}

// copyOut is the write path: read rect back into Go memory (once per frame
// for any number of captures of the same rect), then one guarded copy into
// the pool at off. The pixels are rows of rect.Dx()*4 bytes, the stride the
// buffer event offered and Copy insisted on. It allocates nothing once the
// readback buffer is large enough.
func (m *Manager) copyOut(p *shm.Pool, off int64, rect image.Rectangle) error {
	stride := rect.Dx() * 4
	n := stride * rect.Dy()
	if !m.pixValid || m.pixRect != rect {
		if cap(m.pix) < n {
			m.pix = make([]byte, n)
		}
		m.pix = m.pix[:n]
		m.pixValid = false
		if err := m.src.ReadPixels(rect, m.pix, stride); err != nil {
			return fmt.Errorf("capture: read back %v: %w", rect, err)
		}
		m.pixRect, m.pixValid = rect, true
	}
	m.wOff, m.wSrc = off, m.pix[:n]
	err := p.Write(m.write)
	m.wSrc = nil
	if err == nil {
		m.stats.Bytes += uint64(n)
	}
	return err
}

// copyInto is the function run under the guard of Pool.Write: dst is the
// whole writable pool mapping, valid only during the call.
func (m *Manager) copyInto(dst []byte) error {
	end := m.wOff + int64(len(m.wSrc))
	if m.wOff < 0 || end > int64(len(dst)) {
		return fmt.Errorf("%w: capture of %d bytes at %d, pool mapping has %d", shm.ErrGeometry, len(m.wSrc), m.wOff, len(dst))
	}
	copy(dst[m.wOff:end], m.wSrc)
	return nil
}

// monotonic is the timestamp of ready: CLOCK_MONOTONIC, the clock of
// wp_presentation and of wlroots' screencopy.
func monotonic() (hi, lo, nsec uint32) {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	sec := uint64(ts.Sec)
	return uint32(sec >> 32), uint32(sec), uint32(ts.Nsec)
}
