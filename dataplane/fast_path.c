/* SPDX-License-Identifier: MIT */
/* dataplane xdp: keep the port program's BPF copy of the FDB in step with
 * the switch's own table. The switch stays the only place where
 * forwarding is decided; the map is a cache of its decisions. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fast_path.h"
#include "map_walk.h"
#include "switch.h"
#include "tc_steer.skel.h"
#include "uplink_steer.skel.h"
#include "xsk_steer.skel.h"

int fast_configure(struct sw *sw)
{
	sw->fast_keys = calloc(sw->cfg.fdb_size, sizeof(*sw->fast_keys));
	sw->fast_vals = calloc(sw->cfg.fdb_size, sizeof(*sw->fast_vals));
	if (!sw->fast_keys || !sw->fast_vals)
		return -ENOMEM;
	/* tc: the same FDB, but what reaches the XDP program on a port's
	 * slow-path end is all for userspace. */
	sw->skel->rodata->fast_path = !sw->cfg.tc_path;
	sw->skel->rodata->has_gw = sw->cfg.has_gw;
	return bpf_map__set_max_entries(sw->skel->maps.fdb, sw->cfg.fdb_size);
}

uint32_t fast_second(const struct sw *sw, uint64_t t)
{
	return (uint32_t)((t - sw->started) / 1000000000ull) + 1;
}

uint64_t fast_second_end(const struct sw *sw, uint32_t s)
{
	return sw->started + (uint64_t)s * 1000000000ull;
}

void fast_clock_set(struct sw *sw, uint32_t s)
{
	sw->hit_second = s;
	if (sw->skel && sw->skel->bss)
		sw->skel->bss->hit_second = s;
	if (sw->tc_skel && sw->tc_skel->bss)
		sw->tc_skel->bss->hit_second = s;
	if (sw->up_skel && sw->up_skel->bss)
		sw->up_skel->bss->hit_second = s;
}

int fast_add_port(struct sw *sw, const struct port *p)
{
	uint32_t ifindex = (uint32_t)p->fast_ifindex, slot = p->idx;

	if (bpf_map_update_elem(bpf_map__fd(sw->skel->maps.tx_ports), &slot, &ifindex, 0))
		return -errno;
	if (bpf_map_update_elem(bpf_map__fd(sw->skel->maps.flood_ports), &slot, &ifindex, 0))
		return -errno;
	return 0;
}

static void install(struct sw *sw, const uint8_t mac[6], const struct port *p)
{
	struct fdb_val v = { (uint32_t)p->fast_ifindex, p->idx, 0 };
	uint64_t k = fast_mac_key(mac);

	if (bpf_map_update_elem(bpf_map__fd(sw->skel->maps.fdb), &k, &v, BPF_ANY)) {
		sw->fst.install_failed++;
		sw->fst.pending = true;
	} else {
		sw->fst.installed++;
	}
}

/* A MAC learned while the map was full (its expired predecessor not yet
 * swept) is refreshed from then on without a syscall, so nothing else
 * would ever install it: put back every entry the map lacks. */
static int reinstall(const uint8_t mac[6], uint16_t port, uint64_t idle_ns, void *arg)
{
	struct sw *sw = arg;
	struct fdb_val v;
	uint64_t k = fast_mac_key(mac);

	(void)idle_ns;
	if (port >= sw->nl2)
		return 0;
	v = (struct fdb_val){ (uint32_t)sw->ports[port].fast_ifindex, port, 0 };
	if (!bpf_map_update_elem(bpf_map__fd(sw->skel->maps.fdb), &k, &v, BPF_NOEXIST))
		sw->fst.retried++;
	else if (errno != EEXIST)
		sw->fst.pending = true;
	return 0;
}

int fast_learn(struct sw *sw, const uint8_t mac[6], const struct port *in)
{
	const struct fdb_stats *fs = fdb_stats(sw->fdb);
	uint64_t before = fs->learned + fs->moved, aged = fs->aged;
	int rc = fdb_learn(sw->fdb, mac, in->idx, sw->now);

	/* A refresh changes nothing the map holds: only a new or moved
	 * entry costs a syscall, so learning stays off the per-frame path. */
	if (rc >= 0 && fs->learned + fs->moved != before)
		install(sw, mac, in);
	/* Moved, or back after expiring (maybe elsewhere): NAT connections
	 * coming in to it may still aim at its old port. */
	if (rc == 1 || fs->aged != aged)
		sw->nfst.moved_macs = true;
	return rc;
}

/* Refresh mac in the FDB at now if its map entry v was marked in second
 * since or later: the mark says the MAC was seen on that port since the
 * last pass, up to a second ago. Refreshed even if its ageing time ran
 * out in the meantime (lookup says NONE then), or the pass would age out
 * a MAC that is talking; not if it moved. */
static bool mark_refresh(struct sw *sw, const uint8_t mac[6], const struct fdb_val *v,
			 uint32_t since, uint64_t now)
{
	uint16_t cur;

	if (v->hit < since || v->slot >= (uint32_t)sw->nl2)
		return false;
	cur = fdb_lookup(sw->fdb, mac, now);
	return (cur == v->slot || cur == FDB_PORT_NONE) &&
	       !fdb_learn(sw->fdb, mac, (uint16_t)v->slot, now);
}

/* mark_refresh every MAC of the walk's n entries; their count. */
static uint64_t pull_marks(struct sw *sw, uint32_t n, uint32_t since, uint64_t now)
{
	uint64_t refreshed = 0;
	uint32_t i;

	for (i = 0; i < n; i++) {
		uint8_t mac[6];

		memcpy(mac, &sw->fast_keys[i], 6);
		refreshed += mark_refresh(sw, mac, &sw->fast_vals[i], since, now);
	}
	return refreshed;
}

/* mac's entry, on port, expired: refreshed at now if the fast path
 * marked it on that port since the last pass (one map lookup). */
static bool refresh_from_map(struct sw *sw, const uint8_t mac[6], uint16_t port, uint64_t now)
{
	uint64_t k = fast_mac_key(mac);
	struct fdb_val v;

	return !bpf_map_lookup_elem(bpf_map__fd(sw->skel->maps.fdb), &k, &v) && v.slot == port &&
	       mark_refresh(sw, mac, &v, sw->hit_second, now);
}

struct pull {
	struct sw *sw;
	uint64_t now;
};

static int pull_one(const uint8_t mac[6], uint16_t port, uint64_t idle_ns, void *arg)
{
	struct pull *p = arg;

	(void)idle_ns;
	/* Not counted: the next pass pulls the same mark again. On its own
	 * port only: fdb_foreach_expired allows no other learn. */
	refresh_from_map(p->sw, mac, port, p->now);
	return 0;
}

/* Only the entries the FDB calls expired, one lookup each: a status
 * request must not cost a walk of the whole map on the forwarding
 * thread. */
void fast_pull(struct sw *sw, uint64_t now)
{
	struct pull p = { sw, now };

	fdb_foreach_expired(sw->fdb, now, pull_one, &p);
}

uint16_t fast_lookup_expired(struct sw *sw, const uint8_t mac[6])
{
	uint16_t out = fdb_lookup_expired(sw->fdb, mac, sw->now);

	if (out == FDB_PORT_NONE || refresh_from_map(sw, mac, out, sw->now))
		return out;
	/* Silent since the last pass: gone now rather than at the next
	 * one, so that its next frames cost no map lookup (the pass
	 * deletes its map entry, or learns it again if marked by then). */
	fdb_forget_expired(sw->fdb, mac, sw->now);
	return FDB_PORT_NONE;
}

/* The map never holds more than the FDB's capacity, so one array of
 * keys and one of values (allocated with the switch) take a whole walk,
 * in batches. Between the walk and the deletes only this thread writes
 * an entry's port: the values read stay good for that. */
void fast_age(struct sw *sw)
{
	int fd = bpf_map__fd(sw->skel->maps.fdb);
	uint64_t *keys = sw->fast_keys;
	uint32_t n = map_entries(fd, keys, sw->fast_vals, sw->cfg.fdb_size, sizeof(*keys),
				 sizeof(*sw->fast_vals)),
		 i, since;

	/* Marks from now on carry the new second; any mark of the second
	 * that ran since the last pass, or of the new one, is traffic since
	 * then. */
	since = sw->hit_second;
	fast_clock_set(sw, fast_second(sw, sw->now));
	sw->fst.refreshed += pull_marks(sw, n, since, sw->now);
	fdb_age(sw->fdb, sw->now);
	for (i = 0; i < n; i++) {
		uint8_t mac[6];

		memcpy(mac, &keys[i], 6);
		if (fdb_lookup(sw->fdb, mac, sw->now) != sw->fast_vals[i].slot &&
		    !bpf_map_delete_elem(fd, &keys[i]))
			sw->fst.removed++;
	}
	if (sw->fst.pending) {
		sw->fst.pending = false;
		fdb_foreach(sw->fdb, sw->now, reinstall, sw);
	}
}

void fast_port_stats(struct sw *sw, int slot, struct fast_port_stats *out)
{
	uint64_t sums[sizeof(*out) / sizeof(uint64_t)] = { 0 };

	_Static_assert(sizeof(*out) % sizeof(uint64_t) == 0, "fast_port_stats: 64-bit counters only");
	if (sw->cfg.fast_path)
		map_percpu_sum(bpf_map__fd(sw->skel->maps.fast_stats), (uint32_t)slot, sums,
			       sizeof(*out) / sizeof(uint64_t));
	memcpy(out, sums, sizeof(*out));
}
