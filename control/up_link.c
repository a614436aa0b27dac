/* SPDX-License-Identifier: MIT */
/* up's links: a veth pair made, or brought back to the file's MTU, MACs
 * and IPv6 when it exists, then addressed; a switch port's fast or slow
 * path set up with it. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "lab.h"
#include "netns.h"
#include "up_steps.h"

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
	/* An up killed between making a pair and setting it up, or an end
	 * set down by hand: it exists, so no step above looked. */
	for (int i = 0; !err && i < 2; i++) {
		struct link_state ls;

		if ((err = kernel_err(u, nl_link_get(nl[i], ifname[i], &ls))) || (ls.flags & IFF_UP))
			continue;
		if ((err = step(u, "set %s:%s up", ns[i], ifname[i])) ||
		    (err = kernel_err(u, nl_link_set_up(nl[i], ls.ifindex))))
			break;
		u->changes++;
	}
	return err;
}

const struct sw *link_daemon_switch(const struct up *u, const struct link *l,
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

int up_ipv6_on(struct up *u, int fd, const char *ns, const char *ifname,
	       const struct addr *addrs, int n)
{
	char path[96], cur[8];
	int i, err;

	for (i = 0; i < n && addrs[i].family != AF_INET6; i++)
		;
	if (i == n)
		return 0;
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
	if (netns_sysctl(fd, path, NULL, cur, sizeof(cur)) < 0 || strcmp(cur, "1"))
		return 0;
	if ((err = step(u, "enable IPv6 on %s:%s", ns, ifname)))
		return err;
	if ((err = netns_sysctl(fd, path, "0", NULL, 0)) < 0)
		return err;
	u->changes++;
	return 0;
}

int up_link(struct up *u, struct link *l)
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
		       (err = up_ipv6_on(u, fda, topo_ns_name(u->t, l->a.ns), l->a.sysname,
					 l->a.addrs, l->a.naddrs)) ||
		       (err = up_ipv6_on(u, fdb, topo_ns_name(u->t, l->b.ns), l->b.sysname,
					 l->b.addrs, l->b.naddrs))))
		return err;
	if ((err = add_addrs(u, nla, ns_sys(u->t, l->a.ns), l->a.sysname, l->a.addrs,
			     l->a.naddrs)))
		return err;
	if (l->kind == LINK_SWITCH && dataplane_ports_xdp(u->t->sw[l->sw].dp) &&
	    (err = up_port_untag(u, fda, ns_sys(u->t, l->a.ns), l->a.sysname)))
		return err;
	if (l->kind == LINK_SWITCH && u->t->sw[l->sw].dp == DP_XDP &&
	    (err = up_port_fast(u, fda, ns_sys(u->t, l->a.ns), l->a.sysname)))
		return err;
	if (l->kind == LINK_SWITCH && u->t->sw[l->sw].dp == DP_TC &&
	    (err = up_port_slow(u, &u->t->sw[l->sw], l->slow, l->a.mtu)))
		return err;
	return add_addrs(u, nlb, ns_sys(u->t, l->b.ns), l->b.sysname, l->b.addrs, l->b.naddrs);
}
