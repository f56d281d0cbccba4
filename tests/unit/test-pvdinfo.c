/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the PvD Additional Information validator (RFC 8801 §4.3,
 * §4.4): every object is written out here as JSON text; the wall-clock time
 * is fixed at 2026-06-01T12:00:00Z.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pvdinfo.h"
#include "tap.h"

#define NOW_SEC 1780315200	/* 2026-06-01T12:00:00Z */

static const struct timespec now = { .tv_sec = NOW_SEC, .tv_nsec = 500000000 };
static struct pvdinfo res;

static struct pvdinfo_prefix pfx(const char *a, uint8_t plen)
{
	struct pvdinfo_prefix p = { .plen = plen };

	inet_pton(AF_INET6, a, &p.addr);
	return p;
}

/* The PvD's PIOs in most cases: 2001:db8:1::/64. */
static struct pvdinfo_prefix pios[2];

static int check(const char *json, size_t n_pios)
{
	return pvdinfo_validate(json, strlen(json), "pvd.example.org", pios, n_pios, &now, &res);
}

static void expect(const char *what, const char *json, size_t n_pios, enum pvdinfo_state state,
		   const char *reason)
{
	char text[256];
	int r = check(json, n_pios);

	pvdinfo_state_text(&res, text, sizeof(text));
	ok(r == 0 && res.state == state && (!reason || !strcmp(res.reason, reason)), "%s: \"%s\"", what, text);
	pvdinfo_clear(&res);
}

#define GOOD_HEAD "\"identifier\": \"pvd.example.org\", \"expires\": \"2026-06-02T00:00:00Z\""

static void test_valid(void)
{
	const char *json = "{ " GOOD_HEAD ", \"prefixes\": [\"2001:db8:1::/48\"], \"noInternet\": true,"
			   " \"dnsZones\": [\"Corp.Example.\", \"example.net\"], \"x-unknown\": {\"a\": [1, 2]} }";

	ok(check(json, 1) == 0 && res.state == PVDINFO_VALID, "valid object");
	CHECK(res.expires == NOW_SEC + 12 * 3600);
	CHECK(res.expires_ms == (int64_t)(NOW_SEC + 12 * 3600) * 1000);
	CHECK(res.no_internet);
	ok(res.n_dns_zones == 2 && !strcmp(res.dns_zones[0], "corp.example") &&
	   !strcmp(res.dns_zones[1], "example.net"), "dnsZones normalised");
	ok(res.json && strstr(res.json, "\"x-unknown\"") && strstr(res.json, "\"identifier\":\"pvd.example.org\""),
	   "unknown keys kept in the JSON text: %s", res.json ? res.json : "(null)");
	pvdinfo_clear(&res);
	CHECK(res.state == PVDINFO_NONE && !res.json && !res.dns_zones);

	expect("no PIO at all, empty prefixes", "{" GOOD_HEAD ", \"prefixes\": []}", 0, PVDINFO_VALID, NULL);
	expect("identifier upper case with trailing dot",
	       "{\"identifier\": \"PVD.Example.ORG.\", \"expires\": \"2026-06-02T00:00:00Z\", "
	       "\"prefixes\": [\"2001:db8:1::/64\"]}", 1, PVDINFO_VALID, NULL);
	expect("noInternet false", "{" GOOD_HEAD ", \"prefixes\": [\"2001:db8::/32\"], \"noInternet\": false}", 1,
	       PVDINFO_VALID, NULL);
	expect("splitDnsClaims and proxies",
	       "{" GOOD_HEAD ", \"prefixes\": [\"2001:db8::/32\"], \"splitDnsClaims\": [\"corp.example\"],"
	       " \"proxies\": [{\"protocol\": \"http-connect\", \"proxy\": \"proxy.example.org:80\","
	       " \"matchDomains\": [\"*.example\"]}]}", 1, PVDINFO_VALID, NULL);
	expect("white space after the object", "{" GOOD_HEAD ", \"prefixes\": []} \r\n\t", 0, PVDINFO_VALID,
	       NULL);
	expect("':' inside strings is not a member",
	       "{" GOOD_HEAD ", \"prefixes\": [\"2001:db8::/32\"], \"x\": \"a:b\\\":c\"}", 1, PVDINFO_VALID, NULL);
}

static void test_mandatory(void)
{
	expect("identifier missing", "{\"expires\": \"2026-06-02T00:00:00Z\", \"prefixes\": []}", 0,
	       PVDINFO_INVALID, "\"identifier\" is missing");
	expect("identifier not a string", "{\"identifier\": 1, \"expires\": \"2026-06-02T00:00:00Z\", \"prefixes\": []}",
	       0, PVDINFO_INVALID, "\"identifier\" is not a string");
	expect("wrong identifier",
	       "{\"identifier\": \"other.example.org\", \"expires\": \"2026-06-02T00:00:00Z\", \"prefixes\": []}", 0,
	       PVDINFO_INVALID, "\"identifier\" is not the PvD ID");
	expect("identifier a suffix of the PvD ID",
	       "{\"identifier\": \"example.org\", \"expires\": \"2026-06-02T00:00:00Z\", \"prefixes\": []}", 0,
	       PVDINFO_INVALID, "\"identifier\" is not the PvD ID");
	expect("identifier with two trailing dots",
	       "{\"identifier\": \"pvd.example.org..\", \"expires\": \"2026-06-02T00:00:00Z\", \"prefixes\": []}", 0,
	       PVDINFO_INVALID, "\"identifier\" is not the PvD ID");
	expect("identifier with a NUL inside",
	       "{\"identifier\": \"pvd.example.org\\u0000x\", \"expires\": \"2026-06-02T00:00:00Z\", \"prefixes\": []}",
	       0, PVDINFO_INVALID, "\"identifier\" is not a string");
	expect("expires missing", "{\"identifier\": \"pvd.example.org\", \"prefixes\": []}", 0, PVDINFO_INVALID,
	       "\"expires\" is missing");
	expect("expires a number", "{\"identifier\": \"pvd.example.org\", \"expires\": 1780315300, \"prefixes\": []}",
	       0, PVDINFO_INVALID, "\"expires\" is not a string");
	expect("expires in the past",
	       "{\"identifier\": \"pvd.example.org\", \"expires\": \"2026-06-01T11:59:59Z\", \"prefixes\": []}", 0,
	       PVDINFO_INVALID, "\"expires\" is not in the future");
	expect("expires exactly now",
	       "{\"identifier\": \"pvd.example.org\", \"expires\": \"2026-06-01T12:00:00.5Z\", \"prefixes\": []}", 0,
	       PVDINFO_INVALID, "\"expires\" is not in the future");
	expect("expires a millisecond after now",
	       "{\"identifier\": \"pvd.example.org\", \"expires\": \"2026-06-01T12:00:00.501Z\", \"prefixes\": []}", 0,
	       PVDINFO_VALID, NULL);
	expect("expires with offset and fraction, in the future",
	       "{\"identifier\": \"pvd.example.org\", \"expires\": \"2026-06-01T14:30:00.25+02:00\", \"prefixes\": []}",
	       0, PVDINFO_VALID, NULL);
	expect("expires with a negative offset, in the past",
	       "{\"identifier\": \"pvd.example.org\", \"expires\": \"2026-06-01T06:59:59.999-05:00\", \"prefixes\": []}",
	       0, PVDINFO_INVALID, "\"expires\" is not in the future");
	expect("expires without offset",
	       "{\"identifier\": \"pvd.example.org\", \"expires\": \"2026-06-02T00:00:00\", \"prefixes\": []}", 0,
	       PVDINFO_INVALID, "\"expires\" is not an RFC 3339 date-time");
	expect("expires a date only",
	       "{\"identifier\": \"pvd.example.org\", \"expires\": \"2026-06-02\", \"prefixes\": []}", 0,
	       PVDINFO_INVALID, "\"expires\" is not an RFC 3339 date-time");
	expect("prefixes missing", "{" GOOD_HEAD "}", 0, PVDINFO_INVALID, "\"prefixes\" is missing");
	expect("prefixes a string", "{" GOOD_HEAD ", \"prefixes\": \"2001:db8::/32\"}", 0, PVDINFO_INVALID,
	       "\"prefixes\" is not an array");
	expect("prefixes entry a number", "{" GOOD_HEAD ", \"prefixes\": [32]}", 0, PVDINFO_INVALID,
	       "\"prefixes\"[0] is not a string");
	expect("prefixes entry IPv4", "{" GOOD_HEAD ", \"prefixes\": [\"192.0.2.0/24\"]}", 0, PVDINFO_INVALID,
	       "\"prefixes\"[0] is not an IPv6 prefix");
	expect("prefixes entry without length", "{" GOOD_HEAD ", \"prefixes\": [\"2001:db8::\"]}", 0,
	       PVDINFO_INVALID, "\"prefixes\"[0] is not an IPv6 prefix");
	expect("prefixes entry /129", "{" GOOD_HEAD ", \"prefixes\": [\"2001:db8::/129\"]}", 0, PVDINFO_INVALID,
	       "\"prefixes\"[0] is not an IPv6 prefix");
	expect("prefixes entry /032", "{" GOOD_HEAD ", \"prefixes\": [\"2001:db8::/032\"]}", 0, PVDINFO_INVALID,
	       "\"prefixes\"[0] is not an IPv6 prefix");
	expect("prefixes entry with bits past its length", "{" GOOD_HEAD ", \"prefixes\": [\"2001:db8::1/64\"]}", 0,
	       PVDINFO_INVALID, "\"prefixes\"[0] is not an IPv6 prefix");
}

static void test_coverage(void)
{
	expect("PIO covered by a /64 equal to it", "{" GOOD_HEAD ", \"prefixes\": [\"2001:db8:1::/64\"]}", 1,
	       PVDINFO_VALID, NULL);
	expect("PIO covered by ::/0", "{" GOOD_HEAD ", \"prefixes\": [\"::/0\"]}", 1, PVDINFO_VALID, NULL);
	expect("PIO not covered", "{" GOOD_HEAD ", \"prefixes\": [\"2001:db8:2::/48\"]}", 1, PVDINFO_MISCONFIGURED,
	       "PIO 2001:db8:1::/64 is not in \"prefixes\"");
	expect("PIO longer than the listed prefix only", "{" GOOD_HEAD ", \"prefixes\": [\"2001:db8:1::/80\"]}", 1,
	       PVDINFO_MISCONFIGURED, "PIO 2001:db8:1::/64 is not in \"prefixes\"");
	/* 2001:db8:1:: has bit 47 set: 2001:db8::/48 misses it, /47 covers it. */
	expect("one bit off at a non-octet boundary", "{" GOOD_HEAD ", \"prefixes\": [\"2001:db8::/48\"]}", 1,
	       PVDINFO_MISCONFIGURED, "PIO 2001:db8:1::/64 is not in \"prefixes\"");
	expect("non-octet boundary that covers", "{" GOOD_HEAD ", \"prefixes\": [\"2001:db8::/47\"]}", 1,
	       PVDINFO_VALID, NULL);
	expect("second PIO not covered", "{" GOOD_HEAD ", \"prefixes\": [\"2001:db8:1::/48\"]}", 2,
	       PVDINFO_MISCONFIGURED, "PIO 2001:db8:aaaa::/64 is not in \"prefixes\"");
	expect("both PIOs covered by two prefixes",
	       "{" GOOD_HEAD ", \"prefixes\": [\"2001:db8:aaaa::/64\", \"2001:db8:1::/48\"]}", 2, PVDINFO_VALID, NULL);
	expect("a bad field beats a misconfiguration",
	       "{" GOOD_HEAD ", \"prefixes\": [\"2001:db8:2::/48\"], \"noInternet\": \"true\"}", 1, PVDINFO_INVALID,
	       "\"noInternet\" is not a boolean");
}

static void test_optional(void)
{
	expect("noInternet the string \"true\"", "{" GOOD_HEAD ", \"prefixes\": [], \"noInternet\": \"true\"}", 0,
	       PVDINFO_INVALID, "\"noInternet\" is not a boolean");
	expect("noInternet 1", "{" GOOD_HEAD ", \"prefixes\": [], \"noInternet\": 1}", 0, PVDINFO_INVALID,
	       "\"noInternet\" is not a boolean");
	expect("noInternet null", "{" GOOD_HEAD ", \"prefixes\": [], \"noInternet\": null}", 0, PVDINFO_INVALID,
	       "\"noInternet\" is not a boolean");
	expect("dnsZones a string", "{" GOOD_HEAD ", \"prefixes\": [], \"dnsZones\": \"example.com\"}", 0,
	       PVDINFO_INVALID, "\"dnsZones\" is not an array");
	expect("dnsZones with a shell name", "{" GOOD_HEAD ", \"prefixes\": [], \"dnsZones\": [\"a.com\", \"$(reboot)\"]}",
	       0, PVDINFO_INVALID, "\"dnsZones\"[1] is not a domain name");
	expect("dnsZones with a space", "{" GOOD_HEAD ", \"prefixes\": [], \"dnsZones\": [\"a b.com\"]}", 0,
	       PVDINFO_INVALID, "\"dnsZones\"[0] is not a domain name");
	expect("dnsZones with a newline", "{" GOOD_HEAD ", \"prefixes\": [], \"dnsZones\": [\"a.com\\nnameserver x\"]}",
	       0, PVDINFO_INVALID, "\"dnsZones\"[0] is not a domain name");
	expect("dnsZones empty label", "{" GOOD_HEAD ", \"prefixes\": [], \"dnsZones\": [\"a..com\"]}", 0,
	       PVDINFO_INVALID, "\"dnsZones\"[0] is not a domain name");
	expect("dnsZones leading hyphen", "{" GOOD_HEAD ", \"prefixes\": [], \"dnsZones\": [\"-a.com\"]}", 0,
	       PVDINFO_INVALID, "\"dnsZones\"[0] is not a domain name");
	expect("dnsZones trailing hyphen", "{" GOOD_HEAD ", \"prefixes\": [], \"dnsZones\": [\"a-.com\"]}", 0,
	       PVDINFO_INVALID, "\"dnsZones\"[0] is not a domain name");
	expect("dnsZones \".\"", "{" GOOD_HEAD ", \"prefixes\": [], \"dnsZones\": [\".\"]}", 0, PVDINFO_INVALID,
	       "\"dnsZones\"[0] is not a domain name");
	expect("dnsZones a number", "{" GOOD_HEAD ", \"prefixes\": [], \"dnsZones\": [7]}", 0, PVDINFO_INVALID,
	       "\"dnsZones\"[0] is not a string");
	expect("splitDnsClaims an object", "{" GOOD_HEAD ", \"prefixes\": [], \"splitDnsClaims\": {}}", 0,
	       PVDINFO_INVALID, "\"splitDnsClaims\" is not an array");
	expect("proxies entry without proxy", "{" GOOD_HEAD ", \"prefixes\": [], \"proxies\": [{\"protocol\": \"x\"}]}",
	       0, PVDINFO_INVALID, "\"proxies\"[0] lacks string \"protocol\" and \"proxy\"");
	expect("proxies entry a string", "{" GOOD_HEAD ", \"prefixes\": [], \"proxies\": [\"x\"]}", 0,
	       PVDINFO_INVALID, "\"proxies\"[0] is not an object");
}

/* Arrays over their caps are refused whole, never cut. */
static void test_caps(void)
{
	char buf[8192];
	size_t n;

	n = (size_t)snprintf(buf, sizeof(buf), "{" GOOD_HEAD ", \"prefixes\": [");
	for (int i = 0; i <= PVDINFO_PREFIXES_MAX; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s\"2001:db8:%x::/48\"", i ? ", " : "", i);
	snprintf(buf + n, sizeof(buf) - n, "]}");
	expect("65 prefixes", buf, 0, PVDINFO_INVALID, "\"prefixes\" has 65 entries, more than 64");

	n = (size_t)snprintf(buf, sizeof(buf), "{" GOOD_HEAD ", \"prefixes\": [], \"dnsZones\": [");
	for (int i = 0; i <= PVDINFO_NAMES_MAX; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s\"z%d.example\"", i ? ", " : "", i);
	snprintf(buf + n, sizeof(buf) - n, "]}");
	expect("33 dnsZones", buf, 0, PVDINFO_INVALID, "\"dnsZones\" has 33 entries, more than 32");
}

static void test_json(void)
{
	char *big;
	int r;

	expect("duplicate key at the top", "{" GOOD_HEAD ", \"prefixes\": [], \"prefixes\": [\"::/0\"]}", 1,
	       PVDINFO_INVALID, "duplicate member names");
	expect("duplicate identifier, the last one right",
	       "{\"identifier\": \"evil.example\", " GOOD_HEAD ", \"prefixes\": []}", 0, PVDINFO_INVALID,
	       "duplicate member names");
	expect("duplicate key, one spelt with an escape",
	       "{" GOOD_HEAD ", \"prefixes\": [], \"noInternet\": true, \"noIntern\\u0065t\": false}", 0,
	       PVDINFO_INVALID, "duplicate member names");
	expect("duplicate key in a nested object",
	       "{" GOOD_HEAD ", \"prefixes\": [], \"x\": [{\"a\": 1, \"a\": 2}]}", 0, PVDINFO_INVALID,
	       "duplicate member names");
	expect("not an object", "[1, 2]", 0, PVDINFO_INVALID, "not a JSON object");
	expect("two objects", "{" GOOD_HEAD ", \"prefixes\": []} {}", 0, PVDINFO_INVALID, NULL);
	expect("garbage after the object", "{" GOOD_HEAD ", \"prefixes\": []} x", 0, PVDINFO_INVALID, NULL);
	expect("truncated", "{" GOOD_HEAD ", \"prefixes\": [", 0, PVDINFO_INVALID, "not JSON: unexpected end");
	expect("trailing comma (strict JSON)", "{" GOOD_HEAD ", \"prefixes\": [],}", 0, PVDINFO_INVALID, NULL);
	expect("single quotes (strict JSON)", "{'identifier': 'pvd.example.org'}", 0, PVDINFO_INVALID, NULL);
	expect("invalid UTF-8", "{" GOOD_HEAD ", \"prefixes\": [], \"x\": \"\xff\xfe\"}", 0, PVDINFO_INVALID, NULL);
	expect("empty body", "", 0, PVDINFO_INVALID, "body is empty");
	r = pvdinfo_validate("{\"a\":1}\0{}", 10, "pvd.example.org", pios, 0, &now, &res);
	ok(r == 0 && res.state == PVDINFO_INVALID && !strcmp(res.reason, "body holds a NUL octet"), "NUL in body");
	pvdinfo_clear(&res);

	/* A valid object padded with white space past 64 KiB. */
	big = malloc(PVDINFO_BODY_MAX + 2);
	if (!big)
		abort();
	memset(big, ' ', PVDINFO_BODY_MAX + 1);
	memcpy(big, "{" GOOD_HEAD ", \"prefixes\": []}", strlen("{" GOOD_HEAD ", \"prefixes\": []}"));
	r = pvdinfo_validate(big, PVDINFO_BODY_MAX + 1, "pvd.example.org", pios, 0, &now, &res);
	ok(r == 0 && res.state == PVDINFO_INVALID && !strcmp(res.reason, "body is larger than 65536 octets"),
	   "oversized body: %s", res.reason);
	pvdinfo_clear(&res);
	r = pvdinfo_validate(big, PVDINFO_BODY_MAX, "pvd.example.org", pios, 0, &now, &res);
	ok(r == 0 && res.state == PVDINFO_VALID, "exactly 64 KiB is fine");
	pvdinfo_clear(&res);
	free(big);

	/* Nesting deeper than the parser allows is refused, not recursed into. */
	char deep[200];
	memset(deep, '[', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = '\0';
	expect("deep nesting", deep, 0, PVDINFO_INVALID, NULL);
}

static void test_date_time(void)
{
	static const struct {
		const char *text;
		bool ok;
		int64_t sec;
		long nsec;
	} cases[] = {
		{ "1970-01-01T00:00:00Z", true, 0, 0 },
		{ "2026-06-01T12:00:00Z", true, NOW_SEC, 0 },
		{ "2026-06-01t12:00:00z", true, NOW_SEC, 0 },
		{ "2026-06-01T14:00:00+02:00", true, NOW_SEC, 0 },
		{ "2026-06-01T06:30:00-05:30", true, NOW_SEC, 0 },
		{ "2026-06-01T12:00:00-00:00", true, NOW_SEC, 0 },
		{ "2026-06-01T12:00:00.123456789123Z", true, NOW_SEC, 123456789 },
		{ "2026-06-01T12:00:00.1Z", true, NOW_SEC, 100000000 },
		{ "2028-02-29T00:00:00Z", true, 1835395200, 0 },
		{ "2000-02-29T00:00:00Z", true, 951782400, 0 },
		{ "2016-12-31T23:59:60Z", true, 1483228800, 0 },
		{ "2027-02-29T00:00:00Z", false, 0, 0 },
		{ "1900-02-29T00:00:00Z", false, 0, 0 },
		{ "2026-04-31T00:00:00Z", false, 0, 0 },
		{ "2026-13-01T00:00:00Z", false, 0, 0 },
		{ "2026-00-01T00:00:00Z", false, 0, 0 },
		{ "2026-06-01T24:00:00Z", false, 0, 0 },
		{ "2026-06-01T12:60:00Z", false, 0, 0 },
		{ "2026-06-01T12:00:61Z", false, 0, 0 },
		{ "2026-06-01T12:00:00.Z", false, 0, 0 },
		{ "2026-06-01T12:00:00+2:00", false, 0, 0 },
		{ "2026-06-01T12:00:00+02", false, 0, 0 },
		{ "2026-06-01T12:00:00+24:00", false, 0, 0 },
		{ "2026-06-01 12:00:00Z", false, 0, 0 },
		{ "2026-06-01T12:00Z", false, 0, 0 },
		{ "2026-6-01T12:00:00Z", false, 0, 0 },
		{ "+2026-06-01T12:00:00Z", false, 0, 0 },
		{ "2026-06-01T12:00:00ZZ", false, 0, 0 },
		{ "", false, 0, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t sec = -1;
		long nsec = -1;
		int r = pvdinfo_parse_date_time(cases[i].text, &sec, &nsec);

		if (cases[i].ok)
			ok(r == 0 && sec == cases[i].sec && nsec == cases[i].nsec, "\"%s\" = %lld.%09ld",
			   cases[i].text, (long long)sec, nsec);
		else
			ok(r == -EINVAL && sec == -1 && nsec == -1, "\"%s\" refused", cases[i].text);
	}
}

static void test_states(void)
{
	struct pvdinfo a = { .state = PVDINFO_NONE }, b = { .state = PVDINFO_NONE };
	char text[256];

	pvdinfo_set(&a, PVDINFO_INVALID, "HTTP status %d", 404);
	pvdinfo_state_text(&a, text, sizeof(text));
	ok(!strcmp(text, "invalid: HTTP status 404"), "%s", text);
	pvdinfo_move(&b, &a);
	CHECK(a.state == PVDINFO_NONE && b.state == PVDINFO_INVALID);
	pvdinfo_set(&b, PVDINFO_PENDING, "%s", "");
	pvdinfo_state_text(&b, text, sizeof(text));
	ok(!strcmp(text, "pending"), "%s", text);
	pvdinfo_clear(&b);
	pvdinfo_state_text(&b, text, sizeof(text));
	ok(!strcmp(text, "none"), "%s", text);
	for (int s = 0; s < _PVDINFO_STATE_MAX; s++)
		ok(pvdinfo_state_to_string(s) != NULL, "state %d has a name", s);
	CHECK(pvdinfo_state_to_string(_PVDINFO_STATE_MAX) == NULL);
}

int main(void)
{
	pios[0] = pfx("2001:db8:1::", 64);
	pios[1] = pfx("2001:db8:aaaa::", 64);
	test_valid();
	test_mandatory();
	test_coverage();
	test_optional();
	test_caps();
	test_json();
	test_date_time();
	test_states();
	return tap_done();
}
