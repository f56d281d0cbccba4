/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The PvD registry, state model v2.  Memory is kept per (PvD, link, router):
 * every router-learnt object (default router, prefix, route, DNS server,
 * search domain) is keyed by what it is, the link and the router that sent
 * it, inside the PvD of the RA that carried it (RFC 8801 §3.4).  An RA only
 * ever changes its own (PvD, link, router) entry, so a router serving
 * several PvDs (RFC 8801 §3.2) cannot make one PvD's state flap into
 * another's, and a plain RA from another node cannot touch an explicit
 * PvD.  SLAAC addresses are kept per (PvD, link, prefix) under RFC 4862
 * §5.5.3.  A PvD exists while it holds at least one object.  Caps refuse
 * new state; state already held is never evicted to make room.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pvd.h"

#define NEVER UINT64_MAX

struct reservation {
	char name[PVD_NAME_MAX];
	char vrf[IFNAMSIZ];
	uint32_t table;
};

struct pvd_registry {
	struct conf conf;
	uint8_t secret[STABLE_SECRET_SIZE];
	struct pvd **pvds;
	size_t n_pvds;
	struct reservation *reserved;
	size_t n_reserved;
	uint64_t refusals[_PVD_REFUSED_MAX];
	uint64_t ra_outcomes[_PVD_RA_OUTCOME_MAX];	/* [PVD_RA_TAKEN]: pvd_obj.seen_ra's clock */
	pvd_vrf_usable_fn vrf_usable;
	void *vrf_usable_data;
	pvd_withdraw_fn withdrawn;
	void *withdrawn_data;
	uint64_t changes;		/* pvd.changed's clock */
};

const char *pvd_obj_kind_to_string(enum pvd_obj_kind kind)
{
	switch (kind) {
	case PVD_OBJ_ROUTER: return "router";
	case PVD_OBJ_PREFIX: return "prefix";
	case PVD_OBJ_ROUTE: return "route";
	case PVD_OBJ_RDNSS: return "DNS server";
	case PVD_OBJ_DNSSL: return "search domain";
	case PVD_OBJ_ADDRESS: return "address";
	case _PVD_OBJ_KIND_MAX: break;
	}
	return NULL;
}

const char *pvd_refusal_to_string(enum pvd_refusal refusal)
{
	switch (refusal) {
	case PVD_REFUSED_IMPLICIT_DISABLED: return "implicit PvDs are disabled";
	case PVD_REFUSED_MAX_PVDS: return "too many PvDs";
	case PVD_REFUSED_MAX_PVDS_PER_LINK: return "too many PvDs on the link";
	case PVD_REFUSED_MAX_ROUTERS: return "too many routers in the PvD";
	case PVD_REFUSED_MAX_PREFIXES: return "too many prefixes in the PvD";
	case PVD_REFUSED_MAX_ROUTES: return "too many routes in the PvD";
	case PVD_REFUSED_MAX_RDNSS: return "too many DNS servers in the PvD";
	case PVD_REFUSED_MAX_DNSSL: return "too many search domains in the PvD";
	case PVD_REFUSED_MAX_ADDRESSES: return "too many addresses in the PvD";
	case PVD_REFUSED_NO_TABLE: return "no free routing table or VRF name";
	case _PVD_REFUSED_MAX: break;
	}
	return NULL;
}

static unsigned kind_cap(const struct pvd_registry *r, enum pvd_obj_kind kind)
{
	switch (kind) {
	case PVD_OBJ_ROUTER: return r->conf.caps.routers;
	case PVD_OBJ_PREFIX: return r->conf.caps.prefixes;
	case PVD_OBJ_ROUTE: return r->conf.caps.routes;
	case PVD_OBJ_RDNSS: return r->conf.caps.rdnss;
	case PVD_OBJ_DNSSL: return r->conf.caps.dnssl;
	case PVD_OBJ_ADDRESS: return r->conf.caps.prefixes;
	case _PVD_OBJ_KIND_MAX: break;
	}
	return 0;
}

static enum pvd_refusal kind_refusal(enum pvd_obj_kind kind)
{
	switch (kind) {
	case PVD_OBJ_ROUTER: return PVD_REFUSED_MAX_ROUTERS;
	case PVD_OBJ_PREFIX: return PVD_REFUSED_MAX_PREFIXES;
	case PVD_OBJ_ROUTE: return PVD_REFUSED_MAX_ROUTES;
	case PVD_OBJ_RDNSS: return PVD_REFUSED_MAX_RDNSS;
	case PVD_OBJ_DNSSL: return PVD_REFUSED_MAX_DNSSL;
	case PVD_OBJ_ADDRESS: return PVD_REFUSED_MAX_ADDRESSES;
	case _PVD_OBJ_KIND_MAX: break;
	}
	return _PVD_REFUSED_MAX;
}

uint32_t pvd_seconds_left(uint64_t until_ms, uint64_t now_ms)
{
	uint64_t s;

	if (until_ms == NEVER)
		return UINT32_MAX;
	if (until_ms <= now_ms)
		return 0;
	s = (until_ms - now_ms + 999) / 1000;
	return s >= UINT32_MAX ? UINT32_MAX - 1 : (uint32_t)s;
}

static uint64_t until(uint64_t now_ms, uint32_t lifetime_s)
{
	return lifetime_s == NDISC_LIFETIME_INFINITY ? NEVER : now_ms + (uint64_t)lifetime_s * 1000;
}

int pvd_registry_new(const struct conf *conf, const uint8_t secret[STABLE_SECRET_SIZE],
		     struct pvd_registry **ret)
{
	struct pvd_registry *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->conf = *conf;
	memcpy(r->secret, secret, STABLE_SECRET_SIZE);
	*ret = r;
	return 0;
}

static struct pvd *pvd_free(struct pvd *p)
{
	if (p) {
		free(p->objs);
		free(p->routers);
		free(p);
	}
	return NULL;
}

struct pvd_registry *pvd_registry_free(struct pvd_registry *r)
{
	if (!r)
		return NULL;
	for (size_t i = 0; i < r->n_pvds; i++)
		pvd_free(r->pvds[i]);
	free(r->pvds);
	free(r->reserved);
	free(r);
	return NULL;
}

void pvd_registry_set_vrf_filter(struct pvd_registry *r, pvd_vrf_usable_fn usable, void *userdata)
{
	r->vrf_usable = usable;
	r->vrf_usable_data = userdata;
}

void pvd_registry_set_withdraw_hook(struct pvd_registry *r, pvd_withdraw_fn fn, void *userdata)
{
	r->withdrawn = fn;
	r->withdrawn_data = userdata;
}

int pvd_registry_reserve(struct pvd_registry *r, const char *name, const char *vrf, uint32_t table)
{
	struct reservation *n;

	if (strlen(name) >= PVD_NAME_MAX || strlen(vrf) >= IFNAMSIZ)
		return -EINVAL;
	n = realloc(r->reserved, (r->n_reserved + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	r->reserved = n;
	n = &r->reserved[r->n_reserved++];
	snprintf(n->name, sizeof(n->name), "%s", name);
	snprintf(n->vrf, sizeof(n->vrf), "%s", vrf);
	n->table = table;
	return 0;
}

size_t pvd_registry_count(const struct pvd_registry *r)
{
	return r->n_pvds;
}

const struct pvd *pvd_registry_get(const struct pvd_registry *r, size_t i)
{
	return i < r->n_pvds ? r->pvds[i] : NULL;
}

const uint64_t *pvd_registry_refusals(const struct pvd_registry *r)
{
	return r->refusals;
}

const uint64_t *pvd_registry_ra_outcomes(const struct pvd_registry *r)
{
	return r->ra_outcomes;
}

const char *pvd_ra_outcome_to_string(enum pvd_ra_outcome outcome)
{
	switch (outcome) {
	case PVD_RA_TAKEN: return "taken";
	case PVD_RA_REFUSED: return "refused";
	case PVD_RA_EMPTY: return "empty";
	case _PVD_RA_OUTCOME_MAX: break;
	}
	return NULL;
}

/* pvd_obj.seen_ra's clock: the RAs taken so far. */
static uint64_t ra_clock(const struct pvd_registry *r)
{
	return r->ra_outcomes[PVD_RA_TAKEN];
}

/* Every change of a PvD's state goes through here (see pvd.changed). */
static void touch(struct pvd_registry *r, struct pvd *p, int *changed)
{
	p->changed = ++r->changes;
	*changed = 1;
}

static struct pvd *find_pvd(const struct pvd_registry *r, const char *name)
{
	for (size_t i = 0; i < r->n_pvds; i++)
		if (!strcmp(r->pvds[i]->name, name))
			return r->pvds[i];
	return NULL;
}

const struct pvd *pvd_registry_find(const struct pvd_registry *r, const char *name)
{
	return find_pvd(r, name);
}

static void refuse(struct pvd_registry *r, enum pvd_refusal why, const char *pvd, const char *ifname)
{
	r->refusals[why]++;
	/* Caps are hit by what routers send: rate-limited per refusal. */
	log_ratelimited(LOG_WARNING, "PvD refused", (int)why, "PvD '%s' on '%s': %s, ignoring", pvd,
			ifname, pvd_refusal_to_string(why));
}

/* Is a VRF name or table taken by another PvD or reserved for another name? */
static bool vrf_taken(const struct pvd_registry *r, const char *name, const char *vrf, uint32_t table)
{
	for (size_t i = 0; i < r->n_pvds; i++)
		if (!strcmp(r->pvds[i]->vrf, vrf) || r->pvds[i]->table == table)
			return true;
	for (size_t i = 0; i < r->n_reserved; i++)
		if (strcmp(r->reserved[i].name, name) &&
		    (!strcmp(r->reserved[i].vrf, vrf) || r->reserved[i].table == table))
			return true;
	return false;
}

/* Same PvD, same VRF name and table, run after run: from a reservation left
 * by an earlier run, else from the keyed hash of the name, probing on a clash. */
static int assign_vrf(const struct pvd_registry *r, struct pvd *p)
{
	uint32_t range = r->conf.table_max - r->conf.table_min + 1;

	for (size_t i = 0; i < r->n_reserved; i++)
		if (!strcmp(r->reserved[i].name, p->name)) {
			snprintf(p->vrf, sizeof(p->vrf), "%s", r->reserved[i].vrf);
			p->table = r->reserved[i].table;
			p->id = (uint32_t)strtoul(p->vrf + 3, NULL, 16);
			return 0;
		}
	for (unsigned attempt = 0; attempt < 64; attempt++) {
		p->id = stable_pvd_id(r->secret, p->name, attempt);
		stable_vrf_name(p->id, p->vrf);
		for (uint32_t k = 0; k < range; k++) {
			p->table = r->conf.table_min + (p->id + k) % range;
			if (!vrf_taken(r, p->name, p->vrf, p->table) &&
			    (!r->vrf_usable || r->vrf_usable(r->vrf_usable_data, p->vrf, p->table)))
				return 0;
		}
	}
	return -ENOSPC;
}

static struct pvd *pvd_new(struct pvd_registry *r, const char *name, bool implicit)
{
	struct pvd *p, **n;
	size_t cap = 0;

	n = realloc(r->pvds, (r->n_pvds + 1) * sizeof(*n));
	if (!n)
		return NULL;
	r->pvds = n;
	for (int k = 0; k < _PVD_OBJ_KIND_MAX; k++)
		cap += kind_cap(r, k);
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->objs = calloc(cap ? cap : 1, sizeof(*p->objs));
	p->routers = calloc(r->conf.caps.routers, sizeof(*p->routers));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->implicit = implicit;
	if (!p->objs || !p->routers || assign_vrf(r, p) < 0)
		return pvd_free(p);
	p->changed = ++r->changes;
	r->pvds[r->n_pvds++] = p;
	log_info("PvD '%s' appeared: VRF %s, table %u", p->name, p->vrf, p->table);
	return p;
}

static void remove_pvd_at(struct pvd_registry *r, size_t i)
{
	log_info("PvD '%s' is gone (VRF %s)", r->pvds[i]->name, r->pvds[i]->vrf);
	pvd_free(r->pvds[i]);
	memmove(&r->pvds[i], &r->pvds[i + 1], (r->n_pvds - i - 1) * sizeof(r->pvds[0]));
	r->n_pvds--;
}

int pvd_registry_set_conf(struct pvd_registry *r, const struct conf *conf)
{
	int changed = 0;

	r->conf = *conf;
	if (conf->implicit_pvds)
		return 0;
	for (size_t i = r->n_pvds; i-- > 0;)
		if (r->pvds[i]->implicit) {
			remove_pvd_at(r, i);
			changed = 1;
		}
	return changed;
}

/* ---- objects and their (PvD, link, router) entries ---- */

static bool same_addr(const struct in6_addr *a, const struct in6_addr *b)
{
	return !memcmp(a, b, sizeof(*a));
}

/* The identity of an object: kind, link, the router that sent it (:: for
 * addresses) and what it is.  The one comparison every lookup goes through. */
static bool same_obj(const struct pvd_obj *a, const struct pvd_obj *b)
{
	if (a->kind != b->kind || a->ifindex != b->ifindex || !same_addr(&a->router, &b->router))
		return false;
	switch (a->kind) {
	case PVD_OBJ_ROUTER:
	case PVD_OBJ_RDNSS:
		return same_addr(&a->addr, &b->addr);
	case PVD_OBJ_PREFIX:
	case PVD_OBJ_ROUTE:
	case PVD_OBJ_ADDRESS:
		return a->plen == b->plen && same_addr(&a->addr, &b->addr);
	case PVD_OBJ_DNSSL:
		return !strcmp(a->name, b->name);
	case _PVD_OBJ_KIND_MAX:
		break;
	}
	return false;
}

static struct pvd_obj *find_obj(const struct pvd *p, const struct pvd_obj *key)
{
	for (size_t i = 0; i < p->n_objs; i++)
		if (same_obj(&p->objs[i], key))
			return &p->objs[i];
	return NULL;
}

static void remove_obj_at(struct pvd *p, size_t i)
{
	p->n_kind[p->objs[i].kind]--;
	memmove(&p->objs[i], &p->objs[i + 1], (p->n_objs - i - 1) * sizeof(p->objs[0]));
	p->n_objs--;
}

static bool from_router(const struct pvd_obj *o, int ifindex, const struct in6_addr *router)
{
	return o->kind != PVD_OBJ_ADDRESS && o->ifindex == ifindex && same_addr(&o->router, router);
}

static struct pvd_router *find_router(const struct pvd *p, int ifindex, const struct in6_addr *router)
{
	for (size_t i = 0; i < p->n_routers; i++)
		if (p->routers[i].ifindex == ifindex && same_addr(&p->routers[i].addr, router))
			return &p->routers[i];
	return NULL;
}

int pvd_router_slot(const struct pvd *p, int ifindex, const struct in6_addr *router)
{
	const struct pvd_router *e = find_router(p, ifindex, router);

	return e ? (int)e->slot : -ENOENT;
}

/* A new entry takes the lowest slot no other entry of the PvD holds. */
static void add_router(struct pvd *p, int ifindex, const struct in6_addr *router)
{
	struct pvd_router *e = &p->routers[p->n_routers++];

	*e = (struct pvd_router) { .ifindex = ifindex, .addr = *router };
	for (bool taken = true; taken; e->slot += taken) {
		taken = false;
		for (size_t i = 0; i + 1 < p->n_routers && !taken; i++)
			taken = p->routers[i].slot == e->slot;
	}
}

/* Entries live while they hold an object. */
static void prune_routers(struct pvd *p)
{
	for (size_t i = p->n_routers; i-- > 0;) {
		bool used = false;

		for (size_t j = 0; j < p->n_objs && !used; j++)
			used = from_router(&p->objs[j], p->routers[i].ifindex, &p->routers[i].addr);
		if (used)
			continue;
		memmove(&p->routers[i], &p->routers[i + 1], (p->n_routers - i - 1) * sizeof(p->routers[0]));
		p->n_routers--;
	}
}

static void remove_empty_pvds(struct pvd_registry *r)
{
	for (size_t i = r->n_pvds; i-- > 0;) {
		prune_routers(r->pvds[i]);
		if (r->pvds[i]->n_objs == 0)
			remove_pvd_at(r, i);
	}
}

/* Insert or refresh one object of the RA's own entry; a lifetime of zero
 * withdraws it at once (RFC 4861 §6.3.4, RFC 4191 §3.1, RFC 8106 §5.1).
 * Returns the object, or NULL when withdrawn or refused. */
static struct pvd_obj *upsert(struct pvd_registry *r, struct pvd *p, const struct pvd_obj *in, int *changed)
{
	struct pvd_obj *o = find_obj(p, in);

	if (in->expires_ms == 0) {
		if (o) {
			log_debug("PvD '%s': %s on '%s' withdrawn", p->name, pvd_obj_kind_to_string(o->kind), o->ifname);
			remove_obj_at(p, o - p->objs);
			touch(r, p, changed);
		}
		return NULL;
	}
	if (!o) {
		if (p->n_kind[in->kind] >= kind_cap(r, in->kind)) {
			refuse(r, kind_refusal(in->kind), p->name, in->ifname);
			return NULL;
		}
		o = &p->objs[p->n_objs++];
		p->n_kind[in->kind]++;
		*o = *in;
	}
	o->expires_ms = in->expires_ms;
	o->pref = in->pref;
	o->on_link = in->on_link;
	o->autonomous = in->autonomous;
	o->seen_ra = ra_clock(r);
	touch(r, p, changed);
	return o;
}

static void set_address(const struct pvd_registry *r, const struct pvd *p, struct pvd_obj *a)
{
	a->has_address = a->dad_counter < 3;	/* RFC 7217 §6: IDGEN_RETRIES */
	if (a->has_address)
		stable_slaac_address(r->secret, &a->addr, a->ifname, p->name, a->dad_counter, &a->address);
}

#define TWO_HOURS_MS (2 * 3600 * 1000ULL)

/*
 * RFC 4862 §5.5.3 for the PvD's address in prefix `x` on the RA's link.
 * (d): a prefix with no address yet forms one if the Valid Lifetime is not 0
 * (our interface identifiers are 64 bits, so only /64 prefixes).  (e): "The
 * preferred lifetime of the address is reset to the Preferred Lifetime in
 * the received advertisement", and the valid lifetime is set to the
 * advertised one if that "is greater than 2 hours or greater than
 * RemainingLifetime"; else, if RemainingLifetime "is less than or equal to
 * 2 hours", the option is ignored for the valid lifetime; "otherwise, reset
 * the valid lifetime of the corresponding address to 2 hours".  RAs are not
 * authenticated here (no SEND), so the exception for them never applies.
 */
static void update_address(struct pvd_registry *r, struct pvd *p, const struct pvd_obj *pio,
			   const struct ndisc_prefix *x, uint64_t now, int *changed)
{
	struct pvd_obj key = {
		.kind = PVD_OBJ_ADDRESS, .ifindex = pio->ifindex, .addr = pio->addr, .plen = pio->plen,
	};
	uint64_t valid = until(now, x->valid_lifetime), remaining;
	struct pvd_obj *a;

	if (!x->autonomous || x->prefix_len != 64)
		return;
	a = find_obj(p, &key);
	if (!a) {
		if (!x->valid_lifetime)
			return;
		if (p->n_kind[PVD_OBJ_ADDRESS] >= kind_cap(r, PVD_OBJ_ADDRESS)) {
			refuse(r, PVD_REFUSED_MAX_ADDRESSES, p->name, pio->ifname);
			return;
		}
		a = &p->objs[p->n_objs++];
		p->n_kind[PVD_OBJ_ADDRESS]++;
		*a = key;
		memcpy(a->ifname, pio->ifname, sizeof(a->ifname));
		a->expires_ms = valid;
		set_address(r, p, a);
	} else {
		remaining = a->expires_ms == NEVER ? NEVER : a->expires_ms > now ? a->expires_ms - now : 0;
		if (valid == NEVER || valid - now > TWO_HOURS_MS || (remaining != NEVER && valid - now > remaining))
			a->expires_ms = valid;
		else if (remaining > TWO_HOURS_MS)
			a->expires_ms = now + TWO_HOURS_MS;
	}
	a->preferred_ms = until(now, x->preferred_lifetime);
	if (a->preferred_ms > a->expires_ms)
		a->preferred_ms = a->expires_ms;
	a->seen_ra = ra_clock(r);
	touch(r, p, changed);
}

static void take_options(struct pvd_registry *r, struct pvd *p, const struct ndisc_ra *ra, const char *ifname,
			 const struct ndisc_options *o, uint64_t now, int *changed)
{
	struct pvd_obj key, *pio;

#define KEY(k) (struct pvd_obj) { .kind = (k), .ifindex = ra->ifindex, .router = ra->src }
#define LIFETIME(s) ((s) ? until(now, (s)) : 0)
	for (size_t i = 0; i < o->n_prefixes; i++) {
		const struct ndisc_prefix *x = &o->prefixes[i];

		key = KEY(PVD_OBJ_PREFIX);
		key.addr = x->prefix;
		key.plen = x->prefix_len;
		key.on_link = x->on_link;
		key.autonomous = x->autonomous;
		key.expires_ms = LIFETIME(x->valid_lifetime);
		snprintf(key.ifname, sizeof(key.ifname), "%s", ifname);
		pio = upsert(r, p, &key, changed);
		/* An address needs its prefix held by the PvD (or refreshed
		 * with lifetime 0, which is not held but still counts, (e)). */
		if (pio || (!x->valid_lifetime && find_obj(p, &(struct pvd_obj) {
				.kind = PVD_OBJ_ADDRESS, .ifindex = ra->ifindex, .addr = x->prefix,
				.plen = x->prefix_len })))
			update_address(r, p, &key, x, now, changed);
	}
	for (size_t i = 0; i < o->n_routes; i++) {
		key = KEY(PVD_OBJ_ROUTE);
		key.addr = o->routes[i].prefix;
		key.plen = o->routes[i].prefix_len;
		key.pref = o->routes[i].preference;
		key.expires_ms = LIFETIME(o->routes[i].lifetime);
		snprintf(key.ifname, sizeof(key.ifname), "%s", ifname);
		upsert(r, p, &key, changed);
	}
	for (size_t i = 0; i < o->n_rdnss; i++) {
		key = KEY(PVD_OBJ_RDNSS);
		key.addr = o->rdnss[i].address;
		key.expires_ms = LIFETIME(o->rdnss[i].lifetime);
		snprintf(key.ifname, sizeof(key.ifname), "%s", ifname);
		upsert(r, p, &key, changed);
	}
	for (size_t i = 0; i < o->n_dnssl; i++) {
		key = KEY(PVD_OBJ_DNSSL);
		snprintf(key.name, sizeof(key.name), "%s", o->dnssl[i].name);
		key.expires_ms = LIFETIME(o->dnssl[i].lifetime);
		snprintf(key.ifname, sizeof(key.ifname), "%s", ifname);
		upsert(r, p, &key, changed);
	}
#undef LIFETIME
#undef KEY
}

/* Does another PvD hold `o` (same link, router, identity) from a later RA? */
static const struct pvd *carried_later_by(const struct pvd_registry *r, const struct pvd *p,
					  const struct pvd_obj *o)
{
	for (size_t i = 0; i < r->n_pvds; i++) {
		const struct pvd_obj *other;

		if (r->pvds[i] != p && (other = find_obj(r->pvds[i], o)) && other->seen_ra > o->seen_ra)
			return r->pvds[i];
	}
	return NULL;
}

/* Does any router of `p` still advertise prefix `x` on its link? */
static bool prefix_held(const struct pvd *p, const struct pvd_obj *x)
{
	for (size_t i = 0; i < p->n_objs; i++)
		if (p->objs[i].kind == PVD_OBJ_PREFIX && p->objs[i].ifindex == x->ifindex &&
		    p->objs[i].plen == x->plen && same_addr(&p->objs[i].addr, &x->addr))
			return true;
	return false;
}

/*
 * RFC 8801 §3.4: an option belongs to the PvD of the last RA that carried
 * it.  A router that moved an option from PvD p's RA to another PvD's RA no
 * longer lists it in p's: so when this RA for p lacks an object p holds from
 * this very router, and another PvD got it from the same router since, it
 * has moved and leaves p.  A router listing it in both PvDs' RAs keeps it in
 * both (each RA carries it again), and nothing flaps.  A moved prefix takes
 * p's address in it along when no other router of p still advertises it.
 */
static void drop_moved(struct pvd_registry *r, struct pvd *p, const struct ndisc_ra *ra, int *changed)
{
	for (size_t i = 0; i < p->n_objs; i++) {
		struct pvd_obj o = p->objs[i], *a;
		const struct pvd *to;

		if (o.kind == PVD_OBJ_ROUTER || !from_router(&o, ra->ifindex, &ra->src) || o.seen_ra == ra_clock(r) ||
		    !(to = carried_later_by(r, p, &o)))
			continue;
		log_info("PvD '%s': %s on '%s' moved to PvD '%s' (RFC 8801 §3.4)", p->name,
			 pvd_obj_kind_to_string(o.kind), o.ifname, to->name);
		remove_obj_at(p, i);
		if (o.kind == PVD_OBJ_PREFIX && !prefix_held(p, &o) &&
		    (a = find_obj(p, &(struct pvd_obj) { .kind = PVD_OBJ_ADDRESS, .ifindex = o.ifindex,
							 .addr = o.addr, .plen = o.plen })))
			remove_obj_at(p, a - p->objs);
		touch(r, p, changed);
		i = (size_t)-1;		/* indices moved: start over (few objects) */
	}
}


/* PvDs that already have something on the link. */
static unsigned pvds_on_link(const struct pvd_registry *r, int ifindex)
{
	unsigned n = 0;

	for (size_t i = 0; i < r->n_pvds; i++)
		for (size_t j = 0; j < r->pvds[i]->n_objs; j++)
			if (r->pvds[i]->objs[j].ifindex == ifindex) {
				n++;
				break;
			}
	return n;
}

/* Does the RA carry anything with a non-zero lifetime?  Only such an RA
 * creates a PvD or a (PvD, link, router) entry. */
static bool ra_has_content(const struct ndisc_ra_header *h, const struct ndisc_options *const opts[2])
{
	if (h->router_lifetime)
		return true;
	for (int s = 0; s < 2; s++) {
		const struct ndisc_options *o = opts[s];

		if (!o)
			continue;
		for (size_t i = 0; i < o->n_prefixes; i++)
			if (o->prefixes[i].valid_lifetime)
				return true;
		for (size_t i = 0; i < o->n_routes; i++)
			if (o->routes[i].lifetime)
				return true;
		for (size_t i = 0; i < o->n_rdnss; i++)
			if (o->rdnss[i].lifetime)
				return true;
		for (size_t i = 0; i < o->n_dnssl; i++)
			if (o->dnssl[i].lifetime)
				return true;
	}
	return false;
}

/* The table of PvD `name`: its own, or the one reserved for it; 0 if none. */
static uint32_t table_of(const struct pvd_registry *r, const char *name)
{
	const struct pvd *p = find_pvd(r, name);

	if (p)
		return p->table;
	for (size_t i = 0; i < r->n_reserved; i++)
		if (!strcmp(r->reserved[i].name, name))
			return r->reserved[i].table;
	return 0;
}

/* Tell the withdraw hook of each route-bearing lifetime 0 in the RA. */
static void report_withdrawals(const struct pvd_registry *r, const struct ndisc_ra *ra, const char *name,
			       const struct ndisc_ra_header *h, const struct ndisc_options *const opts[2])
{
	uint32_t table = table_of(r, name);
	struct pvd_obj key = { .ifindex = ra->ifindex, .router = ra->src };

	if (!r->withdrawn || !table)
		return;
	if (!h->router_lifetime) {
		key.kind = PVD_OBJ_ROUTER;
		key.addr = ra->src;
		r->withdrawn(r->withdrawn_data, table, &key);
	}
	for (int s = 0; s < 2; s++) {
		const struct ndisc_options *o = opts[s];

		for (size_t i = 0; o && i < o->n_prefixes; i++)
			if (!o->prefixes[i].valid_lifetime && o->prefixes[i].on_link) {
				key.kind = PVD_OBJ_PREFIX;
				key.addr = o->prefixes[i].prefix;
				key.plen = o->prefixes[i].prefix_len;
				r->withdrawn(r->withdrawn_data, table, &key);
			}
		for (size_t i = 0; o && i < o->n_routes; i++)
			if (!o->routes[i].lifetime) {
				key.kind = PVD_OBJ_ROUTE;
				key.addr = o->routes[i].prefix;
				key.plen = o->routes[i].prefix_len;
				r->withdrawn(r->withdrawn_data, table, &key);
			}
	}
}

/* The PvD an RA names, created if the RA brings something and caps allow. */
static struct pvd *pvd_for_ra(struct pvd_registry *r, const struct ndisc_ra *ra, const char *name,
			      const char *ifname, bool content)
{
	struct pvd *p = find_pvd(r, name);

	if (p || !content)
		return p;
	if (!ra->has_pvd && !r->conf.implicit_pvds)
		refuse(r, PVD_REFUSED_IMPLICIT_DISABLED, name, ifname);
	else if (r->n_pvds >= r->conf.caps.pvds)
		refuse(r, PVD_REFUSED_MAX_PVDS, name, ifname);
	else if (pvds_on_link(r, ra->ifindex) >= r->conf.caps.pvds_per_link)
		refuse(r, PVD_REFUSED_MAX_PVDS_PER_LINK, name, ifname);
	else if (!(p = pvd_new(r, name, !ra->has_pvd)))
		refuse(r, PVD_REFUSED_NO_TABLE, name, ifname);
	return p;
}

int pvd_registry_handle_ra(struct pvd_registry *r, const struct ndisc_ra *ra, const char *ifname,
			   uint64_t now)
{
	const struct ndisc_ra_header *h = ra->has_pvd && ra->pvd.has_ra_header ? &ra->pvd.ra_header : &ra->header;
	const struct ndisc_options *opts[2] = { &ra->options, ra->has_pvd ? &ra->pvd.options : NULL };
	char name[PVD_NAME_MAX], addr[INET6_ADDRSTRLEN];
	bool content = ra_has_content(h, opts);
	struct pvd_obj key;
	struct pvd *p;
	int changed = 0;

	if (ra->has_pvd) {
		snprintf(name, sizeof(name), "%s", ra->pvd.fqdn);
	} else {
		inet_ntop(AF_INET6, &ra->src, addr, sizeof(addr));
		snprintf(name, sizeof(name), "%s%%%s", addr, ifname);
	}
	report_withdrawals(r, ra, name, h, opts);
	p = pvd_for_ra(r, ra, name, ifname, content);
	if (!p) {
		/* pvd_for_ra() refuses whatever has content and no PvD */
		r->ra_outcomes[content ? PVD_RA_REFUSED : PVD_RA_EMPTY]++;
		return 0;
	}
	if (!find_router(p, ra->ifindex, &ra->src)) {
		if (!content) {
			r->ra_outcomes[PVD_RA_EMPTY]++;
			return 0;	/* withdrawals of an entry that holds nothing */
		}
		if (p->n_routers >= r->conf.caps.routers) {
			refuse(r, PVD_REFUSED_MAX_ROUTERS, p->name, ifname);
			r->ra_outcomes[PVD_RA_REFUSED]++;
			remove_empty_pvds(r);
			return 0;
		}
		add_router(p, ra->ifindex, &ra->src);
	}
	if (ra->has_pvd && (ra->pvd.sequence != p->sequence || ra->pvd.http != p->http ||
			    ra->pvd.legacy != p->legacy || ra->pvd.delay != p->delay)) {
		log_info("PvD '%s': sequence %u, H=%d, L=%d, delay %u", p->name, ra->pvd.sequence,
			 ra->pvd.http, ra->pvd.legacy, ra->pvd.delay);
		p->sequence = ra->pvd.sequence;
		p->http = ra->pvd.http;
		p->legacy = ra->pvd.legacy;
		p->delay = ra->pvd.delay;
		touch(r, p, &changed);
	}

	r->ra_outcomes[PVD_RA_TAKEN]++;
	key = (struct pvd_obj) {
		.kind = PVD_OBJ_ROUTER, .ifindex = ra->ifindex, .addr = ra->src, .router = ra->src,
		.pref = h->preference, .expires_ms = h->router_lifetime ? now + (uint64_t)h->router_lifetime * 1000 : 0,
	};
	snprintf(key.ifname, sizeof(key.ifname), "%s", ifname);
	upsert(r, p, &key, &changed);
	for (int s = 0; s < 2; s++)
		if (opts[s])
			take_options(r, p, ra, ifname, opts[s], now, &changed);
	drop_moved(r, p, ra, &changed);
	remove_empty_pvds(r);
	return changed;
}

/* Remove every object for which `gone` says so, then the PvDs left empty. */
static int remove_objs_if(struct pvd_registry *r, bool (*gone)(const struct pvd_obj *o, uint64_t arg),
			  uint64_t arg, const char *why)
{
	int changed = 0;

	for (size_t i = 0; i < r->n_pvds; i++) {
		struct pvd *p = r->pvds[i];

		for (size_t j = p->n_objs; j-- > 0;)
			if (gone(&p->objs[j], arg)) {
				log_debug("PvD '%s': %s on '%s' %s", p->name,
					  pvd_obj_kind_to_string(p->objs[j].kind), p->objs[j].ifname, why);
				remove_obj_at(p, j);
				touch(r, p, &changed);
			}
	}
	remove_empty_pvds(r);
	return changed;
}

static bool expired(const struct pvd_obj *o, uint64_t now)
{
	return o->expires_ms <= now;
}

static bool on_link(const struct pvd_obj *o, uint64_t ifindex)
{
	return o->ifindex == (int)ifindex;
}

int pvd_registry_expire(struct pvd_registry *r, uint64_t now)
{
	return remove_objs_if(r, expired, now, "expired");
}

int pvd_registry_forget_link(struct pvd_registry *r, int ifindex)
{
	return remove_objs_if(r, on_link, (uint64_t)ifindex, "forgotten with its link");
}

uint64_t pvd_registry_next_expiry(const struct pvd_registry *r)
{
	uint64_t next = NEVER;

	for (size_t i = 0; i < r->n_pvds; i++)
		for (size_t j = 0; j < r->pvds[i]->n_objs; j++)
			if (r->pvds[i]->objs[j].expires_ms < next)
				next = r->pvds[i]->objs[j].expires_ms;
	return next;
}

int pvd_registry_dad_failed(struct pvd_registry *r, const char *subif, const struct in6_addr *addr)
{
	char text[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, addr, text, sizeof(text));
	for (size_t i = 0; i < r->n_pvds; i++) {
		struct pvd *p = r->pvds[i];

		for (size_t j = 0; j < p->n_objs; j++) {
			struct pvd_obj *o = &p->objs[j];
			char name[IFNAMSIZ];

			if (o->kind != PVD_OBJ_ADDRESS || !o->has_address || !same_addr(&o->address, addr) ||
			    stable_subif_name(p->id, o->ifindex, name) < 0 || strcmp(name, subif))
				continue;
			o->dad_counter++;
			set_address(r, p, o);
			p->changed = ++r->changes;
			if (o->has_address)
				log_warning("PvD '%s': address %s on '%s' is a duplicate, trying another",
					    p->name, text, subif);
			else
				log_error("PvD '%s': address %s on '%s' is a duplicate, no address in this prefix",
					  p->name, text, subif);
			return 1;
		}
	}
	return 0;
}
