/* SPDX-License-Identifier: MIT */
#ifndef NSFAST_TEST_CHECK_H
#define NSFAST_TEST_CHECK_H

/* The unit tests' one assertion, included by each test once: a PASS or
 * FAIL line per check (tests/run.sh counts them), a FAIL with what was
 * found. Define CHECK_NAME, the test's name on those lines, first. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#ifndef CHECK_NAME
#error "define CHECK_NAME before including check.h"
#endif

static int checks, failures;

static void check(bool ok, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void check(bool ok, const char *what, const char *fmt, ...)
{
	char detail[512];
	va_list ap;

	checks++;
	if (ok) {
		printf("PASS " CHECK_NAME ": %s\n", what);
		return;
	}
	failures++;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	printf("FAIL " CHECK_NAME ": %s (%s)\n", what, detail);
}

#endif
