/* SPDX-License-Identifier: MIT */
/* What the NAT's unit tests share (test_nat.c, test_nat_keep.c,
 * test_nat_table.c, test_nat_icmp.c, test_nat_frag.c, test_nat_random.c;
 * nat_frames.c): frames built byte by byte (Ethernet + IPv4 + L4) with
 * checksums computed by full recomputation (pkt.c's csum_add/csum_fold,
 * independent of nat.c's incremental code), run through pkt_parse, then
 * through nat_*, and what nat_foreach says of one connection. Time is a
 * fake clock passed in. */
#ifndef NSFAST_TEST_NAT_FRAMES_H
#define NSFAST_TEST_NAT_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nat.h"
#include "pkt.h"

#define SEC 1000000000ull
#define P_ICMP 1
#define P_TCP 6
#define P_UDP 17
#define FIN 0x01
#define SYN 0x02
#define RST 0x04
#define PSH 0x08
#define ACK 0x10

uint16_t rd16(const uint8_t *b);
uint32_t rd32(const uint8_t *b);
void wr16(uint8_t *b, uint16_t v);
void wr32(uint8_t *b, uint32_t v);
uint32_t IP(int a, int b, int c, int d);

static const uint32_t EXT = 0xcb007101; /* 203.0.113.1 */
static const uint32_t SRV = 0xc6336407; /* 198.51.100.7 */
static const uint32_t SRV2 = 0xc6336408;
static const uint32_t ROUTER = 0xc0000201; /* 192.0.2.1 */

/* --- frames ---------------------------------------------------------- */

struct frm {
	uint8_t proto;
	uint32_t src, dst;
	uint16_t sport, dport; /* ICMP echo: id in sport */
	uint8_t flags; /* TCP */
	uint8_t type, code; /* ICMP */
	uint16_t payload;
	uint8_t opts; /* IPv4 option bytes, a multiple of 4 */
	bool nocsum; /* UDP checksum 0 */
	uint16_t frag; /* the flags/offset field as is */
	const uint8_t *quote; /* ICMP error: bytes after the 8-byte header */
	uint16_t qlen;
};

uint32_t csum_off(uint8_t proto);
uint16_t ip_csum_calc(const uint8_t *ip);
/* Full L4 checksum of the IPv4 packet at ip (total length trusted). */
uint16_t l4_csum_calc(const uint8_t *ip);
/* The frame f into b; its length. */
uint32_t build(uint8_t *b, const struct frm *f);

uint8_t *ipof(uint8_t *b);
uint8_t *l4of(uint8_t *b);
uint32_t f_src(uint8_t *b);
uint32_t f_dst(uint8_t *b);
uint16_t f_sport(uint8_t *b);
uint16_t f_dport(uint8_t *b);

/* Every checksum in the frame equals its full recomputation: IPv4
 * header, L4 (a UDP 0 is "none" and accepted), and for an ICMP error
 * the quoted IPv4 header. */
bool csums_ok(uint8_t *b, char *why, size_t n);

/* pkt_parse's verdict on the frame xout or xin last took. */
extern enum pkt_verdict last_parse;

enum nat_verdict xout(struct nat *nat, uint8_t *b, uint32_t len, uint64_t now);
enum nat_verdict xin(struct nat *nat, uint8_t *b, uint32_t len, uint64_t now,
		     uint32_t *int_ip);

struct nat_cfg base_cfg(void);

/* One TCP segment out from (int_ip, sport) to SRV:80, or in from SRV:80 to
 * ext; returns the verdict, the ext port through *ext on the way out. */
enum nat_verdict tcp_out(struct nat *nat, uint32_t src, uint16_t sport, uint8_t flags,
			 uint64_t now, uint16_t *ext, bool *csum_good);
enum nat_verdict tcp_in(struct nat *nat, uint16_t ext, uint8_t flags, uint64_t now,
			uint32_t *dst, uint16_t *dport, bool *csum_good);

/* --- entry views ----------------------------------------------------- */

struct find {
	uint8_t proto;
	uint32_t int_ip, rem_ip;
	uint16_t int_port, rem_port;
	struct nat_entry_view v;
	char state[16];
	int found, total;
};

struct find view_of(struct nat *nat, uint64_t now, uint8_t proto, uint32_t int_ip,
		    uint16_t int_port, uint32_t rem_ip, uint16_t rem_port);
const char *state_of(struct nat *nat, uint64_t now, uint8_t proto, uint32_t int_ip,
		     uint16_t int_port, uint32_t rem_ip, uint16_t rem_port);

#endif
