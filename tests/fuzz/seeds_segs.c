/* SPDX-License-Identifier: MIT */
/* fuzz_segs's seed sequences: frames received as chains of buffers (the
 * record format is fuzz_segs.c's). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seed_build.h"

/* A frame received on port (3: the uplink) in n buffers: the first n - 1
 * of len[i] bytes (0: 3840; else a multiple of 15), the last the rest;
 * flags: fuzz_segs.c's ctl bits 4-7. */
static void s_chain(struct seq *s, int port, unsigned flags, int n, const unsigned *len,
		    const struct frame *f)
{
	s_byte(s, (unsigned)(n - 1) | (unsigned)port << 2 | flags);
	for (int i = 0; i + 1 < n; i++)
		s_byte(s, len[i] / 15);
	s_byte(s, (unsigned)f->n >> 8);
	s_byte(s, (unsigned)f->n);
	for (size_t i = 0; i < f->n; i++)
		s_byte(s, f->b[i]);
}

/* An echo request from A to the gateway of payload bytes, in two
 * fragments, the first with first bytes of the ICMP message. */
static void gw_echo_fragments(struct seq *s, size_t payload, size_t first)
{
	static const unsigned full[2] = { 0, 0 };
	static uint8_t icmp[16384];
	static struct frame f;
	size_t n = 8 + payload, off = 0, ip;
	uint32_t sm;

	memset(icmp, 0x10, n);
	icmp[0] = 8, icmp[1] = 0, icmp[2] = icmp[3] = 0;
	icmp[4] = icmp[5] = 0x42, icmp[6] = 0, icmp[7] = 1;
	sm = (uint16_t)~fold(sum(0, icmp, n));
	icmp[2] = (uint8_t)(sm >> 8), icmp[3] = (uint8_t)sm;
	for (int k = 0; k < 2; k++) {
		size_t take = k ? n - first : first;

		to_gw(&f, A_MAC);
		ip = ip4(&f, 1, A4, GW4, 0, (k ? 0 : 0x2000u) | (unsigned)(off / 8));
		put(&f, icmp + off, take);
		ip4_done(&f, ip);
		s_chain(s, PORT_A, 0, 3, full, &f);
		off += take;
	}
}

void segs_seqs(const char *dir)
{
	static const unsigned full[3] = { 0, 0, 0 }, short_first[3] = { 15, 0, 0 };
	static struct frame f, g;
	static struct seq s;
	size_t ip, l4;

	/* A 9000-byte ping of the gateway: answered from the copy. */
	to_gw(&f, A_MAC);
	ip = ip4(&f, 1, A4, GW4, 0, 0x4000);
	l4 = icmp_echo(&f, 8, 9000 - 20 - 8);
	ip4_done(&f, ip);
	l4_csum(&f, ip, 0, l4, 1, 2, FULL);
	s_chain(&s, PORT_A, 0, 3, full, &f);
	s_out(&s, dir, "jumbo-ping-gw");
	gw_echo_fragments(&s, 10000, 8000);
	s_out(&s, dir, "jumbo-ping-gw-fragments");
	gw_echo_fragments(&s, 2000, 1000); /* one buffer each, one reply */
	s_out(&s, dir, "ping-gw-fragments-small");
	/* UDP through the NAT, 9000 bytes: with DF "fragmentation needed"
	 * back; without, cut to the uplink's 1500; held while the next hop
	 * is unknown, then sent; from a first buffer too short to route. */
	big_udp(&f, A_MAC, A4, FAR4, 0x4000, 9000 - 28);
	s_chain(&s, PORT_A, 0, 3, full, &f);
	s_out(&s, dir, "jumbo-udp-uplink-df");
	big_udp(&f, A_MAC, A4, FAR4, 0, 9000 - 28);
	s_chain(&s, PORT_A, 0, 3, full, &f);
	s_out(&s, dir, "jumbo-udp-uplink");
	s_chain(&s, PORT_A, 0x80, 3, full, &f);
	s_chain(&s, PORT_A, 0x10, 3, full, &f);
	s_out(&s, dir, "jumbo-udp-uplink-held");
	s_chain(&s, PORT_A, 0, 4, short_first, &f);
	s_out(&s, dir, "jumbo-udp-uplink-short-first");
	/* 1000 bytes of UDP and 4000 after them: routed from the first
	 * buffer, trimmed. */
	big_udp(&f, A_MAC, A4, FAR4, 0x4000, 1000 - 28);
	fill(&f, 4000, 0xab);
	s_chain(&s, PORT_A, 0, 2, full, &f);
	s_out(&s, dir, "udp-uplink-trailing-bytes");
	/* Partial UDP between namespaces: B learned from a small frame, then
	 * A's 9000-byte frame to it, switched (checksum completed across
	 * buffers); one to a MAC no port has, flooded. */
	eth(&g, A_MAC, B_MAC);
	v4_udp(&g, PARTIAL, 20);
	s_chain(&s, PORT_B, 0, 1, full, &g);
	eth(&f, B_MAC, A_MAC);
	v4_udp(&f, PARTIAL, 9000 - 28);
	s_chain(&s, PORT_A, 0, 3, full, &f);
	s_out(&s, dir, "jumbo-l2-a-to-b");
	eth(&f, (const uint8_t[6]){ 0x02, 0, 0, 0, 0, 0x99 }, A_MAC);
	v4_udp(&f, PARTIAL, 8000 - 28);
	s_chain(&s, PORT_A, 0, 3, full, &f);
	s_out(&s, dir, "jumbo-l2-flood");
	/* From the uplink, whose program takes one buffer: dropped. */
	in_udp(&f, 20000, 0, 1500 - 28);
	s_chain(&s, UPLINK, 0, 2, (const unsigned[1]){ 600 }, &f);
	s_out(&s, dir, "uplink-two-buffers");
}
