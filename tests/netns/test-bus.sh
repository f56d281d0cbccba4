#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# org.pvd on a private system bus (dbus-daemon with the default policy of a
# system bus and systemd/org.pvd.conf, see lab_bus_start): the Manager and
# the per-PvD objects read the registry, PvdAdded/PvdRemoved and
# PropertiesChanged follow it, GetPvd's error names the PvD, anyone may read,
# only root may own org.pvd.  Topology: see pvdlab.sh (the PvD lab), plus
#
#     dbus-daemon (in $host) <── pvd-vrfd, busctl, dbus-send, dbus-monitor
#
# Needs no VRF: it checks the registry as published, not the kernel, so it
# also runs on kernels without VRF (the reconciler then only logs errors).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pvdlab.sh"

A=/org/pvd/pvd/a_2eexample
C=/org/pvd/pvd/fe80_3a_3ac_25eth1

bctl() { busctl --system --no-pager "$@"; }
prop() { bctl get-property org.pvd "$1" org.pvd.Pvd "${@:2}"; }	# prop PATH PROPERTY...
prop_is() {	# prop_is PATH PROPERTY EXPECTED-TEXT: busctl's text, exactly
	[ "$(prop "$1" "$2" 2>&1)" = "$3" ]
}

lab_up
lab_bus_start || exit 1
MON=$LAB_TMP/monitor.log
ip netns exec "$host" dbus-monitor --system "type='signal',path_namespace='/org/pvd'" >"$MON" 2>&1 &
MON_PID=$!
busywait 5000 grep -q 'member=NameLost' "$MON"	# it became a monitor
log_test $? 0 "dbus-monitor watches /org/pvd on the private bus"
lab_daemon_start "max_dnssl_per_pvd = 1" "carrier_loss_grace = 0"
trap 'lab_daemon_stop TERM; ns_cleanup' EXIT

busywait 5000 grep -q 'org.pvd on the system bus' "$LAB_LOG"
log_test $? 0 "pvd-vrfd owns org.pvd on the private system bus"

out=$(bctl introspect org.pvd /org/pvd 2>&1)
for m in org.pvd.Manager .ListPvds .GetPvd .Pvds .DroppedRAs .IgnoredOptions .Refusals .PvdAdded .PvdRemoved \
	 org.freedesktop.DBus.ObjectManager; do
	grep -q -- "^$m " <<<"$out" || { echo "introspect: no $m"; false; }
done
log_test $? 0 "introspect /org/pvd: org.pvd.Manager, its methods, properties, signals"
[ "$(bctl get-property org.pvd /org/pvd org.pvd.Manager Pvds)" = "ao 0" ]
log_test $? 0 "no PvD yet: Pvds is empty"

lab_ra_a
lab_ra_b
lab_ra_c
busywait 10000 eval 'test "$(bctl call org.pvd /org/pvd org.pvd.Manager GetPvd s a.example 2>&1)" = "o \"$A\""'
log_test $? 0 "GetPvd a.example -> $A"
busywait 5000 bctl call org.pvd /org/pvd org.pvd.Manager GetPvd s fe80::c%eth1 >/dev/null 2>&1
[ "$(bctl call org.pvd /org/pvd org.pvd.Manager GetPvd s fe80::c%eth1)" = "o \"$C\"" ]
log_test $? 0 "GetPvd fe80::c%eth1 (implicit) -> $C"
[ "$(bctl call org.pvd /org/pvd org.pvd.Manager GetPvd s A.Example.)" = "o \"$A\"" ]
log_test $? 0 "GetPvd normalises explicit names: A.Example. -> $A"
busywait 5000 eval 'test "$(bctl get-property org.pvd /org/pvd org.pvd.Manager Pvds | cut -d'\'' '\'' -f1-2)" = "ao 3"'
log_test $? 0 "Pvds lists three objects"
bctl call org.pvd /org/pvd org.pvd.Manager ListPvds | grep -qF "\"a.example\" \"$A\""
log_test $? 0 "ListPvds pairs the name a.example with $A"

err=$(dbus-send --system --print-reply --dest=org.pvd /org/pvd org.pvd.Manager.GetPvd string:nope.example 2>&1)
grep -q 'org.pvd.Error.NoSuchPvd' <<<"$err" && grep -q "'nope.example'" <<<"$err"
log_test $? 0 "GetPvd nope.example: org.pvd.Error.NoSuchPvd naming it"

# Every property of a.example, as busctl prints it.
one_address() { prop "$A" Addresses | grep -q '^as 1 "2001:db8:a:[0-9a-f:]*"$'; }
busywait 5000 one_address
log_test $? 0 "a.example: Addresses is one SLAAC address in 2001:db8:a::/64"
va=$(prop "$A" Vrf | sed -n 's/^s "\(pvd[0-9a-z]*\)"$/\1/p')
[ -n "$va" ]
log_test $? 0 "a.example: Vrf is $va"
table=$(prop "$A" Table | sed -n 's/^u //p')
[ "${table:-0}" -ge 1000 ] && [ "$table" -le 1999 ]
log_test $? 0 "a.example: Table $table in 1000-1999"
# One busctl call per object (each costs seconds under emulation): busctl
# prints the properties asked for one per line, in order.
props=(Name Implicit Links Routers Prefixes Routes DnsServers DnsSearch Sequence HFlag LFlag Delay
       AdditionalInfo ResolvConf)
declare -A got
for path in "$A" "$C"; do
	mapfile -t values < <(prop "$path" "${props[@]}")
	for i in "${!props[@]}"; do
		got[$path/${props[i]}]=${values[i]:-}
	done
done
check() {	# check PATH PROPERTY EXPECTED
	[ "${got[$1/$2]}" = "$3" ]
	log_test $? 0 "${1##*/}: $2 = $3"
}
check "$A" Name 's "a.example"'
check "$A" Implicit 'b false'
check "$A" Links 'as 1 "eth0"'
check "$A" Routers 'as 1 "fe80::a%eth0"'
check "$A" Prefixes 'as 1 "2001:db8:a::/64"'
check "$A" Routes 'as 1 "2001:db8:a1::/48 via fe80::a"'
check "$A" DnsServers 'as 1 "2001:db8:a::53"'
check "$A" DnsSearch 'as 1 "a.example"'
check "$A" Sequence 'q 1'
check "$A" HFlag 'b false'
check "$A" LFlag 'b false'
check "$A" Delay 'y 0'
check "$A" AdditionalInfo 's ""'
check "$A" ResolvConf "s \"$LAB_RUN/$va/resolv.conf\""
check "$C" Name 's "fe80::c%eth1"'
check "$C" Implicit 'b true'
check "$C" Routers 'as 1 "fe80::c%eth1"'

# Anyone may read; nobody but root may own the name or call anything else.
out=$(lab_as_nobody busctl --system --no-pager get-property org.pvd "$A" org.pvd.Pvd Name 2>&1)
[ "$out" = 's "a.example"' ]
log_test $? 0 "uid 65534 reads a.example's Name"
lab_as_nobody busctl --system --no-pager call org.pvd /org/pvd org.pvd.Manager ListPvds 2>&1 | grep -q '^a(so) 3 '
log_test $? 0 "uid 65534 calls ListPvds"
lab_as_nobody busctl --system --no-pager get-property org.pvd /org/pvd org.pvd.Manager DroppedRAs >/dev/null 2>&1
log_test $? 0 "uid 65534 reads DroppedRAs"
out=$(lab_as_nobody busctl --system --no-pager call org.freedesktop.DBus /org/freedesktop/DBus \
	org.freedesktop.DBus RequestName su org.pvd 4 2>&1)
rc=$?
echo "    (RequestName as uid 65534: ${out:-succeeded})"
[ $rc -ne 0 ] && grep -qi 'access denied\|not allowed' <<<"$out"
log_test $? 0 "uid 65534 cannot own org.pvd"
out=$(lab_as_nobody dbus-send --system --print-reply --dest=org.pvd "$A" \
	org.freedesktop.DBus.Properties.Set string:org.pvd.Pvd string:Name variant:string:x 2>&1)
grep -q 'AccessDenied' <<<"$out"
log_test $? 0 "uid 65534 is refused anything but reading (Properties.Set)"

# Signals, as dbus-monitor saw them.
signal_blocks() {	# signal_blocks MEMBER PATH: each such signal with its arguments
	awk -v m="member=$1" -v p="path=$2;" '
		/^(signal|method|error)/ { on = index($0, m) && index($0, p) }
		on' "$MON"
}
has_signal() {	# has_signal MEMBER PATH PATTERN
	signal_blocks "$1" "$2" | grep -q "$3"
}
for x in a.example b.example 'fe80::c%eth1'; do
	busywait 5000 has_signal PvdAdded /org/pvd "string \"$x\""
	log_test $? 0 "PvdAdded for $x"
done
busywait 5000 has_signal PropertiesChanged /org/pvd '"Pvds"'
log_test $? 0 "PropertiesChanged on /org/pvd for Pvds"
busywait 5000 has_signal InterfacesAdded /org/pvd "object path \"$A\""
log_test $? 0 "ObjectManager InterfacesAdded for $A"

# A new sequence number and a second DNS server: PropertiesChanged for
# exactly those two.
lab_ra_a --seq 2 --outer --rdnss 2001:db8:a::54,lifetime=1800
busywait 5000 prop_is "$A" Sequence 'q 2'
log_test $? 0 "a.example: Sequence follows the RA to 2"
busywait 5000 has_signal PropertiesChanged "$A" '"Sequence"'
log_test $? 0 "PropertiesChanged on $A names Sequence"
busywait 5000 has_signal PropertiesChanged "$A" '"DnsServers"'
log_test $? 0 "PropertiesChanged on $A names DnsServers"
blocks=$(signal_blocks PropertiesChanged "$A")
! grep -q '"Prefixes"\|"Routers"\|"Vrf"\|"Links"' <<<"$blocks"
log_test $? 0 "PropertiesChanged on $A names nothing that did not change"
prop_is "$A" DnsServers 'as 2 "2001:db8:a::53" "2001:db8:a::54"' ||
	prop_is "$A" DnsServers 'as 2 "2001:db8:a::54" "2001:db8:a::53"'
log_test $? 0 "a.example: DnsServers has both servers"
# The same RA again, then a change of b.example: b's signal follows any that
# a's refresh would have caused, so once it is there, a's count is final.
n=$(signal_blocks PropertiesChanged "$A" | grep -c 'member=PropertiesChanged')
lab_ra_a --seq 2 --outer --rdnss 2001:db8:a::54,lifetime=1800
lab_ra_b --seq 7
busywait 5000 has_signal PropertiesChanged /org/pvd/pvd/b_2eexample '"Sequence"'
log_test $? 0 "PropertiesChanged on b.example names Sequence"
[ "$(signal_blocks PropertiesChanged "$A" | grep -c 'member=PropertiesChanged')" -eq "$n" ]
log_test $? 0 "a refreshing RA that changes nothing sends no PropertiesChanged"

# The implicit PvD's link goes down: it is forgotten.
ip -n "$host" link set eth1 down
busywait 5000 has_signal PvdRemoved /org/pvd 'string "fe80::c%eth1"'
log_test $? 0 "PvdRemoved for fe80::c%eth1 when eth1 goes down"
busywait 5000 eval 'test "$(bctl get-property org.pvd /org/pvd org.pvd.Manager Pvds | cut -d'\'' '\'' -f1-2)" = "ao 2"'
log_test $? 0 "Pvds lists two objects"
bctl get-property org.pvd "$C" org.pvd.Pvd Name >/dev/null 2>&1
log_test $? 1 "$C is gone"
bctl call org.pvd /org/pvd org.pvd.Manager GetPvd s fe80::c%eth1 >/dev/null 2>&1
log_test $? 1 "GetPvd fe80::c%eth1 fails"
busywait 5000 has_signal InterfacesRemoved /org/pvd "object path \"$C\""
log_test $? 0 "ObjectManager InterfacesRemoved for $C"

# Counters: one RA dropped (hop limit), one option ignored (RDNSS length),
# one search domain refused (max_dnssl_per_pvd = 1).
lab_ra "$rA" --hop-limit 64 --pvd a.example --seq 2
lab_ra "$rB" --pvd b.example --seq 7 --preset rdnss-even-length
lab_ra "$rB" --pvd b.example --seq 7 --dnssl x.example,y.example,lifetime=1800
counter() {	# counter PROPERTY KEY: its value in busctl's a{st} text
	bctl get-property org.pvd /org/pvd org.pvd.Manager "$1" | grep -o "\"$2\" [0-9]*" | awk '{ print $NF }'
}
busywait 5000 eval 'test "$(counter DroppedRAs '\''hop limit is not 255'\'')" = 1'
log_test $? 0 "DroppedRAs: 'hop limit is not 255' = 1"
rdnss_ignored() {	# the IgnoredOptions counts of all RDNSS reasons, summed
	bctl get-property org.pvd /org/pvd org.pvd.Manager IgnoredOptions |
		grep -o '"RDNSS [^"]*" [0-9]*' | awk '{ n += $NF } END { print n + 0 }'
}
busywait 5000 eval 'test "$(rdnss_ignored)" = 1'
log_test $? 0 "IgnoredOptions: one RDNSS option ignored (preset rdnss-even-length)"
busywait 5000 eval 'test "$(counter Refusals '\''too many search domains in the PvD'\'')" = 1'
log_test $? 0 "Refusals: 'too many search domains in the PvD' = 1"
test "$(counter Refusals 'too many PvDs')" = 0
log_test $? 0 "Refusals: 'too many PvDs' = 0 (every reason is listed)"

lab_daemon_stop TERM
log_test $? 0 "pvd-vrfd exits on SIGTERM"
names=$(bctl list --no-legend --acquired 2>/dev/null) && grep -q '^org\.freedesktop\.DBus ' <<<"$names" &&
	! grep -q '^org\.pvd ' <<<"$names"
log_test $? 0 "org.pvd is released (the bus answers, without it)"

kill "$MON_PID" "$LAB_BUS_PID" 2>/dev/null
wait "$MON_PID" "$LAB_BUS_PID" 2>/dev/null
trap ns_cleanup EXIT
if [ "$nfail" -ne 0 ]; then
	echo "---- dbus-monitor ----"
	cat "$MON"
fi
lab_finish
