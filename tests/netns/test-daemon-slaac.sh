#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# SLAAC lifetimes and ownership in state model v2 (DESIGN.md):
#
# 1. Plain RAs from a third node (fe80::e, no PvD option) carrying an
#    explicit PvD's prefix, with valid lifetime 0, 60 and 3600: a.example's
#    addresses, prefix routes and VRF are untouched; the third node gets its
#    own implicit PvD fe80::e%eth0.
# 2. RFC 4862 §5.5.3(e), the two-hour rule, for RAs from the PvD's own
#    router: an address formed with valid lifetime 14400 (4 h) then sent 60
#    keeps 2 h (7200 s); one formed with 3600 then sent 0 keeps its remaining
#    lifetime (the option is ignored for it).  The on-link prefix routes
#    follow RFC 4861 §6.3.4 directly: valid 0 removes the route at once,
#    valid 60 makes it expire within 60 s.  (Prefixes of their own, so that
#    a failure of 1. does not decide 2.)
#
#   rA  fe80::a ─┐  a.example  P1 2001:db8:a::/64   valid 14400  } for 1.
#                │             P2 2001:db8:a5::/64  valid 3600   }
#                │             P3 2001:db8:a3::/64  valid 14400, later 60  } for 2.
#                │             P4 2001:db8:a4::/64  valid 3600, later 0    }
#   rB  fe80::e ─┤  plain RAs  P1 valid 0, P1 valid 60, P2 valid 3600  ("a third node":
#                │             rB's namespace, sending from fe80::e)
#               br0 (ns sw) ── eth0 (host ns: pvd-vrfd)
#
# The rest of the lab (rC, eth1) is unused; see pvdlab.sh.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pvdlab.sh"

lab_start

P1=2001:db8:a::/64 P2=2001:db8:a5::/64 P3=2001:db8:a3::/64 P4=2001:db8:a4::/64
a_ra() {	# a_ra PREFIX=VALID/PREFERRED...: a.example's RA from rA with these PIOs
	local pios=() x l
	for x in "$@"; do
		l=${x#*=}
		pios+=(--prefix "${x%%=*},valid=${l%/*},preferred=${l#*/},flags=LA")
	done
	lab_ra "$rA" --lifetime 1800 --pvd a.example --seq 1 "${pios[@]}" --rdnss 2001:db8:a::53,lifetime=1800
}
third() { lab_ra "$rB" --src fe80::e --lifetime 1800 "$@"; }	# third ARGS: a plain RA from fe80::e

# addr_lft VRF PREFIX: "ADDRESS VALID_LFT" of the global address of the /64
# PREFIX on VRF's sub-interfaces (nothing when there is none).
addr_lft() {
	vrf_addrs "$1" | awk -v p="${2%::/64}:" '
		$3 == "inet6" && index($4, p) == 1 && / scope global / {
			a = $4; sub("/.*", "", a)
			for (i = 5; i < NF; i++) if ($i == "valid_lft") { v = $(i + 1); sub("sec$", "", v); print a, v }
		}'
}
# lft_between VRF PREFIX LOW HIGH: there is exactly one such address, with
# LOW <= valid_lft <= HIGH.
lft_between() {
	local out
	out=$(addr_lft "$1" "$2")
	[ "$(wc -l <<<"$out")" -eq 1 ] && [[ ${out#* } =~ ^[0-9]+$ ]] && [ "${out#* }" -ge "$3" ] && [ "${out#* }" -le "$4" ]
}
# The valid lifetime an address formed at (or after) T with lifetime L can
# have left now: at most L, at least L minus the seconds since T, less 2.
left_since() { echo $(($2 - ($(date +%s) - $1) - 2)); }
route_in() { ip -n "$host" -6 route show table "$1" | grep -qE "^$2 "; }	# route_in TABLE PREFIX
route_expires() {	# route_expires TABLE PREFIX: its "expires" seconds (empty if none)
	ip -n "$host" -6 route show table "$1" | awk -v p="$2" '$1 == p { for (i = 2; i < NF; i++) if ($i == "expires") { v = $(i + 1); sub("sec$", "", v); print v } }'
}

t_formed=$(date +%s)
a_ra "$P1=14400/7200" "$P2=3600/1800" "$P3=14400/7200" "$P4=3600/1800"
busywait 10000 eval 'test -n "$(vrf_of a.example)"'
va=$(vrf_of a.example)
ta=$(table_of "$va")
[ -n "$va" ] && [ -n "$ta" ]
log_test $? 0 "a.example: VRF $va, table $ta"
all_formed() { local p; for p in $P1 $P2 $P3 $P4; do [ -n "$(addr_lft "$va" $p)" ] || return 1; done; }
busywait 10000 all_formed
for p in $P1:14400 $P2:3600 $P3:14400 $P4:3600; do
	lft_between "$va" "${p%:*}" "$(left_since "$t_formed" "${p##*:}")" "${p##*:}"
	log_test $? 0 "address in ${p%:*} with valid lifetime ${p##*:}: $(addr_lft "$va" "${p%:*}")"
done
route_in "$ta" $P1 && route_in "$ta" $P2 && route_in "$ta" $P3 && route_in "$ta" $P4
log_test $? 0 "prefix routes $P1 $P2 $P3 $P4 in table $ta"
a1=$(addr_lft "$va" $P1) a2=$(addr_lft "$va" $P2) a3=$(addr_lft "$va" $P3) a4=$(addr_lft "$va" $P4)
a1=${a1% *} a2=${a2% *} a3=${a3% *} a4=${a4% *}

# untouched: a.example's VRF, both addresses (same address, lifetime only
# counting down) and both prefix routes, as formed from rA's RA.
untouched() {
	local lft1 lft2
	lft1=$(addr_lft "$va" $P1) lft2=$(addr_lft "$va" $P2)
	[ "$(vrf_of a.example)" = "$va" ] && [ "$(table_of "$va")" = "$ta" ] &&
		[ "${lft1% *}" = "$a1" ] && [ "${lft2% *}" = "$a2" ] &&
		lft_between "$va" $P1 "$(left_since "$t_formed" 14400)" 14400 &&
		lft_between "$va" $P2 "$(left_since "$t_formed" 3600)" 3600 &&
		route_in "$ta" $P1 && route_in "$ta" $P2
}

# ---- 1. a third node's plain RAs with a.example's prefixes ----
third --prefix "$P1,valid=0,preferred=0,flags=LA"
busywait 10000 eval 'test -n "$(vrf_of fe80::e%eth0)"'
ve=$(vrf_of fe80::e%eth0)
[ -n "$ve" ] && [ "$ve" != "$va" ]
log_test $? 0 "fe80::e's plain RA makes its own implicit PvD fe80::e%eth0: VRF $ve"
busywait 10000 eval 'ip -n "$host" -6 route show table "$(table_of "$ve")" | grep -q "^default via fe80::e "'
log_test $? 0 "... with its default route via fe80::e"
untouched
log_test $? 0 "$P1 valid 0 from fe80::e: a.example's addresses, prefix routes, VRF untouched"

gen=$(lab_reconciles) ne=$(lab_ra_count fe80::e)
third --prefix "$P1,valid=60,preferred=30,flags=LA"
lab_settled "$gen" fe80::e "$ne"
log_test $? 0 "$P1 valid 60 from fe80::e: handled and reconciled"
untouched
log_test $? 0 "... a.example untouched: $(addr_lft "$va" $P1), prefix route $P1 stays"
ip -n "$host" -6 route show table "$ta" | grep -E "^$P1 " | grep -q 'expires' &&
	[ "$(route_expires "$ta" $P1)" -gt 3600 ]
log_test $? 0 "... its prefix route's expiry not cut to 60 s ($(route_expires "$ta" $P1) s)"

gen=$(lab_reconciles) ne=$(lab_ra_count fe80::e)
third --prefix "$P2,valid=3600,preferred=1800,flags=LA"
lab_settled "$gen" fe80::e "$ne"
log_test $? 0 "$P2 valid 3600 (an ordinary RA) from fe80::e: handled and reconciled"
untouched
log_test $? 0 "... a.example untouched: address $(addr_lft "$va" $P2), prefix route $P2, VRF $va"
[ -n "$ve" ] && [ -n "$a1" ] && [ -n "$a2" ] && vrf_addrs "$ve" >/dev/null && vrf_lacks "$ve" "inet6 ${a1}/|inet6 ${a2}/"
log_test $? 0 "... and fe80::e%eth0 holds neither of a.example's addresses"

# ---- 2. the two-hour rule, from a.example's own router ----
t_sent=$(date +%s)
a_ra "$P3=60/30" "$P4=0/0"
# RFC 4861 §6.3.4: valid lifetime 0 times the on-link prefix out at once.
busywait 10000 eval '! route_in "$ta" $P4'
log_test $? 0 "$P4 valid 0 from rA: its prefix route is gone from table $ta"
# RFC 4862 §5.5.3(e): remaining 4 h > 2 h, received 60 s <= 2 h: reset to 2 h.
# Wait until the RA reached P3's address at all (its lifetime drops from
# ~4 h), then check by how much: exactly 2 h, not 60 s.
busywait 10000 lft_between "$va" $P3 0 7200
lft_between "$va" $P3 "$(left_since "$t_sent" 7200)" 7200
log_test $? 0 "$P3 valid 60 on an address with 4 h left: valid lifetime 2 h ($(addr_lft "$va" $P3))"
# ... and remaining <= 2 h: the received valid lifetime is ignored.
lft_between "$va" $P4 "$(left_since "$t_formed" 3600)" 3600 && [ "$(addr_lft "$va" $P4 | cut -d' ' -f1)" = "$a4" ]
log_test $? 0 "$P4 valid 0 on an address with 1 h left: ignored, it stays ($(addr_lft "$va" $P4))"
e=$(route_expires "$ta" $P3)
[ -n "$e" ] && [ "$e" -le 60 ] && route_in "$ta" $P3
log_test $? 0 "$P3's prefix route now expires within 60 s (RFC 4861 §6.3.4): ${e:-no expiry}"
[ "$(vrf_of a.example)" = "$va" ] && [ "$(addr_lft "$va" $P3 | cut -d' ' -f1)" = "$a3" ]
log_test $? 0 "a.example keeps its VRF and the same address in $P3"

lab_finish
