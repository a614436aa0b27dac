/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_LAB_H
#define NSFAST_LAB_H

#include <errno.h>
#include <signal.h>
#include <sys/types.h>

#include "nl.h"
#include "state.h"
#include "topo.h"

/* What up, down and status share: the lab's journal and a netlink
 * socket per namespace, opened on first use. */
struct lab_ns {
	char name[32];
	int fd; /* -1: closed, to keep the open ones at lab.open_max */
	struct nl nl;
	dev_t dev; /* the namespace first opened under name */
	ino_t ino;
	unsigned long used; /* when last given out, for closing the oldest */
};

/* A lab of 1000 namespaces held 2000 fds: past 1024, libnftables'
 * select() aborted up, and a default RLIMIT_NOFILE of 1024 would have
 * refused them. At most this many are open (2 fds each), fewer when
 * the soft RLIMIT_NOFILE leaves less than LAB_FD_RESERVE fds beside
 * them for the rest (the journal, locks, nftables, a daemon's start);
 * the least recently used is closed first, and opened again when asked
 * for. */
#define LAB_NS_OPEN_MAX 128
#define LAB_FD_RESERVE 64

struct lab {
	char name[LAB_NAME_MAX + 1];
	struct state st;
	struct nl root;
	struct lab_ns *ns;
	int nns, cap, nopen, open_max;
	unsigned long uses;
	/* A rollback: the daemons it stops keep their NAT connections for
	 * the ones it starts again. */
	bool keep_nat;
	/* up's signal flag: lab_prune stops before the next object once set. */
	const volatile sig_atomic_t *stop;
	/* up's NSFAST_STEP_DELAY_MS: lab_prune waits before each object too,
	 * so that a test can land a signal inside it. */
	int delay_ms;
	/* Of lab_prune's failures, lines nsfast does not write (refused by
	 * lab_line_check), which down cannot undo either. */
	int pruned_foreign;
};

int lab_open(struct lab *lab, const char *name, enum state_mode mode);
/* Says why lab_open failed for lab name (its error err), once, on stderr:
 * busy (another up, down or status holds its lock), not up, or the
 * errno. */
void lab_open_failed(const char *name, int err);
void lab_close(struct lab *lab);
/* "-" or NULL: the host namespace. Socket and fd stay valid until the
 * next open_max - 1 other namespaces are asked for (open_max: 4 or
 * more). NULL with errno set (lab_nl_err) when the namespace cannot be
 * opened. */
struct nl *lab_nl(struct lab *lab, const char *nsname, int *fd);
/* Why lab_nl returned NULL, as a -errno. */
static inline int lab_nl_err(void)
{
	return errno ? -errno : -ENOENT;
}
void lab_forget_ns(struct lab *lab, const char *nsname);
/* The first namespace lab_nl opened that its name no longer gives
 * (deleted, or deleted and made again, by someone else), or NULL. */
const char *lab_ns_replaced(const struct lab *lab);
/* Undo one journal line: 0, LAB_UNDO_GONE when there was nothing of it
 * to undo (gone already, or not the lab's: another lab's uplink claim, a
 * pid that is no daemon of this switch), which is no error either, or
 * -errno. */
#define LAB_UNDO_GONE 1
int lab_undo(struct lab *lab, const char *line, char *err, size_t errlen);
/* lab_undo of journal line i, unless it is a namespace that must stay
 * because a later line, failed[] (NULL: none), could not move an
 * interface out of it (-EBUSY, with why in msg). */
int lab_undo_line(struct lab *lab, int i, const bool *failed, char *msg, size_t len);
/* Host links undone together (lab_undo.c): each gets the batch's link
 * group, and one request deletes the group, for the kernel's cost of
 * deleting one link (~20 ms: RCU grace periods). */
struct lab_batch {
	int group; /* 0x6e000000 | the pid: one a process */
	int n;
	int *line; /* the journal line of each */
	int *ifindex;
	bool *there; /* at the flush: there to delete (not gone already) */
	int foreign; /* links not the batch's with its group */
};
/* Room for nlines: 0, or -ENOMEM. */
int lab_batch_init(struct lab_batch *b, int nlines);
void lab_batch_free(struct lab_batch *b);
/* Journal line i into the batch, if it is a host link of the lab's
 * ("veth - IF", "link IF"): 1; 0 when it is gone already; < 0 when it is
 * not for the batch (undo it on its own). */
int lab_batch_add(struct lab *lab, struct lab_batch *b, int i);
/* Deletes the batch's links in one request: 0, b->there[] saying which
 * were there; or -errno (-EEXIST: another link has the group), and each
 * of b->line[0..n) is the caller's to undo on its own. Either way the
 * caller empties the batch (b->n = 0) when done with it. */
int lab_batch_flush(struct lab *lab, struct lab_batch *b, bool verbose);
/* For line i, a link inside a namespace ("veth NS IF", the lab's): the
 * index of line "ns NS", whose deletion takes the link with it; else -1. */
int lab_link_ns_line(const struct lab *lab, int i);
/* Is the link of line i ("veth NS IF") there? */
bool lab_ns_link_there(struct lab *lab, int i);
/* Undo lines [from, nlines) in reverse; returns the count undone (not
 * those gone already). The lines of objects that could not be undone
 * are moved to [from, *kept) (kept may be NULL). */
int lab_undo_from(struct lab *lab, int from, bool verbose, int *kept);
/* Undoes, last to first, the lines from before this run (the first
 * nold) that stale(lab, i, arg) says the file no longer has. Each is
 * said; those that fail stay, counted in *failed. Older versions'
 * "sysctl" lines stay for down. The number undone, or -errno. */
int lab_prune(struct lab *lab, bool (*stale)(const struct lab *, int, void *), void *arg,
	      int *failed);
/* Is line one nsfast writes in lab's journal, naming only what is the
 * lab's to remove? 0, or -EINVAL with why. */
int lab_line_check(const char *lab, const char *line, char *why, size_t len);
/* Does another lab's journal than self's have a line starting with
 * prefix? 1 (its name in owner), 0, or a negative errno. */
int lab_journal_owner(const char *self, const char *prefix, char *owner, size_t len);
/* Is host interface ifname another lab's: one named with its prefix
 * (LAB-...: its veths' and ports' ends, its bridges), one it moved (and,
 * with uplinks, its SNAT uplink)?
 * 1 (its name in owner), 0, or a negative errno. */
int lab_iface_owner(const char *self, const char *ifname, bool uplinks, char *owner,
		    size_t len);

#endif
