/* SPDX-License-Identifier: MIT */
/* The switch daemon's control socket: one short exchange per
 * connection (status asks, ctl.c answers), on the forwarding thread. */
#include <errno.h>
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

/* Done with the client: answered, cut at its deadline, or gone. */
static void ctl_drop(struct sw *sw)
{
	close(sw->ctl_client);
	sw->ctl_client = -1;
	free(sw->ctl_ans);
	sw->ctl_ans = NULL;
}

void ctl_close(struct sw *sw)
{
	struct stat st;

	if (sw->ctl_client >= 0)
		ctl_drop(sw);
	if (sw->ctl_fd < 0)
		return;
	close(sw->ctl_fd);
	sw->ctl_fd = -1;
	/* Only its own: a daemon started since may have bound the path. */
	if (!stat(sw->cfg.sock_path, &st) && st.st_dev == sw->ctl_dev && st.st_ino == sw->ctl_ino)
		unlink(sw->cfg.sock_path);
}

/* As much of the answer as the socket takes now, never waiting for
 * more room: the poll loop calls again when there is (POLLOUT). */
static void ctl_send(struct sw *sw)
{
	while (sw->ctl_off < sw->ctl_len) {
		ssize_t n = send(sw->ctl_client, sw->ctl_ans + sw->ctl_off, sw->ctl_len - sw->ctl_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0)
			break;
		sw->ctl_off += (size_t)n;
	}
	ctl_drop(sw);
}

/* The switch is single-threaded, so a client never holds it: accepted,
 * it waits in the poll loop (one at a time, the next in the listen
 * backlog) to be heard, 100 ms at most, and its answer goes out a
 * socket buffer at a time as it reads, within 100 ms and 10 ms more
 * per MiB (ctl_tick). A client that asked and did not read once held
 * the forwarding thread that long on every call. */
void ctl_serve(struct sw *sw)
{
	char req[32] = "";
	ssize_t n;

	if (sw->ctl_client < 0) {
		sw->ctl_client = accept4(sw->ctl_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (sw->ctl_client < 0)
			return;
		sw->ctl_deadline = now_ns() + ASK_NS;
	}
	if (sw->ctl_ans) {
		ctl_send(sw);
		return;
	}
	n = read(sw->ctl_client, req, sizeof(req) - 1);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return; /* not yet */
	if (n <= 0 || !(sw->ctl_ans = ctl_answer(sw, req, &sw->ctl_len))) {
		ctl_drop(sw);
		return;
	}
	sw->ctl_off = 0;
	sw->ctl_deadline = now_ns() + ASK_NS + (uint64_t)(sw->ctl_len >> 20) * PER_MIB_NS;
	ctl_send(sw);
}

void ctl_tick(struct sw *sw)
{
	if (sw->ctl_client >= 0 && now_ns() >= sw->ctl_deadline)
		ctl_drop(sw);
}
