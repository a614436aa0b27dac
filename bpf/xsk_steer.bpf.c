// SPDX-License-Identifier: GPL-2.0
/* Steer every frame of a switch port into that port's AF_XDP socket.
 *
 * One program and one XSKMAP serve all ports of a switch. Every veth port
 * receives on queue 0, and a redirect only succeeds into a socket bound to
 * the same (device, queue), so the map cannot be keyed by rx_queue_index:
 * the daemon registers each port's ifindex -> XSKMAP slot in port_slot. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define MAX_PORTS 256

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

enum { STEER_RX, STEER_NO_PORT, STEER_MAX };

/* Per-CPU so the fast path takes no lock; userspace sums the CPUs. */
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

SEC("xdp")
int xsk_steer(struct xdp_md *ctx)
{
	__u32 ifindex = ctx->ingress_ifindex;
	__u32 *slot = bpf_map_lookup_elem(&port_slot, &ifindex);

	count(STEER_RX);
	if (!slot) {
		count(STEER_NO_PORT);
		return XDP_DROP;
	}
	/* A port's frames never go to the host stack, even while its socket
	 * is missing: the switch owns the port. */
	return bpf_redirect_map(&xsks, *slot, XDP_DROP);
}

char LICENSE[] SEC("license") = "GPL";
