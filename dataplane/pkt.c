/* SPDX-License-Identifier: MIT */
/* Per-frame parsing and checksum completion.
 *
 * Every multi-byte field is read with memcpy-based helpers: frames start
 * at arbitrary offsets in the UMEM and VLAN tags or IP options shift the
 * headers, so casting to struct pointers would be misaligned access.
 *
 * Checksum conventions used here (and by gateway.c):
 *  - csum_add() returns a 32-bit one's complement accumulator of the data
 *    taken as big-endian 16-bit words (an odd trailing byte is the high
 *    byte of a word padded with zero). Only the LAST chunk added may have
 *    an odd length, otherwise the word boundaries shift.
 *  - csum_fold() folds the accumulator to 16 bits and complements it, like
 *    the kernel's csum_fold(): the result is the value to store (with a
 *    big-endian write), and a region that includes a correct checksum
 *    field folds to 0.
 */
#include <string.h>

#include "pkt.h"

#define ETH_HLEN_ 14
#define ETH_P_IPV4_ 0x0800
#define ETH_P_ARP_ 0x0806
#define ETH_P_IPV6_ 0x86dd
#define ETH_P_8021Q_ 0x8100
#define ETH_P_8021AD_ 0x88a8

#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ICMPV6 58
#define NH_HOPOPTS 0
#define NH_ROUTING 43
#define NH_FRAGMENT 44
#define NH_DSTOPTS 60

/* End-around carry: 2^32 == 1 (mod 0xffff), so adding the carry back in
 * keeps the accumulator congruent to the true one's complement sum. */
static inline uint32_t add32(uint32_t a, uint32_t b)
{
	uint32_t s = a + b;
	return s + (s < a);
}

static inline uint16_t fold16(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

uint32_t csum_add(uint32_t sum, const void *data, uint32_t len)
{
	const uint8_t *b = data;
	uint64_t acc = 0;
	uint32_t i = 0;

	/* Sum native-endian words 4 bytes at a time into 64 bits (no carry
	 * loss for any uint32_t length); the one's complement sum is byte
	 * order independent up to a final byte swap of the folded value. */
	for (; i + 4 <= len; i += 4) {
		uint32_t w;
		memcpy(&w, b + i, 4);
		acc += w;
	}
	if (i + 2 <= len) {
		uint16_t w;
		memcpy(&w, b + i, 2);
		acc += w;
		i += 2;
	}
	if (i < len) {
		/* Odd byte: in network order it is the high byte of a word;
		 * place it at the lower address of a native word. */
		uint8_t pad[2] = { b[i], 0 };
		uint16_t w;
		memcpy(&w, pad, 2);
		acc += w;
	}
	uint16_t f = fold16(acc);
	uint8_t be[2];
	memcpy(be, &f, 2); /* native word back to bytes: network order */
	return add32(sum, be16_get(be));
}

uint16_t csum_fold(uint32_t sum)
{
	return (uint16_t)~fold16(sum);
}

/* --- parsing ----------------------------------------------------------- */

static enum pkt_verdict parse_l4(struct pkt *p, uint8_t proto, uint32_t off,
				 uint32_t l4len)
{
	const uint8_t *l4 = p->data + off;

	/* Record what the L4 is even if it turns out truncated, so the
	 * gateway can tell "malformed ICMP to me" from "not mine". */
	p->l4_proto = proto;
	p->l4_len = (uint16_t)l4len;
	switch (proto) {
	case PROTO_TCP: {
		if (l4len < 20)
			return PKT_BAD_L4;
		uint32_t doff = (uint32_t)(l4[12] >> 4) * 4;
		if (doff < 20 || doff > l4len)
			return PKT_BAD_L4;
		break;
	}
	case PROTO_UDP: {
		if (l4len < 8)
			return PKT_BAD_L4;
		uint16_t ulen = be16_get(l4 + 4);
		if (ulen < 8 || ulen > l4len)
			return PKT_BAD_L4;
		break;
	}
	case PROTO_ICMP:
	case PROTO_ICMPV6:
		if (l4len < 8)
			return PKT_BAD_L4;
		break;
	default:
		p->l4_proto = 0;
		p->l4_len = 0;
		return PKT_OK;
	}
	p->l4_off = (uint16_t)off;
	return PKT_OK;
}

static enum pkt_verdict parse_ipv4(struct pkt *p, uint32_t off)
{
	const uint8_t *ip = p->data + off;
	uint32_t avail = p->len - off;

	if (avail < 20 || ip[0] >> 4 != 4)
		return PKT_BAD_L3;
	uint32_t hl = (uint32_t)(ip[0] & 0x0f) * 4;
	uint32_t tot = be16_get(ip + 2);
	if (hl < 20 || hl > avail || tot < hl || tot > avail)
		return PKT_BAD_L3;
	p->l3_off = (uint16_t)off;

	/* MF or a non-zero offset: the L4 header (if any) and its checksum
	 * span fragments we do not have. The first fragment (offset 0, MF)
	 * is included on purpose. */
	uint16_t frag = be16_get(ip + 6);
	if (frag & 0x3fff) {
		p->is_frag = true;
		return PKT_OK;
	}
	uint8_t proto = ip[9];
	if (proto == PROTO_ICMPV6) /* ICMPv6 inside IPv4 is not ICMPv6 */
		return PKT_OK;
	return parse_l4(p, proto, off + hl, tot - hl);
}

/* A routing header rh (at pos in the IPv6 packet at off) with segments
 * left: the address the packet is last sent to, which is in the
 * pseudo-header of its TCP or UDP checksum (RFC 8200 8.1). Type 0
 * (RFC 2460, deprecated): the last of its addresses; type 2 (RFC 6275):
 * its one address; type 4, a segment routing header (RFC 8754): the
 * first of its list, which is kept in reverse. Its length was checked:
 * (rh[1] + 1) * 8 bytes. */
static void route_final_dst(struct pkt *p, uint32_t off, const uint8_t *rh, uint32_t pos)
{
	uint32_t n = rh[1] / 2; /* 16-byte addresses after the first 8 bytes */

	p->v6_dst_unknown = !n || (rh[2] != 0 && rh[2] != 2 && rh[2] != 4);
	if (!p->v6_dst_unknown)
		p->v6_dst_off = (uint16_t)(off + pos + 8 + (rh[2] == 0 ? 16 * (n - 1) : 0));
}

static enum pkt_verdict parse_ipv6(struct pkt *p, uint32_t off)
{
	const uint8_t *ip = p->data + off;
	uint32_t avail = p->len - off;

	if (avail < 40 || ip[0] >> 4 != 6)
		return PKT_BAD_L3;
	uint32_t plen = be16_get(ip + 4);
	if (plen > avail - 40)
		return PKT_BAD_L3;
	p->l3_off = (uint16_t)off;

	/* Offsets relative to the IPv6 header; end bounds the chain by the
	 * payload length, which is already within the frame. Each extension
	 * header is at least 8 bytes, so the walk terminates. */
	uint32_t pos = 40, end = 40 + plen;
	uint8_t nh = ip[6];
	for (;;) {
		switch (nh) {
		case NH_HOPOPTS:
		case NH_ROUTING:
		case NH_DSTOPTS: {
			if (end - pos < 8)
				return PKT_BAD_L3;
			uint32_t hl = ((uint32_t)ip[pos + 1] + 1) * 8;
			if (hl > end - pos)
				return PKT_BAD_L3;
			if (nh == NH_ROUTING && ip[pos + 3])
				route_final_dst(p, off, ip + pos, pos);
			nh = ip[pos];
			pos += hl;
			continue;
		}
		case NH_FRAGMENT:
			if (end - pos < 8)
				return PKT_BAD_L3;
			p->is_frag = true;
			return PKT_OK;
		case PROTO_TCP:
		case PROTO_UDP:
		case PROTO_ICMPV6:
			/* l4_off is 16 bits; only reachable with >64 KiB frames */
			if (off + pos > UINT16_MAX)
				return PKT_BAD_L3;
			return parse_l4(p, nh, off + pos, end - pos);
		default: /* no next header, ESP, AH, ...: switch it blind */
			return PKT_OK;
		}
	}
}

enum pkt_verdict pkt_parse(uint8_t *data, uint32_t len, struct pkt *p)
{
	memset(p, 0, sizeof(*p));
	p->data = data;
	p->len = len;
	if (len < ETH_HLEN_)
		return PKT_RUNT;
	p->dst = data;
	p->src = data + 6;

	uint32_t off = ETH_HLEN_;
	uint16_t et = be16_get(data + 12);
	for (int tags = 0; tags < 2; tags++) {
		if (et != ETH_P_8021Q_ && et != ETH_P_8021AD_)
			break;
		/* A tag cut short leaves no L2 header to switch on. */
		if (len - off < 4)
			return PKT_RUNT;
		et = be16_get(data + off + 2);
		off += 4;
	}
	p->ethertype = et;

	enum pkt_verdict v;
	switch (et) {
	case ETH_P_IPV4_:
		v = parse_ipv4(p, off);
		break;
	case ETH_P_IPV6_:
		v = parse_ipv6(p, off);
		break;
	case ETH_P_ARP_: {
		const uint8_t *a = data + off;
		/* Only Ethernet/IPv4 ARP (htype 1, ptype 0x0800, hlen 6,
		 * plen 4) exists on this link; anything else is garbage. */
		if (len - off < 28 || be16_get(a) != 1 || be16_get(a + 2) != ETH_P_IPV4_ ||
		    a[4] != 6 || a[5] != 4)
			return PKT_BAD_L3;
		p->l3_off = (uint16_t)off;
		return PKT_OK;
	}
	default:
		return PKT_OK;
	}
	if (v == PKT_BAD_L3) {
		p->l3_off = 0;
		p->is_frag = false;
	}
	if (v != PKT_OK)
		p->l4_off = 0; /* truncated: keep l4_proto/l4_len for the gateway */
	return v;
}

/* --- checksum completion ----------------------------------------------- */

/* Pseudo-header sum (not folded, not complemented) for the L4 of p. */
static uint32_t pseudo_sum(const struct pkt *p, uint32_t l4_len)
{
	const uint8_t *ip = p->data + p->l3_off;
	uint8_t tail[8] = { 0 };
	uint32_t s;

	if (p->ethertype == ETH_P_IPV4_)
		s = csum_add(0, ip + 12, 8); /* saddr, daddr */
	else
		s = csum_add(csum_add(0, ip + 8, 16),
			     p->v6_dst_off ? p->data + p->v6_dst_off : ip + 24, 16);
	/* IPv6 form (32-bit length, 3 zero bytes, next header); for IPv4 the
	 * 16-bit length and zero+proto give the same sum. */
	tail[2] = (uint8_t)(l4_len >> 8);
	tail[3] = (uint8_t)l4_len;
	tail[7] = p->l4_proto;
	return csum_add(s, tail, 8);
}

int pkt_csum_complete(struct pkt *p)
{
	if (p->l4_off == 0 || p->is_frag || p->l3_off == 0)
		return 0;
	if (p->l4_proto != PROTO_TCP && p->l4_proto != PROTO_UDP)
		return 0;
	if ((p->ethertype != ETH_P_IPV4_ && p->ethertype != ETH_P_IPV6_) || p->v6_dst_unknown)
		return 0;
	/* pkt_parse guarantees this; re-check so a stale struct cannot
	 * make us write outside the frame. */
	if ((uint32_t)p->l4_off + p->l4_len > p->len)
		return 0;

	uint8_t *l4 = p->data + p->l4_off;
	uint8_t *check = l4 + (p->l4_proto == PROTO_TCP ? 16 : 6);
	uint16_t cur = be16_get(check);

	/* UDP/IPv4 checksum 0 means "none". The partial value can never be
	 * 0 (the pseudo-header is non-zero and folds to 1..0xffff), so this
	 * also leaves an IPv6 UDP 0 alone rather than guessing. */
	if (p->l4_proto == PROTO_UDP && cur == 0)
		return 0;

	/* UDP's checksum covers the UDP length (RFC 768, RFC 8200), which
	 * may be shorter than the IP payload; TCP's covers the IP payload.
	 * (Found by the frame fuzzer: tests/fuzz/regress/frame.) */
	uint32_t len = p->l4_len;

	if (p->l4_proto == PROTO_UDP) {
		len = be16_get(l4 + 4);
		if (len < 8 || len > p->l4_len)
			return 0;
	}
	uint32_t ph = pseudo_sum(p, len);
	/* CHECKSUM_PARTIAL leaves ~csum_tcpudp_magic(...,0) in the field:
	 * the folded pseudo-header sum, NOT complemented. */
	if (cur != fold16(ph))
		return 0;

	be16_put(check, 0);
	uint16_t c = csum_fold(csum_add(ph, l4, len));
	if (c == 0 && p->l4_proto == PROTO_UDP)
		c = 0xffff; /* 0 would read as "no checksum" */
	be16_put(check, c);
	return 1;
}

enum ipv4_opts ipv4_options(const uint8_t *ip)
{
	uint32_t hl = (uint32_t)(ip[0] & 0x0f) * 4, i = 20;

	while (i < hl && ip[i] != 0) {
		if (ip[i] == 131 || ip[i] == 137)
			return IPV4_OPTS_SOURCE_ROUTED;
		if (ip[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= hl || ip[i + 1] < 2 || ip[i + 1] > hl - i)
			return IPV4_OPTS_BAD;
		i += ip[i + 1];
	}
	return IPV4_OPTS_OK;
}
