/* SPDX-License-Identifier: MIT */
/* The AF_XDP switch without sockets, for tests/unit/test_switch.c and the
 * fuzzers that drive dataplane/switch.c (tests/fuzz/fuzz_nat.c,
 * fuzz_segs.c): a struct sw on a UMEM of plain memory, its ports with no
 * socket behind them, and the kernel's neighbour table on the uplink
 * answering with a MAC made from the address (or not at all).
 *
 * What only the poll loop or the XDP fast paths call is stubbed here and
 * aborts: none of it is reached with cfg.fast_path and cfg.fast_nat off.
 * port_tx_flush, where frames leave, is each user's own: it sees what
 * the switch sends, and must give every buffer back (frame_put). */
#ifndef NSFAST_SWITCH_HARNESS_H
#define NSFAST_SWITCH_HARNESS_H

#include <stdbool.h>
#include <stdint.h>

#include "nat.h"
#include "switch.h"

#define HARNESS_FRAMES_MAX 256
#define HARNESS_PORTS_MAX 8
#define HARNESS_HEADROOM 256 /* where copy-mode AF_XDP puts a frame in its chunk */
#define HARNESS_UP_IFINDEX 99
#define HARNESS_SEC 1000000000ull

struct harness_cfg {
	const struct nat_cfg *nat;
	uint32_t nframes; /* at most HARNESS_FRAMES_MAX */
	int nl2; /* L2 ports, below HARNESS_PORTS_MAX; the uplink is port nl2 */
	uint32_t up_mtu, l2_mtu;
	const uint16_t *port_mtu; /* nl2 of them */
};

/* The kernel knows the uplink's next hops (true after harness_sw_new). */
extern bool harness_neigh_ok;

/* A switch named sw0 at 1000 s: the gateway 02:6e:66:00:00:01,
 * 10.13.37.1/24; the uplink 203.0.113.1/24, 02:75:70:00:00:01, its
 * gateway 203.0.113.254, behind the NAT c->nat; every UMEM chunk free.
 * The NAT is made first (fuzz_nat fixes its hash seeds). Aborts when
 * out of memory. */
struct sw *harness_sw_new(const struct harness_cfg *c);
void harness_sw_free(struct sw *sw);

/* The MAC the stubbed neighbour table gives the uplink address ip. */
void harness_neigh_mac(const uint8_t ip[4], uint8_t mac[6]);

/* The frame f (len bytes) in a free chunk at the headroom: its address. */
uint64_t harness_rx(struct sw *sw, const uint8_t *f, uint32_t len);

/* The frame f as the n buffers of lens[i] bytes each that a jumbo port
 * hands over: seg[] filled (XDP_PKT_CONTD on all but the last), each at
 * the headroom or, tight, at the end of its chunk. The caller checked
 * that n chunks are free and that each length fits its chunk. */
void harness_rx_segs(struct sw *sw, const uint8_t *f, const uint32_t *lens, uint32_t n,
		     bool tight, struct xdp_desc *seg);

/* Every port's staged frames through port_tx_flush. */
void harness_flush(struct sw *sw);

/* Every UMEM chunk is free (no reference) or held for ARP (one), and
 * only once: NULL, or what is wrong. */
const char *harness_buffers_wrong(const struct sw *sw);

#endif
