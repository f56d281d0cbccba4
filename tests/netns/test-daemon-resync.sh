#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A lost link event: eth1 (rC's implicit PvD) is deleted while the daemon's
# netlink event socket is overrun, so its RTM_DELLINK never arrives.  The
# daemon is SIGSTOPped, a burst of 6000 RTM_NEWLINK (MTU changes of a dummy
# link, as in test-kernel.sh) outgrows its 4 MiB receive buffer, eth1 goes,
# and on SIGCONT the next read fails with ENOBUFS: the resync must find eth1
# gone and forget its PvD (VRF, stats, bus), and leave eth0's a.example.
# Also: the reconcile counter grows, in the stats file and on the bus.
# Topology: see pvdlab.sh, plus the private bus of lab_bus_start.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pvdlab.sh"

C=fe80::c%eth1	# rC's implicit PvD on eth1

bctl() { ip netns exec "$host" busctl --system --no-pager "$@"; }
bus_pvds() { bctl call org.pvd /org/pvd org.pvd.Manager ListPvds; }
bus_reconciles() { bctl get-property org.pvd /org/pvd org.pvd.Manager Reconciles | awk '$1 == "t" { print $2 }'; }
H() { ip -n "$host" "$@"; }

lab_up
require_vrf "$host"
lab_bus_start || exit 1
lab_daemon_start
trap 'lab_daemon_stop TERM; ns_cleanup' EXIT
busywait 5000 grep -q 'org.pvd on the system bus' "$LAB_LOG"
log_test $? 0 "pvd-vrfd on the private system bus"

# ---- the reconcile counter ----
r0=$(lab_reconciles)
[ -n "$r0" ] && [ "$r0" -ge 0 ]
log_test $? 0 "stats: reconciles $r0"
lab_ra_a
lab_ra_c
busywait 10000 eval 'test -n "$(vrf_of a.example)" && test -n "$(vrf_of "$C")"'
log_test $? 0 "a.example on eth0 and $C on eth1 have VRFs"
r1=$(lab_reconciles)
[ "$r1" -gt "$r0" ] 2>/dev/null
log_test $? 0 "stats: reconciles grew with the RAs ($r0 -> $r1)"
b1=$(bus_reconciles)
[ -n "$b1" ] && [ "$b1" -ge "$r1" ]
log_test $? 0 "bus: Manager.Reconciles $b1 (stats said $r1)"
[ "$(stat_count pvds)" = 2 ] && bus_pvds | grep -qF "\"$C\"" && bus_pvds | grep -qF '"a.example"'
log_test $? 0 "stats and bus: two PvDs, $C among them"

# ---- eth1 goes while the event socket is overrun ----
H link add burst0 type dummy
busywait 5000 eval 'H link show burst0 >/dev/null 2>&1'
for i in $(seq 1 6000); do
	echo "link set dev burst0 mtu $((1280 + i % 2))"
done >"$LAB_TMP/burst"
kill -STOP "$LAB_PID"
H -batch "$LAB_TMP/burst"
H link del eth1
kill -CONT "$LAB_PID"
busywait 30000 grep -q 'kernel events were lost' "$LAB_LOG"
log_test $? 0 "the daemon's event socket overran (ENOBUFS)"
busywait 30000 grep -qE "link [0-9]+ removed while events were lost: forgetting its PvD state" "$LAB_LOG"
log_test $? 0 "the resync finds eth1 gone and forgets its PvD state"
grep -q "link 'eth1' removed" "$LAB_LOG"
log_test $? 1 "... not an RTM_DELLINK: that one was lost"
busywait 10000 eval 'test -z "$(vrf_of "$C")"'
log_test $? 0 "$C's VRF is gone"
refresh_stats
[ "$(stat_count pvds)" = 1 ]
log_test $? 0 "stats: one PvD left"
! bus_pvds | grep -qF "\"$C\"" && bus_pvds | grep -qF '"a.example"'
log_test $? 0 "bus: $C is gone, a.example is there"
[ -n "$(vrf_of a.example)" ] && vrf_has "$(vrf_of a.example)" 2001:db8:a:
log_test $? 0 "a.example's VRF and address on eth0 are untouched"
b2=$(bus_reconciles)
[ "$b2" -gt "$b1" ] 2>/dev/null
log_test $? 0 "bus: Reconciles grew with the resync ($b1 -> $b2)"
H link del burst0

lab_finish
