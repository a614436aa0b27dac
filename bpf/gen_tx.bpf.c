// SPDX-License-Identifier: GPL-2.0
/* The benchmark generator's program: run by BPF_PROG_TEST_RUN in live
 * frames mode, it sends each frame out of the device given as ingress
 * (a veth inside the sending namespace). Not attached anywhere. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int gen_tx(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
