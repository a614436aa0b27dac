/* SPDX-License-Identifier: MIT */
/* The gateway responder: ARP and ICMP echo for gw->v4, neighbour
 * solicitation and ICMPv6 echo for gw->v6. Replies are rewritten in the
 * frame's own buffer (VLAN tags, if any, are kept) and the caller sends
 * them back out of the ingress port.
 *
 * gw_handle() trusts only what pkt_parse() guarantees for the verdict it
 * returned: it may be given frames parsed as PKT_BAD_L4 (l3_off set,
 * l4_off 0, l4_proto/l4_len kept) and counts those as bad when they are
 * addressed to the gateway. Frames with l3_off == 0 are never ours. */
#include <stdbool.h>
#include <string.h>

#include "gateway.h"

#define ETH_P_IPV4_ 0x0800
#define ETH_P_ARP_ 0x0806
#define ETH_P_IPV6_ 0x86dd
#define PROTO_ICMP 1
#define PROTO_ICMPV6 58
#define NH_HOPOPTS 0
#define NH_ROUTING 43

#define ARP_LEN 28
#define NA_LEN 32 /* ICMPv6 NA with one Target Link-Layer Address option */

static const uint8_t mac_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t mac_all_nodes[6] = { 0x33, 0x33, 0, 0, 0, 1 };
static const uint8_t ip6_all_nodes[16] = { 0xff, 0x02, [15] = 1 };

static inline bool mac_eq(const uint8_t *a, const uint8_t *b)
{
	return memcmp(a, b, 6) == 0;
}

static inline bool is_zero(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* ff02::1:ffXX:XXXX for the low 24 bits of gw->v6 (RFC 4291 2.7.1). */
static inline bool is_sn_ip(const uint8_t *a, const struct gw *gw)
{
	static const uint8_t pfx[13] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff };
	return memcmp(a, pfx, 13) == 0 && memcmp(a + 13, gw->v6 + 13, 3) == 0;
}

/* 33:33:ff:XX:XX:XX, the MAC of that group (RFC 2464 7). */
static inline bool is_sn_mac(const uint8_t *m, const struct gw *gw)
{
	return m[0] == 0x33 && m[1] == 0x33 && m[2] == 0xff &&
	       memcmp(m + 3, gw->v6 + 13, 3) == 0;
}

/* Sum of the IPv6 pseudo-header (addresses from the header at ip) and
 * len bytes of ICMPv6 at l4; csum_fold() of it is 0 for a valid message
 * and the value to store when the check field was zeroed. */
static uint32_t icmp6_sum(const uint8_t *ip, const uint8_t *l4, uint32_t len)
{
	uint8_t tail[8] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16),
			    (uint8_t)(len >> 8), (uint8_t)len, 0, 0, 0,
			    PROTO_ICMPV6 };
	uint32_t s = csum_add(0, ip + 8, 32);
	s = csum_add(s, tail, sizeof(tail));
	return csum_add(s, l4, len);
}

/* Ethernet: reply to whoever sent the frame, from the gateway. Reads
 * the old source before the destination slot is overwritten. */
static inline void eth_turn(uint8_t *data, const struct gw *gw)
{
	memmove(data, data + 6, 6);
	memcpy(data + 6, gw->mac, 6);
}

static enum gw_result consumed_bad(struct gw_stats *st)
{
	st->bad++;
	return GW_CONSUMED;
}

/* Well-formed, for the gateway's own address, and not what it serves
 * (TCP, UDP, ICMP other than an echo request...): it has no socket to
 * take it, so it is dropped, and counted. */
static enum gw_result consumed_unanswered(struct gw_stats *st)
{
	st->unanswered++;
	return GW_CONSUMED;
}

static enum gw_result gw_arp(const struct gw *gw, struct pkt *p,
			     uint32_t *reply_len, struct gw_stats *st)
{
	uint8_t *a = p->data + p->l3_off;

	if (!gw->has_v4 || (uint32_t)p->l3_off + ARP_LEN > p->len)
		return GW_NOT_MINE;
	if (!mac_eq(p->dst, gw->mac) && !mac_eq(p->dst, mac_bcast))
		return GW_NOT_MINE;
	if (memcmp(a + 24, gw->v4, 4) != 0)
		return GW_NOT_MINE;
	/* Gratuitous (sender == target): an announcement, every host on the
	 * segment should see it, including one claiming our address. */
	if (memcmp(a + 14, a + 24, 4) == 0)
		return GW_NOT_MINE;

	uint16_t op = be16_get(a + 6);
	if (op == 2) /* we never ask, so a reply to us answers nothing */
		return GW_CONSUMED;
	if (op != 1)
		return GW_NOT_MINE;
	if (p->src[0] & 1) /* cannot unicast back to a group address */
		return consumed_bad(st);

	/* Sender hardware/protocol address of the request become the target;
	 * spa 0.0.0.0 (an RFC 5227 probe) is answered to 0.0.0.0 like Linux. */
	uint8_t sha[6], spa[4];
	memcpy(sha, a + 8, 6);
	memcpy(spa, a + 14, 4);
	eth_turn(p->data, gw);
	be16_put(a + 6, 2);
	memcpy(a + 8, gw->mac, 6);
	memcpy(a + 14, gw->v4, 4);
	memcpy(a + 18, sha, 6);
	memcpy(a + 24, spa, 4);
	/* Ethernet padding after the ARP body is dropped from the reply. */
	*reply_len = (uint32_t)p->l3_off + ARP_LEN;
	st->arp_replies++;
	return GW_REPLY;
}

bool gw_src_one_host(const struct gw *gw, const uint8_t src[4])
{
	uint32_t host = gw->v4_plen < 31 ? ~0u >> gw->v4_plen : 0, s = be32_get(src),
		 net = be32_get(gw->v4);

	/* the gateway's own address too: Linux drops a local source */
	if (!ipv4_one_host(src) || (gw->has_v4 && s == net))
		return false;
	return !host || (s & ~host) != (net & ~host) || (s & host) != host;
}

void gw_echo_turn(const uint8_t from[4], uint8_t *ip, uint32_t hl, uint32_t n)
{
	uint8_t *icmp = ip + hl;

	memcpy(ip + 16, ip + 12, 4);
	memcpy(ip + 12, from, 4);
	ip[8] = 64;
	be16_put(ip + 10, 0);
	be16_put(ip + 10, csum_fold(csum_add(0, ip, hl)));
	icmp[0] = 0;
	be16_put(icmp + 2, 0);
	be16_put(icmp + 2, csum_fold(csum_add(0, icmp, n)));
}

enum gw_result gw_ipv4_for(const struct gw *gw, const uint8_t addr[4], struct pkt *p,
			   uint32_t room, uint32_t *reply_len, struct gw_stats *st)
{
	uint8_t *ip = p->data + p->l3_off;

	*reply_len = 0;
	/* A fragmented ping is put together by gw_big.c, which switch_frame
	 * asks first; without it, one gets no answer. */
	if (p->is_frag)
		return consumed_unanswered(st);
	if (p->l4_off == 0) /* truncated L4 of a known protocol: malformed */
		return p->l4_proto ? consumed_bad(st) : consumed_unanswered(st);
	if (p->l4_proto != PROTO_ICMP)
		return consumed_unanswered(st);

	uint8_t *icmp = p->data + p->l4_off;
	uint32_t n = p->l4_len;
	uint32_t hl = (uint32_t)(ip[0] & 0x0f) * 4;
	uint32_t rlen = (uint32_t)p->l4_off + n;
	if (n < 8 || rlen > p->len || p->l4_off != p->l3_off + hl)
		return consumed_bad(st);
	if (icmp[0] != 8) /* only echo requests get an answer */
		return consumed_unanswered(st);
	/* A corrupted request must not get a freshly checksummed reply; a
	 * source that is not one host's cannot be answered. */
	if (icmp[1] != 0 || csum_fold(csum_add(0, icmp, n)) != 0 ||
	    (p->src[0] & 1) || !gw_src_one_host(gw, ip + 12))
		return consumed_bad(st);
	if (rlen > room)
		return consumed_bad(st);

	eth_turn(p->data, gw);
	gw_echo_turn(addr, ip, hl, n);
	*reply_len = rlen; /* Ethernet padding dropped */
	st->echo_replies++;
	return GW_REPLY;
}

static enum gw_result gw_ipv4(const struct gw *gw, struct pkt *p,
			      uint32_t room, uint32_t *reply_len,
			      struct gw_stats *st)
{
	uint8_t *ip = p->data + p->l3_off;

	if (!gw->has_v4 || (uint32_t)p->l3_off + 20 > p->len)
		return GW_NOT_MINE;
	if (memcmp(ip + 16, gw->v4, 4) != 0 || !mac_eq(p->dst, gw->mac))
		return GW_NOT_MINE;
	return gw_ipv4_for(gw, gw->v4, p, room, reply_len, st);
}

/* The options after an NS's target (n bytes of NS in all): each of a
 * length other than 0 and within the message, as RFC 4861 4.6 and 7.1.1
 * ask and Linux checks, and no Source Link-Layer Address (type 1) in a
 * DAD probe, whose sender has no address to be reached at yet. */
static bool ns_opts_ok(const uint8_t *ns, uint32_t n, bool dad)
{
	uint32_t off = 24, olen;

	while (off < n) {
		if (n - off < 2)
			return false;
		olen = (uint32_t)ns[off + 1] * 8;
		if (olen == 0 || olen > n - off || (dad && ns[off] == 1))
			return false;
		off += olen;
	}
	return true;
}

/* NS for gw->v6 → NA, written over the frame from the IPv6 header on. */
static enum gw_result gw_ns(const struct gw *gw, struct pkt *p, bool to_sn,
			    uint32_t room, uint32_t *reply_len,
			    struct gw_stats *st)
{
	uint8_t *ip = p->data + p->l3_off;
	const uint8_t *ns = p->data + p->l4_off;

	if (p->l4_len < 24) /* no target field: cannot be told apart */
		return to_sn ? GW_NOT_MINE : consumed_bad(st);
	if (memcmp(ns + 8, gw->v6, 16) != 0)
		return GW_NOT_MINE;
	/* RFC 4861 7.1.1 validity; a DAD probe (source ::) must go to the
	 * solicited-node group. */
	bool dad = is_zero(ip + 8, 16);
	if (ip[7] != 255 || ns[1] != 0 || (dad && !to_sn) || (!dad && !ipv6_one_host(ip + 8)) ||
	    (p->src[0] & 1) || !ns_opts_ok(ns, p->l4_len, dad) ||
	    csum_fold(icmp6_sum(ip, ns, p->l4_len)) != 0)
		return consumed_bad(st);
	uint32_t rlen = (uint32_t)p->l3_off + 40 + NA_LEN;
	if (rlen > room)
		return consumed_bad(st);

	uint8_t req_ip[16];
	memcpy(req_ip, ip + 8, 16);
	eth_turn(p->data, gw);
	if (dad)
		memcpy(p->data, mac_all_nodes, 6);

	/* Fresh IPv6 header: any extension headers of the NS are dropped. */
	memset(ip, 0, 4); /* version 6, traffic class and flow label 0 */
	ip[0] = 0x60;
	be16_put(ip + 4, NA_LEN);
	ip[6] = PROTO_ICMPV6;
	ip[7] = 255;
	memcpy(ip + 8, gw->v6, 16);
	memcpy(ip + 24, dad ? ip6_all_nodes : req_ip, 16);

	uint8_t *na = ip + 40;
	memset(na, 0, NA_LEN);
	na[0] = 136;
	/* Solicited | Override, no S for an unsolicited (DAD) NA; no Router:
	 * the gateway routes no IPv6 (gw_unrouted), as the kernel
	 * dataplane's host with forwarding off says of itself. */
	na[4] = dad ? 0x20 : 0x60;
	memcpy(na + 8, gw->v6, 16);
	na[24] = 2; /* Target Link-Layer Address, length 1 (8 bytes) */
	na[25] = 1;
	memcpy(na + 26, gw->mac, 6);
	be16_put(na + 2, csum_fold(icmp6_sum(ip, na, NA_LEN)));
	*reply_len = rlen;
	st->nd_adverts++;
	return GW_REPLY;
}

enum ext_verdict { EXT_SKIP, EXT_REFUSE, EXT_BAD };

/* The extension headers of the IPv6 packet at ip before its ICMPv6 at
 * end (pkt_parse walked them to there: hop-by-hop, routing and
 * destination options, each within the packet), which an echo reply,
 * with a header of its own, leaves behind as Linux's does. A routing
 * header is refused: the request would go on to its next address, or
 * its sender chose the way back. So is an option whose type asks to be
 * understood (top two bits not 00, RFC 8200 4.2); options that do not
 * fill their header, or hop-by-hop other than first, are malformed. */
static enum ext_verdict echo6_ext(const uint8_t *ip, uint32_t end)
{
	uint32_t pos = 40, hl, off;
	uint8_t nh = ip[6];

	while (pos < end) {
		if (nh == NH_ROUTING)
			return EXT_REFUSE;
		if (nh == NH_HOPOPTS && pos != 40)
			return EXT_BAD;
		hl = ((uint32_t)ip[pos + 1] + 1) * 8;
		for (off = pos + 2; off < pos + hl;) {
			if (ip[off] == 0) { /* Pad1 */
				off++;
				continue;
			}
			if (pos + hl - off < 2 || ip[off + 1] > pos + hl - off - 2)
				return EXT_BAD;
			if (ip[off] >> 6)
				return EXT_REFUSE;
			off += 2 + (uint32_t)ip[off + 1];
		}
		nh = ip[pos];
		pos += hl;
	}
	return EXT_SKIP;
}

static enum gw_result gw_ipv6(const struct gw *gw, struct pkt *p,
			      uint32_t room, uint32_t *reply_len,
			      struct gw_stats *st)
{
	uint8_t *ip = p->data + p->l3_off;

	if (!gw->has_v6 || (uint32_t)p->l3_off + 40 > p->len)
		return GW_NOT_MINE;
	bool to_me = memcmp(ip + 24, gw->v6, 16) == 0;
	bool to_sn = !to_me && is_sn_ip(ip + 24, gw);
	if (!to_me && !to_sn)
		return GW_NOT_MINE;
	/* Unicast to us needs our MAC; the solicited-node group may also be
	 * reached via our MAC (a unicast-MAC NS is legal). */
	if (!mac_eq(p->dst, gw->mac) && !(to_sn && is_sn_mac(p->dst, gw)))
		return GW_NOT_MINE;
	/* Anything sent to the group other than an NS for our address is
	 * other hosts' business (same low 24 bits): flood it. */
	if (p->is_frag)
		return to_me ? consumed_unanswered(st) : GW_NOT_MINE;
	if (p->l4_proto != PROTO_ICMPV6)
		return !to_me ? GW_NOT_MINE : p->l4_proto && !p->l4_off ? consumed_bad(st) :
							consumed_unanswered(st);
	if (p->l4_off == 0)
		return to_me ? consumed_bad(st) : GW_NOT_MINE;

	uint8_t *icmp = p->data + p->l4_off;
	uint32_t n = p->l4_len;
	uint32_t rlen = (uint32_t)p->l4_off + n;
	if (n < 8 || rlen > p->len)
		return to_me ? consumed_bad(st) : GW_NOT_MINE;

	if (icmp[0] == 135)
		return gw_ns(gw, p, to_sn, room, reply_len, st);
	if (!to_me)
		return GW_NOT_MINE;
	if (icmp[0] != 128)
		return consumed_unanswered(st);

	/* Echo request. */
	switch (echo6_ext(ip, (uint32_t)(p->l4_off - p->l3_off))) {
	case EXT_REFUSE:
		return consumed_unanswered(st);
	case EXT_BAD:
		return consumed_bad(st);
	case EXT_SKIP:
		break;
	}
	if (icmp[1] != 0 || csum_fold(icmp6_sum(ip, icmp, n)) != 0 ||
	    !ipv6_one_host(ip + 8) || (p->src[0] & 1))
		return consumed_bad(st);
	if (rlen > room)
		return consumed_bad(st);

	eth_turn(p->data, gw);
	if (icmp != ip + 40) { /* the message moves up over its extension headers */
		memmove(ip + 40, icmp, n);
		icmp = ip + 40;
		be16_put(ip + 4, (uint16_t)n);
		ip[6] = PROTO_ICMPV6;
		rlen = (uint32_t)p->l3_off + 40 + n;
	}
	memcpy(ip + 24, ip + 8, 16);
	memcpy(ip + 8, gw->v6, 16);
	ip[7] = 64;
	icmp[0] = 129;
	be16_put(icmp + 2, 0);
	be16_put(icmp + 2, csum_fold(icmp6_sum(ip, icmp, n)));
	*reply_len = rlen;
	st->echo6_replies++;
	return GW_REPLY;
}

enum gw_result gw_handle(const struct gw *gw, struct pkt *p, uint32_t room,
			 uint32_t *reply_len, struct gw_stats *st)
{
	*reply_len = 0;
	if (p->l3_off == 0 || p->len < 14 || p->l3_off >= p->len)
		return GW_NOT_MINE;
	switch (p->ethertype) {
	case ETH_P_ARP_:
		return gw_arp(gw, p, reply_len, st);
	case ETH_P_IPV4_:
		return gw_ipv4(gw, p, room, reply_len, st);
	case ETH_P_IPV6_:
		return gw_ipv6(gw, p, room, reply_len, st);
	default:
		return GW_NOT_MINE;
	}
}
