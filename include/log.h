/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* Logging: one line per event on stderr with a syslog priority prefix
 * ("<3>"), which journald turns into the priority of the entry. */
#include <syslog.h>

void log_set_level(int prio);
int log_get_level(void);
void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...)   log_msg(LOG_ERR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...)  log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)    log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)   log_msg(LOG_DEBUG, __VA_ARGS__)
