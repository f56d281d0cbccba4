/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The desired kernel state, from the registry (see want.h).  The registry
 * keeps what each router said; this is where the union over a PvD's routers
 * is taken: one sub-interface per (PvD, link), one prefix route however many
 * of its routers advertise the prefix, one default route per router.
 */
#include <errno.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "want.h"

void want_free(struct want *w)
{
	free(w->vrfs);
	free(w->subifs);
	free(w->addrs);
	free(w->routes);
	free(w->tables);
	*w = (struct want) { .vrfs = NULL };
}

static int seen_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct want_seen_pvd *)a)->table, y = ((const struct want_seen_pvd *)b)->table;

	return (x > y) - (x < y);
}

static int table_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

void want_seen_free(struct want_seen *seen)
{
	free(seen->v);
	*seen = (struct want_seen) { .v = NULL };
}

int want_seen_take(struct want_seen *seen, const struct pvd_registry *r)
{
	size_t n = pvd_registry_count(r);
	struct want_seen_pvd *v = reallocarray(seen->v, n + 1, sizeof(*v));

	if (!v) {
		want_seen_free(seen);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const struct pvd *p = pvd_registry_get(r, i);

		v[i] = (struct want_seen_pvd) { .table = p->table, .changed = p->changed };
	}
	qsort(v, n, sizeof(*v), seen_cmp);
	*seen = (struct want_seen) { .v = v, .n = n };
	return 0;
}

/* Which PvDs go into the state (pick[i] for the registry's i-th), and the
 * tables of a partial one: the picked PvDs' and those of PvDs gone. */
static int want_pick(const struct pvd_registry *r, const struct want_seen *since, bool *pick, struct want *w)
{
	size_t n_pvds = pvd_registry_count(r);
	bool *kept = calloc(since->n + 1, sizeof(*kept));

	w->tables = calloc(n_pvds + since->n + 1, sizeof(*w->tables));
	if (!kept || !w->tables) {
		free(kept);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n_pvds; i++) {
		const struct pvd *p = pvd_registry_get(r, i);
		const struct want_seen_pvd key = { .table = p->table }, *s;

		s = since->n ? bsearch(&key, since->v, since->n, sizeof(key), seen_cmp) : NULL;
		if (s)
			kept[s - since->v] = true;
		pick[i] = !s || s->changed != p->changed;
		if (pick[i])
			w->tables[w->state.n_tables++] = p->table;
	}
	for (size_t i = 0; i < since->n; i++)
		if (!kept[i])
			w->tables[w->state.n_tables++] = since->v[i].table;
	free(kept);
	qsort(w->tables, w->state.n_tables, sizeof(*w->tables), table_cmp);
	w->state.partial = true;
	w->state.tables = w->tables;
	return 0;
}

uint32_t want_router_metric(unsigned slot, bool rio, enum ndisc_preference pref)
{
	return WANT_METRIC_ROUTER + WANT_METRIC_BAND * slot + (rio ? 4 : 0) + (uint32_t)(1 - (int)pref);
}

/* Sub-interface and route names are per PvD (its table, its sub-interface
 * names): only the current PvD's entries, from index `from` on, can match. */
static bool subif_listed(const struct want *w, size_t from, const char *name)
{
	for (size_t i = from; i < w->state.n_subifs; i++)
		if (!strcmp(w->subifs[i].name, name))
			return true;
	return false;
}

/* Add a route, or merge it into the one with the same kernel key (the same
 * prefix from two routers of the PvD): the longer lifetime wins. */
static void add_route(struct want *w, size_t from, const struct kroute *rt)
{
	for (size_t i = from; i < w->state.n_routes; i++) {
		struct kroute *o = &w->routes[i];

		if (o->family == rt->family && o->table == rt->table && o->plen == rt->plen && o->metric == rt->metric &&
		    !memcmp(&o->dst, &rt->dst, sizeof(o->dst))) {
			if (rt->lifetime > o->lifetime)
				o->lifetime = rt->lifetime;
			return;
		}
	}
	w->routes[w->state.n_routes++] = *rt;
}

static void add_obj(struct want *w, size_t routes_from, const struct pvd *p, const struct pvd_obj *o,
		    const char subif[IFNAMSIZ], uint64_t now)
{
	uint32_t valid = pvd_seconds_left(o->expires_ms, now);
	struct kroute rt = { .family = AF_INET6, .table = p->table, .lifetime = valid };
	int slot = pvd_router_slot(p, o->ifindex, &o->router);

	if (valid == 0)		/* expired, the expiry timer not yet run */
		return;
	memcpy(rt.dev, subif, sizeof(rt.dev));
	switch (o->kind) {
	case PVD_OBJ_ADDRESS:
		if (o->has_address) {
			struct kaddr *a = &w->addrs[w->state.n_addrs++];

			*a = (struct kaddr) { .addr = o->address, .plen = o->plen, .valid = valid,
					      .preferred = pvd_seconds_left(o->preferred_ms, now) };
			memcpy(a->dev, subif, sizeof(a->dev));
		}
		return;
	case PVD_OBJ_PREFIX:
		if (!o->on_link)	/* RFC 4861 §6.3.4: L=0 says nothing about on-link */
			return;
		rt.dst = o->addr;
		rt.plen = o->plen;
		rt.metric = WANT_METRIC_PREFIX;
		add_route(w, routes_from, &rt);
		return;
	case PVD_OBJ_ROUTER:
	case PVD_OBJ_ROUTE:
		if (slot < 0)	/* every router object has its entry: cannot happen */
			return;
		rt.gw = o->router;
		rt.pref = o->pref;
		if (o->kind == PVD_OBJ_ROUTE) {		/* a router's own is ::/0 */
			rt.dst = o->addr;
			rt.plen = o->plen;
		}
		rt.metric = want_router_metric((unsigned)slot, o->kind == PVD_OBJ_ROUTE, o->pref);
		add_route(w, routes_from, &rt);
		return;
	case PVD_OBJ_RDNSS:
	case PVD_OBJ_DNSSL:
	case _PVD_OBJ_KIND_MAX:
		return;
	}
}

int want_build(const struct pvd_registry *r, uint64_t now, const struct want_seen *since, struct want *w)
{
	size_t n_pvds = pvd_registry_count(r), n_objs = 0, n_picked = 0;
	bool *pick = calloc(n_pvds + 1, sizeof(*pick));

	*w = (struct want) { .vrfs = NULL };
	if (!pick)
		return -ENOMEM;
	if (since && want_pick(r, since, pick, w) < 0)
		goto fail;
	for (size_t i = 0; i < n_pvds; i++) {
		if (!since)
			pick[i] = true;
		if (pick[i]) {
			n_objs += pvd_registry_get(r, i)->n_objs;
			n_picked++;
		}
	}
	w->vrfs = calloc(n_picked + 1, sizeof(struct kvrf));
	w->subifs = calloc(n_objs + 1, sizeof(struct ksubif));
	w->addrs = calloc(n_objs + 1, sizeof(struct kaddr));
	w->routes = calloc(n_objs + 2 * n_picked + 1, sizeof(struct kroute));
	if (!w->vrfs || !w->subifs || !w->addrs || !w->routes)
		goto fail;
	for (size_t i = 0; i < n_pvds; i++) {
		const struct pvd *p = pvd_registry_get(r, i);
		struct kvrf *v;
		size_t subifs_from = w->state.n_subifs, routes_from = w->state.n_routes;

		if (!pick[i])
			continue;
		v = &w->vrfs[w->state.n_vrfs++];
		snprintf(v->name, sizeof(v->name), "%s", p->vrf);
		snprintf(v->alias, sizeof(v->alias), "%s", p->name);
		v->table = p->table;
		for (int f = 0; f < 2; f++)	/* IPv6 and IPv4 alike: no fall-through */
			w->routes[w->state.n_routes++] = (struct kroute) {
				.family = f ? AF_INET : AF_INET6, .table = p->table, .lifetime = UINT32_MAX,
				.metric = WANT_METRIC_UNREACHABLE, .unreachable = true,
			};
		char subif[IFNAMSIZ] = "";
		int subif_of = 0;	/* the link `subif` is named for */

		for (size_t j = 0; j < p->n_objs; j++) {
			const struct pvd_obj *o = &p->objs[j];

			/* A link's objects mostly come in a run: its name once per run. */
			if (o->ifindex != subif_of || subif_of <= 0) {
				subif_of = 0;
				if (stable_subif_name(p->id, o->ifindex, subif) < 0)
					continue;
				subif_of = o->ifindex;
			}
			if (!subif_listed(w, subifs_from, subif)) {
				struct ksubif *s = &w->subifs[w->state.n_subifs++];

				memcpy(s->name, subif, sizeof(s->name));
				memcpy(s->vrf, p->vrf, sizeof(s->vrf));
				s->parent_ifindex = o->ifindex;
			}
			add_obj(w, routes_from, p, o, subif, now);
		}
	}
	free(pick);
	w->state.vrfs = w->vrfs;
	w->state.subifs = w->subifs;
	w->state.addrs = w->addrs;
	w->state.routes = w->routes;
	return 0;
fail:
	free(pick);
	want_free(w);
	return -ENOMEM;
}
