#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Lifetimes: router lifetime 0 withdraws the default route; PIO valid
# lifetime 0 from the PvD's own router withdraws the prefix route at once
# (RFC 4861 §6.3.4) but not an address with less than 2 h left (RFC 4862
# §5.5.3(e), the two-hour rule; more in test-daemon-slaac.sh); RIO, RDNSS and
# DNSSL lifetime 0 withdraw at once; expiry removes everything, and a PvD
# whose every object has gone loses its VRF; sequence and delay changes are
# tracked.
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
busywait 5000 bash -c "! ip -n $host -6 route show table $ta | grep -q '^2001:db8:a::/64'"
log_test $? 0 "PIO valid lifetime 0: prefix route gone"
# The address was formed with 3600 s: at most 2 h left, so the received valid
# lifetime is ignored for it (RFC 4862 §5.5.3(e)).
vrf_has "$va" '2001:db8:a:.*valid_lft (3[0-5][0-9][0-9]|3600)sec'
log_test $? 0 "PIO valid lifetime 0: the address stays with its remaining lifetime (two-hour rule)"

lab_ra "$rA" --lifetime 0 --pvd a.example --seq 3 --rio 2001:db8:a1::/48,lifetime=0 \
	--rdnss 2001:db8:a::53,lifetime=0 --dnssl a.example,lifetime=0
busywait 5000 bash -c "! ip -n $host -6 route show table $ta | grep -q '^2001:db8:a1::/48'"
log_test $? 0 "RIO lifetime 0: its route gone"
# (the file's first line names the PvD: look at nameserver and search only)
busywait 3000 eval 'test -s "$LAB_RUN/$va/resolv.conf" && ! grep -qE "^nameserver 2001:db8:a::53|^search .*a\.example" "$LAB_RUN/$va/resolv.conf"'
log_test $? 0 "RDNSS and DNSSL lifetime 0: gone from a.example's resolv.conf"
test -n "$(vrf_of a.example)" && vrf_has "$va" 2001:db8:a:
log_test $? 0 "VRF stays while its address lives"

# Expiry by time, not by withdrawal: everything of short.example lives 12
# seconds (long enough to see it arrive under emulation, short enough to
# wait for), then the VRF, its resolv.conf and its table's routes go.
lab_ra "$rA" --lifetime 12 --pvd short.example --seq 4 --prefix 2001:db8:a7::/64,valid=12,preferred=6,flags=LA \
	--rdnss 2001:db8:a::53,lifetime=12
busywait 10000 eval 'test -n "$(vrf_of short.example)"'
vs=$(vrf_of short.example)
ts=$(table_of "$vs")
[ -n "$vs" ] && [ -n "$ts" ] && busywait 5000 vrf_has "$vs" 2001:db8:a7:
log_test $? 0 "short-lived PvD: address present"
vrf_has "$vs" '2001:db8:a7:.*valid_lft ([1-9]|1[0-2])sec'
log_test $? 0 "... with its lifetime handed to the kernel"
busywait 3000 test -s "$LAB_RUN/$vs/resolv.conf"
log_test $? 0 "... and a resolv.conf"
busywait 20000 eval 'test -z "$(vrf_of short.example)"'
log_test $? 0 "after 12 s everything expired: VRF gone"
busywait 3000 test ! -e "$LAB_RUN/$vs"
log_test $? 0 "... and its resolv.conf"
routes=$(ip -n "$host" -6 route show table "$ts") && [ -z "$routes" ]
log_test $? 0 "... and table $ts is empty"

lab_finish
