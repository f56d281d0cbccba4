#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The system bus goes away and comes back: pvd-vrfd keeps running and
# learning, retries with a doubling delay, owns org.pvd again on the new
# dbus-daemon (same address) and publishes every PvD anew, so a monitor on
# the new bus sees PvdAdded for each; `pvd list` works again, and a
# `pvd monitor` started on the new bus sees the next PvD added.
# Topology: see pvdlab.sh (the PvD lab), plus
#
#     dbus-daemon (in $host, killed, then a new one) <── pvd-vrfd, pvd, dbus-monitor
#
# Needs no VRF (it checks the registry as published, like test-bus.sh).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pvdlab.sh"

PVD=$BUILD/src/pvd
pvd_cli() { ip netns exec "$host" "$PVD" "$@" 2>&1; }
pvds_held() { refresh_stats && [ "$(stat_count pvds)" = "$1" ]; }
# added MONITOR-LOG NAME: dbus-monitor saw PvdAdded for NAME.
added() { grep -A2 'member=PvdAdded' "$1" | grep -q "string \"$2\""; }

# The address as a real system bus has it, without the guid= that
# dbus-daemon prints: sd-bus would refuse a new bus whose guid differs.
bus_address() { export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$LAB_TMP/bus/socket; }

lab_up
lab_bus_start || exit 1
bus_address
lab_daemon_start
trap 'lab_daemon_stop TERM; ns_cleanup' EXIT
busywait 5000 grep -q 'org.pvd on the system bus' "$LAB_LOG"
log_test $? 0 "pvd-vrfd owns org.pvd on the private system bus"
lab_ra_a
busywait 10000 eval 'pvd_cli list | grep -q "a\.example"'
log_test $? 0 "pvd list shows a.example"

# ---- the bus goes away ----
kill "$LAB_BUS_PID"
busywait 10000 grep -q 'D-Bus connection lost: .*; reconnecting' "$LAB_LOG"
log_test $? 0 "the daemon notices the bus is gone"
lab_ra_b
busywait 10000 pvds_held 2
log_test $? 0 "... and keeps running and learning: b.example taken without a bus"
# Each failed attempt doubles the delay (1, 2, 4, 8 s...): once it is long
# enough for a new bus and a monitor to start, start them.
gap=$((${PVD_WAIT_SCALE:-1} > 1 ? 16 : 8))
busywait 60000 grep -q "D-Bus: cannot connect to the system bus: .*; next attempt in $gap s" "$LAB_LOG"
log_test $? 0 "retries with a doubling delay (1, 2, 4 ... $gap s)"
grep -q 'next attempt in 2 s' "$LAB_LOG" && grep -q 'next attempt in 4 s' "$LAB_LOG"
log_test $? 0 "... 2 s and 4 s among them"

# ---- a new bus at the same address ----
rm -f "$LAB_TMP/bus/socket"
lab_bus_start || exit 1
bus_address
MON=$LAB_TMP/monitor-new.log
ip netns exec "$host" dbus-monitor --system "type='signal',path_namespace='/org/pvd'" >"$MON" 2>&1 &
busywait 5000 grep -q 'member=NameLost' "$MON"	# it became a monitor
log_test $? 0 "a new dbus-daemon at the same address, dbus-monitor on it"
busywait 60000 grep -q 'org.pvd on the system bus again' "$LAB_LOG"
log_test $? 0 "the daemon reconnects and owns org.pvd again"
busywait 10000 added "$MON" a.example && added "$MON" b.example
log_test $? 0 "PvdAdded again for a.example, and for b.example learnt meanwhile"
out=$(pvd_cli list)
grep -q 'a\.example' <<<"$out" && grep -q 'b\.example' <<<"$out"
log_test $? 0 "pvd list works again: a.example and b.example"

# A client that connects to the new bus gets the signals of the new connection.
PMON=$LAB_TMP/pvd-monitor.log
ip netns exec "$host" "$PVD" monitor >"$PMON" 2>&1 &
# It says so on stderr once its matches are in place and it has seen the
# daemon (pvd(1)): no event is lost after.
busywait 10000 grep -qx "pvd: monitoring org.pvd" "$PMON"
log_test $? 0 "pvd monitor started on the new bus"
lab_ra_c
busywait 10000 grep -qE '^added +fe80::c%eth1$' "$PMON"
log_test $? 0 "pvd monitor sees PvdAdded for the next PvD (fe80::c%eth1)"
grep -c 'D-Bus connection lost' "$LAB_LOG" | grep -qx 1
log_test $? 0 "the loss was logged once"

lab_finish
