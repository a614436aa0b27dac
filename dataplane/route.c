/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../control/xdp_mtu.h"
#include "nat.h"
#include "nat_csum.h"
#include "nat_fast.h"
#include "route.h"
#include "route_frag.h"
#include "switch.h"

#define ETH_HLEN 14
#define HOLD_NS 1000000000ull /* a next hop has 1 s to answer ARP */
#define POLL_NS 2000000ull /* ask the kernel about held next hops every 2 ms */

static uint32_t ip_at(const uint8_t *b)
{
	uint32_t v;

	memcpy(&v, b, 4);
	return v;
}

static void ttl_dec(uint8_t *ip)
{
	uint16_t old = be16_get(ip + 8), o, n;

	ip[8]--;
	nat_csum_update(ip + 10, nat_d16(old, be16_get(ip + 8)), &o, &n);
}

static bool in_subnet(uint32_t ip, const uint8_t net[4], int plen)
{
	uint32_t mask = plen ? htonl(~0u << (32 - plen)) : 0;

	return (ip & mask) == (ip_at(net) & mask);
}

void route_learn(struct sw *sw, const struct pkt *p)
{
	const uint8_t *l3 = p->data + p->l3_off, *mac;
	bool ipv4 = false;
	uint32_t ip;

	if ((!sw->nat && !sw->cfg.nroutes) || !p->l3_off)
		return;
	/* ARP of any kind (pkt_parse checked it is Ethernet/IPv4, 28 bytes):
	 * the sender's own words. IPv4 to the gateway: a namespace that routes
	 * through us, so we will answer it soon; taken only for an address
	 * with no MAC yet. */
	if (p->ethertype == 0x0806) {
		ip = ip_at(l3 + 14);
		mac = l3 + 8;
	} else if (p->ethertype == 0x0800 && !memcmp(p->dst, sw->cfg.gw.mac, 6)) {
		ip = ip_at(l3 + 12);
		mac = p->src;
		ipv4 = true;
	} else {
		return;
	}
	if (!in_subnet(ip, sw->cfg.gw.v4, sw->cfg.gw.v4_plen) || ip == ip_at(sw->cfg.gw.v4))
		return;
	/* The subnet's broadcast address is no host's (route_check drops
	 * such a source as a martian): an entry for it would send what is
	 * routed to it to one MAC. */
	if (!gw_src_one_host(&sw->cfg.gw, ipv4 ? l3 + 12 : l3 + 14)) {
		sw->rt.arp.st.ignored++;
		return;
	}
	/* The gateway's own MAC is no host's (switch_learn does not learn
	 * it either): taken as one, the replies to that address would go
	 * to the gateway itself, nowhere. */
	if (!memcmp(mac, sw->cfg.gw.mac, 6))
		return;
	/* IPv4 only makes an address known, never moves it (arp_learn_ipv4):
	 * its source address is whatever the sender wrote. */
	if ((ipv4 ? arp_learn_ipv4 : arp_learn)(&sw->rt.arp, ip, mac, sw->now) > 0)
		sw->rt.learned = true;
}

bool route_uplink_bcast(const struct sw *sw, const uint8_t dst[4])
{
	return sw->nat && ipv4_subnet_edge(be32_get(dst), be32_get(sw->up_ip), sw->up_plen);
}

/* RFC 1812 5.3.7: a router does not forward what comes from or goes to
 * an address that is not one host's, nor from its subnet's broadcast
 * address or its own (Linux drops those as martians, so the kernel
 * dataplane's host would); nor to the uplink subnet's broadcast
 * address, or the network address some hosts still take for one: a
 * directed broadcast, which routers forward only when told to (RFC
 * 2644) and Linux does not (bc_forwarding 0); through the NAT it would
 * reach every host there from the uplink's address. */
static bool route_martian(const struct sw *sw, const uint8_t *ip)
{
	return !gw_src_one_host(&sw->cfg.gw, ip + 12) || !ipv4_one_host(ip + 16) ||
	       route_uplink_bcast(sw, ip + 16);
}

/* Never more than XDP_MTU_MAX: the router works on frames of one
 * buffer, and an XDP program that is not multi-buffer (the uplink's,
 * on a switch whose ports are not jumbo) takes no more. */
static uint32_t mtu_cap(uint32_t mtu)
{
	return mtu && mtu < XDP_MTU_MAX ? mtu : XDP_MTU_MAX;
}

uint32_t route_uplink_mtu(const struct sw *sw)
{
	return mtu_cap(sw->up_mtu);
}

uint32_t route_port_mtu(const struct sw *sw, uint16_t port)
{
	bool one = port < SW_PORTS_MAX && (int)port < sw->nl2 && sw->port_mtu[port];

	return mtu_cap(one ? sw->port_mtu[port] : sw->l2_mtu);
}

/* The largest IPv4 packet the gateway sends by static route r, or
 * through the NAT (r NULL) towards dst: the smallest port's MTU (the
 * next hop's port is known only once its MAC is), or the uplink's; 0
 * when it has no route there. */
static uint32_t route_mtu(const struct sw *sw, const struct rt_route *r, uint32_t dst)
{
	if (r)
		return route_port_mtu(sw, FDB_PORT_NONE);
	if (!sw->nat || (!in_subnet(dst, sw->up_ip, sw->up_plen) && !sw->cfg.has_uplink_gw))
		return 0;
	return route_uplink_mtu(sw);
}

/* What comes before routing an IPv4 frame of len bytes (p may hold only
 * its first buffer): the route, time exceeded at TTL 1, then the
 * route's MTU. 1: answered or dropped here; 0: to be routed by *r (NULL:
 * through the NAT); ROUTE_CUT: larger than *mtu and without DF, to be
 * cut into fragments, addr left to the caller; -ENOENT: no route, addr
 * left to the caller. Before the NAT, so that an error quotes the
 * packet as its sender sent it and no connection is made for what
 * cannot be sent. A packet larger than the route's MTU with DF gets
 * "fragmentation needed" back, so that its sender's path MTU discovery
 * (RFC 1191) shrinks it; both count in too_big. */
#define ROUTE_CUT 2
static int route_check(struct sw *sw, struct port *in, uint64_t addr, struct pkt *p, uint32_t len,
		       const struct rt_route **r, uint32_t *mtu)
{
	const uint8_t *ip = p->data + ETH_HLEN;
	uint32_t dst = ip_at(ip + 16);

	if (route_martian(sw, ip)) {
		sw->rt.st.martian++;
		frame_put(&sw->umem, addr);
		return 1;
	}
	/* The route before the TTL, as Linux's router looks them up: a
	 * packet with nowhere to go is "unreachable" at any TTL. */
	*r = rt_route_lookup(sw->cfg.routes, sw->cfg.nroutes, dst);
	*mtu = route_mtu(sw, *r, dst);
	if (!*mtu)
		return -ENOENT;
	if (ip[8] <= 1) {
		route_time_exceeded(sw, in, addr, p);
		return 1;
	}
	if (len - ETH_HLEN <= *mtu)
		return 0;
	sw->rt.st.too_big++;
	if (!(ip[6] & 0x40))
		return ROUTE_CUT;
	route_icmp_error(sw, in, addr, p, sw->cfg.gw.v4, sw->cfg.gw.mac, 3, 4,
			(uint16_t)*mtu); /* fragmentation needed */
	return 1;
}

/* translated: the frame is the one nat_translate_* just translated, so
 * nat_last describes its connection for the NAT fast path. */
static void send_routed(struct sw *sw, enum rt_path path, uint64_t addr, uint32_t len,
			const uint8_t mac[6], bool translated)
{
	uint8_t *d = xsk_umem__get_data(sw->umem.area, addr);
	uint16_t out;

	memcpy(d, mac, 6);
	if (path == RT_UPLINK) {
		memcpy(d + 6, sw->up_mac, 6);
		sw->rt.st.routed_out++;
		if (translated && sw->cfg.fast_nat)
			nat_fast_sent(sw, path, mac, 0);
		port_tx_stage(&sw->ports[sw->nl2], &sw->umem, addr, len);
		return;
	}
	memcpy(d + 6, sw->cfg.gw.mac, 6);
	/* Routed, not switched: going back out of the ingress port is fine. */
	out = switch_fdb_lookup(sw, mac);
	/* Sized for the port its host was on (route_in_mtu), then held for
	 * ARP while the host moved to a smaller one, or forgotten by the FDB
	 * (flooded, it would reach ports that cannot take it): the veth
	 * would drop it. */
	if (len - ETH_HLEN > route_port_mtu(sw, out)) {
		sw->rt.st.too_big++;
		frame_put(&sw->umem, addr);
		return;
	}
	if (path == RT_VIA)
		sw->rt.st.routed_via++;
	else
		sw->rt.st.routed_in++;
	if (out < sw->nl2) {
		if (path == RT_IN && translated && sw->cfg.fast_nat)
			nat_fast_sent(sw, path, mac, out);
		port_tx_stage(&sw->ports[out], &sw->umem, addr, len);
	} else
		switch_flood(sw, NULL, addr, len);
}

/* Send now if the next hop is known and nothing for it waits already
 * (frames keep their order), else hold the frame for it. */
static void forward(struct sw *sw, enum rt_path path, uint64_t addr, uint32_t len, uint32_t hop,
		    bool translated)
{
	struct rt *rt = &sw->rt;
	uint8_t mac[6];
	int i;

	for (i = 0; i < rt->nheld; i++)
		if (rt->held[i].nexthop == hop && rt->held[i].path == path)
			break;
	if (i == rt->nheld && route_nexthop_mac(sw, path, hop, mac) == 0) {
		send_routed(sw, path, addr, len, mac, translated);
		return;
	}
	if (rt->nheld == RT_HELD) {
		rt->st.arp_overflow++;
		frame_put(&sw->umem, addr);
		return;
	}
	rt->held[rt->nheld++] = (struct rt_held){ addr, len, hop, sw->now, (uint8_t)path };
	rt->st.arp_held++;
	if (path == RT_IN)
		rt->st.in_no_host++;
}

/* A packet route_check let through (or a fragment of one): by the
 * static route r, else through the NAT to the uplink. false: dropped. */
static bool route_on(struct sw *sw, uint64_t addr, struct pkt *p, const struct rt_route *r)
{
	uint8_t *ip = p->data + ETH_HLEN;
	uint32_t dst = ip_at(ip + 16), hop;

	/* The static routes first, as the kernel dataplane's host has them:
	 * routed on the subnet, never translated. */
	if (r) {
		ttl_dec(ip);
		forward(sw, RT_VIA, addr, p->len, r->via, false);
		return true;
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
		sw->rt.st.nat_drops++;
		goto drop;
	case NAT_DROP_NO_PORT:
		if (!sw->rt.ports_logged || sw->now - sw->rt.ports_logged > 60000000000ull) {
			fprintf(stderr, "nsfast switch %s: NAT ports %u-%u all taken towards %u.%u.%u.%u: new connections there are refused (drop_no_port)\n",
				sw->cfg.name, sw->cfg.nat_port_min, sw->cfg.nat_port_max, ip[16],
				ip[17], ip[18], ip[19]);
			sw->rt.ports_logged = sw->now;
		}
		/* fall through */
	default:
		sw->rt.st.nat_drops++;
		goto drop;
	}
	ttl_dec(ip);
	/* route_check saw one of the two. */
	hop = in_subnet(dst, sw->up_ip, sw->up_plen) ? dst : ip_at(sw->cfg.uplink_gw);
	/* Sent now (not held): the NAT fast path may take the connection. */
	forward(sw, RT_UPLINK, addr, p->len, hop, true);
	return true;
drop:
	frame_put(&sw->umem, addr);
	return false;
}

/* The packet in frame (len bytes) cut into fragments of at most mtu
 * bytes, counted: how many, or 0 when it cannot be (nothing taken then).
 * The caller still owns the frame. */
static int route_pieces(struct sw *sw, const uint8_t *frame, uint32_t len, uint32_t mtu,
			uint64_t addr[RT_FRAGS_MAX], uint32_t flen[RT_FRAGS_MAX])
{
	int n, err = route_fragment(&sw->umem, frame, len, mtu, addr, flen, &n);

	if (err) {
		if (err == -ENOBUFS)
			sw->rt.st.frag_no_frame++;
		else
			sw->rt.st.frag_refused++;
		return 0;
	}
	sw->rt.st.fragmented++;
	sw->rt.st.fragments += (uint64_t)n;
	return n;
}

/* The packet in frame (len bytes: a frame of one buffer, or the copy of
 * one of several) in fragments of at most mtu bytes, each routed by r
 * as any packet (the NAT translates fragments). The caller still owns
 * the frame. */
static void route_cut(struct sw *sw, const uint8_t *frame, uint32_t len, uint32_t mtu,
		      const struct rt_route *r)
{
	uint64_t addr[RT_FRAGS_MAX];
	uint32_t flen[RT_FRAGS_MAX];
	int n = route_pieces(sw, frame, len, mtu, addr, flen), i;

	for (i = 0; i < n; i++) {
		struct pkt fp;
		bool sent;

		if (pkt_parse(xsk_umem__get_data(sw->umem.area, addr[i]), flen[i], &fp) != PKT_OK) {
			sw->rt.st.bad++; /* cannot be: a header we just wrote */
			frame_put(&sw->umem, addr[i]);
			sent = false;
		} else {
			sent = route_on(sw, addr[i], &fp, r);
		}
		/* Without its first piece (the NAT refused it: table full, no
		 * port, not a protocol it translates) the rest is of no use,
		 * and must not find an older datagram's entry. */
		if (i == 0 && !sent) {
			while (++i < n)
				frame_put(&sw->umem, addr[i]);
			return;
		}
	}
}

/* What follows the packet (Ethernet padding, or anything) does not go
 * on, as the kernel's router trims it: it is no reason to cut the
 * packet, and must not make it too big for the next link. */
static uint32_t route_trimmed(const uint8_t *frame, uint32_t len)
{
	uint32_t tot = be16_get(frame + ETH_HLEN + 2);

	return tot >= 20 && tot < len - ETH_HLEN ? ETH_HLEN + tot : len;
}

static void route_trim(struct pkt *p)
{
	p->len = route_trimmed(p->data, p->len);
}

void route_out(struct sw *sw, struct port *in, uint64_t addr, struct pkt *p)
{
	const struct rt_route *r;
	uint32_t mtu;
	int err;

	if (p->l3_off != ETH_HLEN || p->len < ETH_HLEN + 20) {
		sw->rt.st.bad++; /* VLAN-tagged or runt: not routed */
		goto drop;
	}
	route_trim(p);
	err = route_check(sw, in, addr, p, p->len, &r, &mtu);
	if (err == ROUTE_CUT) {
		route_cut(sw, p->data, p->len, mtu, r);
		goto drop;
	}
	if (err > 0)
		return;
	if (err) {
		route_net_unreachable(sw, in, addr, p);
		return;
	}
	route_on(sw, addr, p, r);
	return;
drop:
	frame_put(&sw->umem, addr);
}

int route_out_big(struct sw *sw, struct port *in, uint64_t addr, struct pkt *p, uint32_t len,
		  const uint8_t *whole)
{
	const struct rt_route *r;
	uint32_t mtu;
	int err;

	if (p->l3_off != ETH_HLEN || p->ethertype != 0x0800 || p->len < ETH_HLEN + 20 + 8)
		return -EINVAL;
	/* Trimmed too: one that its first buffer holds is routed from
	 * there. */
	len = route_trimmed(p->data, len);
	if (len <= p->len) {
		route_out(sw, in, addr, p);
		return 0;
	}
	err = route_check(sw, in, addr, p, len, &r, &mtu);
	if (err == ROUTE_CUT) {
		route_cut(sw, whole, len, mtu, r);
		frame_put(&sw->umem, addr);
		return 0;
	}
	if (err == -ENOENT) {
		route_net_unreachable(sw, in, addr, p);
		return 0;
	}
	/* 0 cannot be: several buffers are more than any route's MTU. */
	return err > 0 ? 0 : err ? err : -EMSGSIZE;
}

/* A translated packet for a namespace, larger than the ports' MTU (the
 * kernel dataplane's bridge takes its smallest port's MTU too; a veth
 * drops what is larger than its peer's): cut into fragments if it may
 * be, else "fragmentation needed" back to its sender, from the uplink's
 * address, about the packet as it came (quote: its first qlen bytes
 * before the NAT). Both count in too_big. */
static void route_in_big(struct sw *sw, uint64_t addr, struct pkt *p, uint32_t host, uint32_t mtu,
			 const uint8_t *quote, uint32_t qlen)
{
	uint8_t *ip = p->data + ETH_HLEN;
	uint64_t piece[RT_FRAGS_MAX];
	uint32_t flen[RT_FRAGS_MAX];
	int n, i;

	sw->rt.st.too_big++;
	if (ip[6] & 0x40) {
		nat_frag_unsent_in(sw->nat, quote, sw->now);
		memcpy(ip, quote, qlen);
		route_icmp_error(sw, &sw->ports[sw->nl2], addr, p, sw->up_ip, sw->up_mac, 3, 4,
				(uint16_t)mtu);
		return;
	}
	ttl_dec(ip);
	n = route_pieces(sw, p->data, p->len, mtu, piece, flen);
	if (!n)
		nat_frag_unsent_in(sw->nat, quote, sw->now);
	/* Not installed in the NAT fast path by these (translated false):
	 * it would send the next such packet to userspace all the same. */
	for (i = 0; i < n; i++)
		forward(sw, RT_IN, piece[i], flen[i], host, false);
	frame_put(&sw->umem, addr);
}

/* The largest packet route_in lets through to host without "fragmentation
 * needed": the MTU of the port the host is on when its MAC and port are
 * known; the smallest port's when its MAC is known but its port is not
 * (flooded, it must fit every port). A host whose MAC is not known yet
 * (after a restart, or one that has been silent) gets the largest
 * port's MTU, not the smallest: the outside keeps what it learns for
 * the uplink's address, for every namespace behind it, for 10 minutes,
 * and a connection the daemon before kept would cut it to the smallest
 * port's for all of them (seen in 50_snat: a download across a restart
 * left the outside at MTU 1000). The frame waits for ARP, whose answer
 * teaches the FDB the port; one too large for it is then dropped
 * (send_routed), and its retransmission answered with that MTU. */
static uint32_t route_in_mtu(struct sw *sw, uint32_t host)
{
	uint32_t mtu = 0;
	uint8_t mac[6];

	if (!route_nexthop_mac(sw, RT_IN, host, mac))
		return route_port_mtu(sw, switch_fdb_lookup(sw, mac));
	for (uint16_t i = 0; i < sw->nl2; i++)
		if (route_port_mtu(sw, i) > mtu)
			mtu = route_port_mtu(sw, i);
	return mtu ? mtu : route_port_mtu(sw, FDB_PORT_NONE);
}

void route_in(struct sw *sw, uint64_t addr, uint32_t len)
{
	uint8_t *d = xsk_umem__get_data(sw->umem.area, addr), int_ip[4], *ip, quote[60 + 8];
	struct port *up = &sw->ports[sw->nl2];
	uint32_t host, mtu = route_port_mtu(sw, FDB_PORT_NONE), qlen = 0;
	enum ipv4_opts opts;
	struct pkt p;

	up->st.rx_packets++;
	up->st.rx_bytes += len;
	if (pkt_parse(d, len, &p) != PKT_OK || p.l3_off != ETH_HLEN || p.ethertype != 0x0800 ||
	    p.len < ETH_HLEN + 20) {
		up->st.drop_invalid++;
		goto drop;
	}
	route_trim(&p);
	/* Like the gateway's inside (switch.c, gw_hdr_refused), as
	 * ip_rcv: Linux drops both. */
	opts = ipv4_options(d + ETH_HLEN);
	if (!ipv4_hdr_ok(d + ETH_HLEN) || opts == IPV4_OPTS_BAD) {
		sw->rt.st.bad++;
		goto drop;
	}
	if (opts == IPV4_OPTS_SOURCE_ROUTED) {
		sw->st.source_routed++;
		goto drop;
	}
	/* The outside sends CHECKSUM_PARTIAL too, and the translation
	 * updates checksums incrementally: complete them first. */
	if (p.l4_off)
		sw->st.csum_fixed += (uint64_t)pkt_csum_complete(&p);
	/* Before the NAT: what is not forwarded neither refreshes a
	 * connection nor leaves a fragment's entry behind. A martian source
	 * (an ICMP error from 0.0.0.0, say) is dropped, as Linux would. */
	ip = d + ETH_HLEN;
	if (!gw_src_one_host(&sw->cfg.gw, ip + 12)) {
		sw->rt.st.martian++;
		goto drop;
	}
	/* At its last hop, or larger than the smallest port: what an
	 * error about it would quote, as it came. */
	if (ip[8] <= 1 || p.len - ETH_HLEN > mtu) {
		qlen = (uint32_t)(ip[0] & 0x0f) * 4 + 8;
		if (qlen > p.len - ETH_HLEN)
			qlen = p.len - ETH_HLEN;
		memcpy(quote, ip, qlen);
	}
	if (nat_translate_in(sw->nat, &p, sw->now, int_ip) != NAT_OK) {
		sw->rt.st.nat_drops++;
		goto drop;
	}
	/* As Linux's forward path after its NAT: time exceeded from the
	 * uplink's address, the one the outside sent to, so that a
	 * traceroute from there ends at it, quoting the packet as it came.
	 * Only for a connection's packet: one of none, which Linux would
	 * deliver to the host, which drops it, was dropped above. */
	if (ip[8] <= 1) {
		memcpy(ip, quote, qlen);
		sw->rt.st.ttl_exceeded++;
		route_icmp_error(sw, up, addr, &p, sw->up_ip, sw->up_mac, 11, 0, 0);
		return;
	}
	memcpy(&host, int_ip, 4);
	if (qlen && p.len - ETH_HLEN > (mtu = route_in_mtu(sw, host))) {
		route_in_big(sw, addr, &p, host, mtu, quote, qlen);
		return;
	}
	ttl_dec(ip);
	/* A namespace that has not spoken for a while is asked for, and the
	 * frame waits for its answer (counted as in_no_host). */
	forward(sw, RT_IN, addr, p.len, host, true);
	return;
drop:
	frame_put(&sw->umem, addr);
}

void route_tick(struct sw *sw)
{
	struct rt *rt = &sw->rt;
	uint8_t mac[6];
	int i, kept = 0;

	/* An answer on the subnet sends its frames at once; the kernel is
	 * asked about the uplink's next hops every POLL_NS. */
	if (!rt->nheld || (!rt->learned && sw->now - rt->last_poll < POLL_NS))
		return;
	rt->learned = false;
	rt->last_poll = sw->now;
	for (i = 0; i < rt->nheld; i++) {
		struct rt_held h = rt->held[i];

		if (route_nexthop_mac(sw, h.path, h.nexthop, mac) == 0) {
			/* Held: nat_last may describe a later frame's connection. */
			send_routed(sw, h.path, h.addr, h.len, mac, false);
		} else if (sw->now - h.since > HOLD_NS) {
			rt->st.arp_timeout++;
			frame_put(&sw->umem, h.addr);
		} else {
			rt->held[kept++] = h;
		}
	}
	rt->nheld = kept;
}
