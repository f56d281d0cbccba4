/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pvd_connect: one TCP connection raced over several PvDs, Happy Eyeballs
 * style (RFC 8305).
 *
 * Lookups: HOST is resolved through every PvD at once, each lookup in a
 * thread of its own (pvd_resolve_vrf is synchronous and thread-safe; a
 * numeric address, which sends no query, is answered in place): a PvD
 * whose DNS server does not answer must not hold the others up, and
 * section 3 starts connecting as soon as the first answer is there.  A
 * lookup that is still running when the race ends finishes on its own (the
 * resolv.conf's timeout bounds it) and frees what it holds; the caller never
 * waits for it.
 *
 * Preference: an answer from a PvD while one before it in the caller's
 * list is still resolving waits the Resolution Delay (section 3: 50 ms
 * after the first answer, as an A answer waits for AAAA) before its
 * attempts may start, so that the preferred PvD wins when both work.
 *
 * Attempts: a non-blocking socket bound to its PvD's VRF before connect();
 * he_next picks the PvD (taking turns, in the caller's order), each PvD's
 * answer ordered by he_candidates (families alternating, section 4).  The
 * next attempt starts one Connection Attempt Delay (250 ms, section 5) after
 * the previous one, or at once when none is in flight (the previous one
 * failed: a refused or unreachable PvD costs nothing).  The first to connect
 * wins; the others are closed (section 5: "all other connections attempts
 * that have not yet succeeded SHOULD be canceled"). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "pvd-resolve.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A lookup's failure as pvd_connect reports it. */
static int eai_errno(int eai, int err)
{
	switch (eai) {
	case EAI_NONAME:
	case EAI_NODATA:
	case EAI_ADDRFAMILY:
		return -EADDRNOTAVAIL;
	case EAI_AGAIN:
		return -EAGAIN;
	case EAI_FAIL:
		return -EIO;
	case EAI_MEMORY:
		return -ENOMEM;
	case EAI_SYSTEM:
		/* A missing resolv.conf: the PvD is not ready, not unknown. */
		return err == ENOENT ? -ENODEV : err ? -err : -EIO;
	default:
		return -EINVAL;	/* EAI_SERVICE: not a port or a known service */
	}
}

/* ---- the lookups, shared with their threads ---- */

struct lookup {
	struct addrinfo *res;
	int eai, err;
	bool done;	/* under race->lock */
	bool taken;	/* by the caller (its thread only) */
};

struct lookups {
	pthread_mutex_t lock;
	unsigned refs;		/* the caller and each running thread */
	int pipe[2];		/* a byte per finished lookup */
	char *host, *service;
	size_t n;
	char (*vrfs)[IFNAMSIZ];
	char **resolv_confs;
	struct lookup *l;
};

struct lookup_arg {
	struct lookups *ls;
	size_t i;
};

static void lookups_free(struct lookups *ls)
{
	if (!ls)
		return;
	for (size_t i = 0; ls->l && i < ls->n; i++) {
		pvd_resolve_freeaddrinfo(ls->l[i].res);
		free(ls->resolv_confs[i]);
	}
	if (ls->pipe[0] >= 0)
		close(ls->pipe[0]);
	if (ls->pipe[1] >= 0)
		close(ls->pipe[1]);
	pthread_mutex_destroy(&ls->lock);
	free(ls->l);
	free(ls->vrfs);
	free(ls->resolv_confs);
	free(ls->host);
	free(ls->service);
	free(ls);
}

static void lookups_unref(struct lookups *ls)
{
	bool last;

	pthread_mutex_lock(&ls->lock);
	last = --ls->refs == 0;
	pthread_mutex_unlock(&ls->lock);
	if (last)
		lookups_free(ls);
}

static void lookup_finish(struct lookups *ls, size_t i, struct addrinfo *res, int eai, int err)
{
	char byte = 1;

	pthread_mutex_lock(&ls->lock);
	ls->l[i] = (struct lookup) { .res = res, .eai = eai, .err = err, .done = true };
	/* The pipe holds far more bytes than there are lookups. */
	if (write(ls->pipe[1], &byte, 1) < 0)
		ls->l[i].err = errno;
	pthread_mutex_unlock(&ls->lock);
}

static void lookup_run(struct lookups *ls, size_t i)
{
	const struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_protocol = IPPROTO_TCP };
	struct addrinfo *res = NULL;
	int eai;

	errno = 0;
	eai = pvd_resolve_vrf(ls->vrfs[i], ls->resolv_confs[i], ls->host, ls->service, &hints, &res);
	lookup_finish(ls, i, eai ? NULL : res, eai, errno);
}

static void *lookup_thread(void *p)
{
	struct lookup_arg a = *(struct lookup_arg *)p;

	free(p);
	lookup_run(a.ls, a.i);
	lookups_unref(a.ls);
	return NULL;
}

/* A numeric address needs no lookup (and sends no query). */
static bool host_is_numeric(const char *host)
{
	const struct addrinfo hints = { .ai_flags = AI_NUMERICHOST };
	struct addrinfo *res = NULL;

	if (getaddrinfo(host, NULL, &hints, &res) != 0)
		return false;
	freeaddrinfo(res);
	return true;
}

/* Start every lookup: in threads for a name, here for an address.  The
 * threads get no signals: those are the application's, for its own. */
static int lookups_start(struct lookups *ls)
{
	sigset_t all, old;
	pthread_attr_t attr;

	if (host_is_numeric(ls->host)) {
		for (size_t i = 0; i < ls->n; i++)
			lookup_run(ls, i);
		return 0;
	}
	if (pthread_attr_init(&attr) != 0)
		return -ENOMEM;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (size_t i = 0; i < ls->n; i++) {
		struct lookup_arg *a = malloc(sizeof(*a));
		pthread_t t;
		int e;

		if (!a) {
			lookup_finish(ls, i, NULL, EAI_MEMORY, 0);
			continue;
		}
		*a = (struct lookup_arg) { .ls = ls, .i = i };
		pthread_mutex_lock(&ls->lock);
		ls->refs++;
		pthread_mutex_unlock(&ls->lock);
		if ((e = pthread_create(&t, &attr, lookup_thread, a)) != 0) {
			free(a);
			pthread_mutex_lock(&ls->lock);
			ls->refs--;
			pthread_mutex_unlock(&ls->lock);
			lookup_finish(ls, i, NULL, EAI_SYSTEM, e);
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	return 0;
}

/* ---- the race ---- */

struct attempt {
	int fd;
	size_t pvd;
};

struct race {
	struct lookups *ls;
	size_t n, pending;		/* PvDs; lookups not yet taken */
	struct he_candidate **cand;	/* per PvD, in he_candidates' order */
	size_t *avail, *started;
	bool *answered;			/* per PvD: its lookup is over */
	int64_t first_answer_at;	/* of the first address, -1 before */
	int dns_err;			/* the first lookup error, if any */
	struct attempt *a;
	size_t active, cap;
	struct pollfd *pfd;
	const char (*vrfs)[IFNAMSIZ];	/* per PvD */
	int (*bind)(int fd, const char *vrf);
};

/* Take the answers of the lookups that finished. */
static int race_take_answers(struct race *ra)
{
	char buf[64];
	int r = 0;

	while (read(ra->ls->pipe[0], buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&ra->ls->lock);
	for (size_t i = 0; i < ra->n && r >= 0; i++) {
		struct lookup *l = &ra->ls->l[i];

		if (!l->done || l->taken)
			continue;
		l->taken = true;
		ra->answered[i] = true;
		ra->pending--;
		if (l->eai) {
			if (!ra->dns_err)
				ra->dns_err = eai_errno(l->eai, l->err);
			continue;
		}
		r = he_candidates(&l->res, 1, &ra->cand[i], &ra->avail[i]);
		if (r >= 0 && ra->avail[i] && ra->first_answer_at < 0)
			ra->first_answer_at = now_ms();
	}
	pthread_mutex_unlock(&ra->ls->lock);
	return r;
}

/* 1: connected at once, 0: in progress (added to the attempts), or -errno. */
static int race_start(struct race *ra, size_t pvd)
{
	const struct he_candidate *c = &ra->cand[pvd][ra->started[pvd]++];
	int fd, r;

	if (ra->active == ra->cap) {
		size_t cap = ra->cap ? 2 * ra->cap : 4;
		struct attempt *a = realloc(ra->a, cap * sizeof(*a));
		struct pollfd *p;

		if (!a)
			return -ENOMEM;
		ra->a = a;
		if (!(p = realloc(ra->pfd, (cap + 1) * sizeof(*p))))
			return -ENOMEM;
		ra->pfd = p;
		ra->cap = cap;
	}
	fd = socket(c->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0)
		return -errno;
	if ((r = ra->bind(fd, ra->vrfs ? ra->vrfs[pvd] : "")) < 0) {
		close(fd);
		return r;
	}
	if (connect(fd, (const struct sockaddr *)&c->addr, c->addrlen) == 0)
		r = 1;
	else if (errno == EINPROGRESS)
		r = 0;
	else {
		r = -errno;
		close(fd);
		return r;
	}
	ra->a[ra->active++] = (struct attempt) { .fd = fd, .pvd = pvd };
	return r;
}

/* The race; 0 and the index in ra->a of the winner, or -errno. */
static int race_run(struct race *ra, int timeout_ms, size_t *ret_winner)
{
	int64_t now = now_ms(), deadline = timeout_ms < 0 ? INT64_MAX : now + timeout_ms, next_at = now, wait;
	int last_err = 0, r;
	size_t pvd, allowed;
	bool delay_over;

	for (;;) {
		now = now_ms();
		for (;;) {
			delay_over = ra->first_answer_at >= 0 && now >= ra->first_answer_at + HE_RESOLUTION_DELAY_MS;
			allowed = he_allowed(ra->answered, ra->n, delay_over);
			pvd = he_next(ra->started, ra->avail, allowed);
			if (pvd == SIZE_MAX || (now < next_at && ra->active))
				break;
			r = race_start(ra, pvd);
			if (r == -ENOMEM)
				return r;
			if (r < 0) {
				last_err = r;
				continue;
			}
			next_at = now + HE_ATTEMPT_DELAY_MS;
			if (r == 1) {
				*ret_winner = ra->active - 1;
				return 0;
			}
			break;
		}
		if (!ra->active && !ra->pending && he_next(ra->started, ra->avail, ra->n) == SIZE_MAX)
			return last_err ? last_err : ra->dns_err ? ra->dns_err : -EADDRNOTAVAIL;
		if (now >= deadline)
			return -ETIMEDOUT;
		wait = deadline - now;
		if (pvd != SIZE_MAX && next_at - now < wait)
			wait = next_at - now;	/* the next attempt is due */
		else if (pvd == SIZE_MAX && !delay_over && ra->first_answer_at >= 0 &&
			 he_next(ra->started, ra->avail, ra->n) != SIZE_MAX &&
			 ra->first_answer_at + HE_RESOLUTION_DELAY_MS - now < wait)
			wait = ra->first_answer_at + HE_RESOLUTION_DELAY_MS - now;	/* held for a preferred answer */
		ra->pfd[0] = (struct pollfd) { .fd = ra->pending ? ra->ls->pipe[0] : -1, .events = POLLIN };
		for (size_t i = 0; i < ra->active; i++)
			ra->pfd[i + 1] = (struct pollfd) { .fd = ra->a[i].fd, .events = POLLOUT };
		r = poll(ra->pfd, ra->active + 1, wait > INT32_MAX ? INT32_MAX : (int)wait);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r <= 0)
			continue;
		for (size_t i = ra->active; i-- > 0;) {
			int err = 0;
			socklen_t len = sizeof(err);

			if (!ra->pfd[i + 1].revents)
				continue;
			if (getsockopt(ra->a[i].fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
				err = errno;
			if (!err && (ra->pfd[i + 1].revents & POLLOUT)) {
				*ret_winner = i;
				return 0;
			}
			last_err = err ? -err : -ECONNRESET;
			close(ra->a[i].fd);
			ra->a[i] = ra->a[--ra->active];
			ra->pfd[i + 1] = ra->pfd[ra->active + 1];
		}
		if ((ra->pfd[0].revents & POLLIN) && (r = race_take_answers(ra)) < 0)
			return r;
	}
}

static struct lookups *lookups_new(size_t n, const char *host, const char *service)
{
	struct lookups *ls = calloc(1, sizeof(*ls));

	if (!ls)
		return NULL;
	ls->pipe[0] = ls->pipe[1] = -1;
	ls->refs = 1;
	ls->n = n;
	pthread_mutex_init(&ls->lock, NULL);
	if (!(ls->host = strdup(host)) || !(ls->service = strdup(service)) ||
	    !(ls->vrfs = calloc(n, sizeof(*ls->vrfs))) || !(ls->resolv_confs = calloc(n, sizeof(char *))) ||
	    !(ls->l = calloc(n, sizeof(*ls->l))) || pipe2(ls->pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		lookups_free(ls);
		return NULL;
	}
	return ls;
}

/* The arrays of a race for N PvDs (cand, avail, started, answered, pfd). */
static int race_init(struct race *ra, size_t n)
{
	ra->n = ra->pending = n;
	ra->first_answer_at = -1;
	ra->bind = libpvd_bind_vrf;
	if (!(ra->cand = calloc(n, sizeof(*ra->cand))) || !(ra->avail = calloc(n, sizeof(*ra->avail))) ||
	    !(ra->started = calloc(n, sizeof(*ra->started))) || !(ra->answered = calloc(n, sizeof(*ra->answered))) ||
	    !(ra->pfd = calloc(1, sizeof(*ra->pfd))))
		return -ENOMEM;
	return 0;
}

/* The race's winner, out of the attempts, as an ordinary blocking socket. */
static int race_winner(struct race *ra, size_t winner, int *ret_fd, size_t *ret_pvd)
{
	int fd = ra->a[winner].fd, flags;

	if ((flags = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
		return -errno;	/* closed with the others */
	*ret_fd = fd;
	*ret_pvd = ra->a[winner].pvd;
	ra->a[winner] = ra->a[--ra->active];	/* not closed by race_done */
	return 0;
}

/* Close every attempt left and free the arrays; the lookups go when their
 * last thread is done. */
static void race_done(struct race *ra)
{
	for (size_t i = 0; i < ra->active; i++)
		close(ra->a[i].fd);
	for (size_t i = 0; ra->cand && i < ra->n; i++)
		free(ra->cand[i]);
	free(ra->cand);
	free(ra->avail);
	free(ra->started);
	free(ra->answered);
	free(ra->a);
	free(ra->pfd);
	if (ra->ls)
		lookups_unref(ra->ls);
}

int libpvd_race(struct addrinfo *const *answers, size_t n, int timeout_ms, int (*bind)(int fd, const char *vrf),
		int *ret_fd, size_t *ret_pvd)
{
	struct race ra = { 0 };
	size_t winner, pvd;
	int r, fd;

	if ((r = race_init(&ra, n)) < 0)
		goto out;
	ra.bind = bind;
	ra.pending = 0;
	ra.first_answer_at = now_ms();
	for (size_t i = 0; i < n; i++) {
		ra.answered[i] = true;
		if ((r = he_candidates(&answers[i], 1, &ra.cand[i], &ra.avail[i])) < 0)
			goto out;
	}
	if ((r = race_run(&ra, timeout_ms, &winner)) < 0 || (r = race_winner(&ra, winner, &fd, &pvd)) < 0)
		goto out;
	*ret_fd = fd;
	*ret_pvd = pvd;
out:
	race_done(&ra);
	return r;
}

int pvd_connect(struct pvd_handle *h, const char *const names[], size_t n, const char *host, const char *service,
		int timeout_ms, int *ret_fd, const char **ret_chosen)
{
	struct race ra = { 0 };
	size_t winner = 0, pvd;
	int r, fd;

	if (!h || !names || !n || !host || !service || !ret_fd)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!names[i])
			return -EINVAL;
	if ((r = race_init(&ra, n)) < 0)
		goto out;
	if (!(ra.ls = lookups_new(n, host, service))) {
		r = -ENOMEM;
		goto out;
	}
	ra.vrfs = (const char (*)[IFNAMSIZ])ra.ls->vrfs;
	/* Every name must be a PvD: a typo is an error, not a narrower race. */
	for (size_t i = 0; i < n; i++)
		if ((r = libpvd_target_of(h, names[i], ra.ls->vrfs[i], &ra.ls->resolv_confs[i])) < 0)
			goto out;
	if ((r = lookups_start(ra.ls)) < 0 || (r = race_take_answers(&ra)) < 0 ||
	    (r = race_run(&ra, timeout_ms, &winner)) < 0 || (r = race_winner(&ra, winner, &fd, &pvd)) < 0)
		goto out;
	*ret_fd = fd;
	if (ret_chosen)
		*ret_chosen = names[pvd];
out:
	race_done(&ra);
	return r;
}
