/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

enum log_level log_level = LOG_INFO;

void log_print(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	if (lvl > log_level)
		return;
	va_start(ap, fmt);
	/* Warnings go to stderr so scripts can keep stdout for data (--json). */
	vfprintf(lvl == LOG_WARN ? stderr : stdout, fmt, ap);
	va_end(ap);
}
