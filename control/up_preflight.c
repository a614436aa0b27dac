/* SPDX-License-Identifier: MIT */
/* What nsfast up refuses before it changes anything, as check does, by
 * the file's lines: what must exist, what another lab or the host has,
 * what a running switch cannot take (its addresses: up_addrs.c; its
 * moves: up_move.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lab.h"
#include "up_steps.h"
#include "uplink_claim.h"
#include "xdp_mtu.h"

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

/* A switch that is up on another dataplane than the file now says: its
 * daemon, bridge and ports were made for that one, and changing them
 * under running traffic is not what up does. */
static int preflight_dataplanes(struct up *u)
{
	char name[32], dp[16];

	for (int i = 0; i < u->t->nsw; i++) {
		const struct sw *sw = &u->t->sw[i];

		for (int j = 0; j < u->lab.st.nlines; j++) {
			if (sscanf(u->lab.st.lines[j], "switch %31s %15s", name, dp) != 2 ||
			    strcmp(name, sw->name) || !strcmp(dp, dataplane_name(sw->dp)))
				continue;
			topo_error(u->t, sw->line,
				   "switch %s is up on dataplane %s, %s says %s: take the lab down first",
				   sw->name, dp, u->t->dp_forced ? "--dataplane" : "the file",
				   dataplane_name(sw->dp));
			return -EEXIST;
		}
	}
	return 0;
}

/* An uplink the file gives to another switch of the lab than the one
 * that holds it: an afxdp, xdp or tc switch lets go of it only when its
 * daemon stops, which, for a switch that stays, is after the new one's
 * daemon tries to take it. (A renamed switch's goes first.) */
static int preflight_uplink_moved(struct up *u, const struct sw *sw)
{
	char hlab[16], hsw[16];

	if (!sw->snat || uplink_holder(sw->uplink, hlab, hsw) || strcmp(hlab, u->t->lab) ||
	    !strcmp(hsw, sw->name))
		return 0;
	for (int i = 0; i < u->t->nsw; i++) {
		const struct sw *o = &u->t->sw[i];

		/* A kernel switch's table goes first (up_prune_named). */
		if (strcmp(o->name, hsw) || o->dp == DP_KERNEL)
			continue;
		topo_error(u->t, sw->uplink_line,
			   "uplink '%s' is switch %s's, and the file now gives it to switch %s: a %s switch lets go of its uplink only when its daemon stops, expected 'nsfast down' first",
			   sw->uplink, hsw, sw->name, dataplane_name(o->dp));
		return -EBUSY;
	}
	return 0;
}

int up_preflight(struct up *u)
{
	struct link_state ls;
	char owner[32];
	int i, j, err;

	if ((i = preflight_dataplanes(u)) || (i = preflight_mtus(u)) ||
	    (i = up_preflight_addrs(u)) || (i = up_preflight_moves(u)))
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
		if ((err = preflight_uplink_moved(u, sw)))
			return err;
		/* Its SNAT uplink is the claims' to refuse (uplink_claim.c). */
		err = ours ? 0 : lab_iface_owner(u->lab.name, sw->uplink, false, owner, sizeof(owner));
		if (err < 0)
			return err;
		if (err) {
			topo_error(u->t, sw->uplink_line,
				   "uplink '%s' is lab %s's (named with its prefix, or moved by it), expected an interface no lab uses",
				   sw->uplink, owner);
			return -EBUSY;
		}
		/* The kernel's masquerade takes the uplink's address as the
		 * daemons' NAT does: without one, nothing would come back. */
		if (!ours && sw->snat &&
		    nl_addr_on(&u->lab.root, ls.ifindex, AF_INET, NULL) == -ENOENT) {
			topo_error(u->t, sw->uplink_line,
				   "uplink '%s' has no IPv4 address to translate to, expected one ('ip addr add ADDRESS/PREFIX dev %s')",
				   sw->uplink, sw->uplink);
			return -EADDRNOTAVAIL;
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

