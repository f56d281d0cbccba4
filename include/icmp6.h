/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* The raw ICMPv6 socket: the only place bytes from the network come in. */
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

/* A raw ICMPv6 socket passing only Router Advertisements, with the hop limit
 * and the arrival interface of every packet.  Returns the fd or -errno. */
int icmp6_open(void);

/* One datagram: payload (from the ICMPv6 type byte), source, hop limit and
 * ifindex.  -EAGAIN when nothing is queued; -EBADMSG when the ancillary data
 * is missing (the packet cannot be validated). */
int icmp6_receive(int fd, uint8_t *buf, size_t size, size_t *ret_len,
		  struct in6_addr *ret_src, int *ret_hop_limit, int *ret_ifindex);

/* A Router Solicitation (RFC 4861 §4.1) to ff02::2 on ifindex. */
int icmp6_send_rs(int fd, int ifindex);
