#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Hostile RAs over the wire: each malformed class is dropped (or its bad
# option ignored), counted by reason, and changes no kernel state; a flood of
# random PvDs stays within the caps and the daemon's memory stays bounded; RAs
# a full socket loses are counted.
# Topology: see pvdlab.sh (rA only).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pvdlab.sh"

lab_start "max_pvds_per_link = 8"
lab_ra_a
busywait 10000 eval 'test -n "$(vrf_of a.example)"'
va=$(vrf_of a.example)
busywait 5000 vrf_has "$va" 2001:db8:a:
before=$(kernel_snapshot)

# Whole-RA drops: each would create a PvD with a prefix if it were accepted.
bait=(--lifetime 1800 --prefix 2001:db8:e::/64,valid=3600,preferred=1800,flags=LA)
counter_above() {	# counter_above KEY REASON N: the counter, freshly read, exceeds N
	refresh_stats && [ "$(stat_value "$1" "$2")" -gt "$3" ] 2>/dev/null
}
drop() {	# drop REASON ARGS...: the RA is dropped with exactly REASON
	local reason=$1 n0
	shift
	refresh_stats
	n0=$(stat_value ra-dropped "$reason")
	lab_ra "$rA" "$@"
	busywait 3000 counter_above ra-dropped "$reason" "${n0:-0}" &&
		[ "$(stat_value ra-dropped "$reason")" -eq $((${n0:-0} + 1)) ]
	log_test $? 0 "dropped and counted: $reason"
}
drop "hop limit is not 255" "${bait[@]}" --hop-limit 254
drop "source address is not link-local" "${bait[@]}" --src 2001:db8:a::1
drop "ICMPv6 code is not 0" "${bait[@]}" --code 1
drop "option runs past the end of the RA" "${bait[@]}" --preset option-past-end
drop "option length is zero" "${bait[@]}" --preset zero-length-option
drop "more than 128 options" "${bait[@]}" --preset too-many-options
drop "option runs past the end of the PvD option" "${bait[@]}" --preset pvd-inner-past-end

# Single bad options inside a.example's own RA: ignored and counted, the
# rest of the RA still refreshes a.example.
ignored() {	# ignored REASON ARGS...
	local reason=$1 n0
	shift
	refresh_stats
	n0=$(stat_value option-ignored "$reason")
	lab_ra_a "$@"
	busywait 3000 counter_above option-ignored "$reason" "${n0:-0}"
	log_test $? 0 "option ignored and counted: $reason"
}
ignored "RDNSS option length is even" --preset rdnss-even-length
ignored "DNSSL label is not letters, digits and inner hyphens" --preset dnssl-shell
ignored "DNSSL label is not letters, digits and inner hyphens" --preset dnssl-newline
ignored "DNSSL label is longer than 63" --preset dnssl-long-label
ignored "route information option length does not fit prefix length" --preset rio-length-mismatch
ignored "PvD option is not the first one" --outer --preset second-pvd
ignored "PvD option inside a PvD option" --preset nested-pvd

refresh_stats
after=$(kernel_snapshot)
[ "$before" = "$after" ]
log_test $? 0 "no kernel state changed by any of the above"
if [ "$before" != "$after" ]; then
	echo "$before" >"$LAB_TMP/before"
	echo "$after" >"$LAB_TMP/after"
	diff "$LAB_TMP/before" "$LAB_TMP/after" | head -20
fi

# PvD IDs that must never become a name, a path or an interface alias.  The
# RA is otherwise valid, from another router (fe80::e): with its PvD option
# ignored it is a plain RA, so the implicit PvD "fe80::e%eth0" is the only
# thing it may create.
for p in pvd-shell pvd-path fqdn-no-terminator fqdn-compression fqdn-label-too-long fqdn-too-long fqdn-root; do
	lab_ra "$rA" --src fe80::e --lifetime 1800 --preset "$p"
done
busywait 10000 eval 'test -n "$(vrf_of fe80::e%eth0)"'
log_test $? 0 "RAs with a bad PvD ID count as plain RAs: implicit PvD fe80::e%eth0"
[ "$(vrf_count)" -eq 2 ]
log_test $? 0 "... and nothing else: $(vrf_count) VRFs"
# The run dir holds the stats and a.example's resolv.conf: a missing or empty
# dir would make the search below vacuous.
files=$(find "$LAB_RUN" -type f 2>/dev/null)
[ -d "$LAB_RUN" ] && [ -f "$LAB_RUN/stats" ] && [ -f "$LAB_RUN/$va/resolv.conf" ] &&
	! grep -lE 'reboot|\.\.|/etc' $files /dev/null | grep -q . &&
	! find "$LAB_RUN" -mindepth 1 -printf '%P\n' | grep -qE 'reboot|\.\.'
log_test $? 0 "no hostile name reached a file under $LAB_RUN ($(wc -w <<<"$files") files)"
aliases=$(ip -n "$host" -d link show | grep -E 'alias')
grep -qE 'alias a\.example$' <<<"$aliases" && grep -qE 'alias fe80::e%eth0$' <<<"$aliases" &&
	! grep -qvE 'alias (a\.example|fe80::[0-9a-f]+%eth[01])$' <<<"$aliases"
log_test $? 0 "no hostile name reached an interface alias"

# A full socket: with the daemon stopped, a.example's RAs pile up in its
# receive queue until the kernel drops them; once it reads again, the
# daemon counts and logs what was lost.  Until then nothing was lost: the
# copies of eth0's RAs from our sub-interface there are filtered out, which
# the kernel does not count as lost.
refresh_stats
[ "$(stat_count ra-lost-socket-full)" = 0 ]
log_test $? 0 "no RA lost to a full socket yet ($(stat_count ra-lost-socket-full))"
kill -STOP "$LAB_PID"
lab_ra_a --count 600 --interval 0.001
kill -CONT "$LAB_PID"
lost_some() { refresh_stats && [ "$(stat_count ra-lost-socket-full)" -gt 0 ] 2>/dev/null; }
busywait 10000 lost_some
log_test $? 0 "600 RAs to a stopped daemon: $(stat_count ra-lost-socket-full) lost to the full socket, counted"
grep -q "RAs lost so far: the RA socket's receive queue was full" "$LAB_LOG"
log_test $? 0 "... and logged"

# Flood: 100 RAs with random PvD names and prefixes.  Caps: 8 PvDs per link.
rss0=$(awk '/VmRSS/ { print $2 }' "/proc/$LAB_PID/status")
ip netns exec "$rA" $RA --dev veth0 --flood 100 --seed 7 >/dev/null
busywait 20000 counter_above refused "too many PvDs on the link" 0
log_test $? 0 "flood: refusals counted ($(stat_value refused 'too many PvDs on the link'))"
n=$(vrf_count)
[ "$n" -le 8 ]
log_test $? 0 "flood: $n VRFs, within the cap of 8 per link"
# One prefix per flood RA, so at most one address per PvD on our sub-interfaces.
n=$(ip -n "$host" -6 -o addr show scope global | awk '$2 ~ /^pvd/' | wc -l)
[ "$n" -le 8 ]
log_test $? 0 "flood: $n addresses on our sub-interfaces, at most one per PvD"
kill -0 "$LAB_PID"
log_test $? 0 "daemon still running"
rss1=$(awk '/VmRSS/ { print $2 }' "/proc/$LAB_PID/status")
[ "$rss1" -lt $((rss0 + 8192)) ]
log_test $? 0 "RSS bounded: ${rss0} kB -> ${rss1} kB"

# Every RA is accounted for: each one the kernel delivered on eth0 (its own
# per-link count, ICMPv6 input: the daemon's raw socket sees each of them
# first) was read by the daemon or lost to its full socket, and each one
# read has exactly one fate: a link not managed (our sub-interfaces' copies
# before their filter), dropped for a reason, or taken, refused or empty.
kernel_ras() { ip netns exec "$host" awk '$1 == "Icmp6InRouterAdvertisements" { print $2 }' /proc/net/dev_snmp6/eth0; }
ra_stat_sum() { awk -F'\t' -v keys=" $* " 'index(keys, " " $1 " ") { s += $NF } END { print s + 0 }' "$LAB_RUN/stats"; }
ras_accounted() {
	local read_on_eth0
	refresh_stats || return 1
	read_on_eth0=$(( $(ra_stat_sum ra-received) - $(ra_stat_sum ra-not-managed-link) ))
	[ $((read_on_eth0 + $(ra_stat_sum ra-lost-socket-full))) = "$(kernel_ras)" ]
}
busywait 20000 ras_accounted
log_test $? 0 "every RA on eth0 read or lost: $(kernel_ras) on the wire, $(ra_stat_sum ra-received) read (\
$(ra_stat_sum ra-not-managed-link) copies from our sub-interfaces), $(ra_stat_sum ra-lost-socket-full) lost"
[ "$(ra_stat_sum ra-received)" -gt 0 ] &&
	[ "$(ra_stat_sum ra-received)" = "$(ra_stat_sum ra-not-managed-link ra-dropped ra-taken ra-refused ra-empty)" ]
log_test $? 0 "each RA read has one fate: $(ra_stat_sum ra-received) = not managed $(ra_stat_sum ra-not-managed-link) \
+ dropped $(ra_stat_sum ra-dropped) + taken $(ra_stat_sum ra-taken) + refused $(ra_stat_sum ra-refused) + empty $(ra_stat_sum ra-empty)"

lab_finish
