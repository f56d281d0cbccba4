/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pvd-vrfd: maps IPv6 Provisioning Domains (RFC 8801) learnt from Router
 * Advertisements to VRFs.  This file is the glue: it owns the event loop and
 * wires the raw socket -> parser -> registry -> kernel reconciler and the
 * per-PvD resolv.conf files.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "bus.h"
#include "conf.h"
#include "dns.h"
#include "icmp6.h"
#include "kernel.h"
#include "log.h"
#include "ndisc.h"
#include "pvd.h"

#define ROUTE_PROTO 249		/* "pvd" in /etc/iproute2/rt_protos.d/pvd-vrfd.conf */
#define ADDR_PROTO 249
#define VRF_PREFIX "pvd"
#define METRIC_PREFIX 256	/* the kernel's own metric for prefix routes */
#define METRIC_ROUTER 1024	/* ... and for RA-learnt routes */
/* The VRF's last resort, as Documentation/networking/vrf.rst advises: without
 * it a lookup that misses the VRF's table falls through to the main table,
 * and a PvD without a default router would leak into the host's. */
#define METRIC_UNREACHABLE 4278198272u

struct daemon {
	struct conf conf;
	struct ev_loop *loop;
	struct pvd_registry *registry;
	struct kernel *kernel;
	int icmp_fd;
	ev_io icmp_io;
	ev_timer expiry;
	ev_timer grace;
	ev_timer solicit;		/* RS retransmissions at start */
	unsigned solicitations;
	ev_idle reconcile;
	ev_signal sigterm, sigint, sigusr1;
	uint64_t dropped[_NDISC_REASON_MAX];	/* whole RAs, by reason */
	uint64_t ignored[_NDISC_REASON_MAX];	/* single options, by reason */
	uint64_t not_managed;		/* RAs on links we do not manage */
	char (*dns_vrfs)[IFNAMSIZ];	/* VRFs we wrote a resolv.conf for */
	size_t n_dns_vrfs;
	struct bus *bus;		/* NULL: running without D-Bus */
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Links we listen on: configured, and never our own or loopback. */
static bool link_is_managed(const struct daemon *d, int ifindex, char ifname[IFNAMSIZ])
{
	if (!if_indextoname(ifindex, ifname))
		return false;
	if (!strcmp(ifname, "lo") || !strncmp(ifname, VRF_PREFIX, strlen(VRF_PREFIX)))
		return false;
	return conf_link_matches(&d->conf, ifname);
}

/* ---- desired kernel state, from the registry ---- */

struct want {
	struct kvrf *vrfs;
	struct ksubif *subifs;
	struct kaddr *addrs;
	struct kroute *routes;
	struct kernel_state state;
};

static void want_free(struct want *w)
{
	free(w->vrfs);
	free(w->subifs);
	free(w->addrs);
	free(w->routes);
}

static bool subif_listed(const struct want *w, const char *name)
{
	for (size_t i = 0; i < w->state.n_subifs; i++)
		if (!strcmp(w->subifs[i].name, name))
			return true;
	return false;
}

/* Each router of a PvD gets its own metric band, so that its default and
 * RIO routes never share a (table, dst, metric) key with another router's;
 * within it, higher preference first. */
static uint32_t router_metric(const struct pvd *p, const struct in6_addr *router, enum ndisc_preference pref)
{
	uint32_t slot = 0;

	for (size_t i = 0; i < p->n_objs; i++) {
		if (p->objs[i].kind != PVD_OBJ_ROUTER)
			continue;
		if (!memcmp(&p->objs[i].addr, router, sizeof(*router)))
			break;
		slot++;
	}
	return METRIC_ROUTER + 4 * slot + (1 - pref);
}

static int want_build(const struct pvd_registry *r, uint64_t now, struct want *w)
{
	size_t n_pvds = pvd_registry_count(r), n_objs = 0;

	for (size_t i = 0; i < n_pvds; i++)
		n_objs += pvd_registry_get(r, i)->n_objs;
	*w = (struct want) {
		.vrfs = calloc(n_pvds + 1, sizeof(struct kvrf)),
		.subifs = calloc(n_objs + 1, sizeof(struct ksubif)),
		.addrs = calloc(n_objs + 1, sizeof(struct kaddr)),
		.routes = calloc(n_objs + 2 * n_pvds + 1, sizeof(struct kroute)),
	};
	if (!w->vrfs || !w->subifs || !w->addrs || !w->routes) {
		want_free(w);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n_pvds; i++) {
		const struct pvd *p = pvd_registry_get(r, i);
		struct kvrf *v = &w->vrfs[w->state.n_vrfs++];

		snprintf(v->name, sizeof(v->name), "%s", p->vrf);
		snprintf(v->alias, sizeof(v->alias), "%s", p->name);
		v->table = p->table;
		w->routes[w->state.n_routes++] = (struct kroute) {
			.family = AF_INET6, .table = p->table, .lifetime = UINT32_MAX, .metric = METRIC_UNREACHABLE,
			.unreachable = true,
		};
		w->routes[w->state.n_routes++] = (struct kroute) {
			.family = AF_INET, .table = p->table, .lifetime = UINT32_MAX, .metric = METRIC_UNREACHABLE,
			.unreachable = true,
		};
		for (size_t j = 0; j < p->n_objs; j++) {
			const struct pvd_obj *o = &p->objs[j];
			uint32_t valid = pvd_seconds_left(o->expires_ms, now);
			char subif[IFNAMSIZ];
			struct kroute *rt;

			if (stable_subif_name(p->id, o->ifindex, subif) < 0)
				continue;
			if (!subif_listed(w, subif)) {
				struct ksubif *s = &w->subifs[w->state.n_subifs++];

				snprintf(s->name, sizeof(s->name), "%s", subif);
				snprintf(s->vrf, sizeof(s->vrf), "%s", p->vrf);
				s->parent_ifindex = o->ifindex;
			}
			switch (o->kind) {
			case PVD_OBJ_PREFIX:
				if (o->has_address) {
					struct kaddr *a = &w->addrs[w->state.n_addrs++];

					snprintf(a->dev, sizeof(a->dev), "%s", subif);
					a->addr = o->address;
					a->plen = o->plen;
					a->valid = valid;
					a->preferred = pvd_seconds_left(o->preferred_ms, now);
				}
				if (!o->on_link)
					break;
				rt = &w->routes[w->state.n_routes++];
				*rt = (struct kroute) { .family = AF_INET6, .table = p->table, .dst = o->addr,
							.plen = o->plen, .lifetime = valid, .metric = METRIC_PREFIX };
				snprintf(rt->dev, sizeof(rt->dev), "%s", subif);
				break;
			case PVD_OBJ_ROUTER:
				rt = &w->routes[w->state.n_routes++];
				*rt = (struct kroute) { .family = AF_INET6, .table = p->table, .gw = o->addr,
							.lifetime = valid,
							.pref = o->pref,
							.metric = router_metric(p, &o->addr, o->pref) };
				snprintf(rt->dev, sizeof(rt->dev), "%s", subif);
				break;
			case PVD_OBJ_ROUTE:
				rt = &w->routes[w->state.n_routes++];
				*rt = (struct kroute) { .family = AF_INET6, .table = p->table, .dst = o->addr,
							.plen = o->plen, .gw = o->router, .lifetime = valid, .pref = o->pref,
							.metric = router_metric(p, &o->router, o->pref) };
				snprintf(rt->dev, sizeof(rt->dev), "%s", subif);
				break;
			case PVD_OBJ_RDNSS:
			case PVD_OBJ_DNSSL:
			case _PVD_OBJ_KIND_MAX:
				break;
			}
		}
	}
	w->state = (struct kernel_state) {
		.vrfs = w->vrfs, .n_vrfs = w->state.n_vrfs,
		.subifs = w->subifs, .n_subifs = w->state.n_subifs,
		.addrs = w->addrs, .n_addrs = w->state.n_addrs,
		.routes = w->routes, .n_routes = w->state.n_routes,
	};
	return 0;
}

/* ---- resolv.conf files: one per PvD, removed with it ---- */

static void dns_sync(struct daemon *d)
{
	size_t n = pvd_registry_count(d->registry);
	char (*now)[IFNAMSIZ] = calloc(n + 1, IFNAMSIZ);
	int r;

	if (!now)
		return;
	for (size_t i = 0; i < n; i++) {
		const struct pvd *p = pvd_registry_get(d->registry, i);

		snprintf(now[i], IFNAMSIZ, "%s", p->vrf);
		r = dns_write(d->conf.run_dir, p);
		if (r < 0)
			log_error("PvD '%s': cannot write %s/%s/resolv.conf: %s", p->name, d->conf.run_dir,
				  p->vrf, strerror(-r));
	}
	for (size_t i = 0; i < d->n_dns_vrfs; i++) {
		bool kept = false;

		for (size_t j = 0; j < n && !kept; j++)
			kept = !strcmp(d->dns_vrfs[i], now[j]);
		if (!kept)
			dns_remove(d->conf.run_dir, d->dns_vrfs[i]);
	}
	free(d->dns_vrfs);
	d->dns_vrfs = now;
	d->n_dns_vrfs = n;
}

/* ---- reconciliation: coalesced to once per loop iteration ---- */

static void schedule_expiry(struct daemon *d)
{
	uint64_t next = pvd_registry_next_expiry(d->registry), now = now_ms();

	ev_timer_stop(d->loop, &d->expiry);
	if (next == UINT64_MAX)
		return;
	ev_timer_set(&d->expiry, next > now ? (next - now) / 1000.0 : 0, 0);
	ev_timer_start(d->loop, &d->expiry);
}

static void changed(struct daemon *d)
{
	ev_idle_start(d->loop, &d->reconcile);
}

static void on_reconcile(struct ev_loop *loop, ev_idle *w, int revents)
{
	struct daemon *d = w->data;
	struct want want;
	int r;

	(void)revents;
	ev_idle_stop(loop, w);
	r = want_build(d->registry, now_ms(), &want);
	if (r < 0) {
		log_error("cannot build the desired kernel state: %s", strerror(-r));
		return;
	}
	r = kernel_reconcile(d->kernel, &want.state);
	if (r < 0)
		log_warning("kernel reconciliation incomplete: %s", strerror(-r));
	want_free(&want);
	dns_sync(d);
	bus_sync(d->bus, d->registry);
	schedule_expiry(d);
}

static void on_expiry(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *d = w->data;

	(void)loop;
	(void)revents;
	if (pvd_registry_expire(d->registry, now_ms()))
		changed(d);
	schedule_expiry(d);
}

static void on_grace_over(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *d = w->data;

	(void)loop;
	(void)revents;
	log_info("adoption grace period over: removing what no RA refreshed");
	kernel_grace_over(d->kernel);
	changed(d);
}

/* ---- Router Advertisements in ---- */

static void handle_packet(struct daemon *d, const uint8_t *buf, size_t len, const struct in6_addr *src,
			  int hop_limit, int ifindex)
{
	char ifname[IFNAMSIZ], from[INET6_ADDRSTRLEN];
	enum ndisc_reason reason;
	static struct ndisc_ra ra;	/* ~40 KiB: not on the stack */
	int r;

	if (!link_is_managed(d, ifindex, ifname)) {
		d->not_managed++;
		return;
	}
	inet_ntop(AF_INET6, src, from, sizeof(from));
	r = ndisc_parse_ra(buf, len, src, hop_limit, ifindex, &ra, &reason);
	if (r < 0) {
		d->dropped[reason]++;
		log_warning("RA from %s on '%s' dropped: %s", from, ifname, ndisc_reason_to_string(reason));
		return;
	}
	for (size_t i = 0; i < ra.n_ignored; i++) {
		d->ignored[ra.ignored[i].reason]++;
		log_info("RA from %s on '%s': %s option%s ignored: %s", from, ifname,
			 ndisc_option_to_string(ra.ignored[i].type) ?: "unknown",
			 ra.ignored[i].in_pvd ? " (in PvD option)" : "",
			 ndisc_reason_to_string(ra.ignored[i].reason));
	}
	log_debug("RA from %s on '%s'%s%s", from, ifname, ra.has_pvd ? " for PvD " : "",
		  ra.has_pvd ? ra.pvd.fqdn : "");
	if (pvd_registry_handle_ra(d->registry, &ra, ifname, now_ms()) > 0)
		changed(d);
}

static void on_icmp6(struct ev_loop *loop, ev_io *w, int revents)
{
	struct daemon *d = w->data;
	uint8_t buf[65536];
	struct in6_addr src;
	int hop_limit, ifindex, r;
	size_t len;

	(void)loop;
	(void)revents;
	for (int i = 0; i < 64; i++) {	/* bounded: let timers and netlink run too */
		r = icmp6_receive(d->icmp_fd, buf, sizeof(buf), &len, &src, &hop_limit, &ifindex);
		if (r == -EAGAIN || r == -EINTR)
			return;
		if (r < 0) {
			log_warning("cannot receive an RA: %s, ignoring", strerror(-r));
			continue;
		}
		handle_packet(d, buf, len, &src, hop_limit, ifindex);
	}
}

static void solicit(struct daemon *d, int ifindex, const char *ifname)
{
	int r = icmp6_send_rs(d->icmp_fd, ifindex);

	if (r < 0)
		log_warning("cannot send a Router Solicitation on '%s': %s", ifname, strerror(-r));
	else
		log_debug("Router Solicitation sent on '%s'", ifname);
}

static void solicit_all(struct daemon *d)
{
	struct if_nameindex *links = if_nameindex();
	char ifname[IFNAMSIZ];

	if (!links)
		return;
	for (struct if_nameindex *l = links; l->if_index; l++)
		if (link_is_managed(d, l->if_index, ifname) && kernel_link_is_up(d->kernel, l->if_index))
			solicit(d, l->if_index, ifname);
	if_freenameindex(links);
}

/* RFC 4861 §6.3.7: up to MAX_RTR_SOLICITATIONS (3), RTR_SOLICITATION_INTERVAL
 * (4 s) apart, at start and whenever a managed link comes up (the first may
 * fail while the link's own link-local address is still tentative). */
static void on_solicit(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *d = w->data;

	(void)revents;
	solicit_all(d);
	if (++d->solicitations >= 3)
		ev_timer_stop(loop, w);
}

static void solicit_start(struct daemon *d)
{
	d->solicitations = 0;
	ev_timer_stop(d->loop, &d->solicit);
	ev_timer_set(&d->solicit, 0, 4);
	ev_timer_start(d->loop, &d->solicit);
}

/* ---- kernel events ---- */

static void on_link_changed(void *userdata, int ifindex, const char *name, bool up, bool removed)
{
	struct daemon *d = userdata;
	char ifname[IFNAMSIZ];

	if (!strncmp(name, VRF_PREFIX, strlen(VRF_PREFIX)))
		return;
	if (removed || !up) {
		if (pvd_registry_forget_link(d->registry, ifindex)) {
			log_info("link '%s' %s: forgetting its PvD state", name, removed ? "removed" : "down");
			changed(d);
		}
		return;
	}
	if (link_is_managed(d, ifindex, ifname))
		solicit_start(d);
}

static void on_dad_failed(void *userdata, const char *dev, const struct in6_addr *addr)
{
	struct daemon *d = userdata;

	if (pvd_registry_dad_failed(d->registry, dev, addr) > 0)
		changed(d);
}

static void on_resync(void *userdata)
{
	struct daemon *d = userdata;

	log_warning("netlink events were lost: resynchronising the kernel state");
	changed(d);
}

/* ---- counters, on SIGUSR1, into RUN_DIR/stats ---- */

static void write_stats(struct daemon *d)
{
	char path[256], tmp[270];
	const uint64_t *refusals = pvd_registry_refusals(d->registry);
	FILE *f;

	snprintf(path, sizeof(path), "%s/stats", d->conf.run_dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (mkdir(d->conf.run_dir, 0755) < 0 && errno != EEXIST)
		log_error("cannot create %s: %m", d->conf.run_dir);
	f = fopen(tmp, "we");
	if (!f) {
		log_error("cannot write %s: %m", tmp);
		return;
	}
	fprintf(f, "pvds\t%zu\n", pvd_registry_count(d->registry));
	fprintf(f, "ra-not-managed-link\t%" PRIu64 "\n", d->not_managed);
	for (int i = 0; i < _NDISC_REASON_MAX; i++) {
		if (d->dropped[i])
			fprintf(f, "ra-dropped\t%s\t%" PRIu64 "\n", ndisc_reason_to_string(i), d->dropped[i]);
		if (d->ignored[i])
			fprintf(f, "option-ignored\t%s\t%" PRIu64 "\n", ndisc_reason_to_string(i), d->ignored[i]);
	}
	for (int i = 0; i < _PVD_REFUSED_MAX; i++)
		if (refusals[i])
			fprintf(f, "refused\t%s\t%" PRIu64 "\n", pvd_refusal_to_string(i), refusals[i]);
	if (fclose(f) != 0 || rename(tmp, path) < 0)
		log_error("cannot write %s: %m", path);
}

static void on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon *d = w->data;

	(void)revents;
	if (w->signum == SIGUSR1) {
		write_stats(d);
		return;
	}
	ev_break(loop, EVBREAK_ALL);
}

/* ---- start and stop ---- */

static int load_secret(const char *state_dir, uint8_t secret[STABLE_SECRET_SIZE])
{
	char path[256];
	ssize_t n;
	int fd, r = 0;

	snprintf(path, sizeof(path), "%s/secret", state_dir);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		n = read(fd, secret, STABLE_SECRET_SIZE);
		close(fd);
		if (n == STABLE_SECRET_SIZE)
			return 0;
		log_error("%s: shorter than %d bytes", path, STABLE_SECRET_SIZE);
		return -EINVAL;
	}
	if (errno != ENOENT) {
		r = -errno;
		log_error("cannot read %s: %s", path, strerror(-r));
		return r;
	}
	if (getrandom(secret, STABLE_SECRET_SIZE, 0) != STABLE_SECRET_SIZE)
		return -errno;
	if (mkdir(state_dir, 0700) < 0 && errno != EEXIST) {
		r = -errno;
		log_error("cannot create %s: %s", state_dir, strerror(-r));
		return r;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || write(fd, secret, STABLE_SECRET_SIZE) != STABLE_SECRET_SIZE)
		r = -errno;
	if (fd >= 0 && close(fd) < 0 && r == 0)
		r = -errno;
	if (r < 0)
		log_error("cannot write %s: %s", path, strerror(-r));
	else
		log_info("created a new secret for stable identifiers in %s", path);
	return r;
}

/* New PvDs get only VRF names and tables nobody else uses. */
static bool vrf_usable(void *userdata, const char *vrf, uint32_t table)
{
	return kernel_vrf_slot_usable(userdata, vrf, table);
}

/* VRFs an earlier run left behind (and the kernel re-adopted) keep their
 * names and tables; they and what is on them wait for fresh RAs until the
 * grace period ends. */
static void adopt(struct daemon *d)
{
	struct kvrf *vrfs = NULL;
	size_t n = 0;
	int r;

	r = kernel_list_owned_vrfs(d->kernel, &vrfs, &n);
	if (r < 0) {
		log_warning("cannot list VRFs left by an earlier run: %s", strerror(-r));
		return;
	}
	for (size_t i = 0; i < n; i++) {
		log_info("re-adopting VRF %s (table %u) of PvD '%s'", vrfs[i].name, vrfs[i].table, vrfs[i].alias);
		pvd_registry_reserve(d->registry, vrfs[i].alias, vrfs[i].name, vrfs[i].table);
	}
	free(vrfs);
	if (n == 0 || d->conf.adopt_grace == 0) {
		kernel_grace_over(d->kernel);
		return;
	}
	ev_timer_set(&d->grace, d->conf.adopt_grace, 0);
	ev_timer_start(d->loop, &d->grace);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: pvd-vrfd [OPTIONS]\n"
		"Map IPv6 Provisioning Domains learnt from Router Advertisements to VRFs.\n\n"
		"  -c, --config FILE   configuration file (default %s/pvd-vrfd.conf)\n"
		"      --check-config  parse the configuration, report, and exit\n"
		"  -h, --help          show this help and exit\n"
		"      --version       show the version and exit\n",
		SYSCONFDIR);
}

int main(int argc, char **argv)
{
	enum { OPT_VERSION = 0x100, OPT_CHECK };
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, OPT_CHECK },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ 0 }
	};
	static struct daemon d;	/* signal watchers point into it */
	const char *config = SYSCONFDIR "/pvd-vrfd.conf";
	const struct kernel_events events = {
		.link_changed = on_link_changed, .dad_failed = on_dad_failed, .resync_needed = on_resync,
	};
	uint8_t secret[STABLE_SECRET_SIZE];
	bool check_only = false;
	char err[512], owned[sizeof(d.conf.run_dir) + 8];
	int c, r;

	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case OPT_CHECK:
			check_only = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case OPT_VERSION:
			puts("pvd-vrfd " PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pvd-vrfd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}

	conf_defaults(&d.conf);
	r = conf_load(config, &d.conf, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "pvd-vrfd: %s\n", err);
		return 2;
	}
	if (check_only) {
		printf("%s: OK\n", config);
		return 0;
	}
	log_set_level(d.conf.log_level);

	/* First: it also refuses a kernel we cannot run on, before anything
	 * is written. */
	d.loop = EV_DEFAULT;
	snprintf(owned, sizeof(owned), "%s/owned", d.conf.run_dir);
	const struct kernel_config kconf = {
		.route_proto = ROUTE_PROTO, .addr_proto = ADDR_PROTO, .vrf_prefix = VRF_PREFIX,
		.subif_kind = d.conf.subif_kind == CONF_SUBIF_MACVLAN ? KERNEL_SUBIF_MACVLAN : KERNEL_SUBIF_IPVLAN,
		.owned_path = owned,
	};
	r = kernel_open(d.loop, &kconf, &events, &d, &d.kernel);
	if (r < 0) {
		log_error("cannot start the kernel reconciler: %s", strerror(-r));
		return 1;
	}
	if (load_secret(d.conf.state_dir, secret) < 0)
		return 1;
	r = pvd_registry_new(&d.conf, secret, &d.registry);
	if (r < 0)
		return 1;
	pvd_registry_set_vrf_filter(d.registry, vrf_usable, d.kernel);
	d.icmp_fd = icmp6_open();
	if (d.icmp_fd < 0) {
		log_error("cannot open the raw ICMPv6 socket: %s", strerror(-d.icmp_fd));
		return 1;
	}

	ev_io_init(&d.icmp_io, on_icmp6, d.icmp_fd, EV_READ);
	ev_timer_init(&d.expiry, on_expiry, 0, 0);
	ev_timer_init(&d.grace, on_grace_over, 0, 0);
	ev_timer_init(&d.solicit, on_solicit, 0, 0);
	ev_idle_init(&d.reconcile, on_reconcile);
	ev_signal_init(&d.sigterm, on_signal, SIGTERM);
	ev_signal_init(&d.sigint, on_signal, SIGINT);
	ev_signal_init(&d.sigusr1, on_signal, SIGUSR1);
	d.icmp_io.data = d.expiry.data = d.grace.data = d.solicit.data = d.reconcile.data = &d;
	d.sigterm.data = d.sigint.data = d.sigusr1.data = &d;
	ev_io_start(d.loop, &d.icmp_io);
	ev_signal_start(d.loop, &d.sigterm);
	ev_signal_start(d.loop, &d.sigint);
	ev_signal_start(d.loop, &d.sigusr1);

	/* org.pvd is what the `pvd` client talks to, but the kernel side works
	 * without it (and its tests run without a bus): no system bus, or no
	 * right to the name, is a warning, not a failure. */
	const struct bus_counters counters = {
		.dropped = d.dropped, .ignored = d.ignored, .not_managed = &d.not_managed,
	};
	r = bus_open(d.loop, d.registry, &counters, d.conf.run_dir, &d.bus);
	if (r < 0)
		log_warning("cannot provide %s on the system bus: %s; running without D-Bus", BUS_NAME, strerror(-r));
	else
		log_info("%s on the system bus", BUS_NAME);

	adopt(&d);
	solicit_start(&d);
	log_info("pvd-vrfd %s started (config %s)", PACKAGE_VERSION, config);
	sd_notify(0, "READY=1\nSTATUS=Listening for Router Advertisements");
	ev_run(d.loop, 0);

	sd_notify(0, "STOPPING=1");
	if (d.conf.keep_on_exit) {
		log_info("stopping; keeping the VRFs (keep_on_exit)");
	} else {
		log_info("stopping; removing the VRFs, sub-interfaces, routes and addresses it made");
		r = kernel_remove_all(d.kernel);
		if (r < 0)
			log_error("cannot remove everything: %s", strerror(-r));
		for (size_t i = 0; i < d.n_dns_vrfs; i++)
			dns_remove(d.conf.run_dir, d.dns_vrfs[i]);
	}
	bus_close(d.bus);
	close(d.icmp_fd);
	kernel_close(d.kernel);
	pvd_registry_free(d.registry);
	free(d.dns_vrfs);
	return 0;
}
