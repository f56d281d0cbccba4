/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libpvd: the handle, PvD attributes, binding a socket.  A client of
 * org.pvd(5); nothing here needs privileges. */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vrf-name.h"
#include "internal.h"

int libpvd_bus_errno(const sd_bus_error *e, int r)
{
	if (sd_bus_error_has_names(e, LIBPVD_NO_SUCH_PVD, SD_BUS_ERROR_UNKNOWN_OBJECT))
		return -ENOENT;
	if (sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
		return -EHOSTDOWN;
	return r < 0 ? r : -EIO;
}

int pvd_open(struct pvd_handle **ret)
{
	struct pvd_handle *h;
	int r;

	if (!ret)
		return -EINVAL;
	if (!(h = calloc(1, sizeof(*h))))
		return -ENOMEM;
	h->epoll_fd = h->event_fd = -1;
	r = sd_bus_open_system(&h->bus);	/* honours DBUS_SYSTEM_BUS_ADDRESS */
	if (r < 0) {
		free(h);
		return r;
	}
	*ret = h;
	return 0;
}

struct pvd_handle *pvd_close(struct pvd_handle *h)
{
	if (!h)
		return NULL;
	libpvd_monitor_teardown(h);
	sd_bus_flush_close_unref(h->bus);
	free(h);
	return NULL;
}

static int info_set_path(struct pvd_info *p, const char *path)
{
	char *s = strdup(path);

	if (!s)
		return -ENOMEM;
	free(p->path);
	p->path = s;
	return 0;
}

/* GetAll of one PvD object. */
static int get_all(sd_bus *bus, const char *path, struct pvd_info **ret)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	struct pvd_info *p = NULL;
	int r;

	r = sd_bus_call_method(bus, LIBPVD_BUS_NAME, path, "org.freedesktop.DBus.Properties", "GetAll", &err,
			       &reply, "s", LIBPVD_PVD_IFACE);
	if (r < 0)
		r = libpvd_bus_errno(&err, r);
	else if ((r = libpvd_info_read(reply, &p)) >= 0 && (r = info_set_path(p, path)) >= 0)
		*ret = p;
	else
		pvd_info_free(p);
	sd_bus_error_free(&err);
	sd_bus_message_unref(reply);
	return r;
}

/* The PvD's object at the path the daemon gives NAME (org.pvd(5):
 * sd_bus_path_encode under /org/pvd/pvd), one bus call instead of GetPvd's
 * two.  Only a shortcut: any failure but the daemon's absence sends pvd_get
 * to GetPvd, which knows other spellings of a name and any other path. */
static int get_by_encoded_path(sd_bus *bus, const char *name, struct pvd_info **ret)
{
	struct pvd_info *p = NULL;
	char *path = NULL;
	int r = sd_bus_path_encode(LIBPVD_PVD_PREFIX, name, &path);

	if (r >= 0 && (r = get_all(bus, path, &p)) >= 0) {
		if (!strcmp(p->name, name))
			*ret = p;
		else
			r = -ENOENT;	/* not the daemon's encoding any more */
	}
	if (r < 0)
		pvd_info_free(p);
	free(path);
	return r;
}

int pvd_get(struct pvd_handle *h, const char *name, struct pvd_info **ret)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	const char *path;
	int r;

	if (!h || !name || !ret)
		return -EINVAL;
	r = get_by_encoded_path(h->bus, name, ret);
	if (r >= 0 || r == -EHOSTDOWN)
		return r;
	r = sd_bus_call_method(h->bus, LIBPVD_BUS_NAME, LIBPVD_MANAGER_PATH, LIBPVD_MANAGER_IFACE, "GetPvd", &err,
			       &reply, "s", name);
	if (r < 0)
		r = libpvd_bus_errno(&err, r);
	else if ((r = sd_bus_message_read_basic(reply, 'o', &path)) >= 0)
		r = get_all(h->bus, path, ret);
	sd_bus_error_free(&err);
	sd_bus_message_unref(reply);
	return r;
}

static int by_name(const void *a, const void *b)
{
	return strcmp((*(struct pvd_info *const *)a)->name, (*(struct pvd_info *const *)b)->name);
}

/* One object of GetManagedObjects (o a{sa{sv}}): its org.pvd.Pvd, if any. */
static int managed_object_read(sd_bus_message *m, struct pvd_info **ret)
{
	const char *path, *iface;
	int r;

	*ret = NULL;
	if ((r = sd_bus_message_read_basic(m, 'o', &path)) < 0 ||
	    (r = sd_bus_message_enter_container(m, 'a', "{sa{sv}}")) < 0)
		return r;
	while ((r = sd_bus_message_enter_container(m, 'e', "sa{sv}")) > 0) {
		if ((r = sd_bus_message_read_basic(m, 's', &iface)) < 0)
			break;
		if (!strcmp(iface, LIBPVD_PVD_IFACE) && !*ret) {
			if ((r = libpvd_info_read(m, ret)) >= 0)
				r = info_set_path(*ret, path);
		} else
			r = sd_bus_message_skip(m, "a{sv}");
		if (r < 0 || (r = sd_bus_message_exit_container(m)) < 0)
			break;
	}
	if (r >= 0)
		r = sd_bus_message_exit_container(m);
	if (r < 0)
		*ret = pvd_info_free(*ret);
	return r;
}

int pvd_list(struct pvd_handle *h, struct pvd_info ***ret, size_t *ret_n)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	struct pvd_info **list, *p, **grown;
	size_t n = 0;
	int r;

	if (!h || !ret)
		return -EINVAL;
	if (!(list = calloc(1, sizeof(*list))))
		return -ENOMEM;
	/* One call for all objects; org.pvd.conf lets every user make it. */
	r = sd_bus_call_method(h->bus, LIBPVD_BUS_NAME, LIBPVD_MANAGER_PATH, "org.freedesktop.DBus.ObjectManager",
			       "GetManagedObjects", &err, &reply, NULL);
	if (r < 0) {
		r = libpvd_bus_errno(&err, r);
		goto out;
	}
	if ((r = sd_bus_message_enter_container(reply, 'a', "{oa{sa{sv}}}")) < 0)
		goto out;
	while ((r = sd_bus_message_enter_container(reply, 'e', "oa{sa{sv}}")) > 0) {
		if ((r = managed_object_read(reply, &p)) < 0)
			goto out;
		if (p) {
			if (!(grown = realloc(list, (n + 2) * sizeof(*list)))) {
				pvd_info_free(p);
				r = -ENOMEM;
				goto out;
			}
			list = grown;
			list[n++] = p;
			list[n] = NULL;
		}
		if ((r = sd_bus_message_exit_container(reply)) < 0)
			goto out;
	}
	if (r < 0 || (r = sd_bus_message_exit_container(reply)) < 0)
		goto out;
	qsort(list, n, sizeof(*list), by_name);
	*ret = list;
	list = NULL;
	if (ret_n)
		*ret_n = n;
	r = 0;
out:
	pvd_info_list_free(list);
	sd_bus_error_free(&err);
	sd_bus_message_unref(reply);
	return r;
}

int libpvd_target_of(struct pvd_handle *h, const char *name, char ret_vrf[IFNAMSIZ], char **ret_resolv_conf)
{
	struct pvd_info *p = NULL;
	int r = pvd_get(h, name, &p);

	if (r < 0)
		return r;
	if (!p->vrf[0])
		r = -ENODEV;
	else if (!pvd_vrf_name_valid(p->vrf) || (ret_resolv_conf && p->resolv_conf[0] != '/'))
		r = -EBADMSG;
	if (r >= 0) {
		memcpy(ret_vrf, p->vrf, strlen(p->vrf) + 1);
		if (ret_resolv_conf) {
			*ret_resolv_conf = p->resolv_conf;	/* taken from p */
			p->resolv_conf = NULL;
		}
	}
	pvd_info_free(p);
	return r;
}

int libpvd_bind_vrf(int fd, const char *vrf)
{
	int domain;
	socklen_t len = sizeof(domain);

	/* A VRF routes IP only: binding anything else would "work" and do
	 * nothing. */
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0)
		return -errno;
	if (domain != AF_INET && domain != AF_INET6)
		return -EAFNOSUPPORT;
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, vrf, (socklen_t)strlen(vrf) + 1) < 0)
		return -errno;
	return 0;
}

int pvd_bind_socket(struct pvd_handle *h, int fd, const char *name)
{
	char vrf[IFNAMSIZ];
	int r;

	if (!h || fd < 0 || !name)
		return -EINVAL;
	if ((r = libpvd_target_of(h, name, vrf, NULL)) < 0)
		return r;
	return libpvd_bind_vrf(fd, vrf);
}
