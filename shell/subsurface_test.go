package shell

import (
	"image"
	"testing"

	"github.com/nofault/nofault/protocol"
	"github.com/rajveermalviya/go-wayland/wayland/client"
)

const (
	red   = 0xffff0000
	green = 0xff00ff00
	blue  = 0xff0000ff
	white = 0xffffffff
)

func colors(items []sceneItem) []uint32 {
	var out []uint32
	for _, it := range items {
		out = append(out, it.color)
	}
	return out
}

func equal(a, b []uint32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// child makes a desynchronized-or-not subsurface of parent with contents.
func (tc *tclient) child(parent *client.Surface, color uint32, x, y int32) (*client.Surface, *client.Subsurface) {
	tc.t.Helper()
	s := tc.surface()
	sub, err := tc.subc.GetSubsurface(s, parent)
	if err != nil {
		tc.t.Fatal(err)
	}
	sub.SetPosition(x, y)
	s.Attach(tc.buffer(10, 10, 1, color), 0, 0)
	s.Commit()
	return s, sub
}

func TestSubsurfaceOrdering(t *testing.T) {
	e := startEnv(t, Options{})
	tc := e.connect()
	w := tc.toplevel()
	tc.mapWindow(w, 100, 100, white)
	a, subA := tc.child(w.s, red, 1, 2)
	b, subB := tc.child(w.s, green, 3, 4)
	_ = b
	tc.mustRoundtrip()
	// Synchronized children and their positions wait for the parent.
	if got := colors(e.scene()); !equal(got, []uint32{white}) {
		t.Fatalf("before parent commit: %x, want only the parent", got)
	}
	w.s.Commit()
	tc.mustRoundtrip()
	items := e.scene()
	if got := colors(items); !equal(got, []uint32{white, red, green}) {
		t.Fatalf("after parent commit: %x, want parent, red, green", got)
	}
	if items[1].dst.Min.Sub(items[0].dst.Min) != image.Pt(1, 2) {
		t.Errorf("red at %v relative to parent, want (1,2)", items[1].dst.Min.Sub(items[0].dst.Min))
	}

	// place_below the parent and place_above a sibling apply with the
	// parent's next commit.
	subA.PlaceBelow(w.s)
	tc.mustRoundtrip()
	if got := colors(e.scene()); !equal(got, []uint32{white, red, green}) {
		t.Fatalf("restack applied before parent commit: %x", got)
	}
	w.s.Commit()
	tc.mustRoundtrip()
	if got := colors(e.scene()); !equal(got, []uint32{red, white, green}) {
		t.Fatalf("after place_below(parent): %x, want red, white, green", got)
	}
	subB.PlaceBelow(a)
	subA.PlaceAbove(w.s)
	w.s.Commit()
	tc.mustRoundtrip()
	if got := colors(e.scene()); !equal(got, []uint32{green, white, red}) {
		t.Fatalf("after reorder: %x, want green, white, red", got)
	}

	// Destroying a subsurface removes it at once.
	subA.Destroy()
	tc.mustRoundtrip()
	if got := colors(e.scene()); !equal(got, []uint32{green, white}) {
		t.Fatalf("after destroying red's subsurface: %x, want green, white", got)
	}
}

func TestSubsurfaceSyncDesync(t *testing.T) {
	e := startEnv(t, Options{})
	tc := e.connect()
	w := tc.toplevel()
	tc.mapWindow(w, 100, 100, white)
	s, sub := tc.child(w.s, red, 0, 0)
	w.s.Commit()
	tc.mustRoundtrip()

	// Sync: the new buffer is cached, and released only when used.
	b := tc.buffer(10, 10, 1, green)
	released := false
	b.SetReleaseHandler(func(client.BufferReleaseEvent) { released = true })
	s.Attach(b, 0, 0)
	s.Damage(0, 0, 10, 10)
	s.Commit()
	tc.mustRoundtrip()
	if got := colors(e.scene()); !equal(got, []uint32{white, red}) || released {
		t.Fatalf("sync child commit: scene %x released %v, want unchanged and held", got, released)
	}
	w.s.Commit()
	tc.mustRoundtrip()
	if got := colors(e.scene()); !equal(got, []uint32{white, green}) || !released {
		t.Fatalf("after parent commit: scene %x released %v, want green and released", got, released)
	}

	// Desync: a child commit applies at once.
	sub.SetDesync()
	s.Attach(tc.buffer(10, 10, 1, blue), 0, 0)
	s.Damage(0, 0, 10, 10)
	s.Commit()
	tc.mustRoundtrip()
	if got := colors(e.scene()); !equal(got, []uint32{white, blue}) {
		t.Fatalf("desync child commit: %x, want white, blue", got)
	}

	// Cached state is applied when the subsurface becomes desynchronized.
	sub.SetSync()
	s.Attach(tc.buffer(10, 10, 1, red), 0, 0)
	s.Damage(0, 0, 10, 10)
	s.Commit()
	tc.mustRoundtrip()
	if got := colors(e.scene()); !equal(got, []uint32{white, blue}) {
		t.Fatalf("sync again: %x, want cached", got)
	}
	sub.SetDesync()
	tc.mustRoundtrip()
	if got := colors(e.scene()); !equal(got, []uint32{white, red}) {
		t.Fatalf("set_desync with cache: %x, want white, red", got)
	}
}

func TestNestedSyncSubsurface(t *testing.T) {
	// A desync child of a sync child is effectively synchronized.
	e := startEnv(t, Options{})
	tc := e.connect()
	w := tc.toplevel()
	tc.mapWindow(w, 100, 100, white)
	mid, _ := tc.child(w.s, red, 0, 0)
	leaf, leafSub := tc.child(mid, green, 0, 0)
	leafSub.SetDesync()
	mid.Commit()
	w.s.Commit()
	tc.mustRoundtrip()
	if got := colors(e.scene()); !equal(got, []uint32{white, red, green}) {
		t.Fatalf("tree: %x, want white, red, green", got)
	}
	leaf.Attach(tc.buffer(10, 10, 1, blue), 0, 0)
	leaf.Damage(0, 0, 10, 10)
	leaf.Commit()
	tc.mustRoundtrip()
	if got := colors(e.scene()); !equal(got, []uint32{white, red, green}) {
		t.Fatalf("leaf applied although its parent is synchronized: %x", got)
	}
	mid.Commit() // cached too: mid is synchronized
	tc.mustRoundtrip()
	if got := colors(e.scene()); !equal(got, []uint32{white, red, green}) {
		t.Fatalf("mid commit applied before the root's: %x", got)
	}
	w.s.Commit()
	tc.mustRoundtrip()
	if got := colors(e.scene()); !equal(got, []uint32{white, red, blue}) {
		t.Fatalf("after root commit: %x, want white, red, blue", got)
	}
}

func TestSubsurfaceErrors(t *testing.T) {
	tests := []struct {
		name string
		do   func(tc *tclient) client.Proxy
		code protocol.ErrorCode
	}{
		{"own parent", func(tc *tclient) client.Proxy {
			s := tc.surface()
			tc.subc.GetSubsurface(s, s)
			return tc.subc
		}, protocol.WlSubcompositorErrorBadSurface},
		{"already a subsurface", func(tc *tclient) client.Proxy {
			p, s := tc.surface(), tc.surface()
			tc.subc.GetSubsurface(s, p)
			tc.subc.GetSubsurface(s, p)
			return tc.subc
		}, protocol.WlSubcompositorErrorBadSurface},
		{"loop", func(tc *tclient) client.Proxy {
			a, b := tc.surface(), tc.surface()
			tc.subc.GetSubsurface(b, a)
			tc.subc.GetSubsurface(a, b)
			return tc.subc
		}, protocol.WlSubcompositorErrorBadSurface},
		{"xdg role", func(tc *tclient) client.Proxy {
			w := tc.toplevel()
			tc.subc.GetSubsurface(w.s, tc.surface())
			return tc.subc
		}, protocol.WlSubcompositorErrorBadSurface},
		{"place above non-sibling", func(tc *tclient) client.Proxy {
			p, s, other := tc.surface(), tc.surface(), tc.surface()
			sub, _ := tc.subc.GetSubsurface(s, p)
			sub.PlaceAbove(other)
			return sub
		}, protocol.WlSubsurfaceErrorBadSurface},
		{"place below itself", func(tc *tclient) client.Proxy {
			p, s := tc.surface(), tc.surface()
			sub, _ := tc.subc.GetSubsurface(s, p)
			sub.PlaceBelow(s)
			return sub
		}, protocol.WlSubsurfaceErrorBadSurface},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := startEnv(t, Options{})
			tc := e.connect()
			tc.expectError(tt.do(tc), tt.code)
		})
	}
}

// TestRootToplevel follows subsurface parents (foot's decorations) to the
// toplevel a click should focus, and answers nil for surfaces of no mapped
// window.
func TestRootToplevel(t *testing.T) {
	e := startEnv(t, Options{})
	tc := e.connect()
	w := tc.toplevel()
	tc.mapWindow(w, 100, 100, white)
	a, _ := tc.child(w.s, red, 1, 2)
	b, _ := tc.child(a, green, 3, 4) // nested: a subsurface of a subsurface
	lone := tc.surface()             // no role at all
	unmapped := tc.toplevel()        // configured but never mapped
	tc.mustRoundtrip()
	// Server objects by id (single client).
	obj := func(id uint32) (o *protocol.Object) {
		for _, c := range e.d.Clients() {
			if x := c.Lookup(protocol.ObjectID(id)); x != nil {
				o = x
			}
		}
		return o
	}
	e.do(func() {
		top := obj(w.s.ID())
		for _, tc := range []struct {
			name string
			id   uint32
			want *protocol.Object
		}{
			{"toplevel itself", w.s.ID(), top},
			{"subsurface", a.ID(), top},
			{"nested subsurface", b.ID(), top},
			{"no role", lone.ID(), nil},
			{"unmapped toplevel", unmapped.s.ID(), nil},
		} {
			if got := e.sh.RootToplevel(obj(tc.id)); got != tc.want {
				t.Errorf("%s: RootToplevel = %v, want %v", tc.name, got, tc.want)
			}
		}
	})
}
