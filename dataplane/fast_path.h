/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_FAST_PATH_H
#define NSFAST_FAST_PATH_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../bpf/map_layouts.h"

/* dataplane xdp: the port program forwards learned unicast itself, from a
 * copy of the FDB in a BPF map that only this side writes. */

struct sw;
struct port;

/* A MAC as the BPF maps key it: its six bytes at the start of a u64,
 * as memcpy leaves them on both sides of the map. */
static inline uint64_t fast_mac_key(const uint8_t mac[6])
{
	uint64_t k = 0;

	memcpy(&k, mac, 6);
	return k;
}

struct fast_stats {
	uint64_t installed; /* fdb entries written to the map (learned or moved) */
	uint64_t removed; /* entries removed after ageing */
	uint64_t refreshed; /* userspace entries kept alive by fast-path traffic */
	uint64_t install_failed;
	uint64_t retried; /* failed installs done later by fast_age */
	bool pending; /* an install failed: fast_age retries the whole FDB */
};

/* The programs' clock (bpf/hit_clock.h): the second of time t (from 1),
 * the end of second s, and setting it in every loaded program. */
uint32_t fast_second(const struct sw *sw, uint64_t t);
uint64_t fast_second_end(const struct sw *sw, uint32_t s);
void fast_clock_set(struct sw *sw, uint32_t s);
/* Before the program is loaded: switch the fast path on, size the map. */
int fast_configure(struct sw *sw);
/* After the port's socket is registered: make it a redirect target. */
int fast_add_port(struct sw *sw, const struct port *p);
/* Learn src on port in the switch's FDB, and install what changed;
 * fdb_learn's result. */
int fast_learn(struct sw *sw, const uint8_t mac[6], const struct port *in);
/* Once a second instead of fdb_age(): pull the fast path's activity into
 * the FDB, age it, and remove from the map what the FDB no longer has. */
void fast_age(struct sw *sw);
/* Between passes, for a report: refresh at now the MACs the fast path
 * saw since the last pass, which the FDB alone may already call expired
 * (their marks reach it only once a second). */
void fast_pull(struct sw *sw, uint64_t now);
/* The port of a MAC the FDB calls expired but the fast path saw since
 * the last pass, refreshed as fast_pull would; else FDB_PORT_NONE, and
 * the expired entry forgotten (its next frames cost no map lookup). */
uint16_t fast_lookup_expired(struct sw *sw, const uint8_t mac[6]);
/* The port's fast_stats, summed over the CPUs. */
void fast_port_stats(struct sw *sw, int slot, struct fast_port_stats *out);

#endif
