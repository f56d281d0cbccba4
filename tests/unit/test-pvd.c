/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The PvD registry fed with parsed RAs (struct ndisc_ra built by hand). */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "pvd.h"

#include "tap.h"

#define CHECK(cond) ok((cond), "%s", #cond)

static const uint8_t secret[STABLE_SECRET_SIZE] = "0123456789abcde";

static struct in6_addr ip(const char *s)
{
	struct in6_addr a;

	inet_pton(AF_INET6, s, &a);
	return a;
}

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
	CHECK(pfx && pfx->has_address && memcmp(&pfx->address, &a_prefix, 8) == 0);
	CHECK(pfx && pfx->expires_ms == 1000 + 3600 * 1000 && pfx->preferred_ms == 1000 + 1800 * 1000);
	CHECK(pvd_registry_next_expiry(r) == 1000 + 600 * 1000);

	/* Same PvD, same secret: same VRF and table in another registry. */
	struct pvd_registry *r2 = registry(&c);
	ra = ra_new("fe80::a", "a.example", "2001:db8:a::", 1800, 3600);
	pvd_registry_handle_ra(r2, &ra, "eth0", 5);
	CHECK(!strcmp(pvd_registry_get(r2, 0)->vrf, a->vrf) && pvd_registry_get(r2, 0)->table == a->table);
	CHECK(!memcmp(&obj(pvd_registry_get(r2, 0), PVD_OBJ_PREFIX)->address, &pfx->address, 16));
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
	CHECK(a && a->n_objs == 3);

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
	CHECK(a && a->n_objs == 1);

	/* PIO valid lifetime 0 removes the prefix, and the empty PvD goes. */
	ra = ra_new("fe80::a", "a.example", "2001:db8:a::", 0, 0);
	CHECK(pvd_registry_handle_ra(r, &ra, "eth0", 200 * 1000) == 1);
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

/* RFC 8801 §3.4: objects belong to the PvD of the RA that last carried them. */
static void test_move(void)
{
	struct conf c;
	struct pvd_registry *r;
	struct ndisc_ra ra;
	const struct pvd *b;

	conf_defaults(&c);
	r = registry(&c);
	ra = ra_new("fe80::a", NULL, "2001:db8:a::", 1800, 3600);
	pvd_registry_handle_ra(r, &ra, "eth0", 0);
	CHECK(pvd_registry_find(r, "fe80::a%eth0"));
	/* The same router now announces the same prefix inside PvD b. */
	ra = ra_new("fe80::a", "b.example", "2001:db8:a::", 1800, 3600);
	pvd_registry_handle_ra(r, &ra, "eth0", 1);
	CHECK(pvd_registry_count(r) == 1);
	b = pvd_registry_find(r, "b.example");
	CHECK(b && obj(b, PVD_OBJ_ROUTER) && obj(b, PVD_OBJ_PREFIX));
	CHECK(!pvd_registry_find(r, "fe80::a%eth0"));
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

	first = obj(a, PVD_OBJ_PREFIX)->address;
	CHECK(stable_subif_name(a->id, 2, subif) == 0);
	CHECK(pvd_registry_dad_failed(r, "pvd999999.2", &first) == 0);	/* not ours */
	CHECK(pvd_registry_dad_failed(r, subif, &first) == 1);
	CHECK(memcmp(&obj(a, PVD_OBJ_PREFIX)->address, &first, 16) != 0);
	for (int i = 0; i < 2; i++) {
		struct in6_addr cur = obj(a, PVD_OBJ_PREFIX)->address;
		CHECK(pvd_registry_dad_failed(r, subif, &cur) == 1);
	}
	CHECK(!obj(a, PVD_OBJ_PREFIX)->has_address);	/* RFC 7217 IDGEN_RETRIES = 3 */

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
	test_move();
	test_caps();
	test_reserve_dad_forget();
	return tap_done();
}
