// SPDX-License-Identifier: GPL-2.0
/* The program on every switch port: forward what the kernel can forward
 * by itself (dataplane xdp), steer everything else into the port's AF_XDP
 * socket (dataplane afxdp: everything).
 *
 * One program and one XSKMAP serve all ports of a switch. Every veth port
 * receives on queue 0, and a redirect only succeeds into a socket bound to
 * the same (device, queue), so the map cannot be keyed by rx_queue_index:
 * the daemon registers each port's ifindex -> XSKMAP slot in port_slot.
 *
 * The fast path only reads forwarding state. The userspace switch is its
 * one writer: it installs an fdb entry when it learns a MAC and removes it
 * when it ages out; the only thing written here is an entry's hit second
 * (bpf/hit_clock.h), so that traffic which never reaches userspace keeps
 * it alive. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

#include "fast_maps.h"
#include "hit_clock.h"
#include "nat_fast.h"

const volatile __u8 fast_path = 0; /* set by the daemon for dataplane xdp */
/* Loaded with BPF_F_XDP_HAS_FRAGS (a port's MTU above 3506): a frame may
 * continue past data_end in fragments. The headers are all in the first
 * buffer (3.5 KiB at least), and a frame of several is larger than any
 * uplink takes, so the NAT fast path passes it to userspace. */
const volatile __u8 frags = 0;
const volatile __u8 has_gw = 0; /* the switch answers for an address */
/* and for its NAT fast path: */
const volatile __u8 nat_fast = 0;
const volatile __u64 gw_mac_key; /* the gateway's MAC, as an fdb key */
const volatile __u64 uplink_mac_key;
const volatile __u32 uplink_slot; /* in tx_ports */
const volatile __u32 ext_ip; /* network order */
const volatile __u32 uplink_mtu; /* 0: unknown */

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, MAX_PORTS);
	__type(key, __u32);
	__type(value, __u32);
} xsks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_PORTS);
	__type(key, __u32);
	__type(value, __u32);
} port_slot SEC(".maps");

/* By slot: an array is a cheaper lookup than a hash of ifindexes. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, MAX_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} tx_ports SEC(".maps");

/* The L2 ports only, by slot, for BPF_F_BROADCAST: not the uplink,
 * which is no member of the segment. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, MAX_PORTS);
	__type(key, __u32);
	__type(value, __u32);
} flood_ports SEC(".maps");


/* Frames steered to a port's socket (the slow path), and those from a
 * device that is no port, dropped; per CPU, as fast_stats. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, STEER_MAX);
	__type(key, __u32);
	__type(value, __u64);
} steer_stats SEC(".maps");

static __always_inline void count(__u32 what)
{
	__u64 *v = bpf_map_lookup_elem(&steer_stats, &what);

	if (v)
		(*v)++;
}

/* The whole frame: with frags, data_end ends only its first buffer. */
static __always_inline __u64 frame_len(struct xdp_md *ctx)
{
	if (frags)
		return (__u64)bpf_xdp_get_buff_len(ctx);
	return (__u64)(ctx->data_end - ctx->data);
}

/* A frame for the gateway's MAC of a connection the daemon installed:
 * translated and redirected to the uplink's next hop. */
static __always_inline int nat_forward_out(struct ethhdr *eth, void *end, __u64 len,
					   struct fast_port_stats *st)
{
	struct iphdr *ip = (struct iphdr *)(eth + 1);
	struct nat_out_key k = {};
	struct nat_out_val *v;
	__u64 mac = uplink_mac_key;
	__u16 *ports;

	/* Larger than the uplink takes: the slow path answers it with
	 * "fragmentation needed" (a redirect would drop it unseen). */
	if (uplink_mtu && len > (__u64)uplink_mtu + ETH_HLEN)
		return -1;
	ports = nat_out_key_of(eth, end, len, &k);
	if (!ports)
		return -1;
	v = bpf_map_lookup_elem(&nat_out, &k);
	if (!v)
		return -1;
	if (nat_rewrite(ip, ports, end, &ip->saddr, ext_ip, &ports[0], v->ext_port))
		return -1;
	__builtin_memcpy(eth->h_dest, v->nexthop_mac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, &mac, ETH_ALEN);
	hit_mark32(&v->hit);
	st->nat_packets++;
	return (int)bpf_redirect_map(&tx_ports, uplink_slot, XDP_DROP);
}

/* A copy to every other L2 port, by the kernel, of what fdb_flood_src
 * allows; the rest goes to userspace (-1). */
static __always_inline int fast_flood(struct xdp_md *ctx, struct ethhdr *eth, __u32 ifindex)
{
	struct fast_port_stats *st;
	struct fdb_val *s;
	__u64 len = frame_len(ctx);

	/* The broadcast redirect clones the frame for every port but the
	 * last, and the clone (xdpf_clone) copies the first buffer only. */
	if (frags && len > (__u64)(ctx->data_end - ctx->data))
		return -1;
	s = fdb_flood_src(eth, ifindex, has_gw, &st);
	if (!s)
		return -1;
	hit_mark64(&s->hit);
	st->packets++;
	st->flooded++;
	st->bytes += len;
	return (int)bpf_redirect_map(&flood_ports, 0, BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS);
}

/* XDP_REDIRECT or XDP_DROP when the frame is done with, -1 when
 * userspace must see it: broadcast and multicast that fast_flood does
 * not take, an unknown or moved source (learning), an unknown
 * destination (flooding) or the gateway's MAC, which is never learned. */
static __always_inline int fast_forward(struct xdp_md *ctx, __u32 ifindex)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct fast_port_stats *st;
	struct fdb_val *s, *d;
	__u64 dst, len;

	if ((void *)(eth + 1) > end)
		return -1; /* a runt: userspace counts it as invalid */
	if (eth->h_dest[0] & 1)
		return fast_flood(ctx, eth, ifindex);
	s = fdb_pair(eth, ifindex, &st, &d, &dst);
	if (!s)
		return -1;
	len = frame_len(ctx);
	if (!d) {
		int act = nat_fast && dst == gw_mac_key ? nat_forward_out(eth, end, len, st) : -1;

		if (act < 0)
			return -1;
		/* A namespace whose traffic all goes out through the NAT here
		 * must not age out of the FDB either. */
		hit_mark64(&s->hit);
		st->packets++;
		st->bytes += len;
		return act;
	}
	if (d->ifindex == ifindex) {
		st->hairpin++;
		return XDP_DROP;
	}
	hit_mark64(&s->hit);
	st->packets++;
	st->bytes += len;
	return (int)bpf_redirect_map(&tx_ports, d->slot, XDP_DROP);
}

SEC("xdp")
int xsk_steer(struct xdp_md *ctx)
{
	__u32 ifindex = ctx->ingress_ifindex, *slot;

	if (fast_path) {
		int act = fast_forward(ctx, ifindex);

		if (act >= 0)
			return act;
	}
	slot = bpf_map_lookup_elem(&port_slot, &ifindex);
	if (!slot) {
		count(STEER_NO_PORT);
		return XDP_DROP;
	}
	count(STEER_RX);
	/* A port's frames never go to the host stack, even while its socket
	 * is missing: the switch owns the port. */
	return bpf_redirect_map(&xsks, *slot, XDP_DROP);
}

char LICENSE[] SEC("license") = "GPL";
