/* SPDX-License-Identifier: MIT */
/* What the file no longer has goes, in two steps of nsfast up. First,
 * before the others, the journal's objects that the file no longer
 * names: a namespace, an interface, a moved interface, a switch's
 * daemon, table, claim (a new pair that keeps one end's name, or a
 * switch renamed with its uplink, would find the old one in the way).
 * Last, once the rest is up, the journal's objects that no step found
 * again, and, in what stays, the addresses and routes up made that the
 * file no longer gives. nsfast journals neither (they go with their
 * interface or namespace), so it tells its own by a mark the kernel
 * keeps: an address it added has IFA_PROTO NSFAST_ADDR_PROTO, a
 * namespace's route it added is RTPROT_STATIC. One added by hand ('ip
 * addr add', 'ip route add': no protocol, and boot) has neither, and
 * stays. */
#include <errno.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "log.h"
#include "netns.h"
#include "up_steps.h"

/* What a dump found to remove, removed once the dump is over. */
struct gone {
	int ifindex;
	struct addr a, gw;
	bool has_gw;
};

struct scan {
	struct up *u;
	const char *ns; /* "-": the host */
	int nsi; /* its index in the file, or NS_HOST */
	struct gone *v;
	int n, cap;
	bool lost; /* no memory for one: the scan is incomplete */
};

static void scan_push(struct scan *s, const struct gone *g)
{
	if (grow((void **)&s->v, s->n, &s->cap, sizeof(*s->v), 16)) {
		s->lost = true;
		return;
	}
	s->v[s->n++] = *g;
}

static bool addr_wanted(const struct up *u, const char *ns, int ifindex, const struct addr *a)
{
	/* The kernel tells IPv4 addresses apart by prefix length too (one
	 * of another length is another address), IPv6 ones by the address
	 * alone (add_addrs changes its length). */
	for (int i = 0; i < u->nwants; i++)
		if (u->wants[i].ifindex == ifindex && addr_same_host(&u->wants[i].a, a) &&
		    (a->family == AF_INET6 || u->wants[i].a.plen == a->plen) &&
		    !strcmp(u->wants[i].ns, ns))
			return true;
	return false;
}

static int addr_seen(const struct addr_entry *e, void *data)
{
	struct scan *s = data;
	char name[IF_NAMESIZE];

	if (e->proto != NSFAST_ADDR_PROTO || addr_wanted(s->u, s->ns, e->ifindex, &e->addr))
		return 0;
	/* In the host, only this lab's interfaces: another lab's addresses
	 * carry the same mark. */
	if (s->nsi == NS_HOST && (!if_indextoname((unsigned int)e->ifindex, name) ||
				  !lab_named(s->u->t->lab, name)))
		return 0;
	scan_push(s, &(struct gone){ .ifindex = e->ifindex, .a = e->addr });
	return 0;
}

static int route_seen(const struct route_entry *r, void *data)
{
	struct scan *s = data;
	const struct topo *t = s->u->t;

	if (r->protocol != RTPROT_STATIC || r->multipath)
		return 0;
	for (int i = 0; i < t->nroutes; i++)
		if (t->routes[i].ns == s->nsi && t->routes[i].dst.family == r->dst.family &&
		    t->routes[i].dst.plen == r->dst.plen && addr_overlap(&t->routes[i].dst, &r->dst))
			return 0;
	scan_push(s, &(struct gone){ .ifindex = r->oif, .a = r->dst, .gw = r->gw,
				     .has_gw = r->has_gw });
	return 0;
}

struct name_of {
	int ifindex;
	char name[IF_NAMESIZE];
};

static int name_seen(const struct link_state *ls, void *data)
{
	struct name_of *n = data;

	if (ls->ifindex == n->ifindex)
		snprintf(n->name, sizeof(n->name), "%s", ls->name);
	return 0;
}

/* Deleting a primary IPv4 address deletes the secondaries of its
 * subnet with it (the file's new one among them, added as a secondary
 * before this step, or one added by hand) unless they are promoted. */
static int del_addr(struct nl *nl, int fd, const char *ifname, const struct gone *g)
{
	char path[96];
	int err;

	if (g->a.family == AF_INET) {
		snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/promote_secondaries",
			 ifname);
		if ((err = netns_sysctl(fd, path, "1", NULL, 0)) < 0)
			return err;
	}
	return nl_addr_del(nl, g->ifindex, &g->a);
}

/* What goes of s's namespace (fd, -1 for the host): its addresses, or
 * its routes, removed and said. The number removed. */
static int scan_remove(struct scan *s, struct nl *nl, int fd, bool routes)
{
	char a[ADDR_STRLEN], gw[ADDR_STRLEN + 8] = "", what[2 * ADDR_STRLEN + 80];
	int n = 0, err;

	for (int i = 0; i < s->n; i++) {
		const struct gone *g = &s->v[i];
		struct name_of name = { g->ifindex, "?" };

		nl_errmsg[0] = '\0';
		gw[0] = '\0';
		if (routes) {
			if (g->has_gw)
				addr_fmt_host(&g->gw, stpcpy(gw, " via "), sizeof(gw) - 5);
			snprintf(what, sizeof(what), "route %s%s in %s",
				 g->a.plen ? addr_fmt(&g->a, a, sizeof(a)) : "default", gw,
				 topo_ns_name(s->u->t, s->nsi));
			err = nl_route_del(nl, &g->a, g->has_gw ? &g->gw : NULL, g->ifindex);
		} else {
			nl_link_dump(nl, name_seen, &name);
			snprintf(what, sizeof(what), "address %s on %s:%s",
				 addr_fmt(&g->a, a, sizeof(a)), topo_ns_name(s->u->t, s->nsi),
				 name.name);
			err = del_addr(nl, fd, name.name, g);
		}
		/* Gone meanwhile (a route with its address): as removed. */
		if (err == -ESRCH || err == -EADDRNOTAVAIL || err == -ENODEV)
			err = 0;
		if (err) {
			pr_warn("nsfast: lab '%s': could not remove %s, which the file no longer has: %s%s%s\n",
				s->u->t->lab, what, strerror(-err), nl_errmsg[0] ? ": " : "", nl_errmsg);
			s->u->pruned_failed++;
			continue;
		}
		pr_info("lab %s: removed what the file no longer has: %s\n", s->u->t->lab, what);
		n++;
	}
	s->n = 0;
	return n;
}

/* One dump of s's namespace, its addresses (family 0) or its routes of
 * family, then the removal of what it found. */
static int scan_dump(struct scan *s, struct nl *nl, int fd, int family)
{
	int err = family ? nl_route_dump(nl, family, route_seen, s) : nl_addr_dump(nl, addr_seen, s);
	int n;

	if (err)
		return err;
	if (s->lost)
		return -ENOMEM;
	n = scan_remove(s, nl, fd, family != 0);
	s->u->changes += n;
	s->u->pruned += n;
	return 0;
}

/* Namespace nsi's (or the host's) addresses, then routes (a namespace's
 * only: the host's are journaled), that the file no longer gives. */
static int prune_in(struct up *u, int nsi)
{
	struct scan s = { .u = u, .ns = ns_sys(u->t, nsi), .nsi = nsi };
	int fd, err = 0;
	struct nl *nl = up_ns_nl(u, nsi, &fd);

	if (!nl)
		return lab_nl_err();
	if (!u->wants_lost)
		err = scan_dump(&s, nl, fd, 0);
	if (!err && nsi != NS_HOST)
		err = scan_dump(&s, nl, fd, AF_INET);
	if (!err && nsi != NS_HOST)
		err = scan_dump(&s, nl, fd, AF_INET6);
	free(s.v);
	return err;
}

/* Is (ns, ifname) an interface the file makes, by its journal name
 * ("-" for the host)? */
static bool file_makes(const struct topo *t, const char *ns, const char *ifname)
{
	const char *host[7];

	for (int i = 0; i < t->nlinks; i++) {
		const struct link *l = &t->links[i];

		if (l->kind == LINK_MOVE)
			continue;
		if ((!strcmp(ns, ns_sys(t, l->a.ns)) && !strcmp(ifname, l->a.sysname)) ||
		    (!strcmp(ns, ns_sys(t, l->b.ns)) && !strcmp(ifname, l->b.sysname)) ||
		    (!strcmp(ns, "-") && (!strcmp(ifname, l->slow[0]) || !strcmp(ifname, l->slow[1]))))
			return true;
	}
	if (strcmp(ns, "-"))
		return false;
	for (int i = 0; i < t->nsw; i++) {
		const struct sw *sw = &t->sw[i];

		host[0] = sw->ifname, host[1] = sw->hostport;
		host[2] = sw->hostslow[0], host[3] = sw->hostslow[1];
		host[4] = sw->upslow[0], host[5] = sw->upslow[1], host[6] = NULL;
		for (int j = 0; host[j]; j++)
			if (host[j][0] && !strcmp(ifname, host[j]))
				return true;
	}
	return false;
}

static const struct sw *file_switch(const struct topo *t, const char *name)
{
	for (int i = 0; i < t->nsw; i++)
		if (!strcmp(t->sw[i].name, name))
			return &t->sw[i];
	return NULL;
}

/* Does the file no longer name what journal line i made? Only kinds
 * told by name; the rest waits for the last step. */
static bool named_no_more(const struct lab *lab, int i, void *arg)
{
	const struct topo *t = arg;
	const char *line = lab->st.lines[i];
	char a[64], b[64], table[96];
	const struct sw *sw;
	int n = sscanf(line, "%*s %63s %63s", a, b);

	if (!strncmp(line, "ns ", 3) && n == 1) {
		for (int j = 0; j < t->nns; j++)
			if (!strcmp(t->ns[j].sysname, a))
				return false;
		return true;
	}
	if (!strncmp(line, "veth ", 5) && n == 2)
		return !file_makes(t, a, b);
	if (!strncmp(line, "link ", 5) && n == 1)
		return !file_makes(t, "-", a);
	if (!strncmp(line, "move ", 5) && n == 2) {
		for (int j = 0; j < t->nlinks; j++)
			if (t->links[j].kind == LINK_MOVE && !strcmp(t->links[j].a.sysname, a) &&
			    !strcmp(ns_sys(t, t->links[j].a.ns), b))
				return false;
		return true;
	}
	if (!strncmp(line, "daemon ", 7) && n == 2)
		return !(sw = file_switch(t, a)) || sw->dp == DP_KERNEL;
	if (!strncmp(line, "switch ", 7) && n == 2)
		return !file_switch(t, a);
	if (!strncmp(line, "nft ", 4) && n == 1) {
		for (int j = 0; j < t->nsw; j++) {
			snprintf(table, sizeof(table), "nsfast-%s-%s", t->lab, t->sw[j].name);
			if (up_switch_table_wanted(&t->sw[j]) && !strcmp(table, a))
				return false;
		}
		return true;
	}
	if (!strncmp(line, "uplink ", 7) && n == 1) {
		for (int j = 0; j < t->nsw; j++)
			if (t->sw[j].snat && !strcmp(t->sw[j].uplink, a))
				return false;
		return true;
	}
	return false;
}

static bool not_seen(const struct lab *lab, int i, void *arg)
{
	(void)arg;
	return !state_was_seen(&lab->st, i);
}

int up_prune_named(struct up *u)
{
	int err;

	u->had = u->lab.st.nold > 0;
	if (!u->had)
		return 0;
	if ((err = step(u, "remove what the file no longer names")))
		return err;
	err = lab_prune(&u->lab, named_no_more, u->t, &u->pruned_failed);
	if (err < 0)
		return err;
	u->changes += err;
	u->pruned += err;
	return 0;
}

int up_prune(struct up *u)
{
	int err, n;

	/* A lab that had nothing before this run has nothing stale. */
	if (!u->had)
		return 0;
	if ((err = step(u, "remove what else the file no longer has")))
		return err;
	n = lab_prune(&u->lab, not_seen, NULL, &u->pruned_failed);
	if (n < 0)
		return n;
	u->changes += n;
	u->pruned += n;
	/* A route the file still has may have gone with what went (a
	 * device it used, found by the route step before): again. */
	if (n && (err = up_routes(u)))
		return err;
	u->line = 0;
	if ((err = prune_in(u, NS_HOST)))
		return err;
	for (int i = 0; i < u->t->nns; i++)
		if (netns_exists(u->t->ns[i].sysname) && (err = prune_in(u, i)))
			return err;
	return 0;
}
