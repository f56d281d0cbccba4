/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The record of owned links: round trip, and every bad line skipped alone. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "owned.h"

#include "tap.h"

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

int main(void)
{
	char dir[] = "/tmp/test-owned.XXXXXX", path[64], tmp[80];
	const struct owned_link in[] = {
		{ .kind = OWNED_VRF, .name = "pvd00abcd", .ifindex = 7, .table = 1001 },
		{ .kind = OWNED_IPVLAN, .name = "pvd00abcd.2", .ifindex = 8, .parent = 2, .master = 7 },
		{ .kind = OWNED_MACVLAN, .name = "pvdm", .ifindex = 9, .parent = 3, .master = 7 },
	};
	struct owned_link *out = NULL;
	size_t n = 99;

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/run/owned", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);

	ok(owned_load(path, &out, &n) == 0 && n == 0 && !out, "a missing record is an empty one");
	ok(owned_save(path, in, 3) == 0, "save three links (creating the directory)");
	ok(access(tmp, F_OK) < 0 && errno == ENOENT, "no temporary file left");
	ok(owned_load(path, &out, &n) == 0 && n == 3, "load them back");
	ok(out && !memcmp(out, in, sizeof(in)), "round trip is exact");
	free(out);
	ok(owned_save(path, in, 0) == 0 && owned_load(path, &out, &n) == 0 && n == 0, "an emptied record");
	free(out);

	write_file(path,
		   "# comment\n"
		   "\n"
		   "vrf pvda 5 1001\n"                  /* good */
		   "vrf pvdb 6\n"                       /* too few fields */
		   "vrf pvdc 0 1002\n"                  /* ifindex 0 */
		   "vrf pvdd 7 -1\n"                    /* signed table */
		   "vrf pvde 8 0x10\n"                  /* not decimal */
		   "vrf pvd/x 9 1003\n"                 /* '/' in a name */
		   "vrf pvdfghijklmnopqr 10 1004\n"     /* name too long */
		   "bridge pvdg 11 1005\n"              /* kind we never make */
		   "ipvlan pvdh 12 2\n"                 /* sub-interface without master */
		   "ipvlan pvdi 5 2 5\n"                /* ifindex twice */
		   "ipvlan pvda 13 2 5\n"               /* name twice */
		   "macvlan pvdj 14 2 5 extra\n"        /* too many fields */
		   "ipvlan pvdk 15 2 5\n");             /* good */
	ok(owned_load(path, &out, &n) == 0 && n == 2, "only the two good lines of 15 are taken");
	ok(n == 2 && out[0].kind == OWNED_VRF && !strcmp(out[0].name, "pvda") && out[0].ifindex == 5 &&
	   out[0].table == 1001, "vrf pvda 5 1001");
	ok(n == 2 && out[1].kind == OWNED_IPVLAN && !strcmp(out[1].name, "pvdk") && out[1].ifindex == 15 &&
	   out[1].parent == 2 && out[1].master == 5, "ipvlan pvdk 15 2 5");
	free(out);

	unlink(path);
	snprintf(tmp, sizeof(tmp), "%s/run", dir);
	rmdir(tmp);
	rmdir(dir);
	return tap_done();
}
