/* SPDX-License-Identifier: MIT */
/* Which switch holds which SNAT uplink on the host (see uplink_claim.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state.h"
#include "uplink_claim.h"

#define CLAIMS STATE_ROOT "/.uplinks"

/* The claim's lab and switch; 0, -ENOENT when there is none, -EINVAL
 * when it is unreadable (treated as stale by the caller). */
static int claim_read(const char *path, char lab[16], char sw[16])
{
	char line[64];
	FILE *f = fopen(path, "re");
	int ok;

	if (!f)
		return errno == ENOENT ? -ENOENT : -errno;
	ok = fgets(line, sizeof(line), f) && sscanf(line, "%15s %15s", lab, sw) == 2;
	fclose(f);
	return ok ? 0 : -EINVAL;
}

static int lab_is_up(const char *lab)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s/journal", STATE_ROOT, lab);
	return access(path, F_OK) == 0;
}

/* Claims are read, taken over and removed under an flock on the claims
 * directory: without it, two `up`s finding the same stale claim could
 * both remove it and each create its own, or one could take the other's
 * claim for stale between its create and its write. (A lock file inside
 * would do too, but any name there may be an interface's.) */
static int claims_lock(void)
{
	if ((mkdir(STATE_ROOT, 0700) && errno != EEXIST) || (mkdir(CLAIMS, 0700) && errno != EEXIST))
		return -errno;
	return state_lock_dir(CLAIMS);
}

int uplink_claim(const char *ifname, const char *lab, const char *sw, char *holder, size_t len)
{
	char path[128], hlab[16], hsw[16];
	int fd, lock, err;

	lock = claims_lock();
	if (lock < 0)
		return lock;
	snprintf(path, sizeof(path), "%s/%s", CLAIMS, ifname);
	err = claim_read(path, hlab, hsw);
	if (!err && !strcmp(hlab, lab) && !strcmp(hsw, sw))
		goto out;
	if (!err && lab_is_up(hlab) && strcmp(hlab, lab)) {
		snprintf(holder, len, "switch %s of lab %s", hsw, hlab);
		err = -EBUSY;
		goto out;
	}
	/* Left by a lab that is gone without 'down', or unreadable; or this
	 * lab's, for a switch its file renamed (a file gives an uplink to
	 * one switch only). */
	if (err != -ENOENT && unlink(path) && errno != ENOENT) {
		err = -errno;
		goto out;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	err = dprintf(fd, "%s %s\n", lab, sw) < 0 ? -errno : 0;
	close(fd);
	if (err)
		unlink(path);
out:
	close(lock);
	return err;
}

/* Without the claims' lock: up asks before its steps, where a wait
 * would not be a step's to break, and ups run one at a time anyway. */
int uplink_holder(const char *ifname, char lab[16], char sw[16])
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", CLAIMS, ifname);
	return claim_read(path, lab, sw);
}

int uplink_release(const char *ifname, const char *lab)
{
	char path[128], hlab[16], hsw[16];
	int lock, err;

	lock = claims_lock();
	if (lock < 0)
		return lock;
	snprintf(path, sizeof(path), "%s/%s", CLAIMS, ifname);
	err = claim_read(path, hlab, hsw);
	if (err == -ENOENT || (!err && strcmp(hlab, lab)))
		err = 1; /* none, or another lab's */
	else
		err = unlink(path) && errno != ENOENT ? -errno : 0;
	close(lock);
	return err;
}
