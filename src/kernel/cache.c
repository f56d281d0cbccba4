/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the kernel holds of ours, so that a reconciliation compares the
 * desired state with it instead of dumping every address and every route of
 * every table (which made an RA cost what the host holds, not what it
 * changed):
 *   routes     all of them, any protocol, in the tables of owned VRFs (a
 *              foreign route in the way of a wanted one must be seen)
 *   addresses  all IPv6 ones on owned links
 * Filled by one dump of the host's IPv6 addresses (one per owned link cost a
 * round trip each: 256 of them after a restart with 64 PvDs on 4 links, for
 * addresses that are a few per link, foreign links included) and one dump
 * per owned table, which the kernel filters (strict checking); then kept from RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE and
 * RTNLGRP_IPV6_IFADDR events and from our own successful requests (their
 * events come later, in order, and leave the cache as the kernel has it).
 *
 * Both kept sorted (internal.h), so that an event or an answer finds its
 * entry by bisection, and a reconciliation of some tables takes theirs as
 * ranges (a scan of the whole cache per answer was a sixth of an RA's cost
 * with 32 PvDs).
 *
 * Stale, and refilled by the next reconciliation, whenever events may have
 * been missed or may never come: events lost (ENOBUFS), the set of owned
 * links changed (a new table; a link gone with its objects), or an owned
 * link went up or down (the kernel may flush a down link's routes without a
 * word: net.ipv6.route.skip_notify_on_dev_down).
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <linux/rtnetlink.h>

#include "internal.h"
#include "log.h"

/* The refresh rule, see kernel_lifetime_stale(). */
#define KERNEL_REFRESH_SLACK_MAX_MS 10000

uint64_t kernel_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void kernel_cache_invalidate(struct kernel *k)
{
	k->cache_stale = true;
}

/* Keep the addresses on owned links only. */
static void kernel_cache_addrs_own(struct kernel *k)
{
	struct kernel_addr *a = k->cache_addrs.v;
	size_t n = 0;

	for (size_t i = 0; i < k->cache_addrs.n; i++)
		if (kernel_owned_get(k, a[i].ifindex))
			a[n++] = a[i];
	k->cache_addrs.n = n;
}

int kernel_cache_sync(struct kernel *k)
{
	const struct kernel_owned *o = k->owned.v;
	int r = 0;

	if (!k->cache_stale)
		return 0;
	k->cache_routes.n = 0;
	k->cache_addrs.n = 0;
	if (k->owned.n > 0) {
		r = kernel_addrs_dump(k, 0, &k->cache_addrs);
		kernel_cache_addrs_own(k);
	}
	for (size_t i = 0; r == 0 && i < k->owned.n; i++)
		if (o[i].l.kind == OWNED_VRF)
			r = kernel_routes_dump(k, o[i].l.table, &k->cache_routes);
	if (r < 0)
		return r;       /* still stale: the next reconciliation tries again */
	kernel_vec_sort(&k->cache_routes, kernel_route_sort_cmp);
	kernel_vec_sort(&k->cache_addrs, kernel_addr_cmp);
	k->cache_stale = false;
	log_debug("kernel cache refilled: %zu routes in our tables, %zu addresses on our links",
		  k->cache_routes.n, k->cache_addrs.n);
	return 0;
}

static bool kernel_cache_route_same(const struct kernel_route *a, const struct kernel_route *b)
{
	return !kernel_route_key_cmp(a, b) && a->type == b->type &&
	       a->oif == b->oif && IN6_ARE_ADDR_EQUAL(&a->gw, &b->gw);
}

/* An RTM_NEWROUTE or RTM_DELROUTE, from an event or from our own request
 * that the kernel accepted.  NLM_F_REPLACE: the route took the place of the
 * one with its key (table, dst/plen, metric), which is what the kernel
 * replaced.  A deletion of a route the cache lacks is one it saw already. */
bool kernel_cache_route_update(struct kernel *k, uint16_t type, uint16_t flags, const struct kernel_route *rt,
			       struct kernel_route *ret_removed)
{
	bool replace = type == RTM_NEWROUTE && (flags & NLM_F_REPLACE);
	struct kernel_route *c = k->cache_routes.v, *p;
	size_t i;

	if (k->cache_stale || !kernel_table_owned(k, rt->table))
		return false;
	/* The entries with rt's key, then where one with it goes. */
	for (i = kernel_vec_lower(&k->cache_routes, rt, kernel_route_sort_cmp);
	     i < k->cache_routes.n && !kernel_route_key_cmp(&c[i], rt); i++) {
		if (!replace && !kernel_cache_route_same(&c[i], rt))
			continue;
		if (type != RTM_DELROUTE) {
			c[i] = *rt;
			return false;
		}
		if (ret_removed)
			*ret_removed = c[i];
		kernel_vec_remove(&k->cache_routes, i);
		return true;
	}
	if (type == RTM_DELROUTE)
		return false;
	p = kernel_vec_insert(&k->cache_routes, i);
	if (p)
		*p = *rt;
	else
		kernel_cache_invalidate(k);
	return false;
}

struct kernel_addr *kernel_cache_addr_find(struct kernel *k, int ifindex, const struct in6_addr *addr)
{
	return (struct kernel_addr *)kernel_addr_lookup(&k->cache_addrs, ifindex, addr);
}

/* An RTM_NEWADDR or RTM_DELADDR, from an event or from our own request.  An
 * IPv6 address is one per (link, address): a replace keeps it. */
bool kernel_cache_addr_update(struct kernel *k, uint16_t type, const struct kernel_addr *a)
{
	struct kernel_addr *c;

	if (k->cache_stale || !kernel_owned_get(k, a->ifindex))
		return false;
	c = kernel_cache_addr_find(k, a->ifindex, &a->addr);
	if (type == RTM_DELADDR) {
		if (c)
			kernel_vec_remove(&k->cache_addrs, (size_t)(c - (struct kernel_addr *)k->cache_addrs.v));
		return c != NULL;
	}
	/* One per (link, address): the prefix length may change in place. */
	if (!c)
		c = kernel_vec_insert(&k->cache_addrs, kernel_vec_lower(&k->cache_addrs, a, kernel_addr_cmp));
	if (c)
		*c = *a;
	else
		kernel_cache_invalidate(k);
	return false;
}

/*
 * Must an object the kernel expires at `have` be refreshed to expire
 * `want_s` seconds after `now` (UINT32_MAX: never)?  Yes if it would outlive
 * that by more than a second (the kernel counts whole seconds): nothing
 * outlives its RA.  Yes if it would expire earlier by more than the slack, a
 * quarter of the wanted lifetime and at most 10 s.  Otherwise no: a router
 * repeating the same lifetimes every few seconds must not cost a request per
 * object per RA, and the kernel's expiry stays within the slack of the
 * wanted one.
 */
bool kernel_lifetime_stale(uint64_t have, uint32_t want_s, uint64_t now)
{
	uint64_t want, slack;

	if (want_s == UINT32_MAX || have == KERNEL_FOREVER)
		return want_s != UINT32_MAX || have != KERNEL_FOREVER;
	want = now + (uint64_t)want_s * 1000;
	if (have > want + 1000)
		return true;
	slack = (uint64_t)want_s * 1000 / 4;
	if (slack > KERNEL_REFRESH_SLACK_MAX_MS)
		slack = KERNEL_REFRESH_SLACK_MAX_MS;
	return have + slack < want;
}

void kernel_cache_done(struct kernel *k)
{
	kernel_vec_done(&k->cache_routes);
	kernel_vec_done(&k->cache_addrs);
}
