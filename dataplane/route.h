/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_ROUTE_H
#define NSFAST_ROUTE_H

#include <stdint.h>

#include "pkt.h"

struct sw;
struct port;

/* Routing between the switch's subnet and its uplink, through the NAT:
 * TTL (with ICMP time exceeded from the gateway, so traceroute shows
 * it), MAC rewrite, next hop resolved by the kernel's ARP on the uplink,
 * and a small table of the namespaces' own addresses learned from their
 * traffic. No allocation per frame; held frames keep their buffer. */

#define RT_HOSTS 1024 /* namespace addresses remembered (a cache) */
#define RT_NEXTHOPS 64 /* uplink next hops remembered */
#define RT_HELD 64 /* frames waiting for a next hop's MAC */

struct rt_host {
	uint32_t ip; /* network order, 0 = empty */
	uint8_t mac[6];
};

struct rt_nexthop {
	uint32_t ip;
	uint8_t mac[6];
	uint8_t resolved;
	uint64_t checked; /* last time the kernel was asked */
};

struct rt_held {
	uint64_t addr;
	uint32_t len;
	uint32_t nexthop;
	uint64_t since;
};

struct rt_stats {
	uint64_t routed_out, routed_in, ttl_exceeded, no_route, arp_held, arp_timeout,
		arp_overflow, in_no_host, bad, nat_drops;
};

struct rt {
	struct rt_host hosts[RT_HOSTS];
	struct rt_nexthop nexthops[RT_NEXTHOPS];
	struct rt_held held[RT_HELD];
	int nheld;
	uint64_t last_poll;
	uint64_t full_logged; /* when "NAT table full" was last logged */
	struct rt_stats st;
};

/* Remember which MAC a namespace address has (frames from L2 ports). */
void route_learn(struct sw *sw, const struct pkt *p);
/* A frame to the gateway's MAC for an address off the subnet. */
void route_out(struct sw *sw, struct port *in, uint64_t addr, struct pkt *p);
/* A frame received on the uplink port. */
void route_in(struct sw *sw, uint64_t addr, uint32_t len);
/* Held frames, next hop refresh, NAT expiry: once per loop. */
void route_tick(struct sw *sw);

#endif
