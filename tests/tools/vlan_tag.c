/* SPDX-License-Identifier: MIT */
/* vlan_tag IFNAME VID: run vlan_tag.bpf.c on IFNAME (of the current
 * namespace: run it with ip netns exec) until killed; prints "ready"
 * once both programs are attached. Its tcx links go with it. */
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "vlan_tag.skel.h"

#ifndef BPF_TCX_INGRESS
#define BPF_TCX_INGRESS 46
#define BPF_TCX_EGRESS 47
#endif

int main(int argc, char **argv)
{
	struct vlan_tag *skel = NULL;
	int ifindex, in = -1, out = -1, rc = 1;
	long vid;
	char *end;

	if (argc != 3) {
		fprintf(stderr, "usage: vlan_tag IFNAME VID\n");
		return 2;
	}
	ifindex = (int)if_nametoindex(argv[1]);
	vid = strtol(argv[2], &end, 10);
	if (!ifindex || *end || vid < 1 || vid > 4094) {
		fprintf(stderr, "vlan_tag: bad interface '%s' or VID '%s'\n", argv[1], argv[2]);
		return 2;
	}
	if (!(skel = vlan_tag__open())) {
		fprintf(stderr, "vlan_tag: open: %s\n", strerror(errno));
		goto out;
	}
	skel->rodata->vid = (__u16)vid;
	if (vlan_tag__load(skel)) {
		fprintf(stderr, "vlan_tag: load: %s\n", strerror(errno));
		goto out;
	}
	out = bpf_link_create(bpf_program__fd(skel->progs.vlan_tag_out), ifindex, BPF_TCX_EGRESS,
			      NULL);
	in = bpf_link_create(bpf_program__fd(skel->progs.vlan_tag_in), ifindex, BPF_TCX_INGRESS,
			     NULL);
	if (out < 0 || in < 0) {
		fprintf(stderr, "vlan_tag: attach to %s: %s\n", argv[1], strerror(errno));
		goto out;
	}
	printf("ready\n");
	fflush(stdout);
	pause();
	rc = 0;
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	vlan_tag__destroy(skel);
	return rc;
}
