/* SPDX-License-Identifier: MIT */
/* Shared ownership of the host's IPv4 forwarding (see ip_forward.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ip_forward.h"
#include "log.h"
#include "netns.h"
#include "state.h"

#define FWD_SYSCTL "/proc/sys/net/ipv4/ip_forward"
#define FWD_SAVED STATE_ROOT "/ip_forward"

static int fwd_hold(void)
{
	char old[16];
	int err, fd;

	/* Saved before it is set: a crash in between must not leave
	 * forwarding on with nothing to put back. */
	err = netns_sysctl(-1, FWD_SYSCTL, NULL, old, sizeof(old));
	if (err < 0)
		return err;
	/* O_EXCL: only the first holder saves; a file left by a crash still
	 * holds the value from before nsfast, which is the one to restore. */
	fd = open(FWD_SAVED, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0) {
		if (dprintf(fd, "%s\n", old) < 0) {
			err = -errno;
			close(fd);
			unlink(FWD_SAVED);
			return err;
		}
		close(fd);
	} else if (errno != EEXIST) {
		return -errno;
	}
	return netns_sysctl(-1, FWD_SYSCTL, "1", NULL, 0);
}

int ip_forward_hold(void)
{
	int lock = state_lock_dir(STATE_ROOT), err;

	if (lock < 0)
		return lock;
	err = fwd_hold();
	close(lock);
	return err;
}

static int fwd_release(const char *lab)
{
	char (*names)[16], saved[16] = "";
	int n = state_labs(&names), i, err;
	bool held = false;
	FILE *f;

	if (n < 0)
		return n;
	for (i = 0; i < n && !held; i++)
		held = strcmp(names[i], lab) && state_lab_has(names[i], "forward\n");
	free(names);
	if (held)
		return 0;
	f = fopen(FWD_SAVED, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno; /* nothing saved: leave it */
	if (!fgets(saved, sizeof(saved), f))
		saved[0] = '\0';
	fclose(f);
	saved[strcspn(saved, "\n")] = '\0';
	/* Emptied or written by hand: no value to put back, and none to
	 * guess. The lab lets go of it all the same. */
	if (strcmp(saved, "0") && strcmp(saved, "1")) {
		char now[16] = "?";

		netns_sysctl(-1, FWD_SYSCTL, NULL, now, sizeof(now));
		now[strcspn(now, "\n")] = '\0';
		pr_warn("nsfast: lab '%s': %s, the host's IPv4 forwarding from before nsfast, holds neither 0 nor 1: forwarding is left as it is (%s)\n",
			lab, FWD_SAVED, now);
		unlink(FWD_SAVED);
		return 0;
	}
	err = netns_sysctl(-1, FWD_SYSCTL, saved, NULL, 0);
	if (err < 0)
		return err;
	unlink(FWD_SAVED);
	return 0;
}

int ip_forward_release(const char *lab, struct state *st)
{
	int lock = state_lock_dir(STATE_ROOT), err;

	if (lock < 0)
		return lock;
	err = fwd_release(lab);
	if (!err)
		err = state_disk_forget(st, "forward");
	close(lock);
	return err;
}
