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

# ---- 64 RIO x 16 PvDs from cold vs ip -6 -batch ----
m_rio() {
	local j k i f b ours=() ref=() t line
	bench_lab || return 1
	f=$LAB_TMP/rio.ras
	b=$LAB_TMP/rio.batch
	for j in $(seq 0 15); do
		args=(--lifetime 1800 --pvd "r$j.example" --seq 1)
		for k in $(seq 0 63); do
			args+=(--rio "2001:db8:1$(printf %x "$j"):$(printf %x "$k")::/64,lifetime=1800")
			printf 'route add 2001:db8:1%x:%x::/64 dev fdum0 table %d\n' "$j" "$k" $((3100 + j)) >>"$b"
		done
		echo "fe80::a $($RA --print "${args[@]}")" >>"$f"
	done
	ip -n "$host" link add fdum0 type dummy
	ip -n "$host" link set fdum0 up
	routes() { ip -n "$host" -6 route show table all proto 249 | grep -c '^2001:db8:1'; }
	for i in $(seq "$REPS"); do
		[ "$i" -gt 1 ] && { lab_daemon_stop TERM; lab_daemon_start "log_level = info"; }
		read -r t _ < <(ip netns exec "$rA" $SEND --dev veth0 "$f")
		until [ "$(routes)" -ge 1024 ]; do
			[ $((($(now_ns) - t) / 1000000)) -lt 300000 ] || return 1
			sleep 0.02
		done
		ours+=("$(awk -v ms=$((($(now_ns) - t) / 1000000)) 'BEGIN { printf "%.0f", 1024 * 1000 / ms }')")
		t=$(now_ns)
		ip -n "$host" -6 -batch "$b" || return 1
		ref+=("$(awk -v ms=$((($(now_ns) - t) / 1000000)) 'BEGIN { if (ms < 1) ms = 1; printf "%.0f", 1024 * 1000 / ms }')")
		ip -n "$host" -6 route flush dev fdum0 table all 2>/dev/null
	done
	local o r q
	o=$(printf '%s\n' "${ours[@]}" | median)
	r=$(printf '%s\n' "${ref[@]}" | median)
	q=$(ratio "$o" "$r")
	row "64 RIO x 16 PvDs from cold (routes/s)" "$o" "$r" "$q" ">= 0.8x" "$(verdict "$q" ge 0.8)" \
		"16 RAs back to back; ours: ${ours[*]}; ip -6 -batch: ${ref[*]}"
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
ras_drained() { raw6 | awk 'NR > 1 && $5 !~ /:0+$/ { busy = 1 } END { exit busy }'; }
ras_lost() { raw6 | awk 'NR > 1 { d += $NF } END { print d + 0 }'; }
m_rss() {
	local f j x p empty full args t line word n lost from to
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
	t=$(now_ns)
	coproc SENDER { ip netns exec "$rA" $SEND --dev veth0 --step "$f"; }
	# Our own copies of its pipes: bash closes SENDER's when it exits.
	exec {from}<&"${SENDER[0]}" {to}>&"${SENDER[1]}"
	while read -r word n <&"$from" && [ "$word" = sent ]; do
		busywait 60000 ras_drained || { echo "rss: the daemon did not read RA $n within 60 s" >&2; break; }
		echo >&"$to"
	done
	exec {from}<&- {to}>&-
	wait "$SENDER_PID" || return 1
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
	lost=$(ras_lost)
	row "RSS with 64 PvDs x 4 routers x 16 prefixes (KiB)" "$full" "$empty" "$(ratio "$full" "$empty")" \
		"report per PvD" INFO "$(( (full - empty) / 64 )) KiB per PvD; $(vrf_count) VRFs, $(stat_count pvds) PvDs; \
max_prefixes_per_pvd = 64; RAs lost in the socket: $lost; refused: $(awk -F'\t' '$1 == "refused" { s += $3 } END { print s + 0 }' "$LAB_RUN/stats"); \
RA copies from our sub-interfaces: $(stat_count ra-not-managed-link); state complete $(ms_since "$t") ms after the first RA"
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

# ---- flood: random PvD names and prefixes, as fast as ra.py goes ----
m_flood() {
	local n=${BENCH_FLOOD:-10000} rss0 rss1 c0 c1 t0 ms cores back t ok=0 refused
	bench_lab || return 1
	lab_ra_a
	busywait 30000 pvd_ready a.example fe80::a || return 1
	wait_idle "$LAB_PID"
	rss0=$(rss_kb "$LAB_PID")
	c0=$(cpu_ticks "$LAB_PID")
	t0=$(now_ns)
	ip netns exec "$rB" $RA --dev veth0 --flood "$n" --interval 0.001 --seed 1 >/dev/null
	ms=$(ms_since "$t0")
	c1=$(cpu_ticks "$LAB_PID")
	t=$(now_ns)
	wait_idle "$LAB_PID"
	back=$(( $(ms_since "$t") ))
	rss1=$(rss_kb "$LAB_PID")
	cores=$(awk -v c=$((c1 - c0)) -v t="$TCK" -v ms="$ms" 'BEGIN { printf "%.2f", c * 1000 / t / ms }')
	pvd_ready a.example fe80::a && ok=1
	refresh_stats
	refused=$(awk -F'\t' '$1 ~ /refus/ { s += $NF } END { print s + 0 }' "$LAB_RUN/stats")
	local v=MISS
	[ $ok = 1 ] && [ $((rss1 - rss0)) -le 1024 ] && awk -v c="$cores" 'BEGIN { exit !(c <= 1.0) }' && v=PASS
	row "flood: $n RAs at $((n * 1000 / (ms > 0 ? ms : 1)))/s (RSS +KiB)" "$((rss1 - rss0))" "$rss0" \
		"$(ratio "$rss1" "$rss0")" "+1 MiB, <= 1 core" "$v" \
		"CPU $cores cores; real PvD intact: $ok; refusals counted: $refused; idle ${back} ms after (0.5 s sampling)"
	bench_lab_down
}

# ---- pvd exec vs ip vrf exec ----
m_exec() {
	local i n=20 t ours=() ref=() va
	bench_lab bus || return 1
	lab_ra_a
	busywait 30000 pvd_ready a.example fe80::a || return 1
	va=$(vrf_of a.example)
	for i in $(seq "$REPS"); do
		t=$(now_ns)
		for _ in $(seq $n); do ip netns exec "$host" "$PVD_CLI" exec a.example -- /bin/true || return 1; done
		ours+=("$(( ($(now_ns) - t) / 1000 / n ))")
		t=$(now_ns)
		for _ in $(seq $n); do ip netns exec "$host" ip vrf exec "$va" /bin/true || return 1; done
		ref+=("$(( ($(now_ns) - t) / 1000 / n ))")
	done
	local o r q
	o=$(printf '%s\n' "${ours[@]}" | median)
	r=$(printf '%s\n' "${ref[@]}" | median)
	q=$(ratio "$o" "$r")
	row "pvd exec P -- /bin/true, root (us)" "$o" "$r" "$q" "<= 1.0x" "$(verdict "$q" le 1.0)" \
		"loops of $n incl. ip netns exec; ref: ip vrf exec; ours: ${ours[*]}; ref: ${ref[*]}"
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
	bps() { ip netns exec "$host" iperf3 -c 2001:db8:a1::80 -t 3 -J "$@" |
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
		"3 s runs, --bind-dev VRF vs unbound; ours: ${ours[*]}; ref: ${ref[*]}"
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
