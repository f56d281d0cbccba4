/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The reconciler's cache (src/kernel/cache.c) without a kernel: how events
 * and our own requests update it, what it keeps, and the refresh rule. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <linux/rtnetlink.h>

#include "../../src/kernel/internal.h"

#include "tap.h"

#define PROTO 249

static struct kernel_route route(const char *dst, uint8_t plen, uint32_t metric, int oif, uint8_t proto)
{
	struct kernel_route rt = {
		.family = AF_INET6, .table = 1001, .plen = plen, .metric = metric, .oif = oif, .proto = proto,
		.type = RTN_UNICAST, .expires = KERNEL_FOREVER,
	};

	inet_pton(AF_INET6, dst, &rt.dst);
	return rt;
}

static void test_routes(struct kernel *k)
{
	struct kernel_route a = route("2001:db8:a::", 64, 256, 7, PROTO), b = a, other = a, gone;
	const struct kernel_route *c;

	kernel_cache_route_update(k, RTM_NEWROUTE, 0, &a, NULL);
	CHECK(k->cache_routes.n == 1);
	kernel_cache_route_update(k, RTM_NEWROUTE, 0, &a, NULL);
	ok(k->cache_routes.n == 1, "the same route again is one route");
	/* Same key on another device (the kernel allows it): a second route. */
	b.oif = 8;
	b.proto = RTPROT_KERNEL;
	kernel_cache_route_update(k, RTM_NEWROUTE, 0, &b, NULL);
	ok(k->cache_routes.n == 2, "same key, another device: a second route");
	/* A replace takes the place of the first route with its key. */
	a.oif = 9;
	a.expires = 1234;
	kernel_cache_route_update(k, RTM_NEWROUTE, NLM_F_REPLACE, &a, NULL);
	c = k->cache_routes.v;
	ok(k->cache_routes.n == 2 && c[0].oif == 9 && c[0].expires == 1234, "NLM_F_REPLACE replaces by key");
	ok(kernel_cache_route_update(k, RTM_DELROUTE, 0, &b, &gone) && gone.oif == 8 && gone.proto == RTPROT_KERNEL,
	   "a deletion of a cached route says so, with the route as cached");
	c = k->cache_routes.v;
	ok(k->cache_routes.n == 1 && c[0].oif == 9, "a deletion removes exactly that route");
	ok(!kernel_cache_route_update(k, RTM_DELROUTE, 0, &b, &gone), "deleting what the cache lacks: nothing lost");
	ok(k->cache_routes.n == 1 && !k->cache_stale, "... already seen, no refill");
	other.table = 254;
	kernel_cache_route_update(k, RTM_NEWROUTE, 0, &other, NULL);
	ok(k->cache_routes.n == 1, "a route in a table not ours is not kept");
	kernel_cache_route_update(k, RTM_DELROUTE, 0, &a, NULL);
	CHECK(k->cache_routes.n == 0);
}

static void test_addrs(struct kernel *k)
{
	struct kernel_addr a = { .ifindex = 7, .plen = 64, .proto = PROTO, .valid_until = KERNEL_FOREVER,
				 .preferred_until = KERNEL_FOREVER };
	struct kernel_addr foreign = a;

	inet_pton(AF_INET6, "2001:db8:a::10", &a.addr);
	kernel_cache_addr_update(k, RTM_NEWADDR, &a);
	a.valid_until = 5000;
	kernel_cache_addr_update(k, RTM_NEWADDR, &a);
	ok(k->cache_addrs.n == 1 && kernel_cache_addr_find(k, 7, &a.addr)->valid_until == 5000,
	   "an address is one per (link, address), updated in place");
	foreign.ifindex = 2;
	foreign.addr = a.addr;
	kernel_cache_addr_update(k, RTM_NEWADDR, &foreign);
	ok(k->cache_addrs.n == 1 && !kernel_cache_addr_find(k, 2, &a.addr), "an address on a link not ours is not kept");
	ok(kernel_cache_addr_update(k, RTM_DELADDR, &a) && k->cache_addrs.n == 0, "a deletion of a cached address says so");
	ok(!kernel_cache_addr_update(k, RTM_DELADDR, &a), "... and only once");
}

static bool sorted(const struct kernel_vec *v, int (*cmp)(const void *, const void *))
{
	for (size_t i = 1; i < v->n; i++)
		if (cmp((const char *)v->v + (i - 1) * v->size, (const char *)v->v + i * v->size) > 0)
			return false;
	return true;
}

/* The cache stays sorted whatever the order of events, and finds entries by
 * bisection: 61 routes and addresses in a scrambled order, then half of
 * them deleted and the others replaced. */
static void test_sorted(struct kernel *k)
{
	bool in_order = true, found = true;
	char dst[64];

	for (unsigned i = 0; i < 61; i++) {
		unsigned n = i * 37 % 61;	/* 37 is prime to 61: each n once */
		struct kernel_route rt;
		struct kernel_addr a = { .ifindex = 7, .plen = 64, .proto = PROTO, .valid_until = KERNEL_FOREVER };

		snprintf(dst, sizeof(dst), "2001:db8:%x::", n);
		rt = route(dst, n % 2 ? 48 : 64, 1024 + n % 3, 7, PROTO);
		kernel_cache_route_update(k, RTM_NEWROUTE, 0, &rt, NULL);
		snprintf(dst, sizeof(dst), "2001:db8:a::%x", n);
		inet_pton(AF_INET6, dst, &a.addr);
		kernel_cache_addr_update(k, RTM_NEWADDR, &a);
		in_order = in_order && sorted(&k->cache_routes, kernel_route_sort_cmp) &&
			   sorted(&k->cache_addrs, kernel_addr_cmp);
	}
	ok(in_order && k->cache_routes.n == 61 && k->cache_addrs.n == 61, "inserted in a scrambled order: sorted");
	for (unsigned n = 0; n < 61; n++) {
		struct kernel_route rt;
		struct in6_addr addr;

		snprintf(dst, sizeof(dst), "2001:db8:%x::", n);
		rt = route(dst, n % 2 ? 48 : 64, 1024 + n % 3, 7, PROTO);
		rt.expires = 42;
		if (n % 2)
			found = found && kernel_cache_route_update(k, RTM_DELROUTE, 0, &rt, NULL);
		else
			kernel_cache_route_update(k, RTM_NEWROUTE, NLM_F_REPLACE, &rt, NULL);
		snprintf(dst, sizeof(dst), "2001:db8:a::%x", n);
		inet_pton(AF_INET6, dst, &addr);
		found = found && kernel_cache_addr_find(k, 7, &addr);
	}
	ok(found && k->cache_routes.n == 31 && sorted(&k->cache_routes, kernel_route_sort_cmp),
	   "each route and address found again; the deleted gone, the rest in order");
	found = true;
	for (size_t i = 0; i < k->cache_routes.n; i++)
		found = found && ((const struct kernel_route *)k->cache_routes.v)[i].expires == 42;
	ok(found, "... and each replaced in place, not added");
	k->cache_routes.n = k->cache_addrs.n = 0;
}

/* Owned-link lookups try the last hit and the next one first: any order of
 * lookups still finds each link, and only those. */
static void test_owned_lookups(void)
{
	struct kernel_owned o[5];
	struct kernel k = { .owned = { .v = o, .n = 5, .cap = 5, .size = sizeof(o[0]) } };
	static const int order[] = { 10, 11, 12, 14, 13, 10, 14, 14, 12, 11 };
	bool right = true;

	for (int i = 0; i < 5; i++) {
		o[i] = (struct kernel_owned) { .l = { .kind = i % 2 ? OWNED_IPVLAN : OWNED_VRF, .ifindex = 10 + i,
						      .table = i % 2 ? 0 : 1000 + (uint32_t)i } };
		snprintf(o[i].l.name, sizeof(o[i].l.name), "pvd%d", i);
	}
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		char name[IFNAMSIZ];
		struct kernel_owned *g = kernel_owned_get(&k, order[i]);

		snprintf(name, sizeof(name), "pvd%d", order[i] - 10);
		right = right && g && g->l.ifindex == order[i] && kernel_owned_by_name(&k, name) == g &&
			kernel_table_owned(&k, 1000 + (uint32_t)(order[i] - 10)) == ((order[i] - 10) % 2 == 0);
	}
	ok(right, "each owned link found by ifindex, name and table, in any order");
	ok(!kernel_owned_get(&k, 15) && !kernel_owned_by_name(&k, "pvd5") && !kernel_table_owned(&k, 1001) &&
	   !kernel_owned_get(&k, 9), "nothing found that is not recorded");
}

static void test_stale(struct kernel *k)
{
	struct kernel_route a = route("2001:db8:a::", 64, 256, 7, PROTO);

	kernel_cache_invalidate(k);
	kernel_cache_route_update(k, RTM_NEWROUTE, 0, &a, NULL);
	ok(k->cache_routes.n == 0, "a stale cache takes no updates: the refill will tell");
	k->cache_stale = false;
}

static void test_lifetimes(void)
{
	const uint64_t now = 1000000;

	ok(!kernel_lifetime_stale(KERNEL_FOREVER, UINT32_MAX, now), "forever and forever: no refresh");
	ok(kernel_lifetime_stale(KERNEL_FOREVER, 600, now), "forever in the kernel, 600 s wanted: refresh");
	ok(kernel_lifetime_stale(now + 600000, UINT32_MAX, now), "600 s in the kernel, forever wanted: refresh");
	ok(!kernel_lifetime_stale(now + 1795000, 1800, now), "1795 s left of 1800 wanted: within the 10 s slack");
	ok(kernel_lifetime_stale(now + 1789000, 1800, now), "1789 s left of 1800 wanted: refresh");
	ok(!kernel_lifetime_stale(now + 1800900, 1800, now), "0.9 s longer than wanted: the kernel's rounding");
	ok(kernel_lifetime_stale(now + 1900000, 1800, now), "longer than wanted: refresh (nothing outlives its RA)");
	ok(kernel_lifetime_stale(now + 600000, 0, now), "wanted 0 (deprecated at once): refresh");
	ok(!kernel_lifetime_stale(now + 9000, 10, now), "short lifetimes: a quarter of it is the slack");
	ok(kernel_lifetime_stale(now + 7000, 10, now), "... beyond it, refresh");
}

int main(void)
{
	struct kernel_owned owned[] = {
		{ .l = { .kind = OWNED_VRF, .name = "pvda", .ifindex = 5, .table = 1001 } },
		{ .l = { .kind = OWNED_IPVLAN, .name = "pvdsa", .ifindex = 7, .parent = 2, .master = 5 } },
	};
	struct kernel k = {
		.cfg = { .route_proto = PROTO, .addr_proto = PROTO },
		.owned = { .v = owned, .n = 2, .cap = 2, .size = sizeof(owned[0]) },
		.cache_routes = { .size = sizeof(struct kernel_route) },
		.cache_addrs = { .size = sizeof(struct kernel_addr) },
	};

	test_routes(&k);
	test_addrs(&k);
	test_sorted(&k);
	test_owned_lookups();
	test_stale(&k);
	test_lifetimes();
	kernel_cache_done(&k);
	return tap_done();
}
