/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Netlink transport: one request socket (libmnl), pipelined requests, extended ACKs, dumps. */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/rtnetlink.h>

#include "internal.h"
#include "log.h"

void *kernel_vec_push(struct kernel_vec *a)
{
	void *p;

	if (a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 32;

		p = reallocarray(a->v, cap, a->size);
		if (!p)
			return NULL;
		a->v = p;
		a->cap = cap;
	}
	p = (char *)a->v + a->n++ * a->size;
	memset(p, 0, a->size);
	return p;
}

void kernel_vec_done(struct kernel_vec *a)
{
	free(a->v);
	*a = (struct kernel_vec) { .size = a->size };
}

void kernel_vec_remove(struct kernel_vec *a, size_t i)
{
	char *p = (char *)a->v + i * a->size;

	memmove(p, p + a->size, (a->n - i - 1) * a->size);
	a->n--;
}

void kernel_vec_sort(struct kernel_vec *a, int (*cmp)(const void *, const void *))
{
	if (a->n > 1)
		qsort(a->v, a->n, a->size, cmp);
}

/* A sorted copy of A, for lookups by kernel_vec_lower() while A changes. */
int kernel_vec_sorted_copy(const struct kernel_vec *a, int (*cmp)(const void *, const void *), struct kernel_vec *ret)
{
	*ret = (struct kernel_vec) { .size = a->size };
	if (kernel_vec_append(ret, a, 0, a->n) < 0)
		return -ENOMEM;
	kernel_vec_sort(ret, cmp);
	return 0;
}

/* Append A's entries FROM to TO (excluded) to RET, of the same size. */
int kernel_vec_append(struct kernel_vec *ret, const struct kernel_vec *a, size_t from, size_t to)
{
	size_t n = to - from;
	void *p;

	if (n == 0)
		return 0;
	if (ret->n + n > ret->cap) {
		p = reallocarray(ret->v, ret->n + n, ret->size);
		if (!p)
			return -ENOMEM;
		ret->v = p;
		ret->cap = ret->n + n;
	}
	memcpy((char *)ret->v + ret->n * ret->size, (const char *)a->v + from * a->size, n * a->size);
	ret->n += n;
	return 0;
}

/* A zeroed entry inserted at index I (<= n), or NULL (out of memory). */
void *kernel_vec_insert(struct kernel_vec *a, size_t i)
{
	char *p;

	if (!kernel_vec_push(a))
		return NULL;
	p = (char *)a->v + i * a->size;
	memmove(p + a->size, p, (a->n - 1 - i) * a->size);
	memset(p, 0, a->size);
	return p;
}

/* The entries of A equal to KEY under CMP, which must order A (a coarser
 * order than A's own, e.g. its first fields, will do): [*ret_from, *ret_to). */
void kernel_vec_equal_range(const struct kernel_vec *a, const void *key, int (*cmp)(const void *, const void *),
			    size_t *ret_from, size_t *ret_to)
{
	size_t lo = kernel_vec_lower(a, key, cmp), hi = a->n;

	*ret_from = lo;
	while (lo < hi) {		/* the first entry above KEY */
		size_t mid = lo + (hi - lo) / 2;

		if (cmp((const char *)a->v + mid * a->size, key) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*ret_to = lo;
}

/* The first entry of A (sorted by CMP) that is not below KEY: A->n if none. */
size_t kernel_vec_lower(const struct kernel_vec *a, const void *key, int (*cmp)(const void *, const void *))
{
	size_t lo = 0, hi = a->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp((const char *)a->v + mid * a->size, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* ---- small helpers ---- */

void kernel_keep_first(int *first, int r)
{
	if (r < 0 && *first == 0)
		*first = r;
}

/* Logs "cannot WHAT: strerror (extack)" once, where the failure is handled. */
__attribute__((format(printf, 3, 4)))
int kernel_fail(int r, const char *ext, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (ext && ext[0])
		log_error("cannot %s: %s (%s)", what, strerror(-r), ext);
	else
		log_error("cannot %s: %s", what, strerror(-r));
	return r;
}

const char *kernel_in6_str(const struct in6_addr *a, char buf[INET6_ADDRSTRLEN])
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

int kernel_nlerr(int nlerr)
{
	return nlerr == -NLE_NOMEM ? -ENOMEM : -EIO;
}

/* ---- netlink transport (libmnl) ---- */

/*
 * Requests are pipelined: kernel_queue() appends one to a batch and records
 * its sequence number and what its answer is about; kernel_wait() sends the
 * whole batch in one datagram and reads the answers, handing each to its
 * request's callback.  The kernel handles the messages of a datagram in
 * order, each as if sent alone (an error in one does not stop the next), and
 * answers them in that order: so a request sees the effect of every earlier
 * one, as it would have, synchronously, and a route still finds the device
 * or table an earlier request made.  A batch holds KERNEL_WINDOW requests
 * at most, which bounds the answers queued at once in the socket's receive
 * buffer.  kernel_talk() is one request waited for at once, and the only way
 * to dump: the kernel serves one dump at a time per socket.
 */

/* The NLMSGERR_ATTR_MSG of an error ACK, if the kernel sent one. */
static void kernel_extack(const struct nlmsghdr *h, char *ext, size_t extlen)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(h);
	const struct nlattr *attr;
	size_t off = sizeof(*err);

	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	/* Without NETLINK_CAP_ACK the request is echoed before the TLVs. */
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (h->nlmsg_len < mnl_nlmsg_size(off))
		return;
	mnl_attr_for_each(attr, h, off) {
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0) {
			snprintf(ext, extlen, "%s", mnl_attr_get_str(attr));
			return;
		}
	}
}

static void kernel_finish(struct kernel *k, struct kernel_pending *p, int r, const char *ext)
{
	p->open = false;
	k->n_open--;
	p->done(k, r, ext, p->ctx);
}

/* The open request an answer belongs to: sequence numbers of a batch are
 * consecutive.  NULL for an answer to an abandoned request. */
static struct kernel_pending *kernel_pending_find(struct kernel *k, uint32_t seq)
{
	uint32_t i = seq - k->pending[0].seq;

	return i < k->n_pending && k->pending[i].open ? &k->pending[i] : NULL;
}

static void kernel_answer(struct kernel *k, const struct nlmsghdr *h)
{
	struct kernel_pending *p = kernel_pending_find(k, h->nlmsg_seq);
	char ext[KERNEL_EXTACK_MAX] = "";

	if (!p)
		return;
	if (h->nlmsg_flags & NLM_F_DUMP_INTR)
		p->intr = true;
	if (h->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *err = mnl_nlmsg_get_payload(h);

		if (h->nlmsg_len < mnl_nlmsg_size(sizeof(*err)))
			kernel_finish(k, p, -EBADMSG, "");
		else if (err->error == 0)
			kernel_finish(k, p, p->r, "");
		else {
			kernel_extack(h, ext, sizeof(ext));
			kernel_finish(k, p, err->error, ext);
		}
		return;
	}
	if (h->nlmsg_type == NLMSG_DONE) {
		int e = 0;

		if (h->nlmsg_len >= mnl_nlmsg_size(sizeof(int)))
			memcpy(&e, mnl_nlmsg_get_payload(h), sizeof(e));
		/* An interrupted dump may be inconsistent: redo it. */
		kernel_finish(k, p, e < 0 ? e : p->r == 0 && p->intr ? -EAGAIN : p->r, "");
		return;
	}
	if (h->nlmsg_type < NLMSG_MIN_TYPE || !p->part || p->r < 0)
		return;
	/* On an error, keep reading to the end of the answer. */
	p->r = p->part(h, p->part_data);
	if (p->r > 0)
		p->r = 0;
}

/* Every request still open fails with r: its answer will never come. */
static void kernel_fail_open(struct kernel *k, int r)
{
	for (size_t i = 0; i < k->n_pending; i++)
		if (k->pending[i].open)
			kernel_finish(k, &k->pending[i], r, "");
}

void kernel_wait(struct kernel *k)
{
	if (k->n_pending == 0)
		return;
	assert(!k->waiting);
	k->waiting = true;
	k->n_open = k->n_pending;
	while (mnl_socket_sendto(k->req, k->tx_buf, k->tx_len) < 0) {
		if (errno != EINTR) {
			kernel_fail_open(k, -errno);
			break;
		}
	}
	while (k->n_open > 0) {
		const struct nlmsghdr *h;
		ssize_t n;
		int len;

		n = mnl_socket_recvfrom(k->req, k->req_buf, KERNEL_BUF_SIZE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			/* ENOBUFS: answers were dropped, so requests may
			 * have done what nobody heard of; the cache must
			 * be refilled from the kernel. */
			if (errno == ENOBUFS)
				kernel_cache_invalidate(k);
			kernel_fail_open(k, -errno);
			break;
		}
		len = (int)n;
		for (h = (const struct nlmsghdr *)k->req_buf; mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len))
			kernel_answer(k, h);
	}
	k->n_pending = 0;
	k->tx_len = 0;
	k->waiting = false;
}

static void kernel_submit(struct kernel *k, struct nlmsghdr *nlh, kernel_msg_fn part, void *part_data,
			  kernel_done_fn done, const void *ctx, size_t ctxlen)
{
	size_t len = NLMSG_ALIGN(nlh->nlmsg_len);
	struct kernel_pending *p;

	assert(!k->waiting && ctxlen <= sizeof(p->ctx) && len <= KERNEL_TX_SIZE);
	if (k->n_pending == KERNEL_WINDOW || k->tx_len + len > KERNEL_TX_SIZE)
		kernel_wait(k);
	p = &k->pending[k->n_pending++];
	*p = (struct kernel_pending) {
		.seq = ++k->seq,
		.open = true,
		.part = part,
		.part_data = part_data,
		.done = done,
	};
	memcpy(p->ctx, ctx, ctxlen);
	nlh->nlmsg_seq = p->seq;
	nlh->nlmsg_pid = 0;
	/* Not from the flags: NLM_F_DUMP's bits double as REPLACE/EXCL on NEW requests. */
	if ((nlh->nlmsg_type & 3) == 2 && (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP)
		nlh->nlmsg_flags |= NLM_F_REQUEST;
	else
		nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	memset(k->tx_buf + k->tx_len, 0, len);
	memcpy(k->tx_buf + k->tx_len, nlh, nlh->nlmsg_len);
	k->tx_len += len;
}

void kernel_queue(struct kernel *k, struct nlmsghdr *nlh, kernel_done_fn done, const void *ctx, size_t ctxlen)
{
	kernel_submit(k, nlh, NULL, NULL, done, ctx, ctxlen);
}

struct kernel_talk_result {
	int r;
	char *ext;
	size_t extlen;
};

static void kernel_talk_done(struct kernel *k, int r, const char *ext, void *ctx)
{
	struct kernel_talk_result *t;

	(void)k;
	memcpy(&t, ctx, sizeof(t));
	t->r = r;
	if (t->ext && t->extlen)
		snprintf(t->ext, t->extlen, "%s", ext);
}

/*
 * Send one request and wait for its answer (and for the requests queued
 * before it): the ACK, or for a dump every part (handed to fn) up to
 * NLMSG_DONE.  Returns 0 or the kernel's -errno with its extack message in
 * ext; -EAGAIN when a dump was interrupted by a change (NLM_F_DUMP_INTR) and
 * must be redone.
 */
int kernel_talk(struct kernel *k, struct nlmsghdr *nlh, kernel_msg_fn fn, void *data, char *ext, size_t extlen)
{
	struct kernel_talk_result t = { .ext = ext, .extlen = extlen }, *tp = &t;

	if (ext && extlen)
		ext[0] = '\0';
	kernel_submit(k, nlh, fn, data, kernel_talk_done, &tp, sizeof(tp));
	kernel_wait(k);
	return t.r;
}

/* Dump one family's addresses or routes into vec (appending), retrying an
 * interrupted dump: it may be inconsistent.  `table` (routes) and `ifindex`
 * (addresses), 0 for all, ask the kernel to filter; with strict checking it
 * does, and fn filters again (struct kernel_collect) for kernels without. */
int kernel_dump(struct kernel *k, uint16_t type, uint8_t family, uint32_t table, int ifindex,
		kernel_msg_fn fn, struct kernel_vec *vec, const char *what)
{
	size_t hdr = type == RTM_GETROUTE ? sizeof(struct rtmsg) : sizeof(struct ifaddrmsg), n0 = vec->n;
	struct kernel_collect c = { .vec = vec, .table = table, .ifindex = ifindex };
	char buf[KERNEL_MSG_SIZE];
	int r = -EAGAIN;

	for (int i = 0; i < KERNEL_DUMP_TRIES && r == -EAGAIN; i++) {
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		struct rtgenmsg *g;

		vec->n = n0;
		nlh->nlmsg_type = type;
		nlh->nlmsg_flags = NLM_F_DUMP;
		/* The family byte leads rtmsg and ifaddrmsg alike. */
		g = mnl_nlmsg_put_extra_header(nlh, hdr);
		g->rtgen_family = family;
		if (type == RTM_GETADDR)
			((struct ifaddrmsg *)g)->ifa_index = (uint32_t)ifindex;
		if (table)
			mnl_attr_put_u32(nlh, RTA_TABLE, table);
		r = kernel_talk(k, nlh, fn, &c, NULL, 0);
	}
	if (r == -ENOENT && table)
		return 0;       /* a table nobody ever made */
	if (r == -ENODEV && ifindex)
		return 0;       /* a link gone meanwhile */
	if (r < 0)
		return kernel_fail(r, NULL, "read the kernel's %s%s", family == AF_INET ? "IPv4 " :
				   family == AF_INET6 ? "IPv6 " : "", what);
	return 0;
}
