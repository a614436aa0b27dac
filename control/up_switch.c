/* SPDX-License-Identifier: MIT */
/* The switch steps of nsfast up: a bridge (kernel), or a host port
 * (afxdp, xdp, tc); and the kernel dataplane's SNAT. The daemon is
 * up_daemon.c's. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "ethtool.h"
#include "lab_mac.h"
#include "ip_forward.h"
#include "log.h"
#include "netns.h"
#include "nft.h"
#include "switchd.h"
#include "uplink_claim.h"
#include "up_steps.h"

/* A switch port belongs to the switch: the host must not speak IPv6 on it
 * (router solicitations, MLD) behind the switch's back. */
int up_port_quiet(struct up *u, const char *ifname)
{
	char path[96];
	int err;

	if (!kernel_has_ipv6())
		return 0;
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
	err = netns_sysctl(-1, path, "1", NULL, 0);
	/* No such entry for a device that exists: the kernel keeps no IPv6
	 * on one below an MTU of 1280, so it is as quiet as it gets. */
	if (err == -ENOENT && if_nametoindex(ifname))
		return 0;
	if (err > 0)
		u->changes++;
	return err < 0 ? err : 0;
}

/* An ethtool call's result as a step's: changes counted, an error said. */
static int ethtool_done(struct up *u, int err)
{
	if (err < 0) {
		snprintf(u->detail, sizeof(u->detail), "ethtool: %s", strerror(-err));
		return err;
	}
	u->changes += err;
	return 0;
}

/* Does veth stop a queue whose peer's ring is full, rather than drop?
 * With a qdisc, since Linux 6.16; a race that could leave the queue
 * stopped was fixed after, so nsfast waits for 6.18, where it was
 * measured. Before, a qdisc would only add its cost. */
static bool veth_holds_back(void)
{
	static int known = -1;
	struct utsname u;
	int major, minor;

	if (known < 0)
		known = !uname(&u) && sscanf(u.release, "%d.%d", &major, &minor) == 2 &&
			(major > 6 || (major == 6 && minor >= 18));
	return known;
}

/* A veth has no qdisc (noqueue): when its peer's XDP cannot keep up,
 * the peer's receive ring (256 frames) fills and veth drops what it
 * sends, counted only as its tx_dropped, and TCP takes each drop for
 * congestion. With a qdisc the kernel stops the queue instead, as a
 * NIC's driver does. mq, the kernel's own choice for a device of several
 * queues: four TCP streams moved 7.41 Gbit/s through it against 6.08
 * through one pfifo_fast at the root (which the kernel does not treat
 * as a single queue's), with hundreds of retransmits. But mq makes a
 * pfifo_fast (24 KiB) for every queue, and a veth has one a possible
 * CPU: past MQ_QUEUES_MAX, one pfifo_fast. A qdisc someone gave the
 * interface (netem, say) is kept. 1 when one was added, 0, or -errno. */
#define MQ_QUEUES_MAX 16
static int port_queue(struct up *u, const char *ns, const char *ifname)
{
	struct nl *nl = lab_nl(&u->lab, ns, NULL);
	int err = nl ? 0 : lab_nl_err();
	struct link_state ls;
	char kind[16];

	if (!veth_holds_back())
		return 0;
	if (err)
		return err;
	if ((err = nl_link_get(nl, ifname, &ls)) ||
	    (err = nl_qdisc_root_kind(nl, ls.ifindex, kind, sizeof(kind))))
		return err;
	if (kind[0] && strcmp(kind, "noqueue"))
		return 0;
	err = -EOPNOTSUPP; /* mq refuses a device of one queue */
	if (ls.tx_queues <= MQ_QUEUES_MAX)
		err = nl_qdisc_root_add(nl, ls.ifindex, "mq");
	if (err == -EOPNOTSUPP)
		err = nl_qdisc_root_add(nl, ls.ifindex, "pfifo_fast");
	if (err == -EEXIST) {
		nl_errmsg[0] = '\0'; /* someone's since the dump: theirs, not an error */
		return 0;
	}
	return err ? err : 1;
}

/* afxdp and xdp: a VLAN device's frames leave a veth with their tag
 * beside them (the skb's), not in them, and XDP sees only the frame: the
 * AF_XDP socket, a redirect or a flood would pass them on untagged, into
 * every VLAN. With tx VLAN offload off on the sending end, the kernel
 * writes the tag into the frame, where the switch sees it, as a Linux
 * bridge does. On the namespace end of every port, the host end of the
 * host port, and the peer of a lab's uplink veth. */
int up_port_untag(struct up *u, int netns_fd, const char *ns, const char *ifname)
{
	int err;

	if ((err = step(u, "set tx VLAN offload off on %s:%s, so VLAN tags reach the switch",
			ns, ifname)))
		return err;
	return ethtool_done(u, ethtool_set_tx_vlan(netns_fd, ifname, false));
}

/* dataplane xdp: a frame the port program redirects to another port
 * reaches that veth's peer as a bare XDP frame, which the kernel drops
 * silently unless the peer runs NAPI (GRO on does it) and whose TCP or
 * UDP checksum would still be partial (so the sender must finish it:
 * transmit checksum offload off). Both on the peer of every port, and a
 * qdisc (port_queue). */
int up_port_fast(struct up *u, int netns_fd, const char *ns, const char *ifname)
{
	int err;

	if ((err = step(u, "set gro on, tx checksum off and a qdisc on %s:%s for the XDP fast path",
			ns, ifname)))
		return err;
	if ((err = ethtool_done(u, ethtool_set_gro(netns_fd, ifname, true))) ||
	    (err = ethtool_done(u, ethtool_set_tx_csum(netns_fd, ifname, false))))
		return err;
	/* Only what performs better rides on it: said, not fatal. */
	if ((err = port_queue(u, ns, ifname)) < 0) {
		pr_warn("nsfast: %s:%s keeps no qdisc (%s%s%s): what it sends while the port's XDP falls behind is dropped\n",
			ns, ifname, strerror(-err), nl_errmsg[0] ? ": kernel: " : "", nl_errmsg);
		nl_errmsg[0] = '\0';
		return 0;
	}
	u->changes += err;
	return 0;
}

/* An existing pair of the host's takes mtu, on both ends or neither. */
static int host_pair_set(struct up *u, const char *a, const char *b, int mtu)
{
	struct nl *nl[2] = { &u->lab.root, &u->lab.root };
	const char *ns[2] = { "host", "host" }, *ifname[2] = { a, b };
	const uint8_t *mac[2] = { NULL, NULL };

	return up_pair_set(u, nl, ns, ifname, mtu, mac);
}

/* dataplane tc: a port's slow-path veth pair, both ends in the host (see
 * bpf/tc_steer.bpf.c). The near end gets what userspace must see and
 * finishes its checksums and writes VLAN tags into its frames on the
 * way out (transmit checksum and VLAN offload off: the AF_XDP socket on
 * the far end takes frames as they are, see up_port_untag); neither end
 * speaks IPv6 of its own, or the switch would forward the host's chatter.
 * Both ends take the port's MTU, or larger frames drop between them. */
int up_port_slow(struct up *u, struct sw *sw, const char slow[2][IFNAMSIZ], int mtu)
{
	struct veth_end a = { .name = slow[0], .netns_fd = -1, .mtu = mtu };
	struct veth_end b = { .name = slow[1], .netns_fd = -1, .mtu = mtu };
	bool exists;
	int err;

	if ((err = step(u, "create slow-path pair %s -- %s for switch %s", slow[0], slow[1],
			sw->name)))
		return err;
	if ((err = check_owned(u, &u->lab.root, "-", slow[0], &exists)))
		return err;
	if (!exists) {
		char line[64];

		snprintf(line, sizeof(line), "veth - %s", slow[0]);
		if ((err = up_veth_add(u, &u->lab.root, &a, &b, line)))
			return err;
		sw->ports_new = true;
	} else if ((err = host_pair_set(u, slow[0], slow[1], mtu))) {
		return err; /* its port was made anew at another MTU */
	}
	if ((err = up_port_quiet(u, slow[0])) || (err = up_port_quiet(u, slow[1])))
		return err;
	if ((err = kernel_err(u, nl_link_set_up_name(&u->lab.root, slow[0]))) ||
	    (err = kernel_err(u, nl_link_set_up_name(&u->lab.root, slow[1]))))
		return err;
	if ((err = ethtool_done(u, ethtool_set_tx_csum(-1, slow[0], false))))
		return err;
	return ethtool_done(u, ethtool_set_tx_vlan(-1, slow[0], false));
}

/* The host port's MTU: the smallest of the switch's ports (a port
 * without one has the kernel's 1500), as a bridge takes, so that jumbo
 * ports make a jumbo host port; 0, the default, for 1500. */
static int host_port_mtu(const struct up *u, const struct sw *sw)
{
	int i, mtu = 0, idx = (int)(sw - u->t->sw);

	for (i = 0; i < u->t->nlinks; i++) {
		const struct link *l = &u->t->links[i];
		int m = link_mtu(l);

		if (l->kind == LINK_SWITCH && l->sw == idx && (!mtu || m < mtu))
			mtu = m;
	}
	return mtu == 1500 ? 0 : mtu;
}

/* A switch's addresses in the host (a bridge's gateway, a host port's
 * host addresses), each failure at its own line of the file. */
static int switch_addrs(struct up *u, const struct sw *sw, const struct addr *a,
			const int *lines, int n)
{
	int err = up_ipv6_on(u, -1, "host", sw->ifname, a, n);

	for (int i = 0; i < n && !err; i++) {
		u->line = lines[i];
		err = add_addrs(u, &u->lab.root, "-", sw->ifname, &a[i], 1);
	}
	if (!err)
		u->line = sw->line;
	return err;
}

/* A MAC of the switch's (lab_mac.h) from the first IPv4 address of a[n],
 * else the first, else its name. */
static void switch_mac(const struct up *u, const struct sw *sw, uint8_t kind,
		       const struct addr *a, int n, uint8_t mac[6])
{
	const struct addr *pick = n ? &a[0] : NULL;

	for (int i = 0; i < n; i++)
		if (a[i].family == AF_INET)
			pick = &a[i];
	lab_mac(kind, u->t->lab, pick ? pick->bytes : NULL,
		pick ? (size_t)addr_len(pick->family) : 0, sw->name, mac);
}

static int switch_table_at(struct up *u, struct sw *sw);

/* afxdp and xdp: no bridge. The host port is a veth in the host: the end
 * named like the switch keeps the host addresses, the -p end is a port. */
static int up_switch_afxdp(struct up *u, struct sw *sw)
{
	int host_mtu = host_port_mtu(u, sw);
	uint8_t host_mac[6];
	struct veth_end a = { .name = sw->ifname, .netns_fd = -1, .mtu = host_mtu,
			      .mac = host_mac };
	struct veth_end b = { .name = sw->hostport, .netns_fd = -1, .mtu = host_mtu };
	const char *host = sw->nhost ? sw->ifname : "-";
	bool exists;
	int err;

	switch_mac(u, sw, LAB_MAC_HOST, sw->host, sw->nhost, host_mac);

	if (!state_seen(&u->lab.st, "switch %s %s %s", sw->name, dataplane_name(sw->dp), host) &&
	    (err = state_append(&u->lab.st, "switch %s %s %s", sw->name, dataplane_name(sw->dp),
				host)))
		return err;
	/* The uplink's pair, at the uplink's MTU: the lab's veth is not
	 * there yet, a host interface is. Its far end carries an XDP
	 * program, so no more than a veth takes with one: the uplink itself
	 * has none on tc and keeps its MTU. */
	if (sw->dp == DP_TC && sw->snat) {
		const struct link *l = topo_uplink_veth(u->t, sw, NULL);
		struct link_state ls;
		int mtu = 0;

		if (l)
			mtu = l->a.mtu;
		else if (!nl_link_get(&u->lab.root, sw->uplink, &ls))
			mtu = ls.mtu;
		if (mtu > XDP_MTU_MAX) {
			pr_warn("switch %s: uplink %s has MTU %d, its slow-path pair gets %d (XDP on "
				"veth): larger return frames of connections not yet in the fast path "
				"are dropped\n",
				sw->name, sw->uplink, mtu, XDP_MTU_MAX);
			mtu = XDP_MTU_MAX;
		}
		if ((err = up_port_slow(u, sw, sw->upslow, mtu)))
			return err;
	}
	if (!sw->nhost)
		return switch_table_at(u, sw);
	if ((err = step(u, "create host port %s -- %s for switch %s", sw->ifname, sw->hostport,
			sw->name)))
		return err;
	if ((err = check_owned(u, &u->lab.root, "-", sw->ifname, &exists)))
		return err;
	if (!exists) {
		char line[64];

		/* Both ends are on the host: no namespace takes the pair with
		 * it on a rollback. */
		snprintf(line, sizeof(line), "veth - %s", sw->ifname);
		if ((err = up_veth_add(u, &u->lab.root, &a, &b, line)))
			return err;
		if ((err = kernel_err(u, nl_link_set_up_name(&u->lab.root, b.name))))
			return err;
		sw->ports_new = true;
	} else if ((err = host_pair_set(u, a.name, b.name, host_mtu))) {
		return err; /* a port was made anew at another MTU */
	}
	if ((err = up_port_quiet(u, sw->hostport)))
		return err;
	if (dataplane_ports_xdp(sw->dp) && (err = up_port_untag(u, -1, "-", sw->ifname)))
		return err;
	if (sw->dp == DP_XDP && (err = up_port_fast(u, -1, "-", sw->ifname)))
		return err;
	/* tc: the host port's frames for userspace cross this pair, at the
	 * host port's MTU or they drop between its ends. */
	if (sw->dp == DP_TC && (err = up_port_slow(u, sw, sw->hostslow, host_mtu)))
		return err;
	if ((err = switch_table_at(u, sw)))
		return err;
	return switch_addrs(u, sw, sw->host, sw->host_line, sw->nhost);
}

/* Before anything of the switch exists: an uplink serves one switch on
 * the host (uplink_claim.h). */
static int claim_uplink(struct up *u, const struct sw *sw)
{
	char holder[64], line[IFNAMSIZ + 16];
	bool added;
	int err;

	if ((err = step(u, "claim uplink %s for switch %s", sw->uplink, sw->name)))
		return err;
	snprintf(line, sizeof(line), "uplink %s", sw->uplink);
	if ((err = up_journal(u, line, &added)))
		return err;
	err = uplink_claim(sw->uplink, u->t->lab, sw->name, holder, sizeof(holder));
	u->changes += !err && added;
	if (err == -EBUSY)
		refuse(u, err, "it is the SNAT uplink of %s: an uplink serves one switch", holder);
	else if (err) /* after the error's own words: where */
		snprintf(u->detail, sizeof(u->detail), "%s/.uplinks", STATE_ROOT);
	if (err)
		up_unjournal(u, added);
	return err;
}

int up_switch(struct up *u, struct sw *sw)
{
	struct link_state ls;
	bool exists;
	int err;

	if (sw->snat && (err = claim_uplink(u, sw)))
		return err;
	if (sw->dp != DP_KERNEL)
		return up_switch_afxdp(u, sw);
	if ((err = step(u, "create bridge %s for switch %s", sw->ifname, sw->name)))
		return err;
	if ((err = check_owned(u, &u->lab.root, "-", sw->ifname, &exists)))
		return err;
	if (!exists) {
		char line[64];
		uint8_t mac[6];
		bool added;

		snprintf(line, sizeof(line), "link %s", sw->ifname);
		if ((err = up_journal(u, line, &added)))
			return err;
		/* The gateway's MAC on every dataplane: a bridge's own would
		 * follow its lowest port's, which a changed file may remove. */
		switch_mac(u, sw, LAB_MAC_GATEWAY, sw->gateway, sw->ngateway, mac);
		if ((err = kernel_err(u, nl_bridge_add(&u->lab.root, sw->ifname, mac)))) {
			up_unjournal(u, added);
			return err;
		}
		up_made(u, added);
	}
	if (!state_seen(&u->lab.st, "switch %s %s %s", sw->name, dataplane_name(sw->dp),
			sw->ifname) &&
	    (err = state_append(&u->lab.st, "switch %s %s %s", sw->name,
				dataplane_name(sw->dp), sw->ifname)))
		return err;
	if ((err = kernel_err(u, nl_link_get(&u->lab.root, sw->ifname, &ls))))
		return err;
	if (!(ls.flags & IFF_UP)) {
		if ((err = kernel_err(u, nl_link_set_up(&u->lab.root, ls.ifindex))))
			return err;
		u->changes++;
	}
	if ((err = switch_table_at(u, sw)))
		return err;
	if ((err = switch_addrs(u, sw, sw->gateway, sw->gateway_line, sw->ngateway)))
		return err;
	return switch_addrs(u, sw, sw->host, sw->host_line, sw->nhost);
}

static bool has_v4(const struct addr *a, int n)
{
	for (int i = 0; i < n; i++)
		if (a[i].family == AF_INET)
			return true;
	return false;
}

bool up_switch_table_wanted(const struct sw *sw)
{
	if (sw->snat || has_v4(sw->host, sw->nhost))
		return true;
	return sw->dp == DP_KERNEL && has_v4(sw->gateway, sw->ngateway);
}

/* The host's IPv4 forwarding, for a kernel SNAT switch: after its table,
 * so that the host never forwards for the bridge unconfined. */
static int kernel_forward(struct up *u, struct sw *sw)
{
	int err;

	if ((err = step(u, "enable IPv4 forwarding in the host for switch %s", sw->name)))
		return err;
	/* Journaled before it is done, so that a crash right after still
	 * hands it back. */
	if (!state_seen(&u->lab.st, "forward") && (err = state_append(&u->lab.st, "forward")))
		return err;
	err = ip_forward_hold();
	if (err < 0)
		return err;
	u->changes += err;
	return 0;
}

/* Made before the switch's addresses, so that the host, which may
 * already forward for another lab, never forwards for them unconfined.
 * Its rules name interfaces, so a SNAT uplink made later is no matter. */
static int switch_table(struct up *u, struct sw *sw)
{
	static char text[16384];
	struct nft_bridge want = { 0 }, old = { 0 };
	bool masq = sw->dp == DP_KERNEL && sw->snat;
	char table[64], line[80];
	bool added, old_ok;
	struct addr net;
	int i, err;

	snprintf(table, sizeof(table), "nsfast-%s-%s", u->t->lab, sw->name);
	if (masq)
		err = step(u, "add nftables masquerade table %s", table);
	else if (sw->dp == DP_KERNEL)
		err = step(u, "add nftables table %s, confining what the host forwards for %s",
			   table, sw->ifname);
	else if (!sw->snat)
		err = step(u, "add nftables table %s, confining what the host forwards for host port %s",
			   table, sw->ifname);
	else
		err = step(u, "add nftables table %s, holding the NAT's ports on %s%s%s", table,
			   sw->uplink, has_v4(sw->host, sw->nhost) ? " and confining host port " : "",
			   has_v4(sw->host, sw->nhost) ? sw->ifname : "");
	if (err)
		return err;
	/* A userspace switch's host port without IPv4 is not the host's to
	 * route for. */
	snprintf(want.bridge, sizeof(want.bridge), "%s",
		 sw->dp == DP_KERNEL || has_v4(sw->host, sw->nhost) ? sw->ifname : "-");
	if (sw->snat && !masq) {
		snprintf(want.oif, sizeof(want.oif), "%s", sw->uplink);
		want.pmin = sw->nat_port_min;
		want.pmax = sw->nat_port_max;
	}
	if (masq) {
		for (i = 0; i < sw->ngateway && sw->gateway[i].family != AF_INET; i++)
			;
		addr_network(&sw->gateway[i], &net);
		addr_fmt(&net, want.subnet, sizeof(want.subnet));
		snprintf(want.oif, sizeof(want.oif), "%s", sw->uplink);
		want.pmin = sw->nat_port_min;
		want.pmax = sw->nat_port_max;
	}
	err = nft_table_text(table, text, sizeof(text));
	if (err && err != -ENOENT) {
		/* Not known to be absent: made anew, a table of that name
		 * would be merged into, and taken for the lab's. */
		snprintf(u->detail, sizeof(u->detail), "listing nftables table %s", table);
		return err;
	}
	if (!err) {
		if (!state_seen(&u->lab.st, "nft %s", table))
			return refuse(u, -EEXIST,
				      "nftables table '%s' exists and does not belong to this lab",
				      table);
		old_ok = !nft_bridge_parse(text, &old);
		if (old_ok && !memcmp(&old, &want, sizeof(want)))
			return 0;
		/* The file changed the subnet or the ports (or an nsfast
		 * without the comment made it). Connections already made keep
		 * theirs: conntrack holds them. A rollback puts it back. */
		pr_warn("switch %s: its %s changed: replacing nftables table %s\n", sw->name,
			sw->snat || old.oif[0] ? "SNAT settings" :
			sw->dp == DP_KERNEL ? "bridge" : "host port", table);
		if ((old_ok && (err = up_restore_nft(u, table, &old))) ||
		    (err = nft_bridge_put(table, &want, true, u->detail, sizeof(u->detail))))
			return err;
		u->changes++;
		return 0;
	}
	snprintf(line, sizeof(line), "nft %s", table);
	if ((err = up_journal(u, line, &added)))
		return err;
	if ((err = nft_bridge_put(table, &want, false, u->detail, sizeof(u->detail)))) {
		up_unjournal(u, added);
		return err;
	}
	up_made(u, added);
	return 0;
}

static int switch_table_at(struct up *u, struct sw *sw)
{
	int line = u->line, err;

	if (!up_switch_table_wanted(sw))
		return 0;
	if (sw->snat)
		u->line = sw->uplink_line;
	err = switch_table(u, sw);
	u->line = line;
	return err;
}

int up_kernel_forward(struct up *u, struct sw *sw)
{
	return sw->dp == DP_KERNEL && sw->snat ? kernel_forward(u, sw) : 0;
}
