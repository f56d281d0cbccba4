/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libpvd against a fake org.pvd on a private dbus-daemon (no root, no VRF):
 * pvd_get/pvd_list as a client of the real interface, the errors (an
 * unknown PvD, a VRF or resolv.conf path that is not the daemon's, no
 * daemon), the monitor's queue (an event held back by the callback comes
 * at the next dispatch, the fd readable until then), pvd_resolve of a
 * numeric host, pvd_connect's refusals.  Under ASan and LSan every path
 * must free what it took.
 *
 *   test process (libpvd) ──┐
 *                           ├── dbus-daemon (private, allow-all policy)
 *   fake org.pvd (a child) ─┘   a.example: Vrf pvd00abcd
 *                               bad.example: Vrf eth0, ResolvConf "relative"
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/libpvd/internal.h"

#include "tap.h"

/* ---- the fake daemon ---- */

struct fake_pvd {
	const char *name, *path, *vrf, *resolv_conf;
	uint16_t sequence;
};

static struct fake_pvd fakes[] = {
	{ "a.example", "/org/pvd/pvd/a_2eexample", "pvd00abcd", "/run/pvd/pvd00abcd/resolv.conf", 1 },
	{ "bad.example", "/org/pvd/pvd/bad_2eexample", "eth0", "relative/resolv.conf", 1 },
};

static int fake_get(sd_bus *bus, const char *path, const char *iface, const char *prop, sd_bus_message *reply,
		    void *userdata, sd_bus_error *error)
{
	struct fake_pvd *p = userdata;

	(void)bus;
	(void)path;
	(void)iface;
	(void)error;
	if (!strcmp(prop, "Name"))
		return sd_bus_message_append(reply, "s", p->name);
	if (!strcmp(prop, "Vrf"))
		return sd_bus_message_append(reply, "s", p->vrf);
	if (!strcmp(prop, "ResolvConf"))
		return sd_bus_message_append(reply, "s", p->resolv_conf);
	if (!strcmp(prop, "Sequence"))
		return sd_bus_message_append(reply, "q", p->sequence);
	if (!strcmp(prop, "Table"))
		return sd_bus_message_append(reply, "u", 1000u);
	if (!strcmp(prop, "DnsServers"))
		return sd_bus_message_append(reply, "as", 1, "2001:db8:a::53");
	return sd_bus_message_append(reply, "as", 0);	/* Prefixes */
}

static const sd_bus_vtable fake_pvd_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Name", "s", fake_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Vrf", "s", fake_get, 0, 0),
	SD_BUS_PROPERTY("Table", "u", fake_get, 0, 0),
	SD_BUS_PROPERTY("Prefixes", "as", fake_get, 0, 0),
	SD_BUS_PROPERTY("DnsServers", "as", fake_get, 0, 0),
	SD_BUS_PROPERTY("Sequence", "q", fake_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("ResolvConf", "s", fake_get, 0, 0),
	SD_BUS_VTABLE_END
};

static int fake_get_pvd(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	const char *name;
	int r;

	(void)userdata;
	if ((r = sd_bus_message_read(m, "s", &name)) < 0)
		return r;
	for (size_t i = 0; i < sizeof(fakes) / sizeof(fakes[0]); i++)
		if (!strcmp(name, fakes[i].name))
			return sd_bus_reply_method_return(m, "o", fakes[i].path);
	return sd_bus_error_setf(error, LIBPVD_NO_SUCH_PVD, "No PvD '%s'", name);
}

/* Test.Emit(): two events, PvdAdded b.example then a.example's
 * PropertiesChanged (Sequence). */
static int fake_emit(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	sd_bus *bus = sd_bus_message_get_bus(m);
	int r;

	(void)userdata;
	(void)error;
	fakes[0].sequence++;
	if ((r = sd_bus_emit_signal(bus, "/org/pvd", "org.pvd.Manager", "PvdAdded", "os",
				    "/org/pvd/pvd/b_2eexample", "b.example")) < 0 ||
	    (r = sd_bus_emit_properties_changed(bus, fakes[0].path, "org.pvd.Pvd", "Sequence", NULL)) < 0)
		return r;
	return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable fake_manager_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("GetPvd", "s", "o", fake_get_pvd, 0),
	SD_BUS_VTABLE_END
};

static const sd_bus_vtable fake_test_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("Emit", "", "", fake_emit, 0),
	SD_BUS_VTABLE_END
};

static int fake_daemon(int ready_fd)
{
	sd_bus *bus = NULL;
	int r;

	if ((r = sd_bus_open_system(&bus)) < 0 ||
	    (r = sd_bus_add_object_manager(bus, NULL, "/org/pvd")) < 0 ||
	    (r = sd_bus_add_object_vtable(bus, NULL, "/org/pvd", "org.pvd.Manager", fake_manager_vtable, NULL)) < 0 ||
	    (r = sd_bus_add_object_vtable(bus, NULL, "/org/pvd", "org.pvd.Test", fake_test_vtable, NULL)) < 0)
		return 1;
	for (size_t i = 0; i < sizeof(fakes) / sizeof(fakes[0]); i++)
		if (sd_bus_add_object_vtable(bus, NULL, fakes[i].path, "org.pvd.Pvd", fake_pvd_vtable, &fakes[i]) < 0)
			return 1;
	if (sd_bus_request_name(bus, "org.pvd", 0) < 0)
		return 1;
	if (write(ready_fd, "r", 1) != 1)
		return 1;
	close(ready_fd);
	for (;;) {
		r = sd_bus_process(bus, NULL);
		if (r < 0)
			return 1;
		if (r == 0 && sd_bus_wait(bus, UINT64_MAX) < 0)
			return 1;
	}
}

/* ---- the bus ---- */

static char dir[] = "/tmp/test-libpvd-bus.XXXXXX";
static pid_t bus_pid, fake_pid;

static int bus_start(void)
{
	char path[256], addr[512] = "";
	int p[2];
	FILE *f;
	ssize_t n;

	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/bus.conf", dir);
	if (!(f = fopen(path, "w")))
		return -1;
	fprintf(f, "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
		   " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
		   "<busconfig><type>libpvd-test</type><listen>unix:path=%s/socket</listen>"
		   "<auth>EXTERNAL</auth><policy context=\"default\"><allow send_destination=\"*\" eavesdrop=\"true\"/>"
		   "<allow eavesdrop=\"true\"/>"
		   "<allow own=\"*\"/></policy></busconfig>\n", dir);
	fclose(f);
	if (pipe(p) < 0)
		return -1;
	if ((bus_pid = fork()) == 0) {
		char fdarg[32];

		close(p[0]);
		/* Its notices (a failed fd-limit raise as non-root) are noise. */
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, STDERR_FILENO);
		snprintf(fdarg, sizeof(fdarg), "--print-address=%d", p[1]);
		execlp("dbus-daemon", "dbus-daemon", "--nofork", "--nopidfile", "--config-file", path, fdarg,
		       (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	n = read(p[0], addr, sizeof(addr) - 1);
	close(p[0]);
	if (n <= 0)
		return -1;
	addr[strcspn(addr, "\n")] = '\0';
	return setenv("DBUS_SYSTEM_BUS_ADDRESS", addr, 1);
}

static int fake_start(void)
{
	char c;
	int p[2];

	if (pipe(p) < 0)
		return -1;
	if ((fake_pid = fork()) == 0) {
		close(p[0]);
		_exit(fake_daemon(p[1]));	/* _exit: the child's leaks are not ours */
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1)
		return -1;
	close(p[0]);
	return 0;
}

static void stop(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGTERM);
		waitpid(*pid, NULL, 0);
		*pid = 0;
	}
}

/* ---- the checks ---- */

struct seen {
	int n, stop_at;
	enum pvd_event_type type[8];
	char name[8][64];
	char first_changed[8][32];
};

static int on_event(const struct pvd_event *ev, void *userdata)
{
	struct seen *s = userdata;

	if (s->n < 8) {
		s->type[s->n] = ev->type;
		snprintf(s->name[s->n], sizeof(s->name[0]), "%s", ev->name ? ev->name : "");
		snprintf(s->first_changed[s->n], sizeof(s->first_changed[0]), "%s",
			 ev->changed && ev->changed[0] ? ev->changed[0] : "");
	}
	s->n++;
	return s->n == s->stop_at ? -ECANCELED : 0;
}

/* Dispatch until WANT events were seen or 5 s passed. */
static int monitor_wait(struct pvd_handle *h, int fd, struct seen *s, int want)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int r = 0;

	while (s->n < want) {
		if (poll(&pfd, 1, 5000) <= 0)
			return -ETIMEDOUT;
		r = pvd_monitor_dispatch(h, on_event, s);
		if (r < 0)
			return r;
	}
	return r;
}

static void test_queries(struct pvd_handle *h)
{
	struct pvd_info *p = NULL, **list = NULL;
	size_t n = 0;
	int r, fd;

	r = pvd_get(h, "a.example", &p);
	ok(r == 0 && p && !strcmp(p->name, "a.example") && !strcmp(p->vrf, "pvd00abcd") && p->table == 1000 &&
	   p->dns_servers[0] && !strcmp(p->dns_servers[0], "2001:db8:a::53") && !p->dns_servers[1] &&
	   p->links && !p->links[0] && !strcmp(p->path, "/org/pvd/pvd/a_2eexample"),
	   "pvd_get a.example: its properties and object path, absent ones empty (r=%d)", r);
	pvd_info_free(p);
	p = NULL;
	r = pvd_get(h, "nosuch.example", &p);
	ok(r == -ENOENT && !p, "pvd_get nosuch.example: -ENOENT (r=%d)", r);
	r = pvd_list(h, &list, &n);
	ok(r == 0 && n == 2 && !strcmp(list[0]->name, "a.example") && !strcmp(list[1]->name, "bad.example") &&
	   !list[2] && !strcmp(list[0]->path, "/org/pvd/pvd/a_2eexample") &&
	   !strcmp(list[1]->path, "/org/pvd/pvd/bad_2eexample"),
	   "pvd_list: a.example, bad.example, sorted, NULL-terminated, with their paths (r=%d, n=%zu)", r, n);
	pvd_info_list_free(list);

	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	r = pvd_bind_socket(h, fd, "nosuch.example");
	ok(r == -ENOENT, "pvd_bind_socket nosuch.example: -ENOENT (r=%d)", r);
	r = pvd_bind_socket(h, fd, "bad.example");
	ok(r == -EBADMSG, "pvd_bind_socket bad.example (Vrf eth0, not one of the daemon's): -EBADMSG (r=%d)", r);
	r = pvd_bind_socket(h, fd, "a.example");
	ok(r == -ENODEV || r == -EPERM, "pvd_bind_socket a.example: SO_BINDTODEVICE tried, no such VRF here (r=%d)", r);
	close(fd);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	r = pvd_bind_socket(h, fd, "a.example");
	ok(r == -EAFNOSUPPORT, "pvd_bind_socket of a Unix socket: -EAFNOSUPPORT (r=%d)", r);
	close(fd);
}

static void test_resolve_connect(struct pvd_handle *h)
{
	const struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
	const char *both[] = { "a.example", "nosuch.example" }, *one[] = { "a.example" }, *bad[] = { "bad.example" };
	const char *chosen = NULL;
	struct addrinfo *res = NULL;
	int r, fd = -1;

	r = pvd_resolve(h, "a.example", "2001:db8::1", "80", &hints, &res);
	ok(r == 0 && res && res->ai_family == AF_INET6 && !res->ai_next,
	   "pvd_resolve a.example 2001:db8::1: the address, no query (r=%d)", r);
	pvd_freeaddrinfo(res);
	res = NULL;
	errno = 0;
	r = pvd_resolve(h, "nosuch.example", "2001:db8::1", "80", &hints, &res);
	ok(r == EAI_SYSTEM && errno == ENOENT && !res, "pvd_resolve nosuch.example: EAI_SYSTEM, ENOENT");
	errno = 0;
	r = pvd_resolve(h, "bad.example", "2001:db8::1", "80", &hints, &res);
	ok(r == EAI_SYSTEM && errno == EBADMSG && !res, "pvd_resolve bad.example (relative ResolvConf): EBADMSG");

	r = pvd_connect(h, both, 2, "::1", "80", 1000, &fd, &chosen);
	ok(r == -ENOENT && fd == -1 && !chosen, "pvd_connect {a, nosuch}: -ENOENT, nothing set (r=%d)", r);
	r = pvd_connect(h, bad, 1, "::1", "80", 1000, &fd, &chosen);
	ok(r == -EBADMSG && fd == -1, "pvd_connect {bad}: -EBADMSG (r=%d)", r);
	/* Every attempt fails at SO_BINDTODEVICE: the race ends at once. */
	r = pvd_connect(h, one, 1, "::1", "80", 1000, &fd, &chosen);
	ok((r == -ENODEV || r == -EPERM) && fd == -1, "pvd_connect {a}: its VRF does not exist here (r=%d)", r);
	r = pvd_connect(h, one, 1, "::1", "no-such-service-here", 1000, &fd, &chosen);
	ok(r == -EINVAL && fd == -1, "pvd_connect to an unknown service: -EINVAL (r=%d)", r);
	/* By name: a lookup in a thread, which finds no resolv.conf (the fake's
	 * path does not exist here): the PvD is not ready. */
	r = pvd_connect(h, one, 1, "www.a.example", "80", 5000, &fd, &chosen);
	ok(r == -ENODEV && fd == -1, "pvd_connect {a} by name, its resolv.conf missing: -ENODEV (r=%d)", r);
}

static void test_monitor(struct pvd_handle *h, sd_bus *ctl)
{
	struct seen s = { .stop_at = 1 };
	struct pollfd pfd;
	int fd, r;

	r = pvd_monitor_dispatch(h, on_event, &s);
	ok(r == -EBADF, "pvd_monitor_dispatch before pvd_monitor_fd: -EBADF (r=%d)", r);
	fd = pvd_monitor_fd(h);
	ok(fd >= 0 && pvd_monitor_fd(h) == fd, "pvd_monitor_fd: a descriptor, the same on every call");
	r = sd_bus_call_method(ctl, "org.pvd", "/org/pvd", "org.pvd.Test", "Emit", NULL, NULL, NULL);
	ok(r >= 0, "the fake daemon emits PvdAdded b.example and a.example's PropertiesChanged (r=%d)", r);
	/* The callback stops after the first event: the second stays queued
	 * and the fd readable for it. */
	r = monitor_wait(h, fd, &s, 1);
	ok(r == -ECANCELED && s.n == 1 && s.type[0] == PVD_EVENT_ADDED && !strcmp(s.name[0], "b.example"),
	   "first event: ADDED b.example, then the callback stops the dispatch (r=%d)", r);
	s.stop_at = 0;
	pfd = (struct pollfd) { .fd = fd, .events = POLLIN };
	ok(poll(&pfd, 1, 1000) == 1, "the monitor fd is readable for the event held back");
	/* The second event may still be on its way: poll with a deadline. */
	r = monitor_wait(h, fd, &s, 2);
	ok(r == 0 && s.n == 2 && s.type[1] == PVD_EVENT_CHANGED && !strcmp(s.name[1], "a.example") &&
	   !strcmp(s.first_changed[1], "Sequence"), "second event: CHANGED a.example, Sequence (r=%d)", r);
	ok(poll(&pfd, 1, 0) == 0, "nothing pending: the monitor fd is not readable");

	stop(&fake_pid);
	r = monitor_wait(h, fd, &s, 3);
	ok(r == 0 && s.n == 3 && s.type[2] == PVD_EVENT_DAEMON_STOPPED, "the fake daemon exits: DAEMON_STOPPED");
}

int main(void)
{
	struct pvd_handle *h = NULL;
	struct pvd_info *p = NULL;
	sd_bus *ctl = NULL;
	int r;

	if (bus_start() < 0 || fake_start() < 0) {
		printf("Bail out! cannot start dbus-daemon or the fake daemon\n");
		stop(&fake_pid);
		stop(&bus_pid);
		return 1;
	}
	r = pvd_open(&h);
	ok(r == 0 && h, "pvd_open on DBUS_SYSTEM_BUS_ADDRESS (r=%d)", r);
	if (h && sd_bus_open_system(&ctl) >= 0) {
		test_queries(h);
		test_resolve_connect(h);
		test_monitor(h, ctl);
		r = pvd_get(h, "a.example", &p);
		ok(r == -EHOSTDOWN && !p, "pvd_get without the daemon: -EHOSTDOWN (r=%d)", r);
	}
	sd_bus_flush_close_unref(ctl);
	CHECK(pvd_close(h) == NULL);
	stop(&fake_pid);
	stop(&bus_pid);
	{
		char path[300];

		snprintf(path, sizeof(path), "%s/bus.conf", dir);
		unlink(path);
		snprintf(path, sizeof(path), "%s/socket", dir);
		unlink(path);
		rmdir(dir);
	}
	return tap_done();
}
