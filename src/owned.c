/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The record of the links pvd-vrfd made (see owned.h).  The file is ours,
 * but it sits in a directory root may edit and survives a crash, so every
 * line is checked as if it came from outside: a bad one is skipped, never
 * trusted in part.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "log.h"
#include "owned.h"

#define OWNED_LINE_MAX 256

static const char *const owned_kinds[_OWNED_KIND_MAX] = {
	[OWNED_VRF] = "vrf",
	[OWNED_IPVLAN] = "ipvlan",
	[OWNED_MACVLAN] = "macvlan",
};

const char *owned_kind_to_string(enum owned_kind kind)
{
	return kind < _OWNED_KIND_MAX ? owned_kinds[kind] : NULL;
}

/* The kernel's own rule for interface names (dev_valid_name()). */
static bool owned_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '/' || s[i] == ':' || isspace((unsigned char)s[i]))
			return false;
	return true;
}

/* A decimal number in [min, max], digits only (no sign, no blanks). */
static bool owned_number(const char *s, unsigned long min, unsigned long max, unsigned long *ret)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end || errno || v < min || v > max)
		return false;
	*ret = v;
	return true;
}

/* One line into *ret; NULL, or why it is bad.  Blank and comment lines give
 * "" (skipped silently). */
static const char *owned_parse(char *line, struct owned_link *ret)
{
	char *f[6], *save = NULL;
	unsigned long v[3];
	struct owned_link l = { 0 };
	int n = 0, kind = -1;

	for (char *tok = strtok_r(line, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
		if (n == 0 && tok[0] == '#')
			return "";
		if (n == 6)
			return "too many fields";
		f[n++] = tok;
	}
	if (n == 0)
		return "";
	for (int k = 0; k < _OWNED_KIND_MAX; k++)
		if (!strcmp(f[0], owned_kinds[k]))
			kind = k;
	if (kind < 0)
		return "unknown kind";
	l.kind = (enum owned_kind)kind;
	if (n != (l.kind == OWNED_VRF ? 4 : 5))
		return "wrong number of fields";
	if (!owned_name_valid(f[1]))
		return "bad interface name";
	snprintf(l.name, sizeof(l.name), "%s", f[1]);
	for (int i = 2; i < n; i++)
		if (!owned_number(f[i], 1, l.kind == OWNED_VRF && i == 3 ? UINT32_MAX : INT_MAX, &v[i - 2]))
			return l.kind == OWNED_VRF && i == 3 ? "bad table" : "bad ifindex";
	l.ifindex = (int)v[0];
	if (l.kind == OWNED_VRF) {
		l.table = (uint32_t)v[1];
	} else {
		l.parent = (int)v[1];
		l.master = (int)v[2];
	}
	*ret = l;
	return NULL;
}

int owned_load(const char *path, struct owned_link **ret, size_t *ret_n)
{
	struct owned_link *links = NULL, l;
	char line[OWNED_LINE_MAX];
	size_t n = 0;
	int lineno = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f) {
		if (errno != ENOENT)
			return -errno;
		*ret = NULL;
		*ret_n = 0;
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		const char *why;
		void *p;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			int c;

			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			log_warning("%s:%d: line too long, ignoring", path, lineno);
			continue;
		}
		why = owned_parse(line, &l);
		for (size_t i = 0; !why && i < n; i++)
			if (links[i].ifindex == l.ifindex || !strcmp(links[i].name, l.name))
				why = "name or ifindex listed twice";
		if (why && !why[0])
			continue;
		if (why) {
			log_warning("%s:%d: %s, ignoring", path, lineno, why);
			continue;
		}
		p = reallocarray(links, n + 1, sizeof(*links));
		if (!p) {
			free(links);
			fclose(f);
			return -ENOMEM;
		}
		links = p;
		links[n++] = l;
	}
	if (ferror(f)) {
		free(links);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	*ret = links;
	*ret_n = n;
	return 0;
}

int owned_save(const char *path, const struct owned_link *links, size_t n)
{
	char tmp[PATH_MAX], dir[PATH_MAX], *slash;
	int r = 0;
	FILE *f;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -errno;
	}
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, "# links pvd-vrfd made; rewritten whenever they change\n");
	for (size_t i = 0; i < n; i++) {
		const struct owned_link *l = &links[i];

		if (l->kind == OWNED_VRF)
			fprintf(f, "vrf %s %d %u\n", l->name, l->ifindex, l->table);
		else
			fprintf(f, "%s %s %d %d %d\n", owned_kind_to_string(l->kind), l->name, l->ifindex, l->parent,
				l->master);
	}
	/* Durable before it replaces the old record: a crash leaves one or the other. */
	if (fflush(f) != 0 || fsync(fileno(f)) < 0)
		r = -errno;
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		(void)unlink(tmp);
	return r;
}
