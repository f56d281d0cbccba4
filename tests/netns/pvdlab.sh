# SPDX-License-Identifier: GPL-2.0-or-later
# The PvD lab, sourced by the daemon tests and the demo (after lib.sh):
#
#        rA (a.example)        rB (b.example)          rC (no PvD option)
#        fe80::a               fe80::b                 fe80::c
#        2001:db8:a::1/64      2001:db8:b::1/64        2001:db8:c::1/64
#        server 2001:db8:a1::80 server 2001:db8:b1::80 server 2001:db8:c1::80
#          | veth                 | veth                   | veth
#        +-------- br0 (ns sw) ---------+                  |
#                    | veth                                |
#               eth0 (host ns: pvd-vrfd)                 eth1
#
# Routers do not forward: each server address sits on its router's loopback,
# so a server is reachable only through its own router.
# shellcheck disable=SC2034

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3	# Debian's python3, the one with scapy
RA="$PY $LAB_DIR/ra.py"
BUILD=${PVD_BUILD_DIR:-$LAB_DIR/../../build}
DAEMON=$BUILD/src/pvd-vrfd

lab_router() {	# lab_router NS LETTER PEER-NS PEER-DEV
	local ns=$1 x=$2
	ip -n "$ns" link set veth0 addrgenmode none
	ip -n "$ns" addr add "fe80::$x/64" dev veth0 nodad
	ip -n "$ns" addr add "2001:db8:$x::1/64" dev veth0 nodad
	ip -n "$ns" addr add "2001:db8:${x}1::80/128" dev lo
	ip -n "$ns" link set veth0 up
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.forwarding=0 net.ipv6.conf.veth0.accept_ra=0
}

# lab_up: namespaces $rA $rB $rC $sw $host, links as drawn above.
lab_up() {
	ns_create rA rB rC sw host
	# The host does DAD, like a real one: the daemon's addresses must pass it.
	ip netns exec "$host" sysctl -qw net.ipv6.conf.all.accept_dad=1 net.ipv6.conf.default.accept_dad=1
	ip -n "$sw" link add br0 type bridge
	ip -n "$sw" link set br0 up
	for r in A B; do
		local ns=rA
		[ $r = B ] && ns=rB
		ip -n "${!ns}" link add veth0 type veth peer name "p$r" netns "$sw"
		ip -n "$sw" link set "p$r" master br0 up
	done
	ip -n "$host" link add eth0 type veth peer name phost netns "$sw"
	ip -n "$sw" link set phost master br0 up
	ip -n "$host" link add eth1 type veth peer name veth0 netns "$rC"
	lab_router "$rA" a
	lab_router "$rB" b
	lab_router "$rC" c
	ip netns exec "$host" sysctl -qw net.ipv6.conf.all.forwarding=0
	ip -n "$host" link set eth0 up
	ip -n "$host" link set eth1 up
	busywait 5000 lab_links_ready
}

lab_links_ready() {
	ip -n "$host" -6 addr show dev eth0 scope link | grep -qv tentative &&
		ip -n "$host" -6 addr show dev eth0 | grep -q 'scope link' &&
		! ip -n "$host" -6 addr show | grep -q tentative
}

# lab_daemon_start [EXTRA CONFIG LINES]: start pvd-vrfd in $host with a
# private config, state and run directory; $LAB_LOG is its log (appended to
# by every start, so it waits for one more "started" line than it found:
# signals sent before that line would kill the new daemon).
lab_daemon_start() {
	local started
	LAB_TMP=${LAB_TMP:-$(mktemp -d /tmp/pvdlab.XXXXXX)}
	LAB_CONF=$LAB_TMP/pvd-vrfd.conf
	LAB_LOG=$LAB_TMP/daemon.log
	LAB_RUN=$LAB_TMP/run
	lab_write_conf "links = eth0 eth1" "$@"
	started=$(cat "$LAB_LOG" 2>/dev/null | grep -c ' started (config ')
	ip netns exec "$host" "$DAEMON" --config "$LAB_CONF" >>"$LAB_LOG" 2>&1 &
	LAB_PID=$!
	busywait 5000 lab_started_above "$started"
}
# lab_write_conf LINES...: the lab's configuration file (debug log, short
# grace, the lab's state and run directories), then these lines.
lab_write_conf() {
	{
		echo "log_level = debug"
		echo "adopt_grace = 3"
		echo "state_dir = $LAB_TMP/state"
		echo "run_dir = $LAB_RUN"
		printf '%s\n' "$@"
	} >"$LAB_CONF"
}
lab_started_above() { [ "$(grep -cs ' started (config ' "$LAB_LOG")" -gt "$1" ]; }

# lab_daemon_stop SIGNAL: signal the daemon and reap it; a daemon that does
# not exit within 10 s is killed and the stop fails.
# lab_start [EXTRA CONFIG LINES]: the lab, a VRF-capable kernel, the daemon,
# and a trap that stops the daemon and removes the lab on exit.
lab_start() {
	lab_up
	require_vrf "$host"
	lab_daemon_start "$@"
	trap 'lab_daemon_stop TERM; ns_cleanup' EXIT
}

lab_daemon_stop() {
	local rc=0
	kill "-${1:-TERM}" "$LAB_PID" 2>/dev/null
	if ! busywait 10000 lab_daemon_gone; then
		echo "pvd-vrfd did not exit on SIG${1:-TERM}"
		kill -9 "$LAB_PID"
		rc=1
	fi
	wait "$LAB_PID" 2>/dev/null
	return $rc
}
lab_daemon_gone() { ! kill -0 "$LAB_PID" 2>/dev/null || [ "$(ps -o stat= -p "$LAB_PID")" = Z ]; }

# lab_ra NS ARGS...: one RA from a router's veth0.
lab_ra() {
	local ns=$1
	shift
	ip netns exec "$ns" $RA --dev veth0 "$@" >/dev/null
}

# The standard advertisements of the lab.
lab_ra_a() { lab_ra "$rA" --lifetime 1800 --pvd a.example --seq 1 \
	--prefix 2001:db8:a::/64,valid=3600,preferred=1800,flags=LA \
	--rio 2001:db8:a1::/48,pref=high,lifetime=1800 \
	--rdnss 2001:db8:a::53,lifetime=1800 --dnssl a.example,lifetime=1800 "$@"; }
lab_ra_b() { lab_ra "$rB" --lifetime 1800 --pvd b.example --seq 1 \
	--prefix 2001:db8:b::/64,valid=3600,preferred=1800,flags=LA \
	--rdnss 2001:db8:b::53,lifetime=1800 "$@"; }
lab_ra_c() { lab_ra "$rC" --lifetime 1800 --prefix 2001:db8:c::/64,valid=3600,preferred=1800,flags=LA "$@"; }

# vrf_of NAME: the VRF whose ifalias is the PvD NAME (empty if none).
vrf_of() {
	ip -n "$host" -o -d link show type vrf | awk -v n="$1" '
		{ for (i = 1; i < NF; i++) if ($i == "alias" && $(i + 1) == n) { sub(":", "", $2); print $2 } }'
}

table_of() {	# table_of VRF
	ip -n "$host" -d link show dev "$1" | sed -n 's/.*vrf table \([0-9]*\).*/\1/p'
}

# vrf_addrs VRF: `ip -o` lines of every IPv6 address on the VRF's slaves.
# (iproute2 6.1's `ip -6 addr show master VRF` does not filter by master.)
vrf_addrs() {
	local s
	for s in $(ip -n "$host" -o link show master "$1" | awk -F': ' '{ sub("@.*", "", $2); print $2 }'); do
		ip -n "$host" -6 -o addr show dev "$s"
	done
}
vrf_has() { vrf_addrs "$1" | grep -qE "$2"; }	# vrf_has VRF REGEX
vrf_lacks() { ! vrf_has "$@"; }

vrf_count() {
	ip -n "$host" -o link show type vrf | wc -l
}

# kernel_snapshot: what the daemon owns in the host, for before/after
# comparisons: our links, addresses on them, and routes with our protocol.
# (The parent links are the kernel's: its own RA processing may react to an
# RA the daemon rejects, e.g. one with 129 options.)
kernel_snapshot() {
	{
		ip -n "$host" -o link show | awk -F': ' '$2 ~ /^pvd/ { sub(" state [A-Z]*.*", "", $3); print $2, $3 }'
		ip -n "$host" -6 -o addr show | awk '$2 ~ /^pvd/ { print $2, $4 }'
		ip -n "$host" -6 route show table all proto 249 | sed 's/ expires [0-9]*sec//'
	} | sort
}

# stat_value KEY TEXT: a counter from RUN_DIR/stats after asking for it.
stat_value() {
	awk -F'\t' -v k="$1" -v t="$2" '$1 == k && $2 == t { print $3 }' "$LAB_RUN/stats" 2>/dev/null
}

refresh_stats() {
	rm -f "$LAB_RUN/stats"
	kill -USR1 "$LAB_PID"
	busywait 3000 test -s "$LAB_RUN/stats"
}

# stat_count KEY: a two-column counter ("KEY\tN") from RUN_DIR/stats as last written.
stat_count() {
	awk -F'\t' -v k="$1" 'NF == 2 && $1 == k { print $2 }' "$LAB_RUN/stats" 2>/dev/null
}

# lab_reconciles: the daemon's reconcile generation ("reconciles\tN" in the
# stats file: how many reconciliations of the kernel state have completed),
# freshly read; empty (and false) when the daemon does not report one.
lab_reconciles() {
	local n
	refresh_stats || return 1
	n=$(stat_count reconciles)
	[ -n "$n" ] || { echo "pvd-vrfd's stats have no 'reconciles' line" >&2; return 1; }
	echo "$n"
}

# lab_reconciled_after N [TIMEOUT_MS]: wait until a reconciliation completes
# after generation N, i.e. until the counter exceeds N.  Read N before the
# event (an RA) and wait for the event's own trace first (lab_ra_seen): the
# daemon reconciles after handling the RA, so a later generation includes it.
lab_reconciled_after() {
	[[ ${1:-} =~ ^[0-9]+$ ]] || { echo "lab_reconciled_after: no generation to wait past ('${1:-}')"; return 1; }
	busywait "${2:-10000}" lab_reconciles_above "$1"
}
lab_reconciles_above() { local n; n=$(lab_reconciles 2>/dev/null) && [ "$n" -gt "$1" ]; }

# lab_ra_count FROM [LINK]: how many RAs from FROM the daemon has handled on
# LINK (default eth0), from its debug log (the lab runs log_level = debug).
lab_ra_count() {
	grep -c "RA from $1 on '${2:-eth0}'" "$LAB_LOG"
}
# lab_ra_seen FROM N [LINK]: wait until more than N RAs from FROM were handled.
lab_ra_seen() {
	busywait 10000 lab_ra_count_above "$1" "$2" "${3:-eth0}"
}
lab_ra_count_above() { [ "$(lab_ra_count "$1" "$3")" -gt "$2" ]; }

# lab_settled N0 FROM N [FROM N...]: after sending RAs, wait until the daemon
# handled more than N RAs from each FROM and then completed a reconciliation
# after generation N0 (read before sending).  The positive event that negative
# checks ("nothing else changed") wait for.
lab_settled() {
	local n0=$1
	shift
	while [ $# -ge 2 ]; do
		lab_ra_seen "$1" "$2" || { echo "the daemon did not log the RA from $1"; return 1; }
		shift 2
	done
	lab_reconciled_after "$n0"
}

# lab_servers: an HTTP server on port 8080 behind rA, rB and rC each.
lab_servers() {
	local x ns
	for x in a b c; do
		ns=r${x^^}
		ip netns exec "${!ns}" $PY -m http.server --bind "2001:db8:${x}1::80" 8080 >/dev/null 2>&1 &
		disown $!	# ns_cleanup kills it; no job report from bash
	done
	for x in a b c; do
		ns=r${x^^}
		busywait 30000 ip netns exec "${!ns}" bash -c ": </dev/tcp/2001:db8:${x}1::80/8080" 2>/dev/null ||
			{ echo "server behind r${x^^} did not start"; return 1; }
	done
}

# lab_finish: the summary, with the daemon's log when anything failed.
lab_finish() {
	if [ "$nfail" -ne 0 ] && [ -n "${LAB_LOG:-}" ]; then
		echo "---- pvd-vrfd log ----"
		cat "$LAB_LOG"
		echo "----"
	fi
	test_summary
}

# lab_as_nobody CMD...: CMD in $host as uid and gid 65534, no groups, with
# the lab's bus (lab_bus_start).
lab_as_nobody() {
	ip netns exec "$host" setpriv --reuid=65534 --regid=65534 --clear-groups \
		env DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" "$@"
}

# lab_user_bin FILE...: copies of FILEs (mode 0755) in LAB_UBIN=$LAB_TMP/bin
# for lab_as_nobody: a checkout under a 0700 directory (mktemp -d, a private
# home) is out of that user's reach.  A failed test (and false) when the
# user cannot reach the copies or the bus socket.
lab_user_bin() {
	local d f reach=
	LAB_UBIN=$LAB_TMP/bin
	mkdir -p "$LAB_UBIN" && chmod 755 "$LAB_UBIN" && install -m 0755 "$@" "$LAB_UBIN/" || return 1
	for d in "$LAB_UBIN" "$LAB_TMP/bus"; do
		lab_as_nobody test -x "$d" || reach+=" $d"
	done
	for f in "$@"; do
		lab_as_nobody test -r "$LAB_UBIN/${f##*/}" || reach+=" $LAB_UBIN/${f##*/}"
	done
	lab_as_nobody test -w "$LAB_TMP/bus/socket" || reach+=" the bus socket"
	[ -z "$reach" ] && return 0
	log_test 1 0 "user 65534 cannot reach:$reach (a parent directory of $LAB_TMP is not searchable)"
	return 1
}

# lab_bus_start: a private system bus in $host: dbus-daemon with the default
# policy of a Debian system bus plus systemd/org.pvd.conf.  Exports
# DBUS_SYSTEM_BUS_ADDRESS, which the daemon (started after this) and busctl,
# dbus-send and dbus-monitor all honour; $LAB_BUS is the address.
lab_bus_start() {
	local dir
	LAB_TMP=${LAB_TMP:-$(mktemp -d /tmp/pvdlab.XXXXXX)}
	dir=$LAB_TMP/bus
	mkdir -p "$dir"
	chmod 755 "$LAB_TMP" "$dir"	# unprivileged clients reach the socket too
	cat >"$dir/system.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$dir/socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Monitoring"/>
  </policy>
  <include>$LAB_DIR/../../systemd/org.pvd.conf</include>
</busconfig>
EOF
	ip netns exec "$host" dbus-daemon --config-file="$dir/system.conf" --nofork --nopidfile \
		--print-address=3 3>"$dir/address" 2>>"$dir/log" &
	LAB_BUS_PID=$!
	disown "$LAB_BUS_PID"	# killed by PID on exit; no job report from bash
	busywait 5000 test -s "$dir/address" || { echo "dbus-daemon did not start"; cat "$dir/log"; return 1; }
	LAB_BUS=$(head -n 1 "$dir/address")
	export DBUS_SYSTEM_BUS_ADDRESS=$LAB_BUS
}

# lab_dns: each router answers DNS on its PvD's RDNSS address (see lab_ra_a,
# lab_ra_b) for its own server's name and its PvD ID only (the PvD ID names
# the server of its Additional Information, RFC 8801 §4.1):
# server-a.example and a.example, server-b.example and b.example.
# Their query logs: $LAB_TMP/dns-a.log, $LAB_TMP/dns-b.log.
lab_dns() {
	LAB_TMP=${LAB_TMP:-$(mktemp -d /tmp/pvdlab.XXXXXX)}
	ip -n "$rA" addr add 2001:db8:a::53/64 dev veth0 nodad
	ip -n "$rB" addr add 2001:db8:b::53/64 dev veth0 nodad
	ip netns exec "$rA" $PY "$LAB_DIR/dns-responder.py" 2001:db8:a::53 server-a.example=2001:db8:a1::80 \
		a.example=2001:db8:a1::80 >"$LAB_TMP/dns-a.log" &
	disown $!	# ns_cleanup kills it; no job report from bash
	ip netns exec "$rB" $PY "$LAB_DIR/dns-responder.py" 2001:db8:b::53 server-b.example=2001:db8:b1::80 \
		b.example=2001:db8:b1::80 >"$LAB_TMP/dns-b.log" &
	disown $!
}

# Test certificates, made with openssl at test time in $LAB_PKI (under
# LAB_TMP); EC P-256 keys, quick even under TCG.
lab_pki_ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
lab_pki_ca() {	# lab_pki_ca NAME: $LAB_PKI/NAME.pem and .key, a self-signed CA
	LAB_TMP=${LAB_TMP:-$(mktemp -d /tmp/pvdlab.XXXXXX)}
	LAB_PKI=$LAB_TMP/pki
	mkdir -p "$LAB_PKI"
	openssl req -x509 "${lab_pki_ec[@]}" -keyout "$LAB_PKI/$1.key" -out "$LAB_PKI/$1.pem" -days 2 \
		-subj "/CN=pvd-test-$1" 2>/dev/null
}
lab_pki_leaf() {	# lab_pki_leaf NAME CA DNS-NAME...: $LAB_PKI/NAME.pem and .key signed by CA
	local name=$1 ca=$2 san
	shift 2
	san=$(printf 'DNS:%s,' "$@")
	openssl req "${lab_pki_ec[@]}" -keyout "$LAB_PKI/$name.key" -out "$LAB_PKI/$name.csr" -subj "/CN=$1" \
		2>/dev/null &&
		openssl x509 -req -in "$LAB_PKI/$name.csr" -CA "$LAB_PKI/$ca.pem" -CAkey "$LAB_PKI/$ca.key" \
			-CAcreateserial -days 1 -out "$LAB_PKI/$name.pem" \
			-extfile <(printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "${san%,}") 2>/dev/null
}

# lab_https NS LOG SPEC...: pvd-https.py (PvD Additional Information servers,
# see its header) in NS, logging to LOG; waits until it listens.
lab_https() {
	local ns=$1 log=$2 before
	shift 2
	before=$(cat "$log" 2>/dev/null | grep -c ' ready ')
	ip netns exec "$ns" $PY "$LAB_DIR/pvd-https.py" "$log" "$@" 2>>"$log.err" &
	disown $!	# ns_cleanup kills it; no job report from bash
	busywait 30000 eval '[ "$(cat "$log" 2>/dev/null | grep -c " ready ")" -gt "$before" ]'
}
