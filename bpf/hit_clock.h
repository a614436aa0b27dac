/* SPDX-License-Identifier: GPL-2.0 */
/* When an entry last carried traffic, in the daemon's seconds. The
 * daemon alone writes forwarding state: if it cleared a flag per entry
 * with a map update, a preallocated hash map would recycle the replaced
 * element at once, and a program that had just looked the entry up could
 * read another entry's port or translation from it. So the programs
 * store the daemon's current second in the entry (only when it changed:
 * at most once a second per entry, no helper call per frame), and the
 * daemon only reads. */
#ifndef NSFAST_HIT_CLOCK_H
#define NSFAST_HIT_CLOCK_H

#include <linux/types.h>
#include <bpf/bpf_helpers.h>

/* Whole seconds since the daemon started, from 1 (0: never seen); the
 * daemon advances it once an ageing pass, through the skeleton's .bss. */
volatile __u32 hit_second;

static __always_inline void hit_mark32(__u32 *h)
{
	__u32 t = hit_second;

	if (*h != t)
		*h = t;
}

static __always_inline void hit_mark64(__u64 *h)
{
	__u64 t = hit_second;

	if (*h != t)
		*h = t;
}

#endif
