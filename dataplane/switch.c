/* SPDX-License-Identifier: MIT */
/* The per-frame path and the poll loop of the AF_XDP switch. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include "nat.h"
#include "pkt.h"
#include "switch.h"

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void switch_flood(struct sw *sw, struct port *in, uint64_t addr, uint32_t len)
{
	uint32_t chunk = (uint32_t)(umem_chunk(addr) / FRAME_SIZE);
	int i, copies = sw->nl2 - (in ? 1 : 0);

	if (copies <= 0) {
		frame_put(&sw->umem, addr);
		return;
	}
	/* One buffer, one reference per TX ring that will carry it. */
	sw->umem.refs[chunk] = (uint16_t)copies;
	for (i = 0; i < sw->nl2; i++)
		if (&sw->ports[i] != in)
			port_tx_stage(&sw->ports[i], &sw->umem, addr, len);
	sw->st.flooded++;
	sw->st.flood_copies += (uint64_t)copies;
}

static bool routes_inside(const struct sw *sw, const uint8_t *dst)
{
	int plen = sw->cfg.gw_v4_plen, i;

	for (i = 0; i < 4; i++, plen -= 8) {
		uint8_t mask = plen >= 8 ? 0xff : plen <= 0 ? 0 : (uint8_t)(0xff << (8 - plen));

		if ((dst[i] & mask) != (sw->cfg.gw.v4[i] & mask))
			return false;
	}
	return true;
}

/* Counted by the FDB (refused_full, refused_port); said in the log too,
 * once a minute: frames to that MAC are flooded from now on. */
static void fdb_refused(struct sw *sw, const struct port *in, const uint8_t *mac)
{
	const struct fdb_stats *fs = fdb_stats(sw->fdb);

	if (sw->fdb_logged && sw->now - sw->fdb_logged < 60000000000ull)
		return;
	fprintf(stderr, "nsfast switch %s: MAC %02x:%02x:%02x:%02x:%02x:%02x on %s not learned: FDB at %u entries (table %u, %u per port): frames to it are flooded\n",
		sw->cfg.name, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], in->name, fs->entries,
		sw->cfg.fdb_size, sw->cfg.fdb_per_port);
	sw->fdb_logged = sw->now;
}

void switch_frame(struct sw *sw, struct port *in, uint64_t addr, uint32_t len)
{
	uint8_t *data = xsk_umem__get_data(sw->umem.area, addr);
	uint32_t room = FRAME_SIZE - (uint32_t)(addr - umem_chunk(addr)), reply;
	struct pkt p;
	uint16_t out;

	in->st.rx_packets++;
	in->st.rx_bytes += len;
	if (len > room || pkt_parse(data, len, &p) != PKT_OK) {
		in->st.drop_invalid++;
		frame_put(&sw->umem, addr);
		return;
	}
	/* Frames from a namespace carry CHECKSUM_PARTIAL; nobody downstream
	 * would finish it, so finish it here, once, for every port. */
	if (p.l4_off)
		sw->st.csum_fixed += (uint64_t)pkt_csum_complete(&p);
	/* Before gw_handle, which turns a request into its reply in place:
	 * the frames the gateway consumes (a next hop's ARP reply) teach the
	 * FDB where that host is, as well as the gateway's ARP table. */
	/* The gateway's MAC is the switch's own: learned on a port, the fast
	 * path would send every namespace's traffic for the gateway there
	 * (the bridge does not learn over its own address either). */
	if (sw->cfg.has_gw && !memcmp(p.src, sw->cfg.gw.mac, 6))
		sw->st.src_gw_mac++;
	else if (!(p.src[0] & 1) && (sw->cfg.fast_path ? fast_learn(sw, p.src, in) :
				    fdb_learn(sw->fdb, p.src, in->idx, sw->now)) == -ENOSPC)
		fdb_refused(sw, in, p.src);
	if (sw->cfg.has_gw) {
		route_learn(sw, &p);
		switch (gw_handle(&sw->cfg.gw, &p, room, &reply, &sw->gwst)) {
		case GW_REPLY:
			port_tx_stage(in, &sw->umem, addr, reply);
			return;
		case GW_CONSUMED:
			frame_put(&sw->umem, addr);
			return;
		case GW_NOT_MINE:
			break;
		}
		/* Sent to the gateway for another address: route it if it is
		 * IPv4 off the subnet and the gateway has routes (static ones,
		 * or the uplink), else drop it; a frame for the gateway's MAC
		 * is never flooded. */
		if (!memcmp(p.dst, sw->cfg.gw.mac, 6)) {
			if ((sw->nat || sw->cfg.nroutes) && p.ethertype == 0x0800 && p.l3_off &&
			    !routes_inside(sw, p.data + p.l3_off + 16)) {
				route_out(sw, in, addr, &p);
				return;
			}
			sw->st.gw_unrouted++;
			frame_put(&sw->umem, addr);
			return;
		}
	}
	if (p.dst[0] & 1) {
		switch_flood(sw, in, addr, len);
		return;
	}
	out = fdb_lookup(sw->fdb, p.dst, sw->now);
	if (out == FDB_PORT_NONE || out >= sw->nl2) {
		sw->st.flood_unknown++;
		switch_flood(sw, in, addr, len);
		return;
	}
	if (out == in->idx) {
		in->st.drop_hairpin++;
		frame_put(&sw->umem, addr);
		return;
	}
	sw->st.forwarded++;
	port_tx_stage(&sw->ports[out], &sw->umem, addr, len);
}

static uint32_t port_rx(struct sw *sw, struct port *p)
{
	uint32_t idx, n, i;

	n = xsk_ring_cons__peek(&p->rx, BATCH, &idx);
	if (!n)
		return 0;
	p->in_fill -= n;
	for (i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&p->rx, idx + i);

		if (p->idx == sw->nl2)
			route_in(sw, d->addr, d->len);
		else
			switch_frame(sw, p, d->addr, d->len);
	}
	xsk_ring_cons__release(&p->rx, n);
	return n;
}

uint32_t switch_poll_ports(struct sw *sw)
{
	uint32_t seen = 0;
	int i;

	sw->now = now_ns();
	for (i = 0; i < sw->nports; i++)
		seen += port_rx(sw, &sw->ports[i]);
	/* Give the kernel buffers back before transmitting: in copy mode the
	 * transmit runs inside sendto(), and RX must not starve meanwhile. */
	for (i = 0; i < sw->nports; i++) {
		struct port *p = &sw->ports[i];

		port_reap(p, &sw->umem);
		port_refill(p, &sw->umem);
		if (p->in_fill == 0)
			sw->st.no_frame++;
	}
	for (i = 0; i < sw->nports; i++)
		port_tx_flush(&sw->ports[i], &sw->umem);
	return seen;
}

/* poll() with need_wakeup: a busy-polling thread on two cores starves
 * the very namespaces it serves. Spin a little after traffic, since a
 * burst usually has a follower, then sleep in poll(). */
#define SPIN_LOOPS 64
#define IDLE_MS 200

int switch_run(struct sw *sw, volatile int *stop)
{
	struct pollfd pfd[SW_PORTS_MAX + 2]; /* the ports, the uplink, the control socket */
	uint64_t last_age = now_ns();
	int i, n = sw->nports, spin = 0;

	/* Every program is loaded: start their clock (bpf/hit_clock.h). */
	fast_clock_set(sw, fast_second(sw, last_age));
	for (i = 0; i < n; i++)
		pfd[i] = (struct pollfd){ .fd = sw->ports[i].fd, .events = POLLIN };
	pfd[n] = (struct pollfd){ .fd = sw->ctl_fd, .events = POLLIN };
	while (!*stop) {
		bool kick = false;
		int timeout;

		for (i = 0; i < n; i++)
			kick |= sw->ports[i].need_kick;
		/* Frames waiting for ARP are re-checked every 2 ms. */
		timeout = kick || spin ? 0 : sw->rt.nheld ? 2 : IDLE_MS;
		if (poll(pfd, (nfds_t)n + (sw->ctl_fd >= 0), timeout) < 0 && errno != EINTR)
			return -errno;
		sw->st.loops++;
		if (switch_poll_ports(sw))
			spin = SPIN_LOOPS;
		else if (spin)
			spin--;
		if (sw->ctl_fd >= 0 && (pfd[n].revents & POLLIN))
			ctl_serve(sw);
		route_tick(sw);
		if (sw->now - last_age >= 1000000000ull) {
			if (sw->cfg.fast_path)
				fast_age(sw);
			else
				fdb_age(sw->fdb, sw->now);
			if (sw->nat)
				nat_expire(sw->nat, sw->now);
			if (sw->cfg.fast_nat) {
				nat_fast_follow(sw);
				route_nexthops_check(sw);
			}
			last_age = sw->now;
		}
	}
	return 0;
}
