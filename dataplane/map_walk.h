/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_MAP_WALK_H
#define NSFAST_MAP_WALK_H

#include <stddef.h>
#include <stdint.h>

/* Reading the BPF maps the daemon owns, from userspace: walks of a hash
 * map, sums of a per-CPU one. */

/* Up to max keys, key_size bytes each, into keys; their count. Walks
 * that delete collect first: get_next_key from a deleted key starts
 * over. */
uint32_t map_keys(int fd, void *keys, uint32_t max, size_t key_size);
/* Up to max entries, keys and values, a batch a syscall (entry by entry
 * where the kernel has no batches for the map; a value that went
 * meanwhile reads all ones); their count. */
uint32_t map_entries(int fd, void *keys, void *vals, uint32_t max, size_t key_size,
		     size_t val_size);
/* Into sums, each of the n 64-bit counters of key's value in a per-CPU
 * map summed over every possible CPU, however many the machine has. 0,
 * or -errno with sums all 0. */
int map_percpu_sum(int fd, uint32_t key, uint64_t *sums, size_t n);

#endif
