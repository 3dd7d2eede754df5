/*
 * wakefloor: the C side of bench/cmd/wakefloor. A compositor's frame
 * with nothing in it: epoll on a 60 Hz timerfd and a Unix socket to a
 * client; on a tick it reads the timer and sends the client one byte (the
 * frame callback), and when the client answers (its commit) it reads the
 * socket until EAGAIN. The timer is registered level-triggered and the
 * socket edge-triggered (read to EAGAIN either way), and the socket for
 * readable only, unlike the Go runtime, which registers every socket for
 * writable as well.
 * It prints {"frames":N,"cpu_ms":X}: its own CPU time
 * (CLOCK_PROCESS_CPUTIME_ID) over DURATION_MS after WARMUP_MS, and the
 * commits it read in that window.
 *
 * Usage: wakefloor WARMUP_MS DURATION_MS CLIENT [ARGS...]
 * The client gets its end of the socket as fd 3.
 *
 * Build: cc -O2 -o wakefloor wakefloor.c
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double ms(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: wakefloor WARMUP_MS DURATION_MS CLIENT [ARGS...]\n");
		return 2;
	}
	double warmup = atof(argv[1]), duration = atof(argv[2]);
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		perror("wakefloor: socketpair");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	pid_t pid = fork();
	if (pid == 0) {
		if (dup2(sv[1], 3) < 0)
			_exit(1);
		execvp(argv[3], argv + 3);
		perror("wakefloor: exec client");
		_exit(1);
	}
	close(sv[1]);
	int sock = sv[0];
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	struct itimerspec its = {{0, 16666667}, {0, 16666667}};
	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (tfd < 0 || ep < 0 || timerfd_settime(tfd, 0, &its, NULL) < 0) {
		perror("wakefloor: timerfd/epoll");
		return 1;
	}
	struct epoll_event e = {.events = EPOLLIN, .data.fd = tfd};
	epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &e);
	e.events = EPOLLIN | EPOLLET;
	e.data.fd = sock;
	epoll_ctl(ep, EPOLL_CTL_ADD, sock, &e);

	double start = ms(CLOCK_MONOTONIC), cpu0 = 0;
	long frames = 0;
	int measuring = 0;
	for (;;) {
		struct epoll_event ev[8];
		int n = epoll_wait(ep, ev, 8, -1);
		for (int i = 0; i < n; i++) {
			if (ev[i].data.fd == tfd) {
				uint64_t x;
				if (read(tfd, &x, sizeof x) == sizeof x)
					send(sock, "d", 1, MSG_DONTWAIT);
				continue;
			}
			char b[256];
			ssize_t r;
			while ((r = recv(sock, b, sizeof b, MSG_DONTWAIT)) > 0)
				frames += r;
			if (r == 0) {
				fprintf(stderr, "wakefloor: client left\n");
				return 1;
			}
		}
		double t = ms(CLOCK_MONOTONIC) - start;
		if (!measuring && t >= warmup) {
			measuring = 1;
			frames = 0;
			cpu0 = ms(CLOCK_PROCESS_CPUTIME_ID);
		} else if (measuring && t >= warmup + duration)
			break;
	}
	double cpu = ms(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
	close(sock);
	waitpid(pid, NULL, 0);
	printf("{\"frames\":%ld,\"cpu_ms\":%.4f}\n", frames, cpu);
	return 0;
}
