/* SPDX-License-Identifier: MIT */
/* What the tests of pkt_parse, pkt_csum_complete and gw_handle share
 * (test_pkt.c, test_gateway.c, test_pkt_random.c; pkt_frames.c): frames
 * built byte by byte, and an independent, deliberately naive reference
 * checksum (sum of big-endian 16-bit words) to verify theirs with. */
#ifndef NSFAST_TEST_PKT_FRAMES_H
#define NSFAST_TEST_PKT_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#include "gateway.h"
#include "pkt.h"

/* --- reference checksum ------------------------------------------------ */

uint32_t ref_sum(const uint8_t *b, size_t n);
uint16_t ref_fold(uint64_t s); /* folded, NOT complemented */

uint16_t get16(const uint8_t *b);
void put16(uint8_t *b, unsigned v);

/* Pseudo-header sum for an IPv4 (l3 points at the IP header) or IPv6
 * L4 of length l4len. */
uint32_t ref_pseudo(const uint8_t *l3, int v6, uint8_t proto, uint32_t l4len);

/* Whole-L4 verification: pseudo + L4 (with its check field) must sum to
 * 0xffff. */
int ref_l4_ok(const uint8_t *l3, int v6, uint8_t proto, const uint8_t *l4, uint32_t l4len);

int csum_off(uint8_t proto);

/* Fill the L4 checksum the way a correct sender would. */
void ref_fill_l4(const uint8_t *l3, int v6, uint8_t proto, uint8_t *l4, uint32_t l4len);

/* --- frame builders ---------------------------------------------------- */

static const uint8_t GW_MAC[6] = { 0x02, 0, 0, 0, 0, 0xfe };
static const uint8_t H_MAC[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t H2_MAC[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t GW_V4[4] = { 10, 0, 0, 1 };
static const uint8_t H_V4[4] = { 10, 0, 0, 2 };
static const uint8_t H2_V4[4] = { 10, 0, 0, 3 };
/* fd00::aa:bbcc:ddee: the solicited-node group is ff02::1:ffcc:ddee */
static const uint8_t GW_V6[16] = { 0xfd, 0, [10] = 0, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };
static const uint8_t H_V6[16] = { 0xfd, 0, [15] = 2 };
static const uint8_t OTHER_V6[16] = { 0xfd, 0, [12] = 0x11, 0xcc, 0xdd, 0xee };
static const uint8_t SN_V6[16] = { 0xff, 0x02, [11] = 1, 0xff, 0xcc, 0xdd, 0xee };
static const uint8_t SN_MAC[6] = { 0x33, 0x33, 0xff, 0xcc, 0xdd, 0xee };

struct fr {
	uint8_t b[2048];
	uint32_t len;
	uint32_t l3, l4; /* offsets, as built */
};

/* Ethernet + optional tags; returns the L3 offset. */
uint32_t put_eth(struct fr *f, const uint8_t *dst, const uint8_t *src, int tags, uint16_t et);

/* L4 bodies: header + deterministic payload. Return the L4 length. */
uint32_t put_tcp(uint8_t *l4, uint32_t paylen, int optwords);
uint32_t put_udp(uint8_t *l4, uint32_t paylen);
uint32_t put_echo(uint8_t *l4, uint8_t type, uint32_t paylen);

/* IPv4 header with optlen bytes of options (NOPs); header checksum set. */
void put_ip4(struct fr *f, uint32_t optlen, uint8_t proto, const uint8_t *src,
	     const uint8_t *dst, uint32_t l4len, uint16_t frag);

enum l4kind { K_TCP, K_UDP, K_ICMP };

/* A complete, correct IPv4 frame. */
void mk4(struct fr *f, int tags, uint32_t optlen, enum l4kind k, uint32_t paylen,
	 const uint8_t *dmac, const uint8_t *dip);

/* A complete, correct IPv6 frame; ext is a pre-built chain whose last
 * next-header byte is patched to the L4 protocol. */
void mk6(struct fr *f, int tags, const uint8_t *ext, uint32_t extlen, uint8_t first_nh,
	 uint8_t proto, uint32_t paylen, const uint8_t *dmac, const uint8_t *src,
	 const uint8_t *dip, uint8_t hop);

/* The first len bytes of f in a heap buffer of exactly that length
 * (*heap, the caller's to free), parsed. */
enum pkt_verdict parse_copy(const struct fr *f, uint32_t len, struct pkt *p, uint8_t **heap);

void mk_arp(struct fr *f, const uint8_t *dmac, uint16_t op, const uint8_t *spa, const uint8_t *tpa, int tags);

/* NS for target; with_slla adds a Source Link-Layer Address option. */
void mk_ns(struct fr *f, const uint8_t *dmac, const uint8_t *src, const uint8_t *dip, const uint8_t *target,
	   int with_slla, uint8_t hop);

/* The gateway these frames are for: GW_MAC, GW_V4/24 and GW_V6. */
void gw_init(struct gw *gw);

#endif
