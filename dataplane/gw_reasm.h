/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_GW_REASM_H
#define NSFAST_GW_REASM_H

#include <stdbool.h>
#include <stdint.h>

/* The gateway puts fragmented IPv4 datagrams addressed to itself back
 * together, so that a ping of it larger than the MTU is answered as the
 * kernel dataplane's host answers it. Only for the gateway's own
 * address: what it routes it never reassembles (route_frag.h, nat_frag.h).
 *
 * A few datagrams at a time (GW_REASM_SLOTS), each up to 65535 bytes,
 * kept GW_REASM_TIMEOUT_NS at most; a new datagram with every slot busy
 * takes the oldest. Fragments may come in any order and overlap (later
 * bytes win); a datagram is whole once its last fragment has come and
 * every 8-byte block before its end has. All memory is allocated by
 * gw_reasm_new. */

#define GW_REASM_SLOTS 4
#define GW_REASM_TIMEOUT_NS (UINT64_C(30) * 1000000000)
#define GW_REASM_HEADROOM 14 /* an Ethernet header fits in front */
#define GW_REASM_MAX 65535

struct gw_reasm_stats {
	uint64_t fragments; /* taken */
	uint64_t whole; /* datagrams completed */
	uint64_t bad; /* refused: malformed, past 65535 bytes, a changed end */
	uint64_t evicted; /* datagrams given up unfinished (timeout, no slot) */
};

struct gw_reasm;

struct gw_reasm *gw_reasm_new(void);
void gw_reasm_free(struct gw_reasm *r);

/* One fragment (ip: its IPv4 header, len: at least its total length,
 * which must say it is a fragment) from the host at MAC mac: every
 * fragment of a datagram must come from its first one's host, so that
 * the answer goes to whom the datagram is from. 1 when it completed its
 * datagram (*mac_out: that host's MAC):
 * *dgram is that datagram's IPv4 header and data, *dlen bytes, with
 * GW_REASM_HEADROOM writable bytes before it, valid until the next call
 * (the first fragment's header, its length and offset fields rewritten,
 * its checksum not);
 * 0 when it is kept; -EINVAL when refused (counted in bad). A datagram
 * that would be longer than 65535 bytes once whole is refused too. */
int gw_reasm_add(struct gw_reasm *r, const uint8_t *ip, uint32_t len, const uint8_t mac[6],
		 uint64_t now, uint8_t **dgram, uint32_t *dlen);

const struct gw_reasm_stats *gw_reasm_stats(const struct gw_reasm *r);

#endif
