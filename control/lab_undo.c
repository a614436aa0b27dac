/* SPDX-License-Identifier: MIT */
/* Undoing a journal, newest line first: down, and up's rollback.
 *
 * The kernel takes about 20 ms to delete one link (two expedited RCU
 * grace periods under rtnl and an rcu_barrier() per request): a down of
 * 100 namespaces spent 2 s there, and one tc switch of 200 ports 3.4 s
 * on its slow-path pairs. One request deletes a whole group of links
 * (IFLA_GROUP) for the price of one, and a namespace's deletion takes
 * its links with it, those of every namespace deleted together in one
 * batch. So the walk gives each host link it undoes its own group, and
 * deletes the group before the first namespace; a link inside a
 * namespace the walk deletes is left to that namespace. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lab.h"
#include "log.h"
#include "netns.h"

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

/* The host links of the walk so far, each given the group. */
struct host_batch {
	int group;
	int n;
	int *line; /* journal line of each */
	int *ifindex;
	int ours, foreign; /* the group's links at the flush, ours or not */
};

/* One group a process: nsfast's marker over its pid (pids stay below
 * 2^22). The flush checks that no other link has it. */
#define UNDO_GROUP_MARK 0x6e000000

/* Takes line i into the batch when it is a host link of the lab's (or
 * was: one gone already is done with): false for the walk to undo it on
 * its own. */
static bool batch_add(struct lab *lab, struct host_batch *b, int i)
{
	const char *line = lab->st.lines[i], *ifname;
	struct link_state ls;
	char why[128];
	int err;

	if (!b->line || (strncmp(line, "veth - ", 7) && strncmp(line, "link ", 5)))
		return false;
	ifname = line[0] == 'l' ? line + 5 : line + 7;
	/* A line that is not the lab's takes the walk's way: refused. */
	if (lab_line_check(lab->name, line, why, sizeof(why)))
		return false;
	err = nl_link_get(&lab->root, ifname, &ls);
	if (err == -ENODEV)
		return true;
	if (err || nl_link_set_group(&lab->root, ls.ifindex, b->group))
		return false;
	b->line[b->n] = i;
	b->ifindex[b->n++] = ls.ifindex;
	return true;
}

static int group_seen(const struct link_state *ls, void *data)
{
	struct host_batch *b = data;
	int k;

	if (ls->group != b->group)
		return 0;
	for (k = 0; k < b->n && b->ifindex[k] != ls->ifindex; k++)
		;
	if (k < b->n)
		b->ours++;
	else
		b->foreign++;
	return 0;
}

/* Deletes the batch's links in one request: how many went. Should any
 * other link carry the group, each of the batch is deleted on its own. */
static int batch_flush(struct lab *lab, struct host_batch *b, bool *failed, bool verbose)
{
	int n = 0, err;

	if (!b->n)
		return 0;
	b->ours = b->foreign = 0;
	err = nl_link_dump(&lab->root, group_seen, b);
	if (!err && !b->foreign) {
		err = nl_link_del_group(&lab->root, b->group);
		if (!err || err == -ENODEV) { /* ENODEV: all gone since the dump */
			n = err ? 0 : b->ours;
			if (verbose)
				pr_debug("deleted %d host links in one request (link group %#x)\n", n,
					 b->group);
			b->n = 0;
			return n;
		}
	}
	if (verbose && b->foreign)
		pr_debug("link group %#x is another link's too: deleting the %d host links one by one\n",
			 b->group, b->n);
	else if (verbose)
		pr_debug("link group %#x: %s: deleting the %d host links one by one\n", b->group,
			 strerror(-err), b->n);
	for (int k = 0; k < b->n; k++)
		n += undo_counted(lab, b->line[k], failed, false);
	b->n = 0;
	return n;
}

/* Is line i the lab's link inside a namespace of lines [from, nlines)? */
static bool in_doomed_ns(const struct lab *lab, int i, int from)
{
	const char *line = lab->st.lines[i], *ns = line + 5;
	size_t len = strcspn(ns, " ");
	char why[128];

	if (strncmp(line, "veth ", 5) || !strncmp(ns, "- ", 2) ||
	    lab_line_check(lab->name, line, why, sizeof(why)))
		return false;
	for (int j = from; j < lab->st.nlines; j++)
		if (!strncmp(lab->st.lines[j], "ns ", 3) && !strncmp(lab->st.lines[j] + 3, ns, len) &&
		    !lab->st.lines[j][3 + len])
			return true;
	return false;
}

/* Does link line i ("veth NS IFNAME") name a link that is there? */
static bool ns_link_there(struct lab *lab, int i)
{
	char ns[64], ifname[IFNAMSIZ];
	struct link_state ls;
	struct nl *nl;

	if (sscanf(lab->st.lines[i], "veth %63s %15s", ns, ifname) != 2 ||
	    !(nl = lab_nl(lab, ns, NULL)))
		return false;
	return !nl_link_get(nl, ifname, &ls);
}

int lab_undo_from(struct lab *lab, int from, bool verbose, int *kept)
{
	int i, n = 0, k = from, nl = lab->st.nlines, nleft = 0;
	char ns[64];
	bool *failed = calloc((size_t)nl + 1, sizeof(*failed));
	int *left = calloc((size_t)nl + 1, sizeof(*left));
	bool *there = calloc((size_t)nl + 1, sizeof(*there));
	struct host_batch b = {
		.group = UNDO_GROUP_MARK | getpid(),
		.line = calloc((size_t)nl + 1, sizeof(int)),
		.ifindex = calloc((size_t)nl + 1, sizeof(int)),
	};
	char *line;

	if (!b.line || !b.ifindex || !left || !there) {
		free(b.line); /* nothing batched, nothing left: line by line */
		b.line = NULL;
	}
	for (i = nl - 1; i >= from; i--) {
		if (!strncmp(lab->st.lines[i], "ns ", 3))
			n += batch_flush(lab, &b, failed, verbose);
		if (b.line && in_doomed_ns(lab, i, from)) {
			there[nleft] = ns_link_there(lab, i);
			left[nleft++] = i;
		} else if (batch_add(lab, &b, i)) {
			if (verbose)
				pr_debug("undo %s\n", lab->st.lines[i]);
		} else {
			n += undo_counted(lab, i, failed, verbose);
		}
	}
	n += batch_flush(lab, &b, failed, verbose);
	/* A namespace kept (see keeps_moved) keeps its links: undone here. */
	for (int j = 0; j < nleft; j++) {
		line = lab->st.lines[left[j]];
		if (sscanf(line, "veth %63s", ns) == 1 && netns_exists(ns)) {
			n += undo_counted(lab, left[j], failed, verbose);
		} else if (there[j]) {
			if (verbose)
				pr_debug("undo %s (with its namespace)\n", line);
			n++;
		}
	}
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
	free(b.line);
	free(b.ifindex);
	free(there);
	free(left);
	free(failed);
	return n;
}
