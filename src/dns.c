/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dns.h"

/* The first line of every file we write: how dns_prune() tells ours. */
#define DNS_HEADER_HEAD "# resolv.conf of PvD "
#define DNS_HEADER_TAIL ", written by pvd-vrfd: do not edit.\n"

static bool name_is_safe(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '.' || *s == '_'))
			return false;
	return true;
}

/* The VRF name is ours ("pvd" + hex), but it becomes a path: check anyway. */
static bool vrf_is_safe(const char *vrf)
{
	return !strncmp(vrf, "pvd", 3) && strlen(vrf) > 3 && strlen(vrf) < IFNAMSIZ &&
	       strspn(vrf + 3, "0123456789abcdef") == strlen(vrf + 3);
}

__attribute__((format(printf, 4, 5)))
static int append(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - *len)
		return -ENOBUFS;
	*len += n;
	return 0;
}

/* Several routers of a PvD may advertise the same server or domain: each is
 * written once, where it first appears (a link-local server once per link). */
static bool dns_seen_before(const struct pvd *p, size_t i)
{
	const struct pvd_obj *o = &p->objs[i];

	for (size_t j = 0; j < i; j++) {
		const struct pvd_obj *e = &p->objs[j];

		if (e->kind != o->kind)
			continue;
		if (o->kind == PVD_OBJ_DNSSL ? !strcmp(e->name, o->name) :
		    !memcmp(&e->addr, &o->addr, sizeof(o->addr)) &&
		    (!IN6_IS_ADDR_LINKLOCAL(&o->addr) || e->ifindex == o->ifindex))
			return true;
	}
	return false;
}

/* Is @name in the search list before zone @k: a DNSSL name or an earlier zone? */
static bool dns_search_has(const struct pvd *p, const char (*zones)[NDISC_NAME_MAX + 1], size_t k, const char *name)
{
	for (size_t i = 0; i < p->n_objs; i++)
		if (p->objs[i].kind == PVD_OBJ_DNSSL && !strcmp(p->objs[i].name, name))
			return true;
	for (size_t i = 0; i < k; i++)
		if (!strcmp(zones[i], name))
			return true;
	return false;
}

int dns_format(const struct pvd *p, char *buf, size_t size)
{
	return dns_format_zones(p, NULL, 0, buf, size);
}

int dns_format_zones(const struct pvd *p, const char (*zones)[NDISC_NAME_MAX + 1], size_t n_zones, char *buf,
		     size_t size)
{
	char addr[INET6_ADDRSTRLEN], subif[IFNAMSIZ];
	size_t len = 0;
	bool search = false;
	int r;

	if (!vrf_is_safe(p->vrf) || (!p->implicit && !name_is_safe(p->name)))
		return -EINVAL;
	r = append(buf, size, &len, DNS_HEADER_HEAD "%s (VRF %s)" DNS_HEADER_TAIL,
		   p->implicit ? "(implicit)" : p->name, p->vrf);
	for (size_t i = 0; r == 0 && i < p->n_objs; i++) {
		const struct pvd_obj *o = &p->objs[i];

		if (o->kind != PVD_OBJ_RDNSS || dns_seen_before(p, i))
			continue;
		inet_ntop(AF_INET6, &o->addr, addr, sizeof(addr));
		/* A link-local server is reached through the PvD's sub-interface. */
		if (IN6_IS_ADDR_LINKLOCAL(&o->addr)) {
			if (stable_subif_name(p->id, o->ifindex, subif) < 0)
				continue;
			r = append(buf, size, &len, "nameserver %s%%%s\n", addr, subif);
		} else
			r = append(buf, size, &len, "nameserver %s\n", addr);
	}
	for (size_t i = 0; r == 0 && i < p->n_objs; i++) {
		const struct pvd_obj *o = &p->objs[i];

		if (o->kind != PVD_OBJ_DNSSL || dns_seen_before(p, i))
			continue;
		if (!name_is_safe(o->name))
			return -EINVAL;
		r = append(buf, size, &len, "%s %s", search ? "" : "search", o->name);
		search = true;
	}
	for (size_t k = 0; r == 0 && k < n_zones; k++) {
		if (dns_search_has(p, zones, k, zones[k]))
			continue;
		if (!name_is_safe(zones[k]))
			return -EINVAL;
		r = append(buf, size, &len, "%s %s", search ? "" : "search", zones[k]);
		search = true;
	}
	if (r == 0 && search)
		r = append(buf, size, &len, "\n");
	return r;
}

int dns_path(const char *run_dir, const char *vrf, char *ret, size_t size)
{
	int n;

	if (!vrf_is_safe(vrf))
		return -EINVAL;
	n = snprintf(ret, size, "%s/%s/resolv.conf", run_dir, vrf);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int dns_write(const char *run_dir, const struct pvd *p, const char (*zones)[NDISC_NAME_MAX + 1], size_t n_zones,
	      struct dns_file *last)
{
	char text[16384], path[256], tmp[270], dir[256], *copy;
	int fd, r;
	ssize_t n;

	if (!zones && p->changed && last->changed == p->changed && last->text && !strcmp(last->vrf, p->vrf))
		return 0;
	r = dns_format_zones(p, zones, n_zones, text, sizeof(text));
	if (r < 0)
		return r;
	if (last->text && !strcmp(last->vrf, p->vrf) && !strcmp(last->text, text)) {
		last->changed = zones ? 0 : p->changed;
		return 0;
	}
	r = dns_path(run_dir, p->vrf, path, sizeof(path));
	if (r < 0)
		return r;
	snprintf(dir, sizeof(dir), "%s/%s", run_dir, p->vrf);
	if (mkdir(run_dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	r = n == (ssize_t)strlen(text) ? 0 : (n < 0 ? -errno : -EIO);
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	/* Without the copy, the next call just writes the file again. */
	copy = strdup(text);
	snprintf(last->vrf, sizeof(last->vrf), "%s", p->vrf);
	free(last->text);
	last->text = copy;
	last->changed = copy && !zones ? p->changed : 0;
	return 1;
}

int dns_remove(const char *run_dir, const char *vrf)
{
	char path[256], dir[256];
	int r;

	r = dns_path(run_dir, vrf, path, sizeof(path));
	if (r < 0)
		return r;
	snprintf(dir, sizeof(dir), "%s/%s", run_dir, vrf);
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	if (rmdir(dir) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* Is dirfd/resolv.conf a regular file whose first line is our header? */
static bool dns_file_is_ours(int dirfd)
{
	size_t head = strlen(DNS_HEADER_HEAD), tail = strlen(DNS_HEADER_TAIL), len;
	char line[512];
	struct stat st;
	ssize_t n;
	char *nl;
	int fd;

	fd = openat(dirfd, "resolv.conf", O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return false;
	n = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? read(fd, line, sizeof(line) - 1) : -1;
	close(fd);
	if (n <= 0)
		return false;
	line[n] = '\0';
	nl = strchr(line, '\n');
	if (!nl)
		return false;
	len = (size_t)(nl + 1 - line);
	return len >= head + tail && !strncmp(line, DNS_HEADER_HEAD, head) &&
	       !strncmp(nl + 1 - tail, DNS_HEADER_TAIL, tail);
}

/* RUN_DIR/<name>/ is a directory whose one entry is our resolv.conf. */
static bool dns_dir_is_ours(int run_fd, const char *name)
{
	bool only_resolv_conf = true;
	struct dirent *e;
	DIR *dir;
	int fd;

	fd = openat(run_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	if (!dns_file_is_ours(fd)) {
		close(fd);
		return false;
	}
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return false;
	}
	while (only_resolv_conf && (e = readdir(dir)))
		only_resolv_conf = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
				   !strcmp(e->d_name, "resolv.conf");
	closedir(dir);
	return only_resolv_conf;
}

int dns_prune(const char *run_dir, const struct dns_file *keep, size_t n_keep)
{
	struct dirent *e;
	int run_fd, first = 0, removed = 0;
	DIR *dir;

	run_fd = open(run_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (run_fd < 0)
		return errno == ENOENT ? 0 : -errno;
	dir = fdopendir(run_fd);
	if (!dir) {
		first = -errno;
		close(run_fd);
		return first;
	}
	while ((e = readdir(dir))) {
		bool kept = false;
		int r;

		if (!vrf_is_safe(e->d_name))
			continue;
		for (size_t i = 0; i < n_keep && !kept; i++)
			kept = !strcmp(keep[i].vrf, e->d_name);
		if (kept || !dns_dir_is_ours(run_fd, e->d_name))
			continue;
		r = dns_remove(run_dir, e->d_name);
		if (r < 0 && first == 0)
			first = r;
		removed += r == 0;
	}
	closedir(dir);
	return first < 0 ? first : removed;
}
