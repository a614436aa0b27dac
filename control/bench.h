/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_BENCH_H
#define NSFAST_BENCH_H

/* `nsfast bench ARGS`: exec the benchmark driver (bench/bench.sh) found
 * next to this binary, with NSFAST set to it. Returns only on failure,
 * with the exit status to use (the error is printed). */
int bench_exec(int argc, char **argv);

#endif
