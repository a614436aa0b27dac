/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "state.h"
#include "switchd.h"

#define READY_TIMEOUT_MS 10000

/* The last non-empty line of the daemon's log: a failed first up rolls
 * the lab's directory back, log and all, so the error must carry it. */
static void log_tail(const char *log, char *line, size_t len)
{
	char buf[1024];
	ssize_t n;
	off_t end;
	int fd = open(log, O_RDONLY | O_CLOEXEC);

	line[0] = '\0';
	if (fd < 0)
		return;
	end = lseek(fd, 0, SEEK_END);
	if (end > (off_t)sizeof(buf) - 1)
		lseek(fd, end - (off_t)sizeof(buf) + 1, SEEK_SET);
	else
		lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	const char *last = strrchr(buf, '\n') ? strrchr(buf, '\n') + 1 : buf;
	size_t l = strlen(last) < len - 1 ? strlen(last) : len - 1;

	memcpy(line, last, l);
	line[l] = '\0';
}

int switchd_start(const char *lab, const char *sw, char *const args[], pid_t *pid,
		  int (*started)(pid_t pid, void *arg), void *arg, char *err, size_t errlen)
{
	char self[PATH_MAX], log[128], msg[512] = "", tail[160];
	struct pollfd pfd;
	int pipefd[2], rc;
	ssize_t n;
	size_t got = 0;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return -errno;
	self[n] = '\0';
	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	snprintf(log, sizeof(log), "%s/%s/%s.log", STATE_ROOT, lab, sw);
	*pid = fork();
	if (*pid < 0) {
		rc = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return rc;
	}
	if (*pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		/* Its own session: a ^C meant for `nsfast up` is not for it. */
		setsid();
		if (fd < 0 || null < 0 || dup2(null, 0) < 0 || dup2(fd, 1) < 0 ||
		    dup2(fd, 2) < 0 || dup2(pipefd[1], 3) < 0 ||
		    /* already 3: dup2 left it close-on-exec */
		    (pipefd[1] == 3 && fcntl(3, F_SETFD, 0) < 0))
			_exit(127);
		/* Nothing else of its caller's: a lock or a pipe end held for
		 * the daemon's whole life would hang whoever waits on it. */
		close_range(4, ~0u, 0);
		execv(self, args);
		dprintf(3, "error: exec %s: %s\n", self, strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	rc = started ? started(*pid, arg) : 0;
	if (rc) {
		/* Not journaled: nothing would ever stop it. */
		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);
		goto out;
	}
	pfd = (struct pollfd){ .fd = pipefd[0], .events = POLLIN };
	for (;;) {
		rc = poll(&pfd, 1, READY_TIMEOUT_MS);
		if (rc == 0) {
			log_tail(log, tail, sizeof(tail));
			snprintf(err, errlen, "no answer from the switch daemon in %d s%s%s%s",
				 READY_TIMEOUT_MS / 1000, tail[0] ? " (its log ends: '" : "", tail,
				 tail[0] ? "')" : "");
			rc = -ETIMEDOUT;
			goto out;
		}
		if (rc < 0 && errno == EINTR) {
			rc = -EINTR;
			goto out;
		}
		n = read(pipefd[0], msg + got, sizeof(msg) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got == sizeof(msg) - 1)
			break;
	}
	msg[got] = '\0';
	msg[strcspn(msg, "\n")] = '\0';
	if (!strcmp(msg, "ready")) {
		rc = 0;
	} else if (msg[0]) {
		snprintf(err, errlen, "%s", !strncmp(msg, "error: ", 7) ? msg + 7 : msg);
		rc = -EIO;
	} else {
		log_tail(log, tail, sizeof(tail));
		snprintf(err, errlen, "the switch daemon exited before it was ready%s%s%s",
			 tail[0] ? " (its log ends: '" : "", tail, tail[0] ? "')" : "");
		rc = -EIO;
	}
out:
	close(pipefd[0]);
	return rc;
}

bool switchd_is(pid_t pid, const char *lab, const char *sw)
{
	char path[64], buf[1024], want_lab[32], want_sw[32];
	bool lab_ok = false, sw_ok = false, is_switch = false;
	ssize_t n;
	size_t i;
	int fd;

	if (pid <= 1)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	snprintf(want_lab, sizeof(want_lab), "%s", lab);
	snprintf(want_sw, sizeof(want_sw), "%s", sw ? sw : "");
	/* argv: nsfast switch --lab LAB --name SW ... (NUL-separated) */
	for (i = 0; i < (size_t)n; i += strlen(buf + i) + 1) {
		const char *a = buf + i, *next = i + strlen(a) + 1 < (size_t)n ? a + strlen(a) + 1 : "";

		is_switch |= !strcmp(a, "switch");
		lab_ok |= !strcmp(a, "--lab") && !strcmp(next, want_lab);
		sw_ok |= !sw || (!strcmp(a, "--name") && !strcmp(next, want_sw));
	}
	return is_switch && lab_ok && sw_ok;
}

int switchd_of_lab(const char *lab, pid_t *pids, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end || pid <= 1 || pid > INT_MAX || !switchd_is((pid_t)pid, lab, NULL))
			continue;
		if (n < max)
			pids[n] = (pid_t)pid;
		n++;
	}
	closedir(d);
	return n;
}

ssize_t switchd_cmdline(pid_t pid, char *buf, size_t size)
{
	char path[64];
	ssize_t n, r;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Read in pieces: /proc gives a page or so a read. */
	for (n = 0; (size_t)n < size; n += r) {
		r = read(fd, buf + n, size - (size_t)n);
		if (r <= 0)
			break;
	}
	close(fd);
	return (size_t)n == size ? -E2BIG : n;
}

bool switchd_args_same(pid_t pid, char *const args[])
{
	static char buf[SWITCHD_CMDLINE_MAX];
	ssize_t n = switchd_cmdline(pid, buf, sizeof(buf));
	size_t i = 0;

	if (n < 0)
		return false;
	for (int k = 0; args[k]; k++) {
		size_t l = strlen(args[k]) + 1;

		if (i + l > (size_t)n || memcmp(buf + i, args[k], l))
			return false;
		i += l;
	}
	return i == (size_t)n;
}

static bool gone(pid_t pid, const char *lab, const char *sw)
{
	/* Reap it if it is our child (rollback inside the same up). */
	waitpid(pid, NULL, WNOHANG);
	return !switchd_is(pid, lab, sw);
}

int switchd_stop(pid_t pid, const char *lab, const char *sw, bool keep)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int i;

	if (gone(pid, lab, sw))
		return 0;
	kill(pid, keep ? SIGUSR1 : SIGTERM);
	for (i = 0; i < 300; i++) {
		if (gone(pid, lab, sw))
			return 0;
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	for (i = 0; i < 100; i++) {
		if (gone(pid, lab, sw))
			return 0;
		nanosleep(&ts, NULL);
	}
	return -EBUSY;
}

/* One request on the daemon's socket, its whole answer to f (NULL: to
 * nowhere), less its last newline with strip. */
static int ctl_request(const char *lab, const char *sw, const char *req, FILE *f, bool strip)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 2, .tv_usec = 0 };
	char *buf = NULL, *grown;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd, rc = 0;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s/%s.sock", STATE_ROOT, lab, sw);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A stopped or stuck daemon's listen queue fills (4 waiting), and
	 * connect() then waits for room as long as the send timeout says:
	 * without one, for ever. Either way, EAGAIN is "no answer". */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		rc = -errno;
		goto out;
	}
	/* Held until the end: a daemon that dies mid-report must not leave
	 * half a JSON object in ours. */
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? 2 * cap : 16384;
			if (!(grown = realloc(buf, cap))) {
				rc = -ENOMEM;
				goto out;
			}
			buf = grown;
		}
		n = read(fd, buf + len, cap - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	if (n < 0) {
		rc = -errno;
		goto out;
	}
	/* A whole report ends with its newline. */
	if (!len || buf[len - 1] != '\n') {
		rc = -EPIPE;
		goto out;
	}
	if (f)
		fwrite(buf, 1, len - (strip ? 1 : 0), f);
out:
	free(buf);
	close(fd);
	return rc;
}

int switchd_query(const char *lab, const char *sw, bool json, bool nat, FILE *f)
{
	char req[32];

	snprintf(req, sizeof(req), "%s%s\n", json ? "json" : "text", nat ? " nat" : "");
	/* The JSON object is embedded in ours: without its newline. */
	return ctl_request(lab, sw, req, f, json);
}

/* An interface's name as the kernel takes one: no space, '/' or
 * control character. */
static bool ifname_ok(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == '/' || s[i] == 0x7f)
			return false;
	return true;
}

int switchd_ping(const char *lab, const char *sw, char gone[IF_NAMESIZE])
{
	char *ans = NULL;
	size_t len = 0, n;
	FILE *f = open_memstream(&ans, &len);
	int rc;

	gone[0] = '\0';
	if (!f)
		return -errno;
	rc = ctl_request(lab, sw, "ping\n", f, true);
	if (fclose(f) && !rc)
		rc = -ENOMEM;
	if (rc)
		goto out;
	/* "pong", or "pong gone IFNAME": anything else is no daemon's. */
	n = strlen("pong gone ");
	if (!strncmp(ans, "pong gone ", n) && len > n && len - n < IF_NAMESIZE &&
	    ifname_ok(ans + n, len - n))
		memcpy(gone, ans + n, len - n + 1);
	else if (len != 4 || strcmp(ans, "pong"))
		rc = -EPROTO;
out:
	free(ans);
	return rc;
}

pid_t switchd_pid(const struct state *st, const char *lab, const char *sw)
{
	char name[32];
	int i, pid;

	for (i = 0; i < st->nlines; i++)
		if (sscanf(st->lines[i], "daemon %31s %d", name, &pid) == 2 &&
		    !strcmp(name, sw) && switchd_is(pid, lab, sw))
			return pid;
	return 0;
}
