/*
 * syncrtt: a libwayland client timing wl_display.sync round trips, the
 * measure issue 14 names. It connects (--socket=NAME|PATH, else
 * $WAYLAND_DISPLAY), runs --warmup=N round trips, then times --count=N
 * (default 3000) back to back with CLOCK_MONOTONIC, each one
 * wl_display_sync + wl_display_roundtrip-style dispatch until its done
 * event, and prints one JSON object in the shape of wlbench's Result
 * (bench/wlclient): rtt_p50_us, rtt_p99_us, rtt_mean_us, 101 quantiles,
 * and, with --pid, the compositor's CPU over the timed window from
 * /proc/PID/stat (cpu_s) and /proc/PID/task/ * /schedstat (cpu_sched_s),
 * and its context switches, all threads, voluntary and not, from
 * /proc/PID/task/ * /status (ctx_switches).
 *
 * Build: cc -O2 -o syncrtt syncrtt.c $(pkg-config --cflags --libs wayland-client) -lm
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wayland-client.h>

static void done_cb(void *data, struct wl_callback *cb, uint32_t serial)
{
	(void)serial;
	*(int *)data = 1;
	wl_callback_destroy(cb);
}

static const struct wl_callback_listener done_listener = {done_cb};

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* one round trip: 0 on success */
static int roundtrip(struct wl_display *d)
{
	int done = 0;
	struct wl_callback *cb = wl_display_sync(d);
	if (!cb)
		return -1;
	wl_callback_add_listener(cb, &done_listener, &done);
	while (!done)
		if (wl_display_dispatch(d) < 0)
			return -1;
	return 0;
}

static double stat_cpu(int pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	if (!p)
		return 0;
	unsigned long ut = 0, st = 0;
	/* after ") ": state(3) ... utime(14) stime(15) */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / sysconf(_SC_CLK_TCK);
}

static double sched_cpu(int pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task", pid);
	DIR *dir = opendir(path);
	if (!dir)
		return 0;
	double sum = 0;
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		char p[320];
		snprintf(p, sizeof p, "/proc/%d/task/%s/schedstat", pid, e->d_name);
		FILE *f = fopen(p, "r");
		if (!f)
			continue;
		unsigned long long ns = 0;
		if (fscanf(f, "%llu", &ns) == 1)
			sum += ns / 1e9;
		fclose(f);
	}
	closedir(dir);
	return sum;
}

/* context switches of every thread of pid, voluntary and not, from
 * /proc/PID/task/ * /status */
static long long ctx_switches(int pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task", pid);
	DIR *dir = opendir(path);
	if (!dir)
		return 0;
	long long sum = 0;
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		char p[320], line[256];
		snprintf(p, sizeof p, "/proc/%d/task/%s/status", pid, e->d_name);
		FILE *f = fopen(p, "r");
		if (!f)
			continue;
		long long v;
		while (fgets(line, sizeof line, f))
			if (sscanf(line, "voluntary_ctxt_switches: %lld", &v) == 1 ||
			    sscanf(line, "nonvoluntary_ctxt_switches: %lld", &v) == 1)
				sum += v;
		fclose(f);
	}
	closedir(dir);
	return sum;
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* the same quantile rule as bench/wlclient: sample round(q*(n-1)) */
static double quantile(const double *s, int n, double q)
{
	return s[(int)lround(q * (n - 1))];
}

int main(int argc, char **argv)
{
	const char *sock = NULL;
	int count = 3000, warmup = 1000, pid = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strncmp(a, "--socket=", 9))
			sock = a + 9;
		else if (!strncmp(a, "--count=", 8))
			count = atoi(a + 8);
		else if (!strncmp(a, "--warmup=", 9))
			warmup = atoi(a + 9);
		else if (!strncmp(a, "--pid=", 6))
			pid = atoi(a + 6);
		else {
			fprintf(stderr, "usage: %s [--socket=NAME|PATH] [--count=3000] [--warmup=1000] [--pid=PID]\n", argv[0]);
			return 2;
		}
	}
	if (count < 1) {
		fprintf(stderr, "syncrtt: --count must be positive\n");
		return 2;
	}
	if (sock && !*sock)
		sock = NULL;
	struct wl_display *d = wl_display_connect(sock);
	if (!d) {
		fprintf(stderr, "syncrtt: cannot connect to %s: %m\n", sock ? sock : "$WAYLAND_DISPLAY");
		return 1;
	}
	for (int i = 0; i < warmup; i++)
		if (roundtrip(d) < 0) {
			fprintf(stderr, "syncrtt: warm-up round trip %d: %m\n", i);
			return 1;
		}
	double *rtt = malloc(sizeof(double) * count);
	if (!rtt)
		return 1;
	double c0 = pid ? stat_cpu(pid) : 0, s0 = pid ? sched_cpu(pid) : 0;
	long long x0 = pid ? ctx_switches(pid) : 0;
	double t0 = now_us();
	for (int i = 0; i < count; i++) {
		double a = now_us();
		if (roundtrip(d) < 0) {
			fprintf(stderr, "syncrtt: round trip %d: %m\n", i);
			return 1;
		}
		rtt[i] = now_us() - a;
	}
	double secs = (now_us() - t0) / 1e6;
	double c1 = pid ? stat_cpu(pid) : 0, s1 = pid ? sched_cpu(pid) : 0;
	long long x1 = pid ? ctx_switches(pid) : 0;
	wl_display_disconnect(d);

	double sum = 0;
	for (int i = 0; i < count; i++)
		sum += rtt[i];
	qsort(rtt, count, sizeof(double), cmpd);
	char load[128] = "";
	FILE *lf = fopen("/proc/loadavg", "r");
	if (lf) {
		if (fgets(load, sizeof load, lf))
			load[strcspn(load, "\n")] = 0;
		fclose(lf);
	}
	printf("{\"Mode\":\"sync\",\"Client\":\"libwayland\",\"PID\":%d,\"seconds\":%.6f,\"syncs\":%d,"
	       "\"rtt_p50_us\":%.3f,\"rtt_p99_us\":%.3f,\"rtt_mean_us\":%.3f,\"rtt_quantiles_us\":[",
	       pid, secs, count, quantile(rtt, count, 0.50), quantile(rtt, count, 0.99), sum / count);
	for (int q = 0; q <= 100; q++)
		printf("%s%.3f", q ? "," : "", quantile(rtt, count, q / 100.0));
	printf("],\"cpu_s\":%.6f,\"cpu_sched_s\":%.9f,\"cpu_load\":%.4f,\"ctx_switches\":%lld,\"loadavg\":\"%s\"}\n",
	       c1 - c0, s1 - s0, secs > 0 ? (s1 - s0) / secs : 0, x1 - x0, load);
	free(rtt);
	return 0;
}
