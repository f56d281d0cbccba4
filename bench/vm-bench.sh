#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# vm-bench.sh METRIC...: the kernel-side metrics of bench/run, run as root on
# a kernel with VRF (bench/run starts it in the VM where this kernel has none).
# Each metric builds its own lab (tests/netns/pvdlab.sh), measures ours and the
# reference side by side, and prints one line
#   BENCHROW|metric|ours|reference|ratio|target|PASS/MISS/INFO|note
# which bench/run turns into the table.  A metric that breaks prints an ERROR
# row and the others still run.  Repetitions: $BENCH_REPS (default 3).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# lib.sh and pvdlab.sh are written for `set -u` tests: no -e/pipefail inside.
set +e +o pipefail
source "$here/../tests/netns/lib.sh"
source "$here/../tests/netns/pvdlab.sh"
REPS=${BENCH_REPS:-3}
TCK=$(getconf CLK_TCK)
SEND="$PY $here/send-ras.py"
PVD_CLI=$BUILD/src/pvd

row() { printf 'BENCHROW|%s|%s|%s|%s|%s|%s|%s\n' "$@"; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "nan"; else printf "%.2f", a / b }'; }
# verdict RATIO OP TARGET: PASS when RATIO OP TARGET (OP is le or ge).
verdict() { awk -v r="$1" -v op="$2" -v t="$3" 'BEGIN { if (r == "nan") print "MISS"; else if ((op == "le" && r + 0 <= t + 0) || (op == "ge" && r + 0 >= t + 0)) print "PASS"; else print "MISS" }'; }
now_ns() { date +%s%N; }
ms_since() { echo $((($(now_ns) - $1) / 1000000)); }	# ms_since START_NS
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
# wait_idle PID: until the process used no CPU for 0.5 s (bounded, 120 s).
wait_idle() {
	local a b n=0
	b=$(cpu_ticks "$1")
	while [ $n -lt 240 ]; do
		sleep 0.5
		a=$b
		b=$(cpu_ticks "$1")
		[ "$a" = "$b" ] && return 0
		n=$((n + 1))
	done
	return 1
}

# A fresh lab for each metric: namespaces, the daemon (info-level logs).
bench_lab() {
	unset LAB_TMP
	pvd_namespaces=()
	PVD_NS_SUFFIX=$(printf '%04x%04x' $RANDOM $RANDOM)
	lab_up
	require_vrf "$host" >/dev/null || return 1
	if [ "${1:-}" = bus ]; then
		shift
		lab_bus_start || return 1
	fi
	lab_daemon_start "log_level = info" "$@"
}
bench_lab_down() {
	[ -n "${LAB_PID:-}" ] && lab_daemon_stop TERM
	[ -n "${LAB_BUS_PID:-}" ] && kill "$LAB_BUS_PID" 2>/dev/null
	LAB_PID= LAB_BUS_PID=
	ns_cleanup
	pvd_namespaces=()
}
trap bench_lab_down EXIT

pvd_ready() {	# pvd_ready NAME ROUTER: VRF with a default route via ROUTER
	local v
	v=$(vrf_of "$1")
	[ -n "$v" ] && ip -n "$host" -6 route show table "$(table_of "$v")" | grep -q "^default via $2"
}

# ---- per-RA daemon CPU, 100k foreign routes + 50 foreign VRFs vs none ----
m_cpu() {
	local n=10 i with=() none=() t0 f
	bench_lab || return 1
	lab_ra_a
	busywait 30000 pvd_ready a.example fe80::a || return 1
	wait_idle "$LAB_PID"
	batch() {
		t0=$(cpu_ticks "$LAB_PID")
		lab_ra_a --count $n --interval 0.2
		wait_idle "$LAB_PID"
		awk -v a="$t0" -v b="$(cpu_ticks "$LAB_PID")" -v n=$n -v t="$TCK" 'BEGIN { printf "%.1f\n", (b - a) * 1000 / t / n }'
	}
	for i in $(seq "$REPS"); do none+=("$(batch)"); done
	f=$LAB_TMP/foreign.batch
	ip -n "$host" link add fdum0 type dummy
	ip -n "$host" link set fdum0 up
	awk 'BEGIN { for (i = 0; i < 100000; i++) printf "route add 3fff:%x:%x::/64 dev fdum0\n", int(i / 65536), i % 65536 }' >"$f"
	ip -n "$host" -6 -batch "$f" || return 1
	for i in $(seq 50); do
		ip -n "$host" link add "fvrf$i" type vrf table $((3000 + i))
		ip -n "$host" link set "fvrf$i" up
	done
	wait_idle "$LAB_PID"
	for i in $(seq "$REPS"); do with+=("$(batch)"); done
	local o r q
	o=$(printf '%s\n' "${with[@]}" | median)
	r=$(printf '%s\n' "${none[@]}" | median)
	q=$(ratio "$o" "$r")
	row "per-RA daemon CPU, 100k routes + 50 VRFs (ms)" "$o" "$r" "$q" "<= 1.2x" "$(verdict "$q" le 1.2)" \
		"batches of $n RAs, with: ${with[*]}; none: ${none[*]}"
	bench_lab_down
}

# ---- RA -> PvD usable vs the kernel's accept_ra, same RA, from cold ----
m_usable() {
	local i ours=() ref=() t kh kr
	bench_lab || return 1
	ns_create kh kr
	ip -n "$kh" link add kv0 type veth peer name veth0 netns "$kr"
	ip netns exec "$kh" sysctl -qw net.ipv6.conf.all.forwarding=0 net.ipv6.conf.kv0.accept_ra=1
	ip -n "$kh" link set kv0 up
	lab_router "$kr" d
	busywait 5000 eval '! ip -n "$kh" -6 addr show | grep -q tentative'
	ours_ok() { ip -n "$host" -6 route show table all | grep -q "^default via fe80::c$1 dev pvd" &&
		ip -n "$host" -6 addr show | grep -q "inet6 2001:db8:e$1:"; }
	ref_ok() { ip -n "$kh" -6 route show | grep -q "^default via fe80::c$1 dev kv0" &&
		ip -n "$kh" -6 addr show | grep -q "inet6 2001:db8:e$1:"; }
	for i in $(seq "$REPS"); do
		# A new router and prefix each time: a new (implicit) PvD, cold.
		# The clock starts when the RA leaves (send-ras.py), not at Python's start.
		echo "fe80::c$i $($RA --print --lifetime 1800 \
			--prefix "2001:db8:e$i::/64,valid=3600,preferred=1800,flags=LA")" >"$LAB_TMP/u.ras"
		read -r t _ < <(ip netns exec "$rC" $SEND --dev veth0 "$LAB_TMP/u.ras")
		until ours_ok "$i"; do [ "$(ms_since "$t")" -lt 60000 ] || return 1; done
		ours+=("$(ms_since "$t")")
		read -r t _ < <(ip netns exec "$kr" $SEND --dev veth0 "$LAB_TMP/u.ras")
		until ref_ok "$i"; do [ "$(ms_since "$t")" -lt 60000 ] || return 1; done
		ref+=("$(ms_since "$t")")
	done
	local o r q
	o=$(printf '%s\n' "${ours[@]}" | median)
	r=$(printf '%s\n' "${ref[@]}" | median)
	q=$(ratio "$o" "$r")
	row "RA -> PvD usable (ms)" "$o" "$r" "$q" "<= 1.2x" "$(verdict "$q" le 1.2)" \
		"VRF+address+default; ref: kernel accept_ra, plain veth; ours: ${ours[*]}; ref: ${ref[*]}"
	bench_lab_down
}

# ---- 64 RIO x 16 PvDs vs ip -6 -batch of the same routes ----
# Two rows.  From cold: the 16 RAs reach a daemon that has no PvD yet, so
# its time includes making 16 VRFs and 16 sub-interfaces, which the
# reference does not pay (it adds routes to tables only).  Into made PvDs:
# the same 16 PvDs were made by RAs without RIOs first (each usable), then
# the RAs with the RIOs come: the route rate alone, what the reference
# measures.  The daemon restarts (SIGTERM removes everything) between
# repetitions.
m_rio() {
	local j k i f w b cold=() warm=() ref=() t
	bench_lab || return 1
	f=$LAB_TMP/rio.ras
	w=$LAB_TMP/rio-bare.ras
	b=$LAB_TMP/rio.batch
	for j in $(seq 0 15); do
		args=(--lifetime 1800 --pvd "r$j.example")
		for k in $(seq 0 63); do
			args+=(--rio "2001:db8:1$(printf %x "$j"):$(printf %x "$k")::/64,lifetime=1800")
			printf 'route add 2001:db8:1%x:%x::/64 dev fdum0 table %d\n' "$j" "$k" $((3100 + j)) >>"$b"
		done
		echo "fe80::a $($RA --print "${args[@]}" --seq 2)" >>"$f"
		echo "fe80::a $($RA --print --lifetime 1800 --pvd "r$j.example" --seq 1)" >>"$w"
	done
	ip -n "$host" link add fdum0 type dummy
	ip -n "$host" link set fdum0 up
	routes() { ip -n "$host" -6 route show table all proto 249 | grep -c '^2001:db8:1'; }
	all_ready() { local j; for j in $(seq 0 15); do pvd_ready "r$j.example" fe80::a || return 1; done; }
	# rate START_NS: routes per second for the 1024 routes since START_NS.
	rate() { awk -v ms=$((($(now_ns) - $1) / 1000000)) 'BEGIN { if (ms < 1) ms = 1; printf "%.0f", 1024 * 1000 / ms }'; }
	# rio_time: send the RIO RAs, the rate at which their routes appear.
	rio_time() {
		read -r t _ < <(ip netns exec "$rA" $SEND --dev veth0 "$f")
		until [ "$(routes)" -ge 1024 ]; do
			[ $((($(now_ns) - t) / 1000000)) -lt 300000 ] || return 1
			sleep 0.02
		done
		rate "$t"
	}
	restart() { lab_daemon_stop TERM; lab_daemon_start "log_level = info"; }
	for i in $(seq "$REPS"); do
		[ "$i" -gt 1 ] && restart
		cold+=("$(rio_time)") || return 1
		restart
		ip netns exec "$rA" $SEND --dev veth0 "$w" >/dev/null
		busywait 300000 all_ready || return 1
		warm+=("$(rio_time)") || return 1
		t=$(now_ns)
		ip -n "$host" -6 -batch "$b" || return 1
		ref+=("$(rate "$t")")
		ip -n "$host" -6 route flush dev fdum0 table all 2>/dev/null
	done
	local c o r q
	c=$(printf '%s\n' "${cold[@]}" | median)
	o=$(printf '%s\n' "${warm[@]}" | median)
	r=$(printf '%s\n' "${ref[@]}" | median)
	q=$(ratio "$c" "$r")
	row "64 RIO x 16 PvDs from cold (routes/s)" "$c" "$r" "$q" ">= 0.8x" "$(verdict "$q" ge 0.8)" \
		"16 RAs back to back, incl. making 16 VRFs + 16 sub-interfaces; ours: ${cold[*]}; ip -6 -batch: ${ref[*]}"
	q=$(ratio "$o" "$r")
	row "64 RIO x 16 PvDs into made PvDs (routes/s)" "$o" "$r" "$q" ">= 0.8x" "$(verdict "$q" ge 0.8)" \
		"the 16 PvDs usable first, then their RAs with the RIOs; ours: ${warm[*]}; ip -6 -batch: ${ref[*]}"
	bench_lab_down
}

# ---- RSS with 64 PvDs x 4 routers x 16 prefixes ----
# The daemon's one ICMPv6 socket queues ~170 RAs of this size (the kernel's
# default receive buffer): a burst of 256 RAs lost the last ~90 (88 in
# /proc/net/raw6), and with them the last PvDs for good, as nothing repeats
# them.  So one RA at a time, the next when the daemon's socket queue is
# empty.  (Before its socket filter, our own sub-interfaces' copies of each
# RA, one per PvD already made, filled that queue too: "RA copies" below.)
# The caps count router-learnt objects per router: 4 routers x 16 prefixes
# need max_prefixes_per_pvd = 64 (the default 16 refused 48 per PvD).
raw6() { ip netns exec "$host" cat /proc/net/raw6; }	# only the daemon's socket in $host
# (Its drops column is what the daemon reports as ra-lost-socket-full.)
ras_drained() { raw6 | awk 'NR > 1 && $5 !~ /:0+$/ { busy = 1 } END { exit busy }'; }
# send_paced FILE: its RAs from rA one at a time, each when the daemon's
# socket queue is empty (see above).
send_paced() {
	local word n from to
	coproc SENDER { ip netns exec "$rA" $SEND --dev veth0 --step "$1"; }
	# Our own copies of its pipes: bash closes SENDER's when it exits.
	exec {from}<&"${SENDER[0]}" {to}>&"${SENDER[1]}"
	while read -r word n <&"$from" && [ "$word" = sent ]; do
		busywait 60000 ras_drained || { echo "rss: the daemon did not read RA $n within 60 s" >&2; break; }
		echo >&"$to"
	done
	exec {from}<&- {to}>&-
	wait "$SENDER_PID"
}
# refresh_ms FILE: the daemon's CPU per RA (ms) for FILE's RAs sent again,
# each repeating what it holds already (lifetimes within the refresh rule).
refresh_ms() {
	local c0 n
	n=$(wc -l <"$1")
	c0=$(cpu_ticks "$LAB_PID")
	send_paced "$1" || return 1
	wait_idle "$LAB_PID"
	awk -v a="$c0" -v b="$(cpu_ticks "$LAB_PID")" -v n="$n" -v t="$TCK" 'BEGIN { printf "%.2f\n", (b - a) * 1000 / t / n }'
}
m_rss() {
	local f j x p empty full args t line lost one r ref ours
	bench_lab "max_pvds_per_link = 64" "max_prefixes_per_pvd = 64" || return 1
	wait_idle "$LAB_PID"
	empty=$(rss_kb "$LAB_PID")
	f=$LAB_TMP/rss.ras
	for j in $(seq 0 63); do
		args=(--lifetime 1800 --pvd "m$j.example" --seq 1)
		for p in $(seq 0 15); do
			args+=(--prefix "2001:db8:$(printf %x $((0x2000 + j))):$(printf %x "$p")::/64,valid=3600,preferred=1800,flags=LA")
		done
		line=$($RA --print "${args[@]}")
		for x in 1 2 3 4; do echo "fe80::a$x $line" >>"$f"; done
	done
	# The reference of the refresh row: the first PvD alone, its 4 RAs
	# repeated 16 times.
	one=$LAB_TMP/one.ras
	head -4 "$f" >"$one"
	send_paced "$one" || return 1
	busywait 60000 pvd_ready m0.example fe80::a4 || return 1
	wait_idle "$LAB_PID"
	for r in $(seq 16); do cat "$one"; done >"$one.16"
	ref=$(refresh_ms "$one.16") || return 1
	t=$(now_ns)
	send_paced "$f" || return 1
	echo "rss: 256 RAs sent and read in $(ms_since "$t") ms" >&2
	# Everything in the kernel: per PvD 16 addresses, 16 prefix routes and
	# a default route per router.  Unscaled deadline: PVD_WAIT_SCALE would
	# make this an hour under TCG.
	rss_complete() {
		[ "$(vrf_count)" -ge 64 ] &&
			[ "$(ip -n "$host" -6 route show table all proto 249 | grep -c '^default via fe80::a')" -ge 256 ] &&
			[ "$(ip -n "$host" -6 route show table all proto 249 | grep -c '^2001:db8:2')" -ge 1024 ] &&
			[ "$(ip -n "$host" -6 -o addr show | grep -c 'inet6 2001:db8:2')" -ge 1024 ]
	}
	until rss_complete; do
		[ "$(ms_since "$t")" -lt "${BENCH_RSS_DEADLINE_MS:-600000}" ] || return 1
		sleep 1
	done
	echo "rss: kernel state complete $(ms_since "$t") ms after the first RA" >&2
	wait_idle "$LAB_PID"
	full=$(rss_kb "$LAB_PID")
	refresh_stats || return 1
	lost=$(stat_count ra-lost-socket-full)
	row "RSS with 64 PvDs x 4 routers x 16 prefixes (KiB)" "$full" "$empty" "$(ratio "$full" "$empty")" \
		"report per PvD" INFO "$(( (full - empty) / 64 )) KiB per PvD; $(vrf_count) VRFs, $(stat_count pvds) PvDs; \
max_prefixes_per_pvd = 64; RAs lost in the socket: $lost; refused: $(awk -F'\t' '$1 == "refused" { s += $3 } END { print s + 0 }' "$LAB_RUN/stats"); \
RA copies from our sub-interfaces: $(stat_count ra-not-managed-link); state complete $(ms_since "$t") ms after the first RA"
	# An RA that changes nothing must cost what it costs with one PvD: the
	# reconciliation compares by key (sorted), not each object with each.
	ours=$(refresh_ms "$f") || return 1
	r=$(ratio "$ours" "$ref")
	row "per-RA CPU, refresh, 64 PvDs x 4 routers x 16 prefixes (ms)" "$ours" "$ref" "$r" "<= 1.2x" \
		"$(verdict "$r" le 1.2)" "the 256 RAs again; ref: the first PvD alone, its 4 RAs 16 times"
	bench_lab_down
}

# ---- restart with 64 PvDs on 4 links ----
# The lab's eth0 (rA) and eth1 (rC), and two more links for this metric:
# eth2 to rD, eth3 to rE; 64 PvDs advertised by all four routers: 64 VRFs
# and 256 sub-interfaces.  Ours: the restarted daemon's own figure, from its
# main() to the end of its first reconciliation (its "re-adopted" line, by
# stage; the exec and dynamic loading before main() are `pvd-vrfd
# --version`, in the note).  Reference: one `ip -batch` reading what the
# daemon reads (links, IPv6 addresses, the 64 tables); the note has the
# per-table dump time (64 `route show table T` in one ip, / 64).  And what a
# restart must not do: delete or re-create anything (same ifindexes, no
# "created"/"removed" line).
m_restart() {
	local conf=("links = eth0 eth1 eth2 eth3" "max_pvds_per_link = 64" "adopt_grace = 600")
	local f j k x ns line before after t i mark bad=0 ours=() wall=() ref=() tab=() ver=() stages got all=1
	bench_lab "${conf[@]}" || return 1
	ns_create rD rE
	ip -n "$host" link add eth2 type veth peer name veth0 netns "$rD"
	ip -n "$host" link add eth3 type veth peer name veth0 netns "$rE"
	lab_router "$rD" d
	lab_router "$rE" e
	ip -n "$host" link set eth2 up
	ip -n "$host" link set eth3 up
	busywait 30000 eval 'grep -q "link .eth2. managed" "$LAB_LOG" && grep -q "link .eth3. managed" "$LAB_LOG"' ||
		{ echo "restart: the daemon did not take eth2 and eth3" >&2; return 1; }
	f=$LAB_TMP/restart.ras
	for j in $(seq 0 63); do
		$RA --print --lifetime 1800 --pvd "r$j.example" --seq 1 \
			--prefix "2001:db8:$(printf %x $((0x3000 + j)))::/64,valid=3600,preferred=1800,flags=LA"
	done >"$f"
	links() { ip -n "$host" -o link show | awk -F': ' '$2 ~ /^pvd/ { sub("@.*", "", $2); print $1 ":" $2 }' | sort; }
	# One router at a time, the next when the daemon has made the links of
	# the last: 256 RAs at once would overflow its socket queue.
	k=0
	for x in a:rA c:rC d:rD e:rE; do
		sed "s/^/fe80::${x%%:*} /" "$f" >"$f.${x%%:*}"
		ns=${x#*:}
		ip netns exec "${!ns}" $SEND --dev veth0 "$f.${x%%:*}" >/dev/null || return 1
		k=$((k + 1))
		t=$(now_ns)
		until [ "$(links | wc -l)" -ge $((64 + 64 * k)) ]; do	# 64 VRFs + 64 sub-interfaces a link
			[ "$(ms_since "$t")" -lt 600000 ] || { echo "restart: links after router ${x#*:}: $(links | wc -l)" >&2; return 1; }
			sleep 1
		done
	done
	wait_idle "$LAB_PID"
	before=$(links)
	ip -n "$host" -o -d link show type vrf | sed -n 's/.* vrf table \([0-9]*\) .*/route show table \1/p' >"$LAB_TMP/tables.batch"
	{ echo "link show"; echo "address show"; cat "$LAB_TMP/tables.batch"; } >"$LAB_TMP/all.batch"
	[ "$(wc -l <"$LAB_TMP/tables.batch")" = 64 ] || { echo "restart: $(wc -l <"$LAB_TMP/tables.batch") VRF tables" >&2; return 1; }
	for i in $(seq "$REPS"); do
		lab_daemon_stop KILL
		mark=$(wc -l <"$LAB_LOG")
		t=$(now_ns)
		lab_daemon_start "log_level = info" "${conf[@]}"
		until tail -n +"$((mark + 1))" "$LAB_LOG" | grep -qE '(^|>)re-adopted [0-9]+ VRFs'; do
			[ "$(ms_since "$t")" -lt 60000 ] || return 1
			sleep 0.01
		done
		wall+=("$(ms_since "$t")")
		line=$(tail -n +"$((mark + 1))" "$LAB_LOG" | grep -E '(^|>)re-adopted [0-9]+ VRFs')
		echo "restart: $line" >&2
		ours+=("$(sed -n 's/.* in \([0-9.]*\) ms from main().*/\1/p' <<<"$line")")
		stages=$(sed -n 's/.* from main() (\(.*\))$/\1/p' <<<"$line")
		got=$(sed -n 's/^.*re-adopted \(.*\) in [0-9.]* ms from main.*/\1/p' <<<"$line")
		[[ $got == "64 VRFs, 256 sub-interfaces, "* ]] || all=0
		wait_idle "$LAB_PID"
		tail -n +"$((mark + 1))" "$LAB_LOG" | grep -qE '^(<[0-9]>)?(created|removed) ' && bad=1
		t=$(now_ns)
		ip -n "$host" -6 -batch "$LAB_TMP/all.batch" >/dev/null || return 1
		ref+=("$(ms_since "$t")")
		t=$(now_ns)
		ip -n "$host" -6 -batch "$LAB_TMP/tables.batch" >/dev/null || return 1
		tab+=("$(awk -v ns=$(($(now_ns) - t)) 'BEGIN { printf "%.2f", ns / 64e6 }')")
		t=$(now_ns)
		ip netns exec "$host" "$DAEMON" --version >/dev/null || return 1
		ver+=("$(ms_since "$t")")
	done
	after=$(links)
	[ "$before" = "$after" ] || bad=1
	local o r q v=MISS
	o=$(printf '%s\n' "${ours[@]}" | median)
	r=$(printf '%s\n' "${ref[@]}" | median)
	q=$(ratio "$o" "$r")
	[ $bad = 0 ] && [ $all = 1 ] && awk -v o="$o" 'BEGIN { exit !(o < 100) }' && v=PASS
	row "restart, 64 PvDs x 4 links: re-adopted (ms)" "$o" "$r" "$q" "< 100 ms, 0 changed" "$v" \
		"ours: main() to the first reconciliation's end, daemon's clock: ${ours[*]} (last: $got; $stages); ref: one ip -6 -batch of links, addresses, the 64 tables: ${ref[*]}; per-table dump: $(printf '%s\n' "${tab[@]}" | median) ms; exec to the line, polled: ${wall[*]}; pvd-vrfd --version: ${ver[*]}; $(wc -l <<<"$after") links, ifindexes $([ "$before" = "$after" ] && echo equal || echo CHANGED); created/removed lines: $([ $bad = 0 ] && echo none || echo SOME)"
	bench_lab_down
}

# ---- flood: 10k RA/s for 60 s, random PvD names and prefixes ----
# The flooder is rB (fe80::b, on eth0's bridge with rA): bench/flood-ras
# sends one template built by ra.py -- a PvD option "f<8 random hex
# digits>.flood.example" holding a PIO for a random 2001:db8:X:Y::/64 --
# with fresh random name digits and X:Y in every copy (its --text and
# --bytes markers), paced at BENCH_FLOOD_RATE per second (default 10000) for
# BENCH_FLOOD_SECS (default 60).  The real routers: rA (a.example, eth0,
# the flooded link) and rC (its implicit PvD, eth1).  Default caps: the
# flood fills a.example's link up to max_pvds_per_link, then is refused.
#
# Back to normal: rA advertises one more prefix in a.example and we time
# from its sending (flood-ras's clock) until its route in a.example's VRF
# table (`ip -ts monitor route`'s clock): what a real router's change takes
# to reach the kernel, which is what a flood must not hold up.  Three times
# in the steady state before the flood, and once the moment the flood ends
# (a sender started ahead, --at the flood's planned end + 1 ms): whatever
# the flood left behind (RAs still queued in the daemon's socket,
# reconciliations of the PvDs it made) delays that one.  "Back to normal"
# is its delay beyond the steady median, target <= 1000 ms.  (Sampling the
# daemon's CPU for idleness cannot tell a daemon catching up from one that
# has finished; polling with ip has the resolution of a process start,
# up to seconds in a loaded TCG VM.)
#
# Accounting, from the kernel's counters and the daemon's (RUN_DIR/stats),
# over the flood and the probe that follows it:
#  - on the wire: each RA sent reached ICMPv6 input on eth0 (the kernel's
#    per-link Icmp6InRouterAdvertisements; the daemon's raw socket is
#    offered each of them first) or was dropped by a veth on the way
#    (tx_dropped of rB's and rA's veth0 and of the bridge's port to the
#    host, of any packet: the only losses the kernel reports before our
#    socket, so the RAs the kernel took from the senders and eth0 did not
#    get are at most those);
#  - at the socket: each RA of eth0 and eth1 was read by the daemon
#    (ra-received less ra-not-managed-link) or lost to its full queue
#    (ra-lost-socket-full).  The kernel also offers our socket a copy of
#    each multicast RA from every sub-interface of ours on eth0 (counted in
#    their own Icmp6InRouterAdvertisements): the daemon's filter drops, not
#    counted, those of the sub-interfaces it knows; the others are read
#    (ra-not-managed-link) or lost to the full queue, in the same kernel
#    counter as eth0's.  So lost RAs may exceed eth0's share by at most the
#    copies not read: the check is 0 <= excess <= unread copies;
#  - in the daemon: each RA read has exactly one fate: ra-not-managed-link,
#    ra-dropped (a reason), ra-taken, ra-refused (a cap) or ra-empty.
# A mismatch anywhere is a MISS, and so is a sender below 95% of the rate:
# the row did not measure the load it names.
FLOOD="$BUILD/bench/flood-ras"
flood_ra_stat() {	# flood_ra_stat KEY...: the sum of these counters in the stats file as last written
	awk -F'\t' -v keys=" $* " 'index(keys, " " $1 " ") { s += $NF } END { print s + 0 }' "$LAB_RUN/stats"
}
flood_ras_in() {	# flood_ras_in DEV...: RAs ICMPv6 input took on these links of the host
	local d
	for d in "$@"; do
		ip netns exec "$host" awk '$1 == "Icmp6InRouterAdvertisements" { print $2 }' "/proc/net/dev_snmp6/$d"
	done | awk '{ s += $1 } END { print s + 0 }'
}
flood_copies() {	# the same on our sub-interfaces (and VRFs) there
	# shellcheck disable=SC2046
	flood_ras_in $(ip -n "$host" -o link show | awk -F': ' '$2 ~ /^pvd/ { sub("@.*", "", $2); print $2 }')
}
flood_veth_drops() {	# RAs the veths on the way from rB and rA to eth0 dropped
	echo $(( $(ip netns exec "$rB" cat /sys/class/net/veth0/statistics/tx_dropped) + \
		$(ip netns exec "$rA" cat /sys/class/net/veth0/statistics/tx_dropped) + \
		$(ip netns exec "$sw" cat /sys/class/net/phost/statistics/tx_dropped) ))
}
# flood_snapshot: the counters the accounting compares, on one line.
flood_snapshot() {
	refresh_stats || return 1
	echo "$(flood_ras_in eth0 eth1) $(flood_copies) $(flood_veth_drops)" \
		"$(flood_ra_stat ra-received) $(flood_ra_stat ra-not-managed-link) $(flood_ra_stat ra-lost-socket-full)" \
		"$(flood_ra_stat ra-not-managed-link ra-dropped ra-taken ra-refused ra-empty)" \
		"$(flood_ra_stat ra-refused) $(flood_ra_stat ra-unreadable)"
}
flood_route_in() { ip -n "$host" -6 route show table "$1" "$2" | grep -q .; }	# flood_route_in TABLE PREFIX
flood_probe_prefix() { echo "2001:db8:a:$1::/64"; }
# flood_probe_send K [FLOOD-RAS ARGS]: rA's RA with probe prefix K in
# a.example, 3 times 100 ms apart: at the flood's end the kernel's backlog
# may still be full and drop one (a real router's RA too; the daemon has
# no part in that).  Prints flood-ras's line; the probe's time is that of
# its first copy the kernel took, so a copy lost later on the way, not told
# to the sender, adds 100 or 200 ms.
flood_probe_send() {
	local k=$1 hex
	shift
	hex=$($RA --print --lifetime 1800 --pvd a.example --seq 1 \
		--prefix "$(flood_probe_prefix "$k"),valid=3600,preferred=1800,flags=LA")
	ip netns exec "$rA" "$FLOOD" --dev veth0 --src fe80::a --rate 10 --secs 0.3 "$@" "$hex"
}
# flood_probe_ms K LINE: from the probe's send time (in flood-ras's LINE)
# to its route's event in $LAB_TMP/routes (ip -ts monitor route).
flood_probe_ms() {
	local p sent ts t
	p=$(flood_probe_prefix "$1")
	sent=$(awk '{ print $8 }' <<<"$2")
	[ "${sent:-0}" != 0 ] || { echo "flood: the probe was not sent ($2)" >&2; return 1; }
	t=$(now_ns)
	until ts=$(awk -v p="$p" '$2 == p && $0 ~ / proto (249|pvd) / { print substr($1, 2, length($1) - 2); exit }' \
		"$LAB_TMP/routes") && [ -n "$ts" ]; do
		[ "$(ms_since "$t")" -lt 120000 ] || { echo "flood: $p never reached a.example's table" >&2; return 1; }
		sleep 0.01
	done
	echo $(( ($(date -d "$ts" +%s%N) - sent) / 1000000 ))
}
# flood_real_intact: a.example (its default route, its first prefix's
# address, every prefix probed so far: 1..$1) and rC's implicit PvD.
flood_real_intact() {
	local va k
	va=$(vrf_of a.example)
	pvd_ready a.example fe80::a && vrf_has "$va" 'inet6 2001:db8:a:0?:' && pvd_ready fe80::c%eth1 fe80::c || return 1
	for k in $(seq "$1"); do
		flood_route_in "$(table_of "$va")" "2001:db8:a:$k::/64" || return 1
	done
}
m_flood() {
	local rate=${BENCH_FLOOD_RATE:-10000} secs=${BENCH_FLOOD_SECS:-60} hex steady=() k t after
	local rss0 rss1 c0 c1 out sent ms failed last start probe probes cores s0 s1 v=PASS why=()
	bench_lab || return 1
	ip -n "$host" -ts monitor route >"$LAB_TMP/routes" 2>/dev/null &
	disown $!	# ns_cleanup kills it; no job report from bash
	lab_ra_a
	lab_ra_c
	busywait 30000 pvd_ready a.example fe80::a || return 1
	busywait 30000 pvd_ready fe80::c%eth1 fe80::c || return 1
	busywait 30000 vrf_has "$(vrf_of a.example)" 'inet6 2001:db8:a:0?:' || return 1
	for k in 1 2 3; do
		t=$(flood_probe_send $k) && t=$(flood_probe_ms $k "$t") || return 1
		steady+=("$t")
	done
	wait_idle "$LAB_PID"
	flood_real_intact 3 || { echo "flood: the real PvDs were not whole before the flood" >&2; return 1; }
	hex=$($RA --print --lifetime 1800 --pvd fzzzzzzzz.flood.example --seq 1 \
		--prefix 2001:db8:5eed:f100::/64,valid=600,preferred=300,flags=LA)
	s0=$(flood_snapshot) || return 1
	rss0=$(rss_kb "$LAB_PID")
	# Both senders start ahead (process starts take seconds under a loaded
	# TCG) and wait: the flood for $start, the probe for its end + 1 ms.
	start=$(( $(now_ns) + 10000000000 ))
	flood_probe_send 4 --at "$(awk -v s="$start" -v d="$secs" 'BEGIN { printf "%.0f", s + d * 1e9 + 1e6 }')" \
		>"$LAB_TMP/probe.out" &
	probe=$!
	c0=$(cpu_ticks "$LAB_PID")
	out=$(ip netns exec "$rB" "$FLOOD" --dev veth0 --src fe80::b --rate "$rate" --secs "$secs" --at "$start" \
		--text zzzzzzzz --bytes 5eedf100 "$hex") || return 1
	c1=$(cpu_ticks "$LAB_PID")
	wait "$probe" || return 1
	after=$(flood_probe_ms 4 "$(cat "$LAB_TMP/probe.out")") || return 1
	read -r _ sent _ ms _ failed _ _ _ last <<<"$out"
	probes=$(awk '{ print $2 }' "$LAB_TMP/probe.out")
	echo "flood: the probe left $(( ($(awk '{ print $8 }' "$LAB_TMP/probe.out") - last) / 1000 )) us after the flood's last RAs" >&2
	echo "flood: $out; probe after it: $after ms; steady: ${steady[*]} ms" >&2
	busywait 60000 ras_drained || return 1
	wait_idle "$LAB_PID"
	rss1=$(rss_kb "$LAB_PID")
	s1=$(flood_snapshot) || return 1
	echo "flood: counters before: $s0; after: $s1" >&2
	cores=$(awk -v c=$((c1 - c0)) -v t="$TCK" -v ms="$ms" 'BEGIN { printf "%.2f", c * 1000 / t / ms }')

	local wire copies drops recv nm lost fates refused unread
	read -r wire copies drops recv nm lost fates refused unread < <(
		paste -d' ' <(tr ' ' '\n' <<<"$s1") <(tr ' ' '\n' <<<"$s0") | awk '{ printf "%d ", $1 - $2 } END { print "" }')
	local st back excess
	st=$(printf '%s\n' "${steady[@]}" | median)
	back=$((after - ${st%.*}))
	excess=$((recv - nm + lost - wire))
	# The verdict, each target in turn.
	flood_real_intact 4 || { v=MISS; why+=("real PvDs NOT intact"); }
	[ $((rss1 - rss0)) -le 1024 ] || { v=MISS; why+=("RSS +$((rss1 - rss0)) KiB"); }
	awk -v c="$cores" 'BEGIN { exit !(c <= 1.0) }' || { v=MISS; why+=("CPU $cores cores"); }
	[ "$back" -le 1000 ] || { v=MISS; why+=("back to normal after ${back} ms"); }
	# The RAs the kernel took from the senders (flood and probe), less what
	# reached eth0: at most what the veths dropped (of any packet, and also
	# some of those the kernel refused to the sender, ENOBUFS: a bound).
	local handed=$((sent + probes))
	[ "$((handed - wire))" -ge 0 ] && [ "$((handed - wire))" -le "$drops" ] ||
		{ v=MISS; why+=("$handed RAs sent, eth0 took $wire, veths dropped $drops packets"); }
	[ "$excess" -ge 0 ] && [ "$excess" -le $((copies - nm)) ] ||
		{ v=MISS; why+=("read + lost - eth0's = $excess, not within 0..$((copies - nm)) copies"); }
	[ "$recv" = "$fates" ] && [ "$unread" = 0 ] || { v=MISS; why+=("read $recv but fates $fates, unreadable $unread"); }
	awk -v s="$sent" -v ms="$ms" -v r="$rate" 'BEGIN { exit !(s * 1000 / ms >= 0.95 * r) }' ||
		{ v=MISS; why+=("the sender fell short of $rate/s"); }
	row "flood: $sent RAs in $ms ms, $((sent * 1000 / (ms > 0 ? ms : 1)))/s (RSS +KiB)" "$((rss1 - rss0))" "$rss0" \
		"$(ratio "$rss1" "$rss0")" "+1 MiB, <= 1 core, back <= 1 s" "$v" \
		"$([ ${#why[@]} = 0 ] || printf '%s; ' "${why[@]}")target $rate/s for $secs s; CPU $cores cores; real PvDs intact: $(flood_real_intact 4 && echo yes || echo NO); \
back to normal ${back} ms after (rA's new prefix in a.example's table: ${after} ms right after, steady ${steady[*]} ms); \
accounting: $sent flood RAs sent ($failed more refused by the kernel, ENOBUFS) + $probes probe RAs: $wire on eth0, $((handed - wire)) lost before it (veths dropped $drops packets); \
daemon read $((recv - nm)) + lost $lost ($excess of them copies from our sub-interfaces, of $((copies - nm)) unread); \
$recv read = $fates fates, $refused refused whole; $(vrf_count) VRFs"
	bench_lab_down
}

# ---- pvd exec vs ip vrf exec ----
# exec_times N LABEL:USER [VAR=VALUE]... CMD... [:: LABEL:USER ...]...: run
# each command N times, interleaved (1st of each, 2nd of each, ...), from one
# process in $host (no ip netns exec, setpriv or env per run), as USER (root
# or a uid, its gid alike, no groups), with the VARs added to the environment.  Prints "LABEL MEDIAN_US" per command: the median
# of the per-run wall times, fork to exit.
exec_times() {
	ip netns exec "$host" $PY -c '
import os, subprocess, sys, time
n, cmds, cur = int(sys.argv[1]), [], None
for a in sys.argv[2:]:
    if a == "::":
        cur = None
    elif cur is None:
        label, user = a.split(":")
        cur = (label, None if user == "root" else int(user), dict(os.environ), [])
        cmds.append(cur)
    elif not cur[3] and "=" in a:
        cur[2].update([a.split("=", 1)])
    else:
        cur[3].append(a)
times = {c[0]: [] for c in cmds}
for _ in range(n):
    for label, uid, env, argv in cmds:
        ids = {} if uid is None else {"user": uid, "group": uid, "extra_groups": []}
        t = time.perf_counter_ns()
        r = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **ids)
        times[label].append((time.perf_counter_ns() - t) // 1000)
        if r.returncode != 0:
            sys.exit("%s: exit %d: %s" % (" ".join(argv), r.returncode, r.stderr.decode()))
for label, t in times.items():
    t.sort()
    print(label, t[len(t) // 2])
' "$@"
}

# ---- pvd exec P -- /bin/true, as root and as a user, vs ip vrf exec ----
# ip vrf exec needs root (a BPF program, a cgroup), so it is the reference of
# both rows: what an administrator runs to get a process bound to the VRF.
# The shim alone (LD_PRELOAD, no lookup) is the floor of the user's row.
m_exec() {
	local i n=25 out ours=() user=() ref=() shim=() va
	bench_lab bus || return 1
	lab_ra_a
	busywait 30000 pvd_ready a.example fe80::a || return 1
	va=$(vrf_of a.example)
	lab_user_bin "$PVD_CLI" "$BUILD/src/libpvd-preload.so" || return 1
	for i in $(seq "$REPS"); do
		out=$(exec_times $n ours:root "$PVD_CLI" exec a.example -- /bin/true \
			:: user:65534 PVD_PRELOAD_LIB="$LAB_UBIN/libpvd-preload.so" "$LAB_UBIN/pvd" exec a.example -- /bin/true \
			:: ref:root ip vrf exec "$va" /bin/true \
			:: shim:65534 LD_PRELOAD="$LAB_UBIN/libpvd-preload.so" PVD_VRF="$va" /bin/true) || return 1
		ours+=("$(awk '$1 == "ours" { print $2 }' <<<"$out")")
		user+=("$(awk '$1 == "user" { print $2 }' <<<"$out")")
		ref+=("$(awk '$1 == "ref" { print $2 }' <<<"$out")")
		shim+=("$(awk '$1 == "shim" { print $2 }' <<<"$out")")
	done
	local o u r s
	o=$(printf '%s\n' "${ours[@]}" | median)
	u=$(printf '%s\n' "${user[@]}" | median)
	r=$(printf '%s\n' "${ref[@]}" | median)
	s=$(printf '%s\n' "${shim[@]}" | median)
	row "pvd exec P -- /bin/true, root (us)" "$o" "$r" "$(ratio "$o" "$r")" "<= 1.0x" \
		"$(verdict "$(ratio "$o" "$r")" le 1.0)" \
		"medians of $n runs each, interleaved, in the namespace; ref: ip vrf exec as root; ours: ${ours[*]}; ref: ${ref[*]}"
	row "pvd exec P -- /bin/true, user 65534 (us)" "$u" "$r" "$(ratio "$u" "$r")" "<= 1.0x" \
		"$(verdict "$(ratio "$u" "$r")" le 1.0)" \
		"same runs; ref: ip vrf exec as root (a user cannot); ours: ${user[*]}; the shim alone (LD_PRELOAD=... /bin/true): ${shim[*]}"
	bench_lab_down
}

# ---- datapath: iperf3 through the PvD's VRF vs the same link unbound ----
m_iperf() {
	local i ours=() ref=() va
	command -v iperf3 >/dev/null || { row "iperf3 through a PvD VRF" - - - ">= 0.97x" ERROR "iperf3 not installed (tests/install-deps)"; return 0; }
	bench_lab || return 1
	lab_ra_a
	busywait 30000 pvd_ready a.example fe80::a || return 1
	va=$(vrf_of a.example)
	busywait 30000 eval 'vrf_addrs "$va" | grep -v tentative | grep -q "2001:db8:a:"'
	# Unbound: the same link, through the main table.
	ip -n "$host" -6 route replace 2001:db8:a1::/48 via fe80::a dev eth0
	ip netns exec "$rA" iperf3 -s -D -B 2001:db8:a1::80 >/dev/null 2>&1
	sleep 1
	bps() { ip netns exec "$host" iperf3 -c 2001:db8:a1::80 -t 4 -O 1 -J "$@" |
		$PY -c 'import json,sys; print(int(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))'; }
	for i in $(seq "$REPS"); do
		ours+=("$(bps --bind-dev "$va")")
		ref+=("$(bps)")
	done
	local o r q
	o=$(printf '%s\n' "${ours[@]}" | median)
	r=$(printf '%s\n' "${ref[@]}" | median)
	q=$(ratio "$o" "$r")
	row "iperf3 TCP through a PvD VRF (Mbit/s)" "$o" "$r" "$q" ">= 0.97x" "$(verdict "$q" ge 0.97)" \
		"4 s runs less the first (slow start), --bind-dev VRF vs unbound; ours: ${ours[*]}; ref: ${ref[*]}"
	bench_lab_down
}

metrics=("$@")
[ ${#metrics[@]} -gt 0 ] || metrics=(usable cpu rio exec iperf flood rss restart)
for m in "${metrics[@]}"; do
	declare -F "m_$m" >/dev/null || { echo "usage: vm-bench.sh [usable|cpu|rio|exec|iperf|flood|rss|restart]..." >&2; exit 2; }
done
for m in "${metrics[@]}"; do
	echo "# bench: $m" >&2
	if ! "m_$m"; then
		row "$m" - - - - ERROR "the metric did not complete (see the log above)"
		[ -n "${LAB_LOG:-}" ] && [ -f "$LAB_LOG" ] && tail -5 "$LAB_LOG" >&2
		bench_lab_down
	fi
done
