/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_GROW_H
#define NSFAST_GROW_H

#include <errno.h>
#include <stdlib.h>

/* Room for one more of the n elements of size sz in *arr, whose
 * capacity is *cap: doubled when full, first elements the first time.
 * 0, or -ENOMEM with *arr and *cap as they were. */
static inline int grow(void **arr, int n, int *cap, size_t sz, int first)
{
	void *p;
	int c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : first;
	p = realloc(*arr, (size_t)c * sz);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = c;
	return 0;
}

#endif
