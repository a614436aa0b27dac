/* SPDX-License-Identifier: MIT */
/* dataplane xdp: keep the XDP programs' NAT maps in step with the
 * daemon's conntrack (see nat_fast.h). */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../bpf/map_layouts.h"
#include "fast_path.h"
#include "map_walk.h"
#include "nat.h"
#include "nat_fast.h"
#include "switch.h"
#include "uplink_steer.skel.h"
#include "xsk_steer.skel.h"

int nat_fast_configure_ports(struct sw *sw)
{
	struct xsk_steer *s = sw->skel;

	s->rodata->nat_fast = 1;
	s->rodata->gw_mac_key = fast_mac_key(sw->cfg.gw.mac);
	s->rodata->uplink_mac_key = fast_mac_key(sw->up_mac);
	s->rodata->uplink_slot = (uint32_t)sw->cfg.nports; /* after the L2 ports */
	memcpy((void *)&s->rodata->ext_ip, sw->up_ip, 4);
	s->rodata->uplink_mtu = route_uplink_mtu(sw);
	return bpf_map__set_max_entries(s->maps.nat_out, sw->cfg.nat_table);
}

int nat_fast_configure_uplink(struct sw *sw)
{
	struct uplink_steer *u = sw->up_skel;
	int err;

	u->rodata->nat_fast = 1;
	u->rodata->gw_mac_key = fast_mac_key(sw->cfg.gw.mac);
	for (int i = 0; i < sw->cfg.nports; i++)
		u->rodata->slot_mtu[i] = sw->port_mtu[i];
	err = bpf_map__set_max_entries(u->maps.nat_in, sw->cfg.nat_table);
	if (!err)
		err = bpf_map__reuse_fd(u->maps.tx_ports, bpf_map__fd(sw->skel->maps.tx_ports));
	return err;
}

static void out_key(const struct nat_entry_view *e, struct nat_out_key *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(&k->int_ip, e->int_ip, 4);
	memcpy(&k->rem_ip, e->rem_ip, 4);
	k->int_port = htons(e->int_port);
	k->rem_port = htons(e->rem_port);
	k->proto = e->proto;
}

static void in_key(const struct nat_entry_view *e, struct nat_in_key *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(&k->rem_ip, e->rem_ip, 4);
	k->rem_port = htons(e->rem_port);
	k->ext_port = htons(e->ext_port);
	k->proto = e->proto;
}

/* When the programs last carried the connection, either way: the later
 * of the two entries' hit seconds (bpf/hit_clock.h), read only. */
static uint64_t nat_fast_seen(const struct nat_entry_view *e, void *arg)
{
	struct sw *sw = arg;
	int ofd = bpf_map__fd(sw->skel->maps.nat_out), ifd = bpf_map__fd(sw->up_skel->maps.nat_in);
	struct nat_out_key ok;
	struct nat_out_val ov;
	struct nat_in_key ik;
	struct nat_in_val iv;
	uint32_t s = 0;
	uint64_t t;

	out_key(e, &ok);
	in_key(e, &ik);
	if (!bpf_map_lookup_elem(ofd, &ok, &ov))
		s = ov.hit;
	if (!bpf_map_lookup_elem(ifd, &ik, &iv) && iv.hit > s)
		s = iv.hit;
	if (!s)
		return 0;
	t = fast_second_end(sw, s);
	if (t > sw->now)
		t = sw->now;
	sw->nfst.refreshed += t > sw->now - e->idle_ns; /* later than its own last */
	return t;
}

static void nat_fast_released(const struct nat_entry_view *e, void *arg)
{
	struct sw *sw = arg;
	struct nat_out_key ok;
	struct nat_in_key ik;
	int gone = 0;

	out_key(e, &ok);
	in_key(e, &ik);
	gone += !bpf_map_delete_elem(bpf_map__fd(sw->skel->maps.nat_out), &ok);
	gone += !bpf_map_delete_elem(bpf_map__fd(sw->up_skel->maps.nat_in), &ik);
	sw->nfst.removed += gone > 0;
}

int nat_fast_start(struct sw *sw)
{
	uint32_t slot = (uint32_t)sw->nl2, ifindex = (uint32_t)sw->up_ifindex;
	struct nat_hooks h = { nat_fast_seen, nat_fast_released, sw };

	/* xdp: the ports' program redirects into the uplink; tc redirects
	 * by ifindex. */
	if (!sw->cfg.tc_path &&
	    bpf_map_update_elem(bpf_map__fd(sw->skel->maps.tx_ports), &slot, &ifindex, 0))
		return -errno;
	nat_set_hooks(sw->nat, &h);
	return 0;
}

/* Delete every entry of a NAT fast-path map that stale() says is stale;
 * the number deleted, or -ENOMEM. Read whole first (in batches: 60000
 * entries in 16 ms, where a key and a lookup each took 211 ms of the
 * forwarding thread), then deleted: get_next_key from a deleted key
 * starts over. */
static int nat_fast_prune(struct sw *sw, int fd, size_t key_size, size_t val_size,
			  bool (*stale)(struct sw *sw, const void *val, const void *arg),
			  const void *arg)
{
	uint8_t *keys = calloc(sw->cfg.nat_table, key_size);
	uint8_t *vals = calloc(sw->cfg.nat_table, val_size);
	uint32_t n, i;
	int deleted = -ENOMEM;

	if (!keys || !vals)
		goto out;
	deleted = 0;
	n = map_entries(fd, keys, vals, sw->cfg.nat_table, key_size, val_size);
	for (i = 0; i < n; i++)
		if (stale(sw, vals + (size_t)i * val_size, arg))
			deleted += !bpf_map_delete_elem(fd, keys + (size_t)i * key_size);
out:
	free(keys);
	free(vals);
	return deleted;
}

static bool in_port_moved(struct sw *sw, const void *val, const void *arg)
{
	const struct nat_in_val *v = val;

	(void)arg;
	return fdb_lookup(sw->fdb, v->mac, sw->now) != (uint16_t)v->slot;
}

/* A MAC moved to another port: every inbound entry still aimed at the
 * MAC's old port goes, and the connection's next packet back takes the
 * slow path, which installs it again towards the port the FDB now says.
 * Once a second at most, from the ageing pass: a walk reads the whole
 * map (in batches), and costs a syscall per entry it deletes. */
void nat_fast_follow(struct sw *sw)
{
	int n;

	if (!sw->nfst.moved_macs)
		return;
	n = nat_fast_prune(sw, bpf_map__fd(sw->up_skel->maps.nat_in), sizeof(struct nat_in_key),
			   sizeof(struct nat_in_val), in_port_moved, NULL);
	if (n < 0)
		return; /* the next pass tries again */
	sw->nfst.moved_macs = false;
	sw->nfst.followed += (uint64_t)n;
}

bool nat_fast_out_empty(struct sw *sw)
{
	struct nat_out_key k;

	return bpf_map_get_next_key(bpf_map__fd(sw->skel->maps.nat_out), NULL, &k) != 0;
}

static bool out_via_mac(struct sw *sw, const void *val, const void *arg)
{
	const struct nat_out_val *v = val;

	(void)sw;
	return !memcmp(v->nexthop_mac, arg, 6);
}

/* As nat_fast_follow, for the way out: the connection's next packet
 * takes the slow path, which installs it again towards the MAC the
 * kernel now has for the next hop. */
int nat_fast_nexthop_changed(struct sw *sw, const uint8_t old[6])
{
	int n;

	n = nat_fast_prune(sw, bpf_map__fd(sw->skel->maps.nat_out), sizeof(struct nat_out_key),
			   sizeof(struct nat_out_val), out_via_mac, old);
	if (n < 0)
		return n;
	sw->nfst.nexthop_changed += (uint64_t)n;
	return 0;
}

/* Write the entry k -> v of map fd; counted in *installed only when it
 * is new: one connection, one install. One already there is written
 * again all the same (the slow path saw a packet of it, a fragment or
 * one the program passes up), so it goes where this packet went. 0 or
 * -errno. */
static int install(int fd, const void *k, const void *v, uint64_t *installed)
{
	if (!bpf_map_update_elem(fd, k, v, BPF_NOEXIST)) {
		(*installed)++;
		return 0;
	}
	if (errno != EEXIST)
		return -errno;
	return bpf_map_update_elem(fd, k, v, BPF_ANY) ? -errno : 0;
}

void nat_fast_sent(struct sw *sw, enum rt_path path, const uint8_t mac[6], uint16_t out)
{
	struct nat_entry_view e;
	int err;

	nat_last(sw->nat, sw->now, &e);
	/* Only what the conntrack has no more to learn from: an opened UDP
	 * flow, an established TCP connection (its FIN or RST still comes
	 * here, the programs pass those up). */
	if (!e.proto || (strcmp(e.state, "udp") && strcmp(e.state, "established")))
		return;
	if (path == RT_UPLINK) {
		struct nat_out_key k;
		struct nat_out_val v = { .ext_port = htons(e.ext_port) };

		out_key(&e, &k);
		memcpy(v.nexthop_mac, mac, 6);
		err = install(bpf_map__fd(sw->skel->maps.nat_out), &k, &v, &sw->nfst.installed_out);
	} else {
		struct nat_in_key k;
		struct nat_in_val v = { .int_port = htons(e.int_port), .slot = out };

		in_key(&e, &k);
		memcpy(v.mac, mac, 6);
		memcpy(&v.int_ip, e.int_ip, 4);
		err = install(bpf_map__fd(sw->up_skel->maps.nat_in), &k, &v, &sw->nfst.installed_in);
	}
	if (err)
		sw->nfst.install_failed++;
}

uint64_t nat_fast_in_packets(struct sw *sw)
{
	uint64_t sum = 0;

	if (sw->up_skel)
		map_percpu_sum(bpf_map__fd(sw->up_skel->maps.uplink_stats), UP_FAST, &sum, 1);
	return sum;
}
