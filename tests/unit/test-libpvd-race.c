/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pvd_connect's race (RFC 8305) on the loopback, through its seam
 * libpvd_race (answers given, sockets not bound to any VRF): the preferred
 * PvD wins when both answer, the other one within the attempt delay when
 * the first one's SYNs are dropped, at once when the first one refuses;
 * deadlines; no descriptor left behind, under ASan and LSan.
 *
 * A server that drops SYNs, without privileges: a listening socket with a
 * backlog of 0 whose only accept-queue place is taken by a connection never
 * accepted; Linux drops the SYNs that follow. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../src/libpvd/internal.h"

#include "tap.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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

/* A listening socket on 127.0.0.1 with BACKLOG; its port in *PORT. */
static int listener(int backlog, unsigned *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, backlog) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		abort();
	*port = ntohs(a.sin_port);
	return fd;
}

static int connect_to(unsigned port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		abort();
	return fd;
}

static struct addrinfo *answer(unsigned port)
{
	const struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	char p[16];

	snprintf(p, sizeof(p), "%u", port);
	if (getaddrinfo("127.0.0.1", p, &hints, &res) != 0)
		abort();
	return res;
}

static int no_bind(int fd, const char *vrf)
{
	(void)fd;
	(void)vrf;
	return 0;
}

static int bind_fails(int fd, const char *vrf)
{
	(void)fd;
	(void)vrf;
	return -ENODEV;
}

struct outcome {
	int r;
	size_t pvd;
	int64_t ms;
};

static struct outcome race2(unsigned pa, unsigned pb, int timeout_ms, int (*bindfn)(int, const char *))
{
	struct addrinfo *ans[2] = { pa ? answer(pa) : NULL, pb ? answer(pb) : NULL };
	struct outcome o = { .pvd = SIZE_MAX };
	int fd = -1, before = count_fds();
	int64_t t0 = now_ms();

	o.r = libpvd_race(ans, 2, timeout_ms, bindfn, &fd, &o.pvd);
	o.ms = now_ms() - t0;
	if (o.r == 0)
		close(fd);
	for (int i = 0; i < 2; i++)
		if (ans[i])
			freeaddrinfo(ans[i]);
	if (count_fds() != before) {
		printf("# descriptors: %d before, %d after\n", before, count_fds());
		o.r = -EMFILE;	/* reported as a failure of the case */
	}
	return o;
}

int main(void)
{
	unsigned open_a, open_b, full, closed;
	int la = listener(16, &open_a), lb = listener(16, &open_b), lf = listener(0, &full), lc, filler;
	struct outcome o;

	filler = connect_to(full);	/* takes the only accept-queue place */
	lc = listener(1, &closed);
	close(lc);			/* nothing listens there: RST */

	o = race2(full, 0, 600, no_bind);
	ok(o.r == -ETIMEDOUT && o.ms >= 600 && o.ms < 1500,
	   "control: the full listener drops SYNs: -ETIMEDOUT at the 600 ms deadline (r=%d, %lld ms)", o.r,
	   (long long)o.ms);
	o = race2(open_a, open_b, 5000, no_bind);
	ok(o.r == 0 && o.pvd == 0 && o.ms < HE_ATTEMPT_DELAY_MS,
	   "both answer: PvD 0 wins before the attempt delay (r=%d, pvd %zu, %lld ms)", o.r, o.pvd, (long long)o.ms);
	o = race2(open_b, open_a, 5000, no_bind);
	ok(o.r == 0 && o.pvd == 0, "the order is the preference: PvD 0 again (r=%d, pvd %zu)", o.r, o.pvd);
	o = race2(full, open_b, 5000, no_bind);
	ok(o.r == 0 && o.pvd == 1 && o.ms >= HE_ATTEMPT_DELAY_MS && o.ms < 1000,
	   "PvD 0 drops: PvD 1 wins after one attempt delay, before any SYN retransmission (r=%d, pvd %zu, %lld ms)",
	   o.r, o.pvd, (long long)o.ms);
	o = race2(closed, open_b, 5000, no_bind);
	ok(o.r == 0 && o.pvd == 1 && o.ms < HE_ATTEMPT_DELAY_MS,
	   "PvD 0 refuses: PvD 1 starts at once (r=%d, pvd %zu, %lld ms)", o.r, o.pvd, (long long)o.ms);
	o = race2(full, full, 800, no_bind);
	ok(o.r == -ETIMEDOUT && o.ms >= 800 && o.ms < 1700,
	   "both drop: -ETIMEDOUT at the deadline, nothing left open (r=%d, %lld ms)", o.r, (long long)o.ms);
	o = race2(closed, closed, 5000, no_bind);
	ok(o.r == -ECONNREFUSED && o.ms < 1000, "both refuse: -ECONNREFUSED at once (r=%d, %lld ms)", o.r,
	   (long long)o.ms);
	o = race2(0, 0, 5000, no_bind);
	ok(o.r == -EADDRNOTAVAIL && o.ms < 100, "no address at all: -EADDRNOTAVAIL (r=%d)", o.r);
	o = race2(open_a, open_b, 5000, bind_fails);
	ok(o.r == -ENODEV, "every socket fails to bind: the binding's error, nothing connected (r=%d)", o.r);
	o = race2(0, open_b, 5000, no_bind);
	ok(o.r == 0 && o.pvd == 1, "a PvD without an answer is passed over (r=%d, pvd %zu)", o.r, o.pvd);

	close(filler);
	close(la);
	close(lb);
	close(lf);
	return tap_done();
}
