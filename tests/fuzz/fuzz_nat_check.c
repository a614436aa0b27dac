/* SPDX-License-Identifier: MIT */
/* fuzz_nat's checks of every frame the switch transmits (check_tx(),
 * from port_tx_flush()), against the model in fuzz_nat_model.c: the
 * invariants fuzz_nat.c's header comment lists. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fdb.h"
#include "nat.h"
#include "pkt.h"
#include "ref_csum.h"
#include "fuzz_nat.h"

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
	CHECK(ip_ok(oip) && ip_ok(ip) && opts_routable(oip));
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
	CHECK(ip_ok(oip) && ip_ok(ip) && opts_routable(oip));
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
	CHECK(rd16(o + 12) == 0x0800 && (in || !memcmp(o, GW_MAC, 6)) && ip_ok(oip) &&
	      opts_routable(oip));
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
	CHECK(oip[8] > 1 && ip[8] == oip[8] - 1 && ip_ok(oip) && ip_ok(ip) && opts_routable(oip));
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
unsigned ncuts;

/* in: from the uplink, for a namespace: cut after its translation when
 * larger than the port of the host it is for (the smallest port's MTU
 * is the least that can be). */
void cut_candidate(const uint8_t *f, uint32_t len, bool in)
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

void check_tx(uint16_t out, uint64_t addr, uint32_t len)
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
