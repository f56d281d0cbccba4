#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Carrier loss: eth0 loses its carrier (its peer phost set down in the
# switch) and gets it back within carrier_loss_grace: a.example keeps its
# VRF and sub-interface (same ifindexes) and its address; the daemon then
# solicits on eth0 only, after a random delay, from eth0's link-local
# address with a Source Link-Layer Address option carrying eth0's MAC (RFC
# 4861 §4.1, §6.3.7; seen by rs-listen.py in rA), and never on eth1 (rC
# hears nothing, the log has no new RS there).  A longer outage forgets
# a.example as before.  Topology: see pvdlab.sh.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pvdlab.sh"

grace=$((4 * ${PVD_WAIT_SCALE:-1}))
rs_count() { grep -c "Router Solicitation sent on '$1'" "$LAB_LOG"; }
ifindex_of() { ip -n "$host" -o link show dev "$1" 2>/dev/null | cut -d: -f1; }
ours() { ip -n "$host" -o link show | awk -F': ' '$2 ~ /^pvd/ { print $1, $2 }' | sort; }
no_carrier() { ip -n "$host" link show dev eth0 | grep -q NO-CARRIER; }

lab_start "carrier_loss_grace = $grace"
# The kernel solicits too where accept_ra is on (RFC 7559 backoff, forever
# on eth1 where rC stays silent): silence it, so that every RS heard is the
# daemon's.
ip netns exec "$host" sysctl -qw net.ipv6.conf.eth0.router_solicitations=0 \
	net.ipv6.conf.eth1.router_solicitations=0
# The start-up solicitations (three per link) first: any RS after them is
# one of a link coming up.
busywait 30000 eval 'test "$(rs_count eth0)" -ge 3 && test "$(rs_count eth1)" -ge 3'
log_test $? 0 "start-up solicitations on eth0 and eth1 done"
for r in rA rC; do
	ip netns exec "${!r}" $PY "$LAB_DIR/rs-listen.py" veth0 >"$LAB_TMP/rs-$r.log" 2>&1 &
	disown $!	# ns_cleanup kills it
done
busywait 10000 eval 'grep -q listening "$LAB_TMP/rs-rA.log" && grep -q listening "$LAB_TMP/rs-rC.log"'
log_test $? 0 "RS listeners in rA and rC"
lab_ra_a
busywait 10000 eval 'test -n "$(vrf_of a.example)"' && busywait 10000 vrf_has "$(vrf_of a.example)" 2001:db8:a:
log_test $? 0 "a.example: VRF and address"
vrf=$(vrf_of a.example)
links_before=$(ours)
addr_before=$(vrf_addrs "$vrf" | awk '/2001:db8:a:/ { print $2, $4 }')
rs1=$(rs_count eth1)
mac=$(ip -n "$host" link show dev eth0 | awk '/link\/ether/ { print $2 }')
lla=$(ip -n "$host" -6 addr show dev eth0 scope link | awk '/inet6/ { sub("/.*", "", $2); print $2; exit }')

# ---- a short outage ----
ip -n "$sw" link set phost down
busywait 10000 no_carrier &&
	busywait 10000 grep -q "link 'eth0' down: keeping its PvD state for $grace s (carrier_loss_grace)" "$LAB_LOG"
log_test $? 0 "eth0 loses its carrier: the daemon keeps its PvD state for $grace s"
ip -n "$sw" link set phost up
busywait 10000 grep -q "link 'eth0' up again within carrier_loss_grace: its PvD state kept" "$LAB_LOG"
log_test $? 0 "carrier back within the grace: PvD state kept"
[ "$(ours)" = "$links_before" ] && [ -n "$links_before" ]
log_test $? 0 "... same VRF and sub-interface, same ifindexes"
[ "$(vrf_addrs "$vrf" | awk '/2001:db8:a:/ { print $2, $4 }')" = "$addr_before" ] && [ -n "$addr_before" ]
log_test $? 0 "... the same address on the same sub-interface"
busywait 20000 grep -q "^RS from $lla slla $mac\$" "$LAB_TMP/rs-rA.log"
log_test $? 0 "eth0 solicits again: from $lla with SLLA $mac"
grep -q "slla none" "$LAB_TMP/rs-rA.log"
log_test $? 1 "... every RS from eth0 carries the SLLA option"
[ "$(rs_count eth1)" = "$rs1" ] && ! grep -q '^RS' "$LAB_TMP/rs-rC.log"
log_test $? 0 "... and only eth0: no RS on eth1 (rC heard none)"

# ---- a long outage ----
ip -n "$sw" link set phost down
busywait $(((grace / ${PVD_WAIT_SCALE:-1} + 10) * 1000)) eval 'test -z "$(vrf_of a.example)"'
log_test $? 0 "eth0 down for longer than $grace s: a.example's VRF is gone"
grep -q "link 'eth0' down for longer than carrier_loss_grace: forgetting its PvD state" "$LAB_LOG"
log_test $? 0 "... forgotten as its link down for longer than carrier_loss_grace"
ip -n "$sw" link set phost up

lab_finish
