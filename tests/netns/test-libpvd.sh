#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# libpvd through the real daemon on a private D-Bus, from libpvd-probe (an
# outside application, built with cc and pkg-config at the start) and `pvd
# connect`: the PvDs' attributes, a socket bound to each PvD leaving with a
# source address from that PvD's prefix (as root and unprivileged), an
# unknown PvD refused with ENOENT, the monitor's events, lookups answered by
# one PvD's DNS server only, and pvd_connect's race (RFC 8305) over
# {a.example, b.example} to one anycast server that both routers hold, by
# address and by name:
#
#        rA: 2001:db8:ff::80 :8080         rB: 2001:db8:ff::80 :8080 :8081
#            DNS 2001:db8:a::53                DNS 2001:db8:b::53
#          |  (netem loss 100% to drop)      |
#        +------------- br0 (sw) ------------+
#                       |
#        host: pvd-vrfd, dbus-daemon, libpvd-probe, pvd connect
#
# The rest of the lab: see pvdlab.sh.  Timing checks measure inside the
# probe (pvd_connect's own duration), never with sleeps.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pvdlab.sh"

PVD=$BUILD/src/pvd
ANY=2001:db8:ff::80
mon_pid=
lab_up
require_vrf "$host"
lab_bus_start || exit 1		# before the daemon: it connects at start
lab_daemon_start
trap 'kill $mon_pid 2>/dev/null; lab_daemon_stop TERM; kill "$LAB_BUS_PID"; ns_cleanup' EXIT

# The probe built as an application builds it: cc and the flags of the
# generated pkg-config file (the build tree's libpvd-uninstalled.pc; the
# installed one is libpvd.pc), run against the build's libpvd.so.
PROBE=$LAB_TMP/libpvd-probe
flags=$(PKG_CONFIG_PATH=$BUILD/meson-uninstalled pkg-config --cflags --libs libpvd-uninstalled) &&
	cc -std=gnu11 -Wall -Wextra -Werror -o "$PROBE" "$LAB_DIR/libpvd-probe.c" $flags
log_test $? 0 "libpvd-probe builds with cc \$(pkg-config --cflags --libs libpvd-uninstalled)"
[ -x "$PROBE" ] || lab_finish
probe() { ip netns exec "$host" env LD_LIBRARY_PATH="$BUILD/src/libpvd" "$PROBE" "$@"; }

# The monitor subscribes before any PvD exists: it must see them appear.
probe monitor 1000 >"$LAB_TMP/mon.out" 2>"$LAB_TMP/mon.err" &
mon_pid=$!
busywait 10000 grep -qx ready "$LAB_TMP/mon.err"
log_test $? 0 "pvd_monitor_fd subscribed, then pvd_list"
grep -qx "listed 0" "$LAB_TMP/mon.out"
log_test $? 0 "pvd_list before any RA: no PvD"

lab_ra_a
lab_ra_b
# Ready when both PvDs have a usable (post-DAD) address in their VRF.
list_ready() { probe list >"$LAB_TMP/list.out" && [ "$(grep -c ' in-prefix$' "$LAB_TMP/list.out")" = 2 ]; }
busywait 20000 list_ready
log_test $? 0 "pvd_list: two PvDs, a socket bound to each leaves from its prefix"
cat "$LAB_TMP/list.out"
va=$(vrf_of a.example); vb=$(vrf_of b.example)
grep -q "^info a.example implicit=0 vrf=$va table=$(table_of "$va") links=eth0 addresses=2001:db8:a:" "$LAB_TMP/list.out"
log_test $? 0 "a.example: VRF $va, its table, link eth0, an address in 2001:db8:a::/64"
grep "^info a.example " "$LAB_TMP/list.out" |
	grep -q " prefixes=2001:db8:a::/64 dns=2001:db8:a::53 search=a.example seq=1 h=0 l=0 state=none resolv=$LAB_RUN/$va/resolv.conf$"
log_test $? 0 "a.example: prefixes, DNS server, search list, flags, info state, resolv.conf"
grep -q "^info b.example .* vrf=$vb .* prefixes=2001:db8:b::/64 dns=2001:db8:b::53 search=- seq=1 " "$LAB_TMP/list.out"
log_test $? 0 "b.example: VRF $vb, its prefix and DNS server, no search list"
for x in a b; do
	v=$va; [ $x = b ] && v=$vb
	src=$(sed -n "s/^bind $x.example src \([^ ]*\) in-prefix$/\1/p" "$LAB_TMP/list.out")
	[ -n "$src" ] && vrf_has "$v" " $src/"
	log_test $? 0 "$x.example: the bound socket's source $src is an address of $v"
done

out=$(probe bind nosuch.example)
log_test $? 1 "pvd_bind_socket of an unknown PvD fails"
[ "$out" = "bind nosuch.example failed ENOENT device=-" ]
log_test $? 0 "... with ENOENT, the socket left unbound ($out)"
out=$(probe bind A.Example.)
[ "$out" = "bind A.Example. ok device=$va" ]
log_test $? 0 "pvd_bind_socket A.Example.: bound to $va ($out)"

# Unprivileged (SO_BINDTODEVICE for a socket's first binding, Linux >= 5.7):
# copies of the probe and the library (lab_user_bin).
lab_user_bin "$PROBE" "$BUILD/src/libpvd/libpvd.so.0" &&
	out=$(lab_as_nobody LD_LIBRARY_PATH="$LAB_UBIN" "$LAB_UBIN/libpvd-probe" list)
log_test $? 0 "uid 65534: pvd_list and pvd_bind_socket, each source in its PvD's prefix"
grep -c ' in-prefix$' <<<"$out" | grep -qx 2
log_test $? 0 "uid 65534: both PvDs bound"

# Monitor: both PvDs appeared; a new sequence number is a change.
grep -qx "added a.example" "$LAB_TMP/mon.out" && grep -qx "added b.example" "$LAB_TMP/mon.out"
log_test $? 0 "monitor: added a.example, added b.example"
lab_ra_a --seq 2
busywait 10000 grep -q "^changed a.example .*Sequence" "$LAB_TMP/mon.out"
log_test $? 0 "monitor: changed a.example, Sequence among the properties"

# The race.  An HTTP server on the same address behind each router: each
# PvD reaches its own router's copy.  rB also serves port 8081.
any_server() {	# any_server NS PORT
	ip netns exec "$1" $PY -m http.server --bind "$ANY" "$2" >/dev/null 2>&1 &
	disown $!	# ns_cleanup kills it
	busywait 30000 ip netns exec "$1" bash -c ": </dev/tcp/$ANY/$2" 2>/dev/null
}
ip -n "$rA" addr add "$ANY/128" dev lo
ip -n "$rB" addr add "$ANY/128" dev lo
any_server "$rA" 8080 && any_server "$rB" 8080 && any_server "$rB" 8081
log_test $? 0 "servers on [$ANY]:8080 behind rA and rB, :8081 behind rB only"

connect_is() {	# connect_is WHAT NAMES PORT TIMEOUT_MS REGEX: the probe's answer
	out=$(probe connect "$2" "$ANY" "$3" "$4")
	echo "    ($1: $out)"
	[[ $out =~ $5 ]]
	log_test $? 0 "$1"
}
ms_of() { sed -n 's/.* ms \([0-9]*\).*/\1/p' <<<"$out"; }
connect_is "pvd_connect {a,b}, both work: a.example wins" a.example,b.example 8080 5000 \
	"^won a\.example ms [0-9]+ src 2001:db8:a:"
connect_is "pvd_connect {b,a}, both work: b.example wins (the order is the preference)" b.example,a.example \
	8080 5000 "^won b\.example ms [0-9]+ src 2001:db8:b:"
out=$(ip netns exec "$host" "$PVD" connect a.example,b.example "$ANY" 8080 2>"$LAB_TMP/err")
[ "$out" = a.example ] && grep -q "^pvd: connected to \[$ANY\]:8080 from \[2001:db8:a:.*through a.example$" "$LAB_TMP/err"
log_test $? 0 "pvd connect a.example,b.example: prints a.example ($(cat "$LAB_TMP/err"))"
# a refuses at once (nothing listens on 8081 at rA): b starts without
# waiting for the attempt delay.
connect_is "pvd_connect {a,b} to 8081, a refuses: b.example wins" a.example,b.example 8081 5000 \
	"^won b\.example ms [0-9]+ src 2001:db8:b:"
ms=$(ms_of)
[ "${ms:-999}" -lt 250 ]
log_test $? 0 "... in $ms ms, before the 250 ms attempt delay"

# a's router drops everything it sends: its SYN-ACKs never arrive.
ip netns exec "$rA" tc qdisc add dev veth0 root netem loss 100%
log_test $? 0 "tc netem loss 100% on rA's veth0"
connect_is "pvd_connect {a} while rA drops: ETIMEDOUT after 1000 ms (the drop works)" a.example 8080 1000 \
	"^failed ETIMEDOUT ms [0-9]+$"
# The same two lookups with b first: b wins at once.  What {a,b} takes
# more is the wait for a: one attempt delay, and no SYN retransmission (1 s).
connect_is "pvd_connect {b,a} while rA drops: b.example wins" b.example,a.example 8080 5000 \
	"^won b\.example ms [0-9]+ src 2001:db8:b:"
base=$(ms_of)
connect_is "pvd_connect {a,b} while rA drops: b.example wins" a.example,b.example 8080 5000 \
	"^won b\.example ms [0-9]+ src 2001:db8:b:"
ms=$(ms_of)
[ "${ms:-0}" -ge 250 ] && [ $((ms - ${base:-0})) -lt 1000 ]
log_test $? 0 "... after the 250 ms attempt delay, before a's first SYN retransmission: $ms ms ($base ms with b first)"
ip netns exec "$rB" tc qdisc add dev veth0 root netem loss 100%
log_test $? 0 "tc netem loss 100% on rB's veth0 too"
connect_is "pvd_connect {a,b} while both drop: ETIMEDOUT, nothing leaked" a.example,b.example 8080 1500 \
	"^failed ETIMEDOUT ms [0-9]+$"
ms=$(ms_of)
[ "${ms:-0}" -ge 1500 ] && [ "$ms" -lt 2500 ]
log_test $? 0 "... at the 1500 ms deadline: $ms ms"
ip netns exec "$rA" tc qdisc del dev veth0 root && ip netns exec "$rB" tc qdisc del dev veth0 root
log_test $? 0 "netem removed"
connect_is "pvd_connect {a,nosuch}: ENOENT, nothing tried" a.example,nosuch.example 8080 1000 \
	"^failed ENOENT ms [0-9]+$"

# Names, through each PvD's own DNS server: each router answers on its
# PvD's RDNSS address (see lab_ra_a, lab_ra_b) for any.example (the anycast
# server, both), only-a.example (rA) or only-b.example (rB).
ip -n "$rA" addr add 2001:db8:a::53/64 dev veth0 nodad
ip -n "$rB" addr add 2001:db8:b::53/64 dev veth0 nodad
ip netns exec "$rA" $PY "$LAB_DIR/dns-responder.py" 2001:db8:a::53 any.example=$ANY only-a.example=$ANY \
	>"$LAB_TMP/dns-a.log" &
disown $!
ip netns exec "$rB" $PY "$LAB_DIR/dns-responder.py" 2001:db8:b::53 any.example=$ANY only-b.example=$ANY \
	>"$LAB_TMP/dns-b.log" &
disown $!
resolves() {	# resolves PVD NAME: pvd_resolve answers with the anycast address
	probe resolve "$1" "$2" >"$LAB_TMP/res.out" && grep -qx "address $ANY" "$LAB_TMP/res.out"
}
busywait 30000 resolves b.example only-b.example
log_test $? 0 "pvd_resolve b.example only-b.example: $ANY"
busywait 30000 resolves a.example only-a.example
log_test $? 0 "pvd_resolve a.example only-a.example: $ANY"
resolves a.example any.example
log_test $? 0 "pvd_resolve a.example any.example: $ANY"
grep -q "^any\.example 28 2001:db8:a:" "$LAB_TMP/dns-a.log"
log_test $? 0 "... asked rA's server, from a.example's address ($(grep -m1 '^any' "$LAB_TMP/dns-a.log"))"
# A later lookup through b is logged after anything a's would have sent b.
n=$(grep -c 'only-b' "$LAB_TMP/dns-b.log")
resolves b.example only-b.example && busywait 5000 eval '[ "$(grep -c only-b "$LAB_TMP/dns-b.log")" -gt "$n" ]'
log_test $? 0 "pvd_resolve b.example only-b.example again (a positive event on rB's server)"
grep -q "^any\.example" "$LAB_TMP/dns-b.log"
log_test $? 1 "... and rB's server was never asked for a.example's any.example"
out=$(probe resolve b.example only-a.example)
grep -q "^resolve b.example only-a.example failed Name or service not known" <<<"$out"
log_test $? 0 "pvd_resolve b.example only-a.example: not found ($out)"
out=$(probe resolve nosuch.example any.example)
grep -q "^resolve nosuch.example any.example failed System error ENOENT" <<<"$out"
log_test $? 0 "pvd_resolve nosuch.example: EAI_SYSTEM, errno ENOENT ($out)"
# Which PvD wins by name depends on which answer comes first (b's waits the
# 50 ms Resolution Delay for a's), which emulation makes erratic: the
# preference itself is checked by address, above.
out=$(probe connect a.example,b.example any.example 8080 5000)
[[ $out =~ ^won\ ([ab])\.example\ ms\ [0-9]+\ src\ 2001:db8:([ab]): ]] &&
	[ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]
log_test $? 0 "pvd_connect {a,b} any.example: connected, from the winner's prefix ($out)"
out=$(probe connect a.example,b.example only-b.example 8080 5000)
[[ $out =~ ^won\ b\.example\ ms\ [0-9]+\ src\ 2001:db8:b: ]]
log_test $? 0 "pvd_connect {a,b} only-b.example (a does not know it): b.example wins ($out)"
out=$(probe connect a.example,b.example nowhere.example 8080 5000)
[[ $out =~ ^failed\ EADDRNOTAVAIL ]]
log_test $? 0 "pvd_connect {a,b} nowhere.example: EADDRNOTAVAIL ($out)"
out=$(ip netns exec "$host" "$PVD" connect a.example,b.example any.example 8080 2>"$LAB_TMP/err")
[[ $out =~ ^([ab])\.example$ ]] &&
	grep -qx "pvd: connected to \[$ANY\]:8080 from \[2001:db8:${BASH_REMATCH[1]}:.*through $out" "$LAB_TMP/err"
log_test $? 0 "pvd connect a.example,b.example any.example 8080: $out ($(cat "$LAB_TMP/err"))"
# rA drops everything: a's lookup hangs (its server is on rA), b's answers
# and b's attempt starts at once: no wait for a's lookup (5 s and more).
ip netns exec "$rA" tc qdisc add dev veth0 root netem loss 100%
log_test $? 0 "tc netem loss 100% on rA's veth0 again"
out=$(probe connect b.example any.example 8080 5000)
base=$(ms_of)
out=$(probe connect a.example,b.example any.example 8080 10000)
ms=$(ms_of)
[[ $out =~ ^won\ b\.example\ ms\ [0-9]+\ src\ 2001:db8:b: ]] && [ $((ms - ${base:-0})) -lt 1000 ]
log_test $? 0 "pvd_connect {a,b} any.example while rA drops: b.example in $ms ms (b alone: $base ms)"
grep -q "^leak" <<<"$out"
log_test $? 1 "... a's lookup ended on its own, no descriptor left ($(tail -n 1 <<<"$out"))"
ip netns exec "$rA" tc qdisc del dev veth0 root
log_test $? 0 "netem removed"
ip netns exec "$host" "$PVD" connect nosuch.example "$ANY" 8080 2>"$LAB_TMP/err"
[ $? -eq 1 ] && grep -qx "pvd: connect: no PvD 'nosuch.example'" "$LAB_TMP/err"
log_test $? 0 "pvd connect nosuch.example: exit 1, the name quoted"

# The daemon goes: the monitor says so; calls fail with EHOSTDOWN.
lab_daemon_stop TERM
busywait 10000 grep -qx daemon-stopped "$LAB_TMP/mon.out"
log_test $? 0 "monitor: daemon-stopped when pvd-vrfd exits"
out=$(probe list)
[ "$out" = "list failed EHOSTDOWN" ]
log_test $? 0 "pvd_list without the daemon: EHOSTDOWN ($out)"
kill "$mon_pid" 2>/dev/null
wait "$mon_pid" 2>/dev/null
mon_pid=
trap 'kill "$LAB_BUS_PID"; ns_cleanup' EXIT
if [ "$nfail" -ne 0 ]; then
	echo "---- monitor ----"
	cat "$LAB_TMP/mon.out" "$LAB_TMP/mon.err"
fi
lab_finish
