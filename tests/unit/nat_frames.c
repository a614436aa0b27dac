/* SPDX-License-Identifier: MIT */
/* The NAT unit tests' frames and calls (nat_frames.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nat_frames.h"

uint16_t rd16(const uint8_t *b) { return (uint16_t)(b[0] << 8 | b[1]); }
uint32_t rd32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}
void wr16(uint8_t *b, uint16_t v) { b[0] = (uint8_t)(v >> 8), b[1] = (uint8_t)v; }
void wr32(uint8_t *b, uint32_t v)
{
	wr16(b, (uint16_t)(v >> 16));
	wr16(b + 2, (uint16_t)v);
}

uint32_t IP(int a, int b, int c, int d)
{
	return (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | (uint32_t)d;
}

uint32_t csum_off(uint8_t proto)
{
	return proto == P_TCP ? 16 : proto == P_UDP ? 6 : 2;
}

uint16_t ip_csum_calc(const uint8_t *ip)
{
	uint32_t hl = (uint32_t)(ip[0] & 15) * 4;
	uint8_t h[60];
	memcpy(h, ip, hl);
	h[10] = h[11] = 0;
	return csum_fold(csum_add(0, h, hl));
}

uint16_t l4_csum_calc(const uint8_t *ip)
{
	uint32_t hl = (uint32_t)(ip[0] & 15) * 4, len = rd16(ip + 2) - hl;
	uint8_t proto = ip[9];
	uint8_t *tmp = malloc(len + 1);
	memcpy(tmp, ip + hl, len);
	if (len >= csum_off(proto) + 2)
		wr16(tmp + csum_off(proto), 0);
	uint32_t s = 0;
	if (proto != P_ICMP) {
		uint8_t ph[4] = { 0, proto, (uint8_t)(len >> 8), (uint8_t)len };
		s = csum_add(s, ip + 12, 8);
		s = csum_add(s, ph, 4);
	}
	uint16_t c = csum_fold(csum_add(s, tmp, len));
	free(tmp);
	if (proto == P_UDP && c == 0)
		c = 0xffff;
	return c;
}

static uint8_t pay_seed;

uint32_t build(uint8_t *b, const struct frm *f)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };
	memcpy(b, macs, 12);
	wr16(b + 12, 0x0800);
	uint8_t *ip = b + 14;
	uint32_t hl = 20u + f->opts, l4len;
	uint8_t *l4 = ip + hl, *pay;

	switch (f->proto) {
	case P_UDP:
		l4len = 8u + f->payload;
		wr16(l4, f->sport), wr16(l4 + 2, f->dport), wr16(l4 + 4, (uint16_t)l4len);
		wr16(l4 + 6, 0);
		pay = l4 + 8;
		break;
	case P_TCP:
		l4len = 20u + f->payload;
		wr16(l4, f->sport), wr16(l4 + 2, f->dport);
		wr32(l4 + 4, 0x11223344), wr32(l4 + 8, f->flags & ACK ? 0x55667788 : 0);
		l4[12] = 5 << 4, l4[13] = f->flags;
		wr16(l4 + 14, 65535), wr16(l4 + 16, 0), wr16(l4 + 18, 0);
		pay = l4 + 20;
		break;
	case P_ICMP:
		l4[0] = f->type, l4[1] = f->code;
		wr16(l4 + 2, 0);
		if (f->quote) {
			wr32(l4 + 4, 0);
			memcpy(l4 + 8, f->quote, f->qlen);
			l4len = 8u + f->qlen;
			pay = NULL;
		} else {
			wr16(l4 + 4, f->sport), wr16(l4 + 6, 7);
			l4len = 8u + f->payload;
			pay = l4 + 8;
		}
		break;
	default:
		l4len = f->payload;
		pay = l4;
	}
	if (pay)
		for (uint32_t i = 0; i < f->payload; i++)
			pay[i] = (uint8_t)(i * 31 + pay_seed);
	pay_seed += 17;

	ip[0] = (uint8_t)(0x40 | hl / 4), ip[1] = 0;
	wr16(ip + 2, (uint16_t)(hl + l4len));
	wr16(ip + 4, 0x1234), wr16(ip + 6, f->frag);
	ip[8] = 64, ip[9] = f->proto;
	wr16(ip + 10, 0);
	wr32(ip + 12, f->src), wr32(ip + 16, f->dst);
	memset(ip + 20, 1, f->opts); /* NOPs */
	wr16(ip + 10, ip_csum_calc(ip));
	if ((f->proto == P_UDP || f->proto == P_TCP || f->proto == P_ICMP) && !f->frag &&
	    !(f->proto == P_UDP && f->nocsum))
		wr16(l4 + csum_off(f->proto), l4_csum_calc(ip));
	return 14 + hl + l4len;
}

uint8_t *ipof(uint8_t *b) { return b + 14; }
uint8_t *l4of(uint8_t *b) { return b + 14 + (b[14] & 15) * 4; }
uint32_t f_src(uint8_t *b) { return rd32(b + 26); }
uint32_t f_dst(uint8_t *b) { return rd32(b + 30); }
uint16_t f_sport(uint8_t *b) { return rd16(l4of(b) + (b[23] == P_ICMP ? 4 : 0)); }
uint16_t f_dport(uint8_t *b) { return rd16(l4of(b) + (b[23] == P_ICMP ? 4 : 2)); }

bool csums_ok(uint8_t *b, char *why, size_t n)
{
	uint8_t *ip = ipof(b), *l4 = l4of(b);
	uint16_t st = rd16(ip + 10), want = ip_csum_calc(ip);
	if (st != want)
		return snprintf(why, n, "ip csum %04x want %04x", st, want), false;
	uint8_t proto = ip[9];
	st = rd16(l4 + csum_off(proto));
	want = l4_csum_calc(ip);
	if (!(proto == P_UDP && st == 0) && st != want)
		return snprintf(why, n, "l4 csum %04x want %04x", st, want), false;
	uint32_t l4len = rd16(ip + 2) - (uint32_t)(ip[0] & 15) * 4;
	if (proto == P_ICMP && (l4[0] == 3 || l4[0] == 11 || l4[0] == 12) && l4len >= 28) {
		uint8_t *in = l4 + 8;
		if ((in[0] & 15) * 4u <= l4len - 8) {
			st = rd16(in + 10), want = ip_csum_calc(in);
			if (st != want)
				return snprintf(why, n, "inner ip csum %04x want %04x", st, want),
				       false;
		}
	}
	return true;
}

enum pkt_verdict last_parse;

enum nat_verdict xout(struct nat *nat, uint8_t *b, uint32_t len, uint64_t now)
{
	struct pkt p;
	last_parse = pkt_parse(b, len, &p);
	return nat_translate_out(nat, &p, now);
}

enum nat_verdict xin(struct nat *nat, uint8_t *b, uint32_t len, uint64_t now,
		     uint32_t *int_ip)
{
	struct pkt p;
	uint8_t ii[4] = { 0 };
	last_parse = pkt_parse(b, len, &p);
	enum nat_verdict v = nat_translate_in(nat, &p, now, ii);
	if (int_ip)
		*int_ip = rd32(ii);
	return v;
}

struct nat_cfg base_cfg(void)
{
	struct nat_cfg c = {
		.ext_ip = { 203, 0, 113, 1 },
		.int_net = { 10, 0, 0, 0 },
		.int_plen = 24,
		.ext_plen = 24,
		.port_min = 40000,
		.port_max = 40999,
		.max_entries = 1024,
	};
	return c;
}

static int find_cb(const struct nat_entry_view *e, void *arg)
{
	struct find *f = arg;
	f->total++;
	if (e->proto == f->proto && rd32(e->int_ip) == f->int_ip && rd32(e->rem_ip) == f->rem_ip &&
	    e->int_port == f->int_port && e->rem_port == f->rem_port) {
		f->found++;
		f->v = *e;
		snprintf(f->state, sizeof(f->state), "%s", e->state);
	}
	return 0;
}

struct find view_of(struct nat *nat, uint64_t now, uint8_t proto, uint32_t int_ip,
		    uint16_t int_port, uint32_t rem_ip, uint16_t rem_port)
{
	struct find f = { .proto = proto, .int_ip = int_ip, .rem_ip = rem_ip,
			  .int_port = int_port, .rem_port = rem_port };
	nat_foreach(nat, now, find_cb, &f);
	if (!f.found)
		snprintf(f.state, sizeof(f.state), "(none)");
	return f;
}

const char *state_of(struct nat *nat, uint64_t now, uint8_t proto, uint32_t int_ip,
		     uint16_t int_port, uint32_t rem_ip, uint16_t rem_port)
{
	static char buf[16];
	struct find f = view_of(nat, now, proto, int_ip, int_port, rem_ip, rem_port);
	memcpy(buf, f.state, sizeof(buf));
	return buf;
}

enum nat_verdict tcp_out(struct nat *nat, uint32_t src, uint16_t sport, uint8_t flags,
			 uint64_t now, uint16_t *ext, bool *csum_good)
{
	uint8_t b[256];
	char why[128];
	struct frm f = { .proto = P_TCP, .src = src, .dst = SRV, .sport = sport, .dport = 80,
			 .flags = flags, .payload = (flags & SYN) ? 0 : 5 };
	uint32_t len = build(b, &f);
	enum nat_verdict v = xout(nat, b, len, now);
	if (ext)
		*ext = f_sport(b);
	if (csum_good)
		*csum_good = v != NAT_OK || (csums_ok(b, why, sizeof(why)) && f_src(b) == EXT);
	return v;
}

enum nat_verdict tcp_in(struct nat *nat, uint16_t ext, uint8_t flags, uint64_t now,
			uint32_t *dst, uint16_t *dport, bool *csum_good)
{
	uint8_t b[256];
	char why[128];
	struct frm f = { .proto = P_TCP, .src = SRV, .dst = EXT, .sport = 80, .dport = ext,
			 .flags = flags, .payload = 7 };
	uint32_t len = build(b, &f);
	enum nat_verdict v = xin(nat, b, len, now, NULL);
	if (dst)
		*dst = f_dst(b);
	if (dport)
		*dport = f_dport(b);
	if (csum_good)
		*csum_good = v != NAT_OK || csums_ok(b, why, sizeof(why));
	return v;
}
