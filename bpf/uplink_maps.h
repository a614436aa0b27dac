/* SPDX-License-Identifier: GPL-2.0 */
/* What the uplink's programs share: the XDP one (uplink_steer, dataplanes
 * afxdp and xdp, and on the uplink's slow-path end for tc) and tc_steer's
 * tc_uplink_in (dataplane tc). The uplink stays the host's: only return
 * traffic of the switch's NAT (TCP/UDP to the uplink address on a
 * reserved port, ICMP echo replies with a reserved id, ICMP errors
 * quoting such a flow) is the switch's; every other frame goes on to the
 * kernel untouched. A fragmented datagram is the switch's when its first
 * fragment is (frag_ours). */
#ifndef NSFAST_UPLINK_MAPS_H
#define NSFAST_UPLINK_MAPS_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "map_layouts.h"

/* <linux/icmp.h> pulls in libc headers that -target bpf lacks. */
#define ICMP_ECHOREPLY 0
#define ICMP_DEST_UNREACH 3
#define ICMP_ECHO 8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAMETERPROB 12

/* The NAT fast path's inbound connections (nat_fast.h). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* see fast_maps.h's fdb */
	__uint(max_entries, 65536);
	__type(key, struct nat_in_key);
	__type(value, struct nat_in_val);
} nat_in SEC(".maps");


struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, UP_STATS);
	__type(key, __u32);
	__type(value, __u64);
} uplink_stats SEC(".maps");

static __always_inline void uplink_count(__u32 what)
{
	__u64 *v = bpf_map_lookup_elem(&uplink_stats, &what);

	if (v)
		(*v)++;
}

/* The datagrams whose first fragment was the switch's: their later
 * fragments carry no ports to tell, and follow it. Written here, not by
 * the daemon: they come right behind the first one, before the daemon
 * could have seen it. Every fragment carries the key (the destination
 * is the uplink's address). An entry ends once its datagram's bytes have
 * all come (in any order: a network may reorder fragments), or after as
 * long as the NAT keeps it (nat_frag.h), so that it never takes a later
 * datagram of the host's with the same key; an LRU map, so nothing else
 * cleans it. */
#define FRAG_TIMEOUT_NS (30ull * 1000000000ull)

struct frag_key {
	__u32 saddr;
	__u16 id;
	__u8 proto;
	__u8 pad;
};

struct frag_seen {
	__u64 first_ns; /* when the first fragment came */
	__u32 bytes; /* IP payload bytes come so far */
	__u32 total; /* the datagram's, from its last fragment; 0: not yet */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, struct frag_key);
	__type(value, struct frag_seen);
} frag_ours SEC(".maps");

/* The IP payload bytes of a fragment. */
static __always_inline __u32 frag_len(const struct iphdr *ip)
{
	__u32 tot = bpf_ntohs(ip->tot_len), hl = ip->ihl * 4u;

	return tot > hl ? tot - hl : 0;
}

/* A later fragment: the switch's when its first one was, not long ago.
 * Plain adds, not atomic ones: a lost update only keeps the entry until
 * its timeout, as a lost fragment does. */
static __always_inline int frag_later_ours(struct iphdr *ip, struct frag_key *k)
{
	struct frag_seen *v = bpf_map_lookup_elem(&frag_ours, k);
	__u32 len;

	if (!v)
		return 0;
	if (bpf_ktime_get_ns() - v->first_ns > FRAG_TIMEOUT_NS) {
		bpf_map_delete_elem(&frag_ours, k);
		return 0;
	}
	len = frag_len(ip);
	v->bytes += len;
	if (!(ip->frag_off & bpf_htons(0x2000)))
		v->total = (bpf_ntohs(ip->frag_off) & 0x1fff) * 8u + len;
	if (v->total && v->bytes >= v->total)
		bpf_map_delete_elem(&frag_ours, k);
	return 1;
}

/* The NAT's external ports (or ICMP ids), host order. */
struct nat_ports {
	__u32 ext_ip; /* network order */
	__u16 min, max;
	__u64 mac; /* the uplink's own, as fast_mac_key keys it */
};

static __always_inline int reserved(const struct nat_ports *np, __u16 port_be)
{
	__u16 p = bpf_ntohs(port_be);

	return p >= np->min && p <= np->max;
}

/* Is the quoted packet of an ICMP error one of ours (source = uplink
 * address, source port or echo id reserved)? */
static __always_inline int quotes_ours(const struct nat_ports *np, struct iphdr *in, void *end)
{
	__u8 *l4;

	/* A quoted later fragment has no ports to tell (nat.c refuses it). */
	if ((void *)(in + 1) > end || in->ihl < 5 || in->saddr != np->ext_ip ||
	    (in->frag_off & bpf_htons(0x1fff)))
		return 0;
	l4 = (__u8 *)in + in->ihl * 4;
	if ((void *)(l4 + 8) > end)
		return 0;
	if (in->protocol == IPPROTO_TCP || in->protocol == IPPROTO_UDP)
		return reserved(np, *(__u16 *)l4);
	if (in->protocol == IPPROTO_ICMP)
		return l4[0] == ICMP_ECHO && reserved(np, *(__u16 *)(l4 + 4));
	return 0;
}

/* Bytes from the frame's start that uplink_ours may read: Ethernet,
 * IPv4 with options, ICMP, and the quoted IPv4 header with options and
 * 8 bytes. */
#define UPLINK_PEEK (ETH_HLEN + 60 + 8 + 60 + 8)

/* The frame's IPv4 header when the frame is the switch's, else NULL. */
static __always_inline struct iphdr *uplink_ours(const struct nat_ports *np, void *data, void *end)
{
	struct ethhdr *eth = data;
	struct iphdr *ip = (struct iphdr *)(eth + 1);
	struct frag_key k = {};
	struct frag_seen seen = {};
	__u64 dst = 0;
	__u8 *l4;
	int ours = 0, first = 0;

	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return NULL;
	if (ip->daddr != np->ext_ip || ip->ihl < 5)
		return NULL;
	/* Only what is sent to the uplink's MAC, as Linux forwards only
	 * that (PACKET_HOST): another host's frame, or a broadcast, is the
	 * host stack's to drop or take. */
	__builtin_memcpy(&dst, eth->h_dest, ETH_ALEN);
	if (dst != np->mac)
		return NULL;
	if (ip->frag_off & bpf_htons(0x3fff)) {
		k.saddr = ip->saddr;
		k.id = ip->id;
		k.proto = ip->protocol;
		if (ip->frag_off & bpf_htons(0x1fff))
			return frag_later_ours(ip, &k) ? ip : NULL;
		first = 1;
	}
	l4 = (__u8 *)ip + ip->ihl * 4;
	if ((void *)(l4 + 8) > end)
		goto out;
	switch (ip->protocol) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		ours = reserved(np, *(__u16 *)(l4 + 2));
		break;
	case IPPROTO_ICMP:
		if (l4[0] == ICMP_ECHOREPLY)
			ours = reserved(np, *(__u16 *)(l4 + 4));
		else if (l4[0] == ICMP_DEST_UNREACH || l4[0] == ICMP_TIME_EXCEEDED ||
			 l4[0] == ICMP_PARAMETERPROB)
			ours = quotes_ours(np, (struct iphdr *)(l4 + 8), end);
		break;
	}
out:
	/* Not ours: an entry of an earlier datagram with the same id must
	 * not take this one's later fragments from the host. */
	if (first && ours) {
		seen.first_ns = bpf_ktime_get_ns();
		seen.bytes = frag_len(ip);
		bpf_map_update_elem(&frag_ours, &k, &seen, BPF_ANY);
	}
	else if (first)
		bpf_map_delete_elem(&frag_ours, &k);
	return ours ? ip : NULL;
}

#endif
