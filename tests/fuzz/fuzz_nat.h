/* SPDX-License-Identifier: MIT */
/* What fuzz_nat's three files share: the target, its records and the
 * switch it drives (fuzz_nat.c, whose header comment says what an input
 * is and what is checked), the model of the world it checks against
 * (fuzz_nat_model.c) and the checks of what leaves the switch
 * (fuzz_nat_check.c). */
#ifndef NSFAST_FUZZ_NAT_H
#define NSFAST_FUZZ_NAT_H

#include <stdbool.h>
#include <stdint.h>

#include "route.h"
#include "switch.h"
#include "switch_harness.h"

#define FUZZ_TARGET "fuzz_nat"
#include "invariant.h"

#define NL2 3
#define UPLINK NL2
#define NFRAMES 96 /* more than RT_HELD: the held queue can fill */
#define HEADROOM HARNESS_HEADROOM
#define MAX_RECS 256
#define PORT_MIN 20000
#define PORT_MAX 20015 /* 16 ports, 24 connections: both limits reachable */
#define NAT_MAX 24
#define SEC 1000000000ull
#define MAXMAP 512
#define NAT_MIN_TIMEOUT SEC /* the shortest of sw_new()'s timeouts */
#define NAT_MAX_TIMEOUT (60 * SEC) /* and the longest */

#define P_ICMP 1
#define P_TCP 6
#define P_UDP 17

/* The addresses sw_new() gives the switch and the ones it meets; static:
 * constants each file folds where it compares. */
static const uint8_t GW_MAC[6] = { 0x02, 0x6e, 0x66, 0x00, 0x00, 0x01 };
static const uint8_t GW4[4] = { 10, 13, 37, 1 };
static const uint8_t GW6[16] = { 0xfd, 0x42, 0x13, 0x37, [15] = 1 };
static const uint8_t EXT4[4] = { 203, 0, 113, 1 };
static const uint8_t UP_MAC[6] = { 0x02, 0x75, 0x70, 0x00, 0x00, 0x01 };
static const uint8_t UP_GW4[4] = { 203, 0, 113, 254 };
#define UP_MTU 1500 /* the uplink's */
#define L2_MTU 3000 /* the smallest port's: static routes', the gateway's replies' */
/* Each port's: what the gateway routes in to a host on it. */
static const uint16_t PORT_MTU[NL2] = { L2_MTU, L2_MTU, 3400 };
static const uint8_t ROUTER4[4] = { 198, 51, 100, 254 };

/* The gateway's static routes (host order), longest prefix first. */
static const struct {
	uint32_t net;
	uint8_t plen;
	uint32_t via;
} routes[] = {
	{ 0x0a090908, 30, 0x0a0d2504 }, /* 10.9.9.8/30 via 10.13.37.4 */
	{ 0x0a090000, 16, 0x0a0d2505 }, /* 10.9.0.0/16 via 10.13.37.5 */
};

/* A received frame as the switch saw it after checksum completion. */
struct meta {
	bool valid;
	uint8_t in_port;
	uint32_t len;
	uint64_t epoch; /* of its arrival: when the NAT saw it */
	uint64_t t;
	uint64_t addr; /* never 0 within the chunk; the switch never moves it */
	uint8_t done[FRAME_SIZE];
};

/* NAT mappings observed since the clock last moved. */
struct mapping {
	uint8_t proto;
	uint32_t int_ip, rem_ip;
	uint16_t int_port, rem_port, ext;
};

/* The last IPv4 packet the uplink sent, and what it was before NAT. */
struct last_out {
	bool valid;
	uint64_t last; /* the connection's last packet either way */
	uint64_t outs; /* the NAT's out_packets when it left */
	struct mapping m;
	uint32_t len; /* IP total length */
	uint8_t ip[FRAME_SIZE];
};

/* A frame kept to make a record of: the last one routed in, the last
 * from an L2 port. */
struct frame_copy {
	bool valid;
	uint32_t len;
	uint8_t f[FRAME_SIZE];
};

/* The switch and what one input has seen of it (fuzz_nat.c). */
extern uint8_t *area; /* the harness's UMEM */
extern struct meta meta[NFRAMES];
extern struct sw *sw;
extern uint32_t arp_asked; /* the last address the gateway asked for */
extern uint64_t epoch;
extern unsigned tx_count[NL2 + 1], routed_in, routed_out;
extern struct last_out lout;
extern struct frame_copy lin;
extern unsigned nrec; /* the record being run */

/* The model's bookkeeping (fuzz_nat_model.c), emptied by each input. */
extern struct mapping maps[MAXMAP];
extern unsigned nmaps, nfnotes;

/* The gateway's cut candidates (fuzz_nat_check.c). */
extern unsigned ncuts;

/* fuzz_nat_model.c */
uint16_t rd16(const uint8_t *b);
uint32_t rd32(const uint8_t *b);
void wr16(uint8_t *b, uint16_t v);
bool inside(uint32_t ip);
bool one_host4(uint32_t a);
bool martian(const uint8_t *ip);
bool ip_ok(const uint8_t *ip);
/* Options a router takes (RFC 791's layout, as Linux's
 * ip_options_compile reads it): no source route (LSRR, SSRR: Linux
 * drops them with accept_source_route 0) and none whose length is below
 * 2 or runs past the header. */
bool opts_routable(const uint8_t *ip);
bool l4_ok(const uint8_t *ip, uint32_t len);
void set_ip_csum(uint8_t *ip);
void set_l4_csum(uint8_t *ip, bool udp_none);
const uint8_t *arp_mac(uint32_t ip);
bool arp_usable(uint32_t ip);
bool route_via(uint32_t dst, uint32_t *via);
uint32_t route_mtu(uint32_t dst);
bool same_except(const uint8_t *a, const uint8_t *b, uint32_t n, const uint8_t *mask);
void allow(uint8_t *mask, uint32_t off, uint32_t len);
void mapping_seen(const struct mapping *m);
uint32_t frag_len(const uint8_t *ip);
void frag_first_seen(uint8_t dir, const uint8_t *oip, uint32_t addr, uint32_t len, uint64_t t);
void frag_later_seen(uint8_t dir, const uint8_t *oip, uint32_t addr, uint32_t len, uint64_t t);
bool later_frag_ok(const uint8_t *o, const uint8_t *f, uint32_t len, unsigned off);

/* fuzz_nat_check.c */
void cut_candidate(const uint8_t *f, uint32_t len, bool in);
void check_tx(uint16_t out, uint64_t addr, uint32_t len);

#endif
