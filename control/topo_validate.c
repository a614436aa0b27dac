/* SPDX-License-Identifier: MIT */
/* Semantic checks after parsing, and the names nsfast will give to what
 * it creates in the host namespace (all prefixed "LAB-"). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo.h"
#include "topo_vstate.h"



/* Names in the host namespace must fit IFNAMSIZ; say where they come from. */
static void gen_name(struct vstate *v, int line, char *dst, const char *what,
		     const char *a, const char *b, const char *made_of)
{
	char buf[64];

	if (b)
		snprintf(buf, sizeof(buf), "%s-%s-%s", v->t->lab, a, b);
	else
		snprintf(buf, sizeof(buf), "%s-%s", v->t->lab, a);
	if (strlen(buf) > NAME_MAX_LEN) {
		verr(v, line, "%s name '%s' is %zu characters, the kernel allows at most 15: shorten the %s",
		     what, buf, strlen(buf), made_of);
		buf[NAME_MAX_LEN] = '\0';
	}
	strcpy(dst, buf);
}

/* dataplane tc: a port's slow-path pair, "LAB--<id>s" (near end) and
 * "LAB--<id>x" (the AF_XDP socket's end). No name in a file starts with
 * '-', so these never collide with the names of gen_name. */
static void gen_slow_names(struct vstate *v, int line, char dst[2][IFNAMSIZ], const char *id)
{
	char buf[64];
	int i;

	for (i = 0; i < 2; i++) {
		snprintf(buf, sizeof(buf), "%s--%s%c", v->t->lab, id, i ? 'x' : 's');
		if (strlen(buf) > NAME_MAX_LEN) {
			verr(v, line, "slow-path interface name '%s' is %zu characters, the kernel allows at most 15: shorten the lab name",
			     buf, strlen(buf));
			buf[NAME_MAX_LEN] = '\0';
		}
		strcpy(dst[i], buf);
	}
}

/* An id of a slow-path pair: 4 characters from a hash of a name (a
 * port's host end, or a switch's), so that a link or a switch added
 * before it in the file renames no pair of a running lab (an index did,
 * and the old pairs stayed, unused, or clashed with the new ones). A
 * switch's host port and uplink ids are 'h' and 'u' and 3 characters;
 * a port's never start with either. One an earlier pair of the same
 * kind has (among t's first nlinks links, nsw switches) takes the next
 * hash. */
static void slow_id(const struct topo *t, char kind, const char *name, int nlinks, int nsw,
		    char id[5])
{
	static const char abc[] = "0123456789abcdefgijklmnopqrstvwxyz";
	size_t off = strlen(t->lab) + 2; /* past "LAB--" */
	uint32_t h = 2166136261u; /* FNV-1a */
	bool taken;

	for (const char *c = name; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	for (;; h++) {
		uint32_t x = h;
		int k = 0;

		if (kind)
			id[k++] = kind;
		for (; k < 4; k++, x /= sizeof(abc) - 1)
			id[k] = abc[x % (sizeof(abc) - 1)];
		id[4] = '\0';
		taken = false;
		for (int j = 0; j < nlinks && !taken; j++)
			taken = t->links[j].slow[0][0] && !strncmp(t->links[j].slow[0] + off, id, 4);
		for (int j = 0; j < nsw && !taken; j++)
			taken = (t->sw[j].hostslow[0][0] && !strncmp(t->sw[j].hostslow[0] + off, id, 4)) ||
				(t->sw[j].upslow[0][0] && !strncmp(t->sw[j].upslow[0] + off, id, 4));
		if (!taken)
			return;
	}
}

static void check_duplicates(struct vstate *v)
{
	struct topo *t = v->t;
	int i, j;

	for (i = 0; i < t->nns; i++)
		for (j = 0; j < i; j++)
			if (!strcmp(t->ns[i].name, t->ns[j].name))
				verr(v, t->ns[i].line, "namespace '%s' already declared on line %d",
				     t->ns[i].name, t->ns[j].line);
	for (i = 0; i < t->nsw; i++)
		for (j = 0; j < i; j++)
			if (!strcmp(t->sw[i].name, t->sw[j].name))
				verr(v, t->sw[i].line, "switch '%s' already declared on line %d",
				     t->sw[i].name, t->sw[j].line);
}

/* A second switch of an earlier one's name: said once, by
 * check_duplicates, and links resolve to the first. */
static bool sw_redeclared(const struct topo *t, int i)
{
	for (int j = 0; j < i; j++)
		if (!strcmp(t->sw[i].name, t->sw[j].name))
			return true;
	return false;
}

static int resolve_ns(struct vstate *v, struct endpoint *ep, int line)
{
	if (!strcmp(ep->nsname, "host")) {
		ep->ns = NS_HOST;
		return 0;
	}
	ep->ns = topo_find_ns(v->t, ep->nsname);
	if (ep->ns < 0) {
		verr(v, line, "unknown namespace '%s' in veth, declare it with 'ns %s'",
		     ep->nsname, ep->nsname);
		return -ENOENT;
	}
	return 0;
}

static void resolve_links(struct vstate *v)
{
	struct topo *t = v->t;
	int i;

	for (i = 0; i < t->nlinks; i++) {
		struct link *l = &t->links[i];

		if (l->kind == LINK_SWITCH) {
			l->sw = topo_find_sw(t, l->swname);
			if (l->sw < 0) {
				verr(v, l->line, "link to undeclared switch '%s', expected one declared with 'switch %s'",
				     l->swname, l->swname);
				continue;
			}
			strcpy(l->a.sysname, l->a.ifname);
			l->b.mtu = l->a.mtu; /* both ends of a port, or frames drop */
			gen_name(v, l->line, l->b.sysname, "switch port", l->a.nsname, l->a.ifname,
				 "lab, namespace or interface name");
			strcpy(l->b.ifname, l->b.sysname);
			if (t->sw[l->sw].dp == DP_TC) {
				char id[5];

				slow_id(t, 0, l->b.sysname, i, 0, id);
				gen_slow_names(v, l->line, l->slow, id);
			}
			continue;
		}
		if (l->kind == LINK_MOVE) {
			/* Its name is its own, in the host and in the namespace. */
			strcpy(l->a.sysname, l->a.ifname);
			strcpy(l->b.sysname, l->b.ifname);
			if (lab_named(t->lab, l->b.ifname))
				verr(v, l->line, "move of '%s': named like an interface lab '%s' makes, expected an interface of the host's own",
				     l->b.ifname, t->lab);
			continue;
		}
		if (resolve_ns(v, &l->a, l->line) || resolve_ns(v, &l->b, l->line))
			continue;
		if (l->a.ns == NS_HOST && l->b.ns == NS_HOST)
			verr(v, l->line, "veth with both ends in the host, expected at least one namespace");
		if (l->a.mtu && l->b.mtu && l->a.mtu != l->b.mtu)
			verr(v, l->line, "veth ends have different mtu (%d and %d)", l->a.mtu,
			     l->b.mtu);
		if (!l->a.mtu)
			l->a.mtu = l->b.mtu;
		if (!l->b.mtu)
			l->b.mtu = l->a.mtu;
		if (l->a.ns == NS_HOST)
			gen_name(v, l->line, l->a.sysname, "host interface", l->a.ifname, NULL,
				 "lab or interface name");
		else
			strcpy(l->a.sysname, l->a.ifname);
		if (l->b.ns == NS_HOST)
			gen_name(v, l->line, l->b.sysname, "host interface", l->b.ifname, NULL,
				 "lab or interface name");
		else
			strcpy(l->b.sysname, l->b.ifname);
	}
}

/* Every kernel name in one namespace must be unique, the host included. */
static void check_ifnames(struct vstate *v)
{
	struct topo *t = v->t;
	int i, j, x, y;

	for (i = 0; i < t->nlinks; i++) {
		for (x = 0; x < 2; x++) {
			struct endpoint *e = x ? &t->links[i].b : &t->links[i].a;

			bool said = false;

			for (j = 0; j <= i && !said; j++) {
				bool moves = t->links[i].kind == LINK_MOVE && t->links[j].kind == LINK_MOVE;

				for (y = 0; y < (j == i ? x : 2) && !said; y++) {
					struct endpoint *f = y ? &t->links[j].b : &t->links[j].a;

					if (e->ns != f->ns || strcmp(e->sysname, f->sysname))
						continue;
					/* One interface moved twice: said once, by
					 * its host end. */
					if (moves && !x)
						continue;
					said = true;
					if (moves)
						verr(v, t->links[i].line, "interface '%s' is moved already on line %d",
						     e->ifname, t->links[j].line);
					else
						verr(v, t->links[i].line,
						     "interface '%s' in %s '%s' already declared on line %d",
						     e->ifname, e->ns == NS_HOST ? "the" : "ns",
						     topo_ns_name(t, e->ns), t->links[j].line);
				}
			}
			if (e->ns != NS_HOST)
				continue;
			for (j = 0; j < t->nsw; j++) {
				if (!strcmp(e->sysname, t->sw[j].ifname))
					verr(v, t->links[i].line,
					     "interface name '%s' is also the name of switch '%s' (line %d)",
					     e->sysname, t->sw[j].name, t->sw[j].line);
				if (t->sw[j].hostport[0] && !strcmp(e->sysname, t->sw[j].hostport))
					verr(v, t->links[i].line,
					     "interface name '%s' is also the host port of switch '%s' (line %d)",
					     e->sysname, t->sw[j].name, t->sw[j].line);
			}
		}
	}
	/* A host port is LAB-SW-p: switch "SW-p" would be named the same. */
	for (i = 0; i < t->nsw; i++)
		for (j = 0; t->sw[i].hostport[0] && j < t->nsw; j++)
			if (!strcmp(t->sw[i].hostport, t->sw[j].ifname))
				verr(v, t->sw[j].line,
				     "switch '%s' is named like the host port of switch '%s' (line %d), '%s'",
				     t->sw[j].name, t->sw[i].name, t->sw[i].line, t->sw[i].hostport);
}

/* Addresses attached to a switch: its gateway/host addresses and those of
 * the namespace ends of its links. Subnets on one switch must be equal
 * or disjoint, and no address may appear twice. */
struct swaddr {
	const struct addr *a;
	int line;
};

/* Above XDP_MTU_MAX a port's frames come in several buffers: the afxdp
 * and xdp switches take them up to MULTIBUF_MTU_MAX (their gateway
 * answers those it would route with "fragmentation needed"), tc's
 * slow-path pairs not at all. */
static void check_port_mtu(struct vstate *v, const struct sw *sw, const struct link *l)
{
	int mtu = l->a.mtu;

	if (mtu <= XDP_MTU_MAX)
		return;
	if (sw->dp == DP_TC)
		verr(v, l->line, "mtu %d on a port of tc switch '%s' is above %d, the largest frame its slow path takes, expected %d or less%s",
		     mtu, sw->name, XDP_MTU_MAX, XDP_MTU_MAX,
		     mtu > MULTIBUF_MTU_MAX ? "" :
		     v->t->dp_forced ? ", or --dataplane afxdp or xdp" : ", or dataplane afxdp or xdp");
	else if (mtu > MULTIBUF_MTU_MAX)
		verr(v, l->line, "mtu %d on a port of %s switch '%s' is above %d, the largest it takes",
		     mtu, dataplane_name(sw->dp), sw->name, MULTIBUF_MTU_MAX);
}

static void check_switch_addrs(struct vstate *v, int s)
{
	struct topo *t = v->t;
	struct sw *sw = &t->sw[s];
	char x[ADDR_STRLEN], y[ADDR_STRLEN];
	int n = 0, max = sw->ngateway + sw->nhost, i, j, k;
	struct swaddr *buf;

	for (i = 0; i < t->nlinks; i++)
		if (t->links[i].kind == LINK_SWITCH && t->links[i].sw == s)
			max += t->links[i].a.naddrs;
	buf = calloc((size_t)max + 1, sizeof(*buf));
	if (!buf) {
		verr(v, sw->line, "out of memory checking the addresses of switch '%s'", sw->name);
		return;
	}

	for (i = 0; i < sw->ngateway && n < max; i++)
		buf[n++] = (struct swaddr){ &sw->gateway[i], sw->gateway_line[i] };
	for (i = 0; i < sw->nhost && n < max; i++)
		buf[n++] = (struct swaddr){ &sw->host[i], sw->host_line[i] };
	for (i = 0; i < t->nlinks; i++) {
		struct link *l = &t->links[i];

		if (l->kind != LINK_SWITCH || l->sw != s)
			continue;
		for (k = 0; k < l->a.naddrs && n < max; k++)
			buf[n++] = (struct swaddr){ &l->a.addrs[k], l->line };
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++) {
			const struct addr *a = buf[i].a, *b = buf[j].a;

			if (addr_same_host(a, b)) {
				verr(v, buf[i].line, "address %s is already used on switch '%s' (line %d)",
				     addr_fmt_host(a, x, sizeof(x)), sw->name, buf[j].line);
			} else if (addr_overlap(a, b) && a->plen != b->plen) {
				verr(v, buf[i].line,
				     "subnet of %s overlaps %s on switch '%s' (line %d), expected the same prefix or a disjoint subnet",
				     addr_fmt(a, x, sizeof(x)), addr_fmt(b, y, sizeof(y)), sw->name,
				     buf[j].line);
			}
		}
	}
	free(buf);
}

static void check_switches(struct vstate *v)
{
	struct topo *t = v->t;
	char given[IFNAMSIZ];
	int i, j, k;

	for (i = 0; i < t->nsw; i++) {
		struct sw *sw = &t->sw[i];
		bool v4gw = false;

		if (sw_redeclared(t, i))
			continue;

		gen_name(v, sw->line, sw->ifname, "switch", sw->name, NULL, "lab or switch name");
		if (sw->dp != DP_KERNEL && sw->nhost)
			gen_name(v, sw->line, sw->hostport, "host port", sw->name, "p",
				 "lab or switch name");
		if (sw->dp == DP_TC && sw->nhost) {
			char id[5];

			slow_id(t, 'h', sw->name, 0, i, id);
			gen_slow_names(v, sw->line, sw->hostslow, id);
		}
		if (sw->dp == DP_TC && sw->snat) {
			char id[5];

			slow_id(t, 'u', sw->name, 0, i, id);
			gen_slow_names(v, sw->uplink_line, sw->upslow, id);
		}
		int nports = sw->nhost > 0;

		for (j = 0; j < t->nlinks; j++)
			if (t->links[j].kind == LINK_SWITCH && t->links[j].sw == i) {
				if (sw->dp != DP_KERNEL)
					check_port_mtu(v, sw, &t->links[j]);
				nports++;
			}
		/* A bridge may wait for ports; a daemon has nothing to bind. */
		if (sw->dp != DP_KERNEL && !nports)
			verr(v, sw->line, "%s switch '%s' has no ports, expected a 'link IFNAME switch %s' in some ns, or a 'host' address",
			     dataplane_name(sw->dp), sw->name, sw->name);
		if (sw->dp == DP_KERNEL && nports - (sw->nhost > 0) > BRIDGE_PORTS_MAX)
			verr(v, sw->line, "kernel switch '%s' has %d links, above the %d ports a Linux bridge takes",
			     sw->name, nports - (sw->nhost > 0), BRIDGE_PORTS_MAX);
		if (sw->dp != DP_KERNEL && nports > SWITCH_PORTS_MAX)
			verr(v, sw->line, "%s switch '%s' has %d ports%s, above the %d its daemon takes",
			     dataplane_name(sw->dp), sw->name, nports,
			     sw->nhost ? " (its links and the host port)" : "", SWITCH_PORTS_MAX);
		check_switch_addrs(v, i);
		for (k = 0; k < sw->ngateway; k++)
			v4gw |= sw->gateway[k].family == AF_INET;
		snprintf(given, sizeof(given), "%s", sw->uplink);
		if (sw->snat && !v4gw)
			verr(v, sw->uplink_line, "switch '%s' has 'uplink %s snat' but no IPv4 gateway for its namespaces to route through, expected 'gateway ADDRESS/PREFIX'",
			     sw->name, sw->uplink);
		/* An uplink named like a host end of a veth in this file means
		 * that interface (tests make their "outside world" this way). */
		for (j = 0; sw->uplink[0] && j < t->nlinks; j++) {
			struct link *l = &t->links[j];
			struct endpoint *h = l->a.ns == NS_HOST ? &l->a :
					     l->b.ns == NS_HOST ? &l->b : NULL;

			if (l->kind == LINK_VETH && h && !strcmp(h->ifname, sw->uplink)) {
				int k4;

				for (k4 = 0; k4 < h->naddrs && h->addrs[k4].family != AF_INET; k4++)
					;
				if (sw->snat && k4 == h->naddrs)
					verr(v, sw->uplink_line, "uplink '%s' has no IPv4 address in this file (line %d) to translate to, expected one on the host end",
					     sw->uplink, l->line);
				strcpy(sw->uplink, h->sysname);
				if (dataplane_xdp_on_uplink(sw->dp) && l->a.mtu > XDP_MTU_MAX)
					verr(v, l->line, "mtu %d on the uplink of %s switch '%s' is above %d, the largest a veth takes with its XDP program, expected %d or less, or %sdataplane tc",
					     l->a.mtu, dataplane_name(sw->dp), sw->name, XDP_MTU_MAX,
					     XDP_MTU_MAX, t->dp_forced ? "--" : "");
				break;
			}
			if (l->kind == LINK_SWITCH && !strcmp(l->b.sysname, sw->uplink))
				verr(v, sw->uplink_line, "uplink '%s' is a port of a switch, expected an interface outside the lab",
				     sw->uplink);
			if (l->kind == LINK_MOVE && !strcmp(l->b.sysname, sw->uplink))
				verr(v, sw->uplink_line, "uplink '%s' is moved into ns '%s' (line %d), expected an interface that stays in the host",
				     sw->uplink, l->a.nsname, l->line);
		}
		/* After the rewrite, as the earlier switches' uplinks were. */
		for (k = 0; sw->uplink[0] && k < i; k++)
			if (!strcmp(t->sw[k].uplink, sw->uplink))
				verr(v, sw->uplink_line, "uplink '%s' is already the uplink of switch '%s' (line %d)",
				     given, t->sw[k].name, t->sw[k].uplink_line);
	}
}

/* The kernel removes IPv6 from an interface whose MTU is below 1280, so
 * an IPv6 address there fails at up with a bare EINVAL: say so here. */
static void check_ipv6_end(struct vstate *v, int line, const struct endpoint *e)
{
	char x[ADDR_STRLEN];

	for (int k = 0; e->mtu && e->mtu < IPV6_MIN_MTU && k < e->naddrs; k++)
		if (e->addrs[k].family == AF_INET6)
			verr(v, line, "IPv6 address %s on %s:%s needs an mtu of %d or more, the link has %d",
			     addr_fmt(&e->addrs[k], x, sizeof(x)), e->nsname, e->ifname,
			     IPV6_MIN_MTU, e->mtu);
}

/* A switch's own addresses live on the bridge (kernel) or the host port,
 * which take the smallest port's MTU. */
static void check_ipv6_switch(struct vstate *v, int s)
{
	const struct topo *t = v->t;
	const struct sw *sw = &t->sw[s];
	const struct link *small = NULL;
	char x[ADDR_STRLEN];
	int i;

	for (i = 0; i < t->nlinks; i++) {
		const struct link *l = &t->links[i];

		if (l->kind == LINK_SWITCH && l->sw == s && l->a.mtu &&
		    (!small || l->a.mtu < small->a.mtu))
			small = l;
	}
	if (!small || small->a.mtu >= IPV6_MIN_MTU)
		return;
	for (i = 0; i < sw->ngateway + sw->nhost; i++) {
		bool gw = i < sw->ngateway;
		const struct addr *a = gw ? &sw->gateway[i] : &sw->host[i - sw->ngateway];

		/* The userspace switches answer for their gateway themselves. */
		if (a->family != AF_INET6 || (gw && sw->dp != DP_KERNEL))
			continue;
		verr(v, gw ? sw->gateway_line[i] : sw->host_line[i - sw->ngateway],
		     "IPv6 %s %s of switch '%s' needs an mtu of %d or more on every port, %s:%s has %d (line %d)",
		     gw ? "gateway" : "host address", addr_fmt(a, x, sizeof(x)), sw->name,
		     IPV6_MIN_MTU, small->a.nsname, small->a.ifname, small->a.mtu, small->line);
	}
}

static void check_ipv6_mtu(struct vstate *v)
{
	int i;

	for (i = 0; i < v->t->nlinks; i++) {
		check_ipv6_end(v, v->t->links[i].line, &v->t->links[i].a);
		check_ipv6_end(v, v->t->links[i].line, &v->t->links[i].b);
	}
	for (i = 0; i < v->t->nsw; i++)
		check_ipv6_switch(v, i);
}

int topo_validate(struct topo *t)
{
	struct vstate v = { .t = t };
	int i;

	if (!t->lab[0]) {
		verr(&v, 0, "no 'lab NAME' line: the lab name prefixes every namespace and interface nsfast creates");
		return -EINVAL;
	}
	if (!t->nns)
		verr(&v, 0, "no namespace declared, expected at least one 'ns NAME'");
	for (i = 0; i < t->nns; i++)
		snprintf(t->ns[i].sysname, sizeof(t->ns[i].sysname), "%s-%s", t->lab,
			 t->ns[i].name);
	check_duplicates(&v);
	resolve_links(&v);
	check_switches(&v);
	check_ipv6_mtu(&v);
	if (v.errors)
		return -EINVAL;
	check_ifnames(&v);
	/* Once every end is in its namespace: after a failed one, the rule
	 * would report overlaps in a namespace the end is not in. */
	check_held_subnets(&v);
	check_routes(&v);
	return v.errors ? -EINVAL : 0;
}
