/* SPDX-License-Identifier: MIT */
/* The daemon step of nsfast up for an afxdp, xdp or tc switch: its
 * command line from the file, and a daemon that runs it (started, kept,
 * or restarted when its settings, its ports or its answers say so). */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "switchd.h"
#include "up_steps.h"

/* The NAT fast path redirects into the uplink. On xdp that is an XDP
 * redirect, so the uplink's peer must take XDP frames and send complete
 * checksums (up_port_fast); tc redirects skbs, which need nothing of it.
 * Either way nsfast turns it on only when the uplink is a veth of this
 * lab, the case it is tested in. Any other uplink keeps NAT on the slow
 * path. On afxdp and xdp that peer also writes its VLAN tags into its
 * frames (up_port_untag), for the uplink's XDP to see them. */
static int up_uplink_peer(struct up *u, const struct sw *sw, bool *fast)
{
	const struct endpoint *peer;
	const char *ns;
	int fd, err;

	*fast = topo_uplink_veth(u->t, sw, &peer) != NULL;
	if (!*fast || sw->dp == DP_TC)
		return 0;
	ns = peer->ns == NS_HOST ? NULL : u->t->ns[peer->ns].sysname;
	if (!lab_nl(&u->lab, ns, &fd))
		return lab_nl_err();
	if ((err = up_port_untag(u, fd, ns ? ns : "-", peer->sysname)))
		return err;
	return sw->dp == DP_XDP ? up_port_fast(u, fd, ns ? ns : "-", peer->sysname) : 0;
}

int up_daemon_started(pid_t pid, void *arg)
{
	struct up_daemon_ctx *d = arg;

	return state_append(&d->u->lab.st, "daemon %s %d", d->sw, (int)pid);
}

/* The journal's lines of sw's daemons that are gone (killed, crashed):
 * they would name dead pids for ever, one per restart. */
static int forget_dead_daemons(struct up *u, const struct sw *sw)
{
	char name[32], line[64];
	int i = 0, pid, err;

	while (i < u->lab.st.nlines) {
		if (sscanf(u->lab.st.lines[i], "daemon %31s %d", name, &pid) != 2 ||
		    strcmp(name, sw->name) || switchd_is(pid, u->t->lab, sw->name)) {
			i++;
			continue;
		}
		snprintf(line, sizeof(line), "%s", u->lab.st.lines[i]);
		if ((err = state_remove(&u->lab.st, line)))
			return err;
	}
	return 0;
}

int up_daemon(struct up *u, struct sw *sw)
{
	enum { ROUTES_MAX = 64 }; /* the daemon's RT_ROUTES_MAX */
	char *args[32 + 2 * 2 + 2 * ROUTES_MAX + SW_ARGS_PORTS], ageing[16], gw[2][ADDR_STRLEN];
	char ports[16], table[16], tmo[3][16], upgw[ADDR_STRLEN], upspec[3 * IFNAMSIZ + 2];
	char rts[ROUTES_MAX][2 * ADDR_STRLEN];
	static char spec[SW_ARGS_PORTS + 1][4 * IFNAMSIZ];
	struct up_daemon_ctx d = { u, sw->name };
	bool fast_nat = false;
	int n = 0, i, err, nrts = 0, np = 1;
	pid_t pid;

	if (sw->snat && (err = up_uplink_peer(u, sw, &fast_nat)))
		return err;
	if ((err = step(u, "start the %s switch daemon for %s", dataplane_name(sw->dp), sw->name)))
		return err;
	snprintf(ageing, sizeof(ageing), "%d", sw->ageing);
	args[n++] = "nsfast";
	args[n++] = "switch";
	args[n++] = "--lab";
	args[n++] = u->t->lab;
	args[n++] = "--name";
	args[n++] = sw->name;
	args[n++] = "--ageing";
	args[n++] = ageing;
	args[n++] = "--ready-fd";
	args[n++] = "3";
	if (sw->dp == DP_XDP) {
		args[n++] = "--fast-path";
		if (fast_nat)
			args[n++] = "--fast-nat";
	}
	if (sw->dp == DP_TC) {
		args[n++] = "--tc-path";
		if (fast_nat)
			args[n++] = "--fast-nat";
	}
	for (i = 0; i < sw->ngateway; i++) {
		args[n++] = "--gateway";
		args[n++] = (char *)addr_fmt(&sw->gateway[i], gw[i], sizeof(gw[i]));
	}
	/* The host's routes through this switch's IPv4 subnet: with kernel
	 * the host routes through the bridge with them, so with a daemon
	 * the gateway must, or a namespace behind a router on the subnet is
	 * unreachable from the others. */
	for (i = 0; i < sw->ngateway; i++) {
		const struct addr *g = &sw->gateway[i];
		int j;

		if (g->family != AF_INET)
			continue;
		for (j = 0; j < u->t->nroutes; j++) {
			const struct route *r = &u->t->routes[j];
			char dst[ADDR_STRLEN], via[ADDR_STRLEN];
			struct addr net;

			if (r->ns != NS_HOST || !r->has_gw || r->gw.family != AF_INET ||
			    !addr_in_subnet(&r->gw, g) || addr_same_host(&r->gw, g))
				continue;
			if (nrts == ROUTES_MAX) {
				snprintf(u->detail, sizeof(u->detail),
					 "more than %d host routes through switch %s", ROUTES_MAX,
					 sw->name);
				return -E2BIG;
			}
			addr_network(&r->dst, &net);
			snprintf(rts[nrts], sizeof(rts[nrts]), "%s,%s", addr_fmt(&net, dst, sizeof(dst)),
				 addr_fmt_host(&r->gw, via, sizeof(via)));
			args[n++] = "--route";
			args[n++] = rts[nrts++];
		}
	}
	if (sw->snat) {
		struct link_state ls;
		struct addr via;

		snprintf(ports, sizeof(ports), "%u-%u", sw->nat_port_min, sw->nat_port_max);
		snprintf(table, sizeof(table), "%u", sw->nat_table);
		/* tc: IF:NEAR:FAR, with the uplink's slow-path pair. */
		snprintf(upspec, sizeof(upspec), "%s:%s:%s", sw->uplink, sw->upslow[0],
			 sw->upslow[1]);
		args[n++] = "--uplink";
		args[n++] = sw->dp == DP_TC ? upspec : sw->uplink;
		args[n++] = "--nat-ports";
		args[n++] = ports;
		args[n++] = "--nat-table";
		args[n++] = table;
		/* The next hop beyond the uplink: the file's, else the host's
		 * default route through that interface, if it has one. */
		if (sw->has_via) {
			via = sw->uplink_via;
		} else if (nl_link_get(&u->lab.root, sw->uplink, &ls) ||
			   nl_route_default_via(&u->lab.root, ls.ifindex, &via)) {
			via.family = 0;
		}
		if (via.family == AF_INET) {
			args[n++] = "--uplink-gateway";
			args[n++] = (char *)addr_fmt_host(&via, upgw, sizeof(upgw));
		}
		if (sw->nat_timeout_udp) {
			snprintf(tmo[0], sizeof(tmo[0]), "%d", sw->nat_timeout_udp);
			args[n++] = "--nat-timeout-udp";
			args[n++] = tmo[0];
		}
		if (sw->nat_timeout_icmp) {
			snprintf(tmo[1], sizeof(tmo[1]), "%d", sw->nat_timeout_icmp);
			args[n++] = "--nat-timeout-icmp";
			args[n++] = tmo[1];
		}
		if (sw->nat_timeout_tcp) {
			snprintf(tmo[2], sizeof(tmo[2]), "%d", sw->nat_timeout_tcp);
			args[n++] = "--nat-timeout-tcp";
			args[n++] = tmo[2];
		}
	}
	/* A tc port is PORT:NEAR:FAR, with its slow-path pair. */
	if (sw->nhost) {
		snprintf(spec[0], sizeof(spec[0]), "%s:%s:%s:host", sw->hostport, sw->hostslow[0],
			 sw->hostslow[1]);
		args[n++] = sw->dp == DP_TC ? spec[0] : sw->hostport;
	}
	for (i = 0; i < u->t->nlinks; i++) {
		struct link *l = &u->t->links[i];
		if (l->kind != LINK_SWITCH || &u->t->sw[l->sw] != sw)
			continue;
		if (n >= (int)(sizeof(args) / sizeof(args[0])) - 1 || np > SW_ARGS_PORTS) {
			snprintf(u->detail, sizeof(u->detail), "more than %d ports", SW_ARGS_PORTS);
			return -E2BIG;
		}
		if (sw->dp != DP_TC) {
			args[n++] = l->b.sysname;
			continue;
		}
		snprintf(spec[np], sizeof(spec[np]), "%s:%s:%s", l->b.sysname, l->slow[0],
			 l->slow[1]);
		args[n++] = spec[np++];
	}
	args[n] = NULL;
	if ((pid = switchd_pid(&u->lab.st, u->t->lab, sw->name))) {
		/* Its sockets are bound to devices that no longer exist, or
		 * what it was started with changed (in the file: a gateway,
		 * the NAT's ports, ageing...; in the host's routes: the
		 * uplink's next hop): a new daemon takes the new ones, and
		 * the old one's journal line goes once it has stopped. */
		bool same = switchd_args_same(pid, args);
		/* One that runs and does not answer (stopped, stuck) is
		 * of no use: status could not even say what it does. One
		 * whose device went (an `ip netns del`; made anew by an up
		 * that failed after, so none of this run's) serves it no
		 * more. */
		char gone[IF_NAMESIZE] = "";
		bool silent = same && !sw->ports_new &&
			      switchd_ping(u->t->lab, sw->name, gone);

		if (same && !sw->ports_new && !silent && !gone[0]) {
			state_seen(&u->lab.st, "daemon %s %d", sw->name, (int)pid);
			return 0;
		}
		if (silent)
			pr_warn("switch %s: its daemon (pid %d) did not answer on its socket: restarting it (its FDB and NAT connections start anew)\n",
				sw->name, (int)pid);
		if (gone[0])
			pr_warn("switch %s: its daemon serves %s, which was made anew: restarting it (its FDB starts anew; NAT connections are kept)\n",
				sw->name, gone);
		if (sw->ports_new)
			pr_warn("switch %s: a port, its host port or its uplink's pair was added or made anew: restarting its daemon (its FDB starts anew; NAT connections are kept)\n",
				sw->name);
		if (!same && !sw->ports_new)
			pr_warn("switch %s: its settings changed since its daemon started: "
				"restarting it (its FDB starts anew; NAT connections are kept)\n",
				sw->name);
		/* A rollback starts the old one again: with its old ports,
		 * which the rollback leaves (it removes only what this run
		 * made). One that did not answer was of no use. */
		if (!silent && (err = up_restore_daemon(u, sw->name, pid)))
			return err;
		/* One that does not answer is not asked to keep anything
		 * (and its message says they start anew). */
		if ((err = switchd_stop(pid, u->t->lab, sw->name, !silent))) {
			snprintf(u->detail, sizeof(u->detail),
				 "the running daemon (pid %d) did not stop", (int)pid);
			return err;
		}
		u->changes++;
	}
	if ((err = forget_dead_daemons(u, sw)))
		return err;
	err = switchd_start(u->t->lab, sw->name, args, &pid, up_daemon_started, &d, u->detail,
			    sizeof(u->detail));
	if (!err)
		u->changes++;
	u->detail_is_cause = err == -EIO && u->detail[0];
	return err;
}
