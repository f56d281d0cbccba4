/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The additional-information scheduler (RFC 8801 §4.1), driven with injected
 * time and randomness. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "info-sched.h"

#include "tap.h"

#define RMAX UINT32_MAX
#define T0 UINT64_C(1000000)	/* an arbitrary start, far from 0 */

static uint64_t counter(const struct info_sched *s, enum info_sched_counter c)
{
	return info_sched_counters(s)[c];
}

static struct info_sched *sched_new(void)
{
	struct info_sched *s = NULL;

	if (info_sched_new(&s) < 0) {
		printf("Bail out! info_sched_new\n");
		exit(1);
	}
	return s;
}

/* due(t) returns exactly `id` (and link `ifindex`). */
static bool due_is(struct info_sched *s, uint64_t t, const char *id, int ifindex)
{
	int ifi = -1;
	const char *got = info_sched_due(s, t, &ifi);

	return got && !strcmp(got, id) && ifi == ifindex;
}

static void test_uniform(void)
{
	CHECK(info_sched_uniform(0, 1024) == 0);
	CHECK(info_sched_uniform(RMAX, 1024) == 1024);
	CHECK(info_sched_uniform(RMAX, 32768) == 32768);
	CHECK(info_sched_uniform(RMAX, UINT64_C(1) << 25) == UINT64_C(1) << 25);
	CHECK(info_sched_uniform(UINT32_C(1) << 31, 1024) == 512);
	CHECK(info_sched_uniform(RMAX, 0) == 0);
	CHECK(info_sched_uniform(RMAX, UINT32_MAX) == UINT32_MAX);
	CHECK(info_sched_uniform(RMAX, UINT64_MAX) <= UINT64_MAX);
	CHECK(info_sched_uniform(0, UINT64_MAX) == 0);
	CHECK(info_sched_uniform(RMAX, UINT64_C(1) << 40) <= UINT64_C(1) << 40);
	CHECK(info_sched_uniform(RMAX, UINT64_C(1) << 40) >= (UINT64_C(1) << 40) - 256);

	/* Every value of [0, 6] reached by evenly spaced randoms, each ~1/7. */
	{
		unsigned hits[7] = { 0 };
		bool in_range = true, even = true;

		for (uint64_t r = 0; r <= UINT32_MAX; r += 4099) {
			uint64_t v = info_sched_uniform((uint32_t)r, 6);

			if (v > 6)
				in_range = false;
			else
				hits[v]++;
		}
		for (int i = 0; i < 7; i++)
			if (hits[i] < 149000 || hits[i] > 150500)
				even = false;
		ok(in_range && even, "uniform(., 6): all in range, each value 1/7 of the randoms");
	}
}

static void test_counter_names(void)
{
	bool all = true, distinct = true;

	for (int i = 0; i < _INFO_SCHED_COUNTER_MAX; i++) {
		const char *n = info_sched_counter_to_string(i);

		if (!n || !*n)
			all = false;
		for (int j = 0; n && j < i; j++)
			if (info_sched_counter_to_string(j) && !strcmp(n, info_sched_counter_to_string(j)))
				distinct = false;
	}
	ok(all && distinct, "every counter has a distinct name");
	CHECK(info_sched_counter_to_string(_INFO_SCHED_COUNTER_MAX) == NULL);
}

/* "hosts MUST NOT do so whenever the H-flag is not set" */
static void test_no_h(void)
{
	struct info_sched *s = sched_new();

	CHECK(!info_sched_update(s, "p.example", 2, false, 1, 0, T0, 0));
	CHECK(info_sched_size(s) == 0);
	CHECK(info_sched_next(s) == UINT64_MAX);
	CHECK(info_sched_due(s, T0 + 100000000, NULL) == NULL);
	/* A Sequence change without H asks nothing either. */
	CHECK(!info_sched_update(s, "p.example", 2, false, 2, 0, T0 + 1, 0));
	CHECK(info_sched_due(s, UINT64_MAX - 1, NULL) == NULL);
	CHECK(counter(s, INFO_SCHED_REQUESTS) == 0);
	info_sched_free(s);
	CHECK(info_sched_free(NULL) == NULL);
}

/* The first fetch (H newly set) and a Sequence change: [0, 2^(10+Delay)] ms. */
static void test_sequence_delay(unsigned delay)
{
	uint64_t max = UINT64_C(1) << (10 + delay), t;

	/* random 0: at once. */
	{
		struct info_sched *s = sched_new();

		CHECK(!info_sched_update(s, "p.example", 2, true, 7, (uint8_t)delay, T0, 0));
		ok(info_sched_next(s) == T0, "Delay %u, random 0: first fetch at once", delay);
		CHECK(due_is(s, T0, "p.example", 2));
		CHECK(info_sched_next(s) == UINT64_MAX);	/* in flight */
		CHECK(info_sched_done(s, "p.example", true, T0 + 3600000, T0 + 50, 0));
		/* A Sequence change long after the fetch (no spacing in play). */
		t = T0 + 60000;
		ok(info_sched_update(s, "p.example", 2, true, 8, (uint8_t)delay, t, 0),
		   "Delay %u: Sequence change deprecates at once", delay);
		ok(info_sched_next(s) == t, "Delay %u, random 0: refetch at once", delay);
		CHECK(counter(s, INFO_SCHED_SEQUENCE_CHANGES) == 1);
		info_sched_free(s);
	}
	/* random UINT32_MAX: at 2^(10+Delay) ms exactly, not a ms earlier. */
	{
		struct info_sched *s = sched_new();

		CHECK(!info_sched_update(s, "p.example", 2, true, 7, (uint8_t)delay, T0, RMAX));
		ok(info_sched_next(s) == T0 + max, "Delay %u, random max: first fetch at +%llu ms", delay,
		   (unsigned long long)max);
		CHECK(info_sched_due(s, T0 + max - 1, NULL) == NULL);
		CHECK(due_is(s, T0 + max, "p.example", 2));
		t = T0 + max + 20;
		CHECK(info_sched_done(s, "p.example", true, t + 3600000, t, 0));
		t += 60000;
		CHECK(info_sched_update(s, "p.example", 2, true, 9, (uint8_t)delay, t, RMAX));
		ok(info_sched_next(s) == t + max, "Delay %u, random max: refetch at +%llu ms", delay,
		   (unsigned long long)max);
		CHECK(info_sched_due(s, t + max - 1, NULL) == NULL);
		CHECK(due_is(s, t + max, "p.example", 2));
		CHECK(counter(s, INFO_SCHED_REQUESTS) == 2);
		info_sched_free(s);
	}
}

static void test_deprecation(void)
{
	struct info_sched *s = sched_new();

	CHECK(!info_sched_update(s, "p.example", 2, true, 1, 0, T0, 0));
	CHECK(due_is(s, T0, "p.example", 2));
	CHECK(info_sched_done(s, "p.example", true, T0 + 3600000, T0 + 10, 0));
	/* The same RA again: nothing to deprecate, the refresh plan stays. */
	CHECK(!info_sched_update(s, "p.example", 2, true, 1, 0, T0 + 20, RMAX));
	CHECK(info_sched_next(s) == T0 + 10 + 1800000 - 5);
	/* A Delay change alone is no Sequence change. */
	CHECK(!info_sched_update(s, "p.example", 2, true, 1, 3, T0 + 30, RMAX));
	CHECK(counter(s, INFO_SCHED_SEQUENCE_CHANGES) == 0);
	/* Sequence wraps are changes too ("a different Sequence Number value"). */
	CHECK(info_sched_update(s, "p.example", 2, true, 0, 0, T0 + 40, 0));
	CHECK(counter(s, INFO_SCHED_SEQUENCE_CHANGES) == 1);
	/* H cleared: deprecate, no request any more. */
	CHECK(info_sched_update(s, "p.example", 2, false, 0, 0, T0 + 50, 0));
	CHECK(info_sched_next(s) == UINT64_MAX);
	CHECK(info_sched_due(s, T0 + 100000000, NULL) == NULL);
	/* H still clear: nothing more to deprecate. */
	CHECK(!info_sched_update(s, "p.example", 2, false, 5, 0, T0 + 60, 0));
	/* H set again: a first fetch again (the 10 s spacing still holds). */
	CHECK(!info_sched_update(s, "p.example", 2, true, 5, 0, T0 + 70, 0));
	CHECK(info_sched_next(s) == T0 + 10000);
	info_sched_free(s);
}

/* [A + (B-A)/2, B] */
static void test_refresh(void)
{
	struct info_sched *s = sched_new();
	uint64_t a = T0 + 100, b;

	CHECK(!info_sched_update(s, "p.example", 2, true, 1, 0, T0, 0));
	CHECK(due_is(s, T0, "p.example", 2));
	b = a + 100000;
	CHECK(info_sched_done(s, "p.example", true, b, a, 0));
	ok(info_sched_next(s) == a + 50000, "refresh, random 0: at A + (B-A)/2");
	CHECK(info_sched_due(s, a + 49999, NULL) == NULL);
	CHECK(due_is(s, a + 50000, "p.example", 2));

	a += 50000 + 7;
	b = a + 100001;		/* odd span */
	CHECK(info_sched_done(s, "p.example", true, b, a, RMAX));
	ok(info_sched_next(s) == b, "refresh, random max: at B");
	CHECK(info_sched_due(s, b - 1, NULL) == NULL);
	CHECK(due_is(s, b, "p.example", 2));

	a = b + 3;
	b = a + 100001;
	CHECK(info_sched_done(s, "p.example", true, b, a, UINT32_C(1) << 31));
	ok(info_sched_next(s) >= a + 50000 && info_sched_next(s) <= b, "refresh, random mid: within [A+(B-A)/2, B]");
	a = info_sched_next(s);
	CHECK(due_is(s, a, "p.example", 2));

	/* An expiry far away: no overflow. */
	a++;
	CHECK(info_sched_done(s, "p.example", true, UINT64_MAX - 1, a, RMAX));
	ok(info_sched_next(s) <= UINT64_MAX - 1 && info_sched_next(s) >= a + (UINT64_MAX - 1 - a) / 2,
	   "refresh with an expiry at the end of time: within [A+(B-A)/2, B]");

	/* An object already expired is a failure ("expiration time that is
	 * already past ... MUST be ignored"). */
	CHECK(info_sched_update(s, "p.example", 2, true, 2, 0, a + 20000, 0));
	CHECK(due_is(s, a + 20000, "p.example", 2));
	CHECK(!info_sched_done(s, "p.example", true, a + 20000, a + 20000, 0));
	CHECK(counter(s, INFO_SCHED_FAILURES) == 1);
	CHECK(info_sched_next(s) == UINT64_MAX);
	info_sched_free(s);
}

/* "a minimum time between requesting Additional Information for a given PvD
 * on the same network ... 10 seconds" */
static void test_pvd_spacing(void)
{
	struct info_sched *s = sched_new();

	CHECK(!info_sched_update(s, "p.example", 2, true, 1, 0, T0, 0));
	CHECK(due_is(s, T0, "p.example", 2));
	/* A short-lived object: the refresh would be at +500..+1000 ms. */
	CHECK(info_sched_done(s, "p.example", true, T0 + 1000, T0, 0));
	ok(info_sched_next(s) == T0 + 10000, "refresh held to 10 s after the last request");
	CHECK(info_sched_due(s, T0 + 9999, NULL) == NULL);
	CHECK(counter(s, INFO_SCHED_DEFERRED_PVD_RATE) == 1);
	CHECK(info_sched_due(s, T0 + 9999, NULL) == NULL);
	ok(counter(s, INFO_SCHED_DEFERRED_PVD_RATE) == 1, "a deferral counts once, however often polled");
	CHECK(due_is(s, T0 + 10000, "p.example", 2));

	/* A Sequence change 1 s after a request: the refetch waits too, and is
	 * counted even when the caller only wakes up at info_sched_next(). */
	CHECK(info_sched_done(s, "p.example", true, T0 + 3600000, T0 + 10500, 0));
	CHECK(info_sched_update(s, "p.example", 2, true, 2, 0, T0 + 11000, 0));
	CHECK(info_sched_next(s) == T0 + 20000);
	CHECK(due_is(s, T0 + 20000, "p.example", 2));
	CHECK(counter(s, INFO_SCHED_DEFERRED_PVD_RATE) == 2);
	CHECK(counter(s, INFO_SCHED_DEFERRED_LINK_RATE) == 0);

	/* The PvD goes and comes back at once, or its link bounces: still 10 s. */
	info_sched_remove(s, "p.example");
	CHECK(!info_sched_update(s, "p.example", 2, true, 2, 0, T0 + 20100, 0));
	ok(info_sched_next(s) == T0 + 30000, "spacing kept across remove and re-add");
	info_sched_forget_link(s, 2);
	CHECK(!info_sched_update(s, "p.example", 2, true, 2, 0, T0 + 20200, 0));
	ok(info_sched_next(s) == T0 + 30000, "spacing kept across a link bounce");
	CHECK(due_is(s, T0 + 30000, "p.example", 2));
	info_sched_free(s);
}

/* "no more than five PvD Additional Information requests in total on a given
 * network within 10 seconds" */
static void test_link_budget(void)
{
	struct info_sched *s = sched_new();
	char id[32];
	bool got[6] = { false };
	int n = 0;
	const char *p;

	for (int i = 0; i < 6; i++) {
		snprintf(id, sizeof(id), "p%d.example", i);
		CHECK(!info_sched_update(s, id, 2, true, 1, 0, T0, 0));
	}
	/* Another link has its own budget. */
	CHECK(!info_sched_update(s, "other.example", 3, true, 1, 0, T0, 0));
	CHECK(info_sched_size(s) == 7);
	CHECK(info_sched_next(s) == T0);
	while ((p = info_sched_due(s, T0, NULL)) && n < 10) {
		if (!strcmp(p, "other.example"))
			continue;
		if (sscanf(p, "p%d.example", &n) == 1 && n >= 0 && n < 6)
			got[n] = true;
		n = 0;
		for (int i = 0; i < 6; i++)
			n += got[i];
	}
	ok(n == 5, "6 PvDs due at once on one link: 5 go (%d)", n);
	CHECK(counter(s, INFO_SCHED_REQUESTS) == 6);	/* 5 + other.example */
	ok(counter(s, INFO_SCHED_DEFERRED_LINK_RATE) == 1, "the 6th is deferred and counted");
	ok(info_sched_next(s) == T0 + 10000, "info_sched_next: when the window frees");
	CHECK(info_sched_due(s, T0 + 9999, NULL) == NULL);
	for (int i = 0; i < 6; i++)
		if (!got[i]) {
			snprintf(id, sizeof(id), "p%d.example", i);
			ok(due_is(s, T0 + 10000, id, 2), "the 6th goes after the window");
		}
	CHECK(counter(s, INFO_SCHED_DEFERRED_LINK_RATE) == 1);
	CHECK(counter(s, INFO_SCHED_DEFERRED_PVD_RATE) == 0);
	info_sched_free(s);
}

/* One request in flight per PvD ID; a result that changed under way is not
 * used. */
static void test_in_flight(void)
{
	struct info_sched *s = sched_new();

	CHECK(!info_sched_update(s, "p.example", 2, true, 1, 0, T0, 0));
	CHECK(!info_sched_update(s, "p.example", 3, true, 1, 0, T0, 0));
	CHECK(info_sched_due(s, T0, NULL) != NULL);
	ok(info_sched_due(s, T0, NULL) == NULL, "the same PvD on a second link waits for the first request");
	CHECK(info_sched_next(s) == UINT64_MAX);
	CHECK(info_sched_done(s, "p.example", true, T0 + 3600000, T0 + 100, 0));
	CHECK(info_sched_next(s) == T0);
	CHECK(info_sched_due(s, T0 + 100, NULL) != NULL);
	CHECK(info_sched_done(s, "p.example", true, T0 + 3600000, T0 + 200, 0));
	ok(!info_sched_done(s, "p.example", true, T0 + 3600000, T0 + 200, 0), "done without a request: not used");

	/* Sequence change while in flight: the request is abandoned (the
	 * caller cancels it), the refetch goes as planned, and a late result
	 * of the old request is not used. */
	CHECK(info_sched_update(s, "p.example", 2, true, 2, 0, T0 + 60000, 0));
	CHECK(due_is(s, T0 + 60000, "p.example", 2));
	CHECK(info_sched_update(s, "p.example", 2, true, 3, 0, T0 + 60100, 0));
	CHECK(counter(s, INFO_SCHED_STALE_RESULTS) == 1);
	ok(info_sched_next(s) == T0 + 70000, "the refetch does not wait for the abandoned request");
	ok(!info_sched_done(s, "p.example", true, T0 + 3600000, T0 + 60200, 0), "result of an older Sequence: not used");
	CHECK(counter(s, INFO_SCHED_FAILURES) == 0);
	CHECK(info_sched_next(s) == T0 + 70000);
	CHECK(due_is(s, T0 + 70000, "p.example", 2));
	/* H cleared while in flight. */
	CHECK(info_sched_update(s, "p.example", 2, false, 3, 0, T0 + 70100, 0));
	CHECK(!info_sched_done(s, "p.example", true, T0 + 3600000, T0 + 70200, 0));
	CHECK(counter(s, INFO_SCHED_STALE_RESULTS) == 2);
	/* H back, then the link bounces while a request is in flight: the
	 * result of the old attachment is not used, its failure not counted,
	 * and the new attachment's fetch waits for it to end. */
	CHECK(!info_sched_update(s, "p.example", 2, true, 3, 0, T0 + 80000, 0));
	CHECK(due_is(s, T0 + 80000, "p.example", 2));
	info_sched_forget_link(s, 2);
	CHECK(!info_sched_update(s, "p.example", 2, true, 3, 0, T0 + 80100, 0));
	CHECK(info_sched_next(s) == UINT64_MAX);
	ok(!info_sched_done(s, "p.example", true, T0 + 3600000, T0 + 80200, 0), "result of a forgotten attachment: not used");
	CHECK(counter(s, INFO_SCHED_STALE_RESULTS) == 3);
	CHECK(info_sched_next(s) == T0 + 90000);
	info_sched_free(s);
}

/* "it may therefore be necessary to wait for an address to be available for
 * use ... before initiating the HTTP over TLS query" */
static void test_postpone(void)
{
	struct info_sched *s = sched_new();

	CHECK(!info_sched_update(s, "p.example", 2, true, 1, 0, T0, 0));
	CHECK(due_is(s, T0, "p.example", 2));
	info_sched_postpone(s, "p.example", T0 + 1000);
	CHECK(counter(s, INFO_SCHED_POSTPONED) == 1);
	CHECK(counter(s, INFO_SCHED_FAILURES) == 0);
	ok(info_sched_next(s) == T0 + 10000, "postponed: asked again, the 10 s spacing still counting");
	info_sched_postpone(s, "p.example", T0 + 1000);	/* nothing in flight: no-op */
	CHECK(counter(s, INFO_SCHED_POSTPONED) == 1);
	CHECK(due_is(s, T0 + 10000, "p.example", 2));
	info_sched_postpone(s, "p.example", T0 + 25000);
	CHECK(info_sched_next(s) == T0 + 25000);
	CHECK(due_is(s, T0 + 25000, "p.example", 2));
	CHECK(info_sched_done(s, "p.example", true, T0 + 3600000, T0 + 25100, 0));
	info_sched_free(s);
}

/* "MUST NOT request the information for that PvD ID again for the duration
 * of the local network attachment" */
static void test_failure(void)
{
	struct info_sched *s = sched_new();

	CHECK(!info_sched_update(s, "p.example", 2, true, 1, 0, T0, 0));
	CHECK(!info_sched_update(s, "q.example", 2, true, 1, 0, T0 + 50000, 0));
	CHECK(due_is(s, T0, "p.example", 2));
	CHECK(!info_sched_done(s, "p.example", false, 0, T0 + 100, 0));
	CHECK(counter(s, INFO_SCHED_FAILURES) == 1);
	CHECK(info_sched_next(s) == T0 + 50000);	/* only q */
	/* Sequence changes, H toggles, and hours pass: never again. */
	CHECK(info_sched_update(s, "P.Example", 2, true, 2, 0, T0 + 200, 0));
	CHECK(counter(s, INFO_SCHED_SKIPPED_FAILED) == 1);
	CHECK(info_sched_update(s, "p.example", 2, false, 2, 0, T0 + 300, 0));
	CHECK(!info_sched_update(s, "p.example", 2, true, 3, 0, T0 + 400, 0));
	CHECK(counter(s, INFO_SCHED_SKIPPED_FAILED) == 2);
	CHECK(due_is(s, T0 + 50000, "q.example", 2));
	ok(info_sched_due(s, T0 + 36000000, NULL) == NULL, "a failed PvD is not asked again");
	/* The same PvD on another link is another attachment. */
	CHECK(!info_sched_update(s, "p.example", 3, true, 3, 0, T0 + 500, 0));
	CHECK(info_sched_next(s) == T0 + 500);
	CHECK(due_is(s, T0 + 500, "p.example", 3));
	CHECK(info_sched_done(s, "p.example", true, T0 + 3600000, T0 + 600, 0));

	/* Link down/up: asked again after the first RA of the new attachment. */
	info_sched_forget_link(s, 2);
	CHECK(info_sched_next(s) > T0 + 600);	/* only the refresh on link 3 */
	CHECK(!info_sched_update(s, "p.example", 2, true, 3, 0, T0 + 60000, 0));
	ok(info_sched_next(s) == T0 + 60000, "forget_link: the failed PvD is asked again");
	CHECK(due_is(s, T0 + 60000, "p.example", 2));
	/* A failure reported for a request of the old attachment does not
	 * count on the new one. */
	info_sched_forget_link(s, 2);
	CHECK(!info_sched_done(s, "p.example", false, 0, T0 + 60100, 0));
	CHECK(counter(s, INFO_SCHED_FAILURES) == 1);
	CHECK(!info_sched_update(s, "p.example", 2, true, 3, 0, T0 + 80000, 0));
	CHECK(info_sched_next(s) == T0 + 80000);
	info_sched_free(s);
}

/* "If a host detects 10 or more such failures ..., the host MUST NOT make any
 * further requests for any PvD Additional Information" */
static void test_link_stop(void)
{
	struct info_sched *s = sched_new();
	uint64_t t = T0;
	char id[32];
	int failed = 0;
	const char *p;

	for (int i = 0; i < 12; i++) {
		snprintf(id, sizeof(id), "p%d.example", i);
		CHECK(!info_sched_update(s, id, 2, true, 1, 0, T0, 0));
	}
	CHECK(!info_sched_update(s, "other.example", 3, true, 1, 0, T0, RMAX));
	/* Fail every request on link 2, as the link's budget allows. */
	while (failed < 10 && t < T0 + 100000) {
		uint64_t next;
		int ifi;

		while ((p = info_sched_due(s, t, &ifi))) {
			snprintf(id, sizeof(id), "%s", p);
			if (ifi != 2) {
				CHECK(info_sched_done(s, id, true, t + 36000000, t, RMAX));
				continue;
			}
			CHECK(!info_sched_done(s, id, false, 0, t, 0));
			failed++;
		}
		next = info_sched_next(s);
		if (failed >= 10 || next == UINT64_MAX)
			break;
		t = next;
	}
	ok(failed == 10, "10 requests failed on link 2 (%d)", failed);
	CHECK(counter(s, INFO_SCHED_FAILURES) == 10);
	ok(counter(s, INFO_SCHED_LINKS_STOPPED) == 1, "10 failures: the link stops, counted");
	ok(counter(s, INFO_SCHED_SKIPPED_LINK_FAILED) == 2, "the 2 PvDs still planned there are dropped, counted");
	ok(info_sched_due(s, t + 1000000, NULL) == NULL, "nothing more asked on the stopped link");
	/* A new PvD on the stopped link: not asked, counted. */
	CHECK(!info_sched_update(s, "new.example", 2, true, 1, 0, t, 0));
	CHECK(counter(s, INFO_SCHED_SKIPPED_LINK_FAILED) == 3);
	/* The other link still fetches. */
	CHECK(!info_sched_update(s, "third.example", 3, true, 1, 0, t, 0));
	CHECK(info_sched_next(s) == t);
	CHECK(due_is(s, t, "third.example", 3));
	CHECK(info_sched_done(s, "third.example", true, t + 3600000, t, 0));
	CHECK(counter(s, INFO_SCHED_REQUESTS) == 12);
	{
		int ifi = 0;

		ok(info_sched_due(s, t + 100000000, &ifi) && ifi == 3, "refreshes go on on the other link");
	}

	/* forget_link resets: the new attachment fetches again, within the
	 * link's budget (its 5 requests of t still count until t + 10 s). */
	info_sched_forget_link(s, 2);
	CHECK(!info_sched_update(s, "p0.example", 2, true, 1, 0, t + 1, 0));
	CHECK(info_sched_next(s) == t + 10000);
	ok(due_is(s, t + 10000, "p0.example", 2), "forget_link: a stopped link fetches again");
	info_sched_free(s);
}

static void test_remove(void)
{
	struct info_sched *s = sched_new();
	char id[32];

	for (int i = 0; i < 64; i++) {
		snprintf(id, sizeof(id), "p%d.example", i);
		CHECK(!info_sched_update(s, id, 2 + i % 2, true, 1, 0, T0 + (uint64_t)i, 0));
	}
	CHECK(!info_sched_update(s, "p0.example", 5, true, 1, 0, T0, 0));
	CHECK(info_sched_size(s) == 65);
	CHECK(due_is(s, T0, "p0.example", 2));
	info_sched_remove(s, "P0.example");
	ok(info_sched_size(s) == 63, "remove drops the PvD on every link");
	ok(!info_sched_done(s, "p0.example", true, T0 + 3600000, T0 + 5, 0), "done after remove: not used");
	for (int i = 1; i < 64; i++) {
		snprintf(id, sizeof(id), "p%d.example", i);
		info_sched_remove(s, id);
	}
	info_sched_remove(s, "unknown.example");
	CHECK(info_sched_size(s) == 0);
	CHECK(info_sched_next(s) == UINT64_MAX);
	CHECK(info_sched_due(s, UINT64_MAX - 1, NULL) == NULL);
	/* Links forgotten, even unknown ones (ASan checks that all is freed). */
	info_sched_forget_link(s, 2);
	info_sched_forget_link(s, 3);
	info_sched_forget_link(s, 5);
	info_sched_forget_link(s, 99);
	/* And it still works afterwards. */
	CHECK(!info_sched_update(s, "p.example", 2, true, 1, 0, T0, 0));
	CHECK(due_is(s, T0 + 10, "p.example", 2));
	info_sched_free(s);
}

/* A small deterministic PRNG for the simulation. */
static uint32_t xorshift(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/*
 * info_sched_next() is exact: at every step of a random run, nothing is due a
 * millisecond before it and something is due at it.  Meanwhile the limits
 * hold: no PvD asked twice within 10 s on a link, no link asked more than 5
 * times in any 10 s, no PvD asked again after it failed there.
 */
#define SIM_PVDS 12
#define SIM_LINKS 3
#define SIM_LOG 4096

static void test_next_exact(void)
{
	struct info_sched *s = sched_new();
	uint32_t x = 0x9e3779b9;
	uint64_t now = T0, log_t[SIM_LOG];
	int log_link[SIM_LOG], log_pvd[SIM_LOG], n_log = 0;
	uint16_t seq[SIM_PVDS] = { 0 };
	bool failed[SIM_PVDS][SIM_LINKS] = { { false } };
	bool exact = true, spacing = true, budget = true, no_retry = true;
	char id[32];

	for (int step = 0; step < 20000 && n_log < SIM_LOG - 8; step++) {
		uint32_t r = xorshift(&x);
		int pvd = (int)(r % SIM_PVDS), link = (int)((r >> 8) % SIM_LINKS);
		uint64_t next;
		const char *p;
		int ifi;

		snprintf(id, sizeof(id), "p%d.example", pvd);
		switch ((r >> 16) % 8) {
		case 0: case 1: case 2:		/* an RA, sometimes a new Sequence */
			if ((r >> 20) % 4 == 0)
				seq[pvd]++;
			info_sched_update(s, id, 2 + link, (r >> 24) % 16 != 0, seq[pvd], (uint8_t)((r >> 26) % 4),
					  now, xorshift(&x));
			break;
		case 3:				/* a fetch ends */
			info_sched_done(s, id, (r >> 20) % 3 != 0, now + 5000 + (r >> 22) % 600000, now,
					xorshift(&x));
			break;
		case 4:
			if ((r >> 20) % 64 == 0) {
				info_sched_forget_link(s, 2 + link);
				for (int i = 0; i < SIM_PVDS; i++)
					failed[i][link] = false;
			} else if ((r >> 20) % 8 == 1) {
				info_sched_postpone(s, id, now + (r >> 24) % 20000);
			}
			break;
		case 5:
			if ((r >> 20) % 16 == 0)
				info_sched_remove(s, id);
			break;
		default:			/* time passes, to the next due */
			next = info_sched_next(s);
			if (next == UINT64_MAX) {
				now += 1000;
				break;
			}
			if (next > now) {
				if (info_sched_due(s, next - 1, NULL))
					exact = false;
				now = next;
			}
			if (!(p = info_sched_due(s, now, &ifi))) {
				exact = false;
				break;
			}
			if (sscanf(p, "p%d.example", &pvd) != 1)
				break;
			link = ifi - 2;
			if (failed[pvd][link])
				no_retry = false;
			for (int i = 0; i < n_log; i++) {
				if (log_link[i] == link && log_pvd[i] == pvd && log_t[i] + 10000 > now)
					spacing = false;
			}
			{
				int in_window = 1;

				for (int i = 0; i < n_log; i++)
					if (log_link[i] == link && log_t[i] + 10000 > now)
						in_window++;
				if (in_window > 5)
					budget = false;
			}
			log_t[n_log] = now;
			log_link[n_log] = link;
			log_pvd[n_log++] = pvd;
			/* Some fail at once, some end later (case 3). */
			if ((r >> 20) % 4 == 0) {
				info_sched_done(s, p, false, 0, now, 0);
				failed[pvd][link] = true;
			}
			break;
		}
	}
	ok(n_log > 200 && counter(s, INFO_SCHED_POSTPONED) > 0 && counter(s, INFO_SCHED_STALE_RESULTS) > 0 &&
	   counter(s, INFO_SCHED_SKIPPED_FAILED) > 0 && counter(s, INFO_SCHED_DEFERRED_LINK_RATE) > 0,
	   "simulation made %d requests, with postponed, abandoned, skipped and deferred ones", n_log);
	ok(exact, "info_sched_next is exact throughout");
	ok(spacing, "never twice within 10 s for a PvD on a link");
	ok(budget, "never more than 5 requests in 10 s on a link");
	ok(no_retry, "never again after a failure on that attachment");
	info_sched_free(s);
}

int main(void)
{
	test_uniform();
	test_counter_names();
	test_no_h();
	test_sequence_delay(0);
	test_sequence_delay(5);
	test_sequence_delay(15);
	test_deprecation();
	test_refresh();
	test_pvd_spacing();
	test_link_budget();
	test_in_flight();
	test_postpone();
	test_failure();
	test_link_stop();
	test_remove();
	test_next_exact();
	return tap_done();
}
