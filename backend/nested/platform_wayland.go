//go:build cgo && wayland

package nested

/*
#cgo pkg-config: wayland-client
#include <wayland-client.h>

static int nofault_probe_wayland(void) {
	struct wl_display *d = wl_display_connect(NULL);
	if (d == NULL) return -1;
	wl_display_disconnect(d);
	return 0;
}

static int nofault_wayland_error(void *d) { return d == NULL ? 0 : wl_display_get_error((struct wl_display *)d); }
*/
import "C"

import (
	"fmt"
	"os"
	"unsafe"

	"github.com/go-gl/glfw/v3.3/glfw"
)

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

// checkHost reports why GLFW could not open a window here, before GLFW
// tries: no Wayland compositor to connect to.
func checkHost() error {
	if os.Getenv("WAYLAND_DISPLAY") == "" && os.Getenv("WAYLAND_SOCKET") == "" {
		if os.Getenv("DISPLAY") != "" {
			return fmt.Errorf("WAYLAND_DISPLAY is not set and this is the Wayland build; on X11 use the default build (bin/compositor)")
		}
		return fmt.Errorf("WAYLAND_DISPLAY is not set: no Wayland compositor to open a window in")
	}
	if os.Getenv("WAYLAND_SOCKET") == "" && C.nofault_probe_wayland() != 0 {
		return fmt.Errorf("cannot connect to Wayland display %q", os.Getenv("WAYLAND_DISPLAY"))
	}
	return nil
}

var hostDisplay unsafe.Pointer

func watchHost() { hostDisplay = unsafe.Pointer(glfw.GetWaylandDisplay()) }

// hostKeys: a Wayland host sends the held keys and the modifiers itself
// in wl_keyboard.enter and modifiers, which GLFW turns into key events.
func hostKeys() (held map[uint32]bool, locked uint32, ok bool) { return nil, 0, false }

// hostKeymap: GLFW does not pass on the Wayland host's keymap.
func hostKeymap() (names [5]string, ok bool) { return names, false }

// hostLost reports whether the connection to the host compositor broke
// (GLFW then reports it as a close request).
func hostLost() bool { return C.nofault_wayland_error(hostDisplay) != 0 }

// hostErrors: a Wayland host's protocol errors end the connection
// (hostLost).
func hostErrors() (n int, last hostError) { return 0, hostError{} }
