/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pvd-vrfd.conf: "key = value" lines, '#' starts a comment line.  Every key
 * is known and every value checked; the first problem rejects the whole file
 * with "FILE:LINE: reason" and leaves the caller's configuration untouched.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "conf.h"

#define CONF_FILE_MAX (64 * 1024)

void conf_defaults(struct conf *ret)
{
	*ret = (struct conf) {
		.n_links = 1,
		.links = { "*" },
		.require_accept_ra = true,
		.table_min = 1000,
		.table_max = 1999,
		.implicit_pvds = true,
		.keep_on_exit = false,
		.subif_kind = CONF_SUBIF_IPVLAN,
		.adopt_grace = 30,
		.reconcile_delay_ms = 20,
		.carrier_loss_grace = 5,
		.log_level = LOG_INFO,
		.caps = {
			.pvds = 64, .pvds_per_link = 16, .routers = 8, .prefixes = 16,
			.routes = 64, .rdnss = 8, .dnssl = 8,
		},
		.state_dir = "/var/lib/pvd-vrfd",
		.run_dir = "/run/pvd",
		.additional_info = true,
		.additional_info_ca_file = "",
	};
}

const char *conf_subif_kind_to_string(enum conf_subif_kind kind)
{
	switch (kind) {
	case CONF_SUBIF_IPVLAN:
		return "ipvlan";
	case CONF_SUBIF_MACVLAN:
		return "macvlan";
	}
	return "?";
}

/* Each parser returns NULL or a reason; `value` is trimmed and non-empty. */
typedef const char *(*conf_value_parser)(const char *value, struct conf *c);

static const char *parse_uint(const char *value, unsigned min, unsigned max, unsigned *ret)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)value[0]))
		return "not a number";
	errno = 0;
	v = strtoul(value, &end, 10);
	if (*end || errno)
		return "not a number";
	if (v < min || v > max)
		return "out of range";
	*ret = v;
	return NULL;
}

static const char *parse_bool(const char *value, bool *ret)
{
	if (!strcmp(value, "yes") || !strcmp(value, "true") || !strcmp(value, "1"))
		*ret = true;
	else if (!strcmp(value, "no") || !strcmp(value, "false") || !strcmp(value, "0"))
		*ret = false;
	else
		return "expected yes or no";
	return NULL;
}

static const char *parse_links(const char *value, struct conf *c)
{
	char buf[CONF_MAX_LINKS * CONF_LINK_PATTERN_MAX * 2];
	char *save = NULL, *tok;

	if (strlen(value) >= sizeof(buf))
		return "too long";
	strcpy(buf, value);
	c->n_links = 0;
	for (tok = strtok_r(buf, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
		if (c->n_links == CONF_MAX_LINKS)
			return "too many link patterns (at most 32)";
		/* An interface name (IFNAMSIZ 16) plus glob characters; no '/'. */
		if (strlen(tok) >= 16)
			return "link pattern longer than 15 characters";
		for (const char *p = tok; *p; p++)
			if (!isalnum((unsigned char)*p) && !strchr("-_.:*?[]!", *p))
				return "link pattern has a character that cannot be in an interface name";
		strcpy(c->links[c->n_links++], tok);
	}
	return c->n_links ? NULL : "empty link list";
}

static const char *parse_table_range(const char *value, struct conf *c)
{
	unsigned a, b, n;
	char tail;

	if (sscanf(value, "%u-%u%n%c", &a, &b, &n, &tail) != 2 || value[n] != '\0')
		return "expected FIRST-LAST, e.g. 1000-1999";
	/* 253-255 are the kernel's default/main/local tables. */
	if (a < 1 || b >= 0xfffffff0u || a > b || (a <= 255 && b >= 253))
		return "table range must be ascending, above 0 and avoid 253-255";
	c->table_min = a;
	c->table_max = b;
	return NULL;
}

static const char *parse_log_level(const char *value, struct conf *c)
{
	static const struct { const char *name; int prio; } levels[] = {
		{ "err", LOG_ERR }, { "warning", LOG_WARNING }, { "notice", LOG_NOTICE },
		{ "info", LOG_INFO }, { "debug", LOG_DEBUG },
	};
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (!strcmp(value, levels[i].name)) {
			c->log_level = levels[i].prio;
			return NULL;
		}
	return "expected err, warning, notice, info or debug";
}

static const char *parse_subif_kind(const char *value, struct conf *c)
{
	if (!strcmp(value, "ipvlan"))
		c->subif_kind = CONF_SUBIF_IPVLAN;
	else if (!strcmp(value, "macvlan"))
		c->subif_kind = CONF_SUBIF_MACVLAN;
	else
		return "expected ipvlan or macvlan";
	return NULL;
}

static const char *parse_dir(const char *value, char *ret, size_t size)
{
	if (value[0] != '/')
		return "must be an absolute path";
	if (strlen(value) >= size)
		return "path too long";
	for (const char *p = value; *p; p++)
		if (!isgraph((unsigned char)*p))
			return "path has a blank or control character";
	for (const char *s = value; (s = strstr(s, "/..")); s += 3)
		if (s[3] == '/' || s[3] == '\0')
			return "path has a '..' component";
	strcpy(ret, value);
	return NULL;
}

#define BOOL_KEY(fn, field) \
	static const char *fn(const char *v, struct conf *c) { return parse_bool(v, &c->field); }
#define UINT_KEY(fn, field, min, max) \
	static const char *fn(const char *v, struct conf *c) { return parse_uint(v, min, max, &c->field); }
#define DIR_KEY(fn, field) \
	static const char *fn(const char *v, struct conf *c) { return parse_dir(v, c->field, sizeof(c->field)); }

BOOL_KEY(parse_require_accept_ra, require_accept_ra)
BOOL_KEY(parse_implicit, implicit_pvds)
BOOL_KEY(parse_keep, keep_on_exit)
UINT_KEY(parse_grace, adopt_grace, 0, 3600)
UINT_KEY(parse_reconcile_delay, reconcile_delay_ms, 0, 1000)
UINT_KEY(parse_carrier_grace, carrier_loss_grace, 0, 3600)
UINT_KEY(parse_max_pvds, caps.pvds, 1, 1024)
UINT_KEY(parse_max_pvds_per_link, caps.pvds_per_link, 1, 256)
UINT_KEY(parse_max_routers, caps.routers, 1, 64)
UINT_KEY(parse_max_prefixes, caps.prefixes, 1, 256)
UINT_KEY(parse_max_routes, caps.routes, 0, 1024)
UINT_KEY(parse_max_rdnss, caps.rdnss, 0, 64)
UINT_KEY(parse_max_dnssl, caps.dnssl, 0, 64)
DIR_KEY(parse_state_dir, state_dir)
DIR_KEY(parse_run_dir, run_dir)
BOOL_KEY(parse_additional_info, additional_info)
/* A file, under the same rules as the directories (absolute, no blanks, no ".."). */
DIR_KEY(parse_ca_file, additional_info_ca_file)

static const struct {
	const char *key;
	conf_value_parser parse;
} conf_keys[] = {
	{ "links", parse_links },
	{ "require_accept_ra", parse_require_accept_ra },
	{ "table_range", parse_table_range },
	{ "implicit_pvds", parse_implicit },
	{ "keep_on_exit", parse_keep },
	{ "subinterface_kind", parse_subif_kind },
	{ "adopt_grace", parse_grace },
	{ "reconcile_delay_ms", parse_reconcile_delay },
	{ "carrier_loss_grace", parse_carrier_grace },
	{ "log_level", parse_log_level },
	{ "max_pvds", parse_max_pvds },
	{ "max_pvds_per_link", parse_max_pvds_per_link },
	{ "max_routers_per_pvd", parse_max_routers },
	{ "max_prefixes_per_pvd", parse_max_prefixes },
	{ "max_routes_per_pvd", parse_max_routes },
	{ "max_rdnss_per_pvd", parse_max_rdnss },
	{ "max_dnssl_per_pvd", parse_max_dnssl },
	{ "state_dir", parse_state_dir },
	{ "run_dir", parse_run_dir },
	{ "additional_info", parse_additional_info },
	{ "additional_info_ca_file", parse_ca_file },
};

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

__attribute__((format(printf, 5, 6)))
static int conf_error(char *err, size_t errlen, const char *filename, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(err, errlen, "%s:%u: ", filename, line);
	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Quote a user string for an error message, without control characters. */
static const char *printable(const char *s, char *buf, size_t size)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < size; i++)
		buf[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

int conf_parse(const char *text, const char *filename, struct conf *conf, char *err, size_t errlen)
{
	struct conf c = *conf;
	unsigned lineno = 0;
	const char *p = text;
	char line[1024], q[64];

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *s, *eq, *key, *value;
		const char *reason;
		size_t i;

		lineno++;
		if (len >= sizeof(line))
			return conf_error(err, errlen, filename, lineno, "line longer than %zu characters", sizeof(line) - 1);
		memcpy(line, p, len);
		line[len] = '\0';
		p += len + (nl ? 1 : 0);

		s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		eq = strchr(s, '=');
		if (!eq)
			return conf_error(err, errlen, filename, lineno, "expected 'key = value'");
		*eq = '\0';
		key = trim(s);
		value = trim(eq + 1);
		for (i = 0; i < sizeof(conf_keys) / sizeof(conf_keys[0]); i++)
			if (!strcmp(key, conf_keys[i].key))
				break;
		if (i == sizeof(conf_keys) / sizeof(conf_keys[0]))
			return conf_error(err, errlen, filename, lineno, "unknown key '%s'", printable(key, q, sizeof(q)));
		if (*value == '\0')
			return conf_error(err, errlen, filename, lineno, "%s: missing value", key);
		reason = conf_keys[i].parse(value, &c);
		if (reason)
			return conf_error(err, errlen, filename, lineno, "%s: '%s': %s", key,
					  printable(value, q, sizeof(q)), reason);
	}
	*conf = c;
	return 0;
}

int conf_load(const char *path, struct conf *conf, char *err, size_t errlen)
{
	FILE *f;
	char *buf;
	size_t n;
	int r;

	f = fopen(path, "re");
	if (!f) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	buf = malloc(CONF_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(buf, 1, CONF_FILE_MAX + 1, f);
	r = ferror(f) ? -EIO : 0;
	fclose(f);
	if (r == 0 && n > CONF_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", path, CONF_FILE_MAX);
		r = -EFBIG;
	} else if (r == 0 && memchr(buf, '\0', n)) {
		snprintf(err, errlen, "%s: contains a NUL byte", path);
		r = -EINVAL;
	} else if (r == 0) {
		buf[n] = '\0';
		r = conf_parse(buf, path, conf, err, errlen);
	} else {
		snprintf(err, errlen, "%s: read error", path);
	}
	free(buf);
	return r;
}

bool conf_link_matches(const struct conf *conf, const char *ifname)
{
	for (size_t i = 0; i < conf->n_links; i++)
		if (fnmatch(conf->links[i], ifname, 0) == 0)
			return true;
	return false;
}
