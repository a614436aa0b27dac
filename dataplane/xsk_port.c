/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xsk_port.h"

/* Linux 6.x: let one sendto() turn more than the default 32 descriptors
 * into skbs (Debian's 6.1 headers lack the name). */
#ifndef XDP_MAX_TX_SKB_BUDGET
#define XDP_MAX_TX_SKB_BUDGET 9
#endif

int umem_init(struct umem *u, uint32_t nframes, uint32_t nports)
{
	struct xsk_umem_config cfg = {
		.fill_size = RING_SIZE,
		.comp_size = RING_SIZE,
		.frame_size = FRAME_SIZE,
		.frame_headroom = 0,
		.flags = 0,
	};
	uint32_t i;
	int err;

	memset(u, 0, sizeof(*u));
	u->nframes = nframes;
	/* Half the pool parked in fill rings at most, the rest for frames in
	 * flight: with a capped pool and many ports, FILL_TARGET each would
	 * let the first ports take every frame and leave the others none. */
	u->fill_target = nports ? nframes / 2 / nports : FILL_TARGET;
	if (u->fill_target > FILL_TARGET)
		u->fill_target = FILL_TARGET;
	u->size = (uint64_t)nframes * FRAME_SIZE;
	u->area = mmap(NULL, u->size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (u->area == MAP_FAILED) {
		u->area = NULL;
		return -errno;
	}
	u->free = calloc(nframes, sizeof(*u->free));
	u->refs = calloc(nframes, sizeof(*u->refs));
	if (!u->free || !u->refs) {
		err = -ENOMEM;
		goto out_err;
	}
	err = xsk_umem__create(&u->xu, u->area, u->size, &u->fill0, &u->comp0, &cfg);
	if (err)
		goto out_err;
	/* Highest addresses first so the stack hands out low ones first. */
	for (i = 0; i < nframes; i++)
		u->free[i] = (uint64_t)(nframes - 1 - i) * FRAME_SIZE;
	u->nfree = nframes;
	return 0;
out_err:
	umem_fini(u);
	return err;
}

void umem_fini(struct umem *u)
{
	if (u->xu)
		xsk_umem__delete(u->xu);
	if (u->area)
		munmap(u->area, u->size);
	free(u->free);
	free(u->refs);
	memset(u, 0, sizeof(*u));
}

int port_open(struct port *p, struct umem *u, const char *ifname, uint16_t idx, bool sg)
{
	struct xsk_socket_config cfg = {
		.rx_size = RING_SIZE,
		.tx_size = RING_SIZE,
		/* We load our own program: libxdp's dispatcher cannot work on
		 * kernels that refuse BPF trampolines (see README). */
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = XDP_COPY | XDP_USE_NEED_WAKEUP,
	};
	int budget = 256, err;

	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", ifname);
	p->idx = idx;
	if (sg)
		cfg.bind_flags |= XDP_USE_SG;
	p->fd = -1;
	p->ifindex = (int)if_nametoindex(ifname);
	if (!p->ifindex)
		return -errno;
	p->fast_ifindex = p->ifindex;
	/* The first socket uses the rings made with the UMEM; every other
	 * port is another device and needs its own fill/completion pair. */
	p->fill = idx == 0 ? &u->fill0 : &p->fill_own;
	p->comp = idx == 0 ? &u->comp0 : &p->comp_own;
	/* A daemon that just exited (up restarting it) releases its sockets
	 * asynchronously: the queue stays busy for a moment. */
	for (int tries = 0;; tries++) {
		err = xsk_socket__create_shared(&p->xsk, ifname, 0, u->xu, &p->rx, &p->tx,
						p->fill, p->comp, &cfg);
		if (err != -EBUSY || tries == 40)
			break;
		usleep(50000);
	}
	if (err) {
		p->xsk = NULL;
		return err;
	}
	p->fd = xsk_socket__fd(p->xsk);
	setsockopt(p->fd, SOL_XDP, XDP_MAX_TX_SKB_BUDGET, &budget, sizeof(budget));
	port_refill(p, u);
	return 0;
}

void port_xdp_stats(const struct port *p, struct xdp_statistics *xs)
{
	socklen_t len = sizeof(*xs);

	memset(xs, 0, sizeof(*xs));
	if (p->fd >= 0)
		getsockopt(p->fd, SOL_XDP, XDP_STATISTICS, xs, &len);
}

void port_close(struct port *p)
{
	if (p->xsk)
		xsk_socket__delete(p->xsk);
	p->xsk = NULL;
	p->fd = -1;
}

void port_refill(struct port *p, struct umem *u)
{
	uint32_t want, idx, i;

	if (p->in_fill >= u->fill_target || !u->nfree)
		return;
	want = u->fill_target - p->in_fill;
	if (want > u->nfree)
		want = u->nfree;
	want = xsk_prod_nb_free(p->fill, want) < want ? xsk_prod_nb_free(p->fill, want) : want;
	if (!want || xsk_ring_prod__reserve(p->fill, want, &idx) != want)
		return;
	for (i = 0; i < want; i++) {
		*xsk_ring_prod__fill_addr(p->fill, idx + i) = frame_take(u);
	}
	xsk_ring_prod__submit(p->fill, want);
	p->in_fill += want;
}

void port_reap(struct port *p, struct umem *u)
{
	uint32_t idx, n, i;

	n = xsk_ring_cons__peek(p->comp, RING_SIZE, &idx);
	for (i = 0; i < n; i++)
		frame_put(u, *xsk_ring_cons__comp_addr(p->comp, idx + i));
	if (n)
		xsk_ring_cons__release(p->comp, n);
}

void port_tx_flush(struct port *p, struct umem *u)
{
	uint32_t n = p->ntxq, room, idx, i;

	if (!n)
		goto kick;
	room = xsk_prod_nb_free(&p->tx, n);
	if (room > n)
		room = n;
	/* Half a frame in the ring would take the next frame's buffers
	 * as its own: end at a frame's last buffer. */
	while (room && (p->txq[room - 1].options & XDP_PKT_CONTD))
		room--;
	if (room && xsk_ring_prod__reserve(&p->tx, room, &idx) == room) {
		for (i = 0; i < room; i++) {
			*xsk_ring_prod__tx_desc(&p->tx, idx + i) = p->txq[i];
			p->st.tx_bytes += p->txq[i].len;
			p->st.tx_packets += !(p->txq[i].options & XDP_PKT_CONTD);
		}
		xsk_ring_prod__submit(&p->tx, room);
	} else {
		room = 0;
	}
	for (i = room; i < n; i++) {
		p->st.drop_tx_full += !(p->txq[i].options & XDP_PKT_CONTD);
		frame_put(u, p->txq[i].addr);
	}
	p->ntxq = 0;
	p->need_kick = true;
kick:
	/* Copy mode transmits inside sendto(); it stops after its budget
	 * and says EAGAIN/EBUSY: call again on the next loop. */
	if (p->need_kick) {
		p->need_kick = false;
		if (sendto(p->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0 &&
		    (errno == EAGAIN || errno == EBUSY || errno == ENOBUFS)) {
			p->need_kick = true;
			p->st.kick_again++;
		}
	}
}
