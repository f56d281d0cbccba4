# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers for the netns tests; sourced, never run.  Every test makes
# its namespaces with random names and removes them (and only them) on exit.
set -u

PVD_NS_SUFFIX=$(printf '%04x%04x' $RANDOM $RANDOM)
pvd_namespaces=()
nfail=0
npass=0

# log_test RC EXPECTED DESCRIPTION: one OK/FAIL line per check.
log_test() {
	local rc=$1 expected=$2 msg=$3
	if [ "$rc" -eq "$expected" ]; then
		npass=$((npass + 1))
		printf '    TEST: %-60s [ OK ]\n' "$msg"
	else
		nfail=$((nfail + 1))
		printf '    TEST: %-60s [FAIL] (rc %s, expected %s)\n' "$msg" "$rc" "$expected"
	fi
}

# ns_create NAME...: sets $NAME to a fresh namespace name, lo up, no DAD delays.
ns_create() {
	local var ns
	for var in "$@"; do
		ns="pvd-$var-$PVD_NS_SUFFIX"
		ip netns add "$ns" || exit 1
		pvd_namespaces+=("$ns")
		ip -n "$ns" link set lo up
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
		printf -v "$var" '%s' "$ns"
	done
}

ns_cleanup() {
	local ns pid
	for ns in "${pvd_namespaces[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -9 "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
}
trap ns_cleanup EXIT

# busywait TIMEOUT_MS CMD...: poll CMD until it succeeds or the deadline passes.
# CMD's words are expanded once, by the caller: a condition with a command
# substitution goes in single quotes behind eval, e.g.
#   busywait 5000 eval 'test -n "$(vrf_of a.example)"'.
# Deadlines are for a native kernel; under emulation (TCG) run-in-vm sets
# PVD_WAIT_SCALE to stretch them.
busywait() {
	local deadline=$(($(date +%s%3N) + $1 * ${PVD_WAIT_SCALE:-1}))
	shift
	until "$@"; do
		[ "$(date +%s%3N)" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

# require_vrf NS: fail (never skip) when the kernel cannot make a VRF.
require_vrf() {
	if ! ip -n "$1" link add pvd-probe type vrf table 4242 2>/dev/null; then
		echo "FAIL: kernel $(uname -r) has no VRF support (CONFIG_NET_VRF); run through tests/netns/run"
		exit 1
	fi
	ip -n "$1" link del pvd-probe
}

# test_summary: print the totals and exit non-zero on any failure.
test_summary() {
	echo "    $npass passed, $nfail failed"
	[ "$nfail" -eq 0 ] && [ "$npass" -gt 0 ]
	exit
}
