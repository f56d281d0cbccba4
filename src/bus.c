/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * org.pvd on the system bus: the Manager at /org/pvd and one org.pvd.Pvd
 * object per PvD (the interfaces are documented in man/org.pvd.5).
 *
 * Getters read the live registry and look the PvD up by name on every call,
 * so an object can never show state that the registry no longer has: a PvD
 * that is gone answers org.pvd.Error.NoSuchPvd until bus_sync() removes its
 * object.  Every signal comes from bus_sync(), which the daemon calls after
 * each reconciliation: it keeps, per published PvD, the text of each property
 * as last published and sends PropertiesChanged for exactly the properties
 * whose text differs now.  Lifetimes are not exposed, so a refreshing RA
 * that changes nothing else sends nothing.
 *
 * The connection runs on the daemon's libev loop: an ev_prepare watcher sets
 * an ev_io (sd_bus_get_fd/get_events) and an ev_timer (sd_bus_get_timeout)
 * before the loop blocks, and both call sd_bus_process() until it has
 * nothing left to do (bounded per wakeup; the timer then fires at once).
 *
 * A connection that goes away (dbus-daemon restarted) is opened again after
 * RECONNECT_FIRST, doubling to RECONNECT_MAX; once the name is ours again,
 * bus_sync() publishes every PvD anew, so clients see PvdAdded for each.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>

#include "bus.h"
#include "dns.h"
#include "fetch.h"
#include "log.h"

#define MANAGER_INTERFACE	"org.pvd.Manager"
#define PVD_INTERFACE		"org.pvd.Pvd"
#define ERROR_NO_SUCH_PVD	"org.pvd.Error.NoSuchPvd"
#define PROCESS_MAX		64	/* messages per wakeup, so RAs and timers run too */
#define RECONNECT_FIRST		1.0	/* seconds */
#define RECONNECT_MAX		60.0

/* org.pvd.Pvd properties.  Those before _PROP_TRACKED can change and are
 * compared by bus_sync(); Name and Implicit are the PvD's identity. */
enum pvd_prop {
	PROP_VRF,
	PROP_TABLE,
	PROP_LINKS,
	PROP_ROUTERS,
	PROP_PREFIXES,
	PROP_ADDRESSES,
	PROP_ROUTES,
	PROP_DNS_SERVERS,
	PROP_DNS_SEARCH,
	PROP_SEQUENCE,
	PROP_HFLAG,
	PROP_LFLAG,
	PROP_DELAY,
	PROP_ADDITIONAL_INFO,
	PROP_ADDITIONAL_INFO_STATE,
	PROP_EXPIRES,
	PROP_NO_INTERNET,
	PROP_DNS_ZONES,
	PROP_RESOLV_CONF,
	_PROP_TRACKED,
	PROP_NAME = _PROP_TRACKED,
	PROP_IMPLICIT,
	_PROP_MAX,
};

static const char *const prop_names[_PROP_MAX] = {
	[PROP_VRF] = "Vrf",
	[PROP_TABLE] = "Table",
	[PROP_LINKS] = "Links",
	[PROP_ROUTERS] = "Routers",
	[PROP_PREFIXES] = "Prefixes",
	[PROP_ADDRESSES] = "Addresses",
	[PROP_ROUTES] = "Routes",
	[PROP_DNS_SERVERS] = "DnsServers",
	[PROP_DNS_SEARCH] = "DnsSearch",
	[PROP_SEQUENCE] = "Sequence",
	[PROP_HFLAG] = "HFlag",
	[PROP_LFLAG] = "LFlag",
	[PROP_DELAY] = "Delay",
	[PROP_ADDITIONAL_INFO] = "AdditionalInfo",
	[PROP_ADDITIONAL_INFO_STATE] = "AdditionalInfoState",
	[PROP_EXPIRES] = "Expires",
	[PROP_NO_INTERNET] = "NoInternet",
	[PROP_DNS_ZONES] = "DnsZones",
	[PROP_RESOLV_CONF] = "ResolvConf",
	[PROP_NAME] = "Name",
	[PROP_IMPLICIT] = "Implicit",
};

/* A PvD as last published: its object and each tracked property's text. */
struct published {
	char name[PVD_NAME_MAX];
	char *path;
	sd_bus_slot *slot;
	char *values[_PROP_TRACKED];
};

struct bus {
	sd_bus *bus;
	struct ev_loop *loop;
	ev_io io;
	int io_events;
	ev_timer timer;
	ev_prepare prepare;
	bool named;			/* connected and the name ours: publish */
	ev_timer reconnect;
	double reconnect_delay;		/* before the next attempt */

	const struct pvd_registry *registry;
	const struct pvdinfo_table *info;
	struct bus_counters counters;
	const char *run_dir;

	struct published *pub;
	size_t n_pub;
};

/* ---- property values as text: shared by the getters and bus_sync() ---- */

/* The text one object contributes to a list property; false if none. */
static bool obj_text(const struct pvd_obj *o, enum pvd_prop prop, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	switch (prop) {
	case PROP_LINKS:
		snprintf(buf, size, "%s", o->ifname);
		return true;
	case PROP_ROUTERS:
		if (o->kind != PVD_OBJ_ROUTER)
			return false;
		snprintf(buf, size, "%s%%%s", inet_ntop(AF_INET6, &o->addr, a, sizeof(a)), o->ifname);
		return true;
	case PROP_PREFIXES:
		if (o->kind != PVD_OBJ_PREFIX)
			return false;
		snprintf(buf, size, "%s/%u", inet_ntop(AF_INET6, &o->addr, a, sizeof(a)), o->plen);
		return true;
	case PROP_ADDRESSES:
		if (o->kind != PVD_OBJ_ADDRESS || !o->has_address)
			return false;
		snprintf(buf, size, "%s", inet_ntop(AF_INET6, &o->address, a, sizeof(a)));
		return true;
	case PROP_ROUTES:
		if (o->kind != PVD_OBJ_ROUTE)
			return false;
		snprintf(buf, size, "%s/%u via %s", inet_ntop(AF_INET6, &o->addr, a, sizeof(a)), o->plen,
			 inet_ntop(AF_INET6, &o->router, b, sizeof(b)));
		return true;
	case PROP_DNS_SERVERS:
		if (o->kind != PVD_OBJ_RDNSS)
			return false;
		snprintf(buf, size, "%s", inet_ntop(AF_INET6, &o->addr, a, sizeof(a)));
		return true;
	case PROP_DNS_SEARCH:
		if (o->kind != PVD_OBJ_DNSSL)
			return false;
		snprintf(buf, size, "%s", o->name);
		return true;
	case PROP_VRF:
	case PROP_TABLE:
	case PROP_SEQUENCE:
	case PROP_HFLAG:
	case PROP_LFLAG:
	case PROP_DELAY:
	case PROP_ADDITIONAL_INFO:
	case PROP_ADDITIONAL_INFO_STATE:
	case PROP_EXPIRES:
	case PROP_NO_INTERNET:
	case PROP_DNS_ZONES:
	case PROP_RESOLV_CONF:
	case PROP_NAME:
	case PROP_IMPLICIT:
	case _PROP_MAX:
		break;
	}
	return false;
}

#define ITEM_MAX (NDISC_NAME_MAX + 1 > 2 * INET6_ADDRSTRLEN + 16 ? NDISC_NAME_MAX + 1 : 2 * INET6_ADDRSTRLEN + 16)

static bool same_addr(const struct in6_addr *a, const struct in6_addr *b)
{
	return !memcmp(a, b, sizeof(*a));
}

/* Would b give the same item as a (an object that has one)?  Compared on
 * the fields obj_text() formats, without formatting: this runs for every
 * pair of objects on every bus_sync(). */
static bool same_item(const struct pvd_obj *a, const struct pvd_obj *b, enum pvd_prop prop)
{
	if (prop == PROP_LINKS)
		return !strcmp(a->ifname, b->ifname);
	if (a->kind != b->kind)
		return false;
	switch (prop) {
	case PROP_ROUTERS:
		return same_addr(&a->addr, &b->addr) && !strcmp(a->ifname, b->ifname);
	case PROP_PREFIXES:
		return same_addr(&a->addr, &b->addr) && a->plen == b->plen;
	case PROP_ADDRESSES:
		return b->has_address && same_addr(&a->address, &b->address);
	case PROP_ROUTES:
		return same_addr(&a->addr, &b->addr) && a->plen == b->plen && same_addr(&a->router, &b->router);
	case PROP_DNS_SERVERS:
		return same_addr(&a->addr, &b->addr);
	case PROP_DNS_SEARCH:
		return !strcmp(a->name, b->name);
	case PROP_LINKS:
	case PROP_VRF:
	case PROP_TABLE:
	case PROP_SEQUENCE:
	case PROP_HFLAG:
	case PROP_LFLAG:
	case PROP_DELAY:
	case PROP_ADDITIONAL_INFO:
	case PROP_ADDITIONAL_INFO_STATE:
	case PROP_EXPIRES:
	case PROP_NO_INTERNET:
	case PROP_DNS_ZONES:
	case PROP_RESOLV_CONF:
	case PROP_NAME:
	case PROP_IMPLICIT:
	case _PROP_MAX:
		break;
	}
	return false;
}

/* Call emit() for each distinct item of a list property, in registry order
 * (the same prefix on two links, say, is listed once). */
static int list_items(const struct pvd *p, enum pvd_prop prop, int (*emit)(void *userdata, const char *item),
		      void *userdata)
{
	char item[ITEM_MAX];
	int r;

	for (size_t i = 0; i < p->n_objs; i++) {
		bool seen = false;

		if (!obj_text(&p->objs[i], prop, item, sizeof(item)))
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = same_item(&p->objs[i], &p->objs[j], prop);
		if (seen)
			continue;
		r = emit(userdata, item);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The PvD's Additional Information verdict; NULL: none.  Only a VALID one
 * has an object, an expiry, noInternet and zones. */
static const struct pvdinfo *pvd_info(const struct bus *b, const struct pvd *p)
{
	return pvdinfo_table_find(b->info, p->name);
}

static const struct pvdinfo *pvd_valid_info(const struct bus *b, const struct pvd *p)
{
	const struct pvdinfo *i = pvd_info(b, p);

	return i && i->state == PVDINFO_VALID ? i : NULL;
}

static void info_state_text(const struct bus *b, const struct pvd *p, char *buf, size_t size)
{
	const struct pvdinfo *i = pvd_info(b, p);

	if (i)
		pvdinfo_state_text(i, buf, size);
	else
		snprintf(buf, size, "none");
}

static void resolv_conf_path(const struct bus *b, const struct pvd *p, char *buf, size_t size)
{
	if (dns_path(b->run_dir, p->vrf, buf, size) < 0)
		buf[0] = '\0';
}

static int emit_line(void *userdata, const char *item)
{
	return fprintf(userdata, "%s\n", item) < 0 ? -EIO : 0;
}

/* The text of one tracked property, for comparing; NULL when out of memory. */
static char *prop_text(const struct bus *b, const struct pvd *p, enum pvd_prop prop)
{
	char *text = NULL, path[PVDINFO_REASON_MAX + 32 > 256 ? PVDINFO_REASON_MAX + 32 : 256];
	const struct pvdinfo *info;
	size_t size;
	FILE *f = open_memstream(&text, &size);

	if (!f)
		return NULL;
	switch (prop) {
	case PROP_VRF:
		fputs(p->vrf, f);
		break;
	case PROP_TABLE:
		fprintf(f, "%u", p->table);
		break;
	case PROP_SEQUENCE:
		fprintf(f, "%u", p->sequence);
		break;
	case PROP_HFLAG:
		fputs(p->http ? "true" : "false", f);
		break;
	case PROP_LFLAG:
		fputs(p->legacy ? "true" : "false", f);
		break;
	case PROP_DELAY:
		fprintf(f, "%u", p->delay);
		break;
	case PROP_ADDITIONAL_INFO:
		if ((info = pvd_valid_info(b, p)))
			fputs(info->json, f);
		break;
	case PROP_ADDITIONAL_INFO_STATE:
		info_state_text(b, p, path, sizeof(path));
		fputs(path, f);
		break;
	case PROP_EXPIRES:
		fprintf(f, "%" PRId64, (info = pvd_valid_info(b, p)) ? info->expires : 0);
		break;
	case PROP_NO_INTERNET:
		fputs((info = pvd_valid_info(b, p)) && info->no_internet ? "true" : "false", f);
		break;
	case PROP_DNS_ZONES:
		if ((info = pvd_valid_info(b, p)))
			for (size_t i = 0; i < info->n_dns_zones; i++)
				fprintf(f, "%s\n", info->dns_zones[i]);
		break;
	case PROP_RESOLV_CONF:
		resolv_conf_path(b, p, path, sizeof(path));
		fputs(path, f);
		break;
	case PROP_LINKS:
	case PROP_ROUTERS:
	case PROP_PREFIXES:
	case PROP_ADDRESSES:
	case PROP_ROUTES:
	case PROP_DNS_SERVERS:
	case PROP_DNS_SEARCH:
		list_items(p, prop, emit_line, f);
		break;
	case PROP_NAME:
	case PROP_IMPLICIT:
	case _PROP_MAX:
		assert(!"not a tracked property");
		break;
	}
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* ---- published PvDs ---- */

static struct published *published_find(const struct bus *b, const char *name)
{
	for (size_t i = 0; i < b->n_pub; i++)
		if (!strcmp(b->pub[i].name, name))
			return &b->pub[i];
	return NULL;
}

/* A PvD that clients may see: published and still in the registry. */
static const struct pvd *visible_pvd(const struct bus *b, const char *name, const struct published **ret_pub)
{
	const struct published *e = published_find(b, name);
	const struct pvd *p = e ? pvd_registry_find(b->registry, name) : NULL;

	if (p && ret_pub)
		*ret_pub = e;
	return p;
}

/* The PvD behind an object path, or NoSuchPvd if it is gone. */
static int pvd_from_path(const struct bus *b, const char *path, const struct pvd **ret, sd_bus_error *error)
{
	char *name = NULL;
	const struct pvd *p = NULL;
	int r;

	r = sd_bus_path_decode(path, BUS_PVD_PREFIX, &name);
	if (r < 0)
		return r;
	if (r > 0)
		p = pvd_registry_find(b->registry, name);
	if (!p)
		r = sd_bus_error_setf(error, ERROR_NO_SUCH_PVD, "PvD '%s' is gone", name ? name : path);
	free(name);
	if (!p)
		return r;
	*ret = p;
	return 0;
}

/* ---- org.pvd.Pvd ---- */

static int append_string(void *userdata, const char *item)
{
	return sd_bus_message_append_basic(userdata, 's', item);
}

static int pvd_get(sd_bus *bus, const char *path, const char *interface, const char *property,
		   sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
	const struct bus *b = userdata;
	const struct pvd *p = NULL;
	const struct pvdinfo *info;
	enum pvd_prop prop;
	char buf[PVDINFO_REASON_MAX + 32 > 256 ? PVDINFO_REASON_MAX + 32 : 256];
	int r;

	(void)bus;
	(void)interface;
	r = pvd_from_path(b, path, &p, error);
	if (r < 0)
		return r;
	for (prop = 0; prop < _PROP_MAX; prop++)
		if (!strcmp(prop_names[prop], property))
			break;
	switch (prop) {
	case PROP_NAME:
		return sd_bus_message_append(reply, "s", p->name);
	case PROP_IMPLICIT:
		return sd_bus_message_append(reply, "b", p->implicit);
	case PROP_VRF:
		return sd_bus_message_append(reply, "s", p->vrf);
	case PROP_TABLE:
		return sd_bus_message_append(reply, "u", p->table);
	case PROP_SEQUENCE:
		return sd_bus_message_append(reply, "q", p->sequence);
	case PROP_HFLAG:
		return sd_bus_message_append(reply, "b", p->http);
	case PROP_LFLAG:
		return sd_bus_message_append(reply, "b", p->legacy);
	case PROP_DELAY:
		return sd_bus_message_append(reply, "y", p->delay);
	case PROP_ADDITIONAL_INFO:
		info = pvd_valid_info(b, p);
		return sd_bus_message_append(reply, "s", info ? info->json : "");
	case PROP_ADDITIONAL_INFO_STATE:
		info_state_text(b, p, buf, sizeof(buf));
		return sd_bus_message_append(reply, "s", buf);
	case PROP_EXPIRES:
		info = pvd_valid_info(b, p);
		return sd_bus_message_append(reply, "t", info && info->expires > 0 ? (uint64_t)info->expires : 0);
	case PROP_NO_INTERNET:
		info = pvd_valid_info(b, p);
		return sd_bus_message_append(reply, "b", info && info->no_internet);
	case PROP_DNS_ZONES:
		info = pvd_valid_info(b, p);
		r = sd_bus_message_open_container(reply, 'a', "s");
		for (size_t i = 0; r >= 0 && info && i < info->n_dns_zones; i++)
			r = sd_bus_message_append_basic(reply, 's', info->dns_zones[i]);
		if (r < 0)
			return r;
		return sd_bus_message_close_container(reply);
	case PROP_RESOLV_CONF:
		resolv_conf_path(b, p, buf, sizeof(buf));
		return sd_bus_message_append(reply, "s", buf);
	case PROP_LINKS:
	case PROP_ROUTERS:
	case PROP_PREFIXES:
	case PROP_ADDRESSES:
	case PROP_ROUTES:
	case PROP_DNS_SERVERS:
	case PROP_DNS_SEARCH:
		r = sd_bus_message_open_container(reply, 'a', "s");
		if (r < 0)
			return r;
		r = list_items(p, prop, append_string, reply);
		if (r < 0)
			return r;
		return sd_bus_message_close_container(reply);
	case _PROP_MAX:
		break;
	}
	return sd_bus_error_setf(error, SD_BUS_ERROR_UNKNOWN_PROPERTY, "Unknown property '%s'", property);
}

#define PVD_PROPERTY(prop, sig) \
	SD_BUS_PROPERTY(#prop, sig, pvd_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)

static const sd_bus_vtable pvd_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Name", "s", pvd_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Implicit", "b", pvd_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	PVD_PROPERTY(Vrf, "s"),
	PVD_PROPERTY(Table, "u"),
	PVD_PROPERTY(Links, "as"),
	PVD_PROPERTY(Routers, "as"),
	PVD_PROPERTY(Prefixes, "as"),
	PVD_PROPERTY(Addresses, "as"),
	PVD_PROPERTY(Routes, "as"),
	PVD_PROPERTY(DnsServers, "as"),
	PVD_PROPERTY(DnsSearch, "as"),
	PVD_PROPERTY(Sequence, "q"),
	PVD_PROPERTY(HFlag, "b"),
	PVD_PROPERTY(LFlag, "b"),
	PVD_PROPERTY(Delay, "y"),
	PVD_PROPERTY(AdditionalInfo, "s"),
	PVD_PROPERTY(AdditionalInfoState, "s"),
	PVD_PROPERTY(Expires, "t"),
	PVD_PROPERTY(NoInternet, "b"),
	PVD_PROPERTY(DnsZones, "as"),
	PVD_PROPERTY(ResolvConf, "s"),
	SD_BUS_VTABLE_END
};

/* ---- org.pvd.Manager ---- */

static int manager_get_pvds(sd_bus *bus, const char *path, const char *interface, const char *property,
			    sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
	const struct bus *b = userdata;
	int r;

	(void)bus;
	(void)path;
	(void)interface;
	(void)property;
	(void)error;
	r = sd_bus_message_open_container(reply, 'a', "o");
	for (size_t i = 0; r >= 0 && i < b->n_pub; i++)
		if (visible_pvd(b, b->pub[i].name, NULL))
			r = sd_bus_message_append_basic(reply, 'o', b->pub[i].path);
	if (r < 0)
		return r;
	return sd_bus_message_close_container(reply);
}

static int append_counter(sd_bus_message *reply, const char *key, uint64_t value)
{
	return sd_bus_message_append(reply, "{st}", key, value);
}

/* DroppedRAs, IgnoredOptions, Refusals: every reason of the kind, counted or not. */
static int manager_get_counters(sd_bus *bus, const char *path, const char *interface, const char *property,
				sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
	const struct bus *b = userdata;
	bool dropped = !strcmp(property, "DroppedRAs");
	int r;

	(void)bus;
	(void)path;
	(void)interface;
	(void)error;
	r = sd_bus_message_open_container(reply, 'a', "{st}");
	if (r < 0)
		return r;
	if (!strcmp(property, "Refusals")) {
		const uint64_t *refusals = pvd_registry_refusals(b->registry);

		for (int i = 0; r >= 0 && i < _PVD_REFUSED_MAX; i++)
			r = append_counter(reply, pvd_refusal_to_string(i), refusals[i]);
	} else {
		for (int i = 0; r >= 0 && i < _NDISC_REASON_MAX; i++)
			if (ndisc_reason_rejects_ra(i) == dropped)
				r = append_counter(reply, ndisc_reason_to_string(i),
						   dropped ? b->counters.dropped[i] : b->counters.ignored[i]);
		if (r >= 0 && dropped)
			r = append_counter(reply, "link not managed", *b->counters.not_managed);
		if (r >= 0 && dropped)
			r = append_counter(reply, "receive queue full", *b->counters.lost);
	}
	if (r < 0)
		return r;
	return sd_bus_message_close_container(reply);
}

static int manager_get_reconciles(sd_bus *bus, const char *path, const char *interface, const char *property,
				  sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
	const struct bus *b = userdata;

	(void)bus;
	(void)path;
	(void)interface;
	(void)property;
	(void)error;
	return sd_bus_message_append(reply, "t", *b->counters.reconciles);
}

static int method_list_pvds(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	const struct bus *b = userdata;
	sd_bus_message *reply = NULL;
	int r;

	(void)error;
	r = sd_bus_message_new_method_return(m, &reply);
	if (r >= 0)
		r = sd_bus_message_open_container(reply, 'a', "(so)");
	for (size_t i = 0; r >= 0 && i < b->n_pub; i++)
		if (visible_pvd(b, b->pub[i].name, NULL))
			r = sd_bus_message_append(reply, "(so)", b->pub[i].name, b->pub[i].path);
	if (r >= 0)
		r = sd_bus_message_close_container(reply);
	if (r >= 0)
		r = sd_bus_send(NULL, reply, NULL);
	sd_bus_message_unref(reply);
	return r;
}

/* Explicit PvD names are normalised FQDNs (lowercase, no trailing dot):
 * accept "A.Example." for "a.example".  Implicit ones ("fe80::1%eth0") are
 * matched as given. */
static const struct pvd *lookup_pvd(const struct bus *b, const char *name, const struct published **ret_pub)
{
	char norm[PVD_NAME_MAX];
	size_t len = strlen(name);
	const struct pvd *p = visible_pvd(b, name, ret_pub);

	if (p || strchr(name, '%') || len == 0 || len >= sizeof(norm))
		return p;
	for (size_t i = 0; i <= len; i++)
		norm[i] = (char)tolower((unsigned char)name[i]);
	if (len > 1 && norm[len - 1] == '.')
		norm[len - 1] = '\0';
	return visible_pvd(b, norm, ret_pub);
}

static int method_get_pvd(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	const struct bus *b = userdata;
	const struct published *e = NULL;
	const char *name;
	int r;

	r = sd_bus_message_read(m, "s", &name);
	if (r < 0)
		return r;
	if (!lookup_pvd(b, name, &e))
		return sd_bus_error_setf(error, ERROR_NO_SUCH_PVD, "No PvD named '%s'", name);
	return sd_bus_reply_method_return(m, "o", e->path);
}

static const sd_bus_vtable manager_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Pvds", "ao", manager_get_pvds, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	/* Counters change with every RA: read on demand, never signalled. */
	SD_BUS_PROPERTY("DroppedRAs", "a{st}", manager_get_counters, 0, 0),
	SD_BUS_PROPERTY("IgnoredOptions", "a{st}", manager_get_counters, 0, 0),
	SD_BUS_PROPERTY("Refusals", "a{st}", manager_get_counters, 0, 0),
	SD_BUS_PROPERTY("Reconciles", "t", manager_get_reconciles, 0, 0),
	SD_BUS_METHOD_WITH_ARGS("ListPvds", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(so)", pvds),
				method_list_pvds, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("GetPvd", SD_BUS_ARGS("s", name), SD_BUS_RESULT("o", pvd),
				method_get_pvd, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_SIGNAL_WITH_ARGS("PvdAdded", SD_BUS_ARGS("o", pvd, "s", name), 0),
	SD_BUS_SIGNAL_WITH_ARGS("PvdRemoved", SD_BUS_ARGS("o", pvd, "s", name), 0),
	SD_BUS_VTABLE_END
};

/* ---- bus_sync(): the one place signals come from ---- */

static void published_clear(struct published *e)
{
	e->slot = sd_bus_slot_unref(e->slot);
	free(e->path);
	for (int i = 0; i < _PROP_TRACKED; i++)
		free(e->values[i]);
}

static void warn_emit(const char *what, const char *name, int r)
{
	if (r < 0)
		log_warning("D-Bus: cannot send %s for PvD '%s': %s, ignoring", what, name, strerror(-r));
}

static void unpublish(struct bus *b, size_t i)
{
	struct published *e = &b->pub[i];

	warn_emit("PvdRemoved", e->name,
		  sd_bus_emit_signal(b->bus, BUS_MANAGER_PATH, MANAGER_INTERFACE, "PvdRemoved", "os", e->path,
				     e->name));
	/* InterfacesRemoved needs the object still registered. */
	warn_emit("InterfacesRemoved", e->name, sd_bus_emit_object_removed(b->bus, e->path));
	log_debug("D-Bus: PvD '%s' removed (%s)", e->name, e->path);
	published_clear(e);
	memmove(e, e + 1, (b->n_pub - i - 1) * sizeof(*e));
	b->n_pub--;
}

static int publish(struct bus *b, const struct pvd *p)
{
	struct published *pub, *e;
	int r;

	pub = realloc(b->pub, (b->n_pub + 1) * sizeof(*pub));
	if (!pub)
		return -ENOMEM;
	b->pub = pub;
	e = &pub[b->n_pub];
	*e = (struct published) { .slot = NULL };
	snprintf(e->name, sizeof(e->name), "%s", p->name);
	r = sd_bus_path_encode(BUS_PVD_PREFIX, p->name, &e->path);
	if (r >= 0)
		r = sd_bus_add_object_vtable(b->bus, &e->slot, e->path, PVD_INTERFACE, pvd_vtable, b);
	if (r < 0) {
		published_clear(e);
		return r;
	}
	for (int i = 0; i < _PROP_TRACKED; i++)
		e->values[i] = prop_text(b, p, i);
	b->n_pub++;
	warn_emit("InterfacesAdded", e->name, sd_bus_emit_object_added(b->bus, e->path));
	warn_emit("PvdAdded", e->name,
		  sd_bus_emit_signal(b->bus, BUS_MANAGER_PATH, MANAGER_INTERFACE, "PvdAdded", "os", e->path,
				     e->name));
	log_debug("D-Bus: PvD '%s' added (%s)", e->name, e->path);
	return 0;
}

/* PropertiesChanged for the properties whose text differs from the last one
 * published (all values included, none invalidated). */
static void republish(struct bus *b, struct published *e, const struct pvd *p)
{
	char *names[_PROP_TRACKED + 1];
	size_t n = 0;

	for (int i = 0; i < _PROP_TRACKED; i++) {
		char *text = prop_text(b, p, i);

		if (!text)
			continue;	/* out of memory: compare again next time */
		if (e->values[i] && !strcmp(text, e->values[i])) {
			free(text);
			continue;
		}
		free(e->values[i]);
		e->values[i] = text;
		names[n++] = (char *)prop_names[i];
	}
	if (n == 0)
		return;
	names[n] = NULL;
	warn_emit("PropertiesChanged", e->name,
		  sd_bus_emit_properties_changed_strv(b->bus, e->path, PVD_INTERFACE, names));
}

void bus_sync(struct bus *b, const struct pvd_registry *registry)
{
	bool set_changed = false;
	int r;

	if (!b || !b->named)
		return;
	assert(registry == b->registry);
	for (size_t i = b->n_pub; i-- > 0;)
		if (!pvd_registry_find(registry, b->pub[i].name)) {
			unpublish(b, i);
			set_changed = true;
		}
	for (size_t i = 0; i < pvd_registry_count(registry); i++) {
		const struct pvd *p = pvd_registry_get(registry, i);
		struct published *e = published_find(b, p->name);

		if (e) {
			republish(b, e, p);
			continue;
		}
		r = publish(b, p);
		if (r < 0)
			log_warning("D-Bus: cannot publish PvD '%s': %s, ignoring", p->name, strerror(-r));
		else
			set_changed = true;
	}
	if (set_changed)
		warn_emit("PropertiesChanged", "(all)",
			  sd_bus_emit_properties_changed(b->bus, BUS_MANAGER_PATH, MANAGER_INTERFACE, "Pvds", NULL));
}

/* ---- the connection on the libev loop ---- */

/* Off the loop, and the objects of that connection forgotten: they were
 * registered on it, and a new connection publishes them anew. */
static void bus_drop(struct bus *b)
{
	ev_io_stop(b->loop, &b->io);
	ev_timer_stop(b->loop, &b->timer);
	ev_prepare_stop(b->loop, &b->prepare);
	b->io_events = 0;
	b->named = false;
	for (size_t i = 0; i < b->n_pub; i++)
		published_clear(&b->pub[i]);
	b->n_pub = 0;
	b->bus = sd_bus_flush_close_unref(b->bus);
}

/* The next attempt after the current delay, which then doubles. */
static void bus_retry(struct bus *b)
{
	ev_timer_set(&b->reconnect, b->reconnect_delay, 0);
	ev_timer_start(b->loop, &b->reconnect);
	b->reconnect_delay = b->reconnect_delay * 2 < RECONNECT_MAX ? b->reconnect_delay * 2 : RECONNECT_MAX;
}

/* The connection failed: once working, it is lost (said once, as a
 * warning); still connecting, the attempt failed (debug: it repeats). */
static void bus_lost(struct bus *b, int error)
{
	if (b->named) {
		log_warning("D-Bus connection lost: %s; reconnecting", strerror(-error));
		b->reconnect_delay = RECONNECT_FIRST;
	} else {
		log_debug("D-Bus: cannot connect to the system bus: %s; next attempt in %g s", strerror(-error),
			  b->reconnect_delay);
	}
	bus_drop(b);
	bus_retry(b);
}

static void bus_process(struct bus *b)
{
	for (int i = 0; i < PROCESS_MAX; i++) {
		int r = sd_bus_process(b->bus, NULL);

		if (r == 0)
			return;
		if (r < 0) {
			bus_lost(b, r);
			return;
		}
	}
}

static void on_bus_io(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	bus_process(w->data);
}

static void on_bus_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	bus_process(w->data);
}

/* Before the loop blocks: wait for what sd-bus wants, until its timeout. */
static void on_bus_prepare(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct bus *b = w->data;
	int events, want;
	uint64_t until;
	struct timespec ts;

	(void)revents;
	events = sd_bus_get_events(b->bus);
	if (events < 0) {
		bus_lost(b, events);
		return;
	}
	want = (events & POLLIN ? EV_READ : 0) | (events & POLLOUT ? EV_WRITE : 0);
	if (want != b->io_events) {
		ev_io_stop(loop, &b->io);
		ev_io_set(&b->io, b->io.fd, want);
		if (want)
			ev_io_start(loop, &b->io);
		b->io_events = want;
	}
	ev_timer_stop(loop, &b->timer);
	if (sd_bus_get_timeout(b->bus, &until) < 0 || until == UINT64_MAX)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
	ev_timer_set(&b->timer, until > now ? (double)(until - now) / 1e6 : 0, 0);
	ev_timer_start(loop, &b->timer);
}

static void bus_named(struct bus *b)
{
	b->named = true;
	b->reconnect_delay = RECONNECT_FIRST;
}

/* The RequestName reply on a new connection (org.freedesktop.DBus: 1 primary
 * owner, 4 already the owner; we never queue). */
static int on_name(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct bus *b = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(m);
	uint32_t reply = 0;

	(void)error;
	if (e)
		log_warning("D-Bus: cannot own %s: %s", BUS_NAME, e->message);
	else if (sd_bus_message_read(m, "u", &reply) < 0 || (reply != 1 && reply != 4))
		log_warning("D-Bus: cannot own %s: it has another owner", BUS_NAME);
	if (e || (reply != 1 && reply != 4)) {
		/* bus_lost() from the loop, outside this callback of the connection. */
		sd_bus_close(b->bus);
		return 0;
	}
	bus_named(b);
	log_info("%s on the system bus again", BUS_NAME);
	bus_sync(b, b->registry);
	return 0;
}

/*
 * A connection, the Manager, and the name: synchronously at start, so that
 * a second instance or a missing policy (-EEXIST, -EACCES) is reported
 * before the daemon says it started; asynchronously on reconnection, so that
 * a slow bus never holds up the loop (and the watchdog).
 */
static int bus_connect(struct bus *b, bool sync)
{
	int r;

	r = sd_bus_open_system(&b->bus);
	if (r >= 0)
		r = sd_bus_add_object_vtable(b->bus, NULL, BUS_MANAGER_PATH, MANAGER_INTERFACE, manager_vtable, b);
	if (r >= 0)
		r = sd_bus_add_object_manager(b->bus, NULL, BUS_MANAGER_PATH);
	if (r >= 0)
		r = sync ? sd_bus_request_name(b->bus, BUS_NAME, 0) :
			   sd_bus_request_name_async(b->bus, NULL, BUS_NAME, 0, on_name, b);
	if (r >= 0)
		r = sd_bus_get_fd(b->bus);
	if (r < 0) {
		b->bus = sd_bus_flush_close_unref(b->bus);
		return r;
	}
	ev_io_set(&b->io, r, 0);
	ev_prepare_start(b->loop, &b->prepare);
	if (sync)
		bus_named(b);
	return 0;
}

static void on_reconnect(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct bus *b = w->data;
	int r;

	(void)loop;
	(void)revents;
	r = bus_connect(b, false);
	if (r < 0)
		bus_lost(b, r);
}

int bus_open(struct ev_loop *loop, const struct pvd_registry *registry,
	     const struct bus_counters *counters, const char *run_dir, struct bus **ret)
{
	struct bus *b;
	int r;

	assert(loop && registry && counters && ret);
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	*b = (struct bus) {
		.loop = loop, .registry = registry, .counters = *counters, .run_dir = run_dir,
		.reconnect_delay = RECONNECT_FIRST,
	};
	ev_io_init(&b->io, on_bus_io, -1, 0);
	ev_timer_init(&b->timer, on_bus_timer, 0, 0);
	ev_prepare_init(&b->prepare, on_bus_prepare);
	ev_timer_init(&b->reconnect, on_reconnect, 0, 0);
	b->io.data = b->timer.data = b->prepare.data = b->reconnect.data = b;
	r = bus_connect(b, true);
	if (r < 0) {
		free(b);
		return r;
	}
	*ret = b;
	return 0;
}

void bus_set_info(struct bus *b, const struct pvdinfo_table *info)
{
	if (b)
		b->info = info;
}

struct bus *bus_close(struct bus *b)
{
	if (!b)
		return NULL;
	ev_timer_stop(b->loop, &b->reconnect);
	bus_drop(b);
	free(b->pub);
	free(b);
	return NULL;
}
