/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pvd_connect: one TCP connection raced over several PvDs, Happy Eyeballs
 * style (RFC 8305).  Every attempt is a non-blocking socket bound to its
 * PvD's VRF before connect(); the attempts start in he_candidates' order,
 * one Connection Attempt Delay (250 ms, section 5) apart, or at once when
 * none is in flight any more (the previous one failed: a refused or
 * unreachable PvD costs nothing).  The first to connect wins; the others
 * are closed (section 5: "all other connections attempts that have not yet
 * succeeded SHOULD be canceled"). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* getaddrinfo's errors as errnos (EAI_NONAME under AI_NUMERICHOST: not an
 * address, which this version cannot resolve). */
static int eai_errno(int eai)
{
	switch (eai) {
	case EAI_NONAME:
		return -EOPNOTSUPP;
	case EAI_MEMORY:
		return -ENOMEM;
	case EAI_SYSTEM:
		return errno ? -errno : -EIO;
	case EAI_FAMILY:
		return -EAFNOSUPPORT;
	default:
		return -EINVAL;	/* EAI_SERVICE, EAI_SOCKTYPE, EAI_BADFLAGS... */
	}
}

/* The addresses of HOST through one PvD.  Numeric hosts only, until
 * pvd_resolve answers from the PvD's own DNS servers: no name is ever
 * looked up outside the PvD. */
static int connect_resolve(const char *host, const char *service, struct addrinfo **ret)
{
	const struct addrinfo hints = {
		.ai_flags = AI_NUMERICHOST,
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_protocol = IPPROTO_TCP,
	};
	int eai;

	errno = 0;
	eai = getaddrinfo(host, service, &hints, ret);
	return eai ? eai_errno(eai) : 0;
}

/* 1: connected at once, 0: in progress (*ret_fd set), or -errno. */
static int attempt_start(const struct he_candidate *c, const char *vrf, int *ret_fd)
{
	int fd, r;

	fd = socket(c->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0)
		return -errno;
	if ((r = libpvd_bind_vrf(fd, vrf)) < 0) {
		close(fd);
		return r;
	}
	if (connect(fd, (const struct sockaddr *)&c->addr, c->addrlen) == 0)
		r = 1;
	else if (errno == EINPROGRESS)
		r = 0;
	else
		r = -errno;
	if (r < 0)
		close(fd);
	else
		*ret_fd = fd;
	return r;
}

/* The race itself.  PFD[i]/WHICH[i]: the attempts in flight (room for all). */
static int race(const struct he_candidate *c, size_t nc, const char (*vrfs)[IFNAMSIZ], int timeout_ms,
		struct pollfd *pfd, size_t *which, int *ret_fd, size_t *ret_cand)
{
	int64_t now = now_ms(), deadline = timeout_ms < 0 ? INT64_MAX : now + timeout_ms, next_at = now;
	size_t next = 0, active = 0, winner = SIZE_MAX;
	int last_err = -ENETUNREACH, r, fd = -1;

	while (winner == SIZE_MAX) {
		now = now_ms();
		while (next < nc && (now >= next_at || !active)) {
			r = attempt_start(&c[next], vrfs[c[next].pvd], &fd);
			if (r < 0) {
				last_err = r;
				next++;
				continue;
			}
			pfd[active] = (struct pollfd) { .fd = fd, .events = POLLOUT };
			which[active++] = next++;
			next_at = now + HE_ATTEMPT_DELAY_MS;
			if (r == 1)
				winner = active - 1;
			break;
		}
		if (winner != SIZE_MAX)
			break;
		if (!active) {
			r = last_err;	/* every attempt failed */
			goto fail;
		}
		if (now >= deadline) {
			r = -ETIMEDOUT;
			goto fail;
		}
		int64_t wait = deadline - now;

		if (next < nc && next_at - now < wait)
			wait = next_at - now;
		r = poll(pfd, active, wait > INT32_MAX ? INT32_MAX : (int)wait);
		if (r < 0 && errno != EINTR) {
			r = -errno;
			goto fail;
		}
		for (size_t i = 0; r > 0 && i < active && winner == SIZE_MAX; i++) {
			int err = 0;
			socklen_t len = sizeof(err);

			if (!pfd[i].revents)
				continue;
			if (getsockopt(pfd[i].fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
				err = errno;
			if (!err && (pfd[i].revents & POLLOUT)) {
				winner = i;
				break;
			}
			last_err = err ? -err : -ECONNRESET;
			close(pfd[i].fd);
			pfd[i] = pfd[--active];
			which[i] = which[active];
			i--;	/* look at the one moved here */
		}
	}
	for (size_t i = 0; i < active; i++)
		if (i != winner)
			close(pfd[i].fd);
	*ret_fd = pfd[winner].fd;
	*ret_cand = which[winner];
	return 0;
fail:
	for (size_t i = 0; i < active; i++)
		close(pfd[i].fd);
	return r;
}

int pvd_connect(struct pvd_handle *h, const char *const names[], size_t n, const char *host, const char *service,
		int timeout_ms, int *ret_fd, const char **ret_chosen)
{
	char (*vrfs)[IFNAMSIZ] = NULL;
	struct addrinfo **lists = NULL;
	struct he_candidate *c = NULL;
	struct pollfd *pfd = NULL;
	size_t nc = 0, *which = NULL, cand = 0;
	int r, fd = -1, flags;

	if (!h || !names || !n || !host || !service || !ret_fd)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!names[i])
			return -EINVAL;
	if (!(vrfs = calloc(n, sizeof(*vrfs))) || !(lists = calloc(n, sizeof(*lists)))) {
		r = -ENOMEM;
		goto out;
	}
	/* Every name must be a PvD: a typo is an error, not a narrower race. */
	for (size_t i = 0; i < n; i++)
		if ((r = libpvd_vrf_of(h, names[i], vrfs[i])) < 0)
			goto out;
	for (size_t i = 0; i < n; i++)
		if ((r = connect_resolve(host, service, &lists[i])) < 0)
			goto out;
	if ((r = he_candidates(lists, n, &c, &nc)) < 0)
		goto out;
	if (!nc) {
		r = -EADDRNOTAVAIL;	/* nothing TCP can connect to */
		goto out;
	}
	if (!(pfd = calloc(nc, sizeof(*pfd))) || !(which = calloc(nc, sizeof(*which)))) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = race(c, nc, (const char (*)[IFNAMSIZ])vrfs, timeout_ms, pfd, which, &fd, &cand)) < 0)
		goto out;
	/* Hand it over as an ordinary blocking socket. */
	if ((flags = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		r = -errno;
		close(fd);
		goto out;
	}
	*ret_fd = fd;
	if (ret_chosen)
		*ret_chosen = names[c[cand].pvd];
	r = 0;
out:
	for (size_t i = 0; lists && i < n; i++)
		if (lists[i])
			freeaddrinfo(lists[i]);
	free(lists);
	free(vrfs);
	free(c);
	free(pfd);
	free(which);
	return r;
}
