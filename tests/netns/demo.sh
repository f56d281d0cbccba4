#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A guided tour of pvd-vrfd in the lab of pvdlab.sh: two routers on one
# Ethernet segment advertise PvDs a.example and b.example, each with a web
# server behind it; the daemon maps each PvD to a VRF; a program bound to a
# VRF reaches its own PvD's server, from its own PvD's address, and only it.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pvdlab.sh"

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@" 2>&1 | sed 's/^/  /'; }

say "Lab: routers rA (PvD a.example) and rB (PvD b.example) on one segment with this host's eth0"
lab_up
require_vrf "$host"
lab_servers

lab_dns
PVD=$BUILD/src/pvd
pvd() { ip netns exec "$host" "$PVD" "$@"; }

say "Start pvd-vrfd on the host (with its own system bus for org.pvd)"
lab_bus_start || exit 1
lab_daemon_start
trap 'lab_daemon_stop TERM; kill "$LAB_BUS_PID"; ns_cleanup' EXIT

say "The routers send Router Advertisements carrying PvD options"
lab_ra_a && echo "  rA: PvD a.example, prefix 2001:db8:a::/64, route 2001:db8:a1::/48, DNS 2001:db8:a::53"
lab_ra_b && echo "  rB: PvD b.example, prefix 2001:db8:b::/64, DNS 2001:db8:b::53"
busywait 10000 eval 'test "$(vrf_count)" -eq 2' || { echo "the VRFs did not appear"; cat "$LAB_LOG"; exit 1; }
va=$(vrf_of a.example)
vb=$(vrf_of b.example)
busywait 5000 vrf_has "$va" 'scope global' && busywait 5000 vrf_has "$vb" 'scope global'

say "The PvDs the daemon knows, over D-Bus"
show pvd list
show pvd show a.example
say "One VRF per PvD (its alias is the PvD's name)"
show ip -n "$host" vrf show
echo '$ ip -d link show type vrf    (name, table, alias)'
ip -n "$host" -d -o link show type vrf | awk '{ for (i = 1; i < NF; i++) { if ($i == "table") t = $(i + 1);
	if ($i == "alias") a = $(i + 1) } sub(":", "", $2); print "  " $2, "table " t, "alias " a }'
say "Each VRF's table holds only its PvD's routes"
show ip -n "$host" -6 route show table "$(table_of "$va")"
show ip -n "$host" -6 route show table "$(table_of "$vb")"
say "... and its sub-interface holds the PvD's address"
for v in "$va" "$vb"; do
	printf '$ ip -6 -o addr show dev <each slave of %s>\n' "$v"
	vrf_addrs "$v" | awk '/scope global/ { print "  " $2, $4 }'
done
say "Per-PvD resolv.conf"
show cat "$LAB_RUN/$va/resolv.conf"

fetch() {	# fetch PVD URL
	printf '$ pvd exec %s -- curl %s\n' "$1" "$2"
	if out=$(pvd exec "$1" -- curl -sS -o /dev/null --max-time 5 \
		-w 'HTTP %{http_code} from %{remote_ip}, our source address %{local_ip}' "$2" 2>&1); then
		echo "  $out"
	else
		echo "  failed, as it should: $(grep '^curl:' <<<"$out")"
	fi
}
say "A program in a.example reaches server A (name from a.example's DNS) from an a.example address"
fetch a.example http://server-a.example:8080/
say "... but not server B, which only b.example's router reaches"
fetch a.example 'http://[2001:db8:b1::80]:8080/'
say "And the other way round for b.example"
fetch b.example http://server-b.example:8080/
fetch b.example 'http://[2001:db8:a1::80]:8080/'

say "Stop the daemon (SIGTERM): everything it made goes away"
lab_daemon_stop TERM
trap ns_cleanup EXIT
show ip -n "$host" vrf show
echo
echo "Demo done."
