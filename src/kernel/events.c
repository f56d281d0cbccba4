/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The monitor socket: link changes into the link cache, DAD failures. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "internal.h"
#include "log.h"

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
	} else if (o && e->notify) {
		/* Up or down: the kernel may have flushed its objects silently. */
		kernel_cache_invalidate(e->k);
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

/* An object we made went, and not by our request: someone else deleted it
 * (systemd-networkd's ManageForeignRoutes= does, whenever it configures a
 * link) or the kernel expired it.  The caller reconciles, which puts back
 * what is still wanted.  The kernel expires to the second: an object due
 * within one is not reported as deleted. */
static void kernel_lost(struct kernel *k, bool expiring, const char *what)
{
	if (!expiring)
		log_info("%s that pvd-vrfd made was deleted by someone else; putting it back if still wanted", what);
	if (k->ev.owned_lost)
		k->ev.owned_lost(k->userdata);
}

static bool kernel_due(uint64_t at)
{
	return at != KERNEL_FOREVER && at <= kernel_now_ms() + 1000;
}

static void kernel_event_route(struct kernel *k, const struct nlmsghdr *h)
{
	struct kernel_route rt, gone;
	char s[160];

	if (!kernel_route_parse(h, &rt) || !kernel_cache_route_update(k, h->nlmsg_type, h->nlmsg_flags, &rt, &gone) ||
	    gone.proto != k->cfg.route_proto)
		return;
	kernel_lost(k, kernel_due(gone.expires),
		    kernel_route_str(gone.family, gone.table, &gone.dst, gone.plen, &gone.gw, s, sizeof(s)));
}

static void kernel_event_addr(struct kernel *k, const struct nlmsghdr *h)
{
	char dev[IFNAMSIZ], s[INET6_ADDRSTRLEN];
	struct kernel_addr a;

	if (!kernel_addr_parse(h, &a))
		return;
	if (kernel_cache_addr_update(k, h->nlmsg_type, &a) && a.proto == k->cfg.addr_proto &&
	    !(a.flags & IFA_F_DADFAILED)) {
		char what[INET6_ADDRSTRLEN + 24];

		snprintf(what, sizeof(what), "address %s/%u", kernel_in6_str(&a.addr, s), a.plen);
		kernel_lost(k, kernel_due(a.valid_until), what);
	}
	/* A forever address stays, flagged (RTM_NEWADDR); one with a finite
	 * lifetime is deleted (RTM_DELADDR) with the flag set. */
	if (!(a.flags & IFA_F_DADFAILED) || a.proto != k->cfg.addr_proto)
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
				kernel_cache_invalidate(k);
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
			case RTM_NEWROUTE:
			case RTM_DELROUTE:
				kernel_event_route(k, h);
				break;
			default:
				break;
			}
		}
	}
}

int kernel_event_open(struct kernel *k)
{
	/* Routes of every table: a group cannot be joined for one table. */
	int groups[] = { RTNLGRP_LINK, RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV6_ROUTE, RTNLGRP_IPV4_ROUTE };
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
