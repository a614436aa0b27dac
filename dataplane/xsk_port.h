/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_XSK_PORT_H
#define NSFAST_XSK_PORT_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <xdp/xsk.h>

/* One UMEM shared by every port of a switch: a frame received on one
 * port is transmitted on another from the same buffer, never copied in
 * userspace (veth only binds in copy mode, so the kernel already copies
 * twice). A flooded frame is referenced by several TX rings at once. */

#define FRAME_SIZE XSK_UMEM__DEFAULT_FRAME_SIZE
#define RING_SIZE 2048
#define FILL_TARGET 1024 /* frames parked in each port's fill ring */
#define UMEM_FRAMES_MAX 65536 /* afxdp: every frame goes through the UMEM */
#define UMEM_FRAMES_SLOW_PATH 16384 /* xdp, tc: only what the fast path sends up */
#define BATCH 256
#define TXQ_MAX 256
/* A frame of several buffers (XDP_USE_SG): at most the kernel's
 * MAX_SKB_FRAGS + 1 descriptors; 3 for a 9000-byte MTU. */
#define SEG_MAX 18

/* Linux 6.6 uapi, missing from Debian 12's 6.1 headers. */
#ifndef XDP_USE_SG
#define XDP_USE_SG (1 << 4)
#endif
#ifndef XDP_PKT_CONTD
#define XDP_PKT_CONTD (1 << 0)
#endif

struct umem {
	void *area;
	uint64_t size;
	struct xsk_umem *xu;
	struct xsk_ring_prod fill0; /* rings created with the UMEM: port 0's */
	struct xsk_ring_cons comp0;
	uint32_t nframes;
	uint32_t fill_target; /* frames each port parks in its fill ring */
	uint64_t *free; /* stack of free chunk addresses */
	uint32_t nfree;
	uint16_t *refs; /* per chunk: TX rings still holding it */
};

struct port_stats {
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	uint64_t drop_invalid; /* could not be parsed */
	uint64_t drop_tx_full; /* no room in the TX ring */
	uint64_t drop_hairpin; /* destination is the ingress port */
	uint64_t kick_again; /* sendto asked to be called again */
	uint64_t rx_multibuf; /* frames of several buffers received */
};

struct port {
	char name[IFNAMSIZ];
	int ifindex; /* the socket's device */
	int fast_ifindex; /* the device the fast path sees its frames on */
	uint16_t idx;
	struct xsk_socket *xsk;
	int fd;
	struct xsk_ring_cons rx;
	struct xsk_ring_prod tx;
	struct xsk_ring_prod fill_own;
	struct xsk_ring_cons comp_own;
	struct xsk_ring_prod *fill;
	struct xsk_ring_cons *comp;
	uint32_t in_fill; /* frames the kernel holds for RX */
	bool need_kick;
	uint32_t ntxq;
	struct xdp_desc txq[TXQ_MAX]; /* staged for the next flush */
	/* The buffers of a frame received so far: a ring peek may end
	 * inside a frame. seg_bad: it had too many, drop up to its end. */
	struct xdp_desc seg[SEG_MAX];
	uint32_t nseg;
	bool seg_bad;
	struct port_stats st;
};

int umem_init(struct umem *u, uint32_t nframes, uint32_t nports);
void umem_fini(struct umem *u);

static inline uint64_t umem_chunk(uint64_t addr)
{
	return addr & ~((uint64_t)FRAME_SIZE - 1);
}

/* A free chunk, with one reference; the caller checked u->nfree. */
static inline uint64_t frame_take(struct umem *u)
{
	uint64_t chunk = u->free[--u->nfree];

	u->refs[chunk / FRAME_SIZE] = 1;
	return chunk;
}

/* Drop one reference; the chunk is free again at zero. */
static inline void frame_put(struct umem *u, uint64_t addr)
{
	uint64_t chunk = umem_chunk(addr);
	uint32_t i = (uint32_t)(chunk / FRAME_SIZE);

	if (u->refs[i] > 1) {
		u->refs[i]--;
		return;
	}
	u->refs[i] = 0;
	u->free[u->nfree++] = chunk;
}

/* The kernel's own counters for the socket (drops before we see a frame). */
void port_xdp_stats(const struct port *p, struct xdp_statistics *xs);
/* sg: take and send frames of several buffers (XDP_USE_SG). */
int port_open(struct port *p, struct umem *u, const char *ifname, uint16_t idx, bool sg);
void port_close(struct port *p);
/* Move staged TX descriptors to the ring and kick the kernel; a frame of
 * several buffers goes whole or not at all. */
void port_tx_flush(struct port *p, struct umem *u);
/* Return completed TX frames to the pool. */
void port_reap(struct port *p, struct umem *u);
/* Top the fill ring up to the UMEM's fill_target from the pool. */
void port_refill(struct port *p, struct umem *u);

/* A frame of n buffers (n <= SEG_MAX), staged in one flush. */
static inline void port_tx_stage_segs(struct port *p, struct umem *u, const struct xdp_desc *seg,
				      uint32_t n)
{
	uint32_t i;

	if (p->ntxq + n > TXQ_MAX)
		port_tx_flush(p, u);
	for (i = 0; i < n; i++) {
		p->txq[p->ntxq].addr = seg[i].addr;
		p->txq[p->ntxq].len = seg[i].len;
		p->txq[p->ntxq].options = i + 1 < n ? XDP_PKT_CONTD : 0;
		p->ntxq++;
	}
}

static inline void port_tx_stage(struct port *p, struct umem *u, uint64_t addr, uint32_t len)
{
	struct xdp_desc d = { .addr = addr, .len = len, .options = 0 };

	port_tx_stage_segs(p, u, &d, 1);
}

#endif
