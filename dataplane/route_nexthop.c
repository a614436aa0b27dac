/* SPDX-License-Identifier: MIT */
/* The gateway's next hops: on the subnet by its own ARP table (asked
 * with ARP requests of its own), on the uplink by the kernel's
 * neighbour table, which the NAT fast path's installed connections are
 * kept in step with. */
#include <errno.h>
#include <string.h>

#include "../control/nl.h"
#include "nat_fast.h"
#include "route.h"
#include "switch.h"

#define NEXTHOP_TTL_NS 30000000000ull /* re-check a resolved next hop after 30 s */

static uint32_t hash32(uint32_t v)
{
	return (v * 2654435761u) >> 16;
}

/* The NAT fast path's connections towards a next hop go back through
 * userspace: 0, or -ENOMEM (nothing changed). Only with that fast path;
 * without it, there is nothing to drop. */
static int nexthop_drop_fast(struct sw *sw, const struct rt_nexthop *nh)
{
	if (!nh->known || !sw->cfg.fast_nat)
		return 0;
	return nat_fast_nexthop_changed(sw, nh->known_mac);
}

static struct rt_nexthop *nexthop_find(struct sw *sw, uint32_t ip)
{
	struct rt_nexthop *nh = &sw->rt.nexthops[hash32(ip) % RT_NEXTHOPS];

	if (nh->ip != ip) {
		/* A cache: a colliding next hop takes the slot, and the
		 * connections towards the one it held go back through
		 * userspace, since nothing follows that one any more (out
		 * of memory, they stay: the walk would have failed anyway). */
		nexthop_drop_fast(sw, nh);
		memset(nh, 0, sizeof(*nh));
		nh->ip = ip;
	}
	return nh;
}

/* What the kernel knows of the next hop on the uplink: 0 (nh->mac is
 * its MAC) or nl_neigh_get's error. */
static int nexthop_read(struct sw *sw, struct rt_nexthop *nh)
{
	uint8_t mac[6];
	int err = nl_neigh_get(&sw->nl, sw->up_ifindex, (const uint8_t *)&nh->ip, mac);

	nh->checked = sw->now;
	nh->resolved = err == 0;
	if (!err)
		memcpy(nh->mac, mac, 6);
	return err;
}

/* Ask the kernel what it knows of ip on the uplink, and to resolve it if
 * it knows nothing yet. */
static void nexthop_check(struct sw *sw, struct rt_nexthop *nh)
{
	if (nexthop_read(sw, nh))
		nl_neigh_resolve(&sw->nl, sw->up_ifindex, (const uint8_t *)&nh->ip);
}

/* The NAT fast path's outbound connections keep the next hop's MAC they
 * were installed with, and the host's stack, which they bypass, has no
 * reason to re-validate its neighbour entry. So once a pass each next
 * hop the switch sent through is read back, and used as the host's own
 * traffic would use it (NTF_USE: the kernel probes a stale entry). When
 * its MAC changed, or the kernel gave up on it (failed, or gone), the
 * connections installed towards the old MAC go back through userspace,
 * which resolves the next hop anew and installs them towards what it
 * finds; a next hop given up on is not probed again from here. At most
 * two netlink round trips a second per such next hop, none without
 * installed connections. */
void route_nexthops_check(struct sw *sw)
{
	if (nat_fast_out_empty(sw))
		return;
	for (int i = 0; i < RT_NEXTHOPS; i++) {
		struct rt_nexthop *nh = &sw->rt.nexthops[i];
		int err;

		if (!nh->known)
			continue;
		err = nexthop_read(sw, nh);
		if (err || memcmp(nh->known_mac, nh->mac, 6)) {
			/* On failure (no memory) the next pass tries again. */
			if (nexthop_drop_fast(sw, nh))
				continue;
			nh->known = !err;
			memcpy(nh->known_mac, nh->mac, 6);
		}
		if (!err)
			nl_neigh_resolve(&sw->nl, sw->up_ifindex, (const uint8_t *)&nh->ip);
	}
}

/* ARP request from the gateway into the switch: the answer comes back
 * through switch_frame and route_learn. */
static void arp_request(struct sw *sw, uint32_t ip)
{
	uint8_t *d;
	uint64_t a;

	if (!sw->umem.nfree) {
		sw->rt.st.arp_no_frame++;
		return;
	}
	a = frame_take(&sw->umem);
	d = xsk_umem__get_data(sw->umem.area, a);
	memset(d, 0xff, 6);
	memcpy(d + 6, sw->cfg.gw.mac, 6);
	d[12] = 0x08, d[13] = 0x06;
	d[14] = 0, d[15] = 1, d[16] = 0x08, d[17] = 0, d[18] = 6, d[19] = 4, d[20] = 0, d[21] = 1;
	memcpy(d + 22, sw->cfg.gw.mac, 6);
	memcpy(d + 28, sw->cfg.gw.v4, 4);
	memset(d + 32, 0, 6);
	memcpy(d + 38, &ip, 4);
	sw->rt.st.arp_requests++;
	switch_flood(sw, NULL, a, 42);
}

int route_nexthop_mac(struct sw *sw, enum rt_path path, uint32_t hop, uint8_t mac[6])
{
	struct rt_nexthop *nh;
	bool ask;
	int err;

	if (path != RT_UPLINK) {
		err = arp_resolve(&sw->rt.arp, hop, sw->now, mac, &ask);
		if (ask)
			arp_request(sw, hop);
		return err;
	}
	nh = nexthop_find(sw, hop);
	/* At most one netlink round trip per next hop and loop. */
	if ((!nh->resolved || sw->now - nh->checked > NEXTHOP_TTL_NS) && nh->checked != sw->now)
		nexthop_check(sw, nh);
	if (!nh->resolved)
		return -EAGAIN;
	/* Every connection the NAT fast path has towards this next hop sends
	 * to known_mac (route_nexthops_check follows it from here on): before
	 * one is installed towards another MAC, the others go. */
	if (!nh->known || memcmp(nh->known_mac, nh->mac, 6)) {
		if (nexthop_drop_fast(sw, nh))
			return -EAGAIN; /* held, and asked again */
		memcpy(nh->known_mac, nh->mac, 6);
		nh->known = 1;
	}
	memcpy(mac, nh->mac, 6);
	return 0;
}
