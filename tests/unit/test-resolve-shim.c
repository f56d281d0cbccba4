/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libpvd-preload.so's getaddrinfo/freeaddrinfo and gethostbyname, run with
 * the shim preloaded (meson sets LD_PRELOAD, PVD_VRF to a VRF that does not
 * exist and PVD_RESOLV_CONF to a file without servers: only /etc/hosts can
 * answer, no query can leave).  Checks that glibc's lists and the shim's
 * are each freed by their own allocator, interleaved and from threads (a
 * wrong free aborts, under ASan or glibc's own checks), and that names
 * needing a query are the shim's. */
#include <dlfcn.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tap.h"

/* A name of /etc/hosts (the first of its first IPv4 entry), or NULL. */
static char hosts_name[256];

static const char *find_hosts_name(void)
{
	FILE *f = fopen("/etc/hosts", "re");
	char line[512];

	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		char addr[64], name[256];

		if (line[0] == '#' || sscanf(line, "%63s %255s", addr, name) != 2 || name[0] == '#' ||
		    strchr(addr, ':'))
			continue;
		snprintf(hosts_name, sizeof(hosts_name), "%s", name);
		fclose(f);
		return hosts_name;
	}
	fclose(f);
	return NULL;
}

static bool from_shim(void *fn)
{
	Dl_info info;

	return dladdr(fn, &info) && info.dli_fname && strstr(info.dli_fname, "libpvd-preload");
}

static const struct addrinfo stream = { .ai_socktype = SOCK_STREAM };

static void *worker(void *arg)
{
	const char *name = arg;
	long bad = 0;

	for (int i = 0; i < 200; i++) {
		struct addrinfo *ours = NULL, *glibc = NULL;

		bad += getaddrinfo(name, "80", &stream, &ours) != 0;
		bad += getaddrinfo("2001:db8::1", "80", &stream, &glibc) != 0;
		freeaddrinfo(i % 2 ? ours : glibc);
		freeaddrinfo(i % 2 ? glibc : ours);
	}
	return (void *)bad;
}

int main(void)
{
	const char *name = find_hosts_name();
	struct addrinfo *a = NULL, *b = NULL, *c = NULL, *d = NULL;
	struct hostent he, *hp, *r;
	char small[8];
	int herr, rc;

	ok(from_shim((void *)getaddrinfo) && from_shim((void *)freeaddrinfo) && from_shim((void *)gethostbyname),
	   "getaddrinfo, freeaddrinfo and gethostbyname are the shim's (LD_PRELOAD)");
	ok(getenv("PVD_VRF") && getenv("PVD_RESOLV_CONF"), "PVD_VRF and PVD_RESOLV_CONF are set");

	/* No server: a name outside /etc/hosts fails as glibc's does when no
	 * server answers, and nothing is asked (the VRF does not even exist). */
	rc = getaddrinfo("no-such-name.pvd.invalid", NULL, NULL, &a);
	ok(rc == EAI_AGAIN, "a name not in /etc/hosts, no server: EAI_AGAIN (%s)", gai_strerror(rc));

	if (!name) {
		ok(true, "# SKIP /etc/hosts names nothing");
		return tap_done();
	}
	/* Interleaved: glibc's numeric lists and the shim's name lists. */
	ok(getaddrinfo("192.0.2.1", "80", &stream, &a) == 0 && a, "a numeric host (glibc's list)");
	ok(getaddrinfo(name, "80", &stream, &b) == 0 && b, "'%s' of /etc/hosts (the shim's list)", name);
	ok(getaddrinfo("2001:db8::1", NULL, NULL, &c) == 0 && c, "another glibc list");
	ok(getaddrinfo(name, NULL, NULL, &d) == 0 && d && d->ai_next, "another shim list (several socket types)");
	freeaddrinfo(b);
	freeaddrinfo(a);
	freeaddrinfo(d);
	freeaddrinfo(c);
	freeaddrinfo(NULL);
	ok(true, "freed in another order than made, each by its own allocator");

	{
		pthread_t t[4];
		long bad = 0;

		for (int i = 0; i < 4; i++)
			pthread_create(&t[i], NULL, worker, (void *)name);
		for (int i = 0; i < 4; i++) {
			void *v;

			pthread_join(t[i], &v);
			bad += (long)v;
		}
		ok(bad == 0, "4 threads x 200 lookups, both kinds, freed crosswise (%ld failed)", bad);
	}

	hp = gethostbyname(name);
	ok(hp && hp->h_addrtype == AF_INET && hp->h_length == 4 && hp->h_addr_list[0] && hp->h_name,
	   "gethostbyname('%s'): an IPv4 hostent", name);
	rc = gethostbyname_r(name, &he, small, sizeof(small), &r, &herr);
	ok(rc == ERANGE && r == NULL, "gethostbyname_r with a buffer too small: ERANGE");
	hp = gethostbyname("no-such-name.pvd.invalid");
	ok(!hp && h_errno == TRY_AGAIN, "gethostbyname of an unknown name, no server: TRY_AGAIN");
	return tap_done();
}
