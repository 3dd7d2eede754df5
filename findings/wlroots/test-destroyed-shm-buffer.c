/*
 * test-destroyed-shm-buffer: the regression test for
 * 0001-buffer-guard-a-destroyed-wl_shm_buffer-s-saved-data-against-SIGBUS.patch.
 *
 * wlroots 0.15 has no test suite (no test() in its meson files; upstream's
 * test/ directory only appeared later and holds benchmarks), so this is a
 * standalone program linked against libwlroots.so.10, with a real
 * wl_display, libwayland's wl_shm and a real client on a socketpair in the
 * same process.
 *
 * For each case, a client creates a 1 MiB pool on a memfd and a 512x512
 * buffer on it, the server takes a wlr_buffer for it
 * (wlr_buffer_from_resource), the client truncates the file to 42 bytes and
 * then either destroys its wl_buffer or disconnects. The server then reads
 * the last byte of the buffer between wlr_buffer_begin_data_ptr_access()
 * and wlr_buffer_end_data_ptr_access(), as a renderer does.
 *
 * Stock wlroots 0.15: the read raises SIGBUS and the test dies of it.
 * Patched: the read returns 0 and the SIGBUS action is restored afterwards.
 *
 * Build: cc -DWLR_USE_UNSTABLE -I$WLROOTS/include -I$WLROOTS/build/include \
 *            -o test-destroyed-shm-buffer test-destroyed-shm-buffer.c \
 *            -L$WLROOTS/build -l:libwlroots.so.10 \
 *            $(pkg-config --cflags --libs wayland-server wayland-client pixman-1)
 */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <wayland-client.h>
#include <wayland-server.h>
#include <wlr/types/wlr_buffer.h>

enum { W = 512, H = 512, STRIDE = W * 4, SIZE = STRIDE * H };

static struct wl_display *server;
static struct wl_display *client;
static struct wl_shm *shm;

static void global(void *data, struct wl_registry *r, uint32_t name,
		   const char *iface, uint32_t version)
{
	if (strcmp(iface, "wl_shm") == 0)
		shm = wl_registry_bind(r, name, &wl_shm_interface, 1);
}
static void global_remove(void *data, struct wl_registry *r, uint32_t name) {}
static const struct wl_registry_listener registry_listener = { global, global_remove };

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "%s:%d: check failed: %s\n",         \
				__FILE__, __LINE__, #cond);                  \
			exit(1);                                             \
		}                                                            \
	} while (0)

/* pump: let requests and events cross the socketpair both ways. */
static void pump(void)
{
	struct wl_event_loop *loop = wl_display_get_event_loop(server);
	for (int i = 0; i < 4; i++) {
		wl_display_flush(client);
		wl_event_loop_dispatch(loop, 0);
		wl_display_flush_clients(server);
		while (wl_display_prepare_read(client) != 0)
			wl_display_dispatch_pending(client);
		struct pollfd p = { wl_display_get_fd(client), POLLIN, 0 };
		if (poll(&p, 1, 0) > 0)
			wl_display_read_events(client);
		else
			wl_display_cancel_read(client);
		wl_display_dispatch_pending(client);
	}
}

/* One case: truncate, then have the client destroy the wl_buffer
 * (disconnect == false) or disconnect; read the buffer's last byte. */
static void run_case(const char *name, bool disconnect)
{
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	struct wl_client *wl_client = wl_client_create(server, sv[0]);
	CHECK(wl_client != NULL);
	client = wl_display_connect_to_fd(sv[1]);
	CHECK(client != NULL);
	shm = NULL;
	struct wl_registry *reg = wl_display_get_registry(client);
	wl_registry_add_listener(reg, &registry_listener, NULL);
	pump();
	CHECK(shm != NULL);

	int fd = memfd_create("test-destroyed-shm-buffer", MFD_CLOEXEC);
	CHECK(fd >= 0 && ftruncate(fd, SIZE) == 0);
	struct wl_shm_pool *pool = wl_shm_create_pool(shm, fd, SIZE);
	struct wl_buffer *buf = wl_shm_pool_create_buffer(pool, 0, W, H, STRIDE,
							  WL_SHM_FORMAT_ARGB8888);
	pump();
	struct wl_resource *res =
		wl_client_get_object(wl_client, wl_proxy_get_id((struct wl_proxy *)buf));
	CHECK(res != NULL);
	struct wlr_buffer *wlr_buffer = wlr_buffer_from_resource(res);
	CHECK(wlr_buffer != NULL);

	/* While the wl_buffer exists, libwayland guards the access. */
	CHECK(ftruncate(fd, 42) == 0);
	if (disconnect) {
		wl_display_disconnect(client);
		wl_client_destroy(wl_client);
	} else {
		wl_buffer_destroy(buf);
		wl_shm_pool_destroy(pool);
		pump();
	}

	struct sigaction before, after;
	CHECK(sigaction(SIGBUS, NULL, &before) == 0);
	void *data;
	uint32_t format;
	size_t stride;
	CHECK(wlr_buffer_begin_data_ptr_access(wlr_buffer,
		WLR_BUFFER_DATA_PTR_ACCESS_READ, &data, &format, &stride));
	CHECK(stride == STRIDE);
	fprintf(stderr, "%s: reading the last byte of the buffer\n", name);
	uint8_t last = ((volatile uint8_t *)data)[SIZE - 1];
	wlr_buffer_end_data_ptr_access(wlr_buffer);
	CHECK(last == 0);
	CHECK(sigaction(SIGBUS, NULL, &after) == 0);
	CHECK(after.sa_handler == before.sa_handler);
	wlr_buffer_unlock(wlr_buffer);

	if (!disconnect) {
		wl_display_disconnect(client);
		wl_client_destroy(wl_client);
	}
	close(fd);
	fprintf(stderr, "%s: ok (read zeros, SIGBUS action restored)\n", name);
}

int main(void)
{
	server = wl_display_create();
	CHECK(server != NULL);
	CHECK(wl_display_init_shm(server) == 0);
	run_case("destroyed wl_buffer", false);
	run_case("departed client", true);
	wl_display_destroy(server);
	return 0;
}
