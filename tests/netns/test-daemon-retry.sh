#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A failed reconciliation is retried with exponential backoff, without any
# further RA, and a success resets the backoff.  The failure is
# made deterministic: a foreign address (protocol 0, not ours) takes the
# place of a.example's own address on its sub-interface, so that putting
# ours back fails (the daemon never touches what it did not make).  Removing the
# foreign address lets the next retry put ours (protocol 249) back.
# Topology: see pvdlab.sh (rA on eth0).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pvdlab.sh"

DRV=$BUILD/tests/netns/kernel-driver
our_addr() {	# our_addr VRF: "DEV ADDR" of the global address in 2001:db8:a::/64
	vrf_addrs "$1" | awk '$4 ~ /^2001:db8:a:/ && !/tentative/ { sub("/.*", "", $4); print $2, $4 }'
}
addr_proto() {	# addr_proto DEV ADDR: the address's IFA_PROTO (iproute2 6.1 hides it)
	ip netns exec "$host" "$DRV" show-addrs | awk -v d="$1" -v a="$2/64" '$1 == d && $2 == a { print $4 }'
}
retries() { grep -c 'kernel reconciliation incomplete: .*; retrying in' "$LAB_LOG"; }
# swap_in_foreign DEV ADDR: our address out, a foreign one (protocol 0) in.
# The daemon puts back what someone else deletes within its reconcile delay:
# one ip batch is faster, and should the daemon still get in between, the
# foreign add fails on our address and the swap is tried again.
swap_in_foreign() {
	local i
	for i in 1 2 3 4 5; do
		printf 'addr del %s/64 dev %s\naddr add %s/64 dev %s nodad\n' "$2" "$1" "$2" "$1" |
			ip -n "$host" -6 -batch - 2>/dev/null
		[ "$(addr_proto "$1" "$2")" = 0 ] && return 0
	done
	return 1
}

lab_start
lab_ra_a
busywait 10000 eval 'test -n "$(vrf_of a.example)"'
va=$(vrf_of a.example)
busywait 10000 eval 'test -n "$(our_addr "$va")"'
read -r dev addr <<<"$(our_addr "$va")"
[ -n "$addr" ] && [ "$(addr_proto "$dev" "$addr")" = 249 ]
log_test $? 0 "a.example's address $addr on '$dev', protocol 249"
[ "$(retries)" -eq 0 ]
log_test $? 0 "no retry so far"

# A foreign address in the way; one RA makes the daemon want its own back.
swap_in_foreign "$dev" "$addr"
log_test $? 0 "the foreign $addr is protocol 0"
lab_ra_a
busywait 10000 grep -q "add address $addr/64 on '$dev': it is there already, with protocol 0" "$LAB_LOG"
log_test $? 0 "the reconciliation fails on the foreign address"
busywait 20000 grep -q 'retrying in 4 s' "$LAB_LOG"
log_test $? 0 "retried without an RA: after 1, 2, then 4 s"
grep -o 'retrying in [0-9]* s' "$LAB_LOG" | head -n 3 | tr '\n' ' ' | grep -qx 'retrying in 1 s retrying in 2 s retrying in 4 s '
log_test $? 0 "the delays double: 1 s, 2 s, 4 s"
[ "$(addr_proto "$dev" "$addr")" = 0 ]
log_test $? 0 "the foreign address is never touched"

# Out of the way: the next retry succeeds.
r0=$(lab_reconciles)
ip -n "$host" -6 addr del "$addr/64" dev "$dev"
busywait 20000 grep -q 'kernel reconciliation complete again' "$LAB_LOG"
log_test $? 0 "a retry succeeds once the foreign address is gone"
busywait 5000 eval '[ "$(addr_proto "$dev" "$addr")" = 249 ]'
log_test $? 0 "a.example's own $addr is back, protocol 249"
r1=$(lab_reconciles)
[ "$r1" -gt "$r0" ] 2>/dev/null
log_test $? 0 "reconciles grew ($r0 -> $r1) without an RA"
# The success reset the backoff: the next failure is retried after 1 s again.
swap_in_foreign "$dev" "$addr" &&
	busywait 20000 eval '[ "$(grep -c "retrying in 1 s" "$LAB_LOG")" -eq 2 ]'
log_test $? 0 "after a success, the next failure is retried after 1 s again"
ip -n "$host" -6 addr del "$addr/64" dev "$dev"

lab_finish
