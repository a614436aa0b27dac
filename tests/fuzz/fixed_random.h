/* SPDX-License-Identifier: MIT */
/* Fixed hash seeds for the fuzzers of the switch: nat_index.c and fdb.c
 * seed their hashes from getrandom(), and an input must replay the same
 * way every time. Linked with -Wl,--wrap=getrandom (tests/fuzz/run.sh
 * ldflags), getrandom() gives the same bytes from fixed_random_on() to
 * fixed_random_off(), and real ones otherwise. */
#ifndef NSFAST_FIXED_RANDOM_H
#define NSFAST_FIXED_RANDOM_H

void fixed_random_on(void);
void fixed_random_off(void);

#endif
