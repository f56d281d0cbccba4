/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Minimal TAP producer for the unit tests: one "ok N - text" line per check,
 * the plan at the end, exit status non-zero if anything failed. */

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static unsigned tap_count, tap_failed;

__attribute__((format(printf, 4, 5), unused))
static bool tap_ok(bool pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	if (!pass)
		tap_failed++;
	printf("%sok %u - ", pass ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!pass)
		printf("#   failed at %s:%d\n", file, line);
	return pass;
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
/* A check that names itself. */
#define CHECK(cond) ok((cond), "%s", #cond)

/* Print the plan and a summary; the return value is main()'s exit status. */
__attribute__((unused))
static int tap_done(void)
{
	printf("1..%u\n", tap_count);
	printf("# %u passed, %u failed\n", tap_count - tap_failed, tap_failed);
	return tap_failed ? 1 : 0;
}
