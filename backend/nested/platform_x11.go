//go:build cgo && !wayland

package nested

import "github.com/nofault/nofault/seat/keycodes"

const platform = "x11"

// GLFW's X11 scroll offsets are wheel clicks (1 per detent): 15 units a
// click, as libinput reports, and value120 is exact.
const (
	scrollScale = 15
	wheelClicks = true
)

// evdevOfScancode: GLFW's X11 scancode is the X keycode, evdev + 8.
func evdevOfScancode(sc int) (uint32, bool) {
	if sc < 8 || sc > 255 {
		return 0, false
	}
	return keycodes.FromXKeycode(uint32(sc)), true
}
