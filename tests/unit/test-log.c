/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for log_ratelimited(): per-key bursts, the suppressed-count
 * line, interval roll-over, keys kept apart, with an injected clock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "tap.h"

static uint64_t fake_now;

static uint64_t fake_clock(void)
{
	return fake_now;
}

static char *buf;
static size_t buf_len;
static FILE *out;

/* Start capturing afresh. */
static void capture(void)
{
	if (out)
		fclose(out);
	free(buf);
	buf = NULL;
	out = open_memstream(&buf, &buf_len);
	log_set_stream(out);
}

static unsigned count(const char *needle)
{
	unsigned n = 0;

	fflush(out);
	for (const char *p = buf; p && (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static const char KIND_DROP[] = "RA dropped";
static const char KIND_IGN[] = "RA option ignored";

int main(void)
{
	unsigned printed = 0;

	log_set_clock(fake_clock);
	log_ratelimit_set(1000, 3);
	fake_now = 5000;

	capture();
	for (int i = 0; i < 10; i++)
		printed += (unsigned)log_ratelimited(LOG_WARNING, KIND_DROP, 1, "drop %d", i);
	ok(printed == 3 && count("drop ") == 3, "burst of 3 per interval (printed %u)", printed);
	ok(count("suppressed") == 0, "nothing said about suppression yet");

	/* Another reason of the same kind, and another kind: own budgets. */
	ok(log_ratelimited(LOG_WARNING, KIND_DROP, 2, "other reason") == 1,
	   "another key of the same kind is not limited by the first");
	ok(log_ratelimited(LOG_INFO, KIND_IGN, 1, "ignored") == 1,
	   "another kind with the same number is not limited either");

	/* Still inside the interval: more suppressed. */
	fake_now += 999;
	ok(log_ratelimited(LOG_WARNING, KIND_DROP, 1, "drop late") == 0,
	   "still limited 999 ms later");

	/* Next interval: one suppressed line with the count, then the message. */
	fake_now += 1;
	capture();
	ok(log_ratelimited(LOG_WARNING, KIND_DROP, 1, "drop again") == 1,
	   "printed again once the interval is over");
	ok(count("<4>RA dropped: suppressed 8 similar messages\n<4>drop again\n") == 1,
	   "one \"suppressed 8 similar messages\" line, before the message");
	ok(log_ratelimited(LOG_WARNING, KIND_DROP, 1, "drop 2") == 1 &&
	   log_ratelimited(LOG_WARNING, KIND_DROP, 1, "drop 3") == 1 &&
	   log_ratelimited(LOG_WARNING, KIND_DROP, 1, "drop 4") == 0,
	   "a fresh burst of 3 in the new interval");
	fake_now += 5000;
	capture();
	log_ratelimited(LOG_WARNING, KIND_DROP, 1, "x");
	ok(count("suppressed 1 similar message\n") == 1, "singular for one");
	capture();
	log_ratelimited(LOG_WARNING, KIND_DROP, 1, "y");
	ok(count("suppressed") == 0, "the count is said once, then reset");

	/* Below the log level: neither printed nor counted. */
	log_set_level(LOG_NOTICE);
	capture();
	ok(log_ratelimited(LOG_INFO, KIND_IGN, 9, "quiet") == 0 && count("quiet") == 0,
	   "below the log level: not printed");
	log_set_level(LOG_INFO);

	/* Many keys: beyond the table they share the overflow bucket, and the
	 * limiter still bounds the output. */
	log_ratelimit_reset();
	capture();
	printed = 0;
	for (int k = 0; k < 10 * LOG_RATELIMIT_KEYS; k++)
		printed += (unsigned)log_ratelimited(LOG_WARNING, KIND_DROP, k, "k%d", k);
	ok(printed == LOG_RATELIMIT_KEYS + 3, "%d keys: %u lines (table %d + overflow burst 3)",
	   10 * LOG_RATELIMIT_KEYS, printed, LOG_RATELIMIT_KEYS);

	/* Burst 0 turns the limit off. */
	log_ratelimit_set(1000, 0);
	printed = 0;
	for (int i = 0; i < 50; i++)
		printed += (unsigned)log_ratelimited(LOG_WARNING, KIND_DROP, 1, "n");
	ok(printed == 50, "burst 0: no limit");

	log_set_stream(NULL);
	fclose(out);
	free(buf);
	return tap_done();
}
