/* SPDX-License-Identifier: MIT */
/* What test_bpf shares between its cases: the frames it builds, with
 * every checksum computed in full, and the programs it loads, with
 * their maps. */
#ifndef NSFAST_BPF_FRAMES_H
#define NSFAST_BPF_FRAMES_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "map_layouts.h"
#include "tc_steer.skel.h"
#include "uplink_steer.skel.h"
#include "xsk_steer.skel.h"

#define P_TCP 6
#define P_UDP 17
#define FIN 0x01
#define SYN 0x02
#define RST 0x04
#define PSH 0x08
#define ACK 0x10
#define LO 1 /* loopback's ifindex, in every namespace */
#define HIT_SECOND 7

static const uint8_t MAC_A[6] = { 0x02, 0, 0, 0, 0, 0x0a }; /* the namespace */
static const uint8_t MAC_GW[6] = { 0x02, 0, 0, 0, 0, 0x01 }; /* the switch's gateway */
static const uint8_t MAC_UP[6] = { 0x02, 0, 0, 0, 0, 0x02 }; /* the uplink */
static const uint8_t MAC_HOP[6] = { 0x02, 0, 0, 0, 0, 0x99 }; /* its next hop */
#define INT_IP 0x0a0d2502u /* 10.13.37.2 */
#define EXT_IP 0xcb007101u /* 203.0.113.1 */
#define UPLINK_MTU 1500
#define PORT_MTU 1450 /* the namespace's port (slot 0): above the payloads below */
#define REM_IP 0xcb007102u /* 203.0.113.2 */
#define INT_PORT 40000
#define EXT_PORT 62000
#define REM_PORT 5201
#define FRAG_BYTES 128 /* the IP payload of each fragment below */


struct spec {
	const uint8_t *dmac, *smac;
	uint32_t saddr, daddr; /* host order, as the ports */
	uint16_t sport, dport;
	uint8_t proto, ttl, flags, version, ihl;
	uint16_t frag; /* the frag_off field, host order */
	bool no_udp_csum;
	uint16_t payload;
	uint32_t seed; /* the payload's bytes */
	uint16_t word; /* its first two bytes, to steer a checksum */
	uint16_t tot; /* the IPv4 total length said, 0: the packet's own */
	uint16_t pad; /* zero bytes after the packet (Ethernet padding) */
	uint8_t doff; /* the TCP data offset said, 0: 5 (no options) */
	uint16_t ip_csum_xor; /* spoils the IPv4 header checksum */
};

struct progs {
	struct xsk_steer *xsk;
	struct uplink_steer *up;
	struct tc_steer *tc;
};

/* Frames: a packet out of the namespace and one in from the outside,
 * built byte by byte (build), and what the NAT should make of each
 * (translated). */
struct spec spec_out(uint8_t proto);
struct spec spec_in(uint8_t proto);
void put16(uint8_t *p, uint16_t v);
void put32(uint8_t *p, uint32_t v);
uint32_t sum16(const uint8_t *p, size_t n, uint32_t s);
uint16_t fold(uint32_t s);
size_t build(const struct spec *s, uint8_t *f);
struct spec translated(struct spec s, bool out);
/* The programs: loaded with their maps filled (load, install), run once
 * on a frame (run), their per-CPU counters summed. */
uint64_t mac_key(const uint8_t mac[6]);
int percpu_sum(int fd, uint32_t key, size_t size, size_t off, uint64_t *sum);
uint64_t nat_packets(int fast_stats_fd);
uint64_t fast_packets(int fast_stats_fd);
uint64_t counter(int fd, uint32_t key);
int install(int fdb, int nat_out, int nat_in, uint8_t proto);
struct tc_steer *tc_open(bool rewrite_fails);
int tc_ports_fill(struct tc_steer *tc);
int load(struct progs *p);
long run(int prog, bool xdp, const uint8_t *in, size_t len, uint8_t *out, size_t *out_len);

#endif
