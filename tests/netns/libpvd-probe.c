/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libpvd-probe: test-libpvd.sh's client of libpvd, written as an outside
 * application would be (the public header and libpvd.so only).
 *
 *   libpvd-probe list               every PvD's attributes, then a UDP socket
 *                                   bound to each: its source address must
 *                                   lie in one of the PvD's prefixes
 *   libpvd-probe bind NAME          bind a socket to NAME's VRF, or the error
 *   libpvd-probe connect NAMES HOST PORT TIMEOUT_MS
 *                                   pvd_connect over NAMES (comma-separated):
 *                                   the winner, the time it took, the source
 *                                   address; no descriptor may be left once
 *                                   the lookups still running have ended
 *   libpvd-probe resolve NAME HOST  pvd_resolve: the addresses, one a line,
 *                                   or the error
 *   libpvd-probe monitor COUNT      subscribe, list, say "ready" on stderr,
 *                                   print COUNT events, one a line
 *
 * Exit status 0 when everything checked held, 1 otherwise, 2 on bad usage. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* strerrorname_np */
#endif
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <pvd/libpvd.h>

/* A destination behind every PvD's default router; UDP connect() sends
 * nothing, it only picks the route and the source address. */
#define FAR_AWAY "2001:db8:ffff::1"

static const char *err_name(int r)
{
	const char *s = strerrorname_np(-r);

	return s ? s : "unknown";
}

static void print_strv(const char *key, char **v)
{
	printf(" %s=", key);
	if (!v[0])
		putchar('-');
	for (size_t i = 0; v[i]; i++)
		printf("%s%s", i ? "," : "", v[i]);
}

static bool in_prefix(const struct in6_addr *a, const char *prefix)
{
	char buf[INET6_ADDRSTRLEN + 4], *slash;
	struct in6_addr p;
	unsigned len;

	snprintf(buf, sizeof(buf), "%s", prefix);
	if (!(slash = strchr(buf, '/')))
		return false;
	*slash = '\0';
	len = (unsigned)atoi(slash + 1);
	if (inet_pton(AF_INET6, buf, &p) != 1 || len > 128)
		return false;
	for (unsigned i = 0; i < len; i++) {
		unsigned byte = i / 8, bit = 0x80u >> (i % 8);

		if ((a->s6_addr[byte] & bit) != (p.s6_addr[byte] & bit))
			return false;
	}
	return true;
}

static int cmd_list(struct pvd_handle *h)
{
	struct pvd_info **list = NULL;
	size_t n = 0;
	int r, bad = 0;

	if ((r = pvd_list(h, &list, &n)) < 0) {
		printf("list failed %s\n", err_name(r));
		return 1;
	}
	printf("pvds %zu\n", n);
	for (size_t i = 0; i < n; i++) {
		const struct pvd_info *p = list[i];
		struct sockaddr_in6 dst = { .sin6_family = AF_INET6, .sin6_port = htons(9) }, src;
		socklen_t len = sizeof(src);
		char text[INET6_ADDRSTRLEN] = "-";
		bool good = false;
		int fd;

		printf("info %s implicit=%d vrf=%s table=%u", p->name, p->implicit, p->vrf, p->table);
		print_strv("links", p->links);
		print_strv("addresses", p->addresses);
		print_strv("prefixes", p->prefixes);
		print_strv("dns", p->dns_servers);
		print_strv("search", p->dns_search);
		printf(" seq=%u h=%d l=%d state=%s resolv=%s\n", p->sequence, p->h_flag, p->l_flag,
		       p->additional_info_state, p->resolv_conf);

		inet_pton(AF_INET6, FAR_AWAY, &dst.sin6_addr);
		fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || (r = pvd_bind_socket(h, fd, p->name)) < 0) {
			printf("bind %s failed %s\n", p->name, fd < 0 ? "socket" : err_name(r));
			bad = 1;
		} else if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0 ||
			   getsockname(fd, (struct sockaddr *)&src, &len) < 0) {
			printf("bind %s route failed %s\n", p->name, strerrorname_np(errno));
			bad = 1;
		} else {
			inet_ntop(AF_INET6, &src.sin6_addr, text, sizeof(text));
			for (size_t k = 0; p->prefixes[k] && !good; k++)
				good = in_prefix(&src.sin6_addr, p->prefixes[k]);
			printf("bind %s src %s %s\n", p->name, text, good ? "in-prefix" : "NOT-in-prefix");
			bad |= !good;
		}
		if (fd >= 0)
			close(fd);
	}
	pvd_info_list_free(list);
	return n == 0 || bad;
}

static int cmd_bind(struct pvd_handle *h, const char *name)
{
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char dev[64] = "";
	socklen_t len = sizeof(dev);
	int r;

	if (fd < 0)
		return 1;
	r = pvd_bind_socket(h, fd, name);
	/* What the socket is bound to afterwards, whatever r says. */
	if (getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, &len) < 0)
		snprintf(dev, sizeof(dev), "?");
	if (r < 0)
		printf("bind %s failed %s device=%s\n", name, err_name(r), dev[0] ? dev : "-");
	else
		printf("bind %s ok device=%s\n", name, dev);
	close(fd);
	return r < 0;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int cmd_connect(struct pvd_handle *h, char *names_arg, const char *host, const char *port, int timeout)
{
	const char *names[16], *chosen = NULL;
	size_t n = 0;
	int fd = -1, r, before, after;
	int64_t t0;

	for (char *save = NULL, *s = strtok_r(names_arg, ",", &save); s && n < 16; s = strtok_r(NULL, ",", &save))
		names[n++] = s;
	before = count_fds();
	t0 = now_ms();
	r = pvd_connect(h, names, n, host, port, timeout, &fd, &chosen);
	t0 = now_ms() - t0;
	if (r < 0) {
		printf("failed %s ms %lld\n", err_name(r), (long long)t0);
	} else {
		struct sockaddr_in6 src;
		socklen_t len = sizeof(src);
		char text[INET6_ADDRSTRLEN] = "?";

		if (getsockname(fd, (struct sockaddr *)&src, &len) == 0 && src.sin6_family == AF_INET6)
			inet_ntop(AF_INET6, &src.sin6_addr, text, sizeof(text));
		printf("won %s ms %lld src %s\n", chosen, (long long)t0, text);
		close(fd);
	}
	/* Lookups through a PvD that does not answer outlive pvd_connect (up
	 * to the resolv.conf's timeouts) and hold their sockets until then:
	 * wait for the count to come back, with a deadline. */
	t0 = now_ms();
	while ((after = count_fds()) != before && now_ms() - t0 < 40000)
		nanosleep(&(struct timespec) { .tv_nsec = 50 * 1000 * 1000 }, NULL);
	if (before != after) {
		printf("leak: %d descriptors before, %d after\n", before, after);
		return 1;
	}
	if (now_ms() - t0 > 100)
		printf("descriptors back after %lld ms\n", (long long)(now_ms() - t0));
	return r < 0;
}

static int cmd_resolve(struct pvd_handle *h, const char *name, const char *host)
{
	const struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	int eai, before = count_fds();

	errno = 0;
	eai = pvd_resolve(h, name, host, NULL, &hints, &res);
	if (eai) {
		printf("resolve %s %s failed %s%s%s\n", name, host, gai_strerror(eai), eai == EAI_SYSTEM ? " " : "",
		       eai == EAI_SYSTEM ? strerrorname_np(errno) : "");
	}
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		char text[INET6_ADDRSTRLEN] = "?";
		const void *a = ai->ai_family == AF_INET6
					? (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr
					: (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr;

		inet_ntop(ai->ai_family, a, text, sizeof(text));
		printf("address %s\n", text);
	}
	pvd_freeaddrinfo(res);
	if (count_fds() != before) {
		printf("leak: %d descriptors before, %d after\n", before, count_fds());
		return 1;
	}
	return eai != 0;
}

static int on_event(const struct pvd_event *ev, void *userdata)
{
	int *left = userdata;

	switch (ev->type) {
	case PVD_EVENT_ADDED:
		printf("added %s\n", ev->name);
		break;
	case PVD_EVENT_REMOVED:
		printf("removed %s\n", ev->name);
		break;
	case PVD_EVENT_CHANGED:
		printf("changed %s", ev->name);
		for (size_t i = 0; ev->changed[i]; i++)
			printf("%s%s", i ? "," : " ", ev->changed[i]);
		putchar('\n');
		break;
	case PVD_EVENT_DAEMON_STARTED:
		puts("daemon-started");
		break;
	case PVD_EVENT_DAEMON_STOPPED:
		puts("daemon-stopped");
		break;
	}
	fflush(stdout);
	return --*left > 0 ? 0 : -ECANCELED;
}

static int cmd_monitor(struct pvd_handle *h, int count)
{
	struct pvd_info **list = NULL;
	struct pollfd pfd = { .events = POLLIN };
	size_t n;
	int r;

	if ((pfd.fd = pvd_monitor_fd(h)) < 0) {
		printf("monitor failed %s\n", err_name(pfd.fd));
		return 1;
	}
	if ((r = pvd_list(h, &list, &n)) < 0) {
		printf("list failed %s\n", err_name(r));
		return 1;
	}
	printf("listed %zu\n", n);
	fflush(stdout);
	pvd_info_list_free(list);
	fputs("ready\n", stderr);
	while (count > 0) {
		/* No timeout: the test kills a probe that waits too long. */
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			return 1;
		r = pvd_monitor_dispatch(h, on_event, &count);
		if (r == -ECANCELED)
			break;
		if (r < 0) {
			printf("dispatch failed %s\n", err_name(r));
			return 1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct pvd_handle *h = NULL;
	int r, rc;

	if (argc < 2)
		return 2;
	if ((r = pvd_open(&h)) < 0) {
		printf("open failed %s\n", err_name(r));
		return 1;
	}
	if (!strcmp(argv[1], "list") && argc == 2)
		rc = cmd_list(h);
	else if (!strcmp(argv[1], "bind") && argc == 3)
		rc = cmd_bind(h, argv[2]);
	else if (!strcmp(argv[1], "connect") && argc == 6)
		rc = cmd_connect(h, argv[2], argv[3], argv[4], atoi(argv[5]));
	else if (!strcmp(argv[1], "resolve") && argc == 4)
		rc = cmd_resolve(h, argv[2], argv[3]);
	else if (!strcmp(argv[1], "monitor") && argc == 3)
		rc = cmd_monitor(h, atoi(argv[2]));
	else
		rc = 2;
	pvd_close(h);
	return rc;
}
