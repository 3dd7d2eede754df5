package capture

import (
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"testing"
	"time"

	"github.com/nofault/nofault/internal/procstat"
	"github.com/nofault/nofault/internal/rawclient"
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/server"
	"github.com/nofault/nofault/shm"
	"golang.org/x/sys/unix"
)

const timeout = 5 * time.Second

// fakeSource is an output of w x h pixels whose pixel (x, y) is
// pattern(x, y), optionally offset by gen so that frames differ.
type fakeSource struct {
	w, h  int
	gen   byte
	reads int // ReadPixels calls
	err   error
}

func pattern(x, y int, gen byte) [4]byte {
	return [4]byte{byte(x) + gen, byte(y), byte(x ^ y), 0xff} // B, G, R, A
}

func (s *fakeSource) ReadPixels(r image.Rectangle, dst []byte, stride int) error {
	s.reads++
	if s.err != nil {
		return s.err
	}
	if !r.In(image.Rect(0, 0, s.w, s.h)) {
		return fmt.Errorf("fake: %v outside %dx%d", r, s.w, s.h)
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := dst[(y-r.Min.Y)*stride:]
		for x := r.Min.X; x < r.Max.X; x++ {
			p := pattern(x, y, s.gen)
			copy(row[(x-r.Min.X)*4:], p[:])
		}
	}
	return nil
}

func (s *fakeSource) OutputSize() (int, int) { return s.w, s.h }

func (s *fakeSource) OutputObject(_ *server.Client, o *protocol.Object) bool {
	h, ok := o.Handler.(*fakeOutput)
	return ok && h.ours
}

// fakeOutput is a wl_output; ours tells the capture output from another one.
type fakeOutput struct{ ours bool }

func (*fakeOutput) Release() error { return nil }

// fakeShm is a second wl_shm global whose buffers are not shm.Buffers:
// the "not a wl_shm buffer" case (a dmabuf, say).
type fakeShm struct{ c *server.Client }

func (h *fakeShm) CreatePool(id protocol.ObjectID, fd int, size int32) error {
	unix.Close(fd)
	h.c.NewObject(id, &protocol.WlShmPoolInterface, 1, &fakePool{c: h.c})
	return nil
}
func (*fakeShm) Release() error { return nil }

type fakePool struct{ c *server.Client }

func (p *fakePool) CreateBuffer(id protocol.ObjectID, offset, width, height, stride int32, format protocol.WlShmFormat) error {
	p.c.NewObject(id, &protocol.WlBufferInterface, 1, &fakeBuffer{})
	return nil
}
func (*fakePool) Destroy() error     { return nil }
func (*fakePool) Resize(int32) error { return nil }

type fakeBuffer struct{}

var _ protocol.WlShmPoolHandler = (*fakePool)(nil)

func (*fakeBuffer) Destroy() error { return nil }

// env is a display with wl_shm, two wl_outputs (the captured one first),
// a fake wl_shm and the screencopy manager, served on a real socket.
type env struct {
	t    *testing.T
	d    *server.Display
	m    *Manager
	src  *fakeSource
	path string
}

func newEnv(t *testing.T, w, h int, opts shm.Options) *env {
	t.Helper()
	dir := t.TempDir()
	os.Chmod(dir, 0o700)
	sock, err := server.Listen(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, src: &fakeSource{w: w, h: h}, path: sock.Path}
	e.d = server.NewDisplay(sock, server.Options{Limits: server.DefaultLimits()})
	if opts.Counters == nil {
		opts.Counters = &shmCounters
	}
	shm.Register(e.d, opts)
	for _, ours := range []bool{true, false} {
		e.d.AddGlobal(&protocol.WlOutputInterface, 4, func(c *server.Client, id protocol.ObjectID, v uint32) {
			c.NewObject(id, &protocol.WlOutputInterface, v, &fakeOutput{ours: ours})
		})
	}
	e.d.AddGlobal(&protocol.WlShmInterface, 1, func(c *server.Client, id protocol.ObjectID, v uint32) {
		c.NewObject(id, &protocol.WlShmInterface, v, &fakeShm{c: c})
	})
	e.m = Register(e.d, e.src)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.d.Run(ctx); close(done) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("display did not stop")
		}
	})
	return e
}

// do runs fn on the display loop and waits for it.
func (e *env) do(fn func()) {
	e.t.Helper()
	done := make(chan struct{})
	e.d.Do(func() { fn(); close(done) })
	select {
	case <-done:
	case <-time.After(timeout):
		e.t.Fatal("display loop did not answer")
	}
}

// frame is one output frame with the given damage.
func (e *env) frame(damage ...image.Rectangle) {
	e.t.Helper()
	e.do(func() { e.m.Frame(damage) })
}

func (e *env) stats() (s Stats) {
	e.t.Helper()
	e.do(func() { s = e.m.Stats() })
	return s
}

// client is a raw Wayland client bound to everything the tests use.
type client struct {
	t        *testing.T
	rc       *rawclient.Conn
	shm      uint32 // nofault's wl_shm
	fakeShm  uint32 // the non-shm one
	output   uint32 // the captured output
	other    uint32 // another wl_output
	mgr      uint32
	version  uint32
	memfds   []int
	received []rawclient.Event
}

func (e *env) connect(version uint32) *client {
	t := e.t
	t.Helper()
	rc, err := rawclient.Dial(e.path)
	if err != nil {
		t.Fatal(err)
	}
	rc.WriteTimeout = timeout
	c := &client{t: t, rc: rc, version: version}
	t.Cleanup(func() { c.close() })
	if _, err := rc.Globals(timeout); err != nil {
		t.Fatal(err)
	}
	var shms, outputs []rawclient.Global
	for _, g := range rc.GlobalList() {
		switch g.Interface {
		case "wl_shm":
			shms = append(shms, g)
		case "wl_output":
			outputs = append(outputs, g)
		}
	}
	bind := func(g rawclient.Global, v uint32) uint32 {
		id := rc.NewID()
		if err := rc.Send(rc.Registry(), 0, g.Name, rawclient.Bind{Interface: g.Interface, Version: v, ID: id}); err != nil {
			t.Fatal(err)
		}
		return id
	}
	c.shm, c.fakeShm = bind(shms[0], 1), bind(shms[1], 1)
	c.output, c.other = bind(outputs[0], 4), bind(outputs[1], 4)
	c.mgr, err = rc.BindGlobal("zwlr_screencopy_manager_v1", version)
	if err != nil {
		t.Fatal(err)
	}
	c.roundtrip()
	return c
}

func (c *client) close() {
	c.rc.Close()
	for _, fd := range c.memfds {
		unix.Close(fd)
	}
	c.memfds = nil
}

// roundtrip collects the events up to a sync; a protocol error fails the
// test (use roundtripErr to expect one).
func (c *client) roundtrip() []rawclient.Event {
	c.t.Helper()
	evs, err := c.roundtripErr()
	if err != nil {
		c.t.Fatalf("roundtrip: %v", err)
	}
	return evs
}

func (c *client) roundtripErr() ([]rawclient.Event, error) {
	evs, err := c.rc.Roundtrip(timeout)
	c.received = append(c.received, evs...)
	return evs, err
}

// wantError expects the next roundtrip to end in wl_display.error on obj
// with code.
func (c *client) wantError(obj uint32, code protocol.ErrorCode) *rawclient.ProtocolError {
	c.t.Helper()
	_, err := c.roundtripErr()
	var pe *rawclient.ProtocolError
	if !errors.As(err, &pe) {
		c.t.Fatalf("want protocol error %d (%s) on %d, got %v", code.Code(), code, obj, err)
	}
	if pe.ObjectID != obj || pe.Code != code.Code() {
		c.t.Fatalf("got error on %d code %d (%s), want on %d code %d (%s)", pe.ObjectID, pe.Code, pe.Message, obj, code.Code(), code)
	}
	return pe
}

// buffer is a wl_shm buffer in its own memfd pool.
type buffer struct {
	id, pool             uint32
	fd                   int
	offset, w, h, stride int
	size                 int
}

// newBuffer makes a pool of size bytes (0: just enough) filled with 0xaa
// and a buffer in it.
func (c *client) newBuffer(shmID uint32, offset, w, h, stride int, format shm.Format, size int) *buffer {
	c.t.Helper()
	if size == 0 {
		size = offset + stride*h
	}
	fd, err := unix.MemfdCreate("capture-test", unix.MFD_CLOEXEC)
	if err != nil {
		c.t.Fatal(err)
	}
	c.memfds = append(c.memfds, fd)
	if err := unix.Ftruncate(fd, int64(size)); err != nil {
		c.t.Fatal(err)
	}
	fill := make([]byte, size)
	for i := range fill {
		fill[i] = 0xaa
	}
	unix.Pwrite(fd, fill, 0)
	b := &buffer{fd: fd, offset: offset, w: w, h: h, stride: stride, size: size}
	b.pool = c.rc.NewID()
	c.send(shmID, 0, rawclient.NewID(b.pool), rawclient.FD(fd), int32(size))
	b.id = c.rc.NewID()
	c.send(b.pool, 0, rawclient.NewID(b.id), int32(offset), int32(w), int32(h), int32(stride), uint32(format))
	return b
}

// goodBuffer is the buffer a frame of w x h asks for, at offset 4096 in
// its pool so that a wrong offset shows.
func (c *client) goodBuffer(w, h int) *buffer {
	return c.newBuffer(c.shm, 4096, w, h, w*4, shm.FormatXRGB8888, 0)
}

func (c *client) send(obj uint32, op uint16, args ...any) {
	c.t.Helper()
	if err := c.rc.Send(obj, op, args...); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

// capture sends capture_output (or capture_output_region when region is
// not nil) and returns the frame id.
func (c *client) capture(output uint32, region *image.Rectangle) uint32 {
	c.t.Helper()
	id := c.rc.NewID()
	if region == nil {
		c.send(c.mgr, 0, rawclient.NewID(id), int32(0), output)
	} else {
		r := *region
		c.send(c.mgr, 1, rawclient.NewID(id), int32(1), output, int32(r.Min.X), int32(r.Min.Y), int32(r.Dx()), int32(r.Dy()))
	}
	return id
}

// events returns the opcodes of the events received so far on obj.
func (c *client) events(obj uint32) []uint16 {
	var ops []uint16
	for _, ev := range c.received {
		if ev.Object == obj {
			ops = append(ops, ev.Opcode)
		}
	}
	return ops
}

func (c *client) event(obj uint32, op uint16) (rawclient.Event, bool) {
	for _, ev := range c.received {
		if ev.Object == obj && ev.Opcode == op {
			return ev, true
		}
	}
	return rawclient.Event{}, false
}

// pixels reads the buffer's bytes back from its file.
func (b *buffer) pixels(t *testing.T) []byte {
	t.Helper()
	p := make([]byte, b.stride*b.h)
	if _, err := unix.Pread(b.fd, p, int64(b.offset)); err != nil {
		t.Fatal(err)
	}
	return p
}

// checkPixels compares the buffer with rectangle r of the pattern.
func (b *buffer) checkPixels(t *testing.T, r image.Rectangle, gen byte) {
	t.Helper()
	p := b.pixels(t)
	for y := 0; y < r.Dy(); y++ {
		for x := 0; x < r.Dx(); x++ {
			want := pattern(r.Min.X+x, r.Min.Y+y, gen)
			got := p[y*b.stride+x*4 : y*b.stride+x*4+4]
			if string(got) != string(want[:]) {
				t.Fatalf("pixel (%d,%d) of %v = %v, want %v", x, y, r, got, want)
			}
		}
	}
	// The bytes before the buffer in its pool are untouched.
	before := make([]byte, b.offset)
	unix.Pread(b.fd, before, 0)
	for i, v := range before {
		if v != 0xaa {
			t.Fatalf("byte %d before the buffer changed to %#x", i, v)
		}
	}
}

// counters are this process's open fds, its mappings of the test memfds
// and shm's count of live pool mappings (which also covers the anonymous
// zeros that replace a faulted mapping). The display runs in-process.
type counters struct {
	fds, memfdMaps int
	shmMaps        int64
}

// shmCounters count the pools of every env's wl_shm.
var shmCounters shm.Counters

func readCounters() counters {
	return counters{procstat.OpenFDs(), procstat.MappingsMatching("memfd:capture-test"), shmCounters.Read().LiveMappings}
}

// waitCounters polls until the counters are back to want or below.
func waitCounters(t *testing.T, want counters) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := readCounters()
		// Fewer is fine: an earlier test's connections may still be
		// closing when the baseline is read.
		if got.fds <= want.fds && got.memfdMaps <= want.memfdMaps && got.shmMaps <= want.shmMaps {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("leak: fds/maps = %+v, want %+v", got, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
