/* SPDX-License-Identifier: MIT */
/* The AF_XDP switch without sockets: see switch_harness.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fast_path.h"
#include "fdb.h"
#include "gw_reasm.h"
#include "nat_fast.h"
#include "nl.h"
#include "switch_harness.h"

static const uint8_t GW_MAC[6] = { 0x02, 0x6e, 0x66, 0x00, 0x00, 0x01 };
static const uint8_t GW4[4] = { 10, 13, 37, 1 };
static const uint8_t UP_MAC[6] = { 0x02, 0x75, 0x70, 0x00, 0x00, 0x01 };
static const uint8_t UP4[4] = { 203, 0, 113, 1 }, UP_GW4[4] = { 203, 0, 113, 254 };

static uint8_t *area;
static uint64_t free_chunks[HARNESS_FRAMES_MAX];
static uint16_t refs[HARNESS_FRAMES_MAX];
static struct port ports[HARNESS_PORTS_MAX];

bool harness_neigh_ok;

struct sw *harness_sw_new(const struct harness_cfg *c)
{
	struct sw *sw;

	if (c->nframes > HARNESS_FRAMES_MAX || c->nl2 >= HARNESS_PORTS_MAX)
		abort();
	if (!area && !(area = aligned_alloc(FRAME_SIZE, (size_t)HARNESS_FRAMES_MAX * FRAME_SIZE)))
		abort();
	if (!(sw = calloc(1, sizeof(*sw))))
		abort();
	snprintf(sw->cfg.name, sizeof(sw->cfg.name), "sw0");
	sw->cfg.has_gw = true;
	memcpy(sw->cfg.gw.mac, GW_MAC, 6);
	sw->cfg.gw.has_v4 = true;
	memcpy(sw->cfg.gw.v4, GW4, 4);
	sw->cfg.gw.v4_plen = 24;
	sw->cfg.nat_table = c->nat->max_entries;
	sw->cfg.has_uplink_gw = true;
	memcpy(sw->cfg.uplink_gw, UP_GW4, 4);
	sw->umem.area = area;
	sw->umem.nframes = c->nframes;
	sw->umem.free = free_chunks;
	sw->umem.refs = refs;
	for (uint32_t i = 0; i < c->nframes; i++) {
		free_chunks[i] = (uint64_t)(c->nframes - 1 - i) * FRAME_SIZE;
		refs[i] = 0;
	}
	sw->umem.nfree = c->nframes;
	memset(ports, 0, sizeof(ports));
	for (int i = 0; i <= c->nl2; i++) {
		ports[i].idx = (uint16_t)i;
		ports[i].fd = -1;
		snprintf(ports[i].name, sizeof(ports[i].name), "p%d", i);
	}
	sw->ports = ports;
	sw->nl2 = c->nl2;
	sw->nports = c->nl2 + 1;
	sw->ctl_fd = -1;
	sw->now = 1000 * HARNESS_SEC;
	/* The NAT first: its hash seeds are the first random bytes asked. */
	sw->nat = nat_new(c->nat);
	sw->fdb = fdb_new(64, 16, 300 * HARNESS_SEC);
	sw->reasm = gw_reasm_new();
	if (!sw->fdb || !sw->nat || !sw->reasm)
		abort();
	sw->up_ifindex = HARNESS_UP_IFINDEX;
	memcpy(sw->up_ip, UP4, 4);
	sw->up_plen = 24;
	memcpy(sw->up_mac, UP_MAC, 6);
	sw->up_mtu = c->up_mtu;
	sw->l2_mtu = c->l2_mtu;
	for (int i = 0; i < c->nl2; i++)
		sw->port_mtu[i] = c->port_mtu[i];
	harness_neigh_ok = true;
	return sw;
}

void harness_sw_free(struct sw *sw)
{
	if (!sw)
		return;
	nat_free(sw->nat);
	gw_reasm_free(sw->reasm);
	fdb_free(sw->fdb);
	free(sw);
}

uint64_t harness_rx(struct sw *sw, const uint8_t *f, uint32_t len)
{
	uint64_t a = frame_take(&sw->umem) + HARNESS_HEADROOM;

	memcpy(xsk_umem__get_data(sw->umem.area, a), f, len);
	return a;
}

void harness_rx_segs(struct sw *sw, const uint8_t *f, const uint32_t *lens, uint32_t n,
		     bool tight, struct xdp_desc *seg)
{
	for (uint32_t i = 0; i < n; i++) {
		uint64_t a = frame_take(&sw->umem);

		a += tight ? FRAME_SIZE - lens[i] : HARNESS_HEADROOM;
		memcpy(xsk_umem__get_data(sw->umem.area, a), f, lens[i]);
		f += lens[i];
		seg[i].addr = a;
		seg[i].len = lens[i];
		seg[i].options = i + 1 < n ? XDP_PKT_CONTD : 0;
	}
}

void harness_flush(struct sw *sw)
{
	for (int i = 0; i < sw->nports; i++)
		port_tx_flush(&sw->ports[i], &sw->umem);
}

const char *harness_buffers_wrong(const struct sw *sw)
{
	uint8_t seen[HARNESS_FRAMES_MAX] = { 0 };
	uint32_t n = sw->umem.nframes;

	if (sw->umem.nfree > n || sw->rt.nheld < 0 || sw->rt.nheld > RT_HELD)
		return "more free or held buffers than there are";
	for (uint32_t i = 0; i < sw->umem.nfree; i++) {
		uint64_t a = sw->umem.free[i];
		uint32_t ci = (uint32_t)(a / FRAME_SIZE);

		if (a % FRAME_SIZE || ci >= n)
			return "a free buffer that is no chunk";
		if (seen[ci]++)
			return "a buffer free twice (put once too often)";
		if (sw->umem.refs[ci])
			return "a free buffer still referenced";
	}
	for (int i = 0; i < sw->rt.nheld; i++) {
		uint32_t ci = (uint32_t)(umem_chunk(sw->rt.held[i].addr) / FRAME_SIZE);

		if (ci >= n || seen[ci]++)
			return "a buffer held for ARP that is also free or held twice";
		if (sw->umem.refs[ci] != 1)
			return "a buffer held for ARP without exactly one reference";
	}
	if (sw->umem.nfree + (uint32_t)sw->rt.nheld != n)
		return "a buffer neither free nor held: leaked";
	return NULL;
}

void harness_neigh_mac(const uint8_t ip[4], uint8_t mac[6])
{
	mac[0] = 0x02, mac[1] = 0x6e, mac[2] = 0x68;
	memcpy(mac + 3, ip + 1, 3);
}

int nl_neigh_get(struct nl *nl, int ifindex, const uint8_t ip[4], uint8_t mac[6])
{
	(void)nl;
	if (ifindex != HARNESS_UP_IFINDEX)
		abort(); /* only the uplink has a kernel neighbour table here */
	if (!harness_neigh_ok)
		return -ENOENT;
	harness_neigh_mac(ip, mac);
	return 0;
}

int nl_neigh_resolve(struct nl *nl, int ifindex, const uint8_t ip[4])
{
	(void)nl, (void)ip;
	if (ifindex != HARNESS_UP_IFINDEX)
		abort();
	return 0;
}

/* --- never reached without the poll loop and the XDP fast paths */

static void unreached(const char *what)
{
	fprintf(stderr, "switch_harness: %s reached, without sockets or fast paths\n", what);
	abort();
}

void port_reap(struct port *p, struct umem *u)
{
	(void)p, (void)u;
	unreached("port_reap");
}

void port_refill(struct port *p, struct umem *u)
{
	(void)p, (void)u;
	unreached("port_refill");
}

void ctl_serve(struct sw *s)
{
	(void)s;
	unreached("ctl_serve");
}

void ctl_tick(struct sw *s)
{
	(void)s;
	unreached("ctl_tick");
}

int fast_learn(struct sw *s, const uint8_t mac[6], const struct port *in)
{
	(void)s, (void)mac, (void)in;
	unreached("fast_learn");
	return 0;
}

void fast_age(struct sw *s)
{
	(void)s;
	unreached("fast_age");
}

uint16_t fast_lookup_expired(struct sw *s, const uint8_t mac[6])
{
	(void)s, (void)mac;
	unreached("fast_lookup_expired");
	return FDB_PORT_NONE;
}

uint32_t fast_second(const struct sw *s, uint64_t t)
{
	(void)s, (void)t;
	unreached("fast_second");
	return 0;
}

void fast_clock_set(struct sw *s, uint32_t second)
{
	(void)s, (void)second;
	unreached("fast_clock_set");
}

void nat_fast_follow(struct sw *s)
{
	(void)s;
	unreached("nat_fast_follow");
}

void nat_fast_sent(struct sw *s, enum rt_path path, const uint8_t mac[6], uint16_t out)
{
	(void)s, (void)path, (void)mac, (void)out;
	unreached("nat_fast_sent");
}

bool nat_fast_out_empty(struct sw *s)
{
	(void)s;
	unreached("nat_fast_out_empty");
	return true;
}

int nat_fast_nexthop_changed(struct sw *s, const uint8_t old[6])
{
	(void)s, (void)old;
	unreached("nat_fast_nexthop_changed");
	return 0;
}
