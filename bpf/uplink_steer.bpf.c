// SPDX-License-Identifier: GPL-2.0
/* The uplink stays the host's: only return traffic of the switch's NAT
 * (TCP/UDP to the uplink address on a reserved port, ICMP echo replies
 * with a reserved id, ICMP errors quoting such a flow) goes to the
 * switch's AF_XDP socket; every other frame passes to the kernel
 * untouched. Fragments pass too: the switch does not reassemble. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "map_layouts.h"
#include "nat_fast.h"

/* <linux/icmp.h> pulls in libc headers that -target bpf lacks. */
#define ICMP_ECHOREPLY 0
#define ICMP_DEST_UNREACH 3
#define ICMP_ECHO 8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAMETERPROB 12

const volatile __u32 ext_ip; /* network order */
const volatile __u16 port_min, port_max; /* host order */
const volatile __u8 nat_fast = 0; /* dataplane xdp: installed connections */
const volatile __u64 gw_mac_key; /* the source MAC of what goes in */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct nat_in_key);
	__type(value, struct nat_in_val);
} nat_in SEC(".maps");

/* The port program's DEVMAP, shared (the daemon reuses its fd). */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u32);
} tx_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} uplink_xsk SEC(".maps");

enum { UP_SEEN, UP_TO_SWITCH, UP_FAST, UP_STATS };

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, UP_STATS);
	__type(key, __u32);
	__type(value, __u64);
} uplink_stats SEC(".maps");

static __always_inline void count(__u32 what)
{
	__u64 *v = bpf_map_lookup_elem(&uplink_stats, &what);

	if (v)
		(*v)++;
}

static __always_inline int reserved(__u16 port_be)
{
	__u16 p = bpf_ntohs(port_be);

	return p >= port_min && p <= port_max;
}

/* Return traffic of an installed connection: translated back and
 * redirected to the namespace's port. */
static __always_inline int nat_forward_in(struct ethhdr *eth, struct iphdr *ip, void *end)
{
	struct nat_in_key k = {};
	struct nat_in_val *v;
	__u64 mac = gw_mac_key;
	__u16 *ports = nat_l4(ip, end);

	if (!ports)
		return -1;
	k.rem_ip = ip->saddr;
	k.rem_port = ports[0];
	k.ext_port = ports[1];
	k.proto = ip->protocol;
	v = bpf_map_lookup_elem(&nat_in, &k);
	if (!v)
		return -1;
	if (nat_rewrite(ip, ports, end, &ip->daddr, v->int_ip, &ports[1], v->int_port))
		return -1;
	__builtin_memcpy(eth->h_dest, v->mac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, &mac, ETH_ALEN);
	if (!v->hit)
		v->hit = 1;
	count(UP_FAST);
	return (int)bpf_redirect_map(&tx_ports, v->slot, XDP_DROP);
}

/* Is the quoted packet of an ICMP error one of ours (source = uplink
 * address, source port or echo id reserved)? */
static __always_inline int quotes_ours(struct iphdr *in, void *end)
{
	__u8 *l4;

	if ((void *)(in + 1) > end || in->ihl < 5 || in->saddr != ext_ip)
		return 0;
	l4 = (__u8 *)in + in->ihl * 4;
	if ((void *)(l4 + 8) > end)
		return 0;
	if (in->protocol == IPPROTO_TCP || in->protocol == IPPROTO_UDP)
		return reserved(*(__u16 *)l4);
	if (in->protocol == IPPROTO_ICMP)
		return l4[0] == ICMP_ECHO && reserved(*(__u16 *)(l4 + 4));
	return 0;
}

SEC("xdp")
int uplink_steer(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (struct iphdr *)(eth + 1);
	__u8 *l4;
	int ours = 0;

	count(UP_SEEN);
	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	if (ip->daddr != ext_ip || ip->ihl < 5 || (ip->frag_off & bpf_htons(0x3fff)))
		return XDP_PASS;
	l4 = (__u8 *)ip + ip->ihl * 4;
	if ((void *)(l4 + 8) > end)
		return XDP_PASS;
	switch (ip->protocol) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		ours = reserved(*(__u16 *)(l4 + 2));
		break;
	case IPPROTO_ICMP:
		if (l4[0] == ICMP_ECHOREPLY)
			ours = reserved(*(__u16 *)(l4 + 4));
		else if (l4[0] == ICMP_DEST_UNREACH || l4[0] == ICMP_TIME_EXCEEDED ||
			 l4[0] == ICMP_PARAMETERPROB)
			ours = quotes_ours((struct iphdr *)(l4 + 8), end);
		break;
	}
	if (!ours)
		return XDP_PASS;
	if (nat_fast && ip->protocol != IPPROTO_ICMP) {
		int act = nat_forward_in(eth, ip, end);

		if (act >= 0)
			return act;
	}
	count(UP_TO_SWITCH);
	return bpf_redirect_map(&uplink_xsk, 0, XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
