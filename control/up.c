/* SPDX-License-Identifier: MIT */
/* nsfast up: converge the system to the topology. Every step first looks
 * at what exists (so a second run changes nothing), journals what it
 * creates before moving on, and any failure undoes this run's entries. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"
#include "log.h"
#include "netns.h"
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
	*added = !state_has(&u->lab.st, "%s", line);
	return *added ? state_append(&u->lab.st, "%s", line) : 0;
}

void up_unjournal(struct up *u, bool added)
{
	if (added)
		state_truncate(&u->lab.st, u->lab.st.nlines - 1);
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
	u->changes++;
	return 0;
}

struct nl *up_ns_nl(struct up *u, int ns, int *fd)
{
	return lab_nl(&u->lab, ns == NS_HOST ? NULL : u->t->ns[ns].sysname, fd);
}

static const char *ns_sys(const struct topo *t, int ns)
{
	return ns == NS_HOST ? "-" : t->ns[ns].sysname;
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
		if (!state_has(&u->lab.st, "ns %s", ns->sysname)) {
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
		u->changes++;
	}
	nl = up_ns_nl(u, (int)(ns - u->t->ns), &fd);
	if (!nl)
		return -ENOENT;
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
	err = netns_sysctl(fd, "/proc/sys/net/ipv4/ip_forward", fwd, NULL, 0);
	if (err >= 0 && kernel_has_ipv6()) {
		u->changes += err;
		err = netns_sysctl(fd, "/proc/sys/net/ipv6/conf/all/forwarding", fwd, NULL, 0);
	}
	if (err > 0)
		u->changes += err;
	if (err < 0 || !kernel_has_ipv6())
		return err < 0 ? err : 0;
	/* Its interfaces are all nsfast's, their addresses checked unique:
	 * without DAD, a link-local address is usable at once, not a second
	 * after up returns (neighbour discovery and routed IPv6 need it). */
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
	if (!state_has(&u->lab.st, "veth %s %s", ns, name) &&
	    !state_has(&u->lab.st, "link %s", name)) {
		return refuse(u, -EEXIST,
			      "interface '%s' already exists and does not belong to lab '%s'", name,
			      u->t->lab);
	}
	return 0;
}

int add_addrs(struct up *u, struct nl *nl, const char *ifname,
		     const struct addr *addrs, int n)
{
	struct link_state ls;
	char a[ADDR_STRLEN];
	int i, err;

	for (i = 0; i < n; i++) {
		if ((err = step(u, "add %s to %s", addr_fmt(&addrs[i], a, sizeof(a)), ifname)))
			return err;
		if (i == 0 && (err = kernel_err(u, nl_link_get(nl, ifname, &ls))))
			return err;
		err = nl_addr_add(nl, ls.ifindex, &addrs[i]);
		if (err == -EEXIST)
			continue;
		if (err)
			return kernel_err(u, err);
		u->changes++;
	}
	return 0;
}

static void fill_end(struct veth_end *v, const struct endpoint *e, int fd)
{
	memset(v, 0, sizeof(*v));
	v->name = e->sysname;
	v->netns_fd = fd;
	v->mtu = e->mtu;
	v->mac = e->has_mac ? e->mac : NULL;
}

int link_mtu(const struct link *l)
{
	return l->a.mtu ? l->a.mtu : 1500;
}

int up_link_set(struct up *u, struct nl *nl, const char *ns, const char *ifname, int mtu,
		const uint8_t *mac)
{
	struct link_state ls;
	bool set_mtu, set_mac;
	int err;

	if (!mtu)
		mtu = 1500;
	if ((err = kernel_err(u, nl_link_get(nl, ifname, &ls))))
		return err;
	set_mtu = ls.mtu != mtu;
	set_mac = mac && memcmp(ls.mac, mac, 6);
	if (!set_mtu && !set_mac)
		return 0;
	if (set_mtu && (err = step(u, "set mtu %d%s on %s:%s", mtu, set_mac ? " and mac" : "", ns,
				   ifname)))
		return err;
	if (!set_mtu && (err = step(u, "set mac on %s:%s", ns, ifname)))
		return err;
	if ((err = kernel_err(u, nl_link_set(nl, ls.ifindex, set_mtu ? mtu : 0,
					      set_mac ? mac : NULL))))
		return err;
	u->changes++;
	return 0;
}

int up_pair_set(struct up *u, struct nl *nl[2], const char *ns[2], const char *ifname[2], int mtu,
		const uint8_t *mac[2])
{
	struct link_state was;
	int changes = u->changes, err;

	if (!mtu)
		mtu = 1500;
	if ((err = kernel_err(u, nl_link_get(nl[0], ifname[0], &was))) ||
	    (err = up_link_set(u, nl[0], ns[0], ifname[0], mtu, mac[0])))
		return err;
	err = up_link_set(u, nl[1], ns[1], ifname[1], mtu, mac[1]);
	if (err && u->changes != changes)
		/* Best effort, and quiet: what failed is the second end. */
		nl_link_set(nl[0], was.ifindex, was.mtu != mtu ? was.mtu : 0,
			    mac[0] && memcmp(was.mac, mac[0], 6) ? was.mac : NULL);
	return err;
}

/* The userspace switch a link belongs to, as a port or as its uplink
 * (the lab's veth whose host end it is), if that switch is up (its
 * journal line): NULL otherwise. *end: the link's end in the host. */
static const struct sw *link_daemon_switch(const struct up *u, const struct link *l,
					   const char **end)
{
	const struct topo *t = u->t;

	for (int i = 0; i < t->nsw; i++) {
		const struct sw *sw = &t->sw[i];

		if (l->kind == LINK_SWITCH) {
			if (l->sw != i)
				continue;
			*end = l->b.sysname;
		} else {
			*end = l->a.ns == NS_HOST ? l->a.sysname :
			       l->b.ns == NS_HOST ? l->b.sysname : "";
			if (!sw->uplink[0] || strcmp(*end, sw->uplink))
				continue;
		}
		/* With or without a host port: the file may have changed that. */
		if (sw->dp == DP_KERNEL ||
		    (!state_has(&u->lab.st, "switch %s %s -", sw->name, dataplane_name(sw->dp)) &&
		     !state_has(&u->lab.st, "switch %s %s %s", sw->name, dataplane_name(sw->dp),
				sw->ifname)))
			return NULL;
		return sw;
	}
	return NULL;
}

/* A pair that exists takes the file's MTU and MACs, as a new one would
 * be made with them. A rollback does not undo this: it removes what the
 * run made, and this only changes (up_pair_set keeps the two ends
 * alike, at least). The MACs of a running userspace
 * switch's port or uplink stay: its ARP table and its NAT fast path's
 * connections know the old ones, and nothing would tell them. */
static int up_link_attrs(struct up *u, const struct link *l, struct nl *nla, struct nl *nlb)
{
	const struct endpoint *e[2] = { &l->a, &l->b };
	struct nl *nl[2] = { nla, nlb };
	const char *end, *ns[2], *ifname[2];
	const uint8_t *mac[2];
	const struct sw *sw = link_daemon_switch(u, l, &end);
	struct link_state ls;
	int err, i;

	for (i = 0; sw && i < 2; i++) {
		/* A port's namespace end; the uplink itself, not its far end. */
		if (!e[i]->has_mac || (l->kind == LINK_VETH && e[i]->ns != NS_HOST))
			continue;
		if ((err = kernel_err(u, nl_link_get(nl[i], e[i]->sysname, &ls))))
			return err;
		if (!memcmp(ls.mac, e[i]->mac, 6))
			continue;
		return refuse(u, -EBUSY,
			      "%s:%s has another MAC than the file's, but a %s of running %s switch '%s' keeps the MAC its ARP table and NAT know, expected 'nsfast down' first",
			      topo_ns_name(u->t, e[i]->ns), e[i]->ifname,
			      l->kind == LINK_SWITCH ? "port" : "link to the uplink",
			      dataplane_name(sw->dp), sw->name);
	}
	for (i = 0; i < 2; i++) {
		ns[i] = topo_ns_name(u->t, e[i]->ns);
		ifname[i] = e[i]->sysname;
		mac[i] = e[i]->has_mac ? e[i]->mac : NULL;
	}
	return up_pair_set(u, nl, ns, ifname, link_mtu(l), mac);
}

/* An existing end that the file gives IPv6 addresses, on which IPv6 was
 * turned off by hand (the addresses went with it): on again, or adding
 * them fails with EPERM. A missing sysctl (IPv6 off in the kernel, or an
 * MTU below 1280, which check refuses with IPv6) is left to that add. */
static int up_ipv6_on(struct up *u, int fd, const char *ns, const struct endpoint *e)
{
	char path[96], cur[8];
	int i, err;

	for (i = 0; i < e->naddrs && e->addrs[i].family != AF_INET6; i++)
		;
	if (i == e->naddrs)
		return 0;
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", e->sysname);
	if (netns_sysctl(fd, path, NULL, cur, sizeof(cur)) < 0 || strcmp(cur, "1"))
		return 0;
	if ((err = step(u, "enable IPv6 on %s:%s", ns, e->sysname)))
		return err;
	if ((err = netns_sysctl(fd, path, "0", NULL, 0)) < 0)
		return err;
	u->changes++;
	return 0;
}

static int up_link(struct up *u, struct link *l)
{
	struct veth_end va, vb;
	char line[64];
	struct link_state br;
	struct nl *nla, *nlb;
	int fda, fdb, err;
	bool exists, bridged;

	if ((err = step(u, "create veth %s:%s -- %s:%s", topo_ns_name(u->t, l->a.ns),
			l->a.ifname, topo_ns_name(u->t, l->b.ns), l->b.ifname)))
		return err;
	nla = up_ns_nl(u, l->a.ns, &fda);
	nlb = up_ns_nl(u, l->b.ns, &fdb);
	if (!nla || !nlb)
		return -ENOENT;
	/* The pair is journaled by its host end when it has one, so that
	 * down deletes it even if a namespace outlives the lab. */
	if (l->a.ns == NS_HOST || l->b.ns != NS_HOST) {
		err = check_owned(u, nla, ns_sys(u->t, l->a.ns), l->a.sysname, &exists);
	} else {
		err = check_owned(u, nlb, "-", l->b.sysname, &exists);
	}
	if (err)
		return err;
	/* A pair whose other end is gone went with a namespace deleted
	 * behind nsfast's back (ip netns del), which may live on unseen
	 * while something still holds it: replace the pair. */
	if (exists) {
		struct link_state ls;
		int ea = nl_link_get(nla, l->a.sysname, &ls), eb = nl_link_get(nlb, l->b.sysname, &ls);

		if ((ea == -ENODEV) != (eb == -ENODEV)) {
			err = ea == -ENODEV ? nl_link_del(nlb, l->b.sysname) :
					      nl_link_del(nla, l->a.sysname);
			if ((err = kernel_err(u, err)))
				return err;
			exists = false;
		}
	}
	bridged = l->kind == LINK_SWITCH && u->t->sw[l->sw].dp == DP_KERNEL;
	if (bridged &&
	    (err = kernel_err(u, nl_link_get(&u->lab.root, u->t->sw[l->sw].ifname, &br))))
		return err;
	/* A bridge deleted by hand is made anew by up_switch, without the
	 * ports that were on it: put them back. */
	if (exists && bridged) {
		struct link_state port;

		if ((err = kernel_err(u, nl_link_get(nlb, l->b.sysname, &port))))
			return err;
		if (port.master != br.ifindex) {
			if ((err = kernel_err(u, nl_link_set_master(nlb, port.ifindex, br.ifindex))))
				return err;
			u->changes++;
		}
	}
	if (!exists) {
		fill_end(&va, &l->a, fda);
		fill_end(&vb, &l->b, fdb);
		if (bridged)
			vb.master = br.ifindex;
		/* Created from the host's socket, each end lands in its
		 * namespace already named: no rename, no move. The kernel
		 * applies IFLA_MASTER only to the main device of the request,
		 * so a switch port goes first. */
		if (l->b.ns == NS_HOST && l->a.ns != NS_HOST)
			snprintf(line, sizeof(line), "veth - %s", l->b.sysname);
		else
			snprintf(line, sizeof(line), "veth %s %s", ns_sys(u->t, l->a.ns),
				 l->a.sysname);
		if ((err = vb.master ? up_veth_add(u, &u->lab.root, &vb, &va, line) :
				       up_veth_add(u, &u->lab.root, &va, &vb, line)))
			return err;
		err = vb.master ? nl_link_set_up_name(nla, va.name) :
				  nl_link_set_up_name(nlb, vb.name);
		if ((err = kernel_err(u, err)))
			return err;
		if (l->kind == LINK_SWITCH && u->t->sw[l->sw].dp != DP_KERNEL &&
		    (err = up_port_quiet(u, l->b.sysname)))
			return err;
		if (l->kind == LINK_SWITCH)
			u->t->sw[l->sw].ports_new = true;
		for (int i = 0; l->kind == LINK_VETH && i < u->t->nsw; i++)
			if ((l->a.ns == NS_HOST && !strcmp(l->a.sysname, u->t->sw[i].uplink)) ||
			    (l->b.ns == NS_HOST && !strcmp(l->b.sysname, u->t->sw[i].uplink)))
				u->t->sw[i].ports_new = true;
	}
	if (exists && ((err = up_link_attrs(u, l, nla, nlb)) ||
		       (err = up_ipv6_on(u, fda, topo_ns_name(u->t, l->a.ns), &l->a)) ||
		       (err = up_ipv6_on(u, fdb, topo_ns_name(u->t, l->b.ns), &l->b))))
		return err;
	if ((err = add_addrs(u, nla, l->a.sysname, l->a.addrs, l->a.naddrs)))
		return err;
	if (l->kind == LINK_SWITCH && u->t->sw[l->sw].dp == DP_XDP &&
	    (err = up_port_fast(u, fda, ns_sys(u->t, l->a.ns), l->a.sysname)))
		return err;
	if (l->kind == LINK_SWITCH && u->t->sw[l->sw].dp == DP_TC &&
	    (err = up_port_slow(u, &u->t->sw[l->sw], l->slow, l->a.mtu)))
		return err;
	return add_addrs(u, nlb, l->b.sysname, l->b.addrs, l->b.naddrs);
}

/* The host's own connections take source ports from its local range:
 * NAT ports inside it would collide with them on the uplink address. */
static bool local_ports_overlap(const struct topo *t, const struct sw *sw)
{
	unsigned int lo, hi;
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	bool bad;

	if (!f)
		return false;
	bad = fscanf(f, "%u %u", &lo, &hi) == 2 && sw->nat_port_min <= hi && lo <= sw->nat_port_max;
	fclose(f);
	if (bad)
		topo_error(t, sw->uplink_line,
			   "snat ports %u-%u overlap the host's local port range %u-%u (net.ipv4.ip_local_port_range), expected ports outside it",
			   sw->nat_port_min, sw->nat_port_max, lo, hi);
	return bad;
}

/* A switch daemon sizes its frames, programs and routes by its ports'
 * and uplink's MTUs when it starts, and an XDP program limits what a
 * veth takes: such a link keeps its MTU while the switch runs. One whose
 * pair is gone (a namespace deleted by hand) is made anew at the file's
 * MTU, and the daemon restarted. */
static int preflight_mtus(struct up *u)
{
	for (int i = 0; i < u->t->nlinks; i++) {
		const struct link *l = &u->t->links[i];
		const char *end;
		const struct sw *sw = link_daemon_switch(u, l, &end);
		struct link_state ls;

		if (!sw || nl_link_get(&u->lab.root, end, &ls) || ls.mtu == link_mtu(l))
			continue;
		topo_error(u->t, l->line,
			   "%s has MTU %d and the file says %d, but the MTU of a %s of running %s switch '%s' does not change under it, expected 'nsfast down' first",
			   end, ls.mtu, link_mtu(l), l->kind == LINK_SWITCH ? "port" : "link to the uplink",
			   dataplane_name(sw->dp), sw->name);
		return -EBUSY;
	}
	return 0;
}

/* Refuse before changing anything: what needs to exist. */
static int preflight(struct up *u)
{
	struct link_state ls;
	int i, j;

	if ((i = preflight_mtus(u)) || (i = up_preflight_addrs(u)) || (i = up_preflight_moves(u)))
		return i;
	for (i = 0; i < u->t->nsw; i++) {
		struct sw *sw = &u->t->sw[i];
		bool ours = false;

		if (!sw->uplink[0])
			continue;
		if (local_ports_overlap(u->t, sw))
			return -EADDRINUSE;
		for (j = 0; j < u->t->nlinks; j++) {
			const struct link *l = &u->t->links[j];

			ours |= l->kind == LINK_VETH &&
				((l->a.ns == NS_HOST && !strcmp(l->a.sysname, sw->uplink)) ||
				 (l->b.ns == NS_HOST && !strcmp(l->b.sysname, sw->uplink)));
		}
		if (!ours && nl_link_get(&u->lab.root, sw->uplink, &ls)) {
			topo_error(u->t, sw->uplink_line,
				   "uplink '%s' does not exist in the host namespace", sw->uplink);
			return -ENODEV;
		}
		/* Other kinds have their own limits: the daemon's attach says. */
		if (!ours && dataplane_xdp_on_uplink(sw->dp) && !strcmp(ls.kind, "veth") &&
		    ls.mtu > XDP_MTU_MAX) {
			topo_error(u->t, sw->uplink_line,
				   "uplink '%s' has MTU %d, above %d, the largest a veth takes with the %s switch's XDP program, expected 'ip link set %s mtu %d' first, or dataplane tc",
				   sw->uplink, ls.mtu, XDP_MTU_MAX, dataplane_name(sw->dp), sw->uplink,
				   XDP_MTU_MAX);
			return -ERANGE;
		}
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
	for (i = 0; !err && i < t->nroutes; i++) {
		u->line = t->routes[i].line;
		err = up_route(u, &t->routes[i]);
	}
	for (i = 0; !err && i < t->nsw; i++) {
		u->line = t->sw[i].line;
		if (t->sw[i].dp != DP_KERNEL)
			err = up_daemon(u, &t->sw[i]);
	}
	for (i = 0; !err && i < t->nsw; i++) {
		u->line = t->sw[i].uplink_line;
		if (t->sw[i].snat && t->sw[i].dp == DP_KERNEL)
			err = up_snat_kernel(u, &t->sw[i]);
	}
	if (!err)
		u->line = 0;
	return err;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int lab_up(struct topo *t)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct up u = { .t = t };
	const char *fault = getenv("NSFAST_FAULT_STEP");
	const char *delay = getenv("NSFAST_STEP_DELAY_MS");
	double t0 = now_ms();
	int err, undone, kept;

	/* before the state under /run/nsfast, which is root's */
	if (geteuid() != 0) {
		fprintf(stderr, "nsfast: up needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN)\n");
		return -EPERM;
	}
	if (fault)
		u.fault_step = atoi(fault);
	if (delay)
		u.delay_ms = atoi(delay);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	err = lab_open(&u.lab, t->lab, true);
	if (err) {
		if (err == -EBUSY)
			fprintf(stderr, "nsfast: lab '%s' is busy: another nsfast up or down holds %s/%s/lock\n",
				t->lab, STATE_ROOT, t->lab);
		else
			fprintf(stderr, "nsfast: cannot open the state of lab '%s' under %s: %s\n",
				t->lab, STATE_ROOT, strerror(-err));
		return err;
	}
	err = preflight(&u);
	if (err)
		goto out;
	err = converge(&u);
	/* A signal during the last step is seen here, not after "is up". */
	if (!err)
		err = step(&u, "finish lab %s", t->lab);
	if (!err)
		step_done(&u);
	if (err) {
		char where[300];

		if (u.line)
			snprintf(where, sizeof(where), "%s:%d", t->file, u.line);
		else
			snprintf(where, sizeof(where), "%s", t->file);
		if (u.detail_is_cause)
			fprintf(stderr, "nsfast: %s: %s: %s\n", where, u.what, u.detail);
		else
			fprintf(stderr, "nsfast: %s: %s: %s%s%s\n", where, u.what,
				strerror(-err), u.detail[0] ? ": " : "", u.detail);
		undone = lab_undo_from(&u.lab, u.lab.st.nold, false, &kept);
		state_truncate(&u.lab.st, kept);
		if (undone)
			fprintf(stderr, "nsfast: rolled back lab '%s': removed the %d object%s this run had created\n",
				t->lab, undone, undone == 1 ? "" : "s");
		else if (kept == u.lab.st.nold)
			fprintf(stderr, "nsfast: lab '%s' is as it was: this run had created nothing\n",
				t->lab);
		if (kept > u.lab.st.nold)
			fprintf(stderr, "nsfast: lab '%s': %d could not be removed; their lines stay in %s/journal for 'nsfast down'\n",
				t->lab, kept - u.lab.st.nold, u.lab.st.dir);
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
out:
	/* An empty journal means nothing of this lab exists any more. */
	if (u.lab.st.nlines == 0)
		state_destroy(&u.lab.st);
	lab_close(&u.lab);
	return err;
}
