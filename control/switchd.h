/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_SWITCHD_H
#define NSFAST_SWITCHD_H

#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

/* Life of the switch daemons, as seen from the control plane. Files per
 * switch under /run/nsfast/LAB/: SW.sock (control), SW.log. */

/* Start `nsfast switch` detached, wait until it has bound every port
 * (or failed: its error line is copied to err). *pid is set as soon as
 * the process exists, so the caller can journal it before waiting. */
int switchd_start(const char *lab, const char *sw, char *const args[], pid_t *pid,
		  int (*started)(pid_t pid, void *arg), void *arg, char *err, size_t errlen);
/* Is pid a switch daemon of this lab (not a recycled pid)? sw NULL: of
 * any of its switches. */
bool switchd_is(pid_t pid, const char *lab, const char *sw);
/* The running daemons of the lab's switches, journaled or not: their
 * number, the first max of them in pids; or -errno. */
int switchd_of_lab(const char *lab, pid_t *pids, int max);
/* A daemon's command line, NUL-separated words, at most this long, and
 * of at most this many words (up_daemon makes fewer). */
#define SWITCHD_CMDLINE_MAX (64 * 1024)
#define SWITCHD_ARGS_MAX 1024
/* Its length, or -errno (-E2BIG: longer than size). */
ssize_t switchd_cmdline(pid_t pid, char *buf, size_t size);
/* Was the daemon pid started with exactly args (NULL-terminated)? */
bool switchd_args_same(pid_t pid, char *const args[]);
/* SIGTERM (keep: SIGUSR1, which has it keep its NAT connections for the
 * next daemon, dataplane/nat_keep.c), wait up to 3 s, then SIGKILL. 0
 * if it is gone. */
int switchd_stop(pid_t pid, const char *lab, const char *sw, bool keep);
/* Copy the daemon's report ("json" or "text") to f (NULL: only ask),
 * whole or not at all: 0, or -errno (-EPIPE when it closed before a
 * whole report, -EAGAIN when it gave none within 2 s). */
int switchd_query(const char *lab, const char *sw, bool json, bool nat, FILE *f);
/* Does the daemon answer on its socket (within 2 s)? 0, or -errno
 * (-EPROTO: not with a pong). gone: empty, or a device it serves that
 * is gone (made anew, it serves it no more). */
int switchd_ping(const char *lab, const char *sw, char gone[IF_NAMESIZE]);
struct state;
/* The switch's daemon that its lab's journal names and that runs, or 0. */
pid_t switchd_pid(const struct state *st, const char *lab, const char *sw);

#endif
