package shell

import (
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/server"
)

// FractionalScaleVersion is the wp_fractional_scale_manager_v1 version
// advertised (the only one in wayland-protocols 1.31).
const FractionalScaleVersion = 1

// AddFractionalScale advertises wp_fractional_scale_manager_v1: a
// wp_fractional_scale_v1 per wl_surface tells its client the scale to
// render at, in 1/120ths (preferred_scale, sent when the object is made):
// the output scale (--scale). A client then draws a buffer of its logical
// size times that scale and shows it with a wp_viewport destination of
// the logical size (fractional-scale-v1.xml), which the output draws one
// buffer pixel to one output pixel.
//
// The one error, fractional_scale_exists (0) on the manager, is posted
// for a second wp_fractional_scale_v1 of one surface. The object is inert
// once its surface is destroyed.
func (sh *Shell) AddFractionalScale() *server.Global {
	return sh.d.AddGlobal(&protocol.WpFractionalScaleManagerV1Interface, FractionalScaleVersion,
		func(c *server.Client, id protocol.ObjectID, version uint32) {
			m := &fractionalManager{sh: sh, c: c}
			m.obj = c.NewObject(id, &protocol.WpFractionalScaleManagerV1Interface, version, m)
		})
}

type fractionalManager struct {
	sh  *Shell
	c   *server.Client
	obj *protocol.Object
}

// Destroy handles wp_fractional_scale_manager_v1.destroy; objects stay.
func (m *fractionalManager) Destroy() error { return nil }

// GetFractionalScale handles get_fractional_scale.
func (m *fractionalManager) GetFractionalScale(id protocol.ObjectID, surface *protocol.Object) error {
	s := m.sh.Surface(surface)
	if s == nil {
		return protocol.Errorf(nil, protocol.WlDisplayErrorImplementation, "wp_fractional_scale_manager_v1@%d: not a wl_surface", m.obj.ID)
	}
	if s.fractional != nil {
		return protocol.Errorf(m.obj, protocol.WpFractionalScaleManagerV1ErrorFractionalScaleExists,
			"wp_fractional_scale_manager_v1@%d.get_fractional_scale: wl_surface@%d already has one", m.obj.ID, surface.ID)
	}
	f := &fractionalScale{s: s}
	obj := m.c.NewObject(id, &protocol.WpFractionalScaleV1Interface, m.obj.Version, f)
	if obj == nil {
		return nil
	}
	f.obj = obj
	s.fractional = f
	protocol.SendWpFractionalScaleV1PreferredScale(m.c.Events(), obj.ID, uint32(m.sh.scale120()))
	return nil
}

// fractionalScale is a wp_fractional_scale_v1; s is nil once its surface
// is destroyed.
type fractionalScale struct {
	s   *Surface
	obj *protocol.Object
}

// Destroy handles wp_fractional_scale_v1.destroy.
func (f *fractionalScale) Destroy() error { return nil }

// OnDestroy lets the surface take another one.
func (f *fractionalScale) OnDestroy() {
	if f.s != nil {
		f.s.fractional = nil
		f.s = nil
	}
}

var (
	_ protocol.WpFractionalScaleManagerV1Handler = (*fractionalManager)(nil)
	_ protocol.WpFractionalScaleV1Handler        = (*fractionalScale)(nil)
	_ server.Destroyer                           = (*fractionalScale)(nil)
)
