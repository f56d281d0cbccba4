/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Routes (libmnl: RTA_EXPIRES, RTA_PREF) in the tables of our VRFs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/icmpv6.h>
#include <linux/rtnetlink.h>

#include "internal.h"
#include "log.h"

/* ---- routes (libmnl: RTA_EXPIRES, RTA_PREF) ---- */

static size_t kernel_family_addr_len(uint8_t family)
{
	return family == AF_INET ? sizeof(struct in_addr) : sizeof(struct in6_addr);
}

/* The remaining lifetime in RTA_CACHEINFO, in clock ticks (negative:
 * expired, not yet collected), as an expiry; 0 means none. */
static uint64_t kernel_route_expiry(int32_t ticks, uint64_t now)
{
	long hz = sysconf(_SC_CLK_TCK);

	if (ticks == 0)
		return KERNEL_FOREVER;
	if (ticks < 0 || hz <= 0)
		return now;
	return now + (uint64_t)ticks * 1000 / (uint64_t)hz;
}

/* Parse an IPv4 or IPv6 RTM_NEWROUTE/RTM_DELROUTE; false for anything else,
 * cached clones included. */
bool kernel_route_parse(const struct nlmsghdr *h, struct kernel_route *ret)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(h);
	const struct nlattr *attr;
	struct kernel_route rt;
	size_t alen;

	if ((h->nlmsg_type != RTM_NEWROUTE && h->nlmsg_type != RTM_DELROUTE) ||
	    h->nlmsg_len < mnl_nlmsg_size(sizeof(*rtm)) ||
	    (rtm->rtm_family != AF_INET6 && rtm->rtm_family != AF_INET) || (rtm->rtm_flags & RTM_F_CLONED))
		return false;
	rt = (struct kernel_route) {
		.family = rtm->rtm_family,
		.table = rtm->rtm_table,
		.plen = rtm->rtm_dst_len,
		.proto = rtm->rtm_protocol,
		.type = rtm->rtm_type,
		.expires = KERNEL_FOREVER,
	};
	alen = kernel_family_addr_len(rt.family);
	mnl_attr_for_each(attr, h, sizeof(*rtm)) {
		uint16_t type = mnl_attr_get_type(attr);

		if (type == RTA_TABLE && mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
			rt.table = mnl_attr_get_u32(attr);
		else if (type == RTA_DST && mnl_attr_get_payload_len(attr) == alen)
			memcpy(&rt.dst, mnl_attr_get_payload(attr), alen);
		else if (type == RTA_GATEWAY && mnl_attr_get_payload_len(attr) == alen)
			memcpy(&rt.gw, mnl_attr_get_payload(attr), alen);
		else if (type == RTA_OIF && mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
			rt.oif = (int)mnl_attr_get_u32(attr);
		else if (type == RTA_PRIORITY && mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
			rt.metric = mnl_attr_get_u32(attr);
		else if (type == RTA_PREF && mnl_attr_validate(attr, MNL_TYPE_U8) >= 0)
			rt.pref = mnl_attr_get_u8(attr);
		else if (type == RTA_CACHEINFO && mnl_attr_get_payload_len(attr) >= sizeof(struct rta_cacheinfo)) {
			const struct rta_cacheinfo *ci = mnl_attr_get_payload(attr);

			rt.expires = kernel_route_expiry(ci->rta_expires, kernel_now_ms());
		}
	}
	*ret = rt;
	return true;
}

static int kernel_route_collect(const struct nlmsghdr *h, void *data)
{
	const struct kernel_collect *c = data;
	struct kernel_route rt, *p;

	if (h->nlmsg_type != RTM_NEWROUTE || !kernel_route_parse(h, &rt) || (c->table && rt.table != c->table))
		return 0;
	p = kernel_vec_push(c->vec);
	if (!p)
		return -ENOMEM;
	*p = rt;
	return 0;
}

/* Both families' routes, of one table (0: all), appended to vec: one
 * AF_UNSPEC dump, where the kernel skips a family that lacks the table (an
 * AF_INET6 and an AF_INET dump were two round trips a table). */
int kernel_routes_dump(struct kernel *k, uint32_t table, struct kernel_vec *vec)
{
	return kernel_dump(k, RTM_GETROUTE, AF_UNSPEC, table, 0, kernel_route_collect, vec, "routes");
}

static uint32_t kernel_metric(uint32_t m)
{
	return m ? m : KERNEL_ROUTE_METRIC_DEFAULT;
}

static uint8_t kernel_pref(int8_t pref)
{
	if (pref > 0)
		return ICMPV6_ROUTER_PREF_HIGH;
	if (pref < 0)
		return ICMPV6_ROUTER_PREF_LOW;
	return ICMPV6_ROUTER_PREF_MEDIUM;
}

const char *kernel_route_str(uint8_t family, uint32_t table, const struct in6_addr *dst, uint8_t plen,
			     const struct in6_addr *gw, char *buf, size_t len)
{
	char d[INET6_ADDRSTRLEN + 4], g[INET6_ADDRSTRLEN];
	char a[INET6_ADDRSTRLEN];
	const char *fam = family == AF_INET ? "IPv4 " : "";

	family = family == AF_INET ? AF_INET : AF_INET6;

	if (plen == 0 && IN6_IS_ADDR_UNSPECIFIED(dst))
		snprintf(d, sizeof(d), "default");
	else
		snprintf(d, sizeof(d), "%s/%u", inet_ntop(family, dst, a, sizeof(a)), plen);
	if (gw && !IN6_IS_ADDR_UNSPECIFIED(gw))
		snprintf(buf, len, "%sroute %s via %s table %u", fam, d, inet_ntop(family, gw, g, sizeof(g)), table);
	else
		snprintf(buf, len, "%sroute %s table %u", fam, d, table);
	return buf;
}

/*
 * Route requests are pipelined (netlink.c): each one's answer comes back
 * to kernel_route_done with what it was about, which handles it as a
 * synchronous request would have been, logging a failure with the route it
 * was for.  The batch ends with kernel_route_batch_end: one line per table
 * that changed, rate-limited (RAs decide how often), instead of one line per
 * route (those are debug).
 *
 * What a route request's answer is about:
 */
struct kernel_route_req {
	struct kernel_route rt;
	const struct kroute *want;      /* NULL: a deletion */
	bool replace;                   /* our own route with that key is there */
	struct kernel_route_batch *batch;
};

static void kernel_route_tally(struct kernel_route_batch *b, uint32_t table, bool added)
{
	struct kernel_route_tally *t = b->tally.v;
	size_t i;

	for (i = 0; i < b->tally.n && t[i].table != table; i++)
		;
	if (i == b->tally.n) {
		t = kernel_vec_push(&b->tally);
		if (!t)
			return;         /* only the summary line loses it */
		t->table = table;
	} else {
		t = &t[i];
	}
	if (added)
		t->added++;
	else
		t->removed++;
}

static void kernel_route_done(struct kernel *k, int r, const char *ext, void *ctx)
{
	const struct kernel_route_req *q = ctx;
	const struct kernel_route *rt = &q->rt;
	const struct kroute *w = q->want;
	char s[128] = "";

	/* The route's text only for a line that will be printed: an error, or
	 * debug when that level is on (most answers print nothing). */
	if (r < 0 || log_get_level() >= LOG_DEBUG)
		kernel_route_str(rt->family, rt->table, &rt->dst, rt->plen, &rt->gw, s, sizeof(s));
	if (!w) {
		/* ESRCH, ENOENT: gone already (with its device, or expired). */
		if (r < 0 && r != -ESRCH && r != -ENOENT) {
			kernel_keep_first(&q->batch->first, kernel_fail(r, ext, "delete %s", s));
			return;
		}
		kernel_cache_route_update(k, RTM_DELROUTE, 0, rt, NULL);
		if (r == 0) {
			log_debug("removed %s", s);
			kernel_route_tally(q->batch, rt->table, false);
		}
		return;
	}
	if (r < 0) {
		kernel_keep_first(&q->batch->first, kernel_fail(r, ext, "add %s", s));
		return;
	}
	kernel_cache_route_update(k, RTM_NEWROUTE, q->replace ? NLM_F_REPLACE : 0, rt, NULL);
	if (q->replace) {
		log_debug("refreshed %s", s);
		return;
	}
	log_debug("added %s%s%s%s metric %u", w->unreachable ? "unreachable " : "", s, w->unreachable ? "" : " dev ",
		  w->unreachable ? "" : w->dev, rt->metric);
	kernel_route_tally(q->batch, rt->table, true);
}

/* Queue RTM_NEWROUTE of q->rt from q->want, or RTM_DELROUTE of q->rt (want NULL). */
static void kernel_route_queue(struct kernel *k, const struct kernel_route_req *q)
{
	const struct kernel_route *rt = &q->rt;
	const struct kroute *want = q->want;
	size_t alen = kernel_family_addr_len(rt->family);
	char buf[KERNEL_MSG_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;

	nlh->nlmsg_type = want ? RTM_NEWROUTE : RTM_DELROUTE;
	/* Replace only our own route; otherwise refuse to merge with one
	 * that appeared since the cache last heard of the table. */
	nlh->nlmsg_flags = want ? NLM_F_CREATE | (q->replace ? NLM_F_REPLACE : NLM_F_EXCL) : 0;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = rt->family;
	rtm->rtm_dst_len = rt->plen;
	rtm->rtm_table = rt->table < 256 ? (uint8_t)rt->table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = k->cfg.route_proto;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = rt->type;
	mnl_attr_put_u32(nlh, RTA_TABLE, rt->table);
	mnl_attr_put(nlh, RTA_DST, alen, &rt->dst);
	if (!IN6_IS_ADDR_UNSPECIFIED(&rt->gw))
		mnl_attr_put(nlh, RTA_GATEWAY, alen, &rt->gw);
	if (rt->oif > 0)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)rt->oif);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, rt->metric);
	if (want) {
		if (!want->unreachable)
			mnl_attr_put_u8(nlh, RTA_PREF, rt->pref);
		/* RTA_EXPIRES: seconds; the kernel turns it into RTF_EXPIRES. */
		if (want->lifetime != UINT32_MAX)
			mnl_attr_put_u32(nlh, RTA_EXPIRES, want->lifetime);
	}
	kernel_queue(k, nlh, kernel_route_done, q, sizeof(*q));
}

/* Delete `route` (which may be an entry of the cache; the answer drops it
 * from the cache). */
void kernel_route_delete(struct kernel *k, const struct kernel_route *route, struct kernel_route_batch *b)
{
	const struct kernel_route_req q = { .rt = *route, .batch = b };

	kernel_route_queue(k, &q);
}

int kernel_route_batch_end(struct kernel *k, struct kernel_route_batch *b)
{
	const struct kernel_route_tally *t;

	kernel_wait(k);
	t = b->tally.v;
	for (size_t i = 0; i < b->tally.n; i++)
		log_ratelimited(LOG_INFO, "routes changed", (int)t[i].table, "routes in table %u: %u added, %u removed",
				t[i].table, t[i].added, t[i].removed);
	kernel_vec_done(&b->tally);
	return b->first;
}

static const char *kernel_route_want_str(const struct kroute *w, char *buf, size_t len)
{
	return kernel_route_str(w->family, w->table, &w->dst, w->plen, &w->gw, buf, len);
}

/*
 * The desired routes and the cache, by key.  Scanning one for each entry of
 * the other cost (routes)² per reconciliation: with 64 PvDs of 4 routers and
 * 16 prefixes, some 1.7M key comparisons for every RA.  So both are sorted
 * by key once per reconciliation and searched by bisection.
 */
int kernel_route_key_cmp(const struct kernel_route *a, const struct kernel_route *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->table != b->table)
		return a->table < b->table ? -1 : 1;
	if (a->plen != b->plen)
		return a->plen < b->plen ? -1 : 1;
	if (a->metric != b->metric)
		return a->metric < b->metric ? -1 : 1;
	return memcmp(&a->dst, &b->dst, sizeof(a->dst));
}

int kernel_route_sort_cmp(const void *a, const void *b)
{
	return kernel_route_key_cmp(a, b);
}

int kernel_route_table_cmp(const void *x, const void *y)
{
	const struct kernel_route *a = x, *b = y;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return (a->table > b->table) - (a->table < b->table);
}

/* Ties keep the desired state's order: the first of a key is the one applied. */
static int kernel_route_want_cmp(const void *a, const void *b)
{
	const struct kernel_want_route *x = a, *y = b;
	int c = kernel_route_key_cmp(&x->key, &y->key);

	return c ? c : (x->i > y->i) - (x->i < y->i);
}

int kernel_route_index_build(const struct kernel_state *want, struct kernel_route_index *ret)
{
	struct kernel_route_index x = {
		.v = { .size = sizeof(struct kernel_want_route) },
		.dup = calloc(want->n_routes + 1, sizeof(*x.dup)),
	};
	struct kernel_want_route *v;

	x.v.v = calloc(want->n_routes + 1, x.v.size);
	if (!x.v.v || !x.dup) {
		kernel_route_index_done(&x);
		return -ENOMEM;
	}
	v = x.v.v;
	for (size_t i = 0; i < want->n_routes; i++) {
		const struct kroute *w = &want->routes[i];

		v[i] = (struct kernel_want_route) {
			.key = { .family = w->family, .table = w->table, .dst = w->dst, .plen = w->plen,
				 .metric = kernel_metric(w->metric) },
			.i = i,
		};
	}
	x.v.n = x.v.cap = want->n_routes;
	qsort(v, x.v.n, x.v.size, kernel_route_want_cmp);
	for (size_t j = 1; j < x.v.n; j++)
		if (!kernel_route_key_cmp(&v[j - 1].key, &v[j].key))
			x.dup[v[j].i] = true;
	*ret = x;
	return 0;
}

void kernel_route_index_done(struct kernel_route_index *x)
{
	kernel_vec_done(&x->v);
	free(x->dup);
	x->dup = NULL;
}

bool kernel_route_wanted(const struct kernel_route_index *want, const struct kernel_route *rt)
{
	size_t j = kernel_vec_lower(&want->v, rt, kernel_route_sort_cmp);

	return j < want->v.n && !kernel_route_key_cmp(&((const struct kernel_want_route *)want->v.v)[j].key, rt);
}

static bool kernel_route_adopted(struct kernel *k, const struct kernel_route *rt)
{
	const struct kernel_route *ad = k->adopted_routes.v;

	for (size_t i = 0; i < k->adopted_routes.n; i++)
		if (!kernel_route_key_cmp(rt, &ad[i]))
			return true;
	return false;
}

/* What kernel.h allows: IPv6 routes, and IPv4 only as unreachable routes
 * without expiry (vrf.rst's last resort; IPv4 has no RTA_EXPIRES). */
static const char *kernel_route_invalid(const struct kroute *w)
{
	if (w->family == AF_INET6)
		return w->plen > 128 ? "prefix length above 128" : NULL;
	if (w->family != AF_INET)
		return "family neither IPv4 nor IPv6";
	if (!w->unreachable || w->lifetime != UINT32_MAX || w->plen > 32)
		return "an IPv4 route must be unreachable and without expiry";
	return NULL;
}

/* Is our route `cur` what `rt` (built from w) would make, lifetime aside
 * within the refresh rule (cache.c)? */
static bool kernel_route_current(const struct kernel_route *cur, const struct kernel_route *rt,
				 const struct kroute *w, uint64_t now)
{
	if (cur->type != rt->type || !IN6_ARE_ADDR_EQUAL(&cur->gw, &rt->gw))
		return false;
	/* An unreachable route's device is the kernel's choice (lo). */
	if (!w->unreachable && (cur->oif != rt->oif || (rt->family == AF_INET6 && cur->pref != rt->pref)))
		return false;
	return !kernel_lifetime_stale(cur->expires, w->lifetime, now);
}

/* Add or refresh w; `have`: the cache as it was before this stage's requests,
 * sorted by key (those requests are about other keys). */
static int kernel_route_apply(struct kernel *k, const struct kroute *w, const struct kernel_vec *have, uint64_t now,
			      struct kernel_route_batch *b)
{
	struct kernel_route_req q = {
		.rt = {
			.family = w->family,
			.table = w->table,
			.dst = w->dst,
			.gw = w->gw,
			.plen = w->plen,
			.proto = k->cfg.route_proto,
			.type = w->unreachable ? RTN_UNREACHABLE : RTN_UNICAST,
			.pref = w->unreachable ? ICMPV6_ROUTER_PREF_MEDIUM : kernel_pref(w->pref),
			.metric = kernel_metric(w->metric),
			.expires = w->lifetime == UINT32_MAX ? KERNEL_FOREVER : now + (uint64_t)w->lifetime * 1000,
		},
		.want = w,
		.batch = b,
	};
	struct kernel_route *rt = &q.rt;
	const struct kernel_route *h = have->v, *cur = NULL;
	const char *bad = kernel_route_invalid(w);
	char s[128];

	if (bad)
		return kernel_fail(-EINVAL, NULL, "add %s: %s", kernel_route_want_str(w, s, sizeof(s)), bad);
	if (!kernel_scope_table(k, w->table))
		return kernel_fail(-EINVAL, NULL, "add %s: table %u is not among the partial state's",
				   kernel_route_want_str(w, s, sizeof(s)), w->table);
	if (!kernel_table_owned(k, w->table))
		return kernel_fail(-EINVAL, NULL, "add %s: no VRF we made has that table",
				   kernel_route_want_str(w, s, sizeof(s)));
	if (!w->unreachable) {
		const struct kernel_owned *o = kernel_owned_by_name(k, w->dev);

		if (!o)
			return kernel_fail(-ENODEV, NULL, "add %s dev '%s': not a link we made",
					   kernel_route_want_str(w, s, sizeof(s)), w->dev);
		rt->oif = o->l.ifindex;
	}
	for (size_t i = kernel_vec_lower(have, rt, kernel_route_sort_cmp); i < have->n && !kernel_route_key_cmp(&h[i], rt);
	     i++) {
		if (h[i].proto != k->cfg.route_proto)
			return kernel_fail(-EEXIST, NULL, "add %s metric %u: a route with protocol %u is in the way",
					   kernel_route_want_str(w, s, sizeof(s)), rt->metric, h[i].proto);
		cur = &h[i];
	}
	if (cur && kernel_route_current(cur, rt, w, now))
		return 0;
	q.replace = cur != NULL;
	kernel_route_queue(k, &q);
	return 0;
}

/* The cache's routes in the reconciliation's tables (all of them for a
 * whole state), sorted as the cache is: a copy, for the answers to this
 * stage's requests change the cache.  Each table's are one range of it. */
static int kernel_routes_have(struct kernel *k, struct kernel_vec *have)
{
	static const uint8_t families[] = { AF_INET, AF_INET6 };	/* the cache's order */
	size_t from, to;

	*have = (struct kernel_vec) { .size = sizeof(struct kernel_route) };
	if (!k->scope || !k->scope->partial)
		return kernel_vec_append(have, &k->cache_routes, 0, k->cache_routes.n);
	for (size_t f = 0; f < sizeof(families); f++)
		for (size_t t = 0; t < k->scope->n_tables; t++) {
			const struct kernel_route key = { .family = families[f], .table = k->scope->tables[t] };

			kernel_vec_equal_range(&k->cache_routes, &key, kernel_route_table_cmp, &from, &to);
			if (kernel_vec_append(have, &k->cache_routes, from, to) < 0) {
				kernel_vec_done(have);
				return -ENOMEM;
			}
		}
	return 0;
}

int kernel_routes_reconcile(struct kernel *k, const struct kernel_state *want, const struct kernel_route_index *index)
{
	struct kernel_route_batch b = KERNEL_ROUTE_BATCH_INIT;
	struct kernel_vec have;
	const struct kernel_route *h;
	uint64_t now = kernel_now_ms();
	int r;

	r = kernel_cache_sync(k);
	if (r < 0)
		return r;
	r = kernel_routes_have(k, &have);
	if (r < 0)
		return kernel_fail(r, NULL, "compare the routes");
	h = have.v;
	for (size_t i = 0; i < have.n; i++)
		if (kernel_route_ours(k, &h[i]) && !kernel_route_wanted(index, &h[i]) && !kernel_route_adopted(k, &h[i]))
			kernel_route_delete(k, &h[i], &b);
	for (size_t i = 0; i < want->n_routes; i++) {
		const struct kroute *w = &want->routes[i];
		char s[128];

		/* Two wanted routes with one key would overwrite each other (see kernel.h). */
		if (index->dup[i]) {
			kernel_keep_first(&b.first, kernel_fail(-EINVAL, NULL,
					  "add %s metric %u: another wanted route has the same table, prefix and metric",
					  kernel_route_want_str(w, s, sizeof(s)), kernel_metric(w->metric)));
			continue;
		}
		kernel_keep_first(&b.first, kernel_route_apply(k, w, &have, now, &b));
	}
	kernel_vec_done(&have);
	return kernel_route_batch_end(k, &b);
}

bool kernel_release_adopted_routes(struct kernel *k, uint32_t table, const struct in6_addr *dst, uint8_t plen,
				   const struct in6_addr *gw)
{
	const struct kernel_route *rt = k->adopted_routes.v;
	bool released = false;

	for (size_t i = k->adopted_routes.n; i-- > 0;)
		if (rt[i].family == AF_INET6 && rt[i].table == table && rt[i].plen == plen &&
		    IN6_ARE_ADDR_EQUAL(&rt[i].dst, dst) && IN6_ARE_ADDR_EQUAL(&rt[i].gw, gw)) {
			kernel_vec_remove(&k->adopted_routes, i);
			released = true;
		}
	return released;
}
