#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The kernel reconciler (src/kernel/) against a real kernel, through
# tests/netns/kernel-driver:
#
#   host ns                                                   peer ns
#   +--------------------------------------------+            +----------------+
#   | pvda (vrf 1001, alias a.example)           |            |                |
#   |   pvdsa  ipvlan l2 --+                     |            |                |
#   | pvdb (vrf 1002, alias b.example)   veth0 --|-- veth ----|-- veth1        |
#   |   pvdsb  ipvlan l2 --+                     |            |  2001:db8:a::77|
#   | foreign: vrf-blue (1003), dummy pvdummy,   |            |  2001:db8:a::78|
#   |   vrf pvdfx (1004, alias a.example),       |            +----------------+
#   |   routes/addresses added by hand           |
#   +--------------------------------------------+
#
# Owned objects: the links the driver made (recorded in $tmp/owned and
# re-adopted by each run, a restart of the reconciler), addresses with
# IFA_PROTO 249 on them, routes with protocol 249 in their VRFs' tables.
# Everything else must survive, whatever its name or protocol.
source "$(dirname "$0")/lib.sh"

drv=${PVD_BUILD_DIR:-$(dirname "$0")/../../build}/tests/netns/kernel-driver
if [ ! -x "$drv" ]; then
	echo "FAIL: $drv not built (set PVD_BUILD_DIR)"
	exit 1
fi
tmp=$(mktemp -d)
trap 'ns_cleanup; rm -rf "$tmp"' EXIT

ns_create host peer
echo "kernel $(uname -r)"
require_vrf "$host"

H() { ip -n "$host" "$@"; }
kd() { ip netns exec "$host" "$drv" --owned "$tmp/owned" "$@"; }
ifindex() { ip netns exec "$host" cat "/sys/class/net/$1/ifindex"; }

H link add veth0 type veth peer name veth1 netns "$peer"
H link set veth0 up
ip -n "$peer" link set veth1 up

cat >"$tmp/full" <<'EOF'
# two PvDs on veth0
vrf pvda 1001 a.example
vrf pvdb 1002 b.example
subif pvdsa veth0 pvda
subif pvdsb veth0 pvdb
addr pvdsa 2001:db8:a::10/64 forever forever
addr pvdsa 2001:db8:a::11/64 3600 1800
addr pvdsb 2001:db8:b::10/64 forever forever
route 1001 2001:db8:a::/64 - pvdsa 3600 medium 256
route 1001 default fe80::1 pvdsa 1800 high 1024
route 1001 2001:db8:c::/48 fe80::1 pvdsa forever low 1024
route 1002 2001:db8:b::/64 - pvdsb forever medium 256
route 1002 default fe80::2 pvdsb 600 medium 1024
unreachable 1001 inet 4278198272
EOF

# ---- 1. first reconcile creates exactly the wanted objects ----
kd reconcile "$tmp/full" 2>"$tmp/log1"
log_test $? 0 "reconcile: first run succeeds"
sed 's/^/        /' "$tmp/log1"

H -d link show pvda | grep -q 'vrf table 1001' &&
	H link show pvda | grep -q 'state UP\|<[^>]*,UP' &&
	H -d link show pvda | grep -q 'alias a.example'
log_test $? 0 "VRF pvda: table 1001, up, alias a.example"
H -d link show pvdb | grep -q 'vrf table 1002' && H -d link show pvdb | grep -q 'alias b.example'
log_test $? 0 "VRF pvdb: table 1002, alias b.example"
[ "$(ip netns exec "$host" ip vrf show | awk '/^pvd/ { print $1 ":" $2 }' | sort | tr '\n' ' ')" = "pvda:1001 pvdb:1002 " ]
log_test $? 0 "ip vrf show lists pvda 1001 and pvdb 1002, nothing else"
H -d link show pvdsa | grep -q 'pvdsa@veth0:.*,UP.* master pvda' &&
	H -d link show pvdsa | grep -q 'ipvlan  *mode l2'
log_test $? 0 "pvdsa: ipvlan l2 on veth0, master pvda, up"
H -d link show pvdsb | grep -q 'pvdsb@veth0:.* master pvdb'
log_test $? 0 "pvdsb: on veth0, master pvdb"
[ "$(ip netns exec "$host" cat /proc/sys/net/ipv6/conf/pvdsa/accept_ra /proc/sys/net/ipv6/conf/pvdsa/autoconf | tr '\n' ' ')" = "0 0 " ]
log_test $? 0 "pvdsa: accept_ra=0 autoconf=0"

kd show-addrs >"$tmp/addrs1"
grep -q '^pvdsa 2001:db8:a::10/64 proto 249 ' "$tmp/addrs1" &&
	grep -q '^pvdsa 2001:db8:a::11/64 proto 249 ' "$tmp/addrs1" &&
	grep -q '^pvdsb 2001:db8:b::10/64 proto 249 ' "$tmp/addrs1"
log_test $? 0 "addresses carry IFA_PROTO 249"
[ "$(grep -c ' proto 249 ' "$tmp/addrs1")" = 3 ]
log_test $? 0 "exactly three owned addresses"
H -6 addr show dev pvdsa | grep -A1 '2001:db8:a::11/64' | grep -Eq 'valid_lft 3[56][0-9][0-9]sec preferred_lft 1[78][0-9][0-9]sec'
log_test $? 0 "2001:db8:a::11 has valid 3600 s, preferred 1800 s"
H -6 addr show dev pvdsa | grep -q '2001:db8:a::10/64 scope global noprefixroute'
log_test $? 0 "addresses are noprefixroute"
H -6 addr show dev pvdsa | grep -A1 '2001:db8:a::10/64' | grep -q 'valid_lft forever preferred_lft forever'
log_test $? 0 "2001:db8:a::10 is forever"

H -6 route show table 1001 >"$tmp/rt1001"
sed 's/^/        /' "$tmp/rt1001"
grep -Eq '^2001:db8:a::/64 dev pvdsa proto 249 metric 256 expires [0-9]+sec pref medium' "$tmp/rt1001"
log_test $? 0 "prefix route: proto 249, metric 256, expires, pref medium"
grep -Eq '^default via fe80::1 dev pvdsa proto 249 metric 1024 expires 1[78][0-9][0-9]sec pref high' "$tmp/rt1001"
log_test $? 0 "default route: via fe80::1, expires ~1800 s, pref high"
grep -Eq '^2001:db8:c::/48 via fe80::1 dev pvdsa proto 249 metric 1024 pref low' "$tmp/rt1001" &&
	! grep '^2001:db8:c::/48' "$tmp/rt1001" | grep -q expires
log_test $? 0 "RIO route: pref low, no expiry"
! grep -q '^2001:db8:a::/64.*proto kernel' "$tmp/rt1001"
log_test $? 0 "no kernel prefix route (noprefixroute)"
[ "$(H -6 route show table all proto 249 | wc -l)" = 5 ]
log_test $? 0 "exactly five proto 249 routes in all tables"
H -6 route show table 1002 | grep -Eq '^default via fe80::2 dev pvdsb proto 249 metric 1024 expires [0-9]+sec pref medium'
log_test $? 0 "table 1002: default via fe80::2"
[ "$(H -4 route show table 1001)" = "unreachable default proto 249 metric 4278198272 " ] ||
	[ "$(H -4 route show table 1001)" = "unreachable default proto 249 metric 4278198272" ]
log_test $? 0 "IPv4 unreachable default in table 1001, nothing else IPv4"
ip netns exec "$host" ip -4 route get 192.0.2.1 vrf pvda 2>&1 | grep -q 'No route to host'
log_test $? 0 "an IPv4 destination is unreachable from VRF pvda"
sed 's/^/        /' "$tmp/owned"
[ "$(grep -v '^#' "$tmp/owned" | sort | tr '\n' ' ')" = "$(printf '%s\n' \
	"ipvlan pvdsa $(ifindex pvdsa) $(ifindex veth0) $(ifindex pvda)" \
	"ipvlan pvdsb $(ifindex pvdsb) $(ifindex veth0) $(ifindex pvdb)" \
	"vrf pvda $(ifindex pvda) 1001" "vrf pvdb $(ifindex pvdb) 1002" | sort | tr '\n' ' ')" ]
log_test $? 0 "the record lists the four links made, with ifindexes, parent, master, tables"

# ---- 2. idempotence ----
snapshot() {
	{
		H -d link show | grep -v 'link/ether' | sed -E 's/^[0-9]+: //'
		H -6 route show table all | sed -E 's/expires [0-9]+sec//'
		kd show-addrs
	} | sort
}
snapshot >"$tmp/snap1"
kd reconcile "$tmp/full" 2>"$tmp/log2"
log_test $? 0 "reconcile: identical second run succeeds"
[ ! -s "$tmp/log2" ]
log_test $? 0 "second run logs nothing: no create, change, remove or error"
snapshot >"$tmp/snap2"
diff -u "$tmp/snap1" "$tmp/snap2"
log_test $? 0 "kernel state identical after the second run"

# ---- 2b. a partial state: only its tables are compared ----
# PvD a changed (its RIO route and a::11 gone); pvdb is left out of the
# state, and stale removal is on: it must stay as it is.
part_b() {
	H -d link show pvdb | sed -E 's/^[0-9]+: //'
	H -d link show pvdsb | grep -v 'link/ether' | sed -E 's/^[0-9]+: //'
	H -6 route show table 1002 | sed -E 's/expires [0-9]+sec//'
	kd show-addrs | grep '^pvdsb '
}
part_a() {
	H -d link show pvda | sed -E 's/^[0-9]+: //'
	H -6 route show table 1001 | sed -E 's/expires [0-9]+sec//'
	kd show-addrs | grep '^pvdsa '
}
part_b >"$tmp/partb0"
{ echo "scope 1001"; grep -v -e '^# ' -e '1002' -e 'pvdb' -e 'pvdsb' -e 'db8:c::' -e 'a::11' "$tmp/full"; } >"$tmp/part-a"
kd reconcile --remove-stale "$tmp/part-a" 2>"$tmp/log2b"
log_test $? 0 "reconcile --remove-stale of a partial state (table 1001) succeeds"
sed 's/^/        /' "$tmp/log2b"
! H -6 route show table 1001 | grep -q '^2001:db8:c::/48' && ! kd show-addrs | grep -q '2001:db8:a::11/' &&
	H -6 route show table 1001 | grep -q '^default via fe80::1 dev pvdsa proto 249'
log_test $? 0 "partial: in table 1001 the RIO route and a::11 removed, the rest kept"
part_b | diff -u "$tmp/partb0" -
log_test $? 0 "partial: pvdb, pvdsb, their address and routes untouched (not in the state's tables)"
part_a >"$tmp/parta0"
echo "scope 1002" | kd reconcile --remove-stale - 2>"$tmp/log2c"
log_test $? 0 "a partial state of table 1002 with nothing in it succeeds"
! H link show pvdb >/dev/null 2>&1 && ! H link show pvdsb >/dev/null 2>&1 &&
	[ -z "$(H -6 route show table 1002)" ] && [ -z "$(kd show-addrs | grep '^pvdsb ')" ]
log_test $? 0 "partial, table 1002 empty: pvdb, pvdsb and their routes removed"
part_a | diff -u "$tmp/parta0" -
log_test $? 0 "partial, table 1002 empty: pvda and table 1001 untouched"
printf 'scope 1001\nvrf pvdb 1002 b.example\n' | kd reconcile - 2>"$tmp/log2d"
log_test $? 1 "a partial state with a VRF outside its tables fails"
grep -q "create VRF 'pvdb': table 1002 is not among the partial state's" "$tmp/log2d" && ! H link show pvdb >/dev/null 2>&1
log_test $? 0 "... says so, and makes nothing"
kd reconcile --remove-stale "$tmp/full" 2>/dev/null
log_test $? 0 "the whole state again"

# ---- 3. foreign objects ----
H link add vrf-blue type vrf table 1003
H link add pvdummy type dummy
H route add 2001:db8:f::/64 dev veth0 table 1001 proto static
H route add 2001:db8:e::/64 dev pvdsa table 1001
H addr add 2001:db8:a::99/64 dev pvdsa nodad
H addr add 2001:db8:9::1/64 dev veth0 nodad
# Named like ours, with a PvD's alias, our protocol in its table; and our
# protocol in a table of no VRF: none of it is ours.
H link add pvdfx type vrf table 1004
H link set dev pvdfx alias a.example up
H -6 route add unreachable 2001:db8:6::/64 table 1004 proto 249
H -6 route add 2001:db8:7::/64 dev veth0 table 1007 proto 249
foreign_snapshot() {
	H -d link show pvdfx
	H -6 route show table 1004
	H -6 route show table 1007
}
foreign_snapshot >"$tmp/foreign0"
foreign_intact() {
	H -d link show vrf-blue | grep -q 'vrf table 1003' &&
		H link show pvdummy >/dev/null 2>&1 &&
		H -6 route show table 1001 | grep -q '^2001:db8:f::/64 dev veth0 proto static' &&
		H -6 addr show dev veth0 | grep -q '2001:db8:9::1/64' &&
		foreign_snapshot | cmp -s - "$tmp/foreign0"
}

# ---- 4. a smaller state with --remove-stale; alias change ----
cat >"$tmp/small" <<'EOF'
vrf pvda 1001 a2.example
subif pvdsa veth0 pvda
addr pvdsa 2001:db8:a::10/64 forever forever
route 1001 2001:db8:a::/64 - pvdsa 3600 medium 256
route 1001 default fe80::1 pvdsa 1800 high 1024
EOF
kd reconcile --remove-stale "$tmp/small" 2>"$tmp/log3"
log_test $? 0 "reconcile --remove-stale with a smaller state succeeds"
sed 's/^/        /' "$tmp/log3"
! H link show pvdb >/dev/null 2>&1 && ! H link show pvdsb >/dev/null 2>&1
log_test $? 0 "stale VRF pvdb and sub-interface pvdsb removed"
kd show-addrs >"$tmp/addrs2"
! grep -q '2001:db8:a::11/' "$tmp/addrs2" && grep -q '^pvdsa 2001:db8:a::10/64 proto 249' "$tmp/addrs2"
log_test $? 0 "stale address a::11 removed, a::10 kept"
! H -6 route show table 1001 | grep -q '^2001:db8:c::/48' &&
	H -6 route show table 1001 | grep -q '^default via fe80::1 dev pvdsa proto 249'
log_test $? 0 "stale RIO route removed, default route kept"
[ -z "$(H -4 route show table 1001)" ]
log_test $? 0 "stale IPv4 unreachable route removed"
H -6 route show table 1001 >"$tmp/rt1001b"
{ cat "$tmp/rt1001b"; grep '^pvdsa' "$tmp/addrs2"; } | sed 's/^/        /'
# iproute2's default protocol is boot, which it does not print.
grep -q '^2001:db8:e::/64 dev pvdsa metric 1024' "$tmp/rt1001b" &&
	grep -q '^pvdsa 2001:db8:a::99/64 proto 0 ' "$tmp/addrs2"
log_test $? 0 "hand-made route and address on our sub-interface untouched"
foreign_intact
log_test $? 0 "foreign VRFs, dummy pvdummy, routes and address untouched"
grep -q "vrf link 'pvdfx' (ifindex $(ifindex pvdfx)) is named like ours but pvd-vrfd did not make it" "$tmp/log3"
log_test $? 0 "the foreign pvdfx is logged as such"
H -d link show pvda | grep -q 'alias a2.example'
log_test $? 0 "changed alias applied to existing VRF"

# ---- 4b. drift at a restart: pvdsa unenslaved, pvda down ----
# Leaving the VRF cycles pvdsa, which flushes its addresses and routes.  The
# record no longer matches pvdsa (no master): from now on it is foreign and
# left alone.  pvda still matches (down is not a mismatch) and comes up.
H link set pvdsa nomaster
H link set pvda down
kd reconcile "$tmp/small" 2>"$tmp/log3b"
log_test $? 1 "reconcile after drift fails: the disowned pvdsa is in the way"
sed 's/^/        /' "$tmp/log3b"
grep -q "not re-adopting ipvlan 'pvdsa'.*not enslaved to a re-adopted VRF" "$tmp/log3b" &&
	grep -q "create sub-interface 'pvdsa': .* is in the way" "$tmp/log3b"
log_test $? 0 "the log says why pvdsa is not ours any more"
! H -d link show pvdsa | grep -q ' master ' && H link show pvda | grep -q '<[^>]*,UP'
log_test $? 0 "pvdsa left unenslaved, pvda up again"
H link del pvdsa
kd reconcile "$tmp/small" 2>"$tmp/log3c"
log_test $? 0 "with the stranger gone, reconcile succeeds"
H -d link show pvdsa | grep -q 'master pvda' &&
	kd show-addrs | grep -q '^pvdsa 2001:db8:a::10/64 proto 249' &&
	H -6 route show table 1001 | grep -q '^default via fe80::1 dev pvdsa proto 249'
log_test $? 0 "pvdsa made anew in pvda, with its address and routes"

# ---- 5. a foreign route in the way of a wanted one ----
H route add 2001:db8:d::/64 dev veth0 table 1001 proto static metric 1024
{
	cat "$tmp/small"
	echo "route 1001 2001:db8:d::/64 - pvdsa forever medium 1024"
	echo "route 1001 2001:db8:5::/64 - pvdsa forever medium 1024"
} >"$tmp/clash"
kd reconcile "$tmp/clash" 2>"$tmp/log4"
log_test $? 1 "reconcile with a foreign route in the way fails"
sed 's/^/        /' "$tmp/log4"
grep -q 'cannot add route 2001:db8:d::/64 table 1001' "$tmp/log4"
log_test $? 0 "the failure names the route and table"
H -6 route show table 1001 | grep -q '^2001:db8:d::/64 dev veth0 proto static metric 1024'
log_test $? 0 "the foreign route is left as it was"
H -6 route show table 1001 | grep -q '^2001:db8:5::/64 dev pvdsa proto 249'
log_test $? 0 "the next wanted route is still added (keeps going)"
H route del 2001:db8:d::/64 dev veth0 table 1001 proto static metric 1024

# ---- 6. list-vrfs, the record checked line by line ----
cp "$tmp/owned" "$tmp/owned.good"
printf '%s\n' "vrf pvdfx x 1004" "vrf pvdfx $(ifindex pvdfx) 1004 extra" "ipvlan pvdsa 1 2" >>"$tmp/owned"
vrfs=$(kd list-vrfs 2>"$tmp/log6l")
[ "$vrfs" = "pvda 1001 a2.example" ]
log_test $? 0 "list-vrfs: 'pvda 1001 a2.example' only (got '$vrfs')"
sed 's/^/        /' "$tmp/log6l"
n=$(grep -c '^vrf\|^ipvlan' "$tmp/owned.good")
grep -q "owned:$((n + 2)): bad ifindex, ignoring" "$tmp/log6l" &&
	grep -q "owned:$((n + 3)): wrong number of fields, ignoring" "$tmp/log6l" &&
	grep -q "owned:$((n + 4)): wrong number of fields, ignoring" "$tmp/log6l"
log_test $? 0 "bad record lines are logged with file:line and ignored"
cp "$tmp/owned.good" "$tmp/owned"

# ---- 6b. the VRF filter: names and tables nobody else uses ----
usable() { [ "$(kd usable "$1" "$2")" = "$3" ]; }
usable pvdfx 1010 no && usable pvdnew 1004 no && usable pvdnew 1003 no
log_test $? 0 "not usable: a foreign link's name, a foreign VRF's table"
usable pvdnew 1007 no && usable pvdnew 1001 no
log_test $? 0 "not usable: a table with routes (foreign, or our VRF's)"
usable pvdnew 1010 yes && usable pvda 1010 yes
log_test $? 0 "usable: a free name and an unused table"

# ---- 7. macvlan selectable; a kind change re-creates the sub-interface ----
kd --kind macvlan reconcile "$tmp/small" 2>"$tmp/log5"
log_test $? 0 "reconcile --kind macvlan succeeds"
sed 's/^/        /' "$tmp/log5"
H -d link show pvdsa | grep -q 'macvlan mode bridge' && H -d link show pvdsa | grep -q 'master pvda' &&
	kd show-addrs | grep -q '^pvdsa 2001:db8:a::10/64 proto 249' &&
	H -6 route show table 1001 | grep -q '^default via fe80::1 dev pvdsa proto 249'
log_test $? 0 "pvdsa re-created as macvlan bridge with its address and routes"
kd reconcile "$tmp/small" 2>/dev/null && H -d link show pvdsa | grep -q 'ipvlan  *mode l2'
log_test $? 0 "and back to ipvlan l2"

# ---- 8. events: DAD failure, link down/up ----
ip -n "$peer" addr add 2001:db8:a::77/64 dev veth1 nodad
ip -n "$peer" addr add 2001:db8:a::78/64 dev veth1 nodad
ip netns exec "$host" sysctl -qw net.ipv6.conf.pvdsa.accept_dad=1
# Not through kd: $! must be the driver itself (ip netns exec execs it).
ip netns exec "$host" "$drv" --owned "$tmp/owned" watch 60 >"$tmp/events" 2>"$tmp/watchlog" &
watcher=$!
busywait 5000 grep -q '^watching' "$tmp/events"
{
	cat "$tmp/small"
	echo "addr pvdsa 2001:db8:a::77/64 forever forever"
	echo "addr pvdsa 2001:db8:a::78/64 3600 3600"
} >"$tmp/dad"
kd reconcile "$tmp/dad" 2>/dev/null
busywait 10000 grep -q '^dadfailed pvdsa 2001:db8:a::77$' "$tmp/events"
log_test $? 0 "watch reports dadfailed for a forever address"
busywait 10000 grep -q '^dadfailed pvdsa 2001:db8:a::78$' "$tmp/events"
log_test $? 0 "watch reports dadfailed for a finite address"
H -6 addr show dev pvdsa | grep '2001:db8:a::77/64' | grep 'dadfailed' | grep -q 'tentative'
log_test $? 0 "kernel keeps the forever address as 'dadfailed tentative'"
! H -6 addr show dev pvdsa | grep -q '2001:db8:a::78/'
log_test $? 0 "kernel deletes the finite address that failed DAD"

# On a veth pair of its own: taking veth0 down would flush the foreign
# IPv6 address and route on it that step 9 expects to survive.
H link add evt0 type veth peer name evt1
H link set evt1 up
eidx=$(ip netns exec "$host" cat /sys/class/net/evt0/ifindex)
H link set evt0 up
busywait 5000 grep -q "^link $eidx evt0 up$" "$tmp/events"
log_test $? 0 "watch reports evt0 up"
H link set evt0 down
busywait 5000 grep -q "^link $eidx evt0 down$" "$tmp/events"
log_test $? 0 "watch reports evt0 down"
H link del evt0
busywait 5000 grep -q "^link $eidx evt0 down removed$" "$tmp/events"
log_test $? 0 "watch reports evt0 removed"
kill "$watcher" 2>/dev/null
wait "$watcher" 2>/dev/null
sed 's/^/        /' "$tmp/events"
H addr del 2001:db8:a::77/64 dev pvdsa 2>/dev/null

# ---- 8b. an event burst while the reader is stopped: ENOBUFS -> resync ----
# Each MTU change is one RTM_NEWLINK (an alias change sends none); 6000 of
# them outgrow the reader's 4 MiB receive buffer (~5000 do) while it is SIGSTOPped.
H link add burst0 type dummy
ip netns exec "$host" "$drv" --owned "$tmp/owned" watch 120 >"$tmp/events2" 2>/dev/null &
watcher=$!
busywait 5000 grep -q '^watching' "$tmp/events2"
kill -STOP "$watcher"
for i in $(seq 1 6000); do
	echo "link set dev burst0 mtu $((1280 + i % 2))"
done >"$tmp/burst"
start=$(date +%s%3N)
H -batch "$tmp/burst"
echo "        6000 RTM_NEWLINK in $(($(date +%s%3N) - start)) ms"
kill -CONT "$watcher"
busywait 20000 grep -q '^resync$' "$tmp/events2"
log_test $? 0 "watch reports resync after a receive buffer overrun"
kill "$watcher" 2>/dev/null
wait "$watcher" 2>/dev/null
H link del burst0

# ---- 9. remove-all ----
kd remove-all 2>"$tmp/log6"
log_test $? 0 "remove-all succeeds"
sed 's/^/        /' "$tmp/log6"
! H -d link show | grep -Eq '^[0-9]+: pvd(a|b|sa|sb)[@:]'
log_test $? 0 "no owned VRF or sub-interface left"
[ "$(H -6 route show table all proto 249 | grep -v 'table 100[47] ')" = "" ] &&
	[ -z "$(H -4 route show table all proto 249)" ]
log_test $? 0 "no proto 249 route left but the foreign ones in tables 1004 and 1007"
! kd show-addrs | grep -q ' proto 249 '
log_test $? 0 "no IFA_PROTO 249 address left"
foreign_intact
log_test $? 0 "foreign VRFs, dummy pvdummy, routes and address survive"
! grep -v '^#' "$tmp/owned" | grep -q .
log_test $? 0 "the record lists nothing"
H -6 route show table 1001 | sed 's/^/        /'
[ -z "$(kd list-vrfs)" ]
log_test $? 0 "list-vrfs is empty"

test_summary
