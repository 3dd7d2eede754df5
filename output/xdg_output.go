package output

import (
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/server"
)

// XdgOutputManagerVersion is the zxdg_output_manager_v1 version advertised.
const XdgOutputManagerVersion = 3

// AddXdgOutputManager advertises zxdg_output_manager_v1, which describes
// any Output created with New on d. Call it once per display.
func AddXdgOutputManager(d *server.Display) *server.Global {
	return d.AddGlobal(&protocol.ZxdgOutputManagerV1Interface, XdgOutputManagerVersion,
		func(c *server.Client, id protocol.ObjectID, version uint32) {
			m := &xdgOutputManager{c: c}
			m.obj = c.NewObject(id, &protocol.ZxdgOutputManagerV1Interface, version, m)
		})
}

type xdgOutputManager struct {
	c   *server.Client
	obj *protocol.Object
}

// Destroy handles zxdg_output_manager_v1.destroy; existing xdg_outputs stay.
func (m *xdgOutputManager) Destroy() error { return nil }

// GetXdgOutput sends the initial logical position, size, name and
// description. From version 3 on the sequence ends with wl_output.done on
// the wl_output (zxdg_output_v1.done is deprecated); before it with
// zxdg_output_v1.done.
func (m *xdgOutputManager) GetXdgOutput(id protocol.ObjectID, output *protocol.Object) error {
	r, _ := output.Handler.(*resource)
	x := &xdgOutput{c: m.c}
	obj := m.c.NewObject(id, &protocol.ZxdgOutputV1Interface, m.obj.Version, x)
	if obj == nil {
		return nil
	}
	x.obj = obj
	if r == nil {
		// Not one of our outputs (cannot happen with the type-checked
		// decoder, but keep the object inert rather than crash).
		return nil
	}
	o := r.o
	x.o = o
	o.xdgOutputs = append(o.xdgOutputs, x)
	e := m.c.Events()
	lw, lh := o.LogicalSize()
	protocol.SendZxdgOutputV1LogicalPosition(e, obj.ID, int32(o.x), int32(o.y))
	protocol.SendZxdgOutputV1LogicalSize(e, obj.ID, int32(lw), int32(lh))
	if obj.Version >= 2 {
		protocol.SendZxdgOutputV1Name(e, obj.ID, o.name)
		protocol.SendZxdgOutputV1Description(e, obj.ID, o.description)
	}
	if obj.Version >= 3 {
		r.sendDone()
	} else {
		protocol.SendZxdgOutputV1Done(e, obj.ID)
	}
	return nil
}

type xdgOutput struct {
	o   *Output
	c   *server.Client
	obj *protocol.Object
}

// Destroy handles zxdg_output_v1.destroy.
func (x *xdgOutput) Destroy() error { return nil }

// OnDestroy forgets the object.
func (x *xdgOutput) OnDestroy() {
	if x.o == nil {
		return
	}
	xs := x.o.xdgOutputs
	for i, y := range xs {
		if y == x {
			x.o.xdgOutputs = append(xs[:i], xs[i+1:]...)
			break
		}
	}
}
