/* SPDX-License-Identifier: MIT */
/* pkt_parse and pkt_csum_complete on frames built byte by byte
 * (pkt_frames.c). Checksums are verified with an independent,
 * deliberately naive reference (sum of big-endian 16-bit words). Every
 * frame handed to the code under test lives in a heap buffer of exactly
 * its length, so ASan reports any read past data+len. The gateway's
 * answers to such frames are test_gateway.c's; the fuzz loop over both,
 * test_pkt_random.c's. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkt_frames.h"

#define CHECK_NAME "pkt"
#include "check.h"

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

int main(void)
{
	test_parse();
	test_csum();
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
