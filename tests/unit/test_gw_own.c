/* SPDX-License-Identifier: MIT */
/* The gateway's own address and sources (dataplane/gw_big.c, switch.c,
 * route.c): whatever reaches its address and is not answered is counted
 * in the same counter however it came (one buffer, several, or in
 * fragments put back together), and a source that is no one host's
 * (the subnet's broadcast address) never becomes an entry of its ARP
 * table.
 *
 * As test_switch.c: the switch of switch_frames.c, on plain memory, its
 * socket ends stubbed (tests/switch_harness.c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_reasm.h"
#include "nat.h"
#include "pkt.h"
#include "route.h"
#include "switch.h"
#include "switch_frames.h"
#include "switch_harness.h"

#define CHECK_NAME "gw_own"
#include "check.h"

static const uint8_t BCAST4[4] = { 10, 13, 37, 255 };

/* An Ethernet frame from HOST to the gateway's MAC carrying IPv4 of
 * protocol proto from sip to dip: tot bytes in all, fragment field frag
 * (flags and offset), what follows the header zero but UDP's length; the
 * frame's length (at least 60). */
static uint32_t ip4(uint8_t *f, const uint8_t sip[4], const uint8_t dip[4], uint8_t proto,
		    uint32_t tot, uint16_t frag)
{
	uint8_t *ip = f + 14;
	uint32_t len = 14 + tot < 60 ? 60 : 14 + tot;

	memset(f, 0, len);
	memcpy(f, GW_MAC, 6);
	memcpy(f + 6, HOST_MAC, 6);
	f[12] = 0x08, f[13] = 0x00;
	ip[0] = 0x45;
	be16_put(ip + 2, (uint16_t)tot);
	be16_put(ip + 4, 0x4242);
	be16_put(ip + 6, frag);
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, sip, 4);
	memcpy(ip + 16, dip, 4);
	be16_put(ip + 10, csum_fold(csum_add(0, ip, 20)));
	if (proto == 17)
		be16_put(ip + 20 + 4, (uint16_t)(tot - 20));
	return len;
}

static void rx_one(const uint8_t *f, uint32_t len)
{
	switch_frame(sw, &ports[0], rx(f, len), len);
	flush();
}

/* An ICMP timestamp request (type 13) to the gateway, in two fragments
 * of 24 and 8 bytes: put back together, then dropped, and counted in
 * gw_unanswered as the same request in one frame is. */
static void test_fragmented_not_ping(void)
{
	static uint8_t f[128], icmp[32];
	uint32_t len;

	sw_new();
	icmp[0] = 13;
	be16_put(icmp + 2, csum_fold(csum_add(0, icmp, sizeof(icmp))));
	len = ip4(f, HOST4, GW4, 1, 20 + 24, 0x2000);
	memcpy(f + 34, icmp, 24);
	rx_one(f, len);
	len = ip4(f, HOST4, GW4, 1, 20 + 8, 24 / 8);
	memcpy(f + 34, icmp + 24, 8);
	rx_one(f, len);
	check(gw_reasm_stats(sw->reasm)->whole == 1 && sw->gwst.unanswered == 1 && !sw->gwst.bad &&
		      nsent == 0 && sw->umem.nfree == NFRAMES,
	      "a fragmented ICMP timestamp request to the gateway is dropped whole, counted in gw_unanswered",
	      "whole %llu, gw_unanswered %llu, gw_bad %llu, %d sent, %u of %u free",
	      (unsigned long long)gw_reasm_stats(sw->reasm)->whole,
	      (unsigned long long)sw->gwst.unanswered, (unsigned long long)sw->gwst.bad, nsent,
	      sw->umem.nfree, NFRAMES);

}

/* UDP, and ICMP that is no ping, to the gateway's address in a frame of
 * several buffers: gw_unanswered, as in one buffer; not
 * multibuf_unrouted, which counts what is for another address. */
static void test_multibuf_not_ping(void)
{
	static uint8_t f[8000];
	static const uint8_t protos[2] = { 17, 1 };
	uint32_t len;
	char what[160];

	for (int i = 0; i < 2; i++) {
		sw_new();
		len = ip4(f, HOST4, GW4, protos[i], 100, 0x4000);
		f[34] = 13; /* ICMP: a timestamp request */
		rx_one(f, len);
		len = ip4(f, HOST4, GW4, protos[i], 5000 - 14, 0x4000);
		f[34] = 13;
		rx_chain(f, len);
		snprintf(what, sizeof(what),
			 "%s to the gateway's address in several buffers is counted in gw_unanswered, as in one",
			 i ? "ICMP other than a ping" : "UDP");
		check(sw->gwst.unanswered == 2 && !sw->st.multibuf_unrouted && !sw->gwst.bad &&
			      nsent == 0 && sw->umem.nfree == NFRAMES,
		      what, "gw_unanswered %llu, multibuf_unrouted %llu, gw_bad %llu, %d sent",
		      (unsigned long long)sw->gwst.unanswered,
		      (unsigned long long)sw->st.multibuf_unrouted, (unsigned long long)sw->gwst.bad,
		      nsent);
	}
}

/* The subnet's broadcast address as a source, in IPv4 through the
 * gateway and as ARP's sender: a martian, and no entry in the gateway's
 * ARP table (counted in its ignored). */
static void test_broadcast_source_not_learned(void)
{
	uint8_t f[64] = { 0 };
	uint32_t len;

	sw_new();
	len = ip4(f, BCAST4, FAR4, 17, 28, 0);
	rx_one(f, len);
	check(sw->rt.st.martian == 1 && !sw->rt.arp.st.learned && !sw->rt.arp.st.entries &&
		      sw->rt.arp.st.ignored == 1,
	      "UDP from the subnet's broadcast address is a martian, and not learned as a host",
	      "martian %llu, arp learned %llu, entries %u, ignored %llu",
	      (unsigned long long)sw->rt.st.martian, (unsigned long long)sw->rt.arp.st.learned,
	      sw->rt.arp.st.entries, (unsigned long long)sw->rt.arp.st.ignored);

	sw_new();
	memset(f, 0, sizeof(f));
	memset(f, 0xff, 6);
	memcpy(f + 6, HOST_MAC, 6);
	f[12] = 0x08, f[13] = 0x06;
	be16_put(f + 14, 1), be16_put(f + 16, 0x0800);
	f[18] = 6, f[19] = 4;
	be16_put(f + 20, 1);
	memcpy(f + 22, HOST_MAC, 6);
	memcpy(f + 28, BCAST4, 4);
	memcpy(f + 38, GW4, 4);
	rx_one(f, 60);
	check(!sw->rt.arp.st.learned && !sw->rt.arp.st.entries && sw->rt.arp.st.ignored == 1,
	      "nor from an ARP request whose sender is the subnet's broadcast address",
	      "arp learned %llu, entries %u, ignored %llu", (unsigned long long)sw->rt.arp.st.learned,
	      sw->rt.arp.st.entries, (unsigned long long)sw->rt.arp.st.ignored);
}

int main(void)
{
	test_fragmented_not_ping();
	test_multibuf_not_ping();
	test_broadcast_source_not_learned();
	harness_sw_free(sw);
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
