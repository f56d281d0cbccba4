/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The desired kernel state, computed from the registry: pure, no I/O, the
 * same input always gives the same output (in registry order).  Per PvD: a
 * VRF and its table ending in unreachable defaults (IPv6 and IPv4); per (PvD, link) a
 * sub-interface; the PvD's SLAAC addresses, on-link prefix routes, default
 * routes via its routers and RIO routes, with the lifetimes left at `now`.
 */
#include "kernel.h"
#include "pvd.h"

/* Kernel metrics of our routes. */
#define WANT_METRIC_PREFIX 256		/* the kernel's own metric for prefix routes */
#define WANT_METRIC_ROUTER 1024		/* ... and for RA-learnt routes: the first band */
#define WANT_METRIC_BAND 8		/* per (link, router) entry: default 0-2, RIO 4-6 */
/* The VRF's last resort, as Documentation/networking/vrf.rst advises:
 * without it a lookup that misses the VRF's table falls through to the main
 * table, and a PvD without a default router would leak into the host's. */
#define WANT_METRIC_UNREACHABLE 4278198272u

struct want {
	struct kvrf *vrfs;
	struct ksubif *subifs;
	struct kaddr *addrs;
	struct kroute *routes;
	uint32_t *tables;		/* a partial state's */
	struct kernel_state state;	/* points into the arrays above */
};

/* What the kernel was last made to match: each PvD's table and its
 * pvd.changed then, by table. */
struct want_seen_pvd {
	uint32_t table;
	uint64_t changed;
};
struct want_seen {
	struct want_seen_pvd *v;
	size_t n;
};

/*
 * The desired state.  `since` NULL: the whole of it.  Else a partial state
 * (kernel_state.partial) of what changed since `since` was taken: the PvDs
 * that are new or changed, and, with nothing in it, the table of each PvD
 * `since` lists that is gone; a PvD that did not change is not looked at.
 */
int want_build(const struct pvd_registry *r, uint64_t now_ms, const struct want_seen *since, struct want *ret);
void want_free(struct want *w);

/* Take the registry as it is now (after the kernel matched it).  On failure
 * `seen` is emptied: it then says nothing, so do not use it as `since`. */
int want_seen_take(struct want_seen *seen, const struct pvd_registry *r);
void want_seen_free(struct want_seen *seen);

/* The metric of a route via router slot `slot`: each (link, router) entry of
 * a PvD has its own band, so no two routers' routes share a kernel route key
 * (table, dst/plen, metric); within it a ::/0 RIO never meets the default
 * route, and higher preference comes first (RFC 4191 §3.2). */
uint32_t want_router_metric(unsigned slot, bool rio, enum ndisc_preference pref);
