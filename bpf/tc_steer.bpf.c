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
 * fdb, fast_stats and nat_out are xsk_steer's maps (shared by the
 * daemon), so the switch installs, ages and counts exactly as for
 * dataplane xdp. The uplink has its own program here, tc_uplink_in, and
 * a slow-path pair of its own. */
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "fast_maps.h"
#include "hit_clock.h"
#include "nat_fast.h"
#include "uplink_maps.h"

const volatile __u8 has_gw = 0; /* the switch answers for an address */
const volatile __u32 n_ports = 0; /* L2 ports, slots 0 to n_ports - 1 */

/* SNAT: the uplink's address, the NAT's ports, the uplink's slot in
 * tc_ports (after the L2 ports). */
const volatile __u32 ext_ip; /* network order */
const volatile __u16 port_min, port_max; /* host order */
const volatile __u32 up_slot;
/* The NAT fast path, set by the daemon when it has one. */
const volatile __u8 nat_fast = 0;
const volatile __u64 gw_mac_key;
const volatile __u64 uplink_mac_key;
const volatile __u32 uplink_ifindex;
const volatile __u32 uplink_mtu; /* 0: unknown */
/* test_bpf's alone: every NAT rewrite fails as a helper can (without
 * memory for a cloned skb), which no test frame makes it do. 0 here: the
 * verifier drops the branch. */
const volatile __u8 test_rewrite_fails = 0;

/* By slot: where a frame for that port goes (the uplink's: its own
 * ifindex and its slow-path end). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_SLOTS);
	__type(key, __u32);
	__type(value, struct tc_port);
} tc_ports SEC(".maps");

/* A port's and its slow-path end's ifindex -> slot (and the uplink's
 * slow-path end's). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * MAX_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} tc_slot SEC(".maps");

/* Frames dropped: from or for a device that is no port; NAT rewrites
 * that failed half-way, either direction. */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TC_MAX);
	__type(key, __u32);
	__type(value, __u64);
} tc_stats SEC(".maps");

static __always_inline int drop(__u32 why)
{
	__u64 *v = bpf_map_lookup_elem(&tc_stats, &why);

	if (v)
		(*v)++;
	return TC_ACT_SHOT;
}

static __always_inline int no_port(void)
{
	return drop(TC_NO_PORT);
}

/* Into the namespace behind a port: straight to its ingress when it is
 * in another namespace; a host port's peer is in ours, where
 * bpf_redirect_peer refuses, so through the port's transmit. The port
 * classified the frame against its own MAC (PACKET_OTHERHOST), and
 * kernels before 6.15 keep that across a peer redirect, so the stack in
 * the namespace would drop it: say it is for the host there. */
static __always_inline int to_ifindex(struct __sk_buff *skb, __u32 ifindex, __u32 peer_ns)
{
	if (peer_ns) {
		if (skb->pkt_type == PACKET_OTHERHOST)
			bpf_skb_change_type(skb, PACKET_HOST);
		return (int)bpf_redirect_peer(ifindex, 0);
	}
	return (int)bpf_redirect(ifindex, 0);
}

static __always_inline int to_port(struct __sk_buff *skb, const struct tc_port *p)
{
	return to_ifindex(skb, p->ifindex, p->peer_ns);
}

/* Makes the frame's first NEED bytes (all of it, if shorter) linear, so
 * that direct access reaches them; the packet's pointers must be read
 * again after. */
static __always_inline int pull_head(struct __sk_buff *skb, __u32 need)
{
	if (need > skb->len)
		need = skb->len;
	if ((long)skb->data + need <= (long)skb->data_end)
		return 0;
	return bpf_skb_pull_data(skb, need) ? -1 : 0;
}

/* Is skb, larger than ifindex's MTU, a GSO packet whose every segment
 * fits it? The kernel's own test (skb_gso_validate_network_len): the
 * segments' IP length from the headers and gso_size. */
static __always_inline bool segs_fit(struct __sk_buff *skb, __u32 ifindex)
{
	__u32 mtu = 0;

	return skb->gso_size && !bpf_check_mtu(skb, ifindex, &mtu, 0, BPF_MTU_CHK_SEGS);
}

/* Larger than an MTU of mtu (0: unknown) on ifindex, segments or not. */
static __always_inline bool too_big(struct __sk_buff *skb, __u32 ifindex, __u32 mtu)
{
	return mtu && skb->len > mtu + ETH_HLEN && !segs_fit(skb, ifindex);
}

#define IP_OFF ETH_HLEN
#define L4_OFF (ETH_HLEN + sizeof(struct iphdr))

/* A frame for the gateway's MAC of a connection the daemon installed:
 * translated and redirected to the uplink. Through the helpers, not by
 * hand as in XDP: they keep a partial checksum (the namespace kept its
 * offloads) partial, updating only its pseudo-header part, and a GSO
 * packet's segments all get the new headers. */
static __always_inline int nat_forward_out(struct __sk_buff *skb, struct fast_port_stats *st)
{
	__u32 csum_off;
	__u64 mac = uplink_mac_key, udp0;
	__u32 from_ip, to_ip = ext_ip;
	__u16 from_port, to_port, ttl_old, ttl_new;
	struct nat_out_key k = {};
	struct nat_out_val *v;
	void *data, *end;
	struct iphdr *ip;
	__u16 *ports;

	/* Larger than the uplink takes: the slow path answers it with
	 * "fragmentation needed" (the uplink would drop it unseen, or a
	 * GSO packet's segments would leave larger than its MTU). */
	if (too_big(skb, uplink_ifindex, uplink_mtu))
		return -1;
	/* nat_l4 reads up to a TCP header: those bytes must be linear. */
	if (pull_head(skb, L4_OFF + sizeof(struct tcphdr)))
		return -1;
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	ip = data + IP_OFF;
	ports = nat_out_key_of(data, end, skb->len, &k);
	if (!ports)
		return -1;
	v = bpf_map_lookup_elem(&nat_out, &k);
	if (!v)
		return -1;
	from_ip = ip->saddr;
	from_port = ports[0];
	to_port = v->ext_port;
	ttl_old = *(__u16 *)&ip->ttl;
	ttl_new = bpf_htons(bpf_ntohs(ttl_old) - 0x100);
	if (ip->protocol == IPPROTO_TCP) {
		csum_off = L4_OFF + offsetof(struct tcphdr, check);
		udp0 = 0;
	} else {
		csum_off = L4_OFF + offsetof(struct udphdr, check);
		udp0 = BPF_F_MARK_MANGLED_0; /* no UDP checksum stays none */
	}
	/* The packet's pointers are invalid from here on. */
	if (test_rewrite_fails ||
	    bpf_l4_csum_replace(skb, csum_off, from_ip, to_ip, udp0 | BPF_F_PSEUDO_HDR | 4) ||
	    bpf_l4_csum_replace(skb, csum_off, from_port, to_port, udp0 | 2) ||
	    bpf_l3_csum_replace(skb, IP_OFF + offsetof(struct iphdr, check), from_ip, to_ip, 4) ||
	    bpf_l3_csum_replace(skb, IP_OFF + offsetof(struct iphdr, check), ttl_old, ttl_new, 2) ||
	    bpf_skb_store_bytes(skb, IP_OFF + offsetof(struct iphdr, saddr), &to_ip, 4, 0) ||
	    bpf_skb_store_bytes(skb, IP_OFF + offsetof(struct iphdr, ttl), &ttl_new, 2, 0) ||
	    bpf_skb_store_bytes(skb, L4_OFF, &to_port, 2, 0) ||
	    bpf_skb_store_bytes(skb, 0, v->nexthop_mac, ETH_ALEN, 0) ||
	    bpf_skb_store_bytes(skb, ETH_ALEN, &mac, ETH_ALEN, 0))
		return drop(TC_REWRITE_FAILED); /* half rewritten: it cannot go anywhere */
	hit_mark32(&v->hit);
	st->nat_packets++;
	return (int)bpf_redirect(uplink_ifindex, 0);
}

/* A copy to every other L2 port of what fdb_flood_src allows: clones
 * through each port's transmit, the frame itself into the last one's
 * namespace. The rest goes to userspace (-1).
 *
 * n_ports is a constant to the verifier, which walks each loop once per
 * port: what a pass carries to the next must not tell ports apart (an
 * ifindex read from the map, never the slot number), or the walks of
 * different ports do not merge and a switch of 40 ports was already
 * too large to load (E2BIG). Hence two loops: find the last port, then
 * clone to the others. */
static __always_inline int fast_flood(struct __sk_buff *skb, struct ethhdr *eth)
{
	__u32 in = skb->ifindex, len = skb->len, i, last = 0, last_peer = 0, last_mtu = 0;
	struct fast_port_stats *st;
	struct fdb_val *s;
	struct tc_port *p;

	s = fdb_flood_src(eth, in, has_gw, &st);
	if (!s)
		return -1;
	/* Counted first: the packet's pointers do not survive a clone. */
	hit_mark64(&s->hit);
	st->packets++;
	st->flooded++;
	st->bytes += len;
	for (i = 0; i < MAX_PORTS && i < n_ports; i++) {
		__u32 k = i;

		p = bpf_map_lookup_elem(&tc_ports, &k);
		if (p && p->ifindex && p->ifindex != in) {
			last = p->ifindex;
			last_peer = p->peer_ns;
			last_mtu = p->mtu;
		}
	}
	if (!last)
		return TC_ACT_SHOT; /* the only port */
	/* The clones go through the ports' transmit, where veth drops what
	 * is larger than the namespace takes; so does the frame itself,
	 * then, rather than into the namespace past that check. */
	if (too_big(skb, last, last_mtu))
		last_peer = 0;
	for (i = 0; i < MAX_PORTS && i < n_ports; i++) {
		__u32 k = i;

		p = bpf_map_lookup_elem(&tc_ports, &k);
		if (p && p->ifindex && p->ifindex != in && p->ifindex != last)
			bpf_clone_redirect(skb, p->ifindex, 0);
	}
	return to_ifindex(skb, last, last_peer);
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
	__u64 dst;

	if ((void *)(eth + 1) > end)
		return -1; /* not linear that far, or a runt: userspace decides */
	/* The switch has no VLANs: a tagged frame (its tag already in the
	 * skb's metadata here) takes the slow path, as on afxdp and xdp,
	 * and is never translated with its tag. */
	if (skb->vlan_present)
		return -1;
	if (eth->h_dest[0] & 1)
		return fast_flood(skb, eth);
	s = fdb_pair(eth, skb->ifindex, &st, &d, &dst);
	if (!s)
		return -1;
	if (!d) {
		__u32 len = skb->len;
		int act = nat_fast && dst == gw_mac_key ? nat_forward_out(skb, st) : -1;

		if (act < 0)
			return -1;
		if (act == TC_ACT_SHOT)
			return act; /* a dropped rewrite, counted: not forwarded */
		/* A namespace whose traffic all goes out through the NAT here
		 * must not age out of the FDB either. */
		hit_mark64(&s->hit);
		st->packets++;
		st->bytes += len;
		return act;
	}
	p = bpf_map_lookup_elem(&tc_ports, &d->slot);
	if (!p || !p->ifindex)
		return -1;
	if (d->ifindex == skb->ifindex) {
		st->hairpin++;
		return TC_ACT_SHOT;
	}
	/* Larger than the port takes: bpf_redirect_peer skips veth's own
	 * check, so the frame would reach a namespace of a smaller MTU. The
	 * slow path drops it, as a bridge and xdp do. */
	if (too_big(skb, p->ifindex, p->mtu))
		return -1;
	hit_mark64(&s->hit);
	st->packets++;
	st->bytes += skb->len;
	return to_port(skb, p);
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

/* The way back of an installed connection, translated as nat_forward_out
 * does the way out (the same helpers, for the same reasons: the outside
 * keeps TSO too), and put straight into the namespace. */
static __always_inline int nat_forward_in(struct __sk_buff *skb, struct iphdr *ip, void *end)
{
	__u16 ext_port, int_port, ttl_old, ttl_new;
	struct nat_in_key k = {};
	__u32 from_ip, to_ip, csum_off;
	__u64 mac = gw_mac_key, udp0;
	struct nat_in_val *v;
	struct tc_port *p;
	__u32 slot;
	__u16 *ports;

	ports = nat_in_key_of(ip, end, skb->len - ETH_HLEN, &k);
	if (!ports)
		return -1;
	v = bpf_map_lookup_elem(&nat_in, &k);
	if (!v)
		return -1;
	slot = v->slot;
	p = bpf_map_lookup_elem(&tc_ports, &slot);
	if (!p || !p->ifindex)
		return -1;
	/* Larger than the port takes: the slow path cuts it or answers,
	 * as on the other dataplanes (the redirect into the namespace
	 * would deliver it, but only once its connection is installed). A
	 * GSO packet is segments that GRO put together: it goes in whole,
	 * as GRO would hand it up, when each fits the port. */
	if (too_big(skb, p->ifindex, p->mtu))
		return -1;
	from_ip = ip->daddr;
	to_ip = v->int_ip;
	ext_port = ports[1];
	int_port = v->int_port;
	ttl_old = *(__u16 *)&ip->ttl;
	ttl_new = bpf_htons(bpf_ntohs(ttl_old) - 0x100);
	if (ip->protocol == IPPROTO_TCP) {
		csum_off = L4_OFF + offsetof(struct tcphdr, check);
		udp0 = 0;
	} else {
		csum_off = L4_OFF + offsetof(struct udphdr, check);
		udp0 = BPF_F_MARK_MANGLED_0;
	}
	/* The packet's pointers are invalid from here on. */
	if (test_rewrite_fails ||
	    bpf_l4_csum_replace(skb, csum_off, from_ip, to_ip, udp0 | BPF_F_PSEUDO_HDR | 4) ||
	    bpf_l4_csum_replace(skb, csum_off, ext_port, int_port, udp0 | 2) ||
	    bpf_l3_csum_replace(skb, IP_OFF + offsetof(struct iphdr, check), from_ip, to_ip, 4) ||
	    bpf_l3_csum_replace(skb, IP_OFF + offsetof(struct iphdr, check), ttl_old, ttl_new, 2) ||
	    bpf_skb_store_bytes(skb, IP_OFF + offsetof(struct iphdr, daddr), &to_ip, 4, 0) ||
	    bpf_skb_store_bytes(skb, IP_OFF + offsetof(struct iphdr, ttl), &ttl_new, 2, 0) ||
	    bpf_skb_store_bytes(skb, L4_OFF + 2, &int_port, 2, 0) ||
	    bpf_skb_store_bytes(skb, 0, v->mac, ETH_ALEN, 0) ||
	    bpf_skb_store_bytes(skb, ETH_ALEN, &mac, ETH_ALEN, 0))
		return drop(TC_REWRITE_FAILED); /* half rewritten: it cannot go anywhere */
	hit_mark32(&v->hit);
	uplink_count(UP_FAST);
	return to_port(skb, p);
}

/* The uplink's ingress (SNAT on dataplane tc): what is the switch's
 * (uplink_maps.h) is translated here when its connection is installed,
 * else goes to the uplink's slow-path pair and the switch's socket;
 * everything else goes on untouched, to the uplink's other tc programs
 * and filters (TC_ACT_UNSPEC: TC_ACT_OK would end their chain) and the
 * host. No XDP on the uplink, so its peer keeps TSO. */
SEC("tc")
int tc_uplink_in(struct __sk_buff *skb)
{
	struct nat_ports np = { ext_ip, port_min, port_max, uplink_mac_key };
	__u32 slot = up_slot;
	struct tc_port *p;
	struct ethhdr *eth;
	struct iphdr *ip;
	void *data, *end;

	uplink_count(UP_SEEN);
	if (skb->vlan_present)
		return TC_ACT_UNSPEC; /* as uplink_steer, which sees the tag */
	/* The host's own traffic passes here too: look at its IPv4 header
	 * only, and pull nothing more into the linear part unless the packet
	 * is for the NAT's address. */
	if (pull_head(skb, ETH_HLEN + sizeof(struct iphdr)))
		return TC_ACT_UNSPEC;
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	eth = data;
	ip = (struct iphdr *)(eth + 1);
	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) || ip->daddr != ext_ip)
		return TC_ACT_UNSPEC;
	/* Its L4 header whole (nat_l4 reads TCP's flags), and for ICMP the
	 * packet an error quotes. */
	if (pull_head(skb, ip->protocol == IPPROTO_ICMP ? UPLINK_PEEK :
			   ETH_HLEN + ip->ihl * 4 + sizeof(struct tcphdr)))
		return TC_ACT_UNSPEC;
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	ip = uplink_ours(&np, data, end);
	if (!ip)
		return TC_ACT_UNSPEC;
	if (nat_fast && ip->protocol != IPPROTO_ICMP) {
		int act = nat_forward_in(skb, ip, end);

		if (act >= 0)
			return act;
	}
	p = bpf_map_lookup_elem(&tc_ports, &slot);
	if (!p || !p->slow_ifindex)
		return no_port();
	uplink_count(UP_TO_SWITCH);
	return (int)bpf_redirect(p->slow_ifindex, 0);
}

/* What the daemon sends on a port's slow-path far end arrives here.
 * Unicast to a MAC the fast path does not know behind this port (a copy
 * of a flood of unknown unicast, say) goes through the port's transmit:
 * the namespace's end then classifies it against its own MAC, and drops
 * it when it is another's. to_port would hand it up as the host's (and
 * a peer redirect does that anyway since 6.15), so the namespace would
 * answer a frame that was never its own. */
SEC("tc")
int tc_slow_in(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	__u32 ifindex = skb->ifindex, *slot;
	struct ethhdr *eth = data;
	struct fdb_val *d;
	struct tc_port *p;
	__u64 dst = 0;

	slot = bpf_map_lookup_elem(&tc_slot, &ifindex);
	p = slot ? bpf_map_lookup_elem(&tc_ports, slot) : NULL;
	if (!p || !p->ifindex)
		return no_port();
	if (p->peer_ns && (void *)(eth + 1) <= end && !(eth->h_dest[0] & 1)) {
		__builtin_memcpy(&dst, eth->h_dest, ETH_ALEN);
		d = bpf_map_lookup_elem(&fdb, &dst);
		if (!d || d->slot != *slot)
			return (int)bpf_redirect(p->ifindex, 0);
	}
	return to_port(skb, p);
}

char LICENSE[] SEC("license") = "GPL";
