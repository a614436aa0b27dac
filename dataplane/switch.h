/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_SWITCH_H
#define NSFAST_SWITCH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../control/nl.h"
#include "fast_path.h"
#include "fdb.h"
#include "gateway.h"
#include "nat_fast.h"
#include "route.h"
#include "xsk_port.h"

#define SW_PORTS_MAX 256

struct sw_cfg {
	char lab[16];
	char name[16];
	char sock_path[128];
	/* Where the NAT's connections go when it stops, and come from when
	 * it starts (nat_keep.c); empty: neither. */
	char keep_path[128];
	uint64_t ageing_ns;
	uint32_t fdb_size;
	uint32_t fdb_per_port;
	bool has_gw;
	struct gw gw;
	/* SNAT to an uplink (no uplink: empty name) */
	char uplink[IFNAMSIZ];
	uint16_t nat_port_min, nat_port_max;
	uint32_t nat_table;
	uint64_t nat_timeout_udp_ns, nat_timeout_icmp_ns, nat_timeout_tcp_ns;
	bool has_uplink_gw;
	uint8_t uplink_gw[4];
	/* The gateway's static routes: the host's routes via the subnet */
	struct rt_route routes[RT_ROUTES_MAX];
	int nroutes;
	char ports[SW_PORTS_MAX][IFNAMSIZ];
	int nports;
	int ready_fd; /* -1: not started by nsfast up */
	bool fast_path; /* dataplane xdp: learned unicast forwarded in XDP */
	bool fast_nat; /* and established NAT connections too */
	bool tc_path; /* dataplane tc: the fast path is tc_steer, at the skb level */
	char slow[SW_PORTS_MAX][2][IFNAMSIZ]; /* tc: each port's slow-path pair */
	bool host_port[SW_PORTS_MAX]; /* tc: the port's peer is in our namespace */
	char upslow[2][IFNAMSIZ]; /* tc: the uplink's slow-path pair */
};

struct sw_stats {
	uint64_t forwarded; /* unicast to a learned port */
	uint64_t flooded; /* frames flooded (unknown, broadcast, multicast) */
	uint64_t flood_unknown; /* of which unicast to an unlearned MAC */
	uint64_t flood_copies; /* TX descriptors those floods took */
	uint64_t csum_fixed; /* partial checksums completed */
	uint64_t no_frame; /* pool empty: RX could not be refilled */
	uint64_t gw_unrouted; /* to the gateway's MAC, not its address: no routing yet */
	uint64_t src_gw_mac; /* from the gateway's own MAC: not learned */
	uint64_t source_routed; /* IPv4 with LSRR or SSRR, for the gateway or the NAT: dropped */
	uint64_t multibuf_unrouted; /* several buffers, for the gateway, not answered */
	uint64_t loops; /* poll loop iterations */
};

struct xsk_steer;
struct tc_steer;
struct uplink_steer;
struct bpf_link;
struct nat;

struct sw {
	struct sw_cfg cfg;
	struct umem umem;
	struct port *ports; /* the L2 ports, then the uplink if any */
	int nports;
	int nl2; /* L2 ports: flooded to and learned on */
	struct fdb *fdb;
	struct gw_stats gwst;
	struct sw_stats st;
	struct xsk_steer *skel;
	struct bpf_link **links;
	int ctl_fd;
	int ctl_client; /* accepted, not yet answered in full; -1: none */
	uint64_t ctl_deadline; /* when that client is dropped */
	char *ctl_ans; /* its answer, sent up to ctl_off; NULL: it has not asked yet */
	size_t ctl_off, ctl_len;
	dev_t ctl_dev; /* the socket file it bound, to unlink only that */
	ino_t ctl_ino;
	uint64_t now; /* CLOCK_MONOTONIC ns, once per loop */
	uint64_t fdb_logged; /* when a refused learn was last logged */
	uint64_t started;
	/* SNAT */
	struct nat *nat;
	struct gw_reasm *reasm; /* an IPv4 gateway's fragments to itself (gw_big.h) */
	struct rt rt;
	struct uplink_steer *up_skel;
	struct bpf_link *up_link;
	int up_ifindex;
	uint8_t up_ip[4], up_mac[6];
	int up_plen;
	uint32_t up_mtu; /* 0: unknown */
	uint32_t l2_mtu; /* the smallest port's; 0: unknown */
	uint16_t port_mtu[SW_PORTS_MAX]; /* each L2 port's (cfg.ports); 0: unknown */
	struct nl nl; /* the kernel's neighbour table */
	/* dataplane xdp */
	struct fast_stats fst;
	struct nat_fast_stats nfst;
	uint64_t *fast_keys;
	struct fdb_val *fast_vals; /* fast_age's walk */
	uint32_t hit_second; /* the programs' clock (bpf/hit_clock.h) */
	/* dataplane tc */
	struct tc_steer *tc_skel;
	int *tc_links; /* two per port, -1: none */
	/* A port's MTU is above 3506: the programs take fragments and the
	 * sockets frames of several buffers, parsed in gather. */
	bool multibuf;
	bool keep_on_stop; /* stopped as asked: the NAT's connections go to keep_path */
	uint8_t gather[SEG_MAX * FRAME_SIZE];
};

uint64_t now_ns(void);
/* Where a frame userspace forwards to mac goes: the FDB's port at
 * sw->now. With the fast path on, the FDB learns of its traffic only
 * once a second: without a look at the marks, a host that talks only
 * through it would be flooded to for up to a second after expiry. */
static inline uint16_t switch_fdb_lookup(struct sw *sw, const uint8_t mac[6])
{
	uint16_t out = fdb_lookup(sw->fdb, mac, sw->now);

	return out == FDB_PORT_NONE && sw->cfg.fast_path ? fast_lookup_expired(sw, mac) : out;
}
/* Send to every L2 port but in (NULL: all of them). */
void switch_flood(struct sw *sw, struct port *in, uint64_t addr, uint32_t len);
/* Everything one received frame goes through; no allocation. */
void switch_frame(struct sw *sw, struct port *in, uint64_t addr, uint32_t len);
/* The same for a frame received in n buffers (XDP_USE_SG). */
void switch_segs(struct sw *sw, struct port *in, const struct xdp_desc *seg, uint32_t n);
/* Receive, switch and transmit once on every port. Returns frames seen. */
uint32_t switch_poll_ports(struct sw *sw);
int switch_run(struct sw *sw, volatile int *stop);

/* The control socket (ctl_socket.c): bound at cfg.sock_path (setup
 * first asks ctl_answered whether another daemon answers there);
 * unlinked at close only while it is still this one's. */
int ctl_open(struct sw *sw);
void ctl_close(struct sw *sw);
bool ctl_answered(const char *path);
void ctl_serve(struct sw *sw);
void ctl_tick(struct sw *sw);
/* The answer to one request (ctl.c), malloc'd, *len long. */
char *ctl_answer(struct sw *sw, const char *req, size_t *len);


#endif
