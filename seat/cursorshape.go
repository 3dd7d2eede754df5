package seat

import (
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/server"
)

// This file is wp_cursor_shape_manager_v1: a client names its cursor
// ("text", "pointer", "ew_resize", ...) instead of drawing it in a
// wl_surface. The seat's Cursor then carries the name in Shape, for the
// backend to show its own cursor of that name. The same rules as
// wl_pointer.set_cursor apply: only the client with the pointer focus,
// with the serial of an enter it was sent (or later), changes it.

// CursorShapeVersion is the wp_cursor_shape_manager_v1 version.
const CursorShapeVersion = 1

// cursorShapes are the shape enum's names, by value (1 to 34).
var cursorShapes = [...]string{"", "default", "context-menu", "help", "pointer", "progress", "wait",
	"cell", "crosshair", "text", "vertical-text", "alias", "copy", "move", "no-drop", "not-allowed",
	"grab", "grabbing", "e-resize", "n-resize", "ne-resize", "nw-resize", "s-resize", "se-resize",
	"sw-resize", "w-resize", "ew-resize", "ns-resize", "nesw-resize", "nwse-resize", "col-resize",
	"row-resize", "all-scroll", "zoom-in", "zoom-out"}

// AddCursorShapeManager advertises wp_cursor_shape_manager_v1 on d for
// every seat of d.
func AddCursorShapeManager(d *server.Display) *server.Global {
	return d.AddGlobal(&protocol.WpCursorShapeManagerV1Interface, CursorShapeVersion,
		func(c *server.Client, id protocol.ObjectID, version uint32) {
			h := &cursorShapeManager{c: c}
			h.obj = c.NewObject(id, &protocol.WpCursorShapeManagerV1Interface, version, h)
		})
}

type cursorShapeManager struct {
	c   *server.Client
	obj *protocol.Object
}

func (m *cursorShapeManager) Destroy() error { return nil }

// GetPointer makes the cursor shape device of a wl_pointer.
func (m *cursorShapeManager) GetPointer(id protocol.ObjectID, pointer *protocol.Object) error {
	pr, ok := pointer.Handler.(*pointerResource)
	if !ok {
		return protocol.Errorf(nil, protocol.WlDisplayErrorImplementation, "wl_pointer@%d is not a pointer of this compositor", pointer.ID)
	}
	h := &cursorShapeDevice{s: pr.s, c: m.c}
	h.obj = m.c.NewObject(id, &protocol.WpCursorShapeDeviceV1Interface, 1, h)
	return nil
}

// GetTabletToolV2 needs a zwp_tablet_tool_v2, and nofault offers no
// tablets: any object is of the wrong type, the error libwayland's
// argument check posts.
func (m *cursorShapeManager) GetTabletToolV2(id protocol.ObjectID, tool *protocol.Object) error {
	if tool.Interface.Name != "zwp_tablet_tool_v2" {
		return protocol.Errorf(nil, protocol.WlDisplayErrorInvalidMethod, "invalid arguments for wp_cursor_shape_manager_v1@%d.get_tablet_tool_v2", m.obj.ID)
	}
	return protocol.Errorf(nil, protocol.WlDisplayErrorImplementation, "no tablets")
}

type cursorShapeDevice struct {
	s   *Seat
	c   *server.Client
	obj *protocol.Object
}

func (d *cursorShapeDevice) Destroy() error { return nil }

// SetShape sets the cursor to a named shape; a value outside the enum is
// invalid_shape.
func (d *cursorShapeDevice) SetShape(serial uint32, shape protocol.WpCursorShapeDeviceV1Shape) error {
	if shape == 0 || int(shape) >= len(cursorShapes) {
		return protocol.Errorf(d.obj, protocol.WpCursorShapeDeviceV1ErrorInvalidShape, "invalid shape %d", shape)
	}
	s, p := d.s, &d.s.ptr
	if !p.focusAlive() || p.focusClient != d.c {
		return nil
	}
	if serial-p.enterSerial > s.d.Serial()-p.enterSerial {
		return nil // older than the enter, or never handed out
	}
	s.setCursor(Cursor{ClientSet: true, Shape: cursorShapes[shape]})
	return nil
}
