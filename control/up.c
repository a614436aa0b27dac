/* SPDX-License-Identifier: MIT */
/* nsfast up: converge the system to the topology. Every step first looks
 * at what exists (so a second run changes nothing), journals what it
 * creates before moving on, and any failure undoes this run's entries. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "grow.h"
#include "lab.h"
#include "log.h"
#include "netns.h"
#include "topo_parser.h"
#include "up.h"
#include "up_steps.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

/* -v: the step before, once it is over, with what it changed. */
static void step_done(struct up *u)
{
	int n = u->changes - u->step_changes;

	if (!u->step)
		return;
	if (n)
		pr_debug("step %d: %s: %d change%s\n", u->step, u->what, n, n == 1 ? "" : "s");
	else
		pr_debug("step %d: %s: nothing to do\n", u->step, u->what);
}

/* Names the step for the error message, and is where an interrupt or an
 * injected fault takes effect: between two steps, never inside one. */
int step(struct up *u, const char *fmt, ...)
{
	va_list ap;

	step_done(u);
	va_start(ap, fmt);
	vsnprintf(u->what, sizeof(u->what), fmt, ap);
	va_end(ap);
	u->detail[0] = '\0';
	u->detail_is_cause = false;
	u->step++;
	u->step_changes = u->changes;
	if (u->delay_ms)
		usleep((useconds_t)u->delay_ms * 1000);
	if (interrupted) {
		snprintf(u->detail, sizeof(u->detail), "interrupted by signal %d",
			 (int)interrupted);
		return -EINTR;
	}
	if (u->fault_step && u->step == u->fault_step) {
		snprintf(u->detail, sizeof(u->detail), "fault injected by NSFAST_FAULT_STEP=%d",
			 u->fault_step);
		return -EIO;
	}
	return 0;
}

int refuse(struct up *u, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(u->detail, sizeof(u->detail), fmt, ap);
	va_end(ap);
	u->detail_is_cause = true;
	return err;
}

int kernel_err(struct up *u, int err)
{
	if (err && !u->detail[0] && nl_errmsg[0])
		snprintf(u->detail, sizeof(u->detail), "kernel: %s", nl_errmsg);
	return err;
}

int up_journal(struct up *u, const char *line, bool *added)
{
	*added = !state_seen(&u->lab.st, "%s", line);
	return *added ? state_append(&u->lab.st, "%s", line) : 0;
}

void up_unjournal(struct up *u, bool added)
{
	if (added)
		state_truncate(&u->lab.st, u->lab.st.nlines - 1);
}

void up_made(struct up *u, bool added)
{
	u->changes++;
	u->remade += !added;
}

int up_veth_add(struct up *u, struct nl *nl, const struct veth_end *a,
		const struct veth_end *b, const char *line)
{
	bool added;
	int err;

	if ((err = up_journal(u, line, &added)))
		return err;
	if ((err = kernel_err(u, nl_veth_add(nl, a, b)))) {
		up_unjournal(u, added);
		return err;
	}
	up_made(u, added);
	return 0;
}

struct nl *up_ns_nl(struct up *u, int ns, int *fd)
{
	return lab_nl(&u->lab, ns == NS_HOST ? NULL : u->t->ns[ns].sysname, fd);
}

/* A namespace's forwarding of family as fwd ("0" or "1"): read over
 * netlink (nl_forwarding says why), its file written only when it
 * differs (or cannot be read so): 1 when changed, 0, or -errno. */
static int forwarding_set(struct nl *nl, int fd, int family, const char *path, const char *fwd)
{
	int cur = nl_forwarding(nl, family);

	if (cur >= 0 && cur == (fwd[0] == '1'))
		return 0;
	return netns_sysctl(fd, path, fwd, NULL, 0);
}

static int up_namespace(struct up *u, struct ns *ns)
{
	struct link_state lo;
	struct nl *nl;
	int fd, err;
	const char *fwd = ns->forward ? "1" : "0";

	if ((err = step(u, "create namespace %s", ns->sysname)))
		return err;
	if (netns_exists(ns->sysname)) {
		if (!state_seen(&u->lab.st, "ns %s", ns->sysname)) {
			return refuse(u, -EEXIST,
				      "it exists and was not created by lab '%s': delete it or choose another lab name",
				      u->t->lab);
		}
	} else {
		char line[64];
		bool added;

		/* Journaled first (up_journal); already, when recreated after
		 * an `ip netns del`. */
		snprintf(line, sizeof(line), "ns %s", ns->sysname);
		if ((err = up_journal(u, line, &added)))
			return err;
		if ((err = netns_add(ns->sysname))) {
			up_unjournal(u, added);
			return err;
		}
		up_made(u, added);
	}
	nl = up_ns_nl(u, (int)(ns - u->t->ns), &fd);
	if (!nl)
		return lab_nl_err();
	if ((err = step(u, "bring up lo in %s", ns->sysname)))
		return err;
	if ((err = kernel_err(u, nl_link_get(nl, "lo", &lo))))
		return err;
	if (!(lo.flags & IFF_UP)) {
		if ((err = kernel_err(u, nl_link_set_up(nl, lo.ifindex))))
			return err;
		u->changes++;
	}
	if ((err = step(u, "set forwarding %s in %s", fwd, ns->sysname)))
		return err;
	err = forwarding_set(nl, fd, AF_INET, "/proc/sys/net/ipv4/ip_forward", fwd);
	if (err >= 0 && kernel_has_ipv6()) {
		u->changes += err;
		err = forwarding_set(nl, fd, AF_INET6, "/proc/sys/net/ipv6/conf/all/forwarding", fwd);
	}
	if (err > 0)
		u->changes += err;
	if (err < 0 || !kernel_has_ipv6())
		return err < 0 ? err : 0;
	/* Its interfaces are nsfast's veths, their addresses checked
	 * unique, and a moved one is the file's to address: without DAD, a
	 * link-local address is usable at once, not a second after up
	 * returns (neighbour discovery and routed IPv6 need it). */
	if ((err = step(u, "turn off IPv6 duplicate address detection in %s", ns->sysname)))
		return err;
	err = netns_sysctl(fd, "/proc/sys/net/ipv6/conf/default/accept_dad", "0", NULL, 0);
	if (err > 0)
		u->changes += err;
	return err < 0 ? err : 0;
}

/* A host-side interface must be ours or absent. */
int check_owned(struct up *u, struct nl *nl, const char *ns, const char *name,
		       bool *exists)
{
	struct link_state ls;
	int err = nl_link_get(nl, name, &ls);

	*exists = err == 0;
	if (err == -ENODEV)
		return 0;
	if (err)
		return kernel_err(u, err);
	if (!state_seen(&u->lab.st, "veth %s %s", ns, name) &&
	    !state_seen(&u->lab.st, "link %s", name)) {
		/* In a namespace of the lab's: made by hand, or by the lab
		 * as the other end of a pair the file now gives this way
		 * round. */
		if (strcmp(ns, "-"))
			return refuse(u, -EEXIST,
				      "interface '%s' already exists in %s, and lab '%s' did not make it as this link's end (made by hand, or the other end of a pair the file now turns round): delete it, or take the lab down first",
				      name, ns, u->t->lab);
		return refuse(u, -EEXIST,
			      "interface '%s' already exists and does not belong to lab '%s'", name,
			      u->t->lab);
	}
	return 0;
}

static void want_addr(struct up *u, const char *ns, int ifindex, const struct addr *a)
{
	struct up_addr_want *w;

	if (grow((void **)&u->wants, u->nwants, &u->wantcap, sizeof(*u->wants), 64)) {
		u->wants_lost = true;
		return;
	}
	w = &u->wants[u->nwants++];
	snprintf(w->ns, sizeof(w->ns), "%s", ns);
	w->ifindex = ifindex;
	w->a = *a;
}

int add_addrs(struct up *u, struct nl *nl, const char *ns, const char *ifname,
	      const struct addr *addrs, int n)
{
	struct link_state ls;
	struct addr_entry old;
	char a[ADDR_STRLEN];
	int i, err;

	for (i = 0; i < n; i++) {
		if ((err = step(u, "add %s to %s", addr_fmt(&addrs[i], a, sizeof(a)), ifname)))
			return err;
		if (i == 0 && (err = kernel_err(u, nl_link_get(nl, ifname, &ls))))
			return err;
		want_addr(u, ns, ls.ifindex, &addrs[i]);
		err = nl_addr_add(nl, ls.ifindex, &addrs[i]);
		/* IPv6 has one address per address: the file's new prefix
		 * length replaces the old (IPv4 takes it as another address,
		 * and the old one goes at the end, up_prune). */
		if (err == -EEXIST && addrs[i].family == AF_INET6 &&
		    !nl_addr_get(nl, ls.ifindex, &addrs[i], &old) && old.addr.plen != addrs[i].plen &&
		    old.proto == NSFAST_ADDR_PROTO) {
			if ((err = kernel_err(u, nl_addr_del(nl, ls.ifindex, &old.addr))))
				return err;
			err = nl_addr_add(nl, ls.ifindex, &addrs[i]);
		}
		if (err == -EEXIST)
			continue;
		if (err)
			return kernel_err(u, err);
		u->changes++;
	}
	return 0;
}

static int converge(struct up *u)
{
	struct topo *t = u->t;
	int i, err = 0;

	/* u->line: the statement an error is about. */
	for (i = 0; !err && i < t->nns; i++) {
		u->line = t->ns[i].line;
		err = up_namespace(u, &t->ns[i]);
	}
	for (i = 0; !err && i < t->nsw; i++) {
		u->line = t->sw[i].line;
		err = up_switch(u, &t->sw[i]);
	}
	for (i = 0; !err && i < t->nlinks; i++) {
		u->line = t->links[i].line;
		err = t->links[i].kind == LINK_MOVE ? up_move(u, &t->links[i]) :
						      up_link(u, &t->links[i]);
	}
	if (!err)
		err = up_routes(u);
	for (i = 0; !err && i < t->nsw; i++) {
		u->line = t->sw[i].line;
		if (t->sw[i].dp != DP_KERNEL)
			err = up_daemon(u, &t->sw[i]);
	}
	for (i = 0; !err && i < t->nsw; i++) {
		u->line = t->sw[i].uplink_line;
		err = up_kernel_forward(u, &t->sw[i]);
	}
	if (err)
		return err;
	/* Last, once what the file has is up: what no step found again, and
	 * the addresses and routes of what stays. */
	u->line = 0;
	return up_prune(u);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Ups of different labs run one at a time: each checks the host's
 * addresses, routes and interfaces against the other labs' (preflight),
 * which must not change between its checks and its steps. The lock's
 * fd, or -errno. */
static int host_lock(void)
{
	int fd = open(STATE_ROOT "/.up.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600), err;

	if (fd < 0)
		return -errno;
	if (!flock(fd, LOCK_EX | LOCK_NB))
		return fd;
	pr_info("another lab's up is running: waiting for it to finish\n");
	while (flock(fd, LOCK_EX)) {
		if (errno != EINTR || interrupted) {
			err = -errno;
			close(fd);
			return err;
		}
	}
	return fd;
}

int lab_up(struct topo *t)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct up u = { .t = t };
	const char *fault = getenv("NSFAST_FAULT_STEP");
	const char *delay = getenv("NSFAST_STEP_DELAY_MS");
	double t0 = now_ms();
	const char *gone;
	int err, undone, kept, made, i, hostfd = -1;

	/* before the state under /run/nsfast, which is root's */
	if (geteuid() != 0) {
		fprintf(stderr, "nsfast: up needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN)\n");
		return -EPERM;
	}
	if (fault)
		u.fault_step = atoi(fault);
	/* An hour per step (atoi of -1, as useconds_t) is no test's. */
	if (delay) {
		long ms;

		if (parse_uint(delay, 0, 10000, &ms)) {
			fprintf(stderr, "nsfast: NSFAST_STEP_DELAY_MS='%s': expected 0 to 10000 (ms)\n",
				delay);
			return -EINVAL;
		}
		u.delay_ms = (int)ms;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	err = lab_open(&u.lab, t->lab, STATE_CREATE);
	u.lab.stop = &interrupted;
	u.lab.delay_ms = u.delay_ms;
	if (err) {
		if (err == -EBUSY)
			lab_open_failed(t->lab, err);
		else
			fprintf(stderr, "nsfast: cannot open the state of lab '%s' under %s: %s\n",
				t->lab, STATE_ROOT, strerror(-err));
		return err;
	}
	hostfd = host_lock();
	if (hostfd < 0) {
		err = hostfd;
		if (interrupted)
			fprintf(stderr, "nsfast: lab '%s': interrupted by signal %d while waiting for another lab's up\n",
				t->lab, (int)interrupted);
		else
			fprintf(stderr, "nsfast: lab '%s': cannot lock %s/.up.lock: %s\n", t->lab,
				STATE_ROOT, strerror(-err));
		goto out;
	}
	err = up_preflight(&u);
	if (err)
		goto out;
	err = up_prune_named(&u);
	if (!err)
		err = converge(&u);
	/* A signal during the last step is seen here, not after "is up". */
	if (!err)
		err = step(&u, "finish lab %s", t->lab);
	/* The steps worked through the namespaces' fds: one deleted by
	 * someone else meanwhile took what they made with it, unseen. */
	if (!err && (gone = lab_ns_replaced(&u.lab)))
		err = refuse(&u, -ENOENT,
			     "namespace %s was deleted while up ran (by hand or by another program), taking what this run made in it; up again makes it again",
			     gone);
	if (!err)
		step_done(&u);
	if (err) {
		char where[sizeof(((struct topo *)0)->file) + 16];

		/* A signal inside a step (waiting for a daemon or a lock,
		 * say) comes back from a system call as EINTR, not from
		 * step(); the signal is the cause, not the call it broke. */
		if (interrupted && (err == -EINTR || !u.detail[0])) {
			snprintf(u.detail, sizeof(u.detail), "interrupted by signal %d",
				 (int)interrupted);
			u.detail_is_cause = true;
		}
		if (u.line)
			snprintf(where, sizeof(where), "%s:%d", t->file, u.line);
		else
			snprintf(where, sizeof(where), "%s", t->file);
		if (u.detail_is_cause)
			fprintf(stderr, "nsfast: %s: %s: %s\n", where, u.what, u.detail);
		else
			fprintf(stderr, "nsfast: %s: %s: %s%s%s\n", where, u.what,
				strerror(-err), u.detail[0] ? ": " : "", u.detail);
		u.lab.keep_nat = true;
		/* "switch" lines describe, they own nothing */
		for (made = 0, i = u.lab.st.nold; i < u.lab.st.nlines; i++)
			made += !!strncmp(u.lab.st.lines[i], "switch ", 7);
		undone = lab_undo_from(&u.lab, u.lab.st.nold, false, &kept);
		state_truncate(&u.lab.st, kept);
		if (undone)
			fprintf(stderr, "nsfast: rolled back lab '%s': removed the %d object%s this run had created\n",
				t->lab, undone, undone == 1 ? "" : "s");
		else if (made > kept - u.lab.st.nold) /* what it made went meanwhile */
			fprintf(stderr, "nsfast: rolled back lab '%s': what this run had created was gone already\n",
				t->lab);
		else if (kept == u.lab.st.nold && !u.changes)
			fprintf(stderr, "nsfast: lab '%s' is as it was: this run had changed nothing\n",
				t->lab);
		else if (kept == u.lab.st.nold && !u.remade)
			fprintf(stderr, "nsfast: lab '%s': this run had created nothing; what it changed in what existed stays\n",
				t->lab);
		/* Made again after they were deleted outside nsfast: their
		 * lines are older than this run, which keeps them. */
		else if (kept == u.lab.st.nold)
			fprintf(stderr, "nsfast: lab '%s': this run had created nothing new; the %d object%s of the lab's that it made again (deleted outside nsfast) and what it changed in what existed stay\n",
				t->lab, u.remade, u.remade == 1 ? "" : "s");
		if (u.remade && (undone || made > kept - u.lab.st.nold))
			fprintf(stderr, "nsfast: lab '%s': the %d object%s of the lab's that this run made again (deleted outside nsfast) stay%s\n",
				t->lab, u.remade, u.remade == 1 ? "" : "s", u.remade == 1 ? "s" : "");
		if (kept > u.lab.st.nold)
			fprintf(stderr, "nsfast: lab '%s': %d could not be removed; their lines stay in %s/journal for 'nsfast down'\n",
				t->lab, kept - u.lab.st.nold, u.lab.st.dir);
		if (u.pruned)
			fprintf(stderr, "nsfast: lab '%s': the %d object%s the file no longer has that this run removed stay%s removed; up again, once the cause is fixed, makes the rest\n",
				t->lab, u.pruned, u.pruned == 1 ? "" : "s", u.pruned == 1 ? "s" : "");
		up_restore_all(&u);
		goto out;
	}
	if (u.changes)
		pr_info("lab %s is up: %d namespace%s, %d switch%s, %d link%s; %d change%s in %.1f ms\n",
			t->lab, t->nns, t->nns == 1 ? "" : "s", t->nsw, t->nsw == 1 ? "" : "es",
			t->nlinks, t->nlinks == 1 ? "" : "s", u.changes, u.changes == 1 ? "" : "s",
			now_ms() - t0);
	else
		pr_info("lab %s is already up: nothing changed (%d namespace%s, %d link%s)\n",
			t->lab, t->nns, t->nns == 1 ? "" : "s", t->nlinks,
			t->nlinks == 1 ? "" : "s");
	if (u.pruned_failed) {
		int foreign = u.lab.pruned_foreign, rest = u.pruned_failed - foreign;

		if (rest > 0)
			fprintf(stderr, "nsfast: lab '%s' is up, but %d object%s the file no longer has could not be removed (said above); 'nsfast down' still removes %s\n",
				t->lab, rest, rest == 1 ? "" : "s", rest == 1 ? "it" : "them");
		if (foreign)
			fprintf(stderr, "nsfast: lab '%s' is up, but %d line%s of %s/journal %s nsfast writes for the lab (said above), which 'nsfast down' cannot undo either: edit or remove %s\n",
				t->lab, foreign, foreign == 1 ? "" : "s", u.lab.st.dir,
				foreign == 1 ? "is not one" : "are not ones",
				foreign == 1 ? "that line" : "those lines");
		err = -EBUSY;
	}
out:
	up_restore_free(&u);
	free(u.wants);
	/* An empty journal means nothing of this lab exists any more. */
	if (u.lab.st.nlines == 0)
		state_destroy(&u.lab.st);
	lab_close(&u.lab);
	if (hostfd >= 0)
		close(hostfd);
	return err;
}
