/* SPDX-License-Identifier: MIT */
/* NAT: a differential run against a plain array model and a mutation
 * fuzz loop, both with fixed seeds, through the public interface
 * (nat_frames.c). */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nat_frames.h"

#define CHECK_NAME "nat_random"
#include "check.h"

static uint64_t rng_state = 0x6e61747465737421ull;

static uint64_t rnd(void) /* splitmix64, fixed seed */
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* --- differential ---------------------------------------------------- */

enum { M_UDP, M_ICMP, M_SYN, M_EST, M_CLOSING, M_CLOSING_IN, M_TW, M_RESET };
/* closing either way: the transitory timeout; time_wait: half of it */
static const uint64_t m_tmo[] = { 50, 30, 40, 200, 40, 40, 20, 10 };

struct mconn {
	uint8_t proto, state;
	uint32_t int_ip, rem_ip;
	uint16_t int_port, rem_port, ext;
	uint64_t last;
};

#define DMAX 16
#define DPMIN 2000
#define DPMAX 2003

static struct mconn model[DMAX + 1], grave[16];
static int nmodel, ngrave;

static bool m_live(const struct mconn *m, uint64_t now)
{
	return (now > m->last ? now - m->last : 0) <= m_tmo[m->state];
}

static void m_purge(uint64_t now)
{
	for (int i = 0; i < nmodel;) {
		if (m_live(&model[i], now)) {
			i++;
			continue;
		}
		grave[ngrave++ % 16] = model[i];
		model[i] = model[--nmodel];
	}
}

static struct mconn *m_find_in(uint8_t proto, uint32_t rem_ip, uint16_t rem_port, uint16_t ext)
{
	for (int i = 0; i < nmodel; i++)
		if (model[i].proto == proto && model[i].rem_ip == rem_ip &&
		    model[i].rem_port == rem_port && model[i].ext == ext)
			return &model[i];
	return NULL;
}

static bool m_over(const struct mconn *m)
{
	return m->state == M_TW || m->state == M_RESET;
}

/* Its port may go to a new SYN: time_wait, silent for half its timeout. */
static bool m_takeable(const struct mconn *m, uint64_t now)
{
	return m->state == M_TW && now - m->last >= m_tmo[M_TW] / 2;
}

static void m_tcp(struct mconn *m, uint8_t fl, bool out)
{
	if (fl & RST)
		m->state = M_RESET;
	else if (out && (fl & (SYN | ACK)) == SYN &&
		 (m->state == M_CLOSING || m->state == M_CLOSING_IN || m_over(m)))
		m->state = M_SYN;
	else if (fl & FIN) {
		if (!m_over(m))
			m->state = m->state == (out ? M_CLOSING_IN : M_CLOSING) ? M_TW
				   : out ? M_CLOSING : M_CLOSING_IN;
	} else if (!out && m->state == M_SYN && (fl & ACK))
		m->state = M_EST;
}

static const uint8_t tcp_flag_set[] = { SYN, SYN | ACK, ACK, ACK | PSH, FIN | ACK, RST, RST | ACK };

static int map_cb(const struct nat_entry_view *e, void *arg)
{
	int *bad = arg;
	struct mconn *m = m_find_in(e->proto, rd32(e->rem_ip), e->rem_port, e->ext_port);
	if (!m || m->int_ip != rd32(e->int_ip) || m->int_port != e->int_port)
		(*bad)++;
	return 0;
}

static void dfail(long *bad, char *first, size_t n, long op, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void dfail(long *bad, char *first, size_t n, long op, const char *fmt, ...)
{
	if ((*bad)++)
		return;
	int k = snprintf(first, n, "op %ld: ", op);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(first + k, n - (size_t)k, fmt, ap);
	va_end(ap);
}

static void test_differential(void)
{
	struct nat_cfg c = base_cfg();
	c.port_min = DPMIN, c.port_max = DPMAX, c.max_entries = DMAX;
	c.timeout_udp_ns = m_tmo[M_UDP], c.timeout_icmp_ns = m_tmo[M_ICMP];
	c.timeout_tcp_trans_ns = m_tmo[M_SYN], c.timeout_tcp_est_ns = m_tmo[M_EST];
	c.timeout_tcp_rst_ns = m_tmo[M_RESET];
	struct nat *nat = nat_new(&c);
	static const uint16_t iports[] = { 1000, 1001, 2001, 2005 };
	static const uint32_t rems[] = { 0xc6336401, 0xc6336402, 0xc6336403 };
	static const uint16_t rports[] = { 53, 80 };
	uint64_t now = 1000;
	long ops = 0, bad = 0, n_ok = 0, n_full = 0, n_noport = 0, n_in_ok = 0, n_err = 0;
	long n_taken = 0;
	char first[256] = "";
	uint8_t b[512], e[512];
	char why[128];

#define DFAIL(...) dfail(&bad, first, sizeof(first), ops, __VA_ARGS__)

	for (ops = 0; ops < 100000; ops++) {
		now += rnd() % 4;
		if (rnd() % 500 == 0)
			now += 60;
		m_purge(now);
		unsigned op = (unsigned)(rnd() % 100);
		if (op < 50) { /* outbound */
			struct mconn k = { 0 };
			unsigned pr = (unsigned)(rnd() % 20);
			k.proto = pr < 10 ? P_UDP : pr < 17 ? P_TCP : P_ICMP;
			k.int_ip = IP(10, 0, 0, 1 + (int)(rnd() % 6));
			k.int_port = iports[rnd() % 4];
			k.rem_ip = rems[rnd() % 3];
			k.rem_port = k.proto == P_ICMP ? 0 : rports[rnd() % 2];
			uint8_t fl = tcp_flag_set[rnd() % sizeof(tcp_flag_set)];
			struct frm f = { .proto = k.proto, .src = k.int_ip, .dst = k.rem_ip,
					 .sport = k.int_port, .dport = k.rem_port, .flags = fl,
					 .type = 8, .payload = (uint16_t)(rnd() % 20) };
			uint32_t l = build(b, &f);
			enum nat_verdict v = xout(nat, b, l, now);
			uint16_t ext = f_sport(b);
			struct mconn *m = NULL;
			for (int i = 0; i < nmodel; i++)
				if (model[i].proto == k.proto && model[i].int_ip == k.int_ip &&
				    model[i].int_port == k.int_port && model[i].rem_ip == k.rem_ip &&
				    model[i].rem_port == k.rem_port)
					m = &model[i];
			if (v == NAT_OK && (f_src(b) != EXT || f_dst(b) != k.rem_ip ||
					    !csums_ok(b, why, sizeof(why))))
				DFAIL("bad translated frame");
			if (m) {
				if (v != NAT_OK || ext != m->ext)
					DFAIL("live conn: v %d ext %u want %u", v, ext, m->ext);
				if (k.proto == P_TCP)
					m_tcp(m, fl, true);
				m->last = now;
				continue;
			}
			/* Ports towards k's endpoint held, and of them by
			 * finished TCP connections (a new SYN may take one
			 * of those, once no port is free). */
			int used = 0, over = 0;
			for (int i = 0; i < nmodel; i++)
				if (model[i].proto == k.proto && model[i].rem_ip == k.rem_ip &&
				    model[i].rem_port == k.rem_port) {
					used++;
					over += m_takeable(&model[i], now);
				}
			bool syn = k.proto == P_TCP && fl == SYN;
			if (v == NAT_OK) {
				struct mconn *held = m_find_in(k.proto, k.rem_ip, k.rem_port, ext);

				n_ok++;
				if (held && syn && m_takeable(held, now) && used == DPMAX - DPMIN + 1) {
					n_taken++; /* taken over: gone from the model */
					grave[ngrave++ % 16] = *held;
					*held = model[--nmodel];
				} else if (ext < DPMIN || ext > DPMAX || held) {
					DFAIL("ext %u out of range or shared", ext);
				}
				if (k.int_port >= DPMIN && k.int_port <= DPMAX &&
				    !m_find_in(k.proto, k.rem_ip, k.rem_port, k.int_port) &&
				    ext != k.int_port)
					DFAIL("free in-range port %u not kept (got %u)", k.int_port, ext);
				if (nmodel >= DMAX) {
					DFAIL("created beyond max_entries");
					continue;
				}
				k.ext = ext;
				k.last = now;
				k.state = k.proto == P_UDP ? M_UDP : k.proto == P_ICMP ? M_ICMP
					: fl & RST ? M_RESET : fl & FIN ? M_CLOSING
					: (fl & (SYN | ACK)) == SYN ? M_SYN : M_EST;
				model[nmodel++] = k;
			} else if (v == NAT_DROP_FULL) {
				n_full++;
				/* the reclaim sweep covers a table this small */
				if (nat_stats(nat)->entries != DMAX || nmodel != DMAX)
					DFAIL("FULL with %u entries, %d live", nat_stats(nat)->entries,
					      nmodel);
			} else if (v == NAT_DROP_NO_PORT) {
				n_noport++;
				if (used != DPMAX - DPMIN + 1 || (syn && over))
					DFAIL("NO_PORT with %d ports live, %d of them over, %s", used,
					      over, syn ? "a SYN" : "no SYN");
			} else {
				DFAIL("outbound verdict %d", v);
			}
		} else if (op < 92) { /* inbound: reply to a live, dead, or random flow */
			struct mconn k;
			unsigned pick = (unsigned)(rnd() % 10);
			if (pick < 7 && nmodel)
				k = model[rnd() % (unsigned)nmodel];
			else if (pick < 9 && ngrave)
				k = grave[rnd() % (unsigned)(ngrave < 16 ? ngrave : 16)];
			else {
				k.proto = (rnd() & 1) ? P_UDP : P_TCP;
				k.rem_ip = rems[rnd() % 3];
				k.rem_port = rports[rnd() % 2];
				k.ext = (uint16_t)(DPMIN - 2 + rnd() % 16);
			}
			struct mconn *m = m_find_in(k.proto, k.rem_ip, k.rem_port, k.ext);
			bool err = op >= 85 && k.proto != 0;
			uint32_t ii, l;
			enum nat_verdict v;
			uint8_t fl = tcp_flag_set[rnd() % sizeof(tcp_flag_set)];
			if (!err) {
				struct frm f = { .proto = k.proto, .src = k.rem_ip, .dst = EXT,
						 .sport = k.proto == P_ICMP ? k.ext : k.rem_port,
						 .dport = k.ext, .flags = fl, .type = 0,
						 .payload = (uint16_t)(rnd() % 20) };
				l = build(b, &f);
				v = xin(nat, b, l, now, &ii);
			} else { /* an ICMP error quoting what went out */
				struct frm f = { .proto = k.proto, .src = EXT, .dst = k.rem_ip,
						 .sport = k.ext, .dport = k.rem_port, .flags = SYN,
						 .type = 8, .payload = 12 };
				uint32_t tl = build(e, &f);
				static const uint8_t types[] = { 3, 11, 12 };
				struct frm ef = { .proto = P_ICMP, .type = types[rnd() % 3],
						  .src = ROUTER, .dst = EXT, .quote = e + 14,
						  .qlen = (uint16_t)(rnd() & 1 ? 28 : tl - 14) };
				l = build(b, &ef);
				v = xin(nat, b, l, now, &ii);
			}
			if (m) {
				uint8_t *q = err ? l4of(b) + 8 : NULL;
				uint32_t dst = err ? rd32(q + 12) : f_dst(b);
				uint16_t port = err ? rd16(q + 20 + (k.proto == P_ICMP ? 4 : 0))
						    : f_dport(b);
				if (v != NAT_OK || ii != m->int_ip || dst != m->int_ip ||
				    port != m->int_port || f_dst(b) != m->int_ip ||
				    !csums_ok(b, why, sizeof(why)))
					DFAIL("reply %s: v %d to %08x:%u want %08x:%u", err ? "err" : "",
					      v, dst, port, m->int_ip, m->int_port);
				if (err) {
					n_err++;
				} else {
					n_in_ok++;
					if (k.proto == P_TCP)
						m_tcp(m, fl, false);
					m->last = now;
				}
			} else if (v != NAT_DROP_NO_MATCH) {
				DFAIL("reply to no connection: v %d", v);
			}
		} else if (op < 94) { /* expire, then compare the whole table */
			nat_expire(nat, now);
			int mism = 0;
			nat_foreach(nat, now, map_cb, &mism);
			if (nat_stats(nat)->entries != (uint32_t)nmodel || mism)
				DFAIL("after expire: %u entries, model %d, %d mismatches",
				      nat_stats(nat)->entries, nmodel, mism);
		}
	}
	check(bad == 0, "differential: 100k ops against a model", "%ld bad; first: %s", bad, first);
	/* Take-overs (a SYN, every port towards its endpoint held, one by
	 * a silent time_wait) are too rare here to require: the model
	 * checks those that happen; test_tcp_port_reuse makes them. */
	check(n_ok > 1000 && n_full > 100 && n_noport > 100 && n_in_ok > 1000 && n_err > 100,
	      "differential: exercised create, FULL, NO_PORT, replies, ICMP errors",
	      "ok %ld full %ld noport %ld in %ld err %ld taken %ld", n_ok, n_full, n_noport,
	      n_in_ok, n_err, n_taken);
	nat_free(nat);
#undef DFAIL
}

/* --- fuzz ------------------------------------------------------------ */

/* Checksums valid for a frame pkt_parse accepts as IPv4 with a known L4;
 * -1 if not applicable. */
static int csum_state(uint8_t *b, uint32_t len)
{
	struct pkt p;
	if (pkt_parse(b, len, &p) != PKT_OK || p.ethertype != 0x0800 || p.is_frag || !p.l4_off ||
	    p.l3_off != 14)
		return -1;
	char why[128];
	uint8_t *l4 = b + p.l4_off;
	if (p.l4_proto == P_ICMP && (l4[0] == 3 || l4[0] == 11 || l4[0] == 12))
		return -1; /* quoted headers may be garbage by design */
	return csums_ok(b, why, sizeof(why));
}

static void fix_csums(uint8_t *b, uint32_t len)
{
	struct pkt p;
	if (pkt_parse(b, len, &p) != PKT_OK || p.ethertype != 0x0800 || p.l3_off != 14)
		return;
	uint8_t *ip = b + 14;
	wr16(ip + 10, 0);
	wr16(ip + 10, ip_csum_calc(ip));
	if (p.l4_off && !p.is_frag && p.l4_len >= csum_off(p.l4_proto) + 2)
		wr16(b + p.l4_off + csum_off(p.l4_proto), l4_csum_calc(ip));
}

static void test_fuzz(void)
{
	struct nat_cfg c = base_cfg();
	c.port_min = 30000, c.port_max = 30063, c.max_entries = 256;
	struct nat *nat = nat_new(&c);
	enum { NSEED = 48 };
	static uint8_t seeds[NSEED][512];
	static uint32_t slen[NSEED];
	static bool sdir_in[NSEED];
	int ns = 0;
	uint8_t b[512];

	for (int i = 0; i < 12; i++) {
		uint8_t proto = i % 3 == 0 ? P_UDP : i % 3 == 1 ? P_TCP : P_ICMP;
		struct frm f = { .proto = proto, .src = IP(10, 0, 0, 1 + i), .dst = SRV,
				 .sport = (uint16_t)(3000 + i), .dport = 53, .flags = SYN,
				 .type = 8, .payload = (uint16_t)(i * 3), .opts = (uint8_t)(i == 5 ? 8 : 0) };
		slen[ns] = build(seeds[ns], &f);
		memcpy(b, seeds[ns], slen[ns]);
		sdir_in[ns++] = false;
		xout(nat, b, slen[ns - 1], SEC);
		uint16_t ext = f_sport(b);
		struct frm r = { .proto = proto, .src = SRV, .dst = EXT,
				 .sport = proto == P_ICMP ? ext : 53, .dport = ext,
				 .flags = SYN | ACK, .type = 0, .payload = 10 };
		slen[ns] = build(seeds[ns], &r);
		sdir_in[ns++] = true;
		struct frm ef = { .proto = P_ICMP, .type = (uint8_t)(i & 1 ? 3 : 11), .src = ROUTER,
				  .dst = EXT, .quote = b + 14,
				  .qlen = (uint16_t)(i & 2 ? 28 : slen[ns - 2] - 14) };
		slen[ns] = build(seeds[ns], &ef);
		sdir_in[ns++] = true;
		if (ns + 3 > NSEED)
			break;
	}

	long ok_checked = 0, bad_after = 0, verdicts[8] = { 0 };
	uint64_t now = 2 * SEC;
	for (int it = 0; it < 100000; it++) {
		int s = (int)(rnd() % (unsigned)ns);
		uint32_t len = slen[s];
		memcpy(b, seeds[s], len);
		int nm = 1 + (int)(rnd() % 6);
		for (int k = 0; k < nm; k++) {
			uint32_t pos = (uint32_t)(rnd() % len);
			switch (rnd() % 3) {
			case 0: b[pos] ^= (uint8_t)(1u << (rnd() % 8)); break;
			case 1: b[pos] = (uint8_t)rnd(); break;
			default: b[pos] = (uint8_t)(rnd() & 1 ? 0 : 0xff); break;
			}
		}
		if (rnd() % 8 == 0)
			len = (uint32_t)(rnd() % (len + 1));
		else if (rnd() % 16 == 0) {
			uint32_t extra = (uint32_t)(rnd() % 32);
			for (uint32_t k = 0; k < extra; k++)
				b[len + k] = (uint8_t)rnd();
			len += extra;
		}
		if (rnd() & 1)
			fix_csums(b, len);
		uint8_t *x = malloc(len ? len : 1);
		memcpy(x, b, len);
		int before = csum_state(x, len);
		bool in = sdir_in[s] ^ (rnd() % 10 == 0);
		enum nat_verdict v = in ? xin(nat, x, len, now, NULL) : xout(nat, x, len, now);
		verdicts[v < 8 ? v : 7]++;
		if (v == NAT_OK && before == 1) {
			ok_checked++;
			if (csum_state(x, len) != 1)
				bad_after++;
		}
		free(x);
		now += 1000;
		if (it % 5000 == 0)
			nat_expire(nat, now);
	}
	check(bad_after == 0, "fuzz: 100k mutated frames, valid checksums stay valid when translated",
	      "%ld of %ld broken", bad_after, ok_checked);
	check(verdicts[NAT_OK] > 1000 && verdicts[NAT_DROP_BAD] > 100 && ok_checked > 1000,
	      "fuzz: reached translation and refusal paths",
	      "ok %ld bad %ld checked %ld", verdicts[NAT_OK], verdicts[NAT_DROP_BAD], ok_checked);
	nat_free(nat);
}

int main(void)
{
	test_differential();
	test_fuzz();
	/* Not a PASS/FAIL line: the runner counts those as checks. */
	printf("nat_random: %d/%d checks passed\n", checks - failures,
	       checks);
	return failures ? 1 : 0;
}
