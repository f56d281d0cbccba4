/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* Per-PvD resolver configuration: RUN_DIR/<vrf>/resolv.conf. */
#include <stddef.h>

#include "pvd.h"

/* The file's text from the PvD's RDNSS and DNSSL.  Names are re-checked
 * (lowercase LDH labels and dots only) so nothing else can reach the file;
 * -EINVAL if one is not, -ENOBUFS if buf is too small. */
int dns_format(const struct pvd *p, char *buf, size_t size);

/* The same, with the "dnsZones" of the PvD's validated Additional
 * Information (RFC 8801 §4.3) appended to the search list: each zone only if
 * the list does not hold it already (from DNSSL or an earlier zone), so the
 * RA's order stays first and nothing is listed twice.  Zones are re-checked
 * like DNSSL names. */
int dns_format_zones(const struct pvd *p, const char (*zones)[NDISC_NAME_MAX + 1], size_t n_zones, char *buf,
		     size_t size);

/* Write it atomically (temporary file + rename), creating RUN_DIR/<vrf>/. */
int dns_write(const char *run_dir, const struct pvd *p, const char (*zones)[NDISC_NAME_MAX + 1], size_t n_zones);

/* Remove RUN_DIR/<vrf>/ and its resolv.conf; missing is fine. */
int dns_remove(const char *run_dir, const char *vrf);

/* RUN_DIR/<vrf>/resolv.conf into ret; -ENAMETOOLONG if it does not fit. */
int dns_path(const char *run_dir, const char *vrf, char *ret, size_t size);
