#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# SIGHUP re-reads the configuration without a restart: a bad file keeps the
# running configuration and says FILE:LINE why; a link dropped from `links`
# loses its PvD state at once and its RAs count as not managed; a link added
# back is managed again; a lowered cap refuses new PvDs and evicts none;
# implicit_pvds = no removes the implicit PvDs and refuses new ones;
# table_range cannot change at runtime ("needs a restart") and new PvDs keep
# getting tables from the old range; log_level = warning silences the
# per-RA debug lines.  The explicit PvDs of eth0 stay on the same VRFs
# (same ifindexes) throughout.  Topology: see pvdlab.sh.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pvdlab.sh"

C=fe80::c%eth1	# rC's implicit PvD on eth1

reconciles() { refresh_stats && stat_count reconciles; }
above() {	# above N CMD...: CMD prints a number greater than N
	local n=$1 v
	shift
	v=$("$@") && [ -n "$v" ] && [ "$v" -gt "$n" ]
}
refused() { refresh_stats && echo "$(stat_value refused "$1")"; }
not_managed() { refresh_stats && stat_count ra-not-managed-link; }
applied() { grep -c "reload: configuration $LAB_CONF applied" "$LAB_LOG"; }
# hup N: SIGHUP, then wait until the Nth reload was applied and reconciled.
hup() {
	local n=$1 r0
	r0=$(reconciles)
	kill -HUP "$LAB_PID"
	busywait 10000 eval 'test "$(applied)" -ge "$n"' && busywait 10000 above "$r0" reconciles
}
ifindex_of() { ip -n "$host" -o link show dev "$1" | cut -d: -f1; }
ours() { echo "$(vrf_of a.example):$(ifindex_of "$(vrf_of a.example)") $(vrf_of b.example):$(ifindex_of "$(vrf_of b.example)")"; }

lab_start
lab_ra_a
lab_ra_b
lab_ra_c
busywait 10000 eval 'test "$(vrf_count)" -eq 3 && test -n "$(vrf_of "$C")"'
log_test $? 0 "three PvDs: a.example, b.example on eth0, $C on eth1"
before=$(ours)

# ---- a bad file: nothing changes, the error names file and line ----
lab_write_conf "links = eth0" "bogus = 1"
kill -HUP "$LAB_PID"
busywait 10000 grep -q "reload: $LAB_CONF:6: unknown key 'bogus'; keeping the running configuration" "$LAB_LOG"
log_test $? 0 "a bad file: 'FILE:6: unknown key', the running configuration kept"
kill -0 "$LAB_PID" && [ "$(vrf_count)" -eq 3 ] && [ -n "$(vrf_of "$C")" ] && [ "$(applied)" -eq 0 ]
log_test $? 0 "... the daemon runs on, eth1 still managed, all three PvDs kept"

# ---- links, caps, a key that needs a restart ----
lab_write_conf "links = eth0" "max_pvds_per_link = 2" "table_range = 2000-2999"
hup 1
log_test $? 0 "links = eth0: reloaded and reconciled"
busywait 10000 eval 'test -z "$(vrf_of "$C")"'
log_test $? 0 "eth1 no longer managed: $C's VRF is gone"
grep -q "link 'eth1' not managed: forgetting its PvD state" "$LAB_LOG"
log_test $? 0 "... logged as its link no longer managed"
grep -q "reload: table_range 2000-2999 needs a restart; keeping 1000-1999" "$LAB_LOG"
log_test $? 0 "table_range: 'needs a restart', the old range kept"
n0=$(not_managed)
lab_ra_c
busywait 10000 above "$n0" not_managed
log_test $? 0 "an RA on eth1 now counts as not managed"
[ -z "$(vrf_of "$C")" ]
log_test $? 0 "... and makes no PvD"
lab_ra "$rA" --lifetime 1800 --pvd x.example --seq 1 --prefix 2001:db8:ab::/64,valid=3600,preferred=1800,flags=LA
busywait 10000 above 0 refused "too many PvDs on the link"
log_test $? 0 "max_pvds_per_link = 2: a third PvD on eth0 is refused"
[ -z "$(vrf_of x.example)" ] && [ "$(ours)" = "$before" ]
log_test $? 0 "... no VRF for it; a.example and b.example kept, same VRFs and ifindexes"

# ---- a link added back, then implicit PvDs off ----
lab_write_conf "links = eth0 eth1" "max_pvds_per_link = 2"
hup 2
log_test $? 0 "links = eth0 eth1: reloaded"
lab_ra_c
busywait 10000 eval 'test -n "$(vrf_of "$C")"'
log_test $? 0 "eth1 managed again: rC's RA makes $C's VRF"
t=$(table_of "$(vrf_of "$C")")
[ "${t:-0}" -ge 1000 ] && [ "$t" -le 1999 ]
log_test $? 0 "... with a table from the range it started with ($t)"
lab_write_conf "links = eth0 eth1" "implicit_pvds = no"
hup 3
log_test $? 0 "implicit_pvds = no: reloaded"
busywait 10000 eval 'test -z "$(vrf_of "$C")"'
log_test $? 0 "... $C's VRF is gone at once"
lab_ra_c
busywait 10000 above 0 refused "implicit PvDs are disabled"
log_test $? 0 "... and rC's next RA is refused (implicit PvDs are disabled)"
[ -z "$(vrf_of "$C")" ] && [ "$(ours)" = "$before" ]
log_test $? 0 "... no VRF for it; a.example and b.example kept, same VRFs and ifindexes"

# ---- the log level ----
grep -q "RA from fe80::a on 'eth0' for PvD a.example" "$LAB_LOG"
log_test $? 0 "log_level = debug: an RA is logged"
lab_write_conf "links = eth0 eth1" "log_level = warning"
r0=$(reconciles)
kill -HUP "$LAB_PID"
busywait 10000 above "$r0" reconciles
log_test $? 0 "log_level = warning: reloaded (reconciled; 'applied' is info)"
lines=$(wc -l <"$LAB_LOG")
r0=$(reconciles)
lab_ra_a
busywait 10000 above "$r0" reconciles
tail -n +$((lines + 1)) "$LAB_LOG" | grep -q "RA from"
log_test $? 1 "... the next RA is taken, and not logged"
[ "$(ours)" = "$before" ]
log_test $? 0 "a.example and b.example on the same VRFs and ifindexes after four reloads"

lab_finish
