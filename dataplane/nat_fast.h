/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_NAT_FAST_H
#define NSFAST_NAT_FAST_H

#include <stdbool.h>
#include <stdint.h>

#include "route.h"

/* dataplane xdp: translated connections carried by the XDP programs
 * (bpf/nat_fast.h), out on the ports and in on the uplink. The daemon's
 * conntrack stays the one place where connections are decided: it
 * installs a connection once it is open (UDP) or established (TCP) and
 * removes it when it expires or closes there. */

struct sw;

struct nat_fast_stats {
	uint64_t installed_out, installed_in, removed, refreshed, install_failed;
	uint64_t followed; /* inbound entries dropped because their MAC moved */
	uint64_t nexthop_changed; /* outbound entries dropped: their next hop's MAC changed */
	bool moved_macs; /* a MAC moved since the last nat_fast_follow */
};

/* Before the port program is loaded (the uplink's address and MAC known). */
int nat_fast_configure_ports(struct sw *sw);
/* Before the uplink program is loaded: share the ports' DEVMAP. */
int nat_fast_configure_uplink(struct sw *sw);
/* After both are loaded: the uplink as a redirect target (xdp), and the
 * hooks. */
int nat_fast_start(struct sw *sw);
/* A translated frame of the last connection nat_translate_* used leaves
 * towards mac (path RT_UPLINK, or RT_IN through port slot out). */
void nat_fast_sent(struct sw *sw, enum rt_path path, const uint8_t mac[6], uint16_t out);
/* Translated packets the uplink program sent straight to a port. */
uint64_t nat_fast_in_packets(struct sw *sw);
/* From the ageing pass: drop inbound entries whose MAC has moved. */
void nat_fast_follow(struct sw *sw);
/* Whether no connection is installed going out. */
bool nat_fast_out_empty(struct sw *sw);
/* A next hop's MAC changed from old, or the kernel gave up on it: drop
 * the outbound entries that send to old (route_nexthops_check). 0, or
 * -ENOMEM. */
int nat_fast_nexthop_changed(struct sw *sw, const uint8_t old[6]);

#endif
