// SPDX-License-Identifier: GPL-2.0
/* dataplane tc: the fast path at the skb level, on the ingress of every
 * switch port (tcx links).
 *
 * Why not XDP: a native XDP program on a veth takes TSO away from its
 * peer, so TCP from a namespace crosses an XDP path in MTU-sized frames
 * (about 0.4x the Linux bridge). Here the namespace keeps TSO and GRO:
 * a 64 KiB GSO skb crosses in one redirect, and bpf_redirect_peer hands
 * it to the destination namespace's ingress without another backlog
 * queue, which is what makes this path faster than the bridge.
 *
 * What userspace must see goes to the port's slow-path veth pair: out of
 * its near end (the kernel finishes checksums and segments on the way,
 * that end has transmit checksum offload off), into its far end, where
 * xsk_steer hands it to the port's AF_XDP socket. The daemon transmits
 * on that far end; tc_slow_in on the near end puts the frame on the port.
 *
 * fdb and fast_stats are xsk_steer's maps (shared by the daemon), so the
 * switch installs, ages and counts exactly as for dataplane xdp. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "map_layouts.h"

#define MAX_PORTS 256

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct fdb_val);
} fdb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_PORTS);
	__type(key, __u32);
	__type(value, struct fast_port_stats);
} fast_stats SEC(".maps");

/* By slot: where a frame for that port goes. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_PORTS);
	__type(key, __u32);
	__type(value, struct tc_port);
} tc_ports SEC(".maps");

/* A port's and its slow-path end's ifindex -> slot. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * MAX_PORTS);
	__type(key, __u32);
	__type(value, __u32);
} tc_slot SEC(".maps");

enum { TC_NO_PORT, TC_MAX };

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TC_MAX);
	__type(key, __u32);
	__type(value, __u64);
} tc_stats SEC(".maps");

static __always_inline int no_port(void)
{
	__u32 k = TC_NO_PORT;
	__u64 *v = bpf_map_lookup_elem(&tc_stats, &k);

	if (v)
		(*v)++;
	return TC_ACT_SHOT;
}

/* Into the namespace behind a port: straight to its ingress when it is
 * in another namespace; a host port's peer is in ours, where
 * bpf_redirect_peer refuses, so through the port's transmit. */
static __always_inline int to_port(const struct tc_port *p)
{
	if (p->peer_ns)
		return (int)bpf_redirect_peer(p->ifindex, 0);
	return (int)bpf_redirect(p->ifindex, 0);
}

/* TC_ACT_REDIRECT or TC_ACT_SHOT when done with, -1 when userspace must
 * see the frame: the same cases as xsk_steer's fast_forward. */
static __always_inline int fast_forward(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct fast_port_stats *st;
	struct fdb_val *s, *d;
	struct tc_port *p;
	__u64 src = 0, dst = 0;

	if ((void *)(eth + 1) > end)
		return -1; /* not linear that far, or a runt: userspace decides */
	if ((eth->h_dest[0] | eth->h_source[0]) & 1)
		return -1;
	__builtin_memcpy(&src, eth->h_source, ETH_ALEN);
	s = bpf_map_lookup_elem(&fdb, &src);
	if (!s || s->ifindex != skb->ifindex)
		return -1;
	__builtin_memcpy(&dst, eth->h_dest, ETH_ALEN);
	d = bpf_map_lookup_elem(&fdb, &dst);
	if (!d)
		return -1;
	st = bpf_map_lookup_elem(&fast_stats, &s->slot);
	p = bpf_map_lookup_elem(&tc_ports, &d->slot);
	if (!st || !p || !p->ifindex)
		return -1;
	if (d->ifindex == skb->ifindex) {
		st->hairpin++;
		return TC_ACT_SHOT;
	}
	if (!s->hit)
		s->hit = 1;
	st->packets++;
	st->bytes += skb->len;
	return to_port(p);
}

SEC("tc")
int tc_port_in(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex, *slot;
	struct tc_port *p;
	int act = fast_forward(skb);

	if (act >= 0)
		return act;
	slot = bpf_map_lookup_elem(&tc_slot, &ifindex);
	p = slot ? bpf_map_lookup_elem(&tc_ports, slot) : NULL;
	if (!p || !p->slow_ifindex)
		return no_port();
	/* A port's frames never go to the host stack: the switch owns it. */
	return (int)bpf_redirect(p->slow_ifindex, 0);
}

/* What the daemon sends on a port's slow-path far end arrives here. */
SEC("tc")
int tc_slow_in(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex, *slot;
	struct tc_port *p;

	slot = bpf_map_lookup_elem(&tc_slot, &ifindex);
	p = slot ? bpf_map_lookup_elem(&tc_ports, slot) : NULL;
	if (!p || !p->ifindex)
		return no_port();
	return to_port(p);
}

char LICENSE[] SEC("license") = "GPL";
