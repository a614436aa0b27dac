/* SPDX-License-Identifier: MIT */
/* Undoing a journal, newest line first: down, and up's rollback.
 *
 * The kernel takes about 20 ms to delete one link (two expedited RCU
 * grace periods under rtnl and an rcu_barrier() per request): a down of
 * 100 namespaces spent 2 s there.
 * A namespace's deletion takes its veths with it, those of every
 * namespace deleted together in one batch. So the host end of a veth
 * whose other end lives in a namespace this walk deletes is left to it;
 * once the namespaces are deleted, the walk waits for those ends to go
 * (GONE_WAIT_MS at most, GONE_MORE_MS after the last that went), and
 * deletes itself what is still there: a process inside a namespace
 * keeps it, and its links, alive. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"
#include "log.h"
#include "netns.h"

#define GONE_WAIT_MS 2000
#define GONE_MORE_MS 250

static bool keeps_moved(const struct lab *lab, int i, const bool *failed)
{
	const char *ns = lab->st.lines[i] + 3, *l;
	size_t n = strlen(ns);

	if (!failed || strncmp(lab->st.lines[i], "ns ", 3))
		return false;
	for (int j = i + 1; j < lab->st.nlines; j++) {
		if (!failed[j] || strncmp(l = lab->st.lines[j], "move ", 5))
			continue;
		l = strchr(l + 5, ' '); /* past the interface's name */
		if (l && !strncmp(l + 1, ns, n) && l[1 + n] == ' ')
			return true;
	}
	return false;
}

/* Deleted, a namespace would take a virtual interface moved into it
 * with it, and hand a real one back nameless: it stays, for the next
 * down. */
int lab_undo_line(struct lab *lab, int i, const bool *failed, char *msg, size_t len)
{
	if (keeps_moved(lab, i, failed)) {
		snprintf(msg, len, "kept: an interface moved into it could not go back to the host, and would go with it");
		return -EBUSY;
	}
	return lab_undo(lab, lab->st.lines[i], msg, len);
}

/* The ids the host gives the namespaces of lines [from, nlines), which
 * the walk deletes; *n of them (none without memory: nothing is left to
 * a namespace then). */
static int *doomed_nsids(struct lab *lab, int from, int *n)
{
	int *ids = calloc((size_t)(lab->st.nlines - from) + 1, sizeof(*ids));
	int i, fd, id;

	*n = 0;
	for (i = from; ids && i < lab->st.nlines; i++) {
		if (strncmp(lab->st.lines[i], "ns ", 3))
			continue;
		fd = netns_open(lab->st.lines[i] + 3);
		if (fd < 0)
			continue;
		id = nl_nsid(&lab->root, fd);
		close(fd);
		if (id >= 0)
			ids[(*n)++] = id;
	}
	return ids;
}

/* Is line i the host end of a veth ("veth - IFNAME") whose peer lives
 * in one of the namespaces ids[0..n)? */
static bool goes_with_ns(struct lab *lab, int i, const int *ids, int n)
{
	const char *line = lab->st.lines[i];
	struct link_state ls;
	char why[128];

	/* A line that is not the lab's takes the walk's way: refused. */
	if (!n || strncmp(line, "veth - ", 7) || lab_line_check(lab->name, line, why, sizeof(why)) ||
	    nl_link_get(&lab->root, line + 7, &ls) || strcmp(ls.kind, "veth") || ls.peer_nsid < 0)
		return false;
	for (int k = 0; k < n; k++)
		if (ids[k] == ls.peer_nsid)
			return true;
	return false;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Undoes line i as the walk does: 1 when it counts as removed (what was
 * gone already does not, nor does a "switch" line, which owns nothing). */
static int undo_counted(struct lab *lab, int i, bool *failed, bool verbose)
{
	char msg[256];
	int err = lab_undo_line(lab, i, failed, msg, sizeof(msg));

	if (verbose)
		pr_debug("undo %s\n", lab->st.lines[i]);
	if (err < 0) {
		pr_warn("nsfast: could not undo '%s': %s%s%s\n", lab->st.lines[i], strerror(-err),
			msg[0] ? ": " : "", msg);
		if (failed)
			failed[i] = true;
		return 0;
	}
	return !err && strncmp(lab->st.lines[i], "switch ", 7);
}

int lab_undo_from(struct lab *lab, int from, bool verbose, int *kept)
{
	int i, n = 0, k = from, nl = lab->st.nlines, nids, nleft = 0, nwait;
	bool *failed = calloc((size_t)nl + 1, sizeof(*failed));
	int *left = calloc((size_t)nl + 1, sizeof(*left));
	int *ids = left ? doomed_nsids(lab, from, &nids) : NULL;
	struct link_state ls;
	char *line;

	if (!ids)
		nids = 0;
	for (i = nl - 1; i >= from; i--) {
		if (goes_with_ns(lab, i, ids, nids))
			left[nleft++] = i;
		else
			n += undo_counted(lab, i, failed, verbose);
	}
	nwait = nleft;
	/* The kernel deletes the namespaces' links in a batch or two: once
	 * some went, those still there a while later are kept alive. */
	for (long t = now_ms(), end = t + GONE_WAIT_MS, until = end; nwait && t < until;
	     t = now_ms()) {
		for (int j = 0; j < nleft; j++) {
			if (left[j] < 0 || nl_link_get(&lab->root, lab->st.lines[left[j]] + 7, &ls) != -ENODEV)
				continue;
			if (verbose)
				pr_debug("undo %s (with its namespace)\n", lab->st.lines[left[j]]);
			n++;
			left[j] = -1;
			nwait--;
			until = t + GONE_MORE_MS < end ? t + GONE_MORE_MS : end;
		}
		if (nwait)
			usleep(1000);
	}
	for (int j = 0; j < nleft; j++)
		if (left[j] >= 0)
			n += undo_counted(lab, left[j], failed, verbose);
	/* The lines of what is still there move up behind the first `from`,
	 * in journal order, for the caller to keep (all of them when there
	 * was no memory to tell). */
	for (i = from; failed && i < nl; i++) {
		if (!failed[i])
			continue;
		line = lab->st.lines[i];
		memmove(&lab->st.lines[k + 1], &lab->st.lines[k], (size_t)(i - k) * sizeof(line));
		lab->st.lines[k++] = line;
	}
	if (kept)
		*kept = failed ? k : nl;
	free(ids);
	free(left);
	free(failed);
	return n;
}
