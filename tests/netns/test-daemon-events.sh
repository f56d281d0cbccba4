#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Kernel events the daemon reacts to: a DAD failure on one of its addresses
# (it moves to the next RFC 7217 candidate), its routes and addresses deleted
# by someone else (put back), a link going down (its PvD state is forgotten)
# and coming back up (a Router Solicitation goes out).
# Topology: see pvdlab.sh (rA on eth0).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pvdlab.sh"

lab_start "carrier_loss_grace = 0"	# a link down is forgotten at once (test-daemon-carrier: the grace)

our_addr() {	# our_addr VRF: the global address in 2001:db8:a::/64 on VRF's slaves
	vrf_addrs "$1" | awk '$4 ~ /^2001:db8:a:/ && !/tentative|dadfailed/ { sub("/.*", "", $4); print $4 }'
}
# A short-lived prefix (the rest lives on): its address can go by expiry.
# (A valid lifetime 0 from the PvD's own router would not remove it: RFC 4862
# §5.5.3(e) ignores it for an address with less than 2 h left.)
lab_ra "$rA" --lifetime 1800 --pvd a.example --seq 1 --prefix 2001:db8:a::/64,valid=15,preferred=10,flags=LA \
	--rio 2001:db8:a1::/48,pref=high,lifetime=1800 --rdnss 2001:db8:a::53,lifetime=1800
busywait 10000 eval 'test -n "$(vrf_of a.example)"'
va=$(vrf_of a.example)
busywait 10000 eval 'test -n "$(our_addr "$va")"'
first=$(our_addr "$va")
[ -n "$va" ] && [[ $first == 2001:db8:a:* ]] && [ "$(wc -w <<<"$first")" -eq 1 ]
log_test $? 0 "a.example's address: $first"

# Let the prefix expire, let router A take that very address, announce again:
# the daemon re-adds the same stable address, DAD fails, it picks another.
busywait 30000 eval 'test -z "$(our_addr "$va")"'
log_test $? 0 "prefix expired after 15 s: address gone"
ip -n "$rA" addr add "$first/64" dev veth0 nodad
lab_ra_a
busywait 20000 grep -q "address $first on '$va\.[0-9a-f]*' is a duplicate, trying another" "$LAB_LOG"
log_test $? 0 "DAD failure of $first noticed"
busywait 20000 eval 'test -n "$(our_addr "$va")"'
second=$(our_addr "$va")
[ -n "$second" ] && [ "$second" != "$first" ]
log_test $? 0 "the next candidate is in use: $second"

# Link down: what was learnt on eth0 is forgotten, the VRF goes.
ip -n "$host" link set eth0 down
busywait 10000 eval 'test -z "$(vrf_of a.example)"'
log_test $? 0 "eth0 down: a.example's VRF is gone"
grep -q "link 'eth0' down: forgetting its PvD state" "$LAB_LOG"
log_test $? 0 "... and the daemon says why"
n0=$(grep -c "Router Solicitation sent on 'eth0'" "$LAB_LOG")
ip -n "$host" link set eth0 up
busywait 15000 eval 'test "$(grep -c "Router Solicitation sent on '\''eth0'\''" "$LAB_LOG")" -gt "$n0"'
log_test $? 0 "eth0 up: a Router Solicitation goes out"
lab_ra_a
busywait 10000 eval 'test -n "$(vrf_of a.example)"'
log_test $? 0 "a fresh RA brings a.example back"

lab_finish
