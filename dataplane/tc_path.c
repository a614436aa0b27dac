/* SPDX-License-Identifier: MIT */
/* dataplane tc: the skb-level fast path of bpf/tc_steer.bpf.c, in front
 * of the AF_XDP switch. Each port has a slow-path veth pair; the port's
 * socket is bound to its far end, and the tc programs on the port and on
 * the near end carry frames between the port and that socket. The FDB
 * map and the per-port counters are the XDP program's (fast_path.c keeps
 * them), so the switch learns, ages and counts as for dataplane xdp. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fast_path.h"
#include "map_walk.h"
#include "switch.h"
#include "tc_path.h"
#include "tc_steer.skel.h"
#include "uplink_steer.skel.h"
#include "xsk_steer.skel.h"

/* Linux 6.6 uapi; Debian 12's headers are older. */
#ifndef BPF_TCX_INGRESS
#define BPF_TCX_INGRESS 46
#endif

int tc_path_load(struct sw *sw)
{
	struct tc_steer *skel;

	skel = tc_steer__open();
	if (!skel)
		return -errno;
	sw->tc_skel = skel;
	/* Two per port, and two for the uplink, after them. */
	sw->tc_links = calloc(2 * (size_t)sw->cfg.nports + 2, sizeof(*sw->tc_links));
	if (!sw->tc_links)
		return -ENOMEM;
	for (int i = 0; i < 2 * sw->cfg.nports + 2; i++)
		sw->tc_links[i] = -1;
	/* One table: what the daemon installs in xsk_steer's maps is what the
	 * tc programs read and mark as hit (reuse_fd takes the map's size). */
	if (bpf_map__reuse_fd(skel->maps.fdb, bpf_map__fd(sw->skel->maps.fdb)) ||
	    bpf_map__reuse_fd(skel->maps.fast_stats, bpf_map__fd(sw->skel->maps.fast_stats)) ||
	    bpf_map__reuse_fd(skel->maps.nat_out, bpf_map__fd(sw->skel->maps.nat_out)))
		return -errno;
	skel->rodata->has_gw = sw->cfg.has_gw;
	skel->rodata->n_ports = (uint32_t)sw->cfg.nports;
	skel->rodata->up_slot = (uint32_t)sw->cfg.nports;
	if (sw->cfg.uplink[0]) {
		memcpy((void *)&skel->rodata->ext_ip, sw->up_ip, 4);
		skel->rodata->port_min = sw->cfg.nat_port_min;
		skel->rodata->port_max = sw->cfg.nat_port_max;
		/* tc_uplink_in takes only what is sent to it. */
		skel->rodata->uplink_mac_key = fast_mac_key(sw->up_mac);
	}
	/* The uplink's XDP program takes this one (setup_uplink), which is
	 * as small as a map can be when unused. */
	if (bpf_map__set_max_entries(skel->maps.nat_in, sw->cfg.fast_nat ? sw->cfg.nat_table : 1))
		return -errno;
	if (sw->cfg.fast_nat) {
		skel->rodata->nat_fast = 1;
		skel->rodata->gw_mac_key = fast_mac_key(sw->cfg.gw.mac);
		skel->rodata->uplink_mtu = route_uplink_mtu(sw);
		skel->rodata->uplink_ifindex = if_nametoindex(sw->cfg.uplink);
		if (!skel->rodata->uplink_ifindex)
			return -errno;
	}
	if (tc_steer__load(skel))
		return -errno;
	return 0;
}

static int attach(int *link, const struct bpf_program *prog, int ifindex)
{
	*link = bpf_link_create(bpf_program__fd(prog), ifindex, BPF_TCX_INGRESS, NULL);
	return *link < 0 ? -errno : 0;
}

int tc_path_add_port(struct sw *sw, struct port *p, const char *port, const char *near,
		     bool host, const char **what)
{
	struct tc_steer *skel = sw->tc_skel;
	struct tc_port tp = { 0 };
	uint32_t slot = p->idx;

	tp.ifindex = if_nametoindex(port);
	tp.slow_ifindex = if_nametoindex(near);
	*what = "finding the port and its slow-path end";
	if (!tp.ifindex || !tp.slow_ifindex)
		return -errno;
	tp.peer_ns = !host;
	tp.mtu = sw->port_mtu[slot];
	*what = "registering them";
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.tc_ports), &slot, &tp, 0) ||
	    bpf_map_update_elem(bpf_map__fd(skel->maps.tc_slot), &tp.ifindex, &slot, 0) ||
	    bpf_map_update_elem(bpf_map__fd(skel->maps.tc_slot), &tp.slow_ifindex, &slot, 0))
		return -errno;
	/* The FDB names the device the fast path sees the port's frames on. */
	p->fast_ifindex = (int)tp.ifindex;
	snprintf(p->name, sizeof(p->name), "%s", port);
	return 0;
}

int tc_path_attach(struct sw *sw, const struct port *p, const char **what)
{
	struct tc_steer *skel = sw->tc_skel;
	uint32_t slot = p->idx;
	struct tc_port tp;
	int err;

	*what = "reading back its registration";
	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.tc_ports), &slot, &tp))
		return -errno;
	/* Links, not filters: the programs go away with this process, even
	 * after kill -9, as the XDP ones do. tcx is Linux 6.6. */
	*what = "attaching tc (tcx, Linux 6.6 or later) on the port";
	if ((err = attach(&sw->tc_links[2 * slot], skel->progs.tc_port_in, (int)tp.ifindex)))
		return err;
	*what = "attaching tc (tcx, Linux 6.6 or later) on its slow-path end";
	return attach(&sw->tc_links[2 * slot + 1], skel->progs.tc_slow_in,
		      (int)tp.slow_ifindex);
}

/* Before the uplink's XDP program loads: it goes on the far end of the
 * uplink's slow-path pair, where all that arrives is the switch's, and
 * takes tc_steer's maps, which the daemon installs into and reads. */
int tc_path_prepare_uplink(struct sw *sw)
{
	struct uplink_steer *u = sw->up_skel;

	u->rodata->slow_end = 1;
	if (bpf_map__reuse_fd(u->maps.nat_in, bpf_map__fd(sw->tc_skel->maps.nat_in)) ||
	    bpf_map__reuse_fd(u->maps.uplink_stats, bpf_map__fd(sw->tc_skel->maps.uplink_stats)))
		return -errno;
	return 0;
}

/* The uplink as a port of its own kind: tc_uplink_in on it, its frames
 * for the switch through its slow-path pair (the socket on the far end,
 * p), and tc_slow_in on the near end putting the switch's out of it. */
int tc_path_add_uplink(struct sw *sw, struct port *p, const char **what)
{
	struct tc_steer *skel = sw->tc_skel;
	struct tc_port tp = { 0 };
	uint32_t slot = (uint32_t)sw->cfg.nports;

	tp.ifindex = if_nametoindex(sw->cfg.uplink);
	tp.slow_ifindex = if_nametoindex(sw->cfg.upslow[0]);
	*what = "finding it and its slow-path end";
	if (!tp.ifindex || !tp.slow_ifindex)
		return -errno;
	*what = "registering them";
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.tc_ports), &slot, &tp, 0) ||
	    bpf_map_update_elem(bpf_map__fd(skel->maps.tc_slot), &tp.slow_ifindex, &slot, 0))
		return -errno;
	p->fast_ifindex = (int)tp.ifindex;
	snprintf(p->name, sizeof(p->name), "%s", sw->cfg.uplink);
	return 0;
}

int tc_path_attach_uplink(struct sw *sw, const char **what)
{
	struct tc_steer *skel = sw->tc_skel;
	int n = 2 * sw->cfg.nports, err;

	*what = "attaching tc (tcx, Linux 6.6 or later) on its slow-path end";
	if ((err = attach(&sw->tc_links[n + 1], skel->progs.tc_slow_in,
			  (int)if_nametoindex(sw->cfg.upslow[0]))))
		return err;
	*what = "attaching tc (tcx, Linux 6.6 or later) on it";
	return attach(&sw->tc_links[n], skel->progs.tc_uplink_in,
		      (int)if_nametoindex(sw->cfg.uplink));
}

static uint64_t tc_stat(const struct sw *sw, uint32_t key)
{
	uint64_t sum = 0;

	if (sw->tc_skel)
		map_percpu_sum(bpf_map__fd(sw->tc_skel->maps.tc_stats), key, &sum, 1);
	return sum;
}

uint64_t tc_path_no_port(const struct sw *sw)
{
	return tc_stat(sw, TC_NO_PORT);
}

uint64_t tc_path_rewrite_failed(const struct sw *sw)
{
	return tc_stat(sw, TC_REWRITE_FAILED);
}

void tc_path_free(struct sw *sw)
{
	for (int i = 0; sw->tc_links && i < 2 * sw->cfg.nports + 2; i++)
		if (sw->tc_links[i] >= 0)
			close(sw->tc_links[i]);
	free(sw->tc_links);
	sw->tc_links = NULL;
	if (sw->tc_skel)
		tc_steer__destroy(sw->tc_skel);
	sw->tc_skel = NULL;
}
