/* SPDX-License-Identifier: MIT */
/* MAC table: behaviour through the public interface only, then a
 * differential run against a plain array model. The hash multiplier is
 * random per table, so collision-heavy cases are made by small tables
 * filled to capacity and repeated many times rather than by crafted MACs.
 * Build with -DBENCH for the micro-benchmark instead of the tests. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fdb.h"

#define CHECK_NAME "fdb"
#include "check.h"

#define SEC 1000000000ull

static uint64_t rng_state = 0x6e73666173742121ull;

/* splitmix64: fixed seed, so every run does the same operations. */
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void random_mac(uint8_t mac[6])
{
	uint64_t r = rnd();
	memcpy(mac, &r, 6);
	mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02);
}

#ifndef BENCH

/* Unicast, locally administered, distinct for distinct n. */
static void mac_of(uint64_t n, uint8_t mac[6])
{
	mac[0] = 0x02;
	for (int i = 5; i >= 1; i--, n >>= 8)
		mac[i] = (uint8_t)n;
}


static int count_cb(const uint8_t mac[6], uint16_t port, uint64_t idle, void *arg)
{
	(void)mac, (void)port, (void)idle;
	(*(uint32_t *)arg)++;
	return 0;
}

static uint32_t live_count(struct fdb *f, uint64_t now)
{
	uint32_t n = 0;
	fdb_foreach(f, now, count_cb, &n);
	return n;
}

struct port_count {
	uint16_t port;
	uint32_t n;
};

static int port_count_cb(const uint8_t mac[6], uint16_t port, uint64_t idle, void *arg)
{
	struct port_count *pc = arg;
	(void)mac, (void)idle;
	pc->n += port == pc->port;
	return 0;
}

static uint32_t live_on_port(struct fdb *f, uint16_t port, uint64_t now)
{
	struct port_count pc = { port, 0 };
	fdb_foreach(f, now, port_count_cb, &pc);
	return pc.n;
}

static void test_args(void)
{
	bool ok = !fdb_new(0, 1, SEC) && !fdb_new(1, 0, SEC) && !fdb_new(1, 1, 0);
	check(ok, "fdb_new refuses capacity 0, per_port_max 0, ageing 0", "got a table");
	fdb_free(NULL);
	check(true, "fdb_free(NULL) is a no-op", "-");
	struct fdb *f = fdb_new(UINT32_MAX, 10, SEC);
	uint8_t m[6];
	uint32_t refused = 0;
	for (uint32_t i = 0; f && i < 10; i++) {
		mac_of(i, m);
		refused += fdb_learn(f, m, 0, 0) != 0;
	}
	check(f && !refused, "huge capacity is capped, not refused", "f=%p refused=%u", (void *)f,
	      refused);
	fdb_free(f);
}

static void test_basic(void)
{
	struct fdb *f = fdb_new(64, 64, 10 * SEC);
	uint8_t a[6], b[6], c[6];
	mac_of(1, a), mac_of(2, b), mac_of(3, c);
	int ra = fdb_learn(f, a, 3, 100), rb = fdb_learn(f, b, 7, 100);
	check(ra == 0 && rb == 0 && fdb_lookup(f, a, 200) == 3 && fdb_lookup(f, b, 200) == 7,
	      "learn then lookup", "ra=%d rb=%d a->%u b->%u", ra, rb, fdb_lookup(f, a, 200),
	      fdb_lookup(f, b, 200));
	check(fdb_lookup(f, c, 200) == FDB_PORT_NONE, "unknown MAC is FDB_PORT_NONE", "got %u",
	      fdb_lookup(f, c, 200));
	const struct fdb_stats *st = fdb_stats(f);
	check(st->learned == 2 && st->entries == 2, "stats count new entries", "learned=%llu entries=%u",
	      (unsigned long long)st->learned, st->entries);

	int rr = fdb_learn(f, a, 3, 100 + 9 * SEC);
	uint16_t late = fdb_lookup(f, a, 100 + 15 * SEC);
	check(rr == 0 && late == 3 && st->learned == 2, "refresh keeps entry alive past first expiry",
	      "rr=%d port=%u learned=%llu", rr, late, (unsigned long long)st->learned);

	uint16_t before = fdb_lookup(f, b, 100 + 10 * SEC - 1), at = fdb_lookup(f, b, 100 + 10 * SEC);
	check(before == 7 && at == FDB_PORT_NONE, "expires at exactly ageing_ns idle",
	      "one ns before=%u at=%u", before, at);
	uint16_t xb = fdb_lookup_expired(f, b, 100 + 10 * SEC), xlive = fdb_lookup_expired(f, b, 100),
		 xc = fdb_lookup_expired(f, c, 100 + 10 * SEC);
	check(xb == 7 && xlive == FDB_PORT_NONE && xc == FDB_PORT_NONE,
	      "fdb_lookup_expired: the port of an expired entry only",
	      "expired=%u live=%u unknown=%u", xb, xlive, xc);
	check(fdb_lookup(f, b, 50) == 7, "a timestamp before the last refresh is idle 0", "got %u",
	      fdb_lookup(f, b, 50));

	int mv = fdb_learn(f, a, 5, 100 + 10 * SEC);
	check(mv == 1 && fdb_lookup(f, a, 100 + 10 * SEC) == 5 && st->moved == 1,
	      "move returns 1 and lookup follows", "rc=%d port=%u moved=%llu", mv,
	      fdb_lookup(f, a, 100 + 10 * SEC), (unsigned long long)st->moved);

	/* b is expired: seen again on another port it is new, not moved. */
	int rel = fdb_learn(f, b, 9, 100 + 11 * SEC);
	check(rel == 0 && st->moved == 1 && st->learned == 3 && st->entries == 2 &&
		      fdb_lookup(f, b, 100 + 11 * SEC) == 9,
	      "expired entry counts as absent on learn", "rc=%d moved=%llu learned=%llu entries=%u", rel,
	      (unsigned long long)st->moved, (unsigned long long)st->learned, st->entries);
	fdb_free(f);

	f = fdb_new(64, 64, 10 * SEC);
	st = fdb_stats(f);
	fdb_learn(f, a, 3, 100);
	fdb_learn(f, b, 7, 100 + 5 * SEC);
	bool live_kept = !fdb_forget_expired(f, b, 100 + 10 * SEC),
	     gone = fdb_forget_expired(f, a, 100 + 10 * SEC);
	check(live_kept && gone && fdb_lookup_expired(f, a, 100 + 10 * SEC) == FDB_PORT_NONE &&
		      fdb_lookup(f, b, 100 + 10 * SEC) == 7 && st->aged == 1 && st->entries == 1,
	      "fdb_forget_expired: removes an expired entry only, counted as aged",
	      "live kept %d, gone %d, aged %llu, entries %u", live_kept, gone,
	      (unsigned long long)st->aged, st->entries);
	fdb_free(f);
}

static void test_refused_sources(void)
{
	struct fdb *f = fdb_new(16, 16, SEC);
	uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	uint8_t v6mc[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 };
	int rb = fdb_learn(f, bcast, 1, 0), rm = fdb_learn(f, mcast, 1, 0), r6 = fdb_learn(f, v6mc, 1, 0);
	check(rb == -EINVAL && rm == -EINVAL && r6 == -EINVAL && fdb_stats(f)->entries == 0 &&
		      fdb_lookup(f, bcast, 0) == FDB_PORT_NONE && fdb_lookup(f, mcast, 0) == FDB_PORT_NONE,
	      "multicast and broadcast sources are never learned", "bcast=%d mcast=%d v6=%d entries=%u",
	      rb, rm, r6, fdb_stats(f)->entries);

	uint8_t m[6];
	mac_of(1, m);
	int hi = fdb_learn(f, m, 1024, 0), none = fdb_learn(f, m, FDB_PORT_NONE, 0);
	int top = fdb_learn(f, m, 1023, 0);
	check(hi == -EINVAL && none == -EINVAL && top == 0 && fdb_lookup(f, m, 0) == 1023,
	      "ports >= 1024 are -EINVAL, 1023 is accepted", "1024=%d 0xffff=%d 1023=%d", hi, none, top);
	fdb_flush_port(f, 1024);
	fdb_flush_port(f, FDB_PORT_NONE);
	check(fdb_lookup(f, m, 0) == 1023, "flushing an out-of-range port is harmless", "-");
	fdb_free(f);
}

static void test_full(void)
{
	enum { CAP = 100 };
	struct fdb *f = fdb_new(CAP, CAP, 10 * SEC);
	uint8_t m[6];
	int bad = 0;
	for (int i = 0; i < CAP; i++) {
		mac_of((uint64_t)i, m);
		bad += fdb_learn(f, m, (uint16_t)(i % 4), 0) != 0;
	}
	int refused = 0;
	for (int i = CAP; i < CAP + 50; i++) {
		mac_of((uint64_t)i, m);
		refused += fdb_learn(f, m, 1, SEC) == -ENOSPC;
	}
	const struct fdb_stats *st = fdb_stats(f);
	check(!bad && refused == 50 && st->refused_full == 50 && st->entries == CAP,
	      "table full: -ENOSPC and refused_full counted", "bad=%d refused=%d refused_full=%llu entries=%u",
	      bad, refused, (unsigned long long)st->refused_full, st->entries);
	int missing = 0;
	for (int i = 0; i < CAP; i++) {
		mac_of((uint64_t)i, m);
		missing += fdb_lookup(f, m, SEC) != (uint16_t)(i % 4);
	}
	check(!missing, "table full: existing entries all still found", "%d missing", missing);

	/* Refresh and move of known MACs need no room. */
	mac_of(0, m);
	int rf = fdb_learn(f, m, 0, 2 * SEC);
	mac_of(1, m);
	int mv = fdb_learn(f, m, 2, 2 * SEC);
	check(rf == 0 && mv == 1, "table full: refresh and move still work", "refresh=%d move=%d", rf, mv);

	/* Everything but MAC 0 and 1 expires; a full table of stale entries
	 * must let a stale MAC come back even before fdb_age. */
	mac_of(5, m);
	int back = fdb_learn(f, m, 3, 11 * SEC);
	uint32_t aged = fdb_age(f, 11 * SEC);
	mac_of(CAP + 1, m);
	int fresh = fdb_learn(f, m, 1, 11 * SEC);
	/* 98 expired: MAC 5 reclaimed its own slot, fdb_age took the rest. */
	check(back == 0 && aged == CAP - 3 && st->aged == CAP - 2 && fresh == 0 && st->entries == 4,
	      "table full of stale entries recovers", "relearn=%d aged=%u total aged=%llu fresh=%d entries=%u",
	      back, aged, (unsigned long long)st->aged, fresh, st->entries);
	fdb_free(f);
}

static void test_age(void)
{
	struct fdb *f = fdb_new(1000, 1000, 10 * SEC);
	uint8_t m[6];
	for (int i = 0; i < 1000; i++) {
		mac_of((uint64_t)i, m);
		fdb_learn(f, m, 1, i % 2 ? 5 * SEC : 0);
	}
	uint32_t early = fdb_age(f, 10 * SEC - 1);
	uint32_t n = fdb_age(f, 10 * SEC);
	const struct fdb_stats *st = fdb_stats(f);
	int wrong = 0;
	for (int i = 0; i < 1000; i++) {
		mac_of((uint64_t)i, m);
		wrong += fdb_lookup(f, m, 10 * SEC) != (i % 2 ? 1 : FDB_PORT_NONE);
	}
	check(early == 0 && n == 500 && st->aged == 500 && st->entries == 500 && !wrong,
	      "fdb_age removes and counts expired, keeps fresh", "early=%u n=%u aged=%llu entries=%u wrong=%d",
	      early, n, (unsigned long long)st->aged, st->entries, wrong);

	fdb_set_ageing(f, SEC);
	uint16_t shorter = fdb_lookup(f, m, 6 * SEC);
	fdb_set_ageing(f, 0);
	uint16_t still = fdb_lookup(f, m, 6 * SEC - 1);
	check(shorter == FDB_PORT_NONE && still == 1, "set_ageing applies at once, 0 is ignored",
	      "shorter=%u still=%u", shorter, still);
	fdb_free(f);
}

/* Backward-shift deletion: fill small tables to capacity (load 0.5, so
 * real clusters and wrap-around), age a random half, and every survivor
 * must still be reachable. Many rounds, each table a new hash. */
static void test_backward_shift(void)
{
	static const uint32_t caps[] = { 1, 2, 3, 8, 16, 64, 4096 };
	int lost = 0, ghosts = 0, rounds = 0;
	for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		uint32_t cap = caps[c];
		int reps = cap >= 4096 ? 20 : 2000;
		for (int r = 0; r < reps; r++, rounds++) {
			struct fdb *f = fdb_new(cap, cap, 10);
			uint64_t base = rnd() & 0xffffffffffull;
			bool *old = calloc(cap, sizeof(*old));
			uint8_t m[6];
			for (uint32_t i = 0; i < cap; i++) {
				old[i] = rnd() & 1;
				mac_of(base + i, m);
				fdb_learn(f, m, (uint16_t)(i & 7), old[i] ? 0 : 5);
			}
			fdb_age(f, 10);
			for (uint32_t i = 0; i < cap; i++) {
				mac_of(base + i, m);
				uint16_t p = fdb_lookup(f, m, 10);
				lost += !old[i] && p != (i & 7);
				ghosts += old[i] && p != FDB_PORT_NONE;
			}
			free(old);
			fdb_free(f);
		}
	}
	check(!lost && !ghosts, "ageing half of full tables keeps the other half reachable",
	      "%d rounds, %d lost, %d ghosts", rounds, lost, ghosts);
}

static void test_quota(void)
{
	enum { CAP = 8192, QUOTA = 1000, OTHERS = 8, EACH = 200 };
	struct fdb *f = fdb_new(CAP, QUOTA, 300 * SEC);
	uint8_t m[6];
	for (int p = 0; p < OTHERS; p++)
		for (int i = 0; i < EACH; i++) {
			mac_of((uint64_t)(p * EACH + i), m);
			fdb_learn(f, m, (uint16_t)(10 + p), 0);
		}
	int over = 0;
	for (int i = 0; i < 100000; i++) {
		random_mac(m);
		fdb_learn(f, m, 1, SEC);
		over += fdb_stats(f)->entries > CAP;
	}
	const struct fdb_stats *st = fdb_stats(f);
	uint32_t flood = live_on_port(f, 1, SEC);
	check(flood == QUOTA && st->refused_port >= 100000 - QUOTA - 10,
	      "flooding port is held at per_port_max", "port 1 owns %u, refused_port=%llu", flood,
	      (unsigned long long)st->refused_port);
	int lost = 0;
	for (int p = 0; p < OTHERS; p++)
		for (int i = 0; i < EACH; i++) {
			mac_of((uint64_t)(p * EACH + i), m);
			lost += fdb_lookup(f, m, SEC) != 10 + p;
		}
	check(!lost, "other ports' entries survive a flood", "%d lost", lost);
	int refused = 0;
	for (int i = 0; i < 500; i++) {
		mac_of(1000000 + (uint64_t)i, m);
		refused += fdb_learn(f, m, 20, SEC) != 0;
	}
	check(!refused, "other ports still learn during a flood", "%d refused", refused);
	check(!over && st->entries == live_count(f, SEC) && st->entries <= CAP,
	      "entry count bounded by capacity throughout", "over=%d entries=%u live=%u", over,
	      st->entries, live_count(f, SEC));

	/* A port at quota may not take over another port's MAC. */
	mac_of(0, m);
	uint64_t rp = st->refused_port;
	int mv = fdb_learn(f, m, 1, 2 * SEC);
	check(mv == -ENOSPC && fdb_lookup(f, m, 2 * SEC) == 10 && st->refused_port == rp + 1,
	      "move to a port at quota is refused, entry keeps old port", "rc=%d port=%u", mv,
	      fdb_lookup(f, m, 2 * SEC));

	fdb_flush_port(f, 1);
	int kept = 0;
	for (int p = 0; p < OTHERS; p++)
		for (int i = 0; i < EACH; i++) {
			mac_of((uint64_t)(p * EACH + i), m);
			kept += fdb_lookup(f, m, 2 * SEC) == 10 + p;
		}
	uint32_t left = live_on_port(f, 1, 2 * SEC);
	check(left == 0 && kept == OTHERS * EACH && st->entries == OTHERS * EACH + 500,
	      "flush_port forgets only that port", "left=%u kept=%d entries=%u", left, kept, st->entries);
	int relearn = 0;
	for (int i = 0; i < QUOTA; i++) {
		random_mac(m);
		relearn += fdb_learn(f, m, 1, 3 * SEC) == 0;
	}
	check(relearn == QUOTA, "flush_port returns the port's quota", "%d of %d learned", relearn, QUOTA);
	fdb_free(f);
}

struct visit {
	uint32_t n;
	uint64_t idle_sum;
	int stop_after;
};

static int visit_cb(const uint8_t mac[6], uint16_t port, uint64_t idle, void *arg)
{
	struct visit *v = arg;
	(void)mac, (void)port;
	v->n++;
	v->idle_sum += idle;
	return v->stop_after && (int)v->n >= v->stop_after ? 42 : 0;
}

static void test_foreach(void)
{
	struct fdb *f = fdb_new(100, 100, 100);
	uint8_t m[6];
	for (int i = 0; i < 30; i++) {
		mac_of((uint64_t)i, m);
		fdb_learn(f, m, 2, i < 10 ? 0 : 50); /* the first ten expire at 100 */
	}
	struct visit v = { 0, 0, 0 };
	int rc = fdb_foreach(f, 120, visit_cb, &v);
	check(rc == 0 && v.n == 20 && v.idle_sum == 20 * 70, "foreach visits live entries with idle_ns",
	      "rc=%d n=%u idle_sum=%llu", rc, v.n, (unsigned long long)v.idle_sum);
	struct visit s = { 0, 0, 5 };
	rc = fdb_foreach(f, 120, visit_cb, &s);
	check(rc == 42 && s.n == 5, "foreach stops and returns the callback's value", "rc=%d n=%u", rc, s.n);
	struct visit e = { 0, 0, 0 };
	rc = fdb_foreach_expired(f, 120, visit_cb, &e);
	check(rc == 0 && e.n == 10 && e.idle_sum == 10 * 120, "foreach_expired visits the expired ones only",
	      "rc=%d n=%u idle_sum=%llu", rc, e.n, (unsigned long long)e.idle_sum);
	fdb_free(f);
}

/* What fast_pull does from the walk: relearn the entry it is given. */
static int relearn_cb(const uint8_t mac[6], uint16_t port, uint64_t idle, void *arg)
{
	struct fdb *f = arg;

	(void)idle;
	return fdb_learn(f, mac, port, 120) ? 1 : 0;
}

static void test_foreach_expired_relearn(void)
{
	/* A table small enough that the 40 MACs share probe chains. */
	struct fdb *f = fdb_new(64, 64, 100);
	const struct fdb_stats *st = fdb_stats(f);
	uint8_t m[6];
	int live = 0;

	for (int i = 0; i < 40; i++) {
		mac_of((uint64_t)i * 7919, m);
		fdb_learn(f, m, (uint16_t)(i % 3), i % 2 ? 0 : 50); /* odd ones expire at 100 */
	}
	int rc = fdb_foreach_expired(f, 120, relearn_cb, f);
	for (int i = 0; i < 40; i++) {
		mac_of((uint64_t)i * 7919, m);
		live += fdb_lookup(f, m, 120) == (uint16_t)(i % 3);
	}
	check(rc == 0 && live == 40 && st->entries == 40 && live_count(f, 120) == 40,
	      "foreach_expired: relearning each in the walk keeps every entry, once, on its port",
	      "rc=%d live=%d entries=%u", rc, live, st->entries);
	fdb_free(f);
}

/* Reference model: one record per MAC of a small universe. */
struct ref {
	uint8_t mac[6];
	bool present; /* stored: not yet aged or flushed (maybe expired) */
	uint16_t port;
	uint64_t last;
};

static bool ref_live(const struct ref *r, uint64_t now, uint64_t ageing)
{
	return r->present && !(now > r->last && now - r->last >= ageing);
}

/* Lookups must match exactly. Refusals depend on expired entries that
 * the table may already have reclaimed, so a refusal is only checked
 * to be possible (the model's stored count, an upper bound on the
 * table's, is at the limit) and every accept to respect the limits. */
static void differential(const char *what, uint32_t cap, uint32_t quota, uint32_t universe,
			 uint16_t ports, int ops)
{
	const uint64_t ageing = 1000;
	struct fdb *f = fdb_new(cap, quota, ageing);
	struct ref *ref = calloc(universe, sizeof(*ref));
	for (uint32_t i = 0; i < universe; i++)
		random_mac(ref[i].mac);
	uint64_t now = 1;
	int bad_lookup = 0, bad_learn = 0, bad_refuse = 0, bad_limit = 0, bad_age = 0, looked = 0;
	char first[160] = "";

	for (int op = 0; op < ops; op++) {
		uint32_t k = (uint32_t)(rnd() % universe), roll = (uint32_t)(rnd() % 1000);
		struct ref *r = &ref[k];
		if (roll < 480) {
			uint16_t port = (uint16_t)(rnd() % ports);
			bool live = ref_live(r, now, ageing);
			int want = live && r->port != port ? 1 : 0;
			int rc = fdb_learn(f, r->mac, port, now);
			uint32_t stored = 0, stored_port = 0, live_port = 0, live_all = 0;
			for (uint32_t i = 0; i < universe; i++) {
				stored += ref[i].present;
				stored_port += ref[i].present && ref[i].port == port;
			}
			if (rc == -ENOSPC) {
				bool same = live && r->port == port;
				bool possible = want ? stored_port >= quota : stored >= cap || stored_port >= quota;
				if (same || !possible)
					bad_refuse++;
				continue;
			}
			if (rc != want) {
				if (!bad_learn++)
					snprintf(first, sizeof(first), "op %d learn rc %d want %d", op, rc, want);
				continue;
			}
			r->present = true, r->port = port, r->last = now;
			for (uint32_t i = 0; i < universe; i++) {
				bool l = ref_live(&ref[i], now, ageing);
				live_all += l;
				live_port += l && ref[i].port == port;
			}
			bad_limit += live_all > cap || live_port > quota || fdb_stats(f)->entries > cap;
		} else if (roll < 900) {
			uint16_t want = ref_live(r, now, ageing) ? r->port : FDB_PORT_NONE;
			uint16_t got = fdb_lookup(f, r->mac, now);
			looked++;
			if (got != want && !bad_lookup++)
				snprintf(first, sizeof(first), "op %d lookup %u want %u", op, got, want);
		} else if (roll < 980) {
			now += rnd() % 20; /* ~600 learns per ageing period */
		} else if (roll < 995) {
			uint32_t expired = 0, live_all = 0;
			for (uint32_t i = 0; i < universe; i++) {
				if (ref[i].present && !ref_live(&ref[i], now, ageing)) {
					ref[i].present = false;
					expired++;
				}
				live_all += ref[i].present;
			}
			uint32_t n = fdb_age(f, now);
			bad_age += n > expired || fdb_stats(f)->entries != live_all;
		} else {
			uint16_t port = (uint16_t)(rnd() % ports);
			fdb_flush_port(f, port);
			for (uint32_t i = 0; i < universe; i++)
				if (ref[i].port == port)
					ref[i].present = false;
		}
	}
	uint32_t live_all = 0, wrong = 0;
	for (uint32_t i = 0; i < universe; i++) {
		live_all += ref_live(&ref[i], now, ageing);
		uint16_t want = ref_live(&ref[i], now, ageing) ? ref[i].port : FDB_PORT_NONE;
		wrong += fdb_lookup(f, ref[i].mac, now) != want;
	}
	bool ok = !bad_lookup && !bad_learn && !bad_refuse && !bad_limit && !bad_age && !wrong &&
		  live_count(f, now) == live_all && looked > ops / 3;
	check(ok, what,
	      "lookup=%d learn=%d refuse=%d limit=%d age=%d final=%u foreach=%u/%u first: %s",
	      bad_lookup, bad_learn, bad_refuse, bad_limit, bad_age, wrong, live_count(f, now), live_all,
	      first);
	const struct fdb_stats *st = fdb_stats(f);
	printf("    %s: learned %llu moved %llu aged %llu refused_full %llu refused_port %llu\n", what,
	       (unsigned long long)st->learned, (unsigned long long)st->moved,
	       (unsigned long long)st->aged, (unsigned long long)st->refused_full,
	       (unsigned long long)st->refused_port);
	free(ref);
	fdb_free(f);
}

int main(void)
{
	test_args();
	test_basic();
	test_refused_sources();
	test_full();
	test_age();
	test_backward_shift();
	test_quota();
	test_foreach();
	test_foreach_expired_relearn();
	differential("differential vs model, no pressure (200k ops)", 4096, 4096, 1500, 6, 200000);
	differential("differential vs model, table and quota pressure (200k ops)", 300, 80, 1500, 6,
		     200000);
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}

#else /* BENCH */

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec;
}

int main(void)
{
	enum { N = 65536, OPS = 10000000 };
	struct fdb *f = fdb_new(N, N, 300 * SEC);
	static uint8_t macs[N][6], miss[N][6];
	for (int i = 0; i < N; i++) {
		random_mac(macs[i]);
		random_mac(miss[i]);
		fdb_learn(f, macs[i], (uint16_t)(i & 255), 0);
	}
	/* A scrambled visiting order, so the access pattern is not the
	 * insertion order but the index arithmetic stays negligible. */
	uint64_t sink = 0, t0 = mono_ns();
	for (uint32_t i = 0; i < OPS; i++)
		sink += fdb_lookup(f, macs[(i * 40503u) & (N - 1)], SEC);
	uint64_t t1 = mono_ns();
	for (uint32_t i = 0; i < OPS; i++)
		sink += fdb_lookup(f, miss[(i * 40503u) & (N - 1)], SEC);
	uint64_t t2 = mono_ns();
	for (uint32_t i = 0; i < OPS; i++)
		sink += (uint64_t)fdb_learn(f, macs[(i * 40503u) & (N - 1)], (uint16_t)(((i * 40503u) & (N - 1)) & 255), SEC + i);
	uint64_t t3 = mono_ns();
	printf("entries %u (slots %u): lookup hit %.1f ns, lookup miss %.1f ns, learn (refresh) %.1f ns  [sink %llu]\n",
	       fdb_stats(f)->entries, 2 * N, (double)(t1 - t0) / OPS, (double)(t2 - t1) / OPS,
	       (double)(t3 - t2) / OPS, (unsigned long long)sink);
	fdb_free(f);
	return 0;
}

#endif
