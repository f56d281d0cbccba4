/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for ndisc_parse_ra().
 *
 * Input: one selector octet, then the ICMPv6 message.
 *   bits 0-1: hop limit   0, 1, 2 -> 255 (valid), 3 -> 254
 *   bits 2-3: source      0 -> fe80::1, 1 -> fe80::abcd:1, 2 -> febf::1
 *                         (all link-local), 3 -> 2001:db8::1
 * The rest of the selector is ignored, so most inputs reach the options.
 *
 * After every call the result is checked against what the parser promises;
 * any broken promise calls abort() so libFuzzer records the input.  The
 * parser fills the caller's struct in place (include/ndisc.h): on rejection
 * it must be empty; on success only the defined fields count, so the
 * determinism check parses again into a struct prefilled with a different
 * pattern and compares field by field (tests/unit/ndisc-compare.h): a
 * defined field that depended on the old contents would differ.
 */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/ndisc-compare.h"
#include "ndisc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ndisc_ra ra, again;	/* large: keep off the stack */

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz-ndisc: %s:%d: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

static bool name_ok(const char *name)
{
	size_t n = strnlen(name, NDISC_NAME_MAX + 1), label = 0;

	if (n == 0 || n > NDISC_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (c == '.') {
			/* no empty label, no label ending with '-' */
			if (label == 0 || name[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!(islower((unsigned char)c) || isdigit((unsigned char)c) || c == '-'))
			return false;
		if (c == '-' && label == 0)
			return false;
		if (++label > 63)
			return false;
	}
	/* no trailing dot, last label not ending with '-' */
	return label > 0 && name[n - 1] != '-';
}

static bool masked(const struct in6_addr *a, unsigned len)
{
	for (unsigned bit = len; bit < 128; bit++)
		if (a->s6_addr[bit / 8] & (0x80 >> (bit % 8)))
			return false;
	return true;
}

static bool pref_ok(enum ndisc_preference p)
{
	return ndisc_preference_to_string(p) != NULL;
}

static void check_header(const struct ndisc_ra_header *h)
{
	CHECK(pref_ok(h->preference));
	CHECK(h->managed == !!(h->flags & 0x80));
	CHECK(h->other == !!(h->flags & 0x40));
	if (h->router_lifetime == 0)
		CHECK(h->preference == NDISC_PREFERENCE_MEDIUM);
}

static void check_options(const struct ndisc_options *o)
{
	CHECK(o->n_prefixes <= NDISC_PIO_MAX);
	CHECK(o->n_routes <= NDISC_RIO_MAX);
	CHECK(o->n_rdnss <= NDISC_RDNSS_MAX);
	CHECK(o->n_dnssl <= NDISC_DNSSL_MAX);
	CHECK(o->n_pref64 <= NDISC_PREF64_MAX);
	if (o->has_lladdr)
		CHECK(o->lladdr_len <= NDISC_LLADDR_MAX && o->lladdr_len % 8 == 6);
	if (o->has_mtu)
		CHECK(o->mtu >= 1280);

	for (size_t i = 0; i < o->n_prefixes; i++) {
		const struct ndisc_prefix *p = &o->prefixes[i];

		CHECK(p->prefix_len <= 128);
		CHECK(masked(&p->prefix, p->prefix_len));
		CHECK(!(p->prefix.s6_addr[0] == 0xfe && (p->prefix.s6_addr[1] & 0xc0) == 0x80));
		CHECK(p->preferred_lifetime <= p->valid_lifetime);
		CHECK(p->on_link == !!(p->flags & 0x80));
		CHECK(p->autonomous == !!(p->flags & 0x40));
	}
	for (size_t i = 0; i < o->n_routes; i++) {
		CHECK(o->routes[i].prefix_len <= 128);
		CHECK(masked(&o->routes[i].prefix, o->routes[i].prefix_len));
		CHECK(pref_ok(o->routes[i].preference));
	}
	for (size_t i = 0; i < o->n_rdnss; i++) {
		const struct in6_addr *a = &o->rdnss[i].address;

		CHECK(a->s6_addr[0] != 0xff);
		CHECK(!IN6_IS_ADDR_UNSPECIFIED(a) && !IN6_IS_ADDR_LOOPBACK(a));
	}
	for (size_t i = 0; i < o->n_dnssl; i++)
		CHECK(name_ok(o->dnssl[i].name));
	for (size_t i = 0; i < o->n_pref64; i++) {
		const struct ndisc_pref64 *p = &o->pref64[i];

		CHECK(p->prefix_len == 96 || p->prefix_len == 64 || p->prefix_len == 56 ||
		      p->prefix_len == 48 || p->prefix_len == 40 || p->prefix_len == 32);
		CHECK(masked(&p->prefix, p->prefix_len));
		CHECK(p->lifetime % 8 == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct in6_addr sources[4] = {
		{ .s6_addr = { 0xfe, 0x80, [15] = 0x01 } },
		{ .s6_addr = { 0xfe, 0x80, [12] = 0xab, 0xcd, 0x00, 0x01 } },
		{ .s6_addr = { 0xfe, 0xbf, [15] = 0x01 } },
		{ .s6_addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 } },
	};
	enum ndisc_reason reason = _NDISC_REASON_MAX, reason2 = _NDISC_REASON_MAX;
	const struct in6_addr *src;
	const uint8_t *msg;
	size_t len;
	int hop, r;

	if (size < 1)
		return 0;
	hop = (data[0] & 3) == 3 ? 254 : 255;
	src = &sources[(data[0] >> 2) & 3];
	msg = data + 1;
	len = size - 1;

	memset(&ra, 0xa5, sizeof(ra));
	r = ndisc_parse_ra(msg, len, src, hop, 42, &ra, &reason);

	if (r < 0) {
		CHECK(r == -EBADMSG);
		CHECK((unsigned)reason < _NDISC_REASON_MAX);
		CHECK(ndisc_reason_rejects_ra(reason));
		CHECK(ndisc_reason_to_string(reason) != NULL);
		CHECK(ndisc_test_ra_empty(&ra));		/* documented empty state */
		/* ... also over a different previous content, same reason */
		memset(&again, 0x3c, sizeof(again));
		CHECK(ndisc_parse_ra(msg, len, src, hop, 42, &again, &reason2) == -EBADMSG);
		CHECK(reason2 == reason && ndisc_test_ra_empty(&again));
		return 0;
	}

	CHECK(r == 0);
	CHECK(reason == _NDISC_REASON_MAX);	/* untouched on success */
	CHECK(hop == 255 && src != &sources[3]);
	CHECK(len >= 16 && msg[0] == 134 && msg[1] == 0);
	CHECK(ra.ifindex == 42 && memcmp(&ra.src, src, sizeof(*src)) == 0);

	check_header(&ra.header);
	check_options(&ra.options);

	CHECK(ra.n_options <= NDISC_OPTIONS_MAX);
	CHECK(ra.n_ignored <= ra.n_options);
	for (size_t i = 0; i < ra.n_ignored; i++) {
		CHECK((unsigned)ra.ignored[i].reason < _NDISC_REASON_MAX);
		CHECK(!ndisc_reason_rejects_ra(ra.ignored[i].reason));
	}

	if (ra.has_pvd) {
		CHECK(name_ok(ra.pvd.fqdn));
		CHECK(ra.pvd.delay <= 15);
		if (ra.pvd.has_ra_header)
			check_header(&ra.pvd.ra_header);
		check_options(&ra.pvd.options);
	} else {
		CHECK(ndisc_test_pvd_empty(&ra.pvd));
	}

	/* Same input, same result, whatever the output held before. */
	memset(&again, 0x3c, sizeof(again));
	CHECK(ndisc_parse_ra(msg, len, src, hop, 42, &again, &reason2) == 0);
	CHECK(ndisc_test_ra_eq(&ra, &again));

	return 0;
}
