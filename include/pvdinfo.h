/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * pvdinfo: validation of a PvD Additional Information object (RFC 8801 §4.3,
 * §4.4).  Pure: the HTTP body, the PvD ID, the PvD's PIO prefixes and the
 * wall-clock time in; a verdict out.  No I/O, no globals, so the unit tests
 * drive every case.  The rules are written down at the top of src/pvdinfo.c.
 */
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ndisc.h"

#define PVDINFO_BODY_MAX	(64 * 1024)	/* octets of the HTTP body */
#define PVDINFO_PREFIXES_MAX	64	/* entries of "prefixes" */
#define PVDINFO_NAMES_MAX	32	/* entries of "dnsZones" and of "splitDnsClaims" */
#define PVDINFO_PROXIES_MAX	32	/* entries of "proxies" */
#define PVDINFO_REASON_MAX	128

enum pvdinfo_state {
	PVDINFO_NONE,			/* H not set, not fetched, or no information (HTTP >= 400, refused ID) */
	PVDINFO_PENDING,		/* a fetch is due or running */
	PVDINFO_VALID,
	PVDINFO_INVALID,		/* reason says why: TLS, HTTP, JSON, a field */
	PVDINFO_MISCONFIGURED,		/* valid object whose prefixes do not cover the PvD's PIOs */
	_PVDINFO_STATE_MAX,
};

struct pvdinfo_prefix {
	struct in6_addr addr;
	uint8_t plen;
};

struct pvdinfo {
	enum pvdinfo_state state;
	char reason[PVDINFO_REASON_MAX];	/* INVALID, MISCONFIGURED, NONE: why; never network text */
	char *json;			/* VALID: the object as compact JSON text */
	int64_t expires;		/* VALID: "expires", Unix seconds (fraction dropped) */
	int64_t expires_ms;		/* VALID: "expires", Unix milliseconds (rounded down) */
	bool no_internet;		/* VALID: "noInternet" (false when absent) */
	size_t n_dns_zones;
	char (*dns_zones)[NDISC_NAME_MAX + 1];	/* VALID: "dnsZones", lowercase, no trailing dot */
};

/*
 * Validate @body (@len octets, not NUL-terminated; it may hold NULs, which
 * make it invalid) as the additional information of @pvd_id whose PIOs are
 * @pios, at wall-clock time @now.  Fills *ret (cleared first: pvdinfo_clear()
 * it afterwards) with PVDINFO_VALID, PVDINFO_INVALID or PVDINFO_MISCONFIGURED
 * and returns 0; returns -ENOMEM when memory ran out (*ret is then cleared).
 */
int pvdinfo_validate(const char *body, size_t len, const char *pvd_id, const struct pvdinfo_prefix *pios,
		     size_t n_pios, const struct timespec *now, struct pvdinfo *ret);

/* Parse an RFC 3339 date-time (§5.6 "date-time") into Unix seconds and
 * nanoseconds.  0, or -EINVAL (outputs untouched). */
int pvdinfo_parse_date_time(const char *text, int64_t *ret_sec, long *ret_nsec);

/* Free what *i holds and make it PVDINFO_NONE with no reason. */
void pvdinfo_clear(struct pvdinfo *i);

/* Set *i to a state without object (NONE, PENDING, INVALID, MISCONFIGURED)
 * with a printf-style reason; the object it held is freed. */
__attribute__((format(printf, 3, 4)))
void pvdinfo_set(struct pvdinfo *i, enum pvdinfo_state state, const char *fmt, ...);

/* Move *src into *dst (which is cleared first); *src becomes NONE. */
void pvdinfo_move(struct pvdinfo *dst, struct pvdinfo *src);

/* "none", "pending", "valid", "invalid", "misconfigured"; NULL if out of range. */
const char *pvdinfo_state_to_string(enum pvdinfo_state state);

/* The D-Bus AdditionalInfoState text: "valid", "invalid: <reason>", ... */
void pvdinfo_state_text(const struct pvdinfo *i, char *buf, size_t size);
