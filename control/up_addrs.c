/* SPDX-License-Identifier: MIT */
/* Before up changes anything: the host addresses the file gives must not
 * be on another interface of the host already (another lab's bridge, the
 * machine's own): the kernel takes the same address twice, and the
 * second interface's subnet route then loses to the first's. Nor may
 * their subnets lie in one as specific or more on another interface, for
 * the same reason, nor overlap another lab's at all. */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "netns.h"
#include "nl.h"
#include "grow.h"
#include "state.h"
#include "up_steps.h"

struct host_addrs {
	struct addr_entry *v;
	int n, cap;
	struct route_entry *r; /* the host's routes */
	int nr, capr;
	char (*labs)[16]; /* every lab with a state directory */
	int nlabs;
};

/* Every one of them: a check that stopped at a fixed count (4096 once)
 * passed a lab whose subnet a route past it took. */
static int collect_route(const struct route_entry *r, void *data)
{
	struct host_addrs *h = data;

	if (grow((void **)&h->r, h->nr, &h->capr, sizeof(*h->r), 256))
		return -ENOMEM;
	h->r[h->nr++] = *r;
	h->r[h->nr - 1].multipath = NULL; /* the dump's, gone after it */
	return 0;
}

/* A route of the host's to a's subnet or to part of it (as specific or
 * more), through an interface not this lab's: another lab's `host`
 * route, say, which would take a's traffic. Says so, at line. */
static int route_clash(struct up *u, const struct host_addrs *h, const struct addr *a,
		       const char *ifname, int line)
{
	char name[IF_NAMESIZE] = "", s[ADDR_STRLEN], rs[ADDR_STRLEN], gs[ADDR_STRLEN];

	for (int i = 0; i < h->nr; i++) {
		const struct route_entry *r = &h->r[i];

		name[0] = '\0';
		if (!addr_routes_subnet(a) || r->dst.family != a->family || r->dst.plen < a->plen ||
		    !addr_overlap(&r->dst, a))
			continue;
		if (r->oif && if_indextoname((unsigned int)r->oif, name) &&
		    (!strcmp(name, ifname) || lab_named(u->t->lab, name)))
			continue;
		topo_error(u->t, line,
			   "subnet of %s for %s overlaps the host's route to %s%s%s%s%s, expected a disjoint subnet",
			   addr_fmt(a, s, sizeof(s)), ifname, addr_fmt(&r->dst, rs, sizeof(rs)),
			   r->has_gw ? " via " : "", r->has_gw ? addr_fmt_host(&r->gw, gs, sizeof(gs)) : "",
			   name[0] ? " dev " : "", name);
		return -EADDRINUSE;
	}
	return 0;
}

/* Is the interface name one of a lab's (LAB-...) other than self's? */
static bool other_lab_if(const struct host_addrs *h, const char *self, const char *name)
{
	for (int i = 0; i < h->nlabs; i++)
		if (strcmp(h->labs[i], self) && lab_named(h->labs[i], name))
			return true;
	return false;
}

static int collect(const struct addr_entry *e, void *data)
{
	struct host_addrs *h = data;

	if (grow((void **)&h->v, h->n, &h->cap, sizeof(*h->v), 256))
		return -ENOMEM;
	h->v[h->n++] = *e;
	return 0;
}

/* Is a (to be on ifname), or its subnet, on another interface? Says so,
 * at line. */
static int clash(struct up *u, const struct host_addrs *h, const struct addr *a,
		 const char *ifname, int line)
{
	char name[IF_NAMESIZE], s[ADDR_STRLEN], os[ADDR_STRLEN];

	for (int i = 0; i < h->n; i++) {
		const struct addr *o = &h->v[i].addr;
		bool same = addr_same_host(o, a);

		if (!same && (!addr_routes_subnet(a) || !addr_routes_subnet(o) || !addr_overlap(o, a)))
			continue;
		/* This lab's own interfaces: check has seen to them. */
		if (!if_indextoname((unsigned int)h->v[i].ifindex, name) || !strcmp(name, ifname) ||
		    lab_named(u->t->lab, name))
			continue;
		/* Another subnet as specific as a's or more takes (some of)
		 * a's traffic. A less specific one of the machine's loses to
		 * a's (a lab inside the machine's 10/8, say); another lab's
		 * would lose part of its own, and its next up be refused. */
		if (!same && o->plen < a->plen && !other_lab_if(h, u->t->lab, name))
			continue;
		if (same)
			topo_error(u->t, line,
				   "address %s for %s is already on %s in the host (another lab's, or the machine's), expected another address",
				   addr_fmt_host(a, s, sizeof(s)), ifname, name);
		else
			topo_error(u->t, line,
				   "subnet of %s for %s overlaps %s on %s in the host (another lab's, or the machine's), expected a disjoint subnet",
				   addr_fmt(a, s, sizeof(s)), ifname, addr_fmt(o, os, sizeof(os)), name);
		return -EADDRINUSE;
	}
	return route_clash(u, h, a, ifname, line);
}

int up_preflight_addrs(struct up *u)
{
	struct host_addrs h = { 0 };
	const struct topo *t = u->t;
	int i, k, err;

	if ((err = nl_addr_dump(&u->lab.root, collect, &h)) ||
	    (err = nl_route_dump(&u->lab.root, AF_INET, collect_route, &h)) ||
	    (kernel_has_ipv6() && (err = nl_route_dump(&u->lab.root, AF_INET6, collect_route, &h)))) {
		topo_error(u->t, 0, "reading the host's addresses and routes: %s", strerror(-err));
		goto out;
	}
	h.nlabs = state_labs(&h.labs);
	if (h.nlabs < 0) {
		err = h.nlabs;
		h.labs = NULL;
		topo_error(u->t, 0, "listing the labs in %s: %s", STATE_ROOT, strerror(-err));
		goto out;
	}
	for (i = 0; i < t->nsw; i++) {
		const struct sw *sw = &t->sw[i];

		/* kernel: the gateway is the bridge's; the others answer it
		 * themselves. */
		for (k = 0; sw->dp == DP_KERNEL && k < sw->ngateway; k++)
			if ((err = clash(u, &h, &sw->gateway[k], sw->ifname, sw->gateway_line[k])))
				goto out;
		for (k = 0; k < sw->nhost; k++)
			if ((err = clash(u, &h, &sw->host[k], sw->ifname, sw->host_line[k])))
				goto out;
	}
	for (i = 0; i < t->nlinks; i++) {
		const struct link *l = &t->links[i];
		const struct endpoint *e[2] = { &l->a, &l->b };

		for (int j = 0; j < 2; j++)
			for (k = 0; e[j]->ns == NS_HOST && k < e[j]->naddrs; k++)
				if ((err = clash(u, &h, &e[j]->addrs[k], e[j]->sysname, l->line)))
					goto out;
	}
out:
	free(h.labs);
	free(h.v);
	free(h.r);
	return err;
}
