/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_NAT_INDEX_H
#define NSFAST_NAT_INDEX_H

/* The NAT's two connection indexes (outbound and inbound key). An index
 * maps the hash of a connection's key to the connection's number; it
 * never sees the key itself, so a lookup walks the candidates with a
 * matching tag and the caller compares keys.
 *
 * A power-of-two slot array at most half full (slots >= 2 * max
 * connections), linear probing and backward-shift deletion as in fdb.c.
 * A slot is 8 bytes: the top 32 bits of the key's hash (a tag that also
 * yields the home slot, so deletion never touches the connection array)
 * and the connection's number + 1 (0 = empty, so calloc'ed slots are
 * empty and untouched pages stay unmapped). Hash seeds are random per
 * index: keys come from untrusted namespaces and remote hosts.
 *
 * Hashing and probing are inline: they run for every translated frame. */

#include <stdint.h>

struct nat_slot {
	uint32_t tag; /* hash >> 32; home slot = tag >> shift */
	uint32_t ref; /* connection number + 1; 0 = empty */
};

struct nat_index {
	struct nat_slot *slots;
	uint32_t mask;
	unsigned int shift; /* 32 - log2(slot count) */
	uint64_t k0, k1, k2;
};

/* Room for max connections, with fresh seeds; 0 or -ENOMEM. */
int nat_index_init(struct nat_index *ix, uint32_t max);
void nat_index_free(struct nat_index *ix);
/* ref must not be in the index yet; there is always room for it. */
void nat_index_insert(struct nat_index *ix, uint32_t tag, uint32_t ref);
/* ref must be in the index, under tag. */
void nat_index_remove(struct nat_index *ix, uint32_t tag, uint32_t ref);

static inline uint64_t nat_mum(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;
	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* wyhash-style: a secret per index keeps remote hosts from choosing
 * endpoints that pile into one probe cluster. The tag is the top 32
 * bits; the low ones are free for other uses (nat_conn.c's port probing). */
static inline uint64_t nat_index_hash(const struct nat_index *ix, uint64_t a, uint64_t b)
{
	return nat_mum(nat_mum(a ^ ix->k0, b ^ ix->k1), ix->k2);
}

static inline uint32_t nat_index_tag(uint64_t hash)
{
	return (uint32_t)(hash >> 32);
}

/* Candidates for a key with this tag, in probe order:
 *	for (pos = nat_index_home(ix, tag); (ref = nat_index_next(ix, tag, &pos));)
 * ends (0) at the first empty slot, which exists: the index is at most
 * half full. */
static inline uint32_t nat_index_home(const struct nat_index *ix, uint32_t tag)
{
	return tag >> ix->shift;
}

static inline uint32_t nat_index_next(const struct nat_index *ix, uint32_t tag, uint32_t *pos)
{
	for (;;) {
		const struct nat_slot *s = &ix->slots[*pos];

		*pos = (*pos + 1) & ix->mask;
		if (!s->ref)
			return 0;
		if (s->tag == tag)
			return s->ref;
	}
}

#endif
