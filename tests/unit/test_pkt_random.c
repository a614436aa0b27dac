/* SPDX-License-Identifier: MIT */
/* pkt_parse, pkt_csum_complete and gw_handle on 200000 random mutations
 * of frames built byte by byte (pkt_frames.c), with a fixed seed: what
 * they parse keeps its invariants, what they complete and answer
 * verifies with an independent reference checksum. Every frame handed
 * to the code under test lives in a heap buffer of exactly its length,
 * so ASan reports any read past data+len. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkt_frames.h"

#define CHECK_NAME "pkt_random"
#include "check.h"

static struct gw GW;

/* --- fuzz -------------------------------------------------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

static void test_fuzz(void)
{
	static struct fr seeds[16];
	int ns = 0;
	uint8_t ext[24] = { 60, 0, 1, 4, 0, 0, 0, 0, 6, 1, 1, 12 };
	mk4(&seeds[ns++], 0, 0, K_TCP, 40, H2_MAC, H2_V4);
	mk4(&seeds[ns++], 1, 8, K_UDP, 11, H2_MAC, H2_V4);
	mk4(&seeds[ns++], 2, 0, K_ICMP, 16, GW_MAC, GW_V4);
	mk4(&seeds[ns++], 0, 0, K_ICMP, 3, GW_MAC, GW_V4);
	mk6(&seeds[ns++], 0, ext, 24, 0, 6, 30, H2_MAC, H_V6, OTHER_V6, 64);
	mk6(&seeds[ns++], 1, NULL, 0, 0, 17, 9, H2_MAC, H_V6, OTHER_V6, 64);
	mk6(&seeds[ns++], 0, NULL, 0, 0, 58, 12, GW_MAC, H_V6, GW_V6, 64);
	mk_ns(&seeds[ns++], SN_MAC, H_V6, SN_V6, GW_V6, 1, 255);
	mk_ns(&seeds[ns++], SN_MAC, (const uint8_t[16]){ 0 }, SN_V6, GW_V6, 0, 255);
	mk_arp(&seeds[ns++], BCAST, 1, H_V4, GW_V4, 0);
	mk_arp(&seeds[ns++], BCAST, 1, H_V4, GW_V4, 2);
	uint8_t fh[8] = { 17, 0, 0, 1 };
	mk6(&seeds[ns++], 0, fh, 8, 44, 17, 3, H2_MAC, H_V6, GW_V6, 64);
	/* partial-checksum versions, so completion runs often */
	for (int i = 0; i < 2; i++) {
		struct fr *s = &seeds[ns++];
		if (i)
			mk6(s, 0, NULL, 0, 0, 6, 31, H2_MAC, H_V6, OTHER_V6, 64);
		else
			mk4(s, 0, 0, K_UDP, 31, H2_MAC, H2_V4);
		uint8_t proto = i ? 6 : 17;
		put16(s->b + s->l4 + csum_off(proto), ref_pseudo(s->b + s->l3, i, proto, s->len - s->l4));
	}
	static const uint8_t magic[] = { 0, 1, 5, 6, 8, 17, 44, 58, 59, 60, 0x45, 0x60, 0x81, 0x86, 0x87, 128, 135, 255 };
	struct gw_stats st = { 0 };
	int bad_inv = 0, bad_csum = 0, bad_reply = 0;
	uint32_t completed = 0, replies = 0;

	for (int it = 0; it < 200000; it++) {
		const struct fr *s = &seeds[rnd() % (uint32_t)ns];
		uint8_t tmp[2048];
		uint32_t len = s->len;
		memcpy(tmp, s->b, len);
		int nm = 1 + (int)(rnd() % 4);
		for (int m = 0; m < nm; m++) {
			uint32_t r = rnd();
			uint32_t pos = rnd() % (len ? len : 1);
			switch (r % 6) {
			case 0: if (len) tmp[pos] = (uint8_t)rnd(); break;
			case 1: if (len) tmp[pos] = magic[rnd() % sizeof(magic)]; break;
			case 2: len = rnd() % (len + 1); break;
			case 3: { uint32_t add = rnd() % 24; /* random tail */
				for (uint32_t i = 0; i < add; i++) tmp[len + i] = (uint8_t)rnd();
				len += add; break; }
			case 4: if (len > 1) { uint32_t p2 = rnd() % (len - 1); tmp[p2] = 0; tmp[p2 + 1] = (uint8_t)(rnd() % 80); } break;
			default: if (len) tmp[pos] ^= (uint8_t)(1u << (rnd() % 8)); break;
			}
		}
		uint8_t *h = malloc(len ? len : 1);
		memcpy(h, tmp, len);
		struct pkt p;
		enum pkt_verdict v = pkt_parse(h, len, &p);
		if (v == PKT_OK && ((p.l4_off && ((uint32_t)p.l4_off + p.l4_len > len || p.l4_off <= p.l3_off)) ||
				    (p.l3_off && p.l3_off >= len) || (p.is_frag && p.l4_off)))
			bad_inv++;
		if (v == PKT_OK && pkt_csum_complete(&p) == 1) {
			completed++;
			if (!ref_l4_ok(h + p.l3_off, p.ethertype == 0x86dd, p.l4_proto, h + p.l4_off, p.l4_len))
				bad_csum++;
		}
		uint32_t rl = 0;
		enum gw_result res = gw_handle(&GW, &p, len, &rl, &st);
		if (res == GW_REPLY) {
			replies++;
			struct pkt q;
			if (rl > len || rl < 42 || pkt_parse(h, rl, &q) != PKT_OK)
				bad_reply++;
			else if (q.l4_off && q.l4_proto != 17 && q.l4_proto != 6 &&
				 !(q.l4_proto == 1 ? ref_fold(ref_sum(h + q.l4_off, q.l4_len)) == 0xffff
						   : ref_l4_ok(h + q.l3_off, 1, 58, h + q.l4_off, q.l4_len)))
				bad_reply++;
		}
		free(h);
	}
	check(bad_inv == 0, "fuzz 200k mutations: parse invariants", "%d violations", bad_inv);
	check(bad_csum == 0 && completed > 1000, "fuzz: every completed checksum verifies", "%d bad of %u", bad_csum,
	      completed);
	check(bad_reply == 0 && replies > 1000, "fuzz: every gateway reply parses with valid checksums",
	      "%d bad of %u", bad_reply, replies);
}

int main(void)
{
	gw_init(&GW);

	test_fuzz();
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
