#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Ownership, exactly: pvd-vrfd changes and removes only what it made, and
# the adoption grace period keeps only what was found at start and is not
# confirmed yet.  Topology: see pvdlab.sh.  Made by hand in the host, with
# table_range 1000-1006:
#
#   $na  vrf table 1000, no ifalias, named as a.example's VRF would be
#   $nb  vrf table 1001, ifalias b.example, named pvd...
#   $nc  vrf table 1002, another name, a proto 249 route in its table
#        table 1003: no VRF, proto 249 routes (IPv6 and IPv4)
#
# All of it must survive start, grace, restart and SIGTERM byte for byte,
# and the daemon's PvDs must get other names and the free tables 1004-1006.
# Also: a kernel that drops IFA_PROTO (simulated) is refused, and every
# PvD table has an IPv4 unreachable default.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pvdlab.sh"

H() { ip -n "$host" "$@"; }
range="table_range = 1000-1006"
mark=0
log_since() { tail -n "+$((mark + 1))" "$LAB_LOG"; }	# this run's log
start() { mark=$(wc -l <"${LAB_LOG:-/dev/null}" 2>/dev/null || echo 0); lab_daemon_start "$range" "$@"; }

lab_up
require_vrf "$host"

# ---- 1. the name a.example gets (the state directory keeps the secret) ----
start
trap 'lab_daemon_stop KILL; ns_cleanup' EXIT
lab_ra_a
busywait 10000 eval 'test -n "$(vrf_of a.example)"'
na=$(vrf_of a.example)
lab_daemon_stop TERM
trap ns_cleanup EXIT
[ -n "$na" ] && ! H link show "$na" >/dev/null 2>&1
log_test $? 0 "a.example's VRF would be '$na'; SIGTERM removed it"

# ---- 2. a kernel without IFA_PROTO on addresses (test seam) ----
links() { H -o link show | awk -F': ' '{ sub("@.*", "", $2); print $2 }' | sort; }
links0=$(links)
PVD_TEST_NO_IFA_PROTO=1 ip netns exec "$host" "$DAEMON" --config "$LAB_CONF" >"$LAB_TMP/noproto.log" 2>&1
log_test $? 1 "IFA_PROTO missing: the daemon exits with status 1"
grep -qF "kernel $(uname -r) does not keep IFA_PROTO on addresses (Linux 6.1 or later needed)" "$LAB_TMP/noproto.log"
log_test $? 0 "... naming the kernel and what it lacks"
[ "$(links)" = "$links0" ] && ! grep -qv '^#' "$LAB_RUN/owned" 2>/dev/null
log_test $? 0 "... leaving no link (no probe link) and no record behind"
grep -q 'started' "$LAB_TMP/noproto.log"
log_test $? 1 "... before starting anything"

# ---- 3. someone else's objects ----
nb=pvdf$PVD_NS_SUFFIX
nc=blue$PVD_NS_SUFFIX
H link add "$na" type vrf table 1000
H link set "$na" up
H link add "$nb" type vrf table 1001
H link set dev "$nb" alias b.example up
H link add "$nc" type vrf table 1002
H link set "$nc" up
H -6 route add unreachable 2001:db8:ffff::/48 table 1002 proto 249
H -6 route add unreachable 2001:db8:fffe::/48 table 1003 proto 249
H -4 route add unreachable 198.51.100.0/24 table 1003 proto 249
foreign() {
	local l t
	for l in "$na" "$nb" "$nc"; do H -d link show dev "$l"; done
	for t in 1000 1001 1002 1003; do H -6 route show table $t; H -4 route show table $t; done
}
snap0=$(foreign)
same_foreign() {	# same_foreign WHEN: the snapshot, byte for byte
	local now
	now=$(foreign)
	[ "$now" = "$snap0" ]
	log_test $? 0 "$1: the foreign VRFs, tables and routes are as they were"
	[ "$now" = "$snap0" ] || diff <(echo "$snap0") <(echo "$now") | head -20
}
# Our VRF of a PvD: the one with its alias that is not a foreign one.
our_vrf() { vrf_of "$1" | grep -vxF -e "$na" -e "$nb" -e "$nc"; }
pvds_up() {
	va=$(our_vrf a.example) vb=$(our_vrf b.example) vc=$(our_vrf fe80::c%eth1)
	[ -n "$va" ] && [ -n "$vb" ] && [ -n "$vc" ] &&
		H -6 route show table "$(table_of "$va")" | grep -q '^default via fe80::a' &&
		H -6 route show table "$(table_of "$vb")" | grep -q '^default via fe80::b' &&
		H -6 route show table "$(table_of "$vc")" | grep -q '^default via fe80::c'
}

# ---- 4. a first start next to them ----
start
trap 'lab_daemon_stop KILL; ns_cleanup' EXIT
lab_ra_a
lab_ra_b
lab_ra_c
busywait 20000 pvds_up
log_test $? 0 "three PvDs up: $va, $vb, $vc"
[ "$va" != "$na" ] && [ "$vb" != "$nb" ]
log_test $? 0 "a.example does not get the foreign '$na', b.example not '$nb'"
tables=$(for v in "$va" "$vb" "$vc"; do table_of "$v"; done | sort | tr '\n' ' ')
[ "$tables" = "1004 1005 1006 " ]
log_test $? 0 "their tables are the free ones: $tables"
for l in "$na" "$nb"; do
	[ "$(log_since | grep -c "link '$l' (ifindex [0-9]*) is named like ours but pvd-vrfd did not make it")" = 1 ]
	log_test $? 0 "'$l' is logged as foreign, once"
done
log_since | grep "'$nc'" | grep -vq "table 1002 is taken by VRF '$nc'"
log_test $? 1 "'$nc' (not named like ours) is mentioned only as the user of table 1002"
ta=$(table_of "$va")
H -4 route show table "$ta" | grep -q '^unreachable default proto 249 metric 4278198272'
log_test $? 0 "IPv4: unreachable default metric 4278198272 in table $ta"
ip netns exec "$host" ip -4 route get 192.0.2.1 vrf "$va" 2>&1 | grep -q 'No route to host'
log_test $? 0 "IPv4: 192.0.2.1 is unreachable (not just unrouted) in $va"
same_foreign "first start"

# ---- 5. a restart with a long grace period: withdrawals go at once ----
lab_daemon_stop KILL
start "adopt_grace = 600"
for v in "$va" "$vb" "$vc"; do
	log_since | grep -q "re-adopting VRF $v "
	log_test $? 0 "restart: $v re-adopted"
done
log_since | grep -qE "re-adopting VRF ($na|$nb|$nc) "
log_test $? 1 "restart: no foreign VRF re-adopted"
same_foreign "restart"
# The first RA after the restart withdraws the default router: the adopted
# route goes at once although no RA confirmed it (the withdrawal is the
# router's word, not the daemon's forgetting).
H -6 route show table "$ta" | grep -q '^default via fe80::a'
log_test $? 0 "before: the adopted default route via rA is in table $ta"
lab_ra_a --lifetime 0
busywait 20000 eval '! H -6 route show table "$ta" | grep -q "^default"'
log_test $? 0 "router lifetime 0 during the grace period: the default route goes at once"
busywait 10000 eval 'H -6 route show table "$ta" | grep -q "^2001:db8:a::/64"'
log_test $? 0 "... the rest of a.example stays (its prefix route)"
# eth1 goes before any RA on it: the adopted implicit PvD there goes with it.
H link show "$vc" >/dev/null 2>&1
log_test $? 0 "before: $vc (adopted, never confirmed) is there"
H link del eth1
busywait 20000 eval '! H link show "$vc" >/dev/null 2>&1'
log_test $? 0 "eth1 removed during the grace period: $vc goes at once"
log_since | grep -q 'adoption grace period over'
log_test $? 1 "... all while the grace period lasts"
H link show "$vb" >/dev/null 2>&1 && H -6 route show table "$(table_of "$vb")" | grep -q '^default via fe80::b'
log_test $? 0 "b.example, adopted and not confirmed, is kept meanwhile"
same_foreign "withdrawals"

# ---- 6. a short grace period ends: the unconfirmed go, nothing else ----
lab_daemon_stop KILL
start "adopt_grace = $((3 * ${PVD_WAIT_SCALE:-1}))"
lab_ra_a
busywait $((10000 + 3000)) eval 'log_since | grep -q "adoption grace period over"'
log_test $? 0 "grace period over"
busywait 10000 eval '! H link show "$vb" >/dev/null 2>&1'
log_test $? 0 "b.example, never confirmed, is removed with its VRF $vb"
H link show "$va" >/dev/null 2>&1 && [ "$(table_of "$va")" = "$ta" ]
log_test $? 0 "a.example, confirmed, keeps $va and table $ta"
same_foreign "grace over"

# ---- 7. SIGTERM removes exactly what the daemon made ----
lab_daemon_stop TERM
trap ns_cleanup EXIT
left=$(H -o link show | awk -F': ' '{ sub("@.*", "", $2); print $2 }' | grep -vxF -e "$na" -e "$nb" | grep '^pvd')
[ -z "$left" ]
log_test $? 0 "SIGTERM: none of our links left${left:+: $left}"
[ -z "$(H -6 route show table "$ta")$(H -4 route show table "$ta")" ]
log_test $? 0 "SIGTERM: table $ta is empty (IPv4 unreachable default included)"
! grep -qv '^#' "$LAB_RUN/owned"
log_test $? 0 "SIGTERM: the record lists nothing"
same_foreign "SIGTERM"

lab_finish
