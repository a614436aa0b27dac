/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "netns.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

static int root_fd = -1;

int netns_init(void)
{
	if (root_fd >= 0)
		return 0;
	root_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	return root_fd < 0 ? -errno : 0;
}

int netns_root_fd(void)
{
	return root_fd;
}

int netns_enter(int fd)
{
	return setns(fd, CLONE_NEWNET) ? -errno : 0;
}

void netns_leave(void)
{
	/* Carrying on in the wrong namespace would create the rest of the
	 * lab in it: there is no safe way forward. */
	if (setns(root_fd, CLONE_NEWNET)) {
		perror("nsfast: cannot return to the original network namespace");
		abort();
	}
}

static void ns_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", NETNS_RUN_DIR, name);
}

static bool is_nsfs(const char *path)
{
	struct statfs sfs;

	return statfs(path, &sfs) == 0 && (unsigned long)sfs.f_type == NSFS_MAGIC;
}

bool netns_exists(const char *name)
{
	char path[PATH_MAX];

	ns_path(path, sizeof(path), name);
	return is_nsfs(path);
}

bool netns_is(dev_t dev, ino_t ino, const char *name)
{
	char path[PATH_MAX];
	struct stat now;

	ns_path(path, sizeof(path), name);
	return is_nsfs(path) && !stat(path, &now) && dev == now.st_dev && ino == now.st_ino;
}

/* iproute2 makes /run/netns a shared mount so that namespaces mounted
 * later are seen from every mount namespace; do the same. */
static int run_dir_prepare(void)
{
	static bool done;

	if (done)
		return 0;
	if (mkdir(NETNS_RUN_DIR, 0755) && errno != EEXIST)
		return -errno;
	if (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL)) {
		if (errno != EINVAL)
			return -errno;
		if (mount(NETNS_RUN_DIR, NETNS_RUN_DIR, "none", MS_BIND | MS_REC, NULL) ||
		    mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL))
			return -errno;
	}
	done = true;
	return 0;
}

int netns_add(const char *name)
{
	char path[PATH_MAX];
	int fd, err;

	err = run_dir_prepare();
	if (err)
		return err;
	ns_path(path, sizeof(path), name);
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0 && errno == EEXIST && !is_nsfs(path)) {
		/* A file left by a crash between create and mount. */
		unlink(path);
		fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	}
	if (fd < 0)
		return -errno;
	close(fd);
	if (unshare(CLONE_NEWNET)) {
		err = -errno;
		goto out_unlink;
	}
	if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL))
		err = -errno;
	netns_leave();
	if (!err)
		return 0;
out_unlink:
	unlink(path);
	return err;
}

int netns_del(const char *name)
{
	char path[PATH_MAX];
	int err = 0;

	ns_path(path, sizeof(path), name);
	if (umount2(path, MNT_DETACH) && errno != EINVAL && errno != ENOENT)
		err = -errno;
	if (unlink(path)) {
		if (errno != ENOENT && !err)
			err = -errno;
		else if (!err)
			err = -ENOENT; /* nothing of it was there */
	}
	return err;
}

int netns_open(const char *name)
{
	char path[PATH_MAX];
	int fd;

	ns_path(path, sizeof(path), name);
	if (!is_nsfs(path))
		return -ENOENT;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Read (old) and set a /proc/sys value inside a namespace: net sysctls
 * resolve to the namespace of the task that opens them. */
int netns_sysctl(int fd, const char *path, const char *value, char *old, size_t oldlen)
{
	char cur[64] = "";
	ssize_t n;
	int f = -1, err;

	if (fd >= 0 && (err = netns_enter(fd)))
		return err;
	f = open(path, O_RDWR | O_CLOEXEC);
	if (fd >= 0)
		netns_leave();
	if (f < 0)
		return -errno;
	n = read(f, cur, sizeof(cur) - 1);
	if (n < 0) {
		err = -errno;
		goto out;
	}
	cur[n] = '\0';
	cur[strcspn(cur, "\n")] = '\0';
	if (old)
		snprintf(old, oldlen, "%s", cur);
	err = 0;
	if (value && strcmp(cur, value)) {
		if (pwrite(f, value, strlen(value), 0) < 0)
			err = -errno;
		else
			err = 1; /* changed */
	}
out:
	close(f);
	return err;
}

/* What `ip netns exec` does: a private mount namespace whose /sys shows
 * the target namespace's devices. */
int netns_exec(const char *name, char *const argv[])
{
	int fd = netns_open(name);

	if (fd < 0)
		return fd;
	if (setns(fd, CLONE_NEWNET))
		return -errno;
	close(fd);
	if (unshare(CLONE_NEWNS))
		return -errno;
	if (mount("", "/", "none", MS_SLAVE | MS_REC, NULL))
		return -errno;
	if (umount2("/sys", MNT_DETACH) == 0)
		mount(name, "/sys", "sysfs", 0, NULL);
	execvp(argv[0], argv);
	return -errno;
}

bool kernel_has_ipv6(void)
{
	/* Asked once: each lookup in /proc/sys/net walks one dentry per
	 * namespace on the host (47 % of a second up of 1000). */
	static int has = -1;

	if (has < 0)
		has = access("/proc/sys/net/ipv6", F_OK) == 0;
	return has;
}
