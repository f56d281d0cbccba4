/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Field-by-field views of a struct ndisc_ra for the unit tests and the fuzz
 * target.  ndisc_parse_ra() fills the caller's struct in place and defines
 * only the scalars, the entries below each count and names up to their NUL
 * (include/ndisc.h); these helpers read exactly that and nothing else, so a
 * parser that leaked an unset byte into a defined field shows up as two
 * parses that differ.  Written independently of src/ndisc.c.
 */

#include <stdbool.h>
#include <string.h>

#include "ndisc.h"

#define NDISC_EQ(a, b, f) ((a)->f == (b)->f)

static inline bool ndisc_test_in6_eq(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static inline bool ndisc_test_header_eq(const struct ndisc_ra_header *a,
					const struct ndisc_ra_header *b)
{
	return NDISC_EQ(a, b, cur_hop_limit) && NDISC_EQ(a, b, flags) &&
	       NDISC_EQ(a, b, managed) && NDISC_EQ(a, b, other) &&
	       NDISC_EQ(a, b, preference) && NDISC_EQ(a, b, router_lifetime) &&
	       NDISC_EQ(a, b, reachable_time) && NDISC_EQ(a, b, retrans_timer);
}

static inline bool ndisc_test_header_zero(const struct ndisc_ra_header *h)
{
	static const struct ndisc_ra_header zero;

	return ndisc_test_header_eq(h, &zero);
}

static inline bool ndisc_test_options_eq(const struct ndisc_options *a,
					 const struct ndisc_options *b)
{
	if (!NDISC_EQ(a, b, has_lladdr) || !NDISC_EQ(a, b, has_mtu) ||
	    !NDISC_EQ(a, b, n_prefixes) || !NDISC_EQ(a, b, n_routes) ||
	    !NDISC_EQ(a, b, n_rdnss) || !NDISC_EQ(a, b, n_dnssl) || !NDISC_EQ(a, b, n_pref64))
		return false;
	if (a->has_lladdr && (!NDISC_EQ(a, b, lladdr_len) ||
			      a->lladdr_len > NDISC_LLADDR_MAX ||
			      memcmp(a->lladdr, b->lladdr, a->lladdr_len) != 0))
		return false;
	if (a->has_mtu && !NDISC_EQ(a, b, mtu))
		return false;
	if (a->n_prefixes > NDISC_PIO_MAX || a->n_routes > NDISC_RIO_MAX ||
	    a->n_rdnss > NDISC_RDNSS_MAX || a->n_dnssl > NDISC_DNSSL_MAX ||
	    a->n_pref64 > NDISC_PREF64_MAX)
		return false;
	for (size_t i = 0; i < a->n_prefixes; i++) {
		const struct ndisc_prefix *x = &a->prefixes[i], *y = &b->prefixes[i];

		if (!ndisc_test_in6_eq(&x->prefix, &y->prefix) || !NDISC_EQ(x, y, prefix_len) ||
		    !NDISC_EQ(x, y, flags) || !NDISC_EQ(x, y, on_link) ||
		    !NDISC_EQ(x, y, autonomous) || !NDISC_EQ(x, y, valid_lifetime) ||
		    !NDISC_EQ(x, y, preferred_lifetime))
			return false;
	}
	for (size_t i = 0; i < a->n_routes; i++) {
		const struct ndisc_route *x = &a->routes[i], *y = &b->routes[i];

		if (!ndisc_test_in6_eq(&x->prefix, &y->prefix) || !NDISC_EQ(x, y, prefix_len) ||
		    !NDISC_EQ(x, y, preference) || !NDISC_EQ(x, y, lifetime))
			return false;
	}
	for (size_t i = 0; i < a->n_rdnss; i++)
		if (!ndisc_test_in6_eq(&a->rdnss[i].address, &b->rdnss[i].address) ||
		    !NDISC_EQ(&a->rdnss[i], &b->rdnss[i], lifetime))
			return false;
	for (size_t i = 0; i < a->n_dnssl; i++)
		if (strncmp(a->dnssl[i].name, b->dnssl[i].name, NDISC_NAME_MAX + 1) != 0 ||
		    !NDISC_EQ(&a->dnssl[i], &b->dnssl[i], lifetime))
			return false;
	for (size_t i = 0; i < a->n_pref64; i++)
		if (!ndisc_test_in6_eq(&a->pref64[i].prefix, &b->pref64[i].prefix) ||
		    !NDISC_EQ(&a->pref64[i], &b->pref64[i], prefix_len) ||
		    !NDISC_EQ(&a->pref64[i], &b->pref64[i], lifetime))
			return false;
	return true;
}

static inline bool ndisc_test_options_empty(const struct ndisc_options *o)
{
	return !o->has_lladdr && !o->has_mtu && o->n_prefixes == 0 && o->n_routes == 0 &&
	       o->n_rdnss == 0 && o->n_dnssl == 0 && o->n_pref64 == 0;
}

/* The "empty" PvD part: what has_pvd == false promises. */
static inline bool ndisc_test_pvd_empty(const struct ndisc_pvd *p)
{
	return p->fqdn[0] == '\0' && !p->http && !p->legacy && p->delay == 0 &&
	       p->sequence == 0 && !p->has_ra_header && ndisc_test_header_zero(&p->ra_header) &&
	       ndisc_test_options_empty(&p->options);
}

/* What a rejected RA leaves (include/ndisc.h). */
static inline bool ndisc_test_ra_empty(const struct ndisc_ra *ra)
{
	static const struct in6_addr any;

	return ra->ifindex == 0 && ndisc_test_in6_eq(&ra->src, &any) &&
	       ndisc_test_header_zero(&ra->header) && ndisc_test_options_empty(&ra->options) &&
	       !ra->has_pvd && ndisc_test_pvd_empty(&ra->pvd) &&
	       ra->n_options == 0 && ra->n_ignored == 0;
}

static inline bool ndisc_test_ra_eq(const struct ndisc_ra *a, const struct ndisc_ra *b)
{
	if (!NDISC_EQ(a, b, ifindex) || !ndisc_test_in6_eq(&a->src, &b->src) ||
	    !ndisc_test_header_eq(&a->header, &b->header) ||
	    !ndisc_test_options_eq(&a->options, &b->options) || !NDISC_EQ(a, b, has_pvd) ||
	    !NDISC_EQ(a, b, n_options) || !NDISC_EQ(a, b, n_ignored) ||
	    a->n_ignored > NDISC_IGNORED_MAX)
		return false;
	if (a->has_pvd) {
		const struct ndisc_pvd *x = &a->pvd, *y = &b->pvd;

		if (strncmp(x->fqdn, y->fqdn, NDISC_NAME_MAX + 1) != 0 || !NDISC_EQ(x, y, http) ||
		    !NDISC_EQ(x, y, legacy) || !NDISC_EQ(x, y, delay) ||
		    !NDISC_EQ(x, y, sequence) || !NDISC_EQ(x, y, has_ra_header) ||
		    (x->has_ra_header && !ndisc_test_header_eq(&x->ra_header, &y->ra_header)) ||
		    !ndisc_test_options_eq(&x->options, &y->options))
			return false;
	} else if (!ndisc_test_pvd_empty(&a->pvd) || !ndisc_test_pvd_empty(&b->pvd)) {
		return false;
	}
	for (size_t i = 0; i < a->n_ignored; i++)
		if (!NDISC_EQ(&a->ignored[i], &b->ignored[i], type) ||
		    !NDISC_EQ(&a->ignored[i], &b->ignored[i], in_pvd) ||
		    !NDISC_EQ(&a->ignored[i], &b->ignored[i], reason))
			return false;
	return true;
}
