/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pvd connect NAME[,NAME...] HOST PORT: a user of libpvd's pvd_connect. */
#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <pvd/libpvd.h>

#include "connect.h"

/* Which of NAMES is not a PvD, for the error message; false if none is
 * (any more). */
static bool connect_report_unknown(struct pvd_handle *h, const char *const *names, size_t n)
{
	bool found = false;

	for (size_t i = 0; i < n; i++) {
		struct pvd_info *p = NULL;

		if (pvd_get(h, names[i], &p) == -ENOENT) {
			fprintf(stderr, "pvd: connect: no PvD '%s'\n", names[i]);
			found = true;
		}
		pvd_info_free(p);
	}
	return found;
}

static void sockaddr_text(const struct sockaddr_storage *ss, char *buf, size_t size)
{
	char host[NI_MAXHOST], port[NI_MAXSERV];

	if (getnameinfo((const struct sockaddr *)ss, sizeof(*ss), host, sizeof(host), port, sizeof(port),
			NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		snprintf(buf, size, "?");
	else
		snprintf(buf, size, ss->ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, port);
}

int cmd_connect(char *names_arg, const char *host, const char *port)
{
	enum { MAX_NAMES = 64, TIMEOUT_MS = 10000 };
	const char *names[MAX_NAMES], *chosen = NULL;
	struct sockaddr_storage local, peer;
	socklen_t len;
	char ltext[NI_MAXHOST + NI_MAXSERV + 4], ptext[NI_MAXHOST + NI_MAXSERV + 4];
	struct pvd_handle *h = NULL;
	size_t n = 0;
	int fd = -1, r;

	for (char *save = NULL, *s = strtok_r(names_arg, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
		if (n == MAX_NAMES) {
			fprintf(stderr, "pvd: connect: more than %d PvDs\n", MAX_NAMES);
			return 2;
		}
		names[n++] = s;
	}
	if ((r = pvd_open(&h)) < 0) {
		fprintf(stderr, "pvd: cannot connect to the system bus: %s\n", strerror(-r));
		return 1;
	}
	r = pvd_connect(h, names, n, host, port, TIMEOUT_MS, &fd, &chosen);
	if (r == -ENOENT && connect_report_unknown(h, names, n))
		;
	else if (r == -EHOSTDOWN)
		fputs("pvd: pvd-vrfd is not running (nobody owns org.pvd on the system bus)\n", stderr);
	else if (r == -EADDRNOTAVAIL)
		fprintf(stderr, "pvd: connect: '%s' has no address in %s\n", host, n > 1 ? "any of the PvDs" : names[0]);
	else if (r < 0) {
		fprintf(stderr, "pvd: connect: %s port %s through ", host, port);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "%s%s", i ? "," : "", names[i]);
		fprintf(stderr, ": %s\n", r == -ETIMEDOUT ? "no PvD connected within 10 s" : strerror(-r));
	}
	pvd_close(h);
	if (r < 0)
		return 1;
	len = sizeof(local);
	if (getsockname(fd, (struct sockaddr *)&local, &len) < 0)
		memset(&local, 0, sizeof(local));
	len = sizeof(peer);
	if (getpeername(fd, (struct sockaddr *)&peer, &len) < 0)
		memset(&peer, 0, sizeof(peer));
	sockaddr_text(&local, ltext, sizeof(ltext));
	sockaddr_text(&peer, ptext, sizeof(ptext));
	close(fd);
	printf("%s\n", chosen);
	fprintf(stderr, "pvd: connected to %s from %s through %s\n", ptext, ltext, chosen);
	return 0;
}

