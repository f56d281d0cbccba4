/* SPDX-License-Identifier: GPL-2.0-or-later */
/* resolv.conf text from a PvD, and what must never reach the file. */
#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

static void put(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static bool file_is(const char *dir, const char *name, const char *text)
{
	char path[256], buf[1024];
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return f && !strcmp(buf, text);
}

static bool exists(const char *dir, const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return lstat(path, &st) == 0;
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

/* dns_prune() removes our stale directories and nothing else. */
static void test_prune(void)
{
	static const struct dns_file keep[] = { { .vrf = "pvd000abc" } };
	static const char ours[] = "# resolv.conf of PvD b.example (VRF pvd000b0b), written by pvd-vrfd: do not edit.\n"
				   "nameserver 2001:db8:b::53\n";
	char run[] = "/tmp/test-dns-XXXXXX", sub[300];
	struct pvd p = pvd_with("a.example");
	struct dns_file last = { .text = NULL };

	if (!ok(mkdtemp(run) != NULL, "temporary run_dir"))
		return;
	ok(dns_write(run, &p, NULL, 0, &last) == 1, "a.example's resolv.conf written");
	/* Unchanged text is not written again: a file put there meanwhile stays. */
	snprintf(sub, sizeof(sub), "%s/pvd000abc", run);
	put(sub, "resolv.conf", ours);
	ok(dns_write(run, &p, NULL, 0, &last) == 0 && file_is(sub, "resolv.conf", ours), "unchanged text: not rewritten");
	p.n_objs = 1;
	ok(dns_write(run, &p, NULL, 0, &last) == 1 && file_is(sub, "resolv.conf", last.text) && strstr(last.text, "2001:db8:a::53"),
	   "changed text: rewritten, and remembered");
	/* The registry's change count: an unchanged PvD is not formatted again. */
	p.changed = 5;
	ok(dns_write(run, &p, NULL, 0, &last) == 0 && last.changed == 5, "the text made from change 5");
	p.n_objs = 0;
	ok(dns_write(run, &p, NULL, 0, &last) == 0 && file_is(sub, "resolv.conf", last.text) &&
	   strstr(last.text, "2001:db8:a::53"), "PvD unchanged since (same count): not formatted, not rewritten");
	p.changed = 6;
	ok(dns_write(run, &p, NULL, 0, &last) == 1 && !strstr(last.text, "2001:db8:a::53") && last.changed == 6,
	   "changed (count 6): formatted and rewritten");
	p = pvd_with("a.example");
	free(last.text);
	/* Stale and ours: named like our VRF, only our resolv.conf. */
	snprintf(sub, sizeof(sub), "%s/pvd000b0b", run);
	mkdir(sub, 0755);
	put(sub, "resolv.conf", ours);
	/* Named like ours, but something else is in it too. */
	snprintf(sub, sizeof(sub), "%s/pvd000c0c", run);
	mkdir(sub, 0755);
	put(sub, "resolv.conf", ours);
	put(sub, "notes", "mine\n");
	/* Named like ours, resolv.conf not written by us. */
	snprintf(sub, sizeof(sub), "%s/pvd000d0d", run);
	mkdir(sub, 0755);
	put(sub, "resolv.conf", "nameserver 192.0.2.53\n");
	/* Our file, in a directory that is not named like a VRF of ours. */
	snprintf(sub, sizeof(sub), "%s/pvdXYZ", run);
	mkdir(sub, 0755);
	put(sub, "resolv.conf", ours);
	snprintf(sub, sizeof(sub), "%s/pvd", run);
	mkdir(sub, 0755);
	put(sub, "resolv.conf", ours);
	/* A regular file and a symlink with VRF names. */
	put(run, "pvd000e0e", ours);
	snprintf(sub, sizeof(sub), "%s/pvd000f0f", run);
	ok(symlink("pvd000abc", sub) == 0, "symlink pvd000f0f -> pvd000abc");
	put(run, "stats", "pvds\t1\n");

	ok(dns_prune(run, keep, 1) == 1, "one directory pruned");
	ok(!exists(run, "pvd000b0b"), "stale pvd000b0b/ with only our resolv.conf is gone");
	ok(exists(run, "pvd000abc/resolv.conf"), "kept pvd000abc/ is still there");
	ok(exists(run, "pvd000c0c/resolv.conf") && exists(run, "pvd000c0c/notes"), "pvd000c0c/ with another file stays");
	ok(exists(run, "pvd000d0d/resolv.conf"), "pvd000d0d/ with a foreign resolv.conf stays");
	ok(exists(run, "pvdXYZ/resolv.conf") && exists(run, "pvd/resolv.conf"), "names that are not our VRFs stay");
	ok(exists(run, "pvd000e0e") && exists(run, "pvd000f0f") && exists(run, "stats"), "files and symlinks stay");
	ok(exists(run, "pvd000abc/resolv.conf"), "the symlink's target was not followed");
	ok(dns_prune(run, keep, 0) == 1 && !exists(run, "pvd000abc"), "without keep, pvd000abc/ goes too");
	ok(dns_prune("/nonexistent/run", keep, 0) == 0, "a missing run_dir is not an error");
	nftw(run, rm_one, 8, FTW_DEPTH | FTW_PHYS);
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
	test_prune();
	return tap_done();
}
