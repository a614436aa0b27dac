/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_JSON_H
#define NSFAST_JSON_H

#include <stdio.h>

/* s as a JSON string: quotes, backslashes and control bytes escaped. */
static inline void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

#endif
