package seat_test

import (
	"testing"

	"github.com/nofault/nofault/internal/rawclient"
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/seat"
)

// TestCursorShape: the focused client names its cursor with the enter
// serial; an older serial and a client without the focus are ignored; a
// value outside the enum is invalid_shape; tablet tools do not exist.
func TestCursorShape(t *testing.T) {
	e := start(t, seat.Options{Pointer: true})
	e.Do(func() { seat.AddCursorShapeManager(e.D) })
	c := e.Connect()
	comp := c.MustBind("wl_compositor", 4)
	st := c.MustBind("wl_seat", 7)
	ptr := c.NewID()
	c.MustSend(st, protocol.WlSeatRequestGetPointer, rawclient.NewID(ptr))
	csm := c.MustBind("wp_cursor_shape_manager_v1", 1)
	dev := c.NewID()
	c.MustSend(csm, protocol.WpCursorShapeManagerV1RequestGetPointer, rawclient.NewID(dev), ptr)
	_, surf := c.Surface(comp)
	e.Place(surf, 0, 0, 100, 100)
	cursor := func() (cur seat.Cursor) { e.Do(func() { cur = e.seat.Cursor() }); return }

	// Not focused yet: ignored.
	c.MustSend(dev, protocol.WpCursorShapeDeviceV1RequestSetShape, uint32(1), uint32(9))
	c.MustRoundtrip()
	if cur := cursor(); cur.Shape != "" {
		t.Fatalf("shape %q set without the focus", cur.Shape)
	}
	e.Do(func() { e.seat.PointerMotion(10, 10, now) })
	var serial uint32
	for _, ev := range c.MustRoundtrip() {
		if ev.Object == ptr && ev.Opcode == protocol.WlPointerEventEnter {
			serial = ev.Uint(0)
		}
	}
	c.MustSend(dev, protocol.WpCursorShapeDeviceV1RequestSetShape, serial-1, uint32(9))
	c.MustRoundtrip()
	if cur := cursor(); cur.Shape != "" {
		t.Fatalf("shape %q set with an old serial", cur.Shape)
	}
	for _, tc := range []struct {
		shape uint32
		name  string
	}{{9, "text"}, {4, "pointer"}, {26, "ew-resize"}, {34, "zoom-out"}, {1, "default"}} {
		c.MustSend(dev, protocol.WpCursorShapeDeviceV1RequestSetShape, serial, tc.shape)
		c.MustRoundtrip()
		if cur := cursor(); cur.Shape != tc.name || !cur.ClientSet || cur.Surface != nil {
			t.Fatalf("shape %d: cursor %+v, want %q", tc.shape, cur, tc.name)
		}
	}
	// A surface cursor replaces the shape.
	cs, _ := c.Surface(comp)
	c.MustSend(ptr, protocol.WlPointerRequestSetCursor, serial, cs, int32(0), int32(0))
	c.MustRoundtrip()
	if cur := cursor(); cur.Shape != "" || cur.Surface == nil {
		t.Fatalf("after set_cursor: %+v", cur)
	}
	for _, bad := range []uint32{0, 35, 1 << 31} {
		c2 := e.Connect()
		st2 := c2.MustBind("wl_seat", 7)
		ptr2 := c2.NewID()
		c2.MustSend(st2, protocol.WlSeatRequestGetPointer, rawclient.NewID(ptr2))
		csm2 := c2.MustBind("wp_cursor_shape_manager_v1", 1)
		dev2 := c2.NewID()
		c2.MustSend(csm2, protocol.WpCursorShapeManagerV1RequestGetPointer, rawclient.NewID(dev2), ptr2)
		c2.MustSend(dev2, protocol.WpCursorShapeDeviceV1RequestSetShape, uint32(0), bad)
		if pe := c2.ProtocolError(); pe.ObjectID != dev2 || pe.Code != protocol.WpCursorShapeDeviceV1ErrorInvalidShape.Code() {
			t.Errorf("shape %d: %v, want invalid_shape", bad, pe)
		}
	}
	c3 := e.Connect()
	csm3 := c3.MustBind("wp_cursor_shape_manager_v1", 1)
	c3.MustSend(csm3, protocol.WpCursorShapeManagerV1RequestGetTabletToolV2, rawclient.NewID(c3.NewID()), csm3)
	if pe := c3.ProtocolError(); pe.ObjectID != 1 || pe.Code != protocol.ErrorInvalidMethod {
		t.Errorf("tablet tool: %v", pe)
	}
}
