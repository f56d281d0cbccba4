#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# dns-responder.py BIND-ADDR NAME=IPV6...: a tiny authoritative DNS server for
# the netns tests.  UDP only; answers AAAA for the names given, an empty
# NOERROR for other types of those names, NXDOMAIN for everything else.
# Prints one line per query on standard output ("NAME TYPE PEER"), so a
# test can tell which server a lookup went to.
import socket
import struct
import sys

bind = sys.argv[1]
table = {}
for arg in sys.argv[2:]:
    name, addr = arg.split("=", 1)
    table[name.lower().rstrip(".")] = socket.inet_pton(socket.AF_INET6, addr)

s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
# The address may still be settling on its link: bind before it is usable.
s.setsockopt(socket.SOL_IP, getattr(socket, "IP_FREEBIND", 15), 1)
s.bind((bind, 53))
while True:
    q, peer = s.recvfrom(1500)
    if len(q) < 12:
        continue
    qid, flags, qd = struct.unpack("!HHH", q[:6])
    if qd != 1 or flags & 0x8000:
        continue
    i, labels = 12, []
    while i < len(q) and q[i] != 0 and len(labels) < 64:
        n = q[i]
        labels.append(q[i + 1:i + 1 + n].decode("ascii", "replace"))
        i += 1 + n
    if i + 5 > len(q):
        continue
    qtype = struct.unpack("!H", q[i + 1:i + 3])[0]
    question = q[12:i + 5]
    name = ".".join(labels).lower()
    print(name, qtype, peer[0], flush=True)
    answers = b""
    rcode = 0
    if name not in table:
        rcode = 3
    elif qtype == 28:
        answers = struct.pack("!HHHIH", 0xC00C, 28, 1, 60, 16) + table[name]
    hdr = struct.pack("!HHHHHH", qid, 0x8400 | (flags & 0x0100) | rcode, 1,
                      1 if answers else 0, 0, 0)
    try:
        s.sendto(hdr + question + answers, peer)
    except OSError as e:
        # A client this router has no route back to (a test's control query
        # that leaked here): logged above, unanswered, and the responder
        # lives on for the queries that follow.
        print("reply to", peer[0], "failed:", e, flush=True)
