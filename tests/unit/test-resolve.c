/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The stub resolver's pure parts: resolv.conf as glibc reads it, numeric
 * hosts, getaddrinfo(3)'s list in one allocation; and pvd_resolve_vrf()'s
 * answers that need no query (checked with a VRF that does not exist and a
 * resolv.conf that is not there, so a query could not even start). */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pvd-resolve.h"
#include "tap.h"

static struct resolve_conf conf;

static bool server_is(size_t i, const char *addr, const char *ifname)
{
	char buf[INET6_ADDRSTRLEN] = "";
	const union resolve_sa *a = &conf.servers[i].addr;

	if (i >= conf.n_servers)
		return false;
	if (a->sa.sa_family == AF_INET)
		inet_ntop(AF_INET, &a->in.sin_addr, buf, sizeof(buf));
	else if (a->sa.sa_family == AF_INET6)
		inet_ntop(AF_INET6, &a->in6.sin6_addr, buf, sizeof(buf));
	return !strcmp(buf, addr) && !strcmp(conf.servers[i].ifname, ifname) &&
	       (a->sa.sa_family == AF_INET ? a->in.sin_port : a->in6.sin6_port) == htons(53);
}

static void test_conf(void)
{
	char big[8192];
	size_t len = 0;

	resolve_conf_parse("", &conf);
	ok(conf.n_servers == 0 && conf.n_search == 0 && conf.ndots == 1 && conf.timeout == 5 && conf.attempts == 2 &&
	   !conf.rotate && !conf.edns0 && !conf.use_vc, "empty: glibc's defaults, no server");

	/* What pvd-vrfd writes (src/dns.c). */
	resolve_conf_parse("# resolv.conf of PvD a.example (VRF pvd1a2b3c), written by pvd-vrfd: do not edit.\n"
			   "nameserver 2001:db8:a::53\n"
			   "nameserver fe80::1%pvd1a2b3cs0\n"
			   "search a.example zone.example\n", &conf);
	ok(conf.n_servers == 2 && server_is(0, "2001:db8:a::53", "") && server_is(1, "fe80::1", "pvd1a2b3cs0"),
	   "pvd-vrfd's file: a global and a scoped link-local server, port 53");
	ok(conf.n_search == 2 && !strcmp(conf.search[0], "a.example") && !strcmp(conf.search[1], "zone.example"),
	   "pvd-vrfd's file: the search list in order");

	resolve_conf_parse("nameserver 192.0.2.53\r\nnameserver\t2001:db8::1 trailing words\r\n", &conf);
	ok(conf.n_servers == 2 && server_is(0, "192.0.2.53", "") && server_is(1, "2001:db8::1", ""),
	   "IPv4 servers, tabs, CRLF and trailing words");

	resolve_conf_parse("nameserver2001:db8::1\n nameserver 2001:db8::2\n#nameserver 2001:db8::3\n"
			   ";nameserver 2001:db8::4\nnameserver not-an-address\nnameserver 2001:db8::5%\n"
			   "nameserver fe80::1%an-interface-name-too-long\nnameserver 2001:db8::6%eth0\n"
			   "nameserver 192.0.2.1%eth0\nnameserver\n", &conf);
	ok(conf.n_servers == 1 && server_is(0, "2001:db8::6", ""),
	   "ignored: no blank after the keyword, leading blank, comments, bad address, empty or long scope, "
	   "IPv4 with a scope; a global address's scope dropped");

	for (int i = 0; i < RESOLVE_SERVERS_MAX + 3; i++)
		len += (size_t)snprintf(big + len, sizeof(big) - len, "nameserver 2001:db8::%x\n", i + 1);
	resolve_conf_parse(big, &conf);
	ok(conf.n_servers == RESOLVE_SERVERS_MAX && server_is(RESOLVE_SERVERS_MAX - 1, "2001:db8::8", ""),
	   "the first %d servers are kept", RESOLVE_SERVERS_MAX);

	resolve_conf_parse("search one.example two.example\ndomain three.example four.example\n", &conf);
	ok(conf.n_search == 1 && !strcmp(conf.search[0], "three.example"), "domain: one name, replaces search");
	resolve_conf_parse("domain three.example\nsearch one.example two.example\n", &conf);
	ok(conf.n_search == 2 && !strcmp(conf.search[1], "two.example"), "the last search/domain line wins");
	resolve_conf_parse("search\n", &conf);
	ok(conf.n_search == 0, "an empty search line empties the list");

	len = (size_t)snprintf(big, sizeof(big), "search ");
	for (int i = 0; i < 300; i++)
		big[len++] = 'a';
	for (int i = 0; i < RESOLVE_SEARCH_MAX + 2; i++)
		len += (size_t)snprintf(big + len, sizeof(big) - len, " d%d.example", i);
	resolve_conf_parse(big, &conf);
	ok(conf.n_search == RESOLVE_SEARCH_MAX && !strcmp(conf.search[0], "d0.example") &&
	   !strcmp(conf.search[RESOLVE_SEARCH_MAX - 1], "d15.example"),
	   "search: a name over 253 octets skipped, %d names kept", RESOLVE_SEARCH_MAX);

	resolve_conf_parse("options ndots:3 timeout:1 attempts:4 rotate\noptions edns0 use-vc inet6 debug\n", &conf);
	ok(conf.ndots == 3 && conf.timeout == 1 && conf.attempts == 4 && conf.rotate && conf.edns0 && conf.use_vc,
	   "options: ndots, timeout, attempts, rotate, edns0, use-vc; unknown ones ignored");
	resolve_conf_parse("options ndots:99 timeout:0 attempts:9\n", &conf);
	ok(conf.ndots == 15 && conf.timeout == 1 && conf.attempts == 5, "options: clamped to 15, 1..30, 1..5");
	resolve_conf_parse("options timeout:99 attempts:0\n", &conf);
	ok(conf.timeout == 30 && conf.attempts == 1, "options: clamped (upper timeout, lower attempts)");
}

static bool sa_is(const union resolve_sa *a, const char *addr)
{
	char buf[INET6_ADDRSTRLEN] = "";

	if (a->sa.sa_family == AF_INET)
		inet_ntop(AF_INET, &a->in.sin_addr, buf, sizeof(buf));
	else if (a->sa.sa_family == AF_INET6)
		inet_ntop(AF_INET6, &a->in6.sin6_addr, buf, sizeof(buf));
	return !strcmp(buf, addr);
}

static void test_numeric(void)
{
	union resolve_sa a;
	unsigned lo = if_nametoindex("lo");

	ok(resolve_numeric("192.0.2.1", &a) == 1 && a.sa.sa_family == AF_INET && sa_is(&a, "192.0.2.1"), "IPv4");
	ok(resolve_numeric("127.1", &a) == 1 && sa_is(&a, "127.0.0.1"), "IPv4 in inet_aton's short form");
	ok(resolve_numeric("192.0.2.1 junk", &a) == 0, "IPv4 with trailing words is a name");
	ok(resolve_numeric("2001:db8::1", &a) == 1 && a.sa.sa_family == AF_INET6 && sa_is(&a, "2001:db8::1") &&
	   a.in6.sin6_scope_id == 0, "IPv6");
	ok(resolve_numeric("fe80::1%7", &a) == 1 && a.in6.sin6_scope_id == 7, "IPv6 with a numeric scope");
	ok(lo && resolve_numeric("fe80::1%lo", &a) == 1 && a.in6.sin6_scope_id == lo, "IPv6 scoped by name");
	ok(resolve_numeric("fe80::1%no-such-if0", &a) == -1, "IPv6 scoped by an unknown interface: -1");
	ok(resolve_numeric("server-a.example", &a) == 0 && resolve_numeric("", &a) == 0 &&
	   resolve_numeric("2001:db8::g", &a) == 0, "names are not numeric");
}

static size_t list_len(const struct addrinfo *ai)
{
	size_t n = 0;

	for (; ai; ai = ai->ai_next)
		n++;
	return n;
}

static bool node_is(const struct addrinfo *ai, int family, int socktype, int protocol, const char *addr, int port)
{
	const union resolve_sa *a = (const union resolve_sa *)(const void *)ai->ai_addr;

	return ai->ai_family == family && ai->ai_socktype == socktype && ai->ai_protocol == protocol &&
	       ai->ai_addrlen == (family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) &&
	       a->sa.sa_family == family && sa_is(a, addr) &&
	       ntohs(family == AF_INET ? a->in.sin_port : a->in6.sin6_port) == port;
}

static void sa_set(union resolve_sa *a, const char *addr)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, addr, &a->in.sin_addr) == 1)
		a->in.sin_family = AF_INET;
	else if (inet_pton(AF_INET6, addr, &a->in6.sin6_addr) == 1)
		a->in6.sin6_family = AF_INET6;
}

static void test_build(void)
{
	union resolve_sa addrs[3];
	struct addrinfo *res = NULL, *sentinel = (struct addrinfo *)&res, *ai;
	struct addrinfo hints;
	struct resolve_block *b;
	bool layout = true;
	size_t k = 0;

	sa_set(&addrs[0], "192.0.2.7");
	sa_set(&addrs[1], "2001:db8::7");
	sa_set(&addrs[2], "2001:db8::8");

	ok(resolve_build(addrs, 3, "name.example", NULL, NULL, &res) == 0 && list_len(res) == 9,
	   "no hints: 3 addresses x (stream, dgram, raw)");
	ai = res;
	ok(ai && node_is(ai, AF_INET6, SOCK_STREAM, IPPROTO_TCP, "2001:db8::7", 0) &&
	   node_is(ai->ai_next, AF_INET6, SOCK_DGRAM, IPPROTO_UDP, "2001:db8::7", 0) &&
	   node_is(ai->ai_next->ai_next, AF_INET6, SOCK_RAW, 0, "2001:db8::7", 0),
	   "each address as stream/tcp, dgram/udp, raw/0, in glibc's order");
	for (ai = res; ai && ai->ai_next; ai = ai->ai_next)
		;
	ok(ai && node_is(ai, AF_INET, SOCK_RAW, 0, "192.0.2.7", 0), "IPv6 first, IPv4 last");
	ok(res && res->ai_canonname == NULL, "no AI_CANONNAME: no canonical name");
	/* The layout: one block, nodes in order, each ai_addr its own. */
	b = res ? resolve_block_of(res) : NULL;
	for (ai = res; ai; ai = ai->ai_next, k++)
		layout &= b && ai == &b->nodes[k].ai && ai->ai_addr == &b->nodes[k].addr.sa;
	ok(b && b->magic == RESOLVE_BLOCK_MAGIC && layout && k == 9, "one block: header, then node k at nodes[k]");
	pvd_resolve_freeaddrinfo(res);
	pvd_resolve_freeaddrinfo(NULL);

	hints = (struct addrinfo) { .ai_flags = AI_CANONNAME, .ai_socktype = SOCK_STREAM };
	res = NULL;
	ok(resolve_build(addrs, 3, "name.example", "443", &hints, &res) == 0 && list_len(res) == 3 &&
	   node_is(res, AF_INET6, SOCK_STREAM, IPPROTO_TCP, "2001:db8::7", 443) &&
	   node_is(res->ai_next->ai_next, AF_INET, SOCK_STREAM, IPPROTO_TCP, "192.0.2.7", 443) &&
	   res->ai_canonname && !strcmp(res->ai_canonname, "name.example") && !res->ai_next->ai_canonname &&
	   res->ai_flags == AI_CANONNAME,
	   "SOCK_STREAM, port 443, AI_CANONNAME: the name on the first node only");
	pvd_resolve_freeaddrinfo(res);

	hints = (struct addrinfo) { .ai_family = AF_INET };
	res = NULL;
	ok(resolve_build(addrs, 3, NULL, "53", &hints, &res) == 0 && list_len(res) == 3 &&
	   node_is(res, AF_INET, SOCK_STREAM, IPPROTO_TCP, "192.0.2.7", 53), "AF_INET: IPv4 only; a numeric port");
	pvd_resolve_freeaddrinfo(res);

	hints = (struct addrinfo) { .ai_family = AF_INET6, .ai_socktype = SOCK_DGRAM };
	res = NULL;
	ok(resolve_build(addrs, 3, NULL, NULL, &hints, &res) == 0 && list_len(res) == 2 &&
	   node_is(res->ai_next, AF_INET6, SOCK_DGRAM, IPPROTO_UDP, "2001:db8::8", 0), "AF_INET6: IPv6 only");
	pvd_resolve_freeaddrinfo(res);

	hints = (struct addrinfo) { .ai_family = AF_INET6, .ai_flags = AI_V4MAPPED, .ai_socktype = SOCK_DGRAM };
	res = NULL;
	ok(resolve_build(addrs, 1, NULL, NULL, &hints, &res) == 0 && list_len(res) == 1 &&
	   node_is(res, AF_INET6, SOCK_DGRAM, IPPROTO_UDP, "::ffff:192.0.2.7", 0),
	   "AI_V4MAPPED without IPv6 answers: IPv4 mapped");
	pvd_resolve_freeaddrinfo(res);
	res = NULL;
	ok(resolve_build(addrs, 3, NULL, NULL, &hints, &res) == 0 && list_len(res) == 2,
	   "AI_V4MAPPED with IPv6 answers: no IPv4");
	pvd_resolve_freeaddrinfo(res);
	hints.ai_flags |= AI_ALL;
	res = NULL;
	ok(resolve_build(addrs, 3, NULL, NULL, &hints, &res) == 0 && list_len(res) == 3 &&
	   node_is(res->ai_next->ai_next, AF_INET6, SOCK_DGRAM, IPPROTO_UDP, "::ffff:192.0.2.7", 0),
	   "AI_V4MAPPED|AI_ALL: IPv6, then IPv4 mapped");
	pvd_resolve_freeaddrinfo(res);

	hints = (struct addrinfo) { .ai_protocol = 99 };
	res = NULL;
	ok(resolve_build(addrs, 1, NULL, NULL, &hints, &res) == 0 && list_len(res) == 1 &&
	   node_is(res, AF_INET, SOCK_RAW, 99, "192.0.2.7", 0), "an unknown protocol: raw with that protocol");
	pvd_resolve_freeaddrinfo(res);
	hints = (struct addrinfo) { .ai_protocol = IPPROTO_SCTP };
	res = NULL;
	ok(resolve_build(addrs, 1, NULL, "9", &hints, &res) == 0 && list_len(res) == 1 &&
	   node_is(res, AF_INET, SOCK_STREAM, IPPROTO_SCTP, "192.0.2.7", 9), "IPPROTO_SCTP: stream/sctp");
	pvd_resolve_freeaddrinfo(res);

	/* Failures leave *res alone. */
	res = sentinel;
	hints = (struct addrinfo) { .ai_family = AF_INET6 };
	ok(resolve_build(addrs, 1, NULL, NULL, &hints, &res) == EAI_NODATA && res == sentinel,
	   "no address of the family: EAI_NODATA");
	ok(resolve_build(addrs, 0, NULL, NULL, NULL, &res) == EAI_NODATA && res == sentinel, "no address: EAI_NODATA");
	hints = (struct addrinfo) { .ai_socktype = SOCK_RAW };
	ok(resolve_build(addrs, 1, NULL, "80", &hints, &res) == EAI_SERVICE && res == sentinel,
	   "SOCK_RAW with a service: EAI_SERVICE");
	hints = (struct addrinfo) { .ai_socktype = 77 };
	ok(resolve_build(addrs, 1, NULL, NULL, &hints, &res) == EAI_SOCKTYPE, "an unknown socket type: EAI_SOCKTYPE");
	hints = (struct addrinfo) { .ai_socktype = SOCK_STREAM, .ai_protocol = IPPROTO_UDP };
	ok(resolve_build(addrs, 1, NULL, NULL, &hints, &res) == EAI_SOCKTYPE, "stream/udp: EAI_SOCKTYPE");
	ok(resolve_build(addrs, 1, NULL, "65536", NULL, &res) == EAI_SERVICE, "port 65536: EAI_SERVICE");
	ok(resolve_build(addrs, 1, NULL, "no-such-service-pvd", NULL, &res) == EAI_SERVICE,
	   "an unknown service name: EAI_SERVICE");
	hints = (struct addrinfo) { .ai_flags = AI_NUMERICSERV };
	ok(resolve_build(addrs, 1, NULL, "http", &hints, &res) == EAI_NONAME && res == sentinel,
	   "AI_NUMERICSERV with a name: EAI_NONAME");

	/* A named service: /etc/services (netbase) has ssh as 22/tcp. */
	if (access("/etc/services", R_OK) == 0) {
		hints = (struct addrinfo) { .ai_socktype = SOCK_STREAM };
		res = NULL;
		ok(resolve_build(addrs, 1, NULL, "ssh", &hints, &res) == 0 && list_len(res) == 1 &&
		   node_is(res, AF_INET, SOCK_STREAM, IPPROTO_TCP, "192.0.2.7", 22), "a named service (ssh): 22");
		pvd_resolve_freeaddrinfo(res);
	} else
		ok(true, "# SKIP no /etc/services");
}

/* pvd_resolve_vrf() where no query may happen: VRF pvd000000 does not exist
 * and the resolv.conf is missing, so anything that tried would fail. */
#define NO_VRF "pvd000000"
#define NO_CONF "/nonexistent/pvd-test/resolv.conf"

static void test_no_query(void)
{
	struct addrinfo hints, *res = NULL, *sentinel = (struct addrinfo *)&res;

	ok(pvd_resolve_vrf(NO_VRF, NO_CONF, "2001:db8::9", "80", NULL, &res) == 0 && list_len(res) == 3 &&
	   node_is(res, AF_INET6, SOCK_STREAM, IPPROTO_TCP, "2001:db8::9", 80), "a numeric IPv6 host: no query");
	pvd_resolve_freeaddrinfo(res);
	hints = (struct addrinfo) { .ai_flags = AI_CANONNAME, .ai_socktype = SOCK_STREAM };
	res = NULL;
	ok(pvd_resolve_vrf(NO_VRF, NO_CONF, "192.0.2.9", NULL, &hints, &res) == 0 && list_len(res) == 1 &&
	   res->ai_canonname && !strcmp(res->ai_canonname, "192.0.2.9"), "a numeric IPv4 host, its canonical name");
	pvd_resolve_freeaddrinfo(res);
	hints = (struct addrinfo) { .ai_family = AF_INET6, .ai_flags = AI_V4MAPPED, .ai_socktype = SOCK_STREAM };
	res = NULL;
	ok(pvd_resolve_vrf(NO_VRF, NO_CONF, "192.0.2.9", NULL, &hints, &res) == 0 &&
	   node_is(res, AF_INET6, SOCK_STREAM, IPPROTO_TCP, "::ffff:192.0.2.9", 0), "numeric IPv4, AF_INET6|V4MAPPED");
	pvd_resolve_freeaddrinfo(res);
	hints = (struct addrinfo) { .ai_family = AF_INET };
	res = sentinel;
	ok(pvd_resolve_vrf(NO_VRF, NO_CONF, "2001:db8::9", NULL, &hints, &res) == EAI_ADDRFAMILY && res == sentinel,
	   "numeric IPv6 for AF_INET: EAI_ADDRFAMILY");
	hints = (struct addrinfo) { .ai_flags = AI_NUMERICHOST };
	ok(pvd_resolve_vrf(NO_VRF, NO_CONF, "server-a.example", NULL, &hints, &res) == EAI_NONAME && res == sentinel,
	   "AI_NUMERICHOST with a name: EAI_NONAME, no query");
	ok(pvd_resolve_vrf(NO_VRF, NO_CONF, "fe80::1%no-such-if0", NULL, NULL, &res) == EAI_NONAME,
	   "an unknown scope: EAI_NONAME");

	hints = (struct addrinfo) { .ai_flags = AI_PASSIVE, .ai_socktype = SOCK_STREAM };
	res = NULL;
	ok(pvd_resolve_vrf(NO_VRF, NO_CONF, NULL, "8080", &hints, &res) == 0 && list_len(res) == 2 &&
	   node_is(res, AF_INET6, SOCK_STREAM, IPPROTO_TCP, "::", 8080) &&
	   node_is(res->ai_next, AF_INET, SOCK_STREAM, IPPROTO_TCP, "0.0.0.0", 8080), "no host, AI_PASSIVE: wildcards");
	pvd_resolve_freeaddrinfo(res);
	hints = (struct addrinfo) { .ai_socktype = SOCK_DGRAM, .ai_family = AF_INET };
	res = NULL;
	ok(pvd_resolve_vrf(NO_VRF, NO_CONF, NULL, "53", &hints, &res) == 0 && list_len(res) == 1 &&
	   node_is(res, AF_INET, SOCK_DGRAM, IPPROTO_UDP, "127.0.0.1", 53), "no host: the loopback");
	pvd_resolve_freeaddrinfo(res);

	res = sentinel;
	ok(pvd_resolve_vrf(NO_VRF, NO_CONF, NULL, NULL, NULL, &res) == EAI_NONAME, "no host, no service: EAI_NONAME");
	hints = (struct addrinfo) { .ai_flags = AI_CANONNAME };
	ok(pvd_resolve_vrf(NO_VRF, NO_CONF, NULL, "80", &hints, &res) == EAI_BADFLAGS,
	   "AI_CANONNAME without a host: EAI_BADFLAGS");
	hints = (struct addrinfo) { .ai_flags = 0x100000 };
	ok(pvd_resolve_vrf(NO_VRF, NO_CONF, "2001:db8::9", NULL, &hints, &res) == EAI_BADFLAGS,
	   "an unknown flag: EAI_BADFLAGS");
	hints = (struct addrinfo) { .ai_family = AF_UNIX };
	ok(pvd_resolve_vrf(NO_VRF, NO_CONF, "2001:db8::9", NULL, &hints, &res) == EAI_FAMILY, "AF_UNIX: EAI_FAMILY");
	ok(pvd_resolve_vrf(NO_VRF, NO_CONF, "server-a.example", "no-such-service-pvd", NULL, &res) == EAI_SERVICE,
	   "an unknown service fails before the resolv.conf is read");
	errno = 0;
	ok(pvd_resolve_vrf(NULL, NO_CONF, "2001:db8::9", NULL, NULL, &res) == EAI_SYSTEM && errno == EINVAL &&
	   pvd_resolve_vrf("", NO_CONF, "2001:db8::9", NULL, NULL, &res) == EAI_SYSTEM &&
	   pvd_resolve_vrf("a-name-too-long-for-ifnamsiz", NO_CONF, "2001:db8::9", NULL, NULL, &res) == EAI_SYSTEM,
	   "no VRF, or a name too long: EAI_SYSTEM (EINVAL)");
	errno = 0;
	ok(pvd_resolve_vrf(NO_VRF, NO_CONF, "server-a.example", NULL, NULL, &res) == EAI_SYSTEM && errno == ENOENT &&
	   res == sentinel, "a name and a missing resolv.conf: EAI_SYSTEM (ENOENT)");
}

/* A query that cannot be answered: the VRF is "lo", the server a TEST-NET-1
 * address it has no route to, one attempt of one second.  The failure must
 * be EAI_AGAIN and come within the deadline. */
static void test_unreachable(void)
{
	char path[] = "/tmp/test-resolve-XXXXXX";
	const char text[] = "nameserver 192.0.2.53\noptions timeout:1 attempts:1\n";
	struct addrinfo *res = NULL, *sentinel = (struct addrinfo *)&res;
	struct timespec t0, t1;
	double secs;
	int fd = mkstemp(path), r;

	if (fd < 0 || write(fd, text, sizeof(text) - 1) != (ssize_t)sizeof(text) - 1) {
		ok(false, "a temporary resolv.conf");
		return;
	}
	close(fd);
	res = sentinel;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = pvd_resolve_vrf("lo", path, "server-a.example.", NULL, NULL, &res);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ok(r == EAI_AGAIN && res == sentinel, "an unreachable server: EAI_AGAIN (got %d, %s)", r, gai_strerror(r));
	ok(secs < 4.0, "... within the deadline (%.2f s for timeout:1 attempts:1)", secs);
	unlink(path);
}

int main(void)
{
	test_conf();
	test_numeric();
	test_build();
	test_no_query();
	test_unreachable();
	return tap_done();
}
