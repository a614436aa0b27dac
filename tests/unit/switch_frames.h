/* SPDX-License-Identifier: MIT */
/* What test_switch.c, test_switch_route.c and test_gw_own.c share
 * (switch_frames.c): a switch, what left it, and the frames they send
 * it.
 *
 * The switch runs as in the daemon, on a UMEM of plain memory: only
 * the socket ends are stubs (port_tx_flush records what would leave),
 * and the kernel's neighbour table answers every uplink next hop
 * (tests/switch_harness.c). */
#ifndef NSFAST_TEST_SWITCH_FRAMES_H
#define NSFAST_TEST_SWITCH_FRAMES_H

#include <stdbool.h>
#include <stdint.h>

#include "switch.h"

#define NL2 3 /* L2 ports; the uplink is the last */
#define NFRAMES 256

static const uint8_t GW_MAC[6] = { 0x02, 0x6e, 0x66, 0x00, 0x00, 0x01 };
static const uint8_t UP_MAC[6] = { 0x02, 0x75, 0x70, 0x00, 0x00, 0x01 };
static const uint8_t HOST_MAC[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x05 };
static const uint8_t GW4[4] = { 10, 13, 37, 1 }, HOST4[4] = { 10, 13, 37, 5 };
static const uint8_t EXT4[4] = { 203, 0, 113, 1 }, FAR4[4] = { 198, 51, 100, 7 };
static const uint8_t GW6[16] = { 0xfd, 0, [15] = 1 }, HOST6[16] = { 0xfd, 0, [15] = 5 };

extern struct sw *sw;
extern struct port *ports;

/* What left, by port. */
struct sent {
	int port;
	uint32_t len;
	uint8_t data[128];
};
extern struct sent sent[64];
extern int nsent;

/* --- a switch: a gateway, NL2 jumbo ports, an uplink at 1500 behind the NAT */

void sw_new(void);
/* The gateway of sw_new with an IPv6 address too. */
void sw_new_v6(void);
uint64_t rx(const uint8_t *f, uint32_t len);
void flush(void);
/* The frame f of len bytes received on port 0 as the kernel hands a
 * jumbo frame over: buffers of at most 3500 bytes, chained. */
void rx_chain(const uint8_t *f, uint32_t len);
int sent_on(int port);

/* --- frames */

/* An Ethernet frame carrying UDP in IPv4 (TTL 64, no checksum), from
 * smac/sip port sport to dmac/dip port dport, an IPv4 total length of
 * tot; what follows the header up to tot is fill. */
void udp4(uint8_t *f, const uint8_t dmac[6], const uint8_t smac[6], const uint8_t sip[4],
	  const uint8_t dip[4], uint16_t sport, uint16_t dport, uint32_t tot, bool df,
	  uint8_t fill);

/* From HOST to FAR through the gateway: UDP, an IPv4 total length of
 * tot, in a frame of flen bytes (what follows the packet is 0xab). */
void udp_out(uint8_t *f, uint32_t tot, uint32_t flen, bool df);

void ip_sum(uint8_t *f);

/* A new switch with one UDP flow from HOST to FAR through the NAT: its
 * outside port in ext (network order), nothing sent since. */
void flow_open(uint8_t *f, uint8_t ext[2]);

/* The outside's answer to the UDP flow udp_out starts: from FAR4 port
 * 53 to the uplink's address and the NAT's port ext (network order). */
void udp_in(uint8_t *f, const uint8_t ext[2]);

/* From HOST to dst through the gateway, IPv4 options opt (n bytes, a
 * multiple of 4) after the header: UDP to port 53, or an echo request
 * (icmp). The frame's length. */
uint32_t ip_opts(uint8_t *f, const uint8_t dst[4], const uint8_t *opt, uint32_t n,
		 bool icmp);

/* From HOST to GW6 at the gateway's MAC: the extension headers ext (n
 * bytes, first_nh the first one's type, the last one's next header
 * ICMPv6's), then an ICMPv6 message of type, code 0, l4 bytes
 * (at least 8; below that the IPv6 payload length cuts it short), its
 * checksum set. The frame's length. */
uint32_t icmp6_frame(uint8_t *f, const uint8_t *ext, uint32_t n, uint8_t first_nh,
		     uint8_t type, uint32_t l4);

#endif
