/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The PvD registry.  Every object (router, prefix, route, DNS server, search
 * domain) is keyed by what it is and the link it was learnt on, and lives in
 * exactly one PvD: the PvD of the RA that last carried it (RFC 8801 §3.4).
 * A PvD exists while it holds at least one object.  Caps refuse new state;
 * state already held is never evicted to make room.
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
	pvd_vrf_usable_fn vrf_usable;
	void *vrf_usable_data;
};

const char *pvd_obj_kind_to_string(enum pvd_obj_kind kind)
{
	switch (kind) {
	case PVD_OBJ_ROUTER: return "router";
	case PVD_OBJ_PREFIX: return "prefix";
	case PVD_OBJ_ROUTE: return "route";
	case PVD_OBJ_RDNSS: return "DNS server";
	case PVD_OBJ_DNSSL: return "search domain";
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
	log_warning("PvD '%s' on '%s': %s, ignoring", pvd, ifname, pvd_refusal_to_string(why));
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

	for (int k = 0; k < _PVD_OBJ_KIND_MAX; k++)
		cap += kind_cap(r, k);
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->objs = calloc(cap ? cap : 1, sizeof(*p->objs));
	n = realloc(r->pvds, (r->n_pvds + 1) * sizeof(*n));
	if (!p->objs || !n) {
		free(n == r->pvds ? NULL : n);
		return pvd_free(p);
	}
	r->pvds = n;
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->implicit = implicit;
	if (assign_vrf(r, p) < 0)
		return pvd_free(p);
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

static void remove_empty_pvds(struct pvd_registry *r)
{
	for (size_t i = r->n_pvds; i-- > 0;)
		if (r->pvds[i]->n_objs == 0)
			remove_pvd_at(r, i);
}

/* The identity of an object: kind, link and what it is.  The one comparison
 * every lookup below goes through. */
static bool same_obj(const struct pvd_obj *a, const struct pvd_obj *b)
{
	if (a->kind != b->kind || a->ifindex != b->ifindex)
		return false;
	switch (a->kind) {
	case PVD_OBJ_ROUTER:
	case PVD_OBJ_RDNSS:
		return !memcmp(&a->addr, &b->addr, sizeof(a->addr));
	case PVD_OBJ_PREFIX:
		return a->plen == b->plen && !memcmp(&a->addr, &b->addr, sizeof(a->addr));
	case PVD_OBJ_ROUTE:
		return a->plen == b->plen && !memcmp(&a->addr, &b->addr, sizeof(a->addr)) &&
		       !memcmp(&a->router, &b->router, sizeof(a->router));
	case PVD_OBJ_DNSSL:
		return !strcmp(a->name, b->name);
	case _PVD_OBJ_KIND_MAX:
		break;
	}
	return false;
}

static void remove_obj_at(struct pvd *p, size_t i)
{
	p->n_kind[p->objs[i].kind]--;
	memmove(&p->objs[i], &p->objs[i + 1], (p->n_objs - i - 1) * sizeof(p->objs[0]));
	p->n_objs--;
}

static struct pvd_obj *find_obj(struct pvd *p, const struct pvd_obj *key)
{
	for (size_t i = 0; i < p->n_objs; i++)
		if (same_obj(&p->objs[i], key))
			return &p->objs[i];
	return NULL;
}

/* Remove `key` from every PvD but `keep`; returns the object as it was, so
 * an object that moves keeps its SLAAC state. */
static bool take_from_others(struct pvd_registry *r, const struct pvd *keep, const struct pvd_obj *key,
			     struct pvd_obj *ret_old)
{
	for (size_t i = 0; i < r->n_pvds; i++) {
		struct pvd *p = r->pvds[i];
		struct pvd_obj *o;

		if (p == keep || !(o = find_obj(p, key)))
			continue;
		if (key->expires_ms)
			log_info("%s on '%s' moves from PvD '%s' to PvD '%s' (RFC 8801 §3.4)",
				 pvd_obj_kind_to_string(key->kind), key->ifname, p->name, keep->name);
		*ret_old = *o;
		remove_obj_at(p, o - p->objs);
		return true;	/* an object lives in one PvD only */
	}
	return false;
}

static void set_address(const struct pvd_registry *r, const struct pvd *p, struct pvd_obj *o)
{
	/* SLAAC needs a 64-bit interface identifier (RFC 4862 §5.5.3 d). */
	o->has_address = o->autonomous && o->plen == 64 && o->dad_counter < 3;
	if (o->has_address)
		stable_slaac_address(r->secret, &o->addr, o->ifname, p->name, o->dad_counter, &o->address);
}

/* Insert or refresh one object in `p`; a lifetime of zero withdraws it. */
static int upsert(struct pvd_registry *r, struct pvd *p, const struct pvd_obj *in)
{
	struct pvd_obj *o = find_obj(p, in), old;
	bool moved = false;

	if (in->expires_ms == 0) {	/* lifetime 0: withdraw, wherever it is */
		struct pvd_obj gone;

		take_from_others(r, p, in, &gone);
		if (o) {
			remove_obj_at(p, o - p->objs);
			return 1;
		}
		return 0;
	}
	if (!o) {
		moved = take_from_others(r, p, in, &old);
		if (p->n_kind[in->kind] >= kind_cap(r, in->kind)) {
			refuse(r, kind_refusal(in->kind), p->name, in->ifname);
			return 0;
		}
		o = &p->objs[p->n_objs++];
		*o = moved ? old : *in;
		p->n_kind[in->kind]++;
	}
	o->expires_ms = in->expires_ms;
	o->preferred_ms = in->preferred_ms;
	o->pref = in->pref;
	o->on_link = in->on_link;
	o->autonomous = in->autonomous;
	memcpy(o->ifname, in->ifname, sizeof(o->ifname));
	set_address(r, p, o);
	return 1;
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

/* Does the RA carry anything with a non-zero lifetime?  A PvD is created only then. */
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

static int take_options(struct pvd_registry *r, struct pvd *p, const struct ndisc_ra *ra,
			const char *ifname, const struct ndisc_options *o, uint64_t now)
{
	struct pvd_obj key;
	int changed = 0;

#define BASE(k) (struct pvd_obj) { .kind = (k), .ifindex = ra->ifindex, .router = ra->src }
	for (size_t i = 0; i < o->n_prefixes; i++) {
		const struct ndisc_prefix *x = &o->prefixes[i];

		key = BASE(PVD_OBJ_PREFIX);
		key.addr = x->prefix;
		key.plen = x->prefix_len;
		key.on_link = x->on_link;
		key.autonomous = x->autonomous;
		key.expires_ms = x->valid_lifetime ? until(now, x->valid_lifetime) : 0;
		key.preferred_ms = until(now, x->preferred_lifetime);
		snprintf(key.ifname, sizeof(key.ifname), "%s", ifname);
		changed |= upsert(r, p, &key);
	}
	for (size_t i = 0; i < o->n_routes; i++) {
		const struct ndisc_route *x = &o->routes[i];

		key = BASE(PVD_OBJ_ROUTE);
		key.addr = x->prefix;
		key.plen = x->prefix_len;
		key.pref = x->preference;
		key.expires_ms = x->lifetime ? until(now, x->lifetime) : 0;
		snprintf(key.ifname, sizeof(key.ifname), "%s", ifname);
		changed |= upsert(r, p, &key);
	}
	for (size_t i = 0; i < o->n_rdnss; i++) {
		key = BASE(PVD_OBJ_RDNSS);
		key.addr = o->rdnss[i].address;
		key.expires_ms = o->rdnss[i].lifetime ? until(now, o->rdnss[i].lifetime) : 0;
		snprintf(key.ifname, sizeof(key.ifname), "%s", ifname);
		changed |= upsert(r, p, &key);
	}
	for (size_t i = 0; i < o->n_dnssl; i++) {
		key = BASE(PVD_OBJ_DNSSL);
		snprintf(key.name, sizeof(key.name), "%s", o->dnssl[i].name);
		key.expires_ms = o->dnssl[i].lifetime ? until(now, o->dnssl[i].lifetime) : 0;
		snprintf(key.ifname, sizeof(key.ifname), "%s", ifname);
		changed |= upsert(r, p, &key);
	}
#undef BASE
	return changed;
}

/* The router itself, then every option, outer and inner (RFC 8801 §3.4). */
static int apply_ra(struct pvd_registry *r, struct pvd *p, const struct ndisc_ra *ra,
		    const struct ndisc_ra_header *h, const struct ndisc_options *const opts[2],
		    const char *ifname, uint64_t now)
{
	struct pvd_obj key = {
		.kind = PVD_OBJ_ROUTER, .ifindex = ra->ifindex, .addr = ra->src, .router = ra->src,
		.pref = h->preference,
		.expires_ms = h->router_lifetime ? now + (uint64_t)h->router_lifetime * 1000 : 0,
	};
	int changed;

	snprintf(key.ifname, sizeof(key.ifname), "%s", ifname);
	changed = upsert(r, p, &key);
	for (int s = 0; s < 2; s++)
		if (opts[s])
			changed |= take_options(r, p, ra, ifname, opts[s], now);
	return changed;
}

int pvd_registry_handle_ra(struct pvd_registry *r, const struct ndisc_ra *ra, const char *ifname,
			   uint64_t now)
{
	const struct ndisc_ra_header *h = ra->has_pvd && ra->pvd.has_ra_header ? &ra->pvd.ra_header : &ra->header;
	const struct ndisc_options *opts[2] = { &ra->options, ra->has_pvd ? &ra->pvd.options : NULL };
	char name[PVD_NAME_MAX], addr[INET6_ADDRSTRLEN];
	struct pvd *p;
	int changed = 0;

	if (ra->has_pvd) {
		snprintf(name, sizeof(name), "%s", ra->pvd.fqdn);
	} else {
		inet_ntop(AF_INET6, &ra->src, addr, sizeof(addr));
		snprintf(name, sizeof(name), "%s%%%s", addr, ifname);
	}

	p = find_pvd(r, name);
	if (!p && !ra_has_content(h, opts)) {
		/* Only withdrawals: apply them wherever the objects live. */
		struct pvd scratch = { .objs = NULL };

		snprintf(scratch.name, sizeof(scratch.name), "%s", name);
		changed = apply_ra(r, &scratch, ra, h, opts, ifname, now);
		remove_empty_pvds(r);
		return changed;
	}
	if (!p) {
		if (!ra->has_pvd && !r->conf.implicit_pvds) {
			refuse(r, PVD_REFUSED_IMPLICIT_DISABLED, name, ifname);
			return 0;
		}
		if (r->n_pvds >= r->conf.caps.pvds) {
			refuse(r, PVD_REFUSED_MAX_PVDS, name, ifname);
			return 0;
		}
		if (pvds_on_link(r, ra->ifindex) >= r->conf.caps.pvds_per_link) {
			refuse(r, PVD_REFUSED_MAX_PVDS_PER_LINK, name, ifname);
			return 0;
		}
		p = pvd_new(r, name, !ra->has_pvd);
		if (!p) {
			refuse(r, PVD_REFUSED_NO_TABLE, name, ifname);
			return 0;
		}
		changed = 1;
	}

	if (ra->has_pvd) {
		if (ra->pvd.sequence != p->sequence || ra->pvd.http != p->http ||
		    ra->pvd.legacy != p->legacy || ra->pvd.delay != p->delay)
			log_info("PvD '%s': sequence %u, H=%d, L=%d, delay %u", p->name, ra->pvd.sequence,
				 ra->pvd.http, ra->pvd.legacy, ra->pvd.delay);
		p->sequence = ra->pvd.sequence;
		p->http = ra->pvd.http;
		p->legacy = ra->pvd.legacy;
		p->delay = ra->pvd.delay;
	}
	changed |= apply_ra(r, p, ra, h, opts, ifname, now);
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
				changed = 1;
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

			if (o->kind != PVD_OBJ_PREFIX || !o->has_address ||
			    memcmp(&o->address, addr, sizeof(*addr)) ||
			    stable_subif_name(p->id, o->ifindex, name) < 0 || strcmp(name, subif))
				continue;
			o->dad_counter++;
			set_address(r, p, o);
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
