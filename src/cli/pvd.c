/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pvd: command-line client of pvd-vrfd (org.pvd on the system bus).  A thin
 * client of libpvd (libpvd(3)), which is the one client of org.pvd:
 * everything it prints comes from the daemon's objects. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

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

int pvd_cli_error(const char *what, int r)
{
	if (r == -EHOSTDOWN)
		fputs("pvd: pvd-vrfd is not running (nobody owns org.pvd on the system bus)\n", stderr);
	else
		fprintf(stderr, "pvd: %s: %s\n", what, strerror(-r));
	return 1;
}

static int cli_open(struct pvd_handle **h)
{
	int r = pvd_open(h);

	if (r < 0) {
		const char *addr = getenv("DBUS_SYSTEM_BUS_ADDRESS");

		fprintf(stderr, "pvd: cannot connect to the system bus%s%s: %s "
			"(is dbus running? pvd-vrfd is not reachable without it)\n",
			addr ? " at " : "", addr ? addr : "", strerror(-r));
		return 1;
	}
	return 0;
}

/* ---- properties, into JSON (the one model both outputs print) ---- */

/* org.pvd.Pvd's properties (org.pvd(5)) in the daemon's order, which is the
 * order of the output, and where struct pvd_info holds each. */
enum prop_kind { K_STR, K_STRV, K_BOOL, K_U32, K_U64, K_U16, K_U8 };

static const struct prop {
	const char *name;
	enum prop_kind kind;
	size_t offset;
} pvd_props[] = {
#define P(n, k, f) { n, k, offsetof(struct pvd_info, f) }
	P("Name", K_STR, name),
	P("Implicit", K_BOOL, implicit),
	P("Vrf", K_STR, vrf),
	P("Table", K_U32, table),
	P("Links", K_STRV, links),
	P("Routers", K_STRV, routers),
	P("Prefixes", K_STRV, prefixes),
	P("Addresses", K_STRV, addresses),
	P("Routes", K_STRV, routes),
	P("DnsServers", K_STRV, dns_servers),
	P("DnsSearch", K_STRV, dns_search),
	P("Sequence", K_U16, sequence),
	P("HFlag", K_BOOL, h_flag),
	P("LFlag", K_BOOL, l_flag),
	P("Delay", K_U8, delay),
	P("AdditionalInfo", K_STR, additional_info),
	P("AdditionalInfoState", K_STR, additional_info_state),
	P("Expires", K_U64, expires),
	P("NoInternet", K_BOOL, no_internet),
	P("DnsZones", K_STRV, dns_zones),
	P("ResolvConf", K_STR, resolv_conf),
#undef P
};

static const struct prop *prop_find(const char *name)
{
	for (size_t i = 0; i < sizeof(pvd_props) / sizeof(pvd_props[0]); i++)
		if (!strcmp(pvd_props[i].name, name))
			return &pvd_props[i];
	return NULL;
}

static json_object *prop_json(const struct prop *pr, const struct pvd_info *p)
{
	const void *field = (const char *)p + pr->offset;
	json_object *j;
	uint64_t t;

	switch (pr->kind) {
	case K_STR:
		return json_object_new_string(*(char *const *)field);
	case K_STRV:
		j = json_object_new_array();
		for (char *const *v = *(char **const *)field; v && *v; v++)
			json_object_array_add(j, json_object_new_string(*v));
		return j;
	case K_BOOL:
		return json_object_new_boolean(*(const bool *)field);
	case K_U32:
		return json_object_new_int64(*(const uint32_t *)field);
	case K_U64:
		t = *(const uint64_t *)field;
		return json_object_new_int64(t > INT64_MAX ? INT64_MAX : (int64_t)t);
	case K_U16:
		return json_object_new_int(*(const uint16_t *)field);
	case K_U8:
		return json_object_new_int(*(const uint8_t *)field);
	}
	return json_object_new_null();
}

/* info_json: every property of P, as a JSON object. */
static json_object *info_json(const struct pvd_info *p)
{
	json_object *obj = json_object_new_object();

	for (size_t i = 0; i < sizeof(pvd_props) / sizeof(pvd_props[0]); i++)
		json_object_object_add(obj, pvd_props[i].name, prop_json(&pvd_props[i], p));
	return obj;
}

static const char *jstr(json_object *obj, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return "";
	return json_object_get_string(v);
}

/* list_all: every PvD's properties, sorted by name (pvd_list's order), into
 * a JSON array. */
static int list_all(struct pvd_handle *h, json_object **out)
{
	struct pvd_info **list = NULL;
	json_object *arr;
	int r = pvd_list(h, &list, NULL);

	if (r < 0)
		return -pvd_cli_error("cannot read the list of PvDs", r);
	arr = json_object_new_array();
	for (struct pvd_info **p = list; *p; p++)
		json_object_array_add(arr, info_json(*p));
	pvd_info_list_free(list);
	*out = arr;
	return 0;
}

int pvd_cli_get(struct pvd_handle *h, const char *name, struct pvd_info **ret)
{
	json_object *all;
	int r = pvd_get(h, name, ret);

	if (r >= 0)
		return 0;
	if (r != -ENOENT)
		return -pvd_cli_error("GetPvd", r);
	fprintf(stderr, "pvd: no PvD '%s'; known PvDs: ", name);
	if (list_all(h, &all) < 0) {
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

static int cmd_list(struct pvd_handle *h)
{
	static const char *const cols[] = { "NAME", "VRF", "TABLE", "LINKS" };
	static const char *const keys[] = { "Name", "Vrf", "Table", "Links" };
	enum { NCOLS = 4 };
	json_object *all;
	size_t n, w[NCOLS];

	if (list_all(h, &all) < 0)
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

static int cmd_show(struct pvd_handle *h, const char *name)
{
	struct pvd_info *p = NULL;
	json_object *obj;
	const char *path;
	size_t w = 0;

	if (pvd_cli_get(h, name, &p) < 0)
		return 1;
	obj = info_json(p);
	path = p->path;
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
	pvd_info_free(p);
	return 0;
}

/* ---- monitor ---- */

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

static const char *event_to_string(enum pvd_event_type t)
{
	switch (t) {
	case PVD_EVENT_ADDED:
		return "added";
	case PVD_EVENT_REMOVED:
		return "removed";
	case PVD_EVENT_CHANGED:
		return "changed";
	case PVD_EVENT_DAEMON_STARTED:
		return "daemon-started";
	case PVD_EVENT_DAEMON_STOPPED:
		return "daemon-stopped";
	}
	return "?";
}

static int on_event(const struct pvd_event *ev, void *userdata)
{
	json_object *props = NULL;

	(void)userdata;
	if (ev->type == PVD_EVENT_CHANGED) {
		/* In the signal's order.  Invalidated without a value, or a
		 * property this client does not know (a newer daemon's): null,
		 * printed "?". */
		props = json_object_new_object();
		for (const char *const *c = ev->changed; *c; c++) {
			const struct prop *pr = c < ev->invalidated ? prop_find(*c) : NULL;

			json_object_object_add(props, *c, pr ? prop_json(pr, ev->values) : NULL);
		}
	}
	event_line(event_to_string(ev->type), ev->path, ev->name, props);
	json_object_put(props);
	return 0;
}

static int cmd_monitor(struct pvd_handle *h)
{
	struct pollfd fds[2];
	sigset_t ss;
	json_object *all;
	int r;

	sigemptyset(&ss);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGTERM);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	fds[0] = (struct pollfd) { .fd = signalfd(-1, &ss, SFD_CLOEXEC), .events = POLLIN };
	if (fds[0].fd < 0) {
		fprintf(stderr, "pvd: cannot watch the bus: %s\n", strerror(errno));
		return 1;
	}
	fds[1] = (struct pollfd) { .fd = pvd_monitor_fd(h), .events = POLLIN };
	if (fds[1].fd < 0) {
		fprintf(stderr, "pvd: cannot watch the bus: %s\n", strerror(-fds[1].fd));
		close(fds[0].fd);
		return 1;
	}
	/* The subscriptions are in place before this check: no event is lost
	 * between. */
	if (list_all(h, &all) < 0) {
		close(fds[0].fd);
		return 1;
	}
	json_object_put(all);
	/* On standard error, so the event stream stays as documented: from here
	 * on no event is missed, which scripts (and the tests) can wait for. */
	fputs("pvd: monitoring org.pvd\n", stderr);
	for (r = 0; r >= 0 && !fds[0].revents;) {
		if (poll(fds, 2, -1) < 0)
			r = errno == EINTR ? 0 : -errno;
		else if (fds[1].revents)
			r = pvd_monitor_dispatch(h, on_event, NULL);
	}
	close(fds[0].fd);
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
	struct pvd_handle *h = NULL;
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

	if (cli_open(&h))
		return 1;
	if (!strcmp(cmd, "list"))
		rc = cmd_list(h);
	else if (!strcmp(cmd, "show"))
		rc = cmd_show(h, name);
	else if (!strcmp(cmd, "monitor"))
		rc = cmd_monitor(h);
	else
		rc = cmd_exec(&h, name, argv + optind);	/* returns only on failure */
	pvd_close(h);
	return rc;
}
