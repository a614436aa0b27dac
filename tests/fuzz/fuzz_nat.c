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
 * fails its checksum (5.2.2), carries a source route or a malformed
 * option (Linux drops both); a later fragment is translated only
 * as its datagram's first one, within 30 s and not past its last one;
 * a piece the gateway cut from a packet without DF is a stretch of a
 * packet a namespace sent, within the route's MTU; a frame routed by a static route goes to its longest
 * prefix's next hop, as the ARP table has it, untranslated; the NAT
 * table stays within its size and its port range.
 *
 * FUZZ_NAT_TRACE=1 prints the counters after each record: what a seed
 * or a crash input does, step by step.
 *
 * This file holds the switch, the records and the socket end; the model
 * of the world the checks hold the switch to is fuzz_nat_model.c, the
 * checks of what it transmits fuzz_nat_check.c, and what the three share
 * fuzz_nat.h.
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
#include "switch_harness.h"
#include "fuzz_nat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

uint8_t *area;
struct meta meta[NFRAMES];
struct sw *sw;
uint32_t arp_asked;
uint64_t epoch;
static uint64_t last_age;
unsigned tx_count[NL2 + 1], routed_in, routed_out;
struct last_out lout;
struct frame_copy lin;
static struct frame_copy last_l2;
static uint8_t last_l2_port;
unsigned nrec;

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
