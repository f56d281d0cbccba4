/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Kernel reconciler: makes the kernel's pvd-vrfd-owned objects match a
 * desired state and touches nothing else.  What is owned:
 *   links      exactly those the reconciler created, recorded (name,
 *              ifindex, kind, table; parent and master) in cfg->owned_path
 *              whenever the set changes.  At kernel_open an entry is
 *              re-adopted only if the kernel confirms it: same ifindex and
 *              name, same kind, a VRF with the recorded table and an ifalias,
 *              a sub-interface on the recorded parent and enslaved to a
 *              re-adopted VRF.  Every other link, whatever its name, is
 *              foreign; one named like ours (cfg->vrf_prefix) is logged once.
 *   routes     rtm_protocol == cfg->route_proto in the table of an owned VRF
 *              (IPv6, and IPv4 unreachable routes)
 *   addresses  IFA_PROTO == cfg->addr_proto on an owned link
 * Foreign objects are never changed or removed, even when they are in the
 * way of a wanted one (that is reported as -EEXIST), and never reused.
 *
 * Adoption grace: objects re-adopted at kernel_open (links, and our routes
 * and addresses found on them then) stay while unconfirmed, i.e. until a
 * desired state given to kernel_reconcile contains them or kernel_grace_over
 * is called.  Anything else owned and not wanted, confirmed adopted objects
 * included, is removed by the next kernel_reconcile.
 */
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct ev_loop;
struct kernel;

enum kernel_subif_kind {
	KERNEL_SUBIF_IPVLAN,    /* ipvlan mode l2: shares the parent's MAC */
	KERNEL_SUBIF_MACVLAN,   /* macvlan mode bridge: own MAC */
};

struct kernel_config {
	uint8_t route_proto;    /* rtm_protocol of our routes, e.g. 249 ("pvd" in rt_protos.d) */
	uint8_t addr_proto;     /* IFA_PROTO of our addresses; not 0-3 (the kernel's own) */
	enum kernel_subif_kind subif_kind;
	const char *vrf_prefix; /* every VRF and sub-interface we make starts with it; 1 to IFNAMSIZ-2 chars */
	const char *owned_path; /* the record of the links we made (owned.h), e.g. RUN_DIR/owned */
};

struct kvrf {
	char name[IFNAMSIZ];
	uint32_t table;
	char alias[256];        /* IFLA_IFALIAS: PvD FQDN or implicit name */
};

struct ksubif {
	char name[IFNAMSIZ];
	int parent_ifindex;
	char vrf[IFNAMSIZ];     /* master; must be a VRF in the same state */
};

/* Lifetimes in seconds, UINT32_MAX = forever.  0 < preferred <= valid. */
struct kaddr {
	char dev[IFNAMSIZ];
	struct in6_addr addr;
	uint8_t plen;
	uint32_t valid, preferred;
};

/*
 * A route is identified by (table, dst/plen, metric): that is the key the
 * kernel's IPv6 NLM_F_REPLACE matches, and same-metric gateway routes would
 * be merged into one multipath route whose per-path lifetime and preference
 * cannot be kept apart.  So at most one route per key (a duplicate is
 * refused with -EINVAL); give each router its own metric.
 */
struct kroute {
	sa_family_t family;     /* AF_INET6, or AF_INET for an unreachable route */
	uint32_t table;
	struct in6_addr dst;    /* AF_INET: the IPv4 address in the first 4 bytes */
	uint8_t plen;
	struct in6_addr gw;     /* :: = on-link; AF_INET: none */
	char dev[IFNAMSIZ];
	uint32_t lifetime;      /* seconds, UINT32_MAX = no expiry (RTA_EXPIRES); AF_INET: UINT32_MAX */
	int8_t pref;            /* RFC 4191: -1 low, 0 medium, 1 high (RTA_PREF) */
	uint32_t metric;        /* 0 = the kernel's default, 1024 */
	bool unreachable;       /* RTN_UNREACHABLE: no gw, no dev, no pref */
};

struct kernel_state {
	const struct kvrf *vrfs;
	size_t n_vrfs;
	const struct ksubif *subifs;
	size_t n_subifs;
	const struct kaddr *addrs;
	size_t n_addrs;
	const struct kroute *routes;
	size_t n_routes;
	/* A partial state: it covers only the tables in `tables` (sorted, no
	 * duplicates), and kernel_reconcile compares and changes only what is
	 * in them: each owned VRF with one of these tables, the sub-interfaces
	 * enslaved to it, their addresses, and the routes in these tables.
	 * Everything else owned is left as it is, wanted or not; the state's
	 * own objects must all be in these tables (else -EINVAL).  So a caller
	 * that knows which tables' desired state changed (a PvD each) pays for
	 * those alone; a table whose PvD went is listed with nothing in it.
	 * Not partial: the whole desired state, every owned object in scope. */
	bool partial;
	const uint32_t *tables;
	size_t n_tables;
};

/* Callbacks, all optional; called from the event loop, never from inside
 * another kernel_*() call.  They may call any kernel_*() function except
 * kernel_close(). */
struct kernel_events {
	/* A link appeared, was removed, renamed, or its "up" (IFF_UP and
	 * IFF_LOWER_UP) changed.  Any link, owned or not. */
	void (*link_changed)(void *userdata, int ifindex, const char *name, bool up, bool removed);
	/* An owned address failed DAD.  The kernel keeps a forever address as
	 * "dadfailed tentative" (refreshing it reports it again) and deletes
	 * one with a finite valid lifetime; either way the caller must drop
	 * the address from its state (RFC 7217: next DAD counter). */
	void (*dad_failed)(void *userdata, const char *dev, const struct in6_addr *addr);
	/* Events were lost (ENOBUFS): the link cache is refilled already, the
	 * cache of addresses and routes is at the next kernel_reconcile; the
	 * caller re-reads link state and re-reconciles everything. */
	void (*resync_needed)(void *userdata);
	/* A route or address we made was deleted, not by us (someone else, or
	 * the kernel at its expiry): the caller reconciles, which puts back
	 * what is still wanted. */
	void (*owned_lost)(void *userdata);
};

/*
 * Opens the netlink sockets, checks that the kernel keeps IFA_PROTO on
 * addresses (with a throwaway dummy link; -EPROTONOSUPPORT, logged with the
 * kernel version, when it does not), fills the link cache and re-adopts the
 * recorded links the kernel confirms (see above).  Changes nothing else.
 */
int kernel_open(struct ev_loop *loop, const struct kernel_config *cfg, const struct kernel_events *ev,
		void *userdata, struct kernel **ret);
/* Accepts NULL, returns NULL; removes nothing from the kernel. */
struct kernel *kernel_close(struct kernel *k);

/*
 * Make owned objects match `want` (a partial one: within its tables, see
 * struct kernel_state): first confirms the adopted objects that
 * `want` contains and deletes the owned objects it lacks (except adopted
 * ones still unconfirmed, see above), then creates missing VRFs (up, table,
 * ifalias), sub-interfaces (of the parent, enslaved to the VRF, accept_ra=0
 * and autoconf=0, up), addresses (NLM_F_REPLACE so lifetimes refresh,
 * IFA_PROTO, noprefixroute) and routes (NLM_F_REPLACE, route_proto,
 * RTA_EXPIRES when finite, RTA_PREF); fixes owned objects that differ.
 * Addresses and routes go only on owned links and into owned VRFs' tables.
 * What is there is known from a cache of our tables and links kept from
 * netlink events, not read per call; an object already right is not sent
 * again unless its lifetime in the kernel is more than a second longer or
 * more than min(10 s, a quarter of the wanted lifetime) shorter.
 * Keeps going after a failure, logs each one, returns the first error.
 */
int kernel_reconcile(struct kernel *k, const struct kernel_state *want);

/* End of the adoption grace period: adopted objects not confirmed yet are
 * no longer kept; the next kernel_reconcile removes them. */
void kernel_grace_over(struct kernel *k);

/* A router withdrew, with lifetime 0, a route an earlier run may have made
 * in `table`: adopted routes there to dst/plen via gw (:: = on-link), any
 * metric (slots may differ from the earlier run's), are no longer kept.
 * True if any was. */
bool kernel_release_adopted_routes(struct kernel *k, uint32_t table, const struct in6_addr *dst, uint8_t plen,
				   const struct in6_addr *gw);

/* The link `parent_ifindex` is gone: adopted sub-interfaces of it went with
 * it, and an adopted VRF left with no adopted sub-interface elsewhere is no
 * longer kept either.  True if anything was released. */
bool kernel_release_adopted_parent(struct kernel *k, int parent_ifindex);

/* The owned VRFs (at start: those re-adopted), with their aliases, for
 * reservations after a restart.  *ret_vrfs is malloc'd (NULL when *ret_n is 0). */
int kernel_list_owned_vrfs(struct kernel *k, struct kvrf **ret_vrfs, size_t *ret_n);

/* What kernel_open re-adopted: links, and our addresses and routes on them. */
struct kernel_adopted {
	size_t vrfs, subifs, addrs, routes;
};
void kernel_adopted_count(struct kernel *k, struct kernel_adopted *ret);

/* The ifindexes of every link we made (VRFs and sub-interfaces), in the
 * order they were recorded.  *ret_ifindexes is malloc'd (NULL when *ret_n is 0). */
int kernel_list_owned_ifindexes(struct kernel *k, int **ret_ifindexes, size_t *ret_n);

/* May a new VRF be called `vrf` and use `table`?  False when a foreign link
 * has that name, another VRF uses that table, or the table holds any route
 * (IPv4 or IPv6, ours included), and when that cannot be found out.  Reads
 * the table's routes from the kernel: meant for the rare new PvD. */
bool kernel_vrf_slot_usable(struct kernel *k, const char *vrf, uint32_t table);

/* Clean stop: delete every owned sub-interface and VRF, and our routes left
 * in their tables (unreachable routes outlive the VRF); the record then lists
 * only what could not be deleted.  Returns the first error. */
int kernel_remove_all(struct kernel *k);

/* Link lookups from the link cache (kept current by the event socket). */
int kernel_list_links(struct kernel *k, int **ret_ifindexes, size_t *ret_n);    /* every link; malloc'd */
/* Where a Router Solicitation on a link comes from: its first link-local
 * address (if it has one: have_lla) and its link-layer address (lladdr_len
 * 0 if none, or longer than a sockaddr_ll holds); the cache and one dump of
 * that link's addresses, not of every link's. */
struct kernel_link_source {
	bool have_lla;
	struct in6_addr lla;
	uint8_t lladdr[8];
	size_t lladdr_len;
};
int kernel_link_source(struct kernel *k, int ifindex, struct kernel_link_source *ret);
int kernel_link_ifindex(struct kernel *k, const char *name);   /* ifindex, or -ENODEV */
int kernel_link_name(struct kernel *k, int ifindex, char ret_name[IFNAMSIZ]);   /* 0 or -ENODEV */
bool kernel_link_is_up(struct kernel *k, int ifindex);          /* IFF_UP and IFF_LOWER_UP */
