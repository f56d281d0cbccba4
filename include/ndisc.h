/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * ndisc: pure parser for ICMPv6 Router Advertisements (RFC 4861 §4.2) and the
 * options pvd-vrfd cares about, including the PvD option (RFC 8801 §3).
 *
 * No I/O, no globals, no allocation: bytes + metadata in, a filled struct
 * ndisc_ra or one rejection reason out.  The failure policy (which faults
 * drop the whole RA and which only drop one option) is written down at the
 * top of src/ndisc.c.
 */

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Option types (IANA "IPv6 Neighbor Discovery Option Formats"). */
#define NDISC_OPT_SOURCE_LL_ADDR	1	/* RFC 4861 §4.6.1 */
#define NDISC_OPT_PREFIX_INFO		3	/* RFC 4861 §4.6.2 */
#define NDISC_OPT_MTU			5	/* RFC 4861 §4.6.4 */
#define NDISC_OPT_PVD			21	/* RFC 8801 §3.1 */
#define NDISC_OPT_ROUTE_INFO		24	/* RFC 4191 §2.3 */
#define NDISC_OPT_RDNSS			25	/* RFC 8106 §5.1 */
#define NDISC_OPT_DNSSL			31	/* RFC 8106 §5.2 */
#define NDISC_OPT_PREF64		38	/* RFC 8781 §4 */

/* Per-RA limits on what the network controls.  Each applies separately to
 * the outer options and to the PvD option's inner options. */
#define NDISC_OPTIONS_MAX	128	/* options walked, outer + inner together */
#define NDISC_PIO_MAX		32	/* Prefix Information options */
#define NDISC_RIO_MAX		64	/* Route Information options */
#define NDISC_RDNSS_MAX		16	/* RDNSS addresses (summed over options) */
#define NDISC_DNSSL_MAX		16	/* DNSSL names (summed over options) */
#define NDISC_PREF64_MAX	4	/* PREF64 options */
#define NDISC_LLADDR_MAX	30	/* link-layer address octets (option length <= 4) */
#define NDISC_IGNORED_MAX	NDISC_OPTIONS_MAX /* at most one entry per option */

/* Longest domain name in text form: 255 wire octets (RFC 1035 §2.3.4) minus
 * the first length octet and the root label. */
#define NDISC_NAME_MAX		253

/* Infinite lifetime for PIO/RIO/RDNSS/DNSSL (all ones, RFC 4861 §4.6.2). */
#define NDISC_LIFETIME_INFINITY	UINT32_MAX

enum ndisc_reason {
	/* The whole RA is rejected (ndisc_parse_ra() returns -EBADMSG). */
	NDISC_REASON_HOP_LIMIT,			/* RFC 4861 §6.1.2 */
	NDISC_REASON_SOURCE_NOT_LINK_LOCAL,	/* RFC 4861 §6.1.2 */
	NDISC_REASON_TOO_SHORT,			/* RFC 4861 §6.1.2 */
	NDISC_REASON_NOT_RA,
	NDISC_REASON_BAD_CODE,			/* RFC 4861 §6.1.2 */
	NDISC_REASON_OPTION_TRUNCATED,
	NDISC_REASON_OPTION_ZERO_LENGTH,	/* RFC 4861 §6.1.2 */
	NDISC_REASON_OPTION_OVERRUN,
	NDISC_REASON_PVD_OPTION_ZERO_LENGTH,
	NDISC_REASON_PVD_OPTION_OVERRUN,
	NDISC_REASON_TOO_MANY_OPTIONS,

	/* One option is ignored and recorded in struct ndisc_ra.ignored. */
	NDISC_REASON_OPTION_UNKNOWN,
	NDISC_REASON_SLLA_DUPLICATE,
	NDISC_REASON_SLLA_TOO_LONG,
	NDISC_REASON_PIO_LENGTH,
	NDISC_REASON_PIO_PREFIX_LENGTH,
	NDISC_REASON_PIO_LINK_LOCAL,
	NDISC_REASON_PIO_LIFETIMES,
	NDISC_REASON_PIO_TOO_MANY,
	NDISC_REASON_MTU_LENGTH,
	NDISC_REASON_MTU_TOO_SMALL,
	NDISC_REASON_MTU_DUPLICATE,
	NDISC_REASON_RIO_LENGTH,
	NDISC_REASON_RIO_PREFIX_LENGTH,
	NDISC_REASON_RIO_LENGTH_MISMATCH,
	NDISC_REASON_RIO_PREFERENCE,
	NDISC_REASON_RIO_TOO_MANY,
	NDISC_REASON_RDNSS_TOO_SHORT,
	NDISC_REASON_RDNSS_EVEN_LENGTH,
	NDISC_REASON_RDNSS_ADDRESS,
	NDISC_REASON_RDNSS_TOO_MANY,
	NDISC_REASON_DNSSL_TOO_SHORT,
	NDISC_REASON_DNSSL_EMPTY,
	NDISC_REASON_DNSSL_COMPRESSED,
	NDISC_REASON_DNSSL_LABEL_TOO_LONG,
	NDISC_REASON_DNSSL_LABEL_INVALID,
	NDISC_REASON_DNSSL_NAME_TOO_LONG,
	NDISC_REASON_DNSSL_UNTERMINATED,
	NDISC_REASON_DNSSL_TOO_MANY,
	NDISC_REASON_PREF64_LENGTH,
	NDISC_REASON_PREF64_PLC,
	NDISC_REASON_PREF64_TOO_MANY,
	NDISC_REASON_PVD_NOT_FIRST,
	NDISC_REASON_PVD_NESTED,
	NDISC_REASON_PVD_FQDN_ROOT,
	NDISC_REASON_PVD_FQDN_COMPRESSED,
	NDISC_REASON_PVD_FQDN_LABEL_TOO_LONG,
	NDISC_REASON_PVD_FQDN_LABEL_INVALID,
	NDISC_REASON_PVD_FQDN_TOO_LONG,
	NDISC_REASON_PVD_FQDN_UNTERMINATED,
	NDISC_REASON_PVD_FQDN_IP_LITERAL,	/* RFC 1123 §2.1: all-numeric last label */
	NDISC_REASON_PVD_RA_HEADER_TRUNCATED,
	_NDISC_REASON_MAX,
};

/* Default router / route preference, RFC 4191 §2.1. */
enum ndisc_preference {
	NDISC_PREFERENCE_LOW = -1,
	NDISC_PREFERENCE_MEDIUM = 0,
	NDISC_PREFERENCE_HIGH = 1,
};

/* The fixed part of an RA (RFC 4861 §4.2), outer or PvD-inner. */
struct ndisc_ra_header {
	uint8_t cur_hop_limit;
	uint8_t flags;			/* raw flags octet, for logging */
	bool managed;			/* M */
	bool other;			/* O */
	enum ndisc_preference preference; /* reserved 10 and lifetime 0 read as medium */
	uint16_t router_lifetime;	/* seconds */
	uint32_t reachable_time;	/* milliseconds, 0 = unspecified */
	uint32_t retrans_timer;		/* milliseconds, 0 = unspecified */
};

struct ndisc_prefix {			/* RFC 4861 §4.6.2 */
	struct in6_addr prefix;		/* bits past prefix_len cleared */
	uint8_t prefix_len;		/* <= 128 */
	uint8_t flags;			/* raw flags octet */
	bool on_link;			/* L */
	bool autonomous;		/* A */
	uint32_t valid_lifetime;	/* seconds */
	uint32_t preferred_lifetime;	/* seconds, <= valid_lifetime */
};

struct ndisc_route {			/* RFC 4191 §2.3 */
	struct in6_addr prefix;		/* bits past prefix_len cleared */
	uint8_t prefix_len;		/* <= 128 */
	enum ndisc_preference preference;
	uint32_t lifetime;		/* seconds */
};

struct ndisc_rdnss {			/* RFC 8106 §5.1, one per address */
	struct in6_addr address;
	uint32_t lifetime;		/* seconds, of the option that carried it */
};

struct ndisc_dnssl {			/* RFC 8106 §5.2, one per name */
	char name[NDISC_NAME_MAX + 1];	/* LDH labels, lowercase, no trailing dot */
	uint32_t lifetime;		/* seconds, of the option that carried it */
};

struct ndisc_pref64 {			/* RFC 8781 §4 */
	struct in6_addr prefix;		/* bits past prefix_len cleared */
	uint8_t prefix_len;		/* 96, 64, 56, 48, 40 or 32 */
	uint16_t lifetime;		/* seconds (scaled lifetime * 8) */
};

/* One set of options: the RA's own, or those inside the PvD option. */
struct ndisc_options {
	bool has_lladdr;
	uint8_t lladdr_len;		/* option length * 8 - 2, including padding */
	uint8_t lladdr[NDISC_LLADDR_MAX];

	bool has_mtu;
	uint32_t mtu;			/* >= 1280 */

	size_t n_prefixes;
	struct ndisc_prefix prefixes[NDISC_PIO_MAX];

	size_t n_routes;
	struct ndisc_route routes[NDISC_RIO_MAX];

	size_t n_rdnss;
	struct ndisc_rdnss rdnss[NDISC_RDNSS_MAX];

	size_t n_dnssl;
	struct ndisc_dnssl dnssl[NDISC_DNSSL_MAX];

	size_t n_pref64;
	struct ndisc_pref64 pref64[NDISC_PREF64_MAX];
};

/* The first PvD option of the RA (RFC 8801 §3). */
struct ndisc_pvd {
	char fqdn[NDISC_NAME_MAX + 1];	/* PvD ID: LDH, lowercase, no trailing dot */
	bool http;			/* H: additional information over HTTPS */
	bool legacy;			/* L: DHCPv4 on this link belongs to this PvD */
	uint8_t delay;			/* 0..15 */
	uint16_t sequence;
	bool has_ra_header;		/* R: ra_header below is valid */
	struct ndisc_ra_header ra_header; /* type, code and checksum not kept (§3.1) */
	struct ndisc_options options;
};

/* An option that was ignored on its own; the RA itself was accepted. */
struct ndisc_ignored {
	uint8_t type;			/* option type */
	bool in_pvd;			/* found inside the PvD option */
	enum ndisc_reason reason;
};

struct ndisc_ra {
	int ifindex;
	struct in6_addr src;
	struct ndisc_ra_header header;
	struct ndisc_options options;

	bool has_pvd;			/* a valid first PvD option was found */
	struct ndisc_pvd pvd;		/* empty unless has_pvd (no flag, no count) */

	size_t n_options;		/* options walked, outer + inner of the first
					 * PvD option; the insides of ignored PvD
					 * options are not walked */
	size_t n_ignored;
	struct ndisc_ignored ignored[NDISC_IGNORED_MAX];
};

/*
 * Parse and validate one Router Advertisement.
 *
 * @buf, @len: the ICMPv6 message, starting at its type octet.  The checksum
 *             is not verified here: on raw ICMPv6 sockets the checksum is
 *             the kernel's job (RFC 3542 §3.1), and Linux drops packets
 *             whose checksum is wrong before they reach the socket.
 * @src:       IPv6 source address of the packet.
 * @hop_limit: IPv6 hop limit as received (IPV6_RECVHOPLIMIT), -1 if unknown.
 * @ifindex:   receiving interface, copied into the result.
 *
 * Returns 0 and fills *ret_ra when the RA is accepted (individual options may
 * still have been ignored: see ret_ra->ignored).  Returns -EBADMSG and sets
 * *ret_reason when the whole RA must be dropped; *ret_ra is then *empty*:
 * ifindex 0, src ::, both headers zero, has_pvd false, every has_* flag and
 * every count (n_options, n_ignored, n_prefixes, ...) zero, pvd.fqdn "".
 * *ret_reason is only written on failure.
 *
 * The struct is filled in place, never zeroed or copied whole: only entries
 * below each count (and names up to their NUL) are defined; the rest of the
 * arrays and struct padding are unspecified, so compare results field by
 * field, never with memcmp().
 */
int ndisc_parse_ra(const uint8_t *buf, size_t len, const struct in6_addr *src,
		   int hop_limit, int ifindex, struct ndisc_ra *ret_ra,
		   enum ndisc_reason *ret_reason);

/* Short text for logs, e.g. "RDNSS option length is even"; NULL if out of range. */
const char *ndisc_reason_to_string(enum ndisc_reason reason);

/* True if @reason drops the whole RA, false if it drops one option. */
bool ndisc_reason_rejects_ra(enum ndisc_reason reason);

/* "low", "medium", "high"; NULL if out of range. */
const char *ndisc_preference_to_string(enum ndisc_preference pref);

/* Short option name ("RDNSS", "PvD", ...), NULL for types this parser does not know. */
const char *ndisc_option_to_string(uint8_t type);

/*
 * May the additional information of PvD ID @pvd_id (a name as the parser
 * keeps it: LDH labels, lowercase, no trailing dot) be fetched at all?  False
 * for names that never leave the host or that name no host on the network:
 * "localhost" and "*.localhost" (RFC 6761 §6.3), "*.local" (RFC 6762 §3:
 * link-local multicast DNS, not the PvD's DNS), "*.arpa" (RFC 3172:
 * infrastructure, e.g. reverse zones) and IP literals (never accepted as PvD
 * IDs; checked again here).  Such PvD IDs are still valid PvD IDs: only the
 * fetch is refused.  Pure.
 */
bool ndisc_pvd_id_fetchable(const char *pvd_id);
