/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The desired kernel state computed from a registry fed with parsed RAs. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "want.h"

#include "tap.h"
#include "registry-util.h"


/* An RA from `router` on ifindex 2 in PvD p.example. */
static struct ndisc_ra ra_new(const char *router, uint16_t router_lifetime)
{
	struct ndisc_ra ra = { .ifindex = 2, .src = ip(router), .has_pvd = true };

	snprintf(ra.pvd.fqdn, sizeof(ra.pvd.fqdn), "p.example");
	ra.header.router_lifetime = router_lifetime;
	ra.header.preference = NDISC_PREFERENCE_HIGH;
	return ra;
}

static void add_pio(struct ndisc_ra *ra, const char *prefix, uint32_t valid)
{
	ra->pvd.options.prefixes[ra->pvd.options.n_prefixes++] = (struct ndisc_prefix) {
		.prefix = ip(prefix), .prefix_len = 64, .on_link = true, .autonomous = true,
		.valid_lifetime = valid, .preferred_lifetime = valid / 2,
	};
}

static void add_rio(struct ndisc_ra *ra, const char *prefix, uint8_t plen, enum ndisc_preference pref)
{
	ra->pvd.options.routes[ra->pvd.options.n_routes++] = (struct ndisc_route) {
		.prefix = ip(prefix), .prefix_len = plen, .lifetime = 900, .preference = pref,
	};
}

static const struct kroute *route(const struct want *w, const char *dst, uint8_t plen, const char *gw)
{
	struct in6_addr d = ip(dst), g = ip(gw);

	for (size_t i = 0; i < w->state.n_routes; i++)
		if (!w->routes[i].unreachable && w->routes[i].plen == plen &&
		    !memcmp(&w->routes[i].dst, &d, 16) && !memcmp(&w->routes[i].gw, &g, 16))
			return &w->routes[i];
	return NULL;
}

/* No two wanted routes share a kernel key (table, dst/plen, metric). */
static bool keys_unique(const struct want *w)
{
	for (size_t i = 0; i < w->state.n_routes; i++)
		for (size_t j = 0; j < i; j++)
			if (w->routes[i].family == w->routes[j].family && w->routes[i].table == w->routes[j].table &&
			    w->routes[i].plen == w->routes[j].plen &&
			    w->routes[i].metric == w->routes[j].metric &&
			    !memcmp(&w->routes[i].dst, &w->routes[j].dst, 16))
				return false;
	return true;
}

int main(void)
{
	struct conf c;
	struct pvd_registry *r = NULL;
	struct ndisc_ra ra;
	struct want w, w2;
	const struct kroute *da, *db, *rio, *pfx;

	log_set_level(LOG_ERR);
	conf_defaults(&c);
	CHECK(pvd_registry_new(&c, secret, &r) == 0);

	/* fe80::a: default router and the prefix; fe80::b: the same prefix, a
	 * ::/0 RIO and a /48 RIO but router lifetime 0 at first. */
	ra = ra_new("fe80::a", 1800);
	add_pio(&ra, "2001:db8:1::", 3600);
	pvd_registry_handle_ra(r, &ra, "eth0", 0);
	ra = ra_new("fe80::b", 0);
	add_pio(&ra, "2001:db8:1::", 7200);
	add_rio(&ra, "::", 0, NDISC_PREFERENCE_LOW);
	add_rio(&ra, "2001:db8:9::", 48, NDISC_PREFERENCE_MEDIUM);
	pvd_registry_handle_ra(r, &ra, "eth0", 0);
	ra = ra_new("fe80::b", 1800);		/* now also a default router */
	pvd_registry_handle_ra(r, &ra, "eth0", 0);

	CHECK(want_build(r, 1000, NULL, &w) == 0);
	CHECK(w.state.n_vrfs == 1 && w.state.n_subifs == 1 && w.state.n_addrs == 1);
	CHECK(w.state.n_routes > 0 && w.routes[0].unreachable && w.routes[0].metric == WANT_METRIC_UNREACHABLE);
	pfx = route(&w, "2001:db8:1::", 64, "::");
	CHECK(pfx && pfx->metric == WANT_METRIC_PREFIX && pfx->lifetime == 7199);	/* the longer one */
	da = route(&w, "::", 0, "fe80::a");
	db = rio = NULL;	/* fe80::b's default and ::/0 RIO: told apart by metric */
	for (size_t i = 0; i < w.state.n_routes; i++)
		if (w.routes[i].plen == 0 && !w.routes[i].unreachable && w.routes[i].gw.s6_addr[15] == 0xb)
			*(w.routes[i].metric % 8 >= 4 ? &rio : &db) = &w.routes[i];
	CHECK(da && da->metric == want_router_metric(0, false, NDISC_PREFERENCE_HIGH) && da->metric == 1024);
	CHECK(db && db->metric == want_router_metric(1, false, NDISC_PREFERENCE_HIGH));
	CHECK(rio && rio->metric == want_router_metric(1, true, NDISC_PREFERENCE_LOW));
	CHECK(route(&w, "2001:db8:9::", 48, "fe80::b") &&
	      route(&w, "2001:db8:9::", 48, "fe80::b")->metric == want_router_metric(1, true, NDISC_PREFERENCE_MEDIUM));
	CHECK(w.state.n_routes == 7);	/* 2 unreachable, prefix, 2 defaults, 2 RIOs */
	CHECK(w.routes[1].unreachable && w.routes[1].family == AF_INET && w.routes[0].family == AF_INET6);
	CHECK(keys_unique(&w));
	/* Bands never overlap, whatever the preference. */
	CHECK(want_router_metric(0, true, NDISC_PREFERENCE_LOW) < want_router_metric(1, false, NDISC_PREFERENCE_HIGH));
	CHECK(want_router_metric(0, false, NDISC_PREFERENCE_LOW) < want_router_metric(0, true, NDISC_PREFERENCE_HIGH));

	/* Deterministic: the same registry, the same state. */
	CHECK(want_build(r, 1000, NULL, &w2) == 0);
	CHECK(w2.state.n_routes == w.state.n_routes &&
	      !memcmp(w2.routes, w.routes, w.state.n_routes * sizeof(*w.routes)) &&
	      !memcmp(w2.addrs, w.addrs, w.state.n_addrs * sizeof(*w.addrs)));
	want_free(&w2);
	want_free(&w);
	pvd_registry_free(r);
	return tap_done();
}
