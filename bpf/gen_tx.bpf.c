// SPDX-License-Identifier: GPL-2.0
/* The benchmark generator's program: run by BPF_PROG_TEST_RUN in live
 * frames mode, it sends each frame out of the device given as ingress
 * (a veth inside the sending namespace). Not attached anywhere.
 *
 * Live frames are recycled pages, and XDP_TX hands the page itself to
 * the veth's peer: a dataplane that rewrites headers in place (the xdp
 * NAT) would have the generator send its rewritten frame next time. So
 * the headers are written afresh from the template on every send. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define HDR_LEN 42 /* Ethernet + IPv4 + UDP */

const volatile __u8 tmpl[HDR_LEN];

SEC("xdp")
int gen_tx(struct xdp_md *ctx)
{
	__u8 *data = (__u8 *)(long)ctx->data, *end = (__u8 *)(long)ctx->data_end;
	int i;

	if (data + HDR_LEN > end)
		return XDP_TX;
	for (i = 0; i < HDR_LEN; i++)
		data[i] = tmpl[i];
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
