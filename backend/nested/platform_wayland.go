//go:build cgo && wayland

package nested

const platform = "wayland"

// GLFW's Wayland backend divides wl_pointer.axis values by 10; undo it.
// The host's discrete steps are not passed on.
const (
	scrollScale = 10
	wheelClicks = false
)

// evdevOfScancode: GLFW's Wayland scancode is the evdev code itself.
func evdevOfScancode(sc int) (uint32, bool) {
	if sc <= 0 || sc > 0x2ff {
		return 0, false
	}
	return uint32(sc), true
}
