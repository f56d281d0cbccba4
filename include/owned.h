/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The record of the links pvd-vrfd made, kept in a file (RUN_DIR/owned) so
 * that a restart re-adopts exactly those and nothing else that merely looks
 * like them.  One link a line, '#' comments:
 *   vrf NAME IFINDEX TABLE
 *   ipvlan|macvlan NAME IFINDEX PARENT-IFINDEX MASTER-IFINDEX
 * The kernel module cross-checks every entry with the kernel before trusting
 * it; this module only reads and writes the file.
 */
#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

enum owned_kind {
	OWNED_VRF,
	OWNED_IPVLAN,
	OWNED_MACVLAN,
	_OWNED_KIND_MAX,
};

struct owned_link {
	enum owned_kind kind;
	char name[IFNAMSIZ];
	int ifindex;
	uint32_t table;         /* VRF: its routing table; 0 otherwise */
	int parent, master;     /* sub-interface: parent link and VRF; 0 for a VRF */
};

/* "vrf", "ipvlan", "macvlan" (also the kernel's IFLA_INFO_KIND); NULL if out of range. */
const char *owned_kind_to_string(enum owned_kind kind);

/*
 * Read the record at `path`.  A missing file is an empty record.  A line
 * that does not parse, or repeats a name or ifindex of an earlier line, is
 * logged as "PATH:LINE: reason, ignoring" and skipped.  *ret is malloc'd
 * (NULL when *ret_n is 0).  Returns 0 or a negative errno (unreadable file).
 */
int owned_load(const char *path, struct owned_link **ret, size_t *ret_n);

/* Replace the record atomically (PATH.tmp, then rename), creating the
 * directory if needed.  Returns 0 or a negative errno; logs nothing. */
int owned_save(const char *path, const struct owned_link *links, size_t n);
