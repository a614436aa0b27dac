/* SPDX-License-Identifier: MIT */
/* The gateway's ICMP errors (time exceeded, net unreachable,
 * fragmentation needed), built in the frame that caused them, and the
 * rate limit that keeps a flood from being answered at line rate. */
#include <string.h>

#include "nat_csum.h"
#include "route.h"
#include "switch.h"

#define ETH_HLEN 14

/* At most ICMP_RATE errors a second, ICMP_BURST at once, as Linux
 * (net.ipv4.icmp_msgs_per_sec, icmp_msgs_burst): what the outside or a
 * namespace sends at line rate must not make the switch answer at line
 * rate. One bucket for all errors of the gateway. */
#define ICMP_RATE 1000
#define ICMP_BURST 50
#define ICMP_EVERY_NS (1000000000ull / ICMP_RATE)
static bool icmp_allow(struct sw *sw)
{
	struct rt *rt = &sw->rt;
	uint64_t add = (sw->now - rt->icmp_stamp) / ICMP_EVERY_NS;

	if (add) {
		rt->icmp_credit = add >= ICMP_BURST - rt->icmp_credit ? ICMP_BURST :
									rt->icmp_credit + (uint32_t)add;
		rt->icmp_stamp = add >= ICMP_BURST ? sw->now : rt->icmp_stamp + add * ICMP_EVERY_NS;
	}
	if (!rt->icmp_credit) {
		rt->st.icmp_limited++;
		return false;
	}
	rt->icmp_credit--;
	return true;
}

/* An ICMP error about the packet in p, built in place: the quoted IP
 * header and 8 bytes move back 28 bytes, a new IP+ICMP header goes in
 * front, and the frame returns through the port it came from, from
 * src_ip and src_mac (the gateway's, or the uplink's for what came from
 * outside). mtu: the next hop's, for "fragmentation needed" (RFC 1191). */
void route_icmp_error(struct sw *sw, struct port *in, uint64_t addr, struct pkt *p,
		      const uint8_t src_ip[4], const uint8_t src_mac[6], uint8_t type,
		      uint8_t code, uint16_t mtu)
{
	uint8_t *d = p->data, *ip = d + ETH_HLEN, *icmp = ip + 20;
	uint32_t room = FRAME_SIZE - (uint32_t)(addr - umem_chunk(addr));
	uint32_t quote = (uint32_t)(ip[0] & 0x0f) * 4 + 8, len;
	/* A first fragment has no l4_off from pkt_parse, but its ICMP type
	 * is there all the same. */
	uint32_t l4 = ETH_HLEN + (uint32_t)(ip[0] & 0x0f) * 4;
	uint8_t to_mac[6], itype = ip[9] == 1 && l4 < p->len ? d[l4] : 0;

	/* RFC 1812 4.3.2.7: never about an ICMP error, a fragment other than
	 * the first, a packet to a group or to the uplink subnet's broadcast
	 * address, or from an address that is not one host's (zero,
	 * loopback, multicast, class E, the subnet's broadcast, the
	 * gateway's own); such a packet is only dropped. */
	if (itype == 3 || itype == 4 || itype == 5 || itype == 11 || itype == 12 ||
	    (be16_get(ip + 6) & 0x1fff) || !gw_src_one_host(&sw->cfg.gw, ip + 12) || ip[16] >= 0xe0 ||
	    route_uplink_bcast(sw, ip + 16) || !icmp_allow(sw)) {
		frame_put(&sw->umem, addr);
		return;
	}
	if (quote > p->len - ETH_HLEN)
		quote = p->len - ETH_HLEN;
	len = ETH_HLEN + 28 + quote;
	if (len > room) {
		sw->rt.st.bad++;
		frame_put(&sw->umem, addr);
		return;
	}
	memmove(icmp + 8, ip, quote);
	memcpy(to_mac, d + 6, 6);
	memcpy(d, to_mac, 6);
	memcpy(d + 6, src_mac, 6);
	memcpy(ip + 16, icmp + 8 + 12, 4); /* to the original sender */
	memcpy(ip + 12, src_ip, 4);
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
	icmp[0] = type;
	icmp[1] = code;
	icmp[6] = (uint8_t)(mtu >> 8);
	icmp[7] = (uint8_t)mtu;
	c = csum_fold(csum_add(0, icmp, 8 + quote));
	icmp[2] = (uint8_t)(c >> 8);
	icmp[3] = (uint8_t)c;
	if (type == 3 && code == 4)
		sw->rt.st.frag_needed++;
	port_tx_stage(in, &sw->umem, addr, len);
}

void route_time_exceeded(struct sw *sw, struct port *in, uint64_t addr, struct pkt *p)
{
	sw->rt.st.ttl_exceeded++;
	route_icmp_error(sw, in, addr, p, sw->cfg.gw.v4, sw->cfg.gw.mac, 11, 0, 0); /* in transit */
}

/* No route (RFC 1812 5.2.7.1; what Linux's router sends too), so that
 * the sender learns at once instead of waiting for a timeout. */
void route_net_unreachable(struct sw *sw, struct port *in, uint64_t addr, struct pkt *p)
{
	sw->rt.st.no_route++;
	route_icmp_error(sw, in, addr, p, sw->cfg.gw.v4, sw->cfg.gw.mac, 3, 0, 0);
}
