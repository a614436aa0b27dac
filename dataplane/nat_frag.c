/* SPDX-License-Identifier: MIT */
#include <stddef.h>

#include "nat_frag.h"

static bool key_eq(const struct nat_frag_key *a, const struct nat_frag_key *b)
{
	return a->src == b->src && a->dst == b->dst && a->id == b->id && a->proto == b->proto &&
	       a->dir == b->dir;
}

static struct nat_frag *set_of(struct nat_frags *t, uint64_t hash)
{
	return t->set[(hash >> 32) % NAT_FRAG_SETS];
}

void nat_frag_note(struct nat_frags *t, uint64_t hash, const struct nat_frag_key *k,
		   uint32_t addr, uint32_t len, uint64_t now)
{
	struct nat_frag *s = set_of(t, hash), *e = &s[0];
	int i;

	/* The same key again (an id reused within 30 s) is a new datagram. */
	for (i = 0; i < NAT_FRAG_WAYS; i++) {
		if (s[i].k.proto && key_eq(&s[i].k, k)) {
			e = &s[i];
			break;
		}
		if (!s[i].k.proto || s[i].expires <= now) {
			e = &s[i];
			continue;
		}
		if (e->k.proto && e->expires > now && s[i].expires < e->expires)
			e = &s[i];
	}
	e->k = *k;
	e->addr = addr;
	e->bytes = len;
	e->total = 0;
	e->expires = now + NAT_FRAG_TIMEOUT_NS;
}

struct nat_frag *nat_frag_find(struct nat_frags *t, uint64_t hash, const struct nat_frag_key *k,
			       uint64_t now)
{
	struct nat_frag *s = set_of(t, hash);
	int i;

	for (i = 0; i < NAT_FRAG_WAYS; i++)
		if (s[i].k.proto && key_eq(&s[i].k, k))
			return s[i].expires > now ? &s[i] : NULL;
	return NULL;
}
