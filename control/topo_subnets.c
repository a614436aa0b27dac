/* SPDX-License-Identifier: MIT */
/* The subnet rule of check: two interfaces of one namespace (or of the
 * host) on overlapping subnets, which the kernel would route through one
 * of them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo.h"
#include "topo_vstate.h"

/* An address that a namespace's kernel (or the host's) will hold, on
 * interface ifname as written (a switch's name if sw), whose kernel name
 * is key; net: its subnet. */
struct held {
	const struct addr *a;
	struct addr net;
	int ns, line;
	const char *ifname, *key;
	bool sw;
};

/* By namespace, family, then subnet: a subnet that holds another comes
 * first (a shorter prefix of the same start sorts before). */
static int held_cmp(const void *x, const void *y)
{
	const struct held *a = x, *b = y;
	int c;

	if (a->ns != b->ns)
		return a->ns < b->ns ? -1 : 1;
	if (a->net.family != b->net.family)
		return a->net.family < b->net.family ? -1 : 1;
	if ((c = memcmp(a->net.bytes, b->net.bytes, (size_t)addr_len(a->net.family))))
		return c;
	if (a->net.plen != b->net.plen)
		return a->net.plen < b->net.plen ? -1 : 1;
	return a->line - b->line;
}

static void held_add(struct held *h, int *n, const struct addr *a, int ns, int line,
		     const char *ifname, const char *key, bool sw)
{
	/* Only subnets a route goes to (not /32, /128, IPv6 link-local). */
	if (!addr_routes_subnet(a))
		return;
	h[*n] = (struct held){ a, { 0 }, ns, line, ifname, key, sw };
	addr_network(a, &h[*n].net);
	(*n)++;
}

static void held_overlap(struct vstate *v, const struct held *a, const struct held *b)
{
	char x[ADDR_STRLEN], y[ADDR_STRLEN];
	int ns = a->ns;

	if (a->line < b->line) { /* said at the later line */
		const struct held *c = a;

		a = b;
		b = c;
	}
	verr(v, a->line, "subnet of %s on %s%s%s overlaps %s on %s%s%s (line %d) in %s%s%s: the kernel would route both through one interface, expected disjoint subnets",
	     addr_fmt(a->a, x, sizeof(x)), a->sw ? "switch '" : "", a->ifname, a->sw ? "'" : "",
	     addr_fmt(b->a, y, sizeof(y)), b->sw ? "switch '" : "", b->ifname, b->sw ? "'" : "",
	     b->line, ns == NS_HOST ? "the host" : "ns '", ns == NS_HOST ? "" : v->t->ns[ns].name,
	     ns == NS_HOST ? "" : "'");
}

/* In one namespace, two interfaces on overlapping subnets: the kernel
 * sends the whole of the shorter (or the first, if equal) through one of
 * them, and what is on the other is unreachable. And the two ends of a
 * veth with one address. Sorted, then swept with the stack of subnets
 * that hold the one at hand (two subnets overlap only when one holds
 * the other): n log n, for files of thousands of addresses. */
void check_held_subnets(struct vstate *v)
{
	struct topo *t = v->t;
	char x[ADDR_STRLEN];
	int n = 0, max = 0, depth = 0, i, j, k;
	struct held *h;
	int *stack;

	for (i = 0; i < t->nsw; i++)
		max += t->sw[i].ngateway + t->sw[i].nhost;
	for (i = 0; i < t->nlinks; i++)
		max += t->links[i].a.naddrs + t->links[i].b.naddrs;
	if (!max)
		return;
	h = calloc((size_t)max, sizeof(*h));
	stack = calloc((size_t)max, sizeof(*stack));
	if (!h || !stack) {
		verr(v, 0, "out of memory checking the subnets of the namespaces");
		goto out;
	}
	for (i = 0; i < t->nsw; i++) {
		const struct sw *sw = &t->sw[i];

		/* kernel: the gateway is the bridge's; the others answer it
		 * themselves. */
		for (k = 0; sw->dp == DP_KERNEL && k < sw->ngateway; k++)
			held_add(h, &n, &sw->gateway[k], NS_HOST, sw->gateway_line[k], sw->name, sw->ifname,
				 true);
		for (k = 0; k < sw->nhost; k++)
			held_add(h, &n, &sw->host[k], NS_HOST, sw->host_line[k], sw->name, sw->ifname,
				 true);
	}
	for (i = 0; i < t->nlinks; i++) {
		const struct link *l = &t->links[i];

		for (k = 0; k < l->a.naddrs; k++)
			held_add(h, &n, &l->a.addrs[k], l->a.ns, l->line, l->a.ifname, l->a.sysname,
				 false);
		/* A switch port's own end holds no address. */
		for (k = 0; l->kind == LINK_VETH && k < l->b.naddrs; k++)
			held_add(h, &n, &l->b.addrs[k], l->b.ns, l->line, l->b.ifname, l->b.sysname,
				 false);
		for (k = 0; l->kind == LINK_VETH && k < l->a.naddrs; k++)
			for (j = 0; j < l->b.naddrs; j++)
				if (addr_same_host(&l->a.addrs[k], &l->b.addrs[j]))
					verr(v, l->line, "address %s is on both ends of the veth, expected one address for each end",
					     addr_fmt_host(&l->b.addrs[j], x, sizeof(x)));
	}
	qsort(h, (size_t)n, sizeof(*h), held_cmp);
	for (i = 0; i < n; i++) {
		while (depth && (h[stack[depth - 1]].ns != h[i].ns ||
				 !addr_in_subnet(&h[i].net, &h[stack[depth - 1]].net)))
			depth--;
		/* Every subnet on the stack holds this one: the nearest on
		 * another interface is the one to name. */
		for (j = depth - 1; j >= 0 && !strcmp(h[stack[j]].key, h[i].key); j--)
			;
		if (j >= 0)
			held_overlap(v, &h[i], &h[stack[j]]);
		stack[depth++] = i;
	}
out:
	free(stack);
	free(h);
}
