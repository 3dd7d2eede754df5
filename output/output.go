// Package output implements wl_output (version 4) and
// zxdg_output_manager_v1 (version 3) for the compositor's outputs.
//
// An Output is one screen: the nested window or a headless framebuffer.
// Its mode is in pixels; its scale (SetScale120, integer or fractional, in
// 1/120ths as fractional-scale-v1 counts) makes its logical size, the area
// it covers in the global compositor space, mode/scale; its position
// (SetPosition) places it in that space, (0, 0) by default. wl_output.scale
// is the scale rounded up (the integer scale a client without
// fractional-scale-v1 renders at); zxdg_output_v1 has the logical position
// and size. The mode changes when the nested window is resized (SetMode).
// All methods must be called on the display loop, except New, SetScale120
// and SetPosition before the loop runs.
package output

import (
	"fmt"

	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/server"
)

// Version is the wl_output version advertised (the highest in wayland.xml 1.21).
const Version = 4

// Output is one compositor output and its wl_output global.
type Output struct {
	d           *server.Display
	global      *server.Global
	name        string
	description string
	make, model string
	w, h        int
	refresh     int // mHz
	scale120    int // scale in 1/120ths (120 is scale 1)
	x, y        int // logical position in the global space

	resources  []*resource // bound wl_output objects, in bind order
	xdgOutputs []*xdgOutput

	onBind []func(c *server.Client, res *protocol.Object)
	onMode []func(w, h int)
}

// resource is the handler of one bound wl_output object.
type resource struct {
	o   *Output
	c   *server.Client
	obj *protocol.Object
}

// New creates an output of width x height pixels refreshing at refreshmHz
// (60000 for 60 Hz) and advertises its wl_output global. name is the
// connector-like name clients see (wl_output.name, v4), for example
// "NOFAULT-1".
func New(d *server.Display, name string, width, height, refreshmHz int) *Output {
	o := &Output{
		d:           d,
		name:        name,
		description: fmt.Sprintf("nofault output %s", name),
		make:        "nofault",
		model:       name,
		w:           width,
		h:           height,
		refresh:     refreshmHz,
		scale120:    120,
	}
	o.global = d.AddGlobal(&protocol.WlOutputInterface, Version, o.bind)
	return o
}

// Name returns the output's name (wl_output.name).
func (o *Output) Name() string { return o.name }

// Description returns the output's human-readable description.
func (o *Output) Description() string { return o.description }

// Size returns the current mode's size in pixels.
func (o *Output) Size() (w, h int) { return o.w, o.h }

// SetScale120 sets the scale in 1/120ths (180 is 1.5); values below 120
// (scales below 1) are taken as 120. Call it before clients bind.
func (o *Output) SetScale120(v int) {
	o.scale120 = max(v, 120)
}

// Scale120 returns the scale in 1/120ths.
func (o *Output) Scale120() int { return o.scale120 }

// Scale returns the scale as a number (1.5 for 180/120).
func (o *Output) Scale() float64 { return float64(o.scale120) / 120 }

// IntScale is the wl_output.scale value: the scale rounded up.
func (o *Output) IntScale() int32 { return int32((o.scale120 + 119) / 120) }

// LogicalSize is the area the output covers in the global space: the
// mode's size divided by the scale, rounded to the nearest integer.
func (o *Output) LogicalSize() (w, h int) {
	return (o.w*120 + o.scale120/2) / o.scale120, (o.h*120 + o.scale120/2) / o.scale120
}

// SetPosition places the output's top left corner at (x, y) in the
// global space (logical coordinates). Call it before clients bind.
func (o *Output) SetPosition(x, y int) { o.x, o.y = x, y }

// Position returns the output's logical position.
func (o *Output) Position() (x, y int) { return o.x, o.y }

// Refresh returns the refresh rate in mHz.
func (o *Output) Refresh() int { return o.refresh }

// Global returns the output's wl_output global.
func (o *Output) Global() *server.Global { return o.global }

// OnBind registers fn to run after a client binds the wl_output global and
// has received the initial events. The shell uses it to send
// wl_surface.enter for surfaces already shown on this output.
func (o *Output) OnBind(fn func(c *server.Client, res *protocol.Object)) {
	o.onBind = append(o.onBind, fn)
}

// OnModeChange registers fn to run after SetMode changed the size.
func (o *Output) OnModeChange(fn func(w, h int)) { o.onMode = append(o.onMode, fn) }

// Resources returns c's live wl_output objects for this output (a client
// may bind the global more than once: GLFW and Mesa each do).
func (o *Output) Resources(c *server.Client) []*protocol.Object {
	var out []*protocol.Object
	for _, r := range o.resources {
		if r.c == c {
			out = append(out, r.obj)
		}
	}
	return out
}

// FromResource returns the Output behind a wl_output object, or nil when
// obj is not one of ours.
func FromResource(obj *protocol.Object) *Output {
	if obj == nil {
		return nil
	}
	if r, ok := obj.Handler.(*resource); ok {
		return r.o
	}
	return nil
}

// SetMode changes the output's size (the nested window was resized) and
// sends mode and done to every bound client, and the new logical size to
// every xdg_output. It does nothing when the size is unchanged or invalid.
func (o *Output) SetMode(w, h int) {
	if w <= 0 || h <= 0 || (w == o.w && h == o.h) {
		return
	}
	o.w, o.h = w, h
	for _, r := range o.resources {
		r.sendMode()
	}
	lw, lh := o.LogicalSize()
	for _, x := range o.xdgOutputs {
		protocol.SendZxdgOutputV1LogicalSize(x.c.Events(), x.obj.ID, int32(lw), int32(lh))
		if x.obj.Version < 3 {
			protocol.SendZxdgOutputV1Done(x.c.Events(), x.obj.ID)
		}
	}
	for _, r := range o.resources {
		r.sendDone()
	}
	for _, fn := range o.onMode {
		fn(w, h)
	}
}

func (o *Output) bind(c *server.Client, id protocol.ObjectID, version uint32) {
	r := &resource{o: o, c: c}
	obj := c.NewObject(id, &protocol.WlOutputInterface, version, r)
	if obj == nil {
		return
	}
	r.obj = obj
	o.resources = append(o.resources, r)
	e := c.Events()
	// Physical size assuming 96 dpi: Xwayland and GTK derive a DPI from it.
	mmW, mmH := int32(o.w*254/960), int32(o.h*254/960)
	protocol.SendWlOutputGeometry(e, obj.ID, int32(o.x), int32(o.y), mmW, mmH,
		protocol.WlOutputSubpixelUnknown, o.make, o.model, protocol.WlOutputTransformNormal)
	r.sendMode()
	if version >= 2 {
		protocol.SendWlOutputScale(e, obj.ID, o.IntScale())
	}
	if version >= 4 {
		protocol.SendWlOutputName(e, obj.ID, o.name)
		protocol.SendWlOutputDescription(e, obj.ID, o.description)
	}
	r.sendDone()
	for _, fn := range o.onBind {
		fn(c, obj)
	}
}

func (r *resource) sendMode() {
	protocol.SendWlOutputMode(r.c.Events(), r.obj.ID,
		protocol.WlOutputModeCurrent|protocol.WlOutputModePreferred,
		int32(r.o.w), int32(r.o.h), int32(r.o.refresh))
}

func (r *resource) sendDone() {
	if r.obj.Version >= 2 {
		protocol.SendWlOutputDone(r.c.Events(), r.obj.ID)
	}
}

// Release handles wl_output.release (v3); the object is destroyed after.
func (r *resource) Release() error { return nil }

// OnDestroy forgets the object.
func (r *resource) OnDestroy() {
	rs := r.o.resources
	for i, x := range rs {
		if x == r {
			r.o.resources = append(rs[:i], rs[i+1:]...)
			break
		}
	}
}

var (
	_ protocol.WlOutputHandler            = (*resource)(nil)
	_ protocol.ZxdgOutputManagerV1Handler = (*xdgOutputManager)(nil)
	_ protocol.ZxdgOutputV1Handler        = (*xdgOutput)(nil)
	_ server.Destroyer                    = (*resource)(nil)
)
