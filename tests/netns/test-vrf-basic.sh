#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The VRF path end to end, without the daemon:
#
#   host ns                                   peer ns
#   +---------------------+                   +------------------+
#   | vrf-blue (tbl 1001) |                   |                  |
#   |   veth0 2001:db8::1 |--- veth pair -----| veth1 2001:db8::2|
#   +---------------------+                   +------------------+
#
# A ping6 from inside the VRF (ip vrf exec) reaches the peer; the same ping
# outside the VRF cannot, because only the VRF's table has the route.
source "$(dirname "$0")/lib.sh"

ns_create host peer
echo "kernel $(uname -r)"
require_vrf "$host"

ip -n "$host" link add vrf-blue type vrf table 1001
ip -n "$host" link set vrf-blue up
ip -n "$host" link add veth0 type veth peer name veth1 netns "$peer"
ip -n "$host" link set veth0 master vrf-blue
ip -n "$host" addr add 2001:db8::1/64 dev veth0 nodad
ip -n "$peer" addr add 2001:db8::2/64 dev veth1 nodad
ip -n "$host" link set veth0 up
ip -n "$peer" link set veth1 up
ip -n "$host" -d link show vrf-blue | sed -n '1p;3p'

ip -n "$host" -6 route show table 1001 | grep -q '^2001:db8::/64 dev veth0'
log_test $? 0 "prefix route lands in the VRF's table 1001"
ip -n "$host" -6 route show table main | grep -q '^2001:db8::/64'
log_test $? 1 "prefix route is not in the main table"
ip netns exec "$host" ip vrf exec vrf-blue ping -6 -c 1 -W 2 2001:db8::2 >/dev/null
log_test $? 0 "ping6 through the VRF with ip vrf exec"
ip netns exec "$host" ping -6 -c 1 -W 1 2001:db8::2 >/dev/null 2>&1
log_test $? 2 "the same ping outside the VRF has no route"
[ "$(ip netns exec "$host" ip vrf identify $$)" = "" ]
log_test $? 0 "the test shell itself is not bound to a VRF"

test_summary
