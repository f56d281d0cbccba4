/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"

static int log_level = LOG_INFO;
static FILE *log_stream;	/* NULL: stderr */

void log_set_level(int prio)
{
	log_level = prio;
}

int log_get_level(void)
{
	return log_level;
}

void log_set_stream(FILE *f)
{
	log_stream = f;
}

__attribute__((format(printf, 2, 0)))
static void log_line(int prio, const char *fmt, va_list ap)
{
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	/* One write per line so lines from one process never interleave. */
	fprintf(log_stream ? log_stream : stderr, "<%d>%s\n", prio, line);
}

void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	if (prio > log_level)
		return;
	va_start(ap, fmt);
	log_line(prio, fmt, ap);
	va_end(ap);
}

/* ---- rate limiting ---- */

struct ratelimit {
	const char *kind;	/* NULL: free slot */
	int key;
	uint64_t begin;		/* start of the current interval, ms */
	unsigned printed;	/* lines printed in it */
	unsigned suppressed;	/* lines dropped since the last printed one */
};

static struct ratelimit ratelimits[LOG_RATELIMIT_KEYS];
static struct ratelimit ratelimit_overflow = { .kind = "log" };
static uint64_t ratelimit_interval = LOG_RATELIMIT_INTERVAL_MS;
static unsigned ratelimit_burst = LOG_RATELIMIT_BURST;
static uint64_t (*log_clock)(void);

void log_ratelimit_set(uint64_t interval_ms, unsigned burst)
{
	ratelimit_interval = interval_ms;
	ratelimit_burst = burst;
}

void log_set_clock(uint64_t (*now_ms)(void))
{
	log_clock = now_ms;
}

void log_ratelimit_reset(void)
{
	memset(ratelimits, 0, sizeof(ratelimits));
	ratelimit_overflow = (struct ratelimit) { .kind = "log" };
}

static uint64_t log_now_ms(void)
{
	struct timespec ts;

	if (log_clock)
		return log_clock();
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool same_kind(const char *a, const char *b)
{
	return a == b || !strcmp(a, b);
}

/* Open addressing over a small table: the keys are a fixed set of message
 * kinds times reason codes, so it never needs to shrink. */
static struct ratelimit *ratelimit_find(const char *kind, int key)
{
	uint32_t h = 2166136261u;	/* FNV-1a over the kind's text and the key */

	for (const char *c = kind; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	h = (h ^ (uint32_t)key) * 16777619u;
	for (unsigned i = 0; i < LOG_RATELIMIT_KEYS; i++) {
		struct ratelimit *rl = &ratelimits[(h + i) % LOG_RATELIMIT_KEYS];

		if (!rl->kind) {
			rl->kind = kind;
			rl->key = key;
			return rl;
		}
		if (rl->key == key && same_kind(rl->kind, kind))
			return rl;
	}
	return &ratelimit_overflow;
}

int log_ratelimited(int prio, const char *kind, int key, const char *fmt, ...)
{
	struct ratelimit *rl;
	uint64_t now;
	va_list ap;

	if (prio > log_level)
		return 0;
	if (ratelimit_burst > 0 && ratelimit_interval > 0) {
		rl = ratelimit_find(kind, key);
		now = log_now_ms();
		if (rl->printed == 0 || now - rl->begin >= ratelimit_interval) {
			rl->begin = now;
			rl->printed = 0;
		}
		if (rl->printed >= ratelimit_burst) {
			rl->suppressed++;
			return 0;
		}
		rl->printed++;
		if (rl->suppressed > 0) {
			log_msg(prio, "%s: suppressed %u similar message%s", rl->kind,
				rl->suppressed, rl->suppressed == 1 ? "" : "s");
			rl->suppressed = 0;
		}
	}
	va_start(ap, fmt);
	log_line(prio, fmt, ap);
	va_end(ap);
	return 1;
}
