/* SPDX-License-Identifier: MIT */
/* The gateway's fragmentation (dataplane/route_frag.c) on packets built
 * byte by byte: the pieces must put the packet back together exactly,
 * each within the MTU, with offsets, flags, options and checksums as
 * RFC 791 has them; a short pool takes nothing. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "route_frag.h"
#include "xsk_port.h"

#define CHECK_NAME "route_frag"
#include "check.h"

#define NFRAMES 96

static uint8_t area[NFRAMES * FRAME_SIZE];
static uint64_t freelist[NFRAMES];
static uint16_t refs[NFRAMES];
static struct umem u;

static void pool_reset(uint32_t nfree)
{
	memset(&u, 0, sizeof(u));
	u.area = area;
	u.free = freelist;
	u.refs = refs;
	memset(refs, 0, sizeof(refs));
	for (uint32_t i = 0; i < nfree; i++)
		freelist[i] = (uint64_t)i * FRAME_SIZE;
	u.nfree = nfree;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
}

static uint16_t ip_csum(const uint8_t *ip, uint32_t hl)
{
	uint32_t s = 0;

	for (uint32_t i = 0; i < hl; i += 2)
		s += rd16(ip + i);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Ethernet, an IPv4 header with the options opt (olen bytes, a multiple
 * of 4), and data bytes of UDP-ish payload; frag: the flags/offset. */
static uint32_t build(uint8_t *f, const uint8_t *opt, uint32_t olen, uint32_t data,
		      uint16_t frag)
{
	uint8_t *ip = f + 14;
	uint32_t hl = 20 + olen;

	memset(f, 0, 14 + hl);
	memcpy(f, "\x02\x6e\x66\x00\x00\x01\x02\x00\x0a\x0d\x25\x02\x08\x00", 14);
	ip[0] = (uint8_t)(0x40 | hl / 4);
	wr16(ip + 2, (uint16_t)(hl + data));
	wr16(ip + 4, 0xbeef);
	wr16(ip + 6, frag);
	ip[8] = 64, ip[9] = 17;
	memcpy(ip + 12, "\x0a\x0d\x25\x02\xcb\x00\x71\x02", 8);
	if (olen)
		memcpy(ip + 20, opt, olen);
	for (uint32_t i = 0; i < data; i++)
		ip[hl + i] = (uint8_t)(i * 13 + 7);
	wr16(ip + 10, 0);
	wr16(ip + 10, ip_csum(ip, hl));
	return 14 + hl + data;
}

/* Cut f (len) at mtu and check every piece against it; want_opt: the
 * options a later piece must carry. Returns the number of pieces, -1 on
 * a wrong one (why says which). */
static int cut_and_check(const uint8_t *f, uint32_t len, uint32_t mtu, const uint8_t *want_opt,
			 char *why, size_t wlen)
{
	uint64_t addr[RT_FRAGS_MAX];
	uint32_t flen[RT_FRAGS_MAX], hl = (uint32_t)(f[14] & 15) * 4, data = rd16(f + 16) - hl;
	uint16_t field = rd16(f + 20), off0 = (uint16_t)((field & 0x1fff) * 8);
	uint32_t next = 0;
	int n, err = route_fragment(&u, f, len, mtu, addr, flen, &n);

	if (err)
		return snprintf(why, wlen, "error %d", err), -1;
	for (int i = 0; i < n; i++) {
		const uint8_t *g = area + addr[i], *ip = g + 14;
		uint32_t take = rd16(ip + 2) - hl;
		uint16_t gf = rd16(ip + 6);
		bool last = i + 1 == n;

		if (addr[i] % FRAME_SIZE || refs[addr[i] / FRAME_SIZE] != 1)
			return snprintf(why, wlen, "piece %d: frame", i), -1;
		if (flen[i] != 14 + hl + take || rd16(ip + 2) > mtu || memcmp(g, f, 14))
			return snprintf(why, wlen, "piece %d: length %u", i, flen[i]), -1;
		if ((uint32_t)(gf & 0x1fff) * 8 != off0 + next || (!last && take % 8))
			return snprintf(why, wlen, "piece %d: offset %u", i, (gf & 0x1fff) * 8), -1;
		if ((gf & 0x2000) != (last ? (field & 0x2000) : 0x2000) || (gf & 0x4000))
			return snprintf(why, wlen, "piece %d: flags %04x", i, gf), -1;
		if (ip_csum(ip, hl) != 0)
			return snprintf(why, wlen, "piece %d: ip checksum", i), -1;
		/* Everything else of the header is the packet's, but for the
		 * options of a later piece. */
		if (memcmp(ip, f + 14, 2) || memcmp(ip + 4, f + 18, 2) || memcmp(ip + 8, f + 22, 2) ||
		    memcmp(ip + 12, f + 26, 8) ||
		    memcmp(ip + 20, i && want_opt ? want_opt : f + 34, hl - 20))
			return snprintf(why, wlen, "piece %d: header", i), -1;
		if (memcmp(ip + hl, f + 14 + hl + next, take))
			return snprintf(why, wlen, "piece %d: data", i), -1;
		next += take;
	}
	if (next != data)
		return snprintf(why, wlen, "%u of %u bytes", next, data), -1;
	return n;
}

int main(void)
{
	static uint8_t f[16384];
	char why[96] = "";
	uint32_t len;
	int n;

	/* 2908 bytes behind a 20-byte header at 1500: 1480 + 1428. */
	pool_reset(NFRAMES);
	len = build(f, NULL, 0, 2908, 0);
	n = cut_and_check(f, len, 1500, NULL, why, sizeof(why));
	check(n == 2 && u.nfree == NFRAMES - 2, "a 2928-byte packet at MTU 1500: 2 pieces that make it whole",
	      "%d %s", n, why);

	/* A jumbo packet, and an MTU whose room is not a multiple of 8. */
	pool_reset(NFRAMES);
	len = build(f, NULL, 0, 8980, 0);
	n = cut_and_check(f, len, 1500, NULL, why, sizeof(why));
	check(n == 7, "a 9000-byte packet at MTU 1500: 7 pieces", "%d %s", n, why);
	pool_reset(NFRAMES);
	n = cut_and_check(f, len, 1006, NULL, why, sizeof(why));
	check(n == 10, "at MTU 1006: pieces of 984 bytes (986 rounded down to 8), 10 of them",
	      "%d %s", n, why);

	/* Exactly two pieces' worth: no empty third one. */
	pool_reset(NFRAMES);
	len = build(f, NULL, 0, 2960, 0);
	n = cut_and_check(f, len, 1500, NULL, why, sizeof(why));
	check(n == 2, "a packet of exactly two full pieces: 2, no empty one", "%d %s", n, why);

	/* Options: a later piece keeps the copied ones (security, 0x82) and
	 * gets NOPs for the others (record route, 0x07), same length. */
	static const uint8_t opt[12] = { 0x07, 7, 4, 0, 0, 0, 0, 0x82, 4, 0xab, 0xcd, 0x00 };
	static const uint8_t later[12] = { 1, 1, 1, 1, 1, 1, 1, 0x82, 4, 0xab, 0xcd, 0x00 };
	pool_reset(NFRAMES);
	len = build(f, opt, sizeof(opt), 3000, 0);
	n = cut_and_check(f, len, 1500, later, why, sizeof(why));
	check(n == 3, "with options: the first piece keeps them, the later ones only the copied",
	      "%d %s", n, why);

	/* A fragment cut again: its offset carries over, its MF only to its
	 * last piece; a last fragment's last piece has none. */
	pool_reset(NFRAMES);
	len = build(f, NULL, 0, 2400, 0x2000 | 185); /* offset 1480, more */
	n = cut_and_check(f, len, 1500, NULL, why, sizeof(why));
	check(n == 2, "a middle fragment cut again: offsets from 1480, MF on every piece", "%d %s",
	      n, why);
	pool_reset(NFRAMES);
	len = build(f, NULL, 0, 2400, 185);
	n = cut_and_check(f, len, 1500, NULL, why, sizeof(why));
	check(n == 2, "a last fragment cut again: MF on all but its last piece", "%d %s", n, why);

	/* Refusals take nothing from the pool. */
	uint64_t addr[RT_FRAGS_MAX];
	uint32_t flen[RT_FRAGS_MAX];
	int err;

	pool_reset(2 + RT_FRAG_RESERVE - 1);
	len = build(f, NULL, 0, 2908, 0);
	err = route_fragment(&u, f, len, 1500, addr, flen, &n);
	check(err == -ENOBUFS && n == 0 && u.nfree == 2 + RT_FRAG_RESERVE - 1,
	      "a pool that would keep fewer than its reserve: -ENOBUFS, nothing taken", "%d %d %u",
	      err, n, u.nfree);
	pool_reset(2 + RT_FRAG_RESERVE);
	err = route_fragment(&u, f, len, 1500, addr, flen, &n);
	check(err == 0 && n == 2 && u.nfree == RT_FRAG_RESERVE, "one frame more, and it is cut",
	      "%d %d %u", err, n, u.nfree);
	pool_reset(NFRAMES);
	len = build(f, NULL, 0, 1480, 0);
	err = route_fragment(&u, f, len, 1500, addr, flen, &n);
	check(err == -EINVAL && u.nfree == NFRAMES, "a packet within the MTU: -EINVAL, no one piece",
	      "%d", err);
	pool_reset(NFRAMES);
	static const uint8_t bad_opt[4] = { 0x07, 9, 4, 0 }; /* runs past the header */
	len = build(f, bad_opt, sizeof(bad_opt), 3000, 0);
	err = route_fragment(&u, f, len, 1500, addr, flen, &n);
	check(err == -EINVAL && u.nfree == NFRAMES, "an option running past the header: -EINVAL",
	      "%d", err);
	len = build(f, NULL, 0, 3000, 0);
	err = route_fragment(&u, f, len, 20 + RT_FRAG_MIN - 1, addr, flen, &n);
	check(err == -EINVAL && u.nfree == NFRAMES,
	      "an MTU with room for less than an L4 header a piece: -EINVAL", "%d", err);
	len = build(f, NULL, 0, 9000, 0);
	err = route_fragment(&u, f, len, 60, addr, flen, &n);
	check(err == -EINVAL && u.nfree == NFRAMES, "more than RT_FRAGS_MAX pieces: -EINVAL", "%d",
	      err);
	len = build(f, NULL, 0, 3000, 0);
	err = route_fragment(&u, f, len - 1, 1500, addr, flen, &n);
	check(err == -EINVAL && u.nfree == NFRAMES, "a total length past the frame: -EINVAL", "%d",
	      err);
	len = build(f, NULL, 0, 3000, 8000);
	err = route_fragment(&u, f, len, 1500, addr, flen, &n);
	check(err == -EINVAL && u.nfree == NFRAMES, "an offset that would pass 65535: -EINVAL", "%d",
	      err);

	printf("route_frag: %d/%d checks passed\n", checks - failures, checks);
	return failures ? 1 : 0;
}
