/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernel reconciler: the only module that changes the kernel's network
 * configuration.  See kernel.h for the ownership marks.
 *
 * Links (VRF devices, sub-interfaces, enslaving, ifalias) are described with
 * libnl-route objects and kept in a libnl link cache.  libnl 3.7 cannot
 * express everything else we need, so libmnl builds and parses those
 * messages: addresses need IFA_PROTO (unknown to libnl 3.7) and routes need
 * RTA_EXPIRES and RTA_PREF (no setters in libnl).  Every request, the libnl
 * link messages included, goes out on one libmnl socket with extended ACKs
 * so that an error can be logged with the kernel's own explanation.
 *
 * Order of a reconciliation: adopted objects in `want` confirmed, stale
 * links out, wanted links in (VRFs before the sub-interfaces enslaved to
 * them), then addresses, then routes (which need the addresses' devices),
 * each stage removing stale objects before adding: with ipvlan, an address
 * moving between two sub-interfaces of one parent must leave the old one
 * first.
 *
 * Ownership of links is the record of what we created (owned.c), checked
 * against the kernel at start and kept in step with every create, delete
 * and RTM_DELLINK; a link's name alone proves nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/utsname.h>

#include <ev.h>
#include <libmnl/libmnl.h>
#include <linux/icmpv6.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/cache.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/ipvlan.h>
#include <netlink/route/link/macvlan.h>
#include <netlink/route/link/vrf.h>

#include "kernel.h"
#include "log.h"
#include "owned.h"

#define KERNEL_BUF_SIZE         (64 * 1024)     /* > any single dump skb */
#define KERNEL_MSG_SIZE         1024            /* our address and route requests */
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

static void kernel_freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(kernel_freep)

static void kernel_link_putp(struct rtnl_link **l)
{
	if (*l)
		rtnl_link_put(*l);
}
#define _cleanup_link_ _cleanup_(kernel_link_putp)

static void kernel_nlmsg_freep(struct nl_msg **m)
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

static void *kernel_vec_push(struct kernel_vec *a)
{
	void *p;

	if (a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 32;

		p = reallocarray(a->v, cap, a->size);
		if (!p)
			return NULL;
		a->v = p;
		a->cap = cap;
	}
	p = (char *)a->v + a->n++ * a->size;
	memset(p, 0, a->size);
	return p;
}

static void kernel_vec_done(struct kernel_vec *a)
{
	free(a->v);
	*a = (struct kernel_vec) { .size = a->size };
}

static void kernel_vec_remove(struct kernel_vec *a, size_t i)
{
	char *p = (char *)a->v + i * a->size;

	memmove(p, p + a->size, (a->n - i - 1) * a->size);
	a->n--;
}

/* An address or route as the kernel reports it. */
struct kernel_addr {
	int ifindex;
	struct in6_addr addr;
	uint8_t plen;
	uint8_t proto;
	uint32_t flags;
	bool gone;
};

struct kernel_route {
	uint8_t family;         /* AF_INET6 or AF_INET (dst, gw: first 4 bytes) */
	uint32_t table;
	struct in6_addr dst, gw;
	uint8_t plen, proto, type;
	int oif;
	uint32_t metric;
	bool gone;
};

/* A link we made, as recorded; `adopted`: re-adopted at start and not yet
 * in a desired state, so kept while the grace period lasts. */
struct kernel_owned {
	struct owned_link l;
	bool adopted;
};

struct kernel {
	struct ev_loop *loop;
	struct kernel_config cfg;
	char prefix[IFNAMSIZ];
	struct kernel_events ev;
	void *userdata;

	struct mnl_socket *req;         /* requests and dumps, extended ACKs */
	uint32_t seq;
	char *req_buf;

	struct mnl_socket *mon;         /* RTNLGRP_LINK + RTNLGRP_IPV6_IFADDR */
	char *mon_buf;
	ev_io mon_io;

	struct nl_sock *sk;             /* libnl: fills the link cache */
	struct nl_cache *links;

	char owned_path[PATH_MAX];
	struct kernel_vec owned;        /* struct kernel_owned: the links we made */
	struct kernel_vec adopted_routes;       /* struct kernel_route: ours at start, unconfirmed */
	struct kernel_vec adopted_addrs;        /* struct kernel_addr: ours at start, unconfirmed */
	struct kernel_vec foreign_seen; /* int: ifindexes of foreign links named like ours, logged */
};

/* ---- small helpers ---- */

static void kernel_keep_first(int *first, int r)
{
	if (r < 0 && *first == 0)
		*first = r;
}

/* Logs "cannot WHAT: strerror (extack)" once, where the failure is handled. */
__attribute__((format(printf, 3, 4)))
static int kernel_fail(int r, const char *ext, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (ext && ext[0])
		log_error("cannot %s: %s (%s)", what, strerror(-r), ext);
	else
		log_error("cannot %s: %s", what, strerror(-r));
	return r;
}

static const char *kernel_in6_str(const struct in6_addr *a, char buf[INET6_ADDRSTRLEN])
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

static const char *kernel_subif_kind_name(enum kernel_subif_kind kind)
{
	switch (kind) {
	case KERNEL_SUBIF_IPVLAN:
		return "ipvlan";
	case KERNEL_SUBIF_MACVLAN:
		return "macvlan";
	}
	return "?";
}

static int kernel_nlerr(int nlerr)
{
	return nlerr == -NLE_NOMEM ? -ENOMEM : -EIO;
}

/* ---- netlink transport (libmnl) ---- */

typedef int (*kernel_msg_fn)(const struct nlmsghdr *h, void *data);

/* The NLMSGERR_ATTR_MSG of an error ACK, if the kernel sent one. */
static void kernel_extack(const struct nlmsghdr *h, char *ext, size_t extlen)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(h);
	const struct nlattr *attr;
	size_t off = sizeof(*err);

	if (!ext || !extlen || !(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	/* Without NETLINK_CAP_ACK the request is echoed before the TLVs. */
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (h->nlmsg_len < mnl_nlmsg_size(off))
		return;
	mnl_attr_for_each(attr, h, off) {
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0) {
			snprintf(ext, extlen, "%s", mnl_attr_get_str(attr));
			return;
		}
	}
}

/*
 * Send one request and read its answer: the ACK, or for a dump every part
 * (handed to fn) up to NLMSG_DONE.  Returns 0 or the kernel's -errno with
 * its extack message in ext; -EAGAIN when a dump was interrupted by a
 * change (NLM_F_DUMP_INTR) and must be redone.
 */
static int kernel_talk(struct kernel *k, struct nlmsghdr *nlh, kernel_msg_fn fn, void *data,
		       char *ext, size_t extlen)
{
	uint32_t seq = ++k->seq;
	/* Not from the flags: NLM_F_DUMP's bits double as REPLACE/EXCL on NEW requests. */
	bool dump = (nlh->nlmsg_type & 3) == 2 && (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	bool intr = false;
	int ret = 0;

	if (ext && extlen)
		ext[0] = '\0';
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = 0;
	nlh->nlmsg_flags |= NLM_F_REQUEST | (dump ? 0 : NLM_F_ACK);
	if (mnl_socket_sendto(k->req, nlh, nlh->nlmsg_len) < 0)
		return -errno;

	for (;;) {
		const struct nlmsghdr *h;
		ssize_t n;
		int len;

		n = mnl_socket_recvfrom(k->req, k->req_buf, KERNEL_BUF_SIZE);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		len = (int)n;
		for (h = (const struct nlmsghdr *)k->req_buf; mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len)) {
			if (h->nlmsg_seq != seq)
				continue;       /* an answer to an earlier, abandoned request */
			if (h->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *err = mnl_nlmsg_get_payload(h);

				if (h->nlmsg_len < mnl_nlmsg_size(sizeof(*err)))
					return -EBADMSG;
				if (err->error == 0)
					return ret;
				kernel_extack(h, ext, extlen);
				return err->error;
			}
			if (h->nlmsg_type == NLMSG_DONE) {
				if (h->nlmsg_len >= mnl_nlmsg_size(sizeof(int))) {
					int e = *(const int *)mnl_nlmsg_get_payload(h);

					if (e < 0)
						return e;
				}
				return ret == 0 && intr ? -EAGAIN : ret;
			}
			if (h->nlmsg_type < NLMSG_MIN_TYPE)
				continue;
			if (fn && ret == 0) {
				int r = fn(h, data);

				if (r < 0)
					ret = r;        /* keep reading to the end of the answer */
			}
		}
	}
}

/* ---- owned links: the record of what we made ---- */

static int kernel_routes_dump(struct kernel *k, uint32_t table, struct kernel_vec *vec);
static int kernel_route_delete(struct kernel *k, const struct kernel_route *rt);

static bool kernel_owned_name(const struct kernel *k, const char *name)
{
	return name && !strncmp(name, k->prefix, strlen(k->prefix));
}

static struct kernel_owned *kernel_owned_get(struct kernel *k, int ifindex)
{
	struct kernel_owned *o = k->owned.v;

	for (size_t i = 0; i < k->owned.n; i++)
		if (o[i].l.ifindex == ifindex)
			return &o[i];
	return NULL;
}

static struct kernel_owned *kernel_owned_by_name(struct kernel *k, const char *name)
{
	struct kernel_owned *o = k->owned.v;

	for (size_t i = 0; i < k->owned.n; i++)
		if (!strcmp(o[i].l.name, name))
			return &o[i];
	return NULL;
}

/* The record of a cached link if we made it: same ifindex and name. */
static struct kernel_owned *kernel_link_owned(struct kernel *k, struct rtnl_link *link)
{
	struct kernel_owned *o;

	if (!link)
		return NULL;
	o = kernel_owned_get(k, rtnl_link_get_ifindex(link));
	return o && !strcmp(o->l.name, rtnl_link_get_name(link) ?: "") ? o : NULL;
}

/* Only the tables of our VRFs hold routes of ours. */
static bool kernel_table_owned(struct kernel *k, uint32_t table)
{
	const struct kernel_owned *o = k->owned.v;

	for (size_t i = 0; i < k->owned.n; i++)
		if (o[i].l.kind == OWNED_VRF && o[i].l.table == table)
			return true;
	return false;
}

static bool kernel_route_ours(struct kernel *k, const struct kernel_route *rt)
{
	return rt->proto == k->cfg.route_proto && kernel_table_owned(k, rt->table);
}

static bool kernel_addr_ours(struct kernel *k, const struct kernel_addr *a)
{
	return a->proto == k->cfg.addr_proto && kernel_owned_get(k, a->ifindex);
}

static int kernel_owned_save(struct kernel *k)
{
	const struct kernel_owned *o = k->owned.v;
	_cleanup_free_ struct owned_link *links = calloc(k->owned.n + 1, sizeof(*links));
	int r;

	if (!links)
		return kernel_fail(-ENOMEM, NULL, "write %s", k->owned_path);
	for (size_t i = 0; i < k->owned.n; i++)
		links[i] = o[i].l;
	r = owned_save(k->owned_path, links, k->owned.n);
	if (r < 0)
		return kernel_fail(r, NULL, "write %s", k->owned_path);
	return 0;
}

/* Record a link we have just made (read back from the kernel). */
static int kernel_owned_add(struct kernel *k, struct rtnl_link *link, enum owned_kind kind)
{
	struct kernel_owned *o = kernel_vec_push(&k->owned);

	if (!o)
		return kernel_fail(-ENOMEM, NULL, "record link '%s'", rtnl_link_get_name(link));
	o->l.kind = kind;
	snprintf(o->l.name, sizeof(o->l.name), "%s", rtnl_link_get_name(link));
	o->l.ifindex = rtnl_link_get_ifindex(link);
	if (kind == OWNED_VRF) {
		(void)rtnl_link_vrf_get_tableid(link, &o->l.table);
	} else {
		o->l.parent = rtnl_link_get_link(link);
		o->l.master = rtnl_link_get_master(link);
	}
	return kernel_owned_save(k);
}

/* An adopted VRF stays adopted while one of its adopted sub-interfaces is
 * there: the links it served are still up for the grace period. */
static void kernel_release_unheld_vrfs(struct kernel *k)
{
	struct kernel_owned *o = k->owned.v;

	for (size_t i = 0; i < k->owned.n; i++) {
		bool held = false;

		if (!o[i].adopted || o[i].l.kind != OWNED_VRF)
			continue;
		for (size_t j = 0; j < k->owned.n && !held; j++)
			held = o[j].adopted && o[j].l.kind != OWNED_VRF && o[j].l.master == o[i].l.ifindex;
		o[i].adopted = held;
	}
}

/* The link is gone (or no longer what we made): forget it and what was
 * adopted on it.  The kernel removes a sub-interface with its parent and
 * announces the sub-interface first: its VRF is released then, not when
 * the parent's RTM_DELLINK finds no sub-interface left to match. */
static void kernel_owned_forget(struct kernel *k, int ifindex)
{
	struct kernel_owned *o = kernel_owned_get(k, ifindex);
	struct kernel_addr *a = k->adopted_addrs.v;
	bool adopted_subif;

	if (!o)
		return;
	adopted_subif = o->adopted && o->l.kind != OWNED_VRF;
	kernel_vec_remove(&k->owned, (size_t)(o - (struct kernel_owned *)k->owned.v));
	for (size_t i = k->adopted_addrs.n; i-- > 0;)
		if (a[i].ifindex == ifindex)
			kernel_vec_remove(&k->adopted_addrs, i);
	if (adopted_subif)
		kernel_release_unheld_vrfs(k);
	(void)kernel_owned_save(k);
}

/* Drop records whose link vanished or was renamed behind our back (a
 * sub-interface goes with its parent).  Only after a complete refill: a
 * partial cache would disown live links. */
static void kernel_owned_prune(struct kernel *k)
{
	const struct kernel_owned *o = k->owned.v;

	for (size_t i = k->owned.n; i-- > 0;) {
		_cleanup_link_ struct rtnl_link *link = rtnl_link_get(k->links, o[i].l.ifindex);

		if (link && !strcmp(rtnl_link_get_name(link) ?: "", o[i].l.name))
			continue;
		log_info("%s '%s' (ifindex %d) that pvd-vrfd made is gone", owned_kind_to_string(o[i].l.kind),
			 o[i].l.name, o[i].l.ifindex);
		kernel_owned_forget(k, o[i].l.ifindex);
	}
}

static bool kernel_foreign_seen(struct kernel *k, int ifindex)
{
	const int *seen = k->foreign_seen.v;
	int *p;

	for (size_t i = 0; i < k->foreign_seen.n; i++)
		if (seen[i] == ifindex)
			return true;
	p = kernel_vec_push(&k->foreign_seen);
	if (p)
		*p = ifindex;
	return false;
}

/* A link named like ours that we did not make is someone else's: say so
 * once, then leave it alone. */
static void kernel_foreign_note(struct kernel *k)
{
	for (struct nl_object *obj = nl_cache_get_first(k->links); obj; obj = nl_cache_get_next(obj)) {
		struct rtnl_link *link = (struct rtnl_link *)obj;
		const char *name = rtnl_link_get_name(link);

		if (!kernel_owned_name(k, name) || kernel_link_owned(k, link) ||
		    kernel_foreign_seen(k, rtnl_link_get_ifindex(link)))
			continue;
		log_warning("%s link '%s' (ifindex %d) is named like ours but pvd-vrfd did not make it: leaving it alone",
			    rtnl_link_get_type(link) ?: "plain", name, rtnl_link_get_ifindex(link));
	}
}

/* ---- the link cache (libnl) ---- */

static int kernel_links_refill(struct kernel *k)
{
	int r = nl_cache_refill(k->sk, k->links);

	if (r < 0) {
		log_error("cannot read the kernel's link list: %s", nl_geterror(r));
		return kernel_nlerr(r);
	}
	kernel_owned_prune(k);
	kernel_foreign_note(k);
	return 0;
}

static bool kernel_flags_up(unsigned flags)
{
	return (flags & IFF_UP) && (flags & IFF_LOWER_UP);
}

static int kernel_link_send(struct kernel *k, struct nl_msg *msg, char *ext, size_t extlen)
{
	return kernel_talk(k, nlmsg_hdr(msg), NULL, NULL, ext, extlen);
}

/* Fetch one link straight from the kernel (the cache lags behind our own changes). */
static int kernel_link_fetch(struct kernel *k, const char *name, struct rtnl_link **ret)
{
	int r = rtnl_link_get_kernel(k->sk, 0, name, ret);

	return r < 0 ? (r == -NLE_OBJ_NOTFOUND || r == -NLE_NODEV ? -ENODEV : kernel_nlerr(r)) : 0;
}

static int kernel_link_delete(struct kernel *k, struct rtnl_link *link, const char *what)
{
	_cleanup_nlmsg_ struct nl_msg *msg = NULL;
	char ext[KERNEL_EXTACK_MAX];
	int r;

	r = rtnl_link_build_delete_request(link, &msg);
	if (r < 0)
		return kernel_fail(kernel_nlerr(r), NULL, "delete %s '%s'", what, rtnl_link_get_name(link));
	r = kernel_link_send(k, msg, ext, sizeof(ext));
	if (r == -ENODEV)
		return 0;       /* gone already, e.g. with its master */
	if (r < 0)
		return kernel_fail(r, ext, "delete %s '%s'", what, rtnl_link_get_name(link));
	log_info("removed %s '%s'", what, rtnl_link_get_name(link));
	return 0;
}

/* Apply `changes` (built by the caller) to an existing link. */
static int kernel_link_change(struct kernel *k, struct rtnl_link *link, struct rtnl_link *changes,
			      const char *what)
{
	_cleanup_nlmsg_ struct nl_msg *msg = NULL;
	char ext[KERNEL_EXTACK_MAX];
	int r;

	r = rtnl_link_build_change_request(link, changes, 0, &msg);
	if (r < 0)
		return kernel_fail(kernel_nlerr(r), NULL, "change %s '%s'", what, rtnl_link_get_name(link));
	r = kernel_link_send(k, msg, ext, sizeof(ext));
	if (r < 0)
		return kernel_fail(r, ext, "change %s '%s'", what, rtnl_link_get_name(link));
	return 0;
}

/* Our routes left in a table whose VRF we deleted: unreachable routes are on
 * no device of the VRF and outlive it.  The table was ours until now. */
static int kernel_table_flush(struct kernel *k, uint32_t table)
{
	struct kernel_vec routes = { .size = sizeof(struct kernel_route) };
	struct kernel_route *rt = k->adopted_routes.v;
	int first = 0;

	for (size_t i = k->adopted_routes.n; i-- > 0;)
		if (rt[i].table == table)
			kernel_vec_remove(&k->adopted_routes, i);
	first = kernel_routes_dump(k, table, &routes);
	rt = routes.v;
	for (size_t i = 0; first == 0 && i < routes.n; i++)
		if (rt[i].proto == k->cfg.route_proto)
			kernel_keep_first(&first, kernel_route_delete(k, &rt[i]));
	kernel_vec_done(&routes);
	return first;
}

/* Delete a link we made and forget it; with a VRF, our routes in its table. */
static int kernel_owned_delete(struct kernel *k, int ifindex)
{
	_cleanup_link_ struct rtnl_link *link = rtnl_link_get(k->links, ifindex);
	struct owned_link l = kernel_owned_get(k, ifindex)->l;
	int r;

	if (link) {
		r = kernel_link_delete(k, link, l.kind == OWNED_VRF ? "VRF" : "sub-interface");
		if (r < 0)
			return r;
	}
	kernel_owned_forget(k, ifindex);
	return l.kind == OWNED_VRF ? kernel_table_flush(k, l.table) : 0;
}

/* The name of a VRF other than `except` that uses `table`, if any. */
static bool kernel_table_user(struct kernel *k, uint32_t table, struct rtnl_link *except, char ret[IFNAMSIZ])
{
	for (struct nl_object *obj = nl_cache_get_first(k->links); obj; obj = nl_cache_get_next(obj)) {
		struct rtnl_link *link = (struct rtnl_link *)obj;
		uint32_t t;

		if (link == except || !rtnl_link_is_vrf(link) || rtnl_link_vrf_get_tableid(link, &t) < 0 || t != table)
			continue;
		snprintf(ret, IFNAMSIZ, "%s", rtnl_link_get_name(link));
		return true;
	}
	return false;
}

/* ---- per-device IPv6 sysctls ---- */

/* Set /proc/sys/net/ipv6/conf/DEV/KEY to value unless it has it already. */
static int kernel_sysctl_ensure(const char *dev, const char *key, const char *value)
{
	char path[128], cur[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/%s", dev, key);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, cur, sizeof(cur) - 1);
	if (n > 0) {
		cur[n] = '\0';
		cur[strcspn(cur, "\n")] = '\0';
		if (!strcmp(cur, value)) {
			close(fd);
			return 0;
		}
	}
	n = pwrite(fd, value, strlen(value), 0);
	if (n < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	close(fd);
	log_debug("set net.ipv6.conf.%s.%s = %s", dev, key, value);
	return 0;
}

/* The kernel's own RA processing stays off on our sub-interfaces: the
 * daemon configures them from the RAs of exactly one PvD. */
static int kernel_subif_sysctls(const char *dev)
{
	static const char *const keys[] = { "accept_ra", "autoconf" };
	int first = 0;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		int r = kernel_sysctl_ensure(dev, keys[i], "0");

		if (r < 0)
			kernel_keep_first(&first, kernel_fail(r, NULL, "set net.ipv6.conf.%s.%s = 0", dev, keys[i]));
	}
	return first;
}

/* ---- VRFs ---- */

static int kernel_vrf_create(struct kernel *k, const struct kvrf *v)
{
	_cleanup_link_ struct rtnl_link *link = NULL;
	_cleanup_nlmsg_ struct nl_msg *msg = NULL;
	char ext[KERNEL_EXTACK_MAX];
	int r;

	link = rtnl_link_vrf_alloc();
	if (!link)
		return kernel_fail(-ENOMEM, NULL, "create VRF '%s'", v->name);
	rtnl_link_set_name(link, v->name);
	r = rtnl_link_vrf_set_tableid(link, v->table);
	if (r >= 0) {
		/* IFLA_IFALIAS is ignored on creation (6.1); set below too. */
		rtnl_link_set_ifalias(link, v->alias);
		rtnl_link_set_flags(link, IFF_UP);
		r = rtnl_link_build_add_request(link, NLM_F_CREATE | NLM_F_EXCL, &msg);
	}
	if (r < 0)
		return kernel_fail(kernel_nlerr(r), NULL, "create VRF '%s' table %u", v->name, v->table);
	r = kernel_link_send(k, msg, ext, sizeof(ext));
	if (r < 0)
		return kernel_fail(r, ext, "create VRF '%s' table %u", v->name, v->table);
	log_info("created VRF '%s' table %u", v->name, v->table);
	return 0;
}

/* Apply `changes` to a link of ours and bring it up if it is down: the last
 * step of making a VRF or a sub-interface right.  `fixed` says what the
 * changes fix, NULL if nothing but the up state may need it. */
static int kernel_link_settle(struct kernel *k, struct rtnl_link *link, struct rtnl_link *changes,
			      const char *fixed, const char *what, bool *changed)
{
	bool up = !(rtnl_link_get_flags(link) & IFF_UP);
	int r;

	if (up)
		rtnl_link_set_flags(changes, IFF_UP);
	if (!fixed && !up)
		return 0;
	r = kernel_link_change(k, link, changes, what);
	if (r < 0)
		return r;
	*changed = true;
	if (fixed)
		log_info("%s '%s': %s", what, rtnl_link_get_name(link), fixed);
	if (up)
		log_info("%s '%s': brought up", what, rtnl_link_get_name(link));
	return 0;
}

static int kernel_vrf_apply(struct kernel *k, const struct kvrf *v, bool *changed)
{
	_cleanup_link_ struct rtnl_link *link = NULL;
	_cleanup_link_ struct rtnl_link *changes = NULL;
	const struct kernel_owned *o;
	char fixed[300] = "", other[IFNAMSIZ];
	const char *alias;
	uint32_t table = 0;
	int r;

	if (!kernel_owned_name(k, v->name))
		return kernel_fail(-EINVAL, NULL, "create VRF '%s': name lacks the prefix '%s'", v->name, k->prefix);
	link = rtnl_link_get_by_name(k->links, v->name);
	o = kernel_link_owned(k, link);
	if (link && (!o || o->l.kind != OWNED_VRF))
		return kernel_fail(-EEXIST, NULL, "create VRF '%s': a %s link of that name, not a VRF we made, is in the way",
				   v->name, rtnl_link_get_type(link) ?: "plain");
	if (kernel_table_user(k, v->table, link, other))
		return kernel_fail(-EEXIST, NULL, "create VRF '%s': VRF '%s' uses table %u", v->name, other, v->table);
	if (link && (rtnl_link_vrf_get_tableid(link, &table) < 0 || table != v->table)) {
		/* The kernel cannot change a VRF's table: make it anew. */
		log_info("VRF '%s' has table %u, wanted %u: re-creating it", v->name, table, v->table);
		r = kernel_owned_delete(k, rtnl_link_get_ifindex(link));
		if (r < 0)
			return r;
		*changed = true;
		rtnl_link_put(link);
		link = NULL;
	}
	if (!link) {
		r = kernel_vrf_create(k, v);
		if (r < 0)
			return r;
		*changed = true;
		r = kernel_link_fetch(k, v->name, &link);
		if (r < 0)
			return kernel_fail(r, NULL, "read back VRF '%s'", v->name);
		r = kernel_owned_add(k, link, OWNED_VRF);
		if (r < 0)
			return r;
	}

	changes = rtnl_link_alloc();
	if (!changes)
		return kernel_fail(-ENOMEM, NULL, "change VRF '%s'", v->name);
	alias = rtnl_link_get_ifalias(link);
	if (strcmp(alias ?: "", v->alias)) {
		rtnl_link_set_ifalias(changes, v->alias);
		snprintf(fixed, sizeof(fixed), "alias set to '%s'", v->alias);
	}
	return kernel_link_settle(k, link, changes, fixed[0] ? fixed : NULL, "VRF", changed);
}

/* ---- sub-interfaces ---- */

/* Is an existing owned sub-interface of the configured kind, mode and parent? */
static bool kernel_subif_matches(const struct kernel *k, struct rtnl_link *link, int parent)
{
	uint16_t mode;

	if (rtnl_link_get_link(link) != parent)
		return false;
	switch (k->cfg.subif_kind) {
	case KERNEL_SUBIF_IPVLAN:
		return rtnl_link_is_ipvlan(link) && rtnl_link_ipvlan_get_mode(link, &mode) >= 0 &&
		       mode == IPVLAN_MODE_L2;
	case KERNEL_SUBIF_MACVLAN:
		return rtnl_link_is_macvlan(link) && rtnl_link_macvlan_get_mode(link) == MACVLAN_MODE_BRIDGE;
	}
	return false;
}

static int kernel_subif_create(struct kernel *k, const struct ksubif *s, int vrf_ifindex)
{
	_cleanup_link_ struct rtnl_link *link = NULL;
	_cleanup_nlmsg_ struct nl_msg *msg = NULL;
	const char *kind = kernel_subif_kind_name(k->cfg.subif_kind);
	char ext[KERNEL_EXTACK_MAX];
	int r = 0;

	switch (k->cfg.subif_kind) {
	case KERNEL_SUBIF_IPVLAN:
		/* L2: shares the parent's MAC (works on Wi-Fi); each slave still
		 * gets its own link-local address, from its dev_id. */
		link = rtnl_link_ipvlan_alloc();
		if (link)
			r = rtnl_link_ipvlan_set_mode(link, IPVLAN_MODE_L2);
		break;
	case KERNEL_SUBIF_MACVLAN:
		/* Bridge mode: sub-interfaces of one parent reach each other,
		 * and passthru allows only one per parent. */
		link = rtnl_link_macvlan_alloc();
		if (link)
			r = rtnl_link_macvlan_set_mode(link, MACVLAN_MODE_BRIDGE);
		break;
	}
	if (!link)
		return kernel_fail(-ENOMEM, NULL, "create %s '%s'", kind, s->name);
	rtnl_link_set_name(link, s->name);
	rtnl_link_set_link(link, s->parent_ifindex);
	/* Enslaved while still down: enslaving an up device cycles it,
	 * which flushes its addresses.  Brought up after the sysctls. */
	rtnl_link_set_master(link, vrf_ifindex);
	if (r >= 0)
		r = rtnl_link_build_add_request(link, NLM_F_CREATE | NLM_F_EXCL, &msg);
	if (r < 0)
		return kernel_fail(kernel_nlerr(r), NULL, "create %s '%s'", kind, s->name);
	r = kernel_link_send(k, msg, ext, sizeof(ext));
	if (r < 0)
		return kernel_fail(r, ext, "create %s '%s' on ifindex %d in VRF '%s'", kind, s->name,
				   s->parent_ifindex, s->vrf);
	log_info("created %s '%s' on ifindex %d in VRF '%s'", kind, s->name, s->parent_ifindex, s->vrf);
	return 0;
}

static int kernel_subif_apply(struct kernel *k, const struct ksubif *s, bool *changed)
{
	_cleanup_link_ struct rtnl_link *vrf = NULL;
	_cleanup_link_ struct rtnl_link *parent = NULL;
	_cleanup_link_ struct rtnl_link *link = NULL;
	_cleanup_link_ struct rtnl_link *changes = NULL;
	const struct kernel_owned *vo, *o;
	struct kernel_owned *rec;
	char fixed[64] = "";
	int r, vrf_ifindex;

	if (!kernel_owned_name(k, s->name))
		return kernel_fail(-EINVAL, NULL, "create sub-interface '%s': name lacks the prefix '%s'",
				   s->name, k->prefix);
	vrf = rtnl_link_get_by_name(k->links, s->vrf);
	vo = kernel_link_owned(k, vrf);
	if (!vo || vo->l.kind != OWNED_VRF)
		return kernel_fail(-ENODEV, NULL, "create sub-interface '%s': no VRF '%s' of ours", s->name, s->vrf);
	vrf_ifindex = rtnl_link_get_ifindex(vrf);
	parent = rtnl_link_get(k->links, s->parent_ifindex);
	if (!parent)
		return kernel_fail(-ENODEV, NULL, "create sub-interface '%s': no parent link with ifindex %d",
				   s->name, s->parent_ifindex);

	link = rtnl_link_get_by_name(k->links, s->name);
	o = kernel_link_owned(k, link);
	if (link && (!o || o->l.kind == OWNED_VRF))
		return kernel_fail(-EEXIST, NULL,
				   "create sub-interface '%s': a %s link of that name, not a sub-interface we made, is in the way",
				   s->name, rtnl_link_get_type(link) ?: "plain");
	if (link && !kernel_subif_matches(k, link, s->parent_ifindex)) {
		log_info("sub-interface '%s' is not a %s of '%s': re-creating it", s->name,
			 kernel_subif_kind_name(k->cfg.subif_kind), rtnl_link_get_name(parent));
		r = kernel_owned_delete(k, rtnl_link_get_ifindex(link));
		if (r < 0)
			return r;
		*changed = true;
		rtnl_link_put(link);
		link = NULL;
	}
	if (!link) {
		r = kernel_subif_create(k, s, vrf_ifindex);
		if (r < 0)
			return r;
		*changed = true;
		r = kernel_link_fetch(k, s->name, &link);
		if (r < 0)
			return kernel_fail(r, NULL, "read back sub-interface '%s'", s->name);
		r = kernel_owned_add(k, link, k->cfg.subif_kind == KERNEL_SUBIF_MACVLAN ? OWNED_MACVLAN : OWNED_IPVLAN);
		if (r < 0)
			return r;
	}

	r = kernel_subif_sysctls(s->name);
	if (r < 0)
		return r;       /* never up with the kernel's RA processing on */

	changes = rtnl_link_alloc();
	if (!changes)
		return kernel_fail(-ENOMEM, NULL, "change sub-interface '%s'", s->name);
	if (rtnl_link_get_master(link) != vrf_ifindex) {
		rtnl_link_set_master(changes, vrf_ifindex);
		snprintf(fixed, sizeof(fixed), "enslaved to VRF '%s'", s->vrf);
	}
	r = kernel_link_settle(k, link, changes, fixed[0] ? fixed : NULL, "sub-interface", changed);
	rec = kernel_owned_get(k, rtnl_link_get_ifindex(link));
	if (r == 0 && rec && rec->l.master != vrf_ifindex) {
		rec->l.master = vrf_ifindex;    /* what a restart checks */
		r = kernel_owned_save(k);
	}
	return r;
}

/* ---- links: stale removal and the whole stage ---- */

static bool kernel_want_vrf(const struct kernel_state *want, const char *name)
{
	for (size_t i = 0; i < want->n_vrfs; i++)
		if (!strcmp(want->vrfs[i].name, name))
			return true;
	return false;
}

static bool kernel_want_subif(const struct kernel_state *want, const char *name)
{
	for (size_t i = 0; i < want->n_subifs; i++)
		if (!strcmp(want->subifs[i].name, name))
			return true;
	return false;
}

/* Is an owned link kept although `want` lacks it?  Adopted and unconfirmed,
 * and for a sub-interface, its VRF stays too (a PvD withdrawn for good takes
 * its adopted sub-interfaces along). */
static bool kernel_link_kept(struct kernel *k, const struct kernel_state *want, const struct kernel_owned *o)
{
	const struct kernel_owned *vrf;

	if (!o->adopted)
		return false;
	if (o->l.kind == OWNED_VRF)
		return true;
	vrf = kernel_owned_get(k, o->l.master);
	return vrf && (vrf->adopted || kernel_want_vrf(want, vrf->l.name));
}

/* Delete the VRFs (or sub-interfaces) we made that `want` lacks, except
 * adopted ones still unconfirmed; want NULL: all of them. */
static int kernel_links_remove(struct kernel *k, const struct kernel_state *want, bool vrfs, bool *changed)
{
	int first = 0;

	/* Backwards: a deletion removes its record. */
	for (size_t i = k->owned.n; i-- > 0;) {
		const struct kernel_owned *o = (const struct kernel_owned *)k->owned.v + i;
		bool vrf = o->l.kind == OWNED_VRF;

		if (vrf != vrfs)
			continue;
		if (want && (kernel_link_kept(k, want, o) ||
			     (vrf ? kernel_want_vrf(want, o->l.name) : kernel_want_subif(want, o->l.name))))
			continue;
		kernel_keep_first(&first, kernel_owned_delete(k, o->l.ifindex));
		*changed = true;
	}
	return first;
}

static int kernel_links_apply(struct kernel *k, const struct kernel_state *want)
{
	bool changed = false;
	int first = 0, r;

	r = kernel_links_refill(k);
	if (r < 0)
		return r;
	kernel_keep_first(&first, kernel_links_remove(k, want, false, &changed));
	kernel_keep_first(&first, kernel_links_remove(k, want, true, &changed));
	for (size_t i = 0; i < want->n_vrfs; i++)
		kernel_keep_first(&first, kernel_vrf_apply(k, &want->vrfs[i], &changed));
	if (changed) {
		/* Sub-interfaces look their VRF up in the cache. */
		r = kernel_links_refill(k);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < want->n_subifs; i++)
		kernel_keep_first(&first, kernel_subif_apply(k, &want->subifs[i], &changed));
	if (changed) {
		r = kernel_links_refill(k);
		kernel_keep_first(&first, r);
	}
	return first;
}

/* ---- addresses (libmnl: IFA_PROTO) ---- */

/* Parse an IPv6 RTM_NEWADDR/RTM_DELADDR; returns false for anything else. */
static bool kernel_addr_parse(const struct nlmsghdr *h, struct kernel_addr *ret)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(h);
	const struct nlattr *attr;
	bool have_addr = false, have_local = false;
	struct kernel_addr a;

	if ((h->nlmsg_type != RTM_NEWADDR && h->nlmsg_type != RTM_DELADDR) ||
	    h->nlmsg_len < mnl_nlmsg_size(sizeof(*ifa)) || ifa->ifa_family != AF_INET6)
		return false;
	a = (struct kernel_addr) {
		.ifindex = (int)ifa->ifa_index,
		.plen = ifa->ifa_prefixlen,
		.flags = ifa->ifa_flags,
	};
	mnl_attr_for_each(attr, h, sizeof(*ifa)) {
		uint16_t type = mnl_attr_get_type(attr);

		if ((type == IFA_ADDRESS || type == IFA_LOCAL) &&
		    mnl_attr_get_payload_len(attr) == sizeof(struct in6_addr)) {
			/* IFA_LOCAL wins: IFA_ADDRESS is the peer when both differ. */
			if (type == IFA_LOCAL || !have_local)
				memcpy(&a.addr, mnl_attr_get_payload(attr), sizeof(a.addr));
			have_local |= type == IFA_LOCAL;
			have_addr = true;
		} else if (type == IFA_FLAGS && mnl_attr_validate(attr, MNL_TYPE_U32) >= 0) {
			a.flags = mnl_attr_get_u32(attr);
		} else if (type == IFA_PROTO && mnl_attr_validate(attr, MNL_TYPE_U8) >= 0) {
			a.proto = mnl_attr_get_u8(attr);
		}
	}
	if (!have_addr)
		return false;
	*ret = a;
	return true;
}

static int kernel_addr_collect(const struct nlmsghdr *h, void *data)
{
	struct kernel_vec *vec = data;
	struct kernel_addr a, *p;

	if (!kernel_addr_parse(h, &a))
		return 0;
	p = kernel_vec_push(vec);
	if (!p)
		return -ENOMEM;
	*p = a;
	return 0;
}

/* Dump one family's addresses or routes into vec (appending), retrying an
 * interrupted dump: it may be inconsistent.  `table` (routes only, 0: all)
 * asks the kernel to filter; with strict checking it does. */
static int kernel_dump(struct kernel *k, uint16_t type, uint8_t family, uint32_t table, kernel_msg_fn fn,
		       struct kernel_vec *vec, const char *what)
{
	size_t hdr = type == RTM_GETROUTE ? sizeof(struct rtmsg) : sizeof(struct ifaddrmsg), n0 = vec->n;
	char buf[KERNEL_MSG_SIZE];
	int r = -EAGAIN;

	for (int i = 0; i < KERNEL_DUMP_TRIES && r == -EAGAIN; i++) {
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		struct rtgenmsg *g;

		vec->n = n0;
		nlh->nlmsg_type = type;
		nlh->nlmsg_flags = NLM_F_DUMP;
		/* The family byte leads rtmsg and ifaddrmsg alike. */
		g = mnl_nlmsg_put_extra_header(nlh, hdr);
		g->rtgen_family = family;
		if (table)
			mnl_attr_put_u32(nlh, RTA_TABLE, table);
		r = kernel_talk(k, nlh, fn, vec, NULL, 0);
	}
	if (r == -ENOENT && table)
		return 0;       /* a table nobody ever made */
	if (r < 0)
		return kernel_fail(r, NULL, "read the kernel's %s %s", family == AF_INET ? "IPv4" : "IPv6", what);
	return 0;
}

static int kernel_addrs_dump(struct kernel *k, struct kernel_vec *vec)
{
	return kernel_dump(k, RTM_GETADDR, AF_INET6, 0, kernel_addr_collect, vec, "addresses");
}

static int kernel_addr_send(struct kernel *k, uint16_t type, uint16_t flags, int ifindex,
			    const struct in6_addr *addr, uint8_t plen, const struct kaddr *want,
			    char *ext, size_t extlen)
{
	char buf[KERNEL_MSG_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET6;
	ifa->ifa_prefixlen = plen;
	ifa->ifa_index = (uint32_t)ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, sizeof(*addr), addr);
	if (want) {
		struct ifa_cacheinfo ci = {
			.ifa_prefered = want->preferred,
			.ifa_valid = want->valid,
		};

		mnl_attr_put(nlh, IFA_CACHEINFO, sizeof(ci), &ci);
		/* The daemon installs the prefix route itself, in the VRF's table. */
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NOPREFIXROUTE);
		mnl_attr_put_u8(nlh, IFA_PROTO, k->cfg.addr_proto);
	}
	return kernel_talk(k, nlh, NULL, NULL, ext, extlen);
}

static int kernel_addr_delete(struct kernel *k, const struct kernel_addr *a)
{
	char ext[KERNEL_EXTACK_MAX], s[INET6_ADDRSTRLEN], dev[IFNAMSIZ];
	int r;

	r = kernel_addr_send(k, RTM_DELADDR, 0, a->ifindex, &a->addr, a->plen, NULL, ext, sizeof(ext));
	if (!rtnl_link_i2name(k->links, a->ifindex, dev, sizeof(dev)))
		snprintf(dev, sizeof(dev), "%d", a->ifindex);
	if (r == -EADDRNOTAVAIL || r == -ENODEV)
		return 0;       /* gone already */
	if (r < 0)
		return kernel_fail(r, ext, "delete address %s/%u from '%s'", kernel_in6_str(&a->addr, s), a->plen, dev);
	log_info("removed address %s/%u from '%s'", kernel_in6_str(&a->addr, s), a->plen, dev);
	return 0;
}

static struct kernel_addr *kernel_addr_find(struct kernel_vec *have, int ifindex, const struct in6_addr *addr)
{
	struct kernel_addr *a = have->v;

	for (size_t i = 0; i < have->n; i++)
		if (!a[i].gone && a[i].ifindex == ifindex && IN6_ARE_ADDR_EQUAL(&a[i].addr, addr))
			return &a[i];
	return NULL;
}

static bool kernel_addr_wanted(struct kernel *k, const struct kernel_state *want, const struct kernel_addr *a)
{
	for (size_t i = 0; i < want->n_addrs; i++) {
		const struct kaddr *w = &want->addrs[i];

		if (w->plen == a->plen && IN6_ARE_ADDR_EQUAL(&w->addr, &a->addr) &&
		    rtnl_link_name2i(k->links, w->dev) == a->ifindex)
			return true;
	}
	return false;
}

static int kernel_addr_apply(struct kernel *k, const struct kaddr *w, struct kernel_vec *have)
{
	char ext[KERNEL_EXTACK_MAX], s[INET6_ADDRSTRLEN];
	const struct kernel_owned *o;
	struct kernel_addr *cur;
	int ifindex, r;

	kernel_in6_str(&w->addr, s);
	o = kernel_owned_by_name(k, w->dev);
	if (!o)
		return kernel_fail(-ENODEV, NULL, "add address %s/%u on '%s': not a link we made", s, w->plen, w->dev);
	ifindex = o->l.ifindex;
	cur = kernel_addr_find(have, ifindex, &w->addr);
	if (cur && cur->proto != k->cfg.addr_proto)
		return kernel_fail(-EEXIST, NULL, "add address %s/%u on '%s': it is there already, with protocol %u",
				   s, w->plen, w->dev, cur->proto);
	if (cur && cur->plen != w->plen) {
		/* A replace keeps the old prefix length. */
		r = kernel_addr_delete(k, cur);
		if (r < 0)
			return r;
		cur->gone = true;
		cur = NULL;
	}
	r = kernel_addr_send(k, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, ifindex, &w->addr, w->plen, w,
			     ext, sizeof(ext));
	if (r < 0)
		return kernel_fail(r, ext, "add address %s/%u on '%s'", s, w->plen, w->dev);
	if (cur)
		log_debug("refreshed address %s/%u on '%s'", s, w->plen, w->dev);
	else
		log_info("added address %s/%u on '%s'", s, w->plen, w->dev);
	return 0;
}

static bool kernel_addr_adopted(struct kernel *k, const struct kernel_addr *a)
{
	const struct kernel_addr *ad = k->adopted_addrs.v;

	for (size_t i = 0; i < k->adopted_addrs.n; i++)
		if (ad[i].ifindex == a->ifindex && ad[i].plen == a->plen && IN6_ARE_ADDR_EQUAL(&ad[i].addr, &a->addr))
			return true;
	return false;
}

static int kernel_addrs_reconcile(struct kernel *k, const struct kernel_state *want)
{
	struct kernel_vec have = { .size = sizeof(struct kernel_addr) };
	struct kernel_addr *a;
	int first = 0, r;

	r = kernel_addrs_dump(k, &have);
	if (r < 0)
		goto out;
	a = have.v;
	for (size_t i = 0; i < have.n; i++) {
		if (!kernel_addr_ours(k, &a[i]) || kernel_addr_wanted(k, want, &a[i]) || kernel_addr_adopted(k, &a[i]))
			continue;
		r = kernel_addr_delete(k, &a[i]);
		kernel_keep_first(&first, r);
		if (r == 0)
			a[i].gone = true;
	}
	for (size_t i = 0; i < want->n_addrs; i++)
		kernel_keep_first(&first, kernel_addr_apply(k, &want->addrs[i], &have));
	r = first;
out:
	kernel_vec_done(&have);
	return r;
}

/* ---- routes (libmnl: RTA_EXPIRES, RTA_PREF) ---- */

static size_t kernel_family_addr_len(uint8_t family)
{
	return family == AF_INET ? sizeof(struct in_addr) : sizeof(struct in6_addr);
}

static int kernel_route_collect(const struct nlmsghdr *h, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(h);
	struct kernel_vec *vec = data;
	const struct nlattr *attr;
	struct kernel_route rt, *p;
	size_t alen;

	if (h->nlmsg_type != RTM_NEWROUTE || h->nlmsg_len < mnl_nlmsg_size(sizeof(*rtm)) ||
	    (rtm->rtm_family != AF_INET6 && rtm->rtm_family != AF_INET) || (rtm->rtm_flags & RTM_F_CLONED))
		return 0;
	rt = (struct kernel_route) {
		.family = rtm->rtm_family,
		.table = rtm->rtm_table,
		.plen = rtm->rtm_dst_len,
		.proto = rtm->rtm_protocol,
		.type = rtm->rtm_type,
	};
	alen = kernel_family_addr_len(rt.family);
	mnl_attr_for_each(attr, h, sizeof(*rtm)) {
		uint16_t type = mnl_attr_get_type(attr);

		if (type == RTA_TABLE && mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
			rt.table = mnl_attr_get_u32(attr);
		else if (type == RTA_DST && mnl_attr_get_payload_len(attr) == alen)
			memcpy(&rt.dst, mnl_attr_get_payload(attr), alen);
		else if (type == RTA_GATEWAY && mnl_attr_get_payload_len(attr) == alen)
			memcpy(&rt.gw, mnl_attr_get_payload(attr), alen);
		else if (type == RTA_OIF && mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
			rt.oif = (int)mnl_attr_get_u32(attr);
		else if (type == RTA_PRIORITY && mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
			rt.metric = mnl_attr_get_u32(attr);
	}
	p = kernel_vec_push(vec);
	if (!p)
		return -ENOMEM;
	*p = rt;
	return 0;
}

/* Both families' routes, of one table (0: all).  The table filter is applied
 * here too: without strict checking the kernel ignores it. */
static int kernel_routes_dump(struct kernel *k, uint32_t table, struct kernel_vec *vec)
{
	static const uint8_t families[] = { AF_INET6, AF_INET };
	struct kernel_route *rt;
	size_t n = 0;
	int r;

	for (size_t i = 0; i < sizeof(families); i++) {
		r = kernel_dump(k, RTM_GETROUTE, families[i], table, kernel_route_collect, vec, "routes");
		if (r < 0)
			return r;
	}
	rt = vec->v;
	for (size_t i = 0; table && i < vec->n; i++)
		if (rt[i].table == table)
			rt[n++] = rt[i];
	if (table)
		vec->n = n;
	return 0;
}

static uint32_t kernel_metric(uint32_t m)
{
	return m ? m : KERNEL_ROUTE_METRIC_DEFAULT;
}

static uint8_t kernel_pref(int8_t pref)
{
	if (pref > 0)
		return ICMPV6_ROUTER_PREF_HIGH;
	if (pref < 0)
		return ICMPV6_ROUTER_PREF_LOW;
	return ICMPV6_ROUTER_PREF_MEDIUM;
}

/* "route 2001:db8::/64 table 1001", "route default via fe80::1 table 1001",
 * "IPv4 route default table 1001" */
static const char *kernel_route_str(uint8_t family, uint32_t table, const struct in6_addr *dst, uint8_t plen,
				    const struct in6_addr *gw, char *buf, size_t len)
{
	char d[INET6_ADDRSTRLEN + 4], g[INET6_ADDRSTRLEN];
	char a[INET6_ADDRSTRLEN];
	const char *fam = family == AF_INET ? "IPv4 " : "";

	family = family == AF_INET ? AF_INET : AF_INET6;

	if (plen == 0 && IN6_IS_ADDR_UNSPECIFIED(dst))
		snprintf(d, sizeof(d), "default");
	else
		snprintf(d, sizeof(d), "%s/%u", inet_ntop(family, dst, a, sizeof(a)), plen);
	if (gw && !IN6_IS_ADDR_UNSPECIFIED(gw))
		snprintf(buf, len, "%sroute %s via %s table %u", fam, d, inet_ntop(family, gw, g, sizeof(g)), table);
	else
		snprintf(buf, len, "%sroute %s table %u", fam, d, table);
	return buf;
}

/* RTM_NEWROUTE from `want`, or RTM_DELROUTE of `rt` (want NULL). */
static int kernel_route_send(struct kernel *k, uint16_t type, uint16_t flags, const struct kernel_route *rt,
			     const struct kroute *want, char *ext, size_t extlen)
{
	size_t alen = kernel_family_addr_len(rt->family);
	char buf[KERNEL_MSG_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = rt->family;
	rtm->rtm_dst_len = rt->plen;
	rtm->rtm_table = rt->table < 256 ? (uint8_t)rt->table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = k->cfg.route_proto;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = want ? (want->unreachable ? RTN_UNREACHABLE : RTN_UNICAST) : rt->type;
	mnl_attr_put_u32(nlh, RTA_TABLE, rt->table);
	mnl_attr_put(nlh, RTA_DST, alen, &rt->dst);
	if (!IN6_IS_ADDR_UNSPECIFIED(&rt->gw))
		mnl_attr_put(nlh, RTA_GATEWAY, alen, &rt->gw);
	if (rt->oif > 0)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)rt->oif);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, rt->metric);
	if (want) {
		if (!want->unreachable)
			mnl_attr_put_u8(nlh, RTA_PREF, kernel_pref(want->pref));
		/* RTA_EXPIRES: seconds; the kernel turns it into RTF_EXPIRES. */
		if (want->lifetime != UINT32_MAX)
			mnl_attr_put_u32(nlh, RTA_EXPIRES, want->lifetime);
	}
	return kernel_talk(k, nlh, NULL, NULL, ext, extlen);
}

static int kernel_route_delete(struct kernel *k, const struct kernel_route *rt)
{
	char ext[KERNEL_EXTACK_MAX], s[128];
	int r;

	r = kernel_route_send(k, RTM_DELROUTE, 0, rt, NULL, ext, sizeof(ext));
	kernel_route_str(rt->family, rt->table, &rt->dst, rt->plen, &rt->gw, s, sizeof(s));
	if (r == -ESRCH || r == -ENOENT)
		return 0;       /* gone already (with its device, or expired) */
	if (r < 0)
		return kernel_fail(r, ext, "delete %s", s);
	log_info("removed %s", s);
	return 0;
}

static bool kernel_route_same_key(const struct kernel_route *rt, uint8_t family, uint32_t table,
				  const struct in6_addr *dst, uint8_t plen, uint32_t metric)
{
	return rt->family == family && rt->table == table && rt->plen == plen && rt->metric == metric &&
	       IN6_ARE_ADDR_EQUAL(&rt->dst, dst);
}

static bool kernel_route_wanted(const struct kernel_state *want, const struct kernel_route *rt)
{
	for (size_t i = 0; i < want->n_routes; i++) {
		const struct kroute *w = &want->routes[i];

		if (kernel_route_same_key(rt, w->family, w->table, &w->dst, w->plen, kernel_metric(w->metric)))
			return true;
	}
	return false;
}

static bool kernel_route_adopted(struct kernel *k, const struct kernel_route *rt)
{
	const struct kernel_route *ad = k->adopted_routes.v;

	for (size_t i = 0; i < k->adopted_routes.n; i++)
		if (kernel_route_same_key(rt, ad[i].family, ad[i].table, &ad[i].dst, ad[i].plen, ad[i].metric))
			return true;
	return false;
}

/* What kernel.h allows: IPv6 routes, and IPv4 only as unreachable routes
 * without expiry (vrf.rst's last resort; IPv4 has no RTA_EXPIRES). */
static const char *kernel_route_invalid(const struct kroute *w)
{
	if (w->family == AF_INET6)
		return w->plen > 128 ? "prefix length above 128" : NULL;
	if (w->family != AF_INET)
		return "family neither IPv4 nor IPv6";
	if (!w->unreachable || w->lifetime != UINT32_MAX || w->plen > 32)
		return "an IPv4 route must be unreachable and without expiry";
	return NULL;
}

static int kernel_route_apply(struct kernel *k, const struct kroute *w, struct kernel_vec *have)
{
	struct kernel_route rt = {
		.family = w->family,
		.table = w->table,
		.dst = w->dst,
		.gw = w->gw,
		.plen = w->plen,
		.metric = kernel_metric(w->metric),
	};
	const struct kernel_route *h = have->v;
	char ext[KERNEL_EXTACK_MAX], s[128];
	const struct kernel_owned *o = NULL;
	const char *bad = kernel_route_invalid(w);
	bool exists = false;
	int r;

	kernel_route_str(w->family, w->table, &w->dst, w->plen, &w->gw, s, sizeof(s));
	if (bad)
		return kernel_fail(-EINVAL, NULL, "add %s: %s", s, bad);
	if (!kernel_table_owned(k, w->table))
		return kernel_fail(-EINVAL, NULL, "add %s: no VRF we made has that table", s);
	if (!w->unreachable) {
		o = kernel_owned_by_name(k, w->dev);
		if (!o)
			return kernel_fail(-ENODEV, NULL, "add %s dev '%s': not a link we made", s, w->dev);
		rt.oif = o->l.ifindex;
	}
	for (size_t i = 0; i < have->n; i++) {
		if (h[i].gone || !kernel_route_same_key(&h[i], rt.family, rt.table, &rt.dst, rt.plen, rt.metric))
			continue;
		if (h[i].proto != k->cfg.route_proto)
			return kernel_fail(-EEXIST, NULL, "add %s metric %u: a route with protocol %u is in the way",
					   s, rt.metric, h[i].proto);
		exists = true;
	}
	/* Replace only our own route; otherwise refuse to merge with one
	 * that appeared since the dump. */
	r = kernel_route_send(k, RTM_NEWROUTE, NLM_F_CREATE | (exists ? NLM_F_REPLACE : NLM_F_EXCL), &rt, w,
			      ext, sizeof(ext));
	if (r < 0)
		return kernel_fail(r, ext, "add %s", s);
	if (exists)
		log_debug("refreshed %s", s);
	else
		log_info("added %s%s%s%s metric %u", w->unreachable ? "unreachable " : "", s,
			 w->unreachable ? "" : " dev ", w->unreachable ? "" : w->dev, rt.metric);
	return 0;
}

/* Two wanted routes with one key would overwrite each other (see kernel.h). */
static bool kernel_route_duplicate(const struct kernel_state *want, size_t i)
{
	const struct kroute *w = &want->routes[i];

	for (size_t j = 0; j < i; j++) {
		const struct kroute *o = &want->routes[j];

		if (o->family == w->family && o->table == w->table && o->plen == w->plen &&
		    IN6_ARE_ADDR_EQUAL(&o->dst, &w->dst) && kernel_metric(o->metric) == kernel_metric(w->metric))
			return true;
	}
	return false;
}

static int kernel_routes_reconcile(struct kernel *k, const struct kernel_state *want)
{
	struct kernel_vec have = { .size = sizeof(struct kernel_route) };
	struct kernel_route *h;
	int first = 0, r;

	r = kernel_routes_dump(k, 0, &have);
	if (r < 0)
		goto out;
	h = have.v;
	for (size_t i = 0; i < have.n; i++) {
		if (!kernel_route_ours(k, &h[i]) || kernel_route_wanted(want, &h[i]) || kernel_route_adopted(k, &h[i]))
			continue;
		r = kernel_route_delete(k, &h[i]);
		kernel_keep_first(&first, r);
		if (r == 0)
			h[i].gone = true;
	}
	for (size_t i = 0; i < want->n_routes; i++) {
		const struct kroute *w = &want->routes[i];
		char s[128];

		if (kernel_route_duplicate(want, i)) {
			kernel_route_str(w->family, w->table, &w->dst, w->plen, &w->gw, s, sizeof(s));
			kernel_keep_first(&first, kernel_fail(-EINVAL, NULL,
					  "add %s metric %u: another wanted route has the same table, prefix and metric",
					  s, kernel_metric(w->metric)));
			continue;
		}
		kernel_keep_first(&first, kernel_route_apply(k, w, &have));
	}
	r = first;
out:
	kernel_vec_done(&have);
	return r;
}

/* ---- events (libmnl socket; links parsed by libnl into the cache) ---- */

struct kernel_link_event {
	struct kernel *k;
	bool notify, up, removed;
	int ifindex;
	char name[IFNAMSIZ];
};

static void kernel_event_link_parsed(struct nl_object *obj, void *data)
{
	struct kernel_link_event *e = data;
	struct rtnl_link *link = (struct rtnl_link *)obj;
	_cleanup_link_ struct rtnl_link *old = NULL;
	const char *name = rtnl_link_get_name(link);
	const struct kernel_owned *o;

	e->ifindex = rtnl_link_get_ifindex(link);
	e->removed = nl_object_get_msgtype(obj) == RTM_DELLINK;
	e->up = !e->removed && kernel_flags_up(rtnl_link_get_flags(link));
	snprintf(e->name, sizeof(e->name), "%s", name ?: "");
	old = rtnl_link_get(e->k->links, e->ifindex);
	e->notify = e->removed || !old || kernel_flags_up(rtnl_link_get_flags(old)) != e->up ||
		    strcmp(rtnl_link_get_name(old) ?: "", e->name);
	nl_cache_include(e->k->links, obj, NULL, NULL);
	o = kernel_owned_get(e->k, e->ifindex);
	if (o && (e->removed || strcmp(o->l.name, e->name))) {
		log_info("%s '%s' (ifindex %d) that pvd-vrfd made is gone", owned_kind_to_string(o->l.kind),
			 o->l.name, e->ifindex);
		kernel_owned_forget(e->k, e->ifindex);
	}
}

static void kernel_event_link(struct kernel *k, const struct nlmsghdr *h)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(h);
	struct kernel_link_event e = { .k = k };
	struct nl_msg *msg;
	int r;

	/* AF_BRIDGE and other per-family link messages are not links. */
	if (h->nlmsg_len < mnl_nlmsg_size(sizeof(*ifi)) || ifi->ifi_family != AF_UNSPEC)
		return;
	msg = nlmsg_convert((struct nlmsghdr *)h);
	if (!msg)
		return;
	nlmsg_set_proto(msg, NETLINK_ROUTE);
	r = nl_msg_parse(msg, kernel_event_link_parsed, &e);
	nlmsg_free(msg);
	if (r < 0) {
		log_warning("cannot parse a link event: %s, ignoring", nl_geterror(r));
		return;
	}
	if (e.notify && k->ev.link_changed)
		k->ev.link_changed(k->userdata, e.ifindex, e.name, e.up, e.removed);
}

static void kernel_event_addr(struct kernel *k, const struct nlmsghdr *h)
{
	char dev[IFNAMSIZ], s[INET6_ADDRSTRLEN];
	struct kernel_addr a;

	/* A forever address stays, flagged (RTM_NEWADDR); one with a finite
	 * lifetime is deleted (RTM_DELADDR) with the flag set. */
	if (!kernel_addr_parse(h, &a) || !(a.flags & IFA_F_DADFAILED) || a.proto != k->cfg.addr_proto)
		return;
	if (!rtnl_link_i2name(k->links, a.ifindex, dev, sizeof(dev)) && !if_indextoname((unsigned)a.ifindex, dev))
		snprintf(dev, sizeof(dev), "%d", a.ifindex);
	log_warning("address %s/%u on '%s' failed duplicate address detection", kernel_in6_str(&a.addr, s), a.plen,
		    dev);
	if (k->ev.dad_failed)
		k->ev.dad_failed(k->userdata, dev, &a.addr);
}

static void kernel_event_io(struct ev_loop *loop, ev_io *w, int revents)
{
	struct kernel *k = w->data;

	(void)loop;
	(void)revents;
	for (;;) {
		const struct nlmsghdr *h;
		ssize_t n;
		int len;

		n = mnl_socket_recvfrom(k->mon, k->mon_buf, KERNEL_BUF_SIZE);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				log_warning("kernel events were lost (receive buffer overrun): resynchronising");
				(void)kernel_links_refill(k);
				if (k->ev.resync_needed)
					k->ev.resync_needed(k->userdata);
				continue;
			}
			log_error("cannot read kernel events: %s", strerror(errno));
			return;
		}
		len = (int)n;
		for (h = (const struct nlmsghdr *)k->mon_buf; mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len)) {
			switch (h->nlmsg_type) {
			case RTM_NEWLINK:
			case RTM_DELLINK:
				kernel_event_link(k, h);
				break;
			case RTM_NEWADDR:
			case RTM_DELADDR:
				kernel_event_addr(k, h);
				break;
			default:
				break;
			}
		}
	}
}

static int kernel_event_open(struct kernel *k)
{
	int groups[] = { RTNLGRP_LINK, RTNLGRP_IPV6_IFADDR };
	int fd, size = KERNEL_EVENT_RCVBUF;

	k->mon = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!k->mon)
		return kernel_fail(-errno, NULL, "open the netlink event socket");
	if (mnl_socket_bind(k->mon, 0, MNL_SOCKET_AUTOPID) < 0)
		return kernel_fail(-errno, NULL, "bind the netlink event socket");
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (mnl_socket_setsockopt(k->mon, NETLINK_ADD_MEMBERSHIP, &groups[i], sizeof(groups[i])) < 0)
			return kernel_fail(-errno, NULL, "join netlink group %d", groups[i]);
	fd = mnl_socket_get_fd(k->mon);
	/* A burst (a link going away with its addresses and routes) must
	 * not overrun us; FORCE needs CAP_NET_ADMIN, which the daemon has. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	ev_io_init(&k->mon_io, kernel_event_io, fd, EV_READ);
	k->mon_io.data = k;
	return 0;
}

/* ---- public API ---- */

static int kernel_check_config(const struct kernel_config *cfg)
{
	size_t n = cfg->vrf_prefix ? strlen(cfg->vrf_prefix) : 0;

	if (n == 0 || n > IFNAMSIZ - 2) {
		log_error("kernel: VRF name prefix '%s' must have 1 to %d characters", cfg->vrf_prefix ?: "",
			  IFNAMSIZ - 2);
		return -EINVAL;
	}
	/* 0 would claim hand-made objects; the low values are the kernel's. */
	if (cfg->addr_proto <= IFAPROT_KERNEL_LL) {
		log_error("kernel: address protocol %u is reserved", cfg->addr_proto);
		return -EINVAL;
	}
	if (cfg->route_proto <= RTPROT_STATIC || cfg->route_proto == RTPROT_RA) {
		log_error("kernel: route protocol %u is reserved", cfg->route_proto);
		return -EINVAL;
	}
	if (!cfg->owned_path || !cfg->owned_path[0] || strlen(cfg->owned_path) >= PATH_MAX - 4) {
		log_error("kernel: the record of owned links needs a path");
		return -EINVAL;
	}
	return 0;
}

/* Linux before 5.18 accepts IFA_PROTO and drops it: our addresses would
 * then be indistinguishable from anyone's, and refreshing or removing them
 * would fail forever.  So add one with IFA_PROTO on a throwaway dummy link
 * (down, so nothing routes through it) and read it back. */
static int kernel_probe_ifa_proto(struct kernel *k)
{
	_cleanup_link_ struct rtnl_link *link = NULL;
	_cleanup_link_ struct rtnl_link *made = NULL;
	_cleanup_nlmsg_ struct nl_msg *msg = NULL;
	_cleanup_nlmsg_ struct nl_msg *del = NULL;
	struct kernel_vec addrs = { .size = sizeof(struct kernel_addr) };
	const struct kaddr want = { .valid = UINT32_MAX, .preferred = UINT32_MAX };
	char name[IFNAMSIZ], ext[KERNEL_EXTACK_MAX];
	const struct kernel_addr *a;
	const char *seam;
	struct in6_addr addr;
	struct utsname u;
	int proto = -1, ifindex, r;

	/* The pid keeps two daemons (in two namespaces sharing nothing else) apart. */
	snprintf(name, sizeof(name), "pvdprobe%d", (int)getpid());
	link = rtnl_link_alloc();
	if (!link)
		return kernel_fail(-ENOMEM, NULL, "create the IFA_PROTO probe link '%s'", name);
	rtnl_link_set_name(link, name);
	r = rtnl_link_set_type(link, "dummy");
	if (r >= 0)
		r = rtnl_link_build_add_request(link, NLM_F_CREATE | NLM_F_EXCL, &msg);
	if (r < 0)
		return kernel_fail(kernel_nlerr(r), NULL, "create the IFA_PROTO probe link '%s'", name);
	r = kernel_link_send(k, msg, ext, sizeof(ext));
	if (r < 0)
		return kernel_fail(r, ext, "create the IFA_PROTO probe link '%s' (a dummy)", name);
	r = kernel_link_fetch(k, name, &made);
	if (r < 0) {
		kernel_fail(r, NULL, "read back the IFA_PROTO probe link '%s'", name);
		goto out;
	}
	ifindex = rtnl_link_get_ifindex(made);
	inet_pton(AF_INET6, KERNEL_PROBE_ADDR, &addr);
	r = kernel_addr_send(k, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifindex, &addr, 128, &want, ext, sizeof(ext));
	if (r < 0) {
		kernel_fail(r, ext, "add the IFA_PROTO probe address to '%s'", name);
		goto out;
	}
	r = kernel_addrs_dump(k, &addrs);
	a = addrs.v;
	for (size_t i = 0; r == 0 && i < addrs.n; i++)
		if (a[i].ifindex == ifindex && IN6_ARE_ADDR_EQUAL(&a[i].addr, &addr))
			proto = a[i].proto;
	kernel_vec_done(&addrs);
	if (r == 0 && proto < 0)
		r = kernel_fail(-ENOENT, NULL, "read back the IFA_PROTO probe address on '%s'", name);
out:
	/* The address goes with the link. */
	ext[0] = '\0';
	if (rtnl_link_build_delete_request(made ?: link, &del) < 0 || kernel_link_send(k, del, ext, sizeof(ext)) < 0)
		log_error("cannot delete the IFA_PROTO probe link '%s'%s%s", name, ext[0] ? ": " : "", ext);
	if (r < 0)
		return r;
	/* Test seam: PVD_TEST_NO_IFA_PROTO=1 makes the read-back look like an
	 * old kernel's (the netns suite has no such kernel to boot). */
	seam = getenv("PVD_TEST_NO_IFA_PROTO");
	if (seam && !strcmp(seam, "1"))
		proto = 0;
	if (proto != k->cfg.addr_proto) {
		log_error("kernel %s does not keep IFA_PROTO on addresses (Linux 6.1 or later needed)",
			  uname(&u) == 0 ? u.release : "?");
		return -EPROTONOSUPPORT;
	}
	log_debug("kernel keeps IFA_PROTO on addresses");
	return 0;
}

/* Why a recorded link is not (or no longer) the one we made; NULL if it is. */
static const char *kernel_adopt_mismatch(struct kernel *k, const struct owned_link *rec)
{
	_cleanup_link_ struct rtnl_link *link = rtnl_link_get(k->links, rec->ifindex);
	const struct kernel_owned *vrf;
	const char *kind, *alias;
	uint32_t table;

	if (!link || strcmp(rtnl_link_get_name(link) ?: "", rec->name))
		return "no link has that name and ifindex now";
	kind = rtnl_link_get_type(link);
	if (!kind || strcmp(kind, owned_kind_to_string(rec->kind)))
		return "the link is of another kind";
	if (rec->kind == OWNED_VRF) {
		if (rtnl_link_vrf_get_tableid(link, &table) < 0 || table != rec->table)
			return "the VRF has another table";
		alias = rtnl_link_get_ifalias(link);
		return alias && alias[0] ? NULL : "the VRF has no ifalias";
	}
	if (rtnl_link_get_link(link) != rec->parent)
		return "the sub-interface is on another parent link";
	vrf = kernel_owned_get(k, rec->master);
	if (rtnl_link_get_master(link) != rec->master || !vrf || vrf->l.kind != OWNED_VRF)
		return "the sub-interface is not enslaved to a re-adopted VRF";
	return NULL;
}

/* Re-adopt the recorded links the kernel confirms, and note our routes and
 * addresses on them: kept, unconfirmed, while the grace period lasts. */
static int kernel_adopt(struct kernel *k)
{
	struct kernel_vec routes = { .size = sizeof(struct kernel_route) };
	struct kernel_vec addrs = { .size = sizeof(struct kernel_addr) };
	_cleanup_free_ struct owned_link *rec = NULL;
	const struct kernel_route *rt;
	const struct kernel_addr *a;
	bool dropped = false;
	size_t n = 0;
	int r;

	r = owned_load(k->owned_path, &rec, &n);
	if (r < 0) {
		/* Then nothing is ours: safe, if untidy. */
		log_error("cannot read %s: %s; re-adopting nothing", k->owned_path, strerror(-r));
		return 0;
	}
	/* VRFs first: a sub-interface is adopted only with its VRF. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++) {
			struct kernel_owned *o;
			const char *why;

			if ((rec[i].kind == OWNED_VRF) != (pass == 0))
				continue;
			why = kernel_adopt_mismatch(k, &rec[i]);
			if (why) {
				log_warning("%s: not re-adopting %s '%s' (ifindex %d): %s", k->owned_path,
					    owned_kind_to_string(rec[i].kind), rec[i].name, rec[i].ifindex, why);
				(void)kernel_foreign_seen(k, rec[i].ifindex);     /* said once */
				dropped = true;
				continue;
			}
			o = kernel_vec_push(&k->owned);
			if (!o)
				return -ENOMEM;
			*o = (struct kernel_owned) { .l = rec[i], .adopted = true };
			log_debug("re-adopted %s '%s' (ifindex %d)", owned_kind_to_string(rec[i].kind), rec[i].name,
				  rec[i].ifindex);
		}
	}
	if (dropped)
		(void)kernel_owned_save(k);
	if (k->owned.n == 0)
		return 0;

	r = kernel_routes_dump(k, 0, &routes);
	rt = routes.v;
	for (size_t i = 0; r == 0 && i < routes.n; i++) {
		struct kernel_route *p;

		if (!kernel_route_ours(k, &rt[i]))
			continue;
		p = kernel_vec_push(&k->adopted_routes);
		if (!p)
			r = -ENOMEM;
		else
			*p = rt[i];
	}
	kernel_vec_done(&routes);
	if (r == 0)
		r = kernel_addrs_dump(k, &addrs);
	a = addrs.v;
	for (size_t i = 0; r == 0 && i < addrs.n; i++) {
		struct kernel_addr *p;

		if (!kernel_addr_ours(k, &a[i]))
			continue;
		p = kernel_vec_push(&k->adopted_addrs);
		if (!p)
			r = -ENOMEM;
		else
			*p = a[i];
	}
	kernel_vec_done(&addrs);
	return r;
}

int kernel_open(struct ev_loop *loop, const struct kernel_config *cfg, const struct kernel_events *ev,
		void *userdata, struct kernel **ret)
{
	int one = 1;
	struct kernel *k;
	int r;

	r = kernel_check_config(cfg);
	if (r < 0)
		return r;
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->loop = loop;
	k->cfg = *cfg;
	snprintf(k->prefix, sizeof(k->prefix), "%s", cfg->vrf_prefix);
	k->cfg.vrf_prefix = k->prefix;
	snprintf(k->owned_path, sizeof(k->owned_path), "%s", cfg->owned_path);
	k->cfg.owned_path = k->owned_path;
	k->owned.size = sizeof(struct kernel_owned);
	k->adopted_routes.size = sizeof(struct kernel_route);
	k->adopted_addrs.size = sizeof(struct kernel_addr);
	k->foreign_seen.size = sizeof(int);
	if (ev)
		k->ev = *ev;
	k->userdata = userdata;
	k->req_buf = malloc(KERNEL_BUF_SIZE);
	k->mon_buf = malloc(KERNEL_BUF_SIZE);
	if (!k->req_buf || !k->mon_buf) {
		r = -ENOMEM;
		goto fail;
	}

	k->req = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!k->req || mnl_socket_bind(k->req, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = kernel_fail(-errno, NULL, "open a netlink socket");
		goto fail;
	}
	/* Error messages from the kernel, without the request echoed back;
	 * dumps filtered by the kernel (a table's routes) where it can. */
	(void)mnl_socket_setsockopt(k->req, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)mnl_socket_setsockopt(k->req, NETLINK_CAP_ACK, &one, sizeof(one));
	(void)mnl_socket_setsockopt(k->req, NETLINK_GET_STRICT_CHK, &one, sizeof(one));

	k->sk = nl_socket_alloc();
	if (!k->sk) {
		r = -ENOMEM;
		goto fail;
	}
	r = nl_connect(k->sk, NETLINK_ROUTE);
	if (r < 0) {
		log_error("cannot open a libnl socket: %s", nl_geterror(r));
		r = kernel_nlerr(r);
		goto fail;
	}
	/* Before subscribing: the probe's own link is nobody's business. */
	r = kernel_probe_ifa_proto(k);
	if (r < 0)
		goto fail;

	/* Subscribe before filling the cache, so no change falls in between. */
	r = kernel_event_open(k);
	if (r < 0)
		goto fail;
	r = rtnl_link_alloc_cache(k->sk, AF_UNSPEC, &k->links);
	if (r < 0) {
		log_error("cannot read the kernel's link list: %s", nl_geterror(r));
		r = kernel_nlerr(r);
		goto fail;
	}
	r = kernel_adopt(k);
	if (r < 0)
		goto fail;
	kernel_foreign_note(k);
	if (loop)
		ev_io_start(loop, &k->mon_io);
	*ret = k;
	return 0;
fail:
	kernel_close(k);
	return r;
}

struct kernel *kernel_close(struct kernel *k)
{
	if (!k)
		return NULL;
	if (k->loop && k->mon)
		ev_io_stop(k->loop, &k->mon_io);
	if (k->links)
		nl_cache_free(k->links);
	if (k->sk)
		nl_socket_free(k->sk);
	if (k->mon)
		mnl_socket_close(k->mon);
	if (k->req)
		mnl_socket_close(k->req);
	free(k->mon_buf);
	free(k->req_buf);
	kernel_vec_done(&k->owned);
	kernel_vec_done(&k->adopted_routes);
	kernel_vec_done(&k->adopted_addrs);
	kernel_vec_done(&k->foreign_seen);
	free(k);
	return NULL;
}

/* Adopted objects that `want` contains are ours again for good: from now
 * on they go as soon as they are no longer wanted. */
static void kernel_confirm(struct kernel *k, const struct kernel_state *want)
{
	struct kernel_owned *o = k->owned.v;
	const struct kernel_route *rt = k->adopted_routes.v;
	const struct kernel_addr *a = k->adopted_addrs.v;

	for (size_t i = 0; i < k->owned.n; i++)
		if (o[i].adopted && (o[i].l.kind == OWNED_VRF ? kernel_want_vrf(want, o[i].l.name) :
							      kernel_want_subif(want, o[i].l.name)))
			o[i].adopted = false;
	for (size_t i = k->adopted_routes.n; i-- > 0;)
		if (kernel_route_wanted(want, &rt[i]))
			kernel_vec_remove(&k->adopted_routes, i);
	for (size_t i = k->adopted_addrs.n; i-- > 0;)
		if (kernel_addr_wanted(k, want, &a[i]))
			kernel_vec_remove(&k->adopted_addrs, i);
}

int kernel_reconcile(struct kernel *k, const struct kernel_state *want)
{
	int first = 0;

	kernel_confirm(k, want);
	kernel_keep_first(&first, kernel_links_apply(k, want));
	kernel_keep_first(&first, kernel_addrs_reconcile(k, want));
	kernel_keep_first(&first, kernel_routes_reconcile(k, want));
	return first;
}

void kernel_grace_over(struct kernel *k)
{
	struct kernel_owned *o = k->owned.v;

	for (size_t i = 0; i < k->owned.n; i++)
		o[i].adopted = false;
	kernel_vec_done(&k->adopted_routes);
	kernel_vec_done(&k->adopted_addrs);
}

bool kernel_release_adopted_routes(struct kernel *k, uint32_t table, const struct in6_addr *dst, uint8_t plen,
				   const struct in6_addr *gw)
{
	const struct kernel_route *rt = k->adopted_routes.v;
	bool released = false;

	for (size_t i = k->adopted_routes.n; i-- > 0;)
		if (rt[i].family == AF_INET6 && rt[i].table == table && rt[i].plen == plen &&
		    IN6_ARE_ADDR_EQUAL(&rt[i].dst, dst) && IN6_ARE_ADDR_EQUAL(&rt[i].gw, gw)) {
			kernel_vec_remove(&k->adopted_routes, i);
			released = true;
		}
	return released;
}

bool kernel_release_adopted_parent(struct kernel *k, int parent_ifindex)
{
	struct kernel_owned *o = k->owned.v;
	bool released = false;

	for (size_t i = 0; i < k->owned.n; i++)
		if (o[i].adopted && o[i].l.kind != OWNED_VRF && o[i].l.parent == parent_ifindex) {
			o[i].adopted = false;
			released = true;
		}
	if (released)
		kernel_release_unheld_vrfs(k);
	return released;
}

int kernel_list_owned_vrfs(struct kernel *k, struct kvrf **ret_vrfs, size_t *ret_n)
{
	_cleanup_free_ struct kvrf *vrfs = calloc(k->owned.n + 1, sizeof(*vrfs));
	const struct kernel_owned *o = k->owned.v;
	size_t n = 0;

	if (!vrfs)
		return -ENOMEM;
	for (size_t i = 0; i < k->owned.n; i++) {
		_cleanup_link_ struct rtnl_link *link = NULL;

		if (o[i].l.kind != OWNED_VRF)
			continue;
		link = rtnl_link_get(k->links, o[i].l.ifindex);
		vrfs[n] = (struct kvrf) { .table = o[i].l.table };
		snprintf(vrfs[n].name, sizeof(vrfs[n].name), "%s", o[i].l.name);
		snprintf(vrfs[n].alias, sizeof(vrfs[n].alias), "%s", link ? rtnl_link_get_ifalias(link) ?: "" : "");
		n++;
	}
	*ret_vrfs = n ? vrfs : NULL;
	if (n)
		vrfs = NULL;
	*ret_n = n;
	return 0;
}

bool kernel_vrf_slot_usable(struct kernel *k, const char *vrf, uint32_t table)
{
	struct kernel_vec routes = { .size = sizeof(struct kernel_route) };
	_cleanup_link_ struct rtnl_link *link = rtnl_link_get_by_name(k->links, vrf);
	char other[IFNAMSIZ];
	size_t n;
	int r;

	if (link && !kernel_link_owned(k, link)) {
		log_debug("VRF name '%s' is taken by a link pvd-vrfd did not make", vrf);
		return false;
	}
	if (kernel_table_user(k, table, link, other)) {
		log_debug("table %u is taken by VRF '%s'", table, other);
		return false;
	}
	r = kernel_routes_dump(k, table, &routes);
	n = routes.n;
	kernel_vec_done(&routes);
	if (r == 0 && n > 0)
		log_debug("table %u holds %zu routes already", table, n);
	return r == 0 && n == 0;
}

int kernel_remove_all(struct kernel *k)
{
	bool changed = false;
	int first = 0, r;

	r = kernel_links_refill(k);
	if (r < 0)
		return r;
	kernel_keep_first(&first, kernel_links_remove(k, NULL, false, &changed));
	kernel_keep_first(&first, kernel_links_remove(k, NULL, true, &changed));
	if (changed)
		kernel_keep_first(&first, kernel_links_refill(k));
	return first;
}

int kernel_link_ifindex(struct kernel *k, const char *name)
{
	int ifindex = rtnl_link_name2i(k->links, name);

	return ifindex > 0 ? ifindex : -ENODEV;
}

int kernel_link_name(struct kernel *k, int ifindex, char ret_name[IFNAMSIZ])
{
	_cleanup_link_ struct rtnl_link *link = rtnl_link_get(k->links, ifindex);

	if (!link)
		return -ENODEV;
	snprintf(ret_name, IFNAMSIZ, "%s", rtnl_link_get_name(link));
	return 0;
}

bool kernel_link_is_up(struct kernel *k, int ifindex)
{
	_cleanup_link_ struct rtnl_link *link = rtnl_link_get(k->links, ifindex);

	return link && kernel_flags_up(rtnl_link_get_flags(link));
}
