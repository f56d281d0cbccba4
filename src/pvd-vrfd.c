/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pvd-vrfd: maps IPv6 Provisioning Domains (RFC 8801) to VRFs. */
#include <ev.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: pvd-vrfd [OPTIONS]\n"
		"Map IPv6 Provisioning Domains learnt from Router Advertisements to VRFs.\n\n"
		"  -c, --config FILE   configuration file (default %s/pvd-vrfd.conf)\n"
		"  -h, --help          show this help and exit\n"
		"      --version       show the version and exit\n",
		SYSCONFDIR);
}

static void on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			puts("pvd-vrfd " PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pvd-vrfd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}

	struct ev_loop *loop = EV_DEFAULT;
	ev_signal sigterm, sigint;
	ev_signal_init(&sigterm, on_signal, SIGTERM);
	ev_signal_init(&sigint, on_signal, SIGINT);
	ev_signal_start(loop, &sigterm);
	ev_signal_start(loop, &sigint);
	ev_run(loop, 0);
	return 0;
}
