#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Stale RUN_DIR/<vrf>/ directories: a run with keep_on_exit leaves a.example
# and b.example's VRFs and resolv.conf directories; the next run re-adopts
# both, only a.example comes back, and when the grace period ends b.example's
# VRF goes and its directory with it.  So does a stale directory of ours
# whose VRF is long gone; nothing else in RUN_DIR is touched: a directory
# named like our VRFs with something else in it, or with a resolv.conf we did
# not write, a file named like a VRF, a directory not named like one, the
# stats file.  Topology: see pvdlab.sh.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pvdlab.sh"

grace="adopt_grace = $((5 * ${PVD_WAIT_SCALE:-1}))"
starts() { grep -c 'started' "$LAB_LOG"; }

lab_start "keep_on_exit = yes" "$grace"
lab_ra_a
lab_ra_b
busywait 10000 eval 'test -n "$(vrf_of a.example)" && test -n "$(vrf_of b.example)"'
va=$(vrf_of a.example)
vb=$(vrf_of b.example)
busywait 5000 test -f "$LAB_RUN/$va/resolv.conf" -a -f "$LAB_RUN/$vb/resolv.conf"
log_test $? 0 "resolv.conf of a.example ($va) and b.example ($vb)"

# What an earlier run, or someone else, left in RUN_DIR.
R=$LAB_RUN
mkdir "$R/pvd0c0c0c" "$R/pvd0f0f0f" "$R/pvd0e0e0e" "$R/other"
cp "$R/$vb/resolv.conf" "$R/pvd0c0c0c/"		# ours, its VRF long gone
cp "$R/$vb/resolv.conf" "$R/pvd0f0f0f/"
echo mine >"$R/pvd0f0f0f/notes"			# ours plus something else
echo 'nameserver 192.0.2.53' >"$R/pvd0e0e0e/resolv.conf"	# not ours
cp "$R/$vb/resolv.conf" "$R/other/"			# not a VRF name
cp "$R/$vb/resolv.conf" "$R/pvd0d0d0d"			# a file, not a directory
refresh_stats
foreign() {	# everything that must survive, with its contents
	(cd "$R" && find stats pvd0f0f0f pvd0e0e0e other pvd0d0d0d -type f ! -name stats -exec md5sum {} + | sort)
	test -f "$R/stats" && echo stats
}
foreign_before=$(foreign)
[ "$(echo "$foreign_before" | wc -l)" -eq 6 ]
log_test $? 0 "five foreign files and the stats file in place"

lab_daemon_stop TERM
log_test $? 0 "SIGTERM with keep_on_exit"
[ -n "$(vrf_of b.example)" ] && [ -f "$R/$vb/resolv.conf" ] && [ -f "$R/pvd0c0c0c/resolv.conf" ]
log_test $? 0 "b.example's VRF and directory are kept for the next run"

n=$(starts)
lab_daemon_start "keep_on_exit = yes" "$grace"
busywait 5000 eval 'test "$(starts)" -gt "$n"'
log_test $? 0 "restarted"
grep -q "re-adopting VRF $vb" "$LAB_LOG"
log_test $? 0 "b.example's VRF $vb is re-adopted"
[ -f "$R/$vb/resolv.conf" ] && [ -f "$R/pvd0c0c0c/resolv.conf" ]
log_test $? 0 "during the grace period the directories stay"
lab_ra_a
busywait 30000 grep -q 'adoption grace period over' "$LAB_LOG"
log_test $? 0 "the grace period ends"
busywait 10000 eval 'test -z "$(vrf_of b.example)"'
log_test $? 0 "b.example never came back: its VRF goes"
busywait 10000 eval '! test -e "$R/$vb"'
log_test $? 0 "... and its directory $vb with it"
! test -e "$R/pvd0c0c0c"
log_test $? 0 "the stale directory pvd0c0c0c of ours goes too"
grep -q "removed 2 stale resolv.conf directories of an earlier run from $R" "$LAB_LOG"
log_test $? 0 "the daemon says so"
[ -n "$(vrf_of a.example)" ] && [ -f "$R/$va/resolv.conf" ]
log_test $? 0 "a.example's VRF and resolv.conf stay"
[ "$(foreign)" = "$foreign_before" ]
log_test $? 0 "nothing else in RUN_DIR is touched"

lab_finish
