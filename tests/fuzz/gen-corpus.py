#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Generate the seed corpus for fuzz-ndisc.

Each file is one selector octet (see fuzz-ndisc.c: bits 0-1 hop limit,
bits 2-3 source) followed by an ICMPv6 Router Advertisement.  Well-formed
parts are built with scapy (Debian's python3-scapy, hence /usr/bin/python3);
the PvD option (RFC 8801, type 21), PREF64 (RFC 8781) and every malformed
option are built by hand here since scapy either does not know them or
would fix them up.

Usage: tests/fuzz/gen-corpus.py [OUTDIR]   (default: corpus/ beside this file)
Files are named seed-*.bin; regression inputs (regress-*) are left alone.
"""

import os
import struct
import sys

from scapy.layers.inet6 import (
    IPv6,
    ICMPv6ND_RA,
    ICMPv6NDOptDNSSL,
    ICMPv6NDOptMTU,
    ICMPv6NDOptPrefixInfo,
    ICMPv6NDOptRDNSS,
    ICMPv6NDOptRouteInfo,
    ICMPv6NDOptSrcLLAddr,
)

SEL_OK = 0x00          # hop limit 255, fe80::1
SEL_HOP254 = 0x03      # hop limit 254
SEL_GLOBAL = 0x0c      # source 2001:db8::1


def ra(*opts, **hdr):
    """An RA with scapy options and/or raw option bytes, checksum filled in."""
    fields = dict(chlim=64, M=0, O=1, prf=0, routerlifetime=1800,
                  reachabletime=30000, retranstimer=1000)
    fields.update(hdr)
    pkt = ICMPv6ND_RA(**fields)
    for o in opts:
        pkt = pkt / o
    full = IPv6(src="fe80::1", dst="ff02::1", hlim=255) / pkt
    return bytes(full)[40:]


def raw_opt(otype, length, body):
    """An option with an explicit Length field, body taken as is."""
    return bytes([otype, length]) + body


def opt(otype, body):
    """An option padded with zeros to a multiple of 8, Length computed."""
    data = bytes([otype, 0]) + body
    data += b"\0" * (-len(data) % 8)
    return bytes([otype, len(data) // 8]) + data[2:]


def wire(name):
    """DNS wire format of a dotted name (no checks: callers make bad ones)."""
    out = b""
    for label in name.split("."):
        if label:
            lb = label.encode("latin-1")
            out += bytes([len(lb)]) + lb
    return out + b"\0"


def pvd(fqdn_wire, h=0, l=0, r=0, delay=0, seq=0, reserved=0, header=b"", inner=b"",
        length=None, pad=b"\0"):
    """PvD option (RFC 8801 §3.1)."""
    flags = (h << 15) | (l << 14) | (r << 13) | ((reserved & 0x1ff) << 4) | (delay & 0xf)
    data = bytes([21, 0]) + struct.pack("!HH", flags, seq) + fqdn_wire
    data += pad * (-len(data) % 8)
    data += header + inner
    if length is None:
        data += b"\0" * (-len(data) % 8)
        length = len(data) // 8
    return bytes([21, length]) + data[2:]


def inner_ra_header(chlim=10, flags=0x48, lifetime=60, reach=10000, retrans=2000):
    return struct.pack("!BBHBBHII", 134, 0, 0, chlim, flags, lifetime, reach, retrans)


def pref64(prefix_octets, lifetime=600, plc=0, length=2):
    v = (lifetime // 8) << 3 | plc
    body = struct.pack("!H", v) + prefix_octets[:12].ljust(12, b"\0")
    body += b"\0" * (8 * length - 2 - len(body))
    return raw_opt(38, length, body[: 8 * length - 2])


SLLA = ICMPv6NDOptSrcLLAddr(lladdr="52:54:00:ab:cd:ef")
MTU = ICMPv6NDOptMTU(mtu=1500)
PIO = ICMPv6NDOptPrefixInfo(prefixlen=64, L=1, A=1, validlifetime=86400,
                            preferredlifetime=14400, prefix="2001:db8:1::")
RIO = ICMPv6NDOptRouteInfo(plen=48, prf=3, rtlifetime=600, prefix="2001:db8:2::")
RDNSS = ICMPv6NDOptRDNSS(lifetime=1200, dns=["2001:db8::53"])
DNSSL = ICMPv6NDOptDNSSL(lifetime=1200, searchlist=["example.com", "lab.example.org"])
PREF64 = pref64(bytes.fromhex("0064ff9b0000000000000000"))

INNER = bytes(ICMPv6NDOptPrefixInfo(prefixlen=64, L=0, A=1, validlifetime=3600,
                                    preferredlifetime=1800, prefix="2001:db8:aaaa::"))
INNER += bytes(ICMPv6NDOptRDNSS(lifetime=600, dns=["2001:db8:aaaa::53"]))
INNER += bytes(ICMPv6NDOptDNSSL(lifetime=600, searchlist=["pvd.example.org"]))

PVD = pvd(wire("pvd.example.org"), h=1, delay=5, seq=123, inner=INNER)
EXP = raw_opt(253, 1, b"\0" * 6)


def long_name(n_labels, label_len, last_len):
    return ".".join(["a" * label_len] * n_labels + ["b" * last_len])


def corpus():
    c = {}
    # --- valid ---
    c["valid-minimal"] = (SEL_OK, ra())
    c["valid-full"] = (SEL_OK, ra(SLLA, MTU, PIO, RIO, RDNSS, DNSSL, PREF64))
    c["valid-pvd"] = (SEL_OK, ra(SLLA, PIO, PVD))
    c["valid-pvd-rflag"] = (SEL_OK, ra(SLLA, pvd(wire("pvd.example.net"), h=1, l=1, r=1,
                                                  delay=15, seq=65535, reserved=0x1ff,
                                                  header=inner_ra_header(), inner=INNER)))
    c["valid-pvd-uppercase"] = (SEL_OK, ra(pvd(wire("PvD.Example.ORG"), seq=7)))
    c["valid-pvd-only"] = (SEL_OK, ra(pvd(wire("isp.example"), inner=bytes(MTU) + bytes(RIO))))
    c["valid-pvd-nonzero-padding"] = (SEL_OK, ra(pvd(wire("a.b"), pad=b"\xee", inner=bytes(RDNSS))))
    c["valid-prf-high-lifetime0"] = (SEL_OK, ra(prf=1, routerlifetime=0))
    c["valid-prf-reserved"] = (SEL_OK, ra(prf=2))
    c["valid-rio-default"] = (SEL_OK, ra(ICMPv6NDOptRouteInfo(plen=0, prf=1, rtlifetime=3600)))
    c["valid-rio-128"] = (SEL_OK, ra(ICMPv6NDOptRouteInfo(plen=128, prf=0, prefix="2001:db8::1")))
    c["valid-pref64-plc5"] = (SEL_OK, ra(pref64(bytes.fromhex("20010db8"), plc=5)))
    c["valid-dnssl-255"] = (SEL_OK, ra(opt(31, struct.pack("!HI", 0, 600) +
                                          wire(long_name(3, 63, 61)))))
    c["valid-128-options"] = (SEL_OK, ra(*([EXP] * 128)))
    c["valid-unknown-options"] = (SEL_OK, ra(raw_opt(2, 1, b"\x52\x54\x00\x00\x00\x01"),
                                             raw_opt(26, 1, b"\0" * 6), EXP, MTU))
    # --- RFC 4861 §6.1.2 ---
    c["reject-hop254"] = (SEL_HOP254, ra(PIO))
    c["reject-global-source"] = (SEL_GLOBAL, ra(PIO))
    c["reject-code1"] = (SEL_OK, bytes([134, 1]) + ra(PIO)[2:])
    c["reject-type-ns"] = (SEL_OK, bytes([135]) + ra()[1:])
    c["reject-short"] = (SEL_OK, ra()[:15])
    # --- broken walk ---
    c["reject-overrun-cve-2020-25577"] = (SEL_OK, ra(SLLA) + raw_opt(25, 0xff, b"\0" * 6))
    c["reject-overrun-pio"] = (SEL_OK, ra(bytes(PIO)[:24]))
    c["reject-zero-length"] = (SEL_OK, ra(MTU, raw_opt(1, 0, b"\x52\x54\x00\xab\xcd\xef")))
    c["reject-trailing-octet"] = (SEL_OK, ra(SLLA) + b"\x00")
    c["reject-129-options"] = (SEL_OK, ra(*([EXP] * 129)))
    c["reject-pvd-inner-overrun"] = (SEL_OK, ra(pvd(wire("a.b"), length=3,
                                                    inner=raw_opt(25, 3, b"\0" * 6)),
                                                EXP, SLLA))
    c["reject-pvd-inner-zero"] = (SEL_OK, ra(pvd(wire("a.b"), inner=raw_opt(5, 0, b"\0" * 6))))
    c["reject-pvd-inner-129"] = (SEL_OK, ra(pvd(wire("a.b"), inner=EXP * 127), SLLA))
    # --- single options ignored ---
    c["ignore-rdnss-even-cve-2020-16898"] = (SEL_OK, ra(raw_opt(25, 4, struct.pack("!HI", 0, 1200) +
                                                                bytes(16) + bytes([0x19, 1]) + bytes(6))))
    c["ignore-rdnss-len1"] = (SEL_OK, ra(raw_opt(25, 1, struct.pack("!HI", 0, 1200))))
    c["ignore-rdnss-multicast"] = (SEL_OK, ra(ICMPv6NDOptRDNSS(dns=["2001:db8::53", "ff02::1"])))
    c["ignore-rdnss-17"] = (SEL_OK, ra(ICMPv6NDOptRDNSS(dns=["2001:db8::%x" % i for i in range(1, 18)])))
    c["ignore-dnssl-label64"] = (SEL_OK, ra(opt(31, struct.pack("!HI", 0, 600) + bytes([64]) + b"a" * 64 + b"\0")))
    c["ignore-dnssl-256"] = (SEL_OK, ra(opt(31, struct.pack("!HI", 0, 600) + wire(long_name(3, 63, 62)))))
    c["ignore-dnssl-shell"] = (SEL_OK, ra(opt(31, struct.pack("!HI", 0, 600) + wire("$(reboot).com"))))
    c["ignore-dnssl-semicolon-space-newline"] = (SEL_OK, ra(
        opt(31, struct.pack("!HI", 0, 600) + wire("a;b.com")),
        opt(31, struct.pack("!HI", 0, 600) + wire("a b.com")),
        opt(31, struct.pack("!HI", 0, 600) + wire("a\nb.com"))))
    c["ignore-dnssl-compressed"] = (SEL_OK, ra(opt(31, struct.pack("!HI", 0, 600) + b"\x03lab\xc0\x0c")))
    c["ignore-dnssl-unterminated"] = (SEL_OK, ra(raw_opt(31, 2, struct.pack("!HI", 0, 600) + b"\x07example"), SLLA))
    c["ignore-rio-mismatch"] = (SEL_OK, ra(raw_opt(24, 2, bytes([65, 0]) + struct.pack("!I", 600) +
                                                  bytes.fromhex("20010db800000000"))))
    c["ignore-rio-prf10"] = (SEL_OK, ra(raw_opt(24, 2, bytes([48, 0x10]) + struct.pack("!I", 600) +
                                               bytes.fromhex("20010db800030000"))))
    c["ignore-rio-len4"] = (SEL_OK, ra(raw_opt(24, 4, bytes([64, 0]) + struct.pack("!I", 600) + bytes(24))))
    c["ignore-pio-len3"] = (SEL_OK, ra(raw_opt(3, 3, bytes(PIO)[2:24])))
    c["ignore-pio-linklocal"] = (SEL_OK, ra(ICMPv6NDOptPrefixInfo(prefixlen=64, prefix="fe80::")))
    c["ignore-pio-plen129"] = (SEL_OK, ra(ICMPv6NDOptPrefixInfo(prefixlen=129, prefix="2001:db8::")))
    c["ignore-pio-lifetimes"] = (SEL_OK, ra(ICMPv6NDOptPrefixInfo(prefixlen=64, validlifetime=600,
                                                                  preferredlifetime=601,
                                                                  prefix="2001:db8:1::")))
    c["ignore-mtu-small"] = (SEL_OK, ra(ICMPv6NDOptMTU(mtu=1279), MTU))
    c["ignore-pref64-plc6"] = (SEL_OK, ra(pref64(bytes.fromhex("0064ff9b"), plc=6)))
    c["ignore-pref64-len3"] = (SEL_OK, ra(pref64(bytes.fromhex("0064ff9b"), length=3)))
    c["ignore-slla-dup"] = (SEL_OK, ra(SLLA, SLLA))
    # --- PvD ---
    c["pvd-second"] = (SEL_OK, ra(PVD, pvd(wire("other.example"))))
    c["pvd-nested"] = (SEL_OK, ra(pvd(wire("outer.example"), inner=pvd(wire("inner.example")) + bytes(RDNSS))))
    c["pvd-fqdn-unterminated"] = (SEL_OK, ra(pvd(b"\x03pvd\x05abcde", length=2)))
    c["pvd-fqdn-label-past-end"] = (SEL_OK, ra(pvd(b"\x05a", length=1), EXP))
    c["pvd-fqdn-compressed"] = (SEL_OK, ra(pvd(b"\x03pvd\xc0\x0c")))
    c["pvd-fqdn-root"] = (SEL_OK, ra(pvd(b"\0")))
    c["pvd-fqdn-label64"] = (SEL_OK, ra(pvd(bytes([64]) + b"a" * 64 + b"\0")))
    c["pvd-fqdn-256"] = (SEL_OK, ra(pvd(wire(long_name(3, 63, 62)))))
    c["pvd-fqdn-shell"] = (SEL_OK, ra(pvd(wire("$(reboot).org"))))
    c["pvd-fqdn-underscore"] = (SEL_OK, ra(pvd(wire("pvd_x.example"))))
    c["pvd-rflag-short"] = (SEL_OK, ra(pvd(wire("a.b"), r=1, length=2)))
    c["pvd-rflag-half-header"] = (SEL_OK, ra(pvd(wire("a.b"), r=1, header=inner_ra_header()[:8], length=3)))
    c["pvd-bad-then-good"] = (SEL_OK, ra(pvd(b"\0"), pvd(wire("a.b"))))
    return c


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus")
    os.makedirs(outdir, exist_ok=True)
    for name in os.listdir(outdir):
        if name.startswith("seed-"):
            os.unlink(os.path.join(outdir, name))
    items = corpus()
    for name, (sel, msg) in sorted(items.items()):
        with open(os.path.join(outdir, "seed-%s.bin" % name), "wb") as f:
            f.write(bytes([sel]) + msg)
    print("%d seeds written to %s" % (len(items), outdir))


if __name__ == "__main__":
    main()
