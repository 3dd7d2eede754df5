package capture

import (
	"image"
	"slices"

	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/server"
	"github.com/nofault/nofault/shm"
)

// everything is the damage of a manager that has not copied yet: its first
// copy_with_damage is served at once (on the next frame), as in wlroots.
var everything = image.Rect(-1<<30, -1<<30, 1<<30, 1<<30)

// managerObj is one bound zwlr_screencopy_manager_v1.
type managerObj struct {
	m         *Manager
	c         *server.Client
	obj       *protocol.Object
	damage    image.Rectangle // bounding box of the damage since this manager's last copy
	destroyed bool
}

func (m *Manager) bind(c *server.Client, id protocol.ObjectID, version uint32) {
	b := &managerObj{m: m, c: c, damage: everything}
	b.obj = c.NewObject(id, &protocol.ZwlrScreencopyManagerV1Interface, version, b)
	if b.obj == nil {
		return
	}
	m.binds[b] = struct{}{}
}

// Destroy handles zwlr_screencopy_manager_v1.destroy. Its frames stay valid.
func (b *managerObj) Destroy() error { return nil }

// OnDestroy forgets the manager object.
func (b *managerObj) OnDestroy() {
	b.destroyed = true
	delete(b.m.binds, b)
}

// CaptureOutput handles zwlr_screencopy_manager_v1.capture_output.
func (b *managerObj) CaptureOutput(id protocol.ObjectID, overlayCursor int32, output *protocol.Object) error {
	w, h := b.m.src.OutputSize()
	b.newFrame(id, output, image.Rect(0, 0, w, h), overlayCursor != 0)
	return nil
}

// CaptureOutputRegion handles zwlr_screencopy_manager_v1.capture_output_region.
// The region, in output logical coordinates (the output has scale 1 and
// no transform, so also buffer coordinates), is clipped to the output; an
// empty result fails the frame. All arithmetic is done in int (64 bits), so
// no int32 argument can overflow.
func (b *managerObj) CaptureOutputRegion(id protocol.ObjectID, overlayCursor int32, output *protocol.Object, x, y, width, height int32) error {
	w, h := b.m.src.OutputSize()
	r := image.Rectangle{}
	if width > 0 && height > 0 {
		r = image.Rect(int(x), int(y), int(x)+int(width), int(y)+int(height)).Intersect(image.Rect(0, 0, w, h))
	}
	b.newFrame(id, output, r, overlayCursor != 0)
	return nil
}

func (b *managerObj) newFrame(id protocol.ObjectID, output *protocol.Object, box image.Rectangle, cursor bool) {
	m := b.m
	f := &frame{m: m, mgr: b, c: b.c, box: box, cursor: cursor}
	f.obj = b.c.NewObject(id, &protocol.ZwlrScreencopyFrameV1Interface, b.obj.Version, f)
	if f.obj == nil {
		return
	}
	m.frames[f] = struct{}{}
	m.stats.Frames++
	if !m.src.OutputObject(b.c, output) || box.Empty() {
		// Not our output (or a stale one), or nothing to capture: the
		// frame is inert, as in wlroots.
		f.inert = true
		f.fail()
		return
	}
	e := b.c.Events()
	protocol.SendZwlrScreencopyFrameV1Buffer(e, f.obj.ID, protocol.WlShmFormat(Format), uint32(box.Dx()), uint32(box.Dy()), uint32(f.stride()))
	if f.obj.Version >= protocol.ZwlrScreencopyFrameV1EventBufferDoneSince {
		protocol.SendZwlrScreencopyFrameV1BufferDone(e, f.obj.ID)
	}
}

// frame is one zwlr_screencopy_frame_v1.
type frame struct {
	m   *Manager
	mgr *managerObj
	c   *server.Client
	obj *protocol.Object
	box image.Rectangle // the captured rectangle, output coordinates
	// cursor: overlay_cursor was set; the compositor serves the frame
	// from an output with the cursor drawn (Manager.FrameCursor).
	cursor bool

	inert      bool             // failed before any copy: requests are ignored
	used       bool             // a copy was requested
	withDamage bool             // ... by copy_with_damage
	pending    bool             // in Manager.pending
	done       bool             // ready or failed was sent
	buf        *protocol.Object // the wl_buffer of the copy
}

func (f *frame) stride() int { return f.box.Dx() * 4 }

// Copy handles zwlr_screencopy_frame_v1.copy.
func (f *frame) Copy(buffer *protocol.Object) error { return f.copy(buffer, false) }

// CopyWithDamage handles zwlr_screencopy_frame_v1.copy_with_damage (v2).
func (f *frame) CopyWithDamage(buffer *protocol.Object) error { return f.copy(buffer, true) }

// copy validates the buffer in wlroots' order (type, size, already used,
// format, stride) and queues the copy for the next output frame.
func (f *frame) copy(buffer *protocol.Object, withDamage bool) error {
	if f.inert {
		return nil
	}
	b := shm.BufferFromObject(buffer)
	if b == nil {
		return f.invalid(protocol.ZwlrScreencopyFrameV1ErrorInvalidBuffer, "wl_buffer@%d is not a wl_shm buffer", buffer.ID)
	}
	w, h := b.Size()
	if w != f.box.Dx() || h != f.box.Dy() {
		return f.invalid(protocol.ZwlrScreencopyFrameV1ErrorInvalidBuffer,
			"invalid buffer dimensions %dx%d, the frame is %dx%d", w, h, f.box.Dx(), f.box.Dy())
	}
	if f.used {
		return f.invalid(protocol.ZwlrScreencopyFrameV1ErrorAlreadyUsed, "frame already used")
	}
	if b.Format() != Format {
		return f.invalid(protocol.ZwlrScreencopyFrameV1ErrorInvalidBuffer,
			"invalid buffer format 0x%x, the frame offered 0x%x (xrgb8888)", uint32(b.Format()), uint32(Format))
	}
	if b.Stride() != f.stride() {
		return f.invalid(protocol.ZwlrScreencopyFrameV1ErrorInvalidBuffer,
			"invalid buffer stride %d, the frame offered %d", b.Stride(), f.stride())
	}
	f.used, f.withDamage, f.buf = true, withDamage, buffer
	f.m.stats.Copies++
	if f.m.queued[f.c] >= MaxPending {
		f.m.stats.Throttled++
		f.fail()
		return nil
	}
	f.pending = true
	f.m.pending = append(f.m.pending, f)
	f.m.queued[f.c]++
	return nil
}

func (f *frame) invalid(code protocol.ZwlrScreencopyFrameV1Error, format string, args ...any) error {
	f.m.stats.Errors++
	return protocol.Errorf(f.obj, code, format, args...)
}

// Destroy handles zwlr_screencopy_frame_v1.destroy.
func (f *frame) Destroy() error { return nil }

// OnDestroy cancels a pending copy: the frame is dropped from the queue and
// nothing is written.
func (f *frame) OnDestroy() {
	delete(f.m.frames, f)
	if !f.pending {
		return
	}
	f.pending = false
	f.m.stats.Cancelled++
	f.m.unqueue(f.c)
	if i := slices.Index(f.m.pending, f); i >= 0 {
		f.m.pending = slices.Delete(f.m.pending, i, i+1)
	}
}

// fail sends failed once.
func (f *frame) fail() {
	if f.done || f.obj.Destroyed() || f.c.Failed() {
		return
	}
	f.done = true
	f.m.stats.Failed++
	protocol.SendZwlrScreencopyFrameV1Failed(f.c.Events(), f.obj.ID)
}

// ready sends flags, the damage (copy_with_damage on v2+) and ready.
func (f *frame) ready() {
	if f.done || f.obj.Destroyed() || f.c.Failed() {
		return
	}
	f.done = true
	e := f.c.Events()
	protocol.SendZwlrScreencopyFrameV1Flags(e, f.obj.ID, 0)
	if f.withDamage && f.obj.Version >= protocol.ZwlrScreencopyFrameV1EventDamageSince {
		d := f.mgr.damage.Intersect(f.box).Sub(f.box.Min)
		if !d.Empty() {
			protocol.SendZwlrScreencopyFrameV1Damage(e, f.obj.ID, uint32(d.Min.X), uint32(d.Min.Y), uint32(d.Dx()), uint32(d.Dy()))
		}
	}
	hi, lo, ns := monotonic()
	protocol.SendZwlrScreencopyFrameV1Ready(e, f.obj.ID, hi, lo, ns)
}
