/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The netlink transport (src/kernel/netlink.c) against the running kernel,
 * unprivileged: pipelined requests each get their own answer, across batches
 * and around a dump, and lost answers fail the requests instead of hanging.
 * RTM_GETLINK of ifindex 1 (lo, in every namespace) succeeds; of an ifindex
 * nobody has, fails with ENODEV. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/rtnetlink.h>

#include "../../src/kernel/internal.h"

#include "tap.h"

#define NO_SUCH_IFINDEX 0x7ffffff0

struct answer {
	int r;
	bool done;
	char ext[KERNEL_EXTACK_MAX];
};

struct ctx {
	struct answer *a;
};

static void on_done(struct kernel *k, int r, const char *ext, void *data)
{
	struct ctx c;

	(void)k;
	memcpy(&c, data, sizeof(c));
	c.a->r = r;
	c.a->done = true;
	snprintf(c.a->ext, sizeof(c.a->ext), "%s", ext);
}

static void queue_getlink(struct kernel *k, int ifindex, struct answer *a)
{
	char buf[KERNEL_MSG_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	struct ctx c = { .a = a };

	nlh->nlmsg_type = RTM_GETLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	kernel_queue(k, nlh, on_done, &c, sizeof(c));
}

static int count_link(const struct nlmsghdr *h, void *data)
{
	if (h->nlmsg_type == RTM_NEWLINK)
		(*(int *)data)++;
	return 0;
}

static int dump_links(struct kernel *k, int *n)
{
	char buf[KERNEL_MSG_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtgenmsg *g;

	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_DUMP;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	g->rtgen_family = AF_UNSPEC;
	*n = 0;
	return kernel_talk(k, nlh, count_link, n, NULL, 0);
}

static bool lo_or_none(int i)
{
	return i % 3 == 0;
}

/* More requests than a batch holds, successes and failures mixed. */
static void test_pipelined(struct kernel *k)
{
	enum { N = 3 * KERNEL_WINDOW + 5 };
	struct answer a[N] = { 0 };
	bool right = true, all = true;

	for (int i = 0; i < N; i++)
		queue_getlink(k, lo_or_none(i) ? 1 : NO_SUCH_IFINDEX - i, &a[i]);
	ok(k->n_pending == N % KERNEL_WINDOW, "a full batch is sent and answered before the next request");
	kernel_wait(k);
	for (int i = 0; i < N; i++) {
		all = all && a[i].done;
		right = right && a[i].r == (lo_or_none(i) ? 0 : -ENODEV);
	}
	ok(all && k->n_pending == 0, "%d requests, every one answered", N);
	ok(right, "each answer went to its own request (lo: 0, an unknown ifindex: ENODEV)");
}

/* A dump after queued requests: it waits for them, and they for nothing. */
static void test_dump(struct kernel *k)
{
	struct answer a[2] = { 0 };
	int n, r;

	queue_getlink(k, NO_SUCH_IFINDEX, &a[0]);
	queue_getlink(k, 1, &a[1]);
	r = dump_links(k, &n);
	ok(r == 0 && n >= 1, "a dump behind two requests: %d links (r %d)", n, r);
	ok(a[0].done && a[0].r == -ENODEV && a[1].done && a[1].r == 0, "... and the requests before it were answered");
}

/* Answers dropped for want of receive buffer: every request still open fails
 * with ENOBUFS, the cache is stale, and the socket serves the next request. */
static void test_lost(struct kernel *k)
{
	struct answer a[KERNEL_WINDOW] = { 0 };
	int fd = mnl_socket_get_fd(k->req), small = 1, big = 1 << 20;
	bool all = true, lost = false, right = true;
	int n, r;

	k->cache_stale = false;
	CHECK(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)) == 0);
	for (int i = 0; i < KERNEL_WINDOW; i++)
		queue_getlink(k, 1, &a[i]);
	kernel_wait(k);
	for (int i = 0; i < KERNEL_WINDOW; i++) {
		all = all && a[i].done;
		lost = lost || a[i].r == -ENOBUFS;
		right = right && (a[i].r == 0 || a[i].r == -ENOBUFS);
	}
	ok(all && lost && right, "a receive buffer overrun: every request answered, some with ENOBUFS");
	ok(k->cache_stale, "... and the cache is stale: requests may have done what nobody heard of");
	CHECK(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big)) == 0);
	r = dump_links(k, &n);
	ok(r == 0 && n >= 1, "the next request is answered, late answers to the lost ones skipped (r %d)", r);
}

int main(void)
{
	struct kernel k = {
		.cache_routes = { .size = sizeof(struct kernel_route) },
		.cache_addrs = { .size = sizeof(struct kernel_addr) },
	};
	int one = 1;

	k.req = mnl_socket_open(NETLINK_ROUTE);
	CHECK(k.req && mnl_socket_bind(k.req, 0, MNL_SOCKET_AUTOPID) == 0);
	(void)mnl_socket_setsockopt(k.req, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)mnl_socket_setsockopt(k.req, NETLINK_CAP_ACK, &one, sizeof(one));
	k.req_buf = malloc(KERNEL_BUF_SIZE);
	k.tx_buf = malloc(KERNEL_TX_SIZE);
	CHECK(k.req_buf && k.tx_buf);
	test_pipelined(&k);
	test_dump(&k);
	test_lost(&k);
	mnl_socket_close(k.req);
	free(k.req_buf);
	free(k.tx_buf);
	return tap_done();
}
