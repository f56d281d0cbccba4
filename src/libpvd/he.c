/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The order of Happy Eyeballs connection attempts over several PvDs.
 * Pure: no I/O.
 *
 * RFC 8305 section 4: within one answer the address families alternate,
 * starting with the family of the first (most preferred, RFC 6724)
 * address; the "First Address Family Count" is 1.  Across PvDs the
 * caller's order is the preference, and the PvDs take turns so that a dead
 * PvD costs one Connection Attempt Delay, not one per address it has. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static bool usable(const struct addrinfo *ai)
{
	return ai->ai_addr && (ai->ai_family == AF_INET || ai->ai_family == AF_INET6) &&
	       ai->ai_family == ai->ai_addr->sa_family &&
	       ai->ai_addrlen <= sizeof(struct sockaddr_storage) &&
	       ai->ai_addrlen >= (ai->ai_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) &&
	       (ai->ai_socktype == SOCK_STREAM || ai->ai_socktype == 0) &&
	       (ai->ai_protocol == IPPROTO_TCP || ai->ai_protocol == 0);
}

static bool seen(const struct addrinfo *const *ord, size_t n, const struct addrinfo *ai)
{
	for (size_t i = 0; i < n; i++)
		if (ord[i]->ai_addrlen == ai->ai_addrlen && !memcmp(ord[i]->ai_addr, ai->ai_addr, ai->ai_addrlen))
			return true;
	return false;
}

/* The next address from AI on that is usable, of FAMILY (or, if !SAME, of
 * another family) and not yet in ORD[0..N-1]. */
static const struct addrinfo *next_of(const struct addrinfo *ai, int family, bool same,
				      const struct addrinfo *const *ord, size_t n)
{
	while (ai && (!usable(ai) || (ai->ai_family == family) != same || seen(ord, n, ai)))
		ai = ai->ai_next;
	return ai;
}

/* One PvD's answer, families interleaved, into ORD; returns its length. */
static size_t interleave(const struct addrinfo *list, const struct addrinfo **ord)
{
	const struct addrinfo *a, *b, **pick;
	size_t n = 0;
	int family = 0;
	bool turn_a = true;

	for (const struct addrinfo *ai = list; ai && !family; ai = ai->ai_next)
		if (usable(ai))
			family = ai->ai_family;
	a = b = list;
	for (;;) {
		a = next_of(a, family, true, ord, n);
		b = next_of(b, family, false, ord, n);
		if (!a && !b)
			return n;
		pick = (turn_a && a) || !b ? &a : &b;
		ord[n++] = *pick;
		*pick = (*pick)->ai_next;
		turn_a = pick == &b;
	}
}

int he_candidates(struct addrinfo *const *lists, size_t n, struct he_candidate **ret, size_t *ret_n)
{
	const struct addrinfo **ord = NULL;
	size_t total = 0, *start = NULL, *len = NULL, k, m = 0, rounds = 0;
	struct he_candidate *c = NULL;
	int r = -ENOMEM;

	for (size_t i = 0; i < n; i++)
		for (const struct addrinfo *ai = lists[i]; ai; ai = ai->ai_next)
			total++;
	if (!(start = calloc(n + 1, sizeof(*start))) || !(len = calloc(n + 1, sizeof(*len))) ||
	    !(ord = calloc(total + 1, sizeof(*ord))) || !(c = calloc(total + 1, sizeof(*c))))
		goto out;
	for (size_t i = 0; i < n; i++) {
		start[i] = i ? start[i - 1] + len[i - 1] : 0;
		len[i] = interleave(lists[i], ord + start[i]);
		if (len[i] > rounds)
			rounds = len[i];
	}
	for (k = 0; k < rounds; k++)
		for (size_t i = 0; i < n; i++)
			if (k < len[i]) {
				const struct addrinfo *ai = ord[start[i] + k];

				c[m].pvd = i;
				memcpy(&c[m].addr, ai->ai_addr, ai->ai_addrlen);
				c[m].addrlen = ai->ai_addrlen;
				m++;
			}
	*ret = c;
	*ret_n = m;
	c = NULL;
	r = 0;
out:
	free(c);
	free(ord);
	free(len);
	free(start);
	return r;
}

size_t he_next(const size_t *started, const size_t *avail, size_t n)
{
	size_t best = SIZE_MAX;

	for (size_t i = 0; i < n; i++)
		if (started[i] < avail[i] && (best == SIZE_MAX || started[i] < started[best]))
			best = i;
	return best;
}

size_t he_allowed(const bool *answered, size_t n, bool delay_over)
{
	size_t k = 0;

	if (delay_over)
		return n;
	while (k < n && answered[k])
		k++;
	return k;
}
