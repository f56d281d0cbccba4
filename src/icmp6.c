/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <linux/filter.h>
#include <linux/sock_diag.h>
#include <netinet/icmp6.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "icmp6.h"

int icmp6_open(void)
{
	struct icmp6_filter filter;
	int fd, on = 1, hops = 255, off = 0;

	fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_ICMPV6);
	if (fd < 0)
		return -errno;
	ICMP6_FILTER_SETBLOCKALL(&filter);
	ICMP6_FILTER_SETPASS(ND_ROUTER_ADVERT, &filter);
	/* RFC 4861 §6.1.2 needs the received hop limit; pktinfo tells the link. */
	if (setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof(filter)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof(hops)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &off, sizeof(off)) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

int icmp6_ignore_links(int fd, const int *ifindexes, size_t n)
{
	/* Load the arrival ifindex; per link "equal: drop"; else pass.  Two
	 * instructions per link keep every jump within reach (8-bit offsets). */
	struct sock_filter code[BPF_MAXINSNS];
	struct sock_fprog prog = { .filter = code };
	size_t k = 0;

	if (n > (BPF_MAXINSNS - 2) / 2)
		return -E2BIG;
	code[k++] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)(SKF_AD_OFF + SKF_AD_IFINDEX));
	for (size_t i = 0; i < n; i++) {
		code[k++] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)ifindexes[i], 0, 1);
		code[k++] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, 0);
	}
	code[k++] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, UINT32_MAX);
	prog.len = (unsigned short)k;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
		return -errno;
	return 0;
}

int icmp6_receive(int fd, uint8_t *buf, size_t size, size_t *ret_len,
		  struct in6_addr *ret_src, int *ret_hop_limit, int *ret_ifindex)
{
	union {
		struct cmsghdr hdr;
		uint8_t buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} control;
	struct sockaddr_in6 from;
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct msghdr msg = {
		.msg_name = &from, .msg_namelen = sizeof(from),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = &control, .msg_controllen = sizeof(control),
	};
	int hop_limit = -1, ifindex = 0;
	ssize_t n;

	n = recvmsg(fd, &msg, MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	if (msg.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != IPPROTO_IPV6)
			continue;
		if (c->cmsg_type == IPV6_HOPLIMIT && c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&hop_limit, CMSG_DATA(c), sizeof(int));
		else if (c->cmsg_type == IPV6_PKTINFO && c->cmsg_len == CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			ifindex = pi.ipi6_ifindex;
		}
	}
	if (hop_limit < 0 || ifindex <= 0 || msg.msg_namelen < sizeof(from))
		return -EBADMSG;
	*ret_len = n;
	*ret_src = from.sin6_addr;
	*ret_hop_limit = hop_limit;
	*ret_ifindex = ifindex;
	return 0;
}

int icmp6_lost(int fd, uint32_t *ret_lost)
{
	uint32_t mem[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mem);

	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len) < 0)
		return -errno;
	if (len < (SK_MEMINFO_DROPS + 1) * sizeof(*mem))
		return -EPROTO;
	*ret_lost = mem[SK_MEMINFO_DROPS];
	return 0;
}

int icmp6_send_rs(int fd, int ifindex, const struct in6_addr *src, const uint8_t *lladdr, size_t lladdr_len)
{
	/* The header, then the option: type 1, length in units of 8 octets
	 * (RFC 4861 §4.6.1), zero-padded. */
	uint8_t rs[sizeof(struct nd_router_solicit) + 32] = { ND_ROUTER_SOLICIT };
	size_t len = sizeof(struct nd_router_solicit);
	struct sockaddr_in6 to = {
		.sin6_family = AF_INET6,
		.sin6_addr = { .s6_addr = { 0xff, 0x02, [15] = 0x02 } },  /* all-routers */
		.sin6_scope_id = ifindex,
	};
	union {
		struct cmsghdr hdr;
		uint8_t buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} control = { 0 };
	struct iovec iov = { .iov_base = rs };
	struct msghdr msg = {
		.msg_name = &to, .msg_namelen = sizeof(to),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = &control, .msg_controllen = sizeof(control),
	};
	struct in6_pktinfo pi = { .ipi6_ifindex = ifindex };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	if (src && lladdr_len > 0) {
		size_t units = (2 + lladdr_len + 7) / 8;

		if (units * 8 > sizeof(rs) - len)
			return -EINVAL;
		pi.ipi6_addr = *src;
		rs[len] = ND_OPT_SOURCE_LINKADDR;
		rs[len + 1] = (uint8_t)units;
		memcpy(&rs[len + 2], lladdr, lladdr_len);
		len += units * 8;
	}
	iov.iov_len = len;

	c->cmsg_level = IPPROTO_IPV6;
	c->cmsg_type = IPV6_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	if (sendmsg(fd, &msg, 0) < 0)
		return -errno;
	return 0;
}
