#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A guided tour of pvd-vrfd in the lab of pvdlab.sh: two routers on one
# Ethernet segment advertise PvDs a.example and b.example, each with a web
# server behind it; the daemon maps each PvD to a VRF; a program bound to a
# VRF reaches its own PvD's server, from its own PvD's address, and only it.
# a.example also sets the H flag: the daemon fetches its Additional
# Information (RFC 8801 §4) from https://a.example/.well-known/pvd through the
# PvD and validates it.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pvdlab.sh"

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@" 2>&1 | sed 's/^/  /'; }

say "Lab: routers rA (PvD a.example) and rB (PvD b.example) on one segment with this host's eth0"
lab_up
require_vrf "$host"
lab_servers

lab_dns
say "rA also serves a.example's Additional Information over HTTPS (test CA made with openssl)"
lab_pki_ca ca && lab_pki_leaf a ca a.example &&
	lab_https "$rA" "$LAB_TMP/https.log" \
		"a.example,2001:db8:a1::80,$LAB_PKI/a.pem,$LAB_PKI/a.key,valid,2001:db8:a::/48" ||
	{ echo "the HTTPS server did not start"; exit 1; }
echo "  https://a.example/.well-known/pvd on [2001:db8:a1::80]:443, certificate for a.example"
PVD=$BUILD/src/pvd
pvd() { ip netns exec "$host" "$PVD" "$@"; }

say "Start pvd-vrfd on the host (with its own system bus for org.pvd)"
lab_bus_start || exit 1
lab_daemon_start "additional_info_ca_file = $LAB_PKI/ca.pem"
trap 'lab_daemon_stop TERM; kill "$LAB_BUS_PID"; ns_cleanup' EXIT

say "The routers send Router Advertisements carrying PvD options"
lab_ra_a --hflag && echo "  rA: PvD a.example (H flag), prefix 2001:db8:a::/64, route 2001:db8:a1::/48, DNS 2001:db8:a::53"
lab_ra_b && echo "  rB: PvD b.example, prefix 2001:db8:b::/64, DNS 2001:db8:b::53"
busywait 10000 eval 'test "$(vrf_count)" -eq 2' || { echo "the VRFs did not appear"; cat "$LAB_LOG"; exit 1; }
va=$(vrf_of a.example)
vb=$(vrf_of b.example)
busywait 5000 vrf_has "$va" 'scope global' && busywait 5000 vrf_has "$vb" 'scope global'

say "The PvDs the daemon knows, over D-Bus"
show pvd list
show pvd show a.example
say "a.example's Additional Information: fetched through the PvD, validated"
busywait 30000 eval 'pvd show a.example | grep -q "^AdditionalInfoState: *valid"' ||
	echo "  (not valid in time: $(pvd show a.example | grep AdditionalInfoState))"
printf '$ pvd show a.example | grep -A12 AdditionalInfo\n'
pvd show a.example | grep -A12 '^AdditionalInfo' | sed 's/^/  /'
printf '$ tail -1 https.log    (the server saw the request from an a.example address)\n'
grep ' GET ' "$LAB_TMP/https.log" | tail -1 | awk '{ print "  " $1, "GET", $5, "from", $4 }'
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
