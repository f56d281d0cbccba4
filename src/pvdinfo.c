/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Validation of PvD Additional Information (RFC 8801 §4.3, §4.4).  Pure.
 *
 * Rules
 * =====
 *  - The body is one JSON object (RFC 8801 §4.1 "a file containing a single
 *    JSON object"), strict JSON (json-c's JSON_TOKENER_STRICT), UTF-8, at
 *    most PVDINFO_BODY_MAX octets, nothing but white space after it, no NUL.
 *  - Duplicate member names anywhere in it make it invalid: RFC 8259 §4 says
 *    only that names "SHOULD be unique", and json-c keeps the last silently,
 *    so two readers could disagree on what the network said.  They are found
 *    by counting: the text's name separators (':' outside strings) against
 *    the members of the parsed tree.  A duplicate drops at least one member
 *    from the tree, so the counts are equal exactly when there is none.
 *  - Mandatory keys (§4.3): "identifier" (string, equal to the PvD ID ignoring
 *    case and one trailing dot), "expires" (string, RFC 3339 date-time, any
 *    offset, any fraction), "prefixes" (array of IPv6 prefix strings).
 *    §4.1: "A retrieved object including an expiration time that is already
 *    past or missing a mandatory element MUST be ignored": missing, of the
 *    wrong type or malformed → invalid; "expires" not strictly after now →
 *    invalid.
 *  - Optional keys, checked when present, wrong type → invalid: "noInternet"
 *    (a JSON boolean only; the string "true" is invalid), "dnsZones" (array of
 *    names under the DNSSL rules of src/ndisc.c: LDH labels of 1..63, 253 in
 *    all, one trailing dot allowed), "splitDnsClaims" (RFC 9704: array of such
 *    names), "proxies" (draft-ietf-intarea-proxy-config: array of objects each
 *    with string "protocol" and "proxy").  Unknown keys are ignored: kept
 *    in the JSON text for clients, never interpreted here.
 *  - No array is truncated: over its cap (PVDINFO_*_MAX) the object is invalid.
 *  - §4.4 (misconfiguration): the prefixes the RAs of the PvD advertise must
 *    all be within its "prefixes" array, else the information is not to be
 *    trusted (paraphrased): every PIO prefix of the PvD must lie
 *    bit-for-bit inside one of "prefixes" (same or shorter length, equal
 *    leading bits); otherwise the object is MISCONFIGURED and not used.
 *  - Reasons name keys and indexes, never text from the network.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pvdinfo.h"

#define JSON_DEPTH_MAX	16
#define DATE_TIME_MAX	64	/* longest "expires" accepted, fraction included */

/* ---- states ---- */

static const char *const state_names[_PVDINFO_STATE_MAX] = {
	[PVDINFO_NONE] = "none",
	[PVDINFO_PENDING] = "pending",
	[PVDINFO_VALID] = "valid",
	[PVDINFO_INVALID] = "invalid",
	[PVDINFO_MISCONFIGURED] = "misconfigured",
};

const char *pvdinfo_state_to_string(enum pvdinfo_state state)
{
	if ((unsigned)state >= _PVDINFO_STATE_MAX)
		return NULL;
	return state_names[state];
}

void pvdinfo_state_text(const struct pvdinfo *i, char *buf, size_t size)
{
	switch (i->state) {
	case PVDINFO_INVALID:
	case PVDINFO_MISCONFIGURED:
		snprintf(buf, size, "%s: %s", state_names[i->state], i->reason);
		return;
	case PVDINFO_NONE:
	case PVDINFO_PENDING:
	case PVDINFO_VALID:
	case _PVDINFO_STATE_MAX:
		break;
	}
	snprintf(buf, size, "%s", pvdinfo_state_to_string(i->state) ?: "none");
}

void pvdinfo_clear(struct pvdinfo *i)
{
	free(i->json);
	free(i->dns_zones);
	*i = (struct pvdinfo) { .state = PVDINFO_NONE };
}

void pvdinfo_set(struct pvdinfo *i, enum pvdinfo_state state, const char *fmt, ...)
{
	va_list ap;

	assert(state != PVDINFO_VALID);
	pvdinfo_clear(i);
	i->state = state;
	va_start(ap, fmt);
	vsnprintf(i->reason, sizeof(i->reason), fmt, ap);
	va_end(ap);
}

void pvdinfo_move(struct pvdinfo *dst, struct pvdinfo *src)
{
	pvdinfo_clear(dst);
	*dst = *src;
	*src = (struct pvdinfo) { .state = PVDINFO_NONE };
}

/* ---- RFC 3339 ---- */

static bool digits(const char *s, size_t n, int *ret)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*ret = v;
	return true;
}

static bool leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/*
 * RFC 3339 §5.6:
 *   date-time = full-date "T" full-time
 *   full-date = date-fullyear "-" date-month "-" date-mday
 *   full-time = partial-time time-offset
 *   partial-time = time-hour ":" time-minute ":" time-second [time-secfrac]
 *   time-offset = "Z" / ("+" / "-") time-hour ":" time-minute
 * "T" and "Z" may be lowercase (§5.6 NOTE).  A leap second (:60) is read as
 * the first second of the next minute.
 */
int pvdinfo_parse_date_time(const char *text, int64_t *ret_sec, long *ret_nsec)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int year, mon, mday, hour, min, sec, oh = 0, om = 0, sign = 0;
	size_t len = strlen(text), off = 19;
	long nsec = 0;
	int64_t t;

	if (len < 20 || len > DATE_TIME_MAX)
		return -EINVAL;
	if (!digits(text, 4, &year) || text[4] != '-' || !digits(text + 5, 2, &mon) || text[7] != '-' ||
	    !digits(text + 8, 2, &mday) || (text[10] != 'T' && text[10] != 't') ||
	    !digits(text + 11, 2, &hour) || text[13] != ':' || !digits(text + 14, 2, &min) ||
	    text[16] != ':' || !digits(text + 17, 2, &sec))
		return -EINVAL;
	if (mon < 1 || mon > 12 || mday < 1 ||
	    mday > mdays[mon - 1] + (mon == 2 && leap_year(year)) || hour > 23 || min > 59 || sec > 60)
		return -EINVAL;
	if (text[off] == '.') {
		size_t n = 0;

		for (off++; text[off] >= '0' && text[off] <= '9'; off++, n++)
			if (n < 9)
				nsec = nsec * 10 + (text[off] - '0');
		if (n == 0)
			return -EINVAL;
		for (; n < 9; n++)
			nsec *= 10;
	}
	if ((text[off] == 'Z' || text[off] == 'z') && text[off + 1] == '\0') {
		sign = 0;
	} else if (text[off] == '+' || text[off] == '-') {
		sign = text[off] == '+' ? 1 : -1;
		if (strlen(text + off) != 6 || !digits(text + off + 1, 2, &oh) || text[off + 3] != ':' ||
		    !digits(text + off + 4, 2, &om) || oh > 23 || om > 59)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	t = days_from_civil(year, mon, mday) * 86400 + hour * 3600 + min * 60 + sec;
	/* local time = UTC + offset */
	t -= sign * (oh * 3600 + om * 60);
	*ret_sec = t;
	*ret_nsec = nsec;
	return 0;
}

/* ---- names and prefixes ---- */

/* A name under the DNSSL rules (src/ndisc.c "Names"), in text form: LDH
 * labels of 1..63 octets, not starting or ending with a hyphen, at most 253
 * octets, one trailing dot allowed.  Lowercased into @out. */
static bool name_normalise(const char *in, size_t len, char out[NDISC_NAME_MAX + 1])
{
	size_t label = 0;

	if (len > 0 && in[len - 1] == '.')
		len--;
	if (len == 0 || len > NDISC_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = in[i];

		if (c == '.') {
			if (label == 0 || in[i - 1] == '-')
				return false;
			label = 0;
			out[i] = c;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
			return false;
		if ((c == '-' && label == 0) || ++label > 63)
			return false;
		out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	if (in[len - 1] == '-')
		return false;
	out[len] = '\0';
	return true;
}

/* "2001:db8::/48": an IPv6 address, "/", a length 0..128 in decimal without
 * leading zeros, and no bit set past the length. */
static bool prefix_parse(const char *text, size_t len, struct pvdinfo_prefix *ret)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash = memchr(text, '/', len);
	size_t alen, llen;
	int plen;

	if (!slash)
		return false;
	alen = (size_t)(slash - text);
	llen = len - alen - 1;
	if (alen == 0 || alen >= sizeof(addr) || llen == 0 || llen > 3 || (llen > 1 && slash[1] == '0') ||
	    !digits(slash + 1, llen, &plen) || plen > 128)
		return false;
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET6, addr, &ret->addr) != 1)
		return false;
	ret->plen = (uint8_t)plen;
	for (int b = plen; b < 128; b++)
		if (ret->addr.s6_addr[b / 8] & (0x80 >> (b % 8)))
			return false;
	return true;
}

/* Is @inner (a PIO) inside @outer bit for bit? */
static bool prefix_covers(const struct pvdinfo_prefix *outer, const struct pvdinfo_prefix *inner)
{
	int bytes = outer->plen / 8, bits = outer->plen % 8;

	if (outer->plen > inner->plen)
		return false;
	if (memcmp(outer->addr.s6_addr, inner->addr.s6_addr, (size_t)bytes) != 0)
		return false;
	if (bits == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - bits));
	return (outer->addr.s6_addr[bytes] & mask) == (inner->addr.s6_addr[bytes] & mask);
}

/* ---- JSON ---- */

/* Name separators in the text: ':' outside strings (JSON already valid). */
static size_t text_members(const char *s, size_t len)
{
	bool in_string = false;
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		if (in_string) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				in_string = false;
		} else if (s[i] == '"') {
			in_string = true;
		} else if (s[i] == ':') {
			n++;
		}
	}
	return n;
}

/* Members of every object in the tree (bounded by JSON_DEPTH_MAX). */
static size_t tree_members(struct json_object *o)
{
	size_t n = 0;

	switch (json_object_get_type(o)) {
	case json_type_object: {
		json_object_object_foreach(o, key, val) {
			(void)key;
			n += 1 + tree_members(val);
		}
		return n;
	}
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(o); i++)
			n += tree_members(json_object_array_get_idx(o, i));
		return n;
	case json_type_null:
	case json_type_boolean:
	case json_type_double:
	case json_type_int:
	case json_type_string:
		break;
	}
	return 0;
}

/* A string without NUL inside (json-c strings may hold \u0000). */
static const char *string_of(struct json_object *o, size_t *ret_len)
{
	const char *s;
	size_t n;

	if (!json_object_is_type(o, json_type_string))
		return NULL;
	s = json_object_get_string(o);
	n = (size_t)json_object_get_string_len(o);
	if (strlen(s) != n)
		return NULL;
	if (ret_len)
		*ret_len = n;
	return s;
}

/* Validate a name array; zones out only when @ret_names. */
static int names_check(struct pvdinfo *res, struct json_object *arr, const char *key,
		       char (**ret_names)[NDISC_NAME_MAX + 1], size_t *ret_n)
{
	char name[NDISC_NAME_MAX + 1];
	size_t n;

	if (!json_object_is_type(arr, json_type_array)) {
		pvdinfo_set(res, PVDINFO_INVALID, "\"%s\" is not an array", key);
		return -EINVAL;
	}
	n = json_object_array_length(arr);
	if (n > PVDINFO_NAMES_MAX) {
		pvdinfo_set(res, PVDINFO_INVALID, "\"%s\" has %zu entries, more than %d", key, n, PVDINFO_NAMES_MAX);
		return -EINVAL;
	}
	if (ret_names) {
		*ret_names = n ? calloc(n, sizeof(**ret_names)) : NULL;
		if (n && !*ret_names)
			return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		size_t len;
		const char *s = string_of(json_object_array_get_idx(arr, i), &len);

		if (!s) {
			pvdinfo_set(res, PVDINFO_INVALID, "\"%s\"[%zu] is not a string", key, i);
			return -EINVAL;
		}
		if (!name_normalise(s, len, name)) {
			pvdinfo_set(res, PVDINFO_INVALID, "\"%s\"[%zu] is not a domain name", key, i);
			return -EINVAL;
		}
		if (ret_names)
			memcpy((*ret_names)[i], name, sizeof(name));
	}
	if (ret_n)
		*ret_n = n;
	return 0;
}

static int proxies_check(struct pvdinfo *res, struct json_object *arr)
{
	size_t n;

	if (!json_object_is_type(arr, json_type_array)) {
		pvdinfo_set(res, PVDINFO_INVALID, "\"proxies\" is not an array");
		return -EINVAL;
	}
	n = json_object_array_length(arr);
	if (n > PVDINFO_PROXIES_MAX) {
		pvdinfo_set(res, PVDINFO_INVALID, "\"proxies\" has %zu entries, more than %d", n,
			    PVDINFO_PROXIES_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(arr, i), *v;

		if (!json_object_is_type(p, json_type_object)) {
			pvdinfo_set(res, PVDINFO_INVALID, "\"proxies\"[%zu] is not an object", i);
			return -EINVAL;
		}
		if (!json_object_object_get_ex(p, "protocol", &v) || !string_of(v, NULL) ||
		    !json_object_object_get_ex(p, "proxy", &v) || !string_of(v, NULL)) {
			pvdinfo_set(res, PVDINFO_INVALID, "\"proxies\"[%zu] lacks string \"protocol\" and \"proxy\"",
				    i);
			return -EINVAL;
		}
	}
	return 0;
}

static int prefixes_check(struct pvdinfo *res, struct json_object *arr, const struct pvdinfo_prefix *pios,
			  size_t n_pios)
{
	struct pvdinfo_prefix have[PVDINFO_PREFIXES_MAX];
	char a[INET6_ADDRSTRLEN];
	size_t n;

	if (!json_object_is_type(arr, json_type_array)) {
		pvdinfo_set(res, PVDINFO_INVALID, "\"prefixes\" is not an array");
		return -EINVAL;
	}
	n = json_object_array_length(arr);
	if (n > PVDINFO_PREFIXES_MAX) {
		pvdinfo_set(res, PVDINFO_INVALID, "\"prefixes\" has %zu entries, more than %d", n,
			    PVDINFO_PREFIXES_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		size_t len;
		const char *s = string_of(json_object_array_get_idx(arr, i), &len);

		if (!s) {
			pvdinfo_set(res, PVDINFO_INVALID, "\"prefixes\"[%zu] is not a string", i);
			return -EINVAL;
		}
		if (!prefix_parse(s, len, &have[i])) {
			pvdinfo_set(res, PVDINFO_INVALID, "\"prefixes\"[%zu] is not an IPv6 prefix", i);
			return -EINVAL;
		}
	}
	/* Checked last: a misconfiguration is an otherwise valid object. */
	for (size_t p = 0; p < n_pios; p++) {
		bool covered = false;

		for (size_t i = 0; i < n && !covered; i++)
			covered = prefix_covers(&have[i], &pios[p]);
		if (!covered) {
			/* the PIO is ours (the parser's), not network text */
			pvdinfo_set(res, PVDINFO_MISCONFIGURED, "PIO %s/%u is not in \"prefixes\"",
				    inet_ntop(AF_INET6, &pios[p].addr, a, sizeof(a)), pios[p].plen);
			return -EINVAL;
		}
	}
	return 0;
}

/* The checks on a parsed object; 0 valid, -EINVAL with res set, -ENOMEM. */
static int object_check(struct pvdinfo *res, struct json_object *obj, const char *pvd_id,
			const struct pvdinfo_prefix *pios, size_t n_pios, const struct timespec *now)
{
	struct json_object *v, *prefixes;
	const char *s;
	size_t len;
	int64_t sec;
	long nsec;
	int r;

	/* Types of the optional keys first, so that a wrong type is reported
	 * whatever else is wrong. */
	if (json_object_object_get_ex(obj, "noInternet", &v)) {
		if (!json_object_is_type(v, json_type_boolean)) {
			pvdinfo_set(res, PVDINFO_INVALID, "\"noInternet\" is not a boolean");
			return -EINVAL;
		}
		res->no_internet = json_object_get_boolean(v);
	}
	if (json_object_object_get_ex(obj, "dnsZones", &v)) {
		r = names_check(res, v, "dnsZones", &res->dns_zones, &res->n_dns_zones);
		if (r < 0)
			return r;
	}
	if (json_object_object_get_ex(obj, "splitDnsClaims", &v)) {
		r = names_check(res, v, "splitDnsClaims", NULL, NULL);
		if (r < 0)
			return r;
	}
	if (json_object_object_get_ex(obj, "proxies", &v)) {
		r = proxies_check(res, v);
		if (r < 0)
			return r;
	}

	/* §4.3 "identifier": "PvD ID FQDN"; compared ignoring case (§3.4) and
	 * one trailing dot. */
	if (!json_object_object_get_ex(obj, "identifier", &v)) {
		pvdinfo_set(res, PVDINFO_INVALID, "\"identifier\" is missing");
		return -EINVAL;
	}
	s = string_of(v, &len);
	if (!s) {
		pvdinfo_set(res, PVDINFO_INVALID, "\"identifier\" is not a string");
		return -EINVAL;
	}
	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len != strlen(pvd_id) || strncasecmp(s, pvd_id, len) != 0) {
		pvdinfo_set(res, PVDINFO_INVALID, "\"identifier\" is not the PvD ID");
		return -EINVAL;
	}

	/* §4.3 "expires": "Date after which this object is no longer valid". */
	if (!json_object_object_get_ex(obj, "expires", &v)) {
		pvdinfo_set(res, PVDINFO_INVALID, "\"expires\" is missing");
		return -EINVAL;
	}
	s = string_of(v, NULL);
	if (!s) {
		pvdinfo_set(res, PVDINFO_INVALID, "\"expires\" is not a string");
		return -EINVAL;
	}
	if (pvdinfo_parse_date_time(s, &sec, &nsec) < 0) {
		pvdinfo_set(res, PVDINFO_INVALID, "\"expires\" is not an RFC 3339 date-time");
		return -EINVAL;
	}
	if (sec < now->tv_sec || (sec == now->tv_sec && nsec <= now->tv_nsec)) {
		pvdinfo_set(res, PVDINFO_INVALID, "\"expires\" is not in the future");
		return -EINVAL;
	}

	/* §4.3 "prefixes": "Array of IPv6 prefixes valid for this PvD". */
	if (!json_object_object_get_ex(obj, "prefixes", &prefixes)) {
		pvdinfo_set(res, PVDINFO_INVALID, "\"prefixes\" is missing");
		return -EINVAL;
	}
	r = prefixes_check(res, prefixes, pios, n_pios);
	if (r < 0)
		return r;

	res->expires = sec;
	res->expires_ms = sec * 1000 + nsec / 1000000;
	return 0;
}

int pvdinfo_validate(const char *body, size_t len, const char *pvd_id, const struct pvdinfo_prefix *pios,
		     size_t n_pios, const struct timespec *now, struct pvdinfo *ret)
{
	struct pvdinfo res = { .state = PVDINFO_INVALID };
	struct json_tokener *tok = NULL;
	struct json_object *obj = NULL;
	enum json_tokener_error jerr;
	size_t end;
	const char *text;
	int r = 0;

	assert(body || len == 0);
	assert(pvd_id && now && ret);
	pvdinfo_clear(ret);

	if (len > PVDINFO_BODY_MAX) {
		pvdinfo_set(&res, PVDINFO_INVALID, "body is larger than %d octets", PVDINFO_BODY_MAX);
		goto out;
	}
	if (len == 0 || memchr(body, '\0', len)) {
		pvdinfo_set(&res, PVDINFO_INVALID, len ? "body holds a NUL octet" : "body is empty");
		goto out;
	}
	tok = json_tokener_new_ex(JSON_DEPTH_MAX);
	if (!tok) {
		r = -ENOMEM;
		goto out;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, body, (int)len);
	jerr = json_tokener_get_error(tok);
	if (!obj || jerr != json_tokener_success) {
		pvdinfo_set(&res, PVDINFO_INVALID, "not JSON: %s",
			    jerr == json_tokener_continue ? "unexpected end" : json_tokener_error_desc(jerr));
		goto out;
	}
	end = json_tokener_get_parse_end(tok);
	for (size_t i = end; i < len; i++)
		if (!strchr(" \t\r\n", body[i])) {
			pvdinfo_set(&res, PVDINFO_INVALID, "more than one JSON value");
			goto out;
		}
	if (!json_object_is_type(obj, json_type_object)) {
		pvdinfo_set(&res, PVDINFO_INVALID, "not a JSON object");
		goto out;
	}
	if (text_members(body, end) != tree_members(obj)) {
		pvdinfo_set(&res, PVDINFO_INVALID, "duplicate member names");
		goto out;
	}
	r = object_check(&res, obj, pvd_id, pios, n_pios, now);
	if (r == -EINVAL) {
		r = 0;
		goto out;
	}
	if (r < 0)
		goto out;
	text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	res.json = text ? strdup(text) : NULL;
	if (!res.json) {
		r = -ENOMEM;
		goto out;
	}
	res.state = PVDINFO_VALID;
	res.reason[0] = '\0';
out:
	json_object_put(obj);
	if (tok)
		json_tokener_free(tok);
	if (r < 0) {
		pvdinfo_clear(&res);
		return r;
	}
	*ret = res;
	return 0;
}
