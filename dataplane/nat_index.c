/* SPDX-License-Identifier: MIT */
/* The NAT's connection indexes: building, inserting, removing (see
 * nat_index.h). These run once per connection, not per frame. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

#include "nat_index.h"

static void random_bytes(void *buf, size_t len)
{
	if (getrandom(buf, len, GRND_NONBLOCK) == (ssize_t)len)
		return;
	/* No entropy yet (early boot): still differ between runs. */
	struct timespec ts;
	uint64_t x, *w = buf;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	x = ((uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec) ^
	    (uint64_t)(uintptr_t)buf;
	for (size_t i = 0; i < len / 8; i++) {
		x += UINT64_C(0x9e3779b97f4a7c15);
		w[i] = nat_mum(x, UINT64_C(0xbf58476d1ce4e5b9));
	}
}

int nat_index_init(struct nat_index *ix, uint32_t max)
{
	unsigned int order = 1;
	uint64_t seed[3];

	while ((UINT64_C(1) << order) < 2 * (uint64_t)max)
		order++;
	ix->slots = calloc((size_t)1 << order, sizeof(*ix->slots));
	if (!ix->slots)
		return -ENOMEM;
	ix->mask = (uint32_t)((UINT64_C(1) << order) - 1);
	ix->shift = 32 - order;
	random_bytes(seed, sizeof(seed));
	ix->k0 = seed[0];
	ix->k1 = seed[1];
	ix->k2 = seed[2] | 1;
	return 0;
}

void nat_index_free(struct nat_index *ix)
{
	free(ix->slots);
	ix->slots = NULL;
}

void nat_index_insert(struct nat_index *ix, uint32_t tag, uint32_t ref)
{
	uint32_t i = nat_index_home(ix, tag);

	while (ix->slots[i].ref) /* terminates: at most half full */
		i = (i + 1) & ix->mask;
	ix->slots[i].tag = tag;
	ix->slots[i].ref = ref;
}

/* Backward shift: pull later members of the cluster into the hole when
 * the hole lies on their probe path, so no tombstones are needed. */
void nat_index_remove(struct nat_index *ix, uint32_t tag, uint32_t ref)
{
	struct nat_slot *s = ix->slots;
	uint32_t hole = nat_index_home(ix, tag);

	while (s[hole].ref != ref)
		hole = (hole + 1) & ix->mask;
	for (uint32_t j = (hole + 1) & ix->mask; s[j].ref; j = (j + 1) & ix->mask) {
		uint32_t home = nat_index_home(ix, s[j].tag);
		if (((j - home) & ix->mask) >= ((j - hole) & ix->mask)) {
			s[hole] = s[j];
			hole = j;
		}
	}
	s[hole].ref = 0;
}
