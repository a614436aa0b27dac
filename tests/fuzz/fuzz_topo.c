/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the topology language (control/topo_parse.c,
 * control/topo_validate.c, control/addr.c) on arbitrary file contents.
 *
 * Mirrors topo_load(): a file containing a NUL byte is rejected before
 * parsing, and topo_validate() only runs on a topology that parsed.
 * The product's error messages (fprintf(stderr, ...), up to 20 per
 * input) are silenced once at init by pointing the C `stderr` stream at
 * /dev/null. File descriptor 2 itself is left alone on purpose: a
 * dup2() onto fd 2 would also swallow ASan/UBSan reports and libFuzzer's
 * status lines (libFuzzer captured the original FILE* at startup, the
 * sanitizers write to fd 2 directly). FUZZ_VERBOSE=1 keeps the messages.
 *
 *   tests/fuzz/run.sh 60 topo
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!getenv("FUZZ_VERBOSE")) {
		FILE *null = fopen("/dev/null", "w");

		if (!null)
			abort();
		stderr = null; /* glibc: stderr is an assignable FILE * */
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct topo t;
	char *text;

	/* topo_load: more than 1 MiB is refused before parsing, and so is a
	 * NUL byte anywhere. */
	if (size > (1u << 20) || memchr(data, '\0', size))
		return -1; /* reject: not added to the corpus */
	text = malloc(size + 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	if (topo_parse("fuzz.conf", text, &t) == 0)
		topo_validate(&t);
	topo_free(&t);
	free(text);
	return 0;
}
