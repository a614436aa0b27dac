/* SPDX-License-Identifier: MIT */
/* pkt_parse, pkt_csum_complete and gw_handle on frames built byte by
 * byte here. Checksums are verified with an independent, deliberately
 * naive reference (sum of big-endian 16-bit words). Every frame handed to
 * the code under test lives in a heap buffer of exactly its length, so
 * ASan reports any read past data+len. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway.h"
#include "pkt.h"

#define CHECK_NAME "pkt"
#include "check.h"


/* --- reference checksum ------------------------------------------------ */

static uint32_t ref_sum(const uint8_t *b, size_t n)
{
	uint64_t s = 0;
	for (size_t i = 0; i < n; i += 2)
		s += (uint32_t)b[i] << 8 | (i + 1 < n ? b[i + 1] : 0);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

static uint16_t ref_fold(uint64_t s) /* folded, NOT complemented */
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static uint16_t get16(const uint8_t *b) { return (uint16_t)(b[0] << 8 | b[1]); }
static void put16(uint8_t *b, unsigned v) { b[0] = (uint8_t)(v >> 8); b[1] = (uint8_t)v; }

/* Pseudo-header sum for an IPv4 (l3 points at the IP header) or IPv6
 * L4 of length l4len. */
static uint32_t ref_pseudo(const uint8_t *l3, int v6, uint8_t proto, uint32_t l4len)
{
	uint64_t s = v6 ? ref_sum(l3 + 8, 32) : ref_sum(l3 + 12, 8);
	s += proto + (l4len >> 16) + (l4len & 0xffff);
	return ref_fold(s);
}

/* Whole-L4 verification: pseudo + L4 (with its check field) must sum to
 * 0xffff. */
static int ref_l4_ok(const uint8_t *l3, int v6, uint8_t proto, const uint8_t *l4, uint32_t l4len)
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

static int csum_off(uint8_t proto)
{
	return proto == 6 ? 16 : proto == 17 ? 6 : 2; /* TCP, UDP, ICMP(v6) */
}

/* Fill the L4 checksum the way a correct sender would. */
static void ref_fill_l4(const uint8_t *l3, int v6, uint8_t proto, uint8_t *l4, uint32_t l4len)
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

/* --- frame builders ---------------------------------------------------- */

static const uint8_t GW_MAC[6] = { 0x02, 0, 0, 0, 0, 0xfe };
static const uint8_t H_MAC[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t H2_MAC[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t GW_V4[4] = { 10, 0, 0, 1 };
static const uint8_t H_V4[4] = { 10, 0, 0, 2 };
static const uint8_t H2_V4[4] = { 10, 0, 0, 3 };
/* fd00::aa:bbcc:ddee: the solicited-node group is ff02::1:ffcc:ddee */
static const uint8_t GW_V6[16] = { 0xfd, 0, [10] = 0, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };
static const uint8_t H_V6[16] = { 0xfd, 0, [15] = 2 };
static const uint8_t OTHER_V6[16] = { 0xfd, 0, [12] = 0x11, 0xcc, 0xdd, 0xee };
static const uint8_t SN_V6[16] = { 0xff, 0x02, [11] = 1, 0xff, 0xcc, 0xdd, 0xee };
static const uint8_t SN_MAC[6] = { 0x33, 0x33, 0xff, 0xcc, 0xdd, 0xee };

struct fr {
	uint8_t b[2048];
	uint32_t len;
	uint32_t l3, l4; /* offsets, as built */
};

/* Ethernet + optional tags; returns the L3 offset. */
static uint32_t put_eth(struct fr *f, const uint8_t *dst, const uint8_t *src, int tags, uint16_t et)
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

/* L4 bodies: header + deterministic payload. Return the L4 length. */
static uint32_t put_tcp(uint8_t *l4, uint32_t paylen, int optwords)
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

static uint32_t put_udp(uint8_t *l4, uint32_t paylen)
{
	put16(l4, 5353);
	put16(l4 + 2, 53);
	put16(l4 + 4, 8 + paylen);
	put16(l4 + 6, 0);
	for (uint32_t i = 0; i < paylen; i++)
		l4[8 + i] = (uint8_t)(0xa5 ^ i);
	return 8 + paylen;
}

static uint32_t put_echo(uint8_t *l4, uint8_t type, uint32_t paylen)
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

/* IPv4 header with optlen bytes of options (NOPs); header checksum set. */
static void put_ip4(struct fr *f, uint32_t optlen, uint8_t proto, const uint8_t *src,
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

enum l4kind { K_TCP, K_UDP, K_ICMP };

/* A complete, correct IPv4 frame. */
static void mk4(struct fr *f, int tags, uint32_t optlen, enum l4kind k, uint32_t paylen,
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

/* A complete, correct IPv6 frame; ext is a pre-built chain whose last
 * next-header byte is patched to the L4 protocol. */
static void mk6(struct fr *f, int tags, const uint8_t *ext, uint32_t extlen, uint8_t first_nh,
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

static enum pkt_verdict parse_copy(const struct fr *f, uint32_t len, struct pkt *p, uint8_t **heap)
{
	*heap = malloc(len ? len : 1);
	memcpy(*heap, f->b, len);
	return pkt_parse(*heap, len, p);
}

/* --- parse tests ------------------------------------------------------- */

static void test_parse(void)
{
	struct fr f;
	struct pkt p;
	uint8_t *h;
	enum pkt_verdict v;

	mk4(&f, 0, 0, K_TCP, 10, H2_MAC, H2_V4);
	v = parse_copy(&f, f.len, &p, &h);
	check(v == PKT_OK && p.ethertype == 0x0800 && p.l3_off == 14 && p.l4_off == 34 &&
		      p.l4_proto == 6 && p.l4_len == 30 && !p.is_frag && p.dst == h && p.src == h + 6,
	      "parse IPv4/TCP", "v=%d l3=%u l4=%u proto=%u l4len=%u", v, p.l3_off, p.l4_off, p.l4_proto, p.l4_len);
	free(h);

	mk4(&f, 0, 12, K_TCP, 0, H2_MAC, H2_V4);
	v = parse_copy(&f, f.len, &p, &h);
	check(v == PKT_OK && p.l4_off == 46 && p.l4_len == 20, "parse IPv4 with 12 B of options",
	      "v=%d l4=%u l4len=%u", v, p.l4_off, p.l4_len);
	free(h);

	mk4(&f, 1, 0, K_UDP, 5, H2_MAC, H2_V4);
	v = parse_copy(&f, f.len, &p, &h);
	check(v == PKT_OK && p.ethertype == 0x0800 && p.l3_off == 18 && p.l4_off == 38 && p.l4_proto == 17,
	      "parse VLAN 802.1Q", "v=%d l3=%u l4=%u", v, p.l3_off, p.l4_off);
	free(h);

	mk4(&f, 2, 0, K_UDP, 5, H2_MAC, H2_V4);
	v = parse_copy(&f, f.len, &p, &h);
	check(v == PKT_OK && p.l3_off == 22 && p.l4_off == 42, "parse QinQ 802.1ad+802.1Q", "v=%d l3=%u l4=%u", v,
	      p.l3_off, p.l4_off);
	/* a VLAN tag truncated to 2 bytes */
	free(h);
	v = parse_copy(&f, 16, &p, &h);
	check(v == PKT_RUNT, "parse truncated VLAN tag", "v=%d", v);
	free(h);

	/* three tags: the third is an unknown ethertype to us */
	memset(&f, 0, sizeof(f));
	put_eth(&f, H2_MAC, H_MAC, 2, 0x8100);
	f.len = 60;
	v = parse_copy(&f, f.len, &p, &h);
	check(v == PKT_OK && p.l3_off == 0 && p.ethertype == 0x8100, "parse three VLAN tags: unknown",
	      "v=%d l3=%u et=%#x", v, p.l3_off, p.ethertype);
	free(h);

	memset(&f, 0, sizeof(f));
	put_eth(&f, BCAST, H_MAC, 0, 0x88cc);
	f.len = 60;
	v = parse_copy(&f, f.len, &p, &h);
	check(v == PKT_OK && p.l3_off == 0 && p.l4_off == 0 && p.ethertype == 0x88cc, "parse unknown ethertype",
	      "v=%d l3=%u", v, p.l3_off);
	free(h);

	/* IPv6: hop-by-hop (8 B) -> destination options (16 B) -> TCP */
	uint8_t ext[24] = { 60, 0, 1, 4, 0, 0, 0, 0, /* HBH: PadN */
			    6, 1, 1, 12 };           /* DstOpts len 1 = 16 B, PadN */
	mk6(&f, 0, ext, 24, 0, 6, 9, H2_MAC, H_V6, GW_V6, 64);
	v = parse_copy(&f, f.len, &p, &h);
	check(v == PKT_OK && p.ethertype == 0x86dd && p.l3_off == 14 && p.l4_off == 14 + 40 + 24 &&
		      p.l4_proto == 6 && p.l4_len == 24 + 9,
	      "parse IPv6 hop-by-hop + dest options + TCP", "v=%d l4=%u proto=%u l4len=%u", v, p.l4_off,
	      p.l4_proto, p.l4_len);
	free(h);
	/* the same chain cut inside the destination options */
	put16(f.b + 18, 12);
	v = parse_copy(&f, 14 + 40 + 12, &p, &h);
	check(v == PKT_BAD_L3, "parse IPv6 ext header past payload", "v=%d", v);
	free(h);

	uint8_t rt[8] = { 17, 0, 0, 0 }; /* routing header, 0 segments left */
	mk6(&f, 0, rt, 8, 43, 17, 3, H2_MAC, H_V6, GW_V6, 64);
	v = parse_copy(&f, f.len, &p, &h);
	check(v == PKT_OK && p.l4_off == 62 && p.l4_proto == 17 && p.l4_len == 11, "parse IPv6 routing + UDP",
	      "v=%d l4=%u", v, p.l4_off);
	free(h);

	uint8_t fh[8] = { 17, 0, 0, 1, 0, 0, 0, 7 }; /* fragment, offset 0, M */
	mk6(&f, 0, fh, 8, 44, 17, 3, H2_MAC, H_V6, GW_V6, 64);
	v = parse_copy(&f, f.len, &p, &h);
	check(v == PKT_OK && p.is_frag && p.l4_off == 0, "parse IPv6 fragment header", "v=%d frag=%d l4=%u", v,
	      p.is_frag, p.l4_off);
	free(h);
	put16(f.b + 18, 4); /* payload ends inside the fragment header */
	v = parse_copy(&f, 14 + 40 + 4, &p, &h);
	check(v == PKT_BAD_L3 && !p.is_frag, "parse IPv6 truncated fragment header", "v=%d", v);
	free(h);

	mk6(&f, 0, NULL, 0, 0, 17, 3, H2_MAC, H_V6, GW_V6, 64);
	f.b[14 + 6] = 59; /* no next header */
	v = parse_copy(&f, f.len, &p, &h);
	check(v == PKT_OK && p.l3_off == 14 && p.l4_off == 0, "parse IPv6 no-next-header", "v=%d", v);
	free(h);
	put16(f.b + 18, (uint16_t)(f.len - 54 + 1));
	v = parse_copy(&f, f.len, &p, &h);
	check(v == PKT_BAD_L3, "parse IPv6 payload length > frame", "v=%d", v);
	free(h);

	/* ARP */
	memset(&f, 0, sizeof(f));
	f.l3 = put_eth(&f, BCAST, H_MAC, 0, 0x0806);
	uint8_t *a = f.b + f.l3;
	put16(a, 1); put16(a + 2, 0x0800); a[4] = 6; a[5] = 4; put16(a + 6, 1);
	memcpy(a + 8, H_MAC, 6); memcpy(a + 14, H_V4, 4); memcpy(a + 24, GW_V4, 4);
	v = parse_copy(&f, 42, &p, &h);
	check(v == PKT_OK && p.ethertype == 0x0806 && p.l3_off == 14 && p.l4_off == 0, "parse ARP", "v=%d", v);
	free(h);
	v = parse_copy(&f, 41, &p, &h);
	check(v == PKT_BAD_L3, "parse ARP body 27 bytes", "v=%d", v);
	free(h);
	a[4] = 8;
	v = parse_copy(&f, 42, &p, &h);
	check(v == PKT_BAD_L3, "parse ARP with hlen 8", "v=%d", v);
	free(h);

	/* runts */
	int ok = 1;
	for (uint32_t n = 0; n < 14; n++) {
		mk4(&f, 0, 0, K_TCP, 0, H2_MAC, H2_V4);
		v = parse_copy(&f, n, &p, &h);
		ok &= v == PKT_RUNT && p.l3_off == 0;
		free(h);
	}
	check(ok, "parse runts 0..13 bytes", "some length was not PKT_RUNT");

	/* every truncation of a TCP/IPv4 frame */
	mk4(&f, 0, 0, K_TCP, 20, H2_MAC, H2_V4);
	ok = 1;
	for (uint32_t n = 0; n <= f.len; n++) {
		v = parse_copy(&f, n, &p, &h);
		enum pkt_verdict want = n < 14 ? PKT_RUNT : n < f.len ? PKT_BAD_L3 : PKT_OK;
		if (v != want) {
			printf("    truncation %u: got %d want %d\n", n, v, want);
			ok = 0;
		}
		free(h);
	}
	check(ok, "parse every truncation 0..full of TCP/IPv4", "see above");

	/* L4 truncated consistently with the IP header (TCP needs 20 B) */
	ok = 1;
	for (uint32_t k = 0; k <= 24; k++) {
		mk4(&f, 0, 0, K_TCP, 4, H2_MAC, H2_V4);
		put16(f.b + 16, 20 + k);
		v = parse_copy(&f, 34 + k, &p, &h);
		enum pkt_verdict want = k < 20 ? PKT_BAD_L4 : PKT_OK;
		if (v != want || (v == PKT_OK && p.l4_len != k) || (v != PKT_OK && p.l4_off)) {
			printf("    tcp l4len %u: got %d want %d\n", k, v, want);
			ok = 0;
		}
		free(h);
	}
	check(ok, "parse TCP header truncated inside IP datagram", "see above");

	mk4(&f, 0, 0, K_TCP, 4, H2_MAC, H2_V4);
	f.b[34 + 12] = 0x60; /* data offset 24 > l4_len? no: 24 = 20 + 4 payload: fits */
	v = parse_copy(&f, f.len, &p, &h);
	check(v == PKT_OK, "parse TCP data offset == l4_len", "v=%d", v);
	free(h);
	f.b[34 + 12] = 0x70;
	v = parse_copy(&f, f.len, &p, &h);
	check(v == PKT_BAD_L4, "parse TCP data offset > l4_len", "v=%d", v);
	free(h);
	f.b[34 + 12] = 0x40;
	v = parse_copy(&f, f.len, &p, &h);
	check(v == PKT_BAD_L4, "parse TCP data offset < 5", "v=%d", v);
	free(h);

	/* IHL */
	mk4(&f, 0, 0, K_TCP, 0, H2_MAC, H2_V4);
	f.b[14] = 0x44;
	v = parse_copy(&f, f.len, &p, &h);
	check(v == PKT_BAD_L3 && p.l3_off == 0, "parse IHL 4", "v=%d", v);
	free(h);
	f.b[14] = 0x40;
	v = parse_copy(&f, f.len, &p, &h);
	check(v == PKT_BAD_L3, "parse IHL 0", "v=%d", v);
	free(h);
	f.b[14] = 0x4f; /* 60 B header in a 54 B frame (40 B of IP) */
	put16(f.b + 16, 40);
	v = parse_copy(&f, f.len, &p, &h);
	check(v == PKT_BAD_L3, "parse IHL*4 > available", "v=%d", v);
	free(h);
	mk4(&f, 0, 0, K_TCP, 0, H2_MAC, H2_V4);
	f.b[14] = 0x65;
	v = parse_copy(&f, f.len, &p, &h);
	check(v == PKT_BAD_L3, "parse IPv4 version 6", "v=%d", v);
	free(h);

	mk4(&f, 0, 0, K_TCP, 0, H2_MAC, H2_V4);
	put16(f.b + 16, 41);
	v = parse_copy(&f, f.len, &p, &h);
	check(v == PKT_BAD_L3, "parse total length > frame", "v=%d", v);
	free(h);
	put16(f.b + 16, 19);
	v = parse_copy(&f, f.len, &p, &h);
	check(v == PKT_BAD_L3, "parse total length < IHL*4", "v=%d", v);
	free(h);

	/* fragments */
	static const struct { uint16_t frag; const char *what; } frags[] = {
		{ 0x2000, "parse IPv4 first fragment (MF, offset 0)" },
		{ 0x2000 | 185, "parse IPv4 middle fragment" },
		{ 185, "parse IPv4 last fragment" },
	};
	for (size_t i = 0; i < 3; i++) {
		mk4(&f, 0, 0, K_UDP, 30, H2_MAC, H2_V4);
		put_ip4(&f, 0, 17, H_V4, H2_V4, 38, frags[i].frag);
		v = parse_copy(&f, f.len, &p, &h);
		check(v == PKT_OK && p.is_frag && p.l4_off == 0 && p.l3_off == 14, frags[i].what,
		      "v=%d frag=%d l4=%u", v, p.is_frag, p.l4_off);
		free(h);
	}
	mk4(&f, 0, 0, K_UDP, 30, H2_MAC, H2_V4); /* DF only */
	v = parse_copy(&f, f.len, &p, &h);
	check(v == PKT_OK && !p.is_frag && p.l4_off == 34, "parse DF is not a fragment", "v=%d", v);
	free(h);

	/* UDP length field */
	mk4(&f, 0, 0, K_UDP, 10, H2_MAC, H2_V4);
	put16(f.b + 38, 19);
	v = parse_copy(&f, f.len, &p, &h);
	check(v == PKT_BAD_L4, "parse UDP length > IP payload", "v=%d", v);
	free(h);
	put16(f.b + 38, 7);
	v = parse_copy(&f, f.len, &p, &h);
	check(v == PKT_BAD_L4, "parse UDP length < 8", "v=%d", v);
	free(h);
	put16(f.b + 38, 12);
	v = parse_copy(&f, f.len, &p, &h);
	check(v == PKT_OK && p.l4_len == 18, "parse UDP length < IP payload is accepted", "v=%d", v);
	free(h);
	mk4(&f, 0, 0, K_UDP, 0, H2_MAC, H2_V4);
	put16(f.b + 16, 20 + 7);
	v = parse_copy(&f, f.len - 1, &p, &h);
	check(v == PKT_BAD_L4, "parse UDP header 7 bytes", "v=%d", v);
	free(h);

	/* ICMP too short */
	mk4(&f, 0, 0, K_ICMP, 0, H2_MAC, H2_V4);
	put16(f.b + 16, 20 + 4);
	v = parse_copy(&f, f.len - 4, &p, &h);
	check(v == PKT_BAD_L4 && p.l3_off == 14 && p.l4_off == 0 && p.l4_proto == 1, "parse ICMP 4 bytes",
	      "v=%d", v);
	free(h);
	mk6(&f, 0, NULL, 0, 0, 58, 0, H2_MAC, H_V6, GW_V6, 64);
	put16(f.b + 18, 7);
	v = parse_copy(&f, f.len - 1, &p, &h);
	check(v == PKT_BAD_L4 && p.l4_proto == 58, "parse ICMPv6 7 bytes", "v=%d", v);
	free(h);

	/* 60-byte frame carrying a 46-byte datagram: l4_len from IP */
	mk4(&f, 0, 0, K_UDP, 18, H2_MAC, H2_V4);
	check(f.len == 60, "build padded frame", "len=%u", f.len);
	put16(f.b + 16, 46);
	put16(f.b + 38, 26);
	v = parse_copy(&f, 60, &p, &h);
	check(v == PKT_OK && p.l4_len == 26 && p.len == 60, "parse 60 B frame with 46 B datagram", "v=%d l4len=%u",
	      v, p.l4_len);
	free(h);
	mk4(&f, 0, 0, K_UDP, 4, H2_MAC, H2_V4);
	memset(f.b + f.len, 0xee, 60 - f.len);
	v = parse_copy(&f, 60, &p, &h);
	check(v == PKT_OK && p.l4_len == 12, "parse Ethernet padding after a 32 B datagram", "v=%d l4len=%u", v,
	      p.l4_len);
	free(h);
}

/* --- checksum tests ---------------------------------------------------- */

static void test_csum_helpers(void)
{
	/* RFC 1071 section 3 example */
	uint8_t ex[9] = { 0, 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	uint32_t s = csum_add(0, ex + 1, 8); /* misaligned on purpose */
	check(csum_fold(s) == (uint16_t)~0xddf2, "csum RFC 1071 example", "got %#x", csum_fold(s));

	uint8_t buf[1601];
	uint32_t x = 12345;
	int ok = 1;
	for (int i = 0; i < 1601; i++) {
		x = x * 1103515245 + 12345;
		buf[i] = (uint8_t)(x >> 16);
	}
	for (uint32_t off = 0; off < 4; off++)
		for (uint32_t n = 0; n + off <= 1601; n += 37) {
			uint16_t got = csum_fold(csum_add(0, buf + off, n));
			uint16_t want = (uint16_t)~ref_fold(ref_sum(buf + off, n));
			ok &= got == want;
		}
	check(ok, "csum_add matches reference (lengths, alignments)", "mismatch");
	/* chaining: even-length chunks then an odd tail */
	s = csum_add(csum_add(csum_add(7, buf, 100), buf + 100, 2), buf + 102, 33);
	check(ref_fold(s) == ref_fold(7 + (uint64_t)ref_sum(buf, 135)), "csum_add chaining", "mismatch");
	check(csum_fold(0xffff) == 0 && csum_fold(0) == 0xffff && csum_fold(0x1fffe) == 0,
	      "csum_fold complements", "fold(0xffff)=%#x", csum_fold(0xffff));
}

/* Build a correct frame, make the check field what CHECKSUM_PARTIAL
 * leaves, complete it, compare. */
static void csum_case(int v6, uint8_t proto, uint32_t paylen, uint32_t pad, const char *what)
{
	struct fr f;
	struct pkt p;
	uint8_t *h;
	char name[128];

	if (v6)
		mk6(&f, 0, NULL, 0, 0, proto, paylen, H2_MAC, H_V6, OTHER_V6, 64);
	else
		mk4(&f, 0, 0, proto == 6 ? K_TCP : K_UDP, paylen, H2_MAC, H2_V4);
	uint32_t l4len = f.len - f.l4;
	memset(f.b + f.len, 0xab, pad); /* odd junk that must not be summed */
	f.len += pad;
	uint8_t *c = f.b + f.l4 + csum_off(proto);
	uint16_t good = get16(c);
	put16(c, ref_pseudo(f.b + f.l3, v6, proto, l4len));

	enum pkt_verdict v = parse_copy(&f, f.len, &p, &h);
	int r = pkt_csum_complete(&p);
	uint16_t got = get16(h + f.l4 + csum_off(proto));
	snprintf(name, sizeof(name), "csum complete %s", what);
	check(v == PKT_OK && r == 1 && got == good && ref_l4_ok(h + f.l3, v6, proto, h + f.l4, l4len) &&
		      memcmp(h + f.l4 + l4len, f.b + f.l4 + l4len, pad) == 0,
	      name, "v=%d r=%d got %#06x want %#06x", v, r, got, good);

	/* running it again on the completed frame is harmless */
	r = pkt_csum_complete(&p);
	got = get16(h + f.l4 + csum_off(proto));
	snprintf(name, sizeof(name), "csum idempotent %s", what);
	check((r == 0 || r == 1) && got == good, name, "r=%d got %#06x", r, got);
	free(h);
}

static void test_csum(void)
{
	test_csum_helpers();
	csum_case(0, 6, 0, 0, "TCP/IPv4 no payload");
	csum_case(0, 6, 1001, 0, "TCP/IPv4 odd payload");
	csum_case(0, 17, 100, 0, "UDP/IPv4");
	csum_case(0, 17, 13, 0, "UDP/IPv4 odd payload");
	csum_case(0, 17, 1, 17, "UDP/IPv4 odd datagram + odd padding");
	csum_case(0, 6, 3, 3, "TCP/IPv4 odd datagram + padding");
	csum_case(1, 6, 0, 0, "TCP/IPv6");
	csum_case(1, 6, 777, 0, "TCP/IPv6 odd payload");
	csum_case(1, 17, 64, 0, "UDP/IPv6");
	csum_case(1, 17, 5, 1, "UDP/IPv6 odd payload + odd padding");

	struct fr f;
	struct pkt p;
	uint8_t *h;
	int r;

	/* already complete: untouched */
	mk4(&f, 0, 0, K_TCP, 50, H2_MAC, H2_V4);
	parse_copy(&f, f.len, &p, &h);
	r = pkt_csum_complete(&p);
	check(r == 0 && memcmp(h, f.b, f.len) == 0, "csum complete TCP/IPv4 left alone", "r=%d", r);
	free(h);
	mk6(&f, 0, NULL, 0, 0, 17, 50, H2_MAC, H_V6, OTHER_V6, 64);
	parse_copy(&f, f.len, &p, &h);
	r = pkt_csum_complete(&p);
	check(r == 0 && memcmp(h, f.b, f.len) == 0, "csum complete UDP/IPv6 left alone", "r=%d", r);
	free(h);

	/* UDP/IPv4 without checksum */
	mk4(&f, 0, 0, K_UDP, 20, H2_MAC, H2_V4);
	put16(f.b + 40, 0);
	parse_copy(&f, f.len, &p, &h);
	r = pkt_csum_complete(&p);
	check(r == 0 && get16(h + 40) == 0, "csum UDP/IPv4 check 0 left alone", "r=%d check=%#x", r, get16(h + 40));
	free(h);

	/* UDP whose checksum computes to 0: payload word chosen so the sum
	 * is 0xffff; must be stored as 0xffff. */
	for (int v6 = 0; v6 < 2; v6++) {
		if (v6)
			mk6(&f, 0, NULL, 0, 0, 17, 10, H2_MAC, H_V6, OTHER_V6, 64);
		else
			mk4(&f, 0, 0, K_UDP, 10, H2_MAC, H2_V4);
		uint32_t l4len = f.len - f.l4;
		uint8_t *l4 = f.b + f.l4;
		put16(l4 + 6, 0);
		put16(l4 + 16, 0);
		uint16_t s = ref_fold((uint64_t)ref_pseudo(f.b + f.l3, v6, 17, l4len) + ref_sum(l4, l4len));
		put16(l4 + 16, 0xffff - s);
		put16(l4 + 6, ref_pseudo(f.b + f.l3, v6, 17, l4len));
		parse_copy(&f, f.len, &p, &h);
		r = pkt_csum_complete(&p);
		uint16_t got = get16(h + f.l4 + 6);
		check(r == 1 && got == 0xffff && ref_l4_ok(h + f.l3, v6, 17, h + f.l4, l4len),
		      v6 ? "csum UDP/IPv6 computing to 0 stored as 0xffff" : "csum UDP/IPv4 computing to 0 stored as 0xffff",
		      "r=%d got %#x", r, got);
		free(h);
	}

	/* A complete checksum that happens to equal the pseudo-header sum:
	 * payload word chosen so; completion must reproduce the same value. */
	mk4(&f, 0, 0, K_TCP, 10, H2_MAC, H2_V4);
	{
		uint8_t *l4 = f.b + f.l4;
		uint32_t l4len = f.len - f.l4;
		uint16_t ps = ref_pseudo(f.b + f.l3, 0, 6, l4len);
		put16(l4 + 16, 0);
		put16(l4 + 20, 0);
		uint16_t s0 = ref_fold((uint64_t)ps + ref_sum(l4, l4len));
		put16(l4 + 20, ref_fold((uint64_t)(uint16_t)~ps + (uint16_t)~s0));
		put16(l4 + 16, ps);
		int valid = ref_l4_ok(f.b + f.l3, 0, 6, l4, l4len);
		parse_copy(&f, f.len, &p, &h);
		r = pkt_csum_complete(&p);
		check(valid && r == 1 && get16(h + f.l4 + 16) == ps && memcmp(h, f.b, f.len) == 0,
		      "csum complete checksum equal to pseudo sum is kept", "valid=%d r=%d got %#x want %#x", valid, r,
		      get16(h + f.l4 + 16), ps);
		free(h);
	}

	/* not TCP/UDP, fragments, VLAN */
	mk4(&f, 0, 0, K_ICMP, 8, H2_MAC, H2_V4);
	parse_copy(&f, f.len, &p, &h);
	r = pkt_csum_complete(&p);
	check(r == 0 && memcmp(h, f.b, f.len) == 0, "csum ICMP untouched", "r=%d", r);
	free(h);
	mk4(&f, 0, 0, K_UDP, 30, H2_MAC, H2_V4);
	put_ip4(&f, 0, 17, H_V4, H2_V4, 38, 0x2000);
	put16(f.b + 40, ref_pseudo(f.b + 14, 0, 17, 38));
	parse_copy(&f, f.len, &p, &h);
	r = pkt_csum_complete(&p);
	check(r == 0 && memcmp(h, f.b, f.len) == 0, "csum first fragment untouched", "r=%d", r);
	free(h);
	mk4(&f, 2, 8, K_TCP, 33, H2_MAC, H2_V4);
	uint16_t good = get16(f.b + f.l4 + 16);
	put16(f.b + f.l4 + 16, ref_pseudo(f.b + f.l3, 0, 6, f.len - f.l4));
	parse_copy(&f, f.len, &p, &h);
	r = pkt_csum_complete(&p);
	check(r == 1 && get16(h + f.l4 + 16) == good, "csum QinQ TCP/IPv4 with options", "r=%d", r);
	free(h);
}

/* --- gateway tests ----------------------------------------------------- */

static struct gw GW;

static enum gw_result gw_run(uint8_t *h, uint32_t len, uint32_t room, uint32_t *rl, struct gw_stats *st)
{
	struct pkt p;
	pkt_parse(h, len, &p);
	return gw_handle(&GW, &p, room, rl, st);
}

static void mk_arp(struct fr *f, const uint8_t *dmac, uint16_t op, const uint8_t *spa, const uint8_t *tpa, int tags)
{
	memset(f, 0, sizeof(*f));
	f->l3 = put_eth(f, dmac, H_MAC, tags, 0x0806);
	uint8_t *a = f->b + f->l3;
	put16(a, 1); put16(a + 2, 0x0800); a[4] = 6; a[5] = 4; put16(a + 6, op);
	memcpy(a + 8, H_MAC, 6); memcpy(a + 14, spa, 4); memcpy(a + 24, tpa, 4);
	f->len = f->l3 + 28;
}

/* Run the gateway on a heap copy; checks and frees are the caller's. */
static uint8_t *gw_copy(const struct fr *f, uint32_t len, uint32_t room, enum gw_result *res, uint32_t *rl,
			struct gw_stats *st)
{
	uint8_t *h = malloc(room);
	memcpy(h, f->b, len);
	*res = gw_run(h, len, room, rl, st);
	return h;
}

static void test_gw_arp(void)
{
	struct fr f;
	struct gw_stats st = { 0 };
	enum gw_result res;
	uint32_t rl;
	uint8_t *h;

	mk_arp(&f, BCAST, 1, H_V4, GW_V4, 0);
	h = gw_copy(&f, 42, 42, &res, &rl, &st);
	uint8_t want[42] = { 0 };
	memcpy(want, H_MAC, 6); memcpy(want + 6, GW_MAC, 6); put16(want + 12, 0x0806);
	put16(want + 14, 1); put16(want + 16, 0x0800); want[18] = 6; want[19] = 4; put16(want + 20, 2);
	memcpy(want + 22, GW_MAC, 6); memcpy(want + 28, GW_V4, 4); memcpy(want + 32, H_MAC, 6); memcpy(want + 38, H_V4, 4);
	check(res == GW_REPLY && rl == 42 && memcmp(h, want, 42) == 0 && st.arp_replies == 1,
	      "gw ARP request -> exact reply bytes", "res=%d rl=%u", res, rl);
	free(h);

	mk_arp(&f, BCAST, 1, H_V4, GW_V4, 0);
	f.len = 60;
	h = gw_copy(&f, 60, 60, &res, &rl, &st);
	check(res == GW_REPLY && rl == 42 && memcmp(h, want, 42) == 0, "gw ARP request with padding -> 42 B",
	      "res=%d rl=%u", res, rl);
	free(h);

	mk_arp(&f, BCAST, 1, H_V4, GW_V4, 1);
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	check(res == GW_REPLY && rl == 46 && get16(h + 12) == 0x8100 && get16(h + 16) == 0x0806 &&
		      memcmp(h + 18, want + 14, 28) == 0,
	      "gw ARP request on a VLAN -> tagged reply", "res=%d rl=%u", res, rl);
	free(h);

	mk_arp(&f, GW_MAC, 1, H_V4, GW_V4, 0);
	h = gw_copy(&f, 42, 42, &res, &rl, &st);
	check(res == GW_REPLY && memcmp(h, want, 42) == 0, "gw unicast ARP request -> reply", "res=%d", res);
	free(h);

	struct gw_stats before = st;
	mk_arp(&f, BCAST, 1, H_V4, H2_V4, 0);
	h = gw_copy(&f, 42, 42, &res, &rl, &st);
	check(res == GW_NOT_MINE && memcmp(h, f.b, 42) == 0, "gw ARP for another IP -> NOT_MINE", "res=%d", res);
	free(h);
	mk_arp(&f, BCAST, 1, H_V4, H_V4, 0);
	h = gw_copy(&f, 42, 42, &res, &rl, &st);
	check(res == GW_NOT_MINE, "gw gratuitous ARP -> NOT_MINE", "res=%d", res);
	free(h);
	mk_arp(&f, BCAST, 2, GW_V4, GW_V4, 0);
	h = gw_copy(&f, 42, 42, &res, &rl, &st);
	check(res == GW_NOT_MINE, "gw gratuitous ARP claiming the gateway IP -> NOT_MINE", "res=%d", res);
	free(h);
	mk_arp(&f, GW_MAC, 2, H_V4, GW_V4, 0);
	h = gw_copy(&f, 42, 42, &res, &rl, &st);
	check(res == GW_CONSUMED, "gw ARP reply to the gateway -> CONSUMED", "res=%d", res);
	free(h);
	mk_arp(&f, H2_MAC, 1, H_V4, GW_V4, 0);
	h = gw_copy(&f, 42, 42, &res, &rl, &st);
	check(res == GW_NOT_MINE, "gw ARP for gateway to another MAC -> NOT_MINE", "res=%d", res);
	free(h);
	GW.has_v4 = 0;
	mk_arp(&f, BCAST, 1, H_V4, GW_V4, 0);
	h = gw_copy(&f, 42, 42, &res, &rl, &st);
	check(res == GW_NOT_MINE, "gw without v4 ignores ARP", "res=%d", res);
	free(h);
	GW.has_v4 = 1;
	check(st.arp_replies == before.arp_replies && st.bad == 0, "gw ARP counters", "arp=%llu bad=%llu",
	      (unsigned long long)st.arp_replies, (unsigned long long)st.bad);
}

static void test_gw_icmp(void)
{
	struct fr f;
	struct gw_stats st = { 0 };
	enum gw_result res;
	uint32_t rl;
	uint8_t *h;

	mk4(&f, 0, 0, K_ICMP, 37, GW_MAC, GW_V4);
	f.b[14 + 8] = 3; /* TTL */
	put16(f.b + 24, 0);
	put16(f.b + 24, (uint16_t)~ref_fold(ref_sum(f.b + 14, 20)));
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	uint8_t *ip = h + 14, *ic = h + 34;
	check(res == GW_REPLY && rl == f.len && st.echo_replies == 1, "gw echo request -> reply", "res=%d rl=%u", res, rl);
	check(memcmp(h, H_MAC, 6) == 0 && memcmp(h + 6, GW_MAC, 6) == 0 && memcmp(ip + 12, GW_V4, 4) == 0 &&
		      memcmp(ip + 16, H_V4, 4) == 0,
	      "gw echo reply swaps MACs and IPs", "%s", "-");
	check(ip[8] == 64 && ref_fold(ref_sum(ip, 20)) == 0xffff && get16(ip + 2) == f.len - 14,
	      "gw echo reply TTL 64, valid IPv4 header checksum", "ttl=%u", ip[8]);
	check(ic[0] == 0 && ic[1] == 0 && ref_fold(ref_sum(ic, f.len - 34)) == 0xffff &&
		      memcmp(ic + 4, f.b + 38, f.len - 38) == 0,
	      "gw echo reply type 0, valid ICMP checksum, same id/seq/payload", "type=%u", ic[0]);
	free(h);

	/* with Ethernet padding and IP options */
	mk4(&f, 0, 8, K_ICMP, 2, GW_MAC, GW_V4);
	uint32_t dlen = f.len;
	f.len = 64;
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	check(res == GW_REPLY && rl == dlen && ref_fold(ref_sum(h + 14, 28)) == 0xffff &&
		      ref_fold(ref_sum(h + 42, dlen - 42)) == 0xffff,
	      "gw echo with IP options and padding", "res=%d rl=%u want %u", res, rl, dlen);
	free(h);

	mk4(&f, 0, 0, K_ICMP, 8, H2_MAC, GW_V4);
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	check(res == GW_NOT_MINE && memcmp(h, f.b, f.len) == 0, "gw echo to gateway IP, other MAC -> NOT_MINE",
	      "res=%d", res);
	free(h);
	mk4(&f, 0, 0, K_ICMP, 8, GW_MAC, H2_V4);
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	check(res == GW_NOT_MINE, "gw echo to another IP -> NOT_MINE", "res=%d", res);
	free(h);
	uint64_t bad0 = st.bad;
	mk4(&f, 0, 0, K_UDP, 8, GW_MAC, GW_V4);
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	check(res == GW_CONSUMED && st.bad == bad0, "gw UDP to gateway -> CONSUMED", "res=%d", res);
	free(h);
	mk4(&f, 0, 0, K_TCP, 8, GW_MAC, GW_V4);
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	check(res == GW_CONSUMED && st.bad == bad0, "gw TCP to gateway -> CONSUMED", "res=%d", res);
	free(h);
	mk4(&f, 0, 0, K_ICMP, 8, GW_MAC, GW_V4);
	put_ip4(&f, 0, 1, H_V4, GW_V4, 16, 0x2000);
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	check(res == GW_CONSUMED && st.bad == bad0, "gw fragment to gateway -> CONSUMED", "res=%d", res);
	free(h);
	mk4(&f, 0, 0, K_ICMP, 0, GW_MAC, GW_V4);
	put_echo(f.b + 34, 0, 0); /* echo reply to us */
	ref_fill_l4(f.b + 14, 0, 1, f.b + 34, 8);
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	check(res == GW_CONSUMED && st.bad == bad0, "gw echo reply to gateway -> CONSUMED", "res=%d", res);
	free(h);

	mk4(&f, 0, 0, K_ICMP, 0, GW_MAC, GW_V4);
	put_ip4(&f, 0, 1, H_V4, GW_V4, 4, 0);
	h = gw_copy(&f, 38, 38, &res, &rl, &st);
	check(res == GW_CONSUMED && st.bad == bad0 + 1, "gw truncated echo -> CONSUMED + bad", "res=%d bad=%llu",
	      res, (unsigned long long)st.bad);
	free(h);
	mk4(&f, 0, 0, K_ICMP, 8, GW_MAC, GW_V4);
	f.b[40] ^= 1;
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	check(res == GW_CONSUMED && st.bad == bad0 + 2, "gw echo with bad ICMP checksum -> CONSUMED + bad",
	      "res=%d", res);
	free(h);
	/* No answer to a source that is not one host's (RFC 1122 3.2.1.3),
	 * nor to the subnet's broadcast address (RFC 1812 5.3.7). */
	static const uint8_t not_one[][4] = { { 0, 0, 0, 0 }, { 0, 1, 2, 3 }, { 127, 0, 0, 1 },
					      { 224, 0, 0, 1 }, { 240, 0, 0, 1 }, { 10, 0, 0, 255 } };
	for (size_t i = 0; i < sizeof(not_one) / sizeof(not_one[0]); i++) {
		uint64_t bad1 = st.bad;

		mk4(&f, 0, 0, K_ICMP, 8, GW_MAC, GW_V4);
		put_ip4(&f, 0, 1, not_one[i], GW_V4, 16, 0);
		h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
		check(res == GW_CONSUMED && st.bad == bad1 + 1, "gw echo from a source not one host's -> CONSUMED + bad",
		      "%u.%u.%u.%u: res=%d", not_one[i][0], not_one[i][1], not_one[i][2], not_one[i][3], res);
		free(h);
	}
	GW.has_v4 = 0;
	mk4(&f, 0, 0, K_ICMP, 8, GW_MAC, GW_V4);
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	check(res == GW_NOT_MINE, "gw without v4 ignores echo", "res=%d", res);
	GW.has_v4 = 1;
	free(h);
	check(st.echo_replies == 2, "gw echo counter", "%llu", (unsigned long long)st.echo_replies);

	/* gw_src_one_host: the gateway's own address (10.0.0.1), and the
	 * subnet's broadcast address at any prefix that has one (none at
	 * /31 and /32). */
	static const struct {
		uint8_t plen, src[4];
		bool ok;
	} srcs[] = {
		{ 24, { 10, 0, 0, 255 }, false }, { 24, { 10, 0, 1, 255 }, true },
		{ 24, { 10, 0, 0, 254 }, true },  { 16, { 10, 0, 255, 255 }, false },
		{ 16, { 10, 0, 0, 255 }, true },  { 30, { 10, 0, 0, 3 }, false },
		{ 31, { 10, 0, 0, 0 }, true },    { 32, { 10, 0, 0, 2 }, true },
		{ 8, { 10, 255, 255, 255 }, false }, { 24, { 127, 0, 0, 2 }, false },
		{ 24, { 10, 0, 0, 1 }, false },  { 32, { 10, 0, 0, 1 }, false },
	};
	for (size_t i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++) {
		GW.v4_plen = srcs[i].plen;
		check(gw_src_one_host(&GW, srcs[i].src) == srcs[i].ok, "gw_src_one_host",
		      "%u.%u.%u.%u with the gateway at /%u: %d", srcs[i].src[0], srcs[i].src[1],
		      srcs[i].src[2], srcs[i].src[3], srcs[i].plen, !srcs[i].ok);
	}
	GW.v4_plen = 24;
}

/* NS for target; with_slla adds a Source Link-Layer Address option. */
static void mk_ns(struct fr *f, const uint8_t *dmac, const uint8_t *src, const uint8_t *dip, const uint8_t *target,
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

static void check_na(const uint8_t *h, int dad, const char *what)
{
	const uint8_t *ip = h + 14, *na = h + 54;
	uint8_t all_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	uint8_t all_ip[16] = { 0xff, 0x02, [15] = 1 };
	int ok = memcmp(h, dad ? all_mac : H_MAC, 6) == 0 && memcmp(h + 6, GW_MAC, 6) == 0 &&
		 get16(h + 12) == 0x86dd && ip[0] == 0x60 && get16(ip + 4) == 32 && ip[6] == 58 && ip[7] == 255 &&
		 memcmp(ip + 8, GW_V6, 16) == 0 && memcmp(ip + 24, dad ? all_ip : H_V6, 16) == 0;
	check(ok, what, "ethernet/IPv6 header wrong");
	char n2[160];
	/* No R: the gateway routes no IPv6, and a host that took it for a
	 * router would show it as one (ip -6 neigh: router). */
	snprintf(n2, sizeof(n2), "%s: type 136, flags %s, target, TLLA", what, dad ? "O" : "S|O");
	ok = na[0] == 136 && na[1] == 0 && na[4] == (dad ? 0x20 : 0x60) && na[5] == 0 && na[6] == 0 && na[7] == 0 &&
	     memcmp(na + 8, GW_V6, 16) == 0 && na[24] == 2 && na[25] == 1 && memcmp(na + 26, GW_MAC, 6) == 0;
	check(ok, n2, "flags=%#x opt=%u/%u", na[4], na[24], na[25]);
	snprintf(n2, sizeof(n2), "%s: valid ICMPv6 checksum", what);
	check(ref_l4_ok(ip, 1, 58, na, 32), n2, "check=%#x", get16(na + 2));
}

static void test_gw_v6(void)
{
	struct fr f;
	struct gw_stats st = { 0 };
	enum gw_result res;
	uint32_t rl;
	uint8_t *h;
	static const uint8_t ZERO6[16] = { 0 };

	mk_ns(&f, SN_MAC, H_V6, SN_V6, GW_V6, 1, 255);
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	check(res == GW_REPLY && rl == 86 && st.nd_adverts == 1, "gw NS to solicited-node -> NA", "res=%d rl=%u",
	      res, rl);
	check_na(h, 0, "gw NA to solicited NS");
	free(h);

	mk_ns(&f, GW_MAC, H_V6, GW_V6, GW_V6, 0, 255);
	h = gw_copy(&f, f.len, 86, &res, &rl, &st);
	check(res == GW_REPLY && rl == 86, "gw unicast NS (no SLLA) -> NA", "res=%d rl=%u", res, rl);
	check_na(h, 0, "gw NA to unicast NS");
	free(h);

	mk_ns(&f, SN_MAC, ZERO6, SN_V6, GW_V6, 0, 255);
	h = gw_copy(&f, f.len, 86, &res, &rl, &st);
	check(res == GW_REPLY && rl == 86, "gw DAD NS -> NA", "res=%d rl=%u", res, rl);
	check_na(h, 1, "gw NA to DAD NS (ff02::1, no S)");
	free(h);

	uint64_t bad0 = st.bad;
	mk_ns(&f, SN_MAC, ZERO6, SN_V6, GW_V6, 0, 255);
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	check(res == GW_CONSUMED && st.bad == bad0 + 1, "gw NS with no room for NA -> CONSUMED + bad", "res=%d", res);
	free(h);
	mk_ns(&f, SN_MAC, H_V6, SN_V6, OTHER_V6, 1, 255);
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	check(res == GW_NOT_MINE && memcmp(h, f.b, f.len) == 0, "gw NS for another target -> NOT_MINE", "res=%d", res);
	free(h);
	mk_ns(&f, H2_MAC, H_V6, SN_V6, GW_V6, 1, 255);
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	check(res == GW_NOT_MINE, "gw NS to another host's MAC -> NOT_MINE", "res=%d", res);
	free(h);
	mk_ns(&f, SN_MAC, H_V6, SN_V6, GW_V6, 1, 64);
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	check(res == GW_CONSUMED && st.bad == bad0 + 2, "gw NS with hop limit 64 -> CONSUMED + bad", "res=%d", res);
	free(h);

	/* echo6 */
	mk6(&f, 0, NULL, 0, 0, 58, 21, GW_MAC, H_V6, GW_V6, 9);
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	const uint8_t *ip = h + 14, *ic = h + 54;
	check(res == GW_REPLY && rl == f.len && st.echo6_replies == 1, "gw echo6 -> reply", "res=%d rl=%u", res, rl);
	check(memcmp(h, H_MAC, 6) == 0 && memcmp(h + 6, GW_MAC, 6) == 0 && memcmp(ip + 8, GW_V6, 16) == 0 &&
		      memcmp(ip + 24, H_V6, 16) == 0 && ip[7] == 64 && ic[0] == 129 && ic[1] == 0 &&
		      memcmp(ic + 4, f.b + 58, f.len - 58) == 0,
	      "gw echo6 reply: addresses swapped, hop limit 64, type 129, same id/seq/payload", "type=%u", ic[0]);
	check(ref_l4_ok(ip, 1, 58, ic, f.len - 54), "gw echo6 reply: valid ICMPv6 checksum", "%#x", get16(ic + 2));
	free(h);

	/* No answer to a source that is not one host's. */
	static const uint8_t not_one6[][16] = { { 0 }, { [15] = 1 }, { 0xff, 0x02, [15] = 1 },
						  { [10] = 0xff, [11] = 0xff, 10, 0, 0, 2 } };
	for (size_t i = 0; i < sizeof(not_one6) / sizeof(not_one6[0]); i++) {
		uint64_t bad1 = st.bad;

		mk6(&f, 0, NULL, 0, 0, 58, 21, GW_MAC, not_one6[i], GW_V6, 9);
		h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
		check(res == GW_CONSUMED && st.bad == bad1 + 1,
		      "gw echo6 from a source not one host's -> CONSUMED + bad", "source %zu: res=%d", i, res);
		free(h);
	}
	bad0 = st.bad;
	mk_ns(&f, SN_MAC, not_one6[1], SN_V6, GW_V6, 0, 255);
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	check(res == GW_CONSUMED && st.bad == bad0 + 1, "gw NS from ::1 -> CONSUMED + bad", "res=%d", res);
	free(h);

	mk6(&f, 0, NULL, 0, 0, 58, 21, H2_MAC, H_V6, GW_V6, 9);
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	check(res == GW_NOT_MINE, "gw echo6 to other MAC -> NOT_MINE", "res=%d", res);
	free(h);
	mk6(&f, 0, NULL, 0, 0, 17, 21, GW_MAC, H_V6, GW_V6, 9);
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	check(res == GW_CONSUMED && st.bad == bad0 + 1, "gw UDP6 to gateway -> CONSUMED", "res=%d", res);
	free(h);
	mk6(&f, 0, NULL, 0, 0, 58, 0, GW_MAC, H_V6, GW_V6, 9);
	put16(f.b + 18, 6);
	h = gw_copy(&f, 60, 60, &res, &rl, &st);
	check(res == GW_CONSUMED && st.bad == bad0 + 2, "gw truncated ICMPv6 to gateway -> CONSUMED + bad", "res=%d",
	      res);
	free(h);

	/* RFC 4861 7.1.1: options of length 0 or past the message, and a
	 * source link-layer address in a DAD probe, make an NS invalid. */
	static const struct {
		const uint8_t *src;
		uint8_t olen;
		const char *what;
	} bad_opts[] = {
		{ H_V6, 0, "gw NS with an option of length 0 -> CONSUMED + bad" },
		{ H_V6, 2, "gw NS with an option past its end -> CONSUMED + bad" },
		{ ZERO6, 1, "gw DAD NS with a source link-layer address -> CONSUMED + bad" },
	};
	for (size_t i = 0; i < sizeof(bad_opts) / sizeof(bad_opts[0]); i++) {
		uint64_t bad1 = st.bad, na1 = st.nd_adverts;

		mk_ns(&f, SN_MAC, bad_opts[i].src, SN_V6, GW_V6, 1, 255);
		f.b[54 + 25] = bad_opts[i].olen;
		ref_fill_l4(f.b + 14, 1, 58, f.b + 54, 32);
		h = gw_copy(&f, f.len, 86, &res, &rl, &st);
		check(res == GW_CONSUMED && st.bad == bad1 + 1 && st.nd_adverts == na1,
		      bad_opts[i].what, "res=%d", res);
		free(h);
	}
	GW.has_v6 = 0;
	mk_ns(&f, SN_MAC, H_V6, SN_V6, GW_V6, 1, 255);
	h = gw_copy(&f, f.len, f.len, &res, &rl, &st);
	check(res == GW_NOT_MINE, "gw without v6 ignores NS", "res=%d", res);
	GW.has_v6 = 1;
	free(h);
}

/* An echo request behind extension headers: answered with a plain
 * 40-byte header, as Linux answers it, unless a routing header or an
 * option the gateway must understand is among them; a fragment is not
 * put together, so not answered. */
static void test_gw_echo6_ext(void)
{
	static const struct {
		uint8_t ext[24], len, first;
		enum gw_result res;
		int bad, unanswered;
		const char *what;
	} cases[] = {
		{ { 58, 0, 1, 4 }, 8, 0, GW_REPLY, 0, 0, "gw echo6 after hop-by-hop -> reply" },
		{ { 58, 1, 5, 2, 0, 0, 1, 8 }, 16, 60, GW_REPLY, 0, 0,
		  "gw echo6 after destination options -> reply" },
		{ { 60, 0, 1, 4, 0, 0, 0, 0, 58, 0, 1, 4 }, 16, 0, GW_REPLY, 0, 0,
		  "gw echo6 after hop-by-hop and destination options -> reply" },
		{ { 58, 0, 0, 0 }, 8, 43, GW_CONSUMED, 0, 1,
		  "gw echo6 after a routing header -> CONSUMED, unanswered" },
		{ { 43, 0, 1, 4, 0, 0, 0, 0, 58 }, 16, 0, GW_CONSUMED, 0, 1,
		  "gw echo6 after hop-by-hop and a routing header -> CONSUMED, unanswered" },
		{ { 58, 0, 0x80, 4 }, 8, 0, GW_CONSUMED, 0, 1,
		  "gw echo6 with an option to be understood -> CONSUMED, unanswered" },
		{ { 58, 0, 1, 5 }, 8, 0, GW_CONSUMED, 1, 0,
		  "gw echo6 with an option past its header -> CONSUMED + bad" },
		{ { 0, 0, 1, 4, 0, 0, 0, 0, 58, 0, 1, 4 }, 16, 60, GW_CONSUMED, 1, 0,
		  "gw echo6 with hop-by-hop after another header -> CONSUMED + bad" },
		{ { 58, 0, 0, 1, 0, 0, 0, 7 }, 8, 44, GW_CONSUMED, 0, 1,
		  "gw echo6 in fragments -> CONSUMED, unanswered" },
	};
	struct gw_stats st = { 0 };
	enum gw_result res;
	struct fr f;
	uint32_t rl;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t bad0 = st.bad, un0 = st.unanswered, ok0 = st.echo6_replies;
		uint32_t n = 8 + 21;

		mk6(&f, 0, cases[i].ext, cases[i].len, cases[i].first, 58, 21, GW_MAC, H_V6, GW_V6,
		    9);
		uint8_t *h = gw_copy(&f, f.len, f.len, &res, &rl, &st), *ip = h + 14, *ic = ip + 40;
		check(res == cases[i].res && st.bad == bad0 + (uint64_t)cases[i].bad &&
			      st.unanswered == un0 + (uint64_t)cases[i].unanswered &&
			      st.echo6_replies == ok0 + (res == GW_REPLY),
		      cases[i].what, "res=%d bad=%llu unanswered=%llu", res,
		      (unsigned long long)(st.bad - bad0), (unsigned long long)(st.unanswered - un0));
		if (res == GW_REPLY)
			check(rl == 14 + 40 + n && ip[0] == 0x60 && get16(ip + 4) == n && ip[6] == 58 &&
				      ip[7] == 64 && !memcmp(ip + 8, GW_V6, 16) &&
				      !memcmp(ip + 24, H_V6, 16) && ic[0] == 129 && ic[1] == 0 &&
				      !memcmp(ic + 4, f.b + f.l4 + 4, n - 4) &&
				      ref_l4_ok(ip, 1, 58, ic, n),
			      "and the reply has no extension headers, the request's id, sequence and data",
			      "%s: rl=%u plen=%u nh=%u type=%u", cases[i].what, rl, get16(ip + 4), ip[6],
			      ic[0]);
		free(h);
	}
}

/* --- fuzz -------------------------------------------------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

static void test_fuzz(void)
{
	static struct fr seeds[16];
	int ns = 0;
	uint8_t ext[24] = { 60, 0, 1, 4, 0, 0, 0, 0, 6, 1, 1, 12 };
	mk4(&seeds[ns++], 0, 0, K_TCP, 40, H2_MAC, H2_V4);
	mk4(&seeds[ns++], 1, 8, K_UDP, 11, H2_MAC, H2_V4);
	mk4(&seeds[ns++], 2, 0, K_ICMP, 16, GW_MAC, GW_V4);
	mk4(&seeds[ns++], 0, 0, K_ICMP, 3, GW_MAC, GW_V4);
	mk6(&seeds[ns++], 0, ext, 24, 0, 6, 30, H2_MAC, H_V6, OTHER_V6, 64);
	mk6(&seeds[ns++], 1, NULL, 0, 0, 17, 9, H2_MAC, H_V6, OTHER_V6, 64);
	mk6(&seeds[ns++], 0, NULL, 0, 0, 58, 12, GW_MAC, H_V6, GW_V6, 64);
	mk_ns(&seeds[ns++], SN_MAC, H_V6, SN_V6, GW_V6, 1, 255);
	mk_ns(&seeds[ns++], SN_MAC, (const uint8_t[16]){ 0 }, SN_V6, GW_V6, 0, 255);
	mk_arp(&seeds[ns++], BCAST, 1, H_V4, GW_V4, 0);
	mk_arp(&seeds[ns++], BCAST, 1, H_V4, GW_V4, 2);
	uint8_t fh[8] = { 17, 0, 0, 1 };
	mk6(&seeds[ns++], 0, fh, 8, 44, 17, 3, H2_MAC, H_V6, GW_V6, 64);
	/* partial-checksum versions, so completion runs often */
	for (int i = 0; i < 2; i++) {
		struct fr *s = &seeds[ns++];
		if (i)
			mk6(s, 0, NULL, 0, 0, 6, 31, H2_MAC, H_V6, OTHER_V6, 64);
		else
			mk4(s, 0, 0, K_UDP, 31, H2_MAC, H2_V4);
		uint8_t proto = i ? 6 : 17;
		put16(s->b + s->l4 + csum_off(proto), ref_pseudo(s->b + s->l3, i, proto, s->len - s->l4));
	}
	static const uint8_t magic[] = { 0, 1, 5, 6, 8, 17, 44, 58, 59, 60, 0x45, 0x60, 0x81, 0x86, 0x87, 128, 135, 255 };
	struct gw_stats st = { 0 };
	int bad_inv = 0, bad_csum = 0, bad_reply = 0;
	uint32_t completed = 0, replies = 0;

	for (int it = 0; it < 200000; it++) {
		const struct fr *s = &seeds[rnd() % (uint32_t)ns];
		uint8_t tmp[2048];
		uint32_t len = s->len;
		memcpy(tmp, s->b, len);
		int nm = 1 + (int)(rnd() % 4);
		for (int m = 0; m < nm; m++) {
			uint32_t r = rnd();
			uint32_t pos = rnd() % (len ? len : 1);
			switch (r % 6) {
			case 0: if (len) tmp[pos] = (uint8_t)rnd(); break;
			case 1: if (len) tmp[pos] = magic[rnd() % sizeof(magic)]; break;
			case 2: len = rnd() % (len + 1); break;
			case 3: { uint32_t add = rnd() % 24; /* random tail */
				for (uint32_t i = 0; i < add; i++) tmp[len + i] = (uint8_t)rnd();
				len += add; break; }
			case 4: if (len > 1) { uint32_t p2 = rnd() % (len - 1); tmp[p2] = 0; tmp[p2 + 1] = (uint8_t)(rnd() % 80); } break;
			default: if (len) tmp[pos] ^= (uint8_t)(1u << (rnd() % 8)); break;
			}
		}
		uint8_t *h = malloc(len ? len : 1);
		memcpy(h, tmp, len);
		struct pkt p;
		enum pkt_verdict v = pkt_parse(h, len, &p);
		if (v == PKT_OK && ((p.l4_off && ((uint32_t)p.l4_off + p.l4_len > len || p.l4_off <= p.l3_off)) ||
				    (p.l3_off && p.l3_off >= len) || (p.is_frag && p.l4_off)))
			bad_inv++;
		if (v == PKT_OK && pkt_csum_complete(&p) == 1) {
			completed++;
			if (!ref_l4_ok(h + p.l3_off, p.ethertype == 0x86dd, p.l4_proto, h + p.l4_off, p.l4_len))
				bad_csum++;
		}
		uint32_t rl = 0;
		enum gw_result res = gw_handle(&GW, &p, len, &rl, &st);
		if (res == GW_REPLY) {
			replies++;
			struct pkt q;
			if (rl > len || rl < 42 || pkt_parse(h, rl, &q) != PKT_OK)
				bad_reply++;
			else if (q.l4_off && q.l4_proto != 17 && q.l4_proto != 6 &&
				 !(q.l4_proto == 1 ? ref_fold(ref_sum(h + q.l4_off, q.l4_len)) == 0xffff
						   : ref_l4_ok(h + q.l3_off, 1, 58, h + q.l4_off, q.l4_len)))
				bad_reply++;
		}
		free(h);
	}
	check(bad_inv == 0, "fuzz 200k mutations: parse invariants", "%d violations", bad_inv);
	check(bad_csum == 0 && completed > 1000, "fuzz: every completed checksum verifies", "%d bad of %u", bad_csum,
	      completed);
	check(bad_reply == 0 && replies > 1000, "fuzz: every gateway reply parses with valid checksums",
	      "%d bad of %u", bad_reply, replies);
}

int main(void)
{
	memcpy(GW.mac, GW_MAC, 6);
	GW.has_v4 = GW.has_v6 = 1;
	memcpy(GW.v4, GW_V4, 4);
	GW.v4_plen = 24;
	memcpy(GW.v6, GW_V6, 16);

	test_parse();
	test_csum();
	test_gw_arp();
	test_gw_icmp();
	test_gw_v6();
	test_gw_echo6_ext();
	test_fuzz();
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
