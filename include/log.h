/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* Logging: one line per event on stderr with a syslog priority prefix
 * ("<3>"), which journald turns into the priority of the entry. */
#include <stdint.h>
#include <stdio.h>
#include <syslog.h>

void log_set_level(int prio);
int log_get_level(void);
void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...)   log_msg(LOG_ERR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...)  log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)    log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)   log_msg(LOG_DEBUG, __VA_ARGS__)

/*
 * Rate-limited logging for every message the network can trigger (a flood of
 * bad RAs must not become a flood of log lines).  Messages are grouped by a
 * key: a static string naming the kind of message (its pointer and text
 * identify it) and a number inside that kind (a reason code, say).  Each key
 * may log LOG_RATELIMIT_BURST lines per LOG_RATELIMIT_INTERVAL_MS; later ones
 * in the same interval are counted, not printed.  The first line of the key
 * that gets through afterwards is preceded by one
 *   "<kind>: suppressed N similar messages"
 * line.  Keys beyond LOG_RATELIMIT_KEYS share one overflow bucket.
 * Returns whether the line was printed.
 */
#define LOG_RATELIMIT_INTERVAL_MS	10000
#define LOG_RATELIMIT_BURST		10
#define LOG_RATELIMIT_KEYS		256

int log_ratelimited(int prio, const char *kind, int key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Tunables and test seams: interval and burst (0 disables the limit);
 * a clock in milliseconds (NULL: CLOCK_MONOTONIC); where lines go (NULL:
 * stderr); forget every key. */
void log_ratelimit_set(uint64_t interval_ms, unsigned burst);
void log_set_clock(uint64_t (*now_ms)(void));
void log_set_stream(FILE *f);
void log_ratelimit_reset(void);
