/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The PvD registry fed with parsed RAs (struct ndisc_ra built by hand). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "pvd.h"

#include "tap.h"
#include "registry-util.h"


/* An RA from `router` on ifindex 2, optionally in PvD `fqdn`, with one /64 PIO. */
static struct ndisc_ra ra_new(const char *router, const char *fqdn, const char *prefix,
			      uint16_t router_lifetime, uint32_t valid)
{
	struct ndisc_ra ra = { .ifindex = 2, .src = ip(router) };
	struct ndisc_options *o = &ra.options;

	ra.header.router_lifetime = router_lifetime;
	if (fqdn) {
		ra.has_pvd = true;
		snprintf(ra.pvd.fqdn, sizeof(ra.pvd.fqdn), "%s", fqdn);
		ra.pvd.sequence = 1;
		o = &ra.pvd.options;	/* inner options, as routers send them */
	}
	if (prefix) {
		o->n_prefixes = 1;
		o->prefixes[0] = (struct ndisc_prefix) {
			.prefix = ip(prefix), .prefix_len = 64, .on_link = true, .autonomous = true,
			.valid_lifetime = valid, .preferred_lifetime = valid / 2,
		};
	}
	return ra;
}

static const struct pvd_obj *obj(const struct pvd *p, enum pvd_obj_kind kind)
{
	for (size_t i = 0; p && i < p->n_objs; i++)
		if (p->objs[i].kind == kind)
			return &p->objs[i];
	return NULL;
}

static struct pvd_registry *registry(const struct conf *c)
{
	struct pvd_registry *r = NULL;

	CHECK(pvd_registry_new(c, secret, &r) == 0);
	return r;
}

static void test_explicit_and_implicit(void)
{
	struct conf c;
	struct pvd_registry *r;
	struct ndisc_ra ra;
	const struct pvd *a, *b, *i;
	const struct pvd_obj *pfx;
	struct in6_addr a_prefix = ip("2001:db8:a::");

	conf_defaults(&c);
	r = registry(&c);
	ra = ra_new("fe80::a", "a.example", "2001:db8:a::", 1800, 3600);
	ra.pvd.has_ra_header = true;		/* the inner header wins */
	ra.pvd.ra_header.router_lifetime = 600;
	ra.pvd.ra_header.preference = NDISC_PREFERENCE_HIGH;
	CHECK(pvd_registry_handle_ra(r, &ra, "eth0", 1000) == 1);
	ra = ra_new("fe80::b", "b.example", "2001:db8:b::", 1800, 3600);
	CHECK(pvd_registry_handle_ra(r, &ra, "eth0", 1000) == 1);
	ra = ra_new("fe80::c", NULL, "2001:db8:c::", 1800, 3600);
	ra.ifindex = 3;
	CHECK(pvd_registry_handle_ra(r, &ra, "eth1", 1000) == 1);

	CHECK(pvd_registry_count(r) == 3);
	a = pvd_registry_find(r, "a.example");
	b = pvd_registry_find(r, "b.example");
	i = pvd_registry_find(r, "fe80::c%eth1");
	CHECK(a && b && i);
	if (!a || !b || !i)
		return;
	CHECK(!a->implicit && i->implicit);
	CHECK(strncmp(a->vrf, "pvd", 3) == 0 && strlen(a->vrf) == 9);
	CHECK(strcmp(a->vrf, b->vrf) && strcmp(a->vrf, i->vrf) && strcmp(b->vrf, i->vrf));
	CHECK(a->table >= 1000 && a->table <= 1999 && a->table != b->table && b->table != i->table);
	CHECK(obj(a, PVD_OBJ_ROUTER)->expires_ms == 1000 + 600 * 1000);
	CHECK(obj(a, PVD_OBJ_ROUTER)->pref == NDISC_PREFERENCE_HIGH);
	pfx = obj(a, PVD_OBJ_PREFIX);
	CHECK(pfx && pfx->expires_ms == 1000 + 3600 * 1000 && pfx->on_link && pfx->autonomous);
	pfx = obj(a, PVD_OBJ_ADDRESS);
	CHECK(pfx && pfx->has_address && memcmp(&pfx->address, &a_prefix, 8) == 0);
	CHECK(pfx && pfx->expires_ms == 1000 + 3600 * 1000 && pfx->preferred_ms == 1000 + 1800 * 1000);
	CHECK(pfx && IN6_IS_ADDR_UNSPECIFIED(&pfx->router));
	CHECK(pvd_registry_next_expiry(r) == 1000 + 600 * 1000);

	/* Same PvD, same secret: same VRF and table in another registry. */
	struct pvd_registry *r2 = registry(&c);
	ra = ra_new("fe80::a", "a.example", "2001:db8:a::", 1800, 3600);
	pvd_registry_handle_ra(r2, &ra, "eth0", 5);
	CHECK(!strcmp(pvd_registry_get(r2, 0)->vrf, a->vrf) && pvd_registry_get(r2, 0)->table == a->table);
	CHECK(!memcmp(&obj(pvd_registry_get(r2, 0), PVD_OBJ_ADDRESS)->address, &pfx->address, 16));
	pvd_registry_free(r2);
	pvd_registry_free(r);
}

static void test_lifetimes(void)
{
	struct conf c;
	struct pvd_registry *r;
	struct ndisc_ra ra;
	const struct pvd *a;

	conf_defaults(&c);
	r = registry(&c);
	ra = ra_new("fe80::a", "a.example", "2001:db8:a::", 1800, 3600);
	ra.pvd.options.n_rdnss = 1;
	ra.pvd.options.rdnss[0] = (struct ndisc_rdnss) { .address = ip("2001:db8:a::53"), .lifetime = 100 };
	pvd_registry_handle_ra(r, &ra, "eth0", 0);
	a = pvd_registry_find(r, "a.example");
	CHECK(a && a->n_objs == 4);	/* router, prefix, address, DNS server */

	/* Router lifetime 0 withdraws the default router only. */
	ra = ra_new("fe80::a", "a.example", NULL, 0, 0);
	CHECK(pvd_registry_handle_ra(r, &ra, "eth0", 10) == 1);
	a = pvd_registry_find(r, "a.example");
	CHECK(a && !obj(a, PVD_OBJ_ROUTER) && obj(a, PVD_OBJ_PREFIX));

	/* The RDNSS expires at 100 s; nothing else yet. */
	CHECK(pvd_registry_next_expiry(r) == 100 * 1000);
	CHECK(pvd_registry_expire(r, 99 * 1000) == 0);
	CHECK(pvd_registry_expire(r, 100 * 1000) == 1);
	a = pvd_registry_find(r, "a.example");
	CHECK(a && a->n_objs == 2);

	/* PIO valid lifetime 0 removes the on-link prefix at once (RFC 4861
	 * §6.3.4); the address, with 3600 s (<= 2 h) left, keeps them
	 * (RFC 4862 §5.5.3 e), and with it the PvD. */
	ra = ra_new("fe80::a", "a.example", "2001:db8:a::", 0, 0);
	CHECK(pvd_registry_handle_ra(r, &ra, "eth0", 200 * 1000) == 1);
	a = pvd_registry_find(r, "a.example");
	CHECK(a && !obj(a, PVD_OBJ_PREFIX) && obj(a, PVD_OBJ_ADDRESS));
	CHECK(a && obj(a, PVD_OBJ_ADDRESS)->expires_ms == 3600 * 1000);
	CHECK(a && obj(a, PVD_OBJ_ADDRESS)->preferred_ms == 200 * 1000);	/* deprecated at once */
	CHECK(a && a->n_routers == 0);
	CHECK(pvd_registry_expire(r, 3600 * 1000) == 1);
	CHECK(pvd_registry_count(r) == 0);
	CHECK(pvd_registry_next_expiry(r) == UINT64_MAX);

	/* An RA that only withdraws never creates a PvD. */
	ra = ra_new("fe80::a", "z.example", "2001:db8:a::", 0, 0);
	CHECK(pvd_registry_handle_ra(r, &ra, "eth0", 300 * 1000) == 0);
	CHECK(pvd_registry_count(r) == 0);

	/* Sequence, H, L, Delay are tracked. */
	ra = ra_new("fe80::a", "a.example", "2001:db8:a::", 1800, 3600);
	ra.pvd.sequence = 7;
	ra.pvd.http = true;
	ra.pvd.delay = 3;
	pvd_registry_handle_ra(r, &ra, "eth0", 0);
	a = pvd_registry_find(r, "a.example");
	CHECK(a && a->sequence == 7 && a->http && a->delay == 3);
	pvd_registry_free(r);
}

/* RFC 4862 §5.5.3 e): the two-hour rule, from any router of the PvD. */
static void test_two_hours(void)
{
	const uint64_t h = 3600 * 1000;
	struct conf c;
	struct pvd_registry *r;
	struct ndisc_ra ra;
	const struct pvd *a;
	const struct pvd_obj *addr;

	conf_defaults(&c);
	r = registry(&c);
	ra = ra_new("fe80::a", "a.example", "2001:db8:a::", 1800, 4 * 3600);
	pvd_registry_handle_ra(r, &ra, "eth0", 0);
	/* 4 h left, 60 s advertised: reset to 2 h. */
	ra = ra_new("fe80::a", "a.example", "2001:db8:a::", 1800, 60);
	pvd_registry_handle_ra(r, &ra, "eth0", 1000);
	a = pvd_registry_find(r, "a.example");
	addr = obj(a, PVD_OBJ_ADDRESS);
	CHECK(addr && addr->expires_ms == 1000 + 2 * h);
	CHECK(addr && addr->preferred_ms == 1000 + 30 * 1000);		/* reset to the advertised */
	CHECK(obj(a, PVD_OBJ_PREFIX)->expires_ms == 1000 + 60 * 1000);	/* RFC 4861: directly */
	/* 2 h left: 60 s is ignored. */
	ra = ra_new("fe80::a", "a.example", "2001:db8:a::", 1800, 60);
	pvd_registry_handle_ra(r, &ra, "eth0", 2000);
	CHECK(obj(a, PVD_OBJ_ADDRESS)->expires_ms == 1000 + 2 * h);
	/* A second router of the PvD is bound by the same rule. */
	ra = ra_new("fe80::b", "a.example", "2001:db8:a::", 1800, 0);
	pvd_registry_handle_ra(r, &ra, "eth0", 3000);
	CHECK(obj(a, PVD_OBJ_ADDRESS)->expires_ms == 1000 + 2 * h);
	/* Longer than what is left: taken. */
	ra = ra_new("fe80::a", "a.example", "2001:db8:a::", 1800, 3 * 3600);
	pvd_registry_handle_ra(r, &ra, "eth0", 4000);
	CHECK(obj(a, PVD_OBJ_ADDRESS)->expires_ms == 4000 + 3 * h);
	/* Infinity, then 60 s: 2 h. */
	ra = ra_new("fe80::a", "a.example", "2001:db8:a::", 1800, NDISC_LIFETIME_INFINITY);
	ra.pvd.options.prefixes[0].preferred_lifetime = NDISC_LIFETIME_INFINITY;
	pvd_registry_handle_ra(r, &ra, "eth0", 5000);
	CHECK(obj(a, PVD_OBJ_ADDRESS)->expires_ms == UINT64_MAX && obj(a, PVD_OBJ_ADDRESS)->preferred_ms == UINT64_MAX);
	ra = ra_new("fe80::a", "a.example", "2001:db8:a::", 1800, 60);
	pvd_registry_handle_ra(r, &ra, "eth0", 6000);
	CHECK(obj(a, PVD_OBJ_ADDRESS)->expires_ms == 6000 + 2 * h);

	/* A plain RA from a third node with the prefix and lifetime 0 or 60
	 * touches nothing of a.example: it is that node's implicit PvD. */
	ra = ra_new("fe80::e", NULL, "2001:db8:a::", 1800, 0);
	pvd_registry_handle_ra(r, &ra, "eth0", 7000);
	ra = ra_new("fe80::e", NULL, "2001:db8:a::", 1800, 60);
	pvd_registry_handle_ra(r, &ra, "eth0", 7000);
	CHECK(obj(a, PVD_OBJ_ADDRESS)->expires_ms == 6000 + 2 * h);
	CHECK(obj(a, PVD_OBJ_PREFIX) && obj(a, PVD_OBJ_PREFIX)->expires_ms == 6000 + 60 * 1000);
	CHECK(pvd_registry_find(r, "fe80::e%eth0") && pvd_registry_count(r) == 2);
	CHECK(memcmp(&obj(pvd_registry_find(r, "fe80::e%eth0"), PVD_OBJ_ADDRESS)->address,
		     &obj(a, PVD_OBJ_ADDRESS)->address, 16) != 0);
	pvd_registry_free(r);
}

static void add_rio(struct ndisc_ra *ra, const char *prefix, uint8_t plen, uint32_t lifetime)
{
	struct ndisc_options *o = ra->has_pvd ? &ra->pvd.options : &ra->options;

	o->routes[o->n_routes++] = (struct ndisc_route) {
		.prefix = ip(prefix), .prefix_len = plen, .lifetime = lifetime,
	};
}

/* One router, two PvDs and a plain RA (RFC 8801 §3.2): three complete sets
 * that stay put however the RAs alternate. */
static void test_one_router_several_pvds(void)
{
	struct conf c;
	struct pvd_registry *r;
	struct ndisc_ra ra[3];
	const char *names[3] = { "a.example", "a2.example", "fe80::a%eth0" };
	struct in6_addr first[3];
	bool stable = true;

	conf_defaults(&c);
	r = registry(&c);
	ra[0] = ra_new("fe80::a", "a.example", "2001:db8:a::", 1800, 3600);
	add_rio(&ra[0], "2001:db8:a1::", 48, 1800);
	ra[1] = ra_new("fe80::a", "a2.example", "2001:db8:a2::", 1800, 3600);
	add_rio(&ra[1], "2001:db8:a21::", 48, 1800);
	ra[2] = ra_new("fe80::a", NULL, "2001:db8:a3::", 1800, 3600);
	for (int k = 0; k < 3; k++)
		pvd_registry_handle_ra(r, &ra[k], "eth0", 0);
	CHECK(pvd_registry_count(r) == 3);
	for (int k = 0; k < 3; k++) {
		const struct pvd *p = pvd_registry_find(r, names[k]);

		CHECK(p && obj(p, PVD_OBJ_ROUTER) && obj(p, PVD_OBJ_PREFIX) && obj(p, PVD_OBJ_ADDRESS));
		if (p)
			first[k] = obj(p, PVD_OBJ_ADDRESS)->address;
	}
	for (int round = 1; round < 40; round++) {
		pvd_registry_handle_ra(r, &ra[round % 3], "eth0", (uint64_t)round * 500);
		for (int k = 0; k < 3; k++) {
			const struct pvd *p = pvd_registry_find(r, names[k]);

			stable = stable && p && p->n_objs == (k == 2 ? 3 : 4) && obj(p, PVD_OBJ_ROUTER) &&
				 pvd_router_slot(p, 2, &ra[0].src) == 0 &&
				 !memcmp(&obj(p, PVD_OBJ_ADDRESS)->address, &first[k], 16);
		}
	}
	CHECK(stable);

	/* The same PIO listed in two PvDs' RAs stays in both. */
	ra[1] = ra_new("fe80::a", "a2.example", "2001:db8:a::", 1800, 3600);
	for (int round = 0; round < 6; round++)
		pvd_registry_handle_ra(r, &ra[round % 2], "eth0", 30000 + (uint64_t)round);
	CHECK(obj(pvd_registry_find(r, "a.example"), PVD_OBJ_PREFIX) &&
	      pvd_registry_find(r, "a2.example")->n_kind[PVD_OBJ_PREFIX] == 2);

	/* The router moves 2001:db8:a::/64 out of a.example's RA: once
	 * a.example's next RA lacks it, it (and a.example's address in it)
	 * belongs to a2.example only (RFC 8801 §3.4). */
	ra[0] = ra_new("fe80::a", "a.example", "2001:db8:a4::", 1800, 3600);
	pvd_registry_handle_ra(r, &ra[1], "eth0", 40000);
	pvd_registry_handle_ra(r, &ra[0], "eth0", 40001);
	{
		const struct pvd *a = pvd_registry_find(r, "a.example");
		bool old = false;

		for (size_t i = 0; a && i < a->n_objs; i++)
			old = old || ((a->objs[i].kind == PVD_OBJ_PREFIX || a->objs[i].kind == PVD_OBJ_ADDRESS) &&
				      !memcmp(&a->objs[i].addr, &first[0], 8));
		CHECK(a && !old && a->n_kind[PVD_OBJ_PREFIX] == 1);
		CHECK(pvd_registry_find(r, "a2.example")->n_kind[PVD_OBJ_PREFIX] == 2);
	}

	/* Router lifetime 0 in a2.example's RA removes a2.example's default
	 * router only. */
	ra[1].pvd.has_ra_header = true;
	ra[1].pvd.ra_header.router_lifetime = 0;
	ra[1].header.router_lifetime = 1800;	/* the outer header does not count */
	pvd_registry_handle_ra(r, &ra[1], "eth0", 50000);
	CHECK(!obj(pvd_registry_find(r, "a2.example"), PVD_OBJ_ROUTER));
	CHECK(obj(pvd_registry_find(r, "a.example"), PVD_OBJ_ROUTER) &&
	      obj(pvd_registry_find(r, "fe80::a%eth0"), PVD_OBJ_ROUTER));
	pvd_registry_free(r);
}

/* Two routers in one PvD: two entries, two slots, each withdraws its own. */
static void test_two_routers(void)
{
	struct conf c;
	struct pvd_registry *r;
	struct ndisc_ra ra;
	const struct pvd *p;
	struct in6_addr a = ip("fe80::a"), b = ip("fe80::b"), x = ip("fe80::c");
	size_t n_routers = 0;

	conf_defaults(&c);
	c.caps.routers = 2;
	r = registry(&c);
	ra = ra_new("fe80::a", "p.example", "2001:db8:1::", 1800, 3600);
	pvd_registry_handle_ra(r, &ra, "eth0", 0);
	ra = ra_new("fe80::b", "p.example", "2001:db8:1::", 1800, 3600);	/* the same prefix */
	pvd_registry_handle_ra(r, &ra, "eth0", 0);
	p = pvd_registry_find(r, "p.example");
	for (size_t i = 0; p && i < p->n_objs; i++)
		n_routers += p->objs[i].kind == PVD_OBJ_ROUTER;
	CHECK(n_routers == 2 && p->n_kind[PVD_OBJ_PREFIX] == 2 && p->n_kind[PVD_OBJ_ADDRESS] == 1);
	CHECK(pvd_router_slot(p, 2, &a) == 0 && pvd_router_slot(p, 2, &b) == 1);
	CHECK(pvd_router_slot(p, 3, &a) == -ENOENT);

	/* A third router is over the cap: refused, nothing else changes. */
	ra = ra_new("fe80::c", "p.example", "2001:db8:2::", 1800, 3600);
	CHECK(pvd_registry_handle_ra(r, &ra, "eth0", 0) == 0);
	CHECK(pvd_registry_refusals(r)[PVD_REFUSED_MAX_ROUTERS] == 1 && p->n_objs == 5);
	CHECK(pvd_registry_ra_outcomes(r)[PVD_RA_REFUSED] == 1 && pvd_registry_ra_outcomes(r)[PVD_RA_TAKEN] == 2);
	/* Withdrawals from a router without an entry: nothing to take. */
	ra = ra_new("fe80::c", "p.example", NULL, 0, 0);
	CHECK(pvd_registry_handle_ra(r, &ra, "eth0", 0) == 0 && pvd_registry_ra_outcomes(r)[PVD_RA_EMPTY] == 1);

	/* fe80::a's lifetime 0 removes its default router; fe80::a still
	 * advertises the prefix, so keeps its entry and slot. */
	ra = ra_new("fe80::a", "p.example", NULL, 0, 0);
	pvd_registry_handle_ra(r, &ra, "eth0", 10);
	CHECK(p->n_kind[PVD_OBJ_ROUTER] == 1 && obj(p, PVD_OBJ_ROUTER)->router.s6_addr[15] == 0xb);
	CHECK(pvd_router_slot(p, 2, &a) == 0);
	/* Its prefix goes too: entry and slot free; a RIO-only router takes slot 0. */
	ra = ra_new("fe80::a", "p.example", "2001:db8:1::", 0, 0);
	pvd_registry_handle_ra(r, &ra, "eth0", 20);
	CHECK(pvd_router_slot(p, 2, &a) == -ENOENT && p->n_routers == 1);
	ra = ra_new("fe80::c", "p.example", NULL, 0, 0);
	add_rio(&ra, "2001:db8:9::", 48, 600);
	pvd_registry_handle_ra(r, &ra, "eth0", 30);
	CHECK(pvd_router_slot(p, 2, &x) == 0 && pvd_router_slot(p, 2, &b) == 1);
	/* The address stays while any router of the PvD advertises its prefix. */
	CHECK(p->n_kind[PVD_OBJ_ADDRESS] == 1 && p->n_kind[PVD_OBJ_PREFIX] == 1);
	pvd_registry_free(r);
}

static void test_caps(void)
{
	struct conf c;
	struct pvd_registry *r;
	struct ndisc_ra ra;
	char name[32], prefix[32];

	conf_defaults(&c);
	c.caps.pvds = 3;
	c.caps.pvds_per_link = 2;
	c.caps.prefixes = 2;
	c.table_min = 1000;
	c.table_max = 1002;
	r = registry(&c);
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "p%d.example", i);
		ra = ra_new("fe80::a", name, "2001:db8:a::", 1800, 3600);
		ra.src.s6_addr[15] = i + 1;
		pvd_registry_handle_ra(r, &ra, "eth0", 0);
	}
	CHECK(pvd_registry_count(r) == 2);
	CHECK(pvd_registry_refusals(r)[PVD_REFUSED_MAX_PVDS_PER_LINK] == 1);
	ra = ra_new("fe80::a", "q.example", NULL, 1800, 0);
	ra.ifindex = 9;
	pvd_registry_handle_ra(r, &ra, "eth9", 0);
	ra.pvd.fqdn[0] = 'r';
	pvd_registry_handle_ra(r, &ra, "eth9", 0);
	CHECK(pvd_registry_count(r) == 3);
	CHECK(pvd_registry_refusals(r)[PVD_REFUSED_MAX_PVDS] == 1);

	/* Per-PvD prefix cap: the third prefix is refused, the first two stay. */
	for (int i = 0; i < 3; i++) {
		snprintf(prefix, sizeof(prefix), "2001:db8:%x::", 0x100 + i);
		ra = ra_new("fe80::9", "q.example", prefix, 1800, 3600);
		ra.ifindex = 9;
		pvd_registry_handle_ra(r, &ra, "eth9", 0);
	}
	CHECK(pvd_registry_find(r, "q.example")->n_kind[PVD_OBJ_PREFIX] == 2);
	CHECK(pvd_registry_refusals(r)[PVD_REFUSED_MAX_PREFIXES] == 1);
	/* A refusal loses nothing: p0's prefix, refused in a full PvD, stays in p0. */
	ra = ra_new("fe80::1", "q.example", "2001:db8:a::", 1800, 3600);
	ra.ifindex = 9;
	pvd_registry_handle_ra(r, &ra, "eth9", 0);
	CHECK(pvd_registry_refusals(r)[PVD_REFUSED_MAX_PREFIXES] == 2);
	CHECK(obj(pvd_registry_find(r, "p0.example"), PVD_OBJ_PREFIX) &&
	      pvd_registry_find(r, "q.example")->n_kind[PVD_OBJ_PREFIX] == 2);
	/* One outcome per RA: refusing an object does not refuse its RA; an
	 * RA with nothing for a PvD not held is empty, not refused. */
	ra = ra_new("fe80::a", "s.example", NULL, 0, 0);
	pvd_registry_handle_ra(r, &ra, "eth0", 0);
	CHECK(pvd_registry_ra_outcomes(r)[PVD_RA_TAKEN] == 7 && pvd_registry_ra_outcomes(r)[PVD_RA_REFUSED] == 2 &&
	      pvd_registry_ra_outcomes(r)[PVD_RA_EMPTY] == 1);
	CHECK(!strcmp(pvd_ra_outcome_to_string(PVD_RA_REFUSED), "refused"));
	pvd_registry_free(r);

	/* Only one table left for two PvDs. */
	c.table_max = 1000;
	c.caps.pvds_per_link = 16;
	r = registry(&c);
	ra = ra_new("fe80::a", "a.example", "2001:db8:a::", 1800, 3600);
	pvd_registry_handle_ra(r, &ra, "eth0", 0);
	ra = ra_new("fe80::b", "b.example", "2001:db8:b::", 1800, 3600);
	pvd_registry_handle_ra(r, &ra, "eth0", 0);
	CHECK(pvd_registry_count(r) == 1);
	CHECK(pvd_registry_refusals(r)[PVD_REFUSED_NO_TABLE] == 1);
	pvd_registry_free(r);
}

/* The VRF filter: a slot in use by others is skipped. */
static bool not_table_1000(void *userdata, const char *vrf, uint32_t table)
{
	(*(unsigned *)userdata)++;
	(void)vrf;
	return table != 1000;
}

static void test_vrf_filter(void)
{
	struct conf c;
	struct pvd_registry *r;
	struct ndisc_ra ra;
	unsigned asked = 0;

	conf_defaults(&c);
	c.table_min = 1000;
	c.table_max = 1001;
	r = registry(&c);
	pvd_registry_set_vrf_filter(r, not_table_1000, &asked);
	ra = ra_new("fe80::a", "a.example", "2001:db8:a::", 1800, 3600);
	pvd_registry_handle_ra(r, &ra, "eth0", 0);
	CHECK(pvd_registry_count(r) == 1 && pvd_registry_get(r, 0)->table == 1001 && asked >= 1);
	ra = ra_new("fe80::b", "b.example", "2001:db8:b::", 1800, 3600);
	pvd_registry_handle_ra(r, &ra, "eth0", 0);
	CHECK(pvd_registry_count(r) == 1 && pvd_registry_refusals(r)[PVD_REFUSED_NO_TABLE] == 1);
	pvd_registry_free(r);
}

/* Withdrawals reach the hook whether or not the registry holds the object
 * (after a restart the kernel may hold it from the earlier run). */
struct withdrawal_log {
	unsigned n;
	uint32_t table;
	struct pvd_obj last[4];
};

static void note_withdrawal(void *userdata, uint32_t table, const struct pvd_obj *o)
{
	struct withdrawal_log *log = userdata;

	log->table = table;
	if (log->n < 4)
		log->last[log->n] = *o;
	log->n++;
}

static void test_withdraw_hook(void)
{
	struct conf c;
	struct pvd_registry *r;
	struct ndisc_ra ra;
	struct withdrawal_log seen = { 0 };
	struct in6_addr rt = ip("2001:db8:9::");

	conf_defaults(&c);
	r = registry(&c);
	pvd_registry_set_withdraw_hook(r, note_withdrawal, &seen);
	CHECK(pvd_registry_reserve(r, "a.example", "pvd123456", 1500) == 0);
	/* Nothing held, a reserved table: router lifetime 0 and a PIO and a
	 * RIO with lifetime 0 are all told. */
	ra = ra_new("fe80::a", "a.example", "2001:db8:a::", 0, 0);
	ra.pvd.options.routes[ra.pvd.options.n_routes++] = (struct ndisc_route) {
		.prefix = rt, .prefix_len = 48, .lifetime = 0 };
	CHECK(pvd_registry_handle_ra(r, &ra, "eth0", 0) == 0 && pvd_registry_count(r) == 0);
	CHECK(seen.n == 3 && seen.table == 1500);
	CHECK(seen.last[0].kind == PVD_OBJ_ROUTER && seen.last[0].router.s6_addr[15] == 0xa);
	CHECK(seen.last[1].kind == PVD_OBJ_PREFIX && seen.last[1].plen == 64);
	CHECK(seen.last[2].kind == PVD_OBJ_ROUTE && !memcmp(&seen.last[2].addr, &rt, 16) && seen.last[2].plen == 48);
	/* An unknown PvD without a table: nothing to tell. */
	ra = ra_new("fe80::a", "z.example", NULL, 0, 0);
	pvd_registry_handle_ra(r, &ra, "eth0", 0);
	CHECK(seen.n == 3);
	pvd_registry_free(r);
}

static void test_reserve_dad_forget(void)
{
	struct conf c;
	struct pvd_registry *r;
	struct ndisc_ra ra;
	const struct pvd *a;
	struct in6_addr first;
	char subif[IFNAMSIZ];

	conf_defaults(&c);
	r = registry(&c);
	CHECK(pvd_registry_reserve(r, "a.example", "pvd123456", 1500) == 0);
	ra = ra_new("fe80::a", "a.example", "2001:db8:a::", 1800, 3600);
	pvd_registry_handle_ra(r, &ra, "eth0", 0);
	a = pvd_registry_find(r, "a.example");
	CHECK(a && !strcmp(a->vrf, "pvd123456") && a->table == 1500 && a->id == 0x123456);

	first = obj(a, PVD_OBJ_ADDRESS)->address;
	CHECK(stable_subif_name(a->id, 2, subif) == 0);
	CHECK(pvd_registry_dad_failed(r, "pvd999999.2", &first) == 0);	/* not ours */
	CHECK(pvd_registry_dad_failed(r, subif, &first) == 1);
	CHECK(memcmp(&obj(a, PVD_OBJ_ADDRESS)->address, &first, 16) != 0);
	for (int i = 0; i < 2; i++) {
		struct in6_addr cur = obj(a, PVD_OBJ_ADDRESS)->address;
		CHECK(pvd_registry_dad_failed(r, subif, &cur) == 1);
	}
	CHECK(!obj(a, PVD_OBJ_ADDRESS)->has_address);	/* RFC 7217 IDGEN_RETRIES = 3 */
	/* Given up, it stays given up: the next RA forms no new address. */
	pvd_registry_handle_ra(r, &ra, "eth0", 1);
	CHECK(!obj(a, PVD_OBJ_ADDRESS)->has_address && a->n_kind[PVD_OBJ_ADDRESS] == 1);

	CHECK(pvd_registry_forget_link(r, 3) == 0);
	CHECK(pvd_registry_forget_link(r, 2) == 1);
	CHECK(pvd_registry_count(r) == 0);
	pvd_registry_free(r);
}

int main(void)
{
	log_set_level(LOG_ERR);
	test_explicit_and_implicit();
	test_lifetimes();
	test_two_hours();
	test_one_router_several_pvds();
	test_two_routers();
	test_caps();
	test_vrf_filter();
	test_withdraw_hook();
	test_reserve_dad_forget();
	return tap_done();
}
