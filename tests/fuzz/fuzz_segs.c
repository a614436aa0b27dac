/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the AF_XDP switch's path for frames of several
 * buffers, the chain of descriptors a jumbo port hands over
 * (switch_segs() in dataplane/switch.c, and behind it route_out_big(),
 * gw_big_frame(), gw_big_fragment(), segs_write()), which fuzz_nat does
 * not reach: its frames fit one buffer. The real switch runs on
 * tests/switch_harness.c (a UMEM of plain memory, the socket ends
 * stubbed) with a gateway (10.13.37.1), three namespace ports at MTU
 * 9000 and an uplink at 1500 behind the NAT (203.0.113.1).
 *
 * An input is a sequence of records (at most MAX_RECS), each one frame
 * received as a chain:
 *   ctl   bits 0-1: buffers - 1 (1 to 4); bits 2-3: the port it comes
 *         in on (3: the uplink, whose program takes one buffer); bit 4:
 *         each buffer at the end of its chunk instead of at the
 *         headroom; bit 5: the IPv4 header checksum made right; bit 6:
 *         the IPv4 total length set to the frame's first; bit 7: the
 *         kernel knows no uplink next hop (frames wait for ARP)
 *   split one byte for each buffer but the last: its length, s * 15
 *         bytes (0: 3840, the most the kernel puts in a chunk); the last
 *         holds the rest
 *   u16   the frame's length (big endian), then its bytes; cut to what
 *         the buffers hold and to the port's MTU (plus a VLAN tag's 4)
 * Between records 3 ms pass, and route_tick() runs as the poll loop's.
 *
 * Invariants (a broken one prints "fuzz_segs: invariant ..." and traps):
 * each transmitted buffer lies inside its chunk and is still referenced
 * (a buffer put twice shows here or below); a chain leaves whole; no
 * frame is larger than its port's MTU (the uplink's: and it is one
 * buffer of IPv4 from the uplink's address with a valid header,
 * trimmed to its total length); a frame leaves by the port it came in
 * on only as the gateway's own (one buffer from its MAC: ARP, or ICMP
 * from its address with a valid header); after each record every buffer
 * is free or held for ARP, once; and once the kernel knows the next hops
 * and the held frames' second is up, every buffer is free again. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixed_random.h"
#include "nat.h"
#include "pkt.h"
#include "route.h"
#include "switch.h"
#include "switch_harness.h"

#define FUZZ_TARGET "fuzz_segs"
#include "invariant.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NL2 3
#define UPLINK NL2
#define NFRAMES 128 /* more than RT_HELD plus a chain's fragments */
#define MAX_RECS 16
#define BUF_MAX 3840 /* what the kernel puts in one 4 KiB chunk */
#define L2_MTU 9000
#define UP_MTU 1500
#define MS 1000000ull

static const uint8_t GW_MAC[6] = { 0x02, 0x6e, 0x66, 0x00, 0x00, 0x01 };
static const uint8_t UP_MAC[6] = { 0x02, 0x75, 0x70, 0x00, 0x00, 0x01 };
static const uint8_t GW4[4] = { 10, 13, 37, 1 }, EXT4[4] = { 203, 0, 113, 1 };
static const uint16_t PORT_MTU[NL2] = { L2_MTU, L2_MTU, L2_MTU };

static struct sw *sw;
static int in_port = -1; /* the record's; -1 between records */
static unsigned sent[NL2 + 1]; /* frames, by port */

static bool tagged(const uint8_t *f)
{
	return (f[12] == 0x81 && f[13] == 0x00) || (f[12] == 0x88 && f[13] == 0xa8);
}

static bool ipv4_valid(const uint8_t *ip, uint32_t len)
{
	uint32_t hl = (ip[0] & 0x0fu) * 4;

	return len >= 20 && ip[0] >> 4 == 4 && hl >= 20 && hl <= len &&
	       csum_fold(csum_add(0, ip, hl)) == 0;
}

/* The gateway's own frame, sent back out of the port its cause came in
 * on: one buffer from its MAC, ARP or ICMP from its address. */
static void check_from_gw(const uint8_t *f, uint32_t len, uint32_t nbuf)
{
	CHECK(nbuf == 1 && len >= 14 && !memcmp(f + 6, GW_MAC, 6));
	if (f[12] == 0x08 && f[13] == 0x06)
		return;
	CHECK(f[12] == 0x08 && f[13] == 0x00 && len >= 14 + 20);
	CHECK(ipv4_valid(f + 14, len - 14) && f[14 + 9] == 1 && !memcmp(f + 14 + 12, GW4, 4));
}

/* A whole frame staged on port out: its first buffer f, nbuf buffers,
 * len bytes in all. */
static void check_frame(int out, const uint8_t *f, uint32_t first, uint32_t len, uint32_t nbuf)
{
	CHECK(len >= 14 && first >= 14);
	if (out == UPLINK) {
		CHECK(nbuf == 1 && len - 14 <= UP_MTU && !memcmp(f + 6, UP_MAC, 6));
		CHECK(f[12] == 0x08 && f[13] == 0x00 && ipv4_valid(f + 14, len - 14));
		CHECK(!memcmp(f + 14 + 12, EXT4, 4) && be16_get(f + 16) == len - 14);
		return;
	}
	CHECK(len - 14 <= PORT_MTU[out] + (tagged(f) ? 4u : 0u));
	if (out == in_port)
		check_from_gw(f, len, nbuf);
}

/* --- the socket end, stubbed (tests/switch_harness.c: the rest) --- */

void port_tx_flush(struct port *p, struct umem *u)
{
	uint32_t len = 0, nbuf = 0, first = 0;
	const uint8_t *f = NULL;

	for (uint32_t i = 0; i < p->ntxq; i++) {
		const struct xdp_desc *d = &p->txq[i];
		uint64_t chunk = umem_chunk(d->addr);

		CHECK(chunk < (uint64_t)NFRAMES * FRAME_SIZE && d->len &&
		      d->addr - chunk + d->len <= FRAME_SIZE);
		CHECK(u->refs[chunk / FRAME_SIZE] >= 1);
		if (!nbuf) {
			f = xsk_umem__get_data(u->area, d->addr);
			first = d->len;
		}
		len += d->len;
		nbuf++;
		if (!(d->options & XDP_PKT_CONTD)) {
			check_frame(p->idx, f, first, len, nbuf);
			sent[p->idx]++;
			len = nbuf = 0;
		}
	}
	CHECK(nbuf == 0); /* no half chain in a flush */
	for (uint32_t i = 0; i < p->ntxq; i++)
		frame_put(u, p->txq[i].addr);
	p->ntxq = 0;
}

/* --- records --- */

static void settle(void)
{
	route_tick(sw);
	harness_flush(sw);
	CHECK_WHY(harness_buffers_wrong(sw));
}

/* FUZZ_SEGS_TRACE=1: what a record did, for a seed or a crash input. */
static void trace(int rec)
{
	if (!trace_wanted("FUZZ_SEGS_TRACE"))
		return;
	fprintf(stderr,
		"record %d: sent %u %u %u, uplink %u; forwarded %llu flooded %llu "
		"multibuf_unrouted %llu drop_invalid %llu; echo_big %llu routed_out %llu "
		"frag_needed %llu fragmented %llu arp_held %llu; free %u held %d\n",
		rec, sent[0], sent[1], sent[2], sent[UPLINK], (unsigned long long)sw->st.forwarded,
		(unsigned long long)sw->st.flooded, (unsigned long long)sw->st.multibuf_unrouted,
		(unsigned long long)sw->ports[0].st.drop_invalid,
		(unsigned long long)sw->gwst.echo_big, (unsigned long long)sw->rt.st.routed_out,
		(unsigned long long)sw->rt.st.frag_needed, (unsigned long long)sw->rt.st.fragmented,
		(unsigned long long)sw->rt.st.arp_held, sw->umem.nfree, sw->rt.nheld);
}

/* The record at data (size bytes left): received as a chain, run, and
 * settled. The bytes it took, 0 at the end of the input. */
static size_t record(const uint8_t *data, size_t size)
{
	static uint8_t f[4 * BUF_MAX];
	uint32_t lens[4], nsplit, n, len, max, off = 0;
	struct xdp_desc seg[4];
	uint8_t ctl;
	size_t used;

	if (size < 1)
		return 0;
	ctl = data[0];
	nsplit = ctl & 3;
	if (size < 1 + nsplit + 2)
		return 0;
	len = be16_get(data + 1 + nsplit);
	used = 1 + nsplit + 2;
	if (len > size - used)
		len = (uint32_t)(size - used);
	if (len > sizeof(f))
		len = sizeof(f);
	memcpy(f, data + used, len);
	used += len;
	in_port = (ctl >> 2) & 3;
	/* What the port's veth takes: its MTU, and a VLAN tag. */
	max = 14 + (in_port == UPLINK ? UP_MTU : PORT_MTU[in_port]) + (len >= 14 && tagged(f) ? 4 : 0);
	if (len > max)
		len = max;
	if ((ctl & 0x60) && len >= 14 + 20 && f[12] == 0x08 && f[13] == 0x00) {
		uint32_t hl = (f[14] & 0x0fu) * 4;

		if (ctl & 0x40)
			be16_put(f + 16, (uint16_t)(len - 14));
		if ((ctl & 0x20) && hl >= 20 && 14 + hl <= len) {
			be16_put(f + 24, 0);
			be16_put(f + 24, csum_fold(csum_add(0, f + 14, hl)));
		}
	}
	for (n = 0; n <= nsplit && off < len; n++) {
		uint8_t s = n < nsplit ? data[1 + n] : 0;

		lens[n] = n < nsplit && s ? s * 15u : BUF_MAX;
		if (lens[n] > len - off)
			lens[n] = len - off;
		off += lens[n];
	}
	if (!n || sw->umem.nfree < n)
		return used; /* nothing, or no room: the kernel would drop it */
	harness_neigh_ok = !(ctl & 0x80);
	harness_rx_segs(sw, f, lens, n, ctl & 0x10, seg);
	switch_segs(sw, &sw->ports[in_port], seg, n);
	harness_flush(sw);
	in_port = -1;
	sw->now += 3 * MS;
	settle();
	return used;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct nat_cfg nc = {
		.ext_ip = { 203, 0, 113, 1 }, .int_net = { 10, 13, 37, 0 }, .int_plen = 24,
		.port_min = 20000, .port_max = 20015, .max_entries = 24,
	};
	static const struct harness_cfg hc = {
		.nat = &nc, .nframes = NFRAMES, .nl2 = NL2, .up_mtu = UP_MTU, .l2_mtu = L2_MTU,
		.port_mtu = PORT_MTU,
	};
	size_t pos = 0, k;

	fixed_random_on(); /* a crash file replays alone */
	sw = harness_sw_new(&hc);
	fixed_random_off();
	memset(sent, 0, sizeof(sent));
	for (int rec = 0; rec < MAX_RECS && (k = record(data + pos, size - pos)); rec++) {
		pos += k;
		trace(rec);
	}
	/* The next hops known, and past the held frames' second: every
	 * buffer is back. */
	harness_neigh_ok = true;
	sw->now += 2 * HARNESS_SEC;
	settle();
	CHECK(sw->rt.nheld == 0 && sw->umem.nfree == NFRAMES);
	trace(-1);
	harness_sw_free(sw);
	sw = NULL;
	return 0;
}
