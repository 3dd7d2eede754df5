/*
 * oracle: a reference Wayland server on the real libwayland-server, used to
 * record how libwayland answers malformed client traffic.
 *
 * Usage: oracle SOCKET_NAME   (relative to $XDG_RUNTIME_DIR)
 * Prints "ready" on stdout once the socket listens; runs until killed.
 *
 * Globals: wl_shm (wl_display_init_shm), wl_compositor v4, wl_subcompositor
 * v1, wl_output v3 and wl_seat v7. Requests get trivial implementations; the
 * one real behaviour is that wl_surface.commit reads every byte of an
 * attached shm buffer between wl_shm_buffer_begin_access and end_access, as
 * weston's noop renderer does, so a truncated pool faults (SIGBUS) exactly
 * where a real compositor would.
 */
#define _GNU_SOURCE /* close_range */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wayland-server.h>
#include <wayland-server-protocol.h>

static void
destroy_resource(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

/* wl_region */

static void
region_add(struct wl_client *c, struct wl_resource *r,
	   int32_t x, int32_t y, int32_t w, int32_t h)
{
}

static const struct wl_region_interface region_impl = {
	.destroy = destroy_resource,
	.add = region_add,
	.subtract = region_add,
};

/* wl_surface */

struct surface {
	struct wl_resource *resource;
	struct wl_resource *pending; /* attached buffer, may be NULL */
	struct wl_listener pending_destroy;
	struct wl_list frames; /* wl_resource links of wl_callback */
};

static void
surface_pending_destroyed(struct wl_listener *l, void *data)
{
	struct surface *s = wl_container_of(l, s, pending_destroy);
	s->pending = NULL;
	wl_list_remove(&s->pending_destroy.link);
	wl_list_init(&s->pending_destroy.link);
}

static void
surface_set_pending(struct surface *s, struct wl_resource *buffer)
{
	wl_list_remove(&s->pending_destroy.link);
	wl_list_init(&s->pending_destroy.link);
	s->pending = buffer;
	if (buffer)
		wl_resource_add_destroy_listener(buffer, &s->pending_destroy);
}

static void
surface_attach(struct wl_client *c, struct wl_resource *r,
	       struct wl_resource *buffer, int32_t x, int32_t y)
{
	surface_set_pending(wl_resource_get_user_data(r), buffer);
}

static void
surface_damage(struct wl_client *c, struct wl_resource *r,
	       int32_t x, int32_t y, int32_t w, int32_t h)
{
}

static void
callback_unlink(struct wl_resource *r)
{
	wl_list_remove(wl_resource_get_link(r));
}

static void
surface_frame(struct wl_client *c, struct wl_resource *r, uint32_t id)
{
	struct surface *s = wl_resource_get_user_data(r);
	struct wl_resource *cb =
		wl_resource_create(c, &wl_callback_interface, 1, id);
	if (!cb) {
		wl_client_post_no_memory(c);
		return;
	}
	wl_resource_set_implementation(cb, NULL, NULL, callback_unlink);
	wl_list_insert(s->frames.prev, wl_resource_get_link(cb));
}

static void
surface_set_region(struct wl_client *c, struct wl_resource *r,
		   struct wl_resource *region)
{
}

static volatile uint32_t sink;

/* read_shm reads every byte of the buffer, guarded like a real renderer. */
static void
read_shm(struct wl_shm_buffer *buf)
{
	int32_t stride = wl_shm_buffer_get_stride(buf);
	int32_t height = wl_shm_buffer_get_height(buf);
	size_t n = (size_t)stride * (size_t)height;
	uint32_t sum = 0;

	wl_shm_buffer_begin_access(buf);
	const volatile uint8_t *p = wl_shm_buffer_get_data(buf);
	for (size_t i = 0; i < n; i++)
		sum += p[i];
	wl_shm_buffer_end_access(buf);
	sink = sum;
}

static void
surface_commit(struct wl_client *c, struct wl_resource *r)
{
	struct surface *s = wl_resource_get_user_data(r);
	struct wl_resource *cb, *tmp;

	if (s->pending) {
		struct wl_resource *buffer = s->pending;
		struct wl_shm_buffer *shm = wl_shm_buffer_get(buffer);
		surface_set_pending(s, NULL);
		if (shm)
			read_shm(shm);
		wl_buffer_send_release(buffer);
	}
	wl_resource_for_each_safe(cb, tmp, &s->frames) {
		wl_callback_send_done(cb, 0);
		wl_resource_destroy(cb);
	}
}

static void
surface_set_int(struct wl_client *c, struct wl_resource *r, int32_t v)
{
}

static const struct wl_surface_interface surface_impl = {
	.destroy = destroy_resource,
	.attach = surface_attach,
	.damage = surface_damage,
	.frame = surface_frame,
	.set_opaque_region = surface_set_region,
	.set_input_region = surface_set_region,
	.commit = surface_commit,
	.set_buffer_transform = surface_set_int,
	.set_buffer_scale = surface_set_int,
	.damage_buffer = surface_damage,
};

static void
surface_free(struct wl_resource *r)
{
	struct surface *s = wl_resource_get_user_data(r);
	struct wl_resource *cb, *tmp;

	wl_list_remove(&s->pending_destroy.link);
	wl_resource_for_each_safe(cb, tmp, &s->frames)
		wl_resource_destroy(cb);
	free(s);
}

/* wl_compositor */

static void
compositor_create_surface(struct wl_client *c, struct wl_resource *r,
			  uint32_t id)
{
	struct surface *s = calloc(1, sizeof *s);
	if (!s) {
		wl_client_post_no_memory(c);
		return;
	}
	s->resource = wl_resource_create(c, &wl_surface_interface,
					 wl_resource_get_version(r), id);
	if (!s->resource) {
		free(s);
		wl_client_post_no_memory(c);
		return;
	}
	wl_list_init(&s->frames);
	wl_list_init(&s->pending_destroy.link);
	s->pending_destroy.notify = surface_pending_destroyed;
	wl_resource_set_implementation(s->resource, &surface_impl, s,
				       surface_free);
}

static void
compositor_create_region(struct wl_client *c, struct wl_resource *r,
			 uint32_t id)
{
	struct wl_resource *res =
		wl_resource_create(c, &wl_region_interface, 1, id);
	if (!res) {
		wl_client_post_no_memory(c);
		return;
	}
	wl_resource_set_implementation(res, &region_impl, NULL, NULL);
}

static const struct wl_compositor_interface compositor_impl = {
	.create_surface = compositor_create_surface,
	.create_region = compositor_create_region,
};

static void
bind_compositor(struct wl_client *c, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *r =
		wl_resource_create(c, &wl_compositor_interface, version, id);
	if (!r) {
		wl_client_post_no_memory(c);
		return;
	}
	wl_resource_set_implementation(r, &compositor_impl, NULL, NULL);
}

/* wl_subcompositor and wl_subsurface */

static void
subsurface_set_position(struct wl_client *c, struct wl_resource *r,
			int32_t x, int32_t y)
{
}

static void
subsurface_place(struct wl_client *c, struct wl_resource *r,
		 struct wl_resource *sibling)
{
}

static void
subsurface_noop(struct wl_client *c, struct wl_resource *r)
{
}

static const struct wl_subsurface_interface subsurface_impl = {
	.destroy = destroy_resource,
	.set_position = subsurface_set_position,
	.place_above = subsurface_place,
	.place_below = subsurface_place,
	.set_sync = subsurface_noop,
	.set_desync = subsurface_noop,
};

static void
subcompositor_get_subsurface(struct wl_client *c, struct wl_resource *r,
			     uint32_t id, struct wl_resource *surface,
			     struct wl_resource *parent)
{
	struct wl_resource *res =
		wl_resource_create(c, &wl_subsurface_interface, 1, id);
	if (!res) {
		wl_client_post_no_memory(c);
		return;
	}
	wl_resource_set_implementation(res, &subsurface_impl, NULL, NULL);
}

static const struct wl_subcompositor_interface subcompositor_impl = {
	.destroy = destroy_resource,
	.get_subsurface = subcompositor_get_subsurface,
};

static void
bind_subcompositor(struct wl_client *c, void *data, uint32_t version,
		   uint32_t id)
{
	struct wl_resource *r =
		wl_resource_create(c, &wl_subcompositor_interface, version, id);
	if (!r) {
		wl_client_post_no_memory(c);
		return;
	}
	wl_resource_set_implementation(r, &subcompositor_impl, NULL, NULL);
}

/* wl_output */

static const struct wl_output_interface output_impl = {
	.release = destroy_resource,
};

static void
bind_output(struct wl_client *c, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *r =
		wl_resource_create(c, &wl_output_interface, version, id);
	if (!r) {
		wl_client_post_no_memory(c);
		return;
	}
	wl_resource_set_implementation(r, &output_impl, NULL, NULL);
	wl_output_send_geometry(r, 0, 0, 300, 200, WL_OUTPUT_SUBPIXEL_UNKNOWN,
				"oracle", "oracle", WL_OUTPUT_TRANSFORM_NORMAL);
	wl_output_send_mode(r, WL_OUTPUT_MODE_CURRENT | WL_OUTPUT_MODE_PREFERRED,
			    1024, 768, 60000);
	if (version >= WL_OUTPUT_SCALE_SINCE_VERSION)
		wl_output_send_scale(r, 1);
	if (version >= WL_OUTPUT_DONE_SINCE_VERSION)
		wl_output_send_done(r);
}

/* wl_seat and its devices */

static void
pointer_set_cursor(struct wl_client *c, struct wl_resource *r, uint32_t serial,
		   struct wl_resource *surface, int32_t x, int32_t y)
{
}

static const struct wl_pointer_interface pointer_impl = {
	.set_cursor = pointer_set_cursor,
	.release = destroy_resource,
};

static const struct wl_keyboard_interface keyboard_impl = {
	.release = destroy_resource,
};

static const struct wl_touch_interface touch_impl = {
	.release = destroy_resource,
};

static void
seat_get_device(struct wl_client *c, struct wl_resource *r, uint32_t id,
		const struct wl_interface *iface, const void *impl)
{
	struct wl_resource *res =
		wl_resource_create(c, iface, wl_resource_get_version(r), id);
	if (!res) {
		wl_client_post_no_memory(c);
		return;
	}
	wl_resource_set_implementation(res, impl, NULL, NULL);
}

static void
seat_get_pointer(struct wl_client *c, struct wl_resource *r, uint32_t id)
{
	seat_get_device(c, r, id, &wl_pointer_interface, &pointer_impl);
}

static void
seat_get_keyboard(struct wl_client *c, struct wl_resource *r, uint32_t id)
{
	seat_get_device(c, r, id, &wl_keyboard_interface, &keyboard_impl);
}

static void
seat_get_touch(struct wl_client *c, struct wl_resource *r, uint32_t id)
{
	seat_get_device(c, r, id, &wl_touch_interface, &touch_impl);
}

static const struct wl_seat_interface seat_impl = {
	.get_pointer = seat_get_pointer,
	.get_keyboard = seat_get_keyboard,
	.get_touch = seat_get_touch,
	.release = destroy_resource,
};

static void
bind_seat(struct wl_client *c, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *r =
		wl_resource_create(c, &wl_seat_interface, version, id);
	if (!r) {
		wl_client_post_no_memory(c);
		return;
	}
	wl_resource_set_implementation(r, &seat_impl, NULL, NULL);
	wl_seat_send_capabilities(r, 0);
	if (version >= WL_SEAT_NAME_SINCE_VERSION)
		wl_seat_send_name(r, "seat0");
}

int
main(int argc, char **argv)
{
	struct wl_display *display;

	if (argc != 2) {
		fprintf(stderr, "usage: %s SOCKET_NAME\n", argv[0]);
		return 2;
	}
	/*
	 * Error messages carry the server's own fd numbers ("failed mmap fd
	 * 11"); fds leaked into us by whoever ran the tests would shift them.
	 */
	close_range(3, ~0U, 0);
	signal(SIGPIPE, SIG_IGN);
	display = wl_display_create();
	if (!display) {
		fprintf(stderr, "oracle: wl_display_create failed\n");
		return 1;
	}
	if (wl_display_add_socket(display, argv[1]) != 0) {
		perror("oracle: wl_display_add_socket");
		return 1;
	}
	if (wl_display_init_shm(display) != 0 ||
	    !wl_global_create(display, &wl_compositor_interface, 4, NULL,
			      bind_compositor) ||
	    !wl_global_create(display, &wl_subcompositor_interface, 1, NULL,
			      bind_subcompositor) ||
	    !wl_global_create(display, &wl_output_interface, 3, NULL,
			      bind_output) ||
	    !wl_global_create(display, &wl_seat_interface, 7, NULL,
			      bind_seat)) {
		fprintf(stderr, "oracle: creating globals failed\n");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	wl_display_run(display);
	wl_display_destroy(display);
	return 0;
}
