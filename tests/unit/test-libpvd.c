/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libpvd's pure parts: org.pvd.Pvd properties into struct pvd_info, signals
 * into events, the Happy Eyeballs order over PvDs, errno mapping.  Messages
 * are built on a bus that never talks to anyone (one end of a socketpair)
 * and sealed, which is all sd-bus needs to read them back. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../src/libpvd/internal.h"

#include "tap.h"

static sd_bus *bus;
static uint64_t cookie;

static sd_bus_message *signal_new(const char *path, const char *iface, const char *member)
{
	sd_bus_message *m = NULL;

	if (sd_bus_message_new_signal(bus, &m, path, iface, member) < 0)
		abort();
	return m;
}

static sd_bus_message *seal(sd_bus_message *m)
{
	if (sd_bus_message_seal(m, ++cookie, 0) < 0 || sd_bus_message_rewind(m, true) < 0)
		abort();
	return m;
}

static bool strv_is(char **v, const char *const *want)
{
	size_t i;

	for (i = 0; v && v[i] && want[i]; i++)
		if (strcmp(v[i], want[i]) != 0)
			return false;
	return v && !v[i] && !want[i];
}

static void test_props(void)
{
	struct pvd_info *p = NULL;
	sd_bus_message *m;
	int r;

	m = signal_new("/x", "x.y", "Z");
	r = sd_bus_message_append(m, "a{sv}", 21,
		"Name", "s", "a.example", "Implicit", "b", 0, "Vrf", "s", "pvd00abcd", "Table", "u", 1000,
		"Links", "as", 1, "eth0", "Routers", "as", 1, "fe80::a%eth0",
		"Prefixes", "as", 2, "2001:db8:a::/64", "2001:db8:aa::/64",
		"Addresses", "as", 1, "2001:db8:a::1234", "Routes", "as", 1, "2001:db8:a1::/48 via fe80::a",
		"DnsServers", "as", 1, "2001:db8:a::53", "DnsSearch", "as", 0, "Sequence", "q", 7,
		"HFlag", "b", 1, "LFlag", "b", 0, "Delay", "y", 3, "AdditionalInfo", "s", "{\"name\":\"a.example\"}",
		"AdditionalInfoState", "s", "valid", "Expires", "t", (uint64_t)1900000000, "NoInternet", "b", 1,
		"DnsZones", "as", 1, "a.example", "ResolvConf", "s", "/run/pvd/pvd00abcd/resolv.conf");
	CHECK(r >= 0);
	r = libpvd_info_read(seal(m), &p);
	ok(r == 0 && p, "every property reads (r=%d)", r);
	if (p) {
		CHECK(!strcmp(p->name, "a.example") && !p->implicit && !strcmp(p->vrf, "pvd00abcd") && p->table == 1000);
		CHECK(strv_is(p->links, (const char *[]) { "eth0", NULL }));
		CHECK(strv_is(p->prefixes, (const char *[]) { "2001:db8:a::/64", "2001:db8:aa::/64", NULL }));
		CHECK(strv_is(p->routes, (const char *[]) { "2001:db8:a1::/48 via fe80::a", NULL }));
		ok(p->dns_search && !p->dns_search[0], "an empty list is an empty array, not NULL");
		CHECK(p->sequence == 7 && p->h_flag && !p->l_flag && p->delay == 3);
		CHECK(!strcmp(p->additional_info, "{\"name\":\"a.example\"}") &&
		      !strcmp(p->additional_info_state, "valid"));
		CHECK(p->expires == 1900000000 && p->no_internet);
		CHECK(strv_is(p->dns_zones, (const char *[]) { "a.example", NULL }));
		CHECK(!strcmp(p->resolv_conf, "/run/pvd/pvd00abcd/resolv.conf"));
	}
	pvd_info_free(p);
	sd_bus_message_unref(m);

	/* An older daemon (fewer properties), a newer one (more). */
	p = NULL;
	m = signal_new("/x", "x.y", "Z");
	sd_bus_message_append(m, "a{sv}", 3, "Name", "s", "b.example", "FutureThing", "a{su}", 1, "k", 5,
			      "Table", "u", 1001);
	r = libpvd_info_read(seal(m), &p);
	ok(r == 0 && p && !strcmp(p->name, "b.example") && p->table == 1001,
	   "an unknown property is skipped (r=%d)", r);
	ok(p && p->vrf && !p->vrf[0] && p->addresses && !p->addresses[0] && p->resolv_conf && !p->resolv_conf[0],
	   "absent strings read as \"\", absent lists as empty");
	pvd_info_free(p);
	sd_bus_message_unref(m);

	/* A known property of another type; then a string where a list goes
	 * (the fields already read must be freed: ASan checks). */
	p = NULL;
	m = signal_new("/x", "x.y", "Z");
	sd_bus_message_append(m, "a{sv}", 3, "Name", "s", "a.example", "Links", "as", 1, "eth0", "Table", "s", "1000");
	r = libpvd_info_read(seal(m), &p);
	ok(r == -EBADMSG && !p, "Table of type s is -EBADMSG (r=%d)", r);
	sd_bus_message_unref(m);
	m = signal_new("/x", "x.y", "Z");
	sd_bus_message_append(m, "a{sv}", 2, "Name", "s", "a.example", "Addresses", "s", "2001:db8::1");
	r = libpvd_info_read(seal(m), &p);
	ok(r == -EBADMSG && !p, "Addresses of type s is -EBADMSG (r=%d)", r);
	sd_bus_message_unref(m);
	/* No Name: not a PvD object. */
	m = signal_new("/x", "x.y", "Z");
	sd_bus_message_append(m, "a{sv}", 1, "Vrf", "s", "pvd00abcd");
	r = libpvd_info_read(seal(m), &p);
	ok(r == -EBADMSG && !p, "no Name is -EBADMSG (r=%d)", r);
	sd_bus_message_unref(m);
	/* Not a dictionary at all. */
	m = signal_new("/x", "x.y", "Z");
	sd_bus_message_append(m, "s", "a.example");
	r = libpvd_info_read(seal(m), &p);
	ok(r < 0 && !p, "a string instead of a{sv} fails (r=%d)", r);
	sd_bus_message_unref(m);
	CHECK(!pvd_info_free(NULL) && !pvd_info_list_free(NULL));
}

static int event_of(sd_bus_message *m, struct pvd_queued_event *e)
{
	int r = libpvd_event_from_message(seal(m), e);

	sd_bus_message_unref(m);
	return r;
}

static void test_events(void)
{
	struct pvd_queued_event e = { 0 };
	sd_bus_message *m;
	int r;

	m = signal_new("/org/pvd", "org.pvd.Manager", "PvdAdded");
	sd_bus_message_append(m, "os", "/org/pvd/pvd/a_2eexample", "a.example");
	r = event_of(m, &e);
	ok(r == 1 && e.type == PVD_EVENT_ADDED && !strcmp(e.name, "a.example") &&
	   !strcmp(e.path, "/org/pvd/pvd/a_2eexample") && !e.changed && !e.values, "PvdAdded (r=%d)", r);
	libpvd_event_clear(&e);
	m = signal_new("/org/pvd", "org.pvd.Manager", "PvdRemoved");
	sd_bus_message_append(m, "os", "/org/pvd/pvd/fe80_3a_3ac_25eth1", "fe80::c%eth1");
	r = event_of(m, &e);
	ok(r == 1 && e.type == PVD_EVENT_REMOVED && !strcmp(e.name, "fe80::c%eth1"), "PvdRemoved (r=%d)", r);
	libpvd_event_clear(&e);
	m = signal_new("/org/pvd", "org.pvd.Manager", "PvdAdded");
	sd_bus_message_append(m, "s", "a.example");
	r = event_of(m, &e);
	ok(r < 0 && !e.name, "PvdAdded without its object path fails (r=%d)", r);

	/* PropertiesChanged: the name from the object path, changed then
	 * invalidated property names. */
	m = signal_new("/org/pvd/pvd/a_2eexample", "org.freedesktop.DBus.Properties", "PropertiesChanged");
	sd_bus_message_append(m, "sa{sv}as", "org.pvd.Pvd", 2, "Sequence", "q", 2, "DnsServers", "as", 1,
			      "2001:db8:a::54", 1, "AdditionalInfo");
	r = event_of(m, &e);
	ok(r == 1 && e.type == PVD_EVENT_CHANGED && !strcmp(e.name, "a.example") &&
	   !strcmp(e.path, "/org/pvd/pvd/a_2eexample") &&
	   strv_is(e.changed, (const char *[]) { "Sequence", "DnsServers", "AdditionalInfo", NULL }) && e.n_values == 2,
	   "PropertiesChanged of a.example: Sequence, DnsServers, AdditionalInfo invalidated (r=%d)", r);
	/* The values it carried; the rest (Name too) at their defaults. */
	ok(r == 1 && e.values && e.values->sequence == 2 &&
	   strv_is(e.values->dns_servers, (const char *[]) { "2001:db8:a::54", NULL }) && !e.values->name[0] &&
	   !e.values->additional_info[0] && e.values->links && !e.values->links[0],
	   "PropertiesChanged of a.example: Sequence 2, DnsServers 2001:db8:a::54");
	libpvd_event_clear(&e);
	m = signal_new("/org/pvd/pvd/b_2eexample", "org.freedesktop.DBus.Properties", "PropertiesChanged");
	sd_bus_message_append(m, "sa{sv}as", "org.pvd.Pvd", 0, 0);
	r = event_of(m, &e);
	ok(r == 1 && e.changed && !e.changed[0], "PropertiesChanged naming nothing: an empty list (r=%d)", r);
	libpvd_event_clear(&e);
	m = signal_new("/org/pvd", "org.freedesktop.DBus.Properties", "PropertiesChanged");
	sd_bus_message_append(m, "sa{sv}as", "org.pvd.Manager", 1, "Pvds", "ao", 0, 0);
	ok(event_of(m, &e) == 0 && !e.name, "the Manager's PropertiesChanged is no PvD event");
	m = signal_new("/org/other/a_2eexample", "org.freedesktop.DBus.Properties", "PropertiesChanged");
	sd_bus_message_append(m, "sa{sv}as", "org.pvd.Pvd", 0, 0);
	ok(event_of(m, &e) == 0 && !e.name, "a path outside /org/pvd/pvd is no event");
	m = signal_new("/org/pvd/pvd/a_2eexample", "org.freedesktop.DBus.Properties", "PropertiesChanged");
	sd_bus_message_append(m, "sa{sv}s", "org.pvd.Pvd", 1, "Sequence", "q", 2, "oops");
	r = event_of(m, &e);
	ok(r < 0 && !e.name && !e.changed && !e.path && !e.values,
	   "a malformed PropertiesChanged fails, nothing kept (r=%d)", r);
	m = signal_new("/org/pvd/pvd/a_2eexample", "org.freedesktop.DBus.Properties", "PropertiesChanged");
	sd_bus_message_append(m, "sa{sv}as", "org.pvd.Pvd", 1, "Sequence", "s", "two", 0);
	r = event_of(m, &e);
	ok(r == -EBADMSG && !e.name && !e.values, "a known property of another type fails (r=%d)", r);

	m = signal_new("/org/freedesktop/DBus", "org.freedesktop.DBus", "NameOwnerChanged");
	sd_bus_message_append(m, "sss", "org.pvd", "", ":1.7");
	r = event_of(m, &e);
	ok(r == 1 && e.type == PVD_EVENT_DAEMON_STARTED && !e.name, "org.pvd gets an owner: DAEMON_STARTED");
	m = signal_new("/org/freedesktop/DBus", "org.freedesktop.DBus", "NameOwnerChanged");
	sd_bus_message_append(m, "sss", "org.pvd", ":1.7", "");
	r = event_of(m, &e);
	ok(r == 1 && e.type == PVD_EVENT_DAEMON_STOPPED, "org.pvd loses its owner: DAEMON_STOPPED");
	m = signal_new("/org/freedesktop/DBus", "org.freedesktop.DBus", "NameOwnerChanged");
	sd_bus_message_append(m, "sss", "org.other", "", ":1.8");
	ok(event_of(m, &e) == 0, "another name's owner is no event");
	m = signal_new("/org/pvd", "org.pvd.Manager", "SomethingNew");
	ok(event_of(m, &e) == 0, "an unknown signal is no event");
}

/* An addrinfo list from "v6,v4,..." addresses, port 80. */
static struct addrinfo *ai_list(const char *const *addrs)
{
	struct addrinfo *head = NULL, **tail = &head;

	for (; *addrs; addrs++) {
		struct addrinfo *ai = calloc(1, sizeof(*ai));
		struct sockaddr_storage *ss = calloc(1, sizeof(*ss));

		if (!ai || !ss)
			abort();
		if (strchr(*addrs, ':')) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons(80);
			inet_pton(AF_INET6, *addrs, &s6->sin6_addr);
			ai->ai_addrlen = sizeof(*s6);
		} else {
			struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

			s4->sin_family = AF_INET;
			s4->sin_port = htons(80);
			inet_pton(AF_INET, *addrs, &s4->sin_addr);
			ai->ai_addrlen = sizeof(*s4);
		}
		ai->ai_family = ss->ss_family;
		ai->ai_socktype = SOCK_STREAM;
		ai->ai_protocol = IPPROTO_TCP;
		ai->ai_addr = (struct sockaddr *)ss;
		*tail = ai;
		tail = &ai->ai_next;
	}
	return head;
}

static void ai_free(struct addrinfo *ai)
{
	while (ai) {
		struct addrinfo *next = ai->ai_next;

		free(ai->ai_addr);
		free(ai);
		ai = next;
	}
}

/* The candidates as "pvd:address ..." text. */
static char *order_text(const struct he_candidate *c, size_t n)
{
	static char buf[512];
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		char a[INET6_ADDRSTRLEN];
		const void *p = c[i].addr.ss_family == AF_INET6
					? (const void *)&((const struct sockaddr_in6 *)&c[i].addr)->sin6_addr
					: (const void *)&((const struct sockaddr_in *)&c[i].addr)->sin_addr;

		inet_ntop(c[i].addr.ss_family, p, a, sizeof(a));
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%zu:%s", i ? " " : "", c[i].pvd, a);
	}
	return buf;
}

static void he_case(const char *what, const char *const *a, const char *const *b, const char *want)
{
	struct addrinfo *lists[2] = { a ? ai_list(a) : NULL, b ? ai_list(b) : NULL };
	struct he_candidate *c = NULL;
	size_t n = 0;
	int r = he_candidates(lists, 2, &c, &n);

	ok(r == 0 && !strcmp(order_text(c, n), want), "%s: %s", what, r ? strerror(-r) : order_text(c, n));
	free(c);
	ai_free(lists[0]);
	ai_free(lists[1]);
}

static void test_he(void)
{
	he_case("one address each: PvD 0 first", (const char *[]) { "2001:db8:a1::80", NULL },
		(const char *[]) { "2001:db8:b1::80", NULL }, "0:2001:db8:a1::80 1:2001:db8:b1::80");
	he_case("families alternate within a PvD, PvDs take turns",
		(const char *[]) { "2001:db8::1", "2001:db8::2", "192.0.2.1", "192.0.2.2", NULL },
		(const char *[]) { "198.51.100.1", "2001:db8:b::1", NULL },
		"0:2001:db8::1 1:198.51.100.1 0:192.0.2.1 1:2001:db8:b::1 0:2001:db8::2 0:192.0.2.2");
	he_case("duplicates within a PvD go, the same address in two PvDs stays",
		(const char *[]) { "2001:db8::1", "2001:db8::1", "2001:db8::2", NULL },
		(const char *[]) { "2001:db8::1", NULL }, "0:2001:db8::1 1:2001:db8::1 0:2001:db8::2");
	he_case("a PvD without addresses is passed over", NULL, (const char *[]) { "192.0.2.9", NULL },
		"1:192.0.2.9");
	he_case("no addresses: no candidates", NULL, NULL, "");

	/* Not TCP-able: a datagram answer is skipped. */
	struct addrinfo *l = ai_list((const char *[]) { "2001:db8::1", "2001:db8::2", NULL });
	struct he_candidate *c = NULL;
	size_t n = 9;

	l->ai_socktype = SOCK_DGRAM;
	ok(he_candidates(&l, 1, &c, &n) == 0 && n == 1 && !strcmp(order_text(c, n), "0:2001:db8::2"),
	   "a SOCK_DGRAM address is not a candidate");
	free(c);
	ai_free(l);
}

static void test_next(void)
{
	size_t started[3] = { 0 }, avail[3] = { 2, 1, 0 };
	size_t order[4], k = 0, i;

	while ((i = he_next(started, avail, 3)) != SIZE_MAX && k < 4) {
		order[k++] = i;
		started[i]++;
	}
	ok(k == 3 && order[0] == 0 && order[1] == 1 && order[2] == 0, "he_next: PvDs take turns, in order, "
	   "until each is out of addresses");
	/* A late answer: PvD 0 tried twice already, PvD 2's first address
	 * comes before PvD 0's third. */
	size_t started2[3] = { 2, 1, 0 }, avail2[3] = { 3, 1, 1 };

	ok(he_next(started2, avail2, 3) == 2, "he_next: a late PvD goes first (fewest tried)");
	avail2[2] = 0;
	ok(he_next(started2, avail2, 3) == 0, "he_next: else the next address of PvD 0");
	avail2[0] = 2;
	ok(he_next(started2, avail2, 3) == SIZE_MAX, "he_next: none left: SIZE_MAX");

	bool answered[3] = { false, true, true };

	ok(he_allowed(answered, 3, false) == 0, "he_allowed: PvD 0 still resolving holds the others back");
	ok(he_allowed(answered, 3, true) == 3, "he_allowed: ... until the Resolution Delay is over");
	answered[0] = true;
	answered[1] = false;
	ok(he_allowed(answered, 3, false) == 1, "he_allowed: PvD 0 answered, PvD 1 resolving: PvD 0 only");
	answered[1] = true;
	ok(he_allowed(answered, 3, false) == 3, "he_allowed: all answered: all");
}

static void test_errors(void)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int fd;

	sd_bus_error_set(&e, "org.pvd.Error.NoSuchPvd", "No PvD 'x'");
	CHECK(libpvd_bus_errno(&e, -EIO) == -ENOENT);
	sd_bus_error_free(&e);
	sd_bus_error_set(&e, SD_BUS_ERROR_SERVICE_UNKNOWN, "x");
	CHECK(libpvd_bus_errno(&e, -EHOSTUNREACH) == -EHOSTDOWN);
	sd_bus_error_free(&e);
	sd_bus_error_set(&e, SD_BUS_ERROR_NAME_HAS_NO_OWNER, "x");
	CHECK(libpvd_bus_errno(&e, -ENXIO) == -EHOSTDOWN);
	sd_bus_error_free(&e);
	sd_bus_error_set(&e, SD_BUS_ERROR_ACCESS_DENIED, "x");
	CHECK(libpvd_bus_errno(&e, -EACCES) == -EACCES);
	sd_bus_error_free(&e);

	/* A VRF routes IP only: binding a Unix socket is refused, not a no-op. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(libpvd_bind_vrf(fd, "pvd00abcd") == -EAFNOSUPPORT);
	close(fd);
	fd = socket(AF_INET6, SOCK_STREAM, 0);
	int r = libpvd_bind_vrf(fd, "pvdffffff");
	ok(r == -ENODEV || r == -EPERM, "binding to a VRF that does not exist fails (r=%d)", r);
	close(fd);

	CHECK(pvd_close(NULL) == NULL);
	CHECK(pvd_open(NULL) == -EINVAL);
	CHECK(pvd_get(NULL, "a.example", NULL) == -EINVAL);
	CHECK(pvd_list(NULL, NULL, NULL) == -EINVAL);
	CHECK(pvd_bind_socket(NULL, 0, "a.example") == -EINVAL);
	CHECK(pvd_monitor_fd(NULL) == -EINVAL);
	CHECK(pvd_connect(NULL, NULL, 0, "::1", "80", 0, &fd, NULL) == -EINVAL);
	struct addrinfo *res = NULL;

	errno = 0;
	CHECK(pvd_resolve(NULL, "a.example", "::1", NULL, NULL, &res) == EAI_SYSTEM && errno == EINVAL && !res);
	pvd_freeaddrinfo(NULL);
}

int main(void)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 || sd_bus_new(&bus) < 0 ||
	    sd_bus_set_fd(bus, sv[0], sv[0]) < 0 || sd_bus_start(bus) < 0)
		return 99;
	test_props();
	test_events();
	test_he();
	test_next();
	test_errors();
	sd_bus_close_unref(bus);
	close(sv[1]);
	return tap_done();
}
