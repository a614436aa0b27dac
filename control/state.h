/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_STATE_H
#define NSFAST_STATE_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#define STATE_ROOT "/run/nsfast"

/* /run/nsfast/LAB/journal: one line per object a run created, appended
 * and flushed before the next step, so `down` can undo everything even
 * after a crash or `kill -9` of `up`. Lines are "KIND ARG...". */
struct state {
	char dir[64]; /* STATE_ROOT "/" LAB */
	int lockfd;
	FILE *jf;
	char **lines;
	int nlines;
	int cap;
	int nold; /* lines present before this run */
};

int state_open(struct state *st, const char *lab, bool create);
int state_append(struct state *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool state_has(const struct state *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Does one of the first n lines start with prefix? */
bool state_has_prefix(const struct state *st, int n, const char *prefix);
int state_truncate(struct state *st, int keep);
/* Line (its first copy) is gone for good: out of memory and out of the
 * journal file (nold follows). 0 or -errno. */
int state_remove(struct state *st, const char *line);
/* The journal file without line (its first copy), for other labs to
 * read; the lines in memory stay as they are. 0 or -errno. */
int state_disk_forget(struct state *st, const char *line);
int state_destroy(struct state *st);
void state_close(struct state *st);
/* Every lab with a state directory, sorted, into *names (the caller
 * frees it); their count, or a negative errno. */
int state_labs(char (**names)[16]);
/* An flock on directory dir, shared by every nsfast: its fd, or -errno
 * (-EINTR when a signal broke the wait). */
int state_lock_dir(const char *dir);
/* Does lab's journal, read as it is now without its lock, have a line
 * starting with prefix ("...\n" for a whole line)? */
bool state_lab_has(const char *lab, const char *prefix);

#endif
