//go:build cgo && !wayland

package nested

/*
#cgo LDFLAGS: -lX11
#include <X11/Xlib.h>

static unsigned long nofault_clipboard_owner(void *dpy) {
	Display *d = (Display *)dpy;
	static Atom clipboard = None;
	if (clipboard == None) clipboard = XInternAtom(d, "CLIPBOARD", False);
	return XGetSelectionOwner(d, clipboard);
}
*/
import "C"

import (
	"unsafe"

	"github.com/go-gl/glfw/v3.3/glfw"
)

// hostClipboardOwner returns the window that owns the X server's
// CLIPBOARD selection (0: none). Main thread.
func hostClipboardOwner() (uint64, bool) {
	if hostLost() {
		return 0, false
	}
	return uint64(C.nofault_clipboard_owner(unsafe.Pointer(glfw.GetX11Display()))), true
}
