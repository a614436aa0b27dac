/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the AF_XDP switch's per-frame path on one arbitrary
 * frame, in the order of switch_frame() (dataplane/switch.c):
 *
 *   pkt_parse -> pkt_csum_complete (if l4_off) -> gw_handle
 *             -> fdb_learn/fdb_lookup
 *
 * (Routing and NAT behind the gateway are fuzz_nat.c's, which runs the
 * real switch_frame() and route.c with sequences of frames.)
 *
 * The input is run twice:
 *  1. in a heap buffer of exactly its size with room == len, so ASan
 *     reports any read or write past the frame. gw_handle() is called
 *     for every verdict here (its contract accepts PKT_BAD_L4 frames).
 *  2. in a 4096-byte "UMEM frame" (heap, so ASan sees its end) placed at
 *     offset 4096 - len - slack, room = 4096 - offset, slack = len % 11:
 *     replies that are longer than the request (an NA answering a short
 *     NS) fit or not depending on the length alone. This pass follows
 *     switch_frame() exactly and feeds the long-lived MAC table.
 *
 * Invariants checked (a broken one prints "fuzz_frame: invariant ..."
 * and calls __builtin_trap()): pkt_parse's offsets are inside the frame;
 * pkt_csum_complete leaves the frame alone when it returns 0, changes
 * only the check field when it returns 1, that field then verifies with
 * an independent RFC 768/793/8200 reference, and a second call changes
 * nothing; GW_REPLY fits in room, parses, comes from the gateway MAC and
 * carries valid checksums; both passes agree; the MAC table stays
 * within its bounds and a successful learn is visible to a lookup.
 *
 * The MAC table lives across inputs (capacity 64, 16 per port, ageing
 * 1 ms) on a fake clock advanced per input (5 us, or 1 ms for frames of
 * 15 mod 16 bytes), so learning, moves, quota refusals, ageing and (every
 * 256 inputs) fdb_flush_port all run. Its state makes executions depend
 * on earlier inputs: reproduce a crash with the crash file alone first.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fdb.h"
#include "gateway.h"
#include "pkt.h"
#include "ref_csum.h"

#define FUZZ_TARGET "fuzz_frame"
#include "invariant.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define UMEM_FRAME 4096u
#define NPORTS 4
#define FDB_CAP 64
#define FDB_PER_PORT 16
#define AGEING_NS 1000000ull /* 1 ms */
#define TICK_NS 5000ull /* fake clock per input: 200 inputs to expire */

#define ETH_P_IPV4 0x0800
#define ETH_P_ARP 0x0806
#define ETH_P_IPV6 0x86dd
#define P_ICMP 1
#define P_TCP 6
#define P_UDP 17
#define P_ICMPV6 58


static const struct gw gw = {
	.mac = { 0x02, 0x6e, 0x66, 0x00, 0x00, 0x01 },
	.has_v4 = 1,
	.has_v6 = 1,
	.v4 = { 10, 13, 37, 1 },
	.v4_plen = 24,
	.v6 = { 0xfd, 0x42, 0x13, 0x37, [15] = 1 },
};

static struct fdb *fdb;
static struct gw_stats gwst;
static uint64_t now = 1000000000ull;
static uint64_t inputs;

/* --- independent reference checksum ------------------------------------- */

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/* Where the transport header of the IP packet at l3 starts (offset from
 * l3) and its protocol, walked here without pkt.c's help (IPv6: over
 * hop-by-hop, routing and destination options). Only for packets that
 * pkt_parse gave an L4 header. */
static uint32_t ref_l4(const uint8_t *l3, uint32_t avail, bool v6, uint8_t *proto)
{
	if (!v6) {
		*proto = l3[9];
		return (uint32_t)(l3[0] & 15) * 4;
	}
	uint32_t pos = 40, end = 40 + get16(l3 + 4);
	uint8_t nh = l3[6];
	CHECK(end <= avail);
	while (nh == 0 || nh == 43 || nh == 60) {
		CHECK(pos + 8 <= end);
		nh = l3[pos];
		pos += ((uint32_t)l3[pos + 1] + 1) * 8;
	}
	*proto = nh;
	return pos;
}

/* The IPv6 packet's final destination (RFC 8200 8.1), as an offset from
 * l3: 24, the header's, unless a routing header has segments left; then
 * the address it is last sent to (type 0: its last one; 2: its one; 4,
 * segment routing: the first of its list). -1: a type whose layout is
 * not known here. Walked apart from pkt.c, over pkt_parse's checks. */
static int ref_v6_final(const uint8_t *l3)
{
	uint32_t pos = 40, end = 40 + get16(l3 + 4);
	uint8_t nh = l3[6];
	int final = 24;

	while (nh == 0 || nh == 43 || nh == 60) {
		const uint8_t *h = l3 + pos;
		uint32_t naddr = h[1] / 2;

		CHECK(pos + 8 <= end);
		if (nh == 43 && h[3] != 0) {
			if (naddr && h[2] == 0)
				final = (int)(pos + 8 + 16 * (naddr - 1));
			else if (naddr && (h[2] == 2 || h[2] == 4))
				final = (int)(pos + 8);
			else
				final = -1;
		}
		nh = h[0];
		pos += ((uint32_t)h[1] + 1) * 8;
	}
	return final;
}

/* Does the TCP/UDP segment at l4 carry a correct checksum? RFC 768 and
 * RFC 8200 8.1: a UDP pseudo-header (and the sum) uses the UDP length
 * field, TCP the IP-derived length; IPv6 the final destination. l4max is
 * what the IP header leaves for the segment. UDP checksum 0 counts as
 * "none" (valid) here. */
static bool ref_l4_valid(const uint8_t *l3, bool v6, const uint8_t *l4,
			 uint32_t l4max, uint8_t proto)
{
	uint32_t len = proto == P_UDP ? get16(l4 + 4) : l4max;
	uint64_t s;

	CHECK(len <= l4max);
	if (proto == P_UDP && get16(l4 + 6) == 0)
		return true;
	if (v6) {
		int final = ref_v6_final(l3);

		CHECK(final > 0);
		s = ref_add(ref_add(0, l3 + 8, 16), l3 + final, 16);
	} else {
		s = ref_add(0, l3 + 12, 8);
	}
	s += proto + (len >> 16) + (len & 0xffff);
	s = ref_add(s, l4, len);
	return ref_fold(s) == 0xffff;
}

/* Does p hold what CHECKSUM_PARTIAL leaves, which pkt_csum_complete must
 * then finish: TCP or UDP, whole, a known final destination, and in the
 * checksum field the folded pseudo-header sum (UDP: not 0, "none", and
 * a length within the packet)? */
static bool ref_partial(const struct pkt *p)
{
	if (!p->l4_off || p->is_frag || (p->l4_proto != P_TCP && p->l4_proto != P_UDP) ||
	    (p->ethertype != ETH_P_IPV4 && p->ethertype != ETH_P_IPV6))
		return false;
	const uint8_t *l3 = p->data + p->l3_off, *l4 = p->data + p->l4_off;
	bool v6 = p->ethertype == ETH_P_IPV6;
	uint32_t len = p->l4_proto == P_UDP ? get16(l4 + 4) : p->l4_len;
	uint16_t cur = get16(l4 + (p->l4_proto == P_TCP ? 16 : 6));
	int final = v6 ? ref_v6_final(l3) : 12 + 4;
	uint64_t s;

	if ((p->l4_proto == P_UDP && (cur == 0 || len < 8 || len > p->l4_len)) || final <= 0)
		return false;
	s = v6 ? ref_add(ref_add(0, l3 + 8, 16), l3 + final, 16) : ref_add(0, l3 + 12, 8);
	s += p->l4_proto + (len >> 16) + (len & 0xffff);
	return ref_fold(s) == cur;
}

/* --- invariants --------------------------------------------------------- */

static void check_parse(const struct pkt *p, enum pkt_verdict v,
			const uint8_t *buf, uint32_t len)
{
	CHECK(p->data == buf && p->len == len);
	if (v == PKT_RUNT || v == PKT_BAD_L3) {
		CHECK(p->l3_off == 0 && p->l4_off == 0 && !p->is_frag);
		return;
	}
	CHECK(len >= 14 && p->dst == buf && p->src == buf + 6);
	if (v == PKT_BAD_L4) {
		CHECK(p->l3_off != 0 && p->l4_off == 0);
		return;
	}
	CHECK(v == PKT_OK);
	if (p->l3_off == 0) {
		CHECK(p->l4_off == 0 && !p->is_frag);
		return;
	}
	CHECK(p->l3_off >= 14 && p->l3_off < len);
	const uint8_t *l3 = buf + p->l3_off;
	uint32_t avail = len - p->l3_off;
	switch (p->ethertype) {
	case ETH_P_ARP:
		CHECK(avail >= 28 && p->l4_off == 0);
		return;
	case ETH_P_IPV4:
		CHECK(avail >= 20 && (l3[0] & 15) * 4u <= get16(l3 + 2) &&
		      get16(l3 + 2) <= avail);
		break;
	case ETH_P_IPV6:
		CHECK(avail >= 40 && 40u + get16(l3 + 4) <= avail);
		break;
	default:
		CHECK(0 && "l3_off set for an ethertype pkt_parse does not know");
	}
	if (p->is_frag)
		CHECK(p->l4_off == 0);
	if (p->l4_off == 0)
		return;
	/* The L4 header and l4_len bytes of it are inside the frame and
	 * inside the IP packet. */
	CHECK(p->l4_off > p->l3_off);
	CHECK((uint32_t)p->l4_off + p->l4_len <= len);
	uint8_t proto;
	uint32_t l4rel = ref_l4(l3, avail, p->ethertype == ETH_P_IPV6, &proto);
	uint32_t ipend = p->ethertype == ETH_P_IPV4 ? get16(l3 + 2) : 40u + get16(l3 + 4);
	CHECK(p->l3_off + l4rel == p->l4_off && proto == p->l4_proto);
	CHECK(l4rel + p->l4_len == ipend);
	const uint8_t *l4 = buf + p->l4_off;
	switch (p->l4_proto) {
	case P_TCP:
		CHECK(p->l4_len >= 20 && (l4[12] >> 4) * 4u >= 20 &&
		      (l4[12] >> 4) * 4u <= p->l4_len);
		break;
	case P_UDP:
		CHECK(p->l4_len >= 8 && get16(l4 + 4) >= 8 && get16(l4 + 4) <= p->l4_len);
		break;
	case P_ICMP:
		CHECK(p->ethertype == ETH_P_IPV4 && p->l4_len >= 8);
		break;
	case P_ICMPV6:
		CHECK(p->ethertype == ETH_P_IPV6 && p->l4_len >= 8);
		break;
	default:
		CHECK(0 && "l4_off set for an unknown protocol");
	}
}

/* pkt_csum_complete in place, with its contract checked. */
static void csum_complete(struct pkt *p)
{
	static uint8_t before[65536 + 64];
	uint32_t len = p->len;

	bool partial = ref_partial(p);

	memcpy(before, p->data, len);
	int r = pkt_csum_complete(p);
	CHECK(r == (int)partial);
	if (r == 0) {
		CHECK(memcmp(before, p->data, len) == 0);
		return;
	}
	/* Without its final destination, no checksum can be finished. */
	CHECK(p->ethertype != ETH_P_IPV6 || ref_v6_final(p->data + p->l3_off) > 0);
	CHECK(p->l4_proto == P_TCP || p->l4_proto == P_UDP);
	CHECK(p->ethertype == ETH_P_IPV4 || p->ethertype == ETH_P_IPV6);
	CHECK(!p->is_frag && p->l3_off && p->l4_off);
	uint32_t field = p->l4_off + (p->l4_proto == P_TCP ? 16u : 6u);
	CHECK(memcmp(before, p->data, field) == 0);
	CHECK(memcmp(before + field + 2, p->data + field + 2, len - field - 2) == 0);
	if (p->l4_proto == P_UDP)
		CHECK(get16(p->data + field) != 0); /* 0 would mean "none" */
	CHECK(ref_l4_valid(p->data + p->l3_off, p->ethertype == ETH_P_IPV6,
			   p->data + p->l4_off, p->l4_len, p->l4_proto));
	/* Completing a completed checksum changes nothing. */
	memcpy(before, p->data, len);
	pkt_csum_complete(p);
	CHECK(memcmp(before, p->data, len) == 0);
}

/* A GW_REPLY frame: in room, well formed, from the gateway, valid sums. */
static void check_reply(const uint8_t *buf, uint32_t reply_len, uint32_t room,
			uint16_t ethertype)
{
	static uint8_t copy[UMEM_FRAME];
	struct pkt r;

	CHECK(reply_len <= room);
	CHECK(reply_len >= 14 && reply_len <= UMEM_FRAME);
	memcpy(copy, buf, reply_len);
	CHECK(pkt_parse(copy, reply_len, &r) == PKT_OK);
	CHECK(r.ethertype == ethertype && r.l3_off != 0);
	CHECK(memcmp(copy + 6, gw.mac, 6) == 0);
	const uint8_t *l3 = copy + r.l3_off;
	switch (ethertype) {
	case ETH_P_ARP:
		CHECK(r.l3_off + 28u == reply_len && get16(l3 + 6) == 2);
		CHECK(memcmp(l3 + 8, gw.mac, 6) == 0 && memcmp(l3 + 14, gw.v4, 4) == 0);
		break;
	case ETH_P_IPV4: {
		uint32_t hl = (l3[0] & 15) * 4u;
		CHECK(r.l3_off + get16(l3 + 2) == reply_len);
		CHECK(ref_fold(ref_add(0, l3, hl)) == 0xffff);
		CHECK(memcmp(l3 + 12, gw.v4, 4) == 0);
		/* To one host: not 0/8, 127/8, multicast or class E. */
		CHECK(l3[16] != 0 && l3[16] != 127 && l3[16] < 0xe0);
		CHECK(r.l4_off && r.l4_proto == P_ICMP && !r.is_frag);
		CHECK(copy[r.l4_off] == 0); /* echo reply */
		CHECK(ref_fold(ref_add(0, copy + r.l4_off, r.l4_len)) == 0xffff);
		break;
	}
	case ETH_P_IPV6: {
		uint64_t s;
		CHECK(r.l3_off + 40u + get16(l3 + 4) == reply_len);
		CHECK(r.l4_off == r.l3_off + 40 && r.l4_proto == P_ICMPV6);
		CHECK(memcmp(l3 + 8, gw.v6, 16) == 0);
		CHECK(copy[r.l4_off] == 129 || copy[r.l4_off] == 136);
		s = ref_add(0, l3 + 8, 32) + r.l4_len + P_ICMPV6;
		CHECK(ref_fold(ref_add(s, copy + r.l4_off, r.l4_len)) == 0xffff);
		break;
	}
	default:
		CHECK(0 && "reply for an ethertype the gateway does not answer");
	}
}

/* --- the two passes ----------------------------------------------------- */

struct outcome {
	enum pkt_verdict v;
	enum gw_result g;
	uint32_t reply_len;
};

/* Pass 1: exactly-sized buffer, room == len; gw_handle for any verdict. */
static struct outcome pass_exact(uint8_t *buf, uint32_t len)
{
	struct outcome o = { 0 };
	struct pkt p;

	o.v = pkt_parse(buf, len, &p);
	check_parse(&p, o.v, buf, len);
	if (o.v == PKT_OK && p.l4_off)
		csum_complete(&p);
	o.g = gw_handle(&gw, &p, len, &o.reply_len, &gwst);
	if (o.v == PKT_RUNT || o.v == PKT_BAD_L3)
		CHECK(o.g == GW_NOT_MINE);
	if (o.g == GW_REPLY)
		check_reply(buf, o.reply_len, len, p.ethertype);
	else
		CHECK(o.reply_len == 0);
	return o;
}

/* Pass 2: switch_frame() on a UMEM frame; port is the ingress port. */
static struct outcome pass_umem(uint8_t *umem, uint32_t off, uint32_t len,
				uint16_t port)
{
	uint32_t room = UMEM_FRAME - off;
	uint8_t *data = umem + off;
	struct outcome o = { 0 };
	struct pkt p;

	if (len > room)
		return o;
	o.v = pkt_parse(data, len, &p);
	check_parse(&p, o.v, data, len);
	if (o.v != PKT_OK)
		return o;
	if (p.l4_off)
		csum_complete(&p);
	o.g = gw_handle(&gw, &p, room, &o.reply_len, &gwst);
	switch (o.g) {
	case GW_REPLY:
		check_reply(data, o.reply_len, room, p.ethertype);
		return o;
	case GW_CONSUMED:
		return o;
	case GW_NOT_MINE:
		break;
	}
	if (!memcmp(p.dst, gw.mac, 6))
		return o; /* gw_unrouted */
	if (!(p.src[0] & 1)) {
		int r = fdb_learn(fdb, p.src, port, now);
		CHECK(r == 0 || r == 1 || r == -ENOSPC);
		if (r >= 0)
			CHECK(fdb_lookup(fdb, p.src, now) == port);
	}
	if (!(p.dst[0] & 1)) {
		uint16_t out = fdb_lookup(fdb, p.dst, now);
		CHECK(out == FDB_PORT_NONE || out < NPORTS);
	}
	return o;
}

static int count_cb(const uint8_t mac[6], uint16_t port, uint64_t idle, void *arg)
{
	unsigned *per_port = arg;

	CHECK(!(mac[0] & 1) && port < NPORTS && idle < AGEING_NS);
	per_port[port]++;
	return 0;
}

static void check_fdb(unsigned per_port[NPORTS])
{
	unsigned total = 0;
	const struct fdb_stats *st = fdb_stats(fdb);

	memset(per_port, 0, NPORTS * sizeof(*per_port));
	CHECK(st->entries <= FDB_CAP);
	fdb_foreach(fdb, now, count_cb, per_port);
	for (int i = 0; i < NPORTS; i++) {
		CHECK(per_port[i] <= FDB_PER_PORT);
		total += per_port[i];
	}
	CHECK(total <= st->entries);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fdb = fdb_new(FDB_CAP, FDB_PER_PORT, AGEING_NS);
	if (!fdb)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *umem;
	uint32_t len = (uint32_t)size;

	if (size > 65535 + 64)
		return -1; /* no such frame on a veth: keep libFuzzer's -max_len sane */
	if (!umem && !(umem = malloc(UMEM_FRAME)))
		abort();
	inputs++;
	/* MACs live ~200 inputs, long enough for the table and the per-port
	 * quotas to fill; a frame of 15 mod 16 bytes jumps the clock past
	 * the ageing time, so relearning over expired slots and ageing run. */
	now += len % 16 == 15 ? AGEING_NS : TICK_NS;

	/* Pass 1. malloc(0) may return NULL: use a 1-byte buffer then. */
	uint8_t *exact = malloc(size ? size : 1);
	if (!exact)
		abort();
	memcpy(exact, data, size);
	struct outcome a = pass_exact(exact, len);

	/* Pass 2: after the frame, the UMEM holds a fixed pattern. */
	if (len <= UMEM_FRAME) {
		uint32_t slack = len % 11;
		if (slack > UMEM_FRAME - len)
			slack = UMEM_FRAME - len;
		uint32_t off = UMEM_FRAME - len - slack;
		uint16_t port = size ? data[0] % NPORTS : 0;

		memset(umem, 0xa5, UMEM_FRAME);
		memcpy(umem + off, data, size);
		struct outcome b = pass_umem(umem, off, len, port);

		/* Same bytes, more room: same parse, and a reply that fitted
		 * in the exact buffer is the same reply here. */
		CHECK(a.v == b.v);
		if (a.v == PKT_OK) {
			if (a.g == GW_REPLY)
				CHECK(b.g == GW_REPLY && b.reply_len == a.reply_len &&
				      !memcmp(exact, umem + off, a.reply_len));
			if (a.g == GW_NOT_MINE)
				CHECK(b.g == GW_NOT_MINE);
		}
	}
	free(exact);

	unsigned per_port[NPORTS];
	if (inputs % 16 == 0) {
		fdb_age(fdb, now); /* switch_run() does this once a second */
		check_fdb(per_port);
	}
	if (inputs % 256 == 0) { /* a port goes away now and then */
		uint16_t gone = (uint16_t)(inputs / 256 % NPORTS);

		fdb_flush_port(fdb, gone);
		check_fdb(per_port);
		CHECK(per_port[gone] == 0);
	}
	return 0;
}
