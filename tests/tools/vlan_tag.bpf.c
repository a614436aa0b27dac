/* SPDX-License-Identifier: MIT */
/* What a VLAN device in a namespace does, for kernels without 8021q
 * (this one's): IPv4 leaves tagged with the tag beside the frame, as
 * the skb's (tx VLAN offload), and only tagged IPv4 is taken in. So a
 * ping between two namespaces that run it passes only if the switch
 * between them carries the tag both ways. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define TCX_PASS 0
#define TCX_DROP 2

const volatile __u16 vid = 100;

SEC("tc")
int vlan_tag_out(struct __sk_buff *skb)
{
	if (skb->protocol == bpf_htons(ETH_P_IP) &&
	    bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021Q), vid))
		return TCX_DROP;
	return TCX_PASS;
}

SEC("tc")
int vlan_tag_in(struct __sk_buff *skb)
{
	if (skb->vlan_present)
		return (skb->vlan_tci & 0x0fff) == vid && !bpf_skb_vlan_pop(skb) ? TCX_PASS : TCX_DROP;
	return skb->protocol == bpf_htons(ETH_P_IP) ? TCX_DROP : TCX_PASS;
}

char LICENSE[] SEC("license") = "GPL";
