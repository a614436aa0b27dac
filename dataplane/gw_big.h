/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_GW_BIG_H
#define NSFAST_GW_BIG_H

#include <stdbool.h>
#include <stdint.h>

#include "pkt.h"

struct sw;
struct port;

/* The gateway's answer to an IPv4 echo request too large for one frame,
 * as the kernel dataplane's host answers it: one that came in
 * fragments (put back together by gw_reasm.h), or in several buffers (a
 * jumbo port). The reply goes back out of the port the request came in
 * on, in fragments of the ports' MTU (at most 3506, a frame of one
 * buffer) when it is larger (route_frag.h). */

/* Is p (parsed, IPv4) for the gateway's own address and MAC? */
bool gw_big_mine(const struct sw *sw, const struct pkt *p);
/* A fragment for the gateway: kept, and answered once its datagram is
 * whole, or dropped and counted then as gw_big_frame would. The caller
 * still owns p's frame. */
void gw_big_fragment(struct sw *sw, struct port *in, const struct pkt *p);
/* A frame of several buffers for the gateway, whole in frame (len bytes,
 * Ethernet first; written over): answered if it is an echo request, else
 * dropped and counted as one of one buffer is (gw_bad, gw_unanswered). */
void gw_big_frame(struct sw *sw, struct port *in, uint8_t *frame, uint32_t len);

#endif
