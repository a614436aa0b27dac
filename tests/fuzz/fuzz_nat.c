/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the AF_XDP switch's routed path, driven without
 * sockets. The real switch_frame() and route_in()/route_out()/
 * route_tick() (dataplane/switch.c, route.c) run on a struct sw whose
 * UMEM is plain memory, with a gateway, three L2 ports, two static
 * routes (10.9.9.8/30 via 10.13.37.4, 10.9.0.0/16 via .5) and an uplink
 * behind the real NAT (nat.c):
 *
 *   L2 port -> pkt_parse -> pkt_csum_complete -> gateway -> route_out
 *           -> TTL / time exceeded -> static route (gateway's ARP table)
 *              or nat_translate_out -> next hop (kernel's ARP, stubbed)
 *   uplink  -> pkt_parse -> pkt_csum_complete -> nat_translate_in
 *           (ICMP errors: the quoted packet too) -> TTL -> host's MAC
 *           (gateway's ARP table, asked for when unknown) -> FDB
 *
 * Only the socket ends are stubs (tests/switch_harness.c, with what only
 * the poll loop calls: a function the switch starts to call needs one
 * there too): port_tx_flush() "transmits" by checking each staged frame
 * and giving its buffer back, and the kernel's neighbour table answers
 * (or not) with a MAC derived from the address. Each input starts from
 * a fresh switch, FDB and NAT (hash seeds fixed, fixed_random.c), so a
 * crash file alone reproduces.
 *
 * An input is a sequence of records (at most MAX_RECS), op byte first:
 *   op&7 0,7  frame from L2 port (op>>3)%3: u16 length (big endian), bytes
 *        1    frame from the uplink: u16 length, bytes
 *        2    the outside answers the last frame the uplink sent: 1 byte,
 *             TCP flags (bit 0 also: UDP checksum 0)
 *        3    an ICMP error about the last frame the uplink sent: kind
 *             (type 3/11/12 by kind%3, code (kind>>2)&15, bit 6: from a
 *             router, bit 7: instead from inside, quoting the last frame
 *             delivered inside), quote (bytes beyond header + 8; >= 0xf0:
 *             a quote cut to (quote & 15) bytes)
 *        4    time passes: 1 byte e, now += 2^(e%36) ns, then the loop's
 *             route_tick / fdb_age / nat_expire
 *        5    1 byte: bit 0, the kernel resolves the uplink's next hops from
 *             now on; bit 1, the address the gateway last asked for
 *             answers (ARP reply on port (byte>>2)%3)
 *        6    burst: the last L2 frame again (count&31)+1 times, with a
 *             field (count>>5: source port/id, source address, destination
 *             address, destination port) stepped each time
 *   Bit 7 of a frame op places the frame at the end of its UMEM chunk
 *   (little room) instead of at the 256-byte headroom copy mode uses.
 *
 * Invariants (a broken one prints "fuzz_nat: invariant ..." and traps):
 * every transmitted frame lies inside its chunk and its buffer is still
 * referenced; after each record every buffer is free or held for ARP,
 * exactly once (no leak, no double put); no ARP entry holds the
 * gateway's own MAC; switched frames are the
 * received ones byte for byte; a frame routed out leaves from the
 * uplink's MAC to the next hop's (the destination on the uplink's
 * subnet, else the gateway beyond it), from the uplink address and a
 * reserved port, TTL one less, nothing else changed, and each checksum
 * valid exactly when it was valid before; the same holds inbound (the
 * namespace's address and port back, to the MAC the switch learned),
 * for ICMP errors inside their quote too; while the clock stands still
 * the NAT's mapping is a bijection and an answer to a packet just sent
 * out always gets back in; a time exceeded quotes the packet and
 * verifies, and is never about an ICMP error, a later fragment or a
 * group source (RFC 1812 4.3.2.7); nothing from or to a martian address
 * is routed or answered (RFC 1812 5.3.7), nor anything whose IPv4 header
 * fails its checksum (5.2.2); a later fragment is translated only
 * as its datagram's first one, within 30 s and not past its last one;
 * a piece the gateway cut from a packet without DF is a stretch of a
 * packet a namespace sent, within the route's MTU; a frame routed by a static route goes to its longest
 * prefix's next hop, as the ARP table has it, untranslated; the NAT
 * table stays within its size and its port range.
 *
 * FUZZ_NAT_TRACE=1 prints the counters after each record: what a seed
 * or a crash input does, step by step.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/types.h>

#include "fdb.h"
#include "gateway.h"
#include "gw_reasm.h"
#include "nat.h"
#include "nat_fast.h"
#include "pkt.h"
#include "route.h"
#include "switch.h"
#include "fixed_random.h"
#include "ref_csum.h"
#include "switch_harness.h"

#define FUZZ_TARGET "fuzz_nat"
#include "invariant.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


#define NL2 3
#define UPLINK NL2
#define NFRAMES 96 /* more than RT_HELD: the held queue can fill */
#define HEADROOM HARNESS_HEADROOM
#define MAX_RECS 256
#define PORT_MIN 20000
#define PORT_MAX 20015 /* 16 ports, 24 connections: both limits reachable */
#define NAT_MAX 24
#define SEC 1000000000ull
#define MAXMAP 512
#define NAT_MIN_TIMEOUT SEC /* the shortest of sw_new()'s timeouts */
#define NAT_MAX_TIMEOUT (60 * SEC) /* and the longest */

#define P_ICMP 1
#define P_TCP 6
#define P_UDP 17

static const uint8_t GW_MAC[6] = { 0x02, 0x6e, 0x66, 0x00, 0x00, 0x01 };
static const uint8_t GW4[4] = { 10, 13, 37, 1 };
static const uint8_t GW6[16] = { 0xfd, 0x42, 0x13, 0x37, [15] = 1 };
static const uint8_t EXT4[4] = { 203, 0, 113, 1 };
static const uint8_t UP_MAC[6] = { 0x02, 0x75, 0x70, 0x00, 0x00, 0x01 };
static const uint8_t UP_GW4[4] = { 203, 0, 113, 254 };
#define UP_MTU 1500 /* the uplink's */
#define L2_MTU 3000 /* the smallest port's: static routes', the gateway's replies' */
/* Each port's: what the gateway routes in to a host on it. */
static const uint16_t PORT_MTU[NL2] = { L2_MTU, L2_MTU, 3400 };
static const uint8_t ROUTER4[4] = { 198, 51, 100, 254 };

/* A received frame as the switch saw it after checksum completion. */
struct meta {
	bool valid;
	uint8_t in_port;
	uint32_t len;
	uint64_t epoch; /* of its arrival: when the NAT saw it */
	uint64_t t;
	uint64_t addr; /* never 0 within the chunk; the switch never moves it */
	uint8_t done[FRAME_SIZE];
};

/* NAT mappings observed since the clock last moved. */
struct mapping {
	uint8_t proto;
	uint32_t int_ip, rem_ip;
	uint16_t int_port, rem_port, ext;
};

/* The last IPv4 packet the uplink sent, and what it was before NAT. */
struct last_out {
	bool valid;
	uint64_t last; /* the connection's last packet either way */
	uint64_t outs; /* the NAT's out_packets when it left */
	struct mapping m;
	uint32_t len; /* IP total length */
	uint8_t ip[FRAME_SIZE];
};

static uint8_t *area; /* the harness's UMEM */
static struct meta meta[NFRAMES];
static struct sw *sw;
static uint32_t arp_asked; /* the last address the gateway asked for */
static uint64_t epoch, last_age;
static unsigned tx_count[NL2 + 1], routed_in, routed_out;
static struct mapping maps[MAXMAP];
static unsigned nmaps;
static struct last_out lout;
static struct {
	bool valid;
	uint32_t len;
	uint8_t f[FRAME_SIZE];
} lin, last_l2;
static uint8_t last_l2_port;

/* --- helpers -------------------------------------------------------- */

static uint16_t rd16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static uint32_t rd32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static void wr16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static bool inside(uint32_t ip) /* 10.13.37.0/24 */
{
	return (ip >> 8) == (rd32(GW4) >> 8);
}

/* RFC 1812 5.3.7: what a router never forwards, nor answers with an
 * error about: from or to 0/8, 127/8, a group or class E, from the
 * subnet's broadcast address or the gateway's own, or to the uplink
 * subnet's (203.0.113.0/24) broadcast or network address (RFC 2644). */
static bool one_host4(uint32_t a)
{
	return a >> 24 != 0 && a >> 24 != 127 && a >> 24 < 224;
}

static bool martian(const uint8_t *ip)
{
	uint32_t src = rd32(ip + 12);

	uint32_t dst = rd32(ip + 16);

	return !one_host4(src) || !one_host4(dst) || (inside(src) && (src & 0xff) == 0xff) ||
	       src == rd32(GW4) ||
	       ((dst >> 8) == (rd32(EXT4) >> 8) && ((dst & 0xff) == 0xff || !(dst & 0xff)));
}

static bool ip_ok(const uint8_t *ip)
{
	return ref_fold(ref_add(0, ip, (ip[0] & 15) * 4u)) == 0xffff;
}

/* The L4 checksum of the IPv4 packet at ip, len bytes of it present:
 * TCP over the IP length, UDP over its own length (0 = none = valid),
 * ICMP without pseudo-header. False when the packet is cut short. */
static bool l4_ok(const uint8_t *ip, uint32_t len)
{
	uint32_t hl = (ip[0] & 15) * 4u, tot = rd16(ip + 2), n;
	const uint8_t *l4 = ip + hl;
	uint64_t s = 0;

	if (tot > len || tot < hl)
		return false;
	n = tot - hl;
	if (ip[9] == P_UDP) {
		if (n < 8 || rd16(l4 + 4) < 8 || rd16(l4 + 4) > n)
			return false;
		if (rd16(l4 + 6) == 0)
			return true;
		n = rd16(l4 + 4);
	}
	if (ip[9] != P_ICMP)
		s = ref_add(0, ip + 12, 8) + ip[9] + n;
	return ref_fold(ref_add(s, l4, n)) == 0xffff;
}

static void set_ip_csum(uint8_t *ip)
{
	wr16(ip + 10, 0);
	wr16(ip + 10, (uint16_t)~ref_fold(ref_add(0, ip, (ip[0] & 15) * 4u)));
}

/* A full, valid L4 checksum for the IPv4 packet at ip (tot bytes). */
static void set_l4_csum(uint8_t *ip, bool udp_none)
{
	uint32_t hl = (ip[0] & 15) * 4u, n = rd16(ip + 2) - hl, off;
	uint8_t *l4 = ip + hl;
	uint64_t s = 0;

	switch (ip[9]) {
	case P_TCP: off = 16; break;
	case P_UDP: off = 6; n = rd16(l4 + 4); break;
	default: off = 2; break;
	}
	wr16(l4 + off, 0);
	if (ip[9] == P_UDP && udp_none)
		return;
	if (ip[9] != P_ICMP)
		s = ref_add(0, ip + 12, 8) + ip[9] + n;
	uint16_t c = (uint16_t)~ref_fold(ref_add(s, l4, n));
	wr16(l4 + off, ip[9] == P_UDP && c == 0 ? 0xffff : c);
}

/* The MAC the gateway's ARP table has for a subnet address (host
 * order), read without touching the table. */
static const uint8_t *arp_mac(uint32_t ip)
{
	uint8_t b[4] = { (uint8_t)(ip >> 24), (uint8_t)(ip >> 16), (uint8_t)(ip >> 8), (uint8_t)ip };
	uint32_t v;

	memcpy(&v, b, 4);
	for (int i = 0; i < ARP_SIZE; i++)
		if (sw->rt.arp.e[i].state == ARP_REACHABLE && sw->rt.arp.e[i].ip == v)
			return sw->rt.arp.e[i].mac;
	return NULL;
}

/* Would route_in's arp_resolve() hand out that MAC now, or ask first? */
static bool arp_usable(uint32_t ip)
{
	uint8_t b[4] = { (uint8_t)(ip >> 24), (uint8_t)(ip >> 16), (uint8_t)(ip >> 8), (uint8_t)ip };
	uint32_t v;

	memcpy(&v, b, 4);
	for (int i = 0; i < ARP_SIZE; i++) {
		const struct arp_entry *e = &sw->rt.arp.e[i];

		if (e->state == ARP_REACHABLE && e->ip == v)
			return !(sw->now - e->confirmed >= ARP_STALE_NS && e->probe &&
				 sw->now - e->probe >= ARP_PROBE_NS);
	}
	return false;
}

/* The gateway's static routes (host order), longest prefix first. */
static const struct {
	uint32_t net;
	uint8_t plen;
	uint32_t via;
} routes[] = {
	{ 0x0a090908, 30, 0x0a0d2504 }, /* 10.9.9.8/30 via 10.13.37.4 */
	{ 0x0a090000, 16, 0x0a0d2505 }, /* 10.9.0.0/16 via 10.13.37.5 */
};

static bool route_via(uint32_t dst, uint32_t *via)
{
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (dst >> (32 - routes[i].plen) == routes[i].net >> (32 - routes[i].plen)) {
			*via = routes[i].via;
			return true;
		}
	return false;
}

/* The largest IPv4 packet the gateway routes towards dst: the uplink's
 * MTU through the NAT, the smallest port's on a static route. */
static uint32_t route_mtu(uint32_t dst)
{
	uint32_t via;

	return route_via(dst, &via) ? L2_MTU : UP_MTU;
}

/* Bytes of a and b (n each) differ only where mask says they may. */
static bool same_except(const uint8_t *a, const uint8_t *b, uint32_t n, const uint8_t *mask)
{
	for (uint32_t i = 0; i < n; i++)
		if (a[i] != b[i] && !mask[i])
			return false;
	return true;
}

static void allow(uint8_t *mask, uint32_t off, uint32_t len)
{
	memset(mask + off, 1, len);
}

/* Within one clock epoch, (proto, inside, remote) -> ext and
 * (proto, remote, ext) -> inside are functions. */
static void mapping_seen(const struct mapping *m)
{
	for (unsigned i = 0; i < nmaps; i++) {
		const struct mapping *o = &maps[i];

		if (o->proto != m->proto || o->rem_ip != m->rem_ip || o->rem_port != m->rem_port)
			continue;
		if (o->int_ip == m->int_ip && o->int_port == m->int_port)
			CHECK(o->ext == m->ext);
		if (o->ext == m->ext)
			CHECK(o->int_ip == m->int_ip && o->int_port == m->int_port);
		if (o->ext == m->ext || (o->int_ip == m->int_ip && o->int_port == m->int_port))
			return;
	}
	if (nmaps < MAXMAP)
		maps[nmaps++] = *m;
}

/* The NAT's fragments (nat_frag.h): a later fragment leaves only behind
 * its datagram's first one, seen leaving within 30 s of it (arrival
 * times), with the address that one got, and not after its datagram's
 * last fragment. The NAT may forget sooner (a full set), never later.
 * Its first one may also have been translated and then lost while held
 * for ARP, so not seen here. */
#define FNOTES 8192 /* MAX_RECS bursts of 32 */
/* A datagram the NAT is translating the fragments of: live until all
 * its payload bytes came (the last fragment gives their number, and
 * later ones may come after it), or 30 s after its first. */
struct fnote {
	uint32_t src, dst, addr, bytes, total;
	uint16_t id;
	uint8_t proto, dir;
	bool live;
	uint64_t t;
};

/* The payload bytes of the fragment whose IPv4 header is at ip. */
static uint32_t frag_len(const uint8_t *ip)
{
	return (uint32_t)rd16(ip + 2) - (uint32_t)(ip[0] & 0x0f) * 4;
}
static struct fnote fnotes[FNOTES];
static unsigned nfnotes;

static struct fnote *fnote_of(uint8_t dir, const uint8_t *oip)
{
	for (unsigned i = nfnotes; i-- > 0;) {
		struct fnote *n = &fnotes[i];

		if (n->dir == dir && n->src == rd32(oip + 12) && n->dst == rd32(oip + 16) &&
		    n->id == rd16(oip + 4) && n->proto == oip[9])
			return n;
	}
	return NULL;
}

/* len: the fragment's payload bytes, as the NAT counted them. */
static void frag_first_seen(uint8_t dir, const uint8_t *oip, uint32_t addr, uint32_t len,
			    uint64_t t)
{
	struct fnote *n = fnote_of(dir, oip);

	if (!n && nfnotes < FNOTES)
		n = &fnotes[nfnotes++];
	CHECK(n);
	*n = (struct fnote){ rd32(oip + 12), rd32(oip + 16), addr, len, 0, rd16(oip + 4),
			     oip[9], dir, true, t };
}

static void frag_later_seen(uint8_t dir, const uint8_t *oip, uint32_t addr, uint32_t len,
			    uint64_t t)
{
	struct fnote *n = fnote_of(dir, oip);

	if (!n) {
		CHECK(sw->rt.st.arp_overflow + sw->rt.st.arp_timeout > 0);
		return;
	}
	CHECK(n->live && t - n->t < 30 * SEC && n->addr == addr);
	n->bytes += len;
	if (!(rd16(oip + 6) & 0x2000))
		n->total = (uint32_t)(rd16(oip + 6) & 0x1fff) * 8 + len;
	if (n->total && n->bytes >= n->total)
		n->live = false;
}

/* Only the address (at off), TTL and the IPv4 checksum change in a later
 * fragment: its L4 header, if any, was in the first. */
static bool later_frag_ok(const uint8_t *o, const uint8_t *f, uint32_t len, unsigned off)
{
	static uint8_t mask[FRAME_SIZE];

	memset(mask, 0, len);
	allow(mask, 14 + 8, 1);
	allow(mask, 14 + 10, 2);
	allow(mask, 14 + off, 4);
	return same_except(f + 12, o + 12, len - 12, mask + 12);
}

/* --- what leaves the switch ----------------------------------------- */

/* A routed frame leaves without what followed its IPv4 packet (route.c
 * trims it, as the kernel's router does). */
static uint32_t routed_len(const struct meta *m)
{
	uint32_t tot = m->len >= 34 ? rd16(m->done + 16) : 0;

	return tot >= 20 && tot < m->len - 14 ? tot + 14 : m->len;
}

static void check_routed_out(const struct meta *m, const uint8_t *f, uint32_t len)
{
	static uint8_t mask[FRAME_SIZE];
	const uint8_t *o = m->done, *oip = o + 14, *ip = f + 14;
	uint32_t hl = (oip[0] & 15) * 4u, tot = rd16(oip + 2);
	/* The next hop: the destination itself on the uplink's subnet. */
	const uint8_t *hop = rd32(oip + 16) >> 8 == rd32(EXT4) >> 8 ? oip + 16 : UP_GW4;
	uint8_t mac[6];

	CHECK(m->in_port < NL2 && len == routed_len(m) && len - 14 <= UP_MTU);
	uint32_t via;

	CHECK(!memcmp(o, GW_MAC, 6) && rd16(o + 12) == 0x0800 && !inside(rd32(oip + 16)) &&
	      rd32(oip + 16) != rd32(EXT4) &&
	      !martian(oip));
	CHECK(!route_via(rd32(oip + 16), &via)); /* static routes come first */
	harness_neigh_mac(hop, mac);
	CHECK(!memcmp(f, mac, 6) && !memcmp(f + 6, UP_MAC, 6) && rd16(f + 12) == 0x0800);
	CHECK(inside(rd32(oip + 12)) && !memcmp(ip + 12, EXT4, 4));
	CHECK(oip[8] > 1 && ip[8] == oip[8] - 1);
	CHECK(ip_ok(oip) && ip_ok(ip));
	if (rd16(oip + 6) & 0x1fff) {
		CHECK(later_frag_ok(o, f, len, 12));
		frag_later_seen(0, oip, rd32(ip + 12), frag_len(oip), m->t);
		routed_out++;
		return;
	}
	if (rd16(oip + 6) & 0x2000)
		frag_first_seen(0, oip, rd32(ip + 12), frag_len(oip), m->t);

	/* nat.c translates TCP, UDP and echo requests; an ICMP error from
	 * inside would need its quote translated too (RFC 5508), so one
	 * that leaves would carry a namespace's address out. */
	uint32_t pf, cf;
	switch (oip[9]) {
	case P_TCP: pf = 0, cf = 16; break;
	case P_UDP: pf = 0, cf = 6; break;
	case P_ICMP: CHECK(oip[hl] == 8); pf = 4, cf = 2; break;
	default: CHECK(0 && "routed out: not TCP, UDP or ICMP"); return;
	}
	const uint8_t *l4 = ip + hl, *ol4 = oip + hl;
	uint16_t ext = rd16(l4 + pf);
	CHECK(ext >= PORT_MIN && ext <= PORT_MAX);
	memset(mask, 0, len);
	allow(mask, 14 + 8, 1); /* TTL */
	allow(mask, 14 + 10, 2);
	allow(mask, 14 + 12, 4);
	allow(mask, 14 + hl + pf, 2);
	allow(mask, 14 + hl + cf, 2);
	CHECK(same_except(f + 12, o + 12, len - 12, mask + 12));
	CHECK(l4_ok(ip, len - 14) == l4_ok(oip, len - 14));
	if (oip[9] == P_UDP && rd16(ol4 + 6) == 0)
		CHECK(rd16(l4 + 6) == 0);

	struct mapping mp = {
		.proto = oip[9],
		.int_ip = rd32(oip + 12),
		.rem_ip = rd32(oip + 16),
		.int_port = rd16(ol4 + pf),
		.rem_port = oip[9] == P_ICMP ? 0 : rd16(ol4 + 2),
		.ext = ext,
	};
	/* A frame held for ARP may leave after the clock moved: its
	 * mapping is that of the epoch it was translated in. */
	if (m->epoch == epoch)
		mapping_seen(&mp);
	lout.valid = true;
	lout.last = m->t;
	lout.outs = nat_stats(sw->nat)->out_packets;
	lout.m = mp;
	lout.len = tot;
	memcpy(lout.ip, ip, tot);
	routed_out++;
}

/* An ICMP error from outside, translated back: the outer destination
 * and the quote's source are the namespace's again. */
static void check_error_in(const struct meta *m, const uint8_t *oip, const uint8_t *ip,
			   uint8_t *mask)
{
	uint32_t hl = (oip[0] & 15) * 4u, tot = rd16(oip + 2);
	const uint8_t *oq = oip + hl + 8, *q = ip + hl + 8;
	uint32_t qavail = tot - hl - 8, qhl = (oq[0] & 15) * 4u, pf, cf;

	CHECK(qavail >= 20 && qhl >= 20 && qavail >= qhl + 8);
	CHECK(!memcmp(oq + 12, EXT4, 4) && !memcmp(q + 12, ip + 16, 4));
	CHECK((ref_fold(ref_add(0, ip + hl, tot - hl)) == 0xffff) ==
	      (ref_fold(ref_add(0, oip + hl, tot - hl)) == 0xffff));
	CHECK(ip_ok(q) == ip_ok(oq));
	switch (oq[9]) {
	case P_TCP: pf = 0, cf = 16; break;
	case P_UDP: pf = 0, cf = 6; break;
	case P_ICMP: CHECK(oq[qhl] == 8); pf = 4, cf = 2; break;
	default: CHECK(0 && "error quoting neither TCP, UDP nor ICMP"); return;
	}
	allow(mask, 14 + hl + 2, 2); /* ICMP checksum */
	allow(mask, 14 + hl + 8 + 10, 2);
	allow(mask, 14 + hl + 8 + 12, 4);
	allow(mask, 14 + hl + 8 + qhl + pf, 2);
	if (qavail >= qhl + cf + 2)
		allow(mask, 14 + hl + 8 + qhl + cf, 2);
	/* A quote that holds the whole packet: its L4 checksum still
	 * verifies exactly when it did. */
	if (rd16(oq + 2) <= qavail)
		CHECK(l4_ok(q, qavail) == l4_ok(oq, qavail));
	if (oq[9] == P_UDP && rd16(oq + qhl + 6) == 0)
		CHECK(rd16(q + qhl + 6) == 0);

	struct mapping mp = {
		.proto = oq[9],
		.int_ip = rd32(q + 12),
		.rem_ip = rd32(oq + 16),
		.int_port = rd16(q + qhl + pf),
		.rem_port = oq[9] == P_ICMP ? 0 : rd16(oq + qhl + 2),
		.ext = rd16(oq + qhl + pf),
	};
	CHECK(inside(mp.int_ip));
	if (m->epoch == epoch)
		mapping_seen(&mp);
}

static void check_routed_in(const struct meta *m, const uint8_t *f, uint32_t len, uint16_t out)
{
	static uint8_t mask[FRAME_SIZE];
	const uint8_t *o = m->done, *oip = o + 14, *ip = f + 14, *hm;
	uint32_t hl = (oip[0] & 15) * 4u;

	CHECK(len == routed_len(m) && rd16(o + 12) == 0x0800 && rd16(f + 12) == 0x0800);
	CHECK(len - 14 <= PORT_MTU[out]);
	CHECK(!memcmp(oip + 16, EXT4, 4) && inside(rd32(ip + 16)) && one_host4(rd32(oip + 12)) &&
	      rd32(oip + 12) != rd32(GW4));
	hm = arp_mac(rd32(ip + 16));
	CHECK(hm && !memcmp(f, hm, 6) && !memcmp(f + 6, GW_MAC, 6));
	CHECK(oip[8] > 1 && ip[8] == oip[8] - 1);
	CHECK(ip_ok(oip) && ip_ok(ip));
	if (rd16(oip + 6) & 0x1fff) {
		CHECK(later_frag_ok(o, f, len, 16));
		frag_later_seen(1, oip, rd32(ip + 16), frag_len(oip), m->t);
		routed_in++;
		return;
	}
	if (rd16(oip + 6) & 0x2000) {
		/* Errors are never fragmented (nat.c refuses them). */
		CHECK(oip[9] != P_ICMP || oip[hl] == 0);
		frag_first_seen(1, oip, rd32(ip + 16), frag_len(oip), m->t);
	}
	memset(mask, 0, len);
	allow(mask, 14 + 8, 1);
	allow(mask, 14 + 10, 2);
	allow(mask, 14 + 16, 4);
	if (oip[9] == P_ICMP && oip[hl] != 0) {
		CHECK(oip[hl] == 3 || oip[hl] == 11 || oip[hl] == 12);
		check_error_in(m, oip, ip, mask);
	} else {
		uint32_t pf = oip[9] == P_ICMP ? 4 : 2, cf;

		switch (oip[9]) {
		case P_TCP: cf = 16; break;
		case P_UDP: cf = 6; break;
		case P_ICMP: cf = 2; break;
		default: CHECK(0 && "routed in: not TCP, UDP or ICMP"); return;
		}
		allow(mask, 14 + hl + pf, 2);
		allow(mask, 14 + hl + cf, 2);
		CHECK(l4_ok(ip, len - 14) == l4_ok(oip, len - 14));
		if (oip[9] == P_UDP && rd16(oip + hl + 6) == 0)
			CHECK(rd16(ip + hl + 6) == 0);
		struct mapping mp = {
			.proto = oip[9],
			.int_ip = rd32(ip + 16),
			.rem_ip = rd32(oip + 12),
			.int_port = rd16(ip + hl + pf),
			.rem_port = oip[9] == P_ICMP ? 0 : rd16(oip + hl),
			.ext = rd16(oip + hl + pf),
		};
		if (m->epoch == epoch)
			mapping_seen(&mp);
	}
	CHECK(same_except(f + 12, o + 12, len - 12, mask + 12));
	lin.valid = true;
	lin.len = len;
	memcpy(lin.f, f, len);
	routed_in++;
}

/* The MTU of the port of the host an inbound packet (oip, as it came)
 * is for, as the switch knows it now: its port's when the NAT's mapping
 * was seen since the clock last moved and the host's MAC and port are
 * known, the smallest port's when they are not; 0 when the mapping is
 * not known here (a later fragment, an older connection). */
static uint32_t in_port_mtu(const uint8_t *oip)
{
	uint32_t hl = (oip[0] & 15) * 4u;
	const uint8_t *l4 = oip + hl, *mac;
	uint16_t port;

	if (rd16(oip + 6) & 0x1fff)
		return 0;
	for (unsigned i = 0; i < nmaps; i++) {
		const struct mapping *mp = &maps[i];
		bool icmp = oip[9] == P_ICMP;

		if (mp->proto != oip[9] || mp->rem_ip != rd32(oip + 12) ||
		    mp->ext != rd16(l4 + (icmp ? 4 : 2)) || (!icmp && mp->rem_port != rd16(l4)))
			continue;
		mac = arp_usable(mp->int_ip) ? arp_mac(mp->int_ip) : NULL;
		port = mac ? fdb_lookup(sw->fdb, mac, sw->now) : FDB_PORT_NONE;
		return port < NL2 ? PORT_MTU[port] : L2_MTU;
	}
	return 0;
}

/* An ICMP error from the gateway, back to the sender: time exceeded
 * (TTL 1), or fragmentation needed (larger than the route's MTU, DF).
 * From the uplink's address back to the outside: time exceeded (TTL 1),
 * or fragmentation needed (larger than the port of the host it is for,
 * or when that is not known, than the smallest port), quoting the
 * packet as it came. */
static void check_icmp_error(const struct meta *m, const uint8_t *f, uint32_t len)
{
	const uint8_t *o = m->done, *oip = o + 14, *ip = f + 14, *icmp = ip + 20;
	uint32_t quote = (oip[0] & 15) * 4u + 8, l4 = 14 + (oip[0] & 15) * 4u;
	bool in = m->in_port == UPLINK;

	if (quote > routed_len(m) - 14)
		quote = routed_len(m) - 14;
	CHECK(rd16(o + 12) == 0x0800 && (in || !memcmp(o, GW_MAC, 6)) && ip_ok(oip));
	CHECK(!memcmp(f + 6, in ? UP_MAC : GW_MAC, 6));
	if (in && icmp[0] == 11) {
		CHECK(oip[8] <= 1 && icmp[1] == 0);
	} else if (in) {
		uint16_t mtu = rd16(icmp + 6);

		CHECK(icmp[0] == 3 && icmp[1] == 4 && oip[8] > 1 && (oip[6] & 0x40));
		CHECK((mtu == L2_MTU || mtu == PORT_MTU[2]) && routed_len(m) - 14 > mtu);
		CHECK(mtu == in_port_mtu(oip) || in_port_mtu(oip) == 0);
	} else if (icmp[0] == 3) {
		uint32_t mtu = route_mtu(rd32(oip + 16));

		CHECK(!martian(oip));

		CHECK(oip[8] > 1 && (oip[6] & 0x40) && routed_len(m) - 14 > mtu);
		CHECK(icmp[1] == 4 && rd16(icmp + 6) == mtu);
	} else {
		CHECK(oip[8] <= 1 && icmp[0] == 11 && icmp[1] == 0 && !martian(oip));
	}
	/* RFC 1812 4.3.2.7: never about an ICMP error (a first fragment
	 * says its type too), a fragment other than the first, or a group
	 * source. */
	CHECK(!(rd16(oip + 6) & 0x1fff) && oip[12] < 0xe0 && oip[12] != 0 && oip[12] != 127 &&
	      oip[16] < 0xe0);
	CHECK(oip[9] != P_ICMP || l4 >= m->len ||
	      (o[l4] != 3 && o[l4] != 4 && o[l4] != 5 && o[l4] != 11 && o[l4] != 12));
	CHECK(len == 14 + 28 + quote);
	CHECK(!memcmp(f, o + 6, 6));
	CHECK(ip[0] == 0x45 && rd16(ip + 2) == 28 + quote && ip[9] == P_ICMP);
	CHECK(!memcmp(ip + 12, in ? EXT4 : GW4, 4) && !memcmp(ip + 16, oip + 12, 4) && ip_ok(ip));
	CHECK(ref_fold(ref_add(0, icmp, 8 + quote)) == 0xffff);
	CHECK(!memcmp(icmp + 8, oip, quote));
}

/* Routed on the subnet by a static route: to the route's next hop, as
 * the ARP table has it, TTL one less, not translated. */
static void check_routed_via(const struct meta *m, const uint8_t *f, uint32_t len)
{
	static uint8_t mask[FRAME_SIZE];
	const uint8_t *oip = m->done + 14, *ip = f + 14, *mac;
	uint32_t via;

	CHECK(len == routed_len(m) && route_via(rd32(oip + 16), &via) && len - 14 <= L2_MTU &&
	      !martian(oip));
	mac = arp_mac(via);
	CHECK(mac && !memcmp(f, mac, 6) && !memcmp(f + 6, GW_MAC, 6));
	CHECK(oip[8] > 1 && ip[8] == oip[8] - 1 && ip_ok(oip) && ip_ok(ip));
	memset(mask, 0, len);
	allow(mask, 14 + 8, 1);
	allow(mask, 14 + 10, 2);
	CHECK(same_except(f + 12, m->done + 12, len - 12, mask + 12));
}

/* What the gateway sends back to the port a frame came from. */
static void check_from_gw(const struct meta *m, const uint8_t *f, uint32_t len)
{
	uint8_t copy[FRAME_SIZE];
	struct pkt p;

	CHECK(!memcmp(f + 6, GW_MAC, 6));
	/* No IPv4 header that fails its checksum is answered. */
	CHECK(rd16(m->done + 12) != 0x0800 || m->len < 34 || ip_ok(m->done + 14));
	memcpy(copy, f, len);
	CHECK(pkt_parse(copy, len, &p) == PKT_OK);
	if (p.ethertype == 0x0800 && p.l3_off == 14 && p.l4_off && p.l4_proto == P_ICMP &&
	    (f[p.l4_off] == 11 || f[p.l4_off] == 3)) {
		check_icmp_error(m, f, len);
		return;
	}
	/* An ARP reply, echo reply, NA or echo6 reply: fuzz_frame checks
	 * their content; here only that they answer the sender (an NA to
	 * a DAD probe goes to all nodes). */
	if (p.ethertype != 0x86dd)
		CHECK(!memcmp(f, m->done + 6, 6));
}

/* The gateway cuts a packet larger than its route's MTU, sent without
 * DF, into pieces from its pool (route_frag.c): each piece must be a
 * stretch of a packet a namespace sent it (the last CUTS such frames,
 * as the switch saw them), TTL one less, within the route's MTU, DF
 * clear; out of the uplink from its address (and in the first piece
 * the NAT's port), or to a static route's next hop untranslated. */
#define CUTS RT_HELD /* a piece may wait for ARP behind as many others */
static struct { uint8_t f[FRAME_SIZE]; uint32_t len; bool in; unsigned rec; } cuts[CUTS];
static unsigned ncuts, nrec; /* nrec: the record being run */

/* in: from the uplink, for a namespace: cut after its translation when
 * larger than the port of the host it is for (the smallest port's MTU
 * is the least that can be). */
static void cut_candidate(const uint8_t *f, uint32_t len, bool in)
{
	if (len >= 34 && (in || (!memcmp(f, GW_MAC, 6) && !martian(f + 14))) && rd16(f + 12) == 0x0800 &&
	    ip_ok(f + 14) &&
	    !(f[20] & 0x40) && rd16(f + 16) > (in ? L2_MTU : route_mtu(rd32(f + 30))) &&
	    rd16(f + 16) <= len - 14) {
		memcpy(cuts[ncuts % CUTS].f, f, len);
		cuts[ncuts % CUTS].len = len;
		cuts[ncuts % CUTS].in = in;
		cuts[ncuts % CUTS].rec = nrec;
		ncuts++;
	}
}

/* How a piece may differ from what it was cut from: not at all but for
 * TTL (by a static route), in its source and first L4 bytes (out through
 * the NAT), or in its destination and first L4 bytes (in through it;
 * an ICMP error in the packet it quotes too). */
enum cut_way { CUT_VIA, CUT_UP, CUT_IN };

static bool piece_of(const uint8_t *ip, const uint8_t *cip, uint32_t clen, enum cut_way way)
{
	uint32_t hl = (ip[0] & 15) * 4u, chl = (cip[0] & 15) * 4u, ctot = rd16(cip + 2);
	uint32_t take = rd16(ip + 2) - hl, off = (rd16(ip + 6) & 0x1fff) * 8u;
	uint32_t off0 = (rd16(cip + 6) & 0x1fff) * 8u, rel;
	bool mf = rd16(ip + 6) & 0x2000;

	if (chl != hl || ctot > clen - 14 || ctot < chl || cip[9] != ip[9] ||
	    rd16(cip + 4) != rd16(ip + 4) || cip[8] != ip[8] + 1 ||
	    (way != CUT_IN && memcmp(cip + 16, ip + 16, 4)) ||
	    (way != CUT_UP && memcmp(cip + 12, ip + 12, 4)) || off < off0)
		return false;
	rel = off - off0;
	if (rel + take > ctot - chl)
		return false;
	/* Every piece but the last: more to come, a multiple of 8 bytes;
	 * the last: "more" as the packet had it. */
	if (rel + take < ctot - chl ? !mf || take % 8 : mf != !!(rd16(cip + 6) & 0x2000))
		return false;
	/* Options are the unit test's (test_route_frag). */
	if (rel == 0 && memcmp(ip + 20, cip + 20, hl - 20))
		return false;
	for (uint32_t i = 0; i < take; i++) {
		/* The first piece's ports, id and L4 checksum are the NAT's. */
		uint32_t l4 = way == CUT_IN && cip[9] == P_ICMP && chl < ctot && cip[chl] != 0 ? 76 : 8;
		bool nat = way != CUT_VIA && off0 == 0 && rel == 0 && (i < l4 || i == 16 || i == 17);

		if (ip[hl + i] != cip[chl + rel + i] && !nat)
			return false;
	}
	return true;
}

/* Is ip, leaving by out, a piece of cut candidate k? */
static bool piece_of_cut(const uint8_t *ip, unsigned k, uint16_t out)
{
	if (cuts[k].in)
		return out != UPLINK && piece_of(ip, cuts[k].f + 14, cuts[k].len, CUT_IN);
	return piece_of(ip, cuts[k].f + 14, cuts[k].len, out == UPLINK ? CUT_UP : CUT_VIA);
}

/* Is ip (a frame of len bytes) a piece of one of the cut candidates? */
static bool cut_of(const uint8_t *ip, uint32_t len, uint16_t out)
{
	uint32_t hl = (ip[0] & 15) * 4u;

	if (hl < 20 || rd16(ip + 2) != len - 14 || !(rd16(ip + 6) & 0x3fff))
		return false;
	for (unsigned i = 0; i < CUTS && i < ncuts; i++)
		if (piece_of_cut(ip, (ncuts - 1 - i) % CUTS, out))
			return true;
	return false;
}

static void check_gw_piece(const uint8_t *f, uint32_t len, uint16_t out)
{
	const uint8_t *ip = f + 14, *mac;
	uint32_t hl = (ip[0] & 15) * 4u, via;
	bool up = out == UPLINK;

	CHECK(len >= 34 && rd16(f + 12) == 0x0800 && hl >= 20 && rd16(ip + 2) == len - 14);
	CHECK(ip_ok(ip) && !(ip[6] & 0x40) && (rd16(ip + 6) & 0x3fff));
	if (up) {
		CHECK(len - 14 <= UP_MTU && !memcmp(ip + 12, EXT4, 4) && !memcmp(f + 6, UP_MAC, 6));
		if (!(rd16(ip + 6) & 0x1fff) && ip[9] != P_ICMP) {
			uint16_t ext = rd16(ip + hl);
			CHECK(ext >= PORT_MIN && ext <= PORT_MAX);
		}
	} else if (inside(rd32(ip + 16))) {
		/* In from the uplink, to the host's MAC. */
		CHECK(out < NL2 && len - 14 <= PORT_MTU[out]);
		mac = arp_mac(rd32(ip + 16));
		CHECK(mac && !memcmp(f, mac, 6) && !memcmp(f + 6, GW_MAC, 6));
	} else {
		CHECK(out < NL2 && len - 14 <= L2_MTU && route_via(rd32(ip + 16), &via));
		mac = arp_mac(via);
		CHECK(mac && !memcmp(f, mac, 6) && !memcmp(f + 6, GW_MAC, 6));
	}
	for (unsigned i = 0; i < CUTS && i < ncuts; i++) {
		unsigned k = (ncuts - 1 - i) % CUTS;
		const uint8_t *cip = cuts[k].f + 14;
		uint8_t key[20];

		if (!piece_of_cut(ip, k, out))
			continue;
		/* Cut in the record it came in, to its host's port, which
		 * the switch knew: larger than that port takes. */
		if (cuts[k].in && cuts[k].rec == nrec && fdb_lookup(sw->fdb, f, sw->now) == out)
			CHECK(rd16(cip + 2) > PORT_MTU[out]);
		/* In: the NAT saw the packet before it was cut, so a
		 * fragment's note is made, once, by its first piece. */
		if (cuts[k].in && (rd16(ip + 6) & 0x1fff) == (rd16(cip + 6) & 0x1fff) &&
		    (rd16(cip + 6) & 0x3fff)) {
			if (rd16(cip + 6) & 0x1fff)
				frag_later_seen(1, cip, rd32(ip + 16), frag_len(cip), sw->now);
			else
				frag_first_seen(1, cip, rd32(ip + 16), frag_len(cip), sw->now);
		}
		/* Through the NAT a piece is a fragment like any: the
		 * packet's own header, with the piece's offset and MF. */
		if (up) {
			memcpy(key, cuts[k].f + 14, 20);
			memcpy(key + 6, ip + 6, 2);
			if (rd16(ip + 6) & 0x1fff)
				frag_later_seen(0, key, rd32(ip + 12), frag_len(ip), sw->now);
			else
				frag_first_seen(0, key, rd32(ip + 12), frag_len(ip), sw->now);
		}
		return;
	}
	CHECK(0 && "a piece of no packet the switch was sent");
}

/* The gateway's answer to a ping of it larger than a frame (gw_big.c,
 * from fragments it put together): back out of an L2 port, from the
 * gateway to one host, an echo reply or a piece of one, within a
 * buffer's MTU. */
static void check_gw_echo(const uint8_t *f, uint32_t len, uint16_t out)
{
	const uint8_t *ip = f + 14;
	uint32_t hl = (ip[0] & 15) * 4u;

	CHECK(out < NL2 && !memcmp(f + 6, GW_MAC, 6) && !(f[0] & 1));
	CHECK(hl >= 20 && rd16(ip + 2) == len - 14 && len - 14 <= L2_MTU && ip_ok(ip));
	CHECK(ip[9] == P_ICMP && ip[8] == 64 && !(ip[6] & 0x40) && ip[16] < 0xe0 && ip[16] != 0 &&
	      ip[16] != 127);
	if (!(rd16(ip + 6) & 0x1fff))
		CHECK(len - 14 >= hl + 8 && ip[hl] == 0);
}

/* The gateway's ARP request for a namespace address it has no MAC for. */
static void check_arp_for_host(const uint8_t *f, uint32_t len, uint16_t out)
{
	CHECK(out < NL2 && len == 42);
	CHECK(!memcmp(f, "\xff\xff\xff\xff\xff\xff", 6) && !memcmp(f + 6, GW_MAC, 6));
	CHECK(rd16(f + 12) == 0x0806 && rd16(f + 20) == 1);
	CHECK(!memcmp(f + 22, GW_MAC, 6) && !memcmp(f + 28, GW4, 4) && inside(rd32(f + 38)));
	arp_asked = rd32(f + 38);
}

static void check_tx(uint16_t out, uint64_t addr, uint32_t len)
{
	uint64_t chunk = umem_chunk(addr);
	uint32_t ci = (uint32_t)(chunk / FRAME_SIZE);
	const uint8_t *f = area + addr;
	const struct meta *m = &meta[ci];

	CHECK(chunk < (uint64_t)NFRAMES * FRAME_SIZE);
	CHECK(addr - chunk + len <= FRAME_SIZE && len >= 14);
	CHECK(sw->umem.refs[ci] >= 1);
	tx_count[out]++;
	/* A buffer the switch dropped and took again for an ARP request in
	 * the same record still has its old meta: the address tells. */
	if (!m->valid || m->addr != addr) {
		/* A namespace may send from the gateway's address too: a
		 * piece of what it sent first, else the gateway's answer. */
		if (len >= 34 && rd16(f + 12) == 0x0800 && !memcmp(f + 26, GW4, 4) &&
		    !cut_of(f + 14, len, out))
			check_gw_echo(f, len, out);
		else if (len >= 14 && rd16(f + 12) == 0x0800)
			check_gw_piece(f, len, out);
		else
			check_arp_for_host(f, len, out);
	} else if (m->in_port == UPLINK) {
		if (out == UPLINK)
			check_icmp_error(m, f, len);
		else
			check_routed_in(m, f, len, out);
	} else if (out == UPLINK) {
		check_routed_out(m, f, len);
	} else if (!memcmp(m->done, GW_MAC, 6) && m->len >= 34 &&
		   rd16(m->done + 12) == 0x0800 && !inside(rd32(m->done + 14 + 16)) &&
		   rd32(m->done + 14 + 16) != rd32(EXT4) &&
		   m->done[14 + 8] > 1 && routed_len(m) - 14 <= route_mtu(rd32(m->done + 14 + 16))) {
		/* Untagged IPv4 for the gateway's MAC, off the subnet and
		 * not the uplink's address (answered, below), TTL left:
		 * routed, possibly back out of the port it came from. */
		check_routed_via(m, f, len);
	} else if (out == m->in_port) { /* never switched back: answered */
		check_from_gw(m, f, len);
	} else { /* switched: as received, checksum completed */
		CHECK(memcmp(m->done, GW_MAC, 6) && len == m->len && !memcmp(f, m->done, len));
	}
}

/* --- the socket end, stubbed (tests/switch_harness.c: the rest) ----- */

void port_tx_flush(struct port *p, struct umem *u)
{
	for (uint32_t i = 0; i < p->ntxq; i++) {
		uint64_t a = p->txq[i].addr;

		check_tx(p->idx, a, p->txq[i].len);
		frame_put(u, a);
		if (!u->refs[umem_chunk(a) / FRAME_SIZE])
			meta[umem_chunk(a) / FRAME_SIZE].valid = false;
	}
	p->ntxq = 0;
}

/* --- the switch ------------------------------------------------------ */

static void sw_new(void)
{
	static const struct nat_cfg nc = {
		.ext_ip = { 203, 0, 113, 1 },
		.int_net = { 10, 13, 37, 0 },
		.int_plen = 24,
		.port_min = PORT_MIN,
		.port_max = PORT_MAX,
		.max_entries = NAT_MAX,
		.timeout_udp_ns = 2 * SEC,
		.timeout_icmp_ns = 1 * SEC,
		.timeout_tcp_est_ns = 60 * SEC, /* outlives a stale ARP entry (30 s) */
		.timeout_tcp_trans_ns = 4 * SEC,
		.timeout_tcp_rst_ns = 1 * SEC,
	};
	static const struct harness_cfg hc = {
		.nat = &nc, .nframes = NFRAMES, .nl2 = NL2, .up_mtu = UP_MTU, .l2_mtu = L2_MTU,
		.port_mtu = PORT_MTU,
	};

	fixed_random_on();
	sw = harness_sw_new(&hc);
	fixed_random_off();
	area = sw->umem.area;
	sw->cfg.gw.has_v6 = 1;
	memcpy(sw->cfg.gw.v6, GW6, 16);
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		struct rt_route *r = &sw->cfg.routes[sw->cfg.nroutes++];
		uint32_t mask = ~0u << (32 - routes[i].plen);

		r->net = htonl(routes[i].net & mask);
		r->mask = htonl(mask);
		r->via = htonl(routes[i].via);
		r->plen = routes[i].plen;
	}
	for (uint32_t i = 0; i < NFRAMES; i++)
		meta[i].valid = false;
	sw->rt.full_logged = sw->now; /* "NAT table full" once a minute, not per input */
	epoch = 0;
	last_age = sw->now;
	nmaps = 0;
	lout.valid = lin.valid = last_l2.valid = false;
	nfnotes = ncuts = 0;
	arp_asked = 0;
	memset(tx_count, 0, sizeof(tx_count));
	routed_in = routed_out = 0;
}

static void sw_free(void)
{
	harness_sw_free(sw);
	sw = NULL;
}

static int nat_entry_cb(const struct nat_entry_view *e, void *arg)
{
	struct mapping *seen = arg;
	unsigned *n = (unsigned *)(seen + NAT_MAX);

	CHECK(e->ext_port >= PORT_MIN && e->ext_port <= PORT_MAX);
	CHECK(inside(rd32(e->int_ip)) && *n < NAT_MAX);
	for (unsigned i = 0; i < *n; i++)
		CHECK(!(seen[i].proto == e->proto && seen[i].rem_ip == rd32(e->rem_ip) &&
			seen[i].rem_port == e->rem_port && seen[i].ext == e->ext_port));
	seen[(*n)++] = (struct mapping){ .proto = e->proto, .rem_ip = rd32(e->rem_ip),
					  .rem_port = e->rem_port, .ext = e->ext_port };
	return 0;
}

/* After every record: whatever was staged is sent, and then every
 * buffer is either free or held for ARP, once. */
static void settle(void)
{
	struct {
		struct mapping m[NAT_MAX];
		unsigned n;
	} ents = { .n = 0 };

	route_tick(sw);
	harness_flush(sw);
	CHECK_WHY(harness_buffers_wrong(sw));
	for (uint32_t i = 0; i < sw->umem.nfree; i++)
		meta[sw->umem.free[i] / FRAME_SIZE].valid = false;
	for (int i = 0; i < sw->rt.nheld; i++) {
		uint64_t a = sw->rt.held[i].addr;

		/* Received, or a piece the gateway cut (check_gw_piece). */
		CHECK(meta[umem_chunk(a) / FRAME_SIZE].valid ||
		      (a % FRAME_SIZE == 0 && rd16(area + a + 12) == 0x0800 && (rd16(area + a + 20) & 0x3fff)));
	}
	CHECK(nat_stats(sw->nat)->entries <= NAT_MAX);
	CHECK(fdb_stats(sw->fdb)->entries <= 64);
	/* The gateway's own MAC is no next hop's: answers sent there would
	 * go nowhere. */
	for (int i = 0; i < ARP_SIZE; i++)
		CHECK(memcmp(sw->rt.arp.e[i].mac, sw->cfg.gw.mac, 6));
	nat_foreach(sw->nat, sw->now, nat_entry_cb, &ents);
}

/* Receive one frame on a port, as port_rx() would. */
static bool inject(uint16_t port, const uint8_t *f, uint32_t len, bool tight)
{
	uint64_t chunk, addr;
	uint32_t ci, off;
	struct meta *m;
	struct pkt p;

	if (!sw->umem.nfree)
		return false; /* every buffer held: the kernel would drop it */
	if (len > FRAME_SIZE - HEADROOM)
		len = FRAME_SIZE - HEADROOM;
	chunk = sw->umem.free[--sw->umem.nfree];
	ci = (uint32_t)(chunk / FRAME_SIZE);
	sw->umem.refs[ci] = 1;
	/* An address inside the chunk even for an empty frame. */
	off = tight ? FRAME_SIZE - len - (len % 7) : HEADROOM;
	if (off > FRAME_SIZE - (len ? len : 1))
		off = FRAME_SIZE - (len ? len : 1);
	addr = chunk + off;
	memcpy(area + addr, f, len);
	m = &meta[ci];
	m->valid = true;
	m->in_port = (uint8_t)port;
	m->len = len;
	m->epoch = epoch;
	m->t = sw->now;
	m->addr = addr;
	memcpy(m->done, f, len);
	if (pkt_parse(m->done, len, &p) == PKT_OK && p.l4_off)
		pkt_csum_complete(&p);
	if (port == UPLINK) {
		cut_candidate(m->done, len, true);
		route_in(sw, addr, len);
	} else {
		cut_candidate(m->done, len, false);
		switch_frame(sw, &sw->ports[port], addr, len);
	}
	return true;
}

/* --- records --------------------------------------------------------- */

/* Idle past its timeout (TCP: the longest, its state aside), and no
 * connection made since that could have taken its place: gone, whether
 * nat_expire() has swept it yet or not. */
static bool lout_gone(void)
{
	uint64_t tmo = lout.m.proto == P_ICMP ? SEC : lout.m.proto == P_UDP ? 2 * SEC : NAT_MAX_TIMEOUT;

	return sw->now - lout.last > tmo && nat_stats(sw->nat)->out_packets == lout.outs;
}

static void answer(uint8_t flags)
{
	uint8_t f[128] = { 0 }, *ip = f + 14, *l4 = ip + 20;
	uint64_t in0 = nat_stats(sw->nat)->in_packets;
	unsigned r0 = routed_in;
	uint32_t l4len;
	bool expect, deliver, gone;

	if (!lout.valid)
		return;
	memcpy(f, UP_MAC, 6);
	harness_neigh_mac(UP_GW4, f + 6);
	wr16(f + 12, 0x0800);
	ip[0] = 0x45;
	wr16(ip + 4, 0x4321);
	wr16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = lout.m.proto;
	memcpy(ip + 12, lout.ip + 16, 4);
	memcpy(ip + 16, EXT4, 4);
	switch (lout.m.proto) {
	case P_TCP:
		wr16(l4, lout.m.rem_port);
		wr16(l4 + 2, lout.m.ext);
		wr16(l4 + 4, 0x1234);
		wr16(l4 + 8, 0x5678);
		l4[12] = 0x50;
		l4[13] = flags;
		wr16(l4 + 14, 8192);
		l4len = 24;
		break;
	case P_UDP:
		wr16(l4, lout.m.rem_port);
		wr16(l4 + 2, lout.m.ext);
		wr16(l4 + 4, 12);
		l4len = 12;
		break;
	default:
		l4[0] = 0; /* echo reply */
		wr16(l4 + 4, lout.m.ext);
		wr16(l4 + 6, 1);
		l4len = 12;
		break;
	}
	memcpy(l4 + l4len - 4, "pong", 4);
	wr16(ip + 2, (uint16_t)(20 + l4len));
	set_ip_csum(ip);
	set_l4_csum(ip, flags & 1);
	/* Every state's timeout is 1 s or more, every packet either way
	 * refreshes the connection, and nothing live is ever evicted: the
	 * answer must get in, and at once if the namespace's MAC is known
	 * and nothing waits for it. */
	expect = sw->now - lout.last <= NAT_MIN_TIMEOUT && sw->umem.nfree;
	deliver = expect && arp_usable(lout.m.int_ip) && !sw->rt.nheld;
	gone = lout_gone();
	inject(UPLINK, f, 14 + 20 + l4len, flags & 0x80);
	if (expect)
		CHECK(nat_stats(sw->nat)->in_packets == in0 + 1);
	if (gone)
		CHECK(nat_stats(sw->nat)->in_packets == in0);
	if (nat_stats(sw->nat)->in_packets > in0)
		lout.last = sw->now;
	settle();
	if (deliver)
		CHECK(routed_in > r0);
}

static void icmp_error(uint8_t kind, uint8_t qsel)
{
	static const uint8_t types[3] = { 3, 11, 12 };
	uint8_t f[FRAME_SIZE] = { 0 }, *ip = f + 14, *icmp = ip + 20;
	const uint8_t *q;
	uint32_t qlen, qhl, avail;
	bool from_inside = kind & 0x80, expect, deliver, gone;
	uint64_t e0 = nat_stats(sw->nat)->icmp_errors_in;
	unsigned up0 = tx_count[UPLINK], r0 = routed_in;

	if (from_inside ? !lin.valid : !lout.valid)
		return;
	q = from_inside ? lin.f + 14 : lout.ip;
	avail = from_inside ? lin.len - 14 : lout.len;
	qhl = (q[0] & 15) * 4u;
	qlen = qsel >= 0xf0 ? (qsel & 15u) : qhl + 8 + qsel;
	if (qlen > avail)
		qlen = avail;
	if (from_inside) { /* port unreachable from the namespace */
		memcpy(f, GW_MAC, 6);
		memcpy(f + 6, lin.f, 6);
		memcpy(ip + 12, q + 16, 4);
		memcpy(ip + 16, q + 12, 4);
	} else {
		memcpy(f, UP_MAC, 6);
		harness_neigh_mac(UP_GW4, f + 6);
		memcpy(ip + 12, kind & 0x40 ? ROUTER4 : q + 16, 4);
		memcpy(ip + 16, EXT4, 4);
	}
	wr16(f + 12, 0x0800);
	ip[0] = 0x45;
	wr16(ip + 2, (uint16_t)(28 + qlen));
	ip[8] = 64;
	ip[9] = P_ICMP;
	icmp[0] = from_inside ? 3 : types[kind % 3];
	icmp[1] = from_inside ? 3 : (kind >> 2) & 15;
	memcpy(icmp + 8, q, qlen);
	set_ip_csum(ip);
	set_l4_csum(ip, false);
	/* Errors do not refresh a connection, but find a live one. */
	expect = !from_inside && sw->now - lout.last <= NAT_MIN_TIMEOUT && qlen >= qhl + 8 &&
		 sw->umem.nfree;
	deliver = expect && arp_usable(lout.m.int_ip) && !sw->rt.nheld;
	gone = !from_inside && lout_gone();
	inject(from_inside ? (uint16_t)((kind >> 4) % NL2) : UPLINK, f, 14 + 28 + qlen, qsel & 1);
	settle();
	if (expect)
		CHECK(nat_stats(sw->nat)->icmp_errors_in == e0 + 1);
	if (gone)
		CHECK(nat_stats(sw->nat)->icmp_errors_in == e0);
	if (deliver)
		CHECK(routed_in > r0);
	if (from_inside) /* see check_routed_out */
		CHECK(tx_count[UPLINK] == up0);
}

static void clock_step(uint8_t e)
{
	sw->now += 1ull << (e % 36);
	epoch++;
	nmaps = 0;
	route_tick(sw);
	if (sw->now - last_age >= SEC) { /* as switch_run() */
		fdb_age(sw->fdb, sw->now);
		nat_expire(sw->nat, sw->now);
		last_age = sw->now;
	}
	settle();
}

/* The address the gateway last asked for answers, from a MAC made of
 * it, on port. */
static void arp_answer(uint16_t port)
{
	uint8_t f[60] = { 0 };

	if (!arp_asked)
		return;
	memcpy(f, GW_MAC, 6);
	f[6] = 0x02, f[7] = 0x00;
	wr16(f + 8, (uint16_t)(arp_asked >> 16));
	wr16(f + 10, (uint16_t)arp_asked);
	wr16(f + 12, 0x0806);
	memcpy(f + 14, "\x00\x01\x08\x00\x06\x04\x00\x02", 8);
	memcpy(f + 22, f + 6, 6);
	f[28] = (uint8_t)(arp_asked >> 24), f[29] = (uint8_t)(arp_asked >> 16);
	f[30] = (uint8_t)(arp_asked >> 8), f[31] = (uint8_t)arp_asked;
	memcpy(f + 32, GW_MAC, 6);
	memcpy(f + 38, GW4, 4);
	inject(port, f, sizeof(f), false);
	settle();
}

/* The last L2 frame again, one field stepped, checksums made valid. */
static void burst(uint8_t b)
{
	uint8_t f[FRAME_SIZE], *ip = f + 14;
	unsigned n = (b & 31u) + 1, field = b >> 5 & 3;

	if (!last_l2.valid || last_l2.len < 34 || rd16(last_l2.f + 12) != 0x0800)
		return;
	for (unsigned i = 1; i <= n; i++) {
		uint32_t hl, tot, len = last_l2.len;
		uint8_t *l4;

		memcpy(f, last_l2.f, len);
		hl = (ip[0] & 15) * 4u;
		tot = rd16(ip + 2);
		if (hl < 20 || tot < hl + 8 || tot > len - 14)
			return;
		l4 = ip + hl;
		switch (field) {
		case 0: wr16(ip[9] == P_ICMP ? l4 + 4 : l4, (uint16_t)(rd16(ip[9] == P_ICMP ? l4 + 4 : l4) + i)); break;
		case 1: ip[15] = (uint8_t)(ip[15] + i); break;
		case 2: ip[19] = (uint8_t)(ip[19] + i); break;
		default: if (ip[9] != P_ICMP) wr16(l4 + 2, (uint16_t)(rd16(l4 + 2) + i)); break;
		}
		set_ip_csum(ip);
		if ((ip[9] == P_TCP && tot >= hl + 20) || ip[9] == P_UDP || ip[9] == P_ICMP)
			if (ip[9] != P_UDP || (rd16(l4 + 4) >= 8 && rd16(l4 + 4) <= tot - hl))
				set_l4_csum(ip, false);
		inject(last_l2_port, f, len, false);
		settle();
	}
}

/* FUZZ_NAT_TRACE=1: one line per record, to see what a seed does. */
static void trace(int rec, uint8_t op)
{
	const struct nat_stats *n = nat_stats(sw->nat);
	const struct rt_stats *r = &sw->rt.st;

	if (!trace_wanted("FUZZ_NAT_TRACE"))
		return;
	fprintf(stderr,
		"rec %d op %u: tx %u/%u/%u up %u | nat out %lu in %lu err %lu entries %u full %lu noport %lu "
		"nomatch %lu bad %lu unsup %lu | rt out %lu in %lu via %lu held %d ttl %lu arp %lu timeout %lu\n",
		rec, op & 7, tx_count[0], tx_count[1], tx_count[2], tx_count[UPLINK],
		(unsigned long)n->out_packets, (unsigned long)n->in_packets,
		(unsigned long)n->icmp_errors_in, n->entries, (unsigned long)n->drop_full,
		(unsigned long)n->drop_no_port, (unsigned long)n->drop_no_match,
		(unsigned long)n->drop_bad, (unsigned long)n->drop_unsupported,
		(unsigned long)r->routed_out, (unsigned long)r->routed_in,
		(unsigned long)r->routed_via, sw->rt.nheld, (unsigned long)r->ttl_exceeded,
		(unsigned long)r->arp_requests, (unsigned long)r->arp_timeout);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t pos = 0;

	sw_new();
	for (int rec = 0; rec < MAX_RECS && pos < size; rec++) {
		uint8_t op = data[pos++];

		nrec = (unsigned)rec;
		uint8_t a = pos < size ? data[pos] : 0, b = pos + 1 < size ? data[pos + 1] : 0;
		uint32_t len;

		switch (op & 7) {
		case 0:
		case 7:
		case 1:
			len = (uint32_t)a << 8 | b;
			pos += 2;
			if (pos > size)
				pos = size;
			if (len > size - pos)
				len = (uint32_t)(size - pos);
			if ((op & 7) == 1) {
				inject(UPLINK, data + pos, len, op & 0x80);
			} else {
				last_l2_port = (uint8_t)((op >> 3) % NL2);
				if (len <= FRAME_SIZE - HEADROOM) {
					last_l2.valid = true;
					last_l2.len = len;
					memcpy(last_l2.f, data + pos, len);
				}
				inject(last_l2_port, data + pos, len, op & 0x80);
			}
			pos += len;
			settle();
			break;
		case 2:
			pos++;
			answer(a);
			break;
		case 3:
			pos += 2;
			icmp_error(a, b);
			break;
		case 4:
			pos++;
			clock_step(a);
			break;
		case 5:
			pos++;
			harness_neigh_ok = a & 1;
			if (a & 2)
				arp_answer((uint16_t)((a >> 2) % NL2));
			break;
		case 6:
			pos++;
			burst(a);
			break;
		}
		trace(rec, op);
	}
	sw_free();
	return 0;
}
