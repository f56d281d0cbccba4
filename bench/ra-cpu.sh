#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# ra-cpu.sh [BUILD_DIR...]: the daemon's CPU time per Router Advertisement
# with no foreign routes, and with ROUTES (default 50000) foreign IPv6 routes
# in the host's main table, for each build directory given (default: build),
# side by side in one run.  Prints one line per build and, with two builds,
# the second's numbers against the first's.  (bench/run, the full bench, is
# someone else's; this one measures only the reconciler's per-RA cost.)
#
# Per case: a fresh pvdlab (tests/netns/pvdlab.sh), the foreign routes added
# before the daemon starts, a first RA of a.example until its VRF has the
# default route, then COUNT (200) identical RAs INTERVAL (0.25) s apart; the
# cost is the daemon's utime+stime (/proc/PID/stat) over the batch, divided
# by COUNT.  Needs root and a kernel with VRF: like tests/netns/run, it boots
# the test VM where this kernel has none.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$here/..
ROUTES=${ROUTES:-50000}
COUNT=${COUNT:-200}
INTERVAL=${INTERVAL:-0.25}

[ "$(id -u)" = 0 ] || { echo "ra-cpu: must run as root" >&2; exit 1; }
if ! ip link add pvd-bench-probe type vrf table 4243 2>/dev/null; then
	[ -z "${PVD_IN_VM:-}" ] || { echo "ra-cpu: the VM kernel has no VRF" >&2; exit 1; }
	exec "$repo/tests/vm/run-in-vm" --timeout 3000 -- "$here/ra-cpu.sh" "$@"
fi
ip link del pvd-bench-probe

builds=("$@")
[ ${#builds[@]} -gt 0 ] || builds=("$repo/build")

source "$repo/tests/netns/lib.sh"
source "$repo/tests/netns/pvdlab.sh"

cpu_ticks() {	# utime + stime of PID, in clock ticks
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

# measure BUILD NROUTES: prints the CPU milliseconds per RA.
measure() {
	local build=$1 n=$2 t0 t1 hz
	hz=$(getconf CLK_TCK)
	PVD_NS_SUFFIX=$(printf '%04x%04x' $RANDOM $RANDOM)
	pvd_namespaces=()
	lab_up >/dev/null
	ip -n "$host" link add fdum0 type dummy
	ip -n "$host" link set fdum0 up
	awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++)
		printf "route add 2001:db9:%x:%x::/64 dev fdum0 proto static\n", int(i / 256), i % 256 }' |
		ip -n "$host" -6 -batch -
	DAEMON=$build/src/pvd-vrfd
	LAB_TMP=$(mktemp -d /tmp/ra-cpu.XXXXXX)
	lab_daemon_start "log_level = info" >/dev/null || { echo "daemon did not start" >&2; return 1; }
	lab_ra_a
	busywait 20000 eval 'va=$(vrf_of a.example); [ -n "$va" ] &&
		ip -n "$host" -6 route show table "$(table_of "$va")" | grep -q "^default via fe80::a"' ||
		{ echo "a.example never became usable" >&2; return 1; }
	sleep 1
	t0=$(cpu_ticks "$LAB_PID")
	lab_ra_a --count "$COUNT" --interval "$INTERVAL"
	sleep 2	# the last reconciliation
	t1=$(cpu_ticks "$LAB_PID")
	lab_daemon_stop TERM
	ns_cleanup
	rm -rf "$LAB_TMP"
	unset LAB_TMP
	awk -v d=$((t1 - t0)) -v hz="$hz" -v c="$COUNT" 'BEGIN { printf "%.2f", d * 1000 / hz / c }'
}

echo "ra-cpu: kernel $(uname -r), $COUNT RAs ${INTERVAL}s apart, ms of daemon CPU per RA"
printf '%-40s %10s %12s %8s\n' build "0 routes" "$ROUTES routes" ratio
declare -a none many
for i in "${!builds[@]}"; do
	none[i]=$(measure "${builds[i]}" 0) || exit 1
	many[i]=$(measure "${builds[i]}" "$ROUTES") || exit 1
	printf '%-40s %10s %12s %8s\n' "${builds[i]}" "${none[i]}" "${many[i]}" \
		"$(awk -v a="${none[i]}" -v b="${many[i]}" 'BEGIN { printf "%.2f", (a > 0 ? b / a : 0) }')x"
done
if [ ${#builds[@]} -eq 2 ]; then
	awk -v a="${none[0]}" -v b="${none[1]}" -v c="${many[0]}" -v d="${many[1]}" 'BEGIN {
		printf "second/first: %.2fx with 0 routes, %.2fx with the foreign routes\n",
			(a > 0 ? b / a : 0), (c > 0 ? d / c : 0) }'
fi
