/* SPDX-License-Identifier: MIT */
/* The per-frame path and the poll loop of the AF_XDP switch. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include "gw_big.h"
#include "nat.h"
#include "pkt.h"
#include "switch.h"

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void segs_put(struct sw *sw, const struct xdp_desc *seg, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		frame_put(&sw->umem, seg[i].addr);
}

/* A frame in n buffers to every L2 port but in (NULL: all of them): each
 * buffer gets one reference per TX ring that will carry it. */
static void switch_flood_segs(struct sw *sw, struct port *in, const struct xdp_desc *seg,
			      uint32_t n)
{
	int i, copies = sw->nl2 - (in ? 1 : 0);
	uint32_t j;

	if (copies <= 0) {
		segs_put(sw, seg, n);
		return;
	}
	for (j = 0; j < n; j++)
		sw->umem.refs[umem_chunk(seg[j].addr) / FRAME_SIZE] = (uint16_t)copies;
	for (i = 0; i < sw->nl2; i++)
		if (&sw->ports[i] != in)
			port_tx_stage_segs(&sw->ports[i], &sw->umem, seg, n);
	sw->st.flooded++;
	sw->st.flood_copies += (uint64_t)copies;
}

void switch_flood(struct sw *sw, struct port *in, uint64_t addr, uint32_t len)
{
	struct xdp_desc d = { .addr = addr, .len = len, .options = 0 };

	switch_flood_segs(sw, in, &d, 1);
}

static bool routes_inside(const struct sw *sw, const uint8_t *dst)
{
	int plen = sw->cfg.gw.v4_plen, i;

	for (i = 0; i < 4; i++, plen -= 8) {
		uint8_t mask = plen >= 8 ? 0xff : plen <= 0 ? 0 : (uint8_t)(0xff << (8 - plen));

		if ((dst[i] & mask) != (sw->cfg.gw.v4[i] & mask))
			return false;
	}
	return true;
}

/* A frame for the gateway's MAC that the gateway routes: IPv4 off the
 * subnet, on a switch with routes (static ones, or the uplink). */
static bool gw_routes(const struct sw *sw, const struct pkt *p)
{
	return (sw->nat || sw->cfg.nroutes) && p->ethertype == 0x0800 && p->l3_off &&
	       !routes_inside(sw, p->data + p->l3_off + 16);
}

/* IPv4 for the gateway's MAC to the uplink's own address: a namespace
 * pinging the address the kernel dataplane's host would answer. Not
 * routed: the NAT would send it out to the uplink's own address, and
 * wait for that address to answer ARP, in vain. */
static bool to_uplink_addr(const struct sw *sw, const struct pkt *p)
{
	return sw->nat && p->ethertype == 0x0800 && p->l3_off &&
	       (uint32_t)p->l3_off + 20 <= p->len && !memcmp(p->data + p->l3_off + 16, sw->up_ip, 4);
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

/* Learn the source MAC of a frame received on in. */
static void switch_learn(struct sw *sw, struct port *in, const struct pkt *p)
{
	/* The gateway's MAC is the switch's own: learned on a port, the fast
	 * path would send every namespace's traffic for the gateway there
	 * (the bridge does not learn over its own address either). */
	if (sw->cfg.has_gw && !memcmp(p->src, sw->cfg.gw.mac, 6))
		sw->st.src_gw_mac++;
	else if (!(p->src[0] & 1) && (sw->cfg.fast_path ? fast_learn(sw, p->src, in) :
				     fdb_learn(sw->fdb, p->src, in->idx, sw->now)) == -ENOSPC)
		fdb_refused(sw, in, p->src);
}

/* IPv4 for the gateway's MAC that it takes neither as a host nor as a
 * router, as Linux's ip_rcv: a header checksum that fails, or malformed
 * options (gw_bad), and a source route (source_routed; Linux, with
 * accept_source_route 0, neither routes nor answers it, and answering or
 * routing it as if the route were not there would send it where its
 * sender did not ask). Otherwise its ARP table would learn the corrupt
 * source, and it would answer it, or route, cut and translate the
 * packet with a fresh, valid checksum (or with options no router past it
 * can read). Dropped first, and counted here: no checksum completed, no
 * MAC learned. */
static bool gw_hdr_refused(struct sw *sw, const struct pkt *p)
{
	const uint8_t *ip = p->data + p->l3_off;
	enum ipv4_opts opts;

	if (!sw->cfg.has_gw || p->ethertype != 0x0800 || !p->l3_off ||
	    memcmp(p->dst, sw->cfg.gw.mac, 6))
		return false;
	opts = ipv4_options(ip);
	if (!ipv4_hdr_ok(ip) || opts == IPV4_OPTS_BAD)
		sw->gwst.bad++;
	else if (opts == IPV4_OPTS_SOURCE_ROUTED)
		sw->st.source_routed++;
	else
		return false;
	return true;
}

enum { L2_FLOOD = -1, L2_DROP = -2 };

/* Where the L2 switch sends a frame from in: a port index, or flood, or
 * drop (a hairpin). */
static int switch_l2_out(struct sw *sw, struct port *in, const struct pkt *p)
{
	uint16_t out;

	if (p->dst[0] & 1)
		return L2_FLOOD;
	out = switch_fdb_lookup(sw, p->dst);
	if (out == FDB_PORT_NONE || out >= sw->nl2) {
		sw->st.flood_unknown++;
		return L2_FLOOD;
	}
	if (out == in->idx) {
		in->st.drop_hairpin++;
		return L2_DROP;
	}
	sw->st.forwarded++;
	return out;
}

void switch_frame(struct sw *sw, struct port *in, uint64_t addr, uint32_t len)
{
	uint8_t *data = xsk_umem__get_data(sw->umem.area, addr);
	uint32_t room = FRAME_SIZE - (uint32_t)(addr - umem_chunk(addr)), reply;
	enum pkt_verdict v;
	struct pkt p;
	int out;

	in->st.rx_packets++;
	in->st.rx_bytes += len;
	v = len > room ? PKT_RUNT : pkt_parse(data, len, &p);
	/* An L4 header cut short is the gateway's to count (gw_bad) when it
	 * is for one of its addresses; no one else takes it. */
	if (v != PKT_OK && !(v == PKT_BAD_L4 && sw->cfg.has_gw && !memcmp(p.dst, sw->cfg.gw.mac, 6))) {
		in->st.drop_invalid++;
		frame_put(&sw->umem, addr);
		return;
	}
	if (gw_hdr_refused(sw, &p)) {
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
	switch_learn(sw, in, &p);
	if (sw->cfg.has_gw) {
		route_learn(sw, &p);
		if (p.is_frag && gw_big_mine(sw, &p)) {
			gw_big_fragment(sw, in, &p);
			frame_put(&sw->umem, addr);
			return;
		}
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
			/* Answered as the gateway's own address is (gw_handle):
			 * an echo request from the uplink's address; anything else
			 * dropped, counted in gw_unanswered, no NAT connection. */
			if (to_uplink_addr(sw, &p)) {
				if (gw_ipv4_for(&sw->cfg.gw, sw->up_ip, &p, room, &reply,
						&sw->gwst) == GW_REPLY)
					port_tx_stage(in, &sw->umem, addr, reply);
				else
					frame_put(&sw->umem, addr);
				return;
			}
			if (v != PKT_OK) { /* not to be routed cut short */
				in->st.drop_invalid++;
				frame_put(&sw->umem, addr);
				return;
			}
			if (gw_routes(sw, &p)) {
				route_out(sw, in, addr, &p);
				return;
			}
			sw->st.gw_unrouted++;
			frame_put(&sw->umem, addr);
			return;
		}
	}
	out = switch_l2_out(sw, in, &p);
	if (out == L2_FLOOD)
		switch_flood(sw, in, addr, len);
	else if (out == L2_DROP)
		frame_put(&sw->umem, addr);
	else
		port_tx_stage(&sw->ports[out], &sw->umem, addr, len);
}

/* Write len bytes at offset off of a frame held in n buffers. */
static void segs_write(struct sw *sw, const struct xdp_desc *seg, uint32_t n, uint32_t off,
		       const uint8_t *src, uint32_t len)
{
	uint32_t i, k;

	for (i = 0; i < n && len; i++) {
		if (off >= seg[i].len) {
			off -= seg[i].len;
			continue;
		}
		k = seg[i].len - off < len ? seg[i].len - off : len;
		memcpy((uint8_t *)xsk_umem__get_data(sw->umem.area, seg[i].addr) + off, src, k);
		src += k;
		len -= k;
		off = 0;
	}
}

void switch_segs(struct sw *sw, struct port *in, const struct xdp_desc *seg, uint32_t n)
{
	uint32_t total = 0, i, room;
	struct pkt p;
	int out;

	for (i = 0; i < n; i++)
		total += seg[i].len;
	in->st.rx_packets++;
	in->st.rx_bytes += total;
	in->st.rx_multibuf++;
	/* Parsed, and its checksum completed, in one contiguous copy: the
	 * parser's bounds checks then hold as for any frame. Jumbo frames
	 * only come this way, so the copy is small next to the kernel's. */
	total = 0;
	for (i = 0; i < n; i++) {
		room = FRAME_SIZE - (uint32_t)(seg[i].addr - umem_chunk(seg[i].addr));
		if (seg[i].len > room || seg[i].len > sizeof(sw->gather) - total)
			goto drop_invalid;
		memcpy(sw->gather + total, xsk_umem__get_data(sw->umem.area, seg[i].addr),
		       seg[i].len);
		total += seg[i].len;
	}
	if (pkt_parse(sw->gather, total, &p) != PKT_OK)
		goto drop_invalid;
	if (gw_hdr_refused(sw, &p)) {
		segs_put(sw, seg, n);
		return;
	}
	if (p.l4_off && pkt_csum_complete(&p)) {
		uint32_t off = p.l4_off + (p.l4_proto == IPPROTO_TCP ? 16 : 6);

		sw->st.csum_fixed++;
		segs_write(sw, seg, n, off, sw->gather + off, 2);
	}
	/* The uplink's program takes one buffer: never from there. */
	if (in->idx >= sw->nl2) {
		sw->st.multibuf_unrouted++;
		segs_put(sw, seg, n);
		return;
	}
	switch_learn(sw, in, &p);
	/* The gateway routes frames of one buffer: one of several for its
	 * MAC is larger than anything it routes, and is answered as such
	 * (fragmentation needed, or time exceeded) from the first buffer,
	 * which holds the headers, or cut into fragments from the copy; one
	 * for its own address is an echo request it answers from the copy,
	 * or a fragment of one; the rest is dropped and counted. ARP and
	 * neighbour discovery never come in several buffers. */
	if (sw->cfg.has_gw) {
		route_learn(sw, &p);
		if (gw_big_mine(sw, &p)) {
			if (p.is_frag)
				gw_big_fragment(sw, in, &p);
			else
				gw_big_frame(sw, in, sw->gather, total);
			segs_put(sw, seg, n);
			return;
		}
		if (!memcmp(p.dst, sw->cfg.gw.mac, 6)) {
			struct pkt head = p;

			/* Not answered from several buffers (only the gateway's
			 * own address is, gw_big.c): dropped as in switch_frame. */
			if (to_uplink_addr(sw, &p)) {
				sw->gwst.unanswered++;
				segs_put(sw, seg, n);
				return;
			}

			head.data = xsk_umem__get_data(sw->umem.area, seg[0].addr);
			head.len = seg[0].len;
			if (gw_routes(sw, &p) &&
			    route_out_big(sw, in, seg[0].addr, &head, total, sw->gather) == 0) {
				segs_put(sw, seg + 1, n - 1);
				return;
			}
			sw->st.multibuf_unrouted++;
			segs_put(sw, seg, n);
			return;
		}
	}
	out = switch_l2_out(sw, in, &p);
	if (out == L2_FLOOD)
		switch_flood_segs(sw, in, seg, n);
	else if (out == L2_DROP)
		segs_put(sw, seg, n);
	else
		port_tx_stage_segs(&sw->ports[out], &sw->umem, seg, n);
	return;
drop_invalid:
	in->st.drop_invalid++;
	segs_put(sw, seg, n);
}

/* A frame of several buffers: collect them up to the last, which has no
 * XDP_PKT_CONTD. */
static void port_rx_seg(struct sw *sw, struct port *p, const struct xdp_desc *d)
{
	if (p->nseg == SEG_MAX) {
		/* More than the kernel makes: drop the frame, to its end. */
		segs_put(sw, p->seg, p->nseg);
		p->nseg = 0;
		p->seg_bad = true;
		p->st.rx_packets++;
		p->st.drop_invalid++;
	}
	if (p->seg_bad) {
		frame_put(&sw->umem, d->addr);
	} else {
		p->seg[p->nseg++] = *d;
	}
	if (d->options & XDP_PKT_CONTD)
		return;
	if (!p->seg_bad)
		switch_segs(sw, p, p->seg, p->nseg);
	p->nseg = 0;
	p->seg_bad = false;
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

		if (p->nseg || p->seg_bad || (d->options & XDP_PKT_CONTD))
			port_rx_seg(sw, p, d);
		else if (p->idx == sw->nl2)
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
	sw->ctl_client = -1;
	while (!*stop) {
		bool kick = false;
		int timeout;

		/* The control socket, or the client it waits to hear from,
		 * or to have room for more of its answer. */
		pfd[n] = (struct pollfd){ .fd = sw->ctl_client >= 0 ? sw->ctl_client : sw->ctl_fd,
					  .events = sw->ctl_ans ? POLLOUT : POLLIN };

		for (i = 0; i < n; i++)
			kick |= sw->ports[i].need_kick;
		/* Frames waiting for ARP are re-checked every 2 ms. */
		timeout = kick || spin ? 0 : sw->rt.nheld ? 2 : IDLE_MS;
		/* A client is dropped at its deadline, not up to IDLE_MS late. */
		if (sw->ctl_client >= 0 && timeout > 10)
			timeout = 10;
		if (poll(pfd, (nfds_t)n + (sw->ctl_fd >= 0), timeout) < 0 && errno != EINTR)
			return -errno;
		sw->st.loops++;
		if (switch_poll_ports(sw))
			spin = SPIN_LOOPS;
		else if (spin)
			spin--;
		if (sw->ctl_fd >= 0 && (pfd[n].revents & (POLLIN | POLLOUT | POLLHUP | POLLERR)))
			ctl_serve(sw);
		ctl_tick(sw);
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
