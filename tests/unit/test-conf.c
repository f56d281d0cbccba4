/* SPDX-License-Identifier: GPL-2.0-or-later */
/* conf_parse(): every key, and every kind of bad line naming FILE:LINE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "conf.h"

#include "tap.h"

static void test_defaults(void)
{
	struct conf c;

	conf_defaults(&c);
	CHECK(c.table_min == 1000 && c.table_max == 1999);
	CHECK(c.implicit_pvds);
	CHECK(c.require_accept_ra);
	CHECK(!c.keep_on_exit);
	CHECK(c.additional_info && c.additional_info_ca_file[0] == '\0');
	CHECK(c.caps.pvds == 64 && c.caps.pvds_per_link == 16 && c.caps.routers == 8);
	CHECK(c.caps.prefixes == 16 && c.caps.routes == 64 && c.caps.rdnss == 8 && c.caps.dnssl == 8);
	CHECK(conf_link_matches(&c, "eth0"));
}

static void test_full_file(void)
{
	static const char text[] =
		"# a comment\n"
		"\n"
		"links = eth* wlan0, enp[0-9]s0\n"
		"require_accept_ra = no\n"
		"  table_range = 2000-2099  \n"
		"implicit_pvds = no\n"
		"keep_on_exit = yes\n"
		"additional_info = no\n"
		"additional_info_ca_file = /tmp/ca.pem\n"
		"subinterface_kind = macvlan\n"
		"adopt_grace = 5\n"
		"reconcile_delay_ms = 7\n"
		"carrier_loss_grace = 7\n"
		"log_level = debug\n"
		"max_pvds = 4\n"
		"max_pvds_per_link = 2\n"
		"max_routers_per_pvd = 3\n"
		"max_prefixes_per_pvd = 5\n"
		"max_routes_per_pvd = 6\n"
		"max_rdnss_per_pvd = 7\n"
		"max_dnssl_per_pvd = 1\n"
		"state_dir = /tmp/state\n"
		"run_dir = /tmp/run";
	struct conf c;
	char err[256] = "";

	conf_defaults(&c);
	CHECK(conf_parse(text, "t.conf", &c, err, sizeof(err)) == 0);
	CHECK(err[0] == '\0');
	CHECK(c.n_links == 3);
	CHECK(conf_link_matches(&c, "eth1") && conf_link_matches(&c, "wlan0") && conf_link_matches(&c, "enp3s0"));
	CHECK(!conf_link_matches(&c, "wlan1") && !conf_link_matches(&c, "lo"));
	CHECK(c.table_min == 2000 && c.table_max == 2099);
	CHECK(!c.implicit_pvds && c.keep_on_exit && !c.require_accept_ra);
	CHECK(!c.additional_info && !strcmp(c.additional_info_ca_file, "/tmp/ca.pem"));
	CHECK(c.subif_kind == CONF_SUBIF_MACVLAN);
	CHECK(c.adopt_grace == 5 && c.log_level == LOG_DEBUG && c.reconcile_delay_ms == 7);
	CHECK(c.carrier_loss_grace == 7);
	CHECK(c.caps.pvds == 4 && c.caps.pvds_per_link == 2 && c.caps.routers == 3 && c.caps.prefixes == 5);
	CHECK(c.caps.routes == 6 && c.caps.rdnss == 7 && c.caps.dnssl == 1);
	CHECK(!strcmp(c.state_dir, "/tmp/state") && !strcmp(c.run_dir, "/tmp/run"));
}

/* Each bad text must fail with exactly this message and change nothing. */
static void expect_error(const char *text, const char *message)
{
	struct conf c, before;
	char err[256] = "";

	conf_defaults(&c);
	before = c;
	CHECK(conf_parse(text, "bad.conf", &c, err, sizeof(err)) < 0);
	ok(!strcmp(err, message), "error '%s' (got '%s')", message, err);
	CHECK(memcmp(&c, &before, sizeof(c)) == 0);
}

static void test_errors(void)
{
	expect_error("max_pvds = 3\nfoo = 1\n", "bad.conf:2: unknown key 'foo'");
	expect_error("links eth0\n", "bad.conf:1: expected 'key = value'");
	expect_error("links =\n", "bad.conf:1: links: missing value");
	expect_error("links = eth0;reboot\n",
		     "bad.conf:1: links: 'eth0;reboot': link pattern has a character that cannot be in an interface name");
	expect_error("links = a23456789012345x\n",
		     "bad.conf:1: links: 'a23456789012345x': link pattern longer than 15 characters");
	expect_error("table_range = 1999-1000\n",
		     "bad.conf:1: table_range: '1999-1000': table range must be ascending, above 0 and avoid 253-255");
	expect_error("table_range = 200-300\n",
		     "bad.conf:1: table_range: '200-300': table range must be ascending, above 0 and avoid 253-255");
	expect_error("table_range = 1000\n",
		     "bad.conf:1: table_range: '1000': expected FIRST-LAST, e.g. 1000-1999");
	expect_error("table_range = 1000-2000x\n",
		     "bad.conf:1: table_range: '1000-2000x': expected FIRST-LAST, e.g. 1000-1999");
	expect_error("implicit_pvds = maybe\n", "bad.conf:1: implicit_pvds: 'maybe': expected yes or no");
	expect_error("require_accept_ra = 2\n", "bad.conf:1: require_accept_ra: '2': expected yes or no");
	expect_error("max_pvds = -1\n", "bad.conf:1: max_pvds: '-1': not a number");
	expect_error("max_pvds = 0\n", "bad.conf:1: max_pvds: '0': out of range");
	expect_error("reconcile_delay_ms = 1001\n", "bad.conf:1: reconcile_delay_ms: '1001': out of range");
	expect_error("max_pvds = 12abc\n", "bad.conf:1: max_pvds: '12abc': not a number");
	expect_error("max_pvds = 99999999999999999999\n", "bad.conf:1: max_pvds: '99999999999999999999': not a number");
	expect_error("log_level = loud\n",
		     "bad.conf:1: log_level: 'loud': expected err, warning, notice, info or debug");
	expect_error("subinterface_kind = veth\n",
		     "bad.conf:1: subinterface_kind: 'veth': expected ipvlan or macvlan");
	expect_error("run_dir = run/pvd\n", "bad.conf:1: run_dir: 'run/pvd': must be an absolute path");
	expect_error("run_dir = /run/../etc\n", "bad.conf:1: run_dir: '/run/../etc': path has a '..' component");
	expect_error("run_dir = /run/..\n", "bad.conf:1: run_dir: '/run/..': path has a '..' component");
	expect_error("# ok\n\nkeep_on_exit = yes\nkeep_on_exit = sometimes\n",
		     "bad.conf:4: keep_on_exit: 'sometimes': expected yes or no");
	expect_error("\x01key = 1\n", "bad.conf:1: unknown key '?key'");
	expect_error("additional_info = perhaps\n", "bad.conf:1: additional_info: 'perhaps': expected yes or no");
	expect_error("additional_info_ca_file = ca.pem\n",
		     "bad.conf:1: additional_info_ca_file: 'ca.pem': must be an absolute path");
	expect_error("additional_info_ca_file = /etc/../tmp/ca.pem\n",
		     "bad.conf:1: additional_info_ca_file: '/etc/../tmp/ca.pem': path has a '..' component");
}

static void test_load(void)
{
	struct conf c;
	char err[256];
	char path[] = "/tmp/test-conf-XXXXXX";
	int fd;

	conf_defaults(&c);
	CHECK(conf_load("/nonexistent/pvd-vrfd.conf", &c, err, sizeof(err)) < 0);
	CHECK(!strcmp(err, "/nonexistent/pvd-vrfd.conf: No such file or directory"));

	fd = mkstemp(path);
	CHECK(fd >= 0);
	CHECK(write(fd, "max_pvds = 9\n", 13) == 13);
	close(fd);
	CHECK(conf_load(path, &c, err, sizeof(err)) == 0);
	CHECK(c.caps.pvds == 9);
	unlink(path);
}

/* The shipped file documents every key with its default value. */
static void test_shipped_file(const char *path)
{
	struct conf c, defaults;
	char err[256];

	conf_defaults(&c);
	defaults = c;
	CHECK(conf_load(path, &c, err, sizeof(err)) == 0);
	CHECK(memcmp(&c, &defaults, sizeof(c)) == 0);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test-conf SHIPPED-CONF\n");
		return 2;
	}
	test_shipped_file(argv[1]);
	test_defaults();
	test_full_file();
	test_errors();
	test_load();
	return tap_done();
}
