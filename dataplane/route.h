/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_ROUTE_H
#define NSFAST_ROUTE_H

#include <stdint.h>

#include "arp_table.h"
#include "pkt.h"

struct sw;
struct port;

/* The gateway's IPv4 router: frames sent to the gateway's MAC for an
 * address off the subnet go to the next hop of the longest matching
 * static route (a namespace on the subnet, found through the gateway's
 * own ARP table), else to the uplink through the NAT (next hop resolved
 * by the kernel's ARP on the uplink). TTL with ICMP time exceeded from
 * the gateway, so traceroute shows it. No allocation per frame; frames
 * waiting for a next hop's MAC keep their buffer in one bounded queue. */

#define RT_ROUTES_MAX 64 /* static routes of one switch */
#define RT_NEXTHOPS 256 /* uplink next hops remembered */
#define RT_HELD 64 /* frames waiting for a next hop's MAC */

/* A static route: dst/plen via a next hop on the switch's subnet. */
struct rt_route {
	uint32_t net, mask, via; /* network order; net has no host bits */
	uint8_t plen;
};

/* Longest prefix match; the first of equal prefixes wins. A handful of
 * routes per switch: a scan beats any structure. */
static inline const struct rt_route *rt_route_lookup(const struct rt_route *r, int n,
						     uint32_t dst)
{
	const struct rt_route *best = NULL;
	int i;

	for (i = 0; i < n; i++)
		if ((dst & r[i].mask) == r[i].net && (!best || r[i].plen > best->plen))
			best = &r[i];
	return best;
}

struct rt_nexthop {
	uint32_t ip;
	uint8_t mac[6];
	uint8_t resolved;
	uint64_t checked; /* last time the kernel was asked */
	/* The MAC every NAT fast path connection towards it was installed
	 * with (known set, from its first use; route_nexthops_check follows
	 * it). A colliding next hop that takes the slot sends those
	 * connections back through userspace first. */
	uint8_t known_mac[6];
	uint8_t known;
};

/* Where a routed frame goes once its next hop's MAC is known. */
enum rt_path {
	RT_UPLINK, /* translated, out of the uplink */
	RT_VIA, /* a static route's next hop on the subnet */
	RT_IN, /* NAT return traffic to the namespace it belongs to */
};

struct rt_held {
	uint64_t addr;
	uint32_t len;
	uint32_t nexthop;
	uint64_t since;
	uint8_t path; /* enum rt_path */
};

struct rt_stats {
	uint64_t routed_out, routed_in, ttl_exceeded, no_route, arp_held, arp_timeout,
		arp_overflow, in_no_host, bad, nat_drops;
	uint64_t routed_via; /* sent to a static route's next hop */
	uint64_t arp_requests; /* ARP requests the gateway sent on the subnet */
	uint64_t arp_no_frame; /* requests not sent: the frame pool was empty */
	uint64_t too_big; /* larger than the route's MTU: not routed as they are */
	uint64_t frag_needed; /* of those, answered with "fragmentation needed" */
	uint64_t fragmented; /* of those, without DF: cut into fragments */
	uint64_t fragments; /* the pieces they were cut into */
	uint64_t frag_no_frame; /* not cut: too few free frames */
	uint64_t frag_refused; /* not cut: options, MTU or size route_frag refuses */
	uint64_t icmp_limited; /* ICMP errors not sent: over the rate limit */
	uint64_t martian; /* from or to no one host's address: not routed */
};

struct rt {
	struct arp_table arp; /* the subnet's addresses and their MACs */
	struct rt_nexthop nexthops[RT_NEXTHOPS];
	struct rt_held held[RT_HELD];
	int nheld;
	bool learned; /* an address became known: held frames may go now */
	uint64_t last_poll;
	uint64_t full_logged; /* when "NAT table full" was last logged */
	uint64_t ports_logged; /* when "NAT ports all taken" was */
	uint32_t icmp_credit; /* ICMP errors that may go now (route_icmp.c) */
	uint64_t icmp_stamp; /* when the credit was last topped up */
	struct rt_stats st;
};

/* Feed the ARP table from a frame of an L2 port (before gw_handle). */
void route_learn(struct sw *sw, const struct pkt *p);
/* A frame to the gateway's MAC for an address off the subnet. */
void route_out(struct sw *sw, struct port *in, uint64_t addr, struct pkt *p);
/* A frame to the gateway's MAC for an address off the subnet, larger
 * than a buffer: len bytes in several buffers, p parsed from the copy
 * whole and pointing at the first buffer, addr. Answered (time exceeded,
 * fragmentation needed) or cut into fragments from whole: 0, addr taken,
 * the other buffers the caller's; or -ENOENT (no route), -EINVAL (not
 * routable IPv4): addr left to the caller. */
int route_out_big(struct sw *sw, struct port *in, uint64_t addr, struct pkt *p, uint32_t len,
		  const uint8_t *whole);
/* The largest packet routed out of the uplink (the fast paths' too). */
uint32_t route_uplink_mtu(const struct sw *sw);
/* The largest IPv4 packet the gateway sends out of L2 port `port`: its
 * MTU, or the smallest port's when the port is not one (FDB_PORT_NONE),
 * never above XDP_MTU_MAX (frames of one buffer). */
uint32_t route_port_mtu(const struct sw *sw, uint16_t port);
/* A frame received on the uplink port. */
void route_in(struct sw *sw, uint64_t addr, uint32_t len);
/* Held frames, next hop refresh: once per loop. */
void route_tick(struct sw *sw);
/* From the ageing pass, with the NAT fast path: follow the uplink's next
 * hops to the MACs the kernel has for them. */
void route_nexthops_check(struct sw *sw);
/* For route.c (route_icmp.c): an ICMP error about the IPv4 packet in
 * p (first buffer at addr) back to its sender through port in, from
 * src_ip and src_mac; mtu for "fragmentation needed". Takes addr, sent
 * or dropped (RFC 1812 4.3.2.7, rate limit). */
void route_icmp_error(struct sw *sw, struct port *in, uint64_t addr, struct pkt *p,
		      const uint8_t src_ip[4], const uint8_t src_mac[6], uint8_t type,
		      uint8_t code, uint16_t mtu);
/* For route.c (route_icmp.c): is dst the broadcast address of the
 * uplink's subnet, or its network address (below /31)? Not forwarded,
 * nor answered with an error (RFC 2644, RFC 1812 4.3.2.7). */
bool route_uplink_bcast(const struct sw *sw, const uint8_t dst[4]);
void route_time_exceeded(struct sw *sw, struct port *in, uint64_t addr, struct pkt *p);
void route_net_unreachable(struct sw *sw, struct port *in, uint64_t addr, struct pkt *p);
/* For route.c (route_nexthop.c): the MAC of a next hop, 0 and *mac when
 * known, -EAGAIN while it is being resolved (by the kernel on the
 * uplink, by the gateway's ARP requests on the subnet). */
int route_nexthop_mac(struct sw *sw, enum rt_path path, uint32_t hop, uint8_t mac[6]);

#endif
