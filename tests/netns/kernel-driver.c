/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kernel-driver: runs one action of the kernel reconciler, for the netns
 * tests.  Not installed.
 *
 *   kernel-driver [OPTIONS] reconcile [--remove-stale] [STATE]
 *   kernel-driver [OPTIONS] list-vrfs | remove-all | show-addrs
 *   kernel-driver [OPTIONS] usable NAME TABLE
 *   kernel-driver [OPTIONS] watch SECONDS
 *
 * OPTIONS: -v (debug log), --owned FILE (the record of owned links; needed
 * by all but show-addrs), --prefix P (default "pvd"), --kind
 * ipvlan|macvlan, --route-proto N (249), --addr-proto N (249).
 *
 * Each run is a restart of the reconciler: what FILE records is re-adopted
 * and stays unconfirmed unless STATE has it; --remove-stale ends the grace
 * period first (kernel_grace_over), so everything not in STATE goes.
 *
 * STATE (a file, or stdin when absent or "-"), one object a line, '#'
 * comments; lifetimes in seconds or "forever", pref low|medium|high:
 *   vrf NAME TABLE ALIAS
 *   subif NAME PARENT VRF
 *   addr DEV ADDR/PLEN VALID PREFERRED
 *   route TABLE DST/PLEN GW|- DEV LIFETIME PREF METRIC
 *   unreachable TABLE inet|inet6 METRIC          (default route)
 *   scope TABLE            a partial state of these tables (kernel_state.partial)
 *
 * Output: list-vrfs prints "NAME TABLE ALIAS" lines; show-addrs prints
 * "DEV ADDR/PLEN proto N flags 0xF" for every IPv6 address (iproute2 6.1
 * does not show IFA_PROTO); usable prints "yes" or "no"; watch prints "link IFINDEX NAME up|down
 * [removed]", "dadfailed DEV ADDR", "resync".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "kernel.h"
#include "log.h"

#define DRIVER_MAX 256

struct driver_state {
	struct kvrf vrfs[DRIVER_MAX];
	struct ksubif subifs[DRIVER_MAX];
	struct kaddr addrs[DRIVER_MAX];
	struct kroute routes[DRIVER_MAX];
	uint32_t tables[DRIVER_MAX];
	struct kernel_state st;
};

static int driver_u32(const char *s, uint32_t *ret)
{
	char *end;
	unsigned long v;

	if (!strcmp(s, "forever")) {
		*ret = UINT32_MAX;
		return 0;
	}
	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || v > UINT32_MAX)
		return -EINVAL;
	*ret = (uint32_t)v;
	return 0;
}

static int driver_prefix(const char *s, struct in6_addr *ret, uint8_t *ret_plen)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash;
	uint32_t plen;

	if (!strcmp(s, "default")) {
		*ret = in6addr_any;
		*ret_plen = 0;
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (!slash)
		return -EINVAL;
	*slash = '\0';
	if (inet_pton(AF_INET6, buf, ret) != 1 || driver_u32(slash + 1, &plen) < 0 || plen > 128)
		return -EINVAL;
	*ret_plen = (uint8_t)plen;
	return 0;
}

static int driver_pref(const char *s, int8_t *ret)
{
	if (!strcmp(s, "low"))
		*ret = -1;
	else if (!strcmp(s, "medium"))
		*ret = 0;
	else if (!strcmp(s, "high"))
		*ret = 1;
	else
		return -EINVAL;
	return 0;
}

static int driver_line(struct kernel *k, struct driver_state *d, char *line)
{
	char *f[9];
	int n = 0;

	for (char *tok = strtok(line, " \t\n"); tok && n < 9; tok = strtok(NULL, " \t\n"))
		f[n++] = tok;
	if (n == 0 || f[0][0] == '#')
		return 0;
	if (!strcmp(f[0], "vrf") && n >= 3 && d->st.n_vrfs < DRIVER_MAX) {
		struct kvrf *v = &d->vrfs[d->st.n_vrfs++];

		snprintf(v->name, sizeof(v->name), "%s", f[1]);
		snprintf(v->alias, sizeof(v->alias), "%s", n > 3 ? f[3] : "");
		return driver_u32(f[2], &v->table);
	}
	if (!strcmp(f[0], "subif") && n == 4 && d->st.n_subifs < DRIVER_MAX) {
		struct ksubif *s = &d->subifs[d->st.n_subifs++];

		snprintf(s->name, sizeof(s->name), "%s", f[1]);
		snprintf(s->vrf, sizeof(s->vrf), "%s", f[3]);
		s->parent_ifindex = kernel_link_ifindex(k, f[2]);
		return s->parent_ifindex > 0 ? 0 : s->parent_ifindex;
	}
	if (!strcmp(f[0], "addr") && n == 5 && d->st.n_addrs < DRIVER_MAX) {
		struct kaddr *a = &d->addrs[d->st.n_addrs++];

		snprintf(a->dev, sizeof(a->dev), "%s", f[1]);
		if (driver_prefix(f[2], &a->addr, &a->plen) < 0 || driver_u32(f[3], &a->valid) < 0 ||
		    driver_u32(f[4], &a->preferred) < 0)
			return -EINVAL;
		return 0;
	}
	if (!strcmp(f[0], "route") && n == 8 && d->st.n_routes < DRIVER_MAX) {
		struct kroute *r = &d->routes[d->st.n_routes++];

		r->family = AF_INET6;
		snprintf(r->dev, sizeof(r->dev), "%s", f[4]);
		if (driver_u32(f[1], &r->table) < 0 || driver_prefix(f[2], &r->dst, &r->plen) < 0 ||
		    (strcmp(f[3], "-") && inet_pton(AF_INET6, f[3], &r->gw) != 1) ||
		    driver_u32(f[5], &r->lifetime) < 0 || driver_pref(f[6], &r->pref) < 0 ||
		    driver_u32(f[7], &r->metric) < 0)
			return -EINVAL;
		return 0;
	}
	if (!strcmp(f[0], "scope") && n == 2 && d->st.n_tables < DRIVER_MAX) {
		d->st.partial = true;
		return driver_u32(f[1], &d->tables[d->st.n_tables++]);
	}
	if (!strcmp(f[0], "unreachable") && n == 4 && d->st.n_routes < DRIVER_MAX) {
		struct kroute *r = &d->routes[d->st.n_routes++];

		*r = (struct kroute) { .lifetime = UINT32_MAX, .unreachable = true };
		if (!strcmp(f[2], "inet") || !strcmp(f[2], "inet6"))
			r->family = f[2][4] ? AF_INET6 : AF_INET;
		if (!r->family || driver_u32(f[1], &r->table) < 0 || driver_u32(f[3], &r->metric) < 0)
			return -EINVAL;
		return 0;
	}
	return -EINVAL;
}

static int driver_u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static int driver_read_state(struct kernel *k, const char *path, struct driver_state *d)
{
	FILE *f = (!path || !strcmp(path, "-")) ? stdin : fopen(path, "re");
	char line[512];
	int lineno = 0, r = 0;

	if (!f) {
		fprintf(stderr, "kernel-driver: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		r = driver_line(k, d, line);
		if (r < 0) {
			fprintf(stderr, "kernel-driver: %s:%d: bad line: %s\n", path ?: "-", lineno, strerror(-r));
			break;
		}
	}
	if (f != stdin)
		fclose(f);
	d->st = (struct kernel_state) {
		.vrfs = d->vrfs, .n_vrfs = d->st.n_vrfs,
		.subifs = d->subifs, .n_subifs = d->st.n_subifs,
		.addrs = d->addrs, .n_addrs = d->st.n_addrs,
		.routes = d->routes, .n_routes = d->st.n_routes,
		.partial = d->st.partial, .tables = d->tables, .n_tables = d->st.n_tables,
	};
	qsort(d->tables, d->st.n_tables, sizeof(d->tables[0]), driver_u32_cmp);
	return r;
}

/* ---- show-addrs: our own dump, because iproute2 6.1 hides IFA_PROTO ---- */

static int driver_addr_cb(const struct nlmsghdr *h, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(h);
	const struct nlattr *attr;
	char s[INET6_ADDRSTRLEN] = "?", dev[IF_NAMESIZE];
	uint32_t flags = ifa->ifa_flags;
	unsigned proto = 0;

	(void)data;
	if (ifa->ifa_family != AF_INET6)
		return MNL_CB_OK;
	mnl_attr_for_each(attr, h, sizeof(*ifa)) {
		switch (mnl_attr_get_type(attr)) {
		case IFA_ADDRESS:
			inet_ntop(AF_INET6, mnl_attr_get_payload(attr), s, sizeof(s));
			break;
		case IFA_FLAGS:
			flags = mnl_attr_get_u32(attr);
			break;
		case IFA_PROTO:
			proto = mnl_attr_get_u8(attr);
			break;
		default:
			break;
		}
	}
	if (!if_indextoname(ifa->ifa_index, dev))
		snprintf(dev, sizeof(dev), "%u", ifa->ifa_index);
	printf("%s %s/%u proto %u flags 0x%x\n", dev, s, ifa->ifa_prefixlen, proto, flags);
	return MNL_CB_OK;
}

static int driver_show_addrs(void)
{
	static char buf[32768];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	unsigned portid;
	ssize_t n;
	int r = 0;

	nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return -errno;
	portid = mnl_socket_get_portid(nl);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = 1;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET6;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		r = -errno;
		goto out;
	}
	while ((n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
		r = mnl_cb_run(buf, (size_t)n, 1, portid, driver_addr_cb, NULL);
		if (r <= MNL_CB_STOP)
			break;
	}
	r = r < 0 ? -errno : 0;
out:
	mnl_socket_close(nl);
	return r;
}

/* ---- watch ---- */

static void driver_link_changed(void *userdata, int ifindex, const char *name, bool up, bool removed)
{
	(void)userdata;
	printf("link %d %s %s%s\n", ifindex, name, up ? "up" : "down", removed ? " removed" : "");
	fflush(stdout);
}

static void driver_dad_failed(void *userdata, const char *dev, const struct in6_addr *addr)
{
	char s[INET6_ADDRSTRLEN];

	(void)userdata;
	printf("dadfailed %s %s\n", dev, inet_ntop(AF_INET6, addr, s, sizeof(s)));
	fflush(stdout);
}

static void driver_resync(void *userdata)
{
	(void)userdata;
	printf("resync\n");
	fflush(stdout);
}

static void driver_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
}

static void driver_usage(void)
{
	fprintf(stderr, "usage: kernel-driver [-v] [--owned FILE] [--prefix P] [--kind ipvlan|macvlan] "
		"[--route-proto N] [--addr-proto N]\n"
		"       reconcile [--remove-stale] [STATE] | list-vrfs | remove-all | show-addrs |\n"
		"       usable NAME TABLE | watch SECONDS\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct driver_state d;
	struct kernel_config cfg = {
		.route_proto = 249,
		.addr_proto = 249,
		.subif_kind = KERNEL_SUBIF_IPVLAN,
		.vrf_prefix = "pvd",
	};
	const struct kernel_events events = {
		.link_changed = driver_link_changed,
		.dad_failed = driver_dad_failed,
		.resync_needed = driver_resync,
	};
	struct ev_loop *loop = EV_DEFAULT;
	struct kernel *k = NULL;
	const char *action;
	uint32_t v;
	int i, r;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-v"))
			log_set_level(LOG_DEBUG);
		else if (!strcmp(argv[i], "--owned") && i + 1 < argc)
			cfg.owned_path = argv[++i];
		else if (!strcmp(argv[i], "--prefix") && i + 1 < argc)
			cfg.vrf_prefix = argv[++i];
		else if (!strcmp(argv[i], "--kind") && i + 1 < argc)
			cfg.subif_kind = !strcmp(argv[++i], "macvlan") ? KERNEL_SUBIF_MACVLAN : KERNEL_SUBIF_IPVLAN;
		else if (!strcmp(argv[i], "--route-proto") && i + 1 < argc && driver_u32(argv[i + 1], &v) == 0 && v < 256)
			cfg.route_proto = (uint8_t)v, i++;
		else if (!strcmp(argv[i], "--addr-proto") && i + 1 < argc && driver_u32(argv[i + 1], &v) == 0 && v < 256)
			cfg.addr_proto = (uint8_t)v, i++;
		else
			driver_usage();
	}
	if (i >= argc)
		driver_usage();
	action = argv[i++];
	if (!strcmp(action, "show-addrs"))
		return driver_show_addrs() < 0 ? 1 : 0;

	r = kernel_open(loop, &cfg, &events, NULL, &k);
	if (r < 0) {
		fprintf(stderr, "kernel-driver: kernel_open: %s\n", strerror(-r));
		return 1;
	}
	if (!strcmp(action, "reconcile")) {
		bool stale = i < argc && !strcmp(argv[i], "--remove-stale");

		i += stale;
		r = driver_read_state(k, i < argc ? argv[i] : NULL, &d);
		if (stale)
			kernel_grace_over(k);
		if (r == 0)
			r = kernel_reconcile(k, &d.st);
	} else if (!strcmp(action, "list-vrfs")) {
		struct kvrf *vrfs = NULL;
		size_t n = 0;

		r = kernel_list_owned_vrfs(k, &vrfs, &n);
		for (size_t j = 0; r == 0 && j < n; j++)
			printf("%s %u %s\n", vrfs[j].name, vrfs[j].table, vrfs[j].alias);
		free(vrfs);
	} else if (!strcmp(action, "usable") && i + 2 == argc && driver_u32(argv[i + 1], &v) == 0) {
		printf("%s\n", kernel_vrf_slot_usable(k, argv[i], v) ? "yes" : "no");
		r = 0;
	} else if (!strcmp(action, "remove-all")) {
		r = kernel_remove_all(k);
	} else if (!strcmp(action, "watch") && i < argc && driver_u32(argv[i], &v) == 0) {
		ev_timer t;

		printf("watching\n");
		fflush(stdout);
		ev_timer_init(&t, driver_timeout, v, 0);
		ev_timer_start(loop, &t);
		ev_run(loop, 0);
		r = 0;
	} else {
		kernel_close(k);
		driver_usage();
	}
	kernel_close(k);
	if (r < 0)
		fprintf(stderr, "kernel-driver: %s: %s\n", action, strerror(-r));
	return r < 0 ? 1 : 0;
}
