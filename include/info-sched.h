/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * When to fetch PvD Additional Information (RFC 8801 §4.1, §4.3): pure, no
 * I/O, time (monotonic ms) and randomness passed in by the caller, so the
 * unit tests can drive it.
 *   - only PvDs with H set; a Sequence change (or H newly set, or the first
 *     RA of a new attachment) deprecates the current object at once and
 *     schedules a fetch after a uniform random delay in [0, 2^(10+Delay)] ms;
 *   - after a valid object, the next fetch is at a uniform random time in
 *     [A + (B-A)/2, B], A = when it was fetched, B = its expiry;
 *   - at least 10 s between two requests for one PvD; at most 5 requests per
 *     10 s per link;
 *   - a failure (TLS, HTTP error, invalid JSON) stops requests for that PvD
 *     until the link goes down and up (info_sched_forget_link); after 10
 *     failures on a link, requests stop on that link too;
 *   - every refusal and every reason is counted.
 *
 * Refinements of the first version of this interface (same names, same
 * meaning; code written against it still compiles):
 *   - One entry per (PvD ID, link), as the comment said: remove() drops the
 *     PvD's entries on every link, done() applies to its request in flight.
 *     The 10 s spacing, failures, the 10-failure stop and the 5-per-10-s
 *     budget are per link ("on the same network").  IDs compare
 *     case-insensitively.
 *   - info_sched_done() returns bool: false when the result must not be used
 *     (the link was forgotten while the request was in flight, or no request
 *     is in flight: the PvD was removed, or its object deprecated).
 *   - When info_sched_update() returns true (Sequence changed, H cleared), a
 *     request in flight for that (PvD, link) is abandoned at once: cancel it
 *     (fetch_cancel); a later info_sched_done() for it returns false.  Without
 *     that, the refetch could not start before the old request ended.
 *   - info_sched_postpone(): a request that info_sched_due() handed out but
 *     that could not be sent (no address past DAD yet, no DNS server): not a
 *     failure (RFC 8801 §4.1: "it may therefore be necessary to wait for an
 *     address to be available"); planned again at at_ms, the 10 s spacing and
 *     the link's budget still counting it.
 *   - At most one request in flight per PvD ID (whatever the link):
 *     info_sched_due() never returns a PvD ID again before info_sched_done().
 *   - Counters added: INFO_SCHED_LINKS_STOPPED, INFO_SCHED_STALE_RESULTS,
 *     INFO_SCHED_POSTPONED, INFO_SCHED_NO_MEMORY.  Added: info_sched_uniform(), info_sched_size()
 *     and the INFO_SCHED_* limits below.
 *   - Memory: entries grow with realloc and are freed by info_sched_remove();
 *     the registry's caps bound them.  A link's record (failures, its last 5
 *     request times) goes once it has no PvD, no failure and no request in
 *     the last 10 s; call info_sched_forget_link() when a link goes down or
 *     away so that its failures go too.  The rate limits survive
 *     info_sched_remove() and info_sched_forget_link().
 *
 * A PvD no longer seen on one link (its other links stay): call
 * info_sched_update() with h_flag false for that link; info_sched_remove()
 * when the PvD is gone everywhere.
 *
 * Calling pattern: after every call that may change the plan (update, done,
 * remove, forget_link, due), loop on info_sched_due(now) until NULL, then arm
 * one timer at info_sched_next() (it may be <= now: fire at once).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define INFO_SCHED_PVD_SPACING_MS	10000	/* RFC 8801 §4.1: "RECOMMENDED to be 10 seconds" */
#define INFO_SCHED_LINK_BURST		5	/* "no more than five ... requests */
#define INFO_SCHED_LINK_WINDOW_MS	10000	/* in total on a given network within 10 seconds" */
#define INFO_SCHED_LINK_MAX_FAILURES	10	/* "If a host detects 10 or more such failures" */

enum info_sched_counter {
	INFO_SCHED_REQUESTS,		/* fetches started */
	INFO_SCHED_DEFERRED_PVD_RATE,	/* a due fetch waited for the 10 s per-PvD spacing */
	INFO_SCHED_DEFERRED_LINK_RATE,	/* ... for the 5 per 10 s per-link budget */
	INFO_SCHED_SKIPPED_FAILED,	/* not asked again: failed before on this attachment */
	INFO_SCHED_SKIPPED_LINK_FAILED,	/* not asked: 10 failures on the link */
	INFO_SCHED_FAILURES,
	INFO_SCHED_LINKS_STOPPED,	/* links that reached 10 failures */
	INFO_SCHED_SEQUENCE_CHANGES,
	INFO_SCHED_STALE_RESULTS,	/* requests abandoned or results dropped: changed in flight */
	INFO_SCHED_POSTPONED,		/* handed out, not sent: info_sched_postpone() */
	INFO_SCHED_NO_MEMORY,		/* a PvD or link not tracked: allocation failed */
	_INFO_SCHED_COUNTER_MAX,
};

struct info_sched;

int info_sched_new(struct info_sched **ret);			/* 0 or -ENOMEM */
struct info_sched *info_sched_free(struct info_sched *s);	/* NULL-safe, returns NULL */

/* What the registry says of a PvD on a link now (call on every RA / change).
 * Returns true when the current object must be deprecated at once (Sequence
 * changed or H cleared). `random` is a uniform 32-bit random number.
 * delay: the PvD option's Delay field, 0..15. */
bool info_sched_update(struct info_sched *s, const char *pvd_id, int ifindex, bool h_flag,
		       uint16_t sequence, uint8_t delay, uint64_t now_ms, uint32_t random);
void info_sched_remove(struct info_sched *s, const char *pvd_id);	/* the PvD is gone */
/* Link down/up (or gone): a new attachment.  Forgets the link's failures;
 * its PvDs are fetched again after their next info_sched_update() with H. */
void info_sched_forget_link(struct info_sched *s, int ifindex);

/* The next PvD ID to fetch at now_ms, honouring the rate limits (and marks
 * it as requested); NULL when none is due.  ret_ifindex: the link to fetch
 * through.  The string lives until info_sched_remove() or _free(). */
const char *info_sched_due(struct info_sched *s, uint64_t now_ms, int *ret_ifindex);
/* When info_sched_due() may next return something; UINT64_MAX: never.  Exact:
 * info_sched_due(t) returns non-NULL iff t >= info_sched_next(), until the
 * next call that changes the plan. */
uint64_t info_sched_next(const struct info_sched *s);
/* A fetch ended: ok with the object's expiry (monotonic ms), or failed.  An
 * expiry not after now_ms counts as a failure (RFC 8801 §4.1: "expiration
 * time that is already past ... MUST be ignored").  Returns true when the
 * object may be used (see above). */
bool info_sched_done(struct info_sched *s, const char *pvd_id, bool ok, uint64_t expires_ms, uint64_t now_ms,
		     uint32_t random);
/* The request info_sched_due() returned for pvd_id was not sent after all
 * (nothing to send it from yet): not a failure; asked again from at_ms. */
void info_sched_postpone(struct info_sched *s, const char *pvd_id, uint64_t at_ms);

const uint64_t *info_sched_counters(const struct info_sched *s);	/* [_INFO_SCHED_COUNTER_MAX] */
const char *info_sched_counter_to_string(enum info_sched_counter c);

/* A uniform integer in [0, n] from a uniform 32-bit random (multiply-shift). */
uint64_t info_sched_uniform(uint32_t random, uint64_t n);
/* (PvD, link) entries tracked (for tests and the stats file). */
size_t info_sched_size(const struct info_sched *s);
