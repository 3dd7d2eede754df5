package compositor

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"testing"
	"time"

	"github.com/rajveermalviya/go-wayland/wayland/client"
)

// TestDragIconScaled: at output scale 2 (and 1.5) a drag icon is drawn
// at twice (1.5 times) its size, and the wl_surface.offset it commits
// during the drag, in surface coordinates, is scaled too: its top-left
// corner is at the pointer plus the offset times the scale, and it
// follows the pointer. (The offsets keep the icon up-left of the pointer,
// clear of the arrow drawn below-right of it.)
func TestDragIconScaled(t *testing.T) {
	for _, tc := range []struct {
		scale float64
		size  int // the 6x6 icon's size on the output
	}{{2, 12}, {1.5, 9}} {
		t.Run(fmt.Sprint(tc.scale), func(t *testing.T) {
			c, path := startScaled(t, tc.scale)
			cl := dialCursorClient(t, path)
			reg, _ := cl.disp.GetRegistry()
			var ddmName uint32
			reg.SetGlobalHandler(func(ev client.RegistryGlobalEvent) {
				if ev.Interface == "wl_data_device_manager" {
					ddmName = ev.Name
				}
			})
			cl.roundtrip()
			// Made now: new ids reach the server in order.
			ddm := client.NewDataDeviceManager(cl.ctx)
			if err := reg.Bind(ddmName, "wl_data_device_manager", 3, ddm); err != nil {
				t.Fatal(err)
			}
			dev, _ := ddm.GetDataDevice(cl.seat)
			var serial uint32
			cl.ptr.SetButtonHandler(func(ev client.PointerButtonEvent) {
				if ev.State == uint32(client.PointerButtonStatePressed) {
					serial = ev.Serial
				}
			})

			const winPx, iconPx = 0xff2060a0, 0xff10c040
			win := cl.window(200, 160, winPx)
			winCol, iconCol := color.RGBA{0x20, 0x60, 0xa0, 0xff}, color.RGBA{0x10, 0xc0, 0x40, 0xff}
			wbox, n := box(shown(t, c), winCol)
			if n < 200*150 {
				t.Fatalf("window not drawn (%d pixels)", n)
			}
			p := wbox.Min.Add(image.Pt(150, 120))
			do(t, c, func() { c.Seat.PointerMotion(float64(p.X), float64(p.Y), time.Time{}) })
			cl.until("pointer enter", func() bool { return cl.over == win })
			do(t, c, func() { c.Seat.PointerButton(0x110, true, time.Time{}) })
			cl.until("the button press", func() bool { return serial != 0 })

			icon, _ := cl.comp.CreateSurface()
			dev.StartDrag(nil, win, icon, serial)
			icon.Attach(cl.buffer(6, 6, iconPx), 0, 0)
			icon.Damage(0, 0, 6, 6)
			icon.Offset(-8, -8)
			icon.Commit()
			cl.roundtrip()

			px := func(v int) int { return int(math.Floor(float64(v)*tc.scale + 0.5)) }
			check := func(what string, p image.Point, dx, dy int) {
				t.Helper()
				b, n := box(shown(t, c), iconCol)
				at := p.Add(image.Pt(px(dx), px(dy)))
				want := image.Rectangle{Min: at, Max: at.Add(image.Pt(tc.size, tc.size))}
				if b != want || n != tc.size*tc.size {
					t.Errorf("%s: icon at %v (%d pixels), want %v (offset (%d,%d) times %g from the pointer %v)", what, b, n, want, dx, dy, tc.scale, p)
				}
			}
			check("offset (-8,-8)", p, -8, -8)
			icon.Offset(-3, 1)
			icon.Commit()
			cl.roundtrip()
			check("after offset(-3,1)", p, -11, -7)
			q := p.Add(image.Pt(-40, -30))
			do(t, c, func() { c.Seat.PointerMotion(float64(q.X), float64(q.Y), time.Time{}) })
			check("after the pointer moved", q, -11, -7)
		})
	}
}
