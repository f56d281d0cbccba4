#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Lifetimes: router lifetime 0 withdraws the default route, PIO valid
# lifetime 0 and expiry remove the address, a PvD whose every object has
# gone loses its VRF; sequence and delay changes are tracked.
# Topology: see pvdlab.sh (only rA is used).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pvdlab.sh"

lab_start

lab_ra_a
busywait 10000 eval 'test -n "$(vrf_of a.example)"'
va=$(vrf_of a.example)
ta=$(table_of "$va")
log_test $? 0 "a.example has VRF $va, table $ta"
busywait 5000 bash -c "ip -n $host -6 route show table $ta | grep -q '^default via fe80::a'"
log_test $? 0 "default route via rA in table $ta"

lab_ra "$rA" --lifetime 0 --pvd a.example --seq 2 --delay 5
busywait 5000 bash -c "! ip -n $host -6 route show table $ta | grep -q '^default'"
log_test $? 0 "router lifetime 0: default route gone"
# The main table still has the kernel's default via rA on eth0: a lookup in
# the VRF must stop at the VRF's unreachable default, not fall through.
ip -n "$host" -6 route get 2001:db8:ffff::1 vrf "$va" 2>&1 | grep -qE 'unreachable|No route to host'
log_test $? 0 "no default router: lookups in $va do not fall through to the main table"
ip -n "$host" -6 route show table "$ta" | grep -q '^2001:db8:a::/64'
log_test $? 0 "... the prefix route stays"
busywait 3000 grep -q "PvD 'a.example': sequence 2, H=0, L=0, delay 5" "$LAB_LOG"
log_test $? 0 "sequence and delay change logged"

lab_ra "$rA" --lifetime 0 --pvd a.example --seq 2 --prefix 2001:db8:a::/64,valid=0,preferred=0,flags=LA
busywait 5000 bash -c "! ip -n $host -6 route show table $ta | grep -q '^2001:db8:a::/64'"
log_test $? 0 "PIO valid lifetime 0: prefix route gone at once (RFC 4861 §6.3.4)"
# RFC 4862 §5.5.3(e): with at most 2 h left, the valid lifetime is kept
# (3600 s from lab_ra_a, minus the seconds since); preferred is reset to 0.
busywait 5000 vrf_has "$va" '2001:db8:a:.*deprecated'
log_test $? 0 "PIO valid lifetime 0: the address is deprecated at once"
vrf_has "$va" '2001:db8:a:.*valid_lft (3[0-5][0-9][0-9])sec preferred_lft 0sec'
log_test $? 0 "... and keeps its remaining valid lifetime (two-hour rule)"
test -n "$(vrf_of a.example)"
log_test $? 0 "VRF stays while the address, RIO route, RDNSS and DNSSL live"

# A PvD whose prefix forms no address (L only) goes when everything is withdrawn.
lab_ra "$rB" --lifetime 1800 --pvd w.example --seq 1 --prefix 2001:db8:b::/64,valid=3600,preferred=1800,flags=L \
	--rio 2001:db8:b1::/48,lifetime=1800 --rdnss 2001:db8:b::53,lifetime=1800 --dnssl w.example,lifetime=1800
busywait 10000 eval 'test -n "$(vrf_of w.example)"'
vw=$(vrf_of w.example)
[ -n "$vw" ] && tw=$(table_of "$vw") && [ -n "$tw" ]
log_test $? 0 "w.example (no SLAAC) has VRF $vw, table ${tw:-?}"
busywait 5000 bash -c "ip -n $host -6 route show table ${tw:-none} | grep -q '^2001:db8:b::/64'"
log_test $? 0 "... with its on-link prefix route"
lab_ra "$rB" --lifetime 0 --pvd w.example --seq 2 --prefix 2001:db8:b::/64,valid=0,preferred=0,flags=L \
	--rio 2001:db8:b1::/48,lifetime=0 --rdnss 2001:db8:b::53,lifetime=0 --dnssl w.example,lifetime=0
busywait 5000 eval 'test -z "$(vrf_of w.example)"'
log_test $? 0 "everything withdrawn: VRF gone"
busywait 3000 test ! -e "$LAB_RUN/$vw"
log_test $? 0 "... and its resolv.conf"
ip -n "$host" -6 route show table "${tw:-none}" 2>/dev/null | grep -q .
log_test $? 1 "... and table $tw is empty"
test -n "$(vrf_of a.example)"
log_test $? 0 "a.example is untouched by w.example's withdrawals"

# Expiry by time, not by withdrawal: everything lives 12 seconds (long
# enough to see it arrive under emulation, short enough to wait for).
lab_ra "$rA" --lifetime 12 --pvd s.example --seq 4 --prefix 2001:db8:a::/64,valid=12,preferred=6,flags=LA
busywait 10000 eval 'test -n "$(vrf_of s.example)"'
vs=$(vrf_of s.example)
busywait 5000 vrf_has "$vs" 2001:db8:a:
log_test $? 0 "short-lived PvD: address present"
vrf_has "$vs" '2001:db8:a:.*valid_lft ([1-9]|1[0-2])sec'
log_test $? 0 "... with its lifetime handed to the kernel"
busywait 20000 eval 'test -z "$(vrf_of s.example)"'
log_test $? 0 "after 12 s everything expired: VRF gone"

lab_finish
