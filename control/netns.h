/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_NETNS_H
#define NSFAST_NETNS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define NETNS_RUN_DIR "/run/netns"

/* Named namespaces exactly as iproute2 makes them: a bind mount of the
 * namespace file under /run/netns, so `ip netns` sees and enters them. */
int netns_init(void);
int netns_add(const char *name);
/* 0, -ENOENT when there was no such namespace, or -errno. */
int netns_del(const char *name);
bool netns_exists(const char *name);
int netns_open(const char *name);
/* The namespace of that identity (an fstat of a netns_open fd) is still
 * the one name gives: it was not deleted, nor deleted and made again,
 * since. */
bool netns_is(dev_t dev, ino_t ino, const char *name);
/* The namespace nsfast started in (netns_init), for moves back to it. */
int netns_root_fd(void);
int netns_enter(int fd);
void netns_leave(void);
int netns_sysctl(int fd, const char *path, const char *value, char *old, size_t oldlen);
/* False when the kernel runs without IPv6 (ipv6.disable=1): no IPv6
 * sysctl exists then, and there is nothing to forward or quiet. */
bool kernel_has_ipv6(void);
int netns_exec(const char *name, char *const argv[]);

#endif
