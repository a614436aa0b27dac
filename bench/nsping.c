/* SPDX-License-Identifier: MIT */
/* nsping: UDP request/response latency for the benchmarks. One side
 * echoes datagrams back (--server), the other sends one at a time, waits
 * for its echo and times the round trip with CLOCK_MONOTONIC; after
 * --warmup round trips that are not counted, --count are, and it prints
 * the percentiles as one JSON line. Both sides enter a namespace from
 * /run/netns themselves (--netns), so no `ip netns exec` is needed. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "num_arg.h"

#define MAX_SIZE 1472 /* the largest UDP payload in one 1500-byte packet */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile of n sorted samples (nearest rank), in microseconds. */
static double pct_us(const uint64_t *s, size_t n, double q)
{
	size_t i = (size_t)(q * (double)n + 0.999999);

	if (i < 1)
		i = 1;
	if (i > n)
		i = n;
	return (double)s[i - 1] / 1000.0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: nsping --netns NS --server [--port PORT] [--idle SECONDS]\n"
		   "       nsping --netns NS --client ADDR [--port PORT] [--count N]\n"
		   "              [--warmup N] [--size BYTES] [--timeout-ms MS]\n"
		   "The server echoes every UDP datagram on PORT (default 7007) back to its\n"
		   "sender and exits after SECONDS (default 30) without one. The client sends\n"
		   "BYTES (default 32) to ADDR one at a time, N times (default 10000) after N\n"
		   "warm-up round trips (default 100, not counted; the first waits up to 2 s\n"
		   "for the server), a datagram unanswered after MS (default 200) counts as\n"
		   "lost, and prints one JSON line: count (answered), lost, min, mean (of the\n"
		   "answered), p50, p90, p99, p999 and max round-trip time in microseconds,\n"
		   "where a lost one ranks as MS.\n");
}

static int run_server(int fd, int idle_s)
{
	uint8_t buf[2048];
	struct sockaddr_in peer;
	socklen_t plen;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;
	int r;

	for (;;) {
		r = poll(&p, 1, idle_s * 1000);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "nsping: poll: %s\n", strerror(errno));
			return 1;
		}
		if (r == 0)
			return 0; /* idle: the benchmark is over (or gone) */
		plen = sizeof(peer);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &plen);
		if (n < 0)
			continue;
		sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&peer, plen);
	}
}

/* One round trip: send seq, wait for its echo (older echoes that arrive
 * late are skipped). Returns the time in ns, or 0 on timeout. */
static uint64_t round_trip(int fd, uint8_t *buf, size_t size, uint64_t seq, int timeout_ms)
{
	uint8_t in[2048];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t t0, deadline, got, now;
	ssize_t n;
	int left;

	memcpy(buf, &seq, sizeof(seq));
	t0 = now_ns();
	deadline = t0 + (uint64_t)timeout_ms * 1000000u;
	if (send(fd, buf, size, 0) < 0)
		return 0;
	for (;;) {
		n = recv(fd, in, sizeof(in), MSG_DONTWAIT);
		if (n >= (ssize_t)sizeof(seq)) {
			memcpy(&got, in, sizeof(got));
			if (got == seq)
				return now_ns() - t0;
			continue;
		}
		now = now_ns();
		if (now >= deadline)
			return 0;
		left = (int)((deadline - now + 999999) / 1000000);
		if (poll(&p, 1, left) < 0 && errno != EINTR)
			return 0;
	}
}

static int run_client(int fd, size_t size, long count, long warmup, int timeout_ms)
{
	static uint8_t buf[MAX_SIZE];
	uint64_t *s, t, sum = 0, seq = 0, waited = 0;
	long i, lost = 0;
	size_t n = 0;

	s = calloc((size_t)count, sizeof(*s));
	if (!s) {
		fprintf(stderr, "nsping: out of memory\n");
		return 1;
	}
	/* The server may still be starting: the first echo may take up to 2 s. */
	while (!round_trip(fd, buf, size, ++seq, 100))
		if (++waited >= 20) {
			fprintf(stderr, "nsping: no echo from the server in 2 s\n");
			free(s);
			return 1;
		}
	for (i = 0; i < warmup; i++)
		round_trip(fd, buf, size, ++seq, timeout_ms);
	/* A lost round trip took at least the timeout: it ranks as that in
	 * the percentiles (left out, a path that drops would look faster
	 * than one that delivers late), and the mean is the answered
	 * ones'. */
	for (i = 0; i < count; i++) {
		t = round_trip(fd, buf, size, ++seq, timeout_ms);
		if (!t) {
			lost++;
			s[n++] = (uint64_t)timeout_ms * 1000000u;
			continue;
		}
		s[n++] = t;
		sum += t;
	}
	if (n == (size_t)lost) {
		fprintf(stderr, "nsping: every one of %ld round trips was lost\n", count);
		free(s);
		return 1;
	}
	qsort(s, n, sizeof(*s), cmp_u64);
	printf("{\"count\":%zu,\"lost\":%ld,\"size\":%zu,\"min_us\":%.2f,\"mean_us\":%.2f,"
	       "\"p50_us\":%.2f,\"p90_us\":%.2f,\"p99_us\":%.2f,\"p999_us\":%.2f,\"max_us\":%.2f}\n",
	       n - (size_t)lost, lost, size, (double)s[0] / 1000.0,
	       (double)sum / (double)(n - (size_t)lost) / 1000.0,
	       pct_us(s, n, 0.50), pct_us(s, n, 0.90), pct_us(s, n, 0.99), pct_us(s, n, 0.999),
	       (double)s[n - 1] / 1000.0);
	free(s);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "netns", required_argument, NULL, 'n' },
		{ "server", no_argument, NULL, 'S' },
		{ "client", required_argument, NULL, 'c' },
		{ "port", required_argument, NULL, 'p' },
		{ "count", required_argument, NULL, 'N' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "size", required_argument, NULL, 'z' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "idle", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *ns = NULL, *dst = NULL;
	int server = 0, port = 7007, size = 32, timeout_ms = 200, idle = 30, o, fd;
	long count = 10000, warmup = 100, v = 0;
	int oi = 0, bad = 0;
	struct sockaddr_in a = { .sin_family = AF_INET };
	char path[300];

	while ((o = getopt_long(argc, argv, "h", opts, &oi)) != -1) {
		switch (o) {
		case 'n': ns = optarg; break;
		case 'S': server = 1; break;
		case 'c': dst = optarg; break;
		case 'p': bad |= long_arg(optarg, 1, 65535, &v), port = (int)v; break;
		case 'N': bad |= long_arg(optarg, 1, 100000000, &count); break;
		case 'w': bad |= long_arg(optarg, 0, 100000000, &warmup); break;
		case 'z': bad |= long_arg(optarg, (long)sizeof(uint64_t), MAX_SIZE, &v), size = (int)v; break;
		case 't': bad |= long_arg(optarg, 1, 60000, &v), timeout_ms = (int)v; break;
		case 'i': bad |= long_arg(optarg, 1, 86400, &v), idle = (int)v; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
		if (bad) {
			fprintf(stderr, "nsping: bad --%s '%s'\n", opts[oi].name, optarg);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "nsping: unexpected '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	/* Each number is in its own range already (long_arg). */
	if (!ns || server == !!dst) {
		usage(stderr);
		return 2;
	}
	if (dst && inet_pton(AF_INET, dst, &a.sin_addr) != 1) {
		fprintf(stderr, "nsping: '%s' is not an IPv4 address\n", dst);
		return 2;
	}
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		fprintf(stderr, "nsping: entering namespace %s: %s\n", ns, strerror(errno));
		return 1;
	}
	close(fd);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "nsping: socket: %s\n", strerror(errno));
		return 1;
	}
	a.sin_port = htons((uint16_t)port);
	if (server) {
		if (bind(fd, (struct sockaddr *)&a, sizeof(a))) {
			fprintf(stderr, "nsping: binding UDP port %d in %s: %s\n", port, ns,
				strerror(errno));
			return 1;
		}
		return run_server(fd, idle);
	}
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		fprintf(stderr, "nsping: connecting to %s: %s\n", dst, strerror(errno));
		return 1;
	}
	return run_client(fd, (size_t)size, count, warmup, timeout_ms);
}
