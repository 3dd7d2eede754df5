package capture

import (
	"errors"
	"image"
	"slices"
	"testing"

	"github.com/nofault/nofault/internal/rawclient"
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/shm"
	"golang.org/x/sys/unix"
)

const (
	evBuffer     = protocol.ZwlrScreencopyFrameV1EventBuffer
	evFlags      = protocol.ZwlrScreencopyFrameV1EventFlags
	evReady      = protocol.ZwlrScreencopyFrameV1EventReady
	evFailed     = protocol.ZwlrScreencopyFrameV1EventFailed
	evDamage     = protocol.ZwlrScreencopyFrameV1EventDamage
	evBufferDone = protocol.ZwlrScreencopyFrameV1EventBufferDone

	opCopy           = protocol.ZwlrScreencopyFrameV1RequestCopy
	opFrameDestroy   = protocol.ZwlrScreencopyFrameV1RequestDestroy
	opCopyWithDamage = protocol.ZwlrScreencopyFrameV1RequestCopyWithDamage
	opBufferDestroy  = protocol.WlBufferRequestDestroy

	errAlreadyUsed   = protocol.ZwlrScreencopyFrameV1ErrorAlreadyUsed
	errInvalidBuffer = protocol.ZwlrScreencopyFrameV1ErrorInvalidBuffer
)

// bufferEvent returns the frame's buffer event arguments.
func bufferEvent(t *testing.T, c *client, frame uint32) (format, w, h, stride uint32) {
	t.Helper()
	ev, ok := c.event(frame, evBuffer)
	if !ok {
		t.Fatalf("no buffer event on frame %d (events %v)", frame, c.events(frame))
	}
	return ev.Uint(0), ev.Uint(1), ev.Uint(2), ev.Uint(3)
}

func TestCopyOutput(t *testing.T) {
	e := newEnv(t, 64, 48, shm.Options{})
	base := readCounters()
	c := e.connect(3)
	f := c.capture(c.output, nil)
	c.roundtrip()
	format, w, h, stride := bufferEvent(t, c, f)
	if format != uint32(shm.FormatXRGB8888) || w != 64 || h != 48 || stride != 256 {
		t.Fatalf("buffer event = format %#x %dx%d stride %d, want xrgb8888 64x48 stride 256", format, w, h, stride)
	}
	if got := c.events(f); !slices.Equal(got, []uint16{evBuffer, evBufferDone}) {
		t.Fatalf("events after capture_output = %v, want buffer, buffer_done", got)
	}
	b := c.goodBuffer(64, 48)
	c.send(f, opCopy, b.id)
	c.roundtrip()
	if got := c.events(f); len(got) != 2 {
		t.Fatalf("events before the output frame: %v", got)
	}
	e.frame()
	c.roundtrip()
	if got := c.events(f); !slices.Equal(got, []uint16{evBuffer, evBufferDone, evFlags, evReady}) {
		t.Fatalf("events = %v, want buffer, buffer_done, flags, ready", got)
	}
	if ev, _ := c.event(f, evFlags); ev.Uint(0) != 0 {
		t.Errorf("flags = %d, want 0", ev.Uint(0))
	}
	if ev, _ := c.event(f, evReady); ev.Uint(2) > 999999999 || ev.Uint(0) == 0 && ev.Uint(1) == 0 && ev.Uint(2) == 0 {
		t.Errorf("ready timestamp %d:%d.%d", ev.Uint(0), ev.Uint(1), ev.Uint(2))
	}
	b.checkPixels(t, image.Rect(0, 0, 64, 48), 0)
	if now := readCounters(); now.memfdMaps <= base.memfdMaps || now.shmMaps < base.shmMaps+2 {
		t.Errorf("counters %+v while the buffer lives, base %+v: want its read and write mappings", now, base)
	}
	st := e.stats()
	if st.Ready != 1 || st.Copies != 1 || st.Bytes != 64*48*4 || st.Pending != 0 {
		t.Errorf("stats = %+v", st)
	}
	c.send(f, opFrameDestroy)
	c.roundtrip()
	c.close()
	waitCounters(t, base)
}

func TestCopyRegion(t *testing.T) {
	e := newEnv(t, 100, 80, shm.Options{})
	c := e.connect(3)
	for _, tc := range []struct {
		region, want image.Rectangle
	}{
		{image.Rect(10, 20, 40, 60), image.Rect(10, 20, 40, 60)},
		{image.Rect(-5, -7, 20, 20), image.Rect(0, 0, 20, 20)},
		{image.Rect(90, 70, 200, 200), image.Rect(90, 70, 100, 80)},
		{image.Rect(0, 0, 100, 80), image.Rect(0, 0, 100, 80)},
	} {
		f := c.capture(c.output, &tc.region)
		c.roundtrip()
		_, w, h, stride := bufferEvent(t, c, f)
		if int(w) != tc.want.Dx() || int(h) != tc.want.Dy() || int(stride) != tc.want.Dx()*4 {
			t.Fatalf("region %v: buffer %dx%d stride %d, want %v", tc.region, w, h, stride, tc.want)
		}
		b := c.goodBuffer(int(w), int(h))
		c.send(f, opCopy, b.id)
		c.roundtrip()
		e.frame()
		c.roundtrip()
		if _, ok := c.event(f, evReady); !ok {
			t.Fatalf("region %v: no ready, events %v", tc.region, c.events(f))
		}
		b.checkPixels(t, tc.want, 0)
	}
}

// Regions that clip to nothing, huge values that would overflow int32
// sums, and foreign outputs give failed at once, never an error.
func TestCaptureFailsAtOnce(t *testing.T) {
	e := newEnv(t, 100, 80, shm.Options{})
	c := e.connect(3)
	var frames []uint32
	for _, r := range []image.Rectangle{
		image.Rect(100, 0, 110, 10),
		image.Rect(0, 0, 0, 10),
		{Min: image.Pt(0, 0), Max: image.Pt(-10, -10)},
		{Min: image.Pt(2147483600, 2147483600), Max: image.Pt(2147483600+2147483647, 2147483600+2147483647)},
	} {
		frames = append(frames, c.capture(c.output, &r))
	}
	frames = append(frames, c.capture(c.other, nil))
	c.roundtrip()
	for _, f := range frames {
		if got := c.events(f); !slices.Equal(got, []uint16{evFailed}) {
			t.Errorf("frame %d: events %v, want failed", f, got)
		}
	}
	// Copies on an inert frame are ignored, as in wlroots.
	b := c.goodBuffer(10, 10)
	c.send(frames[4], opCopy, b.id)
	c.roundtrip()
	e.frame()
	c.roundtrip()
}

func TestInvalidBuffer(t *testing.T) {
	e := newEnv(t, 32, 16, shm.Options{})
	for _, tc := range []struct {
		name string
		buf  func(c *client) *buffer
	}{
		{"not-shm", func(c *client) *buffer {
			return c.newBuffer(c.fakeShm, 0, 32, 16, 128, shm.FormatXRGB8888, 0)
		}},
		{"wrong-width", func(c *client) *buffer {
			return c.newBuffer(c.shm, 0, 31, 16, 128, shm.FormatXRGB8888, 0)
		}},
		{"wrong-height", func(c *client) *buffer {
			return c.newBuffer(c.shm, 0, 32, 17, 128, shm.FormatXRGB8888, 0)
		}},
		{"wrong-stride", func(c *client) *buffer {
			return c.newBuffer(c.shm, 0, 32, 16, 256, shm.FormatXRGB8888, 0)
		}},
		{"wrong-format", func(c *client) *buffer {
			return c.newBuffer(c.shm, 0, 32, 16, 128, shm.FormatARGB8888, 0)
		}},
		{"wrong-format-xbgr", func(c *client) *buffer {
			return c.newBuffer(c.shm, 0, 32, 16, 128, shm.FormatXBGR8888, 0)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := e.connect(3)
			f := c.capture(c.output, nil)
			b := tc.buf(c)
			c.roundtrip()
			c.send(f, opCopy, b.id)
			pe := c.wantError(f, errInvalidBuffer)
			t.Log(pe.Message)
		})
	}
	// The display still serves others.
	c := e.connect(3)
	f := c.capture(c.output, nil)
	b := c.goodBuffer(32, 16)
	c.send(f, opCopy, b.id)
	c.roundtrip()
	e.frame()
	c.roundtrip()
	b.checkPixels(t, image.Rect(0, 0, 32, 16), 0)
}

func TestAlreadyUsed(t *testing.T) {
	e := newEnv(t, 32, 16, shm.Options{})
	t.Run("pending", func(t *testing.T) {
		c := e.connect(3)
		f := c.capture(c.output, nil)
		b := c.goodBuffer(32, 16)
		c.send(f, opCopy, b.id)
		c.send(f, opCopy, b.id)
		c.wantError(f, errAlreadyUsed)
	})
	t.Run("after-ready", func(t *testing.T) {
		c := e.connect(3)
		f := c.capture(c.output, nil)
		b := c.goodBuffer(32, 16)
		c.send(f, opCopy, b.id)
		c.roundtrip()
		e.frame()
		c.roundtrip()
		c.send(f, opCopyWithDamage, b.id)
		c.wantError(f, errAlreadyUsed)
	})
	if st := e.stats(); st.Pending != 0 || st.Errors != 2 {
		t.Errorf("stats = %+v", st)
	}
}

// A buffer truncated between copy and the output frame: the guarded write
// faults, the frame fails, the wl_buffer gets invalid_fd, the display
// lives, nothing leaks.
func TestTruncatedBeforeCopy(t *testing.T) {
	for _, tc := range []struct {
		name   string
		policy shm.ShrinkPolicy
		to     int64
	}{
		{"kill-to-zero", shm.ShrinkKill, 0},
		{"kill-mid-buffer", shm.ShrinkKill, 4096 + 64*4*100},
		{"zeros", shm.ShrinkZeros, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, 64, 200, shm.Options{Shrink: tc.policy})
			base := readCounters()
			faults := shmCounters.Read().Faults()
			c := e.connect(3)
			f := c.capture(c.output, nil)
			b := c.goodBuffer(64, 200)
			c.roundtrip()
			c.send(f, opCopy, b.id)
			c.roundtrip()
			if err := unix.Ftruncate(b.fd, tc.to); err != nil {
				t.Fatal(err)
			}
			e.frame()
			if tc.policy == shm.ShrinkKill {
				pe := c.wantError(b.id, shm.InvalidFD)
				t.Log(pe.Message)
			} else {
				c.roundtrip()
			}
			if got := c.events(f); !slices.Equal(got, []uint16{evBuffer, evBufferDone, evFailed}) {
				t.Errorf("frame events = %v, want buffer, buffer_done, failed", got)
			}
			if got := shmCounters.Read().Faults() - faults; got != 1 {
				t.Errorf("shm faults = %d, want 1", got)
			}
			st := e.stats()
			if st.Faults != 1 || st.Failed != 1 || st.Ready != 0 {
				t.Errorf("stats = %+v", st)
			}
			if mid := tc.to > 4096; (st.MidCopy == 1) != mid {
				t.Errorf("mid_copy = %d for a truncation to %d", st.MidCopy, tc.to)
			}
			// Another client is served.
			c2 := e.connect(3)
			f2 := c2.capture(c2.output, nil)
			b2 := c2.goodBuffer(64, 200)
			c2.send(f2, opCopy, b2.id)
			c2.roundtrip()
			e.frame()
			c2.roundtrip()
			b2.checkPixels(t, image.Rect(0, 0, 64, 200), 0)
			c.close()
			c2.close()
			waitCounters(t, base)
		})
	}
}

func TestDestroyFrameBeforeReady(t *testing.T) {
	e := newEnv(t, 16, 16, shm.Options{})
	base := readCounters()
	c := e.connect(3)
	f := c.capture(c.output, nil)
	b := c.goodBuffer(16, 16)
	c.send(f, opCopy, b.id)
	c.send(f, opFrameDestroy)
	c.roundtrip()
	e.frame()
	c.roundtrip()
	if got := c.events(f); !slices.Equal(got, []uint16{evBuffer, evBufferDone}) {
		t.Errorf("events = %v", got)
	}
	for i, v := range b.pixels(t) {
		if v != 0xaa {
			t.Fatalf("byte %d written after the frame was destroyed", i)
		}
	}
	if st := e.stats(); st.Cancelled != 1 || st.Pending != 0 || e.src.reads != 0 {
		t.Errorf("stats = %+v, reads %d", st, e.src.reads)
	}
	c.close()
	waitCounters(t, base)
}

func TestDestroyBufferBeforeReady(t *testing.T) {
	e := newEnv(t, 16, 16, shm.Options{})
	base := readCounters()
	c := e.connect(3)
	f := c.capture(c.output, nil)
	b := c.goodBuffer(16, 16)
	c.send(f, opCopy, b.id)
	c.send(b.id, opBufferDestroy)
	c.send(b.pool, protocol.WlShmPoolRequestDestroy)
	c.roundtrip()
	e.frame()
	c.roundtrip()
	if got := c.events(f); !slices.Equal(got, []uint16{evBuffer, evBufferDone, evFailed}) {
		t.Errorf("events = %v, want buffer, buffer_done, failed", got)
	}
	for i, v := range b.pixels(t) {
		if v != 0xaa {
			t.Fatalf("byte %d written into a destroyed buffer", i)
		}
	}
	if st := e.stats(); st.BufferGone != 1 || st.Failed != 1 {
		t.Errorf("stats = %+v", st)
	}
	c.close()
	waitCounters(t, base)
}

// A client that disconnects with copies pending leaves nothing behind.
func TestDisconnectWithPendingCopies(t *testing.T) {
	e := newEnv(t, 16, 16, shm.Options{})
	base := readCounters()
	c := e.connect(3)
	for range 10 {
		f := c.capture(c.output, nil)
		b := c.goodBuffer(16, 16)
		c.send(f, opCopy, b.id)
	}
	c.roundtrip()
	c.close()
	waitCounters(t, base)
	if st := e.stats(); st.Pending != 0 || st.Cancelled != 10 {
		t.Errorf("stats = %+v", st)
	}
	e.do(func() {
		if len(e.m.queued) != 0 || len(e.m.frames) != 0 || len(e.m.binds) != 0 {
			t.Errorf("state left: queued %d, frames %d, binds %d", len(e.m.queued), len(e.m.frames), len(e.m.binds))
		}
	})
	e.frame()
}

func TestCopyWithDamage(t *testing.T) {
	e := newEnv(t, 64, 64, shm.Options{})
	c := e.connect(3)
	b := c.goodBuffer(32, 32)
	region := image.Rect(16, 16, 48, 48)

	// The first copy_with_damage of a manager is served on the next frame.
	f := c.capture(c.output, &region)
	c.send(f, opCopyWithDamage, b.id)
	c.roundtrip()
	e.frame()
	c.roundtrip()
	if _, ok := c.event(f, evReady); !ok {
		t.Fatalf("first copy_with_damage: events %v", c.events(f))
	}
	if ev, ok := c.event(f, evDamage); !ok || ev.Uint(0) != 0 || ev.Uint(1) != 0 || ev.Uint(2) != 32 || ev.Uint(3) != 32 {
		t.Errorf("first damage = %v %v, want the whole frame", ev, ok)
	}

	// Then it waits for damage that touches the region.
	f = c.capture(c.output, &region)
	c.send(f, opCopyWithDamage, b.id)
	c.roundtrip()
	e.frame()
	e.frame(image.Rect(0, 0, 10, 10))
	c.roundtrip()
	if got := c.events(f); !slices.Equal(got, []uint16{evBuffer, evBufferDone}) {
		t.Fatalf("copy_with_damage served without damage: %v", got)
	}
	e.do(func() { e.src.gen = 7 })
	e.frame(image.Rect(40, 8, 60, 20))
	c.roundtrip()
	if got := c.events(f); !slices.Equal(got, []uint16{evBuffer, evBufferDone, evFlags, evDamage, evReady}) {
		t.Fatalf("events = %v, want buffer, buffer_done, flags, damage, ready", got)
	}
	// Damage since the last copy: (0,0)-(10,10) misses the region,
	// (40,8)-(60,20) hits it; the box of both, clipped and made
	// frame-relative, is (0,0)-(32,4).
	ev, _ := c.event(f, evDamage)
	if ev.Uint(0) != 0 || ev.Uint(1) != 0 || ev.Uint(2) != 32 || ev.Uint(3) != 4 {
		t.Errorf("damage = %d,%d %dx%d, want 0,0 32x4", ev.Uint(0), ev.Uint(1), ev.Uint(2), ev.Uint(3))
	}
	b.checkPixels(t, region, 7)

	// A plain copy does not wait for damage.
	f = c.capture(c.output, &region)
	c.send(f, opCopy, b.id)
	c.roundtrip()
	e.frame()
	c.roundtrip()
	if _, ok := c.event(f, evReady); !ok {
		t.Fatalf("copy: events %v", c.events(f))
	}
}

// Version 1 and 2 objects get no buffer_done; version 1 no damage.
func TestOldVersions(t *testing.T) {
	e := newEnv(t, 8, 8, shm.Options{})
	for _, v := range []uint32{1, 2} {
		c := e.connect(v)
		f := c.capture(c.output, nil)
		b := c.goodBuffer(8, 8)
		c.send(f, opCopy, b.id)
		c.roundtrip()
		e.frame()
		c.roundtrip()
		if got := c.events(f); !slices.Equal(got, []uint16{evBuffer, evFlags, evReady}) {
			t.Errorf("v%d: events %v", v, got)
		}
		if v == 1 {
			f := c.capture(c.output, nil)
			c.send(f, opCopyWithDamage, b.id)
			c.wantError(rawclient.DisplayID, protocol.WlDisplayErrorInvalidMethod)
		}
	}
}

// Several captures of the same rectangle in one frame read back once.
func TestOneReadbackPerFrame(t *testing.T) {
	e := newEnv(t, 16, 16, shm.Options{})
	c := e.connect(3)
	var bufs []*buffer
	for range 5 {
		f := c.capture(c.output, nil)
		b := c.goodBuffer(16, 16)
		c.send(f, opCopy, b.id)
		bufs = append(bufs, b)
	}
	c.roundtrip()
	e.frame()
	c.roundtrip()
	for _, b := range bufs {
		b.checkPixels(t, image.Rect(0, 0, 16, 16), 0)
	}
	if e.src.reads != 1 {
		t.Errorf("ReadPixels called %d times, want 1", e.src.reads)
	}
}

func TestReadbackErrorFails(t *testing.T) {
	e := newEnv(t, 16, 16, shm.Options{})
	e.src.err = errors.New("no output yet")
	c := e.connect(3)
	f := c.capture(c.output, nil)
	b := c.goodBuffer(16, 16)
	c.send(f, opCopy, b.id)
	c.roundtrip()
	e.frame()
	c.roundtrip()
	if got := c.events(f); !slices.Equal(got, []uint16{evBuffer, evBufferDone, evFailed}) {
		t.Errorf("events = %v", got)
	}
}

// A write-sealed (or O_RDONLY) pool cannot be mapped writable: failed, no
// error, no crash.
func TestReadOnlyPool(t *testing.T) {
	e := newEnv(t, 16, 16, shm.Options{})
	c := e.connect(3)
	fd, err := unix.MemfdCreate("capture-ro", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	unix.Ftruncate(fd, 16*16*4)
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, unix.F_SEAL_WRITE|unix.F_SEAL_SHRINK); err != nil {
		t.Skip(err)
	}
	pool, buf := c.rc.NewID(), c.rc.NewID()
	c.send(c.shm, 0, rawclient.NewID(pool), rawclient.FD(fd), int32(16*16*4))
	c.send(pool, 0, rawclient.NewID(buf), int32(0), int32(16), int32(16), int32(64), uint32(shm.FormatXRGB8888))
	f := c.capture(c.output, nil)
	c.send(f, opCopy, buf)
	c.roundtrip()
	e.frame()
	c.roundtrip()
	if got := c.events(f); !slices.Equal(got, []uint16{evBuffer, evBufferDone, evFailed}) {
		t.Errorf("events = %v", got)
	}
}

// The output shrinking between the buffer event and the frame fails the
// capture instead of reading outside the output.
func TestOutputShrank(t *testing.T) {
	e := newEnv(t, 16, 16, shm.Options{})
	c := e.connect(3)
	f := c.capture(c.output, nil)
	b := c.goodBuffer(16, 16)
	c.send(f, opCopy, b.id)
	c.roundtrip()
	e.do(func() { e.src.w = 8 })
	e.frame()
	c.roundtrip()
	if got := c.events(f); !slices.Equal(got, []uint16{evBuffer, evBufferDone, evFailed}) {
		t.Errorf("events = %v", got)
	}
}

// A client cannot queue more than MaxPending copies for one output frame:
// the rest fail at once; the queue drains on the frame.
func TestMaxPending(t *testing.T) {
	e := newEnv(t, 8, 8, shm.Options{})
	c := e.connect(3)
	var frames []uint32
	for range MaxPending + 3 {
		f := c.capture(c.output, nil)
		b := c.goodBuffer(8, 8)
		c.send(f, opCopy, b.id)
		frames = append(frames, f)
	}
	c.roundtrip()
	for i, f := range frames {
		got := c.events(f)
		if failed := slices.Contains(got, evFailed); failed != (i >= MaxPending) {
			t.Errorf("frame %d: events %v", i, got)
		}
	}
	if st := e.stats(); st.Throttled != 3 || st.Pending != MaxPending {
		t.Errorf("stats = %+v", st)
	}
	e.frame()
	c.roundtrip()
	if st := e.stats(); st.Ready != MaxPending || st.Pending != 0 {
		t.Errorf("stats after the frame = %+v", st)
	}
	// The queue is free again.
	f := c.capture(c.output, nil)
	b := c.goodBuffer(8, 8)
	c.send(f, opCopy, b.id)
	c.roundtrip()
	e.frame()
	c.roundtrip()
	if _, ok := c.event(f, evReady); !ok {
		t.Errorf("copy after the drain: events %v", c.events(f))
	}
	e.do(func() {
		if len(e.m.queued) != 0 {
			t.Errorf("queued = %v", e.m.queued)
		}
	})
}
