/* SPDX-License-Identifier: MIT */
/* Reading a whole BPF hash map: once a second for the FDB's ageing
 * (fast_path.c), and when the NAT fast path follows a moved MAC; and the
 * programs' per-CPU counters, for status. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "map_walk.h"

uint32_t map_keys(int fd, void *keys, uint32_t max, size_t key_size)
{
	char *k = keys;
	const void *prev = NULL;
	uint32_t n = 0;

	while (n < max && !bpf_map_get_next_key(fd, prev, k + n * key_size))
		prev = k + n++ * key_size;
	return n;
}

uint32_t map_entries(int fd, void *keys, void *vals, uint32_t max, size_t key_size,
		     size_t val_size)
{
	uint64_t token; /* a hash map's is its next bucket, a u32 */
	uint32_t n = 0, count, i;
	int err = 0;

	while (!err && n < max) {
		count = max - n;
		err = bpf_map_lookup_batch(fd, n ? &token : NULL, &token, (char *)keys + n * key_size,
					   (char *)vals + n * val_size, &count, NULL);
		if (!err || err == -ENOENT) /* ENOENT: the last of them */
			n += count;
		else if (!n) /* no batches for this map: one entry at a time */
			break;
	}
	if (!err || err == -ENOENT || n)
		return n;
	n = map_keys(fd, keys, max, key_size);
	for (i = 0; i < n; i++)
		if (bpf_map_lookup_elem(fd, (char *)keys + i * key_size, (char *)vals + i * val_size))
			memset((char *)vals + i * val_size, 0xff, val_size); /* gone meanwhile */
	return n;
}

/* A lookup in a per-CPU map fills a value for every possible CPU, not
 * just the online ones: a buffer of a fixed count would make a machine
 * with more read as none. */
int map_percpu_sum(int fd, uint32_t key, uint64_t *sums, size_t n)
{
	int ncpu = libbpf_num_possible_cpus(), err = 0;
	uint64_t *v = NULL;

	memset(sums, 0, n * sizeof(*sums));
	if (ncpu <= 0) {
		err = ncpu ? ncpu : -EINVAL;
		goto out;
	}
	v = calloc((size_t)ncpu * n, sizeof(*v));
	if (!v) {
		err = -ENOMEM;
		goto out;
	}
	if (bpf_map_lookup_elem(fd, &key, v)) {
		err = -errno;
		goto out;
	}
	for (size_t c = 0; c < (size_t)ncpu; c++)
		for (size_t i = 0; i < n; i++)
			sums[i] += v[c * n + i];
out:
	free(v);
	return err;
}
