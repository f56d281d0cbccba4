/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * fetch: PvD Additional Information over HTTPS (RFC 8801 §4.1), strictly
 * through the PvD: every socket (DNS and HTTPS) bound to the PvD's VRF, the
 * HTTPS source address one of the PvD's own addresses past DAD, the PvD ID
 * resolved only by the PvD's RDNSS servers (c-ares, pinned into libcurl with
 * CURLOPT_RESOLVE), never /etc/resolv.conf or the host's default routes.
 * libcurl multi and c-ares both run on the daemon's libev loop; nothing
 * blocks.  Results are validated with pvdinfo_validate().
 *
 * Also here: the per-PvD table of results that D-Bus reads (struct
 * pvdinfo_table), keyed by PvD name.
 */
#include <ev.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#include "ndisc.h"
#include "pvdinfo.h"

#define FETCH_SOURCES_MAX	16	/* candidate source addresses */
#define FETCH_DNS_MAX		8	/* RDNSS servers asked */
#define FETCH_PIOS_MAX		32	/* PIO prefixes checked against "prefixes" */
#define FETCH_REDIRECTS_MAX	3	/* 3xx followed, each through the PvD again */
#define FETCH_TIMEOUT_MS	30000	/* the whole fetch: address wait, DNS, redirects */

struct fetch_request {
	char pvd_id[NDISC_NAME_MAX + 1];	/* lowercase, no trailing dot */
	char vrf[IFNAMSIZ];			/* the PvD's VRF device */
	size_t n_sources;
	struct in6_addr sources[FETCH_SOURCES_MAX];	/* the PvD's SLAAC addresses on the link */
	size_t n_dns;
	struct in6_addr dns[FETCH_DNS_MAX];	/* the PvD's RDNSS */
	int dns_scope[FETCH_DNS_MAX];		/* link-local servers: the sub-interface's ifindex; else 0 */
	size_t n_pios;
	struct pvdinfo_prefix pios[FETCH_PIOS_MAX];
};

/* A fetch ended (not called for a cancelled one).  *result is the verdict:
 * VALID, INVALID (TLS, HTTP, DNS, JSON, a field: reason says), MISCONFIGURED,
 * or NONE (HTTP status >= 400: "no additional information").  The callee
 * may move it away (pvdinfo_move); it is cleared after the call. */
typedef void (*fetch_done_fn)(void *userdata, const char *pvd_id, struct pvdinfo *result);

struct fetch;

/* @ca_file: CA bundle for TLS peer verification; NULL or "" = libcurl's
 * system store.  It is copied. */
int fetch_new(struct ev_loop *loop, const char *ca_file, fetch_done_fn done, void *userdata, struct fetch **ret);
/* Cancels every fetch (no callbacks); accepts NULL, returns NULL. */
struct fetch *fetch_free(struct fetch *f);

/* Start fetching; -EBUSY if one is running for this PvD ID, -EINVAL if the
 * request is unusable (a PvD ID that is not fetchable, a VRF name that is not
 * ours, no RDNSS, no source), -ENOMEM.  On error nothing was started and the
 * callback will not be called.  The first call sets up libcurl and c-ares
 * (-EIO if they cannot be). */
int fetch_start(struct fetch *f, const struct fetch_request *req);
/* Stop the fetch of @pvd_id, if any, without callback. */
void fetch_cancel(struct fetch *f, const char *pvd_id);
bool fetch_running(const struct fetch *f, const char *pvd_id);

/* ---- the results table ---- */

struct pvdinfo_table;

int pvdinfo_table_new(struct pvdinfo_table **ret);
struct pvdinfo_table *pvdinfo_table_free(struct pvdinfo_table *t);
/* The entry of @name, created (state NONE) if missing; NULL on -ENOMEM. */
struct pvdinfo *pvdinfo_table_get(struct pvdinfo_table *t, const char *name);
/* The entry of @name or NULL. */
const struct pvdinfo *pvdinfo_table_find(const struct pvdinfo_table *t, const char *name);
void pvdinfo_table_remove(struct pvdinfo_table *t, const char *name);
size_t pvdinfo_table_count(const struct pvdinfo_table *t);
/* The i-th entry and its name. */
struct pvdinfo *pvdinfo_table_at(struct pvdinfo_table *t, size_t i, const char **ret_name);
