/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A small synchronous stub resolver bound to a PvD's VRF (c-ares).
 *
 * glibc's resolver makes its sockets with internal calls that neither an
 * LD_PRELOAD shim nor a caller can bind to a device, so a lookup "in a PvD"
 * through getaddrinfo(3) leaves through the main table.  This one asks the
 * servers of the given resolv.conf only, from sockets bound to the VRF
 * (SO_BINDTODEVICE, allowed unprivileged for a socket's first bind since
 * Linux 5.7).  Used by libpvd-preload.so and libpvd. */
#pragma once
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/*
 * pvd_resolve_vrf: getaddrinfo(3) for HOST and SERVICE through the VRF
 * named VRF, with the nameservers, search list and options (ndots, timeout,
 * attempts, rotate, edns0, use-vc) of the file RESOLV_CONF (NULL:
 * /etc/resolv.conf).  A link-local server may carry its interface as scope
 * ("nameserver fe80::1%pvd1a2b3cs0", as pvd-vrfd writes them).  Names of
 * /etc/hosts are answered from it first ("files dns").  Every socket is
 * bound to VRF; one that is already bound must be bound to VRF.
 *
 * Returns 0 and the list in *RES (free it with pvd_resolve_freeaddrinfo(),
 * never freeaddrinfo(3)), or an EAI_* code as getaddrinfo(3) does: hints,
 * flags, socket types and services as there (AI_ADDRCONFIG and AI_IDN are
 * accepted and ignored; IPv6 addresses come before IPv4 ones).  Numeric
 * hosts, AI_NUMERICHOST and a NULL host never send a query.  An unreadable
 * RESOLV_CONF is EAI_SYSTEM (errno set); no server in it means only
 * /etc/hosts is asked (other names: EAI_AGAIN, as glibc's when no server
 * answers).  Synchronous: returns within the file's timeout and
 * attempts (glibc's 5 s and 2 by default, doubling per round).  Thread-safe;
 * no state is kept between calls.
 */
int pvd_resolve_vrf(const char *vrf, const char *resolv_conf, const char *host, const char *service,
		    const struct addrinfo *hints, struct addrinfo **res);

/* pvd_resolve_freeaddrinfo: free a list from pvd_resolve_vrf(); NULL is fine. */
void pvd_resolve_freeaddrinfo(struct addrinfo *res);

/* ---- Internal: shared with the LD_PRELOAD shim and the unit tests. ---- */

#define RESOLVE_SERVERS_MAX 8	/* pvd-vrfd's default RDNSS cap; glibc reads 3 */
#define RESOLVE_SEARCH_MAX 16	/* DNSSL (8) and the dnsZones of additional information */
#define RESOLVE_NAME_MAX 253

union resolve_sa {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

/* A nameserver line: the address (port 53) and, for a link-local IPv6
 * one, the interface name of its scope ("" if none was given). */
struct resolve_server {
	union resolve_sa addr;
	char ifname[IFNAMSIZ];
};

/* What a resolv.conf says, with glibc's defaults for what it does not. */
struct resolve_conf {
	struct resolve_server servers[RESOLVE_SERVERS_MAX];
	size_t n_servers;
	char search[RESOLVE_SEARCH_MAX][RESOLVE_NAME_MAX + 1];
	size_t n_search;
	unsigned ndots;		/* default 1, at most 15 */
	unsigned timeout;	/* seconds, default 5, at most 30 */
	unsigned attempts;	/* default 2, at most 5 */
	bool rotate, edns0, use_vc;
};

/* resolve_conf_parse: TEXT (a resolv.conf's content) into *RET, as glibc
 * reads it: "nameserver ADDR[%SCOPE]" lines in order (the first
 * RESOLVE_SERVERS_MAX; unparsable ones ignored), the last "search" or
 * "domain" line for the search list, "options" lines; lines starting with
 * '#' or ';' and unknown keywords ignored.  Never fails. */
void resolve_conf_parse(const char *text, struct resolve_conf *ret);

/* resolve_numeric: whether HOST is a numeric address getaddrinfo(3) takes
 * without a lookup (IPv4 in inet_aton(3) forms, IPv6 with an optional
 * %scope, by name or number); then *RET is it (port 0).  -1: an IPv6
 * address whose scope names no interface. */
int resolve_numeric(const char *host, union resolve_sa *ret);

/*
 * One allocation holds a whole result: this header, the nodes (each an
 * addrinfo and the address it points to, ai_next linking them in order),
 * then the canonical name.  pvd_resolve_freeaddrinfo() finds the header
 * from the first node.  `next` is free for the holder of the list (the
 * shim keeps its live results on it).
 */
#define RESOLVE_BLOCK_MAGIC 0x70766472u	/* "pvdr" */
struct resolve_node {
	struct addrinfo ai;
	union resolve_sa addr;
};
struct resolve_block {
	uint32_t magic;
	struct resolve_block *next;
	struct resolve_node nodes[];
};

/* resolve_block_of: the block whose first node is RES (one of ours). */
struct resolve_block *resolve_block_of(struct addrinfo *res);

/*
 * resolve_build: the result list for ADDRS (N addresses in order, mixed
 * families), as getaddrinfo(3) builds it from HINTS (NULL: none): the
 * family filter (AF_INET6 with AI_V4MAPPED, AI_ALL: IPv4 mapped), IPv6
 * before IPv4, one node per socket type and protocol for SERVICE (numeric,
 * or by getservbyname_r(3)), and CANON as the first node's ai_canonname
 * with AI_CANONNAME.  0 or an EAI_* code (EAI_NODATA when no address is
 * left); *RES untouched on failure.
 */
int resolve_build(const union resolve_sa *addrs, size_t n, const char *canon, const char *service,
		  const struct addrinfo *hints, struct addrinfo **res);
