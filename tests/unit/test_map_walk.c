/* SPDX-License-Identifier: MIT */
/* map_entries and map_keys on real BPF maps: every entry once, with its
 * own value, in batches on a hash map (the FDB's kind), entry by entry
 * on a map the kernel has no batches for (a DEVMAP_HASH). map_percpu_sum
 * on a per-CPU array, also as a machine of more possible CPUs than the
 * daemon once had room for sees it. Needs root. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "map_walk.h"

#define CHECK_NAME "map_walk"
#include "check.h"

struct val {
	uint32_t a, b, c; /* 12 bytes, as struct fdb_val */
};

#define MAX 5000
#define FILLED 3000

static uint64_t key_of(uint32_t i)
{
	return (uint64_t)i * 7919 + 1;
}

static struct val val_of(uint32_t i)
{
	return (struct val){ i, i ^ 0x55u, ~i };
}

/* The n entries read: each a key the map was given, once, with its value. */
static bool all_right(const uint64_t *keys, const struct val *vals, uint32_t n, char *why,
		      size_t len)
{
	static bool seen[FILLED];
	uint32_t i, idx;
	struct val want;

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < n; i++) {
		if ((keys[i] - 1) % 7919 || (idx = (uint32_t)((keys[i] - 1) / 7919)) >= FILLED) {
			snprintf(why, len, "entry %u: key %llu was never put", i,
				 (unsigned long long)keys[i]);
			return false;
		}
		want = val_of(idx);
		if (seen[idx] || memcmp(&vals[i], &want, sizeof(want))) {
			snprintf(why, len, "entry %u (key %llu): %s", i, (unsigned long long)keys[i],
				 seen[idx] ? "read twice" : "another value");
			return false;
		}
		seen[idx] = true;
	}
	return true;
}

#define FIELDS 3 /* 64-bit counters a value, as fast_port_stats has 5 */
#define FAKE_CPUS 2048 /* the daemon read 0 past 256 CPUs, and in ctl.c past 1024 */

/* The counters summed by map_percpu_sum in a child that sees
 * /sys/devices/system/cpu/possible say 0-2047, as libbpf reads it (the
 * kernel still fills only its own CPUs' values): 0, or -1 when the
 * child could not make it so. libbpf keeps the count it read first, so
 * the parent must not have asked yet. */
static int sum_as_many_cpus(int fd, uint64_t sums[FIELDS])
{
	char tmpl[] = "/tmp/test_map_walk.XXXXXX";
	int pipefd[2], tmp, st;
	bool got;
	pid_t pid;

	if (pipe(pipefd) || (pid = fork()) < 0)
		return -1;
	if (!pid) {
		uint64_t s[FIELDS];

		close(pipefd[0]);
		tmp = mkstemp(tmpl);
		if (tmp < 0 || dprintf(tmp, "0-%d\n", FAKE_CPUS - 1) < 0 || unshare(CLONE_NEWNS) ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    mount(tmpl, "/sys/devices/system/cpu/possible", NULL, MS_BIND, NULL))
			_exit(2);
		unlink(tmpl);
		if (libbpf_num_possible_cpus() != FAKE_CPUS || map_percpu_sum(fd, 0, s, FIELDS) ||
		    write(pipefd[1], s, sizeof(s)) != (ssize_t)sizeof(s))
			_exit(3);
		_exit(0);
	}
	close(pipefd[1]);
	got = read(pipefd[0], sums, FIELDS * sizeof(*sums)) == (ssize_t)(FIELDS * sizeof(*sums));
	close(pipefd[0]);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) || !got)
		return -1;
	return 0;
}

/* A per-CPU array of one value of FIELDS counters: CPU c holds c + 1,
 * 10 (c + 1) and 7 (for every CPU the kernel has; it reads as many
 * values as it has CPUs from the buffer given). */
static void percpu(void)
{
	static uint64_t vals[FAKE_CPUS * FIELDS];
	uint64_t want[FIELDS] = { 0 }, got[FIELDS], many[FIELDS] = { 0 };
	uint32_t k = 0;
	int fd, ncpu, many_err;

	fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "walkpcpu", sizeof(k),
			    FIELDS * sizeof(uint64_t), 1, NULL);
	for (uint64_t c = 0; c < FAKE_CPUS; c++) {
		vals[c * FIELDS] = c + 1;
		vals[c * FIELDS + 1] = 10 * (c + 1);
		vals[c * FIELDS + 2] = 7;
	}
	if (fd < 0 || bpf_map_update_elem(fd, &k, vals, 0)) {
		check(false, "a per-CPU array", "%s", strerror(errno));
		return;
	}
	many_err = sum_as_many_cpus(fd, many);
	ncpu = libbpf_num_possible_cpus();
	for (int c = 0; c < ncpu && c < FAKE_CPUS; c++)
		for (int i = 0; i < FIELDS; i++)
			want[i] += vals[c * FIELDS + i];
	check(!map_percpu_sum(fd, 0, got, FIELDS) && !memcmp(got, want, sizeof(want)),
	      "map_percpu_sum: each counter summed over every CPU",
	      "%d CPUs: %llu %llu %llu, want %llu %llu %llu", ncpu, (unsigned long long)got[0],
	      (unsigned long long)got[1], (unsigned long long)got[2],
	      (unsigned long long)want[0], (unsigned long long)want[1],
	      (unsigned long long)want[2]);
	check(!many_err && !memcmp(many, want, sizeof(want)),
	      "map_percpu_sum: the same sums where libbpf says 2048 possible CPUs",
	      "%s: %llu %llu %llu", many_err ? "the child failed" : "sums",
	      (unsigned long long)many[0], (unsigned long long)many[1],
	      (unsigned long long)many[2]);
	check(map_percpu_sum(fd, 1, got, FIELDS) == -ENOENT && !got[0] && !got[1] && !got[2],
	      "map_percpu_sum: a key past the array is -ENOENT, sums 0", "%llu",
	      (unsigned long long)got[0]);
	close(fd);
}

int main(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	static uint64_t keys[MAX];
	static struct val vals[MAX];
	uint32_t n, i, dkeys[64], dvals[64], count = 64, one = 1;
	int fd, dfd, err;
	char why[160] = "";

	if (geteuid() != 0) {
		printf("SKIP map_walk: needs root (BPF maps)\n");
		return 0;
	}
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "walk", sizeof(uint64_t), sizeof(struct val), MAX,
			    &opts);
	if (fd < 0) {
		printf("FAIL map_walk: a hash map: %s\n", strerror(errno));
		return 1;
	}
	n = map_entries(fd, keys, vals, MAX, sizeof(*keys), sizeof(*vals));
	check(n == 0, "an empty hash map reads as none", "%u entries", n);
	for (i = 0; i < FILLED; i++) {
		uint64_t k = key_of(i);
		struct val v = val_of(i);

		if (bpf_map_update_elem(fd, &k, &v, BPF_NOEXIST)) {
			printf("FAIL map_walk: filling the map: %s\n", strerror(errno));
			return 1;
		}
	}
	n = map_entries(fd, keys, vals, MAX, sizeof(*keys), sizeof(*vals));
	check(n == FILLED && all_right(keys, vals, n, why, sizeof(why)),
	      "batches: every entry of a hash map once, with its value", "%u of %u: %s", n, FILLED,
	      why);
	n = map_entries(fd, keys, vals, 100, sizeof(*keys), sizeof(*vals));
	check(n <= 100 && n >= 90 && all_right(keys, vals, n, why, sizeof(why)),
	      "batches: a walk stops at max (or at the hash bucket before it)", "%u: %s", n, why);
	n = map_keys(fd, keys, MAX, sizeof(*keys));
	memset(vals, 0, sizeof(vals));
	for (i = 0; i < n; i++)
		bpf_map_lookup_elem(fd, &keys[i], &vals[i]);
	check(n == FILLED && all_right(keys, vals, n, why, sizeof(why)), "map_keys: every key once",
	      "%u of %u: %s", n, FILLED, why);

	/* A map without batches: the walk goes entry by entry. */
	dfd = bpf_map_create(BPF_MAP_TYPE_DEVMAP_HASH, "walkdev", sizeof(uint32_t),
			     sizeof(uint32_t), 64, NULL);
	if (dfd < 0) {
		printf("FAIL map_walk: a DEVMAP_HASH: %s\n", strerror(errno));
		return 1;
	}
	for (i = 0; i < 40; i++) {
		uint32_t k = i * 3;

		if (bpf_map_update_elem(dfd, &k, &one, 0)) { /* loopback's ifindex */
			printf("FAIL map_walk: filling the DEVMAP_HASH: %s\n", strerror(errno));
			return 1;
		}
	}
	err = bpf_map_lookup_batch(dfd, NULL, &one, dkeys, dvals, &count, NULL);
	check(err && err != -ENOENT, "the kernel has no batches for a DEVMAP_HASH (so the next check walks one by one)",
	      "bpf_map_lookup_batch: %d", err);
	memset(dvals, 0, sizeof(dvals));
	n = map_entries(dfd, dkeys, dvals, 64, sizeof(*dkeys), sizeof(*dvals));
	for (i = 0; i < n && dkeys[i] % 3 == 0 && dkeys[i] < 120 && dvals[i] == 1; i++)
		;
	check(n == 40 && i == n, "one by one: every entry of a DEVMAP_HASH, with its value",
	      "%u entries, entry %u: key %u value %u", n, i, i < n ? dkeys[i] : 0,
	      i < n ? dvals[i] : 0);
	close(dfd);
	close(fd);
	percpu();
	printf("%d/%d checks passed\n", checks - failures, checks);
	return failures ? 1 : 0;
}
