/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "gw_big.h"
#include "gw_reasm.h"
#include "nat_csum.h"
#include "route_frag.h"
#include "switch.h"

#define ETH_HLEN 14

bool gw_big_mine(const struct sw *sw, const struct pkt *p)
{
	return sw->cfg.gw.has_v4 && p->ethertype == 0x0800 && p->l3_off == ETH_HLEN &&
	       p->len >= ETH_HLEN + 20 && !memcmp(p->dst, sw->cfg.gw.mac, 6) &&
	       !memcmp(p->data + ETH_HLEN + 16, sw->cfg.gw.v4, 4);
}

/* The echo request whose IPv4 datagram is at ip (len bytes, 14 writable
 * bytes before it) turned into its reply there and sent to mac out of
 * in. Refused as by the one-frame answer (gateway.c): a request that is
 * not one, a bad checksum, a group source; and here also a zero or
 * loopback source, since the reply may be many frames. Anything else is
 * dropped and counted as gw_ipv4_for counts it: malformed in gw_bad,
 * not a ping (TCP, UDP, other ICMP) in gw_unanswered. */
static void echo_reply(struct sw *sw, struct port *in, uint8_t *ip, uint32_t len,
		       const uint8_t mac[6])
{
	uint32_t hl = (uint32_t)(ip[0] & 0x0f) * 4, mtu = route_port_mtu(sw, FDB_PORT_NONE), n;
	uint8_t *icmp = ip + hl, *frame = ip - ETH_HLEN;
	uint64_t addr[RT_FRAGS_MAX];
	uint32_t flen[RT_FRAGS_MAX];
	int k, i;

	if (hl < 20 || hl > len || (ip[9] == 1 && len < hl + 8)) {
		sw->gwst.bad++;
		return;
	}
	if (ip[9] != 1 || icmp[0] != 8) {
		sw->gwst.unanswered++;
		return;
	}
	n = len - hl;
	if (icmp[1] != 0 || csum_fold(csum_add(0, icmp, n)) != 0 || (mac[0] & 1) ||
	    !gw_src_one_host(&sw->cfg.gw, ip + 12)) {
		sw->gwst.bad++;
		return;
	}
	memmove(frame, mac, 6);
	memcpy(frame + 6, sw->cfg.gw.mac, 6);
	frame[12] = 0x08, frame[13] = 0x00;
	be16_put(ip + 2, (uint16_t)len);
	ip[6] = ip[7] = 0; /* a datagram again, one fragment's flags gone */
	gw_echo_turn(sw->cfg.gw.v4, ip, hl, n);
	if (len <= mtu) {
		/* It fits one frame: a request cut smaller than it had to be. */
		if (sw->umem.nfree <= RT_FRAG_RESERVE) {
			sw->gwst.big_no_frame++;
			return;
		}
		addr[0] = frame_take(&sw->umem);
		memcpy(xsk_umem__get_data(sw->umem.area, addr[0]), frame, ETH_HLEN + len);
		flen[0] = ETH_HLEN + len;
		k = 1;
	} else if ((i = route_fragment(&sw->umem, frame, ETH_HLEN + len, mtu, addr, flen, &k))) {
		/* -EINVAL: more than RT_FRAGS_MAX pieces, at a port MTU
		 * below 532 (or a malformed option list). */
		if (i == -ENOBUFS)
			sw->gwst.big_no_frame++;
		else
			sw->gwst.bad++;
		return;
	}
	for (i = 0; i < k; i++)
		port_tx_stage(in, &sw->umem, addr[i], flen[i]);
	sw->gwst.echo_replies++;
	sw->gwst.echo_big++;
}

void gw_big_fragment(struct sw *sw, struct port *in, const struct pkt *p)
{
	uint8_t mac[6], *dgram;
	uint32_t dlen;

	/* Only a ping is answered: nothing else takes a slot. */
	if (!sw->reasm || p->data[ETH_HLEN + 9] != 1) {
		sw->gwst.unanswered++;
		return;
	}
	memcpy(mac, p->src, 6);
	if (gw_reasm_add(sw->reasm, p->data + ETH_HLEN, p->len - ETH_HLEN, mac, sw->now, &dgram,
			 &dlen) == 1)
		echo_reply(sw, in, dgram, dlen, mac);
}

void gw_big_frame(struct sw *sw, struct port *in, uint8_t *frame, uint32_t len)
{
	uint8_t *ip = frame + ETH_HLEN, mac[6];
	uint32_t tot = be16_get(ip + 2);

	/* (a fragment goes to gw_big_fragment: one here is malformed too) */
	if (len < ETH_HLEN + 20 || tot < 20 || tot > len - ETH_HLEN || (be16_get(ip + 6) & 0x3fff)) {
		sw->gwst.bad++;
		return;
	}
	memcpy(mac, frame + 6, 6);
	echo_reply(sw, in, ip, tot, mac);
}
