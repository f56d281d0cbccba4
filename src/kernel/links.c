/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Links: the link cache (libnl), the record of the links we made (owned.c)
 * and their adoption at start, VRFs and sub-interfaces.
 *
 * Ownership of links is the record of what we created, checked against the
 * kernel at start and kept in step with every create, delete and
 * RTM_DELLINK; a link's name alone proves nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <netlink/route/link/ipvlan.h>
#include <netlink/route/link/macvlan.h>
#include <netlink/route/link/vrf.h>

#include "internal.h"
#include "log.h"

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

/* ---- owned links: the record of what we made ---- */

static bool kernel_owned_name(const struct kernel *k, const char *name)
{
	return name && !strncmp(name, k->prefix, strlen(k->prefix));
}

/* The owned link MATCH accepts (names, ifindexes and VRF tables are each
 * unique among them).  Lookups come in runs: one link's addresses, the
 * routes of one table, the links of the cache in ifindex order, which is
 * mostly the record's.  So the last hit and the one after it are tried
 * first, checked like any other; a whole scan of the record for each of
 * them was O(links x owned) per reconciliation. */
static struct kernel_owned *kernel_owned_find(struct kernel *k, size_t *hint,
					      bool (*match)(const struct kernel_owned *o, const void *key), const void *key)
{
	struct kernel_owned *o = k->owned.v;

	for (size_t i = *hint; i < *hint + 2 && i < k->owned.n; i++)
		if (match(&o[i], key)) {
			*hint = i;
			return &o[i];
		}
	for (size_t i = 0; i < k->owned.n; i++)
		if (match(&o[i], key)) {
			*hint = i;
			return &o[i];
		}
	return NULL;
}

static bool kernel_owned_has_ifindex(const struct kernel_owned *o, const void *ifindex)
{
	return o->l.ifindex == *(const int *)ifindex;
}

static bool kernel_owned_has_name(const struct kernel_owned *o, const void *name)
{
	return !strcmp(o->l.name, name);
}

static bool kernel_owned_has_table(const struct kernel_owned *o, const void *table)
{
	return o->l.kind == OWNED_VRF && o->l.table == *(const uint32_t *)table;
}

struct kernel_owned *kernel_owned_get(struct kernel *k, int ifindex)
{
	return kernel_owned_find(k, &k->owned_hint[0], kernel_owned_has_ifindex, &ifindex);
}

struct kernel_owned *kernel_owned_by_name(struct kernel *k, const char *name)
{
	return kernel_owned_find(k, &k->owned_hint[1], kernel_owned_has_name, name);
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
bool kernel_table_owned(struct kernel *k, uint32_t table)
{
	return kernel_owned_find(k, &k->owned_hint[2], kernel_owned_has_table, &table) != NULL;
}

bool kernel_route_ours(struct kernel *k, const struct kernel_route *rt)
{
	return rt->proto == k->cfg.route_proto && kernel_table_owned(k, rt->table);
}

bool kernel_addr_ours(struct kernel *k, const struct kernel_addr *a)
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

/* Record a link we have just made (read back from the kernel); the cache
 * learns of its table and addresses at the next refill. */
static int kernel_owned_add(struct kernel *k, struct rtnl_link *link, enum owned_kind kind)
{
	struct kernel_owned *o = kernel_vec_push(&k->owned);

	if (!o)
		return kernel_fail(-ENOMEM, NULL, "record link '%s'", rtnl_link_get_name(link));
	kernel_cache_invalidate(k);
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
 * adopted on it; the cache drops its objects at the next refill.  The kernel
 * removes a sub-interface with its parent and announces the sub-interface
 * first: its VRF is released then, not when the parent's RTM_DELLINK finds
 * no sub-interface left to match. */
void kernel_owned_forget(struct kernel *k, int ifindex)
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
	kernel_cache_invalidate(k);
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
void kernel_foreign_note(struct kernel *k)
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

/* Bring the link cache up to date, by a dump when DUMP, then forget what
 * vanished and warn of look-alikes. */
static int kernel_links_update(struct kernel *k, bool dump)
{
	int r = dump ? nl_cache_refill(k->sk, k->links) : 0;

	if (r < 0) {
		log_error("cannot read the kernel's link list: %s", nl_geterror(r));
		return kernel_nlerr(r);
	}
	kernel_owned_prune(k);
	kernel_foreign_note(k);
	return 0;
}

int kernel_links_refill(struct kernel *k)
{
	return kernel_links_update(k, true);
}

/*
 * Make the link cache current for a reconciliation.  The events (events.c)
 * keep it so: when none wait to be read on the monitor socket, a refill
 * would read back what the cache holds, at the cost of dumping and parsing
 * every link of the host, foreign ones included, on every RA.  Otherwise
 * (unread events, lost ones: POLLERR, no event loop), refill.
 */
static int kernel_links_current(struct kernel *k)
{
	struct pollfd p = { .fd = mnl_socket_get_fd(k->mon), .events = POLLIN };

	return kernel_links_update(k, !k->loop || poll(&p, 1, 0) != 0);
}

bool kernel_flags_up(unsigned flags)
{
	return (flags & IFF_UP) && (flags & IFF_LOWER_UP);
}

int kernel_link_send(struct kernel *k, struct nl_msg *msg, char *ext, size_t extlen)
{
	return kernel_talk(k, nlmsg_hdr(msg), NULL, NULL, ext, extlen);
}

/* Fetch one link straight from the kernel (the cache lags behind our own changes). */
int kernel_link_fetch(struct kernel *k, const char *name, struct rtnl_link **ret)
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
	struct kernel_route_batch b = KERNEL_ROUTE_BATCH_INIT;
	struct kernel_route *rt = k->adopted_routes.v;
	int r;

	for (size_t i = k->adopted_routes.n; i-- > 0;)
		if (rt[i].table == table)
			kernel_vec_remove(&k->adopted_routes, i);
	r = kernel_routes_dump(k, table, &routes);
	rt = routes.v;
	for (size_t i = 0; r == 0 && i < routes.n; i++)
		if (rt[i].proto == k->cfg.route_proto)
			kernel_route_delete(k, &rt[i], &b);
	kernel_vec_done(&routes);
	kernel_keep_first(&r, kernel_route_batch_end(k, &b));
	return r;
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
	if (!kernel_scope_table(k, v->table))
		return kernel_fail(-EINVAL, NULL, "create VRF '%s': table %u is not among the partial state's", v->name,
				   v->table);
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
	if (!kernel_scope_table(k, vo->l.table))
		return kernel_fail(-EINVAL, NULL, "create sub-interface '%s': the table of VRF '%s' is not among the partial state's",
				   s->name, s->vrf);
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

bool kernel_want_vrf(const struct kernel_state *want, const char *name)
{
	for (size_t i = 0; i < want->n_vrfs; i++)
		if (!strcmp(want->vrfs[i].name, name))
			return true;
	return false;
}

bool kernel_want_subif(const struct kernel_state *want, const char *name)
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

/* ---- the scope of a reconciliation ---- */

static int kernel_u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static int kernel_int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

bool kernel_scope_table(const struct kernel *k, uint32_t table)
{
	return !k->scope || !k->scope->partial ||
	       (k->scope->n_tables && bsearch(&table, k->scope->tables, k->scope->n_tables, sizeof(table), kernel_u32_cmp));
}

bool kernel_scope_link(const struct kernel *k, int ifindex)
{
	return !k->scope || !k->scope->partial ||
	       (k->scope_links.n && bsearch(&ifindex, k->scope_links.v, k->scope_links.n, sizeof(ifindex), kernel_int_cmp));
}

/* The owned links in a partial state's tables: its VRFs, then the
 * sub-interfaces enslaved to them (a sub-interface whose master is no VRF
 * of ours is in no table: the next whole reconciliation removes it). */
int kernel_scope_set(struct kernel *k, const struct kernel_state *want)
{
	const struct kernel_owned *o = k->owned.v;
	size_t n_vrfs;

	k->scope = want;
	k->scope_links.size = sizeof(int);
	k->scope_links.n = 0;
	if (!want || !want->partial)
		return 0;
	for (int pass = 0; pass < 2; pass++) {
		n_vrfs = k->scope_links.n;
		for (size_t i = 0; i < k->owned.n; i++) {
			bool vrf = o[i].l.kind == OWNED_VRF;
			int *e;

			if (vrf != (pass == 0) ||
			    (vrf ? !kernel_scope_table(k, o[i].l.table) :
				   !n_vrfs || !bsearch(&o[i].l.master, k->scope_links.v, n_vrfs, sizeof(int), kernel_int_cmp)))
				continue;
			e = kernel_vec_push(&k->scope_links);
			if (!e)
				return kernel_fail(-ENOMEM, NULL, "find the links of the changed tables");
			*e = o[i].l.ifindex;
		}
		kernel_vec_sort(&k->scope_links, kernel_int_cmp);
	}
	return 0;
}

/* Delete the VRFs (or sub-interfaces) we made that `want` lacks, except
 * adopted ones still unconfirmed and those outside a partial state's
 * tables; want NULL: all of them. */
static int kernel_links_remove(struct kernel *k, const struct kernel_state *want, bool vrfs, bool *changed)
{
	int first = 0;

	/* Backwards: a deletion removes its record. */
	for (size_t i = k->owned.n; i-- > 0;) {
		const struct kernel_owned *o = (const struct kernel_owned *)k->owned.v + i;
		bool vrf = o->l.kind == OWNED_VRF;

		if (vrf != vrfs)
			continue;
		if (want && (!kernel_scope_link(k, o->l.ifindex) || kernel_link_kept(k, want, o) ||
			     (vrf ? kernel_want_vrf(want, o->l.name) : kernel_want_subif(want, o->l.name))))
			continue;
		kernel_keep_first(&first, kernel_owned_delete(k, o->l.ifindex));
		*changed = true;
	}
	return first;
}

int kernel_links_apply(struct kernel *k, const struct kernel_state *want)
{
	bool changed = false;
	int first = 0, r;

	r = kernel_links_current(k);
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
int kernel_adopt(struct kernel *k)
{
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

	r = kernel_cache_sync(k);
	rt = k->cache_routes.v;
	for (size_t i = 0; r == 0 && i < k->cache_routes.n; i++) {
		struct kernel_route *p;

		if (!kernel_route_ours(k, &rt[i]))
			continue;
		p = kernel_vec_push(&k->adopted_routes);
		if (!p)
			r = -ENOMEM;
		else
			*p = rt[i];
	}
	a = k->cache_addrs.v;
	for (size_t i = 0; r == 0 && i < k->cache_addrs.n; i++) {
		struct kernel_addr *p;

		if (!kernel_addr_ours(k, &a[i]))
			continue;
		p = kernel_vec_push(&k->adopted_addrs);
		if (!p)
			r = -ENOMEM;
		else
			*p = a[i];
	}
	return r;
}

void kernel_adopted_count(struct kernel *k, struct kernel_adopted *ret)
{
	const struct kernel_owned *o = k->owned.v;

	*ret = (struct kernel_adopted) { .addrs = k->adopted_addrs.n, .routes = k->adopted_routes.n };
	for (size_t i = 0; i < k->owned.n; i++)
		if (o[i].adopted && o[i].l.kind == OWNED_VRF)
			ret->vrfs++;
		else if (o[i].adopted)
			ret->subifs++;
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

int kernel_list_owned_ifindexes(struct kernel *k, int **ret_ifindexes, size_t *ret_n)
{
	const struct kernel_owned *o = k->owned.v;
	int *v = NULL;

	if (k->owned.n) {
		v = calloc(k->owned.n, sizeof(*v));
		if (!v)
			return -ENOMEM;
	}
	for (size_t i = 0; i < k->owned.n; i++)
		v[i] = o[i].l.ifindex;
	*ret_ifindexes = v;
	*ret_n = k->owned.n;
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

int kernel_list_links(struct kernel *k, int **ret_ifindexes, size_t *ret_n)
{
	int *v = calloc((size_t)nl_cache_nitems(k->links) + 1, sizeof(*v));
	size_t n = 0;

	if (!v)
		return -ENOMEM;
	for (struct nl_object *obj = nl_cache_get_first(k->links); obj; obj = nl_cache_get_next(obj))
		v[n++] = rtnl_link_get_ifindex((struct rtnl_link *)obj);
	*ret_ifindexes = v;
	*ret_n = n;
	return 0;
}

int kernel_link_source(struct kernel *k, int ifindex, struct kernel_link_source *ret)
{
	_cleanup_link_ struct rtnl_link *link = rtnl_link_get(k->links, ifindex);
	struct kernel_vec addrs = { .size = sizeof(struct kernel_addr) };
	const struct kernel_addr *a;
	struct nl_addr *ll;
	int r;

	*ret = (struct kernel_link_source) { .have_lla = false };
	if (!link)
		return -ENODEV;
	ll = rtnl_link_get_addr(link);
	if (ll && nl_addr_get_len(ll) <= sizeof(ret->lladdr)) {
		ret->lladdr_len = nl_addr_get_len(ll);
		memcpy(ret->lladdr, nl_addr_get_binary_addr(ll), ret->lladdr_len);
	}
	r = kernel_addrs_dump(k, ifindex, &addrs);
	a = addrs.v;
	for (size_t i = 0; r == 0 && i < addrs.n && !ret->have_lla; i++)
		if (IN6_IS_ADDR_LINKLOCAL(&a[i].addr)) {
			ret->lla = a[i].addr;
			ret->have_lla = true;
		}
	kernel_vec_done(&addrs);
	return r;
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
