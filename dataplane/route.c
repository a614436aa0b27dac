/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../control/nl.h"
#include "nat.h"
#include "nat_csum.h"
#include "route.h"
#include "switch.h"

#define ETH_HLEN 14
#define HOLD_NS 1000000000ull /* a next hop has 1 s to answer ARP */
#define POLL_NS 2000000ull /* ask the kernel about held next hops every 2 ms */
#define NEXTHOP_TTL_NS 30000000000ull /* re-check a resolved next hop after 30 s */

static uint32_t ip_at(const uint8_t *b)
{
	uint32_t v;

	memcpy(&v, b, 4);
	return v;
}

static uint32_t hash32(uint32_t v)
{
	return (v * 2654435761u) >> 16;
}

static void ttl_dec(uint8_t *ip)
{
	uint16_t old = nat_rd16(ip + 8), o, n;

	ip[8]--;
	nat_csum_update(ip + 10, nat_d16(old, nat_rd16(ip + 8)), &o, &n);
}

static bool in_subnet(uint32_t ip, const uint8_t net[4], int plen)
{
	uint32_t mask = plen ? htonl(~0u << (32 - plen)) : 0;

	return (ip & mask) == (ip_at(net) & mask);
}

void route_learn(struct sw *sw, const struct pkt *p)
{
	const uint8_t *l3 = p->data + p->l3_off;
	struct rt_host *h;
	uint32_t ip;

	if (!sw->nat || !p->l3_off)
		return;
	if (p->ethertype == 0x0806)
		ip = ip_at(l3 + 14); /* ARP sender address */
	else if (p->ethertype == 0x0800 && !memcmp(p->dst, sw->cfg.gw.mac, 6))
		ip = ip_at(l3 + 12);
	else
		return;
	if (!ip || !in_subnet(ip, sw->cfg.gw.v4, sw->cfg.gw_v4_plen))
		return;
	h = &sw->rt.hosts[hash32(ip) % RT_HOSTS];
	h->ip = ip;
	memcpy(h->mac, p->src, 6);
}

/* ICMP time exceeded from the gateway, built in place: the quoted IP
 * header and 8 bytes move back 28 bytes, a new IP+ICMP header goes in
 * front, and the frame returns through the port it came from. */
static void time_exceeded(struct sw *sw, struct port *in, uint64_t addr, struct pkt *p)
{
	uint8_t *d = p->data, *ip = d + ETH_HLEN, *icmp = ip + 20;
	uint32_t room = FRAME_SIZE - (uint32_t)(addr - umem_chunk(addr));
	uint32_t quote = (uint32_t)(ip[0] & 0x0f) * 4 + 8, len;
	uint8_t src_mac[6];

	if (quote > p->len - ETH_HLEN)
		quote = p->len - ETH_HLEN;
	len = ETH_HLEN + 28 + quote;
	if (len > room) {
		sw->rt.st.bad++;
		frame_put(&sw->umem, addr);
		return;
	}
	memmove(icmp + 8, ip, quote);
	memcpy(src_mac, d + 6, 6);
	memcpy(d, src_mac, 6);
	memcpy(d + 6, sw->cfg.gw.mac, 6);
	memcpy(ip + 16, icmp + 8 + 12, 4); /* to the original sender */
	memcpy(ip + 12, sw->cfg.gw.v4, 4);
	ip[0] = 0x45;
	ip[1] = 0;
	ip[2] = (uint8_t)((20 + 8 + quote) >> 8);
	ip[3] = (uint8_t)(20 + 8 + quote);
	memset(ip + 4, 0, 4); /* id, flags, fragment offset */
	ip[8] = 64;
	ip[9] = 1; /* ICMP */
	ip[10] = ip[11] = 0;
	uint16_t c = csum_fold(csum_add(0, ip, 20));
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	memset(icmp, 0, 8);
	icmp[0] = 11; /* time exceeded, in transit */
	c = csum_fold(csum_add(0, icmp, 8 + quote));
	icmp[2] = (uint8_t)(c >> 8);
	icmp[3] = (uint8_t)c;
	sw->rt.st.ttl_exceeded++;
	port_tx_stage(in, &sw->umem, addr, len);
}

static struct rt_nexthop *nexthop_find(struct sw *sw, uint32_t ip)
{
	struct rt_nexthop *nh = &sw->rt.nexthops[hash32(ip) % RT_NEXTHOPS];

	if (nh->ip != ip) {
		/* A cache: a colliding next hop simply takes the slot. */
		memset(nh, 0, sizeof(*nh));
		nh->ip = ip;
	}
	return nh;
}

/* Ask the kernel what it knows of ip on the uplink, and to resolve it if
 * it knows nothing yet. */
static void nexthop_check(struct sw *sw, struct rt_nexthop *nh)
{
	int err = nl_neigh_get(&sw->nl, sw->up_ifindex, (const uint8_t *)&nh->ip, nh->mac);

	nh->checked = sw->now;
	nh->resolved = err == 0;
	if (err)
		nl_neigh_resolve(&sw->nl, sw->up_ifindex, (const uint8_t *)&nh->ip);
}

static void send_uplink(struct sw *sw, uint64_t addr, uint32_t len, const uint8_t mac[6])
{
	uint8_t *d = xsk_umem__get_data(sw->umem.area, addr);

	memcpy(d, mac, 6);
	memcpy(d + 6, sw->up_mac, 6);
	sw->rt.st.routed_out++;
	port_tx_stage(&sw->ports[sw->nl2], &sw->umem, addr, len);
}

void route_out(struct sw *sw, struct port *in, uint64_t addr, struct pkt *p)
{
	uint8_t *ip = p->data + p->l3_off;
	struct rt_nexthop *nh;
	uint32_t dst, hop;

	if (p->l3_off != ETH_HLEN || p->len < ETH_HLEN + 20) {
		sw->rt.st.bad++; /* VLAN-tagged or runt: not routed */
		goto drop;
	}
	if (ip[8] <= 1) {
		time_exceeded(sw, in, addr, p);
		return;
	}
	switch (nat_translate_out(sw->nat, p, sw->now)) {
	case NAT_OK:
		break;
	case NAT_DROP_FULL:
		/* Counted by the NAT; said in the log too, once a minute. */
		if (!sw->rt.full_logged || sw->now - sw->rt.full_logged > 60000000000ull) {
			fprintf(stderr, "nsfast switch %s: NAT table full (%u connections): new connections are refused, existing ones go on\n",
				sw->cfg.name, sw->cfg.nat_table);
			sw->rt.full_logged = sw->now;
		}
		/* fall through */
	default:
		sw->rt.st.nat_drops++;
		goto drop;
	}
	ttl_dec(ip);
	dst = ip_at(ip + 16);
	if (in_subnet(dst, sw->up_ip, sw->up_plen))
		hop = dst;
	else if (sw->cfg.has_uplink_gw)
		hop = ip_at(sw->cfg.uplink_gw);
	else {
		sw->rt.st.no_route++;
		goto drop;
	}
	nh = nexthop_find(sw, hop);
	if (!nh->resolved || sw->now - nh->checked > NEXTHOP_TTL_NS)
		nexthop_check(sw, nh);
	if (nh->resolved) {
		send_uplink(sw, addr, p->len, nh->mac);
		return;
	}
	if (sw->rt.nheld == RT_HELD) {
		sw->rt.st.arp_overflow++;
		goto drop;
	}
	sw->rt.held[sw->rt.nheld++] = (struct rt_held){ addr, p->len, hop, sw->now };
	sw->rt.st.arp_held++;
	return;
drop:
	frame_put(&sw->umem, addr);
}

/* ARP request from the gateway into the switch, for a namespace address
 * the switch has not seen yet (the reply teaches route_learn). */
static void arp_for_host(struct sw *sw, uint32_t ip)
{
	uint8_t *d;
	uint64_t a;

	if (!sw->umem.nfree)
		return;
	a = sw->umem.free[--sw->umem.nfree];
	sw->umem.refs[a / FRAME_SIZE] = 1;
	d = xsk_umem__get_data(sw->umem.area, a);
	memset(d, 0xff, 6);
	memcpy(d + 6, sw->cfg.gw.mac, 6);
	d[12] = 0x08, d[13] = 0x06;
	d[14] = 0, d[15] = 1, d[16] = 0x08, d[17] = 0, d[18] = 6, d[19] = 4, d[20] = 0, d[21] = 1;
	memcpy(d + 22, sw->cfg.gw.mac, 6);
	memcpy(d + 28, sw->cfg.gw.v4, 4);
	memset(d + 32, 0, 6);
	memcpy(d + 38, &ip, 4);
	switch_flood(sw, NULL, a, 42);
}

void route_in(struct sw *sw, uint64_t addr, uint32_t len)
{
	uint8_t *d = xsk_umem__get_data(sw->umem.area, addr), int_ip[4], *ip;
	struct port *up = &sw->ports[sw->nl2];
	struct rt_host *h;
	struct pkt p;
	uint32_t host;
	uint16_t out;

	up->st.rx_packets++;
	up->st.rx_bytes += len;
	if (pkt_parse(d, len, &p) != PKT_OK || p.l3_off != ETH_HLEN || p.ethertype != 0x0800) {
		up->st.drop_invalid++;
		goto drop;
	}
	/* The outside sends CHECKSUM_PARTIAL too, and the translation
	 * updates checksums incrementally: complete them first. */
	if (p.l4_off)
		sw->st.csum_fixed += (uint64_t)pkt_csum_complete(&p);
	if (nat_translate_in(sw->nat, &p, sw->now, int_ip) != NAT_OK) {
		sw->rt.st.nat_drops++;
		goto drop;
	}
	ip = d + ETH_HLEN;
	if (ip[8] <= 1) {
		sw->rt.st.ttl_exceeded++;
		goto drop;
	}
	ttl_dec(ip);
	memcpy(&host, int_ip, 4);
	h = &sw->rt.hosts[hash32(host) % RT_HOSTS];
	if (h->ip != host) {
		sw->rt.st.in_no_host++;
		arp_for_host(sw, host);
		goto drop;
	}
	memcpy(d, h->mac, 6);
	memcpy(d + 6, sw->cfg.gw.mac, 6);
	sw->rt.st.routed_in++;
	out = fdb_lookup(sw->fdb, h->mac, sw->now);
	if (out < sw->nl2)
		port_tx_stage(&sw->ports[out], &sw->umem, addr, len);
	else
		switch_flood(sw, NULL, addr, len);
	return;
drop:
	frame_put(&sw->umem, addr);
}

void route_tick(struct sw *sw)
{
	struct rt *rt = &sw->rt;
	int i, kept = 0;

	if (!sw->nat || !rt->nheld || sw->now - rt->last_poll < POLL_NS)
		return;
	rt->last_poll = sw->now;
	for (i = 0; i < rt->nheld; i++) {
		struct rt_held h = rt->held[i];
		struct rt_nexthop *nh = nexthop_find(sw, h.nexthop);

		if (!nh->resolved && nh->checked != sw->now)
			nexthop_check(sw, nh);
		if (nh->resolved) {
			send_uplink(sw, h.addr, h.len, nh->mac);
		} else if (sw->now - h.since > HOLD_NS) {
			rt->st.arp_timeout++;
			frame_put(&sw->umem, h.addr);
		} else {
			rt->held[kept++] = h;
		}
	}
	rt->nheld = kept;
}
