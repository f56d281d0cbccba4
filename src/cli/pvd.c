/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pvd: command-line client of pvd-vrfd (org.pvd on the system bus). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "config.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: pvd [OPTIONS] COMMAND ...\n"
		"Inspect and use IPv6 Provisioning Domains managed by pvd-vrfd.\n\n"
		"Commands:\n"
		"  list                 list known PvDs\n"
		"  show NAME            show one PvD\n"
		"  monitor              print PvD events until interrupted\n"
		"  exec NAME -- CMD...  run CMD inside the PvD\n\n"
		"Options:\n"
		"  -h, --help           show this help and exit\n"
		"      --version        show the version and exit\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			puts("pvd " PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	fprintf(stderr, "pvd: unknown command '%s'\n", argv[optind]);
	usage(stderr);
	return 2;
}
