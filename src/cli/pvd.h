/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the pvd client's files (pvd.c, exec.c). */
#pragma once
#include <stdbool.h>
#include <string.h>

#include <pvd/libpvd.h>

#include "vrf-name.h"

/* pvd_cli_error: print a message for a failed libpvd call and return exit
 * status 1 ("pvd-vrfd is not running" when nobody owns org.pvd). */
int pvd_cli_error(const char *what, int r);
/* pvd_cli_get: PvD NAME; on failure prints the error (for an unknown name,
 * with the list of known names) and returns < 0. */
int pvd_cli_get(struct pvd_handle *h, const char *name, struct pvd_info **ret);

/* cmd_exec: `pvd exec NAME -- CMD...`; returns an exit status, or does not
 * return (the command replaced this process).  Closes *H (the command must
 * not inherit the bus connection). */
int cmd_exec(struct pvd_handle **h, const char *name, char **cmd);

/* exec_scratch_mount: mount a TYPE file system (FLAGS, OPTIONS) on the
 * first of /tmp, /run, /mnt that takes it, in exec's private mount
 * namespace, for the caller to detach again; NULL and a message naming
 * WHAT on failure. */
const char *exec_scratch_mount(const char *type, unsigned long flags, const char *options, const char *what);

/* vrf-cgroup.c: put this process into the cgroup of `ip vrf exec VRF` (the
 * same layout), whose BPF program binds every socket made in it or its
 * descendants to VRF.  Needs a private mount namespace (it mounts cgroup2
 * for the moment) and root.  -1 and a message on failure. */
int vrf_cgroup_enter(const char *vrf);
