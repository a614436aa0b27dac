/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_TOPO_PARSER_H
#define NSFAST_TOPO_PARSER_H

/* Shared by the parser's files (topo_parse.c, topo_parse_switch.c). */

#include <stdbool.h>
#include <stddef.h>

#include "topo.h"

#define LINE_MAX_LEN 1024
#define TOKENS_MAX 64
#define OBJECTS_MAX 4096 /* per kind: bounds memory on hostile input */

/* BLOCK_BAD_*: the block of an ns or switch line already refused, whose
 * keys go unsaid (each would be an "unknown statement" of its own);
 * anything else is said as ever. */
enum block { BLOCK_NONE, BLOCK_NS, BLOCK_SWITCH, BLOCK_HOST, BLOCK_BAD_NS, BLOCK_BAD_SWITCH };

struct parser {
	struct topo *t;
	int line;
	int errors;
	enum block block;
	int cur; /* index of the open ns or switch */
};

#define perr(p, ...)                                   \
	do {                                           \
		topo_error((p)->t, (p)->line, __VA_ARGS__); \
		(p)->errors++;                         \
	} while (0)

/* A name of the file's: up to 15 letters, digits, '_', '-' or '.', not
 * starting with '-' or '.'. */
bool name_valid(const char *s);
/* A decimal number in [min, max]: 0, or -EINVAL. */
int parse_uint(const char *s, long min, long max, long *out);
/* One more zeroed element at the end of *arrp (n of them, of size), at
 * most OBJECTS_MAX: NULL (said, as `what`) when there is no room. */
void *append(struct parser *p, void *arrp, int *n, size_t size, const char *what);
#define APPEND(p, arr, n, what) append(p, &(arr), &(n), sizeof(*(arr)), what)
/* An interface name of the file into dst: 0, or -EINVAL (said). */
int set_ifname(struct parser *p, char *dst, const char *tok);
/* A key that takes one value, given at this line: false (said) when
 * *where says it was given already. */
bool key_once(struct parser *p, int *where, const char *key, const char *kind,
	      const char *name);
/* A switch statement, and a key of the open switch block. */
void parse_switch(struct parser *p, char **tok, int n);
void parse_switch_key(struct parser *p, char **tok, int n);
/* The keys of one line of the open switch block, one after another. */
bool is_switch_key(const char *w);
void parse_switch_keys(struct parser *p, char **tok, int n);

#endif
