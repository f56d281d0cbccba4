#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""send-ras.py --dev DEV [--step] FILE: send pre-built RAs from one process.

FILE has one RA per line: "SRC HEX", SRC an IPv6 link-local source, HEX the
ICMPv6 message as printed by tests/netns/ra.py --print (its checksum is
recomputed here for SRC -> ff02::1).  Used by bench/run so that a batch of RAs
costs one Python start, not one per RA; prints the send time of the first and
the last RA (CLOCK_REALTIME, ns) on stdout.

Back to back by default.  With --step, after each RA it prints "sent N" and
waits for a line on stdin before the next: the caller paces the sending on
what it observes (a receiver's socket queue), not on a timer.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'netns'))
import ra  # noqa: E402


def main(argv):
    step = len(argv) == 4 and argv[2] == '--step'
    if len(argv) != (4 if step else 3) or argv[0] != '--dev':
        print('usage: send-ras.py --dev DEV [--step] FILE', file=sys.stderr)
        return 2
    dev, path = argv[1], argv[-1]
    dst = ra.in6('ff02::1')
    dst_mac = ra.multicast_mac(dst)
    sock, src_mac = ra.open_packet_socket(dev)
    frames = []
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            src_text, hexmsg = line.split()
            src = ra.in6(src_text)
            msg = ra.with_checksum(bytes.fromhex(hexmsg), src, dst, 'auto')
            frames.append(ra.frame(src_mac, dst_mac, src, dst, 255, msg))
    first = time.time_ns()
    for i, fr in enumerate(frames):
        sock.send(fr)
        if step:
            print('sent', i + 1, flush=True)
            if not sys.stdin.readline():
                print('send-ras.py: stdin closed after', i + 1, 'RAs', file=sys.stderr)
                return 1
    print(first, time.time_ns())
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
