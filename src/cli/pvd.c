/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pvd: command-line client of pvd-vrfd (org.pvd on the system bus).  A thin
 * D-Bus client: everything it prints comes from the daemon's objects. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "config.h"
#include "connect.h"
#include "pvd.h"

static bool opt_json;
static bool opt_names;

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: pvd [OPTIONS] COMMAND ...\n"
		"Inspect and use IPv6 Provisioning Domains managed by pvd-vrfd.\n\n"
		"Commands:\n"
		"  list [--json|--names]        list known PvDs\n"
		"  show [--json] NAME           show every property of one PvD\n"
		"  monitor [--json]             print PvD events, one a line, until interrupted\n"
		"  exec NAME -- CMD [ARGS...]   run CMD bound to the PvD's VRF and resolvers\n"
		"  connect NAME[,NAME...] HOST PORT\n"
		"                               connect to HOST over whichever PvD answers first\n\n"
		"Options:\n"
		"  -j, --json           JSON output (list, show, monitor)\n"
		"      --names          list: PvD names only, one a line\n"
		"  -h, --help           show this help and exit\n"
		"      --version        show the version and exit\n");
}

__attribute__((format(printf, 1, 2))) static int bad_usage(const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		fputs("pvd: ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	usage(stderr);
	return 2;
}

int pvd_bus_error(const char *what, const sd_bus_error *err, int r)
{
	if (sd_bus_error_has_names(err, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER) ||
	    r == -EHOSTDOWN)
		fprintf(stderr, "pvd: pvd-vrfd is not running (nobody owns %s on the system bus)\n",
			PVD_BUS_NAME);
	else
		fprintf(stderr, "pvd: %s: %s\n", what,
			err && err->message ? err->message : strerror(-r));
	return 1;
}

static int bus_open(sd_bus **bus)
{
	int r = sd_bus_open_system(bus);

	if (r < 0) {
		const char *addr = getenv("DBUS_SYSTEM_BUS_ADDRESS");

		fprintf(stderr, "pvd: cannot connect to the system bus%s%s: %s "
			"(is dbus running? pvd-vrfd is not reachable without it)\n",
			addr ? " at " : "", addr ? addr : "", strerror(-r));
		return 1;
	}
	return 0;
}

/* ---- properties, read into JSON (the one model both outputs print) ---- */

static json_object *read_variant(sd_bus_message *m, const char *sig)
{
	json_object *j = NULL;
	int r;

	if (!strcmp(sig, "s") || !strcmp(sig, "o")) {
		const char *s;

		r = sd_bus_message_read_basic(m, sig[0], &s);
		if (r >= 0)
			j = json_object_new_string(s);
	} else if (!strcmp(sig, "b")) {
		int b;

		r = sd_bus_message_read_basic(m, 'b', &b);
		if (r >= 0)
			j = json_object_new_boolean(b);
	} else if (!strcmp(sig, "u")) {
		uint32_t u;

		r = sd_bus_message_read_basic(m, 'u', &u);
		if (r >= 0)
			j = json_object_new_int64(u);
	} else if (!strcmp(sig, "t")) {
		uint64_t t;

		r = sd_bus_message_read_basic(m, 't', &t);
		if (r >= 0)
			j = json_object_new_int64(t > INT64_MAX ? INT64_MAX : (int64_t)t);
	} else if (!strcmp(sig, "q")) {
		uint16_t q;

		r = sd_bus_message_read_basic(m, 'q', &q);
		if (r >= 0)
			j = json_object_new_int(q);
	} else if (!strcmp(sig, "y")) {
		uint8_t y;

		r = sd_bus_message_read_basic(m, 'y', &y);
		if (r >= 0)
			j = json_object_new_int(y);
	} else if (!strcmp(sig, "as") || !strcmp(sig, "ao")) {
		char **v = NULL;

		r = sd_bus_message_read_strv(m, &v);
		if (r >= 0) {
			j = json_object_new_array();
			for (char **p = v; p && *p; p++)
				json_object_array_add(j, json_object_new_string(*p));
		}
		for (char **p = v; p && *p; p++)
			free(*p);
		free(v);
	} else {
		r = sd_bus_message_skip(m, sig);	/* a type this client does not know */
	}
	return r < 0 ? NULL : j ? j : json_object_new_null();
}

/* read_props: a{sv} (GetAll's reply, PropertiesChanged's second argument)
 * into OBJ; properties of unknown types become null. */
static int read_props(sd_bus_message *m, json_object *obj)
{
	int r = sd_bus_message_enter_container(m, 'a', "{sv}");

	if (r < 0)
		return r;
	while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		const char *name, *sig;
		json_object *v;

		if ((r = sd_bus_message_read_basic(m, 's', &name)) < 0 ||
		    (r = sd_bus_message_peek_type(m, NULL, &sig)) < 0 ||
		    (r = sd_bus_message_enter_container(m, 'v', sig)) < 0)
			return r;
		v = read_variant(m, sig);
		if (!v)
			return -EBADMSG;
		json_object_object_add(obj, name, v);
		if ((r = sd_bus_message_exit_container(m)) < 0 ||
		    (r = sd_bus_message_exit_container(m)) < 0)
			return r;
	}
	if (r < 0)
		return r;
	return sd_bus_message_exit_container(m);
}

static int get_all(sd_bus *bus, const char *path, json_object **out)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	json_object *obj;
	int r;

	r = sd_bus_call_method(bus, PVD_BUS_NAME, path, "org.freedesktop.DBus.Properties", "GetAll",
			       &err, &reply, "s", PVD_PVD_IFACE);
	if (r < 0) {
		/* Vanished between the list and this call (org.pvd(5): reads
		 * fail with NoSuchPvd until PvdRemoved): not an error. */
		if (sd_bus_error_has_names(&err, SD_BUS_ERROR_UNKNOWN_OBJECT, SD_BUS_ERROR_UNKNOWN_INTERFACE,
					   "org.pvd.Error.NoSuchPvd")) {
			sd_bus_error_free(&err);
			*out = NULL;
			return 0;
		}
		r = pvd_bus_error("GetAll", &err, r);
		sd_bus_error_free(&err);
		return -r;
	}
	obj = json_object_new_object();
	if ((r = read_props(reply, obj)) < 0) {
		fprintf(stderr, "pvd: bad reply from pvd-vrfd for %s: %s\n", path, strerror(-r));
		json_object_put(obj);
		sd_bus_message_unref(reply);
		return -1;
	}
	sd_bus_message_unref(reply);
	*out = obj;
	return 0;
}

static const char *jstr(json_object *obj, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return "";
	return json_object_get_string(v);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(jstr(*(json_object *const *)a, "Name"), jstr(*(json_object *const *)b, "Name"));
}

/* list_all: every PvD's properties, sorted by name, into a JSON array. */
static int list_all(sd_bus *bus, json_object **out)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;
	char **paths = NULL;
	json_object *arr;
	int r, rc = 0;

	r = sd_bus_get_property_strv(bus, PVD_BUS_NAME, PVD_MANAGER_PATH, PVD_MANAGER_IFACE, "Pvds",
				     &err, &paths);
	if (r < 0) {
		r = pvd_bus_error("cannot read the list of PvDs", &err, r);
		sd_bus_error_free(&err);
		return -r;
	}
	arr = json_object_new_array();
	for (char **p = paths; p && *p; p++) {
		json_object *obj;

		if (!rc && get_all(bus, *p, &obj) < 0)
			rc = -1;
		else if (!rc && obj)
			json_object_array_add(arr, obj);
		free(*p);
	}
	free(paths);
	if (rc < 0) {
		json_object_put(arr);
		return rc;
	}
	json_object_array_sort(arr, by_name);
	*out = arr;
	return 0;
}

int pvd_object_path(sd_bus *bus, const char *name, char **path)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	const char *p;
	json_object *all;
	int r;

	r = sd_bus_call_method(bus, PVD_BUS_NAME, PVD_MANAGER_PATH, PVD_MANAGER_IFACE, "GetPvd",
			       &err, &reply, "s", name);
	if (r >= 0) {
		r = sd_bus_message_read_basic(reply, 'o', &p);
		if (r >= 0)
			*path = strdup(p);
		sd_bus_message_unref(reply);
		if (r < 0 || !*path) {
			fprintf(stderr, "pvd: bad reply from pvd-vrfd to GetPvd\n");
			return -1;
		}
		return 0;
	}
	if (!sd_bus_error_has_name(&err, "org.pvd.Error.NoSuchPvd")) {
		pvd_bus_error("GetPvd", &err, r);
		sd_bus_error_free(&err);
		return -1;
	}
	sd_bus_error_free(&err);
	fprintf(stderr, "pvd: no PvD '%s'; known PvDs: ", name);
	if (list_all(bus, &all) < 0) {
		fputs("(unknown)\n", stderr);
		return -1;
	}
	if (json_object_array_length(all) == 0)
		fputs("none", stderr);
	for (size_t i = 0; i < json_object_array_length(all); i++)
		fprintf(stderr, "%s%s", i ? ", " : "", jstr(json_object_array_get_idx(all, i), "Name"));
	fputc('\n', stderr);
	json_object_put(all);
	return -1;
}

/* ---- printing ---- */

static void print_json(json_object *obj, int flags)
{
	puts(json_object_to_json_string_ext(obj, flags | JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* value_text: one property as text; arrays joined by SEP. Returns malloc'd. */
static char *value_text(json_object *v, const char *sep)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return strdup("?");
	switch (json_object_get_type(v)) {
	case json_type_boolean:
		fputs(json_object_get_boolean(v) ? "yes" : "no", f);
		break;
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(v); i++)
			fprintf(f, "%s%s", i ? sep : "",
				json_object_get_string(json_object_array_get_idx(v, i)));
		if (json_object_array_length(v) == 0)
			fputs("-", f);
		break;
	case json_type_string:
		fputs(*json_object_get_string(v) ? json_object_get_string(v) : "-", f);
		break;
	case json_type_null:
		fputs("?", f);
		break;
	case json_type_int:
	case json_type_double:
	case json_type_object:
		fputs(json_object_get_string(v), f);
		break;
	}
	fclose(f);
	return s;
}

static char *field_text(json_object *obj, const char *key, const char *sep)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v))
		return strdup("-");
	return value_text(v, sep);
}

static int cmd_list(sd_bus *bus)
{
	static const char *const cols[] = { "NAME", "VRF", "TABLE", "LINKS" };
	static const char *const keys[] = { "Name", "Vrf", "Table", "Links" };
	enum { NCOLS = 4 };
	json_object *all;
	size_t n, w[NCOLS];

	if (list_all(bus, &all) < 0)
		return 1;
	n = json_object_array_length(all);
	if (opt_json) {
		print_json(all, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED);
	} else if (opt_names) {
		for (size_t i = 0; i < n; i++)
			puts(jstr(json_object_array_get_idx(all, i), "Name"));
	} else {
		for (int c = 0; c < NCOLS; c++)
			w[c] = strlen(cols[c]);
		for (size_t i = 0; i < n; i++)
			for (int c = 0; c < NCOLS; c++) {
				char *t = field_text(json_object_array_get_idx(all, i), keys[c], ",");

				if (strlen(t) > w[c])
					w[c] = strlen(t);
				free(t);
			}
		for (int c = 0; c < NCOLS; c++)
			printf("%-*s  ", (int)w[c], cols[c]);
		puts("ADDRESSES");
		/* One address a line: the other columns are blank on the extra lines. */
		for (size_t i = 0; i < n; i++) {
			json_object *obj = json_object_array_get_idx(all, i), *addrs;
			size_t na = 0;

			for (int c = 0; c < NCOLS; c++) {
				char *t = field_text(obj, keys[c], ",");

				printf("%-*s  ", (int)w[c], t);
				free(t);
			}
			if (json_object_object_get_ex(obj, "Addresses", &addrs) &&
			    json_object_is_type(addrs, json_type_array))
				na = json_object_array_length(addrs);
			puts(na ? json_object_get_string(json_object_array_get_idx(addrs, 0)) : "-");
			for (size_t k = 1; k < na; k++) {
				for (int c = 0; c < NCOLS; c++)
					printf("%-*s  ", (int)w[c], "");
				puts(json_object_get_string(json_object_array_get_idx(addrs, k)));
			}
		}
		if (n == 0)
			fputs("(no PvDs)\n", stderr);
	}
	json_object_put(all);
	return 0;
}

/* AdditionalInfo is JSON text on the bus: --json embeds it as an object
 * (null when empty); text output prints it indented, one member a line,
 * and Expires as a UTC date.  The daemon sends only validated JSON, which
 * json-c re-escapes, so no control character reaches the terminal. */
static void show_additional_info(json_object *obj)
{
	json_object *v, *info = NULL;
	const char *text = jstr(obj, "AdditionalInfo");

	if (text[0])
		info = json_tokener_parse(text);
	if (opt_json) {
		json_object_object_add(obj, "AdditionalInfo", info);
		return;
	}
	if (info) {
		json_object_object_add(obj, "AdditionalInfo",
				       json_object_new_string(json_object_to_json_string_ext(
					       info, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
							     JSON_C_TO_STRING_NOSLASHESCAPE)));
		json_object_put(info);
	} else if (json_object_object_get_ex(obj, "AdditionalInfo", &v)) {
		json_object_object_add(obj, "AdditionalInfo", json_object_new_string("-"));
	}
	if (json_object_object_get_ex(obj, "Expires", &v)) {
		time_t t = (time_t)json_object_get_int64(v);
		char buf[64];
		struct tm tm;

		if (t > 0 && gmtime_r(&t, &tm) && strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
			json_object_object_add(obj, "Expires", json_object_new_string(buf));
		else
			json_object_object_add(obj, "Expires", json_object_new_string("-"));
	}
}

static int cmd_show(sd_bus *bus, const char *name)
{
	json_object *obj = NULL;
	char *path = NULL;
	size_t w = 0;

	if (pvd_object_path(bus, name, &path) < 0)
		return 1;
	if (get_all(bus, path, &obj) < 0 || !obj) {
		if (!obj)
			fprintf(stderr, "pvd: PvD '%s' disappeared\n", name);
		free(path);
		return 1;
	}
	show_additional_info(obj);
	if (opt_json) {
		json_object_object_add(obj, "Path", json_object_new_string(path));
		print_json(obj, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED);
	} else {
		json_object_object_foreach(obj, k1, v1) {
			(void)v1;
			if (strlen(k1) > w)
				w = strlen(k1);
		}
		printf("%-*s  %s\n", (int)w + 1, "Path:", path);
		/* Lists: one item a line, aligned under the first. */
		json_object_object_foreach(obj, key, val) {
			char *t = value_text(val, "\n");
			char *line = t, *nl;

			printf("%s:%*s  ", key, (int)(w - strlen(key)), "");
			do {
				nl = strchr(line, '\n');
				if (nl)
					*nl = '\0';
				printf("%s\n", line);
				if (nl)
					printf("%*s", (int)w + 3, "");
				line = nl + 1;
			} while (nl);
			free(t);
		}
	}
	json_object_put(obj);
	free(path);
	return 0;
}

/* ---- monitor ---- */

static char *name_of_path(const char *path)
{
	char *name = NULL;

	if (sd_bus_path_decode(path, PVD_PVD_PREFIX, &name) <= 0)
		return strdup(path);
	return name;
}

static void event_line(const char *event, const char *path, const char *name, json_object *props)
{
	if (opt_json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "event", json_object_new_string(event));
		if (name)
			json_object_object_add(o, "name", json_object_new_string(name));
		if (path)
			json_object_object_add(o, "path", json_object_new_string(path));
		if (props)
			json_object_object_add(o, "properties", json_object_get(props));
		print_json(o, JSON_C_TO_STRING_PLAIN);
		json_object_put(o);
	} else {
		if (name)
			printf("%-7s %s", event, name);
		else
			fputs(event, stdout);
		if (props) {
			json_object_object_foreach(props, key, val) {
				char *t = value_text(val, ",");

				printf(" %s=%s", key, t);
				free(t);
			}
		}
		putchar('\n');
	}
	fflush(stdout);
}

static int on_added_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	const char *path, *name;

	(void)userdata;
	(void)ret_error;
	if (sd_bus_message_read(m, "os", &path, &name) < 0)
		return 0;
	event_line(sd_bus_message_is_signal(m, PVD_MANAGER_IFACE, "PvdAdded") ? "added" : "removed",
		   path, name, NULL);
	return 0;
}

static int on_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	const char *iface, *path = sd_bus_message_get_path(m);
	json_object *props;
	char **inval = NULL;
	char *name;

	(void)userdata;
	(void)ret_error;
	if (sd_bus_message_read_basic(m, 's', &iface) < 0 || strcmp(iface, PVD_PVD_IFACE) != 0)
		return 0;
	props = json_object_new_object();
	if (read_props(m, props) >= 0 && sd_bus_message_read_strv(m, &inval) >= 0) {
		/* Invalidated without a value: say so rather than guess. */
		for (char **p = inval; p && *p; p++)
			json_object_object_add(props, *p, NULL);
		name = name_of_path(path);
		event_line("changed", path, name, props);
		free(name);
	}
	for (char **p = inval; p && *p; p++)
		free(*p);
	free(inval);
	json_object_put(props);
	return 0;
}

static int on_owner(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	const char *name, *old, *new;

	(void)userdata;
	(void)ret_error;
	if (sd_bus_message_read(m, "sss", &name, &old, &new) < 0)
		return 0;
	if (*new)
		event_line("daemon-started", NULL, NULL, NULL);
	else
		event_line("daemon-stopped", NULL, NULL, NULL);
	return 0;
}

static int cmd_monitor(sd_bus *bus)
{
	sd_event *ev = NULL;
	sigset_t ss;
	json_object *all;
	int r;

	sigemptyset(&ss);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGTERM);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	if ((r = sd_event_default(&ev)) < 0 ||
	    (r = sd_event_add_signal(ev, NULL, SIGINT, NULL, NULL)) < 0 ||
	    (r = sd_event_add_signal(ev, NULL, SIGTERM, NULL, NULL)) < 0 ||
	    (r = sd_bus_attach_event(bus, ev, SD_EVENT_PRIORITY_NORMAL)) < 0 ||
	    (r = sd_bus_match_signal(bus, NULL, PVD_BUS_NAME, PVD_MANAGER_PATH, PVD_MANAGER_IFACE,
				     "PvdAdded", on_added_removed, NULL)) < 0 ||
	    (r = sd_bus_match_signal(bus, NULL, PVD_BUS_NAME, PVD_MANAGER_PATH, PVD_MANAGER_IFACE,
				     "PvdRemoved", on_added_removed, NULL)) < 0 ||
	    (r = sd_bus_add_match(bus, NULL,
				  "type='signal',sender='" PVD_BUS_NAME "',"
				  "interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',"
				  "path_namespace='" PVD_PVD_PREFIX "'", on_changed, NULL)) < 0 ||
	    (r = sd_bus_add_match(bus, NULL,
				  "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
				  "interface='org.freedesktop.DBus',member='NameOwnerChanged',"
				  "arg0='" PVD_BUS_NAME "'", on_owner, NULL)) < 0) {
		fprintf(stderr, "pvd: cannot watch the bus: %s\n", strerror(-r));
		sd_event_unref(ev);
		return 1;
	}
	/* The matches are in place before this check: no event is lost between. */
	if (list_all(bus, &all) < 0) {
		sd_event_unref(ev);
		return 1;
	}
	json_object_put(all);
	/* On standard error, so the event stream stays as documented: from here
	 * on no event is missed, which scripts (and the tests) can wait for. */
	fputs("pvd: monitoring org.pvd\n", stderr);
	r = sd_event_loop(ev);
	sd_bus_detach_event(bus);
	sd_event_unref(ev);
	if (r < 0) {
		fprintf(stderr, "pvd: monitor: %s\n", strerror(-r));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "json", no_argument, NULL, 'j' },
		{ "names", no_argument, NULL, 'n' },
		{ 0 }
	};
	const char *cmd, *name = NULL;
	sd_bus *bus = NULL;
	int c, rc;

	/* Two passes: options before the command ('+': stop at the command),
	 * then, for list/show/monitor only, options anywhere after it.  exec's
	 * NAME and CMD are never scanned for options. */
	for (int pass = 0; pass < 2; pass++) {
		while ((c = getopt_long(argc, argv, pass ? "hj" : "+hj", opts, NULL)) != -1) {
			switch (c) {
			case 'h':
				usage(stdout);
				return 0;
			case 'V':
				puts("pvd " PACKAGE_VERSION);
				return 0;
			case 'j':
				opt_json = true;
				break;
			case 'n':
				opt_names = true;
				break;
			default:
				usage(stderr);
				return 2;
			}
		}
		if (pass)
			break;
		if (optind >= argc)
			return bad_usage(NULL);
		argv += optind;		/* argv[0] is now the command */
		argc -= optind;
		optind = 1;
		if (!strcmp(argv[0], "exec"))
			break;
		optind = 0;		/* GNU getopt: start afresh at argv[1] */
	}
	if (optind == 0)
		optind = 1;
	cmd = argv[0];

	if (!strcmp(cmd, "list")) {
		if (optind < argc)
			return bad_usage("list: unexpected argument '%s'", argv[optind]);
		if (opt_json && opt_names)
			return bad_usage("list: --json and --names exclude each other");
	} else if (!strcmp(cmd, "show")) {
		if (optind >= argc)
			return bad_usage("show: missing PvD NAME");
		name = argv[optind++];
		if (optind < argc)
			return bad_usage("show: unexpected argument '%s'", argv[optind]);
	} else if (!strcmp(cmd, "monitor")) {
		if (optind < argc)
			return bad_usage("monitor: unexpected argument '%s'", argv[optind]);
	} else if (!strcmp(cmd, "connect")) {
		if (opt_json || opt_names)
			return bad_usage("connect: --json and --names do not apply");
		if (argc - optind != 3)
			return bad_usage("connect: NAME[,NAME...] HOST PORT expected");
		if (!argv[optind][strspn(argv[optind], ",")])
			return bad_usage("connect: missing PvD NAME");
		return cmd_connect(argv[optind], argv[optind + 1], argv[optind + 2]);
	} else if (!strcmp(cmd, "exec")) {
		if (opt_json || opt_names)
			return bad_usage("exec: --json and --names do not apply");
		if (optind >= argc)
			return bad_usage("exec: missing PvD NAME");
		name = argv[optind++];
		if (optind < argc && !strcmp(argv[optind], "--"))
			optind++;
		if (optind >= argc)
			return bad_usage("exec: missing command after '%s --'", name);
	} else {
		return bad_usage("unknown command '%s'", cmd);
	}
	if ((opt_names && strcmp(cmd, "list") != 0) || !*(name ? name : "x"))
		return bad_usage("%s: bad arguments", cmd);

	if (bus_open(&bus))
		return 1;
	if (!strcmp(cmd, "list"))
		rc = cmd_list(bus);
	else if (!strcmp(cmd, "show"))
		rc = cmd_show(bus, name);
	else if (!strcmp(cmd, "monitor"))
		rc = cmd_monitor(bus);
	else
		rc = cmd_exec(bus, name, argv + optind);	/* returns only on failure */
	sd_bus_flush_close_unref(bus);
	return rc;
}
