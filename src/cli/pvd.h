/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the pvd client's files (pvd.c, exec.c). */
#pragma once
#include <stdbool.h>
#include <string.h>

#include <systemd/sd-bus.h>

#include "vrf-name.h"

#define PVD_BUS_NAME "org.pvd"
#define PVD_MANAGER_PATH "/org/pvd"
#define PVD_MANAGER_IFACE "org.pvd.Manager"
#define PVD_PVD_PREFIX "/org/pvd/pvd"
#define PVD_PVD_IFACE "org.pvd.Pvd"


/* pvd_bus_error: print a message for a failed call and return exit status 1
 * ("pvd-vrfd is not running" when nobody owns org.pvd). */
int pvd_bus_error(const char *what, const sd_bus_error *err, int r);
/* pvd_object_path: the object path of PvD NAME; on failure prints the error
 * (for an unknown name, with the list of known names) and returns < 0. */
int pvd_object_path(sd_bus *bus, const char *name, char **path);

/* cmd_exec: `pvd exec NAME -- CMD...`; returns an exit status, or does not
 * return (the command replaced this process). */
int cmd_exec(sd_bus *bus, const char *name, char **cmd);
