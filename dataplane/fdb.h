/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_FDB_H
#define NSFAST_FDB_H

#include <stdbool.h>
#include <stdint.h>

/* The switch's MAC table: learning, lookup, ageing. Bounded twice: the
 * table never grows past its capacity, and no single port may own more
 * than per_port_max entries, so a MAC flood from one port can neither
 * grow memory nor evict the other ports' entries. Existing entries are
 * never evicted to make room; refused learns are counted. Single
 * threaded, no allocation after fdb_new. */

#define FDB_PORT_NONE 0xffffu

struct fdb;

struct fdb_stats {
	uint64_t learned; /* new entries */
	uint64_t moved; /* a known MAC seen on another port */
	uint64_t aged; /* entries removed by ageing */
	uint64_t refused_full; /* learns refused: table at capacity */
	uint64_t refused_port; /* learns refused: port at per_port_max */
	uint32_t entries; /* current */
};

/* capacity: max entries (rounded up internally as the hash needs);
 * ageing_ns: an entry not refreshed for this long is gone. */
struct fdb *fdb_new(uint32_t capacity, uint32_t per_port_max, uint64_t ageing_ns);
void fdb_free(struct fdb *fdb);

/* Learn or refresh src on port at time now (CLOCK_MONOTONIC ns).
 * Returns 0 (learned or refreshed), 1 (moved from another port),
 * -ENOSPC (refused: table full or port over its quota). Multicast and
 * broadcast sources are never learned (returns -EINVAL). */
int fdb_learn(struct fdb *fdb, const uint8_t mac[6], uint16_t port, uint64_t now);

/* The port of dst, or FDB_PORT_NONE if unknown or expired. */
uint16_t fdb_lookup(struct fdb *fdb, const uint8_t mac[6], uint64_t now);
/* The port of dst if it is expired but not yet removed by fdb_age, else
 * FDB_PORT_NONE. */
uint16_t fdb_lookup_expired(const struct fdb *fdb, const uint8_t mac[6], uint64_t now);

/* Remove mac's entry if it is expired, as fdb_age would: whether it did. */
bool fdb_forget_expired(struct fdb *fdb, const uint8_t mac[6], uint64_t now);

/* Remove entries idle for ageing_ns or more; returns how many. Cheap
 * enough to call once a second on a full table. */
uint32_t fdb_age(struct fdb *fdb, uint64_t now);

/* Forget every entry of a port (port went away). */
void fdb_flush_port(struct fdb *fdb, uint16_t port);

/* Visit live entries; idle_ns = now - last refresh. Stop when cb != 0. */
int fdb_foreach(struct fdb *fdb, uint64_t now,
		int (*cb)(const uint8_t mac[6], uint16_t port, uint64_t idle_ns, void *arg),
		void *arg);
/* The same for entries expired but not yet removed by fdb_age (cb may
 * relearn the one it is given on its own port: see fdb.c). */
int fdb_foreach_expired(struct fdb *fdb, uint64_t now,
			int (*cb)(const uint8_t mac[6], uint16_t port, uint64_t idle_ns, void *arg),
			void *arg);

const struct fdb_stats *fdb_stats(const struct fdb *fdb);
void fdb_set_ageing(struct fdb *fdb, uint64_t ageing_ns);

#endif
