#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The kernel facts behind "one sub-interface per (PvD, link)", without the
# daemon: the test configures the sub-interfaces the way the daemon does and
# checks that they carry traffic both ways.  Run once per sub-interface kind:
#
#   rA ns                         sw ns                    rB ns
#   eth0 2001:db8:a::1/64 ---+                        +--- eth0 2001:db8:b::1/64
#   lo   2001:db8:a1::80     |   +----------------+   |    lo   2001:db8:b1::80
#   (server A, TCP 8080)     +---| br0            |---+    (server B, TCP 8080)
#                                +----------------+
#                                        |
#   host ns                              |
#   eth0 (parent: the kernel's own accept_ra, SLAAC, default routes in main)
#    |-- subA (KIND) master vrfA (table 1001): 2001:db8:a::5eed:a, default via rA's LLA
#    |-- subB (KIND) master vrfB (table 1002): 2001:db8:b::5eed:b, default via rB's LLA
#    `-- subC (KIND, no link-local) master vrfC (table 1003): 2001:db8:a::5eed:c
#
# KIND is ipvlan (mode l2) or macvlan (mode bridge).  The chosen kind
# ($PVD_SUBIF_KIND, default ipvlan: it shares the parent's MAC, so it works
# on Wi-Fi) is asserted; the others in $PVD_SUBIF_KINDS (default: the chosen
# one alone, to keep the suite short; "ipvlan macvlan" for the comparison)
# are only reported, and a table of every check x kind ends the output.
# RAs come from ra.py, the test side's own encoder.
source "$(dirname "$0")/lib.sh"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RA=(/usr/bin/python3 "$here/ra.py")
CHOSEN=${PVD_SUBIF_KIND:-ipvlan}
read -ra KINDS <<<"${PVD_SUBIF_KINDS:-$CHOSEN}"
tmp=$(mktemp -d)
trap 'ns_cleanup; rm -rf "$tmp"' EXIT

SUB_A=2001:db8:a::5eed:a
SUB_B=2001:db8:b::5eed:b
SUB_C=2001:db8:a::5eed:c
SRV_A=2001:db8:a1::80
SRV_B=2001:db8:b1::80

# The server answers every connection with the peer address it saw.
server_py='
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 8080))
s.listen(16)
print("ready", flush=True)
while True:
    c, peer = s.accept()
    c.recv(4096)
    body = (peer[0] + "\n").encode()
    c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    c.close()
'

ids=()
declare -A desc res

# check KIND ID EXPECTED DESCRIPTION CMD...: run CMD (rc 0 = "yes").  For the
# chosen kind a log_test line against EXPECTED; for the others an INFO line.
check() {
	local kind=$1 id=$2 expected=$3 text=$4 rc
	shift 4
	"$@" >/dev/null 2>&1
	rc=$?
	[ "$rc" -eq 0 ] && rc=0 || rc=1
	[ -n "${desc[$id]:-}" ] || ids+=("$id")
	desc[$id]=$text
	res[$kind,$id]=$([ $rc -eq 0 ] && echo yes || echo no)
	if [ "$kind" = "$CHOSEN" ]; then
		log_test $rc "$expected" "$kind: $text"
	else
		printf '    INFO: %-60s [%s]\n' "$kind: $text" "${res[$kind,$id]}"
	fi
}

lla() { ip -n "$1" -6 -o addr show dev "$2" scope link | awk '{ sub("/.*", "", $4); print $4; exit }'; }
mac() { ip -n "$1" -o link show dev "$2" | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2; }
# DAD is over: nothing is tentative except what failed.
dad_done() { ! ip -n "$1" -6 -o addr show dev "$2" | grep tentative | grep -qv dadfailed; }
dadfailed() { ip -n "$1" -6 -o addr show dev "$2" | grep -F "$3/" | grep -q dadfailed; }
seen() { grep -qE "seq=$2( |\$)" "$1"; }
count_is() { [ "$(grep -cE "seq=$2( |\$)" "$1")" -eq "$3" ]; }
in_vrf() { local vrf=$1; shift; ip netns exec "$h" ip vrf exec "$vrf" "$@"; }
ping_vrf() { in_vrf "$1" ping -6 -c 1 -W 2 "$2"; }
tcp_peer() { in_vrf "$1" curl -sS -g -m 5 "http://[$2]:8080/"; }
tcp_peer_is() { [ "$(tcp_peer "$1" "$2")" = "$3" ]; }
route_src_is() { ip -n "$h" -6 route get "$2" vrf "$1" | grep -q " src $3 "; }
neigh_lladdr_is() { ip -n "$1" neigh show dev "$2" to "$3" | grep -q "lladdr $4 .*\(REACHABLE\|STALE\|DELAY\|PROBE\)"; }
main_default_via() { ip -n "$h" -6 route show table main default | grep -q "via $1 dev eth0 proto ra"; }
parent_has_slaac() { ip -n "$h" -6 -o addr show dev eth0 scope global | grep -q "inet6 $1.*dynamic"; }
no_ra_state() {
	! ip -n "$h" -6 route show table "$1" | grep -q 'proto ra' &&
		! ip -n "$h" -6 -o addr show dev "$2" scope global | grep -q dynamic
}
distinct_llas() {
	local all=("$@") a
	for a in "${all[@]}"; do [ -n "$a" ] || return 1; done
	[ "$(printf '%s\n' "${all[@]}" | sort -u | wc -l)" -eq ${#all[@]} ]
}
rx_packets() { ip netns exec "$h" cat "/sys/class/net/$1/statistics/rx_packets"; }
# lands_on DEV FROM_NS ADDR: 5 pings from FROM_NS to ADDR are answered and
# all of them arrived on DEV.
lands_on() {
	local before
	before=$(rx_packets "$1")
	ip netns exec "$2" ping -6 -c 5 -i 0.2 -W 2 "$3" >/dev/null || return 2
	[ $(($(rx_packets "$1") - before)) -ge 5 ]
}
no_dadfailed() { ! ip -n "$h" -6 -o addr show | grep -q dadfailed; }
has_no_lla() { [ -z "$(lla "$h" "$1")" ]; }

# make_subif KIND NAME VRF TABLE [ADDRGENMODE]: the sub-interface as the
# daemon makes it: the VRF with its unreachable default, RA processing off,
# DAD on, enslaved before it is up (the VRF cycles a device it enslaves, and
# IPv6 addresses do not survive that).
make_subif() {
	local kind=$1 name=$2 vrf=$3 table=$4 agm=${5:-}
	ip -n "$h" link add "$vrf" type vrf table "$table"
	ip -n "$h" -6 route add unreachable default table "$table" metric 4278198272
	ip -n "$h" link set "$vrf" up
	case $kind in
	ipvlan) ip -n "$h" link add link eth0 name "$name" type ipvlan mode l2 ;;
	macvlan) ip -n "$h" link add link eth0 name "$name" type macvlan mode bridge ;;
	esac
	ip netns exec "$h" sysctl -qw net.ipv6.conf."$name".accept_ra=0 \
		net.ipv6.conf."$name".autoconf=0 net.ipv6.conf."$name".accept_dad=1
	[ -z "$agm" ] || ip -n "$h" link set "$name" addrgenmode "$agm"
	ip -n "$h" link set "$name" master "$vrf"
	ip -n "$h" link set "$name" up
}

# pvd_base SUB TABLE ADDR PREFIX, pvd_default SUB TABLE ROUTER_LLA: the
# PvD's objects as the daemon installs them, lifetimes included.
pvd_base() {
	ip -n "$h" -6 addr add "$3/64" dev "$1" valid_lft 3600 preferred_lft 1800 noprefixroute
	ip -n "$h" -6 route add "$4" dev "$1" table "$2" proto static expires 3600
}
pvd_default() {
	ip -n "$h" -6 route add default via "$3" dev "$1" table "$2" proto static expires 1800
}

# start_bg LOG CMD...: run CMD in the background; ready LOG...: wait until
# each LOG says "ready" (they start in parallel: python is slow under TCG).
start_bg() {
	local log=$1
	shift
	"$@" >"$log" 2>&1 &
}
ready() {
	local log
	for log in "$@"; do busywait 30000 grep -q '^ready' "$log" || return 1; done
}

run_kind() {
	local kind=$1 sw rA rB h llaA llaB
	echo "## sub-interface kind: $kind"
	ns_create "sw_$kind" "rA_$kind" "rB_$kind" "h_$kind"
	local v_sw=sw_$kind v_rA=rA_$kind v_rB=rB_$kind v_h=h_$kind
	sw=${!v_sw} rA=${!v_rA} rB=${!v_rB} h=${!v_h}

	# The segment.
	ip -n "$sw" link add br0 type bridge
	ip -n "$sw" link set br0 up
	for port in "pA:$rA" "pB:$rB" "pH:$h"; do
		ip -n "$sw" link add "${port%%:*}" type veth peer name eth0 netns "${port#*:}"
		ip -n "$sw" link set "${port%%:*}" master br0 up
	done
	# Routers: forwarding on (so they ignore RAs), a server behind each.
	for r in "$rA:a" "$rB:b"; do
		ip netns exec "${r%:*}" sysctl -qw net.ipv6.conf.all.forwarding=1
		ip -n "${r%:*}" -6 addr add "2001:db8:${r#*:}::1/64" dev eth0 nodad
		ip -n "${r%:*}" -6 addr add "2001:db8:${r#*:}1::80/128" dev lo
		ip -n "${r%:*}" link set eth0 up
	done
	require_vrf "$h"
	ip -n "$h" link set eth0 up
	make_subif "$kind" subA vrfA 1001
	make_subif "$kind" subB vrfB 1002
	make_subif "$kind" subC vrfC 1003 none
	busywait 5000 lla_ready "$rA" && busywait 5000 lla_ready "$rB"
	llaA=$(lla "$rA" eth0) llaB=$(lla "$rB" eth0)
	busywait 8000 dad_done "$h" subA && busywait 8000 dad_done "$h" subB
	ip -n "$h" -d link show subA | sed -n '1,3p' | sed 's/^/    /'

	# (a) Who receives the RAs: a raw ICMPv6 socket on the parent, as the
	# daemon has, and the same on each sub-interface.
	local l=$tmp/$kind
	for dev in eth0 subA subB ""; do
		start_bg "$l-${dev:-unbound}.log" ip netns exec "$h" "${RA[@]}" --listen ${dev:+--dev "$dev"} --timeout 300
	done
	start_bg "$l-srvA.log" ip netns exec "$rA" /usr/bin/python3 -c "$server_py" "$SRV_A"
	start_bg "$l-srvB.log" ip netns exec "$rB" /usr/bin/python3 -c "$server_py" "$SRV_B"
	ready "$l-eth0.log" "$l-subA.log" "$l-subB.log" "$l-unbound.log"
	ip netns exec "$rA" "${RA[@]}" --dev eth0 --lifetime 1800 --slla auto \
		--prefix 2001:db8:a::/64,valid=3600,preferred=1800 \
		--pvd a.example --seq 101 --hflag --rdnss 2001:db8:a::53 --rio 2001:db8:a1::/48,pref=high &
	local sender_a=$!
	ip netns exec "$rB" "${RA[@]}" --dev eth0 --lifetime 1800 --slla auto \
		--prefix 2001:db8:b::/64,valid=3600,preferred=1800 \
		--pvd b.example --seq 202 --rdnss 2001:db8:b::53 --rio 2001:db8:b1::/48,pref=high &
	wait "$sender_a" $!
	check "$kind" a1 0 "RA from rA reaches a raw socket on the parent" \
		busywait 5000 seen "$tmp/$kind-eth0.log" 101
	check "$kind" a2 0 "RA from rB reaches a raw socket on the parent" \
		busywait 5000 seen "$tmp/$kind-eth0.log" 202
	check "$kind" a3 0 "RA from rA is ALSO delivered on subA" busywait 5000 seen "$tmp/$kind-subA.log" 101
	check "$kind" a4 0 "RA from rB is ALSO delivered on subB" busywait 5000 seen "$tmp/$kind-subB.log" 202
	check "$kind" a5 0 "the parent's socket got each RA exactly once" \
		eval 'count_is "$tmp/$kind-eth0.log" 101 1 && count_is "$tmp/$kind-eth0.log" 202 1'
	# An unbound socket (raw_l3mdev_accept=1, the default) also gets the
	# copies delivered on the VRF slaves: one per interface on the link.
	check "$kind" a6 0 "an unbound raw socket gets rA's RA once per interface (4)" \
		busywait 5000 count_is "$tmp/$kind-unbound.log" 101 4
	sed 's/^/    | eth0: /' "$tmp/$kind-eth0.log" | grep RA
	grep -h RA "$tmp/$kind-subA.log" | sed 's/^/    | subA: /'
	grep -h RA "$tmp/$kind-unbound.log" | sed 's/^/    | unbound: /'

	# (e) The parent stays the kernel's: PvD-unaware processes see a
	# non-PvD-aware host (RFC 8801 §3.3); the sub-interfaces learnt nothing.
	check "$kind" e1 0 "main table: default via rA's LLA dev eth0 proto ra" busywait 5000 main_default_via "$llaA"
	check "$kind" e2 0 "main table: default via rB's LLA dev eth0 proto ra" busywait 5000 main_default_via "$llaB"
	check "$kind" e3 0 "parent has SLAAC addresses from both PIOs" \
		busywait 5000 eval 'parent_has_slaac 2001:db8:a: && parent_has_slaac 2001:db8:b:'
	check "$kind" e4 0 "unbound process reaches 2001:db8:a::1 and b::1 via eth0" \
		eval 'ip netns exec "$h" ping -6 -c1 -W2 2001:db8:a::1 && ip netns exec "$h" ping -6 -c1 -W2 2001:db8:b::1'
	check "$kind" e5 0 "accept_ra=0: no proto ra route, no SLAAC on subA/subB" \
		eval 'no_ra_state 1001 subA && no_ra_state 1002 subB'
	ip -n "$h" -6 route show table main | sed 's/^/    | main: /'

	# (f) Link-local addresses of sub-interfaces sharing (or not) the MAC.
	busywait 8000 dad_done "$h" subC
	local lp la lb
	lp=$(lla "$h" eth0) la=$(lla "$h" subA) lb=$(lla "$h" subB)
	echo "    | MACs: eth0 $(mac "$h" eth0) subA $(mac "$h" subA) subB $(mac "$h" subB); LLAs: eth0 $lp subA $la subB $lb"
	check "$kind" f1 0 "eth0, subA, subB have distinct link-local addresses" distinct_llas "$lp" "$la" "$lb"
	check "$kind" f2 0 "no address is dadfailed (no LLA collision)" no_dadfailed
	check "$kind" f3 0 "addrgenmode none leaves subC without a link-local" has_no_lla subC

	ready "$l-srvA.log" "$l-srvB.log"

	# The PvDs' objects as the daemon installs them, but first: why the VRF
	# table needs its unreachable default (docs/networking/vrf.rst).  Without
	# it a miss in the VRF's table falls through to the next rule, main.
	falls_through() { ip -n "$h" -6 route get "$2" vrf "$1" 2>&1 | grep -q ' dev eth0 '; }
	pvd_base subA 1001 "$SUB_A" 2001:db8:a::/64
	ip -n "$h" -6 route del unreachable default table 1001 metric 4278198272
	busywait 8000 dad_done "$h" subA
	echo "    | vrfA without a default: route get: $(ip -n "$h" -6 route get "$SRV_A" vrf vrfA 2>&1);" \
		"server A sees: $(tcp_peer vrfA "$SRV_A" 2>&1)"
	# The lookup result, not a ping: traffic over the parent may be slow to
	# come back under load, the route decision is what the fact is about.
	check "$kind" f4 0 "no default in the VRF table: the lookup falls through to main" \
		falls_through vrfA "$SRV_A"
	ip -n "$h" -6 route add unreachable default table 1001 metric 4278198272
	check "$kind" f5 1 "with the unreachable default: no fall-through" ping_vrf vrfA "$SRV_A"
	pvd_default subA 1001 "$llaA"
	pvd_base subB 1002 "$SUB_B" 2001:db8:b::/64
	pvd_default subB 1002 "$llaB"
	pvd_base subC 1003 "$SUB_C" 2001:db8:a::/64
	pvd_default subC 1003 "$llaA"
	busywait 8000 dad_done "$h" subB && busywait 8000 dad_done "$h" subC
	ip -n "$h" -6 route show table 1001 | sed 's/^/    | table 1001: /'

	# (b) Neighbour discovery both ways, from empty caches.
	ip -n "$rA" neigh flush dev eth0
	ip -n "$h" neigh flush dev subA
	check "$kind" b1 0 "rA reaches subA's global address (NS in, NA out)" \
		ip netns exec "$rA" ping -6 -c1 -W2 "$SUB_A"
	check "$kind" b2 0 "rA's neighbour entry for subA has subA's MAC" \
		neigh_lladdr_is "$rA" eth0 "$SUB_A" "$(mac "$h" subA)"
	check "$kind" b3 0 "rA reaches subA's link-local address" \
		ip netns exec "$rA" ping -6 -c1 -W2 "$la%eth0"
	check "$kind" b4 0 "vrfA reaches rA's global address (host's NS, rA's NA)" ping_vrf vrfA 2001:db8:a::1
	check "$kind" b5 0 "subA's neighbour entry for rA has rA's MAC" \
		neigh_lladdr_is "$h" subA 2001:db8:a::1 "$(mac "$rA" eth0)"
	check "$kind" b6 0 "subA resolves rA's link-local (the default route's gateway)" \
		eval 'ping_vrf vrfA "$SRV_A" && neigh_lladdr_is "$h" subA "$llaA" "$(mac "$rA" eth0)"'

	# (c) Each VRF reaches its own PvD's server, from its own address, and
	# not the other's.
	check "$kind" c1 0 "vrfA: ping6 server A" ping_vrf vrfA "$SRV_A"
	check "$kind" c2 0 "vrfA: route get server A picks src $SUB_A" route_src_is vrfA "$SRV_A" "$SUB_A"
	check "$kind" c3 0 "vrfA: TCP to server A, server sees $SUB_A" tcp_peer_is vrfA "$SRV_A" "$SUB_A"
	check "$kind" c4 1 "vrfA: ping6 server B" ping_vrf vrfA "$SRV_B"
	check "$kind" c5 1 "vrfA: TCP to server B" tcp_peer vrfA "$SRV_B"
	check "$kind" c6 0 "vrfB: ping6 server B" ping_vrf vrfB "$SRV_B"
	check "$kind" c7 0 "vrfB: route get server B picks src $SUB_B" route_src_is vrfB "$SRV_B" "$SUB_B"
	check "$kind" c8 0 "vrfB: TCP to server B, server sees $SUB_B" tcp_peer_is vrfB "$SRV_B" "$SUB_B"
	check "$kind" c9 1 "vrfB: ping6 server A" ping_vrf vrfB "$SRV_A"
	check "$kind" c10 1 "vrfB: TCP to server A" tcp_peer vrfB "$SRV_A"
	check "$kind" c11 0 "vrfC (subC, no link-local): TCP to server A sees $SUB_C" \
		tcp_peer_is vrfC "$SRV_A" "$SUB_C"
	check "$kind" c12 0 "rA reaches subC's global address (no link-local on subC)" \
		ip netns exec "$rA" ping -6 -c1 -W2 "$SUB_C"

	# (d) DAD on a sub-interface: rA's own address must fail.
	ip -n "$h" -6 addr add 2001:db8:a::1/64 dev subA noprefixroute
	check "$kind" d1 0 "DAD on subA: rA's address 2001:db8:a::1 ends dadfailed" \
		busywait 5000 dadfailed "$h" subA 2001:db8:a::1
	ip -n "$h" -6 addr del 2001:db8:a::1/64 dev subA
	# (f) ...but the parent never sees a sub-interface's DAD probe: the
	# parent's own SLAAC address is not detected as a duplicate, and ipvlan,
	# which demultiplexes unicast by destination address, then hands the
	# sub-interface the parent's traffic for it.  The daemon must keep its
	# addresses off the parent's itself.
	local paddr
	paddr=$(ip -n "$h" -6 -o addr show dev eth0 scope global | awk '/2001:db8:b:/ { sub("/.*", "", $4); print $4; exit }')
	ip -n "$h" -6 addr add "$paddr/64" dev subB noprefixroute
	busywait 5000 dad_done "$h" subB
	check "$kind" f6 1 "DAD on subB detects the parent's own address" dadfailed "$h" subB "$paddr"
	check "$kind" f7 0 "...and rB's unicast to that address now lands on subB" \
		lands_on subB "$rB" "$paddr"
	ip -n "$h" -6 addr del "$paddr/64" dev subB
	check "$kind" f8 1 "once removed from subB, it lands there no more" lands_on subB "$rB" "$paddr"
	# One address on two sub-interfaces of the same parent.
	ip -n "$h" -6 addr add "$SUB_A/64" dev subB noprefixroute nodad 2>"$tmp/$kind-dup.err"
	check "$kind" f9 1 "subA's address can be added to subB too" eval '[ ! -s "$tmp/$kind-dup.err" ]'
	sed 's/^/    | ip addr add on subB: /' "$tmp/$kind-dup.err"
	ip -n "$h" -6 addr del "$SUB_A/64" dev subB 2>/dev/null
	# Nothing above left subA broken.
	check "$kind" f10 0 "still reach server A from vrfA after the experiments" tcp_peer_is vrfA "$SRV_A" "$SUB_A"

	for pid in $(ip netns pids "$h") $(ip netns pids "$rA") $(ip netns pids "$rB"); do
		kill "$pid" 2>/dev/null
	done
}

lla_ready() { [ -n "$(lla "$1" eth0)" ]; }

echo "kernel $(uname -r); asserting kind: $CHOSEN"
"${RA[@]}" --selftest >"$tmp/selftest.log" 2>&1
log_test $? 0 "ra.py --selftest (encoders against hand-written hex)"
grep -v '^ok' "$tmp/selftest.log" | sed 's/^/    | /'

for kind in "${KINDS[@]}"; do
	start=$(date +%s%3N)
	run_kind "$kind"
	echo "    ($kind: $(( $(date +%s%3N) - start )) ms)"
done

echo "## evidence (check x kind)"
printf '    %-5s %-62s' check ""
printf ' %-8s' "${KINDS[@]}"
echo
for id in "${ids[@]}"; do
	printf '    %-5s %-62s' "$id" "${desc[$id]}"
	for kind in "${KINDS[@]}"; do printf ' %-8s' "${res[$kind,$id]:--}"; done
	echo
done
test_summary
