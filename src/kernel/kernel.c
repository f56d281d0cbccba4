/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernel reconciler: the only module that changes the kernel's network
 * configuration.  See kernel.h for the ownership marks.
 *
 * The files and the two netlink libraries: see internal.h.
 *
 * Order of a reconciliation: adopted objects in `want` confirmed, stale
 * links out, wanted links in (VRFs before the sub-interfaces enslaved to
 * them), then addresses, then routes (which need the addresses' devices),
 * each stage removing stale objects before adding: with ipvlan, an address
 * moving between two sub-interfaces of one parent must leave the old one
 * first.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/rtnetlink.h>

#include "internal.h"
#include "log.h"

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
	k->cache_routes.size = sizeof(struct kernel_route);
	k->cache_addrs.size = sizeof(struct kernel_addr);
	k->cache_stale = true;
	if (ev)
		k->ev = *ev;
	k->userdata = userdata;
	k->req_buf = malloc(KERNEL_BUF_SIZE);
	k->mon_buf = malloc(KERNEL_BUF_SIZE);
	k->tx_buf = malloc(KERNEL_TX_SIZE);
	if (!k->req_buf || !k->mon_buf || !k->tx_buf) {
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
	free(k->tx_buf);
	kernel_vec_done(&k->owned);
	kernel_vec_done(&k->adopted_routes);
	kernel_vec_done(&k->adopted_addrs);
	kernel_vec_done(&k->foreign_seen);
	kernel_vec_done(&k->scope_links);
	kernel_cache_done(k);
	free(k);
	return NULL;
}

/* Adopted objects that `want` contains are ours again for good: from now
 * on they go as soon as they are no longer wanted. */
static void kernel_confirm(struct kernel *k, const struct kernel_state *want, const struct kernel_route_index *routes)
{
	struct kernel_owned *o = k->owned.v;
	const struct kernel_route *rt = k->adopted_routes.v;
	const struct kernel_addr *a = k->adopted_addrs.v;
	struct kernel_vec addrs;

	for (size_t i = 0; i < k->owned.n; i++)
		if (o[i].adopted && (o[i].l.kind == OWNED_VRF ? kernel_want_vrf(want, o[i].l.name) :
							      kernel_want_subif(want, o[i].l.name)))
			o[i].adopted = false;
	for (size_t i = k->adopted_routes.n; i-- > 0;)
		if (kernel_route_wanted(routes, &rt[i]))
			kernel_vec_remove(&k->adopted_routes, i);
	if (k->adopted_addrs.n == 0 || kernel_addr_index_build(k, want, &addrs) < 0)
		return;		/* out of memory: confirmed at the next reconciliation */
	for (size_t i = k->adopted_addrs.n; i-- > 0;)
		if (kernel_addr_wanted(&addrs, &a[i]))
			kernel_vec_remove(&k->adopted_addrs, i);
	kernel_vec_done(&addrs);
}

int kernel_reconcile(struct kernel *k, const struct kernel_state *want)
{
	struct kernel_route_index routes;
	int first = 0, r;

	r = kernel_route_index_build(want, &routes);
	if (r < 0)
		return kernel_fail(r, NULL, "compare the routes");
	kernel_confirm(k, want, &routes);
	r = kernel_scope_set(k, want);
	if (r == 0) {
		kernel_keep_first(&first, kernel_links_apply(k, want));
		/* Links made or removed: the scope's links again. */
		r = kernel_scope_set(k, want);
	}
	if (r == 0) {
		kernel_keep_first(&first, kernel_addrs_reconcile(k, want));
		kernel_keep_first(&first, kernel_routes_reconcile(k, want, &routes));
	}
	kernel_keep_first(&first, r);
	(void)kernel_scope_set(k, NULL);
	kernel_route_index_done(&routes);
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
