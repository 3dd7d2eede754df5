package shell

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nofault/nofault/output"
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/server"
	"github.com/nofault/nofault/shm"
	"github.com/rajveermalviya/go-wayland/wayland/client"
	xdg "github.com/rajveermalviya/go-wayland/wayland/stable/xdg-shell"
	xdgout "github.com/rajveermalviya/go-wayland/wayland/unstable/xdg-output-v1"
	"golang.org/x/sys/unix"
)

// ---- server side: a display with the shell, an output and a fake wl_shm.

// shmCounters count the pools of every env's wl_shm.
var shmCounters shm.Counters

type env struct {
	t    *testing.T
	d    *server.Display
	sh   *Shell
	out  *output.Output
	path string
	r    *fakeRenderer
}

func startEnv(t *testing.T, opts Options) *env { return startEnvLimits(t, opts, server.Limits{}) }

// startEnvLimits is startEnv with lowered limits (zero fields: defaults).
func startEnvLimits(t *testing.T, opts Options, lim server.Limits) *env {
	t.Helper()
	return startEnvWith(t, &fakeRenderer{}, opts, false, lim)
}

// startEnvWith is startEnvLimits with renderer r and, when realShm is set,
// the real wl_shm (package shm) instead of the fake one.
func startEnvWith(t *testing.T, r render.Renderer, opts Options, realShm bool, lim server.Limits) *env {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	sock, err := server.Listen(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t}
	e.r, _ = r.(*fakeRenderer)
	e.d = server.NewDisplay(sock, server.Options{Limits: lim})
	e.out = output.New(e.d, "TEST-1", 800, 600, 60000)
	output.AddXdgOutputManager(e.d)
	opts.Output = e.out
	e.sh = New(e.d, r, opts)
	fs := &fakeShm{}
	if realShm {
		shm.Register(e.d, shm.Options{Counters: &shmCounters})
	} else {
		e.d.AddGlobal(&protocol.WlShmInterface, 1, fs.bind)
	}
	e.d.AddGlobal(&protocol.WlSeatInterface, 1, func(c *server.Client, id protocol.ObjectID, v uint32) {
		c.NewObject(id, &protocol.WlSeatInterface, v, fakeSeat{})
	})
	e.path = sock.Path
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
		fs.unmapAll()
	})
	return e
}

// do runs fn on the display loop and waits for it.
func (e *env) do(fn func()) {
	done := make(chan struct{})
	e.d.Do(func() { fn(); close(done) })
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		e.t.Fatal("display loop did not run the task")
	}
}

// scene returns the current scene's items as (colour, rect) pairs.
func (e *env) scene() []sceneItem {
	var items []sceneItem
	e.do(func() {
		for _, it := range e.sh.Scene().Items {
			tex := it.Texture.(*fakeTexture)
			items = append(items, sceneItem{color: tex.color, dst: it.Dst, scale: it.Scale, transform: it.Transform})
		}
	})
	return items
}

type sceneItem struct {
	color     uint32
	dst       image.Rectangle
	scale     int32
	transform render.Transform
}

func (e *env) frame(now time.Time) { e.do(func() { e.sh.Frame(now) }) }

// fakeShm is a minimal wl_shm: pools are real fds mapped read-only, buffers
// copy their rows into the staging on Image.
type fakeShm struct {
	mu   sync.Mutex
	maps [][]byte
}

func (f *fakeShm) bind(c *server.Client, id protocol.ObjectID, version uint32) {
	obj := c.NewObject(id, &protocol.WlShmInterface, version, &fakeShmGlobal{f: f, c: c})
	if obj != nil {
		protocol.SendWlShmFormat(c.Events(), obj.ID, protocol.WlShmFormat(shm.FormatARGB8888))
		protocol.SendWlShmFormat(c.Events(), obj.ID, protocol.WlShmFormat(shm.FormatXRGB8888))
	}
}

func (f *fakeShm) unmapAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range f.maps {
		unix.Munmap(m)
	}
	f.maps = nil
}

type fakeShmGlobal struct {
	f *fakeShm
	c *server.Client
}

func (g *fakeShmGlobal) CreatePool(id protocol.ObjectID, fd int, size int32) error {
	defer unix.Close(fd)
	data, err := unix.Mmap(fd, 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return protocol.Errorf(nil, protocol.WlShmErrorInvalidFD, "mmap: %v", err)
	}
	g.f.mu.Lock()
	g.f.maps = append(g.f.maps, data)
	g.f.mu.Unlock()
	g.c.NewObject(id, &protocol.WlShmPoolInterface, 1, &fakePool{c: g.c, data: data})
	return nil
}

type fakePool struct {
	c    *server.Client
	data []byte
}

func (p *fakePool) CreateBuffer(id protocol.ObjectID, offset, w, h, stride int32, format protocol.WlShmFormat) error {
	b := &fakeBuffer{c: p.c, data: p.data[offset : offset+stride*h], w: int(w), h: int(h), stride: int(stride), format: shm.Format(format)}
	b.obj = p.c.NewObject(id, &protocol.WlBufferInterface, 1, b)
	return nil
}
func (p *fakePool) Destroy() error      { return nil }
func (p *fakePool) Resize(int32) error  { return nil }
func (b *fakeBuffer) Destroy() error    { return nil }
func (b *fakeBuffer) Size() (int, int)  { return b.w, b.h }
func (b *fakeBuffer) Opaque() bool      { return !b.format.HasAlpha() }
func (b *fakeBuffer) Release()          { protocol.SendWlBufferRelease(b.c.Events(), b.obj.ID) }
func (g *fakeShmGlobal) Release() error { return nil }
func (g *fakeShmGlobal) Destroy() error { return nil }
func (b *fakeBuffer) String() string    { return fmt.Sprintf("buffer %dx%d", b.w, b.h) }
func (b *fakeBuffer) Image(st *shm.Staging, damage []image.Rectangle) (shm.Image, error) {
	st.Reset(b.w, b.h, b.stride, b.format)
	copy(st.Bytes(), b.data)
	return st, nil
}

type fakeBuffer struct {
	c            *server.Client
	obj          *protocol.Object
	data         []byte
	w, h, stride int
	format       shm.Format
}

var _ BufferSource = (*fakeBuffer)(nil)

// fakeSeat is a wl_seat without devices, for requests that need a seat.
type fakeSeat struct{}

func (fakeSeat) GetPointer(protocol.ObjectID) error  { return nil }
func (fakeSeat) GetKeyboard(protocol.ObjectID) error { return nil }
func (fakeSeat) GetTouch(protocol.ObjectID) error    { return nil }
func (fakeSeat) Release() error                      { return nil }

var _ protocol.WlSeatHandler = fakeSeat{}

// fakeRenderer hands out textures that remember their uploads.
type fakeRenderer struct{}

func (*fakeRenderer) NewTexture() render.Texture                    { return &fakeTexture{} }
func (*fakeRenderer) Render(*render.Scene, int, int) error          { return nil }
func (*fakeRenderer) ReadPixels(image.Rectangle, []byte, int) error { return errors.New("fake") }
func (*fakeRenderer) Name() string                                  { return "fake" }
func (*fakeRenderer) Close() error                                  { return nil }

type fakeTexture struct {
	w, h    int
	color   uint32 // first pixel of the last upload
	uploads [][]image.Rectangle
}

func (t *fakeTexture) Upload(src shm.Image, damage []image.Rectangle) error {
	t.w, t.h = src.Width(), src.Height()
	t.color = binary.LittleEndian.Uint32(src.Bytes())
	t.uploads = append(t.uploads, append([]image.Rectangle(nil), damage...))
	return nil
}
func (t *fakeTexture) Size() (int, int) { return t.w, t.h }
func (t *fakeTexture) Destroy()         {}

// ---- client side, on go-wayland.

type protoErr struct {
	obj  uint32
	code uint32
	msg  string
}

type tclient struct {
	t     *testing.T
	disp  *client.Display
	ctx   *client.Context
	comp  *client.Compositor
	subc  *client.Subcompositor
	wm    *xdg.WmBase
	shm   *client.Shm
	xom   *xdgout.OutputManager
	seat  *client.Seat
	reg   *client.Registry
	names map[string]uint32
	err   *protoErr
}

func (e *env) connect() *tclient {
	t := e.t
	t.Helper()
	disp, err := client.Connect(e.path)
	if err != nil {
		t.Fatal(err)
	}
	tc := &tclient{t: t, disp: disp, ctx: disp.Context(), names: map[string]uint32{}}
	t.Cleanup(func() { tc.ctx.Close() })
	disp.SetErrorHandler(func(ev client.DisplayErrorEvent) {
		id := uint32(0)
		if ev.ObjectId != nil {
			id = ev.ObjectId.ID()
		}
		tc.err = &protoErr{obj: id, code: ev.Code, msg: ev.Message}
	})
	reg, err := disp.GetRegistry()
	if err != nil {
		t.Fatal(err)
	}
	tc.reg = reg
	reg.SetGlobalHandler(func(ev client.RegistryGlobalEvent) { tc.names[ev.Interface] = ev.Name })
	tc.mustRoundtrip()
	tc.comp = client.NewCompositor(tc.ctx)
	tc.subc = client.NewSubcompositor(tc.ctx)
	tc.wm = xdg.NewWmBase(tc.ctx)
	tc.shm = client.NewShm(tc.ctx)
	tc.xom = xdgout.NewOutputManager(tc.ctx)
	tc.seat = client.NewSeat(tc.ctx)
	for _, b := range []struct {
		iface string
		v     uint32
		p     client.Proxy
	}{
		{"wl_compositor", 5, tc.comp}, {"wl_subcompositor", 1, tc.subc}, {"xdg_wm_base", 5, tc.wm},
		{"wl_shm", 1, tc.shm}, {"zxdg_output_manager_v1", 3, tc.xom}, {"wl_seat", 1, tc.seat},
	} {
		if err := reg.Bind(tc.names[b.iface], b.iface, b.v, b.p); err != nil {
			t.Fatal(err)
		}
	}
	tc.wm.SetPingHandler(func(ev xdg.WmBasePingEvent) { tc.wm.Pong(ev.Serial) })
	tc.mustRoundtrip()
	return tc
}

// bindOutput binds wl_output at version v.
func (tc *tclient) bindOutput(v uint32) *client.Output {
	o := client.NewOutput(tc.ctx)
	if err := tc.reg.Bind(tc.names["wl_output"], "wl_output", v, o); err != nil {
		tc.t.Fatal(err)
	}
	return o
}

// roundtrip waits until the server has handled everything sent so far.
func (tc *tclient) roundtrip() error {
	cb, err := tc.disp.Sync()
	if err != nil {
		return err
	}
	done := false
	cb.SetDoneHandler(func(client.CallbackDoneEvent) { done = true })
	timer := time.AfterFunc(5*time.Second, func() { tc.ctx.Close() })
	defer timer.Stop()
	for !done {
		if err := tc.ctx.Dispatch(); err != nil {
			if tc.err != nil {
				return fmt.Errorf("protocol error obj %d code %d: %s", tc.err.obj, tc.err.code, tc.err.msg)
			}
			return err
		}
	}
	if tc.err != nil {
		return fmt.Errorf("protocol error obj %d code %d: %s", tc.err.obj, tc.err.code, tc.err.msg)
	}
	return nil
}

func (tc *tclient) mustRoundtrip() {
	tc.t.Helper()
	if err := tc.roundtrip(); err != nil {
		tc.t.Fatal(err)
	}
}

// expectError reads until the connection ends and checks the error.
func (tc *tclient) expectError(obj client.Proxy, code protocol.ErrorCode) {
	tc.t.Helper()
	_ = tc.roundtrip()
	// The server may have closed before the sync was written: read on.
	timer := time.AfterFunc(5*time.Second, func() { tc.ctx.Close() })
	for tc.err == nil && tc.ctx.Dispatch() == nil {
	}
	timer.Stop()
	if tc.err == nil {
		tc.t.Fatalf("no protocol error, want code %d (%s) on object %d", code.Code(), code, obj.ID())
	}
	// go-wayland forgets a proxy on destroy and then reports object 0; the
	// message names the object instead.
	if tc.err.obj == 0 && strings.Contains(tc.err.msg, fmt.Sprintf("@%d ", obj.ID())) {
		tc.err.obj = obj.ID()
	}
	if tc.err.obj != obj.ID() || tc.err.code != code.Code() {
		tc.t.Fatalf("protocol error obj %d code %d (%s), want obj %d code %d (%s)", tc.err.obj, tc.err.code, tc.err.msg, obj.ID(), code.Code(), code)
	}
}

// buffer makes a w x h buffer filled with color (ARGB8888 or XRGB8888).
func (tc *tclient) buffer(w, h int, format uint32, color uint32) *client.Buffer {
	tc.t.Helper()
	size := w * h * 4
	fd, err := unix.MemfdCreate("test-buffer", unix.MFD_CLOEXEC)
	if err != nil {
		tc.t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := unix.Ftruncate(fd, int64(size)); err != nil {
		tc.t.Fatal(err)
	}
	data, err := unix.Mmap(fd, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		tc.t.Fatal(err)
	}
	for i := 0; i < size; i += 4 {
		binary.LittleEndian.PutUint32(data[i:], color)
	}
	unix.Munmap(data)
	pool, err := tc.shm.CreatePool(fd, int32(size))
	if err != nil {
		tc.t.Fatal(err)
	}
	buf, err := pool.CreateBuffer(0, int32(w), int32(h), int32(w*4), format)
	if err != nil {
		tc.t.Fatal(err)
	}
	pool.Destroy()
	return buf
}

func (tc *tclient) surface() *client.Surface {
	s, err := tc.comp.CreateSurface()
	if err != nil {
		tc.t.Fatal(err)
	}
	return s
}

// window is a test xdg_toplevel recording its configures.
type window struct {
	s          *client.Surface
	xs         *xdg.Surface
	top        *xdg.Toplevel
	serial     uint32
	configures int
	size       [2]int32
	states     []uint32
}

// toplevel creates a toplevel and makes its initial commit; the configure
// is received but not acked.
func (tc *tclient) toplevel() *window {
	tc.t.Helper()
	w := &window{s: tc.surface()}
	var err error
	if w.xs, err = tc.wm.GetXdgSurface(w.s); err != nil {
		tc.t.Fatal(err)
	}
	if w.top, err = w.xs.GetToplevel(); err != nil {
		tc.t.Fatal(err)
	}
	w.xs.SetConfigureHandler(func(ev xdg.SurfaceConfigureEvent) { w.serial = ev.Serial; w.configures++ })
	w.top.SetConfigureHandler(func(ev xdg.ToplevelConfigureEvent) {
		w.size = [2]int32{ev.Width, ev.Height}
		w.states = w.states[:0]
		for i := 0; i+4 <= len(ev.States); i += 4 {
			w.states = append(w.states, binary.LittleEndian.Uint32(ev.States[i:]))
		}
	})
	w.s.Commit()
	tc.mustRoundtrip()
	return w
}

// mapWindow acks the last configure and commits a buffer.
func (tc *tclient) mapWindow(w *window, width, height int, color uint32) *client.Buffer {
	tc.t.Helper()
	w.xs.AckConfigure(w.serial)
	b := tc.buffer(width, height, 1, color)
	w.s.Attach(b, 0, 0)
	w.s.Commit()
	tc.mustRoundtrip()
	return b
}

func hasState(states []uint32, s protocol.XdgToplevelState) bool {
	for _, x := range states {
		if x == uint32(s) {
			return true
		}
	}
	return false
}

var (
	_ protocol.WlShmHandler     = (*fakeShmGlobal)(nil)
	_ protocol.WlShmPoolHandler = (*fakePool)(nil)
	_ protocol.WlBufferHandler  = (*fakeBuffer)(nil)
)
