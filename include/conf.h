/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONF_MAX_LINKS 32
#define CONF_LINK_PATTERN_MAX 32

enum conf_subif_kind {
	CONF_SUBIF_IPVLAN,
	CONF_SUBIF_MACVLAN,
};

/* Caps: new state is refused when one is reached; good state is never evicted. */
struct conf_caps {
	unsigned pvds;            /* host-wide */
	unsigned pvds_per_link;
	unsigned routers;         /* per PvD */
	unsigned prefixes;        /* per PvD */
	unsigned routes;          /* RIO routes per PvD */
	unsigned rdnss;           /* per PvD */
	unsigned dnssl;           /* per PvD */
};

struct conf {
	char links[CONF_MAX_LINKS][CONF_LINK_PATTERN_MAX];  /* names or fnmatch(3) globs */
	size_t n_links;
	bool require_accept_ra;   /* manage a link only where the kernel would accept RAs */
	uint32_t table_min, table_max;
	bool implicit_pvds;
	bool keep_on_exit;
	enum conf_subif_kind subif_kind;
	unsigned adopt_grace;     /* seconds re-adopted objects wait for fresh RAs */
	unsigned reconcile_delay_ms;  /* a change waits this long for others to join its reconciliation */
	unsigned carrier_loss_grace;	/* seconds a link may be down and keep its PvD state */
	int log_level;            /* syslog priority */
	struct conf_caps caps;
	char state_dir[128];
	char run_dir[128];
	bool additional_info;     /* fetch PvD Additional Information (RFC 8801 §4) when H is set */
	char additional_info_ca_file[256];  /* CA bundle for its TLS; "" = the system store */
};

void conf_defaults(struct conf *ret);
/* Parse configuration text.  On error returns -EINVAL, leaves *conf untouched
 * and writes "FILE:LINE: reason" into err. */
int conf_parse(const char *text, const char *filename, struct conf *conf, char *err, size_t errlen);
/* Read and parse a file; a missing file is an error too ("FILE: reason"). */
int conf_load(const char *path, struct conf *conf, char *err, size_t errlen);
bool conf_link_matches(const struct conf *conf, const char *ifname);
const char *conf_subif_kind_to_string(enum conf_subif_kind kind);
