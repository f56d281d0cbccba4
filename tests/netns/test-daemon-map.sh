#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# pvd-vrfd maps three PvDs (two explicit on one segment, one implicit on a
# second link) to three VRFs, each holding only its own PvD's routes and
# addresses, and traffic from each VRF leaves through its own router only.
# Topology: see pvdlab.sh.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pvdlab.sh"

lab_start
lab_ra_a
lab_ra_b
lab_ra_c

busywait 10000 eval 'test "$(vrf_count)" -eq 3'
log_test $? 0 "three VRFs, one per PvD"
ip -n "$host" vrf show
va=$(vrf_of a.example); vb=$(vrf_of b.example); vc=$(vrf_of fe80::c%eth1)
[ -n "$va" ] && [ -n "$vb" ] && [ -n "$vc" ]
log_test $? 0 "VRF aliases name the PvDs: a.example=$va b.example=$vb fe80::c%eth1=$vc"
ta=$(table_of "$va"); tb=$(table_of "$vb"); tc=$(table_of "$vc")
in_range() { [[ $1 =~ ^[0-9]+$ ]] && [ "$1" -ge 1000 ] && [ "$1" -le 1999 ]; }
in_range "$ta" && in_range "$tb" && in_range "$tc" && [ "$ta" != "$tb" ] && [ "$tb" != "$tc" ] && [ "$ta" != "$tc" ]
log_test $? 0 "distinct tables from the range: $ta $tb $tc"

has_route() {	# has_route TABLE REGEX [SELECTOR...]
	local table=$1 re=$2
	shift 2
	ip -n "$host" -6 route show table "$table" "$@" | grep -qE "$re"
}
lacks_route() {	# lacks_route TABLE REGEX [SELECTOR...]: the table can be read and has no such route
	local table=$1 re=$2 routes
	shift 2
	[ -n "$table" ] && routes=$(ip -n "$host" -6 route show table "$table" "$@") && ! grep -qE "$re" <<<"$routes"
}
busywait 5000 has_route "$ta" "^default via fe80::a dev $va\.[0-9a-f]+ proto (pvd|249)"
log_test $? 0 "table $ta: default via rA"
has_route "$ta" "^2001:db8:a::/64 dev $va\.[0-9a-f]+ proto (pvd|249)"
log_test $? 0 "table $ta: on-link prefix 2001:db8:a::/64"
has_route "$ta" "^2001:db8:a1::/48 via fe80::a dev $va\.[0-9a-f]+ proto (pvd|249) .*pref high"
log_test $? 0 "table $ta: RIO route 2001:db8:a1::/48 via rA, preference high"
# Only our own routes (proto 249): the kernel adds local and link-local ones.
has_route "$ta" "^unreachable default .*metric 4278198272"
log_test $? 0 "table $ta: unreachable default as the last resort (no fall-through to main)"
lacks_route "$ta" "fe80::[bc]( |$)|2001:db8:[bc]:" proto 249
log_test $? 0 "table $ta: nothing of b.example or the implicit PvD"
busywait 5000 has_route "$tb" "^default via fe80::b dev $vb\.[0-9a-f]+ proto (pvd|249)"
log_test $? 0 "table $tb: default via rB"
lacks_route "$tb" "fe80::[ac]( |$)|2001:db8:[ac]:" proto 249
log_test $? 0 "table $tb: nothing of a.example or the implicit PvD"
busywait 5000 has_route "$tc" "^default via fe80::c dev $vc\.[0-9a-f]+ proto (pvd|249)"
log_test $? 0 "table $tc: default via rC (implicit PvD on eth1)"
lacks_route main "proto (pvd|249)"
log_test $? 0 "main table: no route of ours"
busywait 5000 has_route main "^default .*via fe80::a dev eth0 proto ra"
log_test $? 0 "main table: the kernel's own default route via rA is still there"

addr_in() {	# addr_in VRF PREFIX: a global address of PREFIX on one of VRF's slaves
	vrf_has "$1" "inet6 $2[0-9a-f:]+/64 .*scope global"
}
busywait 5000 addr_in "$va" "2001:db8:a:"
log_test $? 0 "SLAAC address from 2001:db8:a::/64 in $va"
busywait 5000 addr_in "$vb" "2001:db8:b:"
log_test $? 0 "SLAAC address from 2001:db8:b::/64 in $vb"
busywait 5000 addr_in "$vc" "2001:db8:c:"
log_test $? 0 "SLAAC address from 2001:db8:c::/64 in $vc"
addr_in "$va" "2001:db8:[bc]:" || addr_in "$vb" "2001:db8:[ac]:" || addr_in "$vc" "2001:db8:[ab]:"
log_test $? 1 "no VRF has another PvD's address"
slaves() { ip -n "$host" -o link show master "$1" | awk -F': ' '{ sub("@.*", "", $2); print $2 }'; }
# One sub-interface per (PvD, link): three here, each with accept_ra 0.
subs=$(slaves "$va"; slaves "$vb"; slaves "$vc")
with_ra=
for s in $subs; do
	[ "$(ip netns exec "$host" cat "/proc/sys/net/ipv6/conf/$s/accept_ra")" = 0 ] || with_ra+=" $s"
done
[ "$(wc -w <<<"$subs")" -eq 3 ] && [ -z "$with_ra" ]
log_test $? 0 "kernel RA processing is off on every sub-interface ($(wc -w <<<"$subs") of 3)${with_ra:+; on:$with_ra}"
grep -q '^nameserver 2001:db8:a::53$' "$LAB_RUN/$va/resolv.conf" && grep -q '^search a.example$' "$LAB_RUN/$va/resolv.conf"
log_test $? 0 "resolv.conf of a.example: its RDNSS and DNSSL"

# Traffic: each VRF reaches its own server, with a source from its prefix,
# and not the other's.
in_vrf() { local v=$1; shift; ip netns exec "$host" ip vrf exec "$v" "$@"; }
lab_servers
reaches_only() {	# reaches_only VRF X Y: server X from an address of X's prefix; not server Y
	local v=$1 x=$2 y=$3 src
	busywait 5000 in_vrf "$v" ping -6 -c 1 -W 2 "2001:db8:${x}1::80" >/dev/null
	log_test $? 0 "ping6 from $v to server $x"
	src=$(in_vrf "$v" curl -sS -g -o /dev/null -w '%{local_ip}' --max-time 5 "http://[2001:db8:${x}1::80]:8080/")
	[[ $src == 2001:db8:$x:* ]]
	log_test $? 0 "TCP from $v to server $x, source $src in 2001:db8:$x::/64"
	in_vrf "$v" curl -sS -g -o /dev/null --max-time 3 "http://[2001:db8:${y}1::80]:8080/" 2>/dev/null
	[ $? -ne 0 ]
	log_test $? 0 "TCP from $v to server $y fails"
	in_vrf "$v" ping -6 -c 1 -W 1 "2001:db8:${y}1::80" >/dev/null 2>&1
	[ $? -ne 0 ]
	log_test $? 0 "ping6 from $v to server $y fails"
}
reaches_only "$va" a b
reaches_only "$vb" b a
reaches_only "$vc" c a

lab_finish
