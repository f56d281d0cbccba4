/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PvD events for the caller's event loop: org.pvd's PvdAdded, PvdRemoved
 * and PropertiesChanged signals, and org.pvd coming and going on the bus.
 *
 * What the caller polls is an epoll fd holding the monitor connection's
 * socket and an eventfd.  sd-bus may hold messages it has already read
 * (while a subscription call waited for its reply): they are turned into
 * events at once and queued, and the eventfd is readable while the queue is
 * not empty, so a caller that polls for POLLIN never sleeps on a pending
 * event. */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "internal.h"

void libpvd_event_clear(struct pvd_queued_event *e)
{
	free(e->name);
	free(e->path);
	libpvd_strv_free(e->changed);
	pvd_info_free(e->values);
	*e = (struct pvd_queued_event) { 0 };
}

/* The names in PropertiesChanged's a{sv} and as, in that order; how many
 * of them are the a{sv}'s in *RET_N. */
static int changed_names(sd_bus_message *m, char ***ret, size_t *ret_n)
{
	char **v = calloc(1, sizeof(*v)), **inval = NULL, **grown;
	size_t n = 0, k;
	const char *name;
	int r;

	if (!v)
		return -ENOMEM;
	if ((r = sd_bus_message_enter_container(m, 'a', "{sv}")) < 0)
		goto fail;
	while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		if ((r = sd_bus_message_read_basic(m, 's', &name)) < 0 || (r = sd_bus_message_skip(m, "v")) < 0 ||
		    (r = sd_bus_message_exit_container(m)) < 0)
			goto fail;
		if (!(grown = realloc(v, (n + 2) * sizeof(*v)))) {
			r = -ENOMEM;
			goto fail;
		}
		v = grown;
		v[n + 1] = NULL;
		if (!(v[n] = strdup(name))) {
			r = -ENOMEM;
			goto fail;
		}
		n++;
	}
	if (r < 0 || (r = sd_bus_message_exit_container(m)) < 0 || (r = sd_bus_message_read_strv(m, &inval)) < 0)
		goto fail;
	for (k = 0; inval && inval[k]; k++)
		;
	if (k) {
		if (!(grown = realloc(v, (n + k + 1) * sizeof(*v)))) {
			r = -ENOMEM;
			goto fail;
		}
		v = grown;
		memcpy(v + n, inval, (k + 1) * sizeof(*v));
		free(inval);	/* its strings now belong to v */
		inval = NULL;
	}
	*ret = v;
	*ret_n = n;
	return 0;
fail:
	libpvd_strv_free(inval);
	libpvd_strv_free(v);
	return r;
}

int libpvd_event_from_message(sd_bus_message *m, struct pvd_queued_event *ret)
{
	struct pvd_queued_event e = { 0 };
	const char *path, *name, *old, *new, *iface;
	int r;

	if (sd_bus_message_is_signal(m, LIBPVD_MANAGER_IFACE, "PvdAdded") ||
	    sd_bus_message_is_signal(m, LIBPVD_MANAGER_IFACE, "PvdRemoved")) {
		if ((r = sd_bus_message_read(m, "os", &path, &name)) < 0)
			return r;
		e.type = sd_bus_message_is_signal(m, NULL, "PvdAdded") ? PVD_EVENT_ADDED : PVD_EVENT_REMOVED;
		if (!(e.name = strdup(name)) || !(e.path = strdup(path))) {
			libpvd_event_clear(&e);
			return -ENOMEM;
		}
	} else if (sd_bus_message_is_signal(m, "org.freedesktop.DBus.Properties", "PropertiesChanged")) {
		if ((r = sd_bus_message_read_basic(m, 's', &iface)) < 0)
			return r;
		if (strcmp(iface, LIBPVD_PVD_IFACE) != 0 || !(path = sd_bus_message_get_path(m)))
			return 0;
		/* 0: a path outside the PvD objects. */
		if ((r = sd_bus_path_decode(path, LIBPVD_PVD_PREFIX, &e.name)) <= 0)
			return r;
		e.type = PVD_EVENT_CHANGED;
		/* The a{sv} twice: its values, then (from the start again) the
		 * names of both it and the invalidated as. */
		if (!(e.path = strdup(path)))
			r = -ENOMEM;
		else if ((r = libpvd_values_read(m, &e.values)) >= 0 && (r = sd_bus_message_rewind(m, true)) >= 0 &&
			 (r = sd_bus_message_skip(m, "s")) >= 0)
			r = changed_names(m, &e.changed, &e.n_values);
		if (r < 0) {
			libpvd_event_clear(&e);
			return r;
		}
	} else if (sd_bus_message_is_signal(m, "org.freedesktop.DBus", "NameOwnerChanged")) {
		if ((r = sd_bus_message_read(m, "sss", &name, &old, &new)) < 0)
			return r;
		if (strcmp(name, LIBPVD_BUS_NAME) != 0)
			return 0;
		e.type = new[0] ? PVD_EVENT_DAEMON_STARTED : PVD_EVENT_DAEMON_STOPPED;
	} else {
		return 0;
	}
	*ret = e;
	return 1;
}

static int on_signal(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	struct pvd_handle *h = userdata;
	struct pvd_queued_event e, *grown;
	int r;

	(void)ret_error;
	r = libpvd_event_from_message(m, &e);
	if (r <= 0) {
		/* A malformed signal is the sender's problem; running out of
		 * memory is the caller's, told by the next dispatch. */
		if (r == -ENOMEM && !h->queue_error)
			h->queue_error = r;
		return 0;
	}
	if (!(grown = realloc(h->queue, (h->n_queue + 1) * sizeof(*grown)))) {
		libpvd_event_clear(&e);
		if (!h->queue_error)
			h->queue_error = -ENOMEM;
		return 0;
	}
	h->queue = grown;
	h->queue[h->n_queue++] = e;
	return 0;
}

static int monitor_subscribe(struct pvd_handle *h)
{
	int r;

	if ((r = sd_bus_match_signal(h->mon, NULL, LIBPVD_BUS_NAME, LIBPVD_MANAGER_PATH, LIBPVD_MANAGER_IFACE,
				     "PvdAdded", on_signal, h)) < 0 ||
	    (r = sd_bus_match_signal(h->mon, NULL, LIBPVD_BUS_NAME, LIBPVD_MANAGER_PATH, LIBPVD_MANAGER_IFACE,
				     "PvdRemoved", on_signal, h)) < 0 ||
	    (r = sd_bus_add_match(h->mon, NULL,
				  "type='signal',sender='" LIBPVD_BUS_NAME "',"
				  "interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',"
				  "path_namespace='" LIBPVD_PVD_PREFIX "'",
				  on_signal, h)) < 0 ||
	    (r = sd_bus_add_match(h->mon, NULL,
				  "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
				  "interface='org.freedesktop.DBus',member='NameOwnerChanged',"
				  "arg0='" LIBPVD_BUS_NAME "'",
				  on_signal, h)) < 0)
		return r;
	return 0;
}

/* Drain what sd-bus holds into the queue; then make the epoll fd readable
 * exactly when there is something to do: events queued or messages held
 * (the eventfd), incoming data or pending output (the socket). */
static int monitor_pump(struct pvd_handle *h)
{
	struct epoll_event ev = { 0 };
	uint64_t timeout, one = 1;
	int r, events;

	while ((r = sd_bus_process(h->mon, NULL)) > 0)
		;
	if (r < 0)
		return r;
	if ((events = sd_bus_get_events(h->mon)) < 0)
		return events;
	ev.events = ((events & POLLIN) ? EPOLLIN : 0) | ((events & POLLOUT) ? EPOLLOUT : 0);
	if (epoll_ctl(h->epoll_fd, EPOLL_CTL_MOD, sd_bus_get_fd(h->mon), &ev) < 0)
		return -errno;
	if ((r = sd_bus_get_timeout(h->mon, &timeout)) < 0)
		return r;
	if ((h->n_queue || timeout == 0) && write(h->event_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}

static int monitor_setup(struct pvd_handle *h)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int r;

	if ((r = sd_bus_open_system(&h->mon)) < 0)
		return r;
	if ((r = monitor_subscribe(h)) < 0)
		return r;
	if ((h->epoll_fd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    (h->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0 ||
	    epoll_ctl(h->epoll_fd, EPOLL_CTL_ADD, h->event_fd, &ev) < 0 ||
	    epoll_ctl(h->epoll_fd, EPOLL_CTL_ADD, sd_bus_get_fd(h->mon), &ev) < 0)
		return -errno;
	return monitor_pump(h);
}

void libpvd_monitor_teardown(struct pvd_handle *h)
{
	if (h->epoll_fd >= 0)
		close(h->epoll_fd);
	if (h->event_fd >= 0)
		close(h->event_fd);
	h->epoll_fd = h->event_fd = -1;
	h->mon = sd_bus_flush_close_unref(h->mon);
	for (size_t i = 0; i < h->n_queue; i++)
		libpvd_event_clear(&h->queue[i]);
	free(h->queue);
	h->queue = NULL;
	h->n_queue = 0;
	h->queue_error = 0;
}

int pvd_monitor_fd(struct pvd_handle *h)
{
	int r;

	if (!h)
		return -EINVAL;
	if (h->mon)
		return h->epoll_fd;
	if ((r = monitor_setup(h)) < 0) {
		libpvd_monitor_teardown(h);
		return r;
	}
	return h->epoll_fd;
}

int pvd_monitor_dispatch(struct pvd_handle *h, pvd_event_cb cb, void *userdata)
{
	uint64_t n;
	size_t done = 0;
	int r = 0, p;

	if (!h || !cb)
		return -EINVAL;
	if (!h->mon)
		return -EBADF;	/* no pvd_monitor_fd yet */
	while (read(h->event_fd, &n, sizeof(n)) > 0)
		;
	while ((r = sd_bus_process(h->mon, NULL)) > 0)
		;
	/* A lost connection (dbus-daemon restarted) is the caller's to see:
	 * its socket would stay readable forever.  Open a new handle. */
	if (r < 0)
		return r;
	while (done < h->n_queue) {
		const struct pvd_queued_event *q = &h->queue[done];
		struct pvd_event ev = { .type = q->type, .name = q->name, .changed = (const char *const *)q->changed,
					.path = q->path, .values = q->values,
					.invalidated = q->changed ? (const char *const *)q->changed + q->n_values : NULL };

		r = cb(&ev, userdata);
		libpvd_event_clear(&h->queue[done++]);
		if (r < 0)
			break;
	}
	memmove(h->queue, h->queue + done, (h->n_queue - done) * sizeof(*h->queue));
	h->n_queue -= done;
	if (r >= 0 && h->queue_error) {
		r = h->queue_error;	/* events were lost */
		h->queue_error = 0;
	}
	p = monitor_pump(h);
	return r < 0 ? r : p < 0 ? p : 0;
}
