#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Restart: after kill -9 a new daemon re-adopts its VRFs (same names and
# tables, no duplicates, nothing valid deleted); SIGTERM removes everything
# it made and nothing else.  Topology: see pvdlab.sh.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pvdlab.sh"

lab_up
require_vrf "$host"
# Someone else's VRF and route, which must survive everything below.
ip -n "$host" link add blue type vrf table 4000
ip -n "$host" link set blue up
ip -n "$host" -6 route add unreachable 2001:db8:ffff::/48 table 4000

# The grace period must outlast the test's own steps under emulation: from
# the restart to the second fresh RA took over 30 s in a VM on a host at
# load 11 (5 s x PVD_WAIT_SCALE 6), and b.example was then rightly removed.
grace="adopt_grace = $((10 * ${PVD_WAIT_SCALE:-1}))"
lab_daemon_start "$grace"
trap 'lab_daemon_stop KILL; ns_cleanup' EXIT
lab_ra_a
lab_ra_b
busywait 10000 eval 'test "$(vrf_count)" -eq 3'
log_test $? 0 "two PvD VRFs next to the foreign one"
busywait 5000 vrf_has "$(vrf_of b.example)" 2001:db8:b:
# ifindexes too: a VRF deleted and re-created would keep its name, not its ifindex.
our_links() { ip -n "$host" -o link show | awk -F': ' '$2 ~ /^pvd/ { print $1, $2 }' | sort; }
va=$(vrf_of a.example) vb=$(vrf_of b.example)
before=$(ip -n "$host" vrf show | sort)
links_before=$(our_links)
addr_before=$(ip -n "$host" -6 -o addr show | awk '/2001:db8:[ab]:/ { print $2, $4 }' | sort)

lab_daemon_stop KILL
lab_daemon_start "$grace"
after=$(ip -n "$host" vrf show | sort)
[ "$before" = "$after" ]
log_test $? 0 "after kill -9 and restart: same VRFs and tables"
[ -n "$va" ] && [ -n "$vb" ] && grep -q "re-adopting VRF $va " "$LAB_LOG" && grep -q "re-adopting VRF $vb " "$LAB_LOG"
log_test $? 0 "the new daemon re-adopts them: $va (a.example), $vb (b.example)"
# Fresh RAs, then wait until the daemon has handled both and finished a
# reconciliation after them: any duplicate would have been made by then.
gen=$(lab_reconciles)
na=$(lab_ra_count fe80::a) nb=$(lab_ra_count fe80::b)
lab_ra_a
lab_ra_b
lab_settled "$gen" fe80::a "$na" fe80::b "$nb"
log_test $? 0 "the new daemon handled the fresh RAs and reconciled after them"
[ "$(vrf_count)" -eq 3 ] && [ "$(ip -n "$host" vrf show | sort)" = "$before" ]
log_test $? 0 "fresh RAs: no duplicate VRFs, same names and tables"
addr_after=$(ip -n "$host" -6 -o addr show | awk '/2001:db8:[ab]:/ { print $2, $4 }' | sort)
[ "$addr_before" = "$addr_after" ]
log_test $? 0 "the same addresses on the same sub-interfaces"
busywait 15000 grep -q 'adoption grace period over' "$LAB_LOG"
log_test $? 0 "grace period ends"
[ "$(vrf_count)" -eq 3 ] && [ -n "$links_before" ] && [ "$(our_links)" = "$links_before" ]
log_test $? 0 "nothing was deleted or re-created: same links, same ifindexes"

lab_daemon_stop TERM
trap ns_cleanup EXIT
left=$(our_links)
[ -z "$left" ]
log_test $? 0 "SIGTERM: no VRF or sub-interface of ours left${left:+: $left}"
{ ip -n "$host" -6 route show table all; ip -n "$host" -4 route show table all; } | grep -qE 'proto (pvd|249)'
log_test $? 1 "SIGTERM: no route of ours left (IPv6 or IPv4)"
grep -qv '^#' "$LAB_RUN/owned"
log_test $? 1 "SIGTERM: the record of owned links lists nothing"
ip -n "$host" -d link show blue | grep -q 'vrf table 4000' &&
	ip -n "$host" -6 route show table 4000 | grep -q 'unreachable 2001:db8:ffff::/48'
log_test $? 0 "the foreign VRF and its route are untouched"
ip -n "$host" -6 route show | grep -q 'default .*via fe80::a dev eth0 proto ra'
log_test $? 0 "the kernel's own default route on eth0 is untouched"
ls "$LAB_RUN" | grep -q '^pvd'
log_test $? 1 "no resolv.conf directory left"

# keep_on_exit: a clean stop leaves everything in place for the next run.
lab_daemon_start "keep_on_exit = yes"
trap 'lab_daemon_stop KILL; ns_cleanup' EXIT
lab_ra_a
busywait 10000 eval 'test -n "$(vrf_of a.example)"' && busywait 5000 vrf_has "$(vrf_of a.example)" 2001:db8:a:
kept=$(our_links)
lab_daemon_stop TERM
trap ns_cleanup EXIT
now=$(our_links)
[ -n "$kept" ] && [ "$now" = "$kept" ] && grep -q 'keeping the VRFs (keep_on_exit)' "$LAB_LOG"
log_test $? 0 "keep_on_exit = yes: SIGTERM keeps the VRF and sub-interface"
[ "$(grep -c '^vrf \|^ipvlan ' "$LAB_RUN/owned")" -eq "$(echo "$kept" | wc -l)" ]
log_test $? 0 "keep_on_exit = yes: ... and the record of them"
[ "$now" = "$kept" ] || printf 'before stop:\n%s\nafter stop:\n%s\n' "$kept" "$now"

lab_finish
