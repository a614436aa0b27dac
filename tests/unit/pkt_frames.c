/* SPDX-License-Identifier: MIT */
/* The frames and reference checksum of pkt_frames.h. */
#include <stdlib.h>
#include <string.h>

#include "pkt_frames.h"

uint32_t ref_sum(const uint8_t *b, size_t n)
{
	uint64_t s = 0;
	for (size_t i = 0; i < n; i += 2)
		s += (uint32_t)b[i] << 8 | (i + 1 < n ? b[i + 1] : 0);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

uint16_t ref_fold(uint64_t s) /* folded, NOT complemented */
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

uint16_t get16(const uint8_t *b) { return (uint16_t)(b[0] << 8 | b[1]); }
void put16(uint8_t *b, unsigned v) { b[0] = (uint8_t)(v >> 8); b[1] = (uint8_t)v; }

uint32_t ref_pseudo(const uint8_t *l3, int v6, uint8_t proto, uint32_t l4len)
{
	uint64_t s = v6 ? ref_sum(l3 + 8, 32) : ref_sum(l3 + 12, 8);
	s += proto + (l4len >> 16) + (l4len & 0xffff);
	return ref_fold(s);
}

int ref_l4_ok(const uint8_t *l3, int v6, uint8_t proto, const uint8_t *l4, uint32_t l4len)
{
	/* UDP's checksum covers the UDP length, which may be shorter than
	 * the IP payload (RFC 768, RFC 8200). */
	if (proto == 17 && l4len >= 8) {
		uint32_t ulen = (uint32_t)(l4[4] << 8 | l4[5]);

		if (ulen >= 8 && ulen <= l4len)
			l4len = ulen;
	}
	return ref_fold((uint64_t)ref_pseudo(l3, v6, proto, l4len) + ref_sum(l4, l4len)) == 0xffff;
}

int csum_off(uint8_t proto)
{
	return proto == 6 ? 16 : proto == 17 ? 6 : 2; /* TCP, UDP, ICMP(v6) */
}

void ref_fill_l4(const uint8_t *l3, int v6, uint8_t proto, uint8_t *l4, uint32_t l4len)
{
	uint8_t *c = l4 + csum_off(proto);
	put16(c, 0);
	uint64_t s = ref_sum(l4, l4len);
	if (proto != 1) /* ICMPv4 has no pseudo-header */
		s += ref_pseudo(l3, v6, proto, l4len);
	uint16_t v = (uint16_t)~ref_fold(s);
	if (proto == 17 && v == 0)
		v = 0xffff;
	put16(c, v);
}

uint32_t put_eth(struct fr *f, const uint8_t *dst, const uint8_t *src, int tags, uint16_t et)
{
	memcpy(f->b, dst, 6);
	memcpy(f->b + 6, src, 6);
	uint32_t o = 12;
	for (int i = 0; i < tags; i++) {
		put16(f->b + o, i == 0 && tags == 2 ? 0x88a8 : 0x8100);
		put16(f->b + o + 2, 100 + i);
		o += 4;
	}
	put16(f->b + o, et);
	return o + 2;
}

uint32_t put_tcp(uint8_t *l4, uint32_t paylen, int optwords)
{
	uint32_t hl = 20 + 4 * (uint32_t)optwords;
	memset(l4, 0, hl);
	put16(l4, 40000);
	put16(l4 + 2, 80);
	l4[4] = 0x12; l4[7] = 0x34; /* seq */
	l4[12] = (uint8_t)((hl / 4) << 4);
	l4[13] = 0x18; /* PSH|ACK */
	put16(l4 + 14, 64240);
	for (uint32_t i = 20; i < hl; i++)
		l4[i] = 1; /* NOP options */
	for (uint32_t i = 0; i < paylen; i++)
		l4[hl + i] = (uint8_t)(i * 7 + 3);
	return hl + paylen;
}

uint32_t put_udp(uint8_t *l4, uint32_t paylen)
{
	put16(l4, 5353);
	put16(l4 + 2, 53);
	put16(l4 + 4, 8 + paylen);
	put16(l4 + 6, 0);
	for (uint32_t i = 0; i < paylen; i++)
		l4[8 + i] = (uint8_t)(0xa5 ^ i);
	return 8 + paylen;
}

uint32_t put_echo(uint8_t *l4, uint8_t type, uint32_t paylen)
{
	l4[0] = type;
	l4[1] = 0;
	put16(l4 + 2, 0);
	put16(l4 + 4, 0x1234); /* id */
	put16(l4 + 6, 0x0042); /* seq */
	for (uint32_t i = 0; i < paylen; i++)
		l4[8 + i] = (uint8_t)('a' + i % 26);
	return 8 + paylen;
}

void put_ip4(struct fr *f, uint32_t optlen, uint8_t proto, const uint8_t *src,
	     const uint8_t *dst, uint32_t l4len, uint16_t frag)
{
	uint8_t *ip = f->b + f->l3;
	uint32_t hl = 20 + optlen;
	ip[0] = (uint8_t)(0x40 | hl / 4);
	ip[1] = 0;
	put16(ip + 2, hl + l4len);
	put16(ip + 4, 0xbeef);
	put16(ip + 6, frag);
	ip[8] = 64;
	ip[9] = proto;
	put16(ip + 10, 0);
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	memset(ip + 20, 1, optlen);
	put16(ip + 10, (uint16_t)~ref_fold(ref_sum(ip, hl)));
}

void mk4(struct fr *f, int tags, uint32_t optlen, enum l4kind k, uint32_t paylen,
	 const uint8_t *dmac, const uint8_t *dip)
{
	memset(f, 0, sizeof(*f));
	f->l3 = put_eth(f, dmac, H_MAC, tags, 0x0800);
	f->l4 = f->l3 + 20 + optlen;
	uint8_t *l4 = f->b + f->l4;
	uint8_t proto = k == K_TCP ? 6 : k == K_UDP ? 17 : 1;
	uint32_t n = k == K_TCP ? put_tcp(l4, paylen, 0) : k == K_UDP ? put_udp(l4, paylen) : put_echo(l4, 8, paylen);
	put_ip4(f, optlen, proto, H_V4, dip, n, 0x4000 /* DF */);
	ref_fill_l4(f->b + f->l3, 0, proto, l4, n);
	f->len = f->l4 + n;
}

void mk6(struct fr *f, int tags, const uint8_t *ext, uint32_t extlen, uint8_t first_nh,
	 uint8_t proto, uint32_t paylen, const uint8_t *dmac, const uint8_t *src,
	 const uint8_t *dip, uint8_t hop)
{
	memset(f, 0, sizeof(*f));
	f->l3 = put_eth(f, dmac, H_MAC, tags, 0x86dd);
	uint8_t *ip = f->b + f->l3;
	f->l4 = f->l3 + 40 + extlen;
	uint8_t *l4 = f->b + f->l4;
	uint32_t n = proto == 6 ? put_tcp(l4, paylen, 1) : proto == 17 ? put_udp(l4, paylen) : put_echo(l4, 128, paylen);
	ip[0] = 0x60;
	ip[1] = 0x0a; /* some flow label */
	put16(ip + 4, extlen + n);
	ip[6] = extlen ? first_nh : proto;
	ip[7] = hop;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dip, 16);
	if (extlen)
		memcpy(ip + 40, ext, extlen);
	ref_fill_l4(ip, 1, proto, l4, n);
	f->len = f->l4 + n;
}

enum pkt_verdict parse_copy(const struct fr *f, uint32_t len, struct pkt *p, uint8_t **heap)
{
	*heap = malloc(len ? len : 1);
	memcpy(*heap, f->b, len);
	return pkt_parse(*heap, len, p);
}

void mk_arp(struct fr *f, const uint8_t *dmac, uint16_t op, const uint8_t *spa, const uint8_t *tpa, int tags)
{
	memset(f, 0, sizeof(*f));
	f->l3 = put_eth(f, dmac, H_MAC, tags, 0x0806);
	uint8_t *a = f->b + f->l3;
	put16(a, 1); put16(a + 2, 0x0800); a[4] = 6; a[5] = 4; put16(a + 6, op);
	memcpy(a + 8, H_MAC, 6); memcpy(a + 14, spa, 4); memcpy(a + 24, tpa, 4);
	f->len = f->l3 + 28;
}

void mk_ns(struct fr *f, const uint8_t *dmac, const uint8_t *src, const uint8_t *dip, const uint8_t *target,
	   int with_slla, uint8_t hop)
{
	mk6(f, 0, NULL, 0, 0, 58, 0, dmac, src, dip, hop);
	uint8_t *ip = f->b + 14, *ns = f->b + 54;
	uint32_t n = with_slla ? 32 : 24;
	memset(ns, 0, n);
	ns[0] = 135;
	memcpy(ns + 8, target, 16);
	if (with_slla) {
		ns[24] = 1; ns[25] = 1;
		memcpy(ns + 26, H_MAC, 6);
	}
	put16(ip + 4, n);
	ref_fill_l4(ip, 1, 58, ns, n);
	f->len = 54 + n;
}

void gw_init(struct gw *gw)
{
	memcpy(gw->mac, GW_MAC, 6);
	gw->has_v4 = gw->has_v6 = 1;
	memcpy(gw->v4, GW_V4, 4);
	gw->v4_plen = 24;
	memcpy(gw->v6, GW_V6, 16);
}
