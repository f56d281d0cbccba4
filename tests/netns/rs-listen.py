#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""rs-listen.py DEV: print every Router Solicitation (RFC 4861 §4.1) that
arrives on DEV, one line each: "RS from SRC slla MAC" (MAC "none" without a
Source Link-Layer Address option).  Joins ff02::2 itself: the lab's routers
do not forward, so the kernel has not joined all-routers for them."""
import socket
import struct
import sys

dev = sys.argv[1]
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
mreq = socket.inet_pton(socket.AF_INET6, 'ff02::2') + struct.pack('@I', socket.if_nametoindex(dev))
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
print('listening on', dev, flush=True)
while True:
    data, addr = s.recvfrom(65536)
    if len(data) < 8 or data[0] != 133:
        continue
    slla, opts = 'none', data[8:]
    while len(opts) >= 2 and opts[1] and opts[1] * 8 <= len(opts):
        if opts[0] == 1 and opts[1] == 1:   # RFC 4861 §4.6.1, Ethernet: 8 octets
            slla = ':'.join('%02x' % b for b in opts[2:8])
        opts = opts[opts[1] * 8:]
    print('RS from %s slla %s' % (addr[0].split('%')[0], slla), flush=True)
