//go:build cgo

// The WlcsServerIntegration that the wlcs runner dlopens: C structs whose
// function pointers call the Go functions exported by main.go. Nothing
// here touches compositor state; every entry goes through Go, which
// recovers panics so that none unwinds into C++.
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wayland-client-core.h>
#include <wlcs/display_server.h>
#include <wlcs/pointer.h>
#include <wlcs/touch.h>

#include "_cgo_export.h"

typedef struct {
	WlcsDisplayServer base;
	uintptr_t handle;
	WlcsIntegrationDescriptor descriptor;
	WlcsExtensionDescriptor *extensions;
} NofaultServer;

typedef struct {
	WlcsPointer base;
	uintptr_t handle;
} NofaultPointer;

typedef struct {
	WlcsTouch base;
	uintptr_t handle;
} NofaultTouch;

static uintptr_t handle_of(WlcsDisplayServer const *s) { return ((NofaultServer const *)s)->handle; }

// The shm guard needs Go's SIGBUS and SIGSEGV handlers: a fault while
// reading a client's pool becomes a Go panic (debug.SetPanicOnFault), then
// a protocol error. The Go runtime installs them when the library loads;
// a host that installs its own later would turn a hostile client into a
// crash of the test process. nofault_keep_go_fault_handlers records Go's
// handlers the first time and puts them back whenever they were replaced.
static struct sigaction go_handlers[2];
static int go_handlers_saved;
static const int fault_signals[2] = {SIGBUS, SIGSEGV};

static void keep_go_fault_handlers(void) {
	for (int i = 0; i < 2; i++) {
		struct sigaction cur;
		if (sigaction(fault_signals[i], NULL, &cur) != 0)
			continue;
		if (!go_handlers_saved) {
			go_handlers[i] = cur;
			continue;
		}
		if (cur.sa_sigaction != go_handlers[i].sa_sigaction) {
			fprintf(stderr, "nofault-wlcs: the host replaced the handler of signal %d; restoring Go's (the shm guard needs it)\n",
				fault_signals[i]);
			sigaction(fault_signals[i], &go_handlers[i], NULL);
		}
	}
	go_handlers_saved = 1;
}

static void server_start(WlcsDisplayServer *s) {
	keep_go_fault_handlers();
	nofaultStart(handle_of(s));
}

static void server_stop(WlcsDisplayServer *s) { nofaultStop(handle_of(s)); }

static int server_client_socket(WlcsDisplayServer *s) { return nofaultClientSocket(handle_of(s)); }

static void server_position_window(WlcsDisplayServer *s, struct wl_display *client, struct wl_surface *surface, int x, int y) {
	nofaultPositionWindow(handle_of(s), wl_display_get_fd(client), wl_proxy_get_id((struct wl_proxy *)surface), x, y);
}

static void pointer_move_absolute(WlcsPointer *p, wl_fixed_t x, wl_fixed_t y) {
	nofaultPointerMove(((NofaultPointer *)p)->handle, 0, x, y);
}
static void pointer_move_relative(WlcsPointer *p, wl_fixed_t dx, wl_fixed_t dy) {
	nofaultPointerMove(((NofaultPointer *)p)->handle, 1, dx, dy);
}
static void pointer_button_up(WlcsPointer *p, int button) {
	nofaultPointerButton(((NofaultPointer *)p)->handle, button, 0);
}
static void pointer_button_down(WlcsPointer *p, int button) {
	nofaultPointerButton(((NofaultPointer *)p)->handle, button, 1);
}
static void pointer_destroy(WlcsPointer *p) {
	nofaultDeviceDestroy(((NofaultPointer *)p)->handle);
	free(p);
}

static WlcsPointer *server_create_pointer(WlcsDisplayServer *s) {
	NofaultPointer *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->base.version = WLCS_POINTER_VERSION;
	p->base.move_absolute = pointer_move_absolute;
	p->base.move_relative = pointer_move_relative;
	p->base.button_up = pointer_button_up;
	p->base.button_down = pointer_button_down;
	p->base.destroy = pointer_destroy;
	p->handle = nofaultNewPointer(handle_of(s));
	return &p->base;
}

static void touch_down(WlcsTouch *t, wl_fixed_t x, wl_fixed_t y) { nofaultTouch(((NofaultTouch *)t)->handle, 0, x, y); }
static void touch_move(WlcsTouch *t, wl_fixed_t x, wl_fixed_t y) { nofaultTouch(((NofaultTouch *)t)->handle, 1, x, y); }
static void touch_up(WlcsTouch *t) { nofaultTouch(((NofaultTouch *)t)->handle, 2, 0, 0); }
static void touch_destroy(WlcsTouch *t) {
	nofaultDeviceDestroy(((NofaultTouch *)t)->handle);
	free(t);
}

static WlcsTouch *server_create_touch(WlcsDisplayServer *s) {
	NofaultTouch *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->base.version = WLCS_TOUCH_VERSION;
	t->base.touch_down = touch_down;
	t->base.touch_move = touch_move;
	t->base.touch_up = touch_up;
	t->base.destroy = touch_destroy;
	t->handle = nofaultNewTouch(handle_of(s));
	return &t->base;
}

static WlcsIntegrationDescriptor const *server_descriptor(WlcsDisplayServer const *s) {
	return &((NofaultServer const *)s)->descriptor;
}

static WlcsDisplayServer *create_server(int argc, char const **argv) {
	// The first call into Go waits for the Go runtime to finish starting,
	// and with it for Go's signal handlers.
	uintptr_t h = nofaultCreate(argc, (char **)argv);
	keep_go_fault_handlers();
	if (!h) {
		// WLCS cannot be told that a server failed to start; the reason
		// was printed.
		exit(2);
	}
	NofaultServer *s = calloc(1, sizeof *s);
	if (!s)
		abort();
	s->handle = h;
	s->base.version = 3;
	s->base.start = server_start;
	s->base.stop = server_stop;
	s->base.create_client_socket = server_client_socket;
	s->base.position_window_absolute = server_position_window;
	s->base.create_pointer = server_create_pointer;
	s->base.create_touch = server_create_touch;
	s->base.get_descriptor = server_descriptor;
	s->base.start_on_this_thread = NULL;

	size_t n = nofaultExtensionCount(h);
	s->extensions = calloc(n ? n : 1, sizeof *s->extensions);
	if (!s->extensions)
		abort();
	for (size_t i = 0; i < n; i++) {
		uint32_t version = 0;
		s->extensions[i].name = nofaultExtension(h, i, &version);
		s->extensions[i].version = version;
	}
	s->descriptor.version = 1;
	s->descriptor.num_extensions = n;
	s->descriptor.supported_extensions = s->extensions;
	return &s->base;
}

static void destroy_server(WlcsDisplayServer *base) {
	NofaultServer *s = (NofaultServer *)base;
	nofaultDestroy(s->handle);
	for (size_t i = 0; i < s->descriptor.num_extensions; i++)
		free((char *)s->extensions[i].name);
	free(s->extensions);
	free(s);
}

WlcsServerIntegration const wlcs_server_integration = {
	.version = 1,
	.create_server = create_server,
	.destroy_server = destroy_server,
};
