/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The PvD registry: what the network told us, per Provisioning Domain.
 * Pure: no I/O, no timers of its own (the caller passes the time and asks for
 * the next expiry), so it runs the same in the daemon and in unit tests.
 */
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "ndisc.h"
#include "stable.h"

/* Explicit PvD: its FQDN.  Implicit PvD: "<router LLA>%<ifname>". */
#define PVD_NAME_MAX (INET6_ADDRSTRLEN + IFNAMSIZ + 1 > NDISC_NAME_MAX + 1 ? \
		      INET6_ADDRSTRLEN + IFNAMSIZ + 1 : NDISC_NAME_MAX + 1)

/*
 * State model v2 (DESIGN.md "State model v2"): the unit of memory is
 * (PvD, link, router), what that router's last RA for that PvD said.  Every
 * object but an address belongs to exactly one such entry; an RA changes
 * only its own entry, so one router serving several PvDs (RFC 8801 §3.2)
 * gives each a complete, stable set.  Addresses belong to (PvD, link,
 * prefix): every router of the PvD advertising the prefix refreshes the one
 * address, under the two-hour rule of RFC 4862 §5.5.3(e).
 */
enum pvd_obj_kind {
	PVD_OBJ_ROUTER,		/* default router: addr = router = its link-local address */
	PVD_OBJ_PREFIX,		/* PIO as one router sent it: addr/plen, flags; on-link lifetime */
	PVD_OBJ_ROUTE,		/* RIO: addr/plen via router */
	PVD_OBJ_RDNSS,		/* addr */
	PVD_OBJ_DNSSL,		/* name */
	PVD_OBJ_ADDRESS,	/* our SLAAC address `address` in prefix addr/plen; router = :: */
	_PVD_OBJ_KIND_MAX,
};

/* Why the registry refused new state (each is counted). */
enum pvd_refusal {
	PVD_REFUSED_IMPLICIT_DISABLED,
	PVD_REFUSED_MAX_PVDS,
	PVD_REFUSED_MAX_PVDS_PER_LINK,
	PVD_REFUSED_MAX_ROUTERS,
	PVD_REFUSED_MAX_PREFIXES,
	PVD_REFUSED_MAX_ROUTES,
	PVD_REFUSED_MAX_RDNSS,
	PVD_REFUSED_MAX_DNSSL,
	PVD_REFUSED_MAX_ADDRESSES,
	PVD_REFUSED_NO_TABLE,
	_PVD_REFUSED_MAX,
};

/* What became of an RA handed to the registry: each RA has exactly one
 * outcome, counted, so that the daemon's counters account for every RA. */
enum pvd_ra_outcome {
	PVD_RA_TAKEN,		/* into its (PvD, link, router) entry */
	PVD_RA_REFUSED,		/* whole, by a cap or no free table (also counted as a refusal) */
	PVD_RA_EMPTY,		/* nothing with a lifetime for a PvD or entry it does not have */
	_PVD_RA_OUTCOME_MAX,
};

struct pvd_obj {
	enum pvd_obj_kind kind;
	int ifindex;			/* link it was learnt on */
	char ifname[IFNAMSIZ];
	struct in6_addr router;		/* the advertising router (routes: the next hop); addresses: :: */
	struct in6_addr addr;
	uint8_t plen;
	enum ndisc_preference pref;	/* routers, routes */
	bool on_link, autonomous;	/* prefixes */
	uint64_t expires_ms;		/* valid until; UINT64_MAX = never */
	uint64_t preferred_ms;		/* addresses: preferred until */
	uint64_t seen_ra;		/* the registry's RA count when an RA last carried it */
	struct in6_addr address;	/* addresses */
	bool has_address;		/* addresses: false once DAD gave up (RFC 7217 §6) */
	unsigned dad_counter;		/* addresses: RFC 7217 DAD_Counter */
	char name[NDISC_NAME_MAX + 1];	/* DNSSL */
};

/* One (link, router) entry of a PvD: exists while it holds an object.  Its
 * slot is stable for the entry's life and unique in the PvD, so routes of
 * different routers never share a kernel route key. */
struct pvd_router {
	int ifindex;
	struct in6_addr addr;
	unsigned slot;
};

struct pvd {
	char name[PVD_NAME_MAX];
	bool implicit;
	uint32_t id;			/* stable, from the secret */
	char vrf[IFNAMSIZ];
	uint32_t table;

	/* From the PvD option (explicit PvDs only): the last RA's. */
	uint16_t sequence;
	bool http, legacy;
	uint8_t delay;

	struct pvd_obj *objs;
	size_t n_objs;
	size_t n_kind[_PVD_OBJ_KIND_MAX];
	struct pvd_router *routers;
	size_t n_routers;
	/* When the PvD last changed, by a clock of the registry's that every
	 * change of any PvD advances: new, an object added, refreshed,
	 * withdrawn, moved, expired or forgotten, a DAD retry, the PvD option's
	 * fields.  A PvD whose value is what it was has not changed since. */
	uint64_t changed;
};

/* The slot of (ifindex, router) in `p`, or -ENOENT. */
int pvd_router_slot(const struct pvd *p, int ifindex, const struct in6_addr *router);

struct pvd_registry;

int pvd_registry_new(const struct conf *conf, const uint8_t secret[STABLE_SECRET_SIZE],
		     struct pvd_registry **ret);
struct pvd_registry *pvd_registry_free(struct pvd_registry *r);

/* Asked before a new PvD gets a VRF name and table: false if either is in
 * use by something the daemon did not make (a foreign link of that name, a
 * foreign VRF on that table, foreign routes in it); the registry then probes
 * the next candidate.  Without a filter every free slot is usable. */
typedef bool (*pvd_vrf_usable_fn)(void *userdata, const char *vrf, uint32_t table);
void pvd_registry_set_vrf_filter(struct pvd_registry *r, pvd_vrf_usable_fn usable, void *userdata);

/* Told of every route-bearing withdrawal in an accepted RA (router lifetime
 * 0, a PIO's valid lifetime 0, a RIO's lifetime 0), whether or not the
 * registry held the object: after a restart the kernel may still hold it
 * from the earlier run.  `table`: the PvD's table, or the one reserved for
 * it; 0 when it has none.  `withdrawn` is the object's key (kind, link,
 * router, addr/plen). */
typedef void (*pvd_withdraw_fn)(void *userdata, uint32_t table, const struct pvd_obj *withdrawn);
void pvd_registry_set_withdraw_hook(struct pvd_registry *r, pvd_withdraw_fn fn, void *userdata);

/* The configuration changed (a reload): caps and the implicit-PvD switch
 * apply to what RAs bring from now on.  Caps lowered evict nothing (state
 * already held is good state); implicit PvDs switched off go at once, as if
 * never accepted.  table_range must be the one given to pvd_registry_new().
 * Returns 1 if the registry changed. */
int pvd_registry_set_conf(struct pvd_registry *r, const struct conf *conf);

/* A VRF left by an earlier run: the PvD named `name` gets this VRF and table
 * again when it comes back. */
int pvd_registry_reserve(struct pvd_registry *r, const char *name, const char *vrf, uint32_t table);

/* Feed an accepted RA: it updates only the (PvD, link, router) entry it
 * comes from (everything in it, outer and inner options, belongs to its PvD,
 * RFC 8801 §3.4).  Returns 1 if the desired kernel state changed or needs
 * refreshing, 0 if nothing was taken.  Refusals are counted and logged; a
 * refused object changes nothing anywhere. */
int pvd_registry_handle_ra(struct pvd_registry *r, const struct ndisc_ra *ra, const char *ifname,
			   uint64_t now_ms);

/* Drop what has expired by now; returns 1 if anything went. */
int pvd_registry_expire(struct pvd_registry *r, uint64_t now_ms);
uint64_t pvd_registry_next_expiry(const struct pvd_registry *r);	/* UINT64_MAX: none */

/* The link went down or away: forget everything learnt on it. Returns 1 if anything went. */
int pvd_registry_forget_link(struct pvd_registry *r, int ifindex);

/* DAD failed for one of our addresses: pick the next RFC 7217 candidate
 * (at most 3 tries, RFC 7217 §6 IDGEN_RETRIES), else give the address up
 * (the object stays, without an address, until its lifetime ends). */
int pvd_registry_dad_failed(struct pvd_registry *r, const char *subif, const struct in6_addr *addr);

size_t pvd_registry_count(const struct pvd_registry *r);
const struct pvd *pvd_registry_get(const struct pvd_registry *r, size_t i);
const struct pvd *pvd_registry_find(const struct pvd_registry *r, const char *name);
const uint64_t *pvd_registry_refusals(const struct pvd_registry *r);	/* [_PVD_REFUSED_MAX] */
const uint64_t *pvd_registry_ra_outcomes(const struct pvd_registry *r);	/* [_PVD_RA_OUTCOME_MAX] */

const char *pvd_obj_kind_to_string(enum pvd_obj_kind kind);
const char *pvd_refusal_to_string(enum pvd_refusal refusal);
const char *pvd_ra_outcome_to_string(enum pvd_ra_outcome outcome);

/* Seconds left until `until_ms` at `now_ms`, UINT32_MAX for never. */
uint32_t pvd_seconds_left(uint64_t until_ms, uint64_t now_ms);
