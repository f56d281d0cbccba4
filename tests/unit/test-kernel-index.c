/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The reconciler's lookups by key (src/kernel/routes.c, netlink.c) without
 * a kernel: the desired routes sorted, duplicates found whatever their
 * order, and bisection over sorted copies. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/kernel/internal.h"

#include "tap.h"

static struct kroute want(const char *dst, uint8_t plen, uint32_t table, uint32_t metric)
{
	struct kroute w = { .family = AF_INET6, .table = table, .plen = plen, .metric = metric,
			    .lifetime = 1800 };

	inet_pton(AF_INET6, dst, &w.dst);
	return w;
}

static struct kernel_route key(const char *dst, uint8_t plen, uint32_t table, uint32_t metric)
{
	struct kernel_route rt = { .family = AF_INET6, .table = table, .plen = plen, .metric = metric };

	inet_pton(AF_INET6, dst, &rt.dst);
	return rt;
}

static void test_routes(void)
{
	struct kroute r[] = {
		want("2001:db8:b::", 64, 1001, 256),
		want("::", 0, 1001, 1025),
		want("2001:db8:a::", 64, 1001, 256),
		want("2001:db8:b::", 64, 1001, 256),    /* the key of r[0] */
		want("2001:db8:c::", 64, 1001, 0),      /* 0: the kernel's 1024 */
		want("2001:db8:c::", 64, 1001, 1024),   /* the key of r[4] */
		want("2001:db8:b::", 64, 1002, 256),    /* another table */
		{ .family = AF_INET, .table = 1001, .metric = 1025, .unreachable = true, .lifetime = UINT32_MAX },
	};
	struct kernel_state s = { .routes = r, .n_routes = sizeof(r) / sizeof(r[0]) };
	struct kernel_route_index x;
	struct kernel_route k;
	size_t n_dup = 0;

	CHECK(kernel_route_index_build(&s, &x) == 0);
	for (size_t i = 0; i < s.n_routes; i++)
		n_dup += x.dup[i];
	ok(x.dup[3] && !x.dup[0], "a second route with a key is the duplicate, not the first");
	ok(x.dup[5] && !x.dup[4], "metric 0 is the kernel's 1024: the same key");
	ok(n_dup == 2, "nothing else is a duplicate (%zu)", n_dup);
	k = key("::", 0, 1001, 1025);
	ok(kernel_route_wanted(&x, &k), "the default route is wanted");
	k.family = AF_INET;
	ok(kernel_route_wanted(&x, &k), "... and, as IPv4, the unreachable one");
	k = key("::", 0, 1001, 1026);
	ok(!kernel_route_wanted(&x, &k), "another metric is another key");
	k = key("2001:db8:c::", 64, 1001, 1024);
	ok(kernel_route_wanted(&x, &k), "a route the kernel reports with metric 1024 is the one wanted with 0");
	k = key("2001:db8:b::", 64, 1003, 256);
	ok(!kernel_route_wanted(&x, &k), "a table nobody wants");
	k = key("2001:db8:d::", 64, 1001, 256);
	ok(!kernel_route_wanted(&x, &k), "a prefix nobody wants");
	kernel_route_index_done(&x);

	s.n_routes = 0;
	CHECK(kernel_route_index_build(&s, &x) == 0);
	k = key("::", 0, 1001, 1025);
	ok(!kernel_route_wanted(&x, &k), "nothing is wanted from an empty state");
	kernel_route_index_done(&x);
}

static int int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static void test_vec(void)
{
	int v[] = { 9, 3, 7, 3, 1 }, k, *p;
	struct kernel_vec a = { .v = v, .n = 5, .cap = 5, .size = sizeof(int) }, s, empty = { .size = sizeof(int) };
	struct kernel_vec b = { .size = sizeof(int) };
	const int *c;
	size_t from, to;

	CHECK(kernel_vec_sorted_copy(&a, int_cmp, &s) == 0);
	c = s.v;
	ok(s.n == 5 && c[0] == 1 && c[1] == 3 && c[2] == 3 && c[3] == 7 && c[4] == 9, "a sorted copy");
	ok(v[0] == 9 && v[4] == 1, "... the original untouched");
	k = 3;
	ok(kernel_vec_lower(&s, &k, int_cmp) == 1, "the first of equal keys");
	k = 4;
	ok(kernel_vec_lower(&s, &k, int_cmp) == 3, "where a missing key would go");
	k = 10;
	ok(kernel_vec_lower(&s, &k, int_cmp) == 5, "past the end: n");
	kernel_vec_done(&s);
	CHECK(kernel_vec_sorted_copy(&a, int_cmp, &s) == 0);
	k = 3;
	kernel_vec_equal_range(&s, &k, int_cmp, &from, &to);
	ok(from == 1 && to == 3, "the range of equal keys");
	k = 4;
	kernel_vec_equal_range(&s, &k, int_cmp, &from, &to);
	ok(from == 3 && to == 3, "an empty range where a missing key would go");
	k = 5;
	p = kernel_vec_insert(&s, kernel_vec_lower(&s, &k, int_cmp));
	CHECK(p && *p == 0);
	*p = k;
	c = s.v;
	ok(s.n == 6 && c[2] == 3 && c[3] == 5 && c[4] == 7 && c[5] == 9, "an entry inserted in order");
	p = kernel_vec_insert(&s, s.n);
	CHECK(p);
	*p = 11;
	ok(s.n == 7 && ((const int *)s.v)[6] == 11, "... and at the end");
	CHECK(kernel_vec_append(&b, &s, 1, 4) == 0 && kernel_vec_append(&b, &s, 6, 7) == 0);
	c = b.v;
	ok(b.n == 4 && c[0] == 3 && c[1] == 3 && c[2] == 5 && c[3] == 11, "ranges appended to another vector");
	kernel_vec_done(&b);
	kernel_vec_done(&s);
	CHECK(kernel_vec_sorted_copy(&empty, int_cmp, &s) == 0);
	ok(s.n == 0 && kernel_vec_lower(&s, &k, int_cmp) == 0, "an empty vector");
	kernel_vec_done(&s);
}

int main(void)
{
	test_routes();
	test_vec();
	return tap_done();
}
