/* SPDX-License-Identifier: MIT */
/* The checks of `route` lines: the device, the gateway as the kernel
 * will look it up, and one route per destination. */
#include <stdbool.h>
#include <string.h>

#include "topo.h"
#include "topo_vstate.h"

/* gw against address a of the namespace: *on when a's subnet holds it,
 * *own when it is a itself. */
static void gw_against(const struct addr *gw, const struct addr *a, bool *on, bool *own)
{
	if (!addr_in_subnet(gw, a))
		return;
	if (addr_same_host(gw, a))
		*own = true;
	else
		*on = true;
}

/* Is r's gateway on a subnet of r's namespace, of dev when the route
 * names one (the kernel looks the gateway up through that device only),
 * and none of its own addresses (*own: one is, which no route can go
 * through)? In the host, a switch's subnets count where the host has
 * an address on them: a `host` address, or a kernel switch's gateway,
 * which is its bridge's; an afxdp, xdp or tc switch's gateway is its
 * daemon's, not the host's. */
static bool gw_reachable(const struct topo *t, const struct route *r, const struct endpoint *dev,
			 bool *own)
{
	bool on = false;
	int i, k;

	*own = false;
	for (i = 0; i < t->nlinks; i++) {
		const struct link *l = &t->links[i];
		const struct endpoint *eps[2] = { &l->a, &l->b };

		for (int e = 0; e < 2; e++) {
			if (eps[e]->ns != r->ns)
				continue;
			for (k = 0; k < eps[e]->naddrs; k++) {
				bool here = false;

				gw_against(&r->gw, &eps[e]->addrs[k], &here, own);
				on = on || (here && (!dev || eps[e] == dev));
			}
		}
	}
	for (i = 0; r->ns == NS_HOST && i < t->nsw; i++) {
		const struct sw *sw = &t->sw[i];
		bool here = false;

		for (k = 0; sw->dp == DP_KERNEL && k < sw->ngateway; k++)
			gw_against(&r->gw, &sw->gateway[k], &here, own);
		for (k = 0; k < sw->nhost; k++)
			gw_against(&r->gw, &sw->host[k], &here, own);
		on = on || (here && !dev);
	}
	return on && !*own;
}

/* The interface a route names with dev (its name becomes the kernel's),
 * or NULL. */
static const struct endpoint *route_dev(const struct topo *t, struct route *r)
{
	int i;

	for (i = 0; i < t->nlinks; i++) {
		const struct link *l = &t->links[i];
		const struct endpoint *eps[2] = { &l->a, &l->b };

		/* A moved interface is in its namespace, not the host. */
		for (int e = 0; e < (l->kind == LINK_MOVE ? 1 : 2); e++) {
			if (eps[e]->ns == r->ns && !strcmp(eps[e]->ifname, r->dev)) {
				strcpy(r->dev, eps[e]->sysname);
				return eps[e];
			}
		}
	}
	return NULL;
}

static void check_gateway(struct vstate *v, const struct route *r, const struct endpoint *dev)
{
	const struct topo *t = v->t;
	char a[ADDR_STRLEN];
	bool own;

	addr_fmt_host(&r->gw, a, sizeof(a));
	/* Every IPv6 link has fe80::/64: such a gateway is reached through
	 * the device the route names, and only so. */
	if (addr_is_link_local6(&r->gw)) {
		if (!dev)
			verr(v, r->line, "route gateway %s is link-local, expected 'dev IF' with it",
			     a);
		return;
	}
	if (gw_reachable(t, r, dev, &own))
		return;
	if (own)
		verr(v, r->line, "route gateway %s is an address of %s%s itself, expected another host on its subnet",
		     a, r->ns == NS_HOST ? "the host" : "ns ", r->ns == NS_HOST ? "" : t->ns[r->ns].name);
	else if (dev)
		verr(v, r->line, "route gateway %s is not in a subnet of dev %s, expected a host on one of its subnets",
		     a, dev->ifname);
	else
		verr(v, r->line, "route gateway %s is not in the subnet of any interface of %s%s",
		     a, r->ns == NS_HOST ? "the host" : "ns ", r->ns == NS_HOST ? "" : t->ns[r->ns].name);
}

void check_routes(struct vstate *v)
{
	struct topo *t = v->t;
	char a[ADDR_STRLEN];
	int i, j;

	for (i = 0; i < t->nroutes; i++) {
		struct route *r = &t->routes[i];

		const struct endpoint *dev = r->dev[0] ? route_dev(t, r) : NULL;

		if (r->dev[0] && !dev) {
			verr(v, r->line, "route via unknown device '%s', expected an interface of %s%s",
			     r->dev, r->ns == NS_HOST ? "the host that this file makes, by its name in the file" : "ns ",
			     r->ns == NS_HOST ? "" : t->ns[r->ns].name);
			continue;
		}
		if (dev && r->dst.family == AF_INET6 && dev->mtu && dev->mtu < IPV6_MIN_MTU)
			verr(v, r->line, "IPv6 route to %s dev %s needs an mtu of %d or more, the link has %d",
			     addr_fmt(&r->dst, a, sizeof(a)), dev->ifname, IPV6_MIN_MTU, dev->mtu);
		if (r->has_gw)
			check_gateway(v, r, dev);
		for (j = 0; j < i; j++) {
			struct route *o = &t->routes[j];

			if (o->ns == r->ns && o->dst.plen == r->dst.plen &&
			    addr_overlap(&o->dst, &r->dst))
				verr(v, r->line, "route to %s already declared on line %d",
				     addr_fmt(&r->dst, a, sizeof(a)), o->line);
		}
	}
}
