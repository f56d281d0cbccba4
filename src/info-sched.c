/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * When to fetch PvD Additional Information (see info-sched.h).  Pure: the
 * caller passes the monotonic time and the randomness; nothing here reads a
 * clock, does I/O or keeps globals.
 *
 * The plan of one (PvD, link) is a single threshold: it may be requested at
 * max(due, its last request + 10 s, when the link's budget frees up), never
 * while a request for its PvD ID is in flight, never after it failed on this
 * attachment and never on a link that stopped.  Between two calls that change
 * the plan none of those thresholds moves, so info_sched_next() is their
 * minimum over the entries, exactly.
 *
 * Invariant: an entry is `scheduled` only if it may be requested some day,
 * i.e. its link has neither stopped nor seen its PvD ID fail; whatever breaks
 * that (a failure, the 10th failure) unschedules it and counts.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "info-sched.h"

struct link {
	int ifindex;
	unsigned generation;		/* bumped by info_sched_forget_link() */
	unsigned n_failures;
	bool stopped;
	/* The PvD IDs that failed here: no more than INFO_SCHED_LINK_MAX_FAILURES
	 * can be needed, as the link stops at that many. */
	char *failed[INFO_SCHED_LINK_MAX_FAILURES];
	unsigned n_failed;
	/* The last INFO_SCHED_LINK_BURST requests, a ring: req[head] is the
	 * oldest once full.  The budget lets no more through in 10 s, so the
	 * ring holds every request of the last 10 s, and with them the 10 s
	 * spacing of each PvD, even of one removed and back meanwhile. */
	uint64_t req[INFO_SCHED_LINK_BURST];
	uint64_t req_id[INFO_SCHED_LINK_BURST];	/* id_hash() of its PvD ID */
	unsigned n_req, head;
};

/* One (PvD ID, link) attachment. */
struct entry {
	char *id;
	int ifindex;
	bool h, have_sequence;
	uint16_t sequence;
	uint8_t delay;
	bool new_attachment;		/* info_sched_forget_link() since the last update */

	bool scheduled;
	uint64_t due_ms;		/* the RFC's randomised target time */
	bool deferred_pvd, deferred_link;	/* counted for this scheduled fetch */

	bool in_flight, stale;
	unsigned request_generation;	/* of the link, when requested */
};

struct info_sched {
	struct entry *entries;
	size_t n_entries, n_alloc;
	struct link *links;
	size_t n_links, n_links_alloc;
	uint64_t counters[_INFO_SCHED_COUNTER_MAX];
};

static const char *const counter_names[_INFO_SCHED_COUNTER_MAX] = {
	[INFO_SCHED_REQUESTS] = "requests",
	[INFO_SCHED_DEFERRED_PVD_RATE] = "deferred-pvd-rate",
	[INFO_SCHED_DEFERRED_LINK_RATE] = "deferred-link-rate",
	[INFO_SCHED_SKIPPED_FAILED] = "skipped-failed",
	[INFO_SCHED_SKIPPED_LINK_FAILED] = "skipped-link-failed",
	[INFO_SCHED_FAILURES] = "failures",
	[INFO_SCHED_LINKS_STOPPED] = "links-stopped",
	[INFO_SCHED_SEQUENCE_CHANGES] = "sequence-changes",
	[INFO_SCHED_STALE_RESULTS] = "stale-results",
	[INFO_SCHED_POSTPONED] = "postponed",
	[INFO_SCHED_NO_MEMORY] = "no-memory",
};

const char *info_sched_counter_to_string(enum info_sched_counter c)
{
	if ((unsigned)c >= _INFO_SCHED_COUNTER_MAX)
		return NULL;
	return counter_names[c];
}

/*
 * Uniform in [0, n]: Lemire's multiply-shift, floor(random * (n + 1) / 2^32),
 * computed in 128 bits so that no n overflows.  random = 0 gives 0, and
 * random = UINT32_MAX gives n whenever n < 2^32.  No modulo and no rejection
 * loop: each result has floor or ceil of 2^32 / (n + 1) of the random values,
 * a relative bias below (n + 1) / 2^32: under 2^-22 for the Sequence-change
 * delay with Delay 0 (n = 2^10) and under 2^-7 with Delay 15 (n = 2^25),
 * which no server's load can tell.  For n >= 2^32 (a refresh span of more
 * than 49 days) the results are 2^32 values spread evenly over [0, n].
 */
uint64_t info_sched_uniform(uint32_t random, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)random * ((unsigned __int128)n + 1)) >> 32);
}

int info_sched_new(struct info_sched **ret)
{
	struct info_sched *s;

	assert(ret);
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}

static void link_clear_failures(struct link *l)
{
	for (size_t i = 0; i < l->n_failed; i++) {
		free(l->failed[i]);
		l->failed[i] = NULL;
	}
	l->n_failed = l->n_failures = 0;
	l->stopped = false;
}

struct info_sched *info_sched_free(struct info_sched *s)
{
	if (!s)
		return NULL;
	for (size_t i = 0; i < s->n_entries; i++)
		free(s->entries[i].id);
	for (size_t i = 0; i < s->n_links; i++)
		link_clear_failures(&s->links[i]);
	free(s->entries);
	free(s->links);
	free(s);
	return NULL;
}

const uint64_t *info_sched_counters(const struct info_sched *s)
{
	return s->counters;
}

size_t info_sched_size(const struct info_sched *s)
{
	return s->n_entries;
}

static struct entry *entry_find(const struct info_sched *s, const char *id, int ifindex)
{
	for (size_t i = 0; i < s->n_entries; i++)
		if (s->entries[i].ifindex == ifindex && !strcasecmp(s->entries[i].id, id))
			return &s->entries[i];
	return NULL;
}

/* The entry of `id` with a request in flight: at most one. */
static struct entry *entry_in_flight(const struct info_sched *s, const char *id)
{
	for (size_t i = 0; i < s->n_entries; i++)
		if (s->entries[i].in_flight && !strcasecmp(s->entries[i].id, id))
			return &s->entries[i];
	return NULL;
}

static struct entry *entry_add(struct info_sched *s, const char *id, int ifindex)
{
	struct entry *e;
	char *copy;

	if (s->n_entries == s->n_alloc) {
		size_t n = s->n_alloc ? 2 * s->n_alloc : 8;
		struct entry *p = reallocarray(s->entries, n, sizeof(*p));

		if (!p)
			return NULL;
		s->entries = p;
		s->n_alloc = n;
	}
	copy = strdup(id);
	if (!copy)
		return NULL;
	e = &s->entries[s->n_entries++];
	*e = (struct entry) { .id = copy, .ifindex = ifindex };
	return e;
}

static void entry_delete(struct info_sched *s, size_t i)
{
	free(s->entries[i].id);
	s->entries[i] = s->entries[--s->n_entries];
	if (s->n_entries == 0) {
		free(s->entries);
		s->entries = NULL;
		s->n_alloc = 0;
	} else if (s->n_entries < s->n_alloc / 4) {
		struct entry *p = reallocarray(s->entries, s->n_alloc / 2, sizeof(*p));

		if (p) {
			s->entries = p;
			s->n_alloc /= 2;
		}
	}
}

static struct link *link_find(const struct info_sched *s, int ifindex)
{
	for (size_t i = 0; i < s->n_links; i++)
		if (s->links[i].ifindex == ifindex)
			return &s->links[i];
	return NULL;
}

static bool link_in_use(const struct info_sched *s, const struct link *l, uint64_t now)
{
	if (l->n_failures || l->stopped)
		return true;	/* the attachment's memory, until forget_link */
	if (l->n_req && l->req[(l->head + l->n_req - 1) % INFO_SCHED_LINK_BURST] + INFO_SCHED_LINK_WINDOW_MS > now)
		return true;	/* a request of the last 10 s */
	for (size_t i = 0; i < s->n_entries; i++)
		if (s->entries[i].ifindex == l->ifindex)
			return true;
	return false;
}

/* The link's record, created if needed; records nothing needs any more are
 * dropped first, so they are bounded by the links with PvDs, failures or
 * recent requests. */
static struct link *link_get(struct info_sched *s, int ifindex, uint64_t now)
{
	struct link *l = link_find(s, ifindex);

	if (l)
		return l;
	for (size_t i = 0; i < s->n_links;)
		if (link_in_use(s, &s->links[i], now))
			i++;
		else
			s->links[i] = s->links[--s->n_links];
	if (s->n_links == s->n_links_alloc) {
		size_t n = s->n_links_alloc ? 2 * s->n_links_alloc : 4;
		struct link *p = reallocarray(s->links, n, sizeof(*p));

		if (!p)
			return NULL;
		s->links = p;
		s->n_links_alloc = n;
	}
	l = &s->links[s->n_links++];
	*l = (struct link) { .ifindex = ifindex };
	return l;
}

static bool link_failed(const struct link *l, const char *id)
{
	for (size_t i = 0; i < l->n_failed; i++)
		if (!strcasecmp(l->failed[i], id))
			return true;
	return false;
}

/* From when the link's budget allows one more request: "no more than five
 * PvD Additional Information requests in total on a given network within 10
 * seconds" (RFC 8801 §4.1).  A request at t counts during [t, t + 10 s). */
static uint64_t link_free_at(const struct link *l)
{
	if (l->n_req < INFO_SCHED_LINK_BURST)
		return 0;
	return l->req[l->head] + INFO_SCHED_LINK_WINDOW_MS;
}

/* FNV-1a over the lowercased ID.  A collision only makes two PvDs share
 * the 10 s spacing. */
static uint64_t id_hash(const char *id)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (; *id; id++) {
		h ^= (uint8_t)(*id >= 'A' && *id <= 'Z' ? *id - 'A' + 'a' : *id);
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

static void link_add_request(struct link *l, const char *id, uint64_t now)
{
	unsigned i;

	if (l->n_req < INFO_SCHED_LINK_BURST) {
		i = (l->head + l->n_req++) % INFO_SCHED_LINK_BURST;
	} else {
		i = l->head;
		l->head = (l->head + 1) % INFO_SCHED_LINK_BURST;
	}
	l->req[i] = now;
	l->req_id[i] = id_hash(id);
}

/* "hosts MUST enforce a minimum time between requesting Additional
 * Information for a given PvD on the same network" (RFC 8801 §4.1). */
static uint64_t pvd_free_at(const struct link *l, const char *id)
{
	uint64_t h = id_hash(id), t = 0;

	for (unsigned i = 0; i < l->n_req; i++)
		if (l->req_id[i] == h && l->req[i] + INFO_SCHED_PVD_SPACING_MS > t)
			t = l->req[i] + INFO_SCHED_PVD_SPACING_MS;
	return t;
}

static uint64_t max3(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t m = a > b ? a : b;

	return m > c ? m : c;
}

/* Plan a fetch at `due`, unless this attachment refuses it. */
static void schedule(struct info_sched *s, struct entry *e, uint64_t due)
{
	const struct link *l = link_find(s, e->ifindex);

	e->scheduled = false;
	assert(l);
	/* "MUST NOT make any further requests for any PvD Additional
	 * Information, belonging to any PvD ID, for the duration of the local
	 * network attachment" (RFC 8801 §4.1). */
	if (l->stopped) {
		s->counters[INFO_SCHED_SKIPPED_LINK_FAILED]++;
		return;
	}
	/* "MUST NOT request the information for that PvD ID again for the
	 * duration of the local network attachment" (RFC 8801 §4.1). */
	if (link_failed(l, e->id)) {
		s->counters[INFO_SCHED_SKIPPED_FAILED]++;
		return;
	}
	e->scheduled = true;
	e->due_ms = due;
	e->deferred_pvd = e->deferred_link = false;
}

/* "a random time between zero and 2**(10 + Delay) milliseconds" (RFC 8801
 * §4.1), from now. */
static void schedule_after_sequence(struct info_sched *s, struct entry *e, uint64_t now, uint32_t random)
{
	schedule(s, e, now + info_sched_uniform(random, UINT64_C(1) << (10 + e->delay)));
}

/* The object is deprecated while a request for it is in flight: the caller
 * cancels the request (info_sched_update() returned true), so it is no longer
 * in flight and a later info_sched_done() for it finds nothing. */
static void abandon(struct info_sched *s, struct entry *e)
{
	if (!e->in_flight)
		return;
	e->in_flight = e->stale = false;
	s->counters[INFO_SCHED_STALE_RESULTS]++;
}

bool info_sched_update(struct info_sched *s, const char *pvd_id, int ifindex, bool h_flag,
		       uint16_t sequence, uint8_t delay, uint64_t now_ms, uint32_t random)
{
	struct entry *e;
	bool was_h, changed, fresh;

	assert(s && pvd_id && *pvd_id);
	assert(delay <= 15);

	e = entry_find(s, pvd_id, ifindex);
	if (!e) {
		/* "hosts MUST NOT do so whenever the H-flag is not set" (RFC
		 * 8801 §4.1): without H there is nothing to remember. */
		if (!h_flag)
			return false;
		if (!link_get(s, ifindex, now_ms) || !(e = entry_add(s, pvd_id, ifindex))) {
			s->counters[INFO_SCHED_NO_MEMORY]++;
			return false;
		}
	}

	was_h = e->h;
	changed = was_h && h_flag && e->have_sequence && sequence != e->sequence;
	fresh = !was_h || e->new_attachment;

	e->h = h_flag;
	e->delay = delay;
	if (h_flag) {
		e->sequence = sequence;
		e->have_sequence = true;
		e->new_attachment = false;
	}

	if (!h_flag) {
		/* H cleared: no more requests; one in flight is abandoned. */
		e->scheduled = false;
		abandon(s, e);
		return was_h;
	}
	if (changed) {
		/* "Whenever a new RA for the same PvD is received with a
		 * different Sequence Number value, ... hosts MUST deprecate the
		 * additional information and stop using it" (RFC 8801 §4.1);
		 * the refetch: "it MUST add a delay before sending the query". */
		s->counters[INFO_SCHED_SEQUENCE_CHANGES]++;
		abandon(s, e);
		schedule_after_sequence(s, e, now_ms, random);
		return true;
	}
	if (fresh) {
		/* H newly set, or the first RA of a new attachment: the first
		 * fetch, delayed the same way so that the hosts of a link that
		 * comes up do not all ask at once. */
		schedule_after_sequence(s, e, now_ms, random);
	}
	return false;
}

void info_sched_remove(struct info_sched *s, const char *pvd_id)
{
	assert(s && pvd_id);
	for (size_t i = 0; i < s->n_entries;)
		if (!strcasecmp(s->entries[i].id, pvd_id))
			entry_delete(s, i);
		else
			i++;
}

void info_sched_forget_link(struct info_sched *s, int ifindex)
{
	struct link *l = link_find(s, ifindex);

	assert(s);
	for (size_t i = 0; i < s->n_entries; i++) {
		struct entry *e = &s->entries[i];

		if (e->ifindex != ifindex)
			continue;
		e->scheduled = false;
		e->new_attachment = true;
		if (e->in_flight)
			e->stale = true;
	}
	if (!l)
		return;
	/* A new attachment: its failures are forgotten.  The request times
	 * stay: the limits protect the servers, whatever our link did. */
	link_clear_failures(l);
	l->generation++;
}

/* When e may be requested; UINT64_MAX: not before another call changes the
 * plan (unplanned, or a request for its PvD ID in flight). */
static uint64_t entry_ready_at(const struct info_sched *s, const struct entry *e)
{
	const struct link *l;

	if (!e->scheduled || entry_in_flight(s, e->id))
		return UINT64_MAX;
	l = link_find(s, e->ifindex);
	assert(l && !l->stopped);
	return max3(e->due_ms, pvd_free_at(l, e->id), link_free_at(l));
}

uint64_t info_sched_next(const struct info_sched *s)
{
	uint64_t next = UINT64_MAX;

	assert(s);
	for (size_t i = 0; i < s->n_entries; i++) {
		uint64_t t = entry_ready_at(s, &s->entries[i]);

		if (t < next)
			next = t;
	}
	return next;
}

/* A planned fetch is held back by a rate limit: count it once per reason.
 * Both thresholds only grow, so counting when first seen or when the fetch
 * finally goes out gives the same totals. */
static void count_deferral(struct info_sched *s, struct entry *e, const struct link *l, uint64_t now)
{
	if (e->due_ms > now)
		return;
	if (pvd_free_at(l, e->id) > e->due_ms && !e->deferred_pvd) {
		e->deferred_pvd = true;
		s->counters[INFO_SCHED_DEFERRED_PVD_RATE]++;
	}
	if (link_free_at(l) > e->due_ms && !e->deferred_link) {
		e->deferred_link = true;
		s->counters[INFO_SCHED_DEFERRED_LINK_RATE]++;
	}
}

const char *info_sched_due(struct info_sched *s, uint64_t now_ms, int *ret_ifindex)
{
	struct entry *best = NULL;
	struct link *l;

	assert(s);
	for (size_t i = 0; i < s->n_entries; i++) {
		struct entry *e = &s->entries[i];
		uint64_t t = entry_ready_at(s, e);

		if (t == UINT64_MAX)
			continue;
		count_deferral(s, e, link_find(s, e->ifindex), now_ms);
		/* The longest-waiting first. */
		if (t <= now_ms && (!best || e->due_ms < best->due_ms))
			best = e;
	}
	if (!best)
		return NULL;

	l = link_find(s, best->ifindex);
	link_add_request(l, best->id, now_ms);
	best->scheduled = false;
	best->in_flight = true;
	best->stale = false;
	best->request_generation = l->generation;
	s->counters[INFO_SCHED_REQUESTS]++;
	if (ret_ifindex)
		*ret_ifindex = best->ifindex;
	return best->id;
}

static void unschedule_on_link(struct info_sched *s, const struct link *l, const char *id_or_null,
			       enum info_sched_counter why)
{
	for (size_t i = 0; i < s->n_entries; i++) {
		struct entry *e = &s->entries[i];

		if (e->ifindex == l->ifindex && e->scheduled && (!id_or_null || !strcasecmp(e->id, id_or_null))) {
			e->scheduled = false;
			s->counters[why]++;
		}
	}
}

void info_sched_postpone(struct info_sched *s, const char *pvd_id, uint64_t at_ms)
{
	struct entry *e;

	assert(s && pvd_id);
	e = entry_in_flight(s, pvd_id);
	if (!e)
		return;
	e->in_flight = false;
	s->counters[INFO_SCHED_POSTPONED]++;
	if (e->stale) {
		/* Its attachment is gone: the next RA plans anew. */
		e->stale = false;
		return;
	}
	schedule(s, e, at_ms);
}

/* "If the request for PvD Additional Information fails due to a TLS
 * certificate validation error, an HTTP error, or because the retrieved file
 * does not contain valid PvD JSON, hosts ... MUST NOT request the
 * information for that PvD ID again for the duration of the local network
 * attachment.  If a host detects 10 or more such failures ..., the host MUST
 * NOT make any further requests for any PvD Additional Information"
 * (RFC 8801 §4.1). */
static void link_failure(struct info_sched *s, struct link *l, const char *id)
{
	bool stop;

	s->counters[INFO_SCHED_FAILURES]++;
	if (l->stopped)
		return;
	stop = ++l->n_failures >= INFO_SCHED_LINK_MAX_FAILURES;
	if (!stop && !link_failed(l, id)) {
		/* n_failed < n_failures <= 9: a slot is free. */
		char *copy = strdup(id);

		if (copy) {
			l->failed[l->n_failed++] = copy;
		} else {
			/* Unable to remember the name: stop the link rather
			 * than ever ask that PvD again. */
			s->counters[INFO_SCHED_NO_MEMORY]++;
			stop = true;
		}
	}
	if (!stop) {
		unschedule_on_link(s, l, id, INFO_SCHED_SKIPPED_FAILED);
		return;
	}
	l->stopped = true;
	s->counters[INFO_SCHED_LINKS_STOPPED]++;
	unschedule_on_link(s, l, NULL, INFO_SCHED_SKIPPED_LINK_FAILED);
}

bool info_sched_done(struct info_sched *s, const char *pvd_id, bool ok, uint64_t expires_ms, uint64_t now_ms,
		     uint32_t random)
{
	struct entry *e;
	struct link *l;
	bool stale;

	assert(s && pvd_id);
	e = entry_in_flight(s, pvd_id);
	if (!e)
		return false;
	e->in_flight = false;
	stale = e->stale;
	e->stale = false;
	l = link_find(s, e->ifindex);
	assert(l);

	if (ok && expires_ms <= now_ms)
		ok = false;
	if (!ok) {
		/* A failure of an earlier attachment is not this one's. */
		if (l->generation == e->request_generation)
			link_failure(s, l, e->id);
		if (stale)
			s->counters[INFO_SCHED_STALE_RESULTS]++;
		return false;
	}
	if (stale) {
		s->counters[INFO_SCHED_STALE_RESULTS]++;
		return false;
	}
	/* "When a host last retrieved a JSON object at time A that includes a
	 * expiry time B using the "expires" key, ... The target time for
	 * fetching the updated object is calculated as a uniformly random time
	 * in the interval [(B-A)/2,B]" (RFC 8801 §4.1), read as [A + (B-A)/2,
	 * B]: instants between the fetch and the expiry. */
	{
		uint64_t span = expires_ms - now_ms, half = span / 2;

		schedule(s, e, now_ms + half + info_sched_uniform(random, span - half));
	}
	return true;
}
