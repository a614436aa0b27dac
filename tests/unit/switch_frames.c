/* SPDX-License-Identifier: MIT */
/* The switch, the record of what left it and the frames of
 * switch_frames.h. */
#include <stdint.h>
#include <string.h>

#include "nat.h"
#include "pkt.h"
#include "switch.h"
#include "switch_harness.h"
#include "switch_frames.h"

struct sw *sw;
struct port *ports;

struct sent sent[64];
int nsent;

/* --- the socket end, stubbed (tests/switch_harness.c: the rest) */

void port_tx_flush(struct port *p, struct umem *u)
{
	for (uint32_t i = 0; i < p->ntxq; i++) {
		if (nsent < (int)(sizeof(sent) / sizeof(sent[0]))) {
			sent[nsent].port = p->idx;
			sent[nsent].len = p->txq[i].len;
			memcpy(sent[nsent].data, xsk_umem__get_data(u->area, p->txq[i].addr),
			       sizeof(sent[0].data));
			nsent++;
		}
		frame_put(u, p->txq[i].addr);
	}
	p->ntxq = 0;
}

void sw_new(void)
{
	static const struct nat_cfg nc = {
		.ext_ip = { 203, 0, 113, 1 }, .int_net = { 10, 13, 37, 0 }, .int_plen = 24,
		.port_min = 20000, .port_max = 20015, .max_entries = 24,
	};
	static const uint16_t jumbo[NL2] = { 9000, 9000, 9000 };
	static const struct harness_cfg hc = {
		.nat = &nc, .nframes = NFRAMES, .nl2 = NL2, .up_mtu = 1500, .l2_mtu = 9000,
		.port_mtu = jumbo,
	};

	harness_sw_free(sw);
	sw = harness_sw_new(&hc);
	ports = sw->ports;
	nsent = 0;
}

uint64_t rx(const uint8_t *f, uint32_t len)
{
	return harness_rx(sw, f, len);
}

void flush(void)
{
	harness_flush(sw);
}

void udp4(uint8_t *f, const uint8_t dmac[6], const uint8_t smac[6], const uint8_t sip[4],
	  const uint8_t dip[4], uint16_t sport, uint16_t dport, uint32_t tot, bool df,
	  uint8_t fill)
{
	uint8_t *ip = f + 14, *u = ip + 20;

	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	f[12] = 0x08, f[13] = 0x00;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	be16_put(ip + 2, (uint16_t)tot);
	be16_put(ip + 4, 0x1234);
	ip[6] = df ? 0x40 : 0;
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, sip, 4);
	memcpy(ip + 16, dip, 4);
	be16_put(ip + 10, csum_fold(csum_add(0, ip, 20)));
	be16_put(u, sport);
	be16_put(u + 2, dport);
	be16_put(u + 4, (uint16_t)(tot - 20));
	be16_put(u + 6, 0); /* no checksum */
	memset(u + 8, fill, tot - 28);
}

void udp_out(uint8_t *f, uint32_t tot, uint32_t flen, bool df)
{
	memset(f, 0xab, flen);
	udp4(f, GW_MAC, HOST_MAC, HOST4, FAR4, 5555, 53, tot, df, 0x11);
}

void ip_sum(uint8_t *f)
{
	be16_put(f + 14 + 10, 0);
	be16_put(f + 14 + 10, csum_fold(csum_add(0, f + 14, (f[14] & 0x0fu) * 4)));
}

void rx_chain(const uint8_t *f, uint32_t len)
{
	struct xdp_desc seg[4];
	uint32_t lens[4], n = 0, off = 0;

	while (off < len && n < 4) {
		lens[n] = len - off < 3500 ? len - off : 3500;
		off += lens[n++];
	}
	harness_rx_segs(sw, f, lens, n, false, seg);
	switch_segs(sw, &ports[0], seg, n);
	flush();
}

int sent_on(int port)
{
	int n = 0;

	for (int i = 0; i < nsent; i++)
		n += sent[i].port == port;
	return n;
}

void flow_open(uint8_t *f, uint8_t ext[2])
{
	sw_new();
	udp_out(f, 46, 60, false);
	switch_frame(sw, &ports[0], rx(f, 60), 60);
	flush();
	memcpy(ext, sent[0].data + 34, 2);
	nsent = 0;
}

void udp_in(uint8_t *f, const uint8_t ext[2])
{
	memset(f, 0, 60);
	udp4(f, UP_MAC, (const uint8_t[6]){ 0x02, 0x99, 198, 51, 100, 7 }, FAR4, EXT4, 53, 0, 28,
	     false, 0);
	memcpy(f + 14 + 20 + 2, ext, 2);
}

uint32_t ip_opts(uint8_t *f, const uint8_t dst[4], const uint8_t *opt, uint32_t n,
		 bool icmp)
{
	uint8_t *ip = f + 14, *l4 = ip + 20 + n;
	uint32_t tot = 20 + n + 16;

	memset(f, 0, 14 + tot);
	memcpy(f, GW_MAC, 6);
	memcpy(f + 6, HOST_MAC, 6);
	f[12] = 0x08, f[13] = 0x00;
	ip[0] = (uint8_t)(0x40 | (20 + n) / 4);
	be16_put(ip + 2, (uint16_t)tot);
	ip[8] = 64;
	ip[9] = icmp ? 1 : 17;
	memcpy(ip + 12, HOST4, 4);
	memcpy(ip + 16, dst, 4);
	memcpy(ip + 20, opt, n);
	ip_sum(f);
	if (icmp) {
		l4[0] = 8;
		be16_put(l4 + 4, 0x4242);
		be16_put(l4 + 2, csum_fold(csum_add(0, l4, 16)));
	} else {
		be16_put(l4, 5555);
		be16_put(l4 + 2, 53);
		be16_put(l4 + 4, 16);
	}
	return 14 + tot < 60 ? 60 : 14 + tot;
}

void sw_new_v6(void)
{
	sw_new();
	sw->cfg.gw.has_v6 = 1;
	memcpy(sw->cfg.gw.v6, GW6, 16);
}

uint32_t icmp6_frame(uint8_t *f, const uint8_t *ext, uint32_t n, uint8_t first_nh,
		     uint8_t type, uint32_t l4)
{
	uint8_t *ip = f + 14, *m = ip + 40 + n;
	uint8_t tail[8] = { 0, 0, (uint8_t)(l4 >> 8), (uint8_t)l4, 0, 0, 0, 58 };

	memset(f, 0, 14 + 40 + n + (l4 < 8 ? 8 : l4));
	memcpy(f, GW_MAC, 6);
	memcpy(f + 6, HOST_MAC, 6);
	f[12] = 0x86, f[13] = 0xdd;
	ip[0] = 0x60;
	be16_put(ip + 4, (uint16_t)(n + l4));
	ip[6] = n ? first_nh : 58;
	ip[7] = 64;
	memcpy(ip + 8, HOST6, 16);
	memcpy(ip + 24, GW6, 16);
	if (n) /* ext may be NULL: memcpy's is never, even for 0 bytes */
		memcpy(ip + 40, ext, n);
	m[0] = type;
	be16_put(m + 4, 0x4242);
	if (l4 >= 8)
		be16_put(m + 2, csum_fold(csum_add(csum_add(csum_add(0, ip + 8, 32), tail, 8), m,
						   l4)));
	return 14 + 40 + n + l4 < 60 ? 60 : 14 + 40 + n + l4;
}

