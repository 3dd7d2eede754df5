//go:build cgo && !wayland

package nested

/*
#cgo LDFLAGS: -lX11 -lXfixes
#include <X11/Xlib.h>
#include <X11/Xatom.h>
#include <X11/extensions/Xfixes.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

// The clipboard reader's own X connection, used by one goroutine at a
// time (clipReader.mu): GLFW's glfwGetClipboardString waits on the main
// thread, without a timeout, for the clipboard's owner to answer; this one
// waits on another thread, with one.
static Display *nf_clip_d;
static Window nf_clip_w;
static Atom nf_clip_clipboard, nf_clip_utf8, nf_clip_prop, nf_clip_incr;
static volatile int nf_clip_lost;
static int nf_clip_fixes = -1; // XFIXES' event base, or -1 without it

static void nf_clip_io_exit(Display *d, void *data) { (void)d; (void)data; __atomic_store_n(&nf_clip_lost, 1, __ATOMIC_SEQ_CST); }

static int nf_clip_open(void) {
	if (nf_clip_d != NULL) return 0;
	Display *d = XOpenDisplay(NULL);
	if (d == NULL) return -1;
	// A broken connection (the X server went) must not exit(): the
	// reads then fail, and the window reports the host lost.
	XSetIOErrorExitHandler(d, nf_clip_io_exit, NULL);
	nf_clip_w = XCreateSimpleWindow(d, DefaultRootWindow(d), 0, 0, 1, 1, 0, 0, 0);
	XSelectInput(d, nf_clip_w, PropertyChangeMask);
	nf_clip_clipboard = XInternAtom(d, "CLIPBOARD", False);
	nf_clip_utf8 = XInternAtom(d, "UTF8_STRING", False);
	nf_clip_prop = XInternAtom(d, "NOFAULT_CLIPBOARD", False);
	nf_clip_incr = XInternAtom(d, "INCR", False);
	// XFIXES tells of every new clipboard owner, even the same window
	// taking it again.
	int ev_base, err_base;
	if (XFixesQueryExtension(d, &ev_base, &err_base)) {
		XFixesSelectSelectionInput(d, nf_clip_w, nf_clip_clipboard, XFixesSetSelectionOwnerNotifyMask);
		nf_clip_fixes = ev_base;
	}
	XFlush(d);
	nf_clip_d = d;
	return 0;
}

static long long nf_now_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static Bool nf_is_prop_new(Display *d, XEvent *ev, XPointer arg) {
	(void)d; (void)arg;
	return ev->type == PropertyNotify && ev->xproperty.window == nf_clip_w &&
		ev->xproperty.atom == nf_clip_prop && ev->xproperty.state == PropertyNewValue;
}

static Bool nf_is_notify(Display *d, XEvent *ev, XPointer arg) {
	(void)d;
	return ev->type == SelectionNotify && ev->xselection.requestor == nf_clip_w &&
		ev->xselection.target == *(Atom *)arg;
}

// nf_wait takes the next event pred accepts, waiting until deadline (ms,
// CLOCK_MONOTONIC). 0: got it; -1: timed out or the connection broke.
static int nf_wait(Bool (*pred)(Display *, XEvent *, XPointer), XPointer arg, XEvent *ev, long long deadline) {
	for (;;) {
		if (__atomic_load_n(&nf_clip_lost, __ATOMIC_SEQ_CST)) return -1;
		if (XCheckIfEvent(nf_clip_d, ev, pred, arg)) return 0;
		long long left = deadline - nf_now_ms();
		if (left <= 0) return -1;
		struct pollfd p = { ConnectionNumber(nf_clip_d), POLLIN, 0 };
		poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
		XEventsQueued(nf_clip_d, QueuedAfterReading);
	}
}

static void nf_drain(void) {
	XEvent ev;
	while (XCheckTypedWindowEvent(nf_clip_d, nf_clip_w, SelectionNotify, &ev)) {}
	while (XCheckTypedWindowEvent(nf_clip_d, nf_clip_w, PropertyNotify, &ev)) {}
}

// nf_drop_prop_events drops the PropertyNotify events queued for the
// reader's property: an owner answering with INCR sets the property (a
// PropertyNewValue, queued before its SelectionNotify) and waits for it to
// be deleted; taken for the first chunk, that stale event read the property
// already gone and ended the transfer empty, the owner left waiting.
static void nf_drop_prop_events(void) {
	XEvent ev;
	XEventsQueued(nf_clip_d, QueuedAfterFlush);
	while (XCheckIfEvent(nf_clip_d, &ev, nf_is_prop_new, NULL)) {}
}

// nf_append takes the property's value (deleting it) onto buf; with
// buf NULL it only deletes it (a transfer over max, drained so that its
// owner ends it). 0: done with this chunk, its length in *got (*type is
// None if the property was not there); -1: the request failed; -2: over
// max.
static int nf_append(char **buf, long *len, long max, Atom *type, unsigned long *got) {
	int format; unsigned long n, after; unsigned char *data = NULL;
	*got = 0;
	if (XGetWindowProperty(nf_clip_d, nf_clip_w, nf_clip_prop, 0, (max / 4) + 1, True, AnyPropertyType,
			type, &format, &n, &after, &data) != Success) return -1;
	if (after > 0) XDeleteProperty(nf_clip_d, nf_clip_w, nf_clip_prop); // only deleted when read whole
	if (data == NULL) return 0;
	if (*type == nf_clip_incr) { XFree(data); return 0; }
	long bytes = (long)n * (format == 32 ? (long)sizeof(long) : format / 8);
	*got = (unsigned long)bytes + after;
	if (buf == NULL) { XFree(data); return 0; }
	if (after > 0 || *len + bytes > max) { XFree(data); return -2; }
	if (bytes > 0) {
		char *nb = realloc(*buf, *len + bytes);
		if (nb == NULL) { XFree(data); return -1; }
		memcpy(nb + *len, data, bytes);
		*buf = nb;
		*len += bytes;
	}
	XFree(data);
	return 0;
}

// nf_clip_read reads CLIPBOARD as target (UTF8_STRING or STRING) into a
// malloc'd *out. The owner has timeout_ms to answer and, for an INCR
// transfer, to send each chunk, and total_ms for all of it. 0: read (maybe
// empty); 1: the owner has no such text (or there is no owner); -1: no
// answer in time, or the connection broke; -2: larger than max.
static int nf_clip_read(int string, int timeout_ms, int total_ms, long max, char **out, long *len) {
	*out = NULL; *len = 0;
	if (nf_clip_open() != 0) return -1;
	long long start = nf_now_ms(), deadline = start + timeout_ms;
	Atom target = string ? XA_STRING : nf_clip_utf8;
	nf_drain();
	XDeleteProperty(nf_clip_d, nf_clip_w, nf_clip_prop);
	XConvertSelection(nf_clip_d, nf_clip_clipboard, target, nf_clip_prop, nf_clip_w, CurrentTime);
	XFlush(nf_clip_d);
	XEvent ev;
	if (nf_wait(nf_is_notify, (XPointer)&target, &ev, deadline) != 0) return -1;
	if (ev.xselection.property == None) return 1;
	Atom type; unsigned long got;
	nf_drop_prop_events();
	int r = nf_append(out, len, max, &type, &got);
	if (r != 0 || type != nf_clip_incr) {
		if (r != 0) { free(*out); *out = NULL; }
		XFlush(nf_clip_d);
		return r;
	}
	// INCR: deleting the INCR property (above) asks for the first chunk;
	// the owner sets the property to each chunk, waits for it to be
	// deleted, and ends with an empty one. A transfer over max is drained
	// to its end, unkept, so that its owner goes back to serving others
	// (xclip serves no one while a transfer is left unfinished).
	XFlush(nf_clip_d);
	int res = 0;
	for (;;) {
		deadline = nf_now_ms() + timeout_ms;
		if (deadline > start + total_ms) deadline = start + total_ms;
		if (nf_wait(nf_is_prop_new, NULL, &ev, deadline) != 0) { if (res == 0) res = -1; break; }
		r = nf_append(res == -2 ? NULL : out, len, max, &type, &got);
		XFlush(nf_clip_d);
		if (r == -2) { res = -2; free(*out); *out = NULL; *len = 0; continue; }
		if (r != 0) { res = r; break; }
		if (type == None) continue; // no chunk there (yet)
		if (got == 0) break;
	}
	if (res != 0) { free(*out); *out = NULL; *len = 0; }
	return res;
}

static Bool nf_is_owner_change(Display *d, XEvent *ev, XPointer arg) {
	(void)d;
	if (nf_clip_fixes < 0 || ev->type != nf_clip_fixes + XFixesSelectionNotify) return False;
	XFixesSelectionNotifyEvent *e = (XFixesSelectionNotifyEvent *)ev;
	(void)arg;
	return e->window == nf_clip_w;
}

// nf_clip_watch waits up to timeout_ms for a new clipboard owner other
// than self, or for wakefd to become readable (drained). Bits of the
// result: 1 a new owner, 2 woken; -1 no connection (or no XFIXES: then
// it only waits for wakefd).
static int nf_clip_watch(int wakefd, unsigned long self, int timeout_ms) {
	int res = 0;
	int x = nf_clip_open() == 0 && nf_clip_fixes >= 0 && !__atomic_load_n(&nf_clip_lost, __ATOMIC_SEQ_CST);
	long long deadline = nf_now_ms() + timeout_ms;
	for (;;) {
		if (x) {
			XEvent ev;
			XEventsQueued(nf_clip_d, QueuedAfterReading);
			while (XCheckIfEvent(nf_clip_d, &ev, nf_is_owner_change, NULL)) {
				XFixesSelectionNotifyEvent *e = (XFixesSelectionNotifyEvent *)&ev;
				if (e->owner != None && e->owner != self) res |= 1;
			}
		}
		struct pollfd p[2] = { { wakefd, POLLIN, 0 }, { x ? ConnectionNumber(nf_clip_d) : -1, POLLIN, 0 } };
		if (res) {
			poll(p, 1, 0);
		} else {
			long long left = deadline - nf_now_ms();
			if (left <= 0) return 0;
			poll(p, 2, left > INT_MAX ? INT_MAX : (int)left);
		}
		if (p[0].revents & POLLIN) {
			char buf[64];
			while (read(wakefd, buf, sizeof buf) > 0) {}
			res |= 2;
		}
		if (res) return res;
		if (!x) return 0;
		if ((p[1].revents & (POLLHUP | POLLERR | POLLNVAL)) || __atomic_load_n(&nf_clip_lost, __ATOMIC_SEQ_CST)) {
			return -1; // the X server went: the window notices too
		}
	}
}

// nf_glfw_clipboard_owner asks on GLFW's connection (main thread), right
// after glfwSetClipboardString: the owner is then GLFW's own window.
static unsigned long nf_glfw_clipboard_owner(void *dpy) {
	Display *d = (Display *)dpy;
	static Atom clipboard = None;
	if (clipboard == None) clipboard = XInternAtom(d, "CLIPBOARD", False);
	return XGetSelectionOwner(d, clipboard);
}
*/
import "C"

import (
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/go-gl/glfw/v3.3/glfw"
	"golang.org/x/sys/unix"
)

// Bounds of a read of the host's clipboard: the owner has clipboardTimeout
// to answer and, for a large text sent in chunks (INCR), to send each
// chunk, clipboardTotalTimeout for all of it, with at most
// clipboardMaxBytes.
const (
	clipboardTimeout      = 5 * time.Second
	clipboardTotalTimeout = 30 * time.Second
	clipboardMaxBytes     = 16 << 20
)

// x11Clipboard reads the X server's CLIPBOARD on a goroutine of its own,
// with a connection of its own, so that an owner that never answers holds
// neither the main thread nor the display loop. XFIXES wakes it when
// another client takes the clipboard; the main thread wakes it (a pipe)
// for focus-in and the start.
type x11Clipboard struct {
	wakeR, wakeW int           // the wake pipe (non-blocking)
	self         atomic.Uint64 // GLFW's window, the owner after SetClipboard
}

var clipReaderMu sync.Mutex // the reader's connection is used by one goroutine at a time

// readHostClipboard asks for a read of the host's clipboard. Main thread.
func (w *Window) readHostClipboard() {
	if x := w.clipX11(); x != nil {
		unix.Write(x.wakeW, []byte{1})
	}
}

// clipSet notes the owner after glfwSetClipboardString: GLFW's window,
// whose ownership is no news to the reader. Main thread.
func (w *Window) clipSet() {
	if x := w.clipX11(); x != nil && !hostLost() {
		x.self.Store(uint64(C.nf_glfw_clipboard_owner(unsafe.Pointer(glfw.GetX11Display()))))
	}
}

// clipX11 starts the reader on first use (nil if it cannot). Main thread.
func (w *Window) clipX11() *x11Clipboard {
	if w.clip.x11 != nil {
		return w.clip.x11
	}
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		slog.Warn("host clipboard: pipe", "err", err)
		return nil
	}
	x := &x11Clipboard{wakeR: p[0], wakeW: p[1]}
	w.clip.x11 = x
	clipReaderMu.Lock()
	if C.nf_clip_open() != 0 {
		slog.Warn("host clipboard: cannot open a second connection to the X server; the host's clipboard is not read")
	}
	clipReaderMu.Unlock()
	go w.clipReader(x, w.fwd)
	return x
}

// clipReader reads the clipboard when woken and when it has a new owner
// until the window's Run ends.
func (w *Window) clipReader(x *x11Clipboard, fwd *forwarder) {
	stop, woke := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(woke)
		<-fwd.quit
		close(stop)
		unix.Write(x.wakeW, []byte{1})
	}()
	defer func() {
		<-woke
		unix.Close(x.wakeR)
		unix.Close(x.wakeW)
	}()
	for {
		r := C.nf_clip_watch(C.int(x.wakeR), C.ulong(x.self.Load()), 60_000)
		select {
		case <-stop:
			return
		default:
		}
		if r <= 0 {
			continue
		}
		applied := w.clip.applied.Load()
		text, err := readX11Clipboard()
		if err != nil {
			slog.Warn("host clipboard: reading the host's clipboard", "err", err)
			continue
		}
		changed := w.clip.changed
		fwd.post(func() { changed(text, applied) })
	}
}

// readX11Clipboard reads CLIPBOARD as UTF8_STRING, else as STRING
// (Latin-1); "" when the clipboard holds no text.
func readX11Clipboard() (string, error) {
	clipReaderMu.Lock()
	defer clipReaderMu.Unlock()
	for _, latin1 := range []bool{false, true} {
		var out *C.char
		var n C.long
		str := C.int(0)
		if latin1 {
			str = 1
		}
		r := C.nf_clip_read(str, C.int(clipboardTimeout/time.Millisecond), C.int(clipboardTotalTimeout/time.Millisecond), clipboardMaxBytes, &out, &n)
		switch r {
		case 1:
			continue
		case -1:
			return "", errors.New("no answer from the clipboard's owner in time")
		case -2:
			return "", errors.New("the host's clipboard is larger than 16 MiB; not shared")
		}
		b := C.GoBytes(unsafe.Pointer(out), C.int(n))
		C.free(unsafe.Pointer(out))
		if !latin1 {
			return strings.ToValidUTF8(string(b), "\uFFFD"), nil
		}
		var s strings.Builder
		for _, c := range b {
			s.WriteRune(rune(c))
		}
		return s.String(), nil
	}
	return "", nil
}
