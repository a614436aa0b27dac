/* SPDX-License-Identifier: MIT */
/* The gateway's ARP table (dataplane/arp_table.c) through its public
 * interface: learning, resolution and its rate-limited questions, the
 * reachable -> stale -> failed life of an entry, the bounds (chatter
 * never evicts a fresh entry, a needed address always gets a slot), then
 * a random run with the table's invariants checked after every step.
 * Also the longest-prefix match of the gateway's static routes
 * (rt_route_lookup in dataplane/route.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arp_table.h"
#include "route.h"

#define CHECK_NAME "arp_table"
#include "check.h"

#define SEC 1000000000ull
#define T0 (100 * SEC) /* the clock of a machine that has been up a while */


static uint32_t ip4(const char *s)
{
	uint32_t v = 0;

	if (inet_pton(AF_INET, s, &v) != 1)
		abort();
	return v;
}

/* 10.x.y.z, network order, distinct for distinct n < 2^24, never .0 */
static uint32_t ip_of(uint32_t n)
{
	return htonl(0x0a000000u | ((n % 0xffffffu) + 1));
}

static void mac_of(uint32_t n, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0x42;
	mac[2] = (uint8_t)(n >> 24);
	mac[3] = (uint8_t)(n >> 16);
	mac[4] = (uint8_t)(n >> 8);
	mac[5] = (uint8_t)n;
}

static uint64_t rng_state = 0x6172705f7461626cull;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static struct arp_table t; /* 40 KiB: not on the stack */

static void test_learn_resolve(void)
{
	uint8_t m1[6], m2[6], got[6];
	uint32_t a = ip4("10.13.37.4");
	bool ask = true;
	int r;

	arp_init(&t);
	mac_of(1, m1);
	mac_of(2, m2);
	r = arp_learn(&t, a, m1, T0);
	check(r == 1 && t.st.learned == 1 && t.st.entries == 1, "a new address is learned",
	      "learn %d, learned %llu, entries %u", r, (unsigned long long)t.st.learned,
	      t.st.entries);
	r = arp_resolve(&t, a, T0 + 1, got, &ask);
	check(r == 0 && !memcmp(got, m1, 6) && !ask, "a learned address resolves, nothing to ask",
	      "resolve %d, ask %d", r, ask);
	r = arp_learn(&t, a, m1, T0 + 2);
	check(r == 0 && t.st.learned == 1 && t.st.changed == 0, "the same MAC again only refreshes",
	      "learn %d", r);
	r = arp_learn(&t, a, m2, T0 + 3);
	arp_resolve(&t, a, T0 + 4, got, &ask);
	check(r == 1 && t.st.changed == 1 && !memcmp(got, m2, 6) && t.st.entries == 1,
	      "another MAC for the address replaces the old one (counted as changed)",
	      "learn %d, changed %llu, entries %u", r, (unsigned long long)t.st.changed,
	      t.st.entries);

	static const uint8_t zero[6], mcast[6] = { 0x01, 0x00, 0x5e, 0, 0, 1 },
				      bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	int bad = 0;
	bad += arp_learn(&t, 0, m1, T0) == -EINVAL;
	bad += arp_learn(&t, UINT32_MAX, m1, T0) == -EINVAL;
	bad += arp_learn(&t, ip4("10.13.37.9"), zero, T0) == -EINVAL;
	bad += arp_learn(&t, ip4("10.13.37.9"), mcast, T0) == -EINVAL;
	bad += arp_learn(&t, ip4("10.13.37.9"), bcast, T0) == -EINVAL;
	check(bad == 5 && t.st.ignored == 5 && t.st.entries == 1,
	      "address 0, 255.255.255.255, zero, multicast and broadcast MACs are refused and counted",
	      "%d of 5 refused, ignored %llu, entries %u", bad, (unsigned long long)t.st.ignored,
	      t.st.entries);
}

static void test_ask(void)
{
	uint32_t a = ip4("10.13.37.4");
	uint8_t m[6], got[6];
	bool ask = false;
	int r, asks = 0, i;

	arp_init(&t);
	r = arp_resolve(&t, a, T0, got, &ask);
	check(r == -EAGAIN && ask && t.st.entries == 1 && t.st.asked == 1,
	      "an unknown address: not yet, ask now, an incomplete entry is made",
	      "resolve %d, ask %d, entries %u", r, ask, t.st.entries);
	/* Frames arriving every ms for a second: one question per 250 ms. */
	for (i = 1; i < 1000; i++) {
		r = arp_resolve(&t, a, T0 + (uint64_t)i * 1000000ull, got, &ask);
		asks += ask;
		if (r != -EAGAIN)
			break;
	}
	check(i == 1000 && asks == 3, "questions are rate limited to one per ARP_ASK_NS",
	      "%d asks in %d ms (expected 3 after the first)", asks, i);
	mac_of(7, m);
	r = arp_learn(&t, a, m, T0 + SEC);
	check(r == 1 && t.st.learned == 1, "the answer completes the entry (frames may go)",
	      "learn %d", r);
	r = arp_resolve(&t, a, T0 + SEC + 1, got, &ask);
	check(r == 0 && !ask && !memcmp(got, m, 6), "then it resolves", "resolve %d ask %d", r,
	      ask);
}

static void test_stale(void)
{
	uint32_t a = ip4("10.13.37.4");
	uint64_t now = T0;
	uint8_t m[6], got[6];
	bool ask;
	int r, asks = 0;

	arp_init(&t);
	mac_of(9, m);
	arp_learn(&t, a, m, now);
	now += ARP_STALE_NS - 1;
	r = arp_resolve(&t, a, now, got, &ask);
	check(r == 0 && !ask, "fresh until ARP_STALE_NS", "resolve %d ask %d", r, ask);
	now += 1;
	r = arp_resolve(&t, a, now, got, &ask);
	check(r == 0 && ask && !memcmp(got, m, 6), "stale: still used, and asked again",
	      "resolve %d ask %d", r, ask);
	/* Unanswered: keep using it (asking now and then) until ARP_PROBE_NS. */
	uint64_t probe = now;
	for (now += 1000000ull; now < probe + ARP_PROBE_NS; now += 1000000ull) {
		r = arp_resolve(&t, a, now, got, &ask);
		asks += ask;
		if (r)
			break;
	}
	check(r == 0 && asks == (int)(ARP_PROBE_NS / ARP_ASK_NS) - 1,
	      "a stale entry is used while its question is pending, asked at the rate limit",
	      "resolve %d, %d asks", r, asks);
	r = arp_resolve(&t, a, now, got, &ask);
	check(r == -EAGAIN && t.st.failed == 1, "unanswered for ARP_PROBE_NS: forgotten (failed)",
	      "resolve %d failed %llu", r, (unsigned long long)t.st.failed);
	arp_learn(&t, a, m, now + 5);
	r = arp_resolve(&t, a, now + 6, got, &ask);
	check(r == 0 && !ask, "an answer after failing brings it back", "resolve %d ask %d", r,
	      ask);

	/* A stale entry that answers is fresh again, without failing. */
	now += ARP_STALE_NS + 10;
	arp_resolve(&t, a, now, got, &ask);
	arp_learn(&t, a, m, now + 1);
	r = arp_resolve(&t, a, now + ARP_PROBE_NS + 2, got, &ask);
	check(r == 0 && !ask && t.st.failed == 1, "a stale entry that answers is fresh again",
	      "resolve %d ask %d failed %llu", r, ask, (unsigned long long)t.st.failed);
}

struct census {
	uint32_t n, incomplete, stale;
	uint32_t ips[ARP_SIZE];
	bool dup;
	int stop_after;
};

static int census_cb(const struct arp_entry *e, uint64_t age, bool stale, void *arg)
{
	struct census *c = arg;
	uint32_t i;

	(void)age;
	for (i = 0; i < c->n; i++)
		c->dup |= c->ips[i] == e->ip;
	if (c->n < ARP_SIZE)
		c->ips[c->n] = e->ip;
	c->n++;
	c->incomplete += e->state == ARP_INCOMPLETE;
	c->stale += stale;
	return c->stop_after && (int)c->n == c->stop_after;
}

static void test_bounds(void)
{
	static struct census c;
	uint32_t i, hops = 16, kept = 0, learned = 0;
	uint8_t m[6], got[6];
	bool ask;
	int r;

	/* Every host of a /24 fits: the sets spread the last octet. */
	arp_init(&t);
	for (i = 1; i < 255; i++) {
		mac_of(i, m);
		learned += arp_learn(&t, htonl(0x0a0d2500u | i), m, T0) == 1;
	}
	check(learned == 254 && t.st.refused == 0, "all 254 hosts of a /24 are learned",
	      "%u learned, %llu refused", learned, (unsigned long long)t.st.refused);

	/* Next hops first, then a namespace chattering from 100000
	 * addresses: the table stays bounded and the next hops stay. */
	arp_init(&t);
	for (i = 0; i < hops; i++) {
		mac_of(i, m);
		arp_learn(&t, ip_of(i * 7919), m, T0);
	}
	for (i = 0; i < 100000; i++) {
		mac_of(1000000 + i, m);
		arp_learn(&t, ip_of(1000000 + i), m, T0 + i);
	}
	for (i = 0; i < hops; i++) {
		mac_of(i, m);
		r = arp_resolve(&t, ip_of(i * 7919), T0 + SEC, got, &ask);
		kept += r == 0 && !memcmp(got, m, 6);
	}
	memset(&c, 0, sizeof(c));
	arp_foreach(&t, T0 + SEC, census_cb, &c);
	check(t.st.entries <= ARP_SIZE && c.n == t.st.entries && !c.dup,
	      "100000 addresses: the table stays within ARP_SIZE, no duplicates",
	      "entries %u, visited %u, dup %d", t.st.entries, c.n, c.dup);
	check(kept == hops && t.st.refused > 0 && t.st.evicted == 0,
	      "chatter never evicts fresh entries: refused instead, and counted",
	      "%u of %u next hops kept, refused %llu, evicted %llu", kept, hops,
	      (unsigned long long)t.st.refused, (unsigned long long)t.st.evicted);

	/* A needed address gets a slot even in a full set of fresh ones. */
	uint64_t ev = t.st.evicted;
	uint32_t miss = 0;
	for (i = 0; i < 4 * ARP_SIZE; i++) {
		r = arp_resolve(&t, ip_of(5000000 + i), T0 + SEC, got, &ask);
		miss += r == -EAGAIN && ask;
	}
	check(miss == 4 * ARP_SIZE && t.st.evicted > ev && t.st.entries <= ARP_SIZE,
	      "an address the gateway needs always gets a slot (the oldest of its set)",
	      "%u asked of %u, evicted %llu, entries %u", miss, 4 * ARP_SIZE,
	      (unsigned long long)(t.st.evicted - ev), t.st.entries);

	/* Once stale, chatter may take the slots again. */
	ev = t.st.evicted;
	learned = 0;
	arp_init(&t);
	for (i = 0; i < 4 * ARP_SIZE; i++) {
		mac_of(i, m);
		arp_learn(&t, ip_of(i), m, T0);
	}
	for (i = 0; i < ARP_SIZE; i++) {
		mac_of(900000 + i, m);
		learned += arp_learn(&t, ip_of(900000 + i), m, T0 + ARP_STALE_NS) == 1;
	}
	check(learned > ARP_SIZE / 2 && t.st.evicted > 0,
	      "stale entries make room for new addresses",
	      "%u of %u learned, %llu evicted", learned, ARP_SIZE,
	      (unsigned long long)t.st.evicted);

	memset(&c, 0, sizeof(c));
	c.stop_after = 3;
	r = arp_foreach(&t, T0, census_cb, &c);
	check(r == 1 && c.n == 3, "foreach stops when the callback asks", "r %d, visited %u", r,
	      c.n);
}

/* Random learns and resolves over a small address space, with time
 * moving: after every step the table agrees with itself. */
static void test_random(void)
{
	static struct census c;
	uint64_t now = T0;
	uint32_t i, bad = 0, lost = 0, step_fail = 0;
	uint8_t m[6], got[6];
	bool ask;
	int r;

	arp_init(&t);
	for (i = 0; i < 200000; i++) {
		uint64_t x = rnd();
		uint32_t ip = ip_of((uint32_t)(x % 3000));

		now += (x >> 20) % (ARP_STALE_NS / 1000);
		if ((x >> 12) & 1) {
			mac_of((uint32_t)((x >> 32) % 4), m);
			r = arp_learn(&t, ip, m, now);
			/* A usable learn is visible at once, with that MAC. */
			if (r == 1 && (arp_resolve(&t, ip, now, got, &ask) || memcmp(got, m, 6)))
				lost++;
		} else {
			r = arp_resolve(&t, ip, now, got, &ask);
			/* A miss left an entry: the next look finds it pending,
			 * and does not ask again at the same instant. */
			if (r == -EAGAIN && (arp_resolve(&t, ip, now, got, &ask) != -EAGAIN || ask))
				step_fail++;
		}
		if (i % 1000 == 0) {
			memset(&c, 0, sizeof(c));
			arp_foreach(&t, now, census_cb, &c);
			bad += c.dup || c.n != t.st.entries || t.st.entries > ARP_SIZE;
		}
	}
	check(bad == 0, "random run: entries counted right, within bounds, never duplicated",
	      "%u bad censuses", bad);
	check(lost == 0, "random run: a learn that returned 1 resolves at once to its MAC",
	      "%u lost", lost);
	check(step_fail == 0, "random run: a miss leaves a pending entry, asked once",
	      "%u failures", step_fail);
}

static struct rt_route route(const char *net, int plen, const char *via)
{
	struct rt_route r = { .plen = (uint8_t)plen };

	r.mask = plen ? htonl(~0u << (32 - plen)) : 0;
	r.net = ip4(net) & r.mask;
	r.via = ip4(via);
	return r;
}

static void test_lpm(void)
{
	struct rt_route tab[] = {
		route("10.0.0.0", 8, "10.13.37.5"),
		route("0.0.0.0", 0, "10.13.37.6"),
		route("10.9.9.8", 30, "10.13.37.4"),
		route("10.9.9.10", 32, "10.13.37.7"),
		route("10.9.9.8", 30, "10.13.37.8"), /* same prefix: the first wins */
	};
	const struct rt_route *r;
	struct {
		const char *dst, *via;
	} cases[] = {
		{ "10.9.9.9", "10.13.37.4" },	{ "10.9.9.10", "10.13.37.7" },
		{ "10.9.9.11", "10.13.37.4" },	{ "10.9.9.12", "10.13.37.5" },
		{ "10.255.0.1", "10.13.37.5" }, { "192.0.2.1", "10.13.37.6" },
		{ "11.0.0.0", "10.13.37.6" },
	};
	unsigned int i, ok = 0;
	char via[INET_ADDRSTRLEN];

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = rt_route_lookup(tab, 5, ip4(cases[i].dst));
		if (r && r->via == ip4(cases[i].via)) {
			ok++;
			continue;
		}
		printf("    %s -> %s, expected %s\n", cases[i].dst,
		       r ? inet_ntop(AF_INET, &r->via, via, sizeof(via)) : "none", cases[i].via);
	}
	check(ok == sizeof(cases) / sizeof(cases[0]),
	      "routes: the longest prefix wins, /32 and /0 included, ties to the first",
	      "%u of %zu", ok, sizeof(cases) / sizeof(cases[0]));
	r = rt_route_lookup(tab, 1, ip4("192.0.2.1"));
	check(!r && !rt_route_lookup(tab, 0, ip4("10.9.9.9")),
	      "routes: no match (and no routes) is no route", "matched");
}

int main(void)
{
	test_learn_resolve();
	test_ask();
	test_stale();
	test_bounds();
	test_random();
	test_lpm();
	return failures ? 1 : 0;
}
