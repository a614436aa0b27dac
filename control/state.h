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
	/* The lines a run found again (state_seen): the rest of the
	 * first nold are what the file no longer has. Pointers into lines. */
	const char **seen;
	int nseen;
	int seencap;
	bool seen_lost; /* a mark failed (no memory): nothing is unseen */
};

/* What a process does with a lab: reads it (status, which shares the
 * lab's lock with other readers), changes it (down) or makes it if need
 * be (up), which take it alone. A reader waits up to 3 s for it (an up
 * or a down to finish), the others 1 s (a status, or an up or down
 * about to end); NSFAST_LOCK_WAIT_MS sets both. -EBUSY: still held. */
enum state_mode { STATE_READ, STATE_WRITE, STATE_CREATE };
int state_open(struct state *st, const char *lab, enum state_mode mode);
/* A reader done with the journal lets go of the lock before its slow
 * part (asking daemons), so that an up or down need not wait for it. */
void state_unlock(struct state *st);
int state_append(struct state *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool state_has(const struct state *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Does one of the first n lines start with prefix? */
bool state_has_prefix(const struct state *st, int n, const char *prefix);
/* state_has and state_has_prefix for up: the lines found are marked as
 * still this lab's (what it would journal again), for state_was_seen. */
bool state_seen(struct state *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool state_seen_prefix(struct state *st, int n, const char *prefix);
/* Was line i found by state_seen*? true for all after a mark failed. */
bool state_was_seen(const struct state *st, int i);
/* The lines with drop[i] set are gone for good, from memory and from
 * the journal, in one write (nold follows). 0 or -errno. */
int state_drop(struct state *st, const bool *drop);
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
