/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the topology language (control/topo_parse.c,
 * control/topo_validate.c, control/addr.c) on arbitrary file contents.
 *
 * Mirrors topo_load(): a file containing a NUL byte is rejected before
 * parsing, and topo_validate() only runs on a topology that parsed.
 * Errors go to stderr, which is pointed at /dev/null once so that
 * libFuzzer's own output stays readable (its messages use stderr too,
 * so we dup the original stderr back for libFuzzer... no: libFuzzer
 * prints through its own duplicated fd, see -close_fd_mask; we only
 * silence the product's fprintf(stderr, ...)).
 *
 *   tests/fuzz/run.sh 60 topo
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "topo.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* The product reports errors with fprintf(stderr): send them to
	 * /dev/null at the stdio level only, so sanitizer and libFuzzer
	 * reports (written to fd 2 directly) still show. */
	if (!getenv("FUZZ_TOPO_VERBOSE") && !freopen("/dev/null", "w", stderr))
		abort();
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
