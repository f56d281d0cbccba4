#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Which links are managed: by default only where the kernel itself would
# accept RAs (accept_ra 1 and forwarding 0, or accept_ra 2).  eth1 is made a
# forwarding link (forwarding 1, accept_ra 1): rC's RAs there are counted as
# "not managed" and make no PvD, the decision is logged once; after
# forwarding 0 and a link event it is managed; with require_accept_ra = no a
# forwarding eth1 is managed.  eth0 (rA) stays an ordinary host link
# throughout, the control.  Topology: see pvdlab.sh.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pvdlab.sh"

C=fe80::c%eth1	# rC's implicit PvD on eth1

not_managed_above() {	# not_managed_above N: the counter exceeds N
	refresh_stats && [ "$(stat_count ra-not-managed-link)" -gt "$1" ] 2>/dev/null
}
sysctl_eth1() { ip netns exec "$host" sysctl -qw "net.ipv6.conf.eth1.$1"; }

lab_up
require_vrf "$host"
sysctl_eth1 forwarding=1
[ "$(ip netns exec "$host" cat /proc/sys/net/ipv6/conf/eth1/forwarding)" = 1 ] &&
	[ "$(ip netns exec "$host" cat /proc/sys/net/ipv6/conf/eth1/accept_ra)" = 1 ]
log_test $? 0 "eth1: forwarding 1, accept_ra 1"

# ---- default: require_accept_ra = yes ----
lab_daemon_start
trap 'lab_daemon_stop TERM; ns_cleanup' EXIT
busywait 5000 grep -q "link 'eth1' not managed (accept_ra 1, forwarding 1" "$LAB_LOG"
log_test $? 0 "the daemon says eth1 is not managed, and why"
grep -q "link 'eth0' managed (accept_ra 1, forwarding 0" "$LAB_LOG"
log_test $? 0 "... and that eth0 is"
refresh_stats
n0=$(stat_count ra-not-managed-link)
[ -n "$n0" ]
log_test $? 0 "stats has ra-not-managed-link ($n0)"
lab_ra_a
lab_ra_c
lab_ra_c
lab_ra_c
busywait 10000 not_managed_above $((n0 + 2))
log_test $? 0 "three RAs on eth1 counted as not managed ($(stat_count ra-not-managed-link))"
busywait 10000 eval 'test -n "$(vrf_of a.example)"'
log_test $? 0 "control: eth0's a.example gets its VRF"
# ipvlan hands each of eth0's RAs to our sub-interface there too: the
# socket's filter drops that copy in the kernel.  Three more RAs on eth0,
# then three on eth1: the counter grows by the eth1 ones only.
va=$(vrf_of a.example)
busywait 10000 eval 'vrf_has "$va" "inet6 2001:db8:a:" && ip -n "$host" -6 route show table "$(table_of "$va")" | grep -q "^default via fe80::a"'
log_test $? 0 "a.example is usable (its sub-interface on eth0 is made)"
refresh_stats
n1=$(stat_count ra-not-managed-link)
m=$(lab_ra_count fe80::a)
lab_ra_a
lab_ra_a
lab_ra_a
lab_ra_seen fe80::a $((m + 2))
lab_ra_c
lab_ra_c
lab_ra_c
busywait 10000 not_managed_above $((n1 + 2))
[ "$(stat_count ra-not-managed-link)" -eq $((n1 + 3)) ]
log_test $? 0 "no copy of eth0's RAs from our sub-interface reaches the daemon ($n1 -> $(stat_count ra-not-managed-link))"
[ -z "$(vrf_of "$C")" ] && [ "$(stat_count pvds)" = 1 ]
log_test $? 0 "no PvD, no VRF for rC on the forwarding eth1"
[ "$(grep -c "link 'eth1' not managed (" "$LAB_LOG")" -eq 1 ]
log_test $? 0 "the decision is logged once, not per RA or solicitation"

# Forwarding off: the sysctl alone sends no link event; the link cycling does.
sysctl_eth1 forwarding=0
ip -n "$host" link set eth1 down
ip -n "$host" link set eth1 up
busywait 10000 grep -q "link 'eth1' managed (accept_ra 1, forwarding 0" "$LAB_LOG"
log_test $? 0 "forwarding 0 and a link event: eth1 is managed"
busywait 5000 lab_links_ready
lab_ra_c
busywait 10000 eval 'test -n "$(vrf_of "$C")"'
log_test $? 0 "... and rC's RA there makes its PvD's VRF"

# Forwarding on again: the PvD state learnt there goes with the decision.
sysctl_eth1 forwarding=1
ip -n "$host" link set eth1 down
ip -n "$host" link set eth1 up
busywait 10000 eval 'test -z "$(vrf_of "$C")"'
log_test $? 0 "forwarding 1 again: rC's VRF is gone"
grep -q "link 'eth1' not managed: forgetting its PvD state" "$LAB_LOG"
log_test $? 0 "... because eth1 is no longer managed"
[ "$(grep -c "link 'eth1' not managed (" "$LAB_LOG")" -eq 2 ]
log_test $? 0 "the changed decision is logged (twice in all)"
lab_daemon_stop TERM
log_test $? 0 "the daemon stops"

# ---- require_accept_ra = no: the forwarding eth1 is managed ----
LAB_TMP=$(mktemp -d /tmp/pvdlab.XXXXXX)
lab_daemon_start "require_accept_ra = no"
busywait 5000 grep -q "link 'eth1' managed (require_accept_ra = no)" "$LAB_LOG"
log_test $? 0 "require_accept_ra = no: eth1 is managed"
lab_ra_c
busywait 10000 eval 'test -n "$(vrf_of "$C")"'
log_test $? 0 "... and rC's RA there makes its PvD's VRF, forwarding 1 notwithstanding"
[ "$(ip netns exec "$host" cat /proc/sys/net/ipv6/conf/eth1/forwarding)" = 1 ]
log_test $? 0 "eth1 still forwards"

lab_finish
