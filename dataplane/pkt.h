/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_PKT_H
#define NSFAST_PKT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Frame parsing for the switch. Every header is bounds-checked before it
 * is read; a frame that cannot be parsed is reported as such and the
 * caller drops and counts it. No allocation. */

enum pkt_verdict {
	PKT_OK = 0,
	PKT_RUNT, /* shorter than an Ethernet header (14 B) */
	PKT_BAD_L3, /* IPv4/IPv6/ARP header truncated or inconsistent */
	PKT_BAD_L4, /* TCP/UDP/ICMP header truncated */
};

struct pkt {
	uint8_t *data;
	uint32_t len;
	const uint8_t *dst, *src; /* MACs */
	uint16_t ethertype; /* host order, after at most two VLAN tags */
	uint16_t l3_off; /* 0 if not IPv4/IPv6/ARP */
	uint16_t l4_off; /* 0 if no L4 header we understand */
	uint8_t l4_proto; /* IPPROTO_* when l4_off != 0 */
	uint16_t l4_len; /* L4 length from the IP header (header + payload) */
	bool is_frag; /* IPv4 fragment (offset != 0 or MF): no L4 */
	/* IPv6: where the final destination is (RFC 8200 8.1), 0 for the
	 * header's own; with a routing header that has segments left, the
	 * last address it will be sent to, or v6_dst_unknown for a type
	 * whose layout pkt.c does not know. */
	uint16_t v6_dst_off;
	bool v6_dst_unknown;
};

enum pkt_verdict pkt_parse(uint8_t *data, uint32_t len, struct pkt *p);

/* veth hands frames from a namespace up with CHECKSUM_PARTIAL: the TCP or
 * UDP checksum field holds only the folded pseudo-header sum. If that is
 * what the field holds, compute the full checksum in place and return 1;
 * return 0 if the frame was left alone (complete checksum, not TCP/UDP,
 * fragment, UDP with checksum 0). A complete checksum that happens to
 * equal the pseudo-header sum is recomputed to the same value. */
int pkt_csum_complete(struct pkt *p);

/* Network byte order fields, at any alignment. */
static inline uint16_t be16_get(const uint8_t *b)
{
	return (uint16_t)((uint16_t)b[0] << 8 | b[1]);
}

static inline void be16_put(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static inline uint32_t be32_get(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static inline void be32_put(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

/* Is a (network order) one host's address, one that may be answered
 * (RFC 1122 3.2.1.3, RFC 1812 4.3.2.7)? Not "this network" (0/8),
 * loopback (127/8), multicast or class E. */
static inline bool ipv4_one_host(const uint8_t a[4])
{
	return a[0] != 0 && a[0] != 127 && a[0] < 0xe0;
}

/* Is addr the network or the broadcast address of net/plen (both in
 * host order)? A /31 or /32 has neither: both its addresses are hosts'
 * (RFC 3021). */
static inline bool ipv4_subnet_edge(uint32_t addr, uint32_t net, int plen)
{
	uint32_t host = plen < 31 ? ~0u >> plen : 0;

	return host && (addr & ~host) == (net & ~host) &&
	       ((addr & host) == 0 || (addr & host) == host);
}

/* The IPv6 counterpart (RFC 4291 2.5.2, 2.5.3, 2.7): not unspecified,
 * not loopback, not multicast, and not IPv4-mapped (2.5.5.2): such an
 * address names an IPv4 host inside a dual stack, never on the wire
 * (RFC 6890: not forwardable). */
static inline bool ipv6_one_host(const uint8_t a[16])
{
	static const uint8_t zero[15], mapped[12] = { [10] = 0xff, [11] = 0xff };

	return a[0] != 0xff && (memcmp(a, zero, 15) != 0 || a[15] > 1) && memcmp(a, mapped, 12) != 0;
}

/* What the options of the IPv4 header at ip (its length checked by
 * pkt_parse) make of it, as Linux's ip_options_compile on a packet it
 * receives. The options are walked within the header: end of list (0)
 * stops, no-op (1) is one byte, any other is type and length.
 * IPV4_OPTS_SOURCE_ROUTED: a loose or strict source route (LSRR 131,
 * SSRR 137), its type being enough; Linux, with accept_source_route 0
 * (its default), drops such a packet whether it is for the host or to be
 * forwarded. IPV4_OPTS_BAD: before any, an option whose length is below
 * 2 or runs past the header; Linux drops it (IPSTATS InHdrErrors, and a
 * parameter problem nsfast does not send). */
enum ipv4_opts { IPV4_OPTS_OK, IPV4_OPTS_SOURCE_ROUTED, IPV4_OPTS_BAD };
enum ipv4_opts ipv4_options(const uint8_t *ip);

/* RFC 1071 helpers, exposed for tests and the gateway. */
uint32_t csum_add(uint32_t sum, const void *data, uint32_t len);
uint16_t csum_fold(uint32_t sum);

/* Does the IPv4 header at ip (its length checked by pkt_parse) sum to
 * zero, as RFC 1812 5.2.2 asks of what a router takes? */
static inline bool ipv4_hdr_ok(const uint8_t *ip)
{
	return csum_fold(csum_add(0, ip, (uint32_t)(ip[0] & 0x0f) * 4)) == 0;
}

#endif
