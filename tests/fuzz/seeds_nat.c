/* SPDX-License-Identifier: MIT */
/* fuzz_nat's seed sequences (the record format is fuzz_nat.c's). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seed_build.h"

void nat_seqs(const char *dir)
{
	struct seq s = { .n = 0 };
	struct frame f;
	size_t ip, l4;

	/* TCP: handshake, data, close, each answered; then time passes. */
	arp_for(&f, A_MAC, A4);
	s_frame(&s, PORT_A, &f);
	out_tcp(&f, A_MAC, A4, FAR4, 20001, 80, 0x02, PARTIAL);
	s_frame(&s, PORT_A, &f);
	s_answer(&s, 0x12);
	out_tcp(&f, A_MAC, A4, FAR4, 20001, 80, 0x18, PARTIAL);
	s_frame(&s, PORT_A, &f);
	s_answer(&s, 0x10);
	out_tcp(&f, A_MAC, A4, FAR4, 20001, 80, 0x11, PARTIAL);
	s_frame(&s, PORT_A, &f);
	s_answer(&s, 0x11);
	s_clock(&s, 32);
	s_answer(&s, 0x10);
	s_out(&s, dir, "tcp-handshake-close");

	/* A reset, and the 4-tuple opened again. */
	out_tcp(&f, A_MAC, A4, FAR4, 20002, 443, 0x02, FULL);
	s_frame(&s, PORT_A, &f);
	s_answer(&s, 0x14);
	s_frame(&s, PORT_A, &f);
	s_answer(&s, 0x12);
	s_out(&s, dir, "tcp-rst-reopen");

	/* UDP from a port outside the range, to the uplink's own subnet. */
	out_udp(&f, A_MAC, A4, OUT4, 40000, 53, PARTIAL);
	s_frame(&s, PORT_A, &f);
	s_answer(&s, 0);
	s_out(&s, dir, "udp-port-allocated-direct");

	/* UDP without checksum stays without, in an error's quote too. */
	out_udp(&f, B_MAC, B4, FAR4, 20003, 53, NONE);
	s_frame(&s, PORT_B, &f);
	s_answer(&s, 1);
	s_error(&s, 12, 200);
	s_out(&s, dir, "udp-csum0");
	/* An answer every 0.9 s keeps a connection (ICMP: 1 s) alive. */
	out_echo(&f, A_MAC, A4, FAR4, 20010);
	s_frame(&s, PORT_A, &f);
	for (int i = 0; i < 4; i++) {
		s_clock(&s, 29); /* 0.54 s */
		s_clock(&s, 28); /* 0.27 s */
		s_answer(&s, 0);
	}
	s_clock(&s, 36 + 35); /* 2^35 ns, 34 s, twice: past every timeout */
	s_clock(&s, 35);
	s_answer(&s, 0);
	s_error(&s, 12, 0);
	s_out(&s, dir, "echo-kept-alive-by-answers");

	/* Two namespaces, one source port, one server. */
	out_udp(&f, A_MAC, A4, FAR4, 40000, 53, FULL);
	s_frame(&s, PORT_A, &f);
	s_answer(&s, 0);
	out_udp(&f, B_MAC, B4, FAR4, 40000, 53, FULL);
	s_frame(&s, PORT_B, &f);
	s_answer(&s, 0);
	s_out(&s, dir, "udp-same-port-two-hosts");

	out_echo(&f, A_MAC, A4, FAR4, 20005);
	s_frame(&s, PORT_A, &f);
	s_answer(&s, 0);
	s_frame(&s, PORT_A, &f);
	s_answer(&s, 0);
	s_out(&s, dir, "echo-answered");

	/* ICMP errors from the outside about what the NAT sent. */
	out_udp(&f, A_MAC, A4, FAR4, 20006, 53, PARTIAL);
	s_frame(&s, PORT_A, &f);
	s_error(&s, 12, 200); /* port unreachable, whole datagram quoted */
	s_out(&s, dir, "error-port-unreachable-udp-whole");
	out_tcp(&f, A_MAC, A4, FAR4, 20007, 443, 0x02, PARTIAL);
	s_frame(&s, PORT_A, &f);
	s_error(&s, 18, 0); /* fragmentation needed, header + 8 */
	s_out(&s, dir, "error-frag-needed-tcp-cut");
	out_echo(&f, B_MAC, B4, FAR4, 20008);
	s_frame(&s, PORT_B, &f);
	s_error(&s, 64, 8); /* time exceeded, from a router on the way */
	s_out(&s, dir, "error-ttl-router-echo");
	out_tcp(&f, A_MAC, A4, OUT4, 20009, 22, 0x18, FULL);
	s_frame(&s, PORT_A, &f);
	s_error(&s, 2, 100); /* parameter problem */
	s_out(&s, dir, "error-paramprob-tcp-whole");
	out_udp(&f, A_MAC, A4, FAR4, 20010, 53, FULL);
	s_frame(&s, PORT_A, &f);
	s_error(&s, 12, 0xf4); /* a quote too short to translate */
	s_out(&s, dir, "error-quote-too-short");
	/* ...and the same errors as raw frames from the uplink. */
	out_udp(&f, A_MAC, A4, FAR4, 20011, 53, FULL);
	s_frame(&s, PORT_A, &f);
	in_error(&f, FAR4, 3, 3, 17, FAR4, 20011, 53, 64);
	s_frame(&s, UPLINK, &f);
	s_out(&s, dir, "raw-error-port-unreachable-udp");
	out_echo(&f, A_MAC, A4, FAR4, 20012);
	s_frame(&s, PORT_A, &f);
	in_error(&f, (const uint8_t[4]){ 198, 51, 100, 254 }, 11, 0, 1, FAR4, 20012, 0, 8);
	s_frame(&s, UPLINK, &f);
	s_out(&s, dir, "raw-error-time-exceeded-echo");
	out_tcp(&f, A_MAC, A4, FAR4, 20013, 80, 0x02, FULL);
	s_frame(&s, PORT_A, &f);
	in_error(&f, FAR4, 3, 4, 6, FAR4, 20013, 80, 20);
	s_frame(&s, UPLINK, &f);
	s_out(&s, dir, "raw-error-frag-needed-tcp");

	/* Raw answers from the uplink: one that matches, one that does not. */
	out_echo(&f, A_MAC, A4, FAR4, 20014);
	s_frame(&s, PORT_A, &f);
	ip = in_hdr(&f, 1, FAR4);
	l4 = icmp_echo(&f, 0, 32);
	set16(&f, l4 + 4, 20014);
	ip4_done(&f, ip);
	l4_csum(&f, ip, 0, l4, 1, 2, FULL);
	s_frame(&s, UPLINK, &f);
	ip = in_hdr(&f, 6, FAR4);
	l4 = tcp(&f, 80, 20015, 0x02, 0);
	ip4_done(&f, ip);
	l4_csum(&f, ip, 0, l4, 6, 16, FULL);
	s_frame(&s, UPLINK, &f);
	s_out(&s, dir, "raw-echo-reply-and-unsolicited-syn");
	out_udp(&f, A_MAC, A4, OUT4, 20004, 5353, FULL);
	s_frame(&s, PORT_A, &f);
	ip = in_hdr(&f, 17, OUT4);
	l4 = udp(&f, 5353, 20004, 40);
	ip4_done(&f, ip);
	l4_csum(&f, ip, 0, l4, 17, 6, PARTIAL);
	s_frame(&s, UPLINK, &f);
	s_out(&s, dir, "raw-udp-answer-partial");

	/* A namespace answers with an ICMP error of its own. */
	out_udp(&f, A_MAC, A4, FAR4, 20002, 53, FULL);
	s_frame(&s, PORT_A, &f);
	s_answer(&s, 0);
	s_error(&s, 0x80, 0);
	s_out(&s, dir, "error-from-inside");

	/* TTL 1: time exceeded from the gateway, with and without options. */
	ip = out_udp(&f, A_MAC, A4, FAR4, 20001, 33434, PARTIAL);
	ttl(&f, ip, 1);
	s_frame(&s, PORT_A, &f);
	ttl1_icmp(&f, B_MAC, B4, 8, 12, 0x4000, 3);
	s_frame(&s, PORT_B, &f);
	s_byte(&s, 0x80); /* the same, at the very end of its buffer */
	s_byte(&s, (unsigned)f.n >> 8);
	s_byte(&s, (unsigned)f.n);
	for (size_t i = 0; i < f.n; i++)
		s_byte(&s, f.b[i]);
	s_out(&s, dir, "ttl1-time-exceeded");

	/* TTL 1, but no time exceeded (RFC 1812 4.3.2.7): the first
	 * fragment of an ICMP error (its type is there all the same), a
	 * later fragment, a whole time exceeded. */
	ttl1_icmp(&f, A_MAC, A4, 3, 0, 0x2000, 16);
	s_frame(&s, PORT_A, &f);
	to_gw(&f, A_MAC);
	ip = ip4(&f, 17, A4, FAR4, 0, 0x0010);
	udp(&f, 20001, 33434, 21);
	ip4_done(&f, ip);
	ttl(&f, ip, 1);
	s_frame(&s, PORT_A, &f);
	ttl1_icmp(&f, B_MAC, B4, 11, 0, 0x4000, 16);
	s_frame(&s, PORT_B, &f);
	s_out(&s, dir, "ttl1-no-time-exceeded");

	/* Options: a record route is routed; a loose source route, an
	 * option of length 1 and a timestamp's type as the header's last
	 * byte are not (Linux drops them). */
	{
		static const uint8_t opts[4][8] = {
			{ 7, 7, 4, 0, 0, 0, 0, 0 },
			{ 131, 7, 4, 198, 51, 100, 9, 0 },
			{ 7, 1, 4, 0, 0, 0, 0, 0 },
			{ 1, 1, 1, 1, 1, 1, 1, 68 },
		};

		for (int k = 0; k < 4; k++) {
			to_gw(&f, A_MAC);
			ip = ip4(&f, 17, A4, FAR4, 8, 0x4000);
			memcpy(f.b + ip + 20, opts[k], 8);
			l4 = udp(&f, 20020 + (unsigned)k, 53, 21);
			ip4_done(&f, ip);
			l4_csum(&f, ip, 0, l4, 17, 6, PARTIAL);
			s_frame(&s, PORT_A, &f);
		}
		s_out(&s, dir, "options-routed-or-not");
	}

	/* Martians (RFC 1812 5.3.7), neither routed nor answered: to
	 * loopback, to 0/8, to class E with TTL 1, from the subnet's
	 * broadcast address out and by a static route, from the gateway's
	 * own address; then one that goes. */
	static const uint8_t LOOP4[4] = { 127, 0, 0, 1 }, ZERO4[4] = { 0, 1, 2, 3 },
			     CLASS_E4[4] = { 240, 0, 0, 1 }, BCAST4[4] = { 10, 13, 37, 255 };
	out_udp(&f, A_MAC, A4, LOOP4, 20010, 53, FULL);
	s_frame(&s, PORT_A, &f);
	out_udp(&f, A_MAC, A4, ZERO4, 20011, 53, FULL);
	s_frame(&s, PORT_A, &f);
	ip = out_udp(&f, A_MAC, A4, CLASS_E4, 20012, 53, FULL);
	ttl(&f, ip, 1);
	s_frame(&s, PORT_A, &f);
	out_udp(&f, A_MAC, BCAST4, FAR4, 20013, 53, FULL);
	s_frame(&s, PORT_A, &f);
	out_udp(&f, A_MAC, BCAST4, BEHIND_R4, 20014, 53, FULL);
	s_frame(&s, PORT_A, &f);
	out_udp(&f, A_MAC, GW4, FAR4, 20016, 53, FULL);
	s_frame(&s, PORT_A, &f);
	out_udp(&f, A_MAC, A4, FAR4, 20015, 53, FULL);
	s_frame(&s, PORT_A, &f);
	/* In from the uplink about that connection: an ICMP error from
	 * loopback, dropped (the NAT matches errors by their quote, so only
	 * the martian test stops it); then the answer, delivered. */
	in_error(&f, LOOP4, 3, 3, 17, FAR4, 20015, 53, 64);
	s_frame(&s, UPLINK, &f);
	in_udp(&f, 20015, 0x4000, 21);
	s_frame(&s, UPLINK, &f);
	s_out(&s, dir, "martians");

	/* IPv4 headers that fail their checksum (RFC 1812 5.2.2), neither
	 * routed, answered nor translated: out to the far end, a ping of
	 * the gateway, and, once a good one went out, its answer in. */
	ip = out_udp(&f, A_MAC, A4, FAR4, 20005, 53, FULL);
	f.b[ip + 10] ^= 0x5a;
	s_frame(&s, PORT_A, &f);
	ip = out_echo(&f, A_MAC, A4, GW4, 77);
	f.b[ip + 10] ^= 0x5a;
	s_frame(&s, PORT_A, &f);
	out_udp(&f, A_MAC, A4, FAR4, 20005, 53, FULL);
	s_frame(&s, PORT_A, &f);
	in_udp(&f, 20005, 0x4000, 21);
	f.b[14 + 10] ^= 0x5a;
	s_frame(&s, UPLINK, &f);
	in_udp(&f, 20005, 0x4000, 21);
	s_frame(&s, UPLINK, &f);
	s_out(&s, dir, "bad-ip-header");

	/* Larger than the route's MTU (fuzz_nat: the uplink's 1500, 3506 on
	 * a static route): fragmentation needed with DF, else dropped; one
	 * of exactly 1500 bytes goes out. */
	big_udp(&f, A_MAC, A4, FAR4, 0x4000, 1473);
	s_frame(&s, PORT_A, &f);
	big_udp(&f, A_MAC, A4, FAR4, 0x4000, 1472);
	s_frame(&s, PORT_A, &f);
	big_udp(&f, B_MAC, B4, FAR4, 0, 1600);
	s_frame(&s, PORT_B, &f);
	big_udp(&f, B_MAC, B4, BEHIND_R4, 0x4000, 3600);
	s_frame(&s, PORT_B, &f);
	s_out(&s, dir, "too-big");

	/* The same without DF: cut by the gateway into pieces of the
	 * route's MTU, through the NAT (1500) and, once R answers ARP, by
	 * the static route (3506). */
	big_udp(&f, A_MAC, A4, FAR4, 0, 3840 - 42); /* a whole buffer */
	s_frame(&s, PORT_A, &f);
	arp_reply_to_gw(&f, R_MAC, R4);
	s_frame(&s, PORT_R, &f);
	big_udp(&f, B_MAC, B4, BEHIND_R4, 0, 3780);
	s_frame(&s, PORT_B, &f);
	s_out(&s, dir, "too-big-cut");

	/* A packet that fits the uplink's MTU in a frame that does not: 600
	 * bytes after it. Routed without them, not cut (route.c trims). */
	big_udp(&f, A_MAC, A4, FAR4, 0, 1000);
	fill(&f, 600, 0xee);
	s_frame(&s, PORT_A, &f);
	big_udp(&f, A_MAC, A4, FAR4, 0x4000, 1000);
	fill(&f, 600, 0xee);
	s_frame(&s, PORT_A, &f);
	s_out(&s, dir, "trailing-bytes");

	/* A UDP datagram in 3 fragments out, its answer in 2 back, that
	 * answer's last fragment again (its datagram is done), and a later
	 * fragment whose first never came. The namespace's port is in the
	 * NAT's range, so it stays the external one. */
	static struct frame fr[4];
	int nf = fragments(fr, GW_MAC, A_MAC, 17, A4, FAR4, 20005, 53, 3000, 0x4242);
	for (int i = 0; i < nf; i++)
		s_frame(&s, PORT_A, &fr[i]);
	nf = fragments(fr, UP_MAC, NH_MAC, 17, FAR4, EXT4, 53, 20005, 2000, 0x0707);
	for (int i = 0; i < nf; i++)
		s_frame(&s, UPLINK, &fr[i]);
	s_frame(&s, UPLINK, &fr[nf - 1]);
	fragments(fr, GW_MAC, A_MAC, 17, A4, FAR4, 20005, 53, 3000, 0x5151);
	s_frame(&s, PORT_A, &fr[1]);
	s_out(&s, dir, "frag-udp-out-in");

	/* Answers larger than the port of the host they are for (a's 3000,
	 * r's 3400 in fuzz_nat): cut on the way in, or with DF answered
	 * with "fragmentation needed" out of the uplink; what fits r's
	 * port goes whole. */
	out_udp(&f, A_MAC, A4, FAR4, 20005, 53, FULL);
	s_frame(&s, PORT_A, &f);
	out_udp(&f, R_MAC, R4, FAR4, 20006, 53, FULL);
	s_frame(&s, PORT_R, &f);
	in_udp(&f, 20005, 0, 3200);
	s_frame(&s, UPLINK, &f);
	in_udp(&f, 20005, 0x4000, 3200);
	s_frame(&s, UPLINK, &f);
	in_udp(&f, 20006, 0x4000, 3200);
	s_frame(&s, UPLINK, &f);
	in_udp(&f, 20006, 0, 3500);
	s_frame(&s, UPLINK, &f);
	in_udp(&f, 20006, 0x4000, 3500);
	s_frame(&s, UPLINK, &f);
	s_out(&s, dir, "in-too-big");

	/* ping -s 3000 in fragments, answered; then a new one whose later
	 * fragment comes 34 s after its first (2^35 ns): past the NAT's 30. */
	nf = fragments(fr, GW_MAC, A_MAC, 1, A4, FAR4, 0, 0, 3000, 0x0909);
	for (int i = 0; i < nf; i++)
		s_frame(&s, PORT_A, &fr[i]);
	s_answer(&s, 0);
	fragments(fr, GW_MAC, A_MAC, 1, A4, FAR4, 0, 0, 3000, 0x0a0a);
	s_frame(&s, PORT_A, &fr[0]);
	s_clock(&s, 35);
	s_frame(&s, PORT_A, &fr[1]);
	s_out(&s, dir, "frag-echo-expired");

	/* ping -s 3000 of the gateway itself: put together and answered in
	 * pieces, in order and then last fragment first. */
	nf = fragments(fr, GW_MAC, A_MAC, 1, A4, GW4, 0, 0, 3000, 0x1111);
	for (int i = 0; i < nf; i++)
		s_frame(&s, PORT_A, &fr[i]);
	nf = fragments(fr, GW_MAC, B_MAC, 1, B4, GW4, 0, 0, 3000, 0x2222);
	for (int i = nf; i-- > 0;)
		s_frame(&s, PORT_B, &fr[i]);
	s_out(&s, dir, "gw-ping-fragmented");

	/* The uplink's next hop resolves late, or never. */
	s_neigh(&s, 0);
	out_udp(&f, A_MAC, A4, FAR4, 20003, 53, FULL);
	s_frame(&s, PORT_A, &f);
	s_frame(&s, PORT_A, &f);
	s_clock(&s, 20);
	s_neigh(&s, 1);
	s_clock(&s, 22);
	s_answer(&s, 0);
	s_out(&s, dir, "uplink-nexthop-late");
	s_neigh(&s, 0);
	out_tcp(&f, A_MAC, A4, OUT4, 20005, 80, 0x02, FULL);
	s_frame(&s, PORT_A, &f);
	s_clock(&s, 31);
	s_out(&s, dir, "uplink-nexthop-never");

	/* Static routes: the router's MAC is asked for, frames wait, the
	 * answer sends them; the longer prefix wins. */
	out_tcp(&f, A_MAC, A4, BEHIND_R4, 40001, 80, 0x02, PARTIAL);
	s_frame(&s, PORT_A, &f);
	s_frame(&s, PORT_A, &f);
	s_neigh(&s, 1 | 2 | PORT_R << 2);
	s_frame(&s, PORT_A, &f);
	out_udp(&f, B_MAC, B4, BEHIND_R5, 40002, 53, FULL);
	s_frame(&s, PORT_B, &f);
	s_neigh(&s, 1 | 2 | PORT_R << 2);
	arp_reply_to_gw(&f, R_MAC, R4);
	s_frame(&s, PORT_R, &f);
	s_out(&s, dir, "static-route-arp");

	/* Answers for a namespace whose ARP entry went stale (used, and
	 * asked again), then unanswered (the answer waits for it). */
	out_tcp(&f, A_MAC, A4, OUT4, 20006, 80, 0x02, FULL);
	s_frame(&s, PORT_A, &f);
	s_answer(&s, 0x12);
	s_clock(&s, 35); /* 34 s */
	s_answer(&s, 0x10);
	s_clock(&s, 32); /* 4.3 s */
	s_answer(&s, 0x10);
	s_neigh(&s, 1 | 2);
	s_out(&s, dir, "answer-host-stale");

	/* A namespace sending from the gateway's own MAC, ARP and a packet
	 * to route: never its ARP table's MAC for the address. */
	arp_for(&f, GW_MAC, B4);
	s_frame(&s, PORT_B, &f);
	out_udp(&f, GW_MAC, B4, FAR4, 20007, 53, FULL);
	s_frame(&s, PORT_B, &f);
	s_answer(&s, 0);
	s_out(&s, dir, "from-gateway-mac");

	/* The table fills (24), then the ports towards one server (16). */
	out_udp(&f, A_MAC, A4, FAR4, 20000, 53, FULL);
	s_frame(&s, PORT_A, &f);
	s_burst(&s, 3 << 5 | 31); /* destination port +1..+32 */
	s_answer(&s, 0);
	s_out(&s, dir, "table-full");
	out_udp(&f, A_MAC, A4, FAR4, 40000, 53, FULL);
	s_frame(&s, PORT_A, &f);
	s_burst(&s, 1 << 5 | 20); /* source address +1..+21 */
	s_out(&s, dir, "ports-exhausted");
	out_echo(&f, B_MAC, B4, FAR4, 7);
	s_frame(&s, PORT_B, &f);
	s_burst(&s, 2 << 5 | 25); /* destination +1..+26 */
	s_clock(&s, 31);
	s_frame(&s, PORT_B, &f);
	s_out(&s, dir, "echo-many-servers-expire");

	/* An echo expires (1 s) between two sweeps of nat_expire (once a
	 * second): its answer and errors find nothing all the same. */
	s_clock(&s, 29);
	s_clock(&s, 28);
	s_clock(&s, 27); /* 0.94 s: no sweep yet */
	out_echo(&f, A_MAC, A4, FAR4, 20011);
	s_frame(&s, PORT_A, &f);
	s_clock(&s, 27); /* 1.07 s: a sweep */
	s_clock(&s, 29);
	s_clock(&s, 28);
	s_clock(&s, 27); /* idle 1.07 s, the next sweep 0.06 s away */
	s_error(&s, 12, 0);
	s_answer(&s, 0);
	s_out(&s, dir, "echo-expired-unswept");

	/* What the NAT does not translate. */
	to_gw(&f, A_MAC);
	ip = ip4(&f, 17, A4, FAR4, 0, 0x2000);
	udp(&f, 20001, 53, 64);
	ip4_done(&f, ip);
	s_frame(&s, PORT_A, &f);
	ip = in_hdr(&f, 17, FAR4);
	f.b[ip + 6] = 0x20;
	udp(&f, 53, 20001, 64);
	ip4_done(&f, ip);
	s_frame(&s, UPLINK, &f);
	to_gw(&f, A_MAC);
	ip = ip4(&f, 47, A4, FAR4, 0, 0x4000); /* GRE */
	fill(&f, 24, 0);
	ip4_done(&f, ip);
	s_frame(&s, PORT_A, &f);
	to_gw(&f, A_MAC);
	vlan(&f, 0x8100, 7);
	v4_tcp(&f, 0, FULL, 0);
	memcpy(f.b + 18 + 16, FAR4, 4);
	ip4_done(&f, 18);
	s_frame(&s, PORT_A, &f);
	s_out(&s, dir, "untranslated");

	/* Plain switching and the gateway, around the NAT. */
	arp_for(&f, A_MAC, A4);
	s_frame(&s, PORT_A, &f);
	eth(&f, B_MAC, A_MAC);
	v4_tcp(&f, 0, PARTIAL, 10);
	s_frame(&s, PORT_A, &f);
	eth(&f, A_MAC, B_MAC);
	v4_udp(&f, FULL, 10);
	s_frame(&s, PORT_B, &f);
	eth(&f, GW_MAC, A_MAC);
	v4_echo(&f, 0, 56);
	s_frame(&s, PORT_A, &f);
	s_out(&s, dir, "switched-and-gateway");
}
