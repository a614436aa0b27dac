/* SPDX-License-Identifier: MIT */
/* The MAC table: linear probing over a power-of-two slot array kept at
 * most half full, deletion by backward shift so there are no tombstones
 * and ageing shortens probe chains instead of silting them up.
 *
 * Decisions the header leaves open:
 * - Ports are 0 .. FDB_MAX_PORTS-1; anything else is -EINVAL. The quota
 *   counters are a fixed array inside struct fdb (4 KiB), sized for the
 *   switch's real port ids rather than for all of uint16_t.
 * - A move needs quota on the new port. Otherwise a port already at its
 *   quota could claim other ports' MACs one by one and own more than
 *   per_port_max entries, which is exactly what the quota forbids. A host
 *   that really moved is learned on its new port once the old entry ages
 *   out (the old port no longer refreshes it).
 * - Expired entries still occupy a slot and count against the table and
 *   the port until fdb_age() runs or a learn reuses the slot, so callers
 *   should age periodically (the header's "once a second").
 * - A timestamp older than an entry's last refresh means idle 0, not a
 *   wrapped huge idle time, so slightly out-of-order clocks from
 *   different batches never expire live entries. */
#include "fdb.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define FDB_MAX_PORTS 1024u
#define FDB_MAX_CAPACITY (1u << 22)

#define MAC_BITS 48
#define MAC_MASK ((UINT64_C(1) << MAC_BITS) - 1)
/* All-ones memset leaves the port field at FDB_PORT_NONE: empty. */
#define SLOT_EMPTY UINT64_MAX

/* MAC in the low 48 bits of key, port in the high 16: one 16-byte slot,
 * four to a cache line. */
struct fdb_slot {
	uint64_t key;
	uint64_t last;
};

struct fdb {
	struct fdb_slot *slots;
	uint64_t mask; /* slot count - 1 */
	unsigned int hash_shift; /* 64 - log2(slot count) */
	uint64_t hash_mul; /* random odd multiplier, per table */
	uint32_t capacity;
	uint32_t per_port_max;
	uint64_t ageing_ns;
	struct fdb_stats stats;
	uint32_t port_entries[FDB_MAX_PORTS];
};

static uint64_t mac_to_u64(const uint8_t mac[6])
{
	return (uint64_t)mac[0] << 40 | (uint64_t)mac[1] << 32 | (uint64_t)mac[2] << 24 |
	       (uint64_t)mac[3] << 16 | (uint64_t)mac[4] << 8 | mac[5];
}

static void u64_to_mac(uint64_t v, uint8_t mac[6])
{
	for (int i = 5; i >= 0; i--, v >>= 8)
		mac[i] = (uint8_t)v;
}

static bool slot_empty(const struct fdb_slot *s)
{
	return (s->key >> MAC_BITS) == FDB_PORT_NONE;
}

static uint16_t slot_port(const struct fdb_slot *s)
{
	return (uint16_t)(s->key >> MAC_BITS);
}

static uint64_t slot_mac(const struct fdb_slot *s)
{
	return s->key & MAC_MASK;
}

static void slot_set(struct fdb_slot *s, uint64_t mac, uint16_t port, uint64_t now)
{
	s->key = mac | (uint64_t)port << MAC_BITS;
	s->last = now;
}

/* Multiply-shift with a secret multiplier: MACs come from untrusted
 * namespaces, and a fixed multiplier would let a sender precompute
 * addresses that all land in one cluster. */
static uint64_t home_slot(const struct fdb *fdb, uint64_t mac)
{
	return (mac * fdb->hash_mul) >> fdb->hash_shift;
}

static uint64_t idle_ns(uint64_t last, uint64_t now)
{
	return now > last ? now - last : 0;
}

static bool slot_expired(const struct fdb *fdb, const struct fdb_slot *s, uint64_t now)
{
	return idle_ns(s->last, now) >= fdb->ageing_ns;
}

static uint64_t random_multiplier(void)
{
	uint64_t r;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		/* No entropy yet (early boot): still differ between runs. */
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		r = ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) *
			    UINT64_C(0x9e3779b97f4a7c15) ^ (uint64_t)(uintptr_t)&r;
	}
	return r | 1;
}

struct fdb *fdb_new(uint32_t capacity, uint32_t per_port_max, uint64_t ageing_ns)
{
	if (!capacity || !per_port_max || !ageing_ns)
		return NULL;
	if (capacity > FDB_MAX_CAPACITY)
		capacity = FDB_MAX_CAPACITY;

	unsigned int order = 1;
	while ((UINT64_C(1) << order) < 2 * (uint64_t)capacity)
		order++;

	struct fdb *fdb = calloc(1, sizeof(*fdb));
	if (!fdb)
		return NULL;
	size_t nslots = (size_t)1 << order;
	fdb->slots = malloc(nslots * sizeof(*fdb->slots));
	if (!fdb->slots) {
		free(fdb);
		return NULL;
	}
	memset(fdb->slots, 0xff, nslots * sizeof(*fdb->slots));
	fdb->mask = nslots - 1;
	fdb->hash_shift = 64 - order;
	fdb->hash_mul = random_multiplier();
	fdb->capacity = capacity;
	fdb->per_port_max = per_port_max;
	fdb->ageing_ns = ageing_ns;
	return fdb;
}

void fdb_free(struct fdb *fdb)
{
	if (!fdb)
		return;
	free(fdb->slots);
	free(fdb);
}

/* Backward-shift deletion: pull later members of the cluster into the
 * hole whenever the hole lies on their probe path, so every remaining
 * entry stays reachable from its home slot without tombstones. */
static void remove_slot(struct fdb *fdb, uint64_t hole)
{
	struct fdb_slot *slots = fdb->slots;

	fdb->port_entries[slot_port(&slots[hole])]--;
	fdb->stats.entries--;
	for (uint64_t j = (hole + 1) & fdb->mask; !slot_empty(&slots[j]); j = (j + 1) & fdb->mask) {
		uint64_t home = home_slot(fdb, slot_mac(&slots[j]));
		if (((j - home) & fdb->mask) >= ((j - hole) & fdb->mask)) {
			slots[hole] = slots[j];
			hole = j;
		}
	}
	slots[hole].key = SLOT_EMPTY;
}

/* One pass removing every entry the predicate selects. Starting just
 * after an empty slot means no cluster straddles the start, and since
 * backward shift only moves entries into the hole at or behind the scan
 * position, re-examining that position after a removal sees each entry
 * exactly when it is needed. */
typedef bool slot_match_fn(const struct fdb *fdb, const struct fdb_slot *s, uint64_t arg);

static uint32_t remove_matching(struct fdb *fdb, slot_match_fn *match, uint64_t arg)
{
	uint64_t start = 0, removed = 0;

	while (!slot_empty(&fdb->slots[start]))
		start++; /* terminates: the table is never more than half full */
	for (uint64_t n = 1; n <= fdb->mask;) {
		uint64_t i = (start + n) & fdb->mask;
		if (!slot_empty(&fdb->slots[i]) && match(fdb, &fdb->slots[i], arg)) {
			remove_slot(fdb, i);
			removed++;
		} else {
			n++;
		}
	}
	return (uint32_t)removed;
}

int fdb_learn(struct fdb *fdb, const uint8_t mac[6], uint16_t port, uint64_t now)
{
	if (mac[0] & 1 || port >= FDB_MAX_PORTS)
		return -EINVAL;

	uint64_t key = mac_to_u64(mac), i = home_slot(fdb, key);
	struct fdb_slot *reuse = NULL;

	for (;; i = (i + 1) & fdb->mask) {
		struct fdb_slot *s = &fdb->slots[i];
		if (slot_empty(s))
			break;
		if (slot_mac(s) != key) {
			if (!reuse && slot_expired(fdb, s, now))
				reuse = s;
			continue;
		}
		if (slot_expired(fdb, s, now)) {
			reuse = s; /* stale self: relearn in place, never duplicate */
			break;
		}
		uint16_t old_port = slot_port(s);
		if (old_port == port) {
			s->last = now;
			return 0;
		}
		if (fdb->port_entries[port] >= fdb->per_port_max) {
			fdb->stats.refused_port++;
			return -ENOSPC;
		}
		fdb->port_entries[old_port]--;
		fdb->port_entries[port]++;
		slot_set(s, key, port, now);
		fdb->stats.moved++;
		return 1;
	}

	/* An expired slot on our probe path is reclaimed in place: it keeps
	 * the chain intact and needs no room in the table, only quota. */
	uint32_t port_used = fdb->port_entries[port];
	if (reuse && slot_port(reuse) == port)
		port_used--;
	if (!reuse && fdb->stats.entries >= fdb->capacity) {
		fdb->stats.refused_full++;
		return -ENOSPC;
	}
	if (port_used >= fdb->per_port_max) {
		fdb->stats.refused_port++;
		return -ENOSPC;
	}
	if (reuse) {
		fdb->port_entries[slot_port(reuse)]--;
		fdb->stats.aged++;
	} else {
		reuse = &fdb->slots[i];
		fdb->stats.entries++;
	}
	fdb->port_entries[port]++;
	slot_set(reuse, key, port, now);
	fdb->stats.learned++;
	return 0;
}

static const struct fdb_slot *find(const struct fdb *fdb, const uint8_t mac[6])
{
	uint64_t key = mac_to_u64(mac);

	for (uint64_t i = home_slot(fdb, key);; i = (i + 1) & fdb->mask) {
		const struct fdb_slot *s = &fdb->slots[i];
		if (slot_empty(s))
			return NULL;
		if (slot_mac(s) == key)
			return s;
	}
}

uint16_t fdb_lookup(struct fdb *fdb, const uint8_t mac[6], uint64_t now)
{
	const struct fdb_slot *s = find(fdb, mac);

	return s && !slot_expired(fdb, s, now) ? slot_port(s) : FDB_PORT_NONE;
}

uint16_t fdb_lookup_expired(const struct fdb *fdb, const uint8_t mac[6], uint64_t now)
{
	const struct fdb_slot *s = find(fdb, mac);

	return s && slot_expired(fdb, s, now) ? slot_port(s) : FDB_PORT_NONE;
}

bool fdb_forget_expired(struct fdb *fdb, const uint8_t mac[6], uint64_t now)
{
	const struct fdb_slot *s = find(fdb, mac);

	if (!s || !slot_expired(fdb, s, now))
		return false;
	remove_slot(fdb, (uint64_t)(s - fdb->slots));
	fdb->stats.aged++;
	return true;
}

static bool match_expired(const struct fdb *fdb, const struct fdb_slot *s, uint64_t now)
{
	return slot_expired(fdb, s, now);
}

static bool match_port(const struct fdb *fdb, const struct fdb_slot *s, uint64_t port)
{
	(void)fdb;
	return slot_port(s) == port;
}

uint32_t fdb_age(struct fdb *fdb, uint64_t now)
{
	uint32_t n = remove_matching(fdb, match_expired, now);

	fdb->stats.aged += n;
	return n;
}

void fdb_flush_port(struct fdb *fdb, uint16_t port)
{
	if (port < FDB_MAX_PORTS && fdb->port_entries[port])
		remove_matching(fdb, match_port, port);
}

/* cb must not learn, age or flush: a backward shift mid-walk could make
 * the walk skip or repeat entries. One learn is safe: an expired entry's
 * own MAC on its own port, which fdb_learn rewrites in its slot. */
static int foreach(struct fdb *fdb, uint64_t now, bool expired,
		   int (*cb)(const uint8_t mac[6], uint16_t port, uint64_t idle_ns, void *arg),
		   void *arg)
{
	for (uint64_t i = 0; i <= fdb->mask; i++) {
		const struct fdb_slot *s = &fdb->slots[i];
		if (slot_empty(s) || slot_expired(fdb, s, now) != expired)
			continue;
		uint8_t mac[6];
		u64_to_mac(slot_mac(s), mac);
		int rc = cb(mac, slot_port(s), idle_ns(s->last, now), arg);
		if (rc)
			return rc;
	}
	return 0;
}

int fdb_foreach(struct fdb *fdb, uint64_t now,
		int (*cb)(const uint8_t mac[6], uint16_t port, uint64_t idle_ns, void *arg),
		void *arg)
{
	return foreach(fdb, now, false, cb, arg);
}

int fdb_foreach_expired(struct fdb *fdb, uint64_t now,
			int (*cb)(const uint8_t mac[6], uint16_t port, uint64_t idle_ns, void *arg),
			void *arg)
{
	return foreach(fdb, now, true, cb, arg);
}

const struct fdb_stats *fdb_stats(const struct fdb *fdb)
{
	return &fdb->stats;
}

/* 0 would expire every entry on sight; keep the old value instead. */
void fdb_set_ageing(struct fdb *fdb, uint64_t ageing_ns)
{
	if (ageing_ns)
		fdb->ageing_ns = ageing_ns;
}
