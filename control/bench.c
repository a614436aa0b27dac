/* SPDX-License-Identifier: MIT */
/* `nsfast bench`: the benchmark itself is a script (bench/bench.sh) that
 * drives nsfast, iperf3 and the bench tools; this finds it relative to
 * the running binary and hands over to it. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

/* Where the script is, relative to the directory of the binary: the
 * source tree (./nsfast), a sanitizer build (build-san/nsfast), an
 * installation (PREFIX/sbin/nsfast with PREFIX/share/nsfast/bench). */
static const char *const places[] = {
	"%s/bench/bench.sh",
	"%s/../bench/bench.sh",
	"%s/../share/nsfast/bench/bench.sh",
};

int bench_exec(int argc, char **argv)
{
	char exe[PATH_MAX], tmp[PATH_MAX], dir[PATH_MAX], script[PATH_MAX + 64];
	const char *env = getenv("NSFAST_BENCH");
	char **args;
	ssize_t n;
	size_t i;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0) {
		fprintf(stderr, "nsfast: bench: reading /proc/self/exe: %s\n", strerror(errno));
		return 1;
	}
	exe[n] = '\0';
	memcpy(tmp, exe, (size_t)n + 1);
	snprintf(dir, sizeof(dir), "%s", dirname(tmp));
	script[0] = '\0';
	if (env && *env) {
		snprintf(script, sizeof(script), "%s", env);
	} else {
		for (i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
			snprintf(script, sizeof(script), places[i], dir);
			if (access(script, X_OK) == 0)
				break;
			script[0] = '\0';
		}
	}
	if (!script[0] || access(script, X_OK)) {
		fprintf(stderr, "nsfast: bench: no executable %s (looked for bench/bench.sh in %s, %s/.. and %s/../share/nsfast; NSFAST_BENCH names it)\n",
			script[0] ? script : "benchmark script", dir, dir, dir);
		return 1;
	}
	if (setenv("NSFAST", exe, 1)) {
		fprintf(stderr, "nsfast: bench: setenv: %s\n", strerror(errno));
		return 1;
	}
	args = calloc((size_t)argc + 1, sizeof(*args));
	if (!args) {
		fprintf(stderr, "nsfast: bench: out of memory\n");
		return 1;
	}
	args[0] = script;
	for (i = 1; i < (size_t)argc; i++)
		args[i] = argv[i];
	execv(script, args);
	fprintf(stderr, "nsfast: bench: running %s: %s\n", script, strerror(errno));
	free(args);
	return 1;
}
