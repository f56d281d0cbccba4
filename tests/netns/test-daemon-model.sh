#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# State model v2 (DESIGN.md): the registry remembers each (PvD, link, router)
# on its own, and a PvD's kernel state is the union over its routers.
#
# 1. One router, several PvDs (RFC 8801 §3.2): rA's one link-local address
#    fe80::a advertises a.example and a2.example, each with its own inner RA
#    header (router lifetime 1800), PIO, RIO and RDNSS, and a plain RA (the
#    implicit PvD fe80::a%eth0), in turn every 0.5 s for 30 s.  In every
#    0.5 s sample each of the three PvDs has its default route via fe80::a,
#    its prefix route and its address (and the explicit ones their RIO
#    route); the daemon logs no route removal at all.
# 2. Two routers, one PvD: rA and rB both advertise ab.example, one prefix
#    each, then also a shared one: both default routes are in its table, one
#    address per prefix; rA's router lifetime 0 removes rA's default route
#    only.
# 3. One RA, one PvD compared: rB's refresh of ab.example reconciles that PvD
#    alone (the daemon's reconciled-pvds counter), not the other three.
#
#   rA  fe80::a ─┐  a.example   2001:db8:a::/64   RIO 2001:db8:a1::/48   (inner header)
#                │  a2.example  2001:db8:a2::/64  RIO 2001:db8:a21::/48  (inner header)
#                │  plain RA    2001:db8:aa::/64  -> implicit PvD fe80::a%eth0
#                │  ab.example  2001:db8:ab0a::/64, later 2001:db8:ab::/64
#   rB  fe80::b ─┤  ab.example  2001:db8:ab0b::/64, later 2001:db8:ab::/64
#               br0 (ns sw) ── eth0 (host ns: pvd-vrfd)
#
# The rest of the lab (rC, eth1) is unused; see pvdlab.sh.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pvdlab.sh"

lab_start

# Each PvD: name, prefix, RIO (empty: none).  The implicit PvD's RA is plain.
names=(a.example a2.example fe80::a%eth0)
prefixes=(2001:db8:a::/64 2001:db8:a2::/64 2001:db8:aa::/64)
rios=(2001:db8:a1::/48 2001:db8:a21::/48 "")
explicit() {	# explicit NAME PREFIX RIO DNS: one explicit PvD's RA, inner header lifetime 1800
	echo --lifetime 1800 --pvd "$1" --seq 1 --inner-header lifetime=1800 \
		--prefix "$2,valid=3600,preferred=1800,flags=LA" --rio "$3,pref=high,lifetime=1800" \
		--rdnss "$4,lifetime=1800"
}
# shellcheck disable=SC2207
ras=($(explicit a.example 2001:db8:a::/64 2001:db8:a1::/48 2001:db8:a::53) --next
	$(explicit a2.example 2001:db8:a2::/64 2001:db8:a21::/48 2001:db8:a2::53) --next
	--lifetime 1800 --prefix 2001:db8:aa::/64,valid=3600,preferred=1800,flags=LA)

routes_all() { ip -n "$host" -6 -o route show table all proto 249; }
# the_default LINES TABLE GW: a default route via GW in TABLE (multipath or not)
the_default() { grep -qE "^default .*table $2 .*via $3 |^default via $3 .*table $2 " <<<"$1"; }
the_route() { grep -qE "^$3 .*table $2 " <<<"$1"; }	# the_route LINES TABLE PREFIX
# the_addr LINES VRF PREFIX: a global address of PREFIX (a /64) on one of VRF's sub-interfaces
the_addr() {
	local p=${3%::/64}
	grep -qE "^[0-9]+: $2\.[0-9a-f]+(@[^ ]*)? +inet6 $p:[0-9a-f:]+/64 .*scope global" <<<"$1"
}

# ---- 1. one router, several PvDs ----
na=$(lab_ra_count fe80::a)
ip netns exec "$rA" $RA --dev veth0 --count 3 --interval 0.1 "${ras[@]}" >/dev/null
busywait 10000 eval 'test -n "$(vrf_of a.example)" -a -n "$(vrf_of a2.example)" -a -n "$(vrf_of fe80::a%eth0)"'
log_test $? 0 "fe80::a's three PvDs have VRFs: a.example a2.example fe80::a%eth0"
vrfs=() tables=()
for n in "${names[@]}"; do
	v=$(vrf_of "$n")
	vrfs+=("$v")
	tables+=("$(table_of "$v")")
done
echo "    VRFs ${vrfs[*]}, tables ${tables[*]}"
all_defaults() {
	local r i
	r=$(routes_all)
	for i in 0 1 2; do
		the_default "$r" "${tables[$i]}" fe80::a || return 1
	done
}
busywait 10000 all_defaults
log_test $? 0 "after one RA each: every one of the three has its default route via fe80::a"

# fe80::a keeps advertising the three in turn, one RA every 0.5 s for 30 s,
# while the host's state is sampled every 0.5 s.  Under emulation every
# process costs a lot: one `ip -batch` per sample, bash's own regex matching,
# and bash's `read -t` as the sampling clock.
nsent=60
ip netns exec "$rA" $RA --dev veth0 --count $nsent --interval 0.5 "${ras[@]}" >/dev/null &
sender=$!
nl=$'\n'
re_def=() re_pfx=() re_addr=() re_rio=()
for i in 0 1 2; do
	t=${tables[$i]} p=${prefixes[$i]}
	re_def+=("${nl}default (via fe80::a [^${nl}]* table $t |[^${nl}]*table $t [^${nl}]*via fe80::a )")
	re_pfx+=("${nl}$p [^${nl}]*table $t ")
	re_addr+=("${nl}[0-9]+: ${vrfs[$i]}\.[0-9a-f]+(@[^ ]*)? +inet6 ${p%::/64}:[0-9a-f:]+/64 [^${nl}]*scope global")
	re_rio+=("${nl}${rios[$i]:-none} via fe80::a [^${nl}]* table $t ")
done
exec {clock}<> <(:)	# read -t on it: a sleep without a process
samples=0
ok_def=(0 0 0) ok_pfx=(0 0 0) ok_addr=(0 0 0) ok_rio=(0 0 0)
while kill -0 "$sender" 2>/dev/null; do
	t0=${EPOCHREALTIME/./}
	st=$nl$(printf '%s\n' "route show table all proto 249" "addr show scope global" |
		ip -n "$host" -6 -o -batch - 2>&1)$nl
	for i in 0 1 2; do
		[[ $st =~ ${re_def[$i]} ]] && ok_def[i]=$((ok_def[i] + 1))
		[[ $st =~ ${re_pfx[$i]} ]] && ok_pfx[i]=$((ok_pfx[i] + 1))
		[[ $st =~ ${re_addr[$i]} ]] && ok_addr[i]=$((ok_addr[i] + 1))
		[[ $st =~ ${re_rio[$i]} ]] && ok_rio[i]=$((ok_rio[i] + 1))
	done
	samples=$((samples + 1))
	# The sampling period, not a synchronisation: what is left of 0.5 s.
	left=$((500000 - (${EPOCHREALTIME/./} - t0)))
	printf -v tmo '0.%06d' "$left"
	[ "$left" -le 0 ] || read -r -t "$tmo" -u "$clock"
done
exec {clock}<&-
wait "$sender"
log_test $? 0 "the sender ran: $nsent RAs from fe80::a, one every 0.5 s"

# Every one of the 3 + $nsent RAs was handled, and the kernel state
# reconciled after the last: the positive event the negative checks below
# wait for.
seen=$(lab_ra_count fe80::a)
gen=$(lab_reconciles)
lab_ra_seen fe80::a $((na + 3 + nsent - 1))
log_test $? 0 "the daemon handled all $((3 + nsent)) RAs from fe80::a ($(( $(lab_ra_count fe80::a) - na )))"
# (Handled before the generation was read: it reconciled right after, then.)
[ "$seen" -ge $((na + 3 + nsent)) ] && [ -n "$gen" ] || lab_reconciled_after "$gen"
log_test $? 0 "... and reconciled the kernel state after the last one"
[ "$samples" -ge 20 ]
log_test $? 0 "$samples samples taken (at least 20)"
for i in 0 1 2; do
	n=${names[$i]}
	echo "    $n: default route ${ok_def[$i]}/$samples, prefix route ${ok_pfx[$i]}/$samples," \
		"address ${ok_addr[$i]}/$samples${rios[$i]:+, RIO route ${ok_rio[$i]}/$samples}"
	[ "$samples" -ge 20 ] && [ "${ok_def[$i]}" -eq "$samples" ]
	log_test $? 0 "$n ${ok_def[$i]}/$samples: its default route via fe80::a in every sample"
	[ "$samples" -ge 20 ] && [ "${ok_pfx[$i]}" -eq "$samples" ] && [ "${ok_addr[$i]}" -eq "$samples" ]
	log_test $? 0 "$n: its prefix route and address ${prefixes[$i]%::/64} in every sample"
	if [ -n "${rios[$i]}" ]; then
		[ "$samples" -ge 20 ] && [ "${ok_rio[$i]}" -eq "$samples" ]
		log_test $? 0 "$n: its RIO route ${rios[$i]} in every sample"
	fi
done
# src/kernel/routes.c logs (at debug) "removed route default via fe80::a table 1001" for each
# route it deletes; nothing was withdrawn, so nothing may be deleted.
removed=$(grep -c 'removed route' "$LAB_LOG")
[ "$removed" -eq 0 ]
log_test $? 0 "no route removed by the daemon ($removed 'removed route' lines in its log)"
[ "$removed" -eq 0 ] || grep 'removed route' "$LAB_LOG" | sort | uniq -c | sort -rn | head -5
removed=$(grep -c 'removed address' "$LAB_LOG")
[ "$removed" -eq 0 ]
log_test $? 0 "no address removed by the daemon ($removed 'removed address' lines)"
dns=(2001:db8:a::53 2001:db8:a2::53)
for i in 0 1; do
	grep -qx "nameserver ${dns[$i]}" "$LAB_RUN/${vrfs[$i]}/resolv.conf" 2>/dev/null
	log_test $? 0 "${names[$i]}'s resolv.conf has its own RDNSS ${dns[$i]}"
done
[ "$(vrf_count)" -eq 3 ] && [ "$(vrf_of a.example)" = "${vrfs[0]}" ] && [ "$(vrf_of a2.example)" = "${vrfs[1]}" ] &&
	[ "$(vrf_of fe80::a%eth0)" = "${vrfs[2]}" ]
log_test $? 0 "still the same three VRFs"

# ---- 2. two routers, one PvD ----
ab() {	# ab NS PREFIX... [-- MORE ARGS]: an RA for ab.example from NS with these prefixes
	local ns=$1 args=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		args+=(--prefix "$1,valid=3600,preferred=1800,flags=LA")
		shift
	done
	[ $# -eq 0 ] || shift
	lab_ra "$ns" "$@" --pvd ab.example --seq 1 "${args[@]}"
}
ab "$rA" 2001:db8:ab0a::/64 -- --lifetime 1800
ab "$rB" 2001:db8:ab0b::/64 -- --lifetime 1800
busywait 10000 eval 'test -n "$(vrf_of ab.example)"'
vab=$(vrf_of ab.example)
tab=$(table_of "$vab")
[ -n "$vab" ] && [ -n "$tab" ]
log_test $? 0 "ab.example from rA and rB: VRF $vab, table $tab"
both_defaults() { local r; r=$(routes_all); the_default "$r" "$tab" fe80::a && the_default "$r" "$tab" fe80::b; }
busywait 10000 both_defaults
log_test $? 0 "table $tab: default routes via fe80::a and fe80::b"
both_prefixes() {
	local r a
	r=$(routes_all) a=$(ip -n "$host" -6 -o addr show scope global)
	the_route "$r" "$tab" 2001:db8:ab0a::/64 && the_route "$r" "$tab" 2001:db8:ab0b::/64 &&
		the_addr "$a" "$vab" 2001:db8:ab0a::/64 && the_addr "$a" "$vab" 2001:db8:ab0b::/64
}
busywait 10000 both_prefixes
log_test $? 0 "ab.example: rA's prefix 2001:db8:ab0a::/64 and rB's 2001:db8:ab0b::/64, route and address each"

# The same prefix from both routers: one prefix route, one address.
ab "$rA" 2001:db8:ab0a::/64 2001:db8:ab::/64 -- --lifetime 1800
ab "$rB" 2001:db8:ab0b::/64 2001:db8:ab::/64 -- --lifetime 1800
shared() { local r; r=$(routes_all); the_route "$r" "$tab" 2001:db8:ab::/64 && vrf_has "$vab" 'inet6 2001:db8:ab:0:'; }
busywait 10000 shared
log_test $? 0 "the shared prefix 2001:db8:ab::/64 from both: prefix route and address"
[ "$(routes_all | grep -cE "^2001:db8:ab::/64 .*table $tab ")" -eq 1 ] &&
	[ "$(vrf_addrs "$vab" | grep -c 'inet6 2001:db8:ab:0:')" -eq 1 ]
log_test $? 0 "... exactly one of each"
both_defaults && both_prefixes
log_test $? 0 "... both default routes and both own prefixes still there"

# rA stops being a default router for ab.example: only its default route goes.
ab "$rA" 2001:db8:ab0a::/64 2001:db8:ab::/64 -- --lifetime 0
busywait 10000 eval '! the_default "$(routes_all)" "$tab" fe80::a'
log_test $? 0 "rA's router lifetime 0: the default route via fe80::a is gone from table $tab"
the_default "$(routes_all)" "$tab" fe80::b
log_test $? 0 "... the default route via fe80::b stays"
both_prefixes && shared
log_test $? 0 "... the prefixes of both routers, the shared one and the addresses stay"
lost=
for i in 0 1 2; do
	the_default "$(routes_all)" "${tables[$i]}" fe80::a || lost+=" ${names[$i]}"
done
[ -z "$lost" ]
log_test $? 0 "... and rA stays the default router of its other three PvDs${lost:+ (lost by:$lost)}"

# ---- 3. an RA costs its own PvD: the others are not compared ----
# Four PvDs now; rB refreshes ab.example alone.  The reconciliation after it
# compares that one PvD with the kernel (the daemon's reconciled-pvds
# counter), not all four.
refresh_stats
p0=$(stat_count reconciled-pvds) n0=$(stat_count reconciles) nb=$(lab_ra_count fe80::b)
ab "$rB" 2001:db8:ab0b::/64 2001:db8:ab::/64 -- --lifetime 1800
lab_settled "$n0" fe80::b "$nb"
log_test $? 0 "rB's refresh of ab.example handled and reconciled"
refresh_stats
p1=$(stat_count reconciled-pvds)
[ -n "$p0" ] && [ -n "$p1" ] && [ $((p1 - p0)) -eq 1 ]
log_test $? 0 "... comparing 1 PvD with the kernel, not all 4 (reconciled-pvds ${p0:-?} -> ${p1:-?})"
the_default "$(routes_all)" "$tab" fe80::b && both_prefixes && shared && [ "$(vrf_count)" -eq 4 ]
log_test $? 0 "... and ab.example's state, like the four VRFs, as it was"

lab_finish
