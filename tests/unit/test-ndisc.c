/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the RA / PvD option parser.
 *
 * Every packet here is written by hand from the RFC diagrams, as annotated
 * bytes with one comment per option; nothing is produced by the parser's own
 * code.  Long packets (hundreds of options, 255-octet names) are assembled by
 * the small byte appender below from the same hand-written pieces.
 */

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "ndisc-compare.h"
#include "ndisc.h"
#include "tap.h"

/* ---- packet pieces ---------------------------------------------------- */

#define PKT(...) (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ })

/* RA header (RFC 4861 §4.2): type 134, code 0, checksum (the kernel checks
 * it, the parser does not), cur hop limit 64, flags M=1 O=1 Prf=01 (high),
 * router lifetime 1800 s, reachable time 30000 ms, retrans timer 1000 ms. */
#define RA_HDR \
	0x86, 0x00, 0x12, 0x34, \
	0x40, 0xc8, 0x07, 0x08, \
	0x00, 0x00, 0x75, 0x30, \
	0x00, 0x00, 0x03, 0xe8

/* RA header with a chosen flags octet and router lifetime, timers 0. */
#define RA_HDR_F(flags, lt_hi, lt_lo) \
	0x86, 0x00, 0x00, 0x00, \
	0x40, (flags), (lt_hi), (lt_lo), \
	0x00, 0x00, 0x00, 0x00, \
	0x00, 0x00, 0x00, 0x00

/* Source link-layer address 52:54:00:ab:cd:ef (RFC 4861 §4.6.1). */
#define OPT_SLLA	0x01, 0x01, 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef

/* MTU 1500 (RFC 4861 §4.6.4). */
#define OPT_MTU_1500	0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x05, 0xdc

/* PIO 2001:db8:1::/64, L=1 A=1, valid 86400 s, preferred 14400 s. */
#define OPT_PIO_DB8_1 \
	0x03, 0x04, 0x40, 0xc0, \
	0x00, 0x01, 0x51, 0x80, \
	0x00, 0x00, 0x38, 0x40, \
	0x00, 0x00, 0x00, 0x00, \
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, \
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00

/* PIO 2001:db8:aaaa::/64, L=0 A=1, valid 3600 s, preferred 1800 s. */
#define OPT_PIO_DB8_AAAA \
	0x03, 0x04, 0x40, 0x40, \
	0x00, 0x00, 0x0e, 0x10, \
	0x00, 0x00, 0x07, 0x08, \
	0x00, 0x00, 0x00, 0x00, \
	0x20, 0x01, 0x0d, 0xb8, 0xaa, 0xaa, 0x00, 0x00, \
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00

/* RIO 2001:db8:2::/48, Prf=11 (low), lifetime 600 s, Length 2 (RFC 4191 §2.3). */
#define OPT_RIO_DB8_2 \
	0x18, 0x02, 0x30, 0x18, \
	0x00, 0x00, 0x02, 0x58, \
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x02, 0x00, 0x00

/* RDNSS 2001:db8::53, lifetime 1200 s (RFC 8106 §5.1). */
#define OPT_RDNSS_53 \
	0x19, 0x03, 0x00, 0x00, \
	0x00, 0x00, 0x04, 0xb0, \
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, \
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x53

/* RDNSS 2001:db8:aaaa::53, lifetime 600 s. */
#define OPT_RDNSS_AAAA \
	0x19, 0x03, 0x00, 0x00, \
	0x00, 0x00, 0x02, 0x58, \
	0x20, 0x01, 0x0d, 0xb8, 0xaa, 0xaa, 0x00, 0x00, \
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x53

/* DNSSL "example.com", lifetime 1200 s, 3 octets of padding (RFC 8106 §5.2). */
#define OPT_DNSSL_EXAMPLE \
	0x1f, 0x03, 0x00, 0x00, \
	0x00, 0x00, 0x04, 0xb0, \
	7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', \
	3, 'c', 'o', 'm', 0, 0, 0, 0

/* DNSSL with one 3-character label, Length 2. */
#define OPT_DNSSL3(a, b, c) \
	0x1f, 0x02, 0x00, 0x00, \
	0x00, 0x00, 0x04, 0xb0, \
	3, (a), (b), (c), 0, 0, 0, 0

/* PREF64 64:ff9b::/96, scaled lifetime 75 (600 s), PLC 0 (RFC 8781 §4). */
#define OPT_PREF64_WKP \
	0x26, 0x02, 0x02, 0x58, \
	0x00, 0x64, 0xff, 0x9b, 0x00, 0x00, 0x00, 0x00, \
	0x00, 0x00, 0x00, 0x00

/* An option of experimental type 253 (RFC 4727), Length 1. */
#define OPT_EXP		0xfd, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00

/* "pvd.example.org" in DNS wire format: 17 octets. */
#define FQDN_PVD_EXAMPLE_ORG \
	3, 'p', 'v', 'd', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'o', 'r', 'g', 0

/* "a.b" in DNS wire format: 5 octets. */
#define FQDN_A_B	1, 'a', 1, 'b', 0

/* PvD option (RFC 8801 §3.1), Length 10: H=1 L=0 R=0 Delay 5, Sequence
 * 123, "pvd.example.org" + 1 octet padding, then an inner PIO and RDNSS. */
#define OPT_PVD_FULL \
	0x15, 10, 0x80, 0x05, 0x00, 0x7b, \
	FQDN_PVD_EXAMPLE_ORG, 0x00, \
	OPT_PIO_DB8_AAAA, \
	OPT_RDNSS_AAAA

/* PvD option "a.b", no flags, sequence 1, no inner options: Length 2. */
#define OPT_PVD_A_B \
	0x15, 0x02, 0x00, 0x00, 0x00, 0x01, \
	FQDN_A_B, 0, 0, 0, 0, 0

/* ---- helpers ------------------------------------------------------------ */

static struct ndisc_ra ra;	/* large: keep it off the stack */
static const struct in6_addr src_ll = { .s6_addr = { 0xfe, 0x80, [15] = 0x01 } };

static const char *reason_str(enum ndisc_reason r)
{
	const char *s = ndisc_reason_to_string(r);

	return s ? s : "(none)";
}

static bool addr_is(const struct in6_addr *a, const char *text)
{
	struct in6_addr want;

	if (inet_pton(AF_INET6, text, &want) != 1)
		return false;
	return memcmp(a, &want, sizeof(want)) == 0;
}

static bool expect_accept_(const char *what, const uint8_t *buf, size_t len)
{
	enum ndisc_reason reason = _NDISC_REASON_MAX;
	int r;

	memset(&ra, 0x5a, sizeof(ra));
	r = ndisc_parse_ra(buf, len, &src_ll, 255, 7, &ra, &reason);
	return ok(r == 0 && reason == _NDISC_REASON_MAX,
		  "%s: accepted (r=%d, reason=%s)", what, r, reason_str(reason));
}
#define expect_accept(what, ...) expect_accept_(what, PKT(__VA_ARGS__))

static bool expect_reject_(const char *what, const struct in6_addr *src, int hop,
			   enum ndisc_reason want, const uint8_t *buf, size_t len)
{
	enum ndisc_reason reason = _NDISC_REASON_MAX;
	int r;

	memset(&ra, 0x5a, sizeof(ra));
	r = ndisc_parse_ra(buf, len, src, hop, 7, &ra, &reason);
	return ok(r == -EBADMSG && reason == want && ndisc_test_ra_empty(&ra),
		  "%s: RA rejected, \"%s\" (r=%d, reason \"%s\", ret_ra %s)",
		  what, reason_str(want), r, reason_str(reason),
		  ndisc_test_ra_empty(&ra) ? "empty" : "NOT EMPTY");
}
#define expect_reject(what, want, ...) \
	expect_reject_(what, &src_ll, 255, want, PKT(__VA_ARGS__))

/* Accepted, with exactly one ignored option. */
static bool expect_ignored_(const char *what, uint8_t type, bool in_pvd,
			    enum ndisc_reason want, const uint8_t *buf, size_t len)
{
	enum ndisc_reason reason = _NDISC_REASON_MAX;
	int r;

	memset(&ra, 0x5a, sizeof(ra));
	r = ndisc_parse_ra(buf, len, &src_ll, 255, 7, &ra, &reason);
	return ok(r == 0 && ra.n_ignored == 1 && ra.ignored[0].type == type &&
		  ra.ignored[0].in_pvd == in_pvd && ra.ignored[0].reason == want,
		  "%s: option %u ignored, \"%s\" (r=%d, n_ignored=%zu, first \"%s\")",
		  what, type, reason_str(want), r, r == 0 ? ra.n_ignored : 0,
		  r == 0 && ra.n_ignored > 0 ? reason_str(ra.ignored[0].reason) : "-");
}
#define expect_ignored(what, type, in_pvd, want, ...) \
	expect_ignored_(what, type, in_pvd, want, PKT(__VA_ARGS__))

/* Byte appender for long packets. */
struct pkt {
	uint8_t b[4096];
	size_t n;
};

static void put(struct pkt *p, const uint8_t *bytes, size_t n)
{
	assert(n <= sizeof(p->b) - p->n);
	memcpy(p->b + p->n, bytes, n);
	p->n += n;
}
#define PUT(p, ...) put((p), PKT(__VA_ARGS__))

static void put_u8(struct pkt *p, uint8_t v)
{
	put(p, &v, 1);
}

static int parse_pkt(const struct pkt *p, enum ndisc_reason *reason)
{
	memset(&ra, 0x5a, sizeof(ra));
	return ndisc_parse_ra(p->b, p->n, &src_ll, 255, 7, &ra, reason);
}

/* ---- RA header and RFC 4861 §6.1.2 -------------------------------------- */

static void test_minimal_ra(void)
{
	if (!expect_accept("bare 16-octet RA", RA_HDR))
		return;
	ok(ra.ifindex == 7 && addr_is(&ra.src, "fe80::1"), "ifindex and source copied");
	ok(ra.header.cur_hop_limit == 64, "cur hop limit 64");
	ok(ra.header.managed && ra.header.other && ra.header.flags == 0xc8, "M and O set");
	ok(ra.header.preference == NDISC_PREFERENCE_HIGH, "Prf 01 is high");
	ok(ra.header.router_lifetime == 1800, "router lifetime 1800");
	ok(ra.header.reachable_time == 30000 && ra.header.retrans_timer == 1000,
	   "reachable 30000 ms, retrans 1000 ms");
	ok(!ra.has_pvd && ra.n_options == 0 && ra.n_ignored == 0, "no options, no PvD");
}

static void test_rfc4861_validity(void)
{
	static const struct in6_addr global = { .s6_addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } };
	static const struct in6_addr site = { .s6_addr = { 0xfe, 0xc0, [15] = 1 } };

	expect_reject_("hop limit 254", &src_ll, 254, NDISC_REASON_HOP_LIMIT, PKT(RA_HDR));
	expect_reject_("hop limit unknown (-1)", &src_ll, -1, NDISC_REASON_HOP_LIMIT, PKT(RA_HDR));
	expect_reject_("global source", &global, 255, NDISC_REASON_SOURCE_NOT_LINK_LOCAL, PKT(RA_HDR));
	expect_reject_("fec0:: source", &site, 255, NDISC_REASON_SOURCE_NOT_LINK_LOCAL, PKT(RA_HDR));
	expect_reject("code 1", NDISC_REASON_BAD_CODE,
		      0x86, 0x01, 0x00, 0x00, 0x40, 0x00, 0x07, 0x08,
		      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00);
	expect_reject("type 135 (NS)", NDISC_REASON_NOT_RA,
		      0x87, 0x00, 0x00, 0x00, 0x40, 0x00, 0x07, 0x08,
		      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00);
	expect_reject("15-octet RA", NDISC_REASON_TOO_SHORT,
		      0x86, 0x00, 0x00, 0x00, 0x40, 0x00, 0x07, 0x08,
		      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00);
	expect_reject_("empty message", &src_ll, 255, NDISC_REASON_TOO_SHORT, NULL, 0);
}

static void test_router_preference(void)
{
	/* RFC 4191 §2.2: the reserved value 10 is treated as 00 */
	if (expect_accept("Prf 10 (reserved)", RA_HDR_F(0x10, 0x07, 0x08)))
		ok(ra.header.preference == NDISC_PREFERENCE_MEDIUM, "reserved Prf reads as medium");
	if (expect_accept("Prf 11", RA_HDR_F(0x18, 0x07, 0x08)))
		ok(ra.header.preference == NDISC_PREFERENCE_LOW && !ra.header.managed &&
		   !ra.header.other, "Prf 11 is low, M and O clear");
	/* RFC 4191 §2.2: preference of a router with lifetime 0 is ignored */
	if (expect_accept("Prf 11 with router lifetime 0", RA_HDR_F(0x18, 0x00, 0x00)))
		ok(ra.header.preference == NDISC_PREFERENCE_MEDIUM &&
		   ra.header.router_lifetime == 0, "lifetime 0 gives medium");
}

/* ---- the walk ------------------------------------------------------------- */

static void test_full_ra(void)
{
	const struct ndisc_options *o = &ra.options;

	if (!expect_accept("RA with every supported option",
			   RA_HDR,
			   OPT_SLLA,		/* SLLA 52:54:00:ab:cd:ef */
			   OPT_MTU_1500,	/* MTU 1500 */
			   OPT_PIO_DB8_1,	/* PIO 2001:db8:1::/64 */
			   OPT_RIO_DB8_2,	/* RIO 2001:db8:2::/48 low */
			   OPT_RDNSS_53,	/* RDNSS 2001:db8::53 */
			   OPT_DNSSL_EXAMPLE,	/* DNSSL example.com */
			   OPT_PREF64_WKP,	/* PREF64 64:ff9b::/96 */
			   OPT_PVD_FULL))	/* PvD pvd.example.org + PIO + RDNSS */
		return;

	ok(ra.n_options == 10 && ra.n_ignored == 0, "10 options walked, none ignored (%zu, %zu)",
	   ra.n_options, ra.n_ignored);
	ok(o->has_lladdr && o->lladdr_len == 6 &&
	   memcmp(o->lladdr, (const uint8_t[]){ 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef }, 6) == 0,
	   "SLLA 52:54:00:ab:cd:ef");
	ok(o->has_mtu && o->mtu == 1500, "MTU 1500");
	ok(o->n_prefixes == 1 && addr_is(&o->prefixes[0].prefix, "2001:db8:1::") &&
	   o->prefixes[0].prefix_len == 64 && o->prefixes[0].on_link &&
	   o->prefixes[0].autonomous && o->prefixes[0].valid_lifetime == 86400 &&
	   o->prefixes[0].preferred_lifetime == 14400, "PIO 2001:db8:1::/64 LA 86400/14400");
	ok(o->n_routes == 1 && addr_is(&o->routes[0].prefix, "2001:db8:2::") &&
	   o->routes[0].prefix_len == 48 && o->routes[0].preference == NDISC_PREFERENCE_LOW &&
	   o->routes[0].lifetime == 600, "RIO 2001:db8:2::/48 low 600");
	ok(o->n_rdnss == 1 && addr_is(&o->rdnss[0].address, "2001:db8::53") &&
	   o->rdnss[0].lifetime == 1200, "RDNSS 2001:db8::53 1200");
	ok(o->n_dnssl == 1 && strcmp(o->dnssl[0].name, "example.com") == 0 &&
	   o->dnssl[0].lifetime == 1200, "DNSSL example.com 1200");
	ok(o->n_pref64 == 1 && addr_is(&o->pref64[0].prefix, "64:ff9b::") &&
	   o->pref64[0].prefix_len == 96 && o->pref64[0].lifetime == 600,
	   "PREF64 64:ff9b::/96 600");

	ok(ra.has_pvd && strcmp(ra.pvd.fqdn, "pvd.example.org") == 0, "PvD pvd.example.org");
	ok(ra.pvd.http && !ra.pvd.legacy && !ra.pvd.has_ra_header && ra.pvd.delay == 5 &&
	   ra.pvd.sequence == 123, "PvD H=1 L=0 R=0 delay 5 seq 123");
	o = &ra.pvd.options;
	ok(o->n_prefixes == 1 && addr_is(&o->prefixes[0].prefix, "2001:db8:aaaa::") &&
	   !o->prefixes[0].on_link && o->prefixes[0].autonomous &&
	   o->prefixes[0].valid_lifetime == 3600, "inner PIO 2001:db8:aaaa::/64");
	ok(o->n_rdnss == 1 && addr_is(&o->rdnss[0].address, "2001:db8:aaaa::53") &&
	   o->rdnss[0].lifetime == 600, "inner RDNSS 2001:db8:aaaa::53");
	ok(o->n_routes == 0 && o->n_dnssl == 0 && !o->has_mtu && !o->has_lladdr,
	   "inner set holds nothing else");
}

static void test_broken_walk(void)
{
	/* CVE-2020-25577 class: option length runs past the end */
	expect_reject("PIO Length 4 with 24 octets left", NDISC_REASON_OPTION_OVERRUN,
		      RA_HDR,
		      /* PIO claiming 32 octets, only 24 present */
		      0x03, 0x04, 0x40, 0xc0, 0x00, 0x01, 0x51, 0x80,
		      0x00, 0x00, 0x38, 0x40, 0x00, 0x00, 0x00, 0x00,
		      0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00);
	expect_reject("RDNSS Length 255 at the end", NDISC_REASON_OPTION_OVERRUN,
		      RA_HDR,
		      OPT_SLLA,		/* fine */
		      0x19, 0xff, 0x00, 0x00, 0x00, 0x00, 0x04, 0xb0); /* RDNSS, 2040 claimed */
	expect_reject("zero-length option", NDISC_REASON_OPTION_ZERO_LENGTH,
		      RA_HDR,
		      OPT_MTU_1500,	/* fine */
		      0x01, 0x00, 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef); /* SLLA, Length 0 */
	expect_reject("zero-length option before a good one", NDISC_REASON_OPTION_ZERO_LENGTH,
		      RA_HDR,
		      0x19, 0x00,	/* RDNSS, Length 0 */
		      OPT_SLLA);
	expect_reject("one trailing octet", NDISC_REASON_OPTION_TRUNCATED,
		      RA_HDR,
		      OPT_SLLA,		/* fine */
		      0x00);		/* half an option header */
	expect_reject("seven trailing zero octets", NDISC_REASON_OPTION_ZERO_LENGTH,
		      RA_HDR,
		      OPT_MTU_1500,	/* fine */
		      0, 0, 0, 0, 0, 0, 0);	/* padding that is not an option */
}

static void test_unknown_option(void)
{
	expect_ignored("experimental option 253", 253, false, NDISC_REASON_OPTION_UNKNOWN,
		       RA_HDR,
		       OPT_EXP);	/* type 253, Length 1 */
	if (expect_ignored("target link-layer address in an RA", 2, false,
			   NDISC_REASON_OPTION_UNKNOWN,
			   RA_HDR,
			   0x02, 0x01, 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef, /* TLLA */
			   OPT_MTU_1500))	/* still used */
		ok(ra.options.has_mtu && ra.options.mtu == 1500, "MTU after it still used");
}

static void test_option_count(void)
{
	enum ndisc_reason reason = _NDISC_REASON_MAX;
	struct pkt p = { .n = 0 };
	int r;

	PUT(&p, RA_HDR);
	for (int i = 0; i < 128; i++)
		PUT(&p, OPT_EXP);
	r = parse_pkt(&p, &reason);
	ok(r == 0 && ra.n_options == 128 && ra.n_ignored == 128,
	   "128 options accepted (r=%d)", r);

	PUT(&p, OPT_EXP);	/* the 129th */
	r = parse_pkt(&p, &reason);
	ok(r == -EBADMSG && reason == NDISC_REASON_TOO_MANY_OPTIONS &&
	   ndisc_test_ra_empty(&ra), "129 options reject the RA, result empty (r=%d, %s)",
	   r, reason_str(reason));

	/* Inner options count too: PvD option + 127 inner = 128. */
	p.n = 0;
	PUT(&p, RA_HDR);
	/* PvD, Length 2 + 127, "a.b" + 5 octets padding */
	PUT(&p, 0x15, 129, 0x00, 0x00, 0x00, 0x01, FQDN_A_B, 0, 0, 0, 0, 0);
	for (int i = 0; i < 127; i++)
		PUT(&p, OPT_EXP);
	r = parse_pkt(&p, &reason);
	ok(r == 0 && ra.n_options == 128 && ra.has_pvd && ra.n_ignored == 127 &&
	   ra.ignored[0].in_pvd, "PvD + 127 inner options accepted (r=%d)", r);

	PUT(&p, OPT_SLLA);	/* the 129th, outside */
	r = parse_pkt(&p, &reason);
	ok(r == -EBADMSG && reason == NDISC_REASON_TOO_MANY_OPTIONS,
	   "PvD + 127 inner + 1 outer rejects the RA (r=%d, %s)", r, reason_str(reason));
}

/* ---- single options ------------------------------------------------------ */

static void test_slla(void)
{
	expect_ignored("second SLLA", NDISC_OPT_SOURCE_LL_ADDR, false, NDISC_REASON_SLLA_DUPLICATE,
		       RA_HDR,
		       OPT_SLLA,	/* first, used */
		       0x01, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01); /* second */
	ok(ra.options.has_lladdr && ra.options.lladdr[0] == 0x52, "first SLLA kept");
	if (expect_accept("SLLA Length 3 (IPoIB-sized)",
			  RA_HDR,
			  0x01, 0x03, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
			  15, 16, 17, 18, 19, 20, 0, 0)) /* SLLA, 20 octets + 2 padding */
		ok(ra.options.lladdr_len == 22 && ra.options.lladdr[19] == 20,
		   "22 raw octets kept");
	expect_ignored("SLLA Length 5", NDISC_OPT_SOURCE_LL_ADDR, false, NDISC_REASON_SLLA_TOO_LONG,
		       RA_HDR,
		       0x01, 0x05, 0, 0, 0, 0, 0, 0, /* SLLA, 38 octets */
		       0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		       0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}

static void test_pio(void)
{
	expect_ignored("PIO Length 3", NDISC_OPT_PREFIX_INFO, false, NDISC_REASON_PIO_LENGTH,
		       RA_HDR,
		       /* PIO cut to 24 octets, framing fine */
		       0x03, 0x03, 0x40, 0xc0, 0x00, 0x01, 0x51, 0x80,
		       0x00, 0x00, 0x38, 0x40, 0x00, 0x00, 0x00, 0x00,
		       0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00);
	expect_ignored("PIO Length 5", NDISC_OPT_PREFIX_INFO, false, NDISC_REASON_PIO_LENGTH,
		       RA_HDR,
		       /* PIO with 8 extra octets */
		       0x03, 0x05, 0x40, 0xc0, 0x00, 0x01, 0x51, 0x80,
		       0x00, 0x00, 0x38, 0x40, 0x00, 0x00, 0x00, 0x00,
		       0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00,
		       0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		       0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00);
	expect_ignored("PIO prefix length 129", NDISC_OPT_PREFIX_INFO, false,
		       NDISC_REASON_PIO_PREFIX_LENGTH,
		       RA_HDR,
		       /* PIO 2001:db8:1::/129 */
		       0x03, 0x04, 0x81, 0xc0, 0x00, 0x01, 0x51, 0x80,
		       0x00, 0x00, 0x38, 0x40, 0x00, 0x00, 0x00, 0x00,
		       0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00,
		       0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00);
	if (expect_accept("PIO prefix length 128",
			  RA_HDR,
			  /* PIO 2001:db8:1::7/128, L=1 A=0 */
			  0x03, 0x04, 0x80, 0x80, 0x00, 0x01, 0x51, 0x80,
			  0x00, 0x00, 0x38, 0x40, 0x00, 0x00, 0x00, 0x00,
			  0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00,
			  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07))
		ok(ra.options.n_prefixes == 1 &&
		   addr_is(&ra.options.prefixes[0].prefix, "2001:db8:1::7") &&
		   ra.options.prefixes[0].on_link && !ra.options.prefixes[0].autonomous,
		   "/128 kept whole, L only");
	expect_ignored("link-local PIO", NDISC_OPT_PREFIX_INFO, false, NDISC_REASON_PIO_LINK_LOCAL,
		       RA_HDR,
		       /* PIO fe80::/64 */
		       0x03, 0x04, 0x40, 0xc0, 0x00, 0x01, 0x51, 0x80,
		       0x00, 0x00, 0x38, 0x40, 0x00, 0x00, 0x00, 0x00,
		       0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		       0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00);
	expect_ignored("PIO preferred > valid", NDISC_OPT_PREFIX_INFO, false,
		       NDISC_REASON_PIO_LIFETIMES,
		       RA_HDR,
		       /* PIO 2001:db8:1::/64 valid 600 preferred 601 */
		       0x03, 0x04, 0x40, 0xc0, 0x00, 0x00, 0x02, 0x58,
		       0x00, 0x00, 0x02, 0x59, 0x00, 0x00, 0x00, 0x00,
		       0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00,
		       0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00);
	if (expect_accept("PIO with host bits and infinite lifetimes",
			  RA_HDR,
			  /* PIO 2001:db8:1:0:ffff::1/64, lifetimes ffffffff */
			  0x03, 0x04, 0x40, 0xc0, 0xff, 0xff, 0xff, 0xff,
			  0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
			  0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00,
			  0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01))
		ok(addr_is(&ra.options.prefixes[0].prefix, "2001:db8:1::") &&
		   ra.options.prefixes[0].valid_lifetime == NDISC_LIFETIME_INFINITY &&
		   ra.options.prefixes[0].preferred_lifetime == NDISC_LIFETIME_INFINITY,
		   "bits past /64 cleared, infinity kept");
	/* Masks that end inside an octet, in either half of the address. */
	static const struct {
		uint8_t prefix_len;
		const char *want;
	} masks[] = {
		{ 61, "2001:db8:1:fff8::" },
		{ 100, "2001:db8:1:ffff:ffff:ffff:f000:0" },
	};
	for (size_t i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		uint8_t pkt[] = {
			RA_HDR,
			/* PIO 2001:db8:1:ffff:ffff:ffff:ffff:ffff, Prefix Length
			 * (octet 2) set below */
			0x03, 0x04, 0x00, 0xc0, 0x00, 0x01, 0x51, 0x80,
			0x00, 0x00, 0x38, 0x40, 0x00, 0x00, 0x00, 0x00,
			0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0xff, 0xff,
			0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		};

		pkt[16 + 2] = masks[i].prefix_len;
		if (expect_accept_("PIO with all host bits set", pkt, sizeof(pkt)))
			ok(ra.options.prefixes[0].prefix_len == masks[i].prefix_len &&
			   addr_is(&ra.options.prefixes[0].prefix, masks[i].want),
			   "bits past /%u cleared: %s", masks[i].prefix_len, masks[i].want);
	}
}

static void test_pio_overflow(void)
{
	enum ndisc_reason reason = _NDISC_REASON_MAX;
	struct pkt p = { .n = 0 };
	int r;

	PUT(&p, RA_HDR);
	for (int i = 0; i < NDISC_PIO_MAX + 1; i++) {
		/* PIO 2001:db8:<i>::/64 */
		PUT(&p, 0x03, 0x04, 0x40, 0xc0, 0x00, 0x01, 0x51, 0x80,
		    0x00, 0x00, 0x38, 0x40, 0x00, 0x00, 0x00, 0x00,
		    0x20, 0x01, 0x0d, 0xb8, 0x00);
		put_u8(&p, (uint8_t)i);
		PUT(&p, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	}
	r = parse_pkt(&p, &reason);
	ok(r == 0 && ra.options.n_prefixes == NDISC_PIO_MAX && ra.n_ignored == 1 &&
	   ra.ignored[0].reason == NDISC_REASON_PIO_TOO_MANY &&
	   addr_is(&ra.options.prefixes[NDISC_PIO_MAX - 1].prefix, "2001:db8:1f::"),
	   "33 PIOs: 32 kept, the 33rd ignored (r=%d)", r);
}

static void test_mtu(void)
{
	expect_ignored("MTU Length 2", NDISC_OPT_MTU, false, NDISC_REASON_MTU_LENGTH,
		       RA_HDR,
		       0x05, 0x02, 0x00, 0x00, 0x00, 0x00, 0x05, 0xdc, /* MTU 1500, Length 2 */
		       0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00);
	expect_ignored("MTU 1279", NDISC_OPT_MTU, false, NDISC_REASON_MTU_TOO_SMALL,
		       RA_HDR,
		       0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x04, 0xff); /* MTU 1279 */
	if (expect_accept("MTU 1280",
			  RA_HDR,
			  0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00)) /* MTU 1280 */
		ok(ra.options.mtu == 1280, "MTU 1280 kept");
	expect_ignored("second MTU", NDISC_OPT_MTU, false, NDISC_REASON_MTU_DUPLICATE,
		       RA_HDR,
		       OPT_MTU_1500,	/* MTU 1500 */
		       0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x23, 0x28); /* MTU 9000 */
	ok(ra.options.mtu == 1500, "first MTU kept");
}

static void test_rio(void)
{
	if (expect_accept("RIO ::/0 Length 1",
			  RA_HDR,
			  0x18, 0x01, 0x00, 0x08, 0x00, 0x00, 0x0e, 0x10)) /* RIO ::/0 high 3600 */
		ok(ra.options.n_routes == 1 && ra.options.routes[0].prefix_len == 0 &&
		   addr_is(&ra.options.routes[0].prefix, "::") &&
		   ra.options.routes[0].preference == NDISC_PREFERENCE_HIGH &&
		   ra.options.routes[0].lifetime == 3600, "::/0 high 3600");
	expect_ignored("RIO /1 in Length 1", NDISC_OPT_ROUTE_INFO, false,
		       NDISC_REASON_RIO_LENGTH_MISMATCH,
		       RA_HDR,
		       0x18, 0x01, 0x01, 0x00, 0x00, 0x00, 0x0e, 0x10); /* RIO 8000::/1, no prefix */
	expect_ignored("RIO /65 in Length 2", NDISC_OPT_ROUTE_INFO, false,
		       NDISC_REASON_RIO_LENGTH_MISMATCH,
		       RA_HDR,
		       /* RIO 2001:db8::/65 with only 8 prefix octets */
		       0x18, 0x02, 0x41, 0x00, 0x00, 0x00, 0x0e, 0x10,
		       0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00);
	if (expect_accept("RIO /64 in Length 2",
			  RA_HDR,
			  /* RIO 2001:db8:3::/64 medium */
			  0x18, 0x02, 0x40, 0x00, 0x00, 0x00, 0x0e, 0x10,
			  0x20, 0x01, 0x0d, 0xb8, 0x00, 0x03, 0x00, 0x00))
		ok(addr_is(&ra.options.routes[0].prefix, "2001:db8:3::") &&
		   ra.options.routes[0].preference == NDISC_PREFERENCE_MEDIUM, "/64 medium");
	if (expect_accept("RIO /128 in Length 3",
			  RA_HDR,
			  /* RIO 2001:db8::1/128 low */
			  0x18, 0x03, 0x80, 0x18, 0x00, 0x00, 0x0e, 0x10,
			  0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
			  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01))
		ok(addr_is(&ra.options.routes[0].prefix, "2001:db8::1") &&
		   ra.options.routes[0].prefix_len == 128, "/128 kept whole");
	if (expect_accept("RIO /32 in Length 3 with host bits",
			  RA_HDR,
			  /* RIO 2001:db8::/32 with junk past the prefix */
			  0x18, 0x03, 0x20, 0x00, 0x00, 0x00, 0x0e, 0x10,
			  0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0xff, 0xff,
			  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))
		ok(addr_is(&ra.options.routes[0].prefix, "2001:db8::"), "bits past /32 cleared");
	expect_ignored("RIO Length 4", NDISC_OPT_ROUTE_INFO, false, NDISC_REASON_RIO_LENGTH,
		       RA_HDR,
		       /* RIO /64 padded to 32 octets */
		       0x18, 0x04, 0x40, 0x00, 0x00, 0x00, 0x0e, 0x10,
		       0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
		       0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		       0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00);
	expect_ignored("RIO prefix length 129", NDISC_OPT_ROUTE_INFO, false,
		       NDISC_REASON_RIO_PREFIX_LENGTH,
		       RA_HDR,
		       /* RIO /129 */
		       0x18, 0x03, 0x81, 0x00, 0x00, 0x00, 0x0e, 0x10,
		       0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
		       0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01);
	expect_ignored("RIO Prf 10", NDISC_OPT_ROUTE_INFO, false, NDISC_REASON_RIO_PREFERENCE,
		       RA_HDR,
		       /* RIO 2001:db8:3::/48, Prf 10 (reserved) */
		       0x18, 0x02, 0x30, 0x10, 0x00, 0x00, 0x0e, 0x10,
		       0x20, 0x01, 0x0d, 0xb8, 0x00, 0x03, 0x00, 0x00);
}

static void test_rio_overflow(void)
{
	enum ndisc_reason reason = _NDISC_REASON_MAX;
	struct pkt p = { .n = 0 };
	int r;

	PUT(&p, RA_HDR);
	for (int i = 0; i < NDISC_RIO_MAX + 1; i++) {
		/* RIO 2001:db8:<i>::/48 */
		PUT(&p, 0x18, 0x02, 0x30, 0x00, 0x00, 0x00, 0x0e, 0x10,
		    0x20, 0x01, 0x0d, 0xb8, 0x00);
		put_u8(&p, (uint8_t)i);
		PUT(&p, 0x00, 0x00);
	}
	r = parse_pkt(&p, &reason);
	ok(r == 0 && ra.options.n_routes == NDISC_RIO_MAX && ra.n_ignored == 1 &&
	   ra.ignored[0].reason == NDISC_REASON_RIO_TOO_MANY,
	   "65 RIOs: 64 kept, the 65th ignored (r=%d)", r);
}

static void test_rdnss(void)
{
	/* CVE-2020-16898 class: even Length */
	expect_ignored("RDNSS Length 4", NDISC_OPT_RDNSS, false, NDISC_REASON_RDNSS_EVEN_LENGTH,
		       RA_HDR,
		       /* RDNSS, Length 4: one address and 8 stray octets */
		       0x19, 0x04, 0x00, 0x00, 0x00, 0x00, 0x04, 0xb0,
		       0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
		       0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x53,
		       0x19, 0x01, 0x00, 0x00, 0x00, 0x00, 0x04, 0xb0);
	ok(ra.n_options == 1 && ra.options.n_rdnss == 0,
	   "the stray octets were not read as an option");
	expect_ignored("RDNSS Length 1", NDISC_OPT_RDNSS, false, NDISC_REASON_RDNSS_TOO_SHORT,
		       RA_HDR,
		       0x19, 0x01, 0x00, 0x00, 0x00, 0x00, 0x04, 0xb0); /* RDNSS, no address */
	expect_ignored("RDNSS Length 2", NDISC_OPT_RDNSS, false, NDISC_REASON_RDNSS_TOO_SHORT,
		       RA_HDR,
		       /* RDNSS, half an address */
		       0x19, 0x02, 0x00, 0x00, 0x00, 0x00, 0x04, 0xb0,
		       0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00);
	if (expect_accept("two RDNSS options, three addresses",
			  RA_HDR,
			  OPT_RDNSS_53,	/* 2001:db8::53, 1200 s */
			  /* RDNSS fe80::53 and 2001:db8::54, lifetime infinite */
			  0x19, 0x05, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
			  0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
			  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x53,
			  0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
			  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x54))
		ok(ra.options.n_rdnss == 3 && addr_is(&ra.options.rdnss[1].address, "fe80::53") &&
		   addr_is(&ra.options.rdnss[2].address, "2001:db8::54") &&
		   ra.options.rdnss[0].lifetime == 1200 &&
		   ra.options.rdnss[2].lifetime == NDISC_LIFETIME_INFINITY,
		   "addresses in order with their option's lifetime");
	expect_ignored("RDNSS multicast address", NDISC_OPT_RDNSS, false, NDISC_REASON_RDNSS_ADDRESS,
		       RA_HDR,
		       /* RDNSS 2001:db8::53 and ff02::1 */
		       0x19, 0x05, 0x00, 0x00, 0x00, 0x00, 0x04, 0xb0,
		       0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
		       0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x53,
		       0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		       0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01);
	ok(ra.options.n_rdnss == 0, "no address of the bad option kept");
	expect_ignored("RDNSS ::1", NDISC_OPT_RDNSS, false, NDISC_REASON_RDNSS_ADDRESS,
		       RA_HDR,
		       /* RDNSS ::1 */
		       0x19, 0x03, 0x00, 0x00, 0x00, 0x00, 0x04, 0xb0,
		       0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		       0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01);
	expect_ignored("RDNSS ::", NDISC_OPT_RDNSS, false, NDISC_REASON_RDNSS_ADDRESS,
		       RA_HDR,
		       /* RDNSS :: */
		       0x19, 0x03, 0x00, 0x00, 0x00, 0x00, 0x04, 0xb0,
		       0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		       0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00);
}

static void test_rdnss_overflow(void)
{
	enum ndisc_reason reason = _NDISC_REASON_MAX;
	struct pkt p = { .n = 0 };
	int r;

	PUT(&p, RA_HDR);
	PUT(&p, 0x19, 3 + 2 * 16, 0x00, 0x00, 0x00, 0x00, 0x04, 0xb0); /* RDNSS, 17 addresses */
	for (int i = 0; i < NDISC_RDNSS_MAX + 1; i++) {
		PUT(&p, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
		put_u8(&p, (uint8_t)(i + 1));
	}
	r = parse_pkt(&p, &reason);
	ok(r == 0 && ra.options.n_rdnss == 0 && ra.n_ignored == 1 &&
	   ra.ignored[0].reason == NDISC_REASON_RDNSS_TOO_MANY,
	   "one RDNSS option with 17 addresses is ignored whole (r=%d)", r);

	/* 15 addresses, then 2 more: the second option does not fit */
	p.n = 0;
	PUT(&p, RA_HDR);
	PUT(&p, 0x19, 3 + 2 * 14, 0x00, 0x00, 0x00, 0x00, 0x04, 0xb0); /* RDNSS, 15 addresses */
	for (int i = 0; i < 15; i++) {
		PUT(&p, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
		put_u8(&p, (uint8_t)(i + 1));
	}
	PUT(&p, 0x19, 5, 0x00, 0x00, 0x00, 0x00, 0x04, 0xb0); /* RDNSS, 2 addresses */
	PUT(&p, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x40);
	PUT(&p, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x41);
	r = parse_pkt(&p, &reason);
	ok(r == 0 && ra.options.n_rdnss == 15 && ra.n_ignored == 1 &&
	   ra.ignored[0].reason == NDISC_REASON_RDNSS_TOO_MANY,
	   "15 + 2 RDNSS addresses: the second option is ignored (r=%d)", r);
}

/* ---- names ----------------------------------------------------------------- */

static void test_dnssl(void)
{
	if (expect_accept("DNSSL two names, mixed case",
			  RA_HDR,
			  /* DNSSL "Lab.Example.COM", "x-1.example", 2 octets padding */
			  0x1f, 0x05, 0x00, 0x00, 0x00, 0x00, 0x04, 0xb0,
			  3, 'L', 'a', 'b', 7, 'E', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'C', 'O', 'M', 0,
			  3, 'x', '-', '1', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 0))
		ok(ra.options.n_dnssl == 2 && strcmp(ra.options.dnssl[0].name, "lab.example.com") == 0 &&
		   strcmp(ra.options.dnssl[1].name, "x-1.example") == 0 &&
		   ra.options.dnssl[1].lifetime == 1200,
		   "names lowercased, no trailing dot (\"%s\", \"%s\")",
		   ra.options.dnssl[0].name, ra.options.dnssl[1].name);
	expect_ignored("DNSSL Length 1", NDISC_OPT_DNSSL, false, NDISC_REASON_DNSSL_TOO_SHORT,
		       RA_HDR,
		       0x1f, 0x01, 0x00, 0x00, 0x00, 0x00, 0x04, 0xb0); /* DNSSL, no room for a name */
	expect_ignored("DNSSL only padding", NDISC_OPT_DNSSL, false, NDISC_REASON_DNSSL_EMPTY,
		       RA_HDR,
		       0x1f, 0x02, 0x00, 0x00, 0x00, 0x00, 0x04, 0xb0, /* DNSSL, zeros only */
		       0, 0, 0, 0, 0, 0, 0, 0);
	expect_ignored("DNSSL label of 64", NDISC_OPT_DNSSL, false, NDISC_REASON_DNSSL_LABEL_TOO_LONG,
		       RA_HDR,
		       /* DNSSL whose first label says 64 */
		       0x1f, 0x02, 0x00, 0x00, 0x00, 0x00, 0x04, 0xb0,
		       64, 'a', 'a', 'a', 'a', 'a', 'a', 'a');
	expect_ignored("DNSSL compression pointer", NDISC_OPT_DNSSL, false,
		       NDISC_REASON_DNSSL_COMPRESSED,
		       RA_HDR,
		       /* DNSSL "lab" + pointer to offset 12 */
		       0x1f, 0x02, 0x00, 0x00, 0x00, 0x00, 0x04, 0xb0,
		       3, 'l', 'a', 'b', 0xc0, 0x0c, 0, 0);
	expect_ignored("DNSSL name without terminator", NDISC_OPT_DNSSL, false,
		       NDISC_REASON_DNSSL_UNTERMINATED,
		       RA_HDR,
		       /* DNSSL "example" filling the option, no zero */
		       0x1f, 0x02, 0x00, 0x00, 0x00, 0x00, 0x04, 0xb0,
		       7, 'e', 'x', 'a', 'm', 'p', 'l', 'e');
	expect_ignored("DNSSL label past the option", NDISC_OPT_DNSSL, false,
		       NDISC_REASON_DNSSL_UNTERMINATED,
		       RA_HDR,
		       /* DNSSL label of 20 with 7 octets left */
		       0x1f, 0x02, 0x00, 0x00, 0x00, 0x00, 0x04, 0xb0,
		       20, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
		       OPT_SLLA);	/* the bytes the label would swallow */
	ok(ra.options.has_lladdr, "the SLLA after it is still an option");
	if (expect_ignored("bad DNSSL next to a good one", NDISC_OPT_DNSSL, false,
			   NDISC_REASON_DNSSL_LABEL_INVALID,
			   RA_HDR,
			   OPT_DNSSL_EXAMPLE,		/* fine */
			   OPT_DNSSL3('a', ' ', 'b')))	/* "a b" */
		ok(ra.options.n_dnssl == 1 && strcmp(ra.options.dnssl[0].name, "example.com") == 0,
		   "the good DNSSL is kept");
}

static void test_dnssl_shell(void)
{
	expect_ignored("DNSSL \"$(reboot)\"", NDISC_OPT_DNSSL, false, NDISC_REASON_DNSSL_LABEL_INVALID,
		       RA_HDR,
		       /* DNSSL "$(reboot).com" */
		       0x1f, 0x03, 0x00, 0x00, 0x00, 0x00, 0x04, 0xb0,
		       9, '$', '(', 'r', 'e', 'b', 'o', 'o', 't', ')',
		       3, 'c', 'o', 'm', 0, 0);
	expect_ignored("DNSSL \"a;b\"", NDISC_OPT_DNSSL, false, NDISC_REASON_DNSSL_LABEL_INVALID,
		       RA_HDR, OPT_DNSSL3('a', ';', 'b'));
	expect_ignored("DNSSL \"a b\"", NDISC_OPT_DNSSL, false, NDISC_REASON_DNSSL_LABEL_INVALID,
		       RA_HDR, OPT_DNSSL3('a', ' ', 'b'));
	expect_ignored("DNSSL \"a\\nb\"", NDISC_OPT_DNSSL, false, NDISC_REASON_DNSSL_LABEL_INVALID,
		       RA_HDR, OPT_DNSSL3('a', '\n', 'b'));
	expect_ignored("DNSSL \"a\\0b\"", NDISC_OPT_DNSSL, false, NDISC_REASON_DNSSL_LABEL_INVALID,
		       RA_HDR, OPT_DNSSL3('a', '\0', 'b'));
	expect_ignored("DNSSL \"a.b\" as one label", NDISC_OPT_DNSSL, false,
		       NDISC_REASON_DNSSL_LABEL_INVALID,
		       RA_HDR, OPT_DNSSL3('a', '.', 'b'));
	expect_ignored("DNSSL \"a_b\"", NDISC_OPT_DNSSL, false, NDISC_REASON_DNSSL_LABEL_INVALID,
		       RA_HDR, OPT_DNSSL3('a', '_', 'b'));
	expect_ignored("DNSSL \"-ab\"", NDISC_OPT_DNSSL, false, NDISC_REASON_DNSSL_LABEL_INVALID,
		       RA_HDR, OPT_DNSSL3('-', 'a', 'b'));
	expect_ignored("DNSSL \"ab-\"", NDISC_OPT_DNSSL, false, NDISC_REASON_DNSSL_LABEL_INVALID,
		       RA_HDR, OPT_DNSSL3('a', 'b', '-'));
	expect_ignored("DNSSL \"a\\xc3b\" (non-ASCII)", NDISC_OPT_DNSSL, false,
		       NDISC_REASON_DNSSL_LABEL_INVALID,
		       RA_HDR, OPT_DNSSL3('a', 0xc3, 'b'));
	if (expect_accept("DNSSL \"a-b\"", RA_HDR, OPT_DNSSL3('a', '-', 'B')))
		ok(strcmp(ra.options.dnssl[0].name, "a-b") == 0, "inner hyphen is fine");
	if (expect_accept("DNSSL \"123\"", RA_HDR, OPT_DNSSL3('1', '2', '3')))
		ok(strcmp(ra.options.dnssl[0].name, "123") == 0, "digits are fine");
}

/* A DNSSL option carrying one name of @n_labels labels of @label_len 'a's and a
 * last label of @last_len 'b's; returns the wire length of the name. */
static size_t put_dnssl_long(struct pkt *p, int n_labels, int label_len, int last_len)
{
	size_t wire = (size_t)n_labels * (size_t)(label_len + 1) + (size_t)last_len + 2;
	size_t units = (8 + wire + 7) / 8;

	PUT(p, 0x1f);		/* DNSSL */
	put_u8(p, (uint8_t)units);
	PUT(p, 0x00, 0x00, 0x00, 0x00, 0x04, 0xb0);
	for (int i = 0; i < n_labels; i++) {
		put_u8(p, (uint8_t)label_len);
		for (int j = 0; j < label_len; j++)
			put_u8(p, 'a');
	}
	put_u8(p, (uint8_t)last_len);
	for (int j = 0; j < last_len; j++)
		put_u8(p, 'b');
	put_u8(p, 0);
	for (size_t i = 8 + wire; i < units * 8; i++)
		put_u8(p, 0);
	return wire;
}

static void test_dnssl_long_names(void)
{
	enum ndisc_reason reason = _NDISC_REASON_MAX;
	struct pkt p = { .n = 0 };
	size_t wire;
	int r;

	PUT(&p, RA_HDR);
	wire = put_dnssl_long(&p, 3, 63, 61);	/* 3 * 64 + 62 + 1 = 255 */
	r = parse_pkt(&p, &reason);
	ok(wire == 255 && r == 0 && ra.options.n_dnssl == 1 &&
	   strlen(ra.options.dnssl[0].name) == NDISC_NAME_MAX && ra.n_ignored == 0,
	   "DNSSL name of exactly 255 octets accepted, 253 characters (r=%d)", r);

	p.n = 0;
	PUT(&p, RA_HDR);
	wire = put_dnssl_long(&p, 3, 63, 62);	/* 256 */
	r = parse_pkt(&p, &reason);
	ok(wire == 256 && r == 0 && ra.options.n_dnssl == 0 && ra.n_ignored == 1 &&
	   ra.ignored[0].reason == NDISC_REASON_DNSSL_NAME_TOO_LONG,
	   "DNSSL name of 256 octets ignored (r=%d)", r);

	p.n = 0;
	PUT(&p, RA_HDR);
	wire = put_dnssl_long(&p, 4, 63, 63);	/* 321 */
	r = parse_pkt(&p, &reason);
	ok(r == 0 && ra.n_ignored == 1 && ra.ignored[0].reason == NDISC_REASON_DNSSL_NAME_TOO_LONG,
	   "DNSSL name of %zu octets ignored (r=%d)", wire, r);

	/* 17 names "a0".."a16"-ish: 17 * 3 octets ("\1x\0") */
	p.n = 0;
	PUT(&p, RA_HDR);
	PUT(&p, 0x1f, 8, 0x00, 0x00, 0x00, 0x00, 0x04, 0xb0); /* DNSSL, 56 octets of names */
	for (int i = 0; i < NDISC_DNSSL_MAX + 1; i++)
		PUT(&p, 1, 'x', 0);
	PUT(&p, 0, 0, 0, 0, 0);
	r = parse_pkt(&p, &reason);
	ok(r == 0 && ra.options.n_dnssl == 0 && ra.n_ignored == 1 &&
	   ra.ignored[0].reason == NDISC_REASON_DNSSL_TOO_MANY,
	   "DNSSL with 17 names is ignored whole (r=%d)", r);

	/* 16 names fit */
	p.n = 0;
	PUT(&p, RA_HDR);
	PUT(&p, 0x1f, 7, 0x00, 0x00, 0x00, 0x00, 0x04, 0xb0); /* DNSSL, 48 octets of names */
	for (int i = 0; i < NDISC_DNSSL_MAX; i++)
		PUT(&p, 1, 'x', 0);
	r = parse_pkt(&p, &reason);
	ok(r == 0 && ra.options.n_dnssl == NDISC_DNSSL_MAX && ra.n_ignored == 0,
	   "DNSSL with 16 names accepted (r=%d)", r);
}

/* ---- PREF64 ---------------------------------------------------------------- */

static void test_pref64(void)
{
	if (expect_accept("PREF64 /64 with junk past the prefix",
			  RA_HDR,
			  /* PREF64 2001:db8:64::/64, scaled lifetime 8191, PLC 1 */
			  0x26, 0x02, 0xff, 0xf9,
			  0x20, 0x01, 0x0d, 0xb8, 0x00, 0x64, 0x00, 0x00,
			  0xff, 0xff, 0xff, 0xff))
		ok(ra.options.pref64[0].prefix_len == 64 &&
		   addr_is(&ra.options.pref64[0].prefix, "2001:db8:64::") &&
		   ra.options.pref64[0].lifetime == 65528,
		   "PLC 1 is /64, lifetime 8191 * 8, bits past /64 cleared");
	if (expect_accept("PREF64 PLC 5",
			  RA_HDR,
			  /* PREF64 2001:db8::/32, lifetime 0 */
			  0x26, 0x02, 0x00, 0x05,
			  0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
			  0x00, 0x00, 0x00, 0x00))
		ok(ra.options.pref64[0].prefix_len == 32 && ra.options.pref64[0].lifetime == 0,
		   "PLC 5 is /32");
	expect_ignored("PREF64 PLC 6", NDISC_OPT_PREF64, false, NDISC_REASON_PREF64_PLC,
		       RA_HDR,
		       0x26, 0x02, 0x02, 0x5e, /* PREF64, PLC 6 */
		       0x00, 0x64, 0xff, 0x9b, 0x00, 0x00, 0x00, 0x00,
		       0x00, 0x00, 0x00, 0x00);
	expect_ignored("PREF64 Length 3", NDISC_OPT_PREF64, false, NDISC_REASON_PREF64_LENGTH,
		       RA_HDR,
		       0x26, 0x03, 0x02, 0x58, /* PREF64 padded to 24 octets */
		       0x00, 0x64, 0xff, 0x9b, 0x00, 0x00, 0x00, 0x00,
		       0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		       0x00, 0x00, 0x00, 0x00);
	expect_ignored("PREF64 Length 1", NDISC_OPT_PREF64, false, NDISC_REASON_PREF64_LENGTH,
		       RA_HDR,
		       0x26, 0x01, 0x02, 0x58, 0x00, 0x64, 0xff, 0x9b); /* PREF64 cut short */
	expect_ignored("fifth PREF64", NDISC_OPT_PREF64, false, NDISC_REASON_PREF64_TOO_MANY,
		       RA_HDR,
		       OPT_PREF64_WKP, OPT_PREF64_WKP, OPT_PREF64_WKP, OPT_PREF64_WKP,
		       OPT_PREF64_WKP);
}

/* ---- PvD option ------------------------------------------------------------ */

static void test_pvd_flags_and_header(void)
{
	if (!expect_accept("PvD with R flag and inner RA header",
			  RA_HDR,
			  /* PvD, Length 5, H=1 L=1 R=1, reserved bits all set, Delay 15,
			   * Sequence 65535, "a.b" + 5 octets of non-zero padding */
			  0x15, 0x05, 0xff, 0xff, 0xff, 0xff,
			  FQDN_A_B, 0xee, 0xee, 0xee, 0xee, 0xee,
			  /* inner RA header: type 0 and code 9 and checksum are ignored,
			   * hop limit 10, M=0 O=1 Prf=11 (low), lifetime 60 s,
			   * reachable 10000 ms, retrans 2000 ms */
			  0x00, 0x09, 0xde, 0xad, 0x0a, 0x58, 0x00, 0x3c,
			  0x00, 0x00, 0x27, 0x10, 0x00, 0x00, 0x07, 0xd0,
			  OPT_MTU_1500))	/* inner MTU */
		return;
	ok(ra.has_pvd && strcmp(ra.pvd.fqdn, "a.b") == 0, "PvD a.b");
	ok(ra.pvd.http && ra.pvd.legacy && ra.pvd.has_ra_header && ra.pvd.delay == 15 &&
	   ra.pvd.sequence == 65535, "H L R set, delay 15, seq 65535, reserved bits ignored");
	ok(ra.pvd.ra_header.cur_hop_limit == 10 && !ra.pvd.ra_header.managed &&
	   ra.pvd.ra_header.other && ra.pvd.ra_header.preference == NDISC_PREFERENCE_LOW &&
	   ra.pvd.ra_header.router_lifetime == 60 && ra.pvd.ra_header.reachable_time == 10000 &&
	   ra.pvd.ra_header.retrans_timer == 2000, "inner RA header values reported");
	ok(ra.header.cur_hop_limit == 64 && ra.header.router_lifetime == 1800 &&
	   ra.header.preference == NDISC_PREFERENCE_HIGH, "outer RA header values kept beside them");
	ok(ra.pvd.options.has_mtu && ra.pvd.options.mtu == 1500 && !ra.options.has_mtu,
	   "inner MTU is in the PvD's set only");

	expect_ignored("PvD R flag, Length 2", NDISC_OPT_PVD, false,
		       NDISC_REASON_PVD_RA_HEADER_TRUNCATED,
		       RA_HDR,
		       0x15, 0x02, 0x20, 0x00, 0x00, 0x01, /* PvD, R=1 */
		       FQDN_A_B, 0, 0, 0, 0, 0);	/* "a.b", padding, then nothing */
	ok(!ra.has_pvd && ra.pvd.fqdn[0] == '\0', "no PvD reported");
	expect_ignored("PvD R flag, Length 3", NDISC_OPT_PVD, false,
		       NDISC_REASON_PVD_RA_HEADER_TRUNCATED,
		       RA_HDR,
		       0x15, 0x03, 0x20, 0x00, 0x00, 0x01, /* PvD, R=1 */
		       FQDN_A_B, 0, 0, 0, 0, 0,	/* "a.b", padding */
		       0x86, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x3c); /* half a header */
	if (expect_accept("PvD R flag, Length 4",
			  RA_HDR,
			  0x15, 0x04, 0x20, 0x00, 0x00, 0x01, /* PvD, R=1 */
			  FQDN_A_B, 0, 0, 0, 0, 0,	/* "a.b", padding */
			  0x86, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x3c, /* inner header */
			  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00))
		ok(ra.has_pvd && ra.pvd.has_ra_header && ra.pvd.ra_header.router_lifetime == 60 &&
		   ra.pvd.ra_header.preference == NDISC_PREFERENCE_MEDIUM, "inner header read");
	if (expect_accept("PvD FQDN ending on the option's last octet",
			  RA_HDR,
			  /* PvD, Length 2, "pvd.ab" (8 octets) + "c" label: 10 octets */
			  0x15, 0x02, 0x00, 0x00, 0x00, 0x02,
			  3, 'p', 'v', 'd', 2, 'a', 'b', 1, 'c', 0))
		ok(ra.has_pvd && strcmp(ra.pvd.fqdn, "pvd.ab.c") == 0 && ra.n_options == 1,
		   "no inner options, no padding");
}

static void test_pvd_fqdn(void)
{
	if (expect_accept("PvD uppercase FQDN",
			  RA_HDR,
			  /* PvD, Length 3, "PvD.Example.ORG" + 1 octet padding */
			  0x15, 0x03, 0x00, 0x00, 0x00, 0x07,
			  3, 'P', 'v', 'D', 7, 'E', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'O', 'R', 'G', 0,
			  0))
		ok(strcmp(ra.pvd.fqdn, "pvd.example.org") == 0, "normalised to \"%s\"", ra.pvd.fqdn);
	expect_ignored("PvD FQDN without terminator", NDISC_OPT_PVD, false,
		       NDISC_REASON_PVD_FQDN_UNTERMINATED,
		       RA_HDR,
		       /* PvD, Length 2, labels "pvd" "abcde" fill it, no zero */
		       0x15, 0x02, 0x00, 0x00, 0x00, 0x01,
		       3, 'p', 'v', 'd', 5, 'a', 'b', 'c', 'd', 'e');
	if (expect_accept("PvD FQDN label past the option",
			  RA_HDR,
			  /* PvD, Length 1, label of 5 with 1 octet left */
			  0x15, 0x01, 0x00, 0x00, 0x00, 0x01, 5, 'a',
			  OPT_EXP))	/* what the label would run into */
		ok(!ra.has_pvd && ra.n_options == 2 && ra.n_ignored == 2 &&
		   ra.ignored[0].type == NDISC_OPT_PVD &&
		   ra.ignored[0].reason == NDISC_REASON_PVD_FQDN_UNTERMINATED &&
		   ra.ignored[1].type == 253 && !ra.ignored[1].in_pvd,
		   "PvD ignored as unterminated, the next option is an outer option");
	expect_ignored("PvD FQDN root", NDISC_OPT_PVD, false, NDISC_REASON_PVD_FQDN_ROOT,
		       RA_HDR,
		       0x15, 0x01, 0x00, 0x00, 0x00, 0x01, 0, 0); /* PvD, "." */
	expect_ignored("PvD FQDN compressed", NDISC_OPT_PVD, false,
		       NDISC_REASON_PVD_FQDN_COMPRESSED,
		       RA_HDR,
		       /* PvD, "pvd" + pointer */
		       0x15, 0x02, 0x00, 0x00, 0x00, 0x01,
		       3, 'p', 'v', 'd', 0xc0, 0x0c, 0, 0, 0, 0);
	expect_ignored("PvD FQDN label of 64", NDISC_OPT_PVD, false,
		       NDISC_REASON_PVD_FQDN_LABEL_TOO_LONG,
		       RA_HDR,
		       0x15, 0x01, 0x00, 0x00, 0x00, 0x01, 64, 'a'); /* PvD, label 64 */
	expect_ignored("PvD FQDN \"$(reboot)\"", NDISC_OPT_PVD, false,
		       NDISC_REASON_PVD_FQDN_LABEL_INVALID,
		       RA_HDR,
		       /* PvD, Length 3, "$(reboot).org" + 3 octets padding */
		       0x15, 0x03, 0x00, 0x00, 0x00, 0x01,
		       9, '$', '(', 'r', 'e', 'b', 'o', 'o', 't', ')', 3, 'o', 'r', 'g', 0,
		       0, 0, 0);
	expect_ignored("PvD FQDN \"pvd_x\"", NDISC_OPT_PVD, false,
		       NDISC_REASON_PVD_FQDN_LABEL_INVALID,
		       RA_HDR,
		       /* PvD, Length 2, "pvd_x.o" + 1 octet padding */
		       0x15, 0x02, 0x00, 0x00, 0x00, 0x01,
		       5, 'p', 'v', 'd', '_', 'x', 1, 'o', 0, 0);
}

/* RFC 1123 §2.1: IP literals are not PvD IDs. */
static void test_pvd_fqdn_ip_literal(void)
{
	expect_ignored("PvD FQDN \"192.0.2.1\"", NDISC_OPT_PVD, false,
		       NDISC_REASON_PVD_FQDN_IP_LITERAL,
		       RA_HDR,
		       /* PvD, Length 3, H=1, "192.0.2.1" (11 octets) + 7 padding */
		       0x15, 0x03, 0x80, 0x00, 0x00, 0x01,
		       3, '1', '9', '2', 1, '0', 1, '2', 1, '1', 0,
		       0, 0, 0, 0, 0, 0, 0);
	expect_ignored("PvD FQDN \"127.0.0.1\"", NDISC_OPT_PVD, false,
		       NDISC_REASON_PVD_FQDN_IP_LITERAL,
		       RA_HDR,
		       /* PvD, Length 3, H=1, "127.0.0.1" (11 octets) + 7 padding */
		       0x15, 0x03, 0x80, 0x00, 0x00, 0x01,
		       3, '1', '2', '7', 1, '0', 1, '0', 1, '1', 0,
		       0, 0, 0, 0, 0, 0, 0);
	expect_ignored("PvD FQDN \"2130706433\" (127.0.0.1 as one number)", NDISC_OPT_PVD, false,
		       NDISC_REASON_PVD_FQDN_IP_LITERAL,
		       RA_HDR,
		       /* PvD, Length 3, H=1, "2130706433" (12 octets) + 6 padding */
		       0x15, 0x03, 0x80, 0x00, 0x00, 0x01,
		       10, '2', '1', '3', '0', '7', '0', '6', '4', '3', '3', 0,
		       0, 0, 0, 0, 0, 0);
	expect_ignored("PvD FQDN \"a.0x7f000001\"", NDISC_OPT_PVD, false,
		       NDISC_REASON_PVD_FQDN_IP_LITERAL,
		       RA_HDR,
		       /* PvD, Length 3, "a.0x7f000001" (14 octets) + 4 padding */
		       0x15, 0x03, 0x00, 0x00, 0x00, 0x01,
		       1, 'a', 10, '0', 'x', '7', 'f', '0', '0', '0', '0', '0', '1', 0,
		       0, 0, 0, 0);
	if (expect_accept("PvD FQDN \"192.0.2.1x\" (last label not numeric)",
			  RA_HDR,
			  /* PvD, Length 3, "192.0.2.1x" (12 octets) + 6 padding */
			  0x15, 0x03, 0x00, 0x00, 0x00, 0x01,
			  3, '1', '9', '2', 1, '0', 1, '2', 2, '1', 'x', 0,
			  0, 0, 0, 0, 0, 0))
		ok(ra.has_pvd && !strcmp(ra.pvd.fqdn, "192.0.2.1x"), "kept as \"%s\"", ra.pvd.fqdn);
	if (expect_accept("PvD FQDN \"3com.example\" (numeric first label)",
			  RA_HDR,
			  /* PvD, Length 3, "3com.example" (14 octets) + 4 padding */
			  0x15, 0x03, 0x00, 0x00, 0x00, 0x01,
			  4, '3', 'c', 'o', 'm', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0,
			  0, 0, 0, 0))
		ok(ra.has_pvd && !strcmp(ra.pvd.fqdn, "3com.example"), "kept as \"%s\"", ra.pvd.fqdn);
}

/* Valid PvD IDs whose additional information is never fetched. */
static void test_pvd_id_fetchable(void)
{
	static const struct {
		const char *name;
		bool fetchable;
	} cases[] = {
		{ "pvd.example.org", true },
		{ "a.example", true },
		{ "localhost", false },
		{ "a.localhost", false },
		{ "notlocalhost", true },
		{ "localhost.example", true },
		{ "printer.local", false },
		{ "local", false },
		{ "local.example", true },
		{ "x.locals", true },
		{ "1.2.0.192.in-addr.arpa", false },
		{ "arpa", false },
		{ "arpa.example", true },
		{ "192.0.2.1", false },
		{ "2130706433", false },
		{ "a.0x7f", false },
		{ "a.0xg", true },
		{ "a.0x", false },	/* "0x" alone is the number 0 to a URL parser */
		{ "", false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ok(ndisc_pvd_id_fetchable(cases[i].name) == cases[i].fetchable, "\"%s\" is %sfetchable",
		   cases[i].name, cases[i].fetchable ? "" : "not ");
}

static void test_pvd_fqdn_too_long(void)
{
	enum ndisc_reason reason = _NDISC_REASON_MAX;
	struct pkt p = { .n = 0 };
	int r;

	/* PvD with a 256-octet name: 3 labels of 63 + 1 of 62 */
	PUT(&p, RA_HDR);
	PUT(&p, 0x15, (6 + 256 + 7) / 8, 0x00, 0x00, 0x00, 0x01);
	for (int i = 0; i < 3; i++) {
		put_u8(&p, 63);
		for (int j = 0; j < 63; j++)
			put_u8(&p, 'a');
	}
	put_u8(&p, 62);
	for (int j = 0; j < 62; j++)
		put_u8(&p, 'b');
	put_u8(&p, 0);
	while ((p.n - 16) % 8)
		put_u8(&p, 0);
	r = parse_pkt(&p, &reason);
	ok(r == 0 && !ra.has_pvd && ra.n_ignored == 1 &&
	   ra.ignored[0].reason == NDISC_REASON_PVD_FQDN_TOO_LONG,
	   "PvD FQDN of 256 octets ignored (r=%d)", r);
}

static void test_pvd_first_only(void)
{
	if (expect_ignored("second PvD option", NDISC_OPT_PVD, false, NDISC_REASON_PVD_NOT_FIRST,
			   RA_HDR,
			   OPT_PVD_FULL,	/* pvd.example.org */
			   OPT_PVD_A_B))	/* a.b */
		ok(ra.has_pvd && strcmp(ra.pvd.fqdn, "pvd.example.org") == 0 &&
		   ra.pvd.options.n_prefixes == 1, "the first PvD is the one reported");

	if (!expect_accept("bad PvD then good PvD",
			   RA_HDR,
			   0x15, 0x01, 0x00, 0x00, 0x00, 0x01, 0, 0, /* PvD "." */
			   OPT_PVD_A_B))	/* a.b */
		return;
	ok(!ra.has_pvd && ra.n_ignored == 2 &&
	   ra.ignored[0].reason == NDISC_REASON_PVD_FQDN_ROOT &&
	   ra.ignored[1].reason == NDISC_REASON_PVD_NOT_FIRST,
	   "only the first PvD counts, even when it is invalid");
}

static void test_pvd_nested(void)
{
	if (!expect_ignored("PvD inside PvD", NDISC_OPT_PVD, true, NDISC_REASON_PVD_NESTED,
			    RA_HDR,
			    /* PvD, Length 8, "pvd.example.org" + 1 octet padding */
			    0x15, 0x08, 0x00, 0x00, 0x00, 0x01,
			    FQDN_PVD_EXAMPLE_ORG, 0,
			    OPT_PVD_A_B,	/* nested PvD a.b */
			    OPT_RDNSS_AAAA))	/* inner RDNSS */
		return;
	ok(ra.has_pvd && strcmp(ra.pvd.fqdn, "pvd.example.org") == 0 &&
	   ra.pvd.options.n_rdnss == 1 && ra.n_options == 3,
	   "outer PvD kept, its other inner options used");
}

static void test_pvd_inner_walk(void)
{
	expect_reject("inner option runs past the PvD option", NDISC_REASON_PVD_OPTION_OVERRUN,
		      RA_HDR,
		      /* PvD, Length 3, "a.b" + padding */
		      0x15, 0x03, 0x00, 0x00, 0x00, 0x01, FQDN_A_B, 0, 0, 0, 0, 0,
		      0x19, 0x03, 0x00, 0x00, 0x00, 0x00, 0x04, 0xb0, /* inner RDNSS claims 24 */
		      /* the rest of that RDNSS, outside the PvD option: an
		       * experimental outer option and an SLLA */
		      OPT_EXP, OPT_SLLA);
	expect_reject("inner zero-length option", NDISC_REASON_PVD_OPTION_ZERO_LENGTH,
		      RA_HDR,
		      /* PvD, Length 3, "a.b" + padding */
		      0x15, 0x03, 0x00, 0x00, 0x00, 0x01, FQDN_A_B, 0, 0, 0, 0, 0,
		      0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0xdc); /* inner MTU, Length 0 */
	expect_ignored("inner unknown option", 253, true, NDISC_REASON_OPTION_UNKNOWN,
		       RA_HDR,
		       /* PvD, Length 3, "a.b" + padding */
		       0x15, 0x03, 0x00, 0x00, 0x00, 0x01, FQDN_A_B, 0, 0, 0, 0, 0,
		       OPT_EXP);	/* inner experimental option */
	expect_ignored("inner even RDNSS", NDISC_OPT_RDNSS, true, NDISC_REASON_RDNSS_EVEN_LENGTH,
		       RA_HDR,
		       /* PvD, Length 6, "a.b" + padding */
		       0x15, 0x06, 0x00, 0x00, 0x00, 0x01, FQDN_A_B, 0, 0, 0, 0, 0,
		       /* inner RDNSS, Length 4 */
		       0x19, 0x04, 0x00, 0x00, 0x00, 0x00, 0x04, 0xb0,
		       0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
		       0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x53,
		       0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00);
	/* The inner set has its own limits. */
	if (expect_accept("MTU outside and inside",
			  RA_HDR,
			  OPT_MTU_1500,	/* outer */
			  /* PvD, Length 3, "a.b" + padding, inner MTU 9000 */
			  0x15, 0x03, 0x00, 0x00, 0x00, 0x01, FQDN_A_B, 0, 0, 0, 0, 0,
			  0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x23, 0x28))
		ok(ra.options.mtu == 1500 && ra.pvd.options.mtu == 9000 && ra.n_ignored == 0,
		   "each set keeps its own MTU");
}

/* ---- API details ------------------------------------------------------------ */

static void test_strings(void)
{
	bool all = true, unique = true;
	unsigned rejecting = 0;

	for (int i = 0; i < _NDISC_REASON_MAX; i++) {
		const char *s = ndisc_reason_to_string((enum ndisc_reason)i);

		if (!s || !*s) {
			all = false;
			continue;
		}
		for (int j = 0; j < i; j++) {
			const char *t = ndisc_reason_to_string((enum ndisc_reason)j);

			if (t && strcmp(s, t) == 0)
				unique = false;
		}
		if (ndisc_reason_rejects_ra((enum ndisc_reason)i))
			rejecting++;
	}
	ok(all, "every reason has a text");
	ok(unique, "reason texts are distinct");
	ok(rejecting == 11, "11 reasons reject the RA (%u)", rejecting);
	ok(ndisc_reason_to_string(_NDISC_REASON_MAX) == NULL, "no text past the end");
	ok(strcmp(ndisc_reason_to_string(NDISC_REASON_HOP_LIMIT), "hop limit is not 255") == 0 &&
	   strcmp(ndisc_reason_to_string(NDISC_REASON_RDNSS_EVEN_LENGTH),
		  "RDNSS option length is even") == 0, "texts are specific");
	ok(ndisc_reason_rejects_ra(NDISC_REASON_OPTION_OVERRUN) &&
	   !ndisc_reason_rejects_ra(NDISC_REASON_RDNSS_EVEN_LENGTH), "rejects_ra split");
	ok(strcmp(ndisc_preference_to_string(NDISC_PREFERENCE_LOW), "low") == 0 &&
	   strcmp(ndisc_preference_to_string(NDISC_PREFERENCE_HIGH), "high") == 0,
	   "preference names");
	ok(strcmp(ndisc_option_to_string(NDISC_OPT_PVD), "PvD") == 0 &&
	   ndisc_option_to_string(253) == NULL, "option names");
}

static void test_deterministic(void)
{
	static struct ndisc_ra first;
	enum ndisc_reason reason;
	const uint8_t pkt[] = {
		RA_HDR,
		OPT_SLLA,		/* SLLA */
		OPT_DNSSL_EXAMPLE,	/* DNSSL example.com */
		OPT_PVD_FULL,		/* PvD with PIO + RDNSS */
	};

	memset(&first, 0x11, sizeof(first));
	memset(&ra, 0x22, sizeof(ra));
	ok(ndisc_parse_ra(pkt, sizeof(pkt), &src_ll, 255, 7, &first, &reason) == 0 &&
	   ndisc_parse_ra(pkt, sizeof(pkt), &src_ll, 255, 7, &ra, &reason) == 0 &&
	   ndisc_test_ra_eq(&first, &ra),
	   "same packet, same result field by field whatever the output held before");

	/* Reused output: a rich RA, then a bare one; nothing of the first
	 * shows through the second's counts, flags or PvD part. */
	ok(ndisc_parse_ra(PKT(RA_HDR), &src_ll, 255, 7, &first, &reason) == 0 &&
	   !first.has_pvd && first.n_options == 0 && first.n_ignored == 0 &&
	   ndisc_test_options_empty(&first.options) && ndisc_test_pvd_empty(&first.pvd),
	   "a bare RA over a rich result leaves no count, flag or PvD behind");

	/* A rejection over a rich result: empty, not the previous RA. */
	ok(ndisc_parse_ra(pkt, sizeof(pkt), &src_ll, 255, 7, &first, &reason) == 0 &&
	   ndisc_parse_ra(PKT(RA_HDR, 0x01, 0x00), &src_ll, 255, 7, &first, &reason) == -EBADMSG &&
	   ndisc_test_ra_empty(&first), "a rejected RA over a rich result leaves it empty");
	ok(ndisc_parse_ra(pkt, sizeof(pkt), &src_ll, 254, 7, &first, &reason) == -EBADMSG &&
	   ndisc_test_ra_empty(&first), "an early rejection (hop limit) leaves it empty too");
}

int main(void)
{
	test_minimal_ra();
	test_rfc4861_validity();
	test_router_preference();
	test_full_ra();
	test_broken_walk();
	test_unknown_option();
	test_option_count();
	test_slla();
	test_pio();
	test_pio_overflow();
	test_mtu();
	test_rio();
	test_rio_overflow();
	test_rdnss();
	test_rdnss_overflow();
	test_dnssl();
	test_dnssl_shell();
	test_dnssl_long_names();
	test_pref64();
	test_pvd_flags_and_header();
	test_pvd_fqdn();
	test_pvd_fqdn_too_long();
	test_pvd_fqdn_ip_literal();
	test_pvd_id_fetchable();
	test_pvd_first_only();
	test_pvd_nested();
	test_pvd_inner_walk();
	test_strings();
	test_deterministic();

	return tap_done();
}
