/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * bus: org.pvd on the D-Bus system bus (documented in man/org.pvd.5).
 *
 * /org/pvd carries org.pvd.Manager; every PvD of the registry is one object
 * /org/pvd/pvd/<sd_bus_path_encode(name)> carrying org.pvd.Pvd.  Property
 * getters read the live registry (PvDs are looked up by name on every call),
 * and every signal is sent from bus_sync(), which the daemon calls once per
 * reconciliation.
 */
#include <ev.h>
#include <stdint.h>

#include "ndisc.h"
#include "pvd.h"

#define BUS_NAME		"org.pvd"
#define BUS_MANAGER_PATH	"/org/pvd"
#define BUS_PVD_PREFIX		"/org/pvd/pvd"

/* Counters the daemon keeps; read live by the Manager's properties. */
struct bus_counters {
	const uint64_t *dropped;	/* [_NDISC_REASON_MAX]: whole RAs */
	const uint64_t *ignored;	/* [_NDISC_REASON_MAX]: single options */
	const uint64_t *not_managed;	/* RAs on links we do not manage */
	const uint64_t *lost;		/* packets a full socket queue lost */
	const uint64_t *reconciles;	/* completed kernel reconciliations */
};

struct bus;

/*
 * Connect to the system bus (sd_bus_open_system(), so DBUS_SYSTEM_BUS_ADDRESS
 * is honoured), register the objects, take the name org.pvd, and attach the
 * connection to `loop`.  `registry`, `counters` and `run_dir` must outlive
 * the bus.  Returns 0, or a negative errno when the bus is unavailable or the
 * name cannot be had; *ret is then untouched.  A connection that is lost
 * later is opened again, with a doubling delay, and every PvD published anew.
 */
int bus_open(struct ev_loop *loop, const struct pvd_registry *registry,
	     const struct bus_counters *counters, const char *run_dir, struct bus **ret);

/* Where the PvDs' Additional Information verdicts are (AdditionalInfo,
 * AdditionalInfoState, Expires, NoInternet, DnsZones); read live like the
 * registry.  NULL `b` does nothing; without a table they read as "none". */
struct pvdinfo_table;
void bus_set_info(struct bus *b, const struct pvdinfo_table *info);

/* Flush what is queued, release the name, disconnect.  Accepts NULL; returns NULL. */
struct bus *bus_close(struct bus *b);

/*
 * Publish the registry as it is now: compare it with what was published last
 * time and send PvdRemoved/PvdAdded (unregistering/registering the objects)
 * and PropertiesChanged for each property whose value differs.  `registry`
 * must be the one given to bus_open().  NULL `b` (no bus) does nothing.
 */
void bus_sync(struct bus *b, const struct pvd_registry *registry);
