/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the file of NAT connections one daemon keeps for
 * the next (dataplane/nat_keep.c), which the next reads as untrusted
 * input. Besides not crashing: what a table loaded, it saves, and a
 * second table loads all of it again, refusing nothing.
 *
 *   tests/fuzz/run.sh 60 keep
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "nat.h"

#define SEC 1000000000ull
#define NOW (1000 * SEC) /* the seeds are saved a second before */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct nat *table(void)
{
	struct nat_cfg c = {
		.ext_ip = { 203, 0, 113, 1 },
		.int_net = { 10, 13, 37, 0 },
		.int_plen = 24,
		.port_min = 61000,
		.port_max = 61063,
		.max_entries = 32, /* small: a file can fill it */
	};
	struct nat *n = nat_new(&c);

	if (!n)
		abort();
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nat *a = table(), *b = table();
	struct nat_keep_stats st, st2;
	char *saved = NULL;
	size_t len = 0;
	uint32_t n = 0;
	FILE *f;

	/* fmemopen refuses a size of 0: an empty file is no header. */
	f = size ? fmemopen((void *)data, size, "r") : NULL;
	if (f) {
		nat_keep_load(a, f, NOW, 10 * SEC, &st);
		fclose(f);
		if (nat_stats(a)->entries != st.loaded)
			abort();
	}
	f = open_memstream(&saved, &len);
	if (!f || nat_keep_save(a, f, NOW, &n))
		abort();
	fclose(f);
	if (n != nat_stats(a)->entries)
		abort();
	f = fmemopen(saved, len, "r");
	if (!f || nat_keep_load(b, f, NOW, 10 * SEC, &st2) || st2.loaded != n || st2.refused ||
	    st2.expired)
		abort();
	fclose(f);
	free(saved);
	nat_free(a);
	nat_free(b);
	return 0;
}
