/* SPDX-License-Identifier: MIT */
/* Writes the seed frames of tests/fuzz/corpus/frame/, one raw Ethernet
 * frame per file (no FCS), built byte by byte with correct lengths and
 * checksums unless the name says otherwise. "partial" means the TCP/UDP
 * check field holds the folded pseudo-header sum, as veth hands frames
 * up with CHECKSUM_PARTIAL.
 *
 *   make build/fuzz/make_frames    (make_frames.c seed_build.c seeds_*.c)
 *   build/fuzz/make_frames tests/fuzz/corpus/frame tests/fuzz/corpus/nat \
 *           tests/fuzz/corpus/segs
 *
 * Addresses: the gateway is 02:6e:66:00:00:01, 10.13.37.1, fd42:1337::1
 * (what fuzz_frame.c and fuzz_nat.c configure); hosts are 10.13.37.2/.3
 * (.4 routes 10.9.9.8/30), fd42:1337::2/::3. Behind the NAT (fuzz_nat):
 * the uplink is 203.0.113.1 (02:75:70:00:00:01), ports 20000-20015;
 * 203.0.113.2 is on its subnet, 198.51.100.7 beyond its gateway.
 *
 * The second directory gets fuzz_nat's inputs: record sequences (see
 * fuzz_nat.c) of frames from the namespaces and the outside, answers,
 * ICMP errors quoting packets to and from the NAT, and time passing.
 * The third gets fuzz_segs's: jumbo frames received as chains of
 * buffers (see fuzz_segs.c), to the gateway, through the NAT, between
 * namespaces.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seed_build.h"

int main(int argc, char **argv)
{
	struct frame f;
	size_t ip, l4;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: %s FRAME-DIR [NAT-DIR [SEGS-DIR]]\n", argv[0]);
		return 2;
	}
	outdir = argv[1];

	/* ARP */
	eth(&f, BCAST, A_MAC);
	arp(&f, 1, A_MAC, A4, ZERO6, GW4);
	pad(&f, 60);
	out(&f, "arp-request-gw");
	eth(&f, GW_MAC, A_MAC);
	arp(&f, 1, A_MAC, A4, ZERO6, GW4);
	out(&f, "arp-request-gw-unicast-unpadded");
	eth(&f, BCAST, A_MAC);
	arp(&f, 1, A_MAC, ZERO4, ZERO6, GW4);
	pad(&f, 60);
	out(&f, "arp-probe-gw");
	eth(&f, BCAST, A_MAC);
	arp(&f, 1, A_MAC, GW4, ZERO6, GW4);
	pad(&f, 60);
	out(&f, "arp-gratuitous-gw");
	eth(&f, GW_MAC, A_MAC);
	arp(&f, 2, A_MAC, A4, GW_MAC, GW4);
	pad(&f, 60);
	out(&f, "arp-reply-to-gw");
	eth(&f, BCAST, A_MAC);
	arp(&f, 1, A_MAC, A4, ZERO6, B4);
	pad(&f, 60);
	out(&f, "arp-request-other");

	/* ICMP echo to the gateway */
	eth(&f, GW_MAC, A_MAC);
	v4_echo(&f, 0, 56);
	out(&f, "icmp-echo-gw");
	eth(&f, GW_MAC, A_MAC);
	v4_echo(&f, 0, 0);
	pad(&f, 60);
	out(&f, "icmp-echo-gw-padded");
	eth(&f, GW_MAC, A_MAC);
	v4_echo(&f, 8, 31);
	out(&f, "icmp-echo-gw-ipopts-odd");

	/* IPv4 TCP/UDP */
	eth(&f, B_MAC, A_MAC);
	v4_tcp(&f, 0, PARTIAL, 0);
	out(&f, "tcp4-syn-partial");
	eth(&f, B_MAC, A_MAC);
	v4_tcp(&f, 0, FULL, 0);
	out(&f, "tcp4-syn-complete");
	eth(&f, B_MAC, A_MAC);
	v4_tcp(&f, 12, PARTIAL, 101);
	out(&f, "tcp4-ipopts-data-partial");
	eth(&f, B_MAC, A_MAC);
	v4_udp(&f, PARTIAL, 33);
	out(&f, "udp4-partial-odd");
	eth(&f, B_MAC, A_MAC);
	v4_udp(&f, FULL, 20);
	out(&f, "udp4-complete");
	eth(&f, B_MAC, A_MAC);
	v4_udp(&f, NONE, 12);
	out(&f, "udp4-csum0");
	eth(&f, BCAST, A_MAC);
	v4_udp(&f, PARTIAL, 4);
	pad(&f, 60);
	out(&f, "udp4-partial-bcast-padded");

	/* IPv4 fragments: first (MF, offset 0) and a later one */
	eth(&f, B_MAC, A_MAC);
	ip = ip4(&f, 17, A4, B4, 0, 0x2000);
	udp(&f, 5353, 53, 64);
	set16(&f, ip + 20 + 4, 8 + 200); /* the whole datagram's length */
	ip4_done(&f, ip);
	out(&f, "ipv4-frag-first");
	eth(&f, B_MAC, A_MAC);
	ip = ip4(&f, 17, A4, B4, 0, 9); /* offset 72 bytes, last */
	fill(&f, 40, 0x55);
	ip4_done(&f, ip);
	out(&f, "ipv4-frag-last");
	eth(&f, GW_MAC, A_MAC);
	ip = ip4(&f, 1, A4, GW4, 0, 0x2000);
	icmp_echo(&f, 8, 48);
	ip4_done(&f, ip);
	out(&f, "ipv4-frag-echo-gw");

	/* VLAN and QinQ */
	eth(&f, GW_MAC, A_MAC);
	vlan(&f, 0x8100, 100);
	v4_echo(&f, 0, 24);
	out(&f, "vlan-icmp-echo-gw");
	eth(&f, BCAST, A_MAC);
	vlan(&f, 0x8100, 100);
	arp(&f, 1, A_MAC, A4, ZERO6, GW4);
	out(&f, "vlan-arp-request-gw");
	eth(&f, B_MAC, A_MAC);
	vlan(&f, 0x88a8, 10);
	vlan(&f, 0x8100, 20);
	v4_tcp(&f, 0, PARTIAL, 7);
	out(&f, "qinq-tcp4-partial");
	eth(&f, SN_MAC, A_MAC);
	vlan(&f, 0x88a8, 10);
	vlan(&f, 0x8100, 20);
	ip = ip6(&f, 58, A6, SN6, 255);
	l4 = ns(&f, GW6, A_MAC);
	ip6_done(&f, ip);
	l4_csum(&f, ip, 1, l4, 58, 2, FULL);
	out(&f, "qinq-ns-gw");

	/* IPv6 TCP/UDP */
	eth(&f, B_MAC, A_MAC);
	ip = ip6(&f, 6, A6, B6, 64);
	l4 = tcp(&f, 40000, 443, 0x02, 0);
	ip6_done(&f, ip);
	l4_csum(&f, ip, 1, l4, 6, 16, PARTIAL);
	out(&f, "tcp6-syn-partial");
	eth(&f, B_MAC, A_MAC);
	ip = ip6(&f, 17, A6, B6, 64);
	l4 = udp(&f, 5353, 53, 27);
	ip6_done(&f, ip);
	l4_csum(&f, ip, 1, l4, 17, 6, PARTIAL);
	out(&f, "udp6-partial");
	eth(&f, B_MAC, A_MAC);
	ip = ip6(&f, 0, A6, B6, 64);
	ext_opts(&f, 17);
	l4 = udp(&f, 5353, 53, 16);
	ip6_done(&f, ip);
	l4_csum(&f, ip, 1, l4, 17, 6, PARTIAL);
	out(&f, "udp6-hopopts-partial");
	/* With a routing header, the pseudo-header holds the final
	 * destination (RFC 8200 8.1), not the header's: a segment routing
	 * header's first entry, type 0's last; type 3's layout is not known,
	 * so that checksum is left alone. The sum is taken with the final
	 * one in the header, which then gets the first hop. */
	{
		static const uint8_t HOP6[16] = { 0xfd, 0x42, 0x99, [15] = 9 };
		uint8_t list[32];
		static const struct { const char *name; uint8_t type; unsigned final; } rh[] = {
			{ "udp6-srh-partial", 4, 0 },
			{ "udp6-rh0-partial", 0, 1 },
			{ "udp6-rh3-partial", 3, 0 },
		};

		for (size_t k = 0; k < sizeof(rh) / sizeof(rh[0]); k++) {
			memcpy(list + 16 * rh[k].final, B6, 16);
			memcpy(list + 16 * (1 - rh[k].final), HOP6, 16);
			eth(&f, B_MAC, A_MAC);
			ip = ip6(&f, 43, A6, B6, 64);
			ext_routing(&f, 17, rh[k].type, list, 2);
			l4 = udp(&f, 5353, 53, 16);
			ip6_done(&f, ip);
			/* type 3: summed with the header's, which a switch
			 * that knew no better would take, and finish wrongly */
			if (rh[k].type == 3)
				memcpy(f.b + ip + 24, HOP6, 16);
			l4_csum(&f, ip, 1, l4, 17, 6, PARTIAL);
			memcpy(f.b + ip + 24, HOP6, 16);
			out(&f, rh[k].name);
		}
	}
	eth(&f, B_MAC, A_MAC);
	ip = ip6(&f, 0, A6, B6, 64);
	ext_opts(&f, 60);
	ext_opts(&f, 6);
	l4 = tcp(&f, 40000, 443, 0x18, 50);
	ip6_done(&f, ip);
	l4_csum(&f, ip, 1, l4, 6, 16, PARTIAL);
	out(&f, "tcp6-hopopts-dstopts-partial");
	eth(&f, B_MAC, A_MAC);
	ip = ip6(&f, 44, A6, B6, 64);
	put8(&f, 17); /* fragment header: next header, reserved, offset+M, id */
	put8(&f, 0);
	put16(&f, 0x0001);
	put16(&f, 0xdead);
	put16(&f, 0xbeef);
	udp(&f, 5353, 53, 40);
	ip6_done(&f, ip);
	out(&f, "ipv6-frag-first");

	/* Neighbour discovery and ICMPv6 echo for the gateway */
	eth(&f, SN_MAC, A_MAC);
	ip = ip6(&f, 58, A6, SN6, 255);
	l4 = ns(&f, GW6, A_MAC);
	ip6_done(&f, ip);
	l4_csum(&f, ip, 1, l4, 58, 2, FULL);
	out(&f, "ns-gw-solicited-node");
	eth(&f, GW_MAC, A_MAC);
	ip = ip6(&f, 58, A6, GW6, 255);
	l4 = ns(&f, GW6, A_MAC);
	ip6_done(&f, ip);
	l4_csum(&f, ip, 1, l4, 58, 2, FULL);
	out(&f, "ns-gw-unicast");
	eth(&f, SN_MAC, A_MAC);
	ip = ip6(&f, 58, ZERO6, SN6, 255);
	l4 = ns(&f, GW6, NULL);
	ip6_done(&f, ip);
	l4_csum(&f, ip, 1, l4, 58, 2, FULL);
	out(&f, "ns-gw-dad");
	pad(&f, f.n + 6); /* 84 bytes: the NA (86) fits in the UMEM pass's room */
	out(&f, "ns-gw-dad-padded");
	eth(&f, GW_MAC, A_MAC);
	ip = ip6(&f, 58, A6, GW6, 64);
	l4 = icmp_echo(&f, 128, 56);
	ip6_done(&f, ip);
	l4_csum(&f, ip, 1, l4, 58, 2, FULL);
	out(&f, "icmp6-echo-gw");
	eth(&f, GW_MAC, A_MAC);
	ip = ip6(&f, 0, A6, GW6, 64);
	ext_opts(&f, 58);
	l4 = icmp_echo(&f, 128, 9);
	ip6_done(&f, ip);
	l4_csum(&f, ip, 1, l4, 58, 2, FULL);
	out(&f, "icmp6-echo-gw-hopopts");

	/* Runts and oddities */
	f.n = 0;
	out(&f, "runt-empty");
	eth(&f, BCAST, A_MAC);
	put8(&f, 0x08);
	out(&f, "runt-13");
	eth(&f, BCAST, A_MAC);
	put16(&f, 0x8100);
	put8(&f, 0);
	out(&f, "runt-vlan-cut");
	eth(&f, B_MAC, A_MAC);
	ip = ip4(&f, 6, A4, B4, 0, 0x4000);
	fill(&f, 12, 0); /* TCP header cut short: PKT_BAD_L4 */
	ip4_done(&f, ip);
	out(&f, "tcp4-truncated");
	eth(&f, GW_MAC, A_MAC);
	ip = ip6(&f, 58, A6, GW6, 64);
	fill(&f, 4, 128); /* ICMPv6 cut short, to the gateway */
	ip6_done(&f, ip);
	out(&f, "icmp6-truncated-gw");
	eth(&f, (const uint8_t[6]){ 0x01, 0x80, 0xc2, 0, 0, 0x0e }, A_MAC);
	put16(&f, 0x88cc); /* LLDP: not IP */
	fill(&f, 30, 2);
	out(&f, "lldp");

	/* The NAT's frames alone too: for fuzz_frame they are unrouted. */
	out_tcp(&f, A_MAC, A4, FAR4, 20001, 80, 0x02, PARTIAL);
	out(&f, "nat-out-tcp-syn-partial");
	out_udp(&f, A_MAC, A4, OUT4, 40000, 53, PARTIAL);
	out(&f, "nat-out-udp-partial");
	out_echo(&f, A_MAC, A4, FAR4, 20005);
	out(&f, "nat-out-echo");
	in_error(&f, FAR4, 3, 3, 17, FAR4, 20011, 53, 64);
	out(&f, "nat-in-error-port-unreachable");

	printf("%d frames in %s\n", written, outdir);
	if (argc >= 3) {
		written = 0;
		nat_seqs(argv[2]);
		printf("%d sequences in %s\n", written, argv[2]);
	}
	if (argc == 4) {
		written = 0;
		segs_seqs(argv[3]);
		printf("%d sequences in %s\n", written, argv[3]);
	}
	return 0;
}
