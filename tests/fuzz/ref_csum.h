/* SPDX-License-Identifier: MIT */
/* The fuzzers' reference checksum, written plainly and apart from the
 * code under test (nat_csum.h, pkt.c), so that the two can disagree. */
#ifndef NSFAST_FUZZ_REF_CSUM_H
#define NSFAST_FUZZ_REF_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* One's complement sum of big-endian words, folded, NOT complemented; a
 * region that includes a correct checksum sums to 0xffff. */
static inline uint64_t ref_add(uint64_t s, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i += 2)
		s += (uint32_t)b[i] << 8 | (i + 1 < n ? b[i + 1] : 0);
	return s;
}

static inline uint16_t ref_fold(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

#endif
