/* SPDX-License-Identifier: MIT */
/* NAT: behaviour through the public interface only: UDP, TCP (its
 * states and timeouts) and ICMP echo translated both ways, ports shared
 * and reused, and what it refuses. Frames are built byte by byte
 * (Ethernet + IPv4 + L4) with checksums computed here by full
 * recomputation (pkt.c's csum_add/csum_fold, independent of nat.c's
 * incremental code), run through pkt_parse, then through nat_*
 * (nat_frames.c). Time is a fake clock passed in. The rest of the NAT's
 * tests: the table and its ports (test_nat_table.c), ICMP errors
 * (test_nat_icmp.c), fragments (test_nat_frag.c), connections kept
 * across a restart (test_nat_keep.c), and a differential run against a
 * model and a mutation fuzz loop (test_nat_random.c). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nat_frames.h"

#define CHECK_NAME "nat"
#include "check.h"

/* --- tests ----------------------------------------------------------- */

static void test_config(void)
{
	struct nat_cfg c = base_cfg();
	struct nat *n;

	c.port_min = 5000, c.port_max = 4999;
	n = nat_new(&c);
	check(!n, "inverted port range refused", "got a table");
	nat_free(n);
	c = base_cfg(), c.max_entries = 0;
	n = nat_new(&c);
	check(!n, "max_entries 0 refused", "got a table");
	nat_free(n);
	c = base_cfg(), c.max_entries = (1u << 24) + 1;
	n = nat_new(&c);
	check(!n, "max_entries over 1<<24 refused", "got a table");
	nat_free(n);
	c = base_cfg(), c.port_min = 0;
	n = nat_new(&c);
	check(!n, "port_min 0 refused", "got a table");
	nat_free(n);
	c = base_cfg();
	n = nat_new(&c);
	check(n != NULL, "valid config accepted", "NULL");
	if (!n)
		return;
	check(!nat_port_reserved(n, 39999) && nat_port_reserved(n, 40000) &&
		      nat_port_reserved(n, 40999) && !nat_port_reserved(n, 41000),
	      "nat_port_reserved is [port_min, port_max]", "wrong edge");
	size_t bpe = nat_bytes_per_entry();
	check(bpe >= 40 && bpe <= 128, "nat_bytes_per_entry plausible", "%zu", bpe);
	nat_free(n);
}

static void test_udp(void)
{
	struct nat_cfg c = base_cfg();
	struct nat *nat = nat_new(&c);
	uint8_t o[256], b[256], r[256];
	char why[128] = "";
	uint32_t ii;

	struct frm f = { .proto = P_UDP, .src = IP(10, 0, 0, 2), .dst = SRV, .sport = 5000,
			 .dport = 53, .payload = 13 };
	uint32_t len = build(o, &f);
	memcpy(b, o, len);
	enum nat_verdict v = xout(nat, b, len, 1 * SEC);
	uint16_t ext = f_sport(b);
	check(v == NAT_OK && last_parse == PKT_OK, "udp out: translated", "verdict %d", v);
	check(f_src(b) == EXT && nat_port_reserved(nat, ext) && f_dst(b) == SRV &&
		      f_dport(b) == 53,
	      "udp out: source is ext_ip and a port in range", "src %08x sport %u", f_src(b), ext);
	check(csums_ok(b, why, sizeof(why)), "udp out: checksums equal full recomputation", "%s",
	      why);
	check(memcmp(o + 14 + 20 + 8, b + 14 + 20 + 8, 13) == 0 && memcmp(o, b, 24) == 0,
	      "udp out: nothing else changed", "diff");

	struct frm rf = { .proto = P_UDP, .src = SRV, .dst = EXT, .sport = 53, .dport = ext,
			  .payload = 40 };
	uint32_t rlen = build(r, &rf);
	v = xin(nat, r, rlen, 2 * SEC, &ii);
	check(v == NAT_OK && f_dst(r) == IP(10, 0, 0, 2) && f_dport(r) == 5000 &&
		      ii == IP(10, 0, 0, 2) && f_src(r) == SRV && f_sport(r) == 53,
	      "udp reply in: destination restored, int_ip reported", "v %d dst %08x:%u ii %08x", v,
	      f_dst(r), f_dport(r), ii);
	check(csums_ok(r, why, sizeof(why)), "udp reply in: checksums equal full recomputation",
	      "%s", why);

	/* checksum 0 (none) stays 0 both ways, IPv4 options don't confuse */
	struct frm z = { .proto = P_UDP, .src = IP(10, 0, 0, 3), .dst = SRV, .sport = 5001,
			 .dport = 53, .payload = 10, .nocsum = true, .opts = 8 };
	len = build(b, &z);
	v = xout(nat, b, len, 3 * SEC);
	ext = f_sport(b);
	check(v == NAT_OK && rd16(l4of(b) + 6) == 0 && csums_ok(b, why, sizeof(why)) &&
		      f_src(b) == EXT,
	      "udp out with checksum 0 and IP options: stays 0, IP csum valid", "v %d csum %04x %s",
	      v, rd16(l4of(b) + 6), why);
	struct frm zr = { .proto = P_UDP, .src = SRV, .dst = EXT, .sport = 53, .dport = ext,
			  .payload = 3, .nocsum = true };
	rlen = build(r, &zr);
	v = xin(nat, r, rlen, 3 * SEC, &ii);
	check(v == NAT_OK && rd16(l4of(r) + 6) == 0 && f_dport(r) == 5001 &&
		      csums_ok(r, why, sizeof(why)),
	      "udp reply in with checksum 0: stays 0", "v %d csum %04x", v, rd16(l4of(r) + 6));

	/* a source port inside the range is kept. Ports are unique per
	 * remote endpoint, and an earlier connection to SRV:53 may have been
	 * given 40123 by the hash: use an endpoint nothing used yet. */
	struct frm k = { .proto = P_UDP, .src = IP(10, 0, 0, 4), .dst = SRV, .sport = 40123,
			 .dport = 5353, .payload = 4 };
	len = build(b, &k);
	v = xout(nat, b, len, 4 * SEC);
	check(v == NAT_OK && f_sport(b) == 40123, "udp out: in-range source port kept",
	      "sport %u", f_sport(b));

	/* A translated checksum that computes to 0 must go out as 0xffff:
	 * pick the payload so the translated datagram sums to 0xffff. */
	struct frm t = { .proto = P_UDP, .src = EXT, .dst = SRV, .sport = 40321, .dport = 5354,
			 .payload = 2 };
	uint8_t tb[128];
	build(tb, &t);
	uint8_t *tl4 = l4of(tb);
	wr16(tl4 + 8, 0);
	wr16(tl4 + 6, 0);
	uint8_t ph[4] = { 0, P_UDP, 0, 10 };
	uint32_t s = csum_add(csum_add(csum_add(0, ipof(tb) + 12, 8), ph, 4), tl4, 10);
	uint16_t folded = (uint16_t)~csum_fold(s);
	uint16_t word = (uint16_t)(0xffff - folded);
	struct frm u = { .proto = P_UDP, .src = IP(10, 0, 0, 5), .dst = SRV, .sport = 40321,
			 .dport = 5354, .payload = 2 };
	len = build(b, &u);
	wr16(l4of(b) + 8, word);
	wr16(l4of(b) + 6, 0);
	wr16(l4of(b) + 6, l4_csum_calc(ipof(b)));
	uint16_t before = rd16(l4of(b) + 6);
	v = xout(nat, b, len, 5 * SEC);
	check(v == NAT_OK && f_sport(b) == 40321 && rd16(l4of(b) + 6) == 0xffff &&
		      csums_ok(b, why, sizeof(why)),
	      "udp out: checksum computing to 0 is stored as 0xffff", "v %d before %04x after %04x",
	      v, before, rd16(l4of(b) + 6));

	const struct nat_stats *st = nat_stats(nat);
	check(st->created == 4 && st->out_packets == 4 && st->in_packets == 2 && st->entries == 4,
	      "udp: stats count connections and packets", "created %llu out %llu in %llu",
	      (unsigned long long)st->created, (unsigned long long)st->out_packets,
	      (unsigned long long)st->in_packets);
	struct find fv = view_of(nat, 6 * SEC, P_UDP, IP(10, 0, 0, 2), 5000, SRV, 53);
	check(fv.found == 1 && !strcmp(fv.state, "udp") && fv.v.packets_out == 1 &&
		      fv.v.packets_in == 1 && fv.v.idle_ns == 4 * SEC &&
		      fv.v.timeout_ns == 60 * SEC && fv.total == 4,
	      "udp: nat_foreach view (state, counters, idle, default timeout)",
	      "found %d state %s out %llu in %llu idle %llu", fv.found, fv.state,
	      (unsigned long long)fv.v.packets_out, (unsigned long long)fv.v.packets_in,
	      (unsigned long long)fv.v.idle_ns);
	nat_free(nat);
}

/* One port towards SRV:80: a connection closed both ways (time_wait)
 * and silent for a second gives it to a new SYN from another namespace,
 * as Linux's NAT reuses a TIME_WAIT tuple; one closed one way only, one
 * silent for less, one reset, or a segment without SYN, does not. */
static void test_tcp_port_reuse(void)
{
	struct nat_cfg c = base_cfg();
	uint32_t a = IP(10, 0, 0, 2), b = IP(10, 0, 0, 3);
	uint16_t ea = 0, eb = 0;
	struct nat *nat;
	uint64_t t = SEC;

	c.port_min = c.port_max = 61000;
	nat = nat_new(&c);
	tcp_out(nat, a, 6000, SYN, t, &ea, NULL);
	tcp_in(nat, ea, SYN | ACK, t, NULL, NULL, NULL);
	tcp_out(nat, a, 6000, FIN | ACK, t, NULL, NULL);
	check(tcp_out(nat, b, 7000, SYN, t + 1, &eb, NULL) == NAT_DROP_NO_PORT,
	      "tcp port reuse: not while closing one way only", "taken");
	tcp_in(nat, ea, FIN | ACK, t + 2, NULL, NULL, NULL);
	check(tcp_out(nat, b, 7000, SYN, t + 2 + SEC / 2, &eb, NULL) == NAT_DROP_NO_PORT,
	      "tcp port reuse: not while time_wait is silent for less than a second", "taken");
	check(tcp_out(nat, b, 7000, ACK, t + 3 + SEC, &eb, NULL) == NAT_DROP_NO_PORT,
	      "tcp port reuse: not by a segment without SYN", "taken");
	check(tcp_out(nat, b, 7000, SYN, t + 4 + SEC, &eb, NULL) == NAT_OK && eb == ea &&
		      nat_stats(nat)->taken_closed == 1 && nat_stats(nat)->closed == 1,
	      "tcp port reuse: a new SYN takes a time_wait connection's port, counted",
	      "ext %u (had %u), taken %llu", eb, ea,
	      (unsigned long long)nat_stats(nat)->taken_closed);
	uint32_t dst = 0;
	check(tcp_in(nat, eb, SYN | ACK, t + 5 + SEC, &dst, NULL, NULL) == NAT_OK && dst == b,
	      "tcp port reuse: the answer goes to the new connection", "to %08x", dst);
	check(tcp_out(nat, a, 6000, ACK, t + 6 + SEC, NULL, NULL) == NAT_DROP_NO_PORT,
	      "tcp port reuse: the old one's late ACK finds no port, and takes none", "taken");
	/* b's connection, reset by an RST nobody checks, still carries data. */
	tcp_in(nat, eb, RST, t + 7 + SEC, NULL, NULL, NULL);
	check(tcp_out(nat, a, 6001, SYN, t + 8 + 3 * SEC, NULL, NULL) == NAT_DROP_NO_PORT,
	      "tcp port reuse: never a reset connection's port", "taken");
	nat_free(nat);
}

static void test_tcp(void)
{
	struct nat_cfg c = base_cfg();
	struct nat *nat = nat_new(&c);
	uint32_t h = IP(10, 0, 0, 2), dst;
	uint16_t ext, dport;
	bool good1 = false, good2 = false;
	uint64_t t = 100 * SEC;
	enum nat_verdict v;
	const char *s;

	v = tcp_out(nat, h, 6000, SYN, t, &ext, &good1);
	s = state_of(nat, t, P_TCP, h, 6000, SRV, 80);
	check(v == NAT_OK && good1 && !strcmp(s, "syn_sent"), "tcp SYN out: syn_sent, checksums",
	      "v %d state %s", v, s);
	check(view_of(nat, t, P_TCP, h, 6000, SRV, 80).v.timeout_ns == 240 * SEC,
	      "tcp syn_sent: default transitory timeout 240 s", "other");
	v = tcp_in(nat, ext, SYN | ACK, t + 1, &dst, &dport, &good2);
	s = state_of(nat, t + 1, P_TCP, h, 6000, SRV, 80);
	check(v == NAT_OK && good2 && dst == h && dport == 6000 && !strcmp(s, "established"),
	      "tcp SYN+ACK in: restored, established", "v %d dst %08x:%u state %s", v, dst, dport, s);
	check(view_of(nat, t, P_TCP, h, 6000, SRV, 80).v.timeout_ns == 7440 * SEC,
	      "tcp established: default timeout 7440 s", "other");
	v = tcp_out(nat, h, 6000, ACK, t + 2, NULL, &good1);
	s = state_of(nat, t + 2, P_TCP, h, 6000, SRV, 80);
	check(v == NAT_OK && good1 && !strcmp(s, "established"), "tcp ACK out: established",
	      "state %s", s);
	/* inbound traffic is activity: refresh just before the timeout */
	t += 7000 * SEC;
	v = tcp_in(nat, ext, ACK | PSH, t, &dst, NULL, &good2);
	t += 7000 * SEC;
	check(v == NAT_OK && good2 && nat_expire(nat, t) == 0 &&
		      !strcmp(state_of(nat, t, P_TCP, h, 6000, SRV, 80), "established"),
	      "tcp inbound data refreshes the connection", "v %d", v);
	v = tcp_out(nat, h, 6000, FIN | ACK, t, NULL, &good1);
	s = state_of(nat, t, P_TCP, h, 6000, SRV, 80);
	check(v == NAT_OK && good1 && !strcmp(s, "closing"), "tcp FIN out: closing", "state %s", s);
	check(view_of(nat, t, P_TCP, h, 6000, SRV, 80).v.timeout_ns == 240 * SEC,
	      "tcp closing: the transitory timeout, 240 s", "other");
	v = tcp_in(nat, ext, FIN | ACK, t + 1, &dst, NULL, NULL);
	check(v == NAT_OK && dst == h && !strcmp(state_of(nat, t + 1, P_TCP, h, 6000, SRV, 80),
						  "time_wait"),
	      "tcp FIN in after FIN out: time_wait, translated", "v %d", v);
	check(view_of(nat, t + 1, P_TCP, h, 6000, SRV, 80).v.timeout_ns == 120 * SEC,
	      "tcp time_wait: 120 s, half the transitory timeout", "other");
	uint64_t closed0 = nat_stats(nat)->closed;
	check(nat_expire(nat, t + 1 + 120 * SEC) == 0, "tcp time_wait: kept at exactly 120 s idle",
	      "removed");
	check(nat_expire(nat, t + 2 + 120 * SEC) == 1 && nat_stats(nat)->closed == closed0 + 1,
	      "tcp time_wait: removed after 120 s, counted closed", "closed %llu",
	      (unsigned long long)nat_stats(nat)->closed);
	v = tcp_in(nat, ext, ACK, t + 3 + 120 * SEC, NULL, NULL, NULL);
	check(v == NAT_DROP_NO_MATCH, "tcp after close expiry: inbound NO_MATCH", "v %d", v);

	/* established -> expired after 7440 s idle, counted expired */
	t = 100000 * SEC;
	tcp_out(nat, h, 6001, SYN, t, &ext, NULL);
	tcp_in(nat, ext, SYN | ACK, t, NULL, NULL, NULL);
	uint64_t exp0 = nat_stats(nat)->expired;
	v = tcp_in(nat, ext, ACK, t + 7440 * SEC + 1, NULL, NULL, NULL);
	check(v == NAT_DROP_NO_MATCH, "tcp established: absent once idle > 7440 s (no expire call)",
	      "v %d", v);
	check(nat_expire(nat, t + 7440 * SEC + 1) == 1 && nat_stats(nat)->expired == exp0 + 1,
	      "tcp established: nat_expire removes it, counted expired", "expired %llu",
	      (unsigned long long)nat_stats(nat)->expired);

	/* syn_sent with no answer: gone after 240 s */
	tcp_out(nat, h, 6002, SYN, t, &ext, NULL);
	check(nat_expire(nat, t + 241 * SEC) == 1, "tcp syn_sent without answer expires at 240 s",
	      "not removed");

	/* RST either way: reset, 10 s */
	tcp_out(nat, h, 6003, SYN, t, &ext, NULL);
	tcp_in(nat, ext, SYN | ACK, t, NULL, NULL, NULL);
	v = tcp_in(nat, ext, RST, t + 1, &dst, NULL, &good2);
	s = state_of(nat, t + 1, P_TCP, h, 6003, SRV, 80);
	check(v == NAT_OK && good2 && dst == h && !strcmp(s, "reset"), "tcp RST in: reset",
	      "state %s", s);
	v = tcp_out(nat, h, 6003, SYN, t + 2, NULL, NULL);
	s = state_of(nat, t + 2, P_TCP, h, 6003, SRV, 80);
	check(v == NAT_OK && !strcmp(s, "syn_sent"), "tcp SYN out after RST reopens: syn_sent",
	      "state %s", s);
	tcp_out(nat, h, 6003, RST | ACK, t + 3, NULL, NULL);
	s = state_of(nat, t + 3, P_TCP, h, 6003, SRV, 80);
	check(!strcmp(s, "reset") && view_of(nat, t + 3, P_TCP, h, 6003, SRV, 80).v.timeout_ns ==
						 10 * SEC,
	      "tcp RST out: reset, timeout 10 s", "state %s", s);
	closed0 = nat_stats(nat)->closed;
	check(nat_expire(nat, t + 3 + 10 * SEC) == 0 && nat_expire(nat, t + 4 + 10 * SEC) == 1 &&
		      nat_stats(nat)->closed == closed0 + 1,
	      "tcp reset: removed after 10 s, counted closed", "closed %llu",
	      (unsigned long long)nat_stats(nat)->closed);

	/* mid-stream (no SYN) new connection: allowed, established */
	v = tcp_out(nat, h, 6004, ACK | PSH, t, &ext, &good1);
	s = state_of(nat, t, P_TCP, h, 6004, SRV, 80);
	check(v == NAT_OK && good1 && !strcmp(s, "established"),
	      "tcp mid-stream new connection: allowed as established", "v %d state %s", v, s);
	v = tcp_in(nat, ext, ACK, t + 1, &dst, &dport, NULL);
	check(v == NAT_OK && dst == h && dport == 6004, "tcp mid-stream: reply translated",
	      "v %d", v);
	nat_free(nat);
}

static void test_icmp_echo(void)
{
	struct nat_cfg c = base_cfg();
	struct nat *nat = nat_new(&c);
	uint8_t b[256], r[256];
	char why[128] = "";
	uint32_t ii;

	struct frm f = { .proto = P_ICMP, .type = 8, .src = IP(10, 0, 0, 9), .dst = SRV,
			 .sport = 0x1234, .payload = 56 };
	uint32_t len = build(b, &f);
	enum nat_verdict v = xout(nat, b, len, SEC);
	uint16_t ext = f_sport(b);
	check(v == NAT_OK && f_src(b) == EXT && nat_port_reserved(nat, ext) &&
		      csums_ok(b, why, sizeof(why)),
	      "icmp echo request out: id translated into range, checksums", "v %d id %u %s", v, ext,
	      why);
	struct frm rf = { .proto = P_ICMP, .type = 0, .src = SRV, .dst = EXT, .sport = ext,
			  .payload = 56 };
	uint32_t rlen = build(r, &rf);
	v = xin(nat, r, rlen, 2 * SEC, &ii);
	check(v == NAT_OK && f_dst(r) == IP(10, 0, 0, 9) && f_sport(r) == 0x1234 &&
		      ii == IP(10, 0, 0, 9) && csums_ok(r, why, sizeof(why)),
	      "icmp echo reply in: id restored, checksums", "v %d id %04x %s", v, f_sport(r), why);
	check(!strcmp(state_of(nat, 2 * SEC, P_ICMP, IP(10, 0, 0, 9), 0x1234, SRV, 0), "icmp"),
	      "icmp: state icmp, rem_port 0", "missing");
	rf.sport = (uint16_t)(ext + 1);
	rlen = build(r, &rf);
	check(xin(nat, r, rlen, 2 * SEC, &ii) == NAT_DROP_NO_MATCH, "icmp echo reply wrong id: NO_MATCH",
	      "matched");
	struct frm q = { .proto = P_ICMP, .type = 8, .src = SRV, .dst = EXT, .sport = ext,
			 .payload = 8 };
	rlen = build(r, &q);
	check(xin(nat, r, rlen, 2 * SEC, &ii) == NAT_DROP_UNSUPPORTED,
	      "icmp echo request inbound to ext: UNSUPPORTED", "other");
	struct frm ts = { .proto = P_ICMP, .type = 13, .src = IP(10, 0, 0, 9), .dst = SRV,
			  .payload = 12 };
	len = build(b, &ts);
	check(xout(nat, b, len, 2 * SEC) == NAT_DROP_UNSUPPORTED,
	      "icmp out other than echo request: UNSUPPORTED", "other");
	check(nat_expire(nat, 2 * SEC + 30 * SEC) == 0 && nat_expire(nat, 2 * SEC + 31 * SEC) == 1,
	      "icmp: default timeout 30 s", "wrong");
	nat_free(nat);
}

static void test_sharing(void)
{
	struct nat_cfg c = base_cfg();
	struct nat *nat = nat_new(&c);
	uint8_t a[256], b[256], r[256];
	uint32_t ii;
	char why[128] = "";

	struct frm fa = { .proto = P_UDP, .src = IP(10, 0, 0, 2), .dst = SRV, .sport = 40100,
			  .dport = 443, .payload = 20 };
	struct frm fb = fa;
	fb.src = IP(10, 0, 0, 3);
	uint32_t la = build(a, &fa), lb = build(b, &fb);
	enum nat_verdict va = xout(nat, a, la, SEC), vb = xout(nat, b, lb, SEC);
	uint16_t ea = f_sport(a), eb = f_sport(b);
	check(va == NAT_OK && vb == NAT_OK && ea != eb && ea == 40100 && nat_port_reserved(nat, eb),
	      "same source port, same server, two hosts: different ext ports", "%u %u", ea, eb);
	bool ok = true;
	for (int i = 0; i < 2; i++) {
		struct frm rf = { .proto = P_UDP, .src = SRV, .dst = EXT, .sport = 443,
				  .dport = i ? eb : ea, .payload = 9 };
		uint32_t rl = build(r, &rf);
		enum nat_verdict v = xin(nat, r, rl, 2 * SEC, &ii);
		uint32_t want = i ? IP(10, 0, 0, 3) : IP(10, 0, 0, 2);
		ok = ok && v == NAT_OK && f_dst(r) == want && ii == want && f_dport(r) == 40100 &&
		     csums_ok(r, why, sizeof(why));
	}
	check(ok, "both replies return to the right host", "%s", why);

	struct frm f2 = fa;
	f2.dst = SRV2;
	uint32_t l2 = build(b, &f2);
	enum nat_verdict v2 = xout(nat, b, l2, SEC);
	check(v2 == NAT_OK && f_sport(b) == ea, "same host to two servers shares the ext port",
	      "%u vs %u", f_sport(b), ea);
	struct frm rf = { .proto = P_UDP, .src = SRV2, .dst = EXT, .sport = 443, .dport = ea,
			  .payload = 1 };
	uint32_t rl = build(r, &rf);
	check(xin(nat, r, rl, 2 * SEC, &ii) == NAT_OK && ii == IP(10, 0, 0, 2),
	      "shared ext port: reply from the second server maps back", "wrong");

	/* unsolicited: from an endpoint no connection talks to, so that no
	 * hash-allocated port can match by chance */
	uint64_t nm = nat_stats(nat)->drop_no_match;
	struct frm u = { .proto = P_UDP, .src = SRV, .dst = EXT, .sport = 444, .dport = 40500,
			 .payload = 4 };
	rl = build(r, &u);
	enum nat_verdict v = xin(nat, r, rl, 2 * SEC, &ii);
	u.dst = IP(203, 0, 113, 2), u.dport = ea;
	rl = build(r, &u);
	enum nat_verdict v3 = xin(nat, r, rl, 2 * SEC, &ii);
	check(v == NAT_DROP_NO_MATCH && v3 == NAT_DROP_NO_MATCH &&
		      nat_stats(nat)->drop_no_match == nm + 2,
	      "unsolicited inbound (and not to ext_ip): NO_MATCH, counted", "v %d v3 %d", v, v3);

	/* a port freed by expiry */
	uint64_t now = 100 * SEC;
	check(nat_expire(nat, now) == 3 && nat_stats(nat)->entries == 0,
	      "udp: all expired after 60 s, nat_expire removes them", "entries %u",
	      nat_stats(nat)->entries);
	struct frm rr = { .proto = P_UDP, .src = SRV, .dst = EXT, .sport = 443, .dport = ea,
			  .payload = 4 };
	rl = build(r, &rr);
	check(xin(nat, r, rl, now, &ii) == NAT_DROP_NO_MATCH,
	      "inbound to a reserved port freed by expiry: NO_MATCH", "matched");
	la = build(a, &fa);
	xout(nat, a, la, now);
	rl = build(r, &rr);
	check(xin(nat, r, rl, now + 61 * SEC, &ii) == NAT_DROP_NO_MATCH,
	      "inbound to an expired (not yet removed) connection: NO_MATCH", "matched");
	la = build(a, &fa);
	uint64_t cr = nat_stats(nat)->created;
	va = xout(nat, a, la, now + 62 * SEC);
	rl = build(r, &rr);
	check(va == NAT_OK && nat_stats(nat)->created == cr + 1 &&
		      xin(nat, r, rl, now + 62 * SEC, &ii) == NAT_OK && nat_stats(nat)->entries == 1,
	      "outbound over an expired connection recreates it in place", "entries %u",
	      nat_stats(nat)->entries);
	nat_free(nat);
}

static void test_refusals(void)
{
	struct nat_cfg c = base_cfg();
	struct nat *nat = nat_new(&c);
	uint8_t b[256];
	uint32_t l, ii;

	struct frm f = { .proto = P_UDP, .src = IP(10, 0, 1, 2), .dst = SRV, .sport = 1,
			 .dport = 2, .payload = 4 };
	l = build(b, &f);
	enum nat_verdict v1 = xout(nat, b, l, SEC);
	f.src = IP(192, 168, 1, 1);
	l = build(b, &f);
	enum nat_verdict v2 = xout(nat, b, l, SEC);
	check(v1 == NAT_DROP_NOT_INSIDE && v2 == NAT_DROP_NOT_INSIDE && nat_stats(nat)->entries == 0,
	      "source outside int_net: NOT_INSIDE", "v %d %d", v1, v2);

	struct frm g = { .proto = 47, .src = IP(10, 0, 0, 2), .dst = SRV, .payload = 16 };
	l = build(b, &g);
	v1 = xout(nat, b, l, SEC);
	g.src = SRV, g.dst = EXT;
	l = build(b, &g);
	v2 = xin(nat, b, l, SEC, &ii);
	check(v1 == NAT_DROP_UNSUPPORTED && v2 == NAT_DROP_UNSUPPORTED,
	      "protocol other than TCP/UDP/ICMP: UNSUPPORTED", "v %d %d", v1, v2);

	struct frm s = { .proto = P_ICMP, .type = 8, .src = IP(10, 0, 0, 2), .dst = SRV,
			 .payload = 0 };
	l = build(b, &s);
	wr16(ipof(b) + 2, 24); /* ICMP of 4 bytes */
	wr16(ipof(b) + 10, 0);
	wr16(ipof(b) + 10, ip_csum_calc(ipof(b)));
	uint8_t *exact = malloc(14 + 24);
	memcpy(exact, b, 14 + 24);
	v1 = xout(nat, exact, 14 + 24, SEC);
	enum pkt_verdict pv = last_parse;
	free(exact);
	check(v1 == NAT_DROP_BAD && nat_stats(nat)->drop_bad == 1,
	      "ICMP shorter than 8 bytes: BAD even if the caller ignores pkt_parse", "v %d pv %d",
	      v1, pv);

	/* an IPv6 frame */
	uint8_t v6[14 + 48] = { 0 };
	wr16(v6 + 12, 0x86dd);
	v6[14] = 0x60, wr16(v6 + 18, 8), v6[20] = 17, v6[21] = 64;
	wr16(v6 + 54 + 4, 8);
	check(xout(nat, v6, sizeof(v6), SEC) == NAT_DROP_UNSUPPORTED &&
		      xin(nat, v6, sizeof(v6), SEC, &ii) == NAT_DROP_UNSUPPORTED,
	      "IPv6: UNSUPPORTED", "other");
	uint8_t runt[10] = { 0 };
	check(xout(nat, runt, sizeof(runt), SEC) == NAT_DROP_BAD ||
		      xout(nat, runt, sizeof(runt), SEC) == NAT_DROP_UNSUPPORTED,
	      "runt frame refused", "accepted");
	nat_free(nat);
}

int main(void)
{
	test_config();
	test_udp();
	test_tcp();
	test_tcp_port_reuse();
	test_icmp_echo();
	test_sharing();
	test_refusals();
	/* Not a PASS/FAIL line: the runner counts those as checks. */
	printf("nat: %d/%d checks passed\n", checks - failures,
	       checks);
	return failures ? 1 : 0;
}
