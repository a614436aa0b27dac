/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* The keys and values of the BPF maps that both the XDP programs and the
 * daemon (dataplane/) read or write. One definition, compiled by clang
 * -target bpf and by the host compiler alike, so the two sides cannot
 * disagree on a layout. Only <linux/types.h> types: both sides have them.
 * No implicit padding either: keys are hashed as raw bytes, and the size
 * checks below would catch a field that introduced any. */
#ifndef NSFAST_MAP_LAYOUTS_H
#define NSFAST_MAP_LAYOUTS_H

#include <linux/types.h>

/* A switch has at most MAX_PORTS L2 ports (the daemon's SW_PORTS_MAX),
 * in slots 0 to MAX_PORTS - 1; its uplink takes the slot after its last
 * port, so maps of every slot have MAX_SLOTS entries. */
#define MAX_PORTS 256
#define MAX_SLOTS (MAX_PORTS + 1)

/* fdb (bpf/fast_maps.h), keyed by a MAC in the low six bytes of a
 * __u64, as memcpy leaves it on both sides of the map. */
struct fdb_val {
	__u32 ifindex; /* the port's device */
	__u32 slot; /* its XSKMAP, tx_ports and fast_stats index */
	/* The daemon's second of the entry's last traffic, written by the
	 * programs only (bpf/hit_clock.h); 0: none since it was installed. */
	__u64 hit;
};

/* fast_stats (bpf/fast_maps.h): per port and per CPU. */
struct fast_port_stats {
	__u64 packets; /* forwarded in XDP, received on this port */
	__u64 bytes;
	__u64 hairpin; /* dropped: destination learned on this port */
	__u64 nat_packets; /* of packets, translated to the uplink */
	__u64 flooded; /* of packets, broadcast or multicast copied to every other port */
};

/* The keys of the programs' per-CPU counter arrays, which status sums:
 * xsk_steer's steer_stats (frames redirected to a port's socket, frames
 * from a device that is no port), uplink_steer's and tc_uplink_in's
 * uplink_stats (bpf/uplink_maps.h: uplink frames seen, sent to the
 * switch, translated by the NAT fast path), tc_steer's tc_stats (frames
 * from or for no port, NAT rewrites that failed half-way). */
enum { STEER_RX, STEER_NO_PORT, STEER_MAX };
enum { UP_SEEN, UP_TO_SWITCH, UP_FAST, UP_STATS };
enum { TC_NO_PORT, TC_REWRITE_FAILED, TC_MAX };

/* nat_out (bpf/fast_maps.h) and nat_in (bpf/uplink_maps.h): see
 * bpf/nat_fast.h. Addresses and ports in network order, as in the
 * packet, so the programs copy them without swapping bytes. */
struct nat_out_key {
	__be32 int_ip, rem_ip;
	__be16 int_port, rem_port;
	__u8 proto, pad[3];
};

struct nat_out_val {
	__u8 nexthop_mac[6]; /* the uplink's next hop */
	__be16 ext_port;
	__u32 hit; /* as fdb_val's */
};

struct nat_in_key {
	__be32 rem_ip;
	__be16 rem_port, ext_port;
	__u8 proto, pad[3];
};

struct nat_in_val {
	__u8 mac[6]; /* the namespace's */
	__be16 int_port;
	__be32 int_ip;
	__u32 slot; /* its switch port */
	__u32 hit; /* as fdb_val's */
};

/* tc_ports (bpf/tc_steer.bpf.c), by slot: where a frame for that port
 * goes. */
struct tc_port {
	__u32 ifindex; /* the port */
	__u32 slow_ifindex; /* the near end of its slow-path pair */
	__u32 peer_ns; /* its peer is in another namespace: bpf_redirect_peer */
	__u32 mtu; /* the port's; 0: unknown */
};

_Static_assert(sizeof(struct tc_port) == 16, "tc_port: unexpected size (padding?)");
_Static_assert(sizeof(struct fdb_val) == 16, "fdb_val: unexpected size (padding?)");
_Static_assert(sizeof(struct fast_port_stats) == 40, "fast_port_stats: unexpected size (padding?)");
_Static_assert(sizeof(struct nat_out_key) == 16, "nat_out_key: unexpected size (padding?)");
_Static_assert(sizeof(struct nat_out_val) == 12, "nat_out_val: unexpected size (padding?)");
_Static_assert(sizeof(struct nat_in_key) == 12, "nat_in_key: unexpected size (padding?)");
_Static_assert(sizeof(struct nat_in_val) == 20, "nat_in_val: unexpected size (padding?)");

#endif
