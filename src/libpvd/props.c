/* SPDX-License-Identifier: GPL-2.0-or-later */
/* org.pvd.Pvd's properties (org.pvd(5)) into struct pvd_info.  Pure: reads
 * a message, no bus I/O. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum prop_kind { K_STR, K_STRV, K_BOOL, K_U32, K_U64, K_U16, K_U8 };

static const struct prop {
	const char *name;
	const char *sig;
	enum prop_kind kind;
	size_t offset;
} props[] = {
#define P(n, s, k, f) { n, s, k, offsetof(struct pvd_info, f) }
	P("Name", "s", K_STR, name),
	P("Implicit", "b", K_BOOL, implicit),
	P("Vrf", "s", K_STR, vrf),
	P("Table", "u", K_U32, table),
	P("Links", "as", K_STRV, links),
	P("Routers", "as", K_STRV, routers),
	P("Prefixes", "as", K_STRV, prefixes),
	P("Addresses", "as", K_STRV, addresses),
	P("Routes", "as", K_STRV, routes),
	P("DnsServers", "as", K_STRV, dns_servers),
	P("DnsSearch", "as", K_STRV, dns_search),
	P("Sequence", "q", K_U16, sequence),
	P("HFlag", "b", K_BOOL, h_flag),
	P("LFlag", "b", K_BOOL, l_flag),
	P("Delay", "y", K_U8, delay),
	P("AdditionalInfo", "s", K_STR, additional_info),
	P("AdditionalInfoState", "s", K_STR, additional_info_state),
	P("Expires", "t", K_U64, expires),
	P("NoInternet", "b", K_BOOL, no_internet),
	P("DnsZones", "as", K_STRV, dns_zones),
	P("ResolvConf", "s", K_STR, resolv_conf),
#undef P
};

char **libpvd_strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
	return NULL;
}

struct pvd_info *pvd_info_free(struct pvd_info *p)
{
	if (!p)
		return NULL;
	for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
		void *field = (char *)p + props[i].offset;

		if (props[i].kind == K_STR)
			free(*(char **)field);
		else if (props[i].kind == K_STRV)
			libpvd_strv_free(*(char ***)field);
	}
	free(p->path);
	free(p);
	return NULL;
}

struct pvd_info **pvd_info_list_free(struct pvd_info **list)
{
	for (struct pvd_info **p = list; p && *p; p++)
		pvd_info_free(*p);
	free(list);
	return NULL;
}

static const struct prop *prop_find(const char *name)
{
	for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++)
		if (!strcmp(props[i].name, name))
			return &props[i];
	return NULL;
}

/* One value into its field (inside the variant). */
static int prop_read(sd_bus_message *m, const struct prop *pr, struct pvd_info *p)
{
	void *field = (char *)p + pr->offset;
	const char *s;
	char **v = NULL;
	int b, r;

	switch (pr->kind) {
	case K_STR:
		if ((r = sd_bus_message_read_basic(m, 's', &s)) < 0)
			return r;
		free(*(char **)field);
		if (!(*(char **)field = strdup(s)))
			return -ENOMEM;
		return 0;
	case K_STRV:
		if ((r = sd_bus_message_read_strv(m, &v)) < 0)
			return r;
		if (!v && !(v = calloc(1, sizeof(*v))))	/* an empty array reads as NULL */
			return -ENOMEM;
		libpvd_strv_free(*(char ***)field);
		*(char ***)field = v;
		return 0;
	case K_BOOL:
		if ((r = sd_bus_message_read_basic(m, 'b', &b)) < 0)
			return r;
		*(bool *)field = b;
		return 0;
	case K_U32:
		return sd_bus_message_read_basic(m, 'u', field);
	case K_U64:
		return sd_bus_message_read_basic(m, 't', field);
	case K_U16:
		return sd_bus_message_read_basic(m, 'q', field);
	case K_U8:
		return sd_bus_message_read_basic(m, 'y', field);
	}
	return -EINVAL;
}

/* Absent strings read as "", absent lists as empty: the caller never
 * checks for NULL. */
static int info_fill_defaults(struct pvd_info *p)
{
	for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
		void *field = (char *)p + props[i].offset;

		if (props[i].kind == K_STR && !*(char **)field && !(*(char **)field = strdup("")))
			return -ENOMEM;
		if (props[i].kind == K_STRV && !*(char ***)field &&
		    !(*(char ***)field = calloc(1, sizeof(char *))))
			return -ENOMEM;
	}
	if (!p->path && !(p->path = strdup("")))	/* not a property: the caller sets it */
		return -ENOMEM;
	return 0;
}

int libpvd_values_read(sd_bus_message *m, struct pvd_info **ret)
{
	struct pvd_info *p = calloc(1, sizeof(*p));
	int r;

	if (!p)
		return -ENOMEM;
	if ((r = sd_bus_message_enter_container(m, 'a', "{sv}")) < 0)
		goto fail;
	while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		const struct prop *pr;
		const char *name, *sig;

		if ((r = sd_bus_message_read_basic(m, 's', &name)) < 0 ||
		    (r = sd_bus_message_peek_type(m, NULL, &sig)) < 0)
			goto fail;
		pr = prop_find(name);
		if (!pr) {
			r = sd_bus_message_skip(m, "v");	/* a newer daemon's property */
		} else if (strcmp(sig, pr->sig) != 0) {
			r = -EBADMSG;
		} else if ((r = sd_bus_message_enter_container(m, 'v', sig)) >= 0 &&
			   (r = prop_read(m, pr, p)) >= 0) {
			r = sd_bus_message_exit_container(m);
		}
		if (r < 0 || (r = sd_bus_message_exit_container(m)) < 0)
			goto fail;
	}
	if (r < 0 || (r = sd_bus_message_exit_container(m)) < 0 || (r = info_fill_defaults(p)) < 0)
		goto fail;
	*ret = p;
	return 0;
fail:
	pvd_info_free(p);
	return r;
}

int libpvd_info_read(sd_bus_message *m, struct pvd_info **ret)
{
	struct pvd_info *p;
	int r = libpvd_values_read(m, &p);

	if (r < 0)
		return r;
	if (!p->name[0]) {		/* every PvD has a name: not an org.pvd.Pvd */
		pvd_info_free(p);
		return -EBADMSG;
	}
	*ret = p;
	return 0;
}
