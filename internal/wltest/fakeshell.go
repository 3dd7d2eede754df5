package wltest

import (
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/server"
)

// FakeShell is a minimal wl_compositor whose surfaces the test places at
// rectangles. It implements seat.Surfaces and seat.RoleSetter and is
// touched only on the display loop.
type FakeShell struct {
	created []*protocol.Object
	rects   []rect // bottom to top
	roles   map[*protocol.Object]string
}

type rect struct {
	s          *protocol.Object
	x, y, w, h float64
}

// SurfaceAt returns the topmost placed surface under x, y.
func (f *FakeShell) SurfaceAt(x, y float64) (*protocol.Object, float64, float64) {
	for i := len(f.rects) - 1; i >= 0; i-- {
		r := f.rects[i]
		if !r.s.Destroyed() && x >= r.x && y >= r.y && x < r.x+r.w && y < r.y+r.h {
			return r.s, x - r.x, y - r.y
		}
	}
	return nil, 0, 0
}

// SetRole gives s a role unless it already has another one.
func (f *FakeShell) SetRole(s *protocol.Object, role string) bool {
	if r, ok := f.roles[s]; ok && r != role {
		return false
	}
	f.roles[s] = role
	return true
}

// Role returns the role given to s, if any.
func (f *FakeShell) Role(s *protocol.Object) string { return f.roles[s] }

func (f *FakeShell) bind(c *server.Client, id protocol.ObjectID, v uint32) {
	c.NewObject(id, &protocol.WlCompositorInterface, v, &fakeCompositor{f: f, c: c, v: v})
}

type fakeCompositor struct {
	f *FakeShell
	c *server.Client
	v uint32
}

func (fc *fakeCompositor) CreateSurface(id protocol.ObjectID) error {
	if o := fc.c.NewObject(id, &protocol.WlSurfaceInterface, fc.v, fakeSurface{}); o != nil {
		fc.f.created = append(fc.f.created, o)
	}
	return nil
}

func (fc *fakeCompositor) CreateRegion(id protocol.ObjectID) error {
	return protocol.Errorf(nil, protocol.WlDisplayErrorImplementation, "no regions in this test")
}

type fakeSurface struct{}

func (fakeSurface) Destroy() error                                      { return nil }
func (fakeSurface) Attach(*protocol.Object, int32, int32) error         { return nil }
func (fakeSurface) Damage(int32, int32, int32, int32) error             { return nil }
func (fakeSurface) Frame(protocol.ObjectID) error                       { return nil }
func (fakeSurface) SetOpaqueRegion(*protocol.Object) error              { return nil }
func (fakeSurface) SetInputRegion(*protocol.Object) error               { return nil }
func (fakeSurface) Commit() error                                       { return nil }
func (fakeSurface) SetBufferTransform(protocol.WlOutputTransform) error { return nil }
func (fakeSurface) SetBufferScale(int32) error                          { return nil }
func (fakeSurface) DamageBuffer(int32, int32, int32, int32) error       { return nil }
func (fakeSurface) Offset(int32, int32) error                           { return nil }

// Created returns the surfaces made so far, in order.
func (f *FakeShell) Created() []*protocol.Object { return f.created }

var (
	_ protocol.WlCompositorHandler = (*fakeCompositor)(nil)
	_ protocol.WlSurfaceHandler    = fakeSurface{}
)
