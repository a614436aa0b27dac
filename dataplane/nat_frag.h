/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_NAT_FRAG_H
#define NSFAST_NAT_FRAG_H

/* The NAT's memory of fragmented datagrams, internal to the NAT. Only a
 * datagram's first fragment holds its L4 header, so only it can be
 * matched to a connection; the later ones take the address the first one
 * was given, found here by what every fragment of the datagram carries:
 * (direction, protocol, source, destination, IP id). No reassembly, no
 * buffering: a later fragment that comes before its first is dropped
 * (Linux sends a datagram's fragments in order); after it, they may come
 * in any order.
 *
 * A fixed table, allocated with the NAT: sets of NAT_FRAG_WAYS entries,
 * the set picked by a seeded hash of the key (the caller's), an entry
 * kept until its datagram's bytes have all come or NAT_FRAG_TIMEOUT_NS, the
 * reassembly timeout of the Linux stack (ipfrag_time, 30 s). A full set
 * gives up the entry closest to expiring. */

#include <stdbool.h>
#include <stdint.h>

#define NAT_FRAG_SETS 256
#define NAT_FRAG_WAYS 4
#define NAT_FRAG_TIMEOUT_NS (UINT64_C(30) * 1000000000)

struct nat_frag_key {
	uint32_t src, dst; /* host order, as the fragments carry them */
	uint16_t id;
	uint8_t proto; /* 0: a free entry */
	uint8_t dir; /* 0 out, 1 in */
};

struct nat_frag {
	struct nat_frag_key k;
	uint32_t addr; /* what the first fragment's address became */
	uint32_t bytes; /* IP payload bytes come so far */
	uint32_t total; /* the datagram's, from its last fragment; 0: not yet */
	uint64_t expires;
};

struct nat_frags {
	struct nat_frag set[NAT_FRAG_SETS][NAT_FRAG_WAYS];
};

/* The first fragment of k's datagram, of len payload bytes, was given
 * addr. */
void nat_frag_note(struct nat_frags *t, uint64_t hash, const struct nat_frag_key *k,
		   uint32_t addr, uint32_t len, uint64_t now);
/* The entry of k's datagram, or NULL when its first fragment was not
 * noted, or too long ago. */
struct nat_frag *nat_frag_find(struct nat_frags *t, uint64_t hash, const struct nat_frag_key *k,
			       uint64_t now);
static inline void nat_frag_forget(struct nat_frag *f)
{
	f->k.proto = 0;
}

/* A later fragment of f's datagram, len payload bytes at off, went
 * through (last: it has no more fragments after it). Forgotten once
 * every byte has come; duplicates may make that early, and a later
 * fragment is then dropped, as a lost one would be. */
static inline void nat_frag_seen(struct nat_frag *f, uint32_t off, uint32_t len, bool last)
{
	f->bytes += len;
	if (last)
		f->total = off + len;
	if (f->total && f->bytes >= f->total)
		nat_frag_forget(f);
}

#endif
