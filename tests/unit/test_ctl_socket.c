/* SPDX-License-Identifier: MIT */
/* The switch daemon's control socket (dataplane/ctl_socket.c), driven
 * as its poll loop drives it, on a real socket: an answer goes out
 * while forwarding goes on, so no call may wait for a client, however
 * slowly it reads; a client that does not read is dropped at its
 * deadline, and the next is served after it. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "switch.h"

#define CHECK_NAME "ctl_socket"
#include "check.h"

#define BIG (1u << 20) /* more than a socket's buffers hold */
#define MS UINT64_C(1000000)

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* "big": BIG bytes of a pattern, then a newline; anything else: pong. */
char *ctl_answer(struct sw *sw, const char *req, size_t *len)
{
	char *a;

	(void)sw;
	if (strncmp(req, "big", 3)) {
		*len = 5;
		return strdup("pong\n");
	}
	if (!(a = malloc(BIG + 1)))
		return NULL;
	for (size_t i = 0; i < BIG; i++)
		a[i] = (char)('a' + i % 26);
	a[BIG] = '\n';
	*len = BIG + 1;
	return a;
}

static struct sw sw;
static uint64_t slowest; /* the longest ctl_serve call, ns */

/* One turn of the poll loop, as switch_run takes it: the socket it
 * waits on (the listening one, or the client's), then ctl_tick. */
static void turn(void)
{
	struct pollfd p = { .fd = sw.ctl_client >= 0 ? sw.ctl_client : sw.ctl_fd,
			    .events = POLLIN | POLLOUT };
	uint64_t t;

	if (poll(&p, 1, 1) > 0) {
		t = now_ns();
		ctl_serve(&sw);
		t = now_ns() - t;
		if (t > slowest)
			slowest = t;
	}
	ctl_tick(&sw);
}

static void turns_for(uint64_t ns)
{
	uint64_t end = now_ns() + ns;

	while (now_ns() < end)
		turn();
}

/* A client of the socket, asking req (NULL: nothing), its receive
 * buffer small so that the answer cannot all fit in the sockets. */
static int client(const char *req)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), small = 4096;

	memcpy(sa.sun_path, sw.cfg.sock_path, strlen(sw.cfg.sock_path) + 1); /* short: main's */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    (req && write(fd, req, strlen(req)) != (ssize_t)strlen(req))) {
		perror("client");
		exit(1);
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

/* What fd gets until its end, turning the loop meanwhile (2 s at most):
 * the bytes, -1 if it never ended. */
static long read_all(int fd, char *buf, size_t cap)
{
	uint64_t end = now_ns() + 2000 * MS;
	size_t got = 0;

	while (now_ns() < end) {
		ssize_t n = read(fd, buf + got, cap - got);

		if (n == 0 || (n < 0 && errno != EAGAIN))
			return (long)got;
		if (n > 0)
			got += (size_t)n;
		turn();
	}
	return -1;
}

static char got[BIG + 64];

int main(void)
{
	char dir[] = "/tmp/nsfast-ctl-XXXXXX";
	long n;
	int a, b;

	signal(SIGPIPE, SIG_IGN); /* as the daemon does */
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(sw.cfg.sock_path, sizeof(sw.cfg.sock_path), "%s/sw.sock", dir);
	sw.ctl_client = -1;
	sw.ctl_fd = ctl_open(&sw);
	if (sw.ctl_fd < 0) {
		fprintf(stderr, "ctl_open: %s\n", strerror(-sw.ctl_fd));
		return 1;
	}

	/* A client that reads: the whole answer, though it is larger than
	 * what the sockets hold and the loop sends it a piece a turn. */
	a = client("big");
	n = read_all(a, got, sizeof(got));
	check(n == BIG + 1 && got[BIG] == '\n' && got[BIG - 1] == (char)('a' + (BIG - 1) % 26),
	      "a client that reads gets the whole answer of 1 MiB", "got %ld bytes", n);
	close(a);

	/* One that asks and never reads, the next waiting behind it: no
	 * call waits for the first (they once held the forwarding thread
	 * 100 ms and more each); it is dropped at its deadline (100 ms,
	 * and 10 ms for its MiB), and the second is answered. */
	slowest = 0;
	a = client("big");
	b = client("ping");
	turns_for(50 * MS);
	check(sw.ctl_client >= 0, "a client that does not read is kept until its deadline", "dropped");
	n = read_all(b, got, sizeof(got));
	check(n == 5 && !memcmp(got, "pong\n", 5),
	      "the next client is answered once the one that does not read is dropped",
	      "got %ld bytes", n);
	check(slowest < 50 * MS, "no call waits for a client that does not read",
	      "the slowest took %llu ms", (unsigned long long)(slowest / MS));
	n = read_all(a, got, sizeof(got));
	check(n >= 0 && n < BIG + 1, "and the one dropped got its answer cut", "got %ld bytes", n);
	close(a);
	close(b);

	/* One that goes away mid-answer is let go at once. */
	a = client("big");
	turns_for(5 * MS);
	close(a);
	turns_for(5 * MS);
	check(sw.ctl_client < 0, "a client that closes mid-answer is dropped at once", "still held");

	/* One that asks nothing is dropped after 100 ms, without a wait. */
	slowest = 0;
	a = client(NULL);
	turns_for(150 * MS);
	check(sw.ctl_client < 0 && slowest < 50 * MS,
	      "a client that asks nothing is dropped after 100 ms, and no call waits for it",
	      "client %d, the slowest call %llu ms", sw.ctl_client,
	      (unsigned long long)(slowest / MS));
	close(a);

	ctl_close(&sw);
	rmdir(dir);
	return failures ? 1 : 0;
}
