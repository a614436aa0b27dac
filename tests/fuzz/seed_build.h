/* SPDX-License-Identifier: MIT */
/* Byte-by-byte builders of the fuzzers' seed frames and record sequences
 * (make_frames.c writes them: the addresses below are what fuzz_frame.c,
 * fuzz_nat.c and fuzz_segs.c configure). */
#ifndef NSFAST_SEED_BUILD_H
#define NSFAST_SEED_BUILD_H
#include <stddef.h>
#include <stdint.h>

struct frame {
	uint8_t b[9216 + 18]; /* a jumbo port's largest, tagged */
	size_t n;
};

static const uint8_t GW_MAC[6] = { 0x02, 0x6e, 0x66, 0x00, 0x00, 0x01 };
static const uint8_t A_MAC[6] = { 0x02, 0x00, 0x0a, 0x0d, 0x25, 0x02 };
static const uint8_t B_MAC[6] = { 0x02, 0x00, 0x0a, 0x0d, 0x25, 0x03 };
static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t SN_MAC[6] = { 0x33, 0x33, 0xff, 0x00, 0x00, 0x01 };
static const uint8_t GW4[4] = { 10, 13, 37, 1 };
static const uint8_t A4[4] = { 10, 13, 37, 2 };
static const uint8_t B4[4] = { 10, 13, 37, 3 };
static const uint8_t ZERO4[4] = { 0 };
static const uint8_t GW6[16] = { 0xfd, 0x42, 0x13, 0x37, [15] = 1 };
static const uint8_t A6[16] = { 0xfd, 0x42, 0x13, 0x37, [15] = 2 };
static const uint8_t B6[16] = { 0xfd, 0x42, 0x13, 0x37, [15] = 3 };
static const uint8_t ZERO6[16] = { 0 };
static const uint8_t SN6[16] = { 0xff, 0x02, [11] = 1, [12] = 0xff, [15] = 1 };

enum csum { FULL, PARTIAL, NONE };

static const uint8_t UP_MAC[6] = { 0x02, 0x75, 0x70, 0x00, 0x00, 0x01 };
static const uint8_t NH_MAC[6] = { 0x02, 0x6e, 0x68, 0x00, 0x71, 0xfe }; /* 203.0.113.254 */
static const uint8_t R_MAC[6] = { 0x02, 0x00, 0x0a, 0x0d, 0x25, 0x04 };
static const uint8_t R4[4] = { 10, 13, 37, 4 };
static const uint8_t EXT4[4] = { 203, 0, 113, 1 };
static const uint8_t OUT4[4] = { 203, 0, 113, 2 };
static const uint8_t FAR4[4] = { 198, 51, 100, 7 };
static const uint8_t BEHIND_R4[4] = { 10, 9, 9, 10 };
static const uint8_t BEHIND_R5[4] = { 10, 9, 5, 5 };

struct seq {
	uint8_t b[32768];
	size_t n;
};

enum { PORT_A, PORT_B, PORT_R, UPLINK };

/* Where out() writes, and how many files it and s_out() wrote. */
extern const char *outdir;
extern int written;

void put(struct frame *f, const void *p, size_t n);
void put8(struct frame *f, unsigned v);
void put16(struct frame *f, unsigned v);
void set16(struct frame *f, size_t off, unsigned v);
void fill(struct frame *f, size_t n, uint8_t start);
uint32_t sum(uint32_t s, const uint8_t *b, size_t n);
uint16_t fold(uint32_t s);
void eth(struct frame *f, const uint8_t *dst, const uint8_t *src);
void vlan(struct frame *f, unsigned tpid, unsigned vid);
size_t ip4(struct frame *f, uint8_t proto, const uint8_t *src,
	   const uint8_t *dst, size_t optlen, unsigned frag);
void ip4_done(struct frame *f, size_t ip);
size_t ip6(struct frame *f, uint8_t nh, const uint8_t *src,
	   const uint8_t *dst, uint8_t hlim);
void ext_opts(struct frame *f, uint8_t nh);
void ext_routing(struct frame *f, uint8_t nh, uint8_t type, const uint8_t *list, unsigned n);
void ip6_done(struct frame *f, size_t ip);
void l4_csum(struct frame *f, size_t ip, int v6, size_t l4, uint8_t proto,
	     size_t csum_off, enum csum mode);
size_t tcp(struct frame *f, unsigned sport, unsigned dport, uint8_t flags,
	   size_t payload);
size_t udp(struct frame *f, unsigned sport, unsigned dport, size_t payload);
size_t icmp_echo(struct frame *f, uint8_t type, size_t payload);
void arp(struct frame *f, unsigned op, const uint8_t *sha, const uint8_t *spa,
	 const uint8_t *tha, const uint8_t *tpa);
size_t ns(struct frame *f, const uint8_t *target, const uint8_t *slla);
void pad(struct frame *f, size_t min);
void out(const struct frame *f, const char *name);
void v4_echo(struct frame *f, size_t opts, size_t payload);
void v4_tcp(struct frame *f, size_t opts, enum csum mode, size_t payload);
void v4_udp(struct frame *f, enum csum mode, size_t payload);
void s_byte(struct seq *s, unsigned v);
void s_frame(struct seq *s, int port, const struct frame *f);
void s_answer(struct seq *s, unsigned flags);
void s_error(struct seq *s, unsigned kind, unsigned quote);
void s_clock(struct seq *s, unsigned log2_ns);
void s_neigh(struct seq *s, unsigned v);
void s_burst(struct seq *s, unsigned v);
void s_out(struct seq *s, const char *dir, const char *name);
void to_gw(struct frame *f, const uint8_t *mac);
void ttl(struct frame *f, size_t ip, unsigned t);
size_t out_tcp(struct frame *f, const uint8_t *mac, const uint8_t *src,
	       const uint8_t *dst, unsigned sport, unsigned dport, uint8_t flags,
	       enum csum mode);
size_t out_udp(struct frame *f, const uint8_t *mac, const uint8_t *src,
	       const uint8_t *dst, unsigned sport, unsigned dport, enum csum mode);
size_t out_echo(struct frame *f, const uint8_t *mac, const uint8_t *src,
		const uint8_t *dst, unsigned id);
void ttl1_icmp(struct frame *f, const uint8_t *mac, const uint8_t *src, uint8_t type,
	       size_t optlen, unsigned frag, size_t payload);
void big_udp(struct frame *f, const uint8_t *mac, const uint8_t *src, const uint8_t *dst,
	     unsigned frag, size_t payload);
void in_udp(struct frame *f, unsigned dport, unsigned frag, size_t payload);
int fragments(struct frame fr[4], const uint8_t *dmac, const uint8_t *smac, uint8_t proto,
	      const uint8_t *src, const uint8_t *dst, unsigned sport, unsigned dport,
	      size_t payload, unsigned id);
size_t in_hdr(struct frame *f, uint8_t proto, const uint8_t *src);
void in_error(struct frame *f, const uint8_t *src, unsigned type, unsigned code,
	      uint8_t proto, const uint8_t *dst, unsigned sport, unsigned dport,
	      size_t l4n);
void arp_for(struct frame *f, const uint8_t *mac, const uint8_t *ip);
void arp_reply_to_gw(struct frame *f, const uint8_t *mac, const uint8_t *ip);

/* fuzz_nat's sequences and fuzz_segs's, into DIR. */
void nat_seqs(const char *dir);
void segs_seqs(const char *dir);

#endif
