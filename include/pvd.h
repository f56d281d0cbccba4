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

enum pvd_obj_kind {
	PVD_OBJ_ROUTER,		/* default router: addr = its link-local address */
	PVD_OBJ_PREFIX,		/* PIO: addr/plen; address = our SLAAC address */
	PVD_OBJ_ROUTE,		/* RIO: addr/plen via router */
	PVD_OBJ_RDNSS,		/* addr */
	PVD_OBJ_DNSSL,		/* name */
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
	PVD_REFUSED_NO_TABLE,
	_PVD_REFUSED_MAX,
};

struct pvd_obj {
	enum pvd_obj_kind kind;
	int ifindex;			/* link it was learnt on */
	char ifname[IFNAMSIZ];
	struct in6_addr addr;
	uint8_t plen;
	struct in6_addr router;		/* routes: next hop; others: advertising router */
	enum ndisc_preference pref;	/* routers, routes */
	bool on_link, autonomous;	/* prefixes */
	uint64_t expires_ms;		/* valid until; UINT64_MAX = never */
	uint64_t preferred_ms;		/* prefixes: preferred until */
	struct in6_addr address;	/* prefixes with A: our address in it */
	bool has_address;
	unsigned dad_counter;		/* RFC 7217 DAD_Counter */
	char name[NDISC_NAME_MAX + 1];	/* DNSSL */
};

struct pvd {
	char name[PVD_NAME_MAX];
	bool implicit;
	uint32_t id;			/* stable, from the secret */
	char vrf[IFNAMSIZ];
	uint32_t table;

	/* From the PvD option (explicit PvDs only). */
	uint16_t sequence;
	bool http, legacy;
	uint8_t delay;

	struct pvd_obj *objs;
	size_t n_objs;
	size_t n_kind[_PVD_OBJ_KIND_MAX];
};

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

/* A VRF left by an earlier run: the PvD named `name` gets this VRF and table
 * again when it comes back. */
int pvd_registry_reserve(struct pvd_registry *r, const char *name, const char *vrf, uint32_t table);

/* Feed an accepted RA (RFC 8801 §3.4: everything in it belongs to its PvD).
 * Returns 1 if the desired kernel state changed or needs refreshing, 0 if
 * nothing was taken.  Refusals are counted and logged. */
int pvd_registry_handle_ra(struct pvd_registry *r, const struct ndisc_ra *ra, const char *ifname,
			   uint64_t now_ms);

/* Drop what has expired by now; returns 1 if anything went. */
int pvd_registry_expire(struct pvd_registry *r, uint64_t now_ms);
uint64_t pvd_registry_next_expiry(const struct pvd_registry *r);	/* UINT64_MAX: none */

/* The link went down or away: forget everything learnt on it. Returns 1 if anything went. */
int pvd_registry_forget_link(struct pvd_registry *r, int ifindex);

/* DAD failed for one of our addresses: pick the next RFC 7217 candidate
 * (at most 3 tries, RFC 7217 §6 IDGEN_RETRIES), else give the address up. */
int pvd_registry_dad_failed(struct pvd_registry *r, const char *subif, const struct in6_addr *addr);

size_t pvd_registry_count(const struct pvd_registry *r);
const struct pvd *pvd_registry_get(const struct pvd_registry *r, size_t i);
const struct pvd *pvd_registry_find(const struct pvd_registry *r, const char *name);
const uint64_t *pvd_registry_refusals(const struct pvd_registry *r);	/* [_PVD_REFUSED_MAX] */

const char *pvd_obj_kind_to_string(enum pvd_obj_kind kind);
const char *pvd_refusal_to_string(enum pvd_refusal refusal);

/* Seconds left until `until_ms` at `now_ms`, UINT32_MAX for never. */
uint32_t pvd_seconds_left(uint64_t until_ms, uint64_t now_ms);
