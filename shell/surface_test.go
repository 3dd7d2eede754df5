package shell

import (
	"image"
	"strings"
	"testing"
	"time"

	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/server"
	"github.com/rajveermalviya/go-wayland/wayland/client"
)

func TestDoubleBufferedState(t *testing.T) {
	e := startEnv(t, Options{})
	tc := e.connect()
	w := tc.toplevel()
	if w.configures != 1 {
		t.Fatalf("initial commit gave %d configures, want 1", w.configures)
	}
	w.xs.AckConfigure(w.serial)
	b := tc.buffer(100, 80, 1, 0xff0000ff)
	w.s.Attach(b, 0, 0)
	w.s.Damage(0, 0, 100, 80)
	tc.mustRoundtrip()
	if items := e.scene(); len(items) != 0 {
		t.Fatalf("scene before commit = %v, want empty", items)
	}
	w.s.Commit()
	tc.mustRoundtrip()
	items := e.scene()
	if len(items) != 1 || items[0].color != 0xff0000ff || items[0].dst.Size() != image.Pt(100, 80) {
		t.Fatalf("scene after commit = %v, want one 100x80 blue item", items)
	}
	// Placement: centred in the 800x600 output.
	if want := image.Rect(350, 260, 450, 340); items[0].dst != want {
		t.Errorf("window at %v, want %v (centred)", items[0].dst, want)
	}

	// New contents, damage and scale: nothing changes before commit.
	b2 := tc.buffer(100, 80, 1, 0xff00ff00)
	w.s.Attach(b2, 0, 0)
	w.s.DamageBuffer(10, 10, 5, 5)
	w.s.SetBufferScale(2)
	tc.mustRoundtrip()
	if items := e.scene(); items[0].color != 0xff0000ff || items[0].scale != 1 {
		t.Fatalf("pending state leaked into the scene: %v", items)
	}
	w.s.Commit()
	tc.mustRoundtrip()
	items = e.scene()
	if items[0].color != 0xff00ff00 || items[0].scale != 2 || items[0].dst.Size() != image.Pt(50, 40) {
		t.Fatalf("after commit = %v, want green, scale 2, 50x40", items)
	}
	var uploads [][]image.Rectangle
	e.do(func() {
		for s := range e.sh.surfaces {
			uploads = s.tex.(*fakeTexture).uploads
		}
	})
	if len(uploads) != 2 || len(uploads[0]) != 0 || len(uploads[1]) != 1 || uploads[1][0] != image.Rect(10, 10, 15, 15) {
		t.Fatalf("uploads = %v, want [full, [(10,10)-(15,15)]]", uploads)
	}

	// A NULL attach unmaps at commit only.
	w.s.Attach(nil, 0, 0)
	tc.mustRoundtrip()
	if len(e.scene()) != 1 {
		t.Fatal("NULL attach took effect before commit")
	}
	w.s.Commit()
	tc.mustRoundtrip()
	if items := e.scene(); len(items) != 0 {
		t.Fatalf("scene after NULL commit = %v, want empty", items)
	}
}

func TestBufferReleasedAfterCommit(t *testing.T) {
	e := startEnv(t, Options{})
	tc := e.connect()
	w := tc.toplevel()
	w.xs.AckConfigure(w.serial)
	released := map[uint32]int{}
	bufs := []*client.Buffer{tc.buffer(64, 64, 1, 0xff112233), tc.buffer(64, 64, 1, 0xff445566)}
	for _, b := range bufs {
		b.SetReleaseHandler(func(client.BufferReleaseEvent) { released[b.ID()]++ })
	}
	// Alternate two buffers like weston-simple-shm: each must come back
	// before the round trip that follows its commit ends.
	for i := 0; i < 6; i++ {
		b := bufs[i%2]
		w.s.Attach(b, 0, 0)
		w.s.Damage(0, 0, 64, 64)
		tc.mustRoundtrip()
		if released[b.ID()] != i/2 {
			t.Fatalf("commit %d: buffer released before its commit (%d)", i, released[b.ID()])
		}
		w.s.Commit()
		tc.mustRoundtrip()
		if released[b.ID()] != i/2+1 {
			t.Fatalf("commit %d: buffer released %d times, want %d right after the commit", i, released[b.ID()], i/2+1)
		}
	}
	var st Stats
	e.do(func() { st = e.sh.Stats() })
	if st.BuffersUsed != 6 || st.Uploads != 6 || st.Toplevels != 1 || st.Surfaces != 1 || st.Commits < 7 {
		t.Errorf("stats %+v", st)
	}
}

func TestFrameCallbacksOrder(t *testing.T) {
	e := startEnv(t, Options{})
	tc := e.connect()
	w := tc.toplevel()
	tc.mapWindow(w, 10, 10, 0xffffffff)
	var order []int
	var times []uint32
	cb := func(n int) {
		c, err := w.s.Frame()
		if err != nil {
			t.Fatal(err)
		}
		c.SetDoneHandler(func(ev client.CallbackDoneEvent) { order = append(order, n); times = append(times, ev.CallbackData) })
	}
	cb(1)
	w.s.Commit()
	cb(2)
	w.s.Commit()
	cb(3) // not committed
	tc.mustRoundtrip()
	if len(order) != 0 {
		t.Fatalf("callbacks done before the frame: %v", order)
	}
	now := time.UnixMilli(123456789)
	e.frame(now)
	tc.mustRoundtrip()
	if len(order) != 2 || order[0] != 1 || order[1] != 2 {
		t.Fatalf("done order = %v, want [1 2]", order)
	}
	if times[0] != uint32(now.UnixMilli()) {
		t.Errorf("done time = %d, want %d", times[0], uint32(now.UnixMilli()))
	}
	w.s.Commit()
	tc.mustRoundtrip()
	e.frame(now.Add(16 * time.Millisecond))
	tc.mustRoundtrip()
	if len(order) != 3 || order[2] != 3 {
		t.Fatalf("done order = %v, want [1 2 3]", order)
	}
}

func TestFrameCallbackOnUnmappedSurface(t *testing.T) {
	// Lenient like weston: a surface with no role still gets its done.
	e := startEnv(t, Options{})
	tc := e.connect()
	s := tc.surface()
	done := false
	c, _ := s.Frame()
	c.SetDoneHandler(func(client.CallbackDoneEvent) { done = true })
	s.Commit()
	tc.mustRoundtrip()
	e.frame(time.Now())
	tc.mustRoundtrip()
	if !done {
		t.Fatal("frame callback of an unmapped surface never done")
	}
}

// TestFrameCallbackLimits: max_surface_frame_callbacks bounds one
// surface's pending callbacks and max_frame_callbacks the client's over
// all its surfaces, each error naming its own key (they were one key,
// checked per surface and per client).
func TestFrameCallbackLimits(t *testing.T) {
	tests := []struct {
		name            string
		lim             server.Limits
		surfaces, calls int // calls per surface
		key             string
	}{
		{"per surface", server.Limits{MaxSurfaceFrameCallbacks: 4, MaxFrameCallbacks: 100}, 1, 5, "max_surface_frame_callbacks (4)"},
		{"per client", server.Limits{MaxSurfaceFrameCallbacks: 4, MaxFrameCallbacks: 10}, 3, 4, "max_frame_callbacks (10)"},
		{"within both", server.Limits{MaxSurfaceFrameCallbacks: 4, MaxFrameCallbacks: 12}, 3, 4, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := startEnvLimits(t, Options{}, tt.lim)
			tc := e.connect()
			for range tt.surfaces {
				s := tc.surface()
				for range tt.calls {
					s.Frame()
				}
			}
			if tt.key == "" {
				if err := tc.roundtrip(); err != nil || tc.err != nil {
					t.Fatalf("roundtrip: %v, error %+v", err, tc.err)
				}
				return
			}
			tc.expectError(tc.disp, protocol.WlDisplayErrorNoMemory)
			if !strings.Contains(tc.err.msg, tt.key+" exceeded") {
				t.Errorf("error %q, want it to name %s", tc.err.msg, tt.key)
			}
		})
	}
}

func TestSurfaceErrors(t *testing.T) {
	tests := []struct {
		name string
		do   func(tc *tclient, s *client.Surface) client.Proxy
		code protocol.ErrorCode
	}{
		{"scale zero", func(tc *tclient, s *client.Surface) client.Proxy { s.SetBufferScale(0); return s }, protocol.WlSurfaceErrorInvalidScale},
		{"scale negative", func(tc *tclient, s *client.Surface) client.Proxy { s.SetBufferScale(-2); return s }, protocol.WlSurfaceErrorInvalidScale},
		{"transform 8", func(tc *tclient, s *client.Surface) client.Proxy { s.SetBufferTransform(8); return s }, protocol.WlSurfaceErrorInvalidTransform},
		{"transform -1", func(tc *tclient, s *client.Surface) client.Proxy { s.SetBufferTransform(-1); return s }, protocol.WlSurfaceErrorInvalidTransform},
		{"attach offset at v5", func(tc *tclient, s *client.Surface) client.Proxy {
			s.Attach(tc.buffer(4, 4, 0, 0), 1, 0)
			return s
		}, protocol.WlSurfaceErrorInvalidOffset},
		{"size not multiple of scale", func(tc *tclient, s *client.Surface) client.Proxy {
			s.Attach(tc.buffer(3, 4, 0, 0), 0, 0)
			s.SetBufferScale(2)
			s.Commit()
			return s
		}, protocol.WlSurfaceErrorInvalidSize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := startEnv(t, Options{})
			tc := e.connect()
			s := tc.surface()
			obj := tt.do(tc, s)
			tc.expectError(obj, tt.code)
		})
	}
}

func TestBufferDamageTransform(t *testing.T) {
	// A 40x20 buffer; surface damage in the transformed, scaled space.
	tests := []struct {
		transform render.Transform
		scale     int32
		damage    image.Rectangle // surface coordinates
		want      image.Rectangle // buffer coordinates
	}{
		{render.TransformNormal, 1, image.Rect(1, 2, 5, 4), image.Rect(1, 2, 5, 4)},
		{render.TransformNormal, 2, image.Rect(1, 2, 5, 4), image.Rect(2, 4, 10, 8)},
		{render.TransformNormal, 1, image.Rect(-10, -10, 1000, 1000), image.Rect(0, 0, 40, 20)},
		// 90: upright is 20x40; surface (x, y) shows buffer (y, W-1-x).
		{render.Transform90, 1, image.Rect(0, 0, 1, 1), image.Rect(0, 19, 1, 20)},
		{render.Transform180, 1, image.Rect(0, 0, 1, 1), image.Rect(39, 19, 40, 20)},
		{render.Transform270, 1, image.Rect(0, 0, 1, 1), image.Rect(39, 0, 40, 1)},
		{render.TransformFlipped, 1, image.Rect(0, 0, 1, 1), image.Rect(39, 0, 40, 1)},
		{render.TransformFlipped90, 1, image.Rect(2, 3, 4, 5), image.Rect(3, 2, 5, 4)},
		{render.TransformFlipped180, 1, image.Rect(0, 0, 1, 1), image.Rect(0, 19, 1, 20)},
		{render.TransformFlipped270, 1, image.Rect(0, 0, 1, 1), image.Rect(39, 19, 40, 20)},
	}
	for _, tt := range tests {
		s := &Surface{scale: tt.scale, transform: tt.transform, hasBuffer: true, bufW: 40, bufH: 20}
		st := &state{damage: []image.Rectangle{tt.damage}}
		got := s.bufferDamage(st)
		if len(got) != 1 || got[0] != tt.want {
			t.Errorf("transform %d scale %d damage %v: got %v, want %v", tt.transform, tt.scale, tt.damage, got, tt.want)
		}
	}
}

func TestRegion(t *testing.T) {
	var rs rects
	rs = rs.add(image.Rect(0, 0, 10, 10))
	rs = rs.subtract(image.Rect(2, 2, 4, 4))
	rs = rs.add(image.Rect(5, 5, 20, 6))
	for _, tt := range []struct {
		p    image.Point
		want bool
	}{{image.Pt(0, 0), true}, {image.Pt(3, 3), false}, {image.Pt(9, 9), true}, {image.Pt(15, 5), true}, {image.Pt(15, 6), false}} {
		if got := rs.contains(tt.p); got != tt.want {
			t.Errorf("contains(%v) = %v, want %v", tt.p, got, tt.want)
		}
	}
	var area int
	for _, r := range rs {
		area += r.Dx() * r.Dy()
	}
	if want := 100 - 4 + 10; area != want {
		t.Errorf("area = %d, want %d (rectangles must stay disjoint)", area, want)
	}
}
