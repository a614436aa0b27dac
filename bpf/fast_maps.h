/* SPDX-License-Identifier: GPL-2.0 */
/* The fast path's maps, defined once for the two programs that use them:
 * xsk_steer (dataplane xdp) and tc_steer (dataplane tc, which the daemon
 * hands xsk_steer's own maps with bpf_map__reuse_fd). The daemon is
 * their only writer but for the hit flags. */
#ifndef NSFAST_FAST_MAPS_H
#define NSFAST_FAST_MAPS_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <stdbool.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "map_layouts.h"

/* MAC -> port; the daemon sizes the map to its own table before loading.
 * Not preallocated, here and in the NAT maps: a preallocated hash map
 * hands a replaced or deleted element to the next update at once, under
 * a program on another CPU that may still be reading it (a frame sent
 * to another MAC's port, a packet given another connection's
 * addresses); these are freed after an RCU grace period instead. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct fdb_val);
} fdb SEC(".maps");

/* Per port and per CPU, so the fast path takes no lock; userspace sums
 * the CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_PORTS);
	__type(key, __u32);
	__type(value, struct fast_port_stats);
} fast_stats SEC(".maps");

/* The NAT fast path's outbound connections (nat_fast.h). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* see fdb */
	__uint(max_entries, 65536);
	__type(key, struct nat_out_key);
	__type(value, struct nat_out_val);
} nat_out SEC(".maps");

/* The source's entry when it is known on INGRESS, else NULL (unknown,
 * moved, or a group address): userspace must see the frame to learn.
 * Then *st is the ingress port's counters. Known on this port, so its
 * slot is the ingress's: no lookup of the port's slot by ifindex. */
static __always_inline struct fdb_val *fdb_src(const struct ethhdr *eth, __u32 ingress,
					       struct fast_port_stats **st)
{
	struct fdb_val *s;
	__u64 src = 0;

	if (eth->h_source[0] & 1)
		return NULL;
	__builtin_memcpy(&src, eth->h_source, ETH_ALEN);
	s = bpf_map_lookup_elem(&fdb, &src);
	if (!s || s->ifindex != ingress)
		return NULL;
	*st = bpf_map_lookup_elem(&fast_stats, &s->slot);
	return *st ? s : NULL;
}

/* The lookups both fast paths start with for unicast. Returns the
 * source's entry (fdb_src), or NULL when userspace must see the frame:
 * a broadcast or multicast one, or one from a source not known on
 * INGRESS. Then *d is the destination's entry, NULL when unknown (as the
 * gateway's MAC always is), keyed *dst. */
static __always_inline struct fdb_val *fdb_pair(const struct ethhdr *eth, __u32 ingress,
						struct fast_port_stats **st, struct fdb_val **d,
						__u64 *dst)
{
	struct fdb_val *s;

	if (eth->h_dest[0] & 1)
		return NULL;
	s = fdb_src(eth, ingress, st);
	if (!s)
		return NULL;
	*dst = 0;
	__builtin_memcpy(dst, eth->h_dest, ETH_ALEN);
	*d = bpf_map_lookup_elem(&fdb, dst);
	return s;
}

/* Broadcast and multicast the kernel may flood by itself: from a source
 * known on the ingress port (learning needs userspace), and, when the
 * switch has a gateway, IPv4 only: the gateway answers ARP and IPv6
 * neighbour solicitations, learns next hops from ARP, and sees through
 * VLAN tags, so those frames, tagged or not, still go to userspace. */
static __always_inline struct fdb_val *fdb_flood_src(const struct ethhdr *eth, __u32 ingress,
						     bool has_gw, struct fast_port_stats **st)
{
	if (!(eth->h_dest[0] & 1))
		return NULL;
	if (has_gw && eth->h_proto != bpf_htons(ETH_P_IP))
		return NULL;
	return fdb_src(eth, ingress, st);
}

#endif
