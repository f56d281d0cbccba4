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
[ -n "$va" ] && [[ $ta =~ ^[0-9]+$ ]]
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
busywait 5000 vrf_lacks "$va" 2001:db8:a:
log_test $? 0 "PIO valid lifetime 0: address gone"
busywait 5000 bash -c "! ip -n $host -6 route show table $ta | grep -q '^2001:db8:a::/64'"
log_test $? 0 "PIO valid lifetime 0: prefix route gone"
test -n "$(vrf_of a.example)"
log_test $? 0 "VRF stays while the RIO route, RDNSS and DNSSL live"

lab_ra "$rA" --lifetime 0 --pvd a.example --seq 3 --rio 2001:db8:a1::/48,lifetime=0 \
	--rdnss 2001:db8:a::53,lifetime=0 --dnssl a.example,lifetime=0
busywait 5000 eval 'test -z "$(vrf_of a.example)"'
log_test $? 0 "everything withdrawn: VRF gone"
busywait 3000 test ! -e "$LAB_RUN/$va"
log_test $? 0 "... and its resolv.conf"
routes=$(ip -n "$host" -6 route show table "$ta") && [ -z "$routes" ]
log_test $? 0 "... and table $ta is empty"

# Expiry by time, not by withdrawal: everything lives 12 seconds (long
# enough to see it arrive under emulation, short enough to wait for).
lab_ra "$rA" --lifetime 12 --pvd a.example --seq 4 --prefix 2001:db8:a::/64,valid=12,preferred=6,flags=LA
busywait 10000 eval 'test -n "$(vrf_of a.example)"'
va=$(vrf_of a.example)
[ -n "$va" ] && busywait 5000 vrf_has "$va" 2001:db8:a:
log_test $? 0 "short-lived PvD: address present"
vrf_has "$va" '2001:db8:a:.*valid_lft ([1-9]|1[0-2])sec'
log_test $? 0 "... with its lifetime handed to the kernel"
busywait 20000 eval 'test -z "$(vrf_of a.example)"'
log_test $? 0 "after 12 s everything expired: VRF gone"

lab_finish
