/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Netlink transport: one request socket (libmnl), extended ACKs, dumps. */
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

typedef int (*kernel_msg_fn)(const struct nlmsghdr *h, void *data);

/* The NLMSGERR_ATTR_MSG of an error ACK, if the kernel sent one. */
static void kernel_extack(const struct nlmsghdr *h, char *ext, size_t extlen)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(h);
	const struct nlattr *attr;
	size_t off = sizeof(*err);

	if (!ext || !extlen || !(h->nlmsg_flags & NLM_F_ACK_TLVS))
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

/*
 * Send one request and read its answer: the ACK, or for a dump every part
 * (handed to fn) up to NLMSG_DONE.  Returns 0 or the kernel's -errno with
 * its extack message in ext; -EAGAIN when a dump was interrupted by a
 * change (NLM_F_DUMP_INTR) and must be redone.
 */
int kernel_talk(struct kernel *k, struct nlmsghdr *nlh, kernel_msg_fn fn, void *data,
		       char *ext, size_t extlen)
{
	uint32_t seq = ++k->seq;
	/* Not from the flags: NLM_F_DUMP's bits double as REPLACE/EXCL on NEW requests. */
	bool dump = (nlh->nlmsg_type & 3) == 2 && (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	bool intr = false;
	int ret = 0;

	if (ext && extlen)
		ext[0] = '\0';
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = 0;
	nlh->nlmsg_flags |= NLM_F_REQUEST | (dump ? 0 : NLM_F_ACK);
	if (mnl_socket_sendto(k->req, nlh, nlh->nlmsg_len) < 0)
		return -errno;

	for (;;) {
		const struct nlmsghdr *h;
		ssize_t n;
		int len;

		n = mnl_socket_recvfrom(k->req, k->req_buf, KERNEL_BUF_SIZE);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		len = (int)n;
		for (h = (const struct nlmsghdr *)k->req_buf; mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len)) {
			if (h->nlmsg_seq != seq)
				continue;       /* an answer to an earlier, abandoned request */
			if (h->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *err = mnl_nlmsg_get_payload(h);

				if (h->nlmsg_len < mnl_nlmsg_size(sizeof(*err)))
					return -EBADMSG;
				if (err->error == 0)
					return ret;
				kernel_extack(h, ext, extlen);
				return err->error;
			}
			if (h->nlmsg_type == NLMSG_DONE) {
				if (h->nlmsg_len >= mnl_nlmsg_size(sizeof(int))) {
					int e = *(const int *)mnl_nlmsg_get_payload(h);

					if (e < 0)
						return e;
				}
				return ret == 0 && intr ? -EAGAIN : ret;
			}
			if (h->nlmsg_type < NLMSG_MIN_TYPE)
				continue;
			if (fn && ret == 0) {
				int r = fn(h, data);

				if (r < 0)
					ret = r;        /* keep reading to the end of the answer */
			}
		}
	}
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
		return kernel_fail(r, NULL, "read the kernel's %s %s", family == AF_INET ? "IPv4" : "IPv6", what);
	return 0;
}
