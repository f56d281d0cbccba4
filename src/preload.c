/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libpvd-preload.so: LD_PRELOAD shim used by `pvd exec` for non-root users.
 *
 * Sockets: every new AF_INET/AF_INET6 socket is bound to the VRF named in
 * PVD_VRF (SO_BINDTODEVICE; Linux >= 5.7 lets an unprivileged process do a
 * socket's first device bind).  PVD_VRF must look like one of pvd-vrfd's
 * VRFs (pvd + 6 lowercase hex digits); otherwise the shim does nothing and
 * warns once.  A socket that cannot be bound is closed and socket() fails
 * with EACCES, a value callers of socket(2) already handle: failing closed
 * keeps the program off networks that are not its PvD's.
 *
 * Names: glibc's resolver makes its sockets with internal calls this shim
 * cannot see, so its queries would leave unbound, through the main table.
 * getaddrinfo(), gethostbyname(), gethostbyname2() and their _r forms
 * therefore answer through pvd_resolve_vrf() (src/resolve.c): the servers
 * and search list of PVD_RESOLV_CONF (the PvD's resolv.conf; without it
 * /etc/resolv.conf, which `pvd exec` covers with the PvD's where it can),
 * /etc/hosts first, every socket bound to the VRF.  Lookups that need no
 * query (numeric hosts, AI_NUMERICHOST, a NULL host, other families) stay
 * glibc's.  freeaddrinfo() tells our lists from glibc's by a registry of
 * the live ones we returned.  Root's `pvd exec` does not use this shim: its
 * cgroup binds glibc's own resolver sockets too. */
#include <dlfcn.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vrf-name.h"
#include "pvd-resolve.h"

#define SHIM_EXPORT __attribute__((visibility("default")))

typedef int (*socket_fn)(int, int, int);
typedef int (*getaddrinfo_fn)(const char *, const char *, const struct addrinfo *, struct addrinfo **);
typedef void (*freeaddrinfo_fn)(struct addrinfo *);
typedef int (*gethostbyname2_r_fn)(const char *, int, struct hostent *, char *, size_t, struct hostent **, int *);
typedef struct hostent *(*gethostbyname2_fn)(const char *, int);
typedef struct hostent *(*gethostbyname_fn)(const char *);

static socket_fn real_socket;
static getaddrinfo_fn real_getaddrinfo;
static freeaddrinfo_fn real_freeaddrinfo;
static gethostbyname2_r_fn real_gethostbyname2_r;
static gethostbyname2_fn real_gethostbyname2;
static gethostbyname_fn real_gethostbyname;
static char vrf_name[IFNAMSIZ];
static const char *vrf;			/* NULL: pass through */
static char resolv_path[4096];
static const char *resolv;		/* NULL: /etc/resolv.conf */

/* Our live getaddrinfo() results, newest first. */
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static struct resolve_block *live;

/* Set while pvd_resolve_vrf() runs in this thread: whatever it calls goes
 * to glibc (c-ares has no use for getaddrinfo, but no loop either way). */
static __thread bool in_lookup;

static void say(const char *a, const char *b, const char *c)
{
	/* write(2), not stdio: safe in any state the host program is in. */
	ssize_t r = write(STDERR_FILENO, a, strlen(a));

	r = write(STDERR_FILENO, b, strlen(b));
	r = write(STDERR_FILENO, c, strlen(c));
	(void)r;
}

/* Once, from the constructor or from the first call that needs it (another
 * library's constructor may run before ours). The environment is copied:
 * the program may change its own later. */
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void shim_init(void)
{
	const char *v = getenv("PVD_VRF"), *rc = getenv("PVD_RESOLV_CONF");
	int saved = errno;

	real_socket = (socket_fn)dlsym(RTLD_NEXT, "socket");
	real_getaddrinfo = (getaddrinfo_fn)dlsym(RTLD_NEXT, "getaddrinfo");
	real_freeaddrinfo = (freeaddrinfo_fn)dlsym(RTLD_NEXT, "freeaddrinfo");
	real_gethostbyname2_r = (gethostbyname2_r_fn)dlsym(RTLD_NEXT, "gethostbyname2_r");
	real_gethostbyname2 = (gethostbyname2_fn)dlsym(RTLD_NEXT, "gethostbyname2");
	real_gethostbyname = (gethostbyname_fn)dlsym(RTLD_NEXT, "gethostbyname");
	if (v && pvd_vrf_name_valid(v)) {
		memcpy(vrf_name, v, strlen(v) + 1);
		vrf = vrf_name;
	} else
		say("libpvd-preload: PVD_VRF '", v ? v : "", "' is not a pvd-vrfd VRF name; sockets are not bound\n");
	if (rc && rc[0] == '/' && strlen(rc) < sizeof(resolv_path)) {
		memcpy(resolv_path, rc, strlen(rc) + 1);
		resolv = resolv_path;
	}
	errno = saved;
}

static void shim_ready(void)
{
	int saved = errno;

	pthread_once(&init_once, shim_init);
	errno = saved;
}

__attribute__((constructor)) static void pvd_preload_init(void)
{
	shim_ready();
}

SHIM_EXPORT int socket(int domain, int type, int protocol)
{
	static int warned;
	int fd, e;

	shim_ready();
	if (!real_socket) {
		errno = ENOSYS;
		return -1;
	}
	fd = real_socket(domain, type, protocol);
	if (fd < 0 || !vrf || (domain != AF_INET && domain != AF_INET6))
		return fd;
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, vrf, strlen(vrf)) == 0)
		return fd;
	e = errno;
	if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
		say("libpvd-preload: cannot bind a socket to ", vrf, e == ENODEV ?
		    ": no such device\n" : e == EPERM ? ": not permitted (Linux < 5.7?)\n" :
		    ": SO_BINDTODEVICE failed\n");
	close(fd);
	errno = EACCES;
	return -1;
}

/* Whether a lookup of HOST in FAMILY is ours: a name that needs a query. */
static bool shim_takes(const char *host, int family, int flags)
{
	union resolve_sa a;

	return vrf && host && !in_lookup && !(flags & AI_NUMERICHOST) &&
	       (family == AF_UNSPEC || family == AF_INET || family == AF_INET6) && resolve_numeric(host, &a) == 0;
}

static int shim_resolve(const char *host, const char *service, const struct addrinfo *hints, struct addrinfo **res)
{
	int r;

	in_lookup = true;
	r = pvd_resolve_vrf(vrf, resolv, host, service, hints, res);
	in_lookup = false;
	return r;
}

SHIM_EXPORT int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
			    struct addrinfo **res)
{
	struct resolve_block *b;
	int r;

	shim_ready();
	if (!real_getaddrinfo || !real_freeaddrinfo) {
		errno = ENOSYS;
		return EAI_SYSTEM;
	}
	if (!shim_takes(node, hints ? hints->ai_family : AF_UNSPEC, hints ? hints->ai_flags : 0))
		return real_getaddrinfo(node, service, hints, res);
	r = shim_resolve(node, service, hints, res);
	if (r != 0)
		return r;
	b = resolve_block_of(*res);
	pthread_mutex_lock(&live_lock);
	b->next = live;
	__atomic_store_n(&live, b, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&live_lock);
	return 0;
}

SHIM_EXPORT void freeaddrinfo(struct addrinfo *res)
{
	struct resolve_block *b = NULL;

	if (!res)
		return;
	shim_ready();
	/* A list reaches freeaddrinfo() after getaddrinfo() returned it, so a
	 * registry that looks empty holds none of ours. */
	if (__atomic_load_n(&live, __ATOMIC_ACQUIRE)) {
		pthread_mutex_lock(&live_lock);
		for (struct resolve_block **p = &live; *p; p = &(*p)->next)
			if (&(*p)->nodes[0].ai == res) {
				b = *p;
				*p = b->next;
				break;
			}
		pthread_mutex_unlock(&live_lock);
	}
	if (b)
		pvd_resolve_freeaddrinfo(res);
	else if (real_freeaddrinfo)
		real_freeaddrinfo(res);
}

/* ---- gethostbyname and friends, on getaddrinfo's answers ---- */

/* Lay AI's addresses of family AF out as a hostent in BUF: ERANGE if it
 * does not fit. */
static int hostent_fill(const struct addrinfo *ai, int af, const char *name, struct hostent *ret, char *buf,
			size_t buflen)
{
	size_t alen = af == AF_INET ? 4 : 16, n = 0, need, nlen;
	uintptr_t pad = (sizeof(char *) - (uintptr_t)buf % sizeof(char *)) % sizeof(char *);
	char **list, *p;

	for (const struct addrinfo *a = ai; a; a = a->ai_next)
		n += a->ai_family == af;
	name = ai->ai_canonname ? ai->ai_canonname : name;
	nlen = strlen(name) + 1;
	need = pad + (n + 2) * sizeof(char *) + n * alen + nlen;
	if (buflen < need)
		return ERANGE;
	list = (char **)(void *)(buf + pad);
	p = (char *)&list[n + 2];
	n = 0;
	for (const struct addrinfo *a = ai; a; a = a->ai_next) {
		if (a->ai_family != af)
			continue;
		memcpy(p, af == AF_INET ? (const void *)&((const struct sockaddr_in *)(const void *)a->ai_addr)->sin_addr :
		       (const void *)&((const struct sockaddr_in6 *)(const void *)a->ai_addr)->sin6_addr, alen);
		list[n++] = p;
		p += alen;
	}
	list[n] = NULL;		/* h_addr_list ends */
	list[n + 1] = NULL;	/* h_aliases: none */
	memcpy(p, name, nlen);
	*ret = (struct hostent) {
		.h_name = p,
		.h_aliases = &list[n + 1],
		.h_addrtype = af,
		.h_length = (int)alen,
		.h_addr_list = list,
	};
	return 0;
}

static int herrno_of(int eai)
{
	return eai == EAI_NONAME ? HOST_NOT_FOUND : eai == EAI_NODATA ? NO_DATA :
	       eai == EAI_AGAIN ? TRY_AGAIN : NO_RECOVERY;
}

SHIM_EXPORT int gethostbyname2_r(const char *name, int af, struct hostent *ret, char *buf, size_t buflen,
				 struct hostent **result, int *h_errnop)
{
	const struct addrinfo hints = { .ai_family = af, .ai_socktype = SOCK_STREAM, .ai_flags = AI_CANONNAME };
	struct addrinfo *ai;
	int r;

	shim_ready();
	if (!name || (af != AF_INET && af != AF_INET6) || !shim_takes(name, af, 0)) {
		if (!real_gethostbyname2_r) {
			*result = NULL;
			*h_errnop = NO_RECOVERY;
			return ENOSYS;
		}
		return real_gethostbyname2_r(name, af, ret, buf, buflen, result, h_errnop);
	}
	*result = NULL;
	r = shim_resolve(name, NULL, &hints, &ai);
	if (r != 0) {
		*h_errnop = herrno_of(r);
		return 0;
	}
	r = hostent_fill(ai, af, name, ret, buf, buflen);
	pvd_resolve_freeaddrinfo(ai);
	if (r != 0) {
		*h_errnop = NETDB_INTERNAL;
		return r;
	}
	*result = ret;
	*h_errnop = NETDB_SUCCESS;
	return 0;
}

SHIM_EXPORT int gethostbyname_r(const char *name, struct hostent *ret, char *buf, size_t buflen,
				struct hostent **result, int *h_errnop)
{
	return gethostbyname2_r(name, AF_INET, ret, buf, buflen, result, h_errnop);
}

/* The non-reentrant forms: ours keep one result per thread (glibc's, one
 * per process). */
static __thread struct hostent tls_hostent;
static __thread char tls_hostbuf[2048];

static struct hostent *shim_gethostbyname2(const char *name, int af)
{
	struct hostent *result;
	int r, herr;

	r = gethostbyname2_r(name, af, &tls_hostent, tls_hostbuf, sizeof(tls_hostbuf), &result, &herr);
	h_errno = herr;
	if (r != 0)
		errno = r;
	return result;
}

SHIM_EXPORT struct hostent *gethostbyname2(const char *name, int af)
{
	shim_ready();
	if ((af == AF_INET || af == AF_INET6) && shim_takes(name, af, 0))
		return shim_gethostbyname2(name, af);
	if (!real_gethostbyname2) {
		h_errno = NO_RECOVERY;
		return NULL;
	}
	return real_gethostbyname2(name, af);
}

SHIM_EXPORT struct hostent *gethostbyname(const char *name)
{
	shim_ready();
	if (shim_takes(name, AF_INET, 0))
		return shim_gethostbyname2(name, AF_INET);
	if (!real_gethostbyname) {
		h_errno = NO_RECOVERY;
		return NULL;
	}
	return real_gethostbyname(name);
}
