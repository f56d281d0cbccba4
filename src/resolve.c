/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pvd_resolve_vrf(): getaddrinfo(3) through a PvD's VRF, on c-ares.
 *
 * Three parts: resolve_conf_parse() reads a resolv.conf the way glibc does
 * (pure); resolve_build() turns addresses into getaddrinfo(3)'s list, with
 * its socket type, protocol and service rules, in one allocation (pure but
 * for getservbyname_r); pvd_resolve_vrf() asks c-ares in a poll loop with
 * sockets of our own making, each bound to the VRF.  c-ares reads nothing
 * of the system's resolver configuration: every option it would take from
 * /etc/resolv.conf or the environment is given. */
#include <arpa/inet.h>
#include <ares.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "pvd-resolve.h"

/* ---- resolv.conf ---- */

/* glibc's res_init.c: a keyword is followed by a blank. */
static const char *conf_keyword(const char *line, const char *word)
{
	size_t n = strlen(word);

	if (strncmp(line, word, n) != 0 || (line[n] != ' ' && line[n] != '\t'))
		return NULL;
	return line + n + strspn(line + n, " \t");
}

/* The next blank-separated token of [*p, end) into buf (truncated tokens
 * are reported by a length >= size); 0 when there is none. */
static size_t conf_token(const char **p, const char *end, char *buf, size_t size)
{
	const char *s = *p, *e;
	size_t n;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	for (e = s; e < end && *e != ' ' && *e != '\t'; e++)
		;
	n = (size_t)(e - s);
	if (size > 0) {
		size_t c = n < size - 1 ? n : size - 1;

		memcpy(buf, s, c);
		buf[c] = '\0';
	}
	*p = e;
	return n;
}

static void conf_nameserver(struct resolve_conf *c, const char *p, const char *end)
{
	char tok[INET6_ADDRSTRLEN + IFNAMSIZ + 2], *pct;
	struct resolve_server *s;
	size_t n = conf_token(&p, end, tok, sizeof(tok));

	if (n == 0 || n >= sizeof(tok) || c->n_servers == RESOLVE_SERVERS_MAX)
		return;
	s = &c->servers[c->n_servers];
	memset(s, 0, sizeof(*s));
	if (inet_pton(AF_INET, tok, &s->addr.in.sin_addr) == 1) {
		s->addr.in.sin_family = AF_INET;
		s->addr.in.sin_port = htons(53);
		c->n_servers++;
		return;
	}
	pct = strchr(tok, '%');
	if (pct) {
		*pct++ = '\0';
		if (!*pct || strlen(pct) >= IFNAMSIZ)
			return;
	}
	if (inet_pton(AF_INET6, tok, &s->addr.in6.sin6_addr) != 1)
		return;
	s->addr.in6.sin6_family = AF_INET6;
	s->addr.in6.sin6_port = htons(53);
	/* Like glibc, a scope only means something on a link-local address. */
	if (pct && (IN6_IS_ADDR_LINKLOCAL(&s->addr.in6.sin6_addr) || IN6_IS_ADDR_MC_LINKLOCAL(&s->addr.in6.sin6_addr)))
		snprintf(s->ifname, sizeof(s->ifname), "%s", pct);
	c->n_servers++;
}

/* "search" and "domain" replace the list; the last such line wins. */
static void conf_search(struct resolve_conf *c, const char *p, const char *end, size_t max)
{
	char tok[RESOLVE_NAME_MAX + 2];
	size_t n;

	c->n_search = 0;
	while (c->n_search < max && (n = conf_token(&p, end, tok, sizeof(tok))) > 0) {
		/* A name too long for DNS could never be asked: skip it. */
		if (n > RESOLVE_NAME_MAX)
			continue;
		memcpy(c->search[c->n_search++], tok, n + 1);
	}
}

static unsigned conf_number(const char *s, unsigned min, unsigned max)
{
	unsigned long v = strtoul(s, NULL, 10);

	return v < min ? min : v > max ? max : (unsigned)v;
}

static void conf_options(struct resolve_conf *c, const char *p, const char *end)
{
	char tok[64];
	size_t n;

	while ((n = conf_token(&p, end, tok, sizeof(tok))) > 0) {
		if (n >= sizeof(tok))
			continue;
		if (!strncmp(tok, "ndots:", 6))
			c->ndots = conf_number(tok + 6, 0, 15);			/* RES_MAXNDOTS */
		else if (!strncmp(tok, "timeout:", 8))
			c->timeout = conf_number(tok + 8, 1, 30);		/* RES_MAXRETRANS */
		else if (!strncmp(tok, "attempts:", 9))
			c->attempts = conf_number(tok + 9, 1, 5);		/* RES_MAXRETRY */
		else if (!strcmp(tok, "rotate"))
			c->rotate = true;
		else if (!strcmp(tok, "edns0"))
			c->edns0 = true;
		else if (!strcmp(tok, "use-vc"))
			c->use_vc = true;
	}
}

void resolve_conf_parse(const char *text, struct resolve_conf *ret)
{
	const char *line = text;

	memset(ret, 0, sizeof(*ret));
	ret->ndots = 1;
	ret->timeout = 5;	/* RES_TIMEOUT */
	ret->attempts = 2;	/* RES_DFLRETRY */
	while (*line) {
		const char *end = line + strcspn(line, "\r\n"), *p;

		if (*line == '#' || *line == ';')
			;
		else if ((p = conf_keyword(line, "nameserver")))
			conf_nameserver(ret, p, end);
		else if ((p = conf_keyword(line, "search")))
			conf_search(ret, p, end, RESOLVE_SEARCH_MAX);
		else if ((p = conf_keyword(line, "domain")))
			conf_search(ret, p, end, 1);
		else if ((p = conf_keyword(line, "options")))
			conf_options(ret, p, end);
		line = end + strspn(end, "\r\n");
	}
}

/* ---- numeric hosts ---- */

int resolve_numeric(const char *host, union resolve_sa *ret)
{
	char addr[INET6_ADDRSTRLEN];
	const char *pct;
	union resolve_sa sa;
	size_t n;

	memset(&sa, 0, sizeof(sa));
	/* inet_aton(3) stops at a blank and accepts; getaddrinfo(3) does not. */
	if (!host[strcspn(host, " \t\n")] && inet_aton(host, &sa.in.sin_addr)) {
		sa.in.sin_family = AF_INET;
		*ret = sa;
		return 1;
	}
	pct = strchr(host, '%');
	n = pct ? (size_t)(pct - host) : strlen(host);
	if (n >= sizeof(addr))
		return 0;
	memcpy(addr, host, n);
	addr[n] = '\0';
	if (inet_pton(AF_INET6, addr, &sa.in6.sin6_addr) != 1)
		return 0;
	sa.in6.sin6_family = AF_INET6;
	if (pct) {
		char *e;
		unsigned long v = strtoul(pct + 1, &e, 10);

		if (pct[1] >= '0' && pct[1] <= '9' && !*e && v <= UINT32_MAX)
			sa.in6.sin6_scope_id = (uint32_t)v;
		else
			sa.in6.sin6_scope_id = if_nametoindex(pct + 1);
		if (sa.in6.sin6_scope_id == 0 && !(pct[1] == '0' && !pct[2]))
			return -1;
	}
	*ret = sa;
	return 1;
}

/* ---- the result list ---- */

/* getaddrinfo(3)'s socket types and protocols, in glibc's order: the ones
 * marked dflt are returned when hints name neither; raw takes any protocol
 * and no service. */
static const struct typeproto {
	int socktype, protocol;
	bool dflt, protoany, noservice;
	const char *name;
} typeprotos[] = {
	{ SOCK_STREAM, IPPROTO_TCP, true, false, false, "tcp" },
	{ SOCK_DGRAM, IPPROTO_UDP, true, false, false, "udp" },
	{ SOCK_DCCP, IPPROTO_DCCP, false, false, false, "dccp" },
	{ SOCK_DGRAM, IPPROTO_UDPLITE, false, false, false, "udplite" },
	{ SOCK_STREAM, IPPROTO_SCTP, false, false, false, "sctp" },
	{ SOCK_SEQPACKET, IPPROTO_SCTP, false, false, false, "sctp" },
	{ SOCK_RAW, 0, true, true, true, "raw" },
};
#define N_TYPEPROTOS (sizeof(typeprotos) / sizeof(typeprotos[0]))

struct sockspec {
	int socktype, protocol;
	uint16_t port;		/* network order */
};

static bool typeproto_matches(const struct typeproto *t, const struct addrinfo *h)
{
	return (h->ai_socktype == 0 || h->ai_socktype == t->socktype) &&
	       (h->ai_protocol == 0 || t->protoany || h->ai_protocol == t->protocol);
}

/* The port of a named service for one protocol; false if it has none. */
static bool service_port(const char *service, const char *proto, uint16_t *port)
{
	struct servent se, *r = NULL;
	char buf[1024];

	if (getservbyname_r(service, proto, &se, buf, sizeof(buf), &r) != 0 || !r)
		return false;
	*port = (uint16_t)r->s_port;
	return true;
}

/* resolve_sockspecs: what glibc's gaih_inet() makes of the service and the
 * hints' socket type and protocol: up to N_TYPEPROTOS (type, protocol,
 * port) triples, or an EAI_* code.  Nothing is looked up for the host. */
static int resolve_sockspecs(const char *service, const struct addrinfo *h, struct sockspec *ret, size_t *n_ret)
{
	const struct typeproto *tp = NULL;
	bool numeric = false;
	uint16_t port = 0;
	size_t n = 0;

	if (h->ai_socktype || h->ai_protocol) {
		for (size_t i = 0; i < N_TYPEPROTOS && !tp; i++)
			if (typeproto_matches(&typeprotos[i], h))
				tp = &typeprotos[i];
		if (!tp)
			return h->ai_socktype ? EAI_SOCKTYPE : EAI_SERVICE;
	}
	if (service) {
		char *e;
		unsigned long v = strtoul(service, &e, 10);

		if (tp && tp->noservice)
			return EAI_SERVICE;
		if (!*e) {
			if (v > 65535)
				return EAI_SERVICE;
			numeric = true;
			port = htons((uint16_t)v);
		} else if (h->ai_flags & AI_NUMERICSERV)
			return EAI_NONAME;
	}
	if (service && !numeric) {
		for (size_t i = 0; i < N_TYPEPROTOS; i++) {
			const struct typeproto *t = &typeprotos[i];

			if ((tp && t != tp) || t->noservice || !typeproto_matches(t, h))
				continue;
			if (service_port(service, t->name, &port))
				ret[n++] = (struct sockspec) { t->socktype, t->protoany ? h->ai_protocol : t->protocol, port };
		}
		if (n == 0)
			return EAI_SERVICE;
	} else if (tp) {
		ret[n++] = (struct sockspec) { tp->socktype, tp->protoany ? h->ai_protocol : tp->protocol, port };
	} else {
		for (size_t i = 0; i < N_TYPEPROTOS; i++)
			if (typeprotos[i].dflt)
				ret[n++] = (struct sockspec) { typeprotos[i].socktype, typeprotos[i].protocol, port };
	}
	*n_ret = n;
	return 0;
}

static const struct addrinfo no_hints = { .ai_family = AF_UNSPEC };

/* The flags getaddrinfo(3) knows (glibc's list). */
#define RESOLVE_FLAGS (AI_PASSIVE | AI_CANONNAME | AI_NUMERICHOST | AI_ADDRCONFIG | AI_V4MAPPED | \
		       AI_NUMERICSERV | AI_ALL | AI_IDN | AI_CANONIDN)

struct resolve_block *resolve_block_of(struct addrinfo *res)
{
	struct resolve_block *b = (struct resolve_block *)(void *)((char *)res - offsetof(struct resolve_block, nodes));

	assert(b->magic == RESOLVE_BLOCK_MAGIC);
	return b;
}

void pvd_resolve_freeaddrinfo(struct addrinfo *res)
{
	struct resolve_block *b;

	if (!res)
		return;
	b = resolve_block_of(res);
	b->magic = 0;
	free(b);
}

/* Whether address A goes into a list for FAMILY, and as what (an IPv4
 * address as IPv4-mapped IPv6 under AI_V4MAPPED). */
static bool addr_take(const union resolve_sa *a, int family, bool mapped, union resolve_sa *out)
{
	if (family == AF_UNSPEC || a->sa.sa_family == family) {
		*out = *a;
		return true;
	}
	if (!mapped || family != AF_INET6 || a->sa.sa_family != AF_INET)
		return false;
	memset(out, 0, sizeof(*out));
	out->in6.sin6_family = AF_INET6;
	out->in6.sin6_addr.s6_addr[10] = 0xff;
	out->in6.sin6_addr.s6_addr[11] = 0xff;
	memcpy(&out->in6.sin6_addr.s6_addr[12], &a->in.sin_addr, 4);
	return true;
}

int resolve_build(const union resolve_sa *addrs, size_t n, const char *canon, const char *service,
		  const struct addrinfo *hints, struct addrinfo **res)
{
	const struct addrinfo *h = hints ? hints : &no_hints;
	struct sockspec specs[N_TYPEPROTOS];
	size_t n_specs = 0, n_addrs = 0, k = 0, canon_len = 0, size;
	bool v6 = false, mapped;
	struct resolve_block *b;
	int r;

	r = resolve_sockspecs(service, h, specs, &n_specs);
	if (r != 0)
		return r;
	/* AI_V4MAPPED: IPv4 addresses only when there is no IPv6 one, or with
	 * AI_ALL as well. */
	for (size_t i = 0; i < n; i++)
		v6 |= addrs[i].sa.sa_family == AF_INET6;
	mapped = (h->ai_flags & AI_V4MAPPED) && (!v6 || (h->ai_flags & AI_ALL));
	for (size_t i = 0; i < n; i++) {
		union resolve_sa a;

		n_addrs += (addrs[i].sa.sa_family == AF_INET || addrs[i].sa.sa_family == AF_INET6) &&
			   addr_take(&addrs[i], h->ai_family, mapped, &a);
	}
	if (n_addrs == 0)
		return EAI_NODATA;
	if ((h->ai_flags & AI_CANONNAME) && canon)
		canon_len = strlen(canon) + 1;
	size = sizeof(*b) + n_addrs * n_specs * sizeof(b->nodes[0]) + canon_len;
	b = calloc(1, size);
	if (!b)
		return EAI_MEMORY;
	b->magic = RESOLVE_BLOCK_MAGIC;
	/* IPv6 first, then IPv4, each in the order given (RFC 6724's default
	 * precedence puts global IPv6 above IPv4). */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++) {
			union resolve_sa a;

			if ((addrs[i].sa.sa_family == AF_INET6) != (pass == 0) ||
			    (addrs[i].sa.sa_family != AF_INET && addrs[i].sa.sa_family != AF_INET6) ||
			    !addr_take(&addrs[i], h->ai_family, mapped, &a))
				continue;
			for (size_t s = 0; s < n_specs; s++, k++) {
				struct resolve_node *nd = &b->nodes[k];

				nd->addr = a;
				if (a.sa.sa_family == AF_INET)
					nd->addr.in.sin_port = specs[s].port;
				else
					nd->addr.in6.sin6_port = specs[s].port;
				nd->ai.ai_flags = h->ai_flags;
				nd->ai.ai_family = a.sa.sa_family;
				nd->ai.ai_socktype = specs[s].socktype;
				nd->ai.ai_protocol = specs[s].protocol;
				nd->ai.ai_addrlen = a.sa.sa_family == AF_INET ? sizeof(a.in) : sizeof(a.in6);
				nd->ai.ai_addr = &nd->addr.sa;
				nd->ai.ai_next = NULL;
				if (k > 0)
					b->nodes[k - 1].ai.ai_next = &nd->ai;
			}
		}
	/* Mapped IPv4 sorts with IPv4 above: the pass looks at the source
	 * family, so the count is the same. */
	assert(k == n_addrs * n_specs);
	if (canon_len) {
		char *c = (char *)&b->nodes[k];

		memcpy(c, canon, canon_len);
		b->nodes[0].ai.ai_canonname = c;
	}
	*res = &b->nodes[0].ai;
	return 0;
}

/* ---- c-ares ---- */

struct query {
	const char *vrf;
	const struct resolve_conf *conf;
	unsigned scopes[RESOLVE_SERVERS_MAX];	/* ifindex of each server's scope */
	bool done;
	int status;
	struct ares_addrinfo *result;
};

/* Every c-ares socket is ours: bound to the VRF before c-ares sees it.
 * One bound already (by the LD_PRELOAD shim's socket()) must be bound to
 * the VRF: a second SO_BINDTODEVICE needs CAP_NET_RAW. */
static ares_socket_t q_socket(int domain, int type, int protocol, void *data)
{
	struct query *q = data;
	char dev[IFNAMSIZ + 1] = "";
	socklen_t len = sizeof(dev);
	int fd = socket(domain, type | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol);

	if (fd < 0)
		return ARES_SOCKET_BAD;
	if (getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, &len) == 0 && len > 0 && dev[0]) {
		if (strcmp(dev, q->vrf) == 0)
			return fd;
	} else if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, q->vrf, (socklen_t)strlen(q->vrf)) == 0)
		return fd;
	close(fd);
	return ARES_SOCKET_BAD;
}

static int q_close(ares_socket_t fd, void *data)
{
	(void)data;
	return close(fd);
}

/* Only the configured servers, a link-local one with its scope (c-ares
 * 1.18 keeps none). */
static int q_connect(ares_socket_t fd, const struct sockaddr *sa, ares_socklen_t len, void *data)
{
	struct query *q = data;
	union resolve_sa to;

	if (len > sizeof(to) || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6)) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	memset(&to, 0, sizeof(to));
	memcpy(&to, sa, len);
	for (size_t i = 0; i < q->conf->n_servers; i++) {
		const union resolve_sa *s = &q->conf->servers[i].addr;

		if (s->sa.sa_family != to.sa.sa_family)
			continue;
		if (to.sa.sa_family == AF_INET && s->in.sin_addr.s_addr == to.in.sin_addr.s_addr)
			return connect(fd, sa, len);
		if (to.sa.sa_family == AF_INET6 && !memcmp(&s->in6.sin6_addr, &to.in6.sin6_addr, 16)) {
			to.in6.sin6_scope_id = q->scopes[i];
			return connect(fd, &to.sa, sizeof(to.in6));
		}
	}
	errno = EPERM;
	return -1;
}

static ares_ssize_t q_recvfrom(ares_socket_t fd, void *buf, size_t len, int flags, struct sockaddr *from,
			       ares_socklen_t *from_len, void *data)
{
	(void)data;
	return recvfrom(fd, buf, len, flags, from, from_len);
}

/* sendmsg(MSG_NOSIGNAL), not writev(): a TCP server that closed must not
 * kill the program (the shim runs in any program) with SIGPIPE. */
static ares_ssize_t q_sendv(ares_socket_t fd, const struct iovec *iov, int n, void *data)
{
	struct msghdr m = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)n };

	(void)data;
	return sendmsg(fd, &m, MSG_NOSIGNAL);
}

static const struct ares_socket_functions q_funcs = {
	.asocket = q_socket,
	.aclose = q_close,
	.aconnect = q_connect,
	.arecvfrom = q_recvfrom,
	.asendv = q_sendv,
};

static void q_done(void *arg, int status, int timeouts, struct ares_addrinfo *result)
{
	struct query *q = arg;

	(void)timeouts;
	q->done = true;
	q->status = status;
	q->result = result;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* c-ares' status as getaddrinfo(3) would say it. */
static int eai_of(int status)
{
	switch (status) {
	case ARES_ENOTFOUND:
		return EAI_NONAME;
	case ARES_ENODATA:
		return EAI_NODATA;
	case ARES_ENOMEM:
		return EAI_MEMORY;
	case ARES_EBADNAME:
		return EAI_NONAME;
	case ARES_EBADFAMILY:
	case ARES_ENOTIMP:
		return EAI_FAMILY;
	case ARES_ESERVICE:
		return EAI_SERVICE;
	case ARES_ETIMEOUT:
	case ARES_ECONNREFUSED:
	case ARES_ESERVFAIL:
	case ARES_EREFUSED:
	case ARES_ECANCELLED:
	case ARES_EDESTRUCTION:
		return EAI_AGAIN;
	default:
		return EAI_FAIL;
	}
}

static pthread_once_t ares_once = PTHREAD_ONCE_INIT;
static int ares_init_status = ARES_ENOTINITIALIZED;

static void ares_init_once(void)
{
	ares_init_status = ares_library_init(ARES_LIB_INIT_ALL);
}

/* The poll loop: until the query is done or DEADLINE (monotonic ms) has
 * passed, when it is cancelled (its callback runs with ARES_ECANCELLED). */
static void q_run(ares_channel ch, struct query *q, int64_t deadline)
{
	while (!q->done) {
		ares_socket_t socks[ARES_GETSOCK_MAXNUM];
		struct pollfd pfd[ARES_GETSOCK_MAXNUM];
		struct timeval max, tv, *tvp;
		int64_t left = deadline - now_ms();
		int bits, n, nfds = 0, timeout;

		if (left <= 0) {
			ares_cancel(ch);
			break;
		}
		bits = ares_getsock(ch, socks, ARES_GETSOCK_MAXNUM);
		for (int i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
			short ev = (short)((ARES_GETSOCK_READABLE(bits, i) ? POLLIN : 0) |
					   (ARES_GETSOCK_WRITABLE(bits, i) ? POLLOUT : 0));

			if (ev)
				pfd[nfds++] = (struct pollfd) { .fd = socks[i], .events = ev };
		}
		max.tv_sec = (time_t)(left / 1000);
		max.tv_usec = (suseconds_t)(left % 1000) * 1000;
		tvp = ares_timeout(ch, &max, &tv);
		timeout = (int)(tvp->tv_sec * 1000 + (tvp->tv_usec + 999) / 1000);
		n = poll(pfd, (nfds_t)nfds, timeout);
		if (n < 0 && errno != EINTR)
			break;
		if (n <= 0) {
			ares_process_fd(ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);	/* timeouts */
			continue;
		}
		for (int i = 0; i < nfds && !q->done; i++) {
			if (!pfd[i].revents)
				continue;
			ares_process_fd(ch, pfd[i].revents & (POLLIN | POLLERR | POLLHUP) ? pfd[i].fd : ARES_SOCKET_BAD,
					pfd[i].revents & POLLOUT ? pfd[i].fd : ARES_SOCKET_BAD);
		}
	}
	if (!q->done)
		ares_cancel(ch);
}

/* The file's text; NULL with errno set. */
static char *read_text(const char *path)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || !buf) {
		int e = fd < 0 ? errno : ENOMEM;

		if (fd >= 0)
			close(fd);
		free(buf);
		errno = e;
		return NULL;
	}
	for (;;) {
		ssize_t n;

		if (len + 1 == cap) {
			char *nb = cap < 65536 ? realloc(buf, cap * 2) : NULL;

			if (!nb)
				break;	/* a longer file: its head is enough */
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

/* The lookup proper: the servers of CONF, every socket bound to VRF. */
static int resolve_query(const char *vrf, const struct resolve_conf *conf, const char *host, const char *service,
			 const struct addrinfo *h, struct addrinfo **res)
{
	struct query q = { .vrf = vrf, .conf = conf };
	char *domains[RESOLVE_SEARCH_MAX];
	struct ares_options opts = {
		.flags = (conf->edns0 ? ARES_FLAG_EDNS : 0) | (conf->use_vc ? ARES_FLAG_USEVC : 0),
		.timeout = (int)conf->timeout * 1000,
		.tries = (int)conf->attempts,
		.ndots = (int)conf->ndots,
		.domains = domains,
		.ndomains = (int)conf->n_search,
		.nservers = 0,
		.nsort = 0,
	};
	struct ares_addr_port_node nodes[RESOLVE_SERVERS_MAX];
	struct ares_addrinfo_hints ah = {
		.ai_flags = ARES_AI_CANONNAME | ARES_AI_NOSORT,
		/* AI_V4MAPPED may need the IPv4 answers of an AF_INET6 lookup. */
		.ai_family = h->ai_family == AF_INET6 && (h->ai_flags & AI_V4MAPPED) ? AF_UNSPEC : h->ai_family,
	};
	union resolve_sa addrs[64];
	size_t n = 0, n_nodes = 0;
	const char *canon = host;
	ares_channel ch;
	int64_t deadline;
	int r;

	pthread_once(&ares_once, ares_init_once);
	if (ares_init_status != ARES_SUCCESS)
		return EAI_FAIL;
	for (size_t i = 0; i < conf->n_search; i++)
		domains[i] = (char *)conf->search[i];
	for (size_t i = 0; i < conf->n_servers; i++) {
		const struct resolve_server *s = &conf->servers[i];
		struct ares_addr_port_node *nd = &nodes[n_nodes];

		q.scopes[i] = 0;
		if (s->ifname[0]) {
			char *e;
			unsigned long v = strtoul(s->ifname, &e, 10);

			q.scopes[i] = s->ifname[0] >= '0' && s->ifname[0] <= '9' && !*e ? (unsigned)v :
				      if_nametoindex(s->ifname);
			if (!q.scopes[i])
				continue;	/* its interface is gone: unreachable */
		}
		memset(nd, 0, sizeof(*nd));
		nd->family = s->addr.sa.sa_family;
		nd->udp_port = nd->tcp_port = 53;
		if (nd->family == AF_INET)
			memcpy(&nd->addr.addr4, &s->addr.in.sin_addr, 4);
		else
			memcpy(&nd->addr.addr6, &s->addr.in6.sin6_addr, 16);
		if (n_nodes > 0)
			nodes[n_nodes - 1].next = nd;
		n_nodes++;
	}
	/* No usable server: /etc/hosts only. */
	opts.lookups = n_nodes ? (char *)"fb" : (char *)"f";
	/* Every option c-ares would otherwise read from /etc/resolv.conf or
	 * LOCALDOMAIN/RES_OPTIONS is given. */
	r = ares_init_options(&ch, &opts,
			      ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_NDOTS | ARES_OPT_DOMAINS |
			      ARES_OPT_LOOKUPS | ARES_OPT_SERVERS | ARES_OPT_SORTLIST |
			      (conf->rotate ? ARES_OPT_ROTATE : ARES_OPT_NOROTATE));
	if (r != ARES_SUCCESS)
		return r == ARES_ENOMEM ? EAI_MEMORY : EAI_FAIL;
	if (ares_set_servers_ports(ch, n_nodes ? nodes : NULL) != ARES_SUCCESS) {
		ares_destroy(ch);
		return EAI_FAIL;
	}
	ares_set_socket_functions(ch, &q_funcs, &q);
	/* c-ares gives up after its tries (each round twice as long as the
	 * last, like glibc); this deadline only guards the loop. */
	deadline = now_ms() + 1000 +
		   (int64_t)conf->timeout * 1000 * ((1 << conf->attempts) - 1) * (n_nodes ? (int64_t)n_nodes : 1);
	ares_getaddrinfo(ch, host, NULL, &ah, q_done, &q);
	q_run(ch, &q, deadline);
	ares_destroy(ch);	/* runs q_done if the query was still pending */
	if (q.status != ARES_SUCCESS || !q.result) {
		ares_freeaddrinfo(q.result);
		return q.status == ARES_SUCCESS ? EAI_FAIL : eai_of(q.status);
	}
	for (struct ares_addrinfo_node *nd = q.result->nodes; nd && n < sizeof(addrs) / sizeof(addrs[0]);
	     nd = nd->ai_next) {
		if ((nd->ai_family != AF_INET && nd->ai_family != AF_INET6) || !nd->ai_addr ||
		    nd->ai_addrlen > sizeof(addrs[0]))
			continue;
		memset(&addrs[n], 0, sizeof(addrs[n]));
		memcpy(&addrs[n], nd->ai_addr, nd->ai_addrlen);
		addrs[n].in.sin_port = 0;	/* same place in sockaddr_in6 */
		n++;
	}
	/* The canonical name: the end of the CNAME chain, else the name the
	 * answer was for. */
	for (struct ares_addrinfo_cname *c = q.result->cnames; c; c = c->next)
		if (c->name)
			canon = c->name;
	if (canon == host && q.result->name)
		canon = q.result->name;
	r = resolve_build(addrs, n, canon, service, h, res);
	ares_freeaddrinfo(q.result);
	return r;
}

int pvd_resolve_vrf(const char *vrf, const char *resolv_conf, const char *host, const char *service,
		    const struct addrinfo *hints, struct addrinfo **res)
{
	const struct addrinfo *h = hints ? hints : &no_hints;
	struct sockspec specs[N_TYPEPROTOS];
	struct resolve_conf *conf;
	union resolve_sa addr[2];
	size_t n_specs;
	char *text;
	int r;

	if (!vrf || !*vrf || strlen(vrf) >= IFNAMSIZ || !res) {
		errno = EINVAL;
		return EAI_SYSTEM;
	}
	if (h->ai_flags & ~RESOLVE_FLAGS || ((h->ai_flags & AI_CANONNAME) && !host))
		return EAI_BADFLAGS;
	if (!host && !service)
		return EAI_NONAME;
	if (h->ai_family != AF_UNSPEC && h->ai_family != AF_INET && h->ai_family != AF_INET6)
		return EAI_FAMILY;
	/* A bad service or socket type fails before any query. */
	r = resolve_sockspecs(service, h, specs, &n_specs);
	if (r != 0)
		return r;
	if (!host) {
		/* The wildcard with AI_PASSIVE, else the loopback. */
		memset(addr, 0, sizeof(addr));
		addr[0].in6.sin6_family = AF_INET6;
		addr[0].in6.sin6_addr = h->ai_flags & AI_PASSIVE ? in6addr_any : in6addr_loopback;
		addr[1].in.sin_family = AF_INET;
		addr[1].in.sin_addr.s_addr = htonl(h->ai_flags & AI_PASSIVE ? INADDR_ANY : INADDR_LOOPBACK);
		return resolve_build(addr, 2, NULL, service, h, res);
	}
	r = resolve_numeric(host, &addr[0]);
	if (r < 0)
		return EAI_NONAME;
	if (r > 0) {
		/* glibc: a numeric address of another family is not mapped. */
		if (h->ai_family != AF_UNSPEC && addr[0].sa.sa_family != h->ai_family &&
		    !(h->ai_family == AF_INET6 && (h->ai_flags & AI_V4MAPPED)))
			return EAI_ADDRFAMILY;
		return resolve_build(addr, 1, host, service, h, res);
	}
	if (h->ai_flags & AI_NUMERICHOST)
		return EAI_NONAME;
	text = read_text(resolv_conf ? resolv_conf : "/etc/resolv.conf");
	if (!text)
		return EAI_SYSTEM;
	conf = malloc(sizeof(*conf));
	if (!conf) {
		free(text);
		return EAI_MEMORY;
	}
	resolve_conf_parse(text, conf);
	free(text);
	r = resolve_query(vrf, conf, host, service, h, res);
	free(conf);
	return r;
}
