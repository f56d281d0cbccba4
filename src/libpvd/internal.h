/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libpvd's internals, shared by its files and its unit tests. */
#pragma once
#include <net/if.h>
#include <netdb.h>
#include <stdbool.h>
#include <sys/socket.h>

#include <systemd/sd-bus.h>

#include "pvd/libpvd.h"

#define LIBPVD_BUS_NAME "org.pvd"
#define LIBPVD_MANAGER_PATH "/org/pvd"
#define LIBPVD_MANAGER_IFACE "org.pvd.Manager"
#define LIBPVD_PVD_PREFIX "/org/pvd/pvd"
#define LIBPVD_PVD_IFACE "org.pvd.Pvd"
#define LIBPVD_NO_SUCH_PVD "org.pvd.Error.NoSuchPvd"

/* An event read from the bus, kept until pvd_monitor_dispatch hands it on. */
struct pvd_queued_event {
	enum pvd_event_type type;
	char *name;
	char *path;
	char **changed;
	size_t n_values;	/* changed[0..n_values-1] came with a value */
	struct pvd_info *values;
};

struct pvd_handle {
	sd_bus *bus;		/* method calls and property reads */
	/* The monitor has its own connection, on which nothing but its
	 * subscriptions is ever called: a method call on a connection reads
	 * and queues whatever signals arrive meanwhile, which a caller polling
	 * the socket would then not see. */
	sd_bus *mon;
	int epoll_fd;		/* what pvd_monitor_fd returns: mon's fd and event_fd */
	int event_fd;		/* readable while queue is not empty */
	struct pvd_queued_event *queue;
	size_t n_queue;
	int queue_error;	/* first error while queueing, for the next dispatch */
};

/* Errors of the bus as errnos: NoSuchPvd (and an object gone) -ENOENT,
 * nobody owning org.pvd -EHOSTDOWN, anything else as sd-bus maps it. */
int libpvd_bus_errno(const sd_bus_error *e, int r);

/* props.c: a PvD's a{sv} (the reply of Properties.GetAll) into a new
 * pvd_info.  Unknown properties are skipped, known ones of another type
 * are -EBADMSG.  libpvd_info_read wants a whole PvD (a Name);
 * libpvd_values_read takes any subset (PropertiesChanged's). */
int libpvd_info_read(sd_bus_message *m, struct pvd_info **ret);
int libpvd_values_read(sd_bus_message *m, struct pvd_info **ret);
char **libpvd_strv_free(char **v);

/* monitor.c: the event a signal stands for.  1 and *ret filled (free with
 * libpvd_event_clear), 0 for a signal that is no event of ours, or -errno. */
int libpvd_event_from_message(sd_bus_message *m, struct pvd_queued_event *ret);
void libpvd_event_clear(struct pvd_queued_event *e);

/* he.c: the order of connection attempts (RFC 8305 section 4) over the
 * addresses of several PvDs.  LISTS[i] is PvD i's getaddrinfo() answer (may
 * be NULL); within each the families alternate, starting with the first
 * one's, and the PvDs take turns: 1st of PvD 0, 1st of PvD 1, ..., 2nd of
 * PvD 0, ...  Duplicates within a PvD are dropped; only AF_INET and
 * AF_INET6 stream addresses are kept. */
struct he_candidate {
	size_t pvd;
	struct sockaddr_storage addr;
	socklen_t addrlen;
};
int he_candidates(struct addrinfo *const *lists, size_t n, struct he_candidate **ret, size_t *ret_n);
/* he_next: which PvD's address to try next, when PvD i has AVAIL[i]
 * addresses of which STARTED[i] were tried: the one with the fewest tried
 * among those with one left, the first in the caller's order on a tie;
 * SIZE_MAX when none has one left.  The PvDs take turns even when their
 * answers arrive at different times. */
size_t he_next(const size_t *started, const size_t *avail, size_t n);

/* he_allowed: how many PvDs, from the first, may start attempts: those
 * before the first whose lookup is still running (ANSWERED[i] false), or
 * all of them once the Resolution Delay is over (DELAY_OVER). */
size_t he_allowed(const bool *answered, size_t n, bool delay_over);

/* connect.c: pvd_connect's race over answers already there (ANSWERS[i]:
 * PvD i's, from getaddrinfo), each socket bound by BIND (libpvd_bind_vrf
 * in pvd_connect; given "" here): the test seam of the race.  0, the
 * connected socket and the index of its PvD, or -errno. */
int libpvd_race(struct addrinfo *const *answers, size_t n, int timeout_ms, int (*bind)(int fd, const char *vrf),
		int *ret_fd, size_t *ret_pvd);

/* RFC 8305: the Connection Attempt Delay (section 5) and the Resolution
 * Delay (section 3), recommended values. */
#define HE_ATTEMPT_DELAY_MS 250
#define HE_RESOLUTION_DELAY_MS 50

/* libpvd.c: the VRF of PvD NAME and, unless RET_RESOLV_CONF is NULL, the
 * path of its resolv.conf (malloc'd), both checked before any use: a VRF
 * name of the daemon's form, an absolute path (-EBADMSG otherwise; -ENODEV
 * while the PvD has no VRF).  And SO_BINDTODEVICE to a VRF (-EAFNOSUPPORT
 * for a socket that is not AF_INET or AF_INET6). */
int libpvd_target_of(struct pvd_handle *h, const char *name, char ret_vrf[IFNAMSIZ], char **ret_resolv_conf);
int libpvd_bind_vrf(int fd, const char *vrf);
/* monitor.c: drop the monitor connection and its queue (pvd_close). */
void libpvd_monitor_teardown(struct pvd_handle *h);
