//go:build cgo && !wayland

package nested

/*
#cgo LDFLAGS: -lX11
#include <stdlib.h>
#include <X11/Xlib.h>
#include <X11/XKBlib.h>
#include <X11/Xatom.h>
#include <string.h>

static volatile int nofault_x_lost;

// Xlib calls the IO error handler, then the exit handler, when the
// connection to the X server breaks. The defaults print and call exit():
// nofault would end without its screenshot, stats or socket cleanup. These
// note the loss and return; Xlib then marks the display dead and every
// later call on it returns at once (libX11 >= 1.8). (The window never
// waits in glfwWaitEvents, which would poll a dead connection for ever:
// wait_x11.go.)
static int nofault_io_error(Display *d) { (void)d; __atomic_store_n(&nofault_x_lost, 1, __ATOMIC_SEQ_CST); return 0; }
static void nofault_io_exit(Display *d, void *data) { (void)d; (void)data; __atomic_store_n(&nofault_x_lost, 1, __ATOMIC_SEQ_CST); }

// Xlib's default handler for protocol errors prints and calls exit() too.
// This one counts them and keeps the last request and error codes; the
// window logs them. (GLFW installs its own around the calls whose errors
// it checks, and puts this one back after.)
static volatile int nofault_x_errors, nofault_x_last;
static int nofault_x_error(Display *d, XErrorEvent *e) {
	(void)d;
	__atomic_store_n(&nofault_x_last, (e->request_code << 16) | (e->minor_code << 8) | e->error_code, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&nofault_x_errors, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static int nofault_x_error_count(int *last) {
	*last = __atomic_load_n(&nofault_x_last, __ATOMIC_SEQ_CST);
	return __atomic_load_n(&nofault_x_errors, __ATOMIC_SEQ_CST);
}

static void nofault_watch_display(void *d) {
	XSetIOErrorHandler(nofault_io_error);
	XSetIOErrorExitHandler((Display *)d, nofault_io_exit, NULL);
	XSetErrorHandler(nofault_x_error);
}

static int nofault_display_lost(void) { return __atomic_load_n(&nofault_x_lost, __ATOMIC_SEQ_CST); }

// nofault_host_keys fills keys with the X server's key bitmap (XQueryKeymap:
// bit k of byte k/8 for X keycode k), counting keys whose KeyRelease is
// still queued as down, and returns the locked modifiers, or -1 when the
// display is gone.
static Bool nofault_note_release(Display *d, XEvent *ev, XPointer arg) {
	(void)d;
	if (ev->type == KeyRelease && ev->xkey.keycode < 256) {
		((char *)arg)[ev->xkey.keycode / 8] |= 1 << (ev->xkey.keycode % 8);
	}
	return False; // nothing is taken from the queue
}

static int nofault_host_keys(void *dpy, char keys[32]) {
	Display *d = (Display *)dpy;
	if (__atomic_load_n(&nofault_x_lost, __ATOMIC_SEQ_CST)) return -1;
	XQueryKeymap(d, keys);
	// The server's state is ahead of the event being handled: a key
	// released after it shows up, but its KeyRelease is still queued and
	// will be delivered in order. Such keys count as down here. Every
	// event sent before the reply is in the queue by now; XCheckIfEvent
	// scans it without blocking or removing anything.
	char pending[32] = {0};
	XEvent ev;
	XCheckIfEvent(d, &ev, nofault_note_release, (XPointer)pending);
	for (int i = 0; i < 32; i++) keys[i] |= pending[i];
	XkbStateRec st;
	if (XkbGetState(d, XkbUseCoreKbd, &st) != Success) return 0;
	return st.locked_mods;
}

// nofault_rules_names copies the root window's _XKB_RULES_NAMES (rules,
// model, layout, variant, options, each NUL-terminated) into buf and
// returns its length, or -1.
static int nofault_rules_names(void *dpy, char *buf, int cap) {
	Display *d = (Display *)dpy;
	Atom prop = XInternAtom(d, "_XKB_RULES_NAMES", True);
	if (prop == None) return -1;
	Atom type; int format; unsigned long n, after; unsigned char *data = NULL;
	if (XGetWindowProperty(d, DefaultRootWindow(d), prop, 0, cap / 4, False, XA_STRING,
			&type, &format, &n, &after, &data) != Success || data == NULL) return -1;
	int len = -1;
	if (type == XA_STRING && format == 8 && (int)n <= cap) {
		memcpy(buf, data, n);
		len = (int)n;
	}
	XFree(data);
	return len;
}

// nofault_probe_display opens and closes the display named by DISPLAY:
// 0 when it answers.
static int nofault_probe_display(void) {
	Display *d = XOpenDisplay(NULL);
	if (d == NULL) return -1;
	XCloseDisplay(d);
	return 0;
}
*/
import "C"

import (
	"fmt"
	"os"
	"strings"
	"unsafe"

	"github.com/go-gl/glfw/v3.3/glfw"

	"github.com/nofault/nofault/seat/keycodes"
)

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

// checkHost reports why GLFW could not open a window here, before GLFW
// tries: no DISPLAY, or an X server that does not answer.
func checkHost() error {
	d := os.Getenv("DISPLAY")
	if d == "" {
		if os.Getenv("WAYLAND_DISPLAY") != "" {
			return fmt.Errorf("DISPLAY is not set and this is the X11 build; in a Wayland session use the Wayland build (go build -tags wayland, bin/compositor-wayland; make run picks it) or run Xwayland")
		}
		return fmt.Errorf("DISPLAY is not set: no X server to open a window on")
	}
	if C.nofault_probe_display() != 0 {
		return fmt.Errorf("cannot open X display %q (is the X server running, and may this user connect?)", d)
	}
	return nil
}

// watchHost makes a lost X connection a flag that hostLost reports, rather
// than Xlib's exit(1).
func watchHost() { watchDisplay(unsafe.Pointer(glfw.GetX11Display())) }

// watchDisplay makes a lost connection on display d (a Display*) a flag
// that hostLost reports, and its protocol errors counted (hostErrors).
func watchDisplay(d unsafe.Pointer) { C.nofault_watch_display(d) }

// hostKeys asks the X server which keys are down (evdev codes) and which
// modifiers are locked (X's LockMask and Mod2Mask are the keymap's ModCaps
// and ModNum bits). ok is false when it cannot tell. Main thread.
func hostKeys() (held map[uint32]bool, locked uint32, ok bool) {
	var keys [32]C.char
	m := C.nofault_host_keys(unsafe.Pointer(glfw.GetX11Display()), &keys[0])
	if m < 0 {
		return nil, 0, false
	}
	held = make(map[uint32]bool)
	for kc := 8; kc < 256; kc++ {
		if byte(keys[kc/8])&(1<<(kc%8)) != 0 {
			held[keycodes.FromXKeycode(uint32(kc))] = true
		}
	}
	return held, uint32(m), true
}

// hostKeymap returns the X server's keyboard layout names (the root
// window's _XKB_RULES_NAMES, which setxkbmap and desktops keep current):
// rules, model, layout, variant, options. Main thread.
func hostKeymap() (names [5]string, ok bool) {
	var buf [4096]C.char
	n := C.nofault_rules_names(unsafe.Pointer(glfw.GetX11Display()), &buf[0], C.int(len(buf)))
	if n <= 0 {
		return names, false
	}
	fields := strings.Split(C.GoStringN(&buf[0], n), "\x00")
	for i := 0; i < len(names) && i < len(fields); i++ {
		names[i] = fields[i]
	}
	return names, names[2] != ""
}

// hostLost reports whether the connection to the X server broke.
func hostLost() bool { return C.nofault_display_lost() != 0 }

// hostErrors returns how many X protocol errors the window's connection
// got so far, and the last one's codes.
func hostErrors() (n int, last hostError) {
	var l C.int
	n = int(C.nofault_x_error_count(&l))
	return n, hostError{Request: uint8(l >> 16), Minor: uint8(l >> 8), Code: uint8(l)}
}
