/* SPDX-License-Identifier: MIT */
/* The NAT connections a stopping daemon keeps for the next one of its
 * switch (nat_keep.c writes and reads the lines): the file, and what
 * the daemon says of it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"
#include "nat.h"
#include "switch.h"

/* How long after the daemon before stopped its connections are still
 * taken: `up` starts the next one right after (a restart takes well
 * under a second); a file older than that is not a restart's. */
#define KEEP_AWAY_MAX_NS (10ull * 1000000000ull)

/* The NAT's connections for the next daemon, as it stops normally:
 * written whole to a new file, then renamed over, so that the next one
 * never reads half a table (a daemon killed meanwhile leaves none). */
void keep_save(struct sw *sw)
{
	char tmp[sizeof(sw->cfg.keep_path) + 4];
	uint32_t n = 0;
	FILE *f = NULL;
	int fd, err;

	snprintf(tmp, sizeof(tmp), "%s.tmp", sw->cfg.keep_path);
	/* A new file of its own: never through a link someone left there. */
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		goto out;
	}
	err = nat_keep_save(sw->nat, f, now_ns(), &n);
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, sw->cfg.keep_path))
		err = -errno;
out:
	if (err) {
		unlink(tmp);
		fprintf(stderr, "nsfast switch %s: keeping the NAT's connections in %s: %s (the next daemon starts them anew)\n",
			sw->cfg.name, sw->cfg.keep_path, strerror(-err));
	} else {
		fprintf(stderr, "nsfast switch %s: kept %u NAT connection%s in %s for the next daemon\n",
			sw->cfg.name, n, n == 1 ? "" : "s", sw->cfg.keep_path);
	}
}

/* What the daemon before kept, once: the file goes whatever it held.
 * Last of the setup: a setup that fails would lose them. A daemon
 * without NAT takes none, and removes them too. */
void keep_load(struct sw *sw)
{
	char tmp[sizeof(sw->cfg.keep_path) + 4];
	struct nat_keep_stats st;
	const char *why;
	FILE *f;
	int err;

	snprintf(tmp, sizeof(tmp), "%s.tmp", sw->cfg.keep_path);
	unlink(tmp); /* from one killed while it wrote */
	if (!sw->nat) {
		unlink(sw->cfg.keep_path);
		return;
	}
	/* A regular file, or nothing: a FIFO there would hold the daemon's
	 * start until up gave up on it. */
	struct stat fst;
	int fd = open(sw->cfg.keep_path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0 && (fstat(fd, &fst) || !S_ISREG(fst.st_mode))) {
		close(fd);
		unlink(sw->cfg.keep_path);
		fd = -1;
		errno = EINVAL;
	}
	f = fd >= 0 && !fcntl(fd, F_SETFL, 0) ? fdopen(fd, "r") : NULL;
	if (!f) {
		if (errno != ENOENT)
			fprintf(stderr, "nsfast switch %s: %s: %s (NAT connections start anew)\n",
				sw->cfg.name, sw->cfg.keep_path,
				errno == EINVAL ? "not a regular file" : strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	unlink(sw->cfg.keep_path);
	err = nat_keep_load(sw->nat, f, now_ns(), KEEP_AWAY_MAX_NS, &st);
	fclose(f);
	why = err == -EPROTO	     ? "not a file of kept connections" :
	      err == -EADDRNOTAVAIL ? "kept for another uplink address" :
	      err == -ESTALE	     ? "kept more than 10 s ago" :
	      err		     ? strerror(-err) :
				       NULL;
	if (why)
		fprintf(stderr, "nsfast switch %s: %s: %s (NAT connections start anew)\n",
			sw->cfg.name, sw->cfg.keep_path, why);
	else
		fprintf(stderr, "nsfast switch %s: took %u NAT connection%s from the daemon before (%u expired meanwhile, %u refused)\n",
			sw->cfg.name, st.loaded, st.loaded == 1 ? "" : "s", st.expired, st.refused);
}
