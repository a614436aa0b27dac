/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_NAT_CSUM_H
#define NSFAST_NAT_CSUM_H

/* Field access, incremental checksum updates and in-place rewrites for
 * nat.c. Header-only (static inline) so the NAT still builds from nat.c,
 * nat_index.c and pkt.c alone.
 *
 * Fields are read and written byte by byte in network order: headers sit
 * at arbitrary offsets in the frame, so no casts to wider types.
 *
 * Incremental updates follow RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'):
 * a "delta" is the one's complement sum of ~old + new over every 16-bit
 * word that changed, built with nat_d16/nat_d32 and applied once per
 * checksum field. Unlike eqn. 2 this never produces -0 from +0 data, and
 * it keeps an incoming bad checksum bad instead of laundering it. Every
 * delta here holds at most a dozen terms, far from overflowing 32 bits. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nat.h"
#include "pkt.h"

/* One 16-bit word changed from o to n. */
static inline uint32_t nat_d16(uint16_t o, uint16_t n)
{
	return (uint32_t)(uint16_t)~o + n;
}

/* A 32-bit field (an address) changed: two words. */
static inline uint32_t nat_d32(uint32_t o, uint32_t n)
{
	return nat_d16((uint16_t)(o >> 16), (uint16_t)(n >> 16)) + nat_d16((uint16_t)o, (uint16_t)n);
}

/* The checksum field value after applying delta to a field holding c. */
static inline uint16_t nat_csum_apply(uint16_t c, uint32_t delta)
{
	uint32_t s = (uint32_t)(uint16_t)~c + delta;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Update the checksum stored at field; returns the old and new values
 * through *o and *n so callers can feed the change into an enclosing
 * checksum (the ICMP checksum covers the quoted headers' checksums). */
static inline void nat_csum_update(uint8_t *field, uint32_t delta, uint16_t *o, uint16_t *n)
{
	*o = be16_get(field);
	*n = nat_csum_apply(*o, delta);
	be16_put(field, *n);
}

/* UDP over IPv4: 0 means "no checksum" and must stay 0, and a computed
 * 0 is sent as 0xffff so it does not turn into "no checksum". */
static inline void nat_udp_csum_update(uint8_t *field, uint32_t delta, uint16_t *o, uint16_t *n)
{
	*o = be16_get(field);
	*n = *o;
	if (*o == 0)
		return;
	*n = nat_csum_apply(*o, delta);
	if (*n == 0)
		*n = 0xffff;
	be16_put(field, *n);
}

/* --- frame helpers ----------------------------------------------- */

#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define ICMP_ECHO 8
#define ETH_P_IPV4_ 0x0800

/* A frame's IPv4 header and L4 as found by nat itself: pkt_parse has
 * run, but every offset is re-derived and re-checked here so a stale or
 * hand-made struct pkt cannot make us read or write outside the frame. */
struct ip4 {
	uint8_t *ip, *l4;
	uint32_t l4len;
	uint32_t saddr, daddr;
	uint8_t proto;
	bool frag;
};

static inline enum nat_verdict nat_parse_ip4(const struct pkt *p, struct ip4 *h)
{
	if (p->ethertype != ETH_P_IPV4_)
		return NAT_DROP_UNSUPPORTED;
	if (!p->data || p->l3_off == 0 || p->l3_off > p->len || p->len - p->l3_off < 20)
		return NAT_DROP_BAD;
	uint8_t *ip = p->data + p->l3_off;
	uint32_t avail = p->len - p->l3_off;
	uint32_t hl = (uint32_t)(ip[0] & 0x0f) * 4, tot = be16_get(ip + 2);
	if (ip[0] >> 4 != 4 || hl < 20 || tot < hl || tot > avail)
		return NAT_DROP_BAD;
	h->ip = ip;
	h->l4 = ip + hl;
	h->l4len = tot - hl;
	h->saddr = be32_get(ip + 12);
	h->daddr = be32_get(ip + 16);
	h->proto = ip[9];
	h->frag = p->is_frag || (be16_get(ip + 6) & 0x3fff);
	return NAT_OK;
}

/* Where the port or ICMP id sits and where the L4 checksum sits, and the
 * minimum L4 length that holds both. */
static inline bool nat_l4_fields(uint8_t proto, uint32_t *csum_off, uint32_t *min_len)
{
	switch (proto) {
	case PROTO_TCP: *csum_off = 16; *min_len = 20; return true;
	case PROTO_UDP: *csum_off = 6; *min_len = 8; return true;
	case PROTO_ICMP: *csum_off = 2; *min_len = 8; return true;
	default: return false;
	}
}

/* Rewrite one address (at ip + addr_off) and one port/id (at port) and
 * fix the IPv4 and L4 checksums. */
static inline void nat_rewrite(struct ip4 *h, unsigned int addr_off, uint32_t addr, uint8_t *port,
		    uint16_t newport, uint32_t csum_off)
{
	uint32_t da = nat_d32(be32_get(h->ip + addr_off), addr);
	uint32_t dp = nat_d16(be16_get(port), newport);
	uint16_t o, n;

	nat_csum_update(h->ip + 10, da, &o, &n);
	be32_put(h->ip + addr_off, addr);
	be16_put(port, newport);
	if (h->proto == PROTO_UDP)
		nat_udp_csum_update(h->l4 + csum_off, da + dp, &o, &n);
	else if (h->proto == PROTO_TCP)
		nat_csum_update(h->l4 + csum_off, da + dp, &o, &n);
	else /* ICMP: no pseudo-header */
		nat_csum_update(h->l4 + csum_off, dp, &o, &n);
}

/* An ICMP error quotes a packet we translated on its way out: give the
 * quote back its original source (from_ip:from_port -> to_ip:to_port)
 * in the quoted IPv4 header and L4 (port or echo id), with their
 * checksums, then fix the ICMP checksum and the outer destination.
 * Every word changed inside the quote also changes the ICMP checksum;
 * the quote starts at ICMP offset 8 and all its fields are 16-bit
 * aligned, so the same deltas apply to it. The caller checked that
 * the quote holds the IPv4 header (ihl bytes) and 8 L4 bytes. */
static inline void nat_quote_rewrite(struct ip4 *h, uint8_t *in, uint32_t ihl, uint32_t qlen,
				     uint8_t *port_field, uint32_t from_ip, uint32_t to_ip,
				     uint16_t from_port, uint16_t to_port)
{
	uint8_t iproto = in[9], *ql4 = in + ihl;
	uint32_t da = nat_d32(from_ip, to_ip), dp = nat_d16(from_port, to_port);
	uint32_t d_icmp = da + dp, csum_off = 0, min_len;
	uint16_t o, n;

	nat_l4_fields(iproto, &csum_off, &min_len);
	nat_csum_update(in + 10, da, &o, &n);
	d_icmp += nat_d16(o, n);
	be32_put(in + 12, to_ip);
	be16_put(port_field, to_port);
	if (iproto == PROTO_UDP) {
		nat_udp_csum_update(ql4 + csum_off, da + dp, &o, &n);
		d_icmp += nat_d16(o, n);
	} else if (iproto == PROTO_TCP) {
		if (qlen >= csum_off + 2) { /* often cut: only 8 bytes quoted */
			nat_csum_update(ql4 + csum_off, da + dp, &o, &n);
			d_icmp += nat_d16(o, n);
		}
	} else { /* echo request: no pseudo-header */
		nat_csum_update(ql4 + csum_off, dp, &o, &n);
		d_icmp += nat_d16(o, n);
	}
	nat_csum_update(h->l4 + 2, d_icmp, &o, &n);
	nat_csum_update(h->ip + 10, da, &o, &n);
	be32_put(h->ip + 16, to_ip);
}

#endif
