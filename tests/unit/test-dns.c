/* SPDX-License-Identifier: GPL-2.0-or-later */
/* resolv.conf text from a PvD, and what must never reach the file. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dns.h"

#include "tap.h"

static struct pvd_obj objs[7];

static struct pvd pvd_with(const char *name)
{
	struct pvd p = { .id = 0xabc, .vrf = "pvd000abc", .table = 1000, .objs = objs, .n_objs = 4 };

	snprintf(p.name, sizeof(p.name), "%s", name);
	memset(objs, 0, sizeof(objs));
	objs[0] = (struct pvd_obj) { .kind = PVD_OBJ_RDNSS, .ifindex = 2 };
	inet_pton(AF_INET6, "2001:db8:a::53", &objs[0].addr);
	objs[1] = (struct pvd_obj) { .kind = PVD_OBJ_RDNSS, .ifindex = 2 };
	inet_pton(AF_INET6, "fe80::1", &objs[1].addr);
	objs[2] = (struct pvd_obj) { .kind = PVD_OBJ_DNSSL, .name = "a.example" };
	objs[3] = (struct pvd_obj) { .kind = PVD_OBJ_DNSSL, .name = "corp.a.example" };
	/* A second router of the PvD advertising the same server and domain. */
	objs[4] = objs[0];
	objs[4].router.s6_addr[15] = 2;
	objs[5] = objs[2];
	objs[5].router.s6_addr[15] = 2;
	/* The same link-local server on another link is another server. */
	objs[6] = objs[1];
	objs[6].ifindex = 3;
	p.n_objs = 7;
	return p;
}

int main(void)
{
	char buf[1024], small[40], path[64];
	struct pvd p = pvd_with("a.example");

	ok(dns_format(&p, buf, sizeof(buf)) == 0, "format a.example");
	ok(!strcmp(buf,
		   "# resolv.conf of PvD a.example (VRF pvd000abc), written by pvd-vrfd: do not edit.\n"
		   "nameserver 2001:db8:a::53\n"
		   "nameserver fe80::1%pvd000abc.2\n"
		   "nameserver fe80::1%pvd000abc.3\n"
		   "search a.example corp.a.example\n"),
	   "text is exact, each server and domain once (see the diagnostics on failure)");
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		printf("# %s\n", line);
	ok(dns_format(&p, small, sizeof(small)) == -ENOBUFS, "too small a buffer is an error");

	p = pvd_with("a.example");
	snprintf(objs[3].name, sizeof(objs[3].name), "x;reboot");
	ok(dns_format(&p, buf, sizeof(buf)) == -EINVAL, "a search name with ';' never reaches the file");
	p = pvd_with("a.example\nnameserver 1.2.3.4");
	ok(dns_format(&p, buf, sizeof(buf)) == -EINVAL, "a PvD name with a newline never reaches the file");
	p = pvd_with("a.example");
	snprintf(p.vrf, sizeof(p.vrf), "../etc");
	ok(dns_format(&p, buf, sizeof(buf)) == -EINVAL, "a VRF name that is not ours is refused");
	ok(dns_path("/run/pvd", "../../etc", path, sizeof(path)) == -EINVAL, "no path from a foreign VRF name");

	/* dnsZones of the additional information: appended, each once, only
	 * if the RA's search list does not hold it already. */
	static const char zones[4][NDISC_NAME_MAX + 1] = { "corp.a.example", "b.example", "b.example", "c.example" };
	p = pvd_with("a.example");
	ok(dns_format_zones(&p, zones, 4, buf, sizeof(buf)) == 0 &&
	   strstr(buf, "\nsearch a.example corp.a.example b.example c.example\n"), "zones appended once: %s",
	   strstr(buf, "search") ? strstr(buf, "search") : buf);
	p.n_objs = 2;	/* no DNSSL: the zones alone make the search line */
	ok(dns_format_zones(&p, zones, 2, buf, sizeof(buf)) == 0 && strstr(buf, "\nsearch corp.a.example b.example\n"),
	   "zones without DNSSL");
	static const char bad[1][NDISC_NAME_MAX + 1] = { "x\nnameserver 1.2.3.4" };
	ok(dns_format_zones(&p, bad, 1, buf, sizeof(buf)) == -EINVAL, "a zone with a newline never reaches the file");
	ok(dns_path("/run/pvd", "pvd000abc", path, sizeof(path)) == 0 &&
	   !strcmp(path, "/run/pvd/pvd000abc/resolv.conf"), "path");
	return tap_done();
}
