/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the file of NAT connections one daemon keeps for
 * the next (dataplane/nat_keep.c), which the next reads as untrusted
 * input. Besides not crashing: what a table loaded has no outside key
 * twice, it saves it, and a second table loads all of it again,
 * refusing nothing, and saves the same text.
 *
 *   tests/fuzz/run.sh 60 keep
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

struct seen {
	struct nat_entry_view v[32];
	int n;
};

static int collect(const struct nat_entry_view *e, void *arg)
{
	struct seen *s = arg;

	if (s->n == 32)
		abort();
	s->v[s->n++] = *e;
	return 0;
}

/* Every outside key (proto, remote, external port) once. */
static void check_table(struct nat *n)
{
	struct seen s = { .n = 0 };

	nat_foreach(n, NOW, collect, &s);
	for (int i = 0; i < s.n; i++) {
		for (int j = 0; j < i; j++)
			if (s.v[i].proto == s.v[j].proto && s.v[i].ext_port == s.v[j].ext_port &&
			    s.v[i].rem_port == s.v[j].rem_port &&
			    !memcmp(s.v[i].rem_ip, s.v[j].rem_ip, 4))
				abort();
	}
}

static char *save(struct nat *n, size_t *len)
{
	char *text = NULL;
	uint32_t saved = 0;
	FILE *f = open_memstream(&text, len);

	if (!f || nat_keep_save(n, f, NOW, &saved) || saved != nat_stats(n)->entries)
		abort();
	fclose(f);
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nat *a = table(), *b = table();
	struct nat_keep_stats st, st2;
	size_t len = 0, len2 = 0;
	char *text, *text2;
	FILE *f;

	/* fmemopen refuses a size of 0: an empty file is no header. */
	f = size ? fmemopen((void *)data, size, "r") : NULL;
	if (f) {
		nat_keep_load(a, f, NOW, 10 * SEC, &st);
		fclose(f);
		if (nat_stats(a)->entries != st.loaded)
			abort();
	}
	check_table(a);
	text = save(a, &len);
	f = fmemopen(text, len, "r");
	if (!f || nat_keep_load(b, f, NOW, 10 * SEC, &st2) ||
	    st2.loaded != nat_stats(a)->entries || st2.refused || st2.expired)
		abort();
	fclose(f);
	text2 = save(b, &len2);
	if (len2 != len || memcmp(text, text2, len))
		abort();
	free(text);
	free(text2);
	nat_free(a);
	nat_free(b);
	return 0;
}
