/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libpvd: IPv6 Provisioning Domains (RFC 8801) for PvD-aware applications,
 * on top of pvd-vrfd (org.pvd on the system bus, see org.pvd(5)) and the
 * stock kernel's VRFs.  See libpvd(3).
 *
 * Every function returns 0 (or a non-negative value where documented) on
 * success and a negative errno on failure, leaving its ret_* outputs
 * untouched then.  Structures are allocated by the library only and may
 * grow at their end in later versions: never allocate or copy them. */
#ifndef LIBPVD_H
#define LIBPVD_H

#include <netdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A connection to pvd-vrfd on the system bus (DBUS_SYSTEM_BUS_ADDRESS is
 * honoured).  One handle is for one thread at a time. */
struct pvd_handle;

int pvd_open(struct pvd_handle **ret);
/* Accepts NULL; returns NULL. */
struct pvd_handle *pvd_close(struct pvd_handle *h);

/* A PvD as org.pvd.Pvd publishes it.  Lists are NULL-terminated arrays of
 * strings (never NULL themselves, possibly empty), in the daemon's order. */
struct pvd_info {
	char *name;			/* PvD ID, or router%link for an implicit PvD */
	bool implicit;
	char *vrf;			/* VRF device, "" if the daemon has none yet */
	uint32_t table;
	char **links;
	char **routers;			/* fe80::a%eth0 */
	char **prefixes;		/* 2001:db8:a::/64 */
	char **addresses;		/* SLAAC addresses, no prefix length */
	char **routes;			/* 2001:db8:a1::/48 via fe80::a */
	char **dns_servers;
	char **dns_search;
	uint16_t sequence;
	bool h_flag;
	bool l_flag;
	uint8_t delay;
	char *additional_info;		/* compact JSON text, "" when none */
	char *additional_info_state;	/* none, pending, valid, invalid: ..., misconfigured: ... */
	uint64_t expires;		/* Unix seconds, 0 unless valid */
	bool no_internet;
	char **dns_zones;
	char *resolv_conf;		/* path of the PvD's resolv.conf */
	char *path;			/* its D-Bus object path (/org/pvd/pvd/...) */
};

/* Both accept NULL and return NULL. */
struct pvd_info *pvd_info_free(struct pvd_info *p);
struct pvd_info **pvd_info_list_free(struct pvd_info **list);

/* pvd_get: one PvD by name (explicit names in any case, with or without the
 * trailing dot).  -ENOENT: no such PvD.  -EHOSTDOWN: pvd-vrfd is not on
 * the bus. */
int pvd_get(struct pvd_handle *h, const char *name, struct pvd_info **ret);
/* pvd_list: every PvD, sorted by name, as a NULL-terminated array; its
 * length in *ret_n if ret_n is not NULL. */
int pvd_list(struct pvd_handle *h, struct pvd_info ***ret, size_t *ret_n);

/* pvd_bind_socket: SO_BINDTODEVICE of FD to the PvD's VRF (no privilege
 * needed for a socket's first binding on Linux 5.7 and later).  -ENOENT:
 * no such PvD; -ENODEV: the PvD has no VRF (yet); -EPERM: FD is already
 * bound to a device and the caller lacks CAP_NET_RAW. */
int pvd_bind_socket(struct pvd_handle *h, int fd, const char *name);

/* Monitoring, for the caller's own event loop. */
enum pvd_event_type {
	PVD_EVENT_ADDED,		/* a PvD appeared */
	PVD_EVENT_REMOVED,		/* a PvD is gone */
	PVD_EVENT_CHANGED,		/* some of its properties changed */
	PVD_EVENT_DAEMON_STARTED,	/* pvd-vrfd took org.pvd (PvDs follow as ADDED) */
	PVD_EVENT_DAEMON_STOPPED,	/* pvd-vrfd left the bus: every PvD is gone */
};

struct pvd_event {
	enum pvd_event_type type;
	const char *name;		/* the PvD; NULL for DAEMON_* */
	const char *const *changed;	/* CHANGED: D-Bus names of the changed properties
					 * ("Sequence", "DnsServers"...), NULL-terminated;
					 * NULL otherwise */
	const char *path;		/* the PvD's D-Bus object path; NULL for DAEMON_* */
	const struct pvd_info *values;	/* CHANGED: the new values the signal carried, in
					 * the fields named by CHANGED (the others, and
					 * invalidated ones, "", empty or 0); NULL otherwise */
	const char *const *invalidated;	/* CHANGED: the tail of CHANGED that the signal
					 * invalidated without a value (org.pvd sends
					 * values: usually empty); NULL otherwise */
};

/* Called for each event; a negative return stops the dispatch, which
 * returns it.  EV and its strings are valid during the call only. */
typedef int (*pvd_event_cb)(const struct pvd_event *ev, void *userdata);

/* pvd_monitor_fd: a file descriptor to poll for POLLIN (owned by H; the same
 * one on every call).  Subscribes on the first call: every event after that
 * first return is delivered, so list the PvDs after it, not before. */
int pvd_monitor_fd(struct pvd_handle *h);
/* pvd_monitor_dispatch: deliver every pending event to CB, without
 * blocking; call it when the monitor fd is readable. */
int pvd_monitor_dispatch(struct pvd_handle *h, pvd_event_cb cb, void *userdata);

/* pvd_resolve: getaddrinfo(3) through the PvD NAME: its own DNS servers,
 * search list and options (its ResolvConf), asked over sockets bound to its
 * VRF; never the host's resolver.  getaddrinfo's semantics, including its
 * return value (the one exception to the -errno rule): 0, or an EAI_* code
 * for gai_strerror(3); EAI_SYSTEM with errno ENOENT for an unknown PvD,
 * EHOSTDOWN without the daemon, ENODEV for a PvD without a VRF yet.  Free
 * the list with pvd_freeaddrinfo(), never freeaddrinfo(3).  Blocks for the
 * lookup (the resolv.conf's timeout and attempts bound it). */
int pvd_resolve(struct pvd_handle *h, const char *name, const char *host, const char *service,
		const struct addrinfo *hints, struct addrinfo **res);
/* Accepts NULL. */
void pvd_freeaddrinfo(struct addrinfo *res);

/* pvd_connect: a TCP connection to HOST (and SERVICE, a port number or
 * service name) raced over the PvDs NAMES[0..n-1], Happy Eyeballs style
 * (RFC 8305).  HOST is resolved through each PvD at once and in parallel
 * (as by pvd_resolve; a PvD's answer waits 50 ms for those of the PvDs
 * before it); an attempt starts as soon as an address is known, the next
 * one 250 ms later (at once when none is in flight), the PvDs taking turns
 * in the order given, until one connects; the others are closed.
 * *RET_FD: the connected socket (blocking, close-on-exec), bound to the
 * winning PvD's VRF; *RET_CHOSEN: NAMES[i] of that PvD.  TIMEOUT_MS < 0:
 * no deadline but the kernel's.  -ENOENT: a name is not a PvD; -ENODEV:
 * a PvD has no VRF or resolv.conf yet; -ETIMEDOUT: nothing connected in
 * time; -EADDRNOTAVAIL: HOST has no address in any of the PvDs; else the
 * error of the last failed attempt (or of the lookups, when no attempt was
 * possible).  Lookups still running when it returns end on their own. */
int pvd_connect(struct pvd_handle *h, const char *const names[], size_t n, const char *host,
		const char *service, int timeout_ms, int *ret_fd, const char **ret_chosen);

#ifdef __cplusplus
}
#endif
#endif
