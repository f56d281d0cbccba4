/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* The raw ICMPv6 socket: the only place bytes from the network come in. */
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

/* A raw ICMPv6 socket passing only Router Advertisements, with the hop limit
 * and the arrival interface of every packet.  Returns the fd or -errno. */
int icmp6_open(void);

/* Drop, in the kernel, every packet that arrives on one of `ifindexes`
 * (a classic BPF filter replacing the previous one; n == 0 passes all).
 * For the daemon's own sub-interfaces: ipvlan and macvlan hand each
 * multicast RA of the parent to every one of them, so without it the socket
 * queues one copy per sub-interface, and a burst overruns its buffer.
 * -E2BIG when the program would be too long. */
int icmp6_ignore_links(int fd, const int *ifindexes, size_t n);

/* One datagram: payload (from the ICMPv6 type byte), source, hop limit and
 * ifindex.  -EAGAIN when nothing is queued; -EBADMSG when the ancillary data
 * is missing (the packet cannot be validated). */
int icmp6_receive(int fd, uint8_t *buf, size_t size, size_t *ret_len,
		  struct in6_addr *ret_src, int *ret_hop_limit, int *ret_ifindex);

/* The kernel's count of packets the socket lost so far (SO_MEMINFO's drops,
 * wrapping at 2^32): because its receive queue was full, or, more rarely,
 * for a bad ICMPv6 checksum; not those the filters drop. */
int icmp6_lost(int fd, uint32_t *ret_lost);

/* A Router Solicitation (RFC 4861 §4.1) to ff02::2 on ifindex.  With `src`
 * (the link's link-local address) it is sent from there with a Source
 * Link-Layer Address option carrying `lladdr`; without, from the kernel's
 * choice of source, which may be the unspecified address, and then with no
 * option (§4.1: it MUST NOT be included then). */
int icmp6_send_rs(int fd, int ifindex, const struct in6_addr *src, const uint8_t *lladdr, size_t lladdr_len);
