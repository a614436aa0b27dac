/* SPDX-License-Identifier: MIT */
/* Undoing a journal, newest line first: down, and up's rollback.
 *
 * The kernel takes about 20 ms to delete one link (two expedited RCU
 * grace periods under rtnl and an rcu_barrier() per request): a down of
 * 100 namespaces spent 2 s there, and one tc switch of 200 ports 3.4 s
 * on its slow-path pairs. One request deletes a whole group of links
 * (IFLA_GROUP) for the price of one, and a namespace's deletion takes
 * its links with it, those of every namespace deleted together in one
 * batch. So a walk (down's, a rollback's, and up's of what the file no
 * longer has) gives each host link it undoes its own group, and deletes
 * the group before the first namespace; a link inside a namespace the
 * walk deletes is left to that namespace. */
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

#define UNDO_GROUP_MARK 0x6e000000 /* over a pid: pids stay below 2^22 */

int lab_batch_init(struct lab_batch *b, int nlines)
{
	memset(b, 0, sizeof(*b));
	b->group = UNDO_GROUP_MARK | getpid();
	b->line = calloc((size_t)nlines + 1, sizeof(*b->line));
	b->ifindex = calloc((size_t)nlines + 1, sizeof(*b->ifindex));
	b->there = calloc((size_t)nlines + 1, sizeof(*b->there));
	if (b->line && b->ifindex && b->there)
		return 0;
	lab_batch_free(b);
	return -ENOMEM;
}

void lab_batch_free(struct lab_batch *b)
{
	free(b->line);
	free(b->ifindex);
	free(b->there);
	b->line = b->ifindex = NULL;
	b->there = NULL;
	b->n = 0;
}

int lab_batch_add(struct lab *lab, struct lab_batch *b, int i)
{
	const char *line = lab->st.lines[i], *ifname;
	struct link_state ls;
	char why[128];
	int err;

	if (!b->line || (strncmp(line, "veth - ", 7) && strncmp(line, "link ", 5)))
		return -EINVAL;
	ifname = line[0] == 'l' ? line + 5 : line + 7;
	/* A line that is not the lab's takes the walk's way: refused. */
	if (lab_line_check(lab->name, line, why, sizeof(why)))
		return -EINVAL;
	err = nl_link_get(&lab->root, ifname, &ls);
	if (err == -ENODEV)
		return 0;
	if (err || (err = nl_link_set_group(&lab->root, ls.ifindex, b->group)))
		return err;
	b->line[b->n] = i;
	b->there[b->n] = false;
	b->ifindex[b->n++] = ls.ifindex;
	return 1;
}

static int group_seen(const struct link_state *ls, void *data)
{
	struct lab_batch *b = data;
	int k;

	if (ls->group != b->group)
		return 0;
	for (k = 0; k < b->n && b->ifindex[k] != ls->ifindex; k++)
		;
	if (k < b->n)
		b->there[k] = true;
	else
		b->foreign++;
	return 0;
}

int lab_batch_flush(struct lab *lab, struct lab_batch *b, bool verbose)
{
	int err, k, n = 0;

	if (!b->n)
		return 0;
	b->foreign = 0;
	err = nl_link_dump(&lab->root, group_seen, b);
	if (!err && b->foreign)
		err = -EEXIST;
	if (!err)
		err = nl_link_del_group(&lab->root, b->group);
	if (err == -ENODEV) { /* all gone since the dump */
		for (k = 0; k < b->n; k++)
			b->there[k] = false;
		err = 0;
	}
	for (k = 0; k < b->n; k++)
		n += b->there[k];
	if (verbose && !err)
		pr_debug("deleted %d host links in one request (link group %#x)\n", n, b->group);
	else if (verbose && b->foreign)
		pr_debug("link group %#x is another link's too: deleting the %d host links one by one\n",
			 b->group, b->n);
	else if (verbose)
		pr_debug("link group %#x: %s: deleting the %d host links one by one\n", b->group,
			 strerror(-err), b->n);
	return err;
}

int lab_link_ns_line(const struct lab *lab, int i)
{
	const char *line = lab->st.lines[i], *ns = line + 5;
	size_t len = strcspn(ns, " ");
	char why[128];

	if (strncmp(line, "veth ", 5) || !strncmp(ns, "- ", 2) ||
	    lab_line_check(lab->name, line, why, sizeof(why)))
		return -1;
	for (int j = 0; j < lab->st.nlines; j++)
		if (!strncmp(lab->st.lines[j], "ns ", 3) && !strncmp(lab->st.lines[j] + 3, ns, len) &&
		    !lab->st.lines[j][3 + len])
			return j;
	return -1;
}

bool lab_ns_link_there(struct lab *lab, int i)
{
	char ns[64], ifname[IFNAMSIZ];
	struct link_state ls;
	struct nl *nl;

	if (sscanf(lab->st.lines[i], "veth %63s %15s", ns, ifname) != 2 ||
	    !(nl = lab_nl(lab, ns, NULL)))
		return false;
	return !nl_link_get(nl, ifname, &ls);
}

/* Is the namespace of link line i ("veth NS IF") still there after the
 * walk: kept (keeps_moved), or not reached? Its links stay with it. */
static bool link_ns_stays(const struct lab *lab, int i)
{
	char ns[64];

	return sscanf(lab->st.lines[i], "veth %63s", ns) == 1 && netns_exists(ns);
}

/* The batch's lines, flushed: how many went (each on its own when the
 * one request could not be). */
static int flush_counted(struct lab *lab, struct lab_batch *b, bool *failed, bool verbose)
{
	int n = 0, k;

	if (!b->n)
		return 0;
	if (lab_batch_flush(lab, b, verbose))
		for (k = 0; k < b->n; k++)
			n += undo_counted(lab, b->line[k], failed, false);
	else
		for (k = 0; k < b->n; k++)
			n += b->there[k];
	b->n = 0;
	return n;
}

int lab_undo_from(struct lab *lab, int from, bool verbose, int *kept)
{
	int i, j, n = 0, k = from, nl = lab->st.nlines, nleft = 0;
	bool *failed = calloc((size_t)nl + 1, sizeof(*failed));
	int *left = calloc((size_t)nl + 1, sizeof(*left));
	bool *there = calloc((size_t)nl + 1, sizeof(*there));
	struct lab_batch b;
	char *line;

	/* Without memory, nothing batched and nothing left: line by line. */
	if (lab_batch_init(&b, nl) || !left || !there)
		lab_batch_free(&b);
	for (i = nl - 1; i >= from; i--) {
		if (!strncmp(lab->st.lines[i], "ns ", 3))
			n += flush_counted(lab, &b, failed, verbose);
		if (b.line && (j = lab_link_ns_line(lab, i)) >= from) {
			there[nleft] = lab_ns_link_there(lab, i);
			left[nleft++] = i;
		} else if (lab_batch_add(lab, &b, i) >= 0) {
			if (verbose)
				pr_debug("undo %s\n", lab->st.lines[i]);
		} else {
			n += undo_counted(lab, i, failed, verbose);
		}
	}
	n += flush_counted(lab, &b, failed, verbose);
	/* A namespace kept (see keeps_moved) keeps its links: undone here. */
	for (j = 0; j < nleft; j++) {
		line = lab->st.lines[left[j]];
		if (link_ns_stays(lab, left[j])) {
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
	lab_batch_free(&b);
	free(there);
	free(left);
	free(failed);
	return n;
}

/* A journal line in words, for what up removes: "ns demo-c" is
 * "namespace demo-c". */
static const char *line_words(const char *line, char *buf, size_t len)
{
	char a[64] = "", b[64] = "", c[64] = "";
	int n = sscanf(line, "%*s %63s %63s %63s", a, b, c);

	if (!strncmp(line, "ns ", 3))
		snprintf(buf, len, "namespace %s", a);
	else if (!strncmp(line, "veth ", 5) && n == 2)
		snprintf(buf, len, "veth pair of %s:%s", strcmp(a, "-") ? a : "host", b);
	else if (!strncmp(line, "link ", 5))
		snprintf(buf, len, "bridge %s", a);
	else if (!strncmp(line, "move ", 5))
		snprintf(buf, len, "interface %s, moved back to the host from %s", a, b);
	else if (!strncmp(line, "route ", 6) && n == 3)
		snprintf(buf, len, "host route %s%s%s%s%s", a, strcmp(b, "-") ? " via " : "",
			 strcmp(b, "-") ? b : "", strcmp(c, "-") ? " dev " : "", strcmp(c, "-") ? c : "");
	else if (!strncmp(line, "daemon ", 7))
		snprintf(buf, len, "switch %s's daemon (pid %s)", a, b);
	else if (!strncmp(line, "nft ", 4))
		snprintf(buf, len, "nftables table %s", a);
	else if (!strcmp(line, "forward"))
		snprintf(buf, len, "its hold on the host's IPv4 forwarding");
	else if (!strncmp(line, "uplink ", 7))
		snprintf(buf, len, "its claim on uplink %s", a);
	else
		snprintf(buf, len, "'%s'", line);
	return buf;
}

/* Line i's undo came out err (msg: why it failed): said, and marked to
 * drop from the journal or to keep; 1 when it counts as removed. */
static int prune_said(struct lab *lab, int i, int err, const char *msg, bool *drop, bool *bad,
		      int *failed)
{
	const char *line = lab->st.lines[i];
	char words[256], why[128];

	if (err < 0) {
		pr_warn("nsfast: lab '%s': could not remove %s, which the file no longer has: %s%s%s\n",
			lab->name, line_words(line, words, sizeof(words)), strerror(-err),
			msg[0] ? ": " : "", msg);
		bad[i] = true;
		(*failed)++;
		lab->pruned_foreign += !!lab_line_check(lab->name, line, why, sizeof(why));
		/* Said and counted once (each copy): up's last step leaves
		 * it. */
		state_seen(&lab->st, "%s", line);
		return 0;
	}
	drop[i] = true;
	/* What a stopped daemon kept for a next one that will not come
	 * (dataplane/nat_keep.c); a rollback's or down's goes with the
	 * lab's directory. */
	if (!strncmp(line, "daemon ", 7)) {
		char path[160];
		int sw = (int)strcspn(line + 7, " ");

		if (snprintf(path, sizeof(path), "%s/%.*s.nat", lab->st.dir, sw, line + 7) <
		    (int)sizeof(path) - 4) {
			unlink(path);
			strcat(path, ".tmp"); /* one killed while it wrote */
			unlink(path);
		}
	}
	/* "switch" lines describe, they own nothing; what was gone already
	 * was not removed by this run. */
	if (strncmp(line, "switch ", 7) && err != LAB_UNDO_GONE) {
		pr_info("lab %s: removed what the file no longer has: %s\n", lab->name,
			line_words(line, words, sizeof(words)));
		return 1;
	}
	return 0;
}

static int prune_one(struct lab *lab, int i, bool *drop, bool *bad, int *failed)
{
	char msg[256];
	int err = lab_undo_line(lab, i, bad, msg, sizeof(msg));

	return prune_said(lab, i, err, msg, drop, bad, failed);
}

static int prune_flush(struct lab *lab, struct lab_batch *b, bool *drop, bool *bad, int *failed)
{
	int n = 0, k;

	if (!b->n)
		return 0;
	if (lab_batch_flush(lab, b, true))
		for (k = 0; k < b->n; k++)
			n += prune_one(lab, b->line[k], drop, bad, failed);
	else
		for (k = 0; k < b->n; k++)
			n += prune_said(lab, b->line[k], b->there[k] ? 0 : LAB_UNDO_GONE, "", drop,
					bad, failed);
	b->n = 0;
	return n;
}

int lab_prune(struct lab *lab, bool (*stale)(const struct lab *, int, void *), void *arg,
	      int *failed)
{
	int i, j, n = 0, err = 0, nl = lab->st.nlines, nleft = 0;
	bool *drop = calloc((size_t)nl + 1, sizeof(*drop));
	bool *bad = calloc((size_t)nl + 1, sizeof(*bad));
	bool *there = calloc((size_t)nl + 1, sizeof(*there));
	int *left = calloc((size_t)nl + 1, sizeof(*left));
	bool stopped = false;
	struct lab_batch b;

	if (lab_batch_init(&b, nl) || !drop || !bad || !there || !left) {
		err = -ENOMEM;
		goto out;
	}
	for (i = lab->st.nold - 1; i >= 0; i--) {
		const char *line = lab->st.lines[i];

		if (!stale(lab, i, arg) || !strncmp(line, "sysctl ", 7))
			continue;
		if (lab->delay_ms)
			usleep((useconds_t)lab->delay_ms * 1000);
		/* Interrupted: what is removed stays removed (and counted);
		 * up's next step fails on the signal. */
		if ((stopped = lab->stop && *lab->stop))
			break;
		if (!strncmp(line, "ns ", 3))
			n += prune_flush(lab, &b, drop, bad, failed);
		/* A link between namespaces that go too goes with them. */
		if ((j = lab_link_ns_line(lab, i)) >= 0 && j < lab->st.nold && stale(lab, j, arg)) {
			there[nleft] = lab_ns_link_there(lab, i);
			left[nleft++] = i;
		} else if ((err = lab_batch_add(lab, &b, i)) == 0) {
			n += prune_said(lab, i, LAB_UNDO_GONE, "", drop, bad, failed);
		} else if (err < 0) {
			n += prune_one(lab, i, drop, bad, failed);
		}
	}
	n += prune_flush(lab, &b, drop, bad, failed);
	/* A namespace still there (kept, or the walk stopped before it)
	 * keeps its links: undone here, unless the walk was stopped. */
	for (j = 0; j < nleft; j++) {
		if (link_ns_stays(lab, left[j])) {
			if (!stopped)
				n += prune_one(lab, left[j], drop, bad, failed);
		} else {
			n += prune_said(lab, left[j], there[j] ? 0 : LAB_UNDO_GONE, "", drop, bad,
					failed);
		}
	}
	err = state_drop(&lab->st, drop);
out:
	lab_batch_free(&b);
	free(left);
	free(there);
	free(drop);
	free(bad);
	return err ? err : n;
}
