/* SPDX-License-Identifier: GPL-2.0 */
/* The fast path's maps, defined once for the two programs that use them:
 * xsk_steer (dataplane xdp) and tc_steer (dataplane tc, which the daemon
 * hands xsk_steer's own maps with bpf_map__reuse_fd). The daemon is
 * their only writer but for the hit flags. */
#ifndef NSFAST_FAST_MAPS_H
#define NSFAST_FAST_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "map_layouts.h"

#define MAX_PORTS 256

/* MAC -> port; the daemon sizes the map to its own table before loading. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct fdb_val);
} fdb SEC(".maps");

/* Per port and per CPU, so the fast path takes no lock; userspace sums
 * the CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_PORTS);
	__type(key, __u32);
	__type(value, struct fast_port_stats);
} fast_stats SEC(".maps");

/* The NAT fast path's outbound connections (nat_fast.h). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct nat_out_key);
	__type(value, struct nat_out_val);
} nat_out SEC(".maps");

#endif
