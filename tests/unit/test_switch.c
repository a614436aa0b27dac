/* SPDX-License-Identifier: MIT */
/* The switch's per-frame path (dataplane/switch.c, route.c) on frames of
 * several buffers (a jumbo port's: the kernel hands them over as a chain
 * of descriptors, switch_segs; tests/fuzz/fuzz_segs.c fuzzes them), and
 * where a malformed frame is counted: a frame for the gateway's MAC
 * with an L4 header cut short, and a malformed IPv6 frame between two
 * learned MACs. What the gateway learns and what the router routes or
 * answers are test_switch_route.c's.
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

#define CHECK_NAME "switch"
#include "check.h"

static void test_trailing_bytes(void)
{
	static uint8_t f[8000];
	char what[128];

	for (int df = 1; df >= 0; df--) {
		/* 1000 bytes of packet, 4000 after it, in two buffers. */
		sw_new();
		udp_out(f, 1000, 5000, df);
		rx_chain(f, 5000);
		snprintf(what, sizeof(what),
			 "a 1000-byte packet with 4000 bytes after it in two buffers%s is routed out, trimmed",
			 df ? " (DF)" : "");
		check(sw->rt.st.routed_out == 1 && sent_on(NL2) == 1 && nsent == 1 &&
			      sent[0].len == 14 + 1000 && !sw->rt.st.too_big,
		      what, "routed_out %llu, too_big %llu, frag_refused %llu, %d sent, first %u bytes",
		      (unsigned long long)sw->rt.st.routed_out, (unsigned long long)sw->rt.st.too_big,
		      (unsigned long long)sw->rt.st.frag_refused, nsent, nsent ? sent[0].len : 0);
		check(sw->umem.nfree == NFRAMES, "and every buffer is free again", "%u of %u",
		      sw->umem.nfree, NFRAMES);
	}
	/* A whole 5000-byte frame, larger than the uplink's 1500. */
	sw_new();
	udp_out(f, 5000 - 14, 5000, true);
	rx_chain(f, 5000);
	check(sw->rt.st.frag_needed == 1 && sent_on(0) == 1 && sent[0].data[14 + 9] == 1 &&
		      sent[0].data[34] == 3 && sent[0].data[35] == 4 && !sw->rt.st.routed_out,
	      "a 5000-byte packet with DF in two buffers gets 'fragmentation needed' back",
	      "frag_needed %llu, routed_out %llu, %d sent", (unsigned long long)sw->rt.st.frag_needed,
	      (unsigned long long)sw->rt.st.routed_out, nsent);
	sw_new();
	udp_out(f, 5000 - 14, 5000, false);
	rx_chain(f, 5000);
	check(sw->rt.st.fragmented == 1 && sent_on(NL2) == 4 && sw->rt.st.routed_out == 4,
	      "without DF it leaves in 4 fragments of at most 1500 bytes",
	      "fragmented %llu, routed_out %llu, %d on the uplink",
	      (unsigned long long)sw->rt.st.fragmented, (unsigned long long)sw->rt.st.routed_out,
	      sent_on(NL2));
	check(sw->umem.nfree == NFRAMES, "and every buffer is free again", "%u of %u",
	      sw->umem.nfree, NFRAMES);
}

/* An L4 header cut short (PKT_BAD_L4) for the gateway's own addresses
 * or the uplink's is the gateway's malformed frame (gw_bad), not the
 * port's invalid one; for another address, routed or not, it stays the
 * port's. */
static void test_gw_bad_l4(void)
{
	static const uint8_t none[4];
	static const struct {
		const char *what;
		bool v6, mine;
	} cases[] = {
		{ "an ICMPv6 message of 4 bytes to the gateway is counted in gw_bad", true, true },
		{ "an ICMP message of 4 bytes to the gateway is counted in gw_bad", false, true },
		{ "UDP longer than its packet to the uplink's address is counted in gw_bad", false, true },
		{ "a TCP header cut short to route through the gateway is the port's invalid", false,
		  false },
	};
	uint8_t f[128];
	uint32_t len;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sw_new_v6();
		if (cases[i].v6) {
			len = icmp6_frame(f, NULL, 0, 0, 128, 4);
		} else {
			len = ip_opts(f, i == 1 ? GW4 : i == 2 ? EXT4 : FAR4, none, 0, i == 1);
			if (i == 1)
				be16_put(f + 14 + 2, 24);
			else if (i == 2)
				be16_put(f + 14 + 20 + 4, 40);
			else
				f[14 + 9] = 6;
			ip_sum(f);
		}
		switch_frame(sw, &ports[0], rx(f, len), len);
		flush();
		check(nsent == 0 && sw->gwst.bad == cases[i].mine &&
			      ports[0].st.drop_invalid == !cases[i].mine && !sw->rt.st.routed_out &&
			      !nat_stats(sw->nat)->created && sw->umem.nfree == NFRAMES,
		      cases[i].what, "%d sent, gw_bad %llu, invalid %llu, routed_out %llu", nsent,
		      (unsigned long long)sw->gwst.bad,
		      (unsigned long long)ports[0].st.drop_invalid,
		      (unsigned long long)sw->rt.st.routed_out);
	}
}

/* A malformed IPv6 frame between two learned MACs is dropped as its
 * port's invalid; the xdp and tc fast paths, which read no further than
 * Ethernet, forward it (README, xdp's Fast path). */
static void test_malformed_ipv6_dropped(void)
{
	static const uint8_t b_mac[6] = { 0x02, 0, 0, 0, 0, 0x06 };
	uint8_t f[128];
	uint32_t len;

	for (int cut = 0; cut < 2; cut++) {
		sw_new_v6();
		/* b is learned on port 1, a (HOST) on port 0 */
		len = icmp6_frame(f, NULL, 0, 0, 128, 8);
		memcpy(f, HOST_MAC, 6), memcpy(f + 6, b_mac, 6);
		switch_frame(sw, &ports[1], rx(f, len), len);
		len = icmp6_frame(f, NULL, 0, 0, 128, cut ? 4 : 8);
		memcpy(f, b_mac, 6);
		if (!cut)
			be16_put(f + 14 + 4, 200); /* payload length past the frame */
		switch_frame(sw, &ports[0], rx(f, len), len);
		flush();
		check(sent_on(1) == 0 && ports[0].st.drop_invalid == 1 && !sw->gwst.bad,
		      cut ? "ICMPv6 of 4 bytes between learned MACs is the port's invalid" :
			    "IPv6 with a payload length past its frame between learned MACs is the port's invalid",
		      "%d sent to b, invalid %llu", sent_on(1),
		      (unsigned long long)ports[0].st.drop_invalid);
	}
}

int main(void)
{
	test_trailing_bytes();
	test_gw_bad_l4();
	test_malformed_ipv6_dropped();
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
