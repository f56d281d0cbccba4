/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The reconciler's internals, shared by its files and nothing else:
 *   netlink.c  transport: one libmnl request socket, pipelined requests,
 *              extended ACKs, dumps
 *   links.c    the link cache, the record of owned links, VRFs,
 *              sub-interfaces, adoption
 *   addrs.c    addresses (and the IFA_PROTO probe)
 *   routes.c   routes
 *   cache.c    what the kernel holds in our tables and on our links, kept
 *              from events; the one place that knows it
 *   events.c   the monitor socket
 *   kernel.c   kernel_open/close and the order of a reconciliation
 *
 * Two netlink libraries, each where it fits:
 *   libnl-route  link objects and the link cache (links.c, events.c): it
 *                builds and parses the per-kind IFLA_LINKINFO nests of vrf,
 *                ipvlan and macvlan and keeps a cache of links that
 *                RTM_NEWLINK/RTM_DELLINK events update in place;
 *   libmnl       addresses and routes (addrs.c, routes.c) and the one
 *                socket every request goes out on (netlink.c).  libnl's
 *                address and route objects cannot carry what ours need:
 *                IFA_PROTO is unknown to libnl 3.7, and rtnl_route has no
 *                setter for RTA_EXPIRES or RTA_PREF; so those messages are
 *                built and parsed raw, and libmnl is the raw layer.  Sending
 *                libnl's link requests on that socket too gives every error
 *                one path, with the kernel's extended ACK text.
 * The libnl socket only reads links (cache fill, read-back of a link we just
 * made); no change goes through it.
 */
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <ev.h>
#include <libmnl/libmnl.h>
#include <netlink/cache.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "kernel.h"
#include "owned.h"

#define KERNEL_BUF_SIZE         (64 * 1024)     /* > any single dump skb */
#define KERNEL_MSG_SIZE         1024            /* our address and route requests */
#define KERNEL_WINDOW           64              /* requests in flight at once */
#define KERNEL_TX_SIZE          (64 * 1024)     /* one batch: > KERNEL_WINDOW * KERNEL_MSG_SIZE */
#define KERNEL_CTX_SIZE         128             /* what a request's callback gets back */
#define KERNEL_EVENT_RCVBUF     (4 * 1024 * 1024)
#define KERNEL_DUMP_TRIES       4
#define KERNEL_EXTACK_MAX       256
#define KERNEL_ROUTE_METRIC_DEFAULT 1024        /* IP6_RT_PRIO_USER */
#define KERNEL_PROBE_ADDR       "2001:db8::1"   /* documentation prefix, on a down dummy link */

/* <net/if.h> lacks it; <linux/if.h> clashes with <net/if.h>. */
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif

/* The kernel's own IFA_PROTO values (linux/if_addr.h, 5.18+). */
#ifndef IFAPROT_KERNEL_LL
#define IFAPROT_KERNEL_LL 3
#endif

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void kernel_freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(kernel_freep)

static inline void kernel_link_putp(struct rtnl_link **l)
{
	if (*l)
		rtnl_link_put(*l);
}
#define _cleanup_link_ _cleanup_(kernel_link_putp)

static inline void kernel_nlmsg_freep(struct nl_msg **m)
{
	if (*m)
		nlmsg_free(*m);
}
#define _cleanup_nlmsg_ _cleanup_(kernel_nlmsg_freep)

/* A growable array of fixed-size records. */
struct kernel_vec {
	void *v;
	size_t n, cap, size;
};

/* An address or route as the kernel reports it.  Expiries are
 * CLOCK_MONOTONIC milliseconds (kernel_now_ms), KERNEL_FOREVER for none. */
#define KERNEL_FOREVER UINT64_MAX

struct kernel_addr {
	int ifindex;
	struct in6_addr addr;
	uint8_t plen;
	uint8_t proto;
	uint32_t flags;
	uint64_t valid_until, preferred_until;
};

struct kernel_route {
	uint8_t family;         /* AF_INET6 or AF_INET (dst, gw: first 4 bytes) */
	uint32_t table;
	struct in6_addr dst, gw;
	uint8_t plen, proto, type;
	uint8_t pref;           /* RTA_PREF (ICMPV6_ROUTER_PREF_*), IPv6 only */
	int oif;
	uint32_t metric;
	uint64_t expires;
};

/* A link we made, as recorded; `adopted`: re-adopted at start and not yet
 * in a desired state, so kept while the grace period lasts. */
struct kernel_owned {
	struct owned_link l;
	bool adopted;
};

struct kernel;
typedef int (*kernel_msg_fn)(const struct nlmsghdr *h, void *data);
/* The answer to a queued request: r is 0 or the kernel's -errno (or the
 * transport's), ext the kernel's extended ACK text ("" without); ctx the
 * caller's bytes given to kernel_queue.  It must not queue requests. */
typedef void (*kernel_done_fn)(struct kernel *k, int r, const char *ext, void *ctx);

/* A request of the current batch (netlink.c). */
struct kernel_pending {
	uint32_t seq;
	bool open;              /* sent or to be sent, not answered yet */
	bool intr;              /* a dump part came with NLM_F_DUMP_INTR */
	int r;                  /* a dump: the first error of `part` */
	kernel_msg_fn part;     /* a dump: each part */
	void *part_data;
	kernel_done_fn done;
	_Alignas(max_align_t) unsigned char ctx[KERNEL_CTX_SIZE];
};

struct kernel {
	struct ev_loop *loop;
	struct kernel_config cfg;
	char prefix[IFNAMSIZ];
	struct kernel_events ev;
	void *userdata;

	struct mnl_socket *req;         /* requests and dumps, extended ACKs */
	uint32_t seq;
	char *req_buf;                  /* answers */
	char *tx_buf;                   /* the batch: KERNEL_TX_SIZE */
	size_t tx_len;
	struct kernel_pending pending[KERNEL_WINDOW];
	size_t n_pending, n_open;
	bool waiting;                   /* in kernel_wait: callbacks running */

	struct mnl_socket *mon;         /* RTNLGRP_LINK, _IPV6_IFADDR, _IPV6_ROUTE, _IPV4_ROUTE */
	char *mon_buf;
	ev_io mon_io;

	struct nl_sock *sk;             /* libnl: fills the link cache */
	struct nl_cache *links;

	char owned_path[PATH_MAX];
	struct kernel_vec owned;        /* struct kernel_owned: the links we made */
	size_t owned_hint[3];           /* the last hits by ifindex, name, table (links.c) */
	struct kernel_vec adopted_routes;       /* struct kernel_route: ours at start, unconfirmed */
	struct kernel_vec adopted_addrs;        /* struct kernel_addr: ours at start, unconfirmed */
	struct kernel_vec foreign_seen; /* int: ifindexes of foreign links named like ours, logged */

	/* cache.c: every route (any protocol) in an owned VRF's table and every
	 * IPv6 address on an owned link; refilled before use when stale.
	 * Sorted: routes by kernel_route_sort_cmp, addresses by kernel_addr_cmp. */
	struct kernel_vec cache_routes; /* struct kernel_route */
	struct kernel_vec cache_addrs;  /* struct kernel_addr */
	bool cache_stale;

	/* links.c: during a kernel_reconcile, the desired state it compares
	 * (NULL otherwise: everything in scope) and, when that is partial,
	 * the ifindexes of the owned links in its tables, sorted. */
	const struct kernel_state *scope;
	struct kernel_vec scope_links;  /* int */
};

/* What kernel_dump hands its kernel_msg_fn: where to append, and the filter
 * the kernel was asked for (0: none), applied again for kernels without
 * strict checking. */
struct kernel_collect {
	struct kernel_vec *vec;
	uint32_t table;
	int ifindex;
};

/* netlink.c: transport and small helpers */
void *kernel_vec_push(struct kernel_vec *a);
void kernel_vec_done(struct kernel_vec *a);
void kernel_vec_remove(struct kernel_vec *a, size_t i);
void kernel_vec_sort(struct kernel_vec *a, int (*cmp)(const void *, const void *));
int kernel_vec_sorted_copy(const struct kernel_vec *a, int (*cmp)(const void *, const void *), struct kernel_vec *ret);
int kernel_vec_append(struct kernel_vec *ret, const struct kernel_vec *a, size_t from, size_t to);
void *kernel_vec_insert(struct kernel_vec *a, size_t i);
void kernel_vec_equal_range(const struct kernel_vec *a, const void *key, int (*cmp)(const void *, const void *),
			    size_t *ret_from, size_t *ret_to);
size_t kernel_vec_lower(const struct kernel_vec *a, const void *key, int (*cmp)(const void *, const void *));
void kernel_keep_first(int *first, int r);
__attribute__((format(printf, 3, 4)))
int kernel_fail(int r, const char *ext, const char *fmt, ...);
const char *kernel_in6_str(const struct in6_addr *a, char buf[INET6_ADDRSTRLEN]);
int kernel_nlerr(int nlerr);
/* Queue a request (a copy of nlh and of ctx); its answer goes to `done`
 * from kernel_wait, called by the caller before ctx's pointers go stale, or
 * earlier when the batch is full. */
void kernel_queue(struct kernel *k, struct nlmsghdr *nlh, kernel_done_fn done, const void *ctx, size_t ctxlen);
void kernel_wait(struct kernel *k);
int kernel_talk(struct kernel *k, struct nlmsghdr *nlh, kernel_msg_fn fn, void *data,
		char *ext, size_t extlen);
int kernel_dump(struct kernel *k, uint16_t type, uint8_t family, uint32_t table, int ifindex,
		kernel_msg_fn fn, struct kernel_vec *vec, const char *what);

/* links.c */
struct kernel_owned *kernel_owned_get(struct kernel *k, int ifindex);
struct kernel_owned *kernel_owned_by_name(struct kernel *k, const char *name);
bool kernel_table_owned(struct kernel *k, uint32_t table);
bool kernel_route_ours(struct kernel *k, const struct kernel_route *rt);
bool kernel_addr_ours(struct kernel *k, const struct kernel_addr *a);
void kernel_owned_forget(struct kernel *k, int ifindex);
void kernel_foreign_note(struct kernel *k);
int kernel_links_refill(struct kernel *k);
bool kernel_flags_up(unsigned flags);
int kernel_link_send(struct kernel *k, struct nl_msg *msg, char *ext, size_t extlen);
int kernel_link_fetch(struct kernel *k, const char *name, struct rtnl_link **ret);
bool kernel_want_vrf(const struct kernel_state *want, const char *name);
bool kernel_want_subif(const struct kernel_state *want, const char *name);
int kernel_links_apply(struct kernel *k, const struct kernel_state *want);
/* The scope of the reconciliation of `want` (kernel_state.partial): set it
 * (again after links were made or removed), then ask; NULL ends it. */
int kernel_scope_set(struct kernel *k, const struct kernel_state *want);
bool kernel_scope_table(const struct kernel *k, uint32_t table);
bool kernel_scope_link(const struct kernel *k, int ifindex);
int kernel_adopt(struct kernel *k);

/* addrs.c */
bool kernel_addr_parse(const struct nlmsghdr *h, struct kernel_addr *ret);
/* Addresses by (ifindex, address, prefix length); by ifindex alone. */
int kernel_addr_cmp(const void *a, const void *b);
int kernel_addr_link_cmp(const void *a, const void *b);
/* The first entry of V (sorted by kernel_addr_cmp) on IFINDEX with ADDR, any prefix length. */
const struct kernel_addr *kernel_addr_lookup(const struct kernel_vec *v, int ifindex, const struct in6_addr *addr);
int kernel_addrs_dump(struct kernel *k, int ifindex, struct kernel_vec *vec);
/* The desired addresses on links we made, sorted for kernel_addr_wanted(). */
int kernel_addr_index_build(struct kernel *k, const struct kernel_state *want, struct kernel_vec *ret);
bool kernel_addr_wanted(const struct kernel_vec *want, const struct kernel_addr *a);
int kernel_addrs_reconcile(struct kernel *k, const struct kernel_state *want);
int kernel_probe_ifa_proto(struct kernel *k);

/* routes.c */
bool kernel_route_parse(const struct nlmsghdr *h, struct kernel_route *ret);
/* Routes by their kernel key (family, table, dst/plen, metric); 0: the same
 * key.  kernel_route_sort_cmp: the same for qsort and bisection;
 * kernel_route_table_cmp: by family and table alone. */
int kernel_route_key_cmp(const struct kernel_route *a, const struct kernel_route *b);
int kernel_route_sort_cmp(const void *a, const void *b);
int kernel_route_table_cmp(const void *a, const void *b);
int kernel_routes_dump(struct kernel *k, uint32_t table, struct kernel_vec *vec);
/* Route requests of one reconciliation stage, pipelined: the first error
 * of their answers, and what changed per table for the log. */
struct kernel_route_tally {
	uint32_t table;
	unsigned added, removed;
};
struct kernel_route_batch {
	int first;
	struct kernel_vec tally;        /* struct kernel_route_tally */
};
#define KERNEL_ROUTE_BATCH_INIT { .tally = { .size = sizeof(struct kernel_route_tally) } }
void kernel_route_delete(struct kernel *k, const struct kernel_route *rt, struct kernel_route_batch *b);
/* Wait for the batch's answers, log its summary; its first error or 0. */
int kernel_route_batch_end(struct kernel *k, struct kernel_route_batch *b);
/* "route 2001:db8::/64 table 1001", "route default via fe80::1 table 1001",
 * "IPv4 route default table 1001" */
const char *kernel_route_str(uint8_t family, uint32_t table, const struct in6_addr *dst, uint8_t plen,
			     const struct in6_addr *gw, char *buf, size_t len);
/* The desired routes sorted by key, for the lookups of one reconciliation;
 * dup[i]: want->routes[i] has the key of an earlier route (refused). */
struct kernel_want_route {
	struct kernel_route key;        /* family, table, dst, plen, metric */
	size_t i;                       /* in want->routes */
};
struct kernel_route_index {
	struct kernel_vec v;            /* struct kernel_want_route, by key, then i */
	bool *dup;
};
int kernel_route_index_build(const struct kernel_state *want, struct kernel_route_index *ret);
void kernel_route_index_done(struct kernel_route_index *index);
bool kernel_route_wanted(const struct kernel_route_index *want, const struct kernel_route *rt);
int kernel_routes_reconcile(struct kernel *k, const struct kernel_state *want, const struct kernel_route_index *index);

/* cache.c */
uint64_t kernel_now_ms(void);
void kernel_cache_invalidate(struct kernel *k);
int kernel_cache_sync(struct kernel *k);
/* Both return whether an RTM_DEL* removed an object the cache held: one our
 * own requests had not removed already, so someone else did (or the kernel
 * expired it); the route as it was cached goes to `ret_removed` (or NULL). */
bool kernel_cache_route_update(struct kernel *k, uint16_t type, uint16_t flags, const struct kernel_route *rt,
			       struct kernel_route *ret_removed);
bool kernel_cache_addr_update(struct kernel *k, uint16_t type, const struct kernel_addr *a);
struct kernel_addr *kernel_cache_addr_find(struct kernel *k, int ifindex, const struct in6_addr *addr);
bool kernel_lifetime_stale(uint64_t have, uint32_t want_s, uint64_t now);
void kernel_cache_done(struct kernel *k);

/* events.c */
int kernel_event_open(struct kernel *k);
