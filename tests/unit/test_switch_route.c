/* SPDX-License-Identifier: MIT */
/* The router and the gateway on the switch's per-frame path
 * (dataplane/switch.c, route.c): what the gateway learns from a frame
 * sent from its own MAC or another host's address, and what the router
 * must not route as Linux would not (directed broadcasts, source routes)
 * or must answer (TTL 1 from the uplink, a ping of the uplink's address,
 * an IPv6 one of the gateway behind options).
 *
 * The switch runs as in the daemon, its socket ends stubbed
 * (switch_frames.c, tests/switch_harness.c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nat.h"
#include "pkt.h"
#include "route.h"
#include "switch.h"
#include "switch_harness.h"
#include "switch_frames.h"

#define CHECK_NAME "switch_route"
#include "check.h"

/* An ARP request and an IPv4 packet to route, both from the gateway's
 * own MAC with HOST's address: the gateway must not take HOST to be
 * there (the answers to HOST would go to the gateway itself). */
static void test_gateway_mac_not_learned(void)
{
	uint8_t f[64] = { 0 }, mac[6];
	bool ask;
	uint32_t host;
	int r;

	sw_new();
	memset(f, 0xff, 6);
	memcpy(f + 6, GW_MAC, 6);
	f[12] = 0x08, f[13] = 0x06;
	be16_put(f + 14, 1), be16_put(f + 16, 0x0800);
	f[18] = 6, f[19] = 4;
	be16_put(f + 20, 1);
	memcpy(f + 22, GW_MAC, 6);
	memcpy(f + 28, HOST4, 4);
	memcpy(f + 38, GW4, 4);
	switch_frame(sw, &ports[1], rx(f, 60), 60);
	udp_out(f, 46, 60, false);
	memcpy(f + 6, GW_MAC, 6);
	switch_frame(sw, &ports[1], rx(f, 60), 60);
	flush();
	memcpy(&host, HOST4, 4);
	r = arp_resolve(&sw->rt.arp, host, sw->now, mac, &ask);
	check(sw->st.src_gw_mac == 2 && (r != 0 || memcmp(mac, GW_MAC, 6)),
	      "frames from the gateway's own MAC do not make it a host's in its ARP table",
	      "src_gw_mac %llu, arp_resolve %d, MAC %02x:%02x:%02x:%02x:%02x:%02x",
	      (unsigned long long)sw->st.src_gw_mac, r, mac[0], mac[1], mac[2], mac[3], mac[4],
	      mac[5]);
}

/* Port 1 sends one IPv4 frame to the gateway from HOST's address: it
 * must not move HOST in the gateway's ARP table (only ARP does), so the
 * answers to HOST's connection still reach HOST. An address not known
 * yet is learned from such a frame. */
static void test_ipv4_does_not_move_arp(void)
{
	static const uint8_t OTHER_MAC[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x66 };
	static const uint8_t OTHER4[4] = { 10, 13, 37, 6 };
	uint8_t f[64], ext[2], mac[6];
	uint32_t other;
	bool ask;
	int r;

	sw_new();
	udp_out(f, 46, 60, false);
	switch_frame(sw, &ports[0], rx(f, 60), 60);
	flush();
	memcpy(ext, sent[0].data + 34, 2);
	udp_out(f, 46, 60, false);
	memcpy(f + 6, OTHER_MAC, 6);
	memcpy(f + 14 + 16, OTHER4, 4); /* on the subnet: only learned from */
	ip_sum(f);
	switch_frame(sw, &ports[1], rx(f, 60), 60);
	flush();
	nsent = 0;
	udp_in(f, ext);
	route_in(sw, rx(f, 60), 60);
	flush();
	check(nsent == 1 && sent[0].port == 0 && !memcmp(sent[0].data, HOST_MAC, 6) &&
		      sw->rt.arp.st.other_mac == 1,
	      "a frame from another MAC with HOST's address does not move HOST's answers",
	      "%d sent, first on port %d to ..:%02x, other_mac %llu", nsent,
	      nsent ? sent[0].port : -1, nsent ? sent[0].data[5] : 0,
	      (unsigned long long)sw->rt.arp.st.other_mac);
	/* A new address, from the same kind of frame. */
	udp_out(f, 46, 60, false);
	memcpy(f + 6, OTHER_MAC, 6);
	memcpy(f + 14 + 12, OTHER4, 4);
	ip_sum(f);
	switch_frame(sw, &ports[1], rx(f, 60), 60);
	flush();
	memcpy(&other, OTHER4, 4);
	r = arp_resolve(&sw->rt.arp, other, sw->now, mac, &ask);
	check(r == 0 && !memcmp(mac, OTHER_MAC, 6),
	      "an address not known yet is learned from an IPv4 frame to the gateway",
	      "arp_resolve %d, MAC ..:%02x", r, mac[5]);
}

/* The uplink subnet's broadcast address (203.0.113.0/24), and its
 * network address: not routed out through the NAT, nor answered with
 * time exceeded at TTL 1, but dropped as martians, as Linux does not
 * forward a directed broadcast. */
static void test_uplink_broadcast_martian(void)
{
	static const uint8_t to[2] = { 255, 0 };
	uint8_t f[64];
	char what[128];

	for (int i = 0; i < 2; i++) {
		for (int ttl = 64; ttl >= 1; ttl -= 63) {
			sw_new();
			udp_out(f, 46, 60, false);
			memcpy(f + 14 + 16, EXT4, 3);
			f[14 + 19] = to[i];
			f[14 + 8] = (uint8_t)ttl;
			ip_sum(f);
			switch_frame(sw, &ports[0], rx(f, 60), 60);
			flush();
			snprintf(what, sizeof(what),
				 "UDP to 203.0.113.%u at TTL %d is dropped as a martian, no connection made",
				 to[i], ttl);
			check(nsent == 0 && sw->rt.st.martian == 1 && !sw->rt.st.routed_out &&
				      !nat_stats(sw->nat)->created && sw->umem.nfree == NFRAMES,
			      what, "%d sent, martian %llu, routed_out %llu, ttl_exceeded %llu, NAT created %llu",
			      nsent, (unsigned long long)sw->rt.st.martian,
			      (unsigned long long)sw->rt.st.routed_out,
			      (unsigned long long)sw->rt.st.ttl_exceeded,
			      (unsigned long long)nat_stats(sw->nat)->created);
		}
	}
	/* Another host there is routed as before. */
	sw_new();
	udp_out(f, 46, 60, false);
	memcpy(f + 14 + 16, EXT4, 3);
	f[14 + 19] = 7;
	ip_sum(f);
	switch_frame(sw, &ports[0], rx(f, 60), 60);
	flush();
	check(nsent == 1 && sw->rt.st.routed_out == 1 && !sw->rt.st.martian,
	      "UDP to 203.0.113.7 on the uplink's subnet is routed out", "%d sent, martian %llu",
	      nsent, (unsigned long long)sw->rt.st.martian);
}

/* An answer from the outside with TTL 1: time exceeded back out of the
 * uplink, from the uplink's address and MAC, quoting it as it came, as
 * Linux's forward path sends it; nothing reaches the namespace, and an
 * ICMP error with TTL 1 gets none (RFC 1812 4.3.2.7). */
static void test_ttl_exceeded_in(void)
{
	uint8_t f[128], ext[2], quote[28];
	const uint8_t *ip = sent[0].data + 14, *icmp = ip + 20;

	flow_open(f, ext);
	udp_in(f, ext);
	f[14 + 8] = 1;
	ip_sum(f);
	memcpy(quote, f + 14, sizeof(quote));
	route_in(sw, rx(f, 60), 60);
	flush();
	check(nsent == 1 && sent[0].port == NL2 && sent[0].len == 14 + 20 + 8 + 28 &&
		      !memcmp(sent[0].data, f + 6, 6) && !memcmp(sent[0].data + 6, UP_MAC, 6) &&
		      !memcmp(ip + 12, EXT4, 4) && !memcmp(ip + 16, FAR4, 4) && icmp[0] == 11 &&
		      icmp[1] == 0 && !memcmp(icmp + 8, quote, sizeof(quote)) &&
		      csum_fold(csum_add(0, ip, 20)) == 0 &&
		      csum_fold(csum_add(0, icmp, 8 + 28)) == 0 && sw->rt.st.ttl_exceeded == 1,
	      "an answer from outside at TTL 1 gets time exceeded from the uplink's address",
	      "%d sent, first on port %d, %u bytes, ICMP type %u, ttl_exceeded %llu", nsent,
	      nsent ? sent[0].port : -1, nsent ? sent[0].len : 0, nsent ? icmp[0] : 0,
	      (unsigned long long)sw->rt.st.ttl_exceeded);
	/* The time exceeded the outside would send about it, at TTL 1 too. */
	nsent = 0;
	memcpy(f + 14 + 28, quote, sizeof(quote));
	memcpy(f + 14 + 28 + 12, EXT4, 4);
	memcpy(f + 14 + 28 + 16, FAR4, 4);
	memcpy(f + 14 + 28 + 20, ext, 2);
	be16_put(f + 14 + 28 + 22, 53);
	memset(f + 14 + 20, 0, 8);
	f[14 + 20] = 11;
	be16_put(f + 14 + 20 + 2, csum_fold(csum_add(0, f + 14 + 20, 8 + 28)));
	be16_put(f + 14 + 2, 20 + 8 + 28);
	f[14 + 9] = 1;
	ip_sum(f);
	route_in(sw, rx(f, 14 + 56), 14 + 56);
	flush();
	check(nsent == 0 && sw->rt.st.ttl_exceeded == 2 && sw->umem.nfree == NFRAMES,
	      "an ICMP error from outside at TTL 1 is dropped unanswered", "%d sent, ttl_exceeded %llu",
	      nsent, (unsigned long long)sw->rt.st.ttl_exceeded);
	/* At TTL 1 to a port of the NAT's that no connection holds (the
	 * flow's, ext, is drawn at random: another): Linux would deliver it
	 * to the host, which drops it; no answer. */
	nsent = 0;
	udp_in(f, (const uint8_t[2]){ ext[0], (uint8_t)(ext[1] ^ 1) });
	f[14 + 8] = 1;
	ip_sum(f);
	route_in(sw, rx(f, 60), 60);
	flush();
	check(nsent == 0 && sw->rt.st.ttl_exceeded == 2 && sw->rt.st.nat_drops == 1 &&
		      sw->umem.nfree == NFRAMES,
	      "a packet from outside at TTL 1 of no connection is dropped unanswered",
	      "%d sent, ttl_exceeded %llu, nat_drops %llu", nsent,
	      (unsigned long long)sw->rt.st.ttl_exceeded, (unsigned long long)sw->rt.st.nat_drops);
}

/* A source route (LSRR, SSRR) is neither routed through the NAT nor
 * answered by the gateway, in nor out, as Linux (accept_source_route
 * 0) drops it; nor are malformed options (a length below 2 or past the
 * header), which ip_options_compile refuses: before, they were routed,
 * and cut or translated with a fresh header checksum. Other options, a
 * 131 inside one's data included, are routed as before. */
static void test_ip_options_dropped(void)
{
	enum { ROUTED, SOURCE_ROUTED, BAD };
	static const struct {
		uint8_t opt[12], n;
		int v;
		const char *what;
	} c[] = {
		{ { 131, 7, 4, 198, 51, 100, 9, 0 }, 8, SOURCE_ROUTED, "LSRR" },
		{ { 1, 137, 7, 4, 198, 51, 100, 9 }, 8, SOURCE_ROUTED, "a no-op, then SSRR" },
		{ { 7, 7, 4, 131, 0, 0, 137, 0 }, 8, ROUTED, "a record route holding 131 and 137" },
		{ { 7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 131 }, 12, SOURCE_ROUTED, "a record route, then LSRR's type" },
		{ { 0, 131, 7, 4, 198, 51, 100, 9 }, 8, ROUTED, "an end of list, then LSRR's bytes" },
		{ { 7, 40, 4, 0, 131, 0, 0, 0 }, 8, BAD, "a length past the header, then 131" },
		{ { 7, 1, 4, 0, 0, 0, 0, 0 }, 4, BAD, "an option of length 1" },
		{ { 1, 1, 1, 68 }, 4, BAD, "a timestamp's type as the header's last byte" },
		{ { 1, 7, 0, 4, 0, 0, 0, 0 }, 8, BAD, "an option of length 0" },
	};
	static const char *const said[] = { "routed out", "dropped as source routed",
					     "dropped as malformed" };
	uint8_t f[128], ext[2];
	uint32_t len;
	char what[160];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		sw_new();
		len = ip_opts(f, FAR4, c[i].opt, c[i].n, false);
		switch_frame(sw, &ports[0], rx(f, len), len);
		flush();
		snprintf(what, sizeof(what), "UDP out with %s is %s", c[i].what, said[c[i].v]);
		if (c[i].v == ROUTED)
			check(nsent == 1 && sw->rt.st.routed_out == 1 && !sw->st.source_routed &&
				      !sw->gwst.bad,
			      what, "%d sent, source_routed %llu, gw_bad %llu", nsent,
			      (unsigned long long)sw->st.source_routed,
			      (unsigned long long)sw->gwst.bad);
		else
			check(nsent == 0 && sw->st.source_routed == (c[i].v == SOURCE_ROUTED) &&
				      sw->gwst.bad == (c[i].v == BAD) && !nat_stats(sw->nat)->created &&
				      sw->umem.nfree == NFRAMES,
			      what, "%d sent, source_routed %llu, gw_bad %llu, NAT created %llu", nsent,
			      (unsigned long long)sw->st.source_routed,
			      (unsigned long long)sw->gwst.bad,
			      (unsigned long long)nat_stats(sw->nat)->created);
	}
	sw_new();
	len = ip_opts(f, GW4, c[0].opt, c[0].n, true);
	switch_frame(sw, &ports[0], rx(f, len), len);
	flush();
	check(nsent == 0 && sw->st.source_routed == 1 && !sw->gwst.echo_replies,
	      "an echo request to the gateway with LSRR gets no answer", "%d sent, echo_replies %llu",
	      nsent, (unsigned long long)sw->gwst.echo_replies);
	len = ip_opts(f, GW4, c[6].opt, c[6].n, true);
	switch_frame(sw, &ports[0], rx(f, len), len);
	flush();
	check(nsent == 0 && sw->gwst.bad == 1 && !sw->gwst.echo_replies,
	      "an echo request to the gateway with an option of length 1 gets no answer, counted gw_bad",
	      "%d sent, gw_bad %llu, echo_replies %llu", nsent, (unsigned long long)sw->gwst.bad,
	      (unsigned long long)sw->gwst.echo_replies);
	len = ip_opts(f, GW4, c[2].opt, c[2].n, true);
	switch_frame(sw, &ports[0], rx(f, len), len);
	flush();
	check(nsent == 1 && sw->gwst.echo_replies == 1,
	      "an echo request to the gateway with a record route is answered",
	      "%d sent, echo_replies %llu", nsent, (unsigned long long)sw->gwst.echo_replies);
	/* Answers from the outside to a connection, with LSRR, and with an
	 * option of length 1. */
	for (int k = 0; k < 2; k++) {
		int o = k ? 6 : 0;

		flow_open(f, ext);
		len = ip_opts(f, EXT4, c[o].opt, c[o].n, false);
		memcpy(f, UP_MAC, 6);
		memcpy(f + 14 + 12, FAR4, 4);
		be16_put(f + 14 + 20 + c[o].n, 53);
		memcpy(f + 14 + 20 + c[o].n + 2, ext, 2);
		ip_sum(f);
		route_in(sw, rx(f, len), len);
		flush();
		if (!k)
			check(nsent == 0 && sw->st.source_routed == 1 && !sw->rt.st.routed_in,
			      "an answer from outside with LSRR is dropped", "%d sent, source_routed %llu",
			      nsent, (unsigned long long)sw->st.source_routed);
		else
			check(nsent == 0 && sw->rt.st.bad == 1 && !sw->rt.st.routed_in,
			      "an answer from outside with an option of length 1 is dropped, counted bad",
			      "%d sent, bad %llu, routed_in %llu", nsent,
			      (unsigned long long)sw->rt.st.bad, (unsigned long long)sw->rt.st.routed_in);
	}
}

/* A namespace pinging the uplink's own address gets its answer from
 * that address, at TTL 1 too (not routed: delivered, as to the kernel
 * dataplane's host); UDP there is dropped, counted, and makes no NAT
 * connection. */
static void test_uplink_addr_answered(void)
{
	static const uint8_t none[4];
	const uint8_t *ip = sent[0].data + 14;
	uint8_t f[128];
	uint32_t len;

	for (int ttl = 64; ttl >= 1; ttl -= 63) {
		sw_new();
		len = ip_opts(f, EXT4, none, 0, true);
		f[14 + 8] = (uint8_t)ttl;
		ip_sum(f);
		switch_frame(sw, &ports[0], rx(f, len), len);
		flush();
		check(nsent == 1 && sent[0].port == 0 && !memcmp(sent[0].data, HOST_MAC, 6) &&
			      !memcmp(sent[0].data + 6, GW_MAC, 6) && !memcmp(ip + 12, EXT4, 4) &&
			      !memcmp(ip + 16, HOST4, 4) && ip[20] == 0 &&
			      csum_fold(csum_add(0, ip, 20)) == 0 &&
			      csum_fold(csum_add(0, ip + 20, 16)) == 0 && sw->gwst.echo_replies == 1 &&
			      !nat_stats(sw->nat)->created && !sw->rt.st.routed_out,
		      ttl > 1 ? "a ping of the uplink's address is answered from it" :
				"and at TTL 1 too",
		      "%d sent, first on port %d, ICMP type %u, echo_replies %llu, NAT created %llu",
		      nsent, nsent ? sent[0].port : -1, nsent ? ip[20] : 0,
		      (unsigned long long)sw->gwst.echo_replies,
		      (unsigned long long)nat_stats(sw->nat)->created);
	}
	sw_new();
	len = ip_opts(f, EXT4, none, 0, false);
	switch_frame(sw, &ports[0], rx(f, len), len);
	flush();
	check(nsent == 0 && sw->gwst.unanswered == 1 && !nat_stats(sw->nat)->created &&
		      sw->umem.nfree == NFRAMES && !sw->rt.nheld,
	      "UDP to the uplink's address is dropped, counted, no NAT connection made",
	      "%d sent, gw_unanswered %llu, NAT created %llu, held %d", nsent,
	      (unsigned long long)sw->gwst.unanswered,
	      (unsigned long long)nat_stats(sw->nat)->created, sw->rt.nheld);
}

/* An IPv6 ping behind a hop-by-hop header leaves the port it came in
 * on as the reply to it, without the header. */
static void test_gw_echo6_hbh(void)
{
	static const uint8_t hbh[8] = { 58, 0, 1, 4 };
	const uint8_t *ip = sent[0].data + 14;
	uint8_t f[128];
	uint32_t len;

	sw_new_v6();
	len = icmp6_frame(f, hbh, 8, 0, 128, 16);
	switch_frame(sw, &ports[0], rx(f, len), len);
	flush();
	check(nsent == 1 && sent[0].port == 0 && sent[0].len == 14 + 40 + 16 && ip[6] == 58 &&
		      be16_get(ip + 4) == 16 && ip[40] == 129 && !memcmp(ip + 24, HOST6, 16) &&
		      sw->gwst.echo6_replies == 1,
	      "an IPv6 ping behind hop-by-hop options is answered without them",
	      "%d sent, %u bytes, next header %u, echo6_replies %llu", nsent,
	      nsent ? sent[0].len : 0, nsent ? ip[6] : 0,
	      (unsigned long long)sw->gwst.echo6_replies);
}

/* A ping of an IPv6 address beyond the gateway, the uplink's say, is
 * not routed: the switch answers the uplink's IPv4 address only (the
 * kernel dataplane's host answers all its own). */
static void test_uplink_ipv6_not_answered(void)
{
	static const uint8_t up6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	uint8_t f[128];
	uint32_t len;

	sw_new_v6();
	len = icmp6_frame(f, NULL, 0, 0, 128, 16);
	memcpy(f + 14 + 24, up6, 16);
	switch_frame(sw, &ports[0], rx(f, len), len);
	flush();
	check(nsent == 0 && sw->st.gw_unrouted == 1 && !sw->gwst.echo6_replies &&
		      !nat_stats(sw->nat)->created,
	      "an IPv6 ping of an address beyond the gateway (the uplink's) is not routed",
	      "%d sent, gw_unrouted %llu", nsent, (unsigned long long)sw->st.gw_unrouted);
}

int main(void)
{
	test_gateway_mac_not_learned();
	test_ipv4_does_not_move_arp();
	test_uplink_broadcast_martian();
	test_ttl_exceeded_in();
	test_ip_options_dropped();
	test_uplink_addr_answered();
	test_gw_echo6_hbh();
	test_uplink_ipv6_not_answered();
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
