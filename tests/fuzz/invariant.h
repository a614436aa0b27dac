/* SPDX-License-Identifier: MIT */
/* The fuzz targets' invariants: a broken one prints "TARGET: invariant
 * failed at FILE:LINE: what" (run.sh finds that line in a log) and
 * traps, which libFuzzer reports as a crash and saves the input of.
 * Define FUZZ_TARGET ("fuzz_nat") before including. */
#ifndef NSFAST_INVARIANT_H
#define NSFAST_INVARIANT_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

/* why: NULL when the invariant holds, else what is wrong. */
#define CHECK_WHY(why)                                                                   \
	do {                                                                             \
		const char *why_ = (why);                                                \
		if (why_) {                                                              \
			fprintf(stderr, "%s: invariant failed at %s:%d: %s\n", FUZZ_TARGET, \
				__FILE__, __LINE__, why_);                               \
			__builtin_trap();                                                \
		}                                                                        \
	} while (0)

#define CHECK(cond) CHECK_WHY((cond) ? NULL : #cond)

/* Whether the environment variable var (FUZZ_NAT_TRACE...) asks a
 * target to say what each record did: read once. */
static inline bool trace_wanted(const char *var)
{
	static int on = -1;

	if (on < 0)
		on = getenv(var) != NULL;
	return on;
}

#endif
