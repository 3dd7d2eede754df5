package shell

import (
	"encoding/binary"
	"fmt"
	"image"
	"runtime"
	"testing"
	"time"

	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/render/soft"
	"github.com/nofault/nofault/server"
	"github.com/nofault/nofault/shm"
	"github.com/rajveermalviya/go-wayland/wayland/client"
	"golang.org/x/sys/unix"
)

// Regression tests for issue 16's rendering rows: a big buffer must cost
// the compositor no copy at commit (soft renderer), no copy per surface
// showing it, no memory once its client is gone, and a copying renderer
// must refuse a buffer it cannot hold before copying anything.

// heapInUse returns the Go heap in use after a full collection.
func heapInUse() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapInuse)
}

// sparseBuffer makes a w x h ARGB8888 buffer on a memfd that is never
// written except its first row (red): the client's memory costs nothing
// until someone reads it. The pool is unsealed, so shm guards it.
func (tc *tclient) sparseBuffer(w, h int) *client.Buffer {
	tc.t.Helper()
	size := w * h * 4
	fd, err := unix.MemfdCreate("big-buffer", unix.MFD_CLOEXEC)
	if err != nil {
		tc.t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := unix.Ftruncate(fd, int64(size)); err != nil {
		tc.t.Fatal(err)
	}
	row := make([]byte, w*4)
	for i := 0; i < len(row); i += 4 {
		binary.LittleEndian.PutUint32(row[i:], 0xffff0000)
	}
	if _, err := unix.Pwrite(fd, row, 0); err != nil {
		tc.t.Fatal(err)
	}
	pool, err := tc.shm.CreatePool(fd, int32(size))
	if err != nil {
		tc.t.Fatal(err)
	}
	buf, err := pool.CreateBuffer(0, int32(w), int32(h), int32(w*4), 0)
	if err != nil {
		tc.t.Fatal(err)
	}
	pool.Destroy()
	return buf
}

// renderOnce renders the current scene with r on the display loop.
func (e *env) renderOnce(r render.Renderer) {
	e.t.Helper()
	var err error
	e.do(func() { err = r.Render(e.sh.Scene(), 800, 600) })
	if err != nil {
		e.t.Fatal(err)
	}
}

// TestBigBufferNoCopyPerSurface commits one 64 MiB buffer on three
// toplevels and renders: the soft renderer draws from the client's memory,
// so the compositor's heap does not grow by the buffer (it grew by two
// buffers per surface, a staging copy and a texture, before), and the
// pixels still reach the output.
func TestBigBufferNoCopyPerSurface(t *testing.T) {
	r := soft.New()
	e := startEnvWith(t, r, Options{}, true, server.Limits{})
	tc := e.connect()
	const w, h = 4096, 4096 // 64 MiB
	buf := tc.sparseBuffer(w, h)
	before := heapInUse()
	for range 3 {
		win := tc.toplevel()
		win.xs.AckConfigure(win.serial)
		win.s.Attach(buf, 0, 0)
		win.s.Commit()
	}
	tc.mustRoundtrip()
	e.renderOnce(r)
	grown := heapInUse() - before
	if grown > 16<<20 {
		t.Errorf("heap grew by %d MiB for a 64 MiB buffer on 3 surfaces, want no copy", grown>>20)
	}
	if n := len(e.sceneItems()); n != 3 {
		t.Fatalf("scene has %d items, want 3", n)
	}
	img, err := render.ReadImage(r, image.Rect(0, 0, 800, 600))
	if err != nil {
		t.Fatal(err)
	}
	var top image.Rectangle
	e.do(func() { top = e.sh.Scene().Items[2].Dst })
	if c := img.RGBAAt(top.Min.X, top.Min.Y); c.R != 0xff || c.G != 0 || c.B != 0 {
		t.Errorf("pixel at the buffer's first row = %v, want red", c)
	}
}

// TestBigBufferReleasedWhenClientGoes: the held buffer's mapping is
// unmapped once its client is gone, and nothing buffer-sized stays on the
// heap.
func TestBigBufferReleasedWhenClientGoes(t *testing.T) {
	r := soft.New()
	e := startEnvWith(t, r, Options{}, true, server.Limits{})
	base := shmCounters.Read().BytesMapped
	heap0 := heapInUse()
	tc := e.connect()
	const w, h = 4096, 4096
	buf := tc.sparseBuffer(w, h)
	win := tc.toplevel()
	win.xs.AckConfigure(win.serial)
	win.s.Attach(buf, 0, 0)
	win.s.Commit()
	tc.mustRoundtrip()
	e.renderOnce(r)
	if got := shmCounters.Read().BytesMapped - base; got < w*h*4 {
		t.Fatalf("bytes mapped while shown = %d, want the buffer's pool held", got)
	}
	tc.ctx.Close()
	// Wait for the server to have destroyed the client: the mapping goes
	// with its last holder.
	waitFor(t, "the big pool unmapped after its client left", func() bool {
		return e.stats().Surfaces == 0 && shmCounters.Read().BytesMapped == base
	})
	e.renderOnce(r)
	if grown := heapInUse() - heap0; grown > 16<<20 {
		t.Errorf("heap still %d MiB above its start after the client left", grown>>20)
	}
}

// showHeld starts a shell on the soft renderer with one client whose
// toplevel shows buffer a (of two 64x64 ones, a and b), held by the
// renderer; released counts each buffer's wl_buffer.release by id.
func showHeld(t *testing.T) (e *env, tc *tclient, win *window, a, b *client.Buffer, released map[uint32]int) {
	t.Helper()
	e = startEnvWith(t, soft.New(), Options{}, true, server.Limits{})
	tc = e.connect()
	a, b = tc.sparseBuffer(64, 64), tc.sparseBuffer(64, 64)
	released = map[uint32]int{}
	for _, x := range []*client.Buffer{a, b} {
		x.SetReleaseHandler(func(client.BufferReleaseEvent) { released[x.ID()]++ })
	}
	win = tc.toplevel()
	win.xs.AckConfigure(win.serial)
	win.s.Attach(a, 0, 0)
	win.s.Commit()
	tc.mustRoundtrip()
	return e, tc, win, a, b, released
}

// TestHeldBufferReleasedOnReplace: a buffer the soft renderer draws from is
// busy until the next buffer replaces it, then released exactly once.
func TestHeldBufferReleasedOnReplace(t *testing.T) {
	_, tc, win, a, b, released := showHeld(t)
	if released[a.ID()] != 0 {
		t.Fatalf("buffer released while shown")
	}
	// Committed again (redrawn in place): still shown, still busy.
	win.s.Attach(a, 0, 0)
	win.s.DamageBuffer(0, 0, 8, 8)
	win.s.Commit()
	tc.mustRoundtrip()
	if released[a.ID()] != 0 {
		t.Fatalf("buffer released when committed again while shown")
	}
	win.s.Attach(b, 0, 0)
	win.s.DamageBuffer(0, 0, 64, 64)
	win.s.Commit()
	tc.mustRoundtrip()
	if released[a.ID()] != 1 || released[b.ID()] != 0 {
		t.Fatalf("after replacing a by b: releases a=%d b=%d, want 1 and 0", released[a.ID()], released[b.ID()])
	}
	win.s.Attach(nil, 0, 0)
	win.s.Commit()
	tc.mustRoundtrip()
	if released[b.ID()] != 1 {
		t.Fatalf("after a NULL attach: b released %d times, want 1", released[b.ID()])
	}
}

// TestHeldBufferReleasedWithFrameCallback: a held buffer replaced by a
// commit that asks for a frame callback is released with that callback,
// at the next output frame, and only then (one wake-up of the client for
// both); the compositor's frame clock must keep running until it is.
func TestHeldBufferReleasedWithFrameCallback(t *testing.T) {
	e, tc, win, a, b, released := showHeld(t)
	win.s.Attach(b, 0, 0)
	win.s.DamageBuffer(0, 0, 64, 64)
	cb, err := win.s.Frame()
	if err != nil {
		t.Fatal(err)
	}
	done := 0
	cb.SetDoneHandler(func(client.CallbackDoneEvent) {
		if released[a.ID()] != 1 {
			t.Errorf("frame callback before a's release (released %d times)", released[a.ID()])
		}
		done++
	})
	win.s.Commit()
	tc.mustRoundtrip()
	pending := 0
	e.do(func() { pending = e.sh.PendingReleases() })
	if released[a.ID()] != 0 || pending != 1 {
		t.Fatalf("before the frame: a released %d times, %d releases pending; want 0 and 1", released[a.ID()], pending)
	}
	e.frame(time.Now())
	tc.mustRoundtrip()
	e.do(func() { pending = e.sh.PendingReleases() })
	if released[a.ID()] != 1 || released[b.ID()] != 0 || done != 1 || pending != 0 {
		t.Fatalf("after the frame: releases a=%d b=%d, callbacks %d, pending %d; want 1, 0, 1, 0", released[a.ID()], released[b.ID()], done, pending)
	}
}

// TestHeldBufferReleasedWhenSurfaceGoes: a replaced buffer waiting for the
// next frame is released when its surface is destroyed (its client gone),
// without a frame: the pool is unmapped as the client leaves.
func TestHeldBufferReleasedWhenSurfaceGoes(t *testing.T) {
	r := soft.New()
	e := startEnvWith(t, r, Options{}, true, server.Limits{})
	base := shmCounters.Read().BytesMapped
	tc := e.connect()
	a, b := tc.sparseBuffer(64, 64), tc.sparseBuffer(64, 64)
	win := tc.toplevel()
	win.xs.AckConfigure(win.serial)
	win.s.Attach(a, 0, 0)
	win.s.Commit()
	win.s.Attach(b, 0, 0)
	if _, err := win.s.Frame(); err != nil {
		t.Fatal(err)
	}
	win.s.Commit()
	tc.mustRoundtrip()
	pending := 0
	e.do(func() { pending = e.sh.PendingReleases() })
	if pending != 1 {
		t.Fatalf("%d releases pending, want a's", pending)
	}
	tc.ctx.Close()
	waitFor(t, "the pools unmapped after the client left, with no frame", func() bool {
		e.do(func() { pending = e.sh.PendingReleases() })
		return e.stats().Surfaces == 0 && pending == 0 && shmCounters.Read().BytesMapped == base
	})
}

// limitedRenderer is a copying renderer with a largest texture size, as
// render/gl has; with holds its textures take held buffers
// (render.BufferTexture) and copy them later, as render/gl's proxied ones
// do.
type limitedRenderer struct {
	fakeRenderer
	max   int
	holds bool
}

func (l *limitedRenderer) MaxTextureSize() int { return l.max }

func (l *limitedRenderer) NewTexture() render.Texture {
	if l.holds {
		return &heldTexture{}
	}
	return &fakeTexture{}
}

// heldTexture is a render.BufferTexture that only keeps the buffer.
type heldTexture struct {
	fakeTexture
	px *shm.Pixels
}

func (t *heldTexture) Attach(px *shm.Pixels, _ []image.Rectangle) error {
	t.px, t.w, t.h = px, px.Width(), px.Height()
	return nil
}

// TestCopyRefusedBeforeCopy: a buffer larger than a copying renderer's
// texture size, or than max_upload_bytes, is refused at commit before
// anything is copied or held (the surface shows nothing, the buffer is
// released); one within both is uploaded, or held by a texture that
// copies it later.
func TestCopyRefusedBeforeCopy(t *testing.T) {
	for _, tt := range []struct {
		name     string
		w, h     int
		maxSize  int
		maxBytes int64
		refused  bool
	}{
		{"1xN over the texture size", 1, 4 << 20, 16384, 0, true},
		{"over max_upload_bytes", 2048, 2048, 16384, 8 << 20, true},
		{"within both", 1024, 1024, 16384, 8 << 20, false},
	} {
		for _, holds := range []bool{false, true} {
			name := tt.name
			if holds {
				name += ", held"
			}
			t.Run(name, func(t *testing.T) {
				e := startEnvWith(t, &limitedRenderer{max: tt.maxSize, holds: holds}, Options{}, holds, server.Limits{MaxUploadBytes: tt.maxBytes})
				tc := e.connect()
				win := tc.toplevel()
				win.xs.AckConfigure(win.serial)
				b := tc.sparseBuffer(tt.w, tt.h)
				released := false
				b.SetReleaseHandler(func(client.BufferReleaseEvent) { released = true })
				heap0 := heapInUse()
				win.s.Attach(b, 0, 0)
				win.s.Commit()
				tc.mustRoundtrip()
				grown := heapInUse() - heap0
				items := len(e.sceneItems())
				if tt.refused {
					if items != 0 || grown > int64(tt.w*tt.h*4)/2 {
						t.Errorf("refused buffer: %d scene items, heap grew %d bytes; want none and no copy", items, grown)
					}
					if e.stats().Refused != 1 {
						t.Errorf("Refused = %d, want 1", e.stats().Refused)
					}
				} else if items != 1 {
					t.Errorf("%d scene items, want the buffer shown", items)
				}
				if want := tt.refused || !holds; released != want {
					t.Errorf("buffer released at commit: %v, want %v", released, want)
				}
				if tc.err != nil {
					t.Errorf("protocol error %+v, want a refusal without one", *tc.err)
				}
			})
		}
	}
}

// sceneItems returns the current scene's items.
func (e *env) sceneItems() []render.Item {
	var items []render.Item
	e.do(func() { items = e.sh.Scene().Items })
	return items
}

// stats returns the shell's counters.
func (e *env) stats() Stats {
	var st Stats
	e.do(func() { st = e.sh.Stats() })
	return st
}

// waitFor polls cond (on this goroutine) until it holds, for at most 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestCopyPathMemoryReturnedWhenClientGoes: with a copying renderer the
// staging copy of a departed client's surface is freed. The stack of
// toplevels kept a stale pointer to the last one removed, so its surface
// and staging stayed alive until another toplevel mapped.
func TestCopyPathMemoryReturnedWhenClientGoes(t *testing.T) {
	e := startEnv(t, Options{})
	bystander := e.connect()
	bystander.mapWindow(bystander.toplevel(), 64, 64, 0xff00ff00)
	heap0 := heapInUse()
	tc := e.connect()
	tc.mapWindow(tc.toplevel(), 2048, 2048, 0xffff0000) // 16 MiB staged
	if grown := heapInUse() - heap0; grown < 12<<20 {
		t.Fatalf("heap grew by %d bytes: the copy path did not stage the buffer", grown)
	}
	tc.ctx.Close()
	waitFor(t, "the client's surface destroyed", func() bool { return e.stats().Surfaces == 1 })
	if grown := heapInUse() - heap0; grown > 4<<20 {
		t.Errorf("heap still %d MiB above its start after the client left", grown>>20)
	}
}

// TestOpaqueRegionMakesItemOpaque: an ARGB surface whose opaque region
// covers it is drawn as opaque (the renderer culls what is below it); a
// region that covers only part of it, or that a larger buffer outgrows,
// is not.
func TestOpaqueRegionMakesItemOpaque(t *testing.T) {
	e := startEnv(t, Options{})
	tc := e.connect()
	win := tc.toplevel()
	win.xs.AckConfigure(win.serial)
	region := func(w, h int32) *client.Region {
		r, err := tc.comp.CreateRegion()
		if err != nil {
			t.Fatal(err)
		}
		r.Add(0, 0, w/2, h)
		r.Add(w/2, 0, w-w/2, h)
		return r
	}
	commit := func(bw, bh int, r *client.Region) bool {
		win.s.Attach(tc.buffer(bw, bh, 0, 0xff102030), 0, 0)
		if r != nil {
			win.s.SetOpaqueRegion(r)
		}
		win.s.Commit()
		tc.mustRoundtrip()
		items := e.sceneItems()
		if len(items) != 1 {
			t.Fatalf("%d scene items, want 1", len(items))
		}
		return items[0].Opaque
	}
	if commit(40, 30, nil) {
		t.Errorf("ARGB surface without an opaque region drawn opaque")
	}
	if !commit(40, 30, region(40, 30)) {
		t.Errorf("ARGB surface covered by its opaque region (two halves) not drawn opaque")
	}
	if commit(50, 30, nil) {
		t.Errorf("opaque region outgrown by a larger buffer still drawn opaque")
	}
	if commit(50, 30, region(50, 20)) {
		t.Errorf("opaque region covering part of the surface drawn opaque")
	}
}

// TestOpaqueRegionBody: a window whose opaque region is its body inside
// client-side shadows (several rectangles, as rounded corners give) is
// drawn with the largest of them as its opaque area, in output pixels at
// the window's place, at scale 1 and at a fractional scale; none without
// a region, and none once it is unset.
func TestOpaqueRegionBody(t *testing.T) {
	for _, scale120 := range []int{120, 180} {
		t.Run(fmt.Sprint(scale120), func(t *testing.T) {
			vc := startScaled(t, scale120)
			win := vc.toplevel()
			win.xs.AckConfigure(win.serial)
			body := func() *client.Region {
				r, err := vc.comp.CreateRegion()
				if err != nil {
					t.Fatal(err)
				}
				r.Add(12, 10, 76, 2)  // the rounded top corners' row
				r.Add(10, 12, 80, 48) // the body
				return r
			}
			commit := func(r *client.Region, unset bool) render.Item {
				win.s.Attach(vc.buffer(100, 70, 0, 0x40000000), 0, 0)
				if r != nil || unset {
					win.s.SetOpaqueRegion(r)
				}
				win.s.Commit()
				vc.mustRoundtrip()
				items := vc.e.sceneItems()
				if len(items) != 1 {
					t.Fatalf("%d scene items, want 1", len(items))
				}
				return items[0]
			}
			if it := commit(nil, false); it.OpaqueRect != (image.Rectangle{}) {
				t.Errorf("no opaque region: opaque area %v", it.OpaqueRect)
			}
			it := commit(body(), false)
			px := func(v int) int { return (v*scale120 + 60) / 120 }
			o := it.Dst.Min
			want := image.Rect(o.X+px(10), o.Y+px(12), o.X+px(90), o.Y+px(60))
			if w := it.Dst.Dx(); w != px(100) {
				t.Fatalf("window %d pixels wide, want %d", w, px(100))
			}
			if it.Opaque || it.OpaqueRect != want {
				t.Errorf("body inside shadows: opaque %v, opaque area %v, want %v", it.Opaque, it.OpaqueRect, want)
			}
			if it := commit(nil, true); it.OpaqueRect != (image.Rectangle{}) {
				t.Errorf("opaque region unset: opaque area %v", it.OpaqueRect)
			}
		})
	}
}

// TestHeldBufferNotReleasedFromSubsurfaceCache: a synchronized subsurface
// that caches the buffer it is showing, then replaces it in the cache,
// does not get that buffer released while it is still drawn from.
func TestHeldBufferNotReleasedFromSubsurfaceCache(t *testing.T) {
	r := soft.New()
	e := startEnvWith(t, r, Options{}, true, server.Limits{})
	tc := e.connect()
	w := tc.toplevel()
	w.xs.AckConfigure(w.serial)
	w.s.Attach(tc.sparseBuffer(64, 64), 0, 0)
	w.s.Commit()
	s := tc.surface()
	if _, err := tc.subc.GetSubsurface(s, w.s); err != nil {
		t.Fatal(err)
	}
	a, b := tc.sparseBuffer(8, 8), tc.sparseBuffer(8, 8)
	released := map[uint32]int{}
	for _, x := range []*client.Buffer{a, b} {
		x.SetReleaseHandler(func(client.BufferReleaseEvent) { released[x.ID()]++ })
	}
	s.Attach(a, 0, 0)
	s.Commit()
	w.s.Commit() // applies the child's cache: a is shown (held)
	tc.mustRoundtrip()
	s.Attach(a, 0, 0)
	s.Commit() // a cached again
	s.Attach(b, 0, 0)
	s.Commit() // b replaces a in the cache
	tc.mustRoundtrip()
	if released[a.ID()] != 0 {
		t.Fatalf("shown buffer released %d times when replaced in the cache", released[a.ID()])
	}
	w.s.Commit() // b shown
	tc.mustRoundtrip()
	if released[a.ID()] != 1 || released[b.ID()] != 0 {
		t.Fatalf("after the parent commit: releases a=%d b=%d, want 1 and 0", released[a.ID()], released[b.ID()])
	}
}
