#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""ra.py: the test side's own Router Advertisement encoder and sender.

Every byte of the RA body and of each option is packed here by hand with
struct, from the RFCs' field layouts, so that this tool stays independent of
the daemon's parser (src/ndisc.c): a bug shared by both would go unnoticed.
The frame (Ethernet + IPv6 + ICMPv6) is also built here and written to an
AF_PACKET socket, which gives full control of the source address, the hop
limit and the checksum; scapy is not needed (importing it costs seconds
under TCG).

Options are placed in order of appearance.  Before --pvd they go into the
outer RA (a plain RA: the implicit PvD of RFC 8801 §3.4); --pvd NAME opens
the PvD option and everything after it goes inside; --outer closes it again.

  ra.py --dev eth0 --lifetime 1800 --prefix 2001:db8:a::/64 \\
        --pvd a.example --seq 3 --hflag --rdnss 2001:db8:a::53 --outer --mtu 1500

--next starts another RA (its own options, header fields and --src; --dev,
--count, --interval and the addresses' defaults are the first one's): the RAs
are sent in turn, --count in all, e.g. one router serving two PvDs, every
0.5 s for 20 s:

  ra.py --dev veth0 --count 40 --interval 0.5 --pvd a.example --prefix ... \\
        --next --pvd a2.example --prefix ...

--print writes the ICMPv6 message as hex instead of sending, --selftest
checks the encoders against hex written by hand from the RFCs, --listen
prints the RAs a raw ICMPv6 socket bound to --dev receives.
"""

import argparse
import ipaddress
import os
import random
import select
import socket
import struct
import sys
import time

ND_ROUTER_ADVERT = 134

# Option types (IANA "IPv6 Neighbor Discovery Option Formats").
OPT_SLLA = 1  # RFC 4861 §4.6.1
OPT_PIO = 3  # RFC 4861 §4.6.2
OPT_MTU = 5  # RFC 4861 §4.6.4
OPT_PVD = 21  # RFC 8801 §3.1
OPT_RIO = 24  # RFC 4191 §2.3
OPT_RDNSS = 25  # RFC 8106 §5.1
OPT_DNSSL = 31  # RFC 8106 §5.2
OPT_EXPERIMENT = 253  # RFC 4727: for experiments, unknown to everybody

# Router/route preference, 2 bits (RFC 4191 §2.1); 10 is reserved.
PREF = {'medium': 0, 'high': 1, 'reserved': 2, 'low': 3}

# PIO flags (RFC 4861 §4.6.2; R: RFC 6275 §7.2; P: RFC 9762).
PIO_FLAGS = {'L': 0x80, 'A': 0x40, 'R': 0x20, 'P': 0x10}

# RA header flags byte (RFC 4861 §4.2, RFC 5175, RFC 4191 §2.2 for Prf).
RA_FLAGS = {'M': 0x80, 'O': 0x40, 'H': 0x20, 'P': 0x04}

# PvD option flags, first byte of the 16 bits after Length (RFC 8801 §3.1):
# H, L, R, then 9 reserved bits, then the 4-bit Delay.
PVD_H, PVD_L, PVD_R = 0x8000, 0x4000, 0x2000
PVD_RESERVED_SHIFT = 4

FLOOD_MAX = 10000


class UsageError(Exception):
    pass


# ---------------------------------------------------------------- encoders

def in6(addr):
    try:
        return socket.inet_pton(socket.AF_INET6, addr)
    except OSError:
        raise UsageError(f"'{addr}' is not an IPv6 address") from None


def prefix_bytes(net, nbytes):
    """The first nbytes of the prefix, the rest of the 16 dropped."""
    return net.network_address.packed[:nbytes]


def option(otype, payload, length=None):
    """Type, Length, payload, zero-padded to 8 octets (RFC 4861 §4.6).

    length overrides the Length field (in units of 8 octets) for malformed
    cases; the bytes are not changed by it."""
    data = bytes([otype, 0]) + payload
    data += bytes(-len(data) % 8)
    if length is None:
        length = len(data) // 8
    return bytes([otype, length & 0xff]) + data[2:]


def dns_name(name):
    """Uncompressed DNS wire format (RFC 1035 §3.1), root label included."""
    out = b''
    for label in name.rstrip('.').split('.') if name.strip('.') else []:
        raw = label.encode()
        if not 1 <= len(raw) <= 63:
            raise UsageError(f"label '{label}' of '{name}' must be 1-63 octets")
        out += bytes([len(raw)]) + raw
    out += b'\0'
    if len(out) > 255:
        raise UsageError(f"name '{name}' is longer than 255 octets")
    return out


def ra_header(lifetime, cur_hop_limit=64, flags=0, prf='medium', reachable=0,
              retrans=0, code=0, checksum=0):
    """RFC 4861 §4.2: Type, Code, Checksum, Cur Hop Limit, M|O|H|Prf|P|Rsvd,
    Router Lifetime, Reachable Time, Retrans Timer."""
    flags_byte = flags | (PREF[prf] << 3)
    return struct.pack('!BBHBBHII', ND_ROUTER_ADVERT, code, checksum,
                       cur_hop_limit, flags_byte, lifetime, reachable, retrans)


def opt_pio(net, valid, preferred, flags):
    """RFC 4861 §4.6.2: Prefix Length, L|A|Reserved1, Valid Lifetime,
    Preferred Lifetime, Reserved2, Prefix (16 octets)."""
    return option(OPT_PIO, struct.pack('!BBIII', net.prefixlen, flags, valid,
                                       preferred, 0) + net.network_address.packed)


def rio_length(prefixlen):
    """RFC 4191 §2.3: 1 for ::/0, 2 up to /64, 3 beyond."""
    return 1 if prefixlen == 0 else 2 if prefixlen <= 64 else 3


def opt_rio(net, pref, lifetime, length=None, prefixlen=None):
    """RFC 4191 §2.3: Prefix Length, Resvd|Prf|Resvd, Route Lifetime, and
    the prefix truncated to (Length - 1) * 8 octets."""
    if length is None:
        length = rio_length(net.prefixlen)
    plen = net.prefixlen if prefixlen is None else prefixlen
    body = struct.pack('!BBI', plen, PREF[pref] << 3, lifetime)
    return option(OPT_RIO, body + prefix_bytes(net, (length - 1) * 8), length)


def opt_rdnss(addrs, lifetime):
    """RFC 8106 §5.1: Reserved (2), Lifetime, addresses."""
    return option(OPT_RDNSS, struct.pack('!HI', 0, lifetime) +
                  b''.join(in6(a) for a in addrs))


def opt_dnssl(wire_names, lifetime):
    """RFC 8106 §5.2: Reserved (2), Lifetime, names in DNS wire format,
    zero padding."""
    return option(OPT_DNSSL, struct.pack('!HI', 0, lifetime) + b''.join(wire_names))


def opt_mtu(mtu):
    return option(OPT_MTU, struct.pack('!HI', 0, mtu))


def opt_slla(mac):
    return option(OPT_SLLA, mac)


def opt_pvd(name_wire, seq, delay=0, h=False, l=False, inner_header=None,
            inner=b'', reserved=0, r=None, length=None):
    """RFC 8801 §3.1: Type 21, Length, H|L|R|Reserved(9)|Delay(4), Sequence
    Number, PvD ID FQDN, zero padding to 8 octets, the RA header when R,
    then the PvD's options."""
    if r is None:
        r = inner_header is not None
    flags = ((PVD_H if h else 0) | (PVD_L if l else 0) | (PVD_R if r else 0) |
             ((reserved & 0x1ff) << PVD_RESERVED_SHIFT) | (delay & 0xf))
    head = option(OPT_PVD, struct.pack('!HH', flags, seq) + name_wire)
    data = head + (inner_header or b'') + inner
    if length is None:
        length = len(data) // 8
    return bytes([OPT_PVD, length & 0xff]) + data[2:]


def icmp6_checksum(src, dst, msg):
    """RFC 8200 §8.1 pseudo-header + RFC 1071 one's complement sum."""
    pseudo = src + dst + struct.pack('!I3xB', len(msg), socket.IPPROTO_ICMPV6)
    data = pseudo + msg + bytes(len(msg) % 2)
    total = sum(struct.unpack(f'!{len(data) // 2}H', data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff


def with_checksum(msg, src, dst, how='auto'):
    if how == 'keep':
        return msg
    value = icmp6_checksum(src, dst, msg[:2] + b'\0\0' + msg[4:]) if how == 'auto' \
        else int(how, 0)
    return msg[:2] + struct.pack('!H', value) + msg[4:]


# ----------------------------------------------------- command-line specs

def parse_spec(spec, keys):
    """'POS[,POS...][,key=value...]' -> ([POS...], {key: value})."""
    pos, kv = [], {}
    for item in spec.split(','):
        if '=' in item:
            key, value = item.split('=', 1)
            if key not in keys:
                raise UsageError(f"unknown key '{key}' in '{spec}' (known: {', '.join(keys)})")
            kv[key] = value
        elif item:
            pos.append(item)
    return pos, kv


def uint(text, bits, what):
    try:
        value = int(text, 0)
    except ValueError:
        value = -1
    if not 0 <= value < (1 << bits):
        raise UsageError(f"{what} '{text}' is not a {bits}-bit unsigned number")
    return value


def prefix(text):
    try:
        return ipaddress.IPv6Network(text, strict=False)
    except ValueError:
        raise UsageError(f"'{text}' is not an IPv6 prefix") from None


def pref(text):
    if text not in PREF:
        raise UsageError(f"preference '{text}' is not one of {', '.join(PREF)}")
    return text


def flag_letters(text, table, what):
    if text[:2] in ('0x', '0X') or text.isdigit():
        return uint(text, 8, what)
    value = 0
    for c in text.upper():
        if c not in table:
            raise UsageError(f"{what} '{c}' is not one of {''.join(table)}")
        value |= table[c]
    return value


def one_positional(pos, spec, what):
    if len(pos) != 1:
        raise UsageError(f"{what} '{spec}' needs exactly one {what}")
    return pos[0]


def enc_prefix(spec):
    pos, kv = parse_spec(spec, ('valid', 'preferred', 'flags'))
    net = prefix(one_positional(pos, spec, 'prefix'))
    return opt_pio(net, uint(kv.get('valid', '86400'), 32, 'valid'),
                   uint(kv.get('preferred', '14400'), 32, 'preferred'),
                   flag_letters(kv.get('flags', 'LA'), PIO_FLAGS, 'PIO flag'))


def enc_rio(spec):
    pos, kv = parse_spec(spec, ('pref', 'lifetime', 'len', 'plen'))
    net = prefix(one_positional(pos, spec, 'prefix'))
    length = uint(kv['len'], 8, 'len') if 'len' in kv else None
    plen = uint(kv['plen'], 8, 'plen') if 'plen' in kv else None
    return opt_rio(net, pref(kv.get('pref', 'medium')),
                   uint(kv.get('lifetime', '1800'), 32, 'lifetime'), length, plen)


def enc_rdnss(spec):
    pos, kv = parse_spec(spec, ('lifetime',))
    if not pos:
        raise UsageError(f"--rdnss '{spec}' needs at least one address")
    return opt_rdnss(pos, uint(kv.get('lifetime', '1800'), 32, 'lifetime'))


def enc_dnssl(spec):
    pos, kv = parse_spec(spec, ('lifetime',))
    if not pos:
        raise UsageError(f"--dnssl '{spec}' needs at least one name")
    return opt_dnssl([dns_name(n) for n in pos],
                     uint(kv.get('lifetime', '1800'), 32, 'lifetime'))


def enc_inner_header(spec):
    _, kv = parse_spec(spec, ('lifetime', 'pref', 'hop', 'flags', 'reachable', 'retrans'))
    return ra_header(uint(kv.get('lifetime', '0'), 16, 'lifetime'),
                     uint(kv.get('hop', '0'), 8, 'hop'),
                     flag_letters(kv.get('flags', '0'), RA_FLAGS, 'RA flag'),
                     pref(kv.get('pref', 'medium')),
                     uint(kv.get('reachable', '0'), 32, 'reachable'),
                     uint(kv.get('retrans', '0'), 32, 'retrans'))


def hexbytes(text):
    try:
        return bytes.fromhex(text.replace(':', '').replace(' ', ''))
    except ValueError:
        raise UsageError(f"'{text}' is not hex") from None


def mac_bytes(text):
    raw = hexbytes(text)
    if len(raw) != 6:
        raise UsageError(f"'{text}' is not a MAC address")
    return raw


# ------------------------------------------------------------------ presets
#
# Malformed and hostile inputs, one per attack class.  Each returns option
# bytes placed where --preset appears (outer RA, or inside the PvD option
# when after --pvd), except the ones marked outer-only, which build whole
# PvD options themselves.

def _pvd_simple(name, seq, inner=b''):
    return opt_pvd(dns_name(name), seq, inner=inner)


def _pio_doc(n):
    return opt_pio(prefix(f'2001:db8:{n:x}::/64'), 3600, 1800, 0xc0)


def _raw_dnssl(wire, lifetime=600):
    return opt_dnssl([wire], lifetime)


def _nested_pvd(in_pvd):
    inner = _pvd_simple('inner.example', 2, _pio_doc(0xf2))
    return inner if in_pvd else _pvd_simple('outer.example', 1, _pio_doc(0xf1) + inner)


def _raw_label_name(*labels):
    return b''.join(bytes([len(l)]) + l for l in labels) + b'\0'


PRESETS = {
    # name: (outer_only, description, builder)
    'rdnss-even-length': (False, 'RDNSS with Length 4: one address and a half, the CVE-2020-16898 '
                          'shape (must be odd: RFC 8106 §5.1)',
                          lambda in_pvd: option(OPT_RDNSS, struct.pack('!HI', 0, 600) +
                                         in6('2001:db8::53') + in6('2001:db8::54')[:8], 4)),
    'rdnss-too-short': (False, 'RDNSS with Length 1 (no address)',
                        lambda in_pvd: option(OPT_RDNSS, struct.pack('!HI', 0, 600), 1)),
    'option-past-end': (False, 'a PIO claiming Length 4 with only 8 octets left: place it last',
                        lambda in_pvd: bytes([OPT_PIO, 4, 64, 0xc0, 0, 0, 0x0e, 0x10])),
    'zero-length-option': (False, 'a PIO with Length 0 (RFC 4861 §4.6: silently discard the RA)',
                           lambda in_pvd: bytes([OPT_PIO, 0]) + bytes(6)),
    'pio-bad-length': (False, 'a PIO with Length 3 instead of 4',
                       lambda in_pvd: option(OPT_PIO, struct.pack('!BBIII', 64, 0xc0, 3600, 1800, 0) +
                                      in6('2001:db8:bad::')[:8])),
    'dnssl-label-overflow': (False, 'DNSSL whose first label (63) runs past the option end',
                             lambda in_pvd: _raw_dnssl(b'\x3fexample\0')),
    'dnssl-long-label': (False, 'DNSSL with a 64-octet label (RFC 1035 allows 63)',
                         lambda in_pvd: _raw_dnssl(_raw_label_name(b'a' * 64, b'example'))),
    'dnssl-shell': (False, 'DNSSL names with shell metacharacters: $(reboot), `reboot`, ;reboot',
                    lambda in_pvd: opt_dnssl([_raw_label_name(b'$(reboot)', b'example'),
                                       _raw_label_name(b'`reboot`', b'example'),
                                       _raw_label_name(b'a;reboot', b'example')], 600)),
    'dnssl-newline': (False, 'DNSSL label with a newline: resolv.conf injection',
                      lambda in_pvd: _raw_dnssl(_raw_label_name(b'x\nnameserver 192.0.2.66', b'example'))),
    'rio-length-mismatch': (False, 'RIO with Prefix Length 64 but Length 1 (RFC 4191 §2.3)',
                            lambda in_pvd: opt_rio(prefix('2001:db8:aa::/64'), 'high', 600, length=1)),
    'rio-prefix-too-long': (False, 'RIO with Prefix Length 129',
                            lambda in_pvd: opt_rio(prefix('2001:db8:aa::/128'), 'high', 600,
                                            length=3, prefixlen=129)),
    'too-many-options': (False, '129 options (type 253, RFC 4727): over the 128 cap',
                         lambda in_pvd: option(OPT_EXPERIMENT, bytes(6)) * 129),
    'second-pvd': (True, 'two PvD options, first.example then second.example (RFC 8801 §3.4: '
                         'use the first)',
                   lambda in_pvd: _pvd_simple('first.example', 1, _pio_doc(0xf1)) +
                   _pvd_simple('second.example', 2, _pio_doc(0xf2))),
    'nested-pvd': (False, 'a PvD option inner.example inside the PvD option (RFC 8801 §3.2: '
                          'MUST NOT); outside --pvd, inside a PvD outer.example',
                   lambda in_pvd: _nested_pvd(in_pvd)),
    'fqdn-no-terminator': (True, 'PvD ID whose labels run to the option end, no root label',
                           lambda in_pvd: opt_pvd(b'\x09noterminu', 1)),
    'fqdn-label-too-long': (True, 'PvD ID with a 64-octet label',
                            lambda in_pvd: opt_pvd(_raw_label_name(b'a' * 64, b'example'), 1)),
    'fqdn-too-long': (True, 'PvD ID of 5 x 63-octet labels (> 255 octets)',
                      lambda in_pvd: opt_pvd(_raw_label_name(*([b'a' * 63] * 5)), 1)),
    'fqdn-compression': (True, 'PvD ID with a compression pointer (RFC 8801 §3.1: MUST NOT)',
                         lambda in_pvd: opt_pvd(b'\x03pvd\xc0\x0c', 1)),
    'fqdn-root': (True, 'PvD ID that is the root name alone',
                  lambda in_pvd: opt_pvd(b'\0', 1)),
    'pvd-shell': (True, 'PvD ID $(reboot).example: shell metacharacters in the name',
                  lambda in_pvd: opt_pvd(_raw_label_name(b'$(reboot)', b'example'), 1, inner=_pio_doc(0xf3))),
    'pvd-path': (True, 'PvD ID with labels "..", "x/../../etc": path characters',
                 lambda in_pvd: opt_pvd(_raw_label_name(b'..', b'x/../../etc', b'example'), 1)),
    'pvd-length-past-end': (True, 'PvD option whose Length claims 8 units more than it has',
                            lambda in_pvd: opt_pvd(dns_name('long.example'), 1, inner=_pio_doc(0xf4),
                                            length=len(_pvd_simple('long.example', 1,
                                                                   _pio_doc(0xf4))) // 8 + 8)),
    'pvd-inner-past-end': (True, 'PvD option whose inner PIO runs past its end (not the RA\'s)',
                           lambda in_pvd: opt_pvd(dns_name('inner.example'), 1,
                                                  inner=bytes([OPT_PIO, 4]) + bytes(6)) +
                           option(OPT_EXPERIMENT, bytes(6)) * 3),
    'pvd-r-without-header': (True, 'PvD option with the R flag but no RA header after the name',
                             lambda in_pvd: opt_pvd(dns_name('r.example'), 1, r=True)),
}


# ------------------------------------------------------------ the RA itself

class Builder(argparse.Action):
    """Records option-producing arguments in command-line order, tagged with
    where they go (outer RA or inside the PvD option)."""

    def __call__(self, parser, ns, values, option_string=None):
        items = getattr(ns, 'items', None) or []
        ns.items = items
        if self.dest == 'pvd':
            if ns.in_pvd or ns.pvd is not None:
                raise argparse.ArgumentError(self, 'only one --pvd (see --preset second-pvd)')
            ns.pvd = values
            ns.in_pvd = True
            items.append(('pvd', values, False))
        elif self.dest == 'outer':
            ns.in_pvd = False
        else:
            items.append((self.dest, values, ns.in_pvd))


ENCODERS = {
    'prefix': enc_prefix,
    'rio': enc_rio,
    'rdnss': enc_rdnss,
    'dnssl': enc_dnssl,
    'mtu': lambda v: opt_mtu(uint(v, 32, 'mtu')),
    'raw_option': hexbytes,
}


def build(args, slla=None):
    """The ICMPv6 message (checksum 0) from the parsed arguments."""
    if args.raw is not None:
        return hexbytes(args.raw)
    outer, inner, pvd_at = [], [], None
    for kind, value, in_pvd in args.items:
        if kind == 'pvd':
            pvd_at = len(outer)
            continue
        if kind == 'slla':
            data = opt_slla(slla if value == 'auto' else mac_bytes(value))
        elif kind == 'preset':
            if value not in PRESETS:
                raise UsageError(f"unknown preset '{value}' (see --preset list)")
            outer_only, _, fn = PRESETS[value]
            if outer_only and in_pvd:
                raise UsageError(f"preset '{value}' builds PvD options: put it outside --pvd")
            data = fn(in_pvd)
        elif kind == 'inner_header':
            continue
        else:
            data = ENCODERS[kind](value)
        (inner if in_pvd else outer).append(data)
    headers = [v for k, v, _ in args.items if k == 'inner_header']
    if headers and pvd_at is None:
        raise UsageError('--inner-header needs --pvd')
    if len(headers) > 1:
        raise UsageError('only one --inner-header')
    if pvd_at is not None:
        pvd = opt_pvd(dns_name(args.pvd), args.seq, args.delay, args.hflag, args.lflag,
                      enc_inner_header(headers[0]) if headers else None, b''.join(inner),
                      args.pvd_reserved)
        if len(pvd) > 255 * 8:
            raise UsageError(f'PvD option of {len(pvd)} octets does not fit its Length field')
        outer.insert(pvd_at, pvd)
    flags = (RA_FLAGS['M'] if args.managed else 0) | (RA_FLAGS['O'] if args.other else 0)
    return ra_header(args.lifetime, args.cur_hop_limit, flags, args.prf, args.reachable,
                     args.retrans, args.code) + b''.join(outer)


def flood_messages(args, rng):
    """N RAs, each with a random /64 and a random PvD name inside the PvD."""
    for _ in range(args.flood):
        net = ipaddress.IPv6Network((0x20010db8 << 96 | rng.getrandbits(32) << 64, 64))
        name = f'f{rng.getrandbits(32):08x}.flood.example'
        pvd = opt_pvd(dns_name(name), rng.getrandbits(16), inner=opt_pio(net, 600, 300, 0xc0))
        yield ra_header(args.lifetime, args.cur_hop_limit, 0, args.prf, code=args.code) + pvd


# --------------------------------------------------------------- the wire

def link_local(dev):
    """The first usable (not tentative/dadfailed) link-local address of dev."""
    candidates = []
    with open('/proc/net/if_inet6') as f:
        for line in f:
            addr, _, _, scope, flags, name = line.split()
            if name == dev and int(scope, 16) == 0x20:
                candidates.append((int(flags, 16) & 0x48 != 0,  # tentative, dadfailed
                                    bytes.fromhex(addr)))
    if not candidates:
        raise UsageError(f"'{dev}' has no link-local address: give --src")
    return sorted(candidates)[0][1]


def multicast_mac(dst):
    """RFC 2464 §7: 33:33 and the last 32 bits of the group."""
    return b'\x33\x33' + dst[12:]


def frame(src_mac, dst_mac, src, dst, hop_limit, msg):
    """Ethernet II + IPv6 header (RFC 8200 §3), Next Header 58."""
    ip6 = struct.pack('!IHBB', 6 << 28, len(msg), socket.IPPROTO_ICMPV6, hop_limit) + src + dst
    return dst_mac + src_mac + b'\x86\xdd' + ip6 + msg


def open_packet_socket(dev):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    try:
        s.bind((dev, 0))
    except OSError as e:
        raise UsageError(f"cannot bind to '{dev}': {e.strerror}") from None
    return s, s.getsockname()[4]


# ------------------------------------------------------------ the listener

ICMP6_FILTER = 1
IPV6_RECVPKTINFO = getattr(socket, 'IPV6_RECVPKTINFO', 49)
IPV6_PKTINFO = getattr(socket, 'IPV6_PKTINFO', 50)
IPV6_RECVHOPLIMIT = getattr(socket, 'IPV6_RECVHOPLIMIT', 51)
IPV6_HOPLIMIT = getattr(socket, 'IPV6_HOPLIMIT', 52)


def describe_pvd(msg):
    """'pvd=NAME seq=N' for the first PvD option, tolerant of garbage."""
    pos = 16
    while pos + 2 <= len(msg) and msg[pos + 1]:
        end = pos + msg[pos + 1] * 8
        if msg[pos] == OPT_PVD and end <= len(msg) and end - pos >= 8:
            seq = struct.unpack_from('!H', msg, pos + 4)[0]
            labels, i = [], pos + 6
            while i < end and msg[i] and i + 1 + msg[i] <= end:
                labels.append(msg[i + 1:i + 1 + msg[i]].decode('ascii', 'backslashreplace'))
                i += 1 + msg[i]
            return f"pvd={'.'.join(labels) or '.'} seq={seq}"
        pos = end
    return 'pvd=- seq=-'


def listen(dev, timeout, count):
    """Print one line per RA received on a raw ICMPv6 socket bound to dev
    (like the daemon's; unbound without dev), until timeout seconds pass or
    count RAs arrived."""
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    if dev:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, dev.encode())
    block = [0xffffffff] * 8  # Linux: a set bit blocks that type
    block[ND_ROUTER_ADVERT >> 5] &= ~(1 << (ND_ROUTER_ADVERT & 31))
    s.setsockopt(socket.IPPROTO_ICMPV6, ICMP6_FILTER, struct.pack('=8I', *block))
    s.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVPKTINFO, 1)
    s.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1)
    print(f"ready dev={dev or '-'}", flush=True)
    deadline = time.monotonic() + timeout
    seen = 0
    while (count == 0 or seen < count) and time.monotonic() < deadline:
        if not select.select([s], [], [], deadline - time.monotonic())[0]:
            break
        msg, anc, _, addr = s.recvmsg(65535, 256)
        hlim, dst, ifindex = -1, '?', 0
        for level, kind, data in anc:
            if level == socket.IPPROTO_IPV6 and kind == IPV6_HOPLIMIT:
                hlim = struct.unpack('=i', data[:4])[0]
            elif level == socket.IPPROTO_IPV6 and kind == IPV6_PKTINFO:
                dst = socket.inet_ntop(socket.AF_INET6, data[:16])
                ifindex = struct.unpack('=I', data[16:20])[0]
        try:
            ifname = socket.if_indextoname(ifindex)
        except OSError:
            ifname = '?'
        print(f'RA src={addr[0].split("%")[0]} dst={dst} ifindex={ifindex}({ifname}) '
              f'hlim={hlim} len={len(msg)} {describe_pvd(msg)}', flush=True)
        seen += 1
    return 0


# ---------------------------------------------------------------- selftest
#
# Expected encodings written out by hand from the RFCs' field layouts, one
# comment per field, not produced by running the encoders.

def _h(text):
    return bytes.fromhex(''.join(line.split('#')[0] for line in text.splitlines()))


SELFTEST = [
    ('RA header, lifetime 1800, hop limit 64 (RFC 4861 §4.2)',
     lambda: ra_header(1800), _h('''
        86 00 0000       # type 134, code 0, checksum 0
        40 00 0708       # cur hop limit 64, flags 0, router lifetime 1800
        00000000         # reachable time
        00000000         # retrans timer''')),
    ('RA header, M|O, Prf high, code 1',
     lambda: ra_header(0, 0, 0xc0, 'high', 30000, 1000, code=1), _h('''
        86 01 0000
        00 c8 0000       # hop 0, M|O|Prf=01
        00007530 000003e8''')),
    ('PIO 2001:db8:a::/64 valid 3600 preferred 1800 LA (RFC 4861 §4.6.2)',
     lambda: enc_prefix('2001:db8:a::/64,valid=3600,preferred=1800,flags=LA'), _h('''
        03 04 40 c0      # type 3, len 4, /64, L|A
        00000e10         # valid 3600
        00000708         # preferred 1800
        00000000         # reserved2
        20010db8000a0000 0000000000000000''')),
    ('RIO 2001:db8:aa::/48 high 600 (RFC 4191 §2.3)',
     lambda: enc_rio('2001:db8:aa::/48,pref=high,lifetime=600'), _h('''
        18 02 30 08      # type 24, len 2, /48, Prf=01 in bits 3-4
        00000258         # route lifetime 600
        20010db800aa0000 # first 8 octets of the prefix''')),
    ('RIO ::/0 low (Length 1)',
     lambda: enc_rio('::/0,pref=low,lifetime=0'), _h('18 01 00 18 00000000')),
    ('RIO 2001:db8::1/128 medium (Length 3)',
     lambda: enc_rio('2001:db8::1/128,lifetime=60'), _h('''
        18 03 80 00 0000003c
        20010db800000000 0000000000000001''')),
    ('RDNSS 2001:db8:a::53 lifetime 600 (RFC 8106 §5.1)',
     lambda: enc_rdnss('2001:db8:a::53,lifetime=600'), _h('''
        19 03 0000       # type 25, len 3, reserved
        00000258         # lifetime 600
        20010db8000a0000 0000000000000053''')),
    ('DNSSL a.example lifetime 600 (RFC 8106 §5.2)',
     lambda: enc_dnssl('a.example,lifetime=600'), _h('''
        1f 03 0000 00000258       # type 31, len 3, reserved, lifetime
        01 61 07 6578616d706c65 00 # a . example . root
        0000000000                 # padding to 24 octets''')),
    ('MTU 1500 (RFC 4861 §4.6.4)', lambda: opt_mtu(1500), _h('05 01 0000 000005dc')),
    ('SLLA 02:00:00:00:00:01 (RFC 4861 §4.6.1)',
     lambda: opt_slla(mac_bytes('02:00:00:00:00:01')), _h('01 01 020000000001')),
    ('RFC 8801 §3.1 example: example.org, seq 123, H, delay 5, RDNSS + PIO',
     lambda: opt_pvd(dns_name('example.org'), 123, 5, h=True,
                     inner=opt_rdnss(['2001:db8::53', '2001:db8::54'], 600) +
                     enc_prefix('2001:db8:1::/64,valid=3600,preferred=1800')), _h('''
        15 0c            # type 21, length 12 (3 + RDNSS 5 + PIO 4), as in the RFC figure
        80 05            # H=1 L=0 R=0, reserved 0, delay 5
        007b             # sequence 123
        07 6578616d706c65 03 6f7267 00  # example . org . root
        0000000000       # padding to 24 octets
        19 05 0000 00000258             # RDNSS, length 5
        20010db800000000 0000000000000053
        20010db800000000 0000000000000054
        03 04 40 c0 00000e10 00000708 00000000  # PIO, length 4
        20010db800010000 0000000000000000''')),
    ('PvD a.example, seq 3, L, R with inner header lifetime 1800 Prf high',
     lambda: opt_pvd(dns_name('a.example'), 3, l=True,
                     inner_header=enc_inner_header('lifetime=1800,pref=high')), _h('''
        15 05            # type 21, length 5 (24 + 16 octets)
        60 00            # L|R
        0003             # sequence 3
        01 61 07 6578616d706c65 00 # a.example
        00000000 000000  # padding to 24 octets
        86 00 0000 00 08 0708 00000000 00000000  # inner RA header, checksum 0''')),
    ('PvD reserved bits all set, delay 15',
     lambda: opt_pvd(dns_name('b.example'), 0xffff, 15, reserved=0x1ff), _h('''
        15 03 1f ff ffff 01 62 07 6578616d706c65 00 00000000 000000''')),
    ('checksum: RFC 1071 sum over a tiny message from fe80::1 to ff02::1',
     lambda: struct.pack('!H', icmp6_checksum(in6('fe80::1'), in6('ff02::1'), _h('86000000'))),
     # fe80 + 0001 + ff02 + 0001 + 0004 (length) + 003a (next header) + 8600
     # = 0x283c2 -> 0x83c4 after the end-around carry; complement 0x7c3b
     _h('7c3b')),
]


def selftest(with_scapy):
    failed = 0
    for name, fn, expected in SELFTEST:
        got = fn()
        ok = got == expected
        failed += not ok
        print(f"{'ok' if ok else 'FAIL'} - {name}")
        if not ok:
            print(f'    expected {expected.hex()}\n    got      {got.hex()}')
    # The command line from the brief, end to end, against the pieces above.
    args = parse_args(['--print', '--src', 'fe80::1', '--lifetime', '1800', '--pvd', 'a.example',
                       '--seq', '3', '--delay', '0', '--hflag',
                       '--prefix', '2001:db8:a::/64,valid=3600,preferred=1800,flags=LA',
                       '--rio', '2001:db8:aa::/48,pref=high,lifetime=600',
                       '--rdnss', '2001:db8:a::53,lifetime=600', '--dnssl', 'a.example,lifetime=600',
                       '--inner-header', 'lifetime=1800,pref=high', '--outer', '--mtu', '1500'])
    msg = build(args)
    body = (SELFTEST[2][2] + SELFTEST[3][2] + SELFTEST[6][2] + SELFTEST[7][2])
    expected = (SELFTEST[0][2] + _h('15 11 a0 00 0003 01 61 07 6578616d706c65 00 00000000 000000')
                + _h('86 00 0000 00 08 0708 00000000 00000000') + body + _h('05 01 0000 000005dc'))
    ok = msg == expected
    failed += not ok
    print(f"{'ok' if ok else 'FAIL'} - the brief's command line, PvD with inner header, MTU outside")
    if not ok:
        print(f'    expected {expected.hex()}\n    got      {msg.hex()}')
    # Every preset builds, and the ones with a defining byte have it.
    for name in PRESETS:
        outer_only = PRESETS[name][0]
        argv = ['--print'] + ([] if outer_only else ['--pvd', 'x.example']) + ['--preset', name]
        msg = build(parse_args(argv))
        ok = len(msg) > 16 and msg[16] == OPT_PVD
        failed += not ok
        print(f"{'ok' if ok else 'FAIL'} - preset {name} builds ({len(msg)} octets)")
    checks = [
        ('rdnss-even-length has Length 4', PRESETS['rdnss-even-length'][2](False)[1] == 4 and
         len(PRESETS['rdnss-even-length'][2](False)) == 32),
        ('too-many-options has 129 options', len(PRESETS['too-many-options'][2](False)) == 129 * 8),
        ('second-pvd holds two PvD options',
         PRESETS['second-pvd'][2](False)[0] == OPT_PVD and
         PRESETS['second-pvd'][2](False)[PRESETS['second-pvd'][2](False)[1] * 8] == OPT_PVD),
        ('fqdn-no-terminator has no zero octet in its name',
         0 not in PRESETS['fqdn-no-terminator'][2](False)[6:]),
    ]
    for name, ok in checks:
        failed += not ok
        print(f"{'ok' if ok else 'FAIL'} - {name}")
    # --next: the RAs in turn, --count in all, each with its own options.
    a = build(parse_args(['--print', '--pvd', 'a.example', '--prefix', '2001:db8:a::/64']))
    b = build(parse_args(['--print', '--lifetime', '0', '--prefix', '2001:db8:b::/64']))
    out = []
    for line in os.popen(f"{sys.executable} {os.path.abspath(__file__)} --print --src fe80::a --count 5 "
                         "--pvd a.example --prefix 2001:db8:a::/64 --next --src fe80::b --lifetime 0 "
                         "--prefix 2001:db8:b::/64"):
        out.append(bytes.fromhex(line.strip()))
    ok = (len(out) == 5 and [m[:2] + m[4:] for m in out] == [m[:2] + m[4:] for m in (a, b, a, b, a)] and
          out[0][2:4] == struct.pack('!H', icmp6_checksum(in6('fe80::a'), in6('ff02::1'), a)) and
          out[1][2:4] == struct.pack('!H', icmp6_checksum(in6('fe80::b'), in6('ff02::1'), b)))
    failed += not ok
    print(f"{'ok' if ok else 'FAIL'} - --next: 5 RAs alternating a, b, each with its own source's checksum")
    # The flood stays bounded and every RA in it differs.
    flood = list(flood_messages(parse_args(['--print', '--flood', '50', '--seed', '1']),
                                random.Random(1)))
    ok = len(flood) == 50 and len(set(flood)) == 50
    failed += not ok
    print(f"{'ok' if ok else 'FAIL'} - --flood 50 gives 50 distinct RAs")
    # Cross-check the checksum against scapy's (its import takes seconds).
    if with_scapy:
        from scapy.layers.inet6 import in6_chksum, IPv6
        msg = build(parse_args(['--print', '--prefix', '2001:db8::/64']))
        ip = IPv6(src='fe80::1', dst='ff02::1', nh=58)
        ok = in6_chksum(58, ip, msg) == icmp6_checksum(in6('fe80::1'), in6('ff02::1'), msg)
        failed += not ok
        print(f"{'ok' if ok else 'FAIL'} - checksum agrees with scapy's in6_chksum")
    print(f'{failed} failed')
    return 1 if failed else 0


# --------------------------------------------------------------------- main

def parse_args(argv):
    p = argparse.ArgumentParser(
        prog='ra.py', formatter_class=argparse.RawDescriptionHelpFormatter,
        description='Build a Router Advertisement byte by byte and send it (or print it).',
        epilog='Options are placed in order: before --pvd in the outer RA, after it inside the '
               'PvD option, after --outer in the outer RA again.\n'
               '--next starts another RA; the RAs are sent in turn, --count in all (see the top).\n'
               'SPEC forms:  --prefix P/LEN[,valid=S][,preferred=S][,flags=LARP|0xNN]\n'
               '             --rio P/LEN[,pref=high|medium|low|reserved][,lifetime=S][,len=N][,plen=N]\n'
               '             --rdnss ADDR[,ADDR...][,lifetime=S]\n'
               '             --dnssl NAME[,NAME...][,lifetime=S]\n'
               '             --inner-header [lifetime=S][,pref=P][,hop=N][,flags=MOHP][,reachable=MS]'
               '[,retrans=MS]\n'
               'Presets (--preset list): malformed/hostile options, placed where they appear.')
    p.set_defaults(items=[], in_pvd=False, pvd=None)
    g = p.add_argument_group('where and how')
    g.add_argument('--dev', help='interface to send on (current network namespace)')
    g.add_argument('--src', help='IPv6 source (default: the link-local address of --dev)')
    g.add_argument('--dst', default='ff02::1', help='IPv6 destination (default ff02::1)')
    g.add_argument('--src-mac', help='Ethernet source (default: the MAC of --dev)')
    g.add_argument('--dst-mac', help='Ethernet destination (default: 33:33:+group for multicast)')
    g.add_argument('--hop-limit', type=lambda v: uint(v, 8, 'hop limit'), default=255,
                   help='IPv6 hop limit (default 255; anything else must be dropped)')
    g.add_argument('--checksum', default='auto',
                   help="'auto' (computed), 'keep' (as built/given), or a value such as 0xdead")
    g.add_argument('--count', type=lambda v: uint(v, 32, 'count'), default=1)
    g.add_argument('--interval', type=float, default=None,
                   help='seconds between RAs (default 1, or 0.005 with --flood; minimum 0.001)')
    g.add_argument('--print', action='store_true', help='print the ICMPv6 message(s) as hex, send nothing')
    g.add_argument('--selftest', action='store_true', help='check the encoders against hand-written hex')
    g.add_argument('--scapy', action='store_true',
                   help="with --selftest: also cross-check the checksum against scapy's")
    g.add_argument('--listen', action='store_true',
                   help='print the RAs received on a raw ICMPv6 socket bound to --dev (if given)')
    g.add_argument('--timeout', type=float, default=10.0, help='--listen: stop after S seconds')
    g.add_argument('--max', type=lambda v: uint(v, 32, 'max'), default=0,
                   help='--listen: stop after N RAs (0: no limit)')
    r = p.add_argument_group('RA header (RFC 4861 §4.2)')
    r.add_argument('--code', type=lambda v: uint(v, 8, 'code'), default=0)
    r.add_argument('--lifetime', type=lambda v: uint(v, 16, 'lifetime'), default=1800,
                   help='router lifetime (default 1800; 0: not a default router)')
    r.add_argument('--cur-hop-limit', type=lambda v: uint(v, 8, 'cur hop limit'), default=64)
    r.add_argument('--managed', '-M', action='store_true')
    r.add_argument('--other', '-O', action='store_true')
    r.add_argument('--prf', type=pref, default='medium', help='router preference (RFC 4191)')
    r.add_argument('--reachable', type=lambda v: uint(v, 32, 'reachable'), default=0)
    r.add_argument('--retrans', type=lambda v: uint(v, 32, 'retrans'), default=0)
    o = p.add_argument_group('options, in order')
    o.add_argument('--prefix', action=Builder, metavar='SPEC', help='Prefix Information (RFC 4861)')
    o.add_argument('--rio', action=Builder, metavar='SPEC', help='Route Information (RFC 4191)')
    o.add_argument('--rdnss', action=Builder, metavar='SPEC', help='RDNSS (RFC 8106)')
    o.add_argument('--dnssl', action=Builder, metavar='SPEC', help='DNSSL (RFC 8106)')
    o.add_argument('--mtu', action=Builder, metavar='N', help='MTU option')
    o.add_argument('--slla', action=Builder, metavar='MAC|auto', help='source link-layer address')
    o.add_argument('--raw-option', action=Builder, metavar='HEX', help='these bytes, as they are')
    o.add_argument('--preset', action=Builder, metavar='NAME', help="an attack class; 'list' lists them")
    o.add_argument('--pvd', action=Builder, metavar='FQDN',
                   help='open the PvD option (RFC 8801): later options go inside')
    o.add_argument('--outer', action=Builder, nargs=0, help='close the PvD option: later options go outside')
    o.add_argument('--inner-header', action=Builder, metavar='SPEC',
                   help='inside --pvd: set R and add this RA header to the PvD option')
    v = p.add_argument_group('PvD option fields (RFC 8801 §3.1)')
    v.add_argument('--seq', type=lambda x: uint(x, 16, 'seq'), default=0)
    v.add_argument('--delay', type=lambda x: uint(x, 4, 'delay'), default=0)
    v.add_argument('--hflag', action='store_true', help='H: additional information over HTTPS')
    v.add_argument('--lflag', action='store_true', help='L: legacy (DHCPv4) association')
    v.add_argument('--pvd-reserved', type=lambda x: uint(x, 9, 'reserved'), default=0,
                   help='the 9 reserved bits (receivers must ignore them)')
    x = p.add_argument_group('whole messages')
    x.add_argument('--raw', metavar='HEX', help='this ICMPv6 message verbatim (checksum per --checksum)')
    x.add_argument('--flood', type=lambda v: uint(v, 32, 'flood'), default=0, metavar='N',
                   help=f'N RAs with random /64s in random PvDs (N <= {FLOOD_MAX}, paced)')
    x.add_argument('--seed', type=int, help='random seed for --flood')
    args = p.parse_args(argv)
    if args.flood > FLOOD_MAX:
        p.error(f'--flood is bounded to {FLOOD_MAX}')
    if args.interval is None:
        args.interval = 0.005 if args.flood else 1.0
    if args.interval < 0.001:
        p.error('--interval below 0.001 s')
    if args.raw is not None and (args.items or args.flood):
        p.error('--raw takes no options and no --flood')
    return args


def split_next(argv):
    """The argument lists of the RAs separated by --next."""
    parts = [[]]
    for a in argv:
        if a == '--next':
            parts.append([])
        else:
            parts[-1].append(a)
    return parts


def main(argv):
    parts = split_next(argv)
    args = parse_args(parts[0])
    others = [parse_args(p) for p in parts[1:]]
    if others and (args.raw is not None or args.flood or args.listen or args.selftest or
                   any(o.raw is not None or o.flood or o.listen or o.selftest for o in others)):
        raise UsageError('--next takes RAs built from options: no --raw, --flood, --listen, --selftest')
    if args.selftest:
        return selftest(args.scapy)
    if any(k == 'preset' and v == 'list' for k, v, _ in args.items):
        for name, (outer_only, desc, _) in PRESETS.items():
            print(f"{name:22} {desc}{' [outside --pvd only]' if outer_only else ''}")
        return 0
    if args.listen:
        return listen(args.dev, args.timeout, args.max)

    sock, dev_mac = open_packet_socket(args.dev) if args.dev else (None, None)
    if args.src:
        src = in6(args.src)
    elif args.dev:
        src = link_local(args.dev)
    else:
        src = None
    dst = in6(args.dst)
    src_mac = mac_bytes(args.src_mac) if args.src_mac else dev_mac
    if any(k == 'slla' and v == 'auto' for k, v, _ in args.items) and src_mac is None:
        raise UsageError('--slla auto needs --dev or --src-mac')

    if args.flood:
        msgs = flood_messages(args, random.Random(args.seed))
        srcs = None
    else:
        # Each RA with its own source (--src, else the first RA's) and
        # checksum; sent in turn, args.count in all.
        ras = [(build(a, src_mac), in6(a.src) if a.src else src, a.checksum) for a in [args] + others]
        ras = [(m, s, with_checksum(m, s, dst, how) if s is not None else
                with_checksum(m, b'', b'', how) if how not in ('auto', 'keep') else m)
               for m, s, how in ras]
        srcs = [ras[i % len(ras)][1] for i in range(args.count)]
        msgs = [ras[i % len(ras)][2] for i in range(args.count)]
    if srcs is None and src is not None:
        msgs = (with_checksum(m, src, dst, args.checksum) for m in msgs)
    elif srcs is None and args.checksum not in ('auto', 'keep'):
        msgs = (with_checksum(m, b'', b'', args.checksum) for m in msgs)

    if args.print:
        for m in msgs:
            print(m.hex())
        return 0
    if sock is None:
        raise UsageError('sending needs --dev (or use --print)')
    if args.dst_mac:
        dst_mac = mac_bytes(args.dst_mac)
    elif dst[0] == 0xff:
        dst_mac = multicast_mac(dst)
    else:
        raise UsageError('a unicast --dst needs --dst-mac')
    sent = 0
    for m in msgs:
        if sent:
            time.sleep(args.interval)
        sock.send(frame(src_mac, dst_mac, srcs[sent] if srcs else src, dst, args.hop_limit, m))
        sent += 1
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main(sys.argv[1:]))
    except UsageError as e:
        print(f'ra.py: {e}', file=sys.stderr)
        sys.exit(2)
