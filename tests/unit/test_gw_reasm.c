/* SPDX-License-Identifier: MIT */
/* The gateway's reassembly of fragments addressed to it
 * (dataplane/gw_reasm.c): datagrams cut here byte by byte must come back
 * whole in any order, and what cannot be one datagram must be refused. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gw_reasm.h"

#define CHECK_NAME "gw_reasm"
#include "check.h"

#define SEC UINT64_C(1000000000)

static uint8_t dg[65536 + 64];

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* A datagram of data bytes from src with IP id id, in dg. */
static void datagram(uint32_t data, uint8_t src, uint16_t id)
{
	memset(dg, 0, 20);
	dg[0] = 0x45;
	wr16(dg + 2, (uint16_t)(20 + data));
	wr16(dg + 4, id);
	dg[8] = 64, dg[9] = 1;
	memcpy(dg + 12, (uint8_t[]){ 10, 0, 0, src, 10, 0, 0, 1 }, 8);
	for (uint32_t i = 0; i < data; i++)
		dg[20 + i] = (uint8_t)(i * 7 + src);
}

/* Its fragment of data bytes [off, off + n), more to come or not. */
static uint32_t fragment(uint8_t *f, uint32_t off, uint32_t n, bool more)
{
	memcpy(f, dg, 20);
	memcpy(f + 20, dg + 20 + off, n);
	wr16(f + 2, (uint16_t)(20 + n));
	wr16(f + 6, (uint16_t)((more ? 0x2000 : 0) | off / 8));
	return 20 + n;
}

static const uint8_t MAC_A[6] = { 2, 0, 0, 0, 0, 0xa }, MAC_B[6] = { 2, 0, 0, 0, 0, 0xb };
static const uint8_t *mac = MAC_A;

static int add(struct gw_reasm *r, uint32_t off, uint32_t n, bool more, uint64_t now,
	       uint8_t **out, uint32_t *olen)
{
	static uint8_t f[65600];
	uint32_t len = fragment(f, off, n, more);

	return gw_reasm_add(r, f, len, mac, now, out, olen);
}

/* out is dg's datagram, whole, with length and flags of one. */
static bool whole(const uint8_t *out, uint32_t olen, uint32_t data)
{
	return olen == 20 + data && rd16(out + 2) == olen && rd16(out + 6) == 0 &&
	       !memcmp(out + 12, dg + 12, 8) && !memcmp(out + 20, dg + 20, data);
}

int main(void)
{
	struct gw_reasm *r = gw_reasm_new();
	uint8_t *out = NULL;
	uint32_t olen = 0;
	int a, b, c;

	/* ping -s 3000: 1480 + 1480 + 48 in order. */
	datagram(3008, 2, 1);
	a = add(r, 0, 1480, true, SEC, &out, &olen);
	b = add(r, 1480, 1480, true, SEC, &out, &olen);
	c = add(r, 2960, 48, false, SEC, &out, &olen);
	check(a == 0 && b == 0 && c == 1 && whole(out, olen, 3008),
	      "three fragments in order: whole on the last", "%d %d %d len %u", a, b, c, olen);

	/* The other way round, and a duplicate of the middle one. */
	datagram(3008, 3, 2);
	a = add(r, 2960, 48, false, SEC, &out, &olen);
	b = add(r, 1480, 1480, true, SEC, &out, &olen);
	c = add(r, 1480, 1480, true, SEC, &out, &olen);
	int d = add(r, 0, 1480, true, SEC, &out, &olen);
	check(a == 0 && b == 0 && c == 0 && d == 1 && whole(out, olen, 3008),
	      "last first, a duplicate, then the first: whole on the first", "%d %d %d %d", a, b,
	      c, d);

	/* Two datagrams interleaved, from two sources with one id. */
	datagram(2000, 4, 7);
	a = add(r, 0, 1480, true, SEC, &out, &olen);
	datagram(2000, 5, 7);
	b = add(r, 0, 1480, true, SEC, &out, &olen);
	c = add(r, 1480, 520, false, SEC, &out, &olen);
	bool w5 = c == 1 && whole(out, olen, 2000);
	datagram(2000, 4, 7);
	d = add(r, 1480, 520, false, SEC, &out, &olen);
	check(a == 0 && b == 0 && w5 && d == 1 && whole(out, olen, 2000),
	      "two datagrams with one id from two sources: each whole", "%d %d %d %d", a, b, c, d);

	/* Refused: not one datagram, or not a valid fragment. */
	const struct gw_reasm_stats *st = gw_reasm_stats(r);
	uint64_t bad0 = st->bad;
	datagram(3008, 6, 3);
	a = add(r, 2960, 48, false, SEC, &out, &olen);
	b = add(r, 1480, 24, false, SEC, &out, &olen); /* another end */
	datagram(3008, 6, 4);
	c = add(r, 1480, 1480, true, SEC, &out, &olen);
	d = add(r, 8, 992, false, SEC, &out, &olen); /* ends before bytes it has */
	int e = add(r, 0, 1001, true, SEC, &out, &olen); /* not whole blocks */
	datagram(100, 6, 5);
	int f = add(r, 0, 100, false, SEC, &out, &olen); /* not a fragment */
	datagram(65000, 6, 6);
	int g = add(r, 65520, 16, true, SEC, &out, &olen); /* past 65535 */
	check(a == 0 && b == -EINVAL && c == 0 && d == -EINVAL && e == -EINVAL && f == -EINVAL &&
		      g == -EINVAL && st->bad == bad0 + 5,
	      "two ends, bytes past the end, a broken block, no fragment, past 65535: refused",
	      "%d %d %d %d %d %d %d bad +%llu", a, b, c, d, e, f, g,
	      (unsigned long long)(st->bad - bad0));

	/* A fragment from another host for the same datagram is refused:
	 * the answer goes to the host the datagram is from. */
	datagram(2000, 7, 1);
	a = add(r, 0, 1480, true, SEC, &out, &olen);
	mac = MAC_B;
	b = add(r, 1480, 520, false, SEC, &out, &olen);
	mac = MAC_A;
	c = add(r, 1480, 520, false, SEC, &out, &olen);
	check(a == 0 && b == -EINVAL && c == 1 && whole(out, olen, 2000),
	      "a fragment from another MAC: refused; the datagram's own then completes it",
	      "%d %d %d", a, b, c);

	/* A 60-byte first header and data up to what a 20-byte one allows:
	 * more than 65535 bytes once whole. */
	datagram(65515, 8, 1);
	dg[0] = 0x4f; /* 60 bytes of header: the data moves, its bytes do not matter */
	static uint8_t big[65600];
	memcpy(big, dg, 60);
	wr16(big + 2, 60 + 1480);
	wr16(big + 6, 0x2000);
	a = gw_reasm_add(r, big, 60 + 1480, mac, SEC, &out, &olen);
	dg[0] = 0x45;
	b = add(r, 1480, 65515 - 1480, false, SEC, &out, &olen);
	check(a == 0 && b == -EINVAL,
	      "a long first header and data to the limit (65575 bytes whole): refused", "%d %d", a,
	      b);

	/* Every slot busy: a new datagram takes the oldest (the second to
	 * come: the first came last of all). */
	uint64_t ev0 = st->evicted;
	for (int i = 0; i < GW_REASM_SLOTS + 1; i++) {
		datagram(2000, (uint8_t)(10 + i), 9);
		add(r, 0, 1480, true, 2 * SEC + (uint64_t)(i == 0 ? 10 : i), &out, &olen);
	}
	datagram(2000, 10, 9);
	a = add(r, 1480, 520, false, 3 * SEC, &out, &olen);
	bool w10 = a == 1 && whole(out, olen, 2000);
	uint64_t ev1 = st->evicted;
	datagram(2000, 11, 9);
	b = add(r, 1480, 520, false, 3 * SEC, &out, &olen);
	check(ev1 == ev0 + 1 && w10 && b == 0,
	      "a slot more than there are: the oldest datagram is given up, the next one kept",
	      "evicted +%llu, %d %d", (unsigned long long)(ev1 - ev0), a, b);

	/* 30 s: a datagram's last fragment after that finds nothing. */
	datagram(2000, 20, 1);
	a = add(r, 0, 1480, true, 10 * SEC, &out, &olen);
	b = add(r, 1480, 520, false, 10 * SEC + GW_REASM_TIMEOUT_NS + 1, &out, &olen);
	datagram(2000, 21, 1);
	c = add(r, 0, 1480, true, 50 * SEC, &out, &olen);
	d = add(r, 1480, 520, false, 50 * SEC + GW_REASM_TIMEOUT_NS - 1, &out, &olen);
	check(a == 0 && b == 0 && c == 0 && d == 1,
	      "a datagram is kept 30 s: its last fragment just before is whole, just after is not",
	      "%d %d %d %d", a, b, c, d);

	gw_reasm_free(r);
	printf("gw_reasm: %d/%d checks passed\n", checks - failures, checks);
	return failures ? 1 : 0;
}
