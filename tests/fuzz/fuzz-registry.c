/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stateful fuzzer for the PvD registry: the input is a program of steps
 * (parsed RAs from a small set of routers, PvDs, prefixes and lifetimes;
 * time steps; link losses; DAD failures), and after every step the
 * registry's invariants are checked; a violation aborts:
 *   - caps are never exceeded, and the per-kind counts are right;
 *   - every object but an address belongs to exactly one (PvD, link,
 *     router) entry, every entry holds an object, slots are unique;
 *   - no object is held twice; no PvD is empty;
 *   - after expiry at `now`, nothing has an expiry <= now, and the next
 *     expiry is later than now (expiries are monotone);
 *   - an address is never preferred longer than it is valid;
 *   - the desired kernel state is deterministic, and no two wanted routes
 *     share a kernel route key.
 * Small caps make refusals common.  The values come from small tables so
 * that short inputs meet the same objects again.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pvd.h"
#include "want.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t secret[STABLE_SECRET_SIZE] = "fuzz-the-regist";
static const char *const pvd_names[] = { NULL, "a.example", "b.example", "c.example", "d.example" };
static const uint32_t lifetimes[] = { 0, 1, 60, 3600, 7200, 7201, 14400, NDISC_LIFETIME_INFINITY };

struct input {
	const uint8_t *p;
	size_t left;
};

static uint8_t next(struct input *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

#define PICK(in, table) ((table)[next(in) % (sizeof(table) / sizeof((table)[0]))])

static struct in6_addr addr_of(uint8_t prefix_byte, uint8_t last)
{
	struct in6_addr a = { .s6_addr = { 0x20, 0x01, 0x0d, 0xb8, 0, prefix_byte } };

	a.s6_addr[15] = last;
	return a;
}

static struct in6_addr router_of(uint8_t n)
{
	struct in6_addr a = { .s6_addr = { 0xfe, 0x80 } };

	a.s6_addr[15] = (uint8_t)(1 + n % 4);
	return a;
}

static void build_ra(struct input *in, struct ndisc_ra *ra)
{
	const char *name = PICK(in, pvd_names);
	struct ndisc_options *o;
	uint8_t n;

	memset(ra, 0, sizeof(*ra));
	ra->ifindex = 2 + next(in) % 2;
	ra->src = router_of(next(in));
	ra->header.router_lifetime = (uint16_t)(PICK(in, lifetimes) > 9000 ? 9000 : PICK(in, lifetimes));
	ra->header.preference = (enum ndisc_preference)(next(in) % 3) - 1;
	o = &ra->options;
	if (name) {
		ra->has_pvd = true;
		snprintf(ra->pvd.fqdn, sizeof(ra->pvd.fqdn), "%s", name);
		ra->pvd.sequence = next(in) % 3;
		if (next(in) & 1) {
			ra->pvd.has_ra_header = true;
			ra->pvd.ra_header = ra->header;
			ra->pvd.ra_header.router_lifetime = (uint16_t)(next(in) % 3 * 900);
		}
		if (next(in) & 1)
			o = &ra->pvd.options;
	}
	n = next(in) % 4;
	for (uint8_t i = 0; i < n; i++) {
		struct ndisc_prefix *x = &o->prefixes[o->n_prefixes++];
		uint32_t valid = PICK(in, lifetimes), preferred = PICK(in, lifetimes);
		uint8_t flags = next(in);

		*x = (struct ndisc_prefix) {
			.prefix = addr_of(next(in) % 6, 0), .prefix_len = flags & 4 ? 64 : 48,
			.on_link = flags & 1, .autonomous = flags & 2,
			.valid_lifetime = valid, .preferred_lifetime = preferred > valid ? valid : preferred,
		};
	}
	n = next(in) % 3;
	for (uint8_t i = 0; i < n; i++) {
		bool default_route = next(in) & 1;	/* a ::/0 RIO */

		o->routes[o->n_routes++] = (struct ndisc_route) {
			.prefix = default_route ? in6addr_any : addr_of(next(in) % 6, 0),
			.prefix_len = default_route ? 0 : 48, .lifetime = PICK(in, lifetimes),
			.preference = (enum ndisc_preference)(next(in) % 3) - 1,
		};
	}
	n = next(in) % 3;
	for (uint8_t i = 0; i < n; i++)
		o->rdnss[o->n_rdnss++] = (struct ndisc_rdnss) {
			.address = addr_of(next(in) % 4, 0x53), .lifetime = PICK(in, lifetimes),
		};
	n = next(in) % 2;
	for (uint8_t i = 0; i < n; i++) {
		snprintf(o->dnssl[o->n_dnssl].name, sizeof(o->dnssl[0].name), "s%u.example", next(in) % 3);
		o->dnssl[o->n_dnssl++].lifetime = PICK(in, lifetimes);
	}
}

static bool same_obj_value(const struct pvd_obj *a, const struct pvd_obj *b)
{
	return a->kind == b->kind && a->ifindex == b->ifindex && !memcmp(&a->router, &b->router, 16) &&
	       !memcmp(&a->addr, &b->addr, 16) && a->plen == b->plen && !strcmp(a->name, b->name);
}

#define ASSERT(cond) do { if (!(cond)) { fprintf(stderr, "invariant failed: %s\n", #cond); abort(); } } while (0)

static void check_pvd(const struct conf *c, const struct pvd *p, uint64_t now, bool expired_now)
{
	size_t n_kind[_PVD_OBJ_KIND_MAX] = { 0 };
	const unsigned caps[_PVD_OBJ_KIND_MAX] = {
		c->caps.routers, c->caps.prefixes, c->caps.routes, c->caps.rdnss, c->caps.dnssl, c->caps.prefixes,
	};

	ASSERT(p->n_objs > 0);
	ASSERT(p->n_routers <= c->caps.routers);
	for (size_t i = 0; i < p->n_objs; i++) {
		const struct pvd_obj *o = &p->objs[i];

		n_kind[o->kind]++;
		for (size_t j = 0; j < i; j++)
			ASSERT(!same_obj_value(o, &p->objs[j]));
		if (expired_now)
			ASSERT(o->expires_ms > now);
		if (o->kind == PVD_OBJ_ADDRESS)
			ASSERT(o->preferred_ms <= o->expires_ms && IN6_IS_ADDR_UNSPECIFIED(&o->router));
		else
			ASSERT(pvd_router_slot(p, o->ifindex, &o->router) >= 0);
	}
	for (int k = 0; k < _PVD_OBJ_KIND_MAX; k++)
		ASSERT(n_kind[k] == p->n_kind[k] && n_kind[k] <= caps[k]);
	for (size_t i = 0; i < p->n_routers; i++) {
		bool used = false;

		for (size_t j = 0; j < i; j++)
			ASSERT(p->routers[j].slot != p->routers[i].slot);
		for (size_t j = 0; j < p->n_objs && !used; j++)
			used = p->objs[j].kind != PVD_OBJ_ADDRESS && p->objs[j].ifindex == p->routers[i].ifindex &&
			       !memcmp(&p->objs[j].router, &p->routers[i].addr, 16);
		ASSERT(used);
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static void check(const struct conf *c, const struct pvd_registry *r, uint64_t now, bool expired_now)
{
	struct want w1, w2;

	ASSERT(pvd_registry_count(r) <= c->caps.pvds);
	for (size_t i = 0; i < pvd_registry_count(r); i++)
		check_pvd(c, pvd_registry_get(r, i), now, expired_now);
	if (expired_now)
		ASSERT(pvd_registry_next_expiry(r) > now);
	if (want_build(r, now, NULL, &w1) < 0)
		return;
	if (want_build(r, now, NULL, &w2) == 0) {
		ASSERT(w1.state.n_routes == w2.state.n_routes && w1.state.n_addrs == w2.state.n_addrs &&
		       w1.state.n_subifs == w2.state.n_subifs && w1.state.n_vrfs == w2.state.n_vrfs);
		ASSERT(!memcmp(w1.routes, w2.routes, w1.state.n_routes * sizeof(*w1.routes)));
		ASSERT(!memcmp(w1.addrs, w2.addrs, w1.state.n_addrs * sizeof(*w1.addrs)));
		want_free(&w2);
	}
	for (size_t i = 0; i < w1.state.n_routes; i++)
		for (size_t j = 0; j < i; j++)
			ASSERT(!(w1.routes[i].family == w1.routes[j].family && w1.routes[i].table == w1.routes[j].table && w1.routes[i].plen == w1.routes[j].plen &&
				 w1.routes[i].metric == w1.routes[j].metric &&
				 !memcmp(&w1.routes[i].dst, &w1.routes[j].dst, 16)));
	want_free(&w1);
}

/* The i-th of W's objects in TABLE (the PvD with that table), or NULL. */
static const void *in_table(const struct want *w, uint32_t table, int kind, size_t i)
{
	const struct kvrf *v = NULL;

	for (size_t j = 0; j < w->state.n_vrfs && !v; j++)
		if (w->vrfs[j].table == table)
			v = &w->vrfs[j];
	if (!v)
		return NULL;
	if (kind == 0)
		return i == 0 ? v : NULL;
	for (size_t j = 0; kind == 1 && j < w->state.n_routes; j++)
		if (w->routes[j].table == table && i-- == 0)
			return &w->routes[j];
	for (size_t j = 0; kind == 2 && j < w->state.n_subifs; j++)
		if (!strcmp(w->subifs[j].vrf, v->name) && i-- == 0)
			return &w->subifs[j];
	for (size_t j = 0; kind == 3 && j < w->state.n_addrs; j++)
		for (size_t s = 0; s < w->state.n_subifs; s++)
			if (!strcmp(w->subifs[s].name, w->addrs[j].dev) && !strcmp(w->subifs[s].vrf, v->name) && i-- == 0)
				return &w->addrs[j];
	return NULL;
}

/* A PvD that a partial state leaves out has not changed: the whole state of
 * the registry now, at the time of the last check, has for its table what
 * the state of that check had.  So pvd.changed missed no change. */
static void check_changes(const struct pvd_registry *r, uint64_t now, struct want *prev, uint64_t *prev_now,
			  struct want_seen *seen)
{
	static const size_t sizes[] = { sizeof(struct kvrf), sizeof(struct kroute), sizeof(struct ksubif),
					sizeof(struct kaddr) };
	struct want again, part;

	if (prev->vrfs && want_build(r, *prev_now, NULL, &again) == 0) {
		if (want_build(r, now, seen, &part) == 0) {
			ASSERT(part.state.partial);
			for (size_t i = 0; i < part.state.n_vrfs; i++)
				ASSERT(bsearch(&part.vrfs[i].table, part.tables, part.state.n_tables, sizeof(uint32_t),
					       cmp_u32));
			for (size_t v = 0; v < prev->state.n_vrfs; v++) {
				uint32_t t = prev->vrfs[v].table;

				if (bsearch(&t, part.tables, part.state.n_tables, sizeof(t), cmp_u32))
					continue;
				for (int kind = 0; kind < 4; kind++)
					for (size_t i = 0;; i++) {
						const void *a = in_table(prev, t, kind, i), *b = in_table(&again, t, kind, i);

						ASSERT(!a == !b);
						if (!a)
							break;
						ASSERT(!memcmp(a, b, sizes[kind]));
					}
			}
			want_free(&part);
		}
		want_free(&again);
	}
	want_free(prev);
	*prev_now = now;
	if (want_build(r, now, NULL, prev) < 0 || want_seen_take(seen, r) < 0)
		want_free(prev);	/* nothing to compare with next time */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ndisc_ra ra;	/* large: not on the stack */
	struct input in = { data, size };
	struct pvd_registry *r = NULL;
	struct conf c;
	uint64_t now = 0, prev_now = 0;
	struct want prev = { .vrfs = NULL };
	struct want_seen seen = { .v = NULL };

	log_set_level(LOG_EMERG);	/* silence: this runs millions of steps */
	conf_defaults(&c);
	c.caps.pvds = 4;
	c.caps.pvds_per_link = 3;
	c.caps.routers = 3;
	c.caps.prefixes = 3;
	c.caps.routes = 3;
	c.caps.rdnss = 2;
	c.caps.dnssl = 2;
	c.table_min = 1000;
	c.table_max = 1003;
	if (pvd_registry_new(&c, secret, &r) < 0)
		return 0;
	for (unsigned steps = 0; in.left && steps < 256; steps++) {
		uint8_t op = next(&in) % 8;
		bool expired_now = false;

		if (op < 4) {
			const char *ifname;

			build_ra(&in, &ra);
			ifname = ra.ifindex == 2 ? "eth0" : "eth1";
			pvd_registry_handle_ra(r, &ra, ifname, now);
		} else if (op < 6) {
			now += (uint64_t)PICK(&in, lifetimes) % 10000 * 1000;
			pvd_registry_expire(r, now);
			expired_now = true;
		} else if (op == 6) {
			pvd_registry_forget_link(r, 2 + next(&in) % 2);
		} else if (pvd_registry_count(r)) {
			const struct pvd *p = pvd_registry_get(r, next(&in) % pvd_registry_count(r));

			for (size_t i = 0; i < p->n_objs; i++) {
				char subif[IFNAMSIZ];

				if (p->objs[i].kind == PVD_OBJ_ADDRESS && p->objs[i].has_address &&
				    stable_subif_name(p->id, p->objs[i].ifindex, subif) == 0) {
					struct in6_addr a = p->objs[i].address;

					ASSERT(pvd_registry_dad_failed(r, subif, &a) == 1);
					break;
				}
			}
		}
		check(&c, r, now, expired_now);
		check_changes(r, now, &prev, &prev_now, &seen);
	}
	want_free(&prev);
	want_seen_free(&seen);
	pvd_registry_free(r);
	return 0;
}
