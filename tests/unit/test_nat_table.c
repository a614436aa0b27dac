/* SPDX-License-Identifier: MIT */
/* NAT: the table and its ports: a full table, a range of one port or at
 * the top of the port space, the bounded search for a free port, and the
 * fast path's hooks on what ends or reuses a connection, through the
 * public interface (nat_frames.c). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "nat_frames.h"

#define CHECK_NAME "nat_table"
#include "check.h"

static void test_full_and_ports(void)
{
	struct nat_cfg c = base_cfg();
	c.max_entries = 4;
	struct nat *nat = nat_new(&c);
	uint8_t b[256], r[256];
	uint16_t ext[4];
	uint32_t ii;
	bool ok = true;

	for (int i = 0; i < 4; i++) {
		struct frm f = { .proto = P_UDP, .src = IP(10, 0, 0, 10 + i), .dst = SRV,
				 .sport = 7000, .dport = 53, .payload = 4 };
		uint32_t l = build(b, &f);
		ok = ok && xout(nat, b, l, SEC) == NAT_OK;
		ext[i] = f_sport(b);
	}
	struct frm f = { .proto = P_UDP, .src = IP(10, 0, 0, 20), .dst = SRV, .sport = 7000,
			 .dport = 53, .payload = 4 };
	uint32_t l = build(b, &f);
	enum nat_verdict v = xout(nat, b, l, SEC);
	check(ok && v == NAT_DROP_FULL && nat_stats(nat)->drop_full == 1,
	      "table full: new connection refused with FULL, counted", "ok %d v %d", ok, v);
	ok = true;
	for (int i = 0; i < 4; i++) {
		struct frm o = { .proto = P_UDP, .src = IP(10, 0, 0, 10 + i), .dst = SRV,
				 .sport = 7000, .dport = 53, .payload = 4 };
		l = build(b, &o);
		ok = ok && xout(nat, b, l, 2 * SEC) == NAT_OK && f_sport(b) == ext[i];
		struct frm rf = { .proto = P_UDP, .src = SRV, .dst = EXT, .sport = 53,
				  .dport = ext[i], .payload = 4 };
		l = build(r, &rf);
		ok = ok && xin(nat, r, l, 2 * SEC, &ii) == NAT_OK && ii == IP(10, 0, 0, 10 + i) &&
		     f_dport(r) == 7000;
	}
	check(ok, "table full: existing connections translate both ways", "failed");
	l = build(b, &f);
	check(xout(nat, b, l, 70 * SEC) == NAT_OK,
	      "table full: an expired connection's slot is reusable", "refused");
	nat_free(nat);

	c = base_cfg();
	c.port_min = c.port_max = 50000;
	nat = nat_new(&c);
	struct frm f1 = { .proto = P_UDP, .src = IP(10, 0, 0, 2), .dst = SRV, .sport = 1111,
			  .dport = 53, .payload = 4 };
	struct frm f2 = { .proto = P_UDP, .src = IP(10, 0, 0, 3), .dst = SRV, .sport = 2222,
			  .dport = 53, .payload = 4 };
	l = build(b, &f1);
	enum nat_verdict v1 = xout(nat, b, l, SEC);
	uint16_t e1 = f_sport(b);
	l = build(b, &f2);
	enum nat_verdict v2 = xout(nat, b, l, SEC);
	check(v1 == NAT_OK && e1 == 50000 && v2 == NAT_DROP_NO_PORT &&
		      nat_stats(nat)->drop_no_port == 1,
	      "one-port range: 2nd flow to the same endpoint gets NO_PORT", "v1 %d e1 %u v2 %d", v1,
	      e1, v2);
	f2.dport = 54;
	l = build(b, &f2);
	v2 = xout(nat, b, l, SEC);
	check(v2 == NAT_OK && f_sport(b) == 50000,
	      "one-port range: same port to a different endpoint is fine", "v2 %d", v2);
	struct frm icmp = { .proto = P_ICMP, .type = 8, .src = IP(10, 0, 0, 4), .dst = SRV,
			    .sport = 77, .payload = 8 };
	l = build(b, &icmp);
	check(xout(nat, b, l, SEC) == NAT_OK && f_sport(b) == 50000,
	      "one-port range: ports are per protocol (ICMP id)", "refused");
	nat_free(nat);

	/* the top of the port space: no wrap past 65535 */
	c = base_cfg();
	c.port_min = 65534, c.port_max = 65535;
	nat = nat_new(&c);
	uint32_t seen = 0;
	enum nat_verdict vv[3];
	for (int i = 0; i < 3; i++) {
		struct frm t = { .proto = P_TCP, .src = IP(10, 0, 0, 2 + i), .dst = SRV,
				 .sport = 1234, .dport = 443, .flags = SYN };
		l = build(b, &t);
		vv[i] = xout(nat, b, l, SEC);
		if (vv[i] == NAT_OK)
			seen |= f_sport(b) == 65534 ? 1u : f_sport(b) == 65535 ? 2u : 4u;
	}
	check(vv[0] == NAT_OK && vv[1] == NAT_OK && vv[2] == NAT_DROP_NO_PORT && seen == 3,
	      "range ending at 65535: both ports used, then NO_PORT", "v %d %d %d seen %u", vv[0],
	      vv[1], vv[2], seen);
	nat_free(nat);

	/* The default range towards one endpoint, filled by 6000 new flows:
	 * the search for a port is bounded (alloc_port), so a flow may be
	 * refused with ports still free, but later ones take them; every
	 * port given is unique. (Hash seeds are random: 2000 runs with
	 * as many seeds all gave every port; 97% leaves room.) */
	c = base_cfg();
	c.port_min = 61000, c.port_max = 65535, c.max_entries = 8192;
	nat = nat_new(&c);
	static uint8_t used[65536];
	uint32_t given = 0, dup = 0;
	memset(used, 0, sizeof(used));
	for (uint32_t i = 0; i < 6000; i++) {
		struct frm t = { .proto = P_UDP, .src = IP(10, 0, 0, 2), .dst = SRV,
				 .sport = (uint16_t)(1024 + i), .dport = 53, .payload = 4 };
		l = build(b, &t);
		if (xout(nat, b, l, SEC) != NAT_OK)
			continue;
		given++;
		dup += used[f_sport(b)]++ != 0;
	}
	check(given >= 4536 * 97 / 100 && given <= 4536 && !dup,
	      "6000 flows to one endpoint: at least 97% of 4536 ports given, none twice",
	      "given %u, %u twice", given, dup);
	/* What a refusal costs: at most 248 ports looked at, not 4536. */
	uint64_t probes0 = nat_stats(nat)->port_probes;
	struct frm late = { .proto = P_UDP, .src = IP(10, 0, 0, 3), .dst = SRV, .sport = 7000,
			    .dport = 53, .payload = 4 };
	l = build(b, &late);
	enum nat_verdict lv = xout(nat, b, l, SEC);
	uint64_t spent = nat_stats(nat)->port_probes - probes0;
	check(spent > 0 && spent <= 248, "a search for a port looks at 248 at most",
	      "verdict %d after %llu probes", lv, (unsigned long long)spent);
	nat_free(nat);

	/* A range no larger than the search's bound is searched whole: its
	 * last free port is found. */
	c = base_cfg();
	c.port_min = 62000, c.port_max = 62199;
	nat = nat_new(&c);
	given = 0;
	for (uint32_t i = 0; i < 200; i++) {
		struct frm t = { .proto = P_UDP, .src = IP(10, 0, 0, 2), .dst = SRV,
				 .sport = (uint16_t)(1024 + i), .dport = 53, .payload = 4 };
		l = build(b, &t);
		given += xout(nat, b, l, SEC) == NAT_OK;
	}
	check(given == 200, "200 ports to one endpoint: every one given", "given %u", given);
	nat_free(nat);
}

/* The NAT fast path's hooks. A connection the programs carry never
 * refreshes its time in userspace, so whatever would end or reuse it
 * (a newcomer wanting its port, a full table, an inbound packet) must
 * ask `seen` first, not only nat_expire; and it is idle from the fast
 * path's last packet, not from the moment it was asked. */
static uint64_t hook_seen;
static int hook_asked, hook_released;

static uint64_t hook_seen_at(const struct nat_entry_view *e, void *arg)
{
	(void)e, (void)arg;
	hook_asked++;
	return hook_seen;
}

static void hook_gone(const struct nat_entry_view *e, void *arg)
{
	(void)e, (void)arg;
	hook_released++;
}

static void test_fast_hooks(void)
{
	struct nat_cfg c = base_cfg();
	c.port_min = c.port_max = 40000; /* one port: B can only have A's */
	c.max_entries = 1;
	struct nat *nat = nat_new(&c);
	struct nat_hooks h = { hook_seen_at, hook_gone, NULL };
	struct nat_entry_view last;
	uint8_t b[256], r[256];
	uint32_t ii = 0, l;

	nat_set_hooks(nat, &h);
	struct frm a = { .proto = P_UDP, .src = IP(10, 0, 0, 2), .dst = SRV, .sport = 40000,
			 .dport = 443, .payload = 4 };
	struct frm bb = a;
	bb.src = IP(10, 0, 0, 3);
	l = build(b, &a);
	enum nat_verdict v0 = xout(nat, b, l, SEC);
	/* 61.5 s: A's UDP timeout (60 s) ran out in userspace, but the fast
	 * path carried it at 61 s; no nat_expire pass has run since. */
	hook_seen = 61 * SEC;
	l = build(b, &bb);
	enum nat_verdict v = xout(nat, b, l, 61 * SEC + SEC / 2);
	check(v0 == NAT_OK && v != NAT_OK && hook_asked > 0 && hook_released == 0,
	      "fast hooks: a connection live in the fast path keeps its port and slot from a newcomer",
	      "v0 %d v %d asked %d released %d", v0, v, hook_asked, hook_released);
	struct frm rf = { .proto = P_UDP, .src = SRV, .dst = EXT, .sport = 443, .dport = 40000,
			  .payload = 4 };
	l = build(r, &rf);
	v = xin(nat, r, l, 62 * SEC, &ii);
	check(v == NAT_OK && ii == IP(10, 0, 0, 2), "fast hooks: and its replies still go to it",
	      "v %d to %08x", v, ii);
	/* Last carried by the fast path at 100 s: alive at 150 s... */
	hook_seen = 100 * SEC;
	l = build(b, &bb);
	v = xout(nat, b, l, 150 * SEC);
	check(v != NAT_OK && hook_released == 0,
	      "fast hooks: idle from the fast path's last packet (100 s), alive at 150 s",
	      "v %d released %d", v, hook_released);
	/* ...and gone at 161 s, though it was looked at (and found alive)
	 * at 150 s: its port goes to the newcomer. */
	l = build(b, &bb);
	v = xout(nat, b, l, 161 * SEC);
	check(v == NAT_OK && hook_released == 1 && f_sport(b) == 40000,
	      "fast hooks: and expired 60 s after it, not 60 s after it was last looked at",
	      "v %d released %d port %u", v, hook_released, f_sport(b));
	nat_free(nat);

	/* An ICMP error is no packet of its connection: nat_last must not
	 * offer the previous translation's connection for installing. */
	c = base_cfg();
	nat = nat_new(&c);
	struct frm u = { .proto = P_UDP, .src = IP(10, 0, 0, 3), .dst = SRV, .sport = 5000,
			 .dport = 7777, .payload = 8 };
	uint8_t t[256], e[512];
	uint32_t tl = build(t, &u);
	v0 = xout(nat, t, tl, SEC);
	l = build(b, &a);
	enum nat_verdict v1 = xout(nat, b, l, SEC);
	struct frm ef = { .proto = P_ICMP, .type = 3, .code = 3, .src = SRV, .dst = EXT,
			  .quote = t + 14, .qlen = (uint16_t)(tl - 14) };
	l = build(e, &ef);
	v = xin(nat, e, l, 2 * SEC, &ii);
	nat_last(nat, 2 * SEC, &last);
	check(v0 == NAT_OK && v1 == NAT_OK && v == NAT_OK && ii == IP(10, 0, 0, 3) && !last.proto,
	      "fast hooks: after an ICMP error, nat_last names no connection",
	      "v0 %d v1 %d v %d to %08x last proto %u", v0, v1, v, ii, last.proto);
	nat_free(nat);
}

int main(void)
{
	test_full_and_ports();
	test_fast_hooks();
	/* Not a PASS/FAIL line: the runner counts those as checks. */
	printf("nat_table: %d/%d checks passed\n", checks - failures,
	       checks);
	return failures ? 1 : 0;
}
