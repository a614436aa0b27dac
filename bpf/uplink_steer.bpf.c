// SPDX-License-Identifier: GPL-2.0
/* The uplink's XDP program (uplink_maps.h says what is the switch's):
 * on the uplink itself for dataplanes afxdp and xdp, and for tc on the
 * far end of the uplink's slow-path pair, where tc_uplink_in sends only
 * what is the switch's. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "map_layouts.h"
#include "hit_clock.h"
#include "nat_fast.h"
#include "uplink_maps.h"

const volatile __u32 ext_ip; /* network order */
const volatile __u16 port_min, port_max; /* host order */
const volatile __u8 nat_fast = 0; /* dataplane xdp: installed connections */
const volatile __u64 gw_mac_key; /* the source MAC of what goes in */
const volatile __u64 uplink_mac_key; /* the uplink's own MAC (fast_mac_key) */
const volatile __u8 slow_end = 0; /* dataplane tc: all of it is the switch's */
const volatile __u16 slot_mtu[MAX_SLOTS]; /* each port's; 0: unknown */

/* The port program's DEVMAP, shared (the daemon reuses its fd). */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, MAX_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} tx_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} uplink_xsk SEC(".maps");

/* Return traffic of an installed connection: translated back and
 * redirected to the namespace's port. */
static __always_inline int nat_forward_in(struct ethhdr *eth, struct iphdr *ip, void *end,
					  __u64 len)
{
	struct nat_in_key k = {};
	struct nat_in_val *v;
	__u64 mac = gw_mac_key;
	__u16 *ports = nat_in_key_of(ip, end, len - ETH_HLEN, &k);

	if (!ports)
		return -1;
	v = bpf_map_lookup_elem(&nat_in, &k);
	if (!v || v->slot >= MAX_SLOTS)
		return -1;
	/* Larger than the port takes, the veth would drop it unseen: the
	 * daemon cuts it or answers. */
	if (slot_mtu[v->slot] && (void *)eth + ETH_HLEN + slot_mtu[v->slot] < end)
		return -1;
	if (nat_rewrite(ip, ports, end, &ip->daddr, v->int_ip, &ports[1], v->int_port))
		return -1;
	__builtin_memcpy(eth->h_dest, v->mac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, &mac, ETH_ALEN);
	hit_mark32(&v->hit);
	uplink_count(UP_FAST);
	return (int)bpf_redirect_map(&tx_ports, v->slot, XDP_DROP);
}

SEC("xdp")
int uplink_steer(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct nat_ports np = { ext_ip, port_min, port_max, uplink_mac_key };
	struct iphdr *ip;

	/* The count and the choice were tc_uplink_in's. */
	if (slow_end)
		return bpf_redirect_map(&uplink_xsk, 0, XDP_DROP);
	uplink_count(UP_SEEN);
	ip = uplink_ours(&np, data, end);
	if (!ip)
		return XDP_PASS;
	if (nat_fast && ip->protocol != IPPROTO_ICMP) {
		int act = nat_forward_in(data, ip, end, bpf_xdp_get_buff_len(ctx));

		if (act >= 0)
			return act;
	}
	uplink_count(UP_TO_SWITCH);
	return bpf_redirect_map(&uplink_xsk, 0, XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
