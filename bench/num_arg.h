/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_BENCH_NUM_ARG_H
#define NSFAST_BENCH_NUM_ARG_H

/* The bench tools' numbers on the command line, whole and in range
 * (atoi took '70000' for a port, 'abc' for 0). */
#include <errno.h>
#include <stdlib.h>

/* A whole decimal number from lo to hi into *v: 0, or 1. */
static inline int long_arg(const char *s, long lo, long hi, long *v)
{
	char *end;
	long x;

	errno = 0;
	x = strtol(s, &end, 10);
	if (errno || end == s || *end || x < lo || x > hi)
		return 1;
	*v = x;
	return 0;
}

#endif
