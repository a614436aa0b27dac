/* SPDX-License-Identifier: MIT */
/* fuzz_nat's model of the world it checks the switch against: addresses
 * and martians, IPv4 and L4 validity, the ARP table and routes it
 * expects, the NAT's mappings and fragments as seen so far (see
 * fuzz_nat.c). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "ref_csum.h"
#include "fuzz_nat.h"

uint16_t rd16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

uint32_t rd32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

void wr16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

bool inside(uint32_t ip) /* 10.13.37.0/24 */
{
	return (ip >> 8) == (rd32(GW4) >> 8);
}

/* RFC 1812 5.3.7: what a router never forwards, nor answers with an
 * error about: from or to 0/8, 127/8, a group or class E, from the
 * subnet's broadcast address or the gateway's own, or to the uplink
 * subnet's (203.0.113.0/24) broadcast or network address (RFC 2644). */
bool one_host4(uint32_t a)
{
	return a >> 24 != 0 && a >> 24 != 127 && a >> 24 < 224;
}

bool martian(const uint8_t *ip)
{
	uint32_t src = rd32(ip + 12);

	uint32_t dst = rd32(ip + 16);

	return !one_host4(src) || !one_host4(dst) || (inside(src) && (src & 0xff) == 0xff) ||
	       src == rd32(GW4) ||
	       ((dst >> 8) == (rd32(EXT4) >> 8) && ((dst & 0xff) == 0xff || !(dst & 0xff)));
}

bool ip_ok(const uint8_t *ip)
{
	return ref_fold(ref_add(0, ip, (ip[0] & 15) * 4u)) == 0xffff;
}

bool opts_routable(const uint8_t *ip)
{
	uint32_t hl = (ip[0] & 15) * 4u;

	for (uint32_t i = 20; i < hl && ip[i]; i += ip[i] == 1 ? 1 : ip[i + 1]) {
		if (ip[i] == 1)
			continue;
		if (ip[i] == 131 || ip[i] == 137 || i + 1 >= hl || ip[i + 1] < 2 ||
		    ip[i + 1] > hl - i)
			return false;
	}
	return true;
}

/* The L4 checksum of the IPv4 packet at ip, len bytes of it present:
 * TCP over the IP length, UDP over its own length (0 = none = valid),
 * ICMP without pseudo-header. False when the packet is cut short. */
bool l4_ok(const uint8_t *ip, uint32_t len)
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

void set_ip_csum(uint8_t *ip)
{
	wr16(ip + 10, 0);
	wr16(ip + 10, (uint16_t)~ref_fold(ref_add(0, ip, (ip[0] & 15) * 4u)));
}

/* A full, valid L4 checksum for the IPv4 packet at ip (tot bytes). */
void set_l4_csum(uint8_t *ip, bool udp_none)
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
const uint8_t *arp_mac(uint32_t ip)
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
bool arp_usable(uint32_t ip)
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


bool route_via(uint32_t dst, uint32_t *via)
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
uint32_t route_mtu(uint32_t dst)
{
	uint32_t via;

	return route_via(dst, &via) ? L2_MTU : UP_MTU;
}

/* Bytes of a and b (n each) differ only where mask says they may. */
bool same_except(const uint8_t *a, const uint8_t *b, uint32_t n, const uint8_t *mask)
{
	for (uint32_t i = 0; i < n; i++)
		if (a[i] != b[i] && !mask[i])
			return false;
	return true;
}

void allow(uint8_t *mask, uint32_t off, uint32_t len)
{
	memset(mask + off, 1, len);
}

struct mapping maps[MAXMAP];
unsigned nmaps;

/* Within one clock epoch, (proto, inside, remote) -> ext and
 * (proto, remote, ext) -> inside are functions. */
void mapping_seen(const struct mapping *m)
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
uint32_t frag_len(const uint8_t *ip)
{
	return (uint32_t)rd16(ip + 2) - (uint32_t)(ip[0] & 0x0f) * 4;
}
static struct fnote fnotes[FNOTES];
unsigned nfnotes;

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
void frag_first_seen(uint8_t dir, const uint8_t *oip, uint32_t addr, uint32_t len, uint64_t t)
{
	struct fnote *n = fnote_of(dir, oip);

	if (!n && nfnotes < FNOTES)
		n = &fnotes[nfnotes++];
	CHECK(n);
	*n = (struct fnote){ rd32(oip + 12), rd32(oip + 16), addr, len, 0, rd16(oip + 4),
			     oip[9], dir, true, t };
}

void frag_later_seen(uint8_t dir, const uint8_t *oip, uint32_t addr, uint32_t len, uint64_t t)
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
bool later_frag_ok(const uint8_t *o, const uint8_t *f, uint32_t len, unsigned off)
{
	static uint8_t mask[FRAME_SIZE];

	memset(mask, 0, len);
	allow(mask, 14 + 8, 1);
	allow(mask, 14 + 10, 2);
	allow(mask, 14 + off, 4);
	return same_except(f + 12, o + 12, len - 12, mask + 12);
}
