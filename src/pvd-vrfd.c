/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pvd-vrfd: maps IPv6 Provisioning Domains (RFC 8801) learnt from Router
 * Advertisements to VRFs.  This file is the glue: it owns the event loop and
 * wires the raw socket -> parser -> registry -> kernel reconciler and the
 * per-PvD resolv.conf files, and registry -> scheduler -> fetcher for the
 * PvD Additional Information (RFC 8801 §4).
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
#include "fetch.h"
#include "icmp6.h"
#include "info-sched.h"
#include "kernel.h"
#include "log.h"
#include "ndisc.h"
#include "pvd.h"
#include "want.h"

#define ROUTE_PROTO 249		/* "pvd" in /etc/iproute2/rt_protos.d/pvd-vrfd.conf */
#define ADDR_PROTO 249
#define VRF_PREFIX "pvd"

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
	bool remove_stale;		/* false during the adoption grace period */
	uint64_t dropped[_NDISC_REASON_MAX];	/* whole RAs, by reason */
	uint64_t ignored[_NDISC_REASON_MAX];	/* single options, by reason */
	uint64_t not_managed;		/* RAs on links we do not manage */
	char (*dns_vrfs)[IFNAMSIZ];	/* VRFs we wrote a resolv.conf for */
	size_t n_dns_vrfs;
	struct bus *bus;		/* NULL: running without D-Bus */
	struct info_sched *sched;	/* when to fetch additional information */
	struct fetch *fetch;		/* NULL: additional_info = no */
	struct pvdinfo_table *info;	/* per PvD: what D-Bus and resolv.conf show */
	ev_timer info_timer;
	uint64_t info_unfetchable;	/* H set on a PvD ID that is never fetched */
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

static uint32_t random_u32(void)
{
	uint32_t r;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = (uint32_t)random();
	return r;
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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

		const struct pvdinfo *info = pvdinfo_table_find(d->info, p->name);
		bool zones = info && info->state == PVDINFO_VALID;

		snprintf(now[i], IFNAMSIZ, "%s", p->vrf);
		r = dns_write(d->conf.run_dir, p, zones ? (const char (*)[NDISC_NAME_MAX + 1])info->dns_zones : NULL,
			      zones ? info->n_dns_zones : 0);
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

/* ---- PvD Additional Information (RFC 8801 §4) ----
 * The registry feeds the scheduler after every change (RA, expiry, link
 * loss); the scheduler says what is due; the fetcher fetches through the
 * PvD and reports back.  The per-PvD verdict lives in d->info, which D-Bus
 * and the resolv.conf writer read.  Logging: one line per fetch result,
 * which the scheduler's limits (10 s per PvD, 5 per 10 s per link, no retry
 * after a failure) bound per PvD. */

static void changed(struct daemon *d);

#define INFO_POSTPONE_MS 1000	/* no address or DNS server yet: ask again after this */

static void info_set(struct daemon *d, const char *name, enum pvdinfo_state state, const char *reason)
{
	struct pvdinfo *e = pvdinfo_table_get(d->info, name);

	if (!e) {
		log_error("PvD '%s': out of memory for its additional information", name);
		return;
	}
	pvdinfo_set(e, state, "%s", reason);
}

/* What to fetch for `p` through link `ifindex`: its VRF, its addresses on
 * that link (any link if none there), its RDNSS, its PIOs. */
static int info_request(struct daemon *d, const struct pvd *p, int ifindex, struct fetch_request *req)
{
	char subif[IFNAMSIZ];

	*req = (struct fetch_request) { .n_sources = 0 };
	snprintf(req->pvd_id, sizeof(req->pvd_id), "%s", p->name);
	snprintf(req->vrf, sizeof(req->vrf), "%s", p->vrf);
	for (int pass = 0; pass < 2 && req->n_sources == 0; pass++)
		for (size_t i = 0; i < p->n_objs && req->n_sources < FETCH_SOURCES_MAX; i++) {
			const struct pvd_obj *o = &p->objs[i];

			if (o->kind == PVD_OBJ_ADDRESS && o->has_address && (pass == 1 || o->ifindex == ifindex))
				req->sources[req->n_sources++] = o->address;
		}
	for (size_t i = 0; i < p->n_objs; i++) {
		const struct pvd_obj *o = &p->objs[i];
		bool seen = false;

		if (o->kind == PVD_OBJ_RDNSS && req->n_dns < FETCH_DNS_MAX) {
			int scope = 0;

			for (size_t k = 0; k < req->n_dns && !seen; k++)
				seen = !memcmp(&req->dns[k], &o->addr, sizeof(o->addr));
			if (seen)
				continue;
			/* A link-local server is reached through the PvD's
			 * sub-interface on the link it was learnt on. */
			if (IN6_IS_ADDR_LINKLOCAL(&o->addr)) {
				if (stable_subif_name(p->id, o->ifindex, subif) < 0)
					continue;
				scope = kernel_link_ifindex(d->kernel, subif);
				if (scope <= 0)
					continue;
			}
			req->dns[req->n_dns] = o->addr;
			req->dns_scope[req->n_dns++] = scope;
		} else if (o->kind == PVD_OBJ_PREFIX && req->n_pios < FETCH_PIOS_MAX) {
			for (size_t k = 0; k < req->n_pios && !seen; k++)
				seen = req->pios[k].plen == o->plen &&
				       !memcmp(&req->pios[k].addr, &o->addr, sizeof(o->addr));
			if (!seen)
				req->pios[req->n_pios++] = (struct pvdinfo_prefix) { .addr = o->addr, .plen = o->plen };
		}
	}
	if (req->n_dns == 0)
		return -ENOENT;
	if (req->n_sources == 0)
		return -EADDRNOTAVAIL;
	return 0;
}

static void on_info_done(void *userdata, const char *pvd_id, struct pvdinfo *result)
{
	struct daemon *d = userdata;
	uint64_t now = now_ms(), expires = 0;
	bool ok = result->state == PVDINFO_VALID;
	struct pvdinfo *e;
	char text[PVDINFO_REASON_MAX + 32];

	if (ok) {
		int64_t left = result->expires_ms - wall_ms();

		expires = now + (left > 0 ? (uint64_t)left : 0);
	}
	/* The scheduler refuses a valid object fetched before the PvD changed;
	 * a failure is shown in any case (a fetch made stale by a Sequence
	 * change or the PvD's removal was cancelled, so never reports). */
	if (!info_sched_done(d->sched, pvd_id, ok, expires, now, random_u32()) && ok) {
		log_debug("PvD '%s': additional information result dropped: the PvD changed meanwhile", pvd_id);
		changed(d);
		return;
	}
	pvdinfo_state_text(result, text, sizeof(text));
	if (ok)
		log_info("PvD '%s': additional information valid until %" PRId64 " (Unix time)", pvd_id,
			 result->expires);
	else if (result->state == PVDINFO_NONE)
		log_info("PvD '%s': no additional information: %s", pvd_id, result->reason);
	else
		log_warning("PvD '%s': additional information %s; not asking again on this attachment", pvd_id,
			    text);
	e = pvdinfo_table_get(d->info, pvd_id);
	if (e)
		pvdinfo_move(e, result);
	changed(d);
}

/* Registry -> scheduler, then start what is due and arm the timer. */
static void info_sync(struct daemon *d)
{
	uint64_t now = now_ms(), next;
	int64_t wall = wall_ms(), soonest = INT64_MAX;
	const char *id;
	int ifindex;

	/* PvDs that are gone. */
	for (size_t i = pvdinfo_table_count(d->info); i-- > 0;) {
		const char *name;

		pvdinfo_table_at(d->info, i, &name);
		if (pvd_registry_find(d->registry, name))
			continue;
		info_sched_remove(d->sched, name);
		fetch_cancel(d->fetch, name);
		pvdinfo_table_remove(d->info, name);
	}
	for (size_t i = 0; i < pvd_registry_count(d->registry); i++) {
		const struct pvd *p = pvd_registry_get(d->registry, i);
		bool h, fetchable;
		struct pvdinfo *e;

		if (p->implicit)
			continue;
		fetchable = ndisc_pvd_id_fetchable(p->name);
		/* §3.1 H: "Additional Information is available" only then. */
		h = p->http && fetchable && d->fetch;
		e = pvdinfo_table_get(d->info, p->name);
		if (!e)
			continue;
		if (p->http && !fetchable && e->state == PVDINFO_NONE && !e->reason[0]) {
			d->info_unfetchable++;
			log_warning("PvD '%s': H flag set, but this PvD ID is never fetched (localhost, .local, .arpa or "
				    "an IP literal), ignoring", p->name);
			pvdinfo_set(e, PVDINFO_NONE, "PvD ID is never fetched");
		}
		for (size_t k = 0; k < p->n_objs; k++) {
			bool first = true;

			for (size_t m = 0; m < k && first; m++)
				first = p->objs[m].ifindex != p->objs[k].ifindex;
			if (!first)
				continue;
			/* §4.1 "Whenever a new RA for the same PvD is received with
			 * a different Sequence Number value ... hosts MUST
			 * deprecate the additional information": at once. */
			if (info_sched_update(d->sched, p->name, p->objs[k].ifindex, h, p->sequence, p->delay, now,
					      random_u32())) {
				fetch_cancel(d->fetch, p->name);
				pvdinfo_set(e, h ? PVDINFO_PENDING : PVDINFO_NONE, "%s", "");
			}
		}
		/* §4.1 "or whenever the expiry date for the additional
		 * information is reached": deprecated too. */
		if (e->state == PVDINFO_VALID) {
			if (e->expires_ms <= wall)
				pvdinfo_set(e, PVDINFO_NONE, "expired");
			else if (e->expires_ms < soonest)
				soonest = e->expires_ms;
		}
	}
	while ((id = info_sched_due(d->sched, now, &ifindex))) {
		const struct pvd *p = pvd_registry_find(d->registry, id);
		struct fetch_request req;
		char name[NDISC_NAME_MAX + 1];
		int r = p ? info_request(d, p, ifindex, &req) : -ENOENT;

		snprintf(name, sizeof(name), "%s", id);
		if (r == 0)
			r = fetch_start(d->fetch, &req);
		if (r == 0) {
			info_set(d, name, PVDINFO_PENDING, "");
			log_debug("PvD '%s': fetching its additional information", name);
			continue;
		}
		if (r == -ENOENT || r == -EADDRNOTAVAIL) {
			/* §4.1: "it may therefore be necessary to wait for an
			 * address to be available": not a failure, ask again. */
			log_debug("PvD '%s': additional information postponed: %s", name,
				  r == -ENOENT ? "no DNS server yet" : "no address yet");
			info_sched_postpone(d->sched, name, now + INFO_POSTPONE_MS);
			continue;
		}
		log_warning("PvD '%s': cannot fetch its additional information: %s", name, strerror(-r));
		info_sched_done(d->sched, name, false, 0, now, random_u32());
		info_set(d, name, PVDINFO_INVALID, strerror(-r));
	}
	next = info_sched_next(d->sched);
	if (soonest != INT64_MAX) {
		uint64_t at = now + (uint64_t)(soonest - wall);

		if (at < next)
			next = at;
	}
	ev_timer_stop(d->loop, &d->info_timer);
	if (next == UINT64_MAX)
		return;
	ev_timer_set(&d->info_timer, next > now ? (next - now) / 1000.0 : 0, 0);
	ev_timer_start(d->loop, &d->info_timer);
}

static void on_info_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	changed(w->data);
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
	r = kernel_reconcile(d->kernel, &want.state, d->remove_stale);
	if (r < 0)
		log_warning("kernel reconciliation incomplete: %s", strerror(-r));
	want_free(&want);
	info_sync(d);
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
	d->remove_stale = true;
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
		/* RFC 8801 §4.4: failures count "for the duration of the local
		 * network attachment": a new one starts clean. */
		info_sched_forget_link(d->sched, ifindex);
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
	const uint64_t *info = info_sched_counters(d->sched);
	for (int i = 0; i < _INFO_SCHED_COUNTER_MAX; i++)
		fprintf(f, "info\t%s\t%" PRIu64 "\n", info_sched_counter_to_string(i), info[i]);
	fprintf(f, "info\tunfetchable-pvd-id\t%" PRIu64 "\n", d->info_unfetchable);
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

/* VRFs an earlier run left behind keep their names and tables. */
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
	d->remove_stale = n == 0 || d->conf.adopt_grace == 0;
	if (!d->remove_stale) {
		ev_timer_set(&d->grace, d->conf.adopt_grace, 0);
		ev_timer_start(d->loop, &d->grace);
	}
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
	char err[512];
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

	if (load_secret(d.conf.state_dir, secret) < 0)
		return 1;
	r = pvd_registry_new(&d.conf, secret, &d.registry);
	if (r < 0)
		return 1;
	d.loop = EV_DEFAULT;
	if (info_sched_new(&d.sched) < 0 || pvdinfo_table_new(&d.info) < 0) {
		log_error("out of memory");
		return 1;
	}
	if (d.conf.additional_info) {
		r = fetch_new(d.loop, d.conf.additional_info_ca_file, on_info_done, &d, &d.fetch);
		if (r < 0) {
			log_error("cannot set up fetching additional information: %s", strerror(-r));
			return 1;
		}
	}
	const struct kernel_config kconf = {
		.route_proto = ROUTE_PROTO, .addr_proto = ADDR_PROTO, .vrf_prefix = VRF_PREFIX,
		.subif_kind = d.conf.subif_kind == CONF_SUBIF_MACVLAN ? KERNEL_SUBIF_MACVLAN : KERNEL_SUBIF_IPVLAN,
	};
	r = kernel_open(d.loop, &kconf, &events, &d, &d.kernel);
	if (r < 0) {
		log_error("cannot open rtnetlink: %s", strerror(-r));
		return 1;
	}
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
	ev_timer_init(&d.info_timer, on_info_timer, 0, 0);
	d.info_timer.data = &d;
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
	bus_set_info(d.bus, d.info);

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
	fetch_free(d.fetch);
	info_sched_free(d.sched);
	pvdinfo_table_free(d.info);
	close(d.icmp_fd);
	kernel_close(d.kernel);
	pvd_registry_free(d.registry);
	free(d.dns_vrfs);
	return 0;
}
