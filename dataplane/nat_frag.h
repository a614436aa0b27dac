/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_NAT_FRAG_H
#define NSFAST_NAT_FRAG_H

/* The NAT's memory of fragmented datagrams, internal to the NAT. Only a
 * datagram's first fragment holds its L4 header, so only it can be
 * matched to a connection; the later ones take the address the first one
 * was given, found here by what every fragment of the datagram carries:
 * (direction, protocol, source, destination, IP id). No reassembly, no
 * buffering: a later fragment that comes before its first is dropped
 * (Linux sends a datagram's fragments in order).
 *
 * A fixed table, allocated with the NAT: sets of NAT_FRAG_WAYS entries,
 * the set picked by a seeded hash of the key (the caller's), an entry
 * kept until its datagram's last fragment or NAT_FRAG_TIMEOUT_NS, the
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
	uint64_t expires;
};

struct nat_frags {
	struct nat_frag set[NAT_FRAG_SETS][NAT_FRAG_WAYS];
};

/* The first fragment of k's datagram was given addr. */
void nat_frag_note(struct nat_frags *t, uint64_t hash, const struct nat_frag_key *k,
		   uint32_t addr, uint64_t now);
/* The entry of k's datagram, or NULL when its first fragment was not
 * noted, or too long ago. */
struct nat_frag *nat_frag_find(struct nat_frags *t, uint64_t hash, const struct nat_frag_key *k,
			       uint64_t now);
/* Its last fragment went through. */
static inline void nat_frag_forget(struct nat_frag *f)
{
	f->k.proto = 0;
}

#endif
