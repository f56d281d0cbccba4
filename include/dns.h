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

/* A resolv.conf as last written, so that an unchanged one is not written
 * again on every reconciliation. */
struct dns_file {
	char vrf[IFNAMSIZ];
	char *text;             /* malloc'd; NULL: nothing written yet */
	uint64_t changed;       /* the PvD's pvd.changed the text was made from, without zones; 0: none */
};

/* Write the PvD's file (dns_format_zones()) atomically (temporary file +
 * rename), creating RUN_DIR/<vrf>/, unless `last` says that this very text
 * is there already; then `last` is the PvD's VRF and text.  Returns 1 when
 * it wrote, 0 when the text was unchanged, or a negative errno (`last`
 * untouched).  A PvD that has not changed since `last` (pvd.changed, not 0)
 * and has no zones now nor then is not even formatted again. */
int dns_write(const char *run_dir, const struct pvd *p, const char (*zones)[NDISC_NAME_MAX + 1], size_t n_zones,
	      struct dns_file *last);

/* Remove RUN_DIR/<vrf>/ and its resolv.conf; missing is fine. */
int dns_remove(const char *run_dir, const char *vrf);

/*
 * Remove every RUN_DIR/<vrf>/ left by an earlier run whose VRF is not in
 * `keep`: only directories named like our VRFs ("pvd" + hex) that hold
 * exactly one entry, a resolv.conf whose first line is the header we write.
 * Anything else in RUN_DIR is never touched.  Returns how many went, or the
 * first error (a missing RUN_DIR is none).
 */
int dns_prune(const char *run_dir, const struct dns_file *keep, size_t n_keep);

/* RUN_DIR/<vrf>/resolv.conf into ret; -ENAMETOOLONG if it does not fit. */
int dns_path(const char *run_dir, const char *vrf, char *ret, size_t size);
