/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_GATEWAY_H
#define NSFAST_GATEWAY_H

#include <stdint.h>

#include "pkt.h"

/* The switch answers for its gateway addresses itself: ARP requests and
 * ICMP echo for the IPv4 gateway, neighbour solicitations and ICMPv6
 * echo for the IPv6 gateway. Replies are built in place in the frame's
 * own buffer, to be sent back out of the port it came in on. */

struct gw {
	uint8_t mac[6]; /* the gateway's MAC */
	uint8_t has_v4, has_v6;
	uint8_t v4[4];
	uint8_t v4_plen; /* the switch's IPv4 subnet */
	uint8_t v6[16];
};

/* May a packet from IPv4 address src be answered or routed? It must be
 * one host's (ipv4_one_host), and neither the gateway's own address nor
 * its subnet's broadcast address (RFC 1812 5.3.7; Linux drops them as
 * martians). */
bool gw_src_one_host(const struct gw *gw, const uint8_t src[4]);

struct gw_stats {
	uint64_t arp_replies, echo_replies, nd_adverts, echo6_replies;
	uint64_t bad; /* addressed to the gateway but malformed: dropped */
	uint64_t unanswered; /* well-formed, for its address, not served: dropped */
	uint64_t echo_big; /* of echo_replies, to requests of several frames (gw_big.h) */
	uint64_t big_no_frame; /* such a reply not sent: too few free frames */
};

enum gw_result {
	GW_NOT_MINE = 0, /* not for the gateway: switch it normally */
	GW_REPLY, /* *reply_len bytes at p->data are the reply: send to ingress */
	GW_CONSUMED, /* for the gateway, no reply (e.g. an ARP reply to it): drop */
};

/* The IPv4 echo request at ip (hl header bytes, then n of ICMP) turned
 * into the reply from address `from` in place: addresses, TTL, type and
 * both checksums. */
void gw_echo_turn(const uint8_t from[4], uint8_t *ip, uint32_t hl, uint32_t n);

/* IPv4 (p->l3_off and 20 bytes checked) sent to the gateway's MAC for
 * addr, one of the switch's own addresses: the gateway's, or the
 * uplink's, which a namespace reaches through it as it would reach the
 * kernel dataplane's host. Served as for the gateway's address: an echo
 * request answered from addr (GW_REPLY), anything else consumed and
 * counted (never GW_NOT_MINE). */
enum gw_result gw_ipv4_for(const struct gw *gw, const uint8_t addr[4], struct pkt *p,
			   uint32_t room, uint32_t *reply_len, struct gw_stats *st);

/* p was parsed by pkt_parse; room is the buffer space from p->data
 * (>= p->len). */
enum gw_result gw_handle(const struct gw *gw, struct pkt *p, uint32_t room,
			 uint32_t *reply_len, struct gw_stats *st);

#endif
