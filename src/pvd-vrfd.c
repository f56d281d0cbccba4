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
#include <limits.h>
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
/* A failed reconciliation is retried after 1 s, doubling up to 60 s. */
#define RETRY_FIRST 1.0
#define RETRY_MAX 60.0
/* Router Solicitations on a link that came up: RFC 4861 §6.3.7's random
 * initial delay, then RFC 7559 §2's exponential backoff until an RA comes. */
#define RS_MAX_DELAY 1.0	/* MAX_RTR_SOLICITATION_DELAY */
#define RS_IRT 4.0		/* RTR_SOLICITATION_INTERVAL */
#define RS_MRT 3600.0		/* MAX_RTR_SOLICITATION_INTERVAL */

/* Whether a link is managed, decided when first needed and again on the
 * link's events, so that the decision is logged once, not per RA. */
struct link_policy {
	int ifindex;
	bool managed;
};

/* A managed link's timers: the end of its carrier_loss_grace while it is
 * down, and its next Router Solicitation after it came up.  Allocated one by
 * one (libev holds pointers to the watchers), in a list. */
struct link_watch {
	struct daemon *d;
	int ifindex;
	char name[IFNAMSIZ];
	ev_timer down;
	ev_timer rs;
	double rs_interval;		/* the last retransmission interval, 0 before the first */
	struct link_watch *next;
};

struct daemon {
	struct conf conf;
	const char *config;		/* its path, read again on SIGHUP */
	struct ev_loop *loop;
	struct pvd_registry *registry;
	struct kernel *kernel;
	int icmp_fd;
	ev_io icmp_io;
	ev_timer expiry;
	ev_timer grace;
	ev_timer solicit;		/* RS retransmissions at start */
	unsigned solicitations;
	ev_timer reconcile;		/* coalesces changes, see changed() */
	ev_timer retry;			/* after a failed reconciliation */
	double retry_delay;		/* the next retry's, 0 after a success */
	uint64_t reconciles;		/* completed reconciliations, for tests to wait on */
	uint64_t reconciled_pvds;	/* the PvDs they compared with the kernel, in all */
	struct want_seen seen;		/* what the kernel was last made to match */
	bool whole;			/* the next reconciliation compares every PvD */
	bool grace_over;		/* the adoption grace period ended, or never began */
	bool run_dir_pruned;		/* stale RUN_DIR/<vrf>/ of an earlier run removed */
	struct link_policy *policies;
	size_t n_policies;
	struct link_watch *watches;
	ev_signal sigterm, sigint, sigusr1, sighup;
	uint64_t received;		/* RAs read: each is not_managed, dropped or a registry outcome */
	uint64_t unreadable;		/* reads from the RA socket that failed */
	uint64_t dropped[_NDISC_REASON_MAX];	/* whole RAs, by reason */
	uint64_t ignored[_NDISC_REASON_MAX];	/* single options, by reason */
	uint64_t not_managed;		/* RAs on links we do not manage */
	uint64_t lost;			/* packets a full socket queue lost */
	uint32_t lost_seen;		/* the kernel's count when last read */
	int *own_links;			/* the ifindexes icmp_fd's filter drops */
	size_t n_own_links;
	struct dns_file *dns_files;	/* the resolv.conf files we wrote, by VRF */
	size_t n_dns_files;
	struct bus *bus;		/* NULL: running without D-Bus */
	struct info_sched *sched;	/* when to fetch additional information */
	struct fetch *fetch;		/* NULL: additional_info = no */
	struct pvdinfo_table *info;	/* per PvD: what D-Bus and resolv.conf show */
	ev_timer info_timer;
	uint64_t info_unfetchable;	/* H set on a PvD ID that is never fetched */
	bool ready;			/* READY=1 sent */
	char status[160];		/* the STATUS= last sent */
	char last_error[96];		/* of the last failed reconciliation, "" if none */
	ev_timer watchdog;		/* WATCHDOG=1, when the unit sets WatchdogSec= */
	/* Start-up, CLOCK_MONOTONIC µs: at main(), around kernel_open(), at the
	 * loop's start; for the line after the first reconciliation. */
	uint64_t t_main, t_kernel, t_kernel_done, t_loop;
	struct kernel_adopted adopted;	/* what kernel_open() re-adopted */
};

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static uint64_t now_ms(void)
{
	return now_us() / 1000;
}

/* Links we may listen on: configured, and never our own or loopback. */
static bool link_is_candidate(const struct daemon *d, const char *ifname)
{
	if (!strcmp(ifname, "lo") || !strncmp(ifname, VRF_PREFIX, strlen(VRF_PREFIX)))
		return false;
	return conf_link_matches(&d->conf, ifname);
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The name becomes a path under /proc: what the kernel's dev_valid_name()
 * allows, and no more. */
static bool link_name_is_valid(const char *ifname)
{
	size_t n = strnlen(ifname, IFNAMSIZ);

	if (n == 0 || n == IFNAMSIZ || !strcmp(ifname, ".") || !strcmp(ifname, ".."))
		return false;
	for (size_t i = 0; i < n; i++)
		if (ifname[i] == '/' || ifname[i] == ':' || ifname[i] <= ' ' || ifname[i] == 0x7f)
			return false;
	return true;
}

/* /proc/sys/net/ipv6/conf/IFNAME/KEY as an integer. */
static int link_sysctl(const char *ifname, const char *key, int *ret)
{
	char path[64 + IFNAMSIZ], buf[24], *end;
	ssize_t n;
	long v;
	int fd, r;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/%s", ifname, key);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	r = n < 0 ? -errno : 0;
	close(fd);
	if (r < 0)
		return r;
	buf[n] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	if (end == buf || (*end && *end != '\n') || errno || v < INT_MIN || v > INT_MAX)
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

static struct link_policy *link_policy_find(struct daemon *d, int ifindex)
{
	for (size_t i = 0; i < d->n_policies; i++)
		if (d->policies[i].ifindex == ifindex)
			return &d->policies[i];
	return NULL;
}

static void link_policy_drop(struct daemon *d, int ifindex)
{
	struct link_policy *lp = link_policy_find(d, ifindex);

	if (lp)
		*lp = d->policies[--d->n_policies];
}

/*
 * Decide, now, whether a candidate link is managed, and log it when that is
 * new or changed.  By default only where the kernel itself would accept RAs,
 * by its own rule (ipv6_accept_ra(): accept_ra 1 unless forwarding, 2 even
 * when forwarding): a forwarding link is a router's, and routers only check
 * other routers' RAs for consistency (RFC 4861 §6.2.7), they do not become
 * hosts of the PvDs in them (RFC 8801 §3 is host behaviour).
 */
static bool link_policy_decide(struct daemon *d, int ifindex, const char *ifname)
{
	struct link_policy *lp = link_policy_find(d, ifindex);
	int accept_ra = 0, forwarding = 0, r = 0;
	char why[96];
	bool managed;

	if (!d->conf.require_accept_ra) {
		managed = true;
		snprintf(why, sizeof(why), "require_accept_ra = no");
	} else {
		r = link_name_is_valid(ifname) ? 0 : -EINVAL;
		if (r == 0)
			r = link_sysctl(ifname, "accept_ra", &accept_ra);
		if (r == 0)
			r = link_sysctl(ifname, "forwarding", &forwarding);
		managed = r == 0 && (forwarding ? accept_ra == 2 : accept_ra != 0);
		if (r < 0)
			snprintf(why, sizeof(why), "cannot read its accept_ra and forwarding: %s", strerror(-r));
		else
			snprintf(why, sizeof(why), "accept_ra %d, forwarding %d: the kernel %s RAs there", accept_ra,
				 forwarding, managed ? "accepts" : "does not accept");
	}
	if (lp && lp->managed == managed)
		return managed;
	log_info("link '%s' %s (%s)", ifname, managed ? "managed" : "not managed", why);
	if (!lp) {
		struct link_policy *n = realloc(d->policies, (d->n_policies + 1) * sizeof(*n));

		if (!n)
			return managed;	/* decided again (and logged) next time */
		d->policies = n;
		lp = &d->policies[d->n_policies++];
		lp->ifindex = ifindex;
	}
	lp->managed = managed;
	return managed;
}

/* Links we listen on: candidates the policy above accepts. */
static bool link_is_managed(struct daemon *d, int ifindex, char ifname[IFNAMSIZ])
{
	const struct link_policy *lp;

	/* The link cache first: if_indextoname() opens a socket for each call,
	 * once per RA.  A link whose event is still unread is not there yet. */
	if ((kernel_link_name(d->kernel, ifindex, ifname) < 0 && !if_indextoname(ifindex, ifname)) ||
	    !link_is_candidate(d, ifname))
		return false;
	lp = link_policy_find(d, ifindex);
	return lp ? lp->managed : link_policy_decide(d, ifindex, ifname);
}

/* The distinct links the registry holds state on; *ret is malloc'd. */
static int registry_links(const struct pvd_registry *r, int **ret, size_t *ret_n)
{
	size_t n_pvds = pvd_registry_count(r), n_objs = 0, n = 0;
	int *links;

	for (size_t i = 0; i < n_pvds; i++)
		n_objs += pvd_registry_get(r, i)->n_objs;
	links = calloc(n_objs + 1, sizeof(*links));
	if (!links)
		return -ENOMEM;
	for (size_t i = 0; i < n_pvds; i++) {
		const struct pvd *p = pvd_registry_get(r, i);

		for (size_t j = 0; j < p->n_objs; j++) {
			size_t k = 0;

			while (k < n && links[k] != p->objs[j].ifindex)
				k++;
			if (k == n)
				links[n++] = p->objs[j].ifindex;
		}
	}
	*ret = links;
	*ret_n = n;
	return 0;
}

/* ---- resolv.conf files: one per PvD, removed with it ---- */

/* Each PvD's file is written only when its text changed since the last
 * write (a failed write is tried again next time); a PvD gone takes its file
 * along.  With `prune`, also once per run: the directories an earlier run
 * left for PvDs that did not come back; their VRFs are gone by now (the
 * reconciliation that removes stale objects succeeded). */
static void dns_sync(struct daemon *d, bool prune)
{
	size_t n = pvd_registry_count(d->registry);
	struct dns_file *now = calloc(n + 1, sizeof(*now));
	int r;

	if (!now)
		return;
	for (size_t i = 0; i < n; i++) {
		const struct pvd *p = pvd_registry_get(d->registry, i);

		const struct pvdinfo *info = pvdinfo_table_find(d->info, p->name);
		bool zones = info && info->state == PVDINFO_VALID;

		snprintf(now[i].vrf, sizeof(now[i].vrf), "%s", p->vrf);
		for (size_t j = 0; j < d->n_dns_files && !now[i].text; j++)
			if (!strcmp(d->dns_files[j].vrf, p->vrf)) {
				now[i] = d->dns_files[j];
				d->dns_files[j].text = NULL;
			}
		r = dns_write(d->conf.run_dir, p, zones ? (const char (*)[NDISC_NAME_MAX + 1])info->dns_zones : NULL,
			      zones ? info->n_dns_zones : 0, &now[i]);
		if (r < 0)
			log_error("PvD '%s': cannot write %s/%s/resolv.conf: %s", p->name, d->conf.run_dir,
				  p->vrf, strerror(-r));
	}
	for (size_t i = 0; i < d->n_dns_files; i++) {
		bool kept = false;

		for (size_t j = 0; j < n && !kept; j++)
			kept = !strcmp(d->dns_files[i].vrf, now[j].vrf);
		if (!kept)
			dns_remove(d->conf.run_dir, d->dns_files[i].vrf);
		free(d->dns_files[i].text);
	}
	free(d->dns_files);
	d->dns_files = now;
	d->n_dns_files = n;
	if (!prune || d->run_dir_pruned)
		return;
	r = dns_prune(d->conf.run_dir, d->dns_files, d->n_dns_files);
	if (r < 0) {
		log_warning("cannot remove stale directories from %s: %s, ignoring", d->conf.run_dir, strerror(-r));
		return;
	}
	if (r > 0)
		log_info("removed %d stale resolv.conf director%s of an earlier run from %s", r, r == 1 ? "y" : "ies",
			 d->conf.run_dir);
	d->run_dir_pruned = true;
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
	if (!info_sched_done(d->sched, pvd_id, ok, expires, now, arc4random()) && ok) {
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
			bool first = k == 0 || p->objs[k - 1].ifindex != p->objs[k].ifindex;

			/* Once per link: a link's objects mostly come in a run,
			 * so only a run's first looks back. */
			for (size_t m = 0; m < k && first; m++)
				first = p->objs[m].ifindex != p->objs[k].ifindex;
			if (!first)
				continue;
			/* §4.1 "Whenever a new RA for the same PvD is received with
			 * a different Sequence Number value ... hosts MUST
			 * deprecate the additional information": at once. */
			if (info_sched_update(d->sched, p->name, p->objs[k].ifindex, h, p->sequence, p->delay, now,
					      arc4random())) {
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
		info_sched_done(d->sched, name, false, 0, now, arc4random());
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

/* ---- reconciliation: coalesced, at most once per reconcile_delay_ms ---- */

static void schedule_expiry(struct daemon *d)
{
	uint64_t next = pvd_registry_next_expiry(d->registry), now = now_ms();

	ev_timer_stop(d->loop, &d->expiry);
	if (next == UINT64_MAX)
		return;
	ev_timer_set(&d->expiry, next > now ? (next - now) / 1000.0 : 0, 0);
	ev_timer_start(d->loop, &d->expiry);
}

/* The first change arms a one-shot timer; later ones join it and never push
 * it back.  So a burst costs one reconciliation, and a flood at most one per
 * delay, where an ev_idle watcher would not run at all while RAs keep the
 * loop busy.  A change of the registry's is one of its PvDs' (pvd.changed):
 * the reconciliation compares those alone with the kernel. */
static void changed(struct daemon *d)
{
	if (ev_is_active(&d->reconcile))
		return;
	ev_timer_set(&d->reconcile, d->conf.reconcile_delay_ms / 1000.0, 0);
	ev_timer_start(d->loop, &d->reconcile);
}

/* Something the registry does not see changed (the kernel's side, the grace
 * period, the configuration): the next reconciliation compares every PvD. */
static void changed_all(struct daemon *d)
{
	d->whole = true;
	changed(d);
}

/* A failed reconciliation (src/kernel/ logged each failure) is tried again
 * after RETRY_FIRST, doubling to RETRY_MAX, not only at the next RA or
 * expiry; any success resets the delay.  An RA in between reconciles too,
 * and does not postpone the pending retry. */
static void retry_later(struct daemon *d, int error)
{
	if (ev_is_active(&d->retry))
		return;
	if (d->retry_delay == 0)
		d->retry_delay = RETRY_FIRST;
	log_warning("kernel reconciliation incomplete: %s; retrying in %g s", strerror(-error), d->retry_delay);
	ev_timer_set(&d->retry, d->retry_delay, 0);
	ev_timer_start(d->loop, &d->retry);
	d->retry_delay = d->retry_delay * 2 < RETRY_MAX ? d->retry_delay * 2 : RETRY_MAX;
}

/* ---- the service manager (sd_notify(3); a no-op without NOTIFY_SOCKET) ---- */

/* STATUS= after each reconciliation, sent only when its text changed; the
 * first one comes with READY=1, so that units ordered after pvd-vrfd find
 * the state of an earlier run re-adopted and reconciled, not half-built. */
static void notify_status(struct daemon *d)
{
	size_t n_pvds = pvd_registry_count(d->registry), n_links = 0;
	char status[sizeof(d->status)];
	int *links = NULL;

	if (registry_links(d->registry, &links, &n_links) < 0)
		n_links = 0;
	free(links);
	snprintf(status, sizeof(status), "%zu PvD%s on %zu link%s%s%s", n_pvds, n_pvds == 1 ? "" : "s", n_links,
		 n_links == 1 ? "" : "s", d->last_error[0] ? "; last error: " : "", d->last_error);
	if (d->ready && !strcmp(status, d->status))
		return;
	snprintf(d->status, sizeof(d->status), "%s", status);
	sd_notifyf(0, "%sSTATUS=%s", d->ready ? "" : "READY=1\n", status);
	d->ready = true;
}

/* From the event loop itself: a loop that is stuck sends nothing, and
 * systemd restarts the daemon after WatchdogSec=.  Half the interval, as
 * sd_watchdog_enabled(3) recommends. */
static void on_watchdog(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	sd_notify(0, "WATCHDOG=1");
}

static void watchdog_start(struct daemon *d)
{
	uint64_t usec = 0;
	int r = sd_watchdog_enabled(0, &usec);

	if (r < 0)
		log_warning("cannot read the watchdog settings (WATCHDOG_USEC): %s, running without", strerror(-r));
	if (r <= 0)
		return;
	ev_timer_init(&d->watchdog, on_watchdog, 0, usec / 2e6);
	ev_timer_start(d->loop, &d->watchdog);
	log_info("watchdog: notifying systemd every %g s", usec / 2e6);
}

static void on_retry(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	changed_all(w->data);
}

/* The socket's filter follows the links we made: their copies of the
 * parent's RAs never reach the daemon (icmp6_ignore_links()); without it
 * each RA would cost one read per sub-interface of ours on its link. */
static void ignore_own_links(struct daemon *d)
{
	int *links = NULL;
	size_t n = 0;
	int r = kernel_list_owned_ifindexes(d->kernel, &links, &n);

	if (r == 0 && n == d->n_own_links && (n == 0 || !memcmp(links, d->own_links, n * sizeof(*links)))) {
		free(links);
		return;
	}
	if (r == 0)
		r = icmp6_ignore_links(d->icmp_fd, links, n);
	if (r < 0) {
		log_ratelimited(LOG_WARNING, "RA filter", 0, "cannot filter the RA copies of our %zu links: %s", n,
				strerror(-r));
		free(links);
		return;
	}
	free(d->own_links);
	d->own_links = links;
	d->n_own_links = n;
}

/* Once, after the first reconciliation: what this run re-adopted from an
 * earlier one, and how long that took from main() (the exec and the dynamic
 * loading before it are not counted), by stage. */
static void log_readopted(const struct daemon *d)
{
	const struct kernel_adopted *a = &d->adopted;
	const double ms = 1000.0;

	if (a->vrfs + a->subifs == 0)
		return;
	log_info("re-adopted %zu VRFs, %zu sub-interfaces, %zu addresses and %zu routes in %.1f ms from main() "
		 "(configuration %.1f, kernel state %.1f, registry and sockets %.1f, first reconciliation %.1f)",
		 a->vrfs, a->subifs, a->addrs, a->routes, (now_us() - d->t_main) / ms, (d->t_kernel - d->t_main) / ms,
		 (d->t_kernel_done - d->t_kernel) / ms, (d->t_loop - d->t_kernel_done) / ms,
		 (now_us() - d->t_loop) / ms);
}

static void on_reconcile(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *d = w->data;
	struct want want;
	int r;

	(void)revents;
	r = want_build(d->registry, now_ms(), d->whole ? NULL : &d->seen, &want);
	if (r < 0) {
		log_error("cannot build the desired kernel state: %s", strerror(-r));
		snprintf(d->last_error, sizeof(d->last_error), "desired state: %s", strerror(-r));
		retry_later(d, r);
		notify_status(d);
		return;
	}
	r = kernel_reconcile(d->kernel, &want.state);
	d->reconciled_pvds += want.state.n_vrfs;
	want_free(&want);
	/* A failure may have left any table half done: all of them again. */
	d->whole = r < 0 || want_seen_take(&d->seen, d->registry) < 0;
	ignore_own_links(d);
	if (r < 0) {
		snprintf(d->last_error, sizeof(d->last_error), "reconciliation: %s", strerror(-r));
		retry_later(d, r);
	} else {
		if (d->retry_delay > 0)
			log_info("kernel reconciliation complete again");
		ev_timer_stop(loop, &d->retry);
		d->retry_delay = 0;
	}
	info_sync(d);
	dns_sync(d, r == 0 && d->grace_over);
	bus_sync(d->bus, d->registry);
	schedule_expiry(d);
	if (d->reconciles++ == 0)
		log_readopted(d);
	notify_status(d);
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

static void end_grace(struct daemon *d)
{
	d->grace_over = true;
	kernel_grace_over(d->kernel);
}

static void on_grace_over(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *d = w->data;

	(void)loop;
	(void)revents;
	log_info("adoption grace period over: removing what no RA refreshed");
	end_grace(d);
	changed_all(d);
}

/* ---- Router Advertisements in ---- */

static struct link_watch *link_watch_find(struct daemon *d, int ifindex)
{
	for (struct link_watch *w = d->watches; w; w = w->next)
		if (w->ifindex == ifindex)
			return w;
	return NULL;
}

/* An RA arrived on the link: RFC 7559 §2, solicitations stop. */
static void link_solicited(struct daemon *d, int ifindex)
{
	struct link_watch *w = link_watch_find(d, ifindex);

	if (w)
		ev_timer_stop(d->loop, &w->rs);
}

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
		/* The network chooses how often: rate-limited per reason. */
		d->dropped[reason]++;
		log_ratelimited(LOG_WARNING, "RA dropped", (int)reason, "RA from %s on '%s' dropped: %s",
				from, ifname, ndisc_reason_to_string(reason));
		return;
	}
	for (size_t i = 0; i < ra.n_ignored; i++) {
		d->ignored[ra.ignored[i].reason]++;
		log_ratelimited(LOG_INFO, "RA option ignored", (int)ra.ignored[i].reason,
				"RA from %s on '%s': %s option%s ignored: %s", from, ifname,
				ndisc_option_to_string(ra.ignored[i].type) ?: "unknown",
				ra.ignored[i].in_pvd ? " (in PvD option)" : "",
				ndisc_reason_to_string(ra.ignored[i].reason));
	}
	log_debug("RA from %s on '%s'%s%s", from, ifname, ra.has_pvd ? " for PvD " : "",
		  ra.has_pvd ? ra.pvd.fqdn : "");
	link_solicited(d, ifindex);
	if (pvd_registry_handle_ra(d->registry, &ra, ifname, now_ms()) > 0)
		changed(d);
}

static void on_icmp6(struct ev_loop *loop, ev_io *w, int revents)
{
	struct daemon *d = w->data;
	uint8_t buf[65536];
	struct in6_addr src;
	int hop_limit, ifindex, r;
	uint32_t lost;
	size_t len;

	(void)loop;
	(void)revents;
	for (int i = 0; i < 64; i++) {	/* bounded: let timers and netlink run too */
		r = icmp6_receive(d->icmp_fd, buf, sizeof(buf), &len, &src, &hop_limit, &ifindex);
		if (r == -EAGAIN || r == -EINTR)
			break;
		if (r < 0) {
			d->unreadable++;
			log_warning("cannot receive an RA: %s, ignoring", strerror(-r));
			continue;
		}
		d->received++;
		handle_packet(d, buf, len, &src, hop_limit, ifindex);
	}
	/* RAs the kernel could not queue while we were slow: counted, as the
	 * network chooses how often, in a rate-limited line. */
	if (icmp6_lost(d->icmp_fd, &lost) == 0 && lost != d->lost_seen) {
		d->lost += (uint32_t)(lost - d->lost_seen);
		d->lost_seen = lost;
		log_ratelimited(LOG_WARNING, "RA socket full", 0,
				"%" PRIu64 " RAs lost so far: the RA socket's receive queue was full", d->lost);
	}
}

/* From the link's link-local address, with its link-layer address in a
 * Source Link-Layer Address option (RFC 4861 §4.1, §6.3.7: so that routers
 * can answer by unicast without resolving us first). */
static void solicit(struct daemon *d, int ifindex, const char *ifname)
{
	struct kernel_link_source src;
	int r;

	/* Without a source address (a failed read too), the RS goes from :: */
	(void)kernel_link_source(d->kernel, ifindex, &src);
	r = icmp6_send_rs(d->icmp_fd, ifindex, src.have_lla ? &src.lla : NULL, src.lladdr, src.lladdr_len);

	if (r < 0)
		log_warning("cannot send a Router Solicitation on '%s': %s", ifname, strerror(-r));
	else
		log_debug("Router Solicitation sent on '%s'", ifname);
}

/* From the link cache: with 64 PvDs on 4 links, if_nameindex() and a
 * getifaddrs() per managed link dumped every link and address of the host
 * five times, the longest part of a restart. */
static void solicit_all(struct daemon *d)
{
	char ifname[IFNAMSIZ];
	int *links = NULL;
	size_t n = 0;

	if (kernel_list_links(d->kernel, &links, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++)
		if (kernel_link_name(d->kernel, links[i], ifname) == 0 && link_is_candidate(d, ifname) &&
		    link_is_managed(d, links[i], ifname) && kernel_link_is_up(d->kernel, links[i]))
			solicit(d, links[i], ifname);
	free(links);
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

/* `name` is NULL for a link that is gone from the kernel's list. */
/* What an earlier run left on the link is not kept for its RAs either (the
 * adoption grace period is for links that are still there). */
static void forget_link(struct daemon *d, int ifindex, const char *name, const char *why)
{
	bool released = kernel_release_adopted_parent(d->kernel, ifindex);

	/* RFC 8801 §4.4: failures count "for the duration of the local
	 * network attachment": a new one starts clean. */
	info_sched_forget_link(d->sched, ifindex);
	if (pvd_registry_forget_link(d->registry, ifindex)) {
		if (name)
			log_info("link '%s' %s: forgetting its PvD state", name, why);
		else
			log_info("link %d %s: forgetting its PvD state", ifindex, why);
	} else if (!released)
		return;
	changed_all(d);
}

/* A router withdrew a route (lifetime 0): if an earlier run made it, it
 * goes now, not at the end of the grace period. */
static void on_withdrawn(void *userdata, uint32_t table, const struct pvd_obj *o)
{
	struct daemon *d = userdata;
	struct in6_addr dst = o->kind == PVD_OBJ_ROUTER ? in6addr_any : o->addr;
	const struct in6_addr *gw = o->kind == PVD_OBJ_PREFIX ? &in6addr_any : &o->router;

	if (kernel_release_adopted_routes(d->kernel, table, &dst, o->kind == PVD_OBJ_ROUTER ? 0 : o->plen, gw))
		changed_all(d);
}

/* ---- carrier loss and Router Solicitations, per link ---- */

/* The link is gone or no longer managed: its timers go with it. */
static void link_watch_drop(struct daemon *d, int ifindex)
{
	for (struct link_watch **p = &d->watches; *p; p = &(*p)->next) {
		struct link_watch *w = *p;

		if (w->ifindex != ifindex)
			continue;
		ev_timer_stop(d->loop, &w->down);
		ev_timer_stop(d->loop, &w->rs);
		*p = w->next;
		free(w);
		return;
	}
}

/* A uniformly distributed factor in [-0.1, 0.1]: RFC 7559 §2's RAND. */
static double rs_rand(void)
{
	return (arc4random() / 4294967295.0 - 0.5) / 5;
}

/* RFC 7559 §2: RT = IRT + RAND*IRT first, then 2*RTprev + RAND*RTprev,
 * capped as MRT + RAND*MRT; MRC and MRD 0: until an RA arrives. */
static void on_link_rs(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct link_watch *w = t->data;

	(void)revents;
	solicit(w->d, w->ifindex, w->name);
	if (w->rs_interval == 0)
		w->rs_interval = RS_IRT + rs_rand() * RS_IRT;
	else
		w->rs_interval = 2 * w->rs_interval + rs_rand() * w->rs_interval;
	if (w->rs_interval > RS_MRT)
		w->rs_interval = RS_MRT + rs_rand() * RS_MRT;
	ev_timer_set(t, w->rs_interval, 0);
	ev_timer_start(loop, t);
}

static void on_link_down_long(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct link_watch *w = t->data;

	(void)loop;
	(void)revents;
	forget_link(w->d, w->ifindex, w->name, "down for longer than carrier_loss_grace");
}

static struct link_watch *link_watch_get(struct daemon *d, int ifindex, const char *name)
{
	struct link_watch *w = link_watch_find(d, ifindex);

	if (!w) {
		w = calloc(1, sizeof(*w));
		if (!w)
			return NULL;
		w->d = d;
		w->ifindex = ifindex;
		ev_timer_init(&w->down, on_link_down_long, 0, 0);
		ev_timer_init(&w->rs, on_link_rs, 0, 0);
		w->down.data = w->rs.data = w;
		w->next = d->watches;
		d->watches = w;
	}
	snprintf(w->name, sizeof(w->name), "%s", name);
	return w;
}

static bool link_has_state(struct daemon *d, int ifindex)
{
	int *links = NULL;
	size_t n = 0;
	bool found = false;

	if (registry_links(d->registry, &links, &n) < 0)
		return true;	/* say so rather than not */
	for (size_t i = 0; i < n && !found; i++)
		found = links[i] == ifindex;
	free(links);
	return found;
}

/* Down (no carrier, or set down): like networkd's IgnoreCarrierLoss=, a
 * short outage (a cable replugged, a switch rebooting, a Wi-Fi roam) keeps
 * the PvDs, VRFs and addresses; what the kernel holds keeps its lifetimes. */
static void link_down(struct daemon *d, int ifindex, const char *name)
{
	struct link_watch *w;

	if (d->conf.carrier_loss_grace == 0) {
		link_watch_drop(d, ifindex);
		forget_link(d, ifindex, name, "down");
		return;
	}
	w = link_watch_get(d, ifindex, name);
	if (!w) {
		forget_link(d, ifindex, name, "down");
		return;
	}
	ev_timer_stop(d->loop, &w->rs);
	if (ev_is_active(&w->down))
		return;
	if (link_has_state(d, ifindex))
		log_info("link '%s' down: keeping its PvD state for %u s (carrier_loss_grace)", name,
			 d->conf.carrier_loss_grace);
	ev_timer_set(&w->down, d->conf.carrier_loss_grace, 0);
	ev_timer_start(d->loop, &w->down);
}

/* Up: solicit on this link only, after RFC 4861 §6.3.7's random delay of up
 * to MAX_RTR_SOLICITATION_DELAY, so that hosts that came up together do not
 * solicit at once. */
static void link_up(struct daemon *d, int ifindex, const char *name)
{
	struct link_watch *w = link_watch_get(d, ifindex, name);

	if (!w) {
		solicit(d, ifindex, name);
		return;
	}
	if (ev_is_active(&w->down)) {
		ev_timer_stop(d->loop, &w->down);
		if (link_has_state(d, ifindex))
			log_info("link '%s' up again within carrier_loss_grace: its PvD state kept", name);
	}
	if (ev_is_active(&w->rs))
		return;
	w->rs_interval = 0;
	ev_timer_set(&w->rs, arc4random() / 4294967295.0 * RS_MAX_DELAY, 0);
	ev_timer_start(d->loop, &w->rs);
}

/* A link appeared, went, was renamed or went up or down: decide again
 * whether it is managed (its sysctls may have changed meanwhile; the kernel
 * announces those only as RTM_NEWNETCONF, which we do not follow). */
static void on_link_changed(void *userdata, int ifindex, const char *name, bool up, bool removed)
{
	struct daemon *d = userdata;

	/* One of ours removed (or a sub-interface with its parent): put back
	 * what is still wanted, release what was adopted for it. */
	if (!strncmp(name, VRF_PREFIX, strlen(VRF_PREFIX))) {
		if (removed)
			changed_all(d);
		return;
	}
	if (removed || !link_is_candidate(d, name)) {
		link_policy_drop(d, ifindex);
		link_watch_drop(d, ifindex);
		forget_link(d, ifindex, name, removed ? "removed" : "not managed");
		return;
	}
	if (!link_policy_decide(d, ifindex, name)) {
		link_watch_drop(d, ifindex);
		forget_link(d, ifindex, name, "not managed");
	} else if (!up) {
		link_down(d, ifindex, name);
	} else {
		link_up(d, ifindex, name);
	}
}

static void on_dad_failed(void *userdata, const char *dev, const struct in6_addr *addr)
{
	struct daemon *d = userdata;

	if (pvd_registry_dad_failed(d->registry, dev, addr) > 0)
		changed(d);
}

/*
 * Decide again for every link seen so far, and forget the state of every
 * link the registry holds state on that is gone or no longer managed, and,
 * with `events_lost`, down.  Then reconcile.
 */
static void recheck_links(struct daemon *d, bool events_lost)
{
	char ifname[IFNAMSIZ];
	int *links = NULL, r;
	size_t n = 0;

	for (size_t i = 0; i < d->n_policies;) {
		int ifindex = d->policies[i].ifindex;

		if (kernel_link_name(d->kernel, ifindex, ifname) < 0 || !link_is_candidate(d, ifname)) {
			link_policy_drop(d, ifindex);
			continue;
		}
		link_policy_decide(d, ifindex, ifname);
		i++;
	}
	r = registry_links(d->registry, &links, &n);
	if (r < 0)
		log_error("cannot list the links with PvD state: %s; keeping them until their next event",
			  strerror(-r));
	for (size_t i = 0; i < n; i++) {
		if (kernel_link_name(d->kernel, links[i], ifname) < 0)
			forget_link(d, links[i], NULL, events_lost ? "removed while events were lost" : "removed");
		else if (!link_is_managed(d, links[i], ifname))
			forget_link(d, links[i], ifname, "not managed");
		else if (events_lost && !kernel_link_is_up(d->kernel, links[i]))
			forget_link(d, links[i], ifname, "down while events were lost");
	}
	free(links);
	changed_all(d);
}

static void on_owned_lost(void *userdata)
{
	changed_all(userdata);
}

/* Kernel events were lost (ENOBUFS; src/kernel/ logged it and refilled its
 * link cache already), and an RTM_DELLINK or a link going down may be among
 * them. */
static void on_resync(void *userdata)
{
	recheck_links(userdata, true);
}

/* ---- SIGHUP: the configuration again ---- */

/* Keys that shape what is already in the kernel or on disk: a VRF keeps its
 * table, its sub-interfaces their kind, and the secret and the record of
 * owned links their directories, until the daemon restarts. */
static void keep_restart_keys(const struct conf *old, struct conf *c)
{
	if (c->table_min != old->table_min || c->table_max != old->table_max) {
		log_warning("reload: table_range %u-%u needs a restart; keeping %u-%u", c->table_min, c->table_max,
			    old->table_min, old->table_max);
		c->table_min = old->table_min;
		c->table_max = old->table_max;
	}
	if (c->subif_kind != old->subif_kind) {
		log_warning("reload: subinterface_kind %s needs a restart; keeping %s",
			    conf_subif_kind_to_string(c->subif_kind), conf_subif_kind_to_string(old->subif_kind));
		c->subif_kind = old->subif_kind;
	}
	if (c->additional_info != old->additional_info ||
	    strcmp(c->additional_info_ca_file, old->additional_info_ca_file)) {
		log_warning("reload: additional_info and additional_info_ca_file need a restart; keeping %s%s%s",
			    old->additional_info ? "yes" : "no", old->additional_info_ca_file[0] ? " with " : "",
			    old->additional_info_ca_file);
		c->additional_info = old->additional_info;
		snprintf(c->additional_info_ca_file, sizeof(c->additional_info_ca_file), "%s",
			 old->additional_info_ca_file);
	}
	if (strcmp(c->run_dir, old->run_dir)) {
		log_warning("reload: run_dir %s needs a restart; keeping %s", c->run_dir, old->run_dir);
		snprintf(c->run_dir, sizeof(c->run_dir), "%s", old->run_dir);
	}
	if (strcmp(c->state_dir, old->state_dir)) {
		log_warning("reload: state_dir %s needs a restart; keeping %s", c->state_dir, old->state_dir);
		snprintf(c->state_dir, sizeof(c->state_dir), "%s", old->state_dir);
	}
}

/*
 * Read the file again; a bad one changes nothing.  The link set, the
 * accept_ra policy, the caps, the implicit-PvD switch and the log level
 * apply at once: links no longer managed lose their PvD state, newly
 * managed ones are solicited (RFC 4861 §6.3.7, as at start).
 */
static void reload(struct daemon *d)
{
	struct conf c;
	char err[512];
	int r;

	if (d->ready)
		sd_notify(0, "RELOADING=1");
	conf_defaults(&c);
	r = conf_load(d->config, &c, err, sizeof(err));
	if (r < 0) {
		log_error("reload: %s; keeping the running configuration", err);
	} else {
		keep_restart_keys(&d->conf, &c);
		d->conf = c;
		log_set_level(c.log_level);
		pvd_registry_set_conf(d->registry, &d->conf);
		log_info("reload: configuration %s applied", d->config);
		recheck_links(d, false);
		solicit_start(d);
	}
	if (d->ready)
		sd_notify(0, "READY=1");
}

/* ---- counters, on SIGUSR1, into RUN_DIR/stats ---- */

static void write_stats(struct daemon *d)
{
	char path[256], tmp[270];
	const uint64_t *refusals = pvd_registry_refusals(d->registry);
	const uint64_t *outcomes = pvd_registry_ra_outcomes(d->registry);
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
	fprintf(f, "reconciles\t%" PRIu64 "\n", d->reconciles);
	fprintf(f, "reconciled-pvds\t%" PRIu64 "\n", d->reconciled_pvds);
	fprintf(f, "ra-received\t%" PRIu64 "\n", d->received);
	fprintf(f, "ra-unreadable\t%" PRIu64 "\n", d->unreadable);
	fprintf(f, "ra-not-managed-link\t%" PRIu64 "\n", d->not_managed);
	fprintf(f, "ra-lost-socket-full\t%" PRIu64 "\n", d->lost);
	for (int i = 0; i < _PVD_RA_OUTCOME_MAX; i++)
		fprintf(f, "ra-%s\t%" PRIu64 "\n", pvd_ra_outcome_to_string(i), outcomes[i]);
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
	if (w->signum == SIGHUP) {
		reload(d);
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
		end_grace(d);
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
	const struct kernel_events events = {
		.link_changed = on_link_changed, .dad_failed = on_dad_failed, .resync_needed = on_resync,
		.owned_lost = on_owned_lost,
	};
	uint8_t secret[STABLE_SECRET_SIZE];
	bool check_only = false;
	char err[512], owned[sizeof(d.conf.run_dir) + 8];
	int c, r;

	d.t_main = now_us();
	d.whole = true;		/* the first reconciliation: everything re-adopted */
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			d.config = optarg;
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

	if (!d.config)
		d.config = SYSCONFDIR "/pvd-vrfd.conf";
	conf_defaults(&d.conf);
	r = conf_load(d.config, &d.conf, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "pvd-vrfd: %s\n", err);
		return 2;
	}
	if (check_only) {
		printf("%s: OK\n", d.config);
		return 0;
	}
	log_set_level(d.conf.log_level);

	/* First: it also refuses a kernel we cannot run on, before anything
	 * is written. */
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
	snprintf(owned, sizeof(owned), "%s/owned", d.conf.run_dir);
	const struct kernel_config kconf = {
		.route_proto = ROUTE_PROTO, .addr_proto = ADDR_PROTO, .vrf_prefix = VRF_PREFIX,
		.subif_kind = d.conf.subif_kind == CONF_SUBIF_MACVLAN ? KERNEL_SUBIF_MACVLAN : KERNEL_SUBIF_IPVLAN,
		.owned_path = owned,
	};
	d.t_kernel = now_us();
	r = kernel_open(d.loop, &kconf, &events, &d, &d.kernel);
	if (r < 0) {
		log_error("cannot start the kernel reconciler: %s", strerror(-r));
		return 1;
	}
	kernel_adopted_count(d.kernel, &d.adopted);
	d.t_kernel_done = now_us();
	if (load_secret(d.conf.state_dir, secret) < 0)
		return 1;
	r = pvd_registry_new(&d.conf, secret, &d.registry);
	if (r < 0)
		return 1;
	pvd_registry_set_vrf_filter(d.registry, vrf_usable, d.kernel);
	pvd_registry_set_withdraw_hook(d.registry, on_withdrawn, &d);
	d.icmp_fd = icmp6_open();
	if (d.icmp_fd < 0) {
		log_error("cannot open the raw ICMPv6 socket: %s", strerror(-d.icmp_fd));
		return 1;
	}

	ev_io_init(&d.icmp_io, on_icmp6, d.icmp_fd, EV_READ);
	ev_timer_init(&d.expiry, on_expiry, 0, 0);
	ev_timer_init(&d.grace, on_grace_over, 0, 0);
	ev_timer_init(&d.solicit, on_solicit, 0, 0);
	ev_timer_init(&d.reconcile, on_reconcile, 0, 0);
	ev_timer_init(&d.info_timer, on_info_timer, 0, 0);
	d.info_timer.data = &d;
	ev_timer_init(&d.retry, on_retry, 0, 0);
	d.retry.data = &d;
	ev_signal_init(&d.sigterm, on_signal, SIGTERM);
	ev_signal_init(&d.sigint, on_signal, SIGINT);
	ev_signal_init(&d.sigusr1, on_signal, SIGUSR1);
	ev_signal_init(&d.sighup, on_signal, SIGHUP);
	d.icmp_io.data = d.expiry.data = d.grace.data = d.solicit.data = d.reconcile.data = &d;
	d.sigterm.data = d.sigint.data = d.sigusr1.data = d.sighup.data = &d;
	ev_io_start(d.loop, &d.icmp_io);
	ev_signal_start(d.loop, &d.sigterm);
	ev_signal_start(d.loop, &d.sigint);
	ev_signal_start(d.loop, &d.sigusr1);
	ev_signal_start(d.loop, &d.sighup);

	/* org.pvd is what the `pvd` client talks to, but the kernel side works
	 * without it (and its tests run without a bus): no system bus, or no
	 * right to the name, is a warning, not a failure. */
	const struct bus_counters counters = {
		.dropped = d.dropped, .ignored = d.ignored, .not_managed = &d.not_managed, .lost = &d.lost,
		.reconciles = &d.reconciles,
	};
	r = bus_open(d.loop, d.registry, &counters, d.conf.run_dir, &d.bus);
	if (r < 0)
		log_warning("cannot provide %s on the system bus: %s; running without D-Bus", BUS_NAME, strerror(-r));
	else
		log_info("%s on the system bus", BUS_NAME);
	bus_set_info(d.bus, d.info);

	adopt(&d);
	solicit_start(&d);
	watchdog_start(&d);
	/* A first reconciliation with what was re-adopted, at once (nothing to
	 * coalesce with yet); READY=1 follows it. */
	ev_timer_stop(d.loop, &d.reconcile);
	ev_timer_set(&d.reconcile, 0, 0);
	ev_timer_start(d.loop, &d.reconcile);
	log_info("pvd-vrfd %s started (config %s)", PACKAGE_VERSION, d.config);
	d.t_loop = now_us();
	ev_run(d.loop, 0);

	sd_notify(0, "STOPPING=1");
	if (d.conf.keep_on_exit) {
		log_info("stopping; keeping the VRFs (keep_on_exit)");
	} else {
		log_info("stopping; removing the VRFs, sub-interfaces, routes and addresses it made");
		r = kernel_remove_all(d.kernel);
		if (r < 0)
			log_error("cannot remove everything: %s", strerror(-r));
		for (size_t i = 0; i < d.n_dns_files; i++)
			dns_remove(d.conf.run_dir, d.dns_files[i].vrf);
	}
	bus_close(d.bus);
	fetch_free(d.fetch);
	info_sched_free(d.sched);
	pvdinfo_table_free(d.info);
	close(d.icmp_fd);
	free(d.own_links);
	want_seen_free(&d.seen);
	kernel_close(d.kernel);
	pvd_registry_free(d.registry);
	for (size_t i = 0; i < d.n_dns_files; i++)
		free(d.dns_files[i].text);
	free(d.dns_files);
	free(d.policies);
	while (d.watches)
		link_watch_drop(&d, d.watches->ifindex);
	return 0;
}
