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

# ---- restart with 64 PvDs on both links of the lab ----
# The lab has two links (eth0: rA, eth1: rC), not the issue's four.  Ours:
# from the restarted daemon's exec to its 64th "re-adopting VRF" line
# (polled every 10 ms); reference: one dump each of the links, addresses and
# routes of all tables with ip, the least any reconciler reads.  And what a
# restart must not do: delete or re-create anything (same ifindexes, no
# "created"/"removed" line).
m_restart() {
	local f j line before after t ours=() ref=() i mark bad=0
	bench_lab "max_pvds_per_link = 64" "adopt_grace = 600" || return 1
	f=$LAB_TMP/restart.ras
	for j in $(seq 0 63); do
		line=$($RA --print --lifetime 1800 --pvd "r$j.example" --seq 1 \
			--prefix "2001:db8:$(printf %x $((0x3000 + j)))::/64,valid=3600,preferred=1800,flags=LA")
		echo "fe80::a $line" >>"$f.a"
		echo "fe80::c $line" >>"$f.c"
	done
	ip netns exec "$rA" $SEND --dev veth0 "$f.a" >/dev/null
	ip netns exec "$rC" $SEND --dev veth0 "$f.c" >/dev/null
	links() { ip -n "$host" -o link show | awk -F': ' '$2 ~ /^pvd/ { sub("@.*", "", $2); print $1 ":" $2 }' | sort; }
	t=$(now_ns)
	until [ "$(links | wc -l)" -ge 192 ]; do	# 64 VRFs + 128 sub-interfaces
		[ "$(ms_since "$t")" -lt 600000 ] || return 1
		sleep 1
	done
	wait_idle "$LAB_PID"
	before=$(links)
	for i in $(seq "$REPS"); do
		lab_daemon_stop KILL
		mark=$(wc -l <"$LAB_LOG")
		t=$(now_ns)
		lab_daemon_start "log_level = info" "max_pvds_per_link = 64" "adopt_grace = 600"
		until [ "$(tail -n +"$((mark + 1))" "$LAB_LOG" | grep -c 're-adopting VRF')" -ge 64 ]; do
			[ "$(ms_since "$t")" -lt 60000 ] || return 1
			sleep 0.01
		done
		ours+=("$(ms_since "$t")")
		wait_idle "$LAB_PID"
		tail -n +"$((mark + 1))" "$LAB_LOG" | grep -qE '^(<[0-9]>)?(created|removed) ' && bad=1
		t=$(now_ns)
		ip -n "$host" -o link show >/dev/null
		ip -n "$host" -6 -o addr show >/dev/null
		ip -n "$host" -6 route show table all >/dev/null
		ref+=("$(ms_since "$t")")
	done
	after=$(links)
	[ "$before" = "$after" ] || bad=1
	local o r q v=MISS
	o=$(printf '%s\n' "${ours[@]}" | median)
	r=$(printf '%s\n' "${ref[@]}" | median)
	q=$(ratio "$o" "$r")
	[ $bad = 0 ] && [ "$o" -lt 100 ] && v=PASS
	row "restart, 64 PvDs x 2 links: re-adopted (ms)" "$o" "$r" "$q" "< 100 ms, 0 changed" "$v" \
		"ref: ip dumps of links, addresses, all routes; $(wc -l <<<"$after") links, ifindexes $([ "$before" = "$after" ] && echo equal || echo CHANGED); created/removed lines: $([ $bad = 0 ] && echo none || echo SOME); ours: ${ours[*]}; ref: ${ref[*]}"
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
