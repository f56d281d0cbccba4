/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PvD Additional Information fetcher (RFC 8801 §4.1, §4.4), through the PvD.
 *
 * One job per PvD ID, a small state machine driven by the libev loop:
 *
 *   SOURCE   wait until one of the PvD's own addresses has passed DAD
 *            (/proc/net/if_inet6: present, neither tentative nor dadfailed),
 *            re-checked every FETCH_SOURCE_POLL_MS: the HTTPS source address
 *            must be the PvD's, and a tentative one cannot be bound;
 *   RESOLVE  AAAA of the host by c-ares, with the PvD's RDNSS as its only
 *            servers (link-local ones with the scope of the PvD's
 *            sub-interface, set in our connect callback), every socket bound
 *            to the VRF (ares_set_local_dev and our socket callback), no
 *            search list, no hosts file, never /etc/resolv.conf's servers;
 *   HTTP     libcurl: GET https://<host>/.well-known/pvd, the answer pinned
 *            with CURLOPT_RESOLVE, and the socket opened by us: bound to the
 *            VRF (SO_BINDTODEVICE, also CURLOPT_INTERFACE "if!<vrf>") and to
 *            the source address, connecting only to a pinned address.  No
 *            proxy, no connection reuse, https only, peer and host verified.
 *            A 3xx is followed by hand (at most FETCH_REDIRECTS_MAX): the new
 *            URL must be https, its host a fetchable LDH name, and it goes
 *            through RESOLVE and HTTP again, through the PvD.
 *
 * RFC 8801 §4.1: "If the HTTP status of the answer is greater than or equal to
 * 400, the host MUST abandon and consider that there is no additional PvD
 * information"; "If the HTTP status of the answer is between 300 and 399,
 * inclusive, it MUST follow the redirection(s)"; "If the HTTP status of the
 * answer is between 200 and 299, inclusive, the host MAY get a file containing
 * a single JSON object."  The 2xx answer must say Content-Type
 * application/pvd+json, the media type RFC 8801 §8 registers.  Bodies over
 * PVDINFO_BODY_MAX abort the transfer; FETCH_TIMEOUT_MS bounds the whole job.
 * §4.4: a TLS failure means closing the connection and no information: every
 * curl error is a failure (INVALID) and the connection is never reused.
 *
 * Jobs end in job_finish(): the callback runs from the loop (never from
 * inside a libcurl or c-ares call) and the job is freed later by the reaper,
 * outside every library callback.
 */
#include <arpa/inet.h>
#include <ares.h>
#include <assert.h>
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "fetch.h"
#include "log.h"

#define FETCH_SOURCE_POLL_MS	200
#define FETCH_ADDRS_MAX		8	/* AAAA records pinned */
#define ARES_SOCKETS_MAX	(2 * FETCH_DNS_MAX)	/* c-ares sockets of one job: UDP and TCP per server */
#define MEDIA_TYPE		"application/pvd+json"
#define WELL_KNOWN		"/.well-known/pvd"

enum job_state {
	JOB_SOURCE,
	JOB_RESOLVE,
	JOB_HTTP,
	JOB_DONE,
};

struct ares_watch {
	ev_io io;
	int fd;			/* -1: free slot */
	struct job *job;
};

struct job {
	struct fetch *fetch;
	struct job *next;
	struct fetch_request req;
	enum job_state state;
	bool dead;		/* finished or cancelled: only the reaper touches it */
	struct pvdinfo result;
	ev_tstamp deadline;
	ev_timer timer;		/* SOURCE polling, c-ares timeouts */
	ev_timer deadline_timer;

	struct in6_addr source;
	char host[NDISC_NAME_MAX + 1];
	unsigned port;
	char path[1024];
	unsigned redirects;

	ares_channel channel;
	struct ares_watch watches[ARES_SOCKETS_MAX];
	size_t n_addrs;
	struct in6_addr addrs[FETCH_ADDRS_MAX];

	CURL *easy;
	struct curl_slist *resolve, *headers;
	char *body;
	size_t body_len;
	bool body_too_large;
	char errbuf[CURL_ERROR_SIZE];
};

struct curl_watch {
	ev_io io;
	struct fetch *fetch;
};

struct fetch {
	struct ev_loop *loop;
	char *ca_file;
	fetch_done_fn done;
	void *userdata;
	CURLM *multi;
	ev_timer curl_timer;
	ev_idle reaper;
	struct job *jobs;
};

static void job_step(struct job *j);
static void job_fail(struct job *j, enum pvdinfo_state state, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- names ---- */

/* An LDH host name as the parser keeps PvD IDs (lowercase, no trailing dot,
 * src/ndisc.c "Names"); what goes into a URL, CURLOPT_RESOLVE and logs. */
static bool host_is_safe(const char *h)
{
	size_t n = strlen(h), label = 0;

	if (n == 0 || n > NDISC_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = h[i];

		if (c == '.') {
			if (label == 0 || h[i - 1] == '-')
				return false;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && label > 0)) {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return label > 0 && h[n - 1] != '-' && ndisc_pvd_id_fetchable(h);
}

/* Our VRF names: "pvd" + lowercase hex (pvd-vrfd.c VRF_PREFIX, stable.c). */
static bool vrf_is_ours(const char *vrf)
{
	size_t n = strlen(vrf);

	return n > 3 && n < IFNAMSIZ && !strncmp(vrf, "pvd", 3) && strspn(vrf + 3, "0123456789abcdef") == n - 3;
}

/* ---- SOURCE: one of the PvD's addresses past DAD ---- */

#define IFA_F_DADFAILED_	0x08
#define IFA_F_TENTATIVE_	0x40

/* /proc/net/if_inet6: "addr ifindex plen scope flags name", hex. */
static bool source_ready(const struct fetch_request *req, struct in6_addr *ret)
{
	char line[256], hex[33];
	unsigned ifindex, plen, scope, flags;
	FILE *f = fopen("/proc/net/if_inet6", "re");
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		struct in6_addr a;

		if (sscanf(line, "%32s %x %x %x %x", hex, &ifindex, &plen, &scope, &flags) != 5 || strlen(hex) != 32)
			continue;
		for (int i = 0; i < 16; i++) {
			unsigned b;

			sscanf(hex + 2 * i, "%2x", &b);
			a.s6_addr[i] = (uint8_t)b;
		}
		if (flags & (IFA_F_TENTATIVE_ | IFA_F_DADFAILED_))
			continue;
		for (size_t i = 0; i < req->n_sources && !found; i++)
			if (!memcmp(&a, &req->sources[i], sizeof(a))) {
				*ret = a;
				found = true;
			}
	}
	fclose(f);
	return found;
}

/* ---- c-ares on libev ---- */

static void ares_rearm(struct job *j)
{
	struct timeval tv, *tvp;

	/* Only while resolving: the answer's callback has armed the timer
	 * for the next step, which this must not undo. */
	if (j->dead || j->state != JOB_RESOLVE || !j->channel)
		return;
	ev_timer_stop(j->fetch->loop, &j->timer);
	tvp = ares_timeout(j->channel, NULL, &tv);
	if (!tvp)
		return;
	ev_timer_set(&j->timer, tvp->tv_sec + tvp->tv_usec / 1e6, 0);
	ev_timer_start(j->fetch->loop, &j->timer);
}

static void on_ares_io(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ares_watch *aw = w->data;
	struct job *j = aw->job;
	int fd = aw->fd;

	(void)loop;
	if (j->dead || !j->channel)
		return;
	ares_process_fd(j->channel, revents & EV_READ ? fd : ARES_SOCKET_BAD,
			revents & EV_WRITE ? fd : ARES_SOCKET_BAD);
	if (!j->dead)
		ares_rearm(j);
}

static void ares_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct job *j = data;
	struct ares_watch *free_slot = NULL;

	for (size_t i = 0; i < ARES_SOCKETS_MAX; i++) {
		struct ares_watch *aw = &j->watches[i];

		if (aw->fd == fd) {
			ev_io_stop(j->fetch->loop, &aw->io);
			aw->fd = -1;
			free_slot = aw;
			break;
		}
		if (aw->fd < 0 && !free_slot)
			free_slot = aw;
	}
	if (!readable && !writable)
		return;
	if (!free_slot) {
		/* More sockets than servers * 2 should never happen; the query
		 * then times out, which is a failure like any other. */
		log_warning("PvD '%s': too many DNS sockets, ignoring one", j->req.pvd_id);
		return;
	}
	free_slot->fd = fd;
	free_slot->job = j;
	ev_io_init(&free_slot->io, on_ares_io, fd, (readable ? EV_READ : 0) | (writable ? EV_WRITE : 0));
	free_slot->io.data = free_slot;
	ev_io_start(j->fetch->loop, &free_slot->io);
}

/* Socket functions: every socket bound to the VRF, link-local servers given
 * the scope of the PvD's sub-interface (c-ares 1.18 has no scope of its own). */
static ares_socket_t ares_asocket(int domain, int type, int protocol, void *data)
{
	struct job *j = data;
	int fd = socket(domain, type | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol);

	if (fd < 0)
		return ARES_SOCKET_BAD;
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, j->req.vrf, (socklen_t)strlen(j->req.vrf) + 1) < 0) {
		close(fd);
		return ARES_SOCKET_BAD;
	}
	return fd;
}

static int ares_aclose(ares_socket_t fd, void *data)
{
	(void)data;
	return close(fd);
}

static int ares_aconnect(ares_socket_t fd, const struct sockaddr *sa, ares_socklen_t len, void *data)
{
	struct job *j = data;
	struct sockaddr_in6 sin6;

	if (sa->sa_family != AF_INET6 || len < sizeof(sin6)) {
		errno = EAFNOSUPPORT;	/* only the PvD's IPv6 servers */
		return -1;
	}
	memcpy(&sin6, sa, sizeof(sin6));
	for (size_t i = 0; i < j->req.n_dns; i++)
		if (!memcmp(&sin6.sin6_addr, &j->req.dns[i], sizeof(sin6.sin6_addr))) {
			if (IN6_IS_ADDR_LINKLOCAL(&sin6.sin6_addr))
				sin6.sin6_scope_id = (uint32_t)j->req.dns_scope[i];
			return connect(fd, (struct sockaddr *)&sin6, sizeof(sin6));
		}
	errno = EPERM;		/* not one of the PvD's servers */
	return -1;
}

static ares_ssize_t ares_arecvfrom(ares_socket_t fd, void *buf, size_t len, int flags, struct sockaddr *from,
				   ares_socklen_t *from_len, void *data)
{
	(void)data;
	return recvfrom(fd, buf, len, flags, from, from_len);
}

static ares_ssize_t ares_asendv(ares_socket_t fd, const struct iovec *iov, int n, void *data)
{
	(void)data;
	return writev(fd, iov, n);
}

static const struct ares_socket_functions ares_funcs = {
	.asocket = ares_asocket,
	.aclose = ares_aclose,
	.aconnect = ares_aconnect,
	.arecvfrom = ares_arecvfrom,
	.asendv = ares_asendv,
};

/* An address the PvD's DNS may send us to: global unicast or ULA only. */
static bool addr_usable(const struct in6_addr *a)
{
	return !IN6_IS_ADDR_UNSPECIFIED(a) && !IN6_IS_ADDR_LOOPBACK(a) && !IN6_IS_ADDR_MULTICAST(a) &&
	       !IN6_IS_ADDR_LINKLOCAL(a) && !IN6_IS_ADDR_SITELOCAL(a) && !IN6_IS_ADDR_V4MAPPED(a) &&
	       !IN6_IS_ADDR_V4COMPAT(a);
}

static void on_aaaa(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct job *j = arg;
	struct ares_addr6ttl ttls[FETCH_ADDRS_MAX];
	int n = FETCH_ADDRS_MAX;

	(void)timeouts;
	if (j->dead || status == ARES_EDESTRUCTION || status == ARES_ECANCELLED)
		return;
	if (status != ARES_SUCCESS) {
		job_fail(j, PVDINFO_INVALID, "DNS: %s", ares_strerror(status));
		return;
	}
	status = ares_parse_aaaa_reply(abuf, alen, NULL, ttls, &n);
	if (status != ARES_SUCCESS) {
		job_fail(j, PVDINFO_INVALID, "DNS: %s", ares_strerror(status));
		return;
	}
	j->n_addrs = 0;
	for (int i = 0; i < n; i++) {
		struct in6_addr a;

		memcpy(&a, &ttls[i].ip6addr, sizeof(a));
		if (addr_usable(&a))
			j->addrs[j->n_addrs++] = a;
	}
	if (j->n_addrs == 0) {
		job_fail(j, PVDINFO_INVALID, "DNS: no usable AAAA record");
		return;
	}
	log_debug("PvD '%s': %s has %zu usable AAAA records, the first %s", j->req.pvd_id, j->host, j->n_addrs,
		  inet_ntop(AF_INET6, &j->addrs[0], (char[INET6_ADDRSTRLEN]){ 0 }, INET6_ADDRSTRLEN));
	j->state = JOB_HTTP;
	/* Not from inside c-ares: the timer runs the next step. */
	ev_timer_stop(j->fetch->loop, &j->timer);
	ev_timer_set(&j->timer, 0, 0);
	ev_timer_start(j->fetch->loop, &j->timer);
}

static int resolve_start(struct job *j)
{
	struct ares_options opts = {
		.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES | ARES_FLAG_NOCHECKRESP,
		.timeout = 2000,
		.tries = 2,
		.ndots = 1,
		.ndomains = 0,
		.domains = NULL,
		.lookups = (char *)"b",
		.sock_state_cb = ares_sock_state,
		.sock_state_cb_data = j,
	};
	struct ares_addr_port_node nodes[FETCH_DNS_MAX];
	char name[NDISC_NAME_MAX + 2];
	int r;

	/* Every option c-ares would take from resolv.conf or the environment
	 * is given, so neither decides anything. */
	r = ares_init_options(&j->channel, &opts,
			      ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_NDOTS | ARES_OPT_DOMAINS |
			      ARES_OPT_LOOKUPS | ARES_OPT_SOCK_STATE_CB);
	if (r != ARES_SUCCESS) {
		j->channel = NULL;
		return r == ARES_ENOMEM ? -ENOMEM : -EIO;
	}
	for (size_t i = 0; i < j->req.n_dns; i++) {
		nodes[i] = (struct ares_addr_port_node) {
			.next = i + 1 < j->req.n_dns ? &nodes[i + 1] : NULL,
			.family = AF_INET6,
			.udp_port = 53,
			.tcp_port = 53,
		};
		memcpy(&nodes[i].addr.addr6, &j->req.dns[i], sizeof(struct in6_addr));
	}
	r = ares_set_servers_ports(j->channel, nodes);
	if (r != ARES_SUCCESS)
		return -EIO;
	ares_set_local_dev(j->channel, j->req.vrf);
	ares_set_socket_functions(j->channel, &ares_funcs, j);
	snprintf(name, sizeof(name), "%s.", j->host);	/* absolute: no search list */
	ares_query(j->channel, name, 1 /* C_IN */, 28 /* T_AAAA */, on_aaaa, j);
	if (!j->dead)
		ares_rearm(j);
	return 0;
}

/* ---- libcurl multi on libev ---- */

static void curl_check_done(struct fetch *f);

static void on_curl_io(struct ev_loop *loop, ev_io *w, int revents)
{
	struct curl_watch *cw = w->data;
	struct fetch *f = cw->fetch;	/* cw may be freed inside socket_action (CURL_POLL_REMOVE) */
	int running, action = (revents & EV_READ ? CURL_CSELECT_IN : 0) | (revents & EV_WRITE ? CURL_CSELECT_OUT : 0);

	(void)loop;
	curl_multi_socket_action(f->multi, w->fd, action, &running);
	curl_check_done(f);
}

static void on_curl_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct fetch *f = w->data;
	int running;

	(void)loop;
	(void)revents;
	curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	curl_check_done(f);
}

static int curl_socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct fetch *f = userp;
	struct curl_watch *cw = socketp;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (cw) {
			ev_io_stop(f->loop, &cw->io);
			free(cw);
			curl_multi_assign(f->multi, s, NULL);
		}
		return 0;
	}
	if (!cw) {
		cw = calloc(1, sizeof(*cw));
		if (!cw)
			return -1;
		cw->fetch = f;
		curl_multi_assign(f->multi, s, cw);
	} else {
		ev_io_stop(f->loop, &cw->io);
	}
	ev_io_init(&cw->io, on_curl_io, s,
		   (what & CURL_POLL_IN ? EV_READ : 0) | (what & CURL_POLL_OUT ? EV_WRITE : 0));
	cw->io.data = cw;
	ev_io_start(f->loop, &cw->io);
	return 0;
}

static int curl_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct fetch *f = userp;

	(void)multi;
	ev_timer_stop(f->loop, &f->curl_timer);
	if (timeout_ms < 0)
		return 0;
	/* 0: "call socket_action as soon as possible", from the loop. */
	ev_timer_set(&f->curl_timer, timeout_ms / 1000.0, 0);
	ev_timer_start(f->loop, &f->curl_timer);
	return 0;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct job *j = userdata;
	size_t n = size * nmemb;
	char *body;

	if (n > PVDINFO_BODY_MAX || j->body_len + n > PVDINFO_BODY_MAX) {
		j->body_too_large = true;
		return 0;	/* aborts the transfer (CURLE_WRITE_ERROR) */
	}
	body = realloc(j->body, j->body_len + n + 1);
	if (!body)
		return 0;
	memcpy(body + j->body_len, ptr, n);
	j->body = body;
	j->body_len += n;
	return n;
}

/* Our socket: bound to the VRF and to the PvD's address, and only ever
 * connected to an address the PvD's DNS gave. */
static curl_socket_t on_open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *address)
{
	struct job *j = clientp;
	const struct sockaddr_in6 *dst = (const struct sockaddr_in6 *)&address->addr;
	struct sockaddr_in6 src = { .sin6_family = AF_INET6, .sin6_addr = j->source };
	bool pinned = false;
	int fd;

	if (purpose != CURLSOCKTYPE_IPCXN || address->family != AF_INET6 ||
	    address->addrlen < sizeof(struct sockaddr_in6))
		return CURL_SOCKET_BAD;
	for (size_t i = 0; i < j->n_addrs && !pinned; i++)
		pinned = !memcmp(&dst->sin6_addr, &j->addrs[i], sizeof(dst->sin6_addr));
	if (!pinned)
		return CURL_SOCKET_BAD;
	fd = socket(AF_INET6, address->socktype | SOCK_CLOEXEC, address->protocol);
	if (fd < 0)
		return CURL_SOCKET_BAD;
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, j->req.vrf, (socklen_t)strlen(j->req.vrf) + 1) < 0 ||
	    bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0) {
		close(fd);
		return CURL_SOCKET_BAD;
	}
	return fd;
}

static int http_start(struct job *j)
{
	char url[NDISC_NAME_MAX + sizeof(j->path) + 32], pin[NDISC_NAME_MAX + FETCH_ADDRS_MAX * (INET6_ADDRSTRLEN + 3) + 16];
	char unpin[NDISC_NAME_MAX + 16];
	char addrs[FETCH_ADDRS_MAX * (INET6_ADDRSTRLEN + 3)], a[INET6_ADDRSTRLEN], iface[IFNAMSIZ + 4];
	size_t len = 0;
	long remaining_ms = (long)((j->deadline - ev_now(j->fetch->loop)) * 1000);

	if (remaining_ms <= 0)
		return -ETIMEDOUT;
	for (size_t i = 0; i < j->n_addrs; i++)
		len += (size_t)snprintf(addrs + len, sizeof(addrs) - len, "%s[%s]", i ? "," : "",
					inet_ntop(AF_INET6, &j->addrs[i], a, sizeof(a)));
	snprintf(url, sizeof(url), "https://%s:%u%s", j->host, j->port, j->path);
	snprintf(unpin, sizeof(unpin), "-%s:%u", j->host, j->port);
	snprintf(pin, sizeof(pin), "%s:%u:%s", j->host, j->port, addrs);
	snprintf(iface, sizeof(iface), "if!%s", j->req.vrf);

	j->easy = curl_easy_init();
	if (!j->easy)
		return -ENOMEM;
	/* Replace whatever an earlier job pinned for this host in the multi
	 * handle's DNS cache, then pin this job's answer. */
	j->resolve = curl_slist_append(NULL, unpin);
	if (j->resolve)
		j->resolve = curl_slist_append(j->resolve, pin);
	j->headers = curl_slist_append(NULL, "Accept: " MEDIA_TYPE);
	if (!j->resolve || !j->headers)
		return -ENOMEM;
	free(j->body);
	j->body = NULL;
	j->body_len = 0;
	j->errbuf[0] = '\0';

	CURL *e = j->easy;
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);	/* by hand, through the PvD */
	curl_easy_setopt(e, CURLOPT_RESOLVE, j->resolve);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, j->headers);
	curl_easy_setopt(e, CURLOPT_INTERFACE, iface);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, j);
	curl_easy_setopt(e, CURLOPT_IPRESOLVE, (long)CURL_IPRESOLVE_V6);
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (j->fetch->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, j->fetch->ca_file);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, remaining_ms);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)PVDINFO_BODY_MAX);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, j->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "pvd-vrfd/" PACKAGE_VERSION);
	curl_easy_setopt(e, CURLOPT_PRIVATE, j);
	if (curl_multi_add_handle(j->fetch->multi, e) != CURLM_OK)
		return -ENOMEM;
	return 0;
}

static void http_release(struct job *j)
{
	if (j->easy) {
		curl_multi_remove_handle(j->fetch->multi, j->easy);
		curl_easy_cleanup(j->easy);
		j->easy = NULL;
	}
	curl_slist_free_all(j->resolve);
	curl_slist_free_all(j->headers);
	j->resolve = j->headers = NULL;
}

/* "application/pvd+json", parameters allowed, case-insensitive (RFC 9110 §8.3.1). */
static bool media_type_ok(const char *ct)
{
	size_t n = strlen(MEDIA_TYPE);

	if (!ct || strncasecmp(ct, MEDIA_TYPE, n) != 0)
		return false;
	return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ' || ct[n] == '\t';
}

/* The Location of a 3xx: https only, a fetchable LDH host, a path without
 * controls.  Sets host, port and path for the next round. */
static int redirect_parse(struct job *j, const char *location)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *query = NULL;
	int r = -EINVAL;

	if (!u)
		return -ENOMEM;
	if (curl_url_set(u, CURLUPART_URL, location, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK || strcasecmp(scheme, "https") != 0 ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_USER, &port, 0) == CURLUE_OK) {
		curl_free(port);	/* no credentials in URLs from the network */
		port = NULL;
		goto out;
	}
	if (curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK)
		goto out;
	for (char *c = host; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	if (strlen(host) > 1 && host[strlen(host) - 1] == '.')
		host[strlen(host) - 1] = '\0';
	if (!host_is_safe(host))
		goto out;
	curl_url_get(u, CURLUPART_QUERY, &query, 0);
	for (const char *c = path; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f)
			goto out;
	if (query)
		for (const char *c = query; *c; c++)
			if ((unsigned char)*c <= ' ' || *c == 0x7f)
				goto out;
	unsigned long p = strtoul(port, NULL, 10);
	if (p == 0 || p > 65535 || strlen(path) + (query ? strlen(query) + 1 : 0) >= sizeof(j->path))
		goto out;
	snprintf(j->host, sizeof(j->host), "%s", host);
	j->port = (unsigned)p;
	snprintf(j->path, sizeof(j->path), "%s%s%s", path, query ? "?" : "", query ? query : "");
	r = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(query);
	curl_url_cleanup(u);
	return r;
}

static void http_done(struct job *j, CURLcode code)
{
	long status = 0;
	char *ct = NULL, *location = NULL;
	struct timespec now;
	int r;

	curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &status);
	if (code != CURLE_OK) {
		if (j->body_too_large || code == CURLE_FILESIZE_EXCEEDED)
			job_fail(j, PVDINFO_INVALID, "body is larger than %d octets", PVDINFO_BODY_MAX);
		else
			/* errbuf is libcurl's text: host names in it are ours */
			job_fail(j, PVDINFO_INVALID, "%s%s%s", curl_easy_strerror(code), j->errbuf[0] ? ": " : "",
				 j->errbuf);
		return;
	}
	if (status >= 400) {
		job_fail(j, PVDINFO_NONE, "HTTP status %ld", status);
		return;
	}
	if (status >= 300 && status <= 399) {
		curl_easy_getinfo(j->easy, CURLINFO_REDIRECT_URL, &location);
		if (!location) {
			job_fail(j, PVDINFO_INVALID, "HTTP status %ld without Location", status);
			return;
		}
		if (++j->redirects > FETCH_REDIRECTS_MAX) {
			job_fail(j, PVDINFO_INVALID, "more than %d redirections", FETCH_REDIRECTS_MAX);
			return;
		}
		r = redirect_parse(j, location);
		if (r < 0) {
			job_fail(j, PVDINFO_INVALID, "redirection to an unusable URL");
			return;
		}
		http_release(j);
		if (j->channel)
			ares_destroy(j->channel);
		j->channel = NULL;
		j->state = JOB_RESOLVE;
		job_step(j);
		return;
	}
	if (status < 200) {
		job_fail(j, PVDINFO_INVALID, "HTTP status %ld", status);
		return;
	}
	curl_easy_getinfo(j->easy, CURLINFO_CONTENT_TYPE, &ct);
	if (!media_type_ok(ct)) {
		job_fail(j, PVDINFO_INVALID, "Content-Type is not " MEDIA_TYPE);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	r = pvdinfo_validate(j->body ? j->body : "", j->body_len, j->req.pvd_id, j->req.pios, j->req.n_pios, &now,
			     &j->result);
	if (r < 0) {
		job_fail(j, PVDINFO_INVALID, "%s", strerror(-r));
		return;
	}
	j->state = JOB_DONE;
	j->dead = true;
	ev_idle_start(j->fetch->loop, &j->fetch->reaper);
}

static void curl_check_done(struct fetch *f)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(f->multi, &left))) {
		struct job *j;
		char *priv = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
		j = (struct job *)priv;
		if (!j || j->dead || j->easy != m->easy_handle)
			continue;
		http_done(j, m->data.result);
	}
}

/* ---- jobs ---- */

static void job_fail(struct job *j, enum pvdinfo_state state, const char *fmt, ...)
{
	va_list ap;

	if (j->dead)
		return;
	pvdinfo_clear(&j->result);
	j->result.state = state;
	va_start(ap, fmt);
	vsnprintf(j->result.reason, sizeof(j->result.reason), fmt, ap);
	va_end(ap);
	/* Keep the reason printable: it goes to logs and D-Bus. */
	for (char *c = j->result.reason; *c; c++)
		if ((unsigned char)*c < ' ' || (unsigned char)*c >= 0x7f)
			*c = '?';
	j->state = JOB_DONE;
	j->dead = true;
	ev_idle_start(j->fetch->loop, &j->fetch->reaper);
}

static void job_step(struct job *j)
{
	int r;

	switch (j->state) {
	case JOB_SOURCE:
		if (!source_ready(&j->req, &j->source)) {
			ev_timer_stop(j->fetch->loop, &j->timer);
			ev_timer_set(&j->timer, FETCH_SOURCE_POLL_MS / 1000.0, 0);
			ev_timer_start(j->fetch->loop, &j->timer);
			return;
		}
		j->state = JOB_RESOLVE;
		log_debug("PvD '%s': fetching through %s from %s", j->req.pvd_id, j->req.vrf,
			  inet_ntop(AF_INET6, &j->source, (char[INET6_ADDRSTRLEN]){ 0 }, INET6_ADDRSTRLEN));
		__attribute__((fallthrough));
	case JOB_RESOLVE:
		r = resolve_start(j);
		if (r < 0)
			job_fail(j, PVDINFO_INVALID, "DNS: %s", strerror(-r));
		return;
	case JOB_HTTP:
		if (j->channel)
			ares_destroy(j->channel);	/* from the loop, not inside c-ares */
		j->channel = NULL;
		r = http_start(j);
		if (r < 0)
			job_fail(j, PVDINFO_INVALID, "HTTP: %s", strerror(-r));
		return;
	case JOB_DONE:
		return;
	}
}

static void on_job_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct job *j = w->data;

	(void)loop;
	(void)revents;
	if (j->dead)
		return;
	if (j->state == JOB_RESOLVE && j->channel) {
		ares_process_fd(j->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
		if (!j->dead)
			ares_rearm(j);
		return;
	}
	job_step(j);
}

static void on_job_deadline(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct job *j = w->data;

	(void)loop;
	(void)revents;
	if (j->dead)
		return;
	if (j->state == JOB_SOURCE)
		job_fail(j, PVDINFO_INVALID, "no address of the PvD passed DAD in time");
	else
		job_fail(j, PVDINFO_INVALID, "timed out (%s)", j->state == JOB_RESOLVE ? "DNS" : "HTTPS");
}

static void job_free(struct job *j)
{
	struct ev_loop *loop = j->fetch->loop;

	ev_timer_stop(loop, &j->timer);
	ev_timer_stop(loop, &j->deadline_timer);
	if (j->channel)
		ares_destroy(j->channel);	/* closes its sockets through ares_sock_state */
	for (size_t i = 0; i < ARES_SOCKETS_MAX; i++)
		if (j->watches[i].fd >= 0)
			ev_io_stop(loop, &j->watches[i].io);
	http_release(j);
	free(j->body);
	pvdinfo_clear(&j->result);
	free(j);
}

/* Report finished jobs and free dead ones, outside every library callback. */
static void on_reap(struct ev_loop *loop, ev_idle *w, int revents)
{
	struct fetch *f = w->data;
	struct job **pp = &f->jobs;

	(void)revents;
	ev_idle_stop(loop, w);
	while (*pp) {
		struct job *j = *pp;

		if (!j->dead) {
			pp = &j->next;
			continue;
		}
		*pp = j->next;
		/* Unhook everything first: the callback may start a new job
		 * for the same PvD ID. */
		ev_timer_stop(loop, &j->timer);
		ev_timer_stop(loop, &j->deadline_timer);
		if (j->state == JOB_DONE && f->done)
			f->done(f->userdata, j->req.pvd_id, &j->result);
		job_free(j);
	}
}

static struct job *job_find(const struct fetch *f, const char *pvd_id)
{
	for (struct job *j = f->jobs; j; j = j->next)
		if (!j->dead && !strcmp(j->req.pvd_id, pvd_id))
			return j;
	return NULL;
}

bool fetch_running(const struct fetch *f, const char *pvd_id)
{
	return f && job_find(f, pvd_id);
}

/* libcurl (and with it the TLS library, its configuration and CA store)
 * and c-ares are set up for the first fetch, not at start: ~60 ms of a
 * restart under emulation, which a daemon whose PvDs announce no additional
 * information never needs. */
static int fetch_libraries(struct fetch *f)
{
	static bool initialised;

	if (f->multi)
		return 0;
	if (!initialised) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS)
			return -EIO;
		initialised = true;
	}
	f->multi = curl_multi_init();
	if (!f->multi)
		return -ENOMEM;
	curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, curl_socket_cb);
	curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f);
	curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, curl_timer_cb);
	curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA, f);
	return 0;
}

int fetch_start(struct fetch *f, const struct fetch_request *req)
{
	struct job *j;
	int r;

	assert(f && req);
	if (!host_is_safe(req->pvd_id) || !vrf_is_ours(req->vrf) || req->n_dns == 0 || req->n_dns > FETCH_DNS_MAX ||
	    req->n_sources == 0 || req->n_sources > FETCH_SOURCES_MAX || req->n_pios > FETCH_PIOS_MAX)
		return -EINVAL;
	if (job_find(f, req->pvd_id))
		return -EBUSY;
	r = fetch_libraries(f);
	if (r < 0)
		return r;
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->fetch = f;
	j->req = *req;
	j->state = JOB_SOURCE;
	j->result.state = PVDINFO_NONE;
	snprintf(j->host, sizeof(j->host), "%s", req->pvd_id);
	j->port = 443;
	snprintf(j->path, sizeof(j->path), "%s", WELL_KNOWN);
	for (size_t i = 0; i < ARES_SOCKETS_MAX; i++)
		j->watches[i].fd = -1;
	ev_timer_init(&j->timer, on_job_timer, 0, 0);
	ev_timer_init(&j->deadline_timer, on_job_deadline, FETCH_TIMEOUT_MS / 1000.0, 0);
	j->timer.data = j->deadline_timer.data = j;
	j->deadline = ev_now(f->loop) + FETCH_TIMEOUT_MS / 1000.0;
	ev_timer_start(f->loop, &j->deadline_timer);
	j->next = f->jobs;
	f->jobs = j;
	/* The first step from the loop, as every other. */
	ev_timer_set(&j->timer, 0, 0);
	ev_timer_start(f->loop, &j->timer);
	return 0;
}

void fetch_cancel(struct fetch *f, const char *pvd_id)
{
	struct job *j;

	if (!f)
		return;
	j = job_find(f, pvd_id);
	if (!j)
		return;
	j->dead = true;
	j->state = JOB_SOURCE;	/* not JOB_DONE: no callback */
	ev_idle_start(f->loop, &f->reaper);
}

int fetch_new(struct ev_loop *loop, const char *ca_file, fetch_done_fn done, void *userdata, struct fetch **ret)
{
	struct fetch *f;

	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->loop = loop;
	f->done = done;
	f->userdata = userdata;
	if (ca_file && ca_file[0]) {
		f->ca_file = strdup(ca_file);
		if (!f->ca_file) {
			free(f);
			return -ENOMEM;
		}
	}
	ev_timer_init(&f->curl_timer, on_curl_timer, 0, 0);
	f->curl_timer.data = f;
	ev_idle_init(&f->reaper, on_reap);
	f->reaper.data = f;
	*ret = f;
	return 0;
}

struct fetch *fetch_free(struct fetch *f)
{
	if (!f)
		return NULL;
	while (f->jobs) {
		struct job *j = f->jobs;

		f->jobs = j->next;
		job_free(j);
	}
	ev_timer_stop(f->loop, &f->curl_timer);
	ev_idle_stop(f->loop, &f->reaper);
	if (f->multi)
		curl_multi_cleanup(f->multi);
	free(f->ca_file);
	free(f);
	return NULL;
}

/* ---- the results table ---- */

struct table_entry {
	char name[NDISC_NAME_MAX + 1];
	struct pvdinfo info;
};

struct pvdinfo_table {
	struct table_entry *e;
	size_t n;
};

int pvdinfo_table_new(struct pvdinfo_table **ret)
{
	*ret = calloc(1, sizeof(**ret));
	return *ret ? 0 : -ENOMEM;
}

struct pvdinfo_table *pvdinfo_table_free(struct pvdinfo_table *t)
{
	if (!t)
		return NULL;
	for (size_t i = 0; i < t->n; i++)
		pvdinfo_clear(&t->e[i].info);
	free(t->e);
	free(t);
	return NULL;
}

const struct pvdinfo *pvdinfo_table_find(const struct pvdinfo_table *t, const char *name)
{
	if (!t)
		return NULL;
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->e[i].name, name))
			return &t->e[i].info;
	return NULL;
}

struct pvdinfo *pvdinfo_table_get(struct pvdinfo_table *t, const char *name)
{
	struct table_entry *e;

	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->e[i].name, name))
			return &t->e[i].info;
	if (strlen(name) > NDISC_NAME_MAX)
		return NULL;
	e = realloc(t->e, (t->n + 1) * sizeof(*e));
	if (!e)
		return NULL;
	t->e = e;
	e = &t->e[t->n++];
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->info = (struct pvdinfo) { .state = PVDINFO_NONE };
	return &e->info;
}

void pvdinfo_table_remove(struct pvdinfo_table *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->e[i].name, name)) {
			pvdinfo_clear(&t->e[i].info);
			memmove(&t->e[i], &t->e[i + 1], (t->n - i - 1) * sizeof(t->e[0]));
			t->n--;
			return;
		}
}

size_t pvdinfo_table_count(const struct pvdinfo_table *t)
{
	return t ? t->n : 0;
}

struct pvdinfo *pvdinfo_table_at(struct pvdinfo_table *t, size_t i, const char **ret_name)
{
	assert(i < t->n);
	if (ret_name)
		*ret_name = t->e[i].name;
	return &t->e[i].info;
}
