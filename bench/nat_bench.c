/* SPDX-License-Identifier: MIT */
/* NAT micro-benchmark (not a test): fill a 1<<20 table with 1,000,000
 * connections from 4096 internal hosts to 131072 remote endpoints, then
 * time translation hits and misses in random order (cache-cold, like a
 * busy uplink) and a full-table nat_expire. Frames are one template per
 * protocol with addresses and ports patched in per iteration (a few
 * byte stores, included in the times); the NAT's checksum updates are
 * incremental, so the templates' checksums need not match the patches.
 *
 * cc -std=c11 -D_GNU_SOURCE -O2 -Idataplane -o nat_bench bench/nat_bench.c \
 *    dataplane/nat.c dataplane/nat_conn.c dataplane/nat_frag.c dataplane/nat_index.c \
 *    dataplane/pkt.c */
#include <stddef.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nat.h"
#include "pkt.h"

#define NFLOWS 1000000u
#define NHOSTS 4096u
#define SEC 1000000000ull
#define ITERS 4000000u

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec;
}

static long rss_bytes(void)
{
	long pages = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &pages, &res) != 2)
		res = -1;
	fclose(f);
	return res < 0 ? -1 : res * sysconf(_SC_PAGESIZE);
}

static void wr16(uint8_t *b, uint16_t v) { b[0] = (uint8_t)(v >> 8), b[1] = (uint8_t)v; }
static void wr32(uint8_t *b, uint32_t v)
{
	wr16(b, (uint16_t)(v >> 16));
	wr16(b + 2, (uint16_t)v);
}
static uint16_t rd16(const uint8_t *b) { return (uint16_t)(b[0] << 8 | b[1]); }

/* Flow n: host 10.0.x.y (n % 4096), source port 20000 + n / 4096 (out
 * of the NAT range, so every ext port is allocated by hash), to
 * 198.18.0.0/16 port 443 or 80; one in five is UDP, the rest TCP. */
static uint32_t f_int_ip(uint32_t n) { return 0x0a000001u + n % NHOSTS; }
static uint16_t f_int_port(uint32_t n) { return (uint16_t)(20000 + n / NHOSTS); }
static uint32_t f_rem_ip(uint32_t n) { return 0xc6120000u | ((n * 40503u) & 0xffffu); }
static uint16_t f_rem_port(uint32_t n) { return (n >> 3) & 1 ? 443 : 80; }
static uint8_t f_proto(uint32_t n) { return n % 5 == 0 ? 17 : 6; }

static uint32_t template(uint8_t *b, uint8_t proto, uint8_t tcp_flags)
{
	memset(b, 0, 128);
	b[0] = 2, b[6] = 2, b[5] = 1, b[11] = 2;
	wr16(b + 12, 0x0800);
	uint8_t *ip = b + 14, *l4 = ip + 20;
	uint32_t l4len = proto == 6 ? 20 + 32 : 8 + 32;
	ip[0] = 0x45, ip[8] = 64, ip[9] = proto;
	wr16(ip + 2, (uint16_t)(20 + l4len));
	wr16(ip + 6, 0x4000);
	if (proto == 6) {
		l4[12] = 5 << 4, l4[13] = tcp_flags;
		wr16(l4 + 14, 65535);
	} else {
		wr16(l4 + 4, (uint16_t)l4len);
	}
	wr16(ip + 10, csum_fold(csum_add(0, ip, 20)));
	wr16(l4 + (proto == 6 ? 16 : 6), 0x1234);
	return 14 + 20 + l4len;
}

struct frames {
	uint8_t out[2][128], in[2][128]; /* [0] TCP, [1] UDP */
	uint32_t out_len[2], in_len[2];
};

/* Patch flow n's addresses into its protocol's template and parse it;
 * pkt_parse is part of what the switch does per frame anyway. */
static void out_frame(struct frames *fr, uint32_t n, struct pkt *p)
{
	int u = f_proto(n) == 17;
	uint8_t *b = fr->out[u];
	wr32(b + 26, f_int_ip(n)), wr32(b + 30, f_rem_ip(n));
	wr16(b + 34, f_int_port(n)), wr16(b + 36, f_rem_port(n));
	pkt_parse(b, fr->out_len[u], p);
}

static void in_frame(struct frames *fr, uint32_t n, uint32_t rem_ip, uint16_t ext, struct pkt *p)
{
	int u = f_proto(n) == 17;
	uint8_t *b = fr->in[u];
	wr32(b + 26, rem_ip), wr32(b + 30, 0xcb007101);
	wr16(b + 34, f_rem_port(n)), wr16(b + 36, ext);
	pkt_parse(b, fr->in_len[u], p);
}

static uint64_t lcg = 0x853c49e6748fea9bull;
static uint32_t rnd_flow(void)
{
	lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(((lcg >> 32) * (uint64_t)NFLOWS) >> 32);
}

int main(void)
{
	static struct frames fr;
	for (int u = 0; u < 2; u++) {
		fr.out_len[u] = template(fr.out[u], u ? 17 : 6, 0x02);
		fr.in_len[u] = template(fr.in[u], u ? 17 : 6, 0x12);
	}
	uint16_t *ext = malloc(NFLOWS * sizeof(*ext));
	if (!ext)
		return 1;
	memset(ext, 0, NFLOWS * sizeof(*ext));

	struct nat_cfg cfg = {
		.ext_ip = { 203, 0, 113, 1 },
		.int_net = { 10, 0, 0, 0 },
		.int_plen = 8,
		.port_min = 61000,
		.port_max = 61000 + 4095,
		.max_entries = 1u << 20,
	};
	long rss0 = rss_bytes();
	struct nat *nat = nat_new(&cfg);
	if (!nat) {
		fprintf(stderr, "nat_new failed\n");
		return 1;
	}
	long rss_new = rss_bytes();
	struct pkt p;
	uint64_t now = 10 * SEC, fails = 0, sink = 0;

	/* new connections: the fill itself, in flow order */
	uint64_t t0 = mono_ns();
	for (uint32_t n = 0; n < NFLOWS; n++) {
		out_frame(&fr, n, &p);
		fails += nat_translate_out(nat, &p, now) != NAT_OK;
		ext[n] = rd16(p.data + 34);
	}
	uint64_t t_new = mono_ns() - t0;
	long rss_full = rss_bytes();

	/* existing connection, random flow each time */
	t0 = mono_ns();
	for (uint32_t i = 0; i < ITERS; i++) {
		uint32_t n = rnd_flow();
		out_frame(&fr, n, &p);
		fails += nat_translate_out(nat, &p, now + 1) != NAT_OK;
	}
	uint64_t t_out_hit = mono_ns() - t0;

	/* existing connection, the same flow each time (hot cache) */
	t0 = mono_ns();
	for (uint32_t i = 0; i < ITERS; i++) {
		out_frame(&fr, 12345, &p);
		fails += nat_translate_out(nat, &p, now + 1) != NAT_OK;
	}
	uint64_t t_out_hot = mono_ns() - t0;

	/* inbound hit, random flow */
	uint8_t ii[4];
	t0 = mono_ns();
	for (uint32_t i = 0; i < ITERS; i++) {
		uint32_t n = rnd_flow();
		in_frame(&fr, n, f_rem_ip(n), ext[n], &p);
		fails += nat_translate_in(nat, &p, now + 2, ii) != NAT_OK;
		sink += ii[3];
	}
	uint64_t t_in_hit = mono_ns() - t0;

	/* inbound miss: same shape, from remote hosts nobody talked to */
	t0 = mono_ns();
	for (uint32_t i = 0; i < ITERS; i++) {
		uint32_t n = rnd_flow();
		in_frame(&fr, n, f_rem_ip(n) ^ 0x00010000u, ext[n], &p);
		fails += nat_translate_in(nat, &p, now + 2, ii) != NAT_DROP_NO_MATCH;
	}
	uint64_t t_in_miss = mono_ns() - t0;

	/* expire: a scan that finds nothing, then one that removes all */
	t0 = mono_ns();
	uint32_t removed0 = nat_expire(nat, now + 3);
	uint64_t t_exp_none = mono_ns() - t0;
	t0 = mono_ns();
	uint32_t removed1 = nat_expire(nat, now + 100000 * SEC);
	uint64_t t_exp_all = mono_ns() - t0;

	const struct nat_stats *st = nat_stats(nat);
	printf("nat bench: %u connections (max_entries %u), %u internal hosts, 131072 remote "
	       "endpoints, 4096-port range\n",
	       NFLOWS, cfg.max_entries, NHOSTS);
	printf("  new connection (fill, in order)    %7.1f ns/op\n", (double)t_new / NFLOWS);
	printf("  out, existing conn (random of 1M)  %7.1f ns/op\n", (double)t_out_hit / ITERS);
	printf("  out, existing conn (same flow)     %7.1f ns/op\n", (double)t_out_hot / ITERS);
	printf("  in, hit (random of 1M)             %7.1f ns/op\n", (double)t_in_hit / ITERS);
	printf("  in, miss (unsolicited)             %7.1f ns/op\n", (double)t_in_miss / ITERS);
	printf("  nat_expire, full table, none due   %7.2f ms (%u removed)\n", t_exp_none / 1e6,
	       removed0);
	printf("  nat_expire, full table, all due    %7.2f ms (%u removed)\n", t_exp_all / 1e6,
	       removed1);
	printf("  memory: nat_bytes_per_entry %zu B; RSS after nat_new +%.1f MiB, after fill "
	       "+%.1f MiB = %.1f B/connection\n",
	       nat_bytes_per_entry(), (rss_new - rss0) / 1048576.0, (rss_full - rss0) / 1048576.0,
	       (double)(rss_full - rss0) / NFLOWS);
	printf("  (times include pkt_parse and patching the template; created %llu, "
	       "unexpected verdicts %llu)\n",
	       (unsigned long long)st->created, (unsigned long long)fails);
	nat_free(nat);
	free(ext);
	return fails != 0 || sink == 1;
}
