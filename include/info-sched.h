/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * When to fetch PvD Additional Information (RFC 8801 §4.1, §4.3): pure, no
 * I/O, time (monotonic ms) and randomness passed in by the caller, so the
 * unit tests can drive it.  One entry per (PvD ID, link) attachment.
 *   - only PvDs with H set; a Sequence change (or H newly set) deprecates the
 *     current object at once and schedules a fetch after a uniform random
 *     delay in [0, 2^(10+Delay)] ms;
 *   - after a valid object, the next fetch is at a uniform random time in
 *     [A + (B-A)/2, B], A = when it was fetched, B = its expiry;
 *   - at least 10 s between two requests for one PvD; at most 5 requests per
 *     10 s per link;
 *   - a failure (TLS, HTTP error, invalid JSON) stops requests for that PvD
 *     until the link goes down and up (info_sched_forget_link); after 10
 *     failures on a link, requests stop on that link too;
 *   - every refusal and every reason is counted.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum info_sched_counter {
	INFO_SCHED_REQUESTS,		/* fetches started */
	INFO_SCHED_DEFERRED_PVD_RATE,	/* a due fetch waited for the 10 s per-PvD spacing */
	INFO_SCHED_DEFERRED_LINK_RATE,	/* ... for the 5 per 10 s per-link budget */
	INFO_SCHED_SKIPPED_FAILED,	/* not asked again: failed before on this attachment */
	INFO_SCHED_SKIPPED_LINK_FAILED,	/* not asked: 10 failures on the link */
	INFO_SCHED_FAILURES,
	INFO_SCHED_SEQUENCE_CHANGES,
	_INFO_SCHED_COUNTER_MAX,
};

struct info_sched;

int info_sched_new(struct info_sched **ret);
struct info_sched *info_sched_free(struct info_sched *s);	/* NULL-safe, returns NULL */

/* What the registry says of a PvD on a link now (call on every RA / change).
 * Returns true when the current object must be deprecated at once (Sequence
 * changed or H cleared). `random` is a uniform 32-bit random number. */
bool info_sched_update(struct info_sched *s, const char *pvd_id, int ifindex, bool h_flag,
		       uint16_t sequence, uint8_t delay, uint64_t now_ms, uint32_t random);
void info_sched_remove(struct info_sched *s, const char *pvd_id);	/* the PvD is gone */
void info_sched_forget_link(struct info_sched *s, int ifindex);	/* link down/up: a new attachment */

/* The next PvD ID to fetch at now_ms, honouring the rate limits (and marks
 * it as requested); NULL when none is due.  ret_ifindex: the link to fetch
 * through. */
const char *info_sched_due(struct info_sched *s, uint64_t now_ms, int *ret_ifindex);
/* When info_sched_due() may next return something; UINT64_MAX: never. */
uint64_t info_sched_next(const struct info_sched *s);
/* A fetch ended: ok with the object's expiry (monotonic ms), or failed. */
void info_sched_done(struct info_sched *s, const char *pvd_id, bool ok, uint64_t expires_ms, uint64_t now_ms,
		     uint32_t random);

const uint64_t *info_sched_counters(const struct info_sched *s);	/* [_INFO_SCHED_COUNTER_MAX] */
const char *info_sched_counter_to_string(enum info_sched_counter c);
