/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_ROUTE_FRAG_H
#define NSFAST_ROUTE_FRAG_H

#include <stdint.h>

struct umem;

/* The gateway cuts an IPv4 packet larger than its route's MTU, sent
 * without DF, into fragments, as a router does (RFC 791): every piece
 * but the last a multiple of 8 bytes; the first keeps the header as it
 * is, the later ones keep only the options marked to be copied (the
 * others become NOPs, so every header has the same length, as Linux's);
 * a packet that is itself a fragment keeps its offset and, in its last
 * piece, its "more fragments". TTL and addresses are the router's to
 * change afterwards, fragment by fragment. */

/* Pieces of one packet: 65535 bytes at an MTU of 576 is 119 (the
 * gateway's reply to the largest ping), 9216 bytes 17. */
#define RT_FRAGS_MAX 128
#define RT_FRAG_MIN 24 /* bytes a piece: the first holds the L4 header the NAT reads */
#define RT_FRAG_RESERVE 16 /* frames the pool keeps for ARP requests and RX */

/* frame: Ethernet (14 bytes, no tag) and the IPv4 packet, len bytes in
 * all. Each piece goes into a frame taken from u's pool, at its start,
 * with frame's Ethernet header in front: addr[i] and len[i], *n of them.
 * 0; -EINVAL when the packet cannot be cut (malformed header or option
 * list, an MTU that leaves less than RT_FRAG_MIN bytes a piece, fewer
 * than 2 or more than RT_FRAGS_MAX pieces), -ENOBUFS when the pool would
 * keep fewer than RT_FRAG_RESERVE free frames: nothing taken then. */
int route_fragment(struct umem *u, const uint8_t *frame, uint32_t len, uint32_t mtu,
		   uint64_t addr[RT_FRAGS_MAX], uint32_t flen[RT_FRAGS_MAX], int *n);

#endif
