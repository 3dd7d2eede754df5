//go:build cgo && !wayland

package nested

/*
#cgo LDFLAGS: -lX11 -lXext
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XShm.h>

// nf_shmput shows rectangles of an image in a window: through a MIT-SHM
// segment the X server reads itself where it can, else through
// XPutImage. It has an X connection of its own, used by one goroutine at
// a time (the display loop's), apart from GLFW's on the main thread.
typedef struct {
	Display *d;
	Window win;
	GC gc;
	XImage *img;
	XShmSegmentInfo si;
	int shm; // img lives in si
	int completion; // the ShmCompletion event's type, or -1
	int pending; // a put of the segment awaits its completion event
} nf_shmput;

static Bool nf_is_completion(Display *d, XEvent *ev, XPointer p) {
	(void)d;
	return ev->type == ((nf_shmput *)p)->completion;
}

// nf_shmput_idle returns once the server has done with the last put of the
// segment, so that the image may be written again: its completion event
// has come (usually long before: a frame ago), or else after a round trip
// (the put may have been refused, and then no event comes).
static void nf_shmput_idle(nf_shmput *p) {
	XEvent ev;
	if (!p->pending) return;
	if (!XCheckIfEvent(p->d, &ev, nf_is_completion, (XPointer)p)) {
		XSync(p->d, False);
		XCheckIfEvent(p->d, &ev, nf_is_completion, (XPointer)p);
	}
	p->pending = 0;
}

static void nf_shmput_free_image(nf_shmput *p) {
	if (p->img == NULL) return;
	if (p->shm) {
		if (p->shm == 1) { // attached
			XShmDetach(p->d, &p->si);
			XSync(p->d, False);
			XEvent ev; // a completion now queued would answer the next put
			while (XCheckIfEvent(p->d, &ev, nf_is_completion, (XPointer)p)) {}
			p->pending = 0;
		}
		shmdt(p->si.shmaddr);
		p->img->data = NULL;
	}
	XDestroyImage(p->img);
	p->img = NULL;
	p->shm = 0;
}

// nf_shmput_refused notes that the server refused the segment's attach.
static void nf_shmput_refused(nf_shmput *p) { if (p->shm) p->shm = 2; }

// nf_shmput_open connects to the display named by DISPLAY; NULL when it
// cannot, or when the window's visual is not 24-bit TrueColor with 32-bit
// pixels in B, G, R, X byte order (what render/soft's rows are).
static nf_shmput *nf_shmput_open(unsigned long win) {
	Display *d = XOpenDisplay(NULL);
	if (d == NULL) return NULL;
	XWindowAttributes wa;
	if (!XGetWindowAttributes(d, (Window)win, &wa) || wa.depth != 24 || wa.visual->class != TrueColor ||
	    wa.visual->red_mask != 0xff0000 || wa.visual->green_mask != 0xff00 || wa.visual->blue_mask != 0xff) {
		XCloseDisplay(d);
		return NULL;
	}
	nf_shmput *p = calloc(1, sizeof *p);
	p->d = d;
	p->win = (Window)win;
	p->gc = XCreateGC(d, (Window)win, 0, NULL);
	p->completion = XShmQueryExtension(d) ? XShmGetEventBase(d) + ShmCompletion : -1;
	return p;
}

// nf_shmput_resize makes the image w x h, in a shared segment when
// try_shm and the server has MIT-SHM; it returns its data and stride, or
// NULL. shm is 1 when the image is in a shared segment: a remote or
// refusing server then answers the attach with BadAccess, which the
// caller sees in the error count (XSync has run), and resizes again
// without.
static char *nf_shmput_resize(nf_shmput *p, int w, int h, int try_shm, int *stride, int *shm) {
	nf_shmput_free_image(p);
	Visual *v = DefaultVisual(p->d, DefaultScreen(p->d));
	if (try_shm && XShmQueryExtension(p->d)) {
		p->img = XShmCreateImage(p->d, v, 24, ZPixmap, NULL, &p->si, w, h);
		if (p->img != NULL && p->img->bits_per_pixel == 32 && p->img->byte_order == LSBFirst) {
			p->si.shmid = shmget(IPC_PRIVATE, (size_t)p->img->bytes_per_line * h, IPC_CREAT | 0600);
			if (p->si.shmid >= 0) {
				p->si.shmaddr = p->img->data = shmat(p->si.shmid, NULL, 0);
				shmctl(p->si.shmid, IPC_RMID, NULL); // gone once both sides detach
				if (p->si.shmaddr != (char *)-1) {
					p->si.readOnly = True;
					XShmAttach(p->d, &p->si);
					XSync(p->d, False);
					p->shm = 1;
					*stride = p->img->bytes_per_line;
					*shm = 1;
					return p->img->data;
				}
			}
			p->img->data = NULL;
		}
		if (p->img != NULL) XDestroyImage(p->img);
		p->img = NULL;
	}
	char *data = malloc((size_t)w * 4 * h);
	if (data == NULL) return NULL;
	p->img = XCreateImage(p->d, v, 24, ZPixmap, 0, data, w, h, 32, w * 4);
	if (p->img == NULL || p->img->bits_per_pixel != 32 || p->img->byte_order != LSBFirst) {
		if (p->img != NULL) XDestroyImage(p->img); else free(data);
		p->img = NULL;
		return NULL;
	}
	*stride = p->img->bytes_per_line;
	*shm = 0;
	return p->img->data;
}

// nf_shmput_put shows the rectangle without waiting for the server: the
// segment's put asks for a completion event, which nf_shmput_idle waits
// for before the image is written again (XPutImage sends the pixels in
// the request itself).
static void nf_shmput_put(nf_shmput *p, int x, int y, int w, int h) {
	if (p->shm) { // the server has MIT-SHM: completion is an event type
		XShmPutImage(p->d, p->win, p->gc, p->img, x, y, x, y, w, h, True);
		p->pending = 1;
	} else {
		XPutImage(p->d, p->win, p->gc, p->img, x, y, x, y, w, h);
	}
	XFlush(p->d);
}

static void *nf_shmput_display(nf_shmput *p) { return p->d; }

static void nf_shmput_close(nf_shmput *p) {
	nf_shmput_free_image(p);
	XFreeGC(p->d, p->gc);
	XCloseDisplay(p->d);
	free(p);
}
*/
import "C"

import (
	"errors"
	"image"
	"log/slog"
	"unsafe"

	"github.com/go-gl/glfw/v3.3/glfw"

	"github.com/nofault/nofault/render/soft"
)

// SoftBuilt is true: Options.Soft works in the X11 build.
const SoftBuilt = true

// softPresenter shows render/soft's output in the window with MIT-SHM
// (XShmPutImage of what changed), for --renderer=soft: no GL at all. It
// runs on the display loop, right after the frame that rendered, so the
// output is not drawn meanwhile.
type softPresenter struct {
	p      *C.nf_shmput
	pix    []byte // the image's memory (a shared segment or C memory)
	stride int
	size   image.Point
}

// newSoftPresenter connects to the X server for win. Main thread.
func newSoftPresenter(win *glfw.Window) (*softPresenter, error) {
	p := C.nf_shmput_open(C.ulong(win.GetX11Window()))
	if p == nil {
		return nil, errors.New("nested: --renderer=soft needs a 24-bit TrueColor X visual (B, G, R, X pixels)")
	}
	// A lost connection is noted, as on GLFW's (hostLost), not Xlib's exit.
	watchDisplay(C.nf_shmput_display(p))
	return &softPresenter{p: p}, nil
}

var _ soft.OutputMemory = (*softPresenter)(nil)

// method names how the output reaches the X server, for the log:
// "mit-shm", or "xputimage" where the server lacks the extension (a
// server that refuses the segment later is logged then).
func (s *softPresenter) method() string {
	if s.p.completion >= 0 {
		return "mit-shm"
	}
	return "xputimage"
}

// AllocOutput lends render/soft the image itself as its output
// (soft.OutputMemory): the renderer draws into the MIT-SHM segment, and a
// present sends it with no copy. Display loop (Render).
func (s *softPresenter) AllocOutput(w, h int) []uint32 {
	if s.p == nil || s.resize(w, h) != nil || s.stride != w*4 {
		return nil
	}
	return unsafe.Slice((*uint32)(unsafe.Pointer(&s.pix[0])), w*h)
}

// FreeOutput takes the image back from the renderer; the next present or
// AllocOutput makes a new one. Display loop.
func (s *softPresenter) FreeOutput([]uint32) {
	if s.p != nil {
		C.nf_shmput_free_image(s.p)
	}
	s.pix, s.size = nil, image.Point{}
}

// WaitOutput returns once the X server has read the last put of the
// image. Display loop.
func (s *softPresenter) WaitOutput() {
	if s.p != nil && s.p.pending != 0 {
		C.nf_shmput_idle(s.p)
	}
}

// resize makes the image w x h: in a shared segment where the X server
// takes one, else in memory sent with XPutImage.
func (s *softPresenter) resize(w, h int) error {
	var stride, shm C.int
	before, _ := hostErrors()
	data := C.nf_shmput_resize(s.p, C.int(w), C.int(h), 1, &stride, &shm)
	if n, _ := hostErrors(); data != nil && shm != 0 && n != before {
		C.nf_shmput_refused(s.p) // the attach was refused: no detach
		data = C.nf_shmput_resize(s.p, C.int(w), C.int(h), 0, &stride, &shm)
		slog.Info("nested: the X server refused MIT-SHM; showing the output with XPutImage")
	}
	if data == nil {
		s.pix, s.size = nil, image.Point{}
		return errors.New("nested: no X image for the output")
	}
	s.pix = unsafe.Slice((*byte)(unsafe.Pointer(data)), int(stride)*h)
	s.stride, s.size = int(stride), image.Pt(w, h)
	return nil
}

// present shows rect of r's output (all of it when the image is new). An
// output drawn into the image (AllocOutput) is sent as it is; another is
// copied into the image first. Display loop.
func (s *softPresenter) present(r *soft.Renderer, rect image.Rectangle) error {
	w, h := r.Size()
	if w == 0 || h == 0 {
		return nil
	}
	shared := r.Shares(s)
	if !shared && s.size != image.Pt(w, h) {
		if err := s.resize(w, h); err != nil {
			return err
		}
		rect = r.Bounds()
	}
	rect = rect.Intersect(r.Bounds())
	if rect.Empty() {
		return nil
	}
	if !shared {
		s.WaitOutput()
		if err := r.ReadPixels(rect, s.pix[rect.Min.Y*s.stride+rect.Min.X*4:], s.stride); err != nil {
			return err
		}
	}
	C.nf_shmput_put(s.p, C.int(rect.Min.X), C.int(rect.Min.Y), C.int(rect.Dx()), C.int(rect.Dy()))
	return nil
}

// close frees the image and the connection. Any goroutine, once the
// display loop no longer presents.
func (s *softPresenter) close() {
	if s.p != nil {
		C.nf_shmput_close(s.p)
		s.p, s.pix = nil, nil
	}
}
