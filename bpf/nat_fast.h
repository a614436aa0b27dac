/* SPDX-License-Identifier: GPL-2.0 */
/* The NAT fast path's maps and helpers, shared by the port program
 * (outbound) and the uplink program (inbound). Only connections the
 * userspace conntrack has seen established (TCP) or opened (UDP) are
 * here, installed and removed by the daemon alone; the programs mark
 * when an entry last carried traffic (bpf/hit_clock.h), so that one whose
 * traffic never reaches userspace does not expire there. TCP segments with SYN, FIN or RST always take the
 * slow path, so the conntrack sees every state change. */
#ifndef NSFAST_NAT_FAST_H
#define NSFAST_NAT_FAST_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "map_layouts.h"

/* RFC 1624: HC' = ~(~HC + ~m + m'), 16 bits at a time, in the byte
 * order of memory (one's complement sums do not care which). */
static __always_inline __u32 csum_add16(__u32 s, __u16 from, __u16 to)
{
	return s + (__u16)~from + to;
}

static __always_inline __u32 csum_add32(__u32 s, __u32 from, __u32 to)
{
	s = csum_add16(s, (__u16)from, (__u16)to);
	return csum_add16(s, (__u16)(from >> 16), (__u16)(to >> 16));
}

static __always_inline __u16 csum_fold(__u32 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

/* Does the 20-byte IPv4 header at ip sum to all ones? Linux's ip_rcv
 * drops one that does not, and so does the slow path (gw_bad going out,
 * the router's bad coming in): translated here, it would leave with a
 * checksum updated incrementally from a wrong one, and be counted as
 * translated. Five 32-bit loads: the header nat_l4 takes has no
 * options, and a one's complement sum of 32-bit words folds to the same
 * 16 bits, in either byte order. */
static __always_inline int ip_csum_ok(const struct iphdr *ip)
{
	const __u32 *w = (const __u32 *)ip;
	__u64 s = (__u64)w[0] + w[1] + w[2] + w[3] + w[4];

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return s == 0xffff;
}

/* The L4 header of a plain IPv4 TCP or UDP packet the fast path may
 * carry, or NULL: options, fragments, TTL about to run out, a bad
 * header checksum, TCP state changes and anything else go to
 * userspace. room: the bytes from ip to the frame's end (all its
 * buffers, the whole skb). The packet must be whole and its L4 header
 * in it: the Ethernet padding after a short packet is not a header to
 * translate, and a packet cut short is the slow path's to drop. A GSO packet's total length is its own, whole. */
static __always_inline void *nat_l4(struct iphdr *ip, void *end, __u64 room)
{
	void *l4 = ip + 1;
	__u32 tot;

	if ((void *)(ip + 1) > end || ip->version != 4 || ip->ihl != 5 ||
	    (ip->frag_off & bpf_htons(0x3fff)) || ip->ttl <= 1 || !ip_csum_ok(ip))
		return NULL;
	tot = bpf_ntohs(ip->tot_len);
	if (tot > room)
		return NULL;
	if (ip->protocol == IPPROTO_TCP) {
		struct tcphdr *t = l4;

		if ((void *)(t + 1) > end || t->doff < 5 ||
		    tot < sizeof(*ip) + (__u32)t->doff * 4 || t->syn || t->fin || t->rst)
			return NULL;
		return l4;
	}
	if (ip->protocol == IPPROTO_UDP && l4 + sizeof(struct udphdr) <= end &&
	    tot >= sizeof(*ip) + sizeof(struct udphdr))
		return l4;
	return NULL;
}

/* The ports of an outbound IPv4 packet the fast path may carry, with its
 * nat_out key filled in, or NULL (see nat_l4; len: the frame's). */
static __always_inline __u16 *nat_out_key_of(struct ethhdr *eth, void *end, __u64 len,
					     struct nat_out_key *k)
{
	struct iphdr *ip = (struct iphdr *)(eth + 1);
	__u16 *ports;

	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) || len < ETH_HLEN)
		return NULL;
	ports = nat_l4(ip, end, len - ETH_HLEN);
	if (!ports)
		return NULL;
	k->int_ip = ip->saddr;
	k->rem_ip = ip->daddr;
	k->int_port = ports[0];
	k->rem_port = ports[1];
	k->proto = ip->protocol;
	return ports;
}

/* The ports of an inbound IPv4 packet the fast path may carry, with its
 * nat_in key filled in, or NULL (see nat_l4). */
static __always_inline __u16 *nat_in_key_of(struct iphdr *ip, void *end, __u64 room,
					    struct nat_in_key *k)
{
	__u16 *ports = nat_l4(ip, end, room);

	if (!ports)
		return NULL;
	k->rem_ip = ip->saddr;
	k->rem_port = ports[0];
	k->ext_port = ports[1];
	k->proto = ip->protocol;
	return ports;
}

/* Rewrite one address and one port of the packet (the source going out,
 * the destination coming in), decrement the TTL, and update the IPv4
 * and L4 checksums incrementally. The L4 checksum must be complete:
 * the daemon only turns this path on where senders finish their own. */
static __always_inline int nat_rewrite(struct iphdr *ip, void *l4, void *end, __u32 *addr,
				       __u32 to_addr, __u16 *port, __u16 to_port)
{
	__u16 *l4sum = ip->protocol == IPPROTO_TCP ? &((struct tcphdr *)l4)->check :
						     &((struct udphdr *)l4)->check;
	__u16 ttl_old = *(__u16 *)&ip->ttl, ttl_new;
	__u32 s;

	/* nat_l4 checked this already, but the compiler may merge its TCP
	 * and UDP paths so that the verifier no longer knows it. */
	if ((void *)(l4sum + 1) > end)
		return -1;

	ip->ttl--;
	ttl_new = *(__u16 *)&ip->ttl;
	s = csum_add32((__u16)~ip->check, *addr, to_addr);
	ip->check = csum_fold(csum_add16(s, ttl_old, ttl_new));
	/* UDP over IPv4 may carry no checksum (0): it stays without. */
	if (ip->protocol == IPPROTO_TCP || *l4sum) {
		s = csum_add32((__u16)~*l4sum, *addr, to_addr);
		*l4sum = csum_fold(csum_add16(s, *port, to_port));
		if (ip->protocol == IPPROTO_UDP && !*l4sum)
			*l4sum = 0xffff;
	}
	*addr = to_addr;
	*port = to_port;
	return 0;
}

#endif
