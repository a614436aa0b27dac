/* SPDX-License-Identifier: MIT */
/* Is another nsfast switch's NAT already on this uplink? Two switches
 * translating to one address would take each other's return traffic.
 * An XDP program is exclusive on its device, but the tc programs of the
 * tc dataplane are not (tcx stacks them), and an xdp switch and a tc
 * one would each attach on their own: so look for both by name. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <string.h>
#include <unistd.h>

#include "uplink_busy.h"

/* Linux 6.6 uapi; Debian 12's headers are older. */
#ifndef BPF_TCX_INGRESS
#define BPF_TCX_INGRESS 46
#endif

static int prog_is(uint32_t id, const char *name, uint32_t *found)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id), hit;

	if (fd < 0)
		return 0; /* gone meanwhile */
	memset(&info, 0, sizeof(info));
	hit = !bpf_obj_get_info_by_fd(fd, &info, &len) && !strcmp(info.name, name);
	close(fd);
	if (hit)
		*found = id;
	return hit;
}

int uplink_busy(int ifindex, uint32_t *prog_id)
{
	uint32_t ids[64], id = 0;
	LIBBPF_OPTS(bpf_prog_query_opts, q, .prog_ids = ids, .prog_cnt = 64);

	*prog_id = 0;
	if (!bpf_xdp_query_id(ifindex, 0, &id) && id && prog_is(id, "uplink_steer", prog_id))
		return -EBUSY;
	/* Without tcx (before Linux 6.6) nothing can be there. */
	if (bpf_prog_query_opts(ifindex, BPF_TCX_INGRESS, &q))
		return 0;
	for (uint32_t i = 0; i < q.prog_cnt && i < 64; i++)
		if (prog_is(ids[i], "tc_uplink_in", prog_id))
			return -EBUSY;
	return 0;
}
