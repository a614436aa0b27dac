/* SPDX-License-Identifier: MIT */
/* The switch daemon's control socket: one short exchange per
 * connection (status asks, ctl.c answers), on the forwarding thread. */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "switch.h"

#define ASK_NS 100000000ull /* the request, and a small answer */
#define PER_MIB_NS 10000000ull /* and this much more per MiB of answer */

static int addr_of(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

/* A daemon whose listen queue is full (stopped, or stuck, with clients
 * waiting) still listens there: it answers, as far as taking its socket
 * goes. Its connect() would wait for room for ever without the send
 * timeout; EAGAIN says the queue stayed full. */
bool ctl_answered(const char *path)
{
	struct timeval tv = { .tv_sec = 1, .tv_usec = 0 };
	struct sockaddr_un sa;
	bool live;
	int fd;

	if (addr_of(path, &sa) || (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return false;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	live = !connect(fd, (struct sockaddr *)&sa, sizeof(sa)) || errno == EAGAIN;
	close(fd);
	return live;
}

int ctl_open(struct sw *sw)
{
	const char *path = sw->cfg.sock_path;
	struct sockaddr_un sa;
	struct stat st;
	int fd, err;

	/* (setup refused to start if another daemon answers there.) */
	if ((err = addr_of(path, &sa)))
		return err;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path); /* one a daemon killed left */
	/* Root only, like the rest of /run/nsfast. */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || chmod(path, 0600) ||
	    listen(fd, 4) || stat(path, &st)) {
		err = -errno;
		close(fd);
		return err;
	}
	sw->ctl_dev = st.st_dev;
	sw->ctl_ino = st.st_ino;
	return fd;
}

void ctl_close(struct sw *sw)
{
	struct stat st;

	if (sw->ctl_client >= 0)
		close(sw->ctl_client);
	sw->ctl_client = -1;
	if (sw->ctl_fd < 0)
		return;
	close(sw->ctl_fd);
	sw->ctl_fd = -1;
	/* Only its own: a daemon started since may have bound the path. */
	if (!stat(sw->cfg.sock_path, &st) && st.st_dev == sw->ctl_dev && st.st_ino == sw->ctl_ino)
		unlink(sw->cfg.sock_path);
}

/* Until c is ready for ev, or the deadline: false at the deadline. */
static bool wait_for(int c, short ev, uint64_t deadline)
{
	struct pollfd p = { .fd = c, .events = ev };
	uint64_t now;

	while ((now = now_ns()) < deadline) {
		int r = poll(&p, 1, (int)((deadline - now + 999999) / 1000000));

		if (r > 0)
			return true;
		if (r < 0 && errno != EINTR)
			return false;
	}
	return false;
}

/* The switch is single-threaded, so a client never holds it while it
 * has not asked: accepted, it waits in the poll loop (one at a time,
 * the next in the listen backlog) for 100 ms at most (ctl_tick), and
 * its answer then has 100 ms, and 10 ms more per MiB, to be read (a
 * client that asked nothing, or read slowly, once held the forwarding
 * thread 100 ms for each of its calls). */
void ctl_serve(struct sw *sw)
{
	char req[32] = "", *ans = NULL;
	size_t off = 0, len = 0;
	uint64_t deadline;
	ssize_t n;
	int c = sw->ctl_client;

	if (c < 0) {
		c = accept4(sw->ctl_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (c < 0)
			return;
		sw->ctl_ask_by = now_ns() + ASK_NS;
	}
	n = read(c, req, sizeof(req) - 1);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		sw->ctl_client = c; /* not yet: the poll loop waits for it */
		return;
	}
	sw->ctl_client = -1;
	if (n > 0) {
		req[n] = '\0';
		ans = ctl_answer(sw, req, &len);
	}
	deadline = now_ns() + ASK_NS + (uint64_t)(len >> 20) * PER_MIB_NS;
	while (ans && off < len && wait_for(c, POLLOUT, deadline)) {
		n = write(c, ans + off, len - off);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			break;
		if (n > 0)
			off += (size_t)n;
	}
	close(c);
	free(ans);
}

void ctl_tick(struct sw *sw)
{
	if (sw->ctl_client >= 0 && now_ns() >= sw->ctl_ask_by) {
		close(sw->ctl_client);
		sw->ctl_client = -1;
	}
}
