#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# pvd exec through the real daemon on a private D-Bus: a command run in
# a.example resolves names with a.example's RDNSS (a DNS responder on rA),
# leaves with a source from 2001:db8:a::/64 and cannot reach what only
# b.example reaches; the same for b.example; an unprivileged user gets the
# same binding and names from the LD_PRELOAD shim.  Also pvd list/show/monitor.
# Topology: see pvdlab.sh.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pvdlab.sh"

PVD=$BUILD/src/pvd
export PVD_PRELOAD_LIB=$BUILD/src/libpvd-preload.so
mon_pid=
lab_up
require_vrf "$host"
lab_bus_start || exit 1		# before the daemon: it connects at start
lab_daemon_start
trap 'kill $mon_pid 2>/dev/null; lab_daemon_stop TERM; kill "$LAB_BUS_PID"; ns_cleanup' EXIT
grep -q "org.pvd on the system bus" "$LAB_LOG"
log_test $? 0 "the daemon took org.pvd on the private bus"

ip netns exec "$host" "$PVD" monitor >"$LAB_TMP/monitor.out" 2>&1 &
mon_pid=$!
# It says so on stderr once its matches are in place: no event is lost after.
busywait 10000 grep -qx "pvd: monitoring org.pvd" "$LAB_TMP/monitor.out"
log_test $? 0 "pvd monitor is subscribed before the RAs"

lab_dns
lab_servers
lab_ra_a
lab_ra_b

pvd() { ip netns exec "$host" "$PVD" "$@"; }
has_addr() { pvd show "$1" | grep -q "$2"; }
busywait 10000 has_addr a.example "2001:db8:a:"
log_test $? 0 "pvd show a.example: an address from 2001:db8:a::/64"
busywait 10000 has_addr b.example "2001:db8:b:"
log_test $? 0 "pvd show b.example: an address from 2001:db8:b::/64"
va=$(vrf_of a.example); vb=$(vrf_of b.example)
pvd list
pvd list | grep -qE "^a\.example +$va +[0-9]+ +[^ ]+ +2001:db8:a:"
log_test $? 0 "pvd list: a.example $va with its address"
[ "$(pvd list --names | tr '\n' ' ')" = "a.example b.example " ]
log_test $? 0 "pvd list --names: a.example b.example"
# Bash completion of PvD names, from the running daemon (bash-completion's
# own helpers; a child bash, as they are not written for set -u).
complete_pvd() {
	bash -c 'source /usr/share/bash-completion/bash_completion; source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_pvd; echo "${COMPREPLY[*]}"' _ "$LAB_DIR/../../conf/bash-completion/pvd" "$@"
}
export -f pvd
export host PVD
[ "$(complete_pvd pvd ex)" = exec ] && [ "$(complete_pvd pvd exec "")" = "a.example b.example" ] &&
	[ "$(complete_pvd pvd show b)" = b.example ]
log_test $? 0 "bash completion: commands, and PvD names from the daemon"
[ "$(complete_pvd pvd co)" = connect ] && [ "$(complete_pvd pvd connect "")" = "a.example b.example" ] &&
	[ "$(complete_pvd pvd connect a.example,)" = "a.example,b.example" ] &&
	[ "$(complete_pvd pvd connect b.example,a)" = "b.example,a.example" ] &&
	[[ " $(complete_pvd pvd connect a.example localh) " == *" localhost "* ]]
log_test $? 0 "bash completion: connect's PvD list (each name once, after the last comma), then a host"
pvd list --json | $PY -c 'import json,sys; d=json.load(sys.stdin); assert [p["Name"] for p in d] == ["a.example", "b.example"], d'
log_test $? 0 "pvd list --json parses, two PvDs"
pvd show --json a.example | $PY -c 'import json,sys; d=json.load(sys.stdin); assert d["Vrf"] == sys.argv[1] and "2001:db8:a::53" in d["DnsServers"], d' "$va"
log_test $? 0 "pvd show --json a.example: Vrf $va, DnsServers"
pvd show nosuch.example >/dev/null 2>"$LAB_TMP/err"
rc=$?
[ $rc -eq 1 ] && grep -q "^pvd: no PvD 'nosuch.example'; known PvDs: a.example, b.example$" "$LAB_TMP/err"
log_test $? 0 "pvd show of an unknown PvD: exit 1, the known ones listed"
pvd exec nosuch.example -- touch "$LAB_TMP/ran" 2>/dev/null
[ $? -eq 1 ] && [ ! -e "$LAB_TMP/ran" ]
log_test $? 0 "pvd exec of an unknown PvD: exit 1, nothing run"

# Root: cgroup binding (ip vrf exec's, done by pvd itself) and the PvD's resolv.conf.
pvd exec a.example -- cat /etc/resolv.conf | grep -q "^nameserver 2001:db8:a::53$"
log_test $? 0 "pvd exec a.example: /etc/resolv.conf is a.example's"
grep -q "2001:db8:a::53" /etc/resolv.conf
log_test $? 1 "the host's /etc/resolv.conf is untouched"
# The binding is ip vrf exec's: its cgroup layout (ip vrf identify and ip vrf
# pids read it), every new socket bound to the VRF, no nesting.
[ "$(pvd exec a.example -- ip vrf identify)" = "$va" ]
log_test $? 0 "pvd exec a.example -- ip vrf identify: $va"
out=$(pvd exec a.example -- sh -c 'echo "self $$"; ip vrf pids "$1"' _ "$va")
echo "$out"
self=$(awk '$1 == "self" { print $2 }' <<<"$out")
[ -n "$self" ] && grep -qE "^ *$self +sh$" <<<"$out"
log_test $? 0 "ip vrf pids $va (in the command) lists the command's shell"
bound=$(pvd exec a.example -- $PY -c 'import socket
for f in socket.AF_INET6, socket.AF_INET:
    s = socket.socket(f, socket.SOCK_DGRAM)
    print(s.getsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, 16).rstrip(b"\0").decode())')
[ "$bound" = "$va"$'\n'"$va" ]
log_test $? 0 "pvd exec a.example: new AF_INET6 and AF_INET sockets are bound to $va"
out=$(pvd exec a.example -- "$PVD" exec b.example -- sh -c 'ip vrf identify; cat /proc/self/cgroup' 2>&1)
echo "$out"
[ "$(head -1 <<<"$out")" = "$vb" ] && ! grep -q "/vrf/$va" <<<"$out"
log_test $? 0 "pvd exec b.example inside pvd exec a.example: in $vb only, not nested"
pvd exec a.example -- /nonexistent/cmd 2>"$LAB_TMP/err"
rc=$?
[ $rc -eq 127 ] && grep -q "^pvd: exec: /nonexistent/cmd: No such file or directory$" "$LAB_TMP/err"
log_test $? 0 "pvd exec a.example -- a missing command: exit 127, said so"
reaches() {	# reaches PVD X: server-X.example by name, source from 2001:db8:X::/64
	local src
	src=$(pvd exec "$1" -- curl -sS -o /dev/null -w '%{local_ip}' --max-time 5 "http://server-$2.example:8080/")
	[[ $src == 2001:db8:$2:* ]]
	log_test $? 0 "pvd exec $1 -- curl http://server-$2.example:8080/: source $src"
}
busywait 5000 pvd exec a.example -- ping -6 -c 1 -W 1 2001:db8:a1::80 >/dev/null
reaches a.example a
reaches b.example b
pvd exec a.example -- curl -sS -g -o /dev/null --max-time 3 "http://[2001:db8:b1::80]:8080/" 2>/dev/null
[ $? -ne 0 ]
log_test $? 0 "pvd exec a.example: b.example's server unreachable"
pvd exec a.example -- curl -sS -o /dev/null --max-time 3 "http://server-b.example:8080/" 2>/dev/null
log_test $? 6 "pvd exec a.example: server-b.example does not resolve"
pvd exec b.example -- curl -sS -g -o /dev/null --max-time 3 "http://[2001:db8:a1::80]:8080/" 2>/dev/null
[ $? -ne 0 ]
log_test $? 0 "pvd exec b.example: a.example's server unreachable"

# Unprivileged: the LD_PRELOAD shim binds the sockets and answers
# getaddrinfo through the PvD's own servers (test-exec-dns has the details).
# The user runs copies of the client and the shim (lab_user_bin).
lab_user_bin "$PVD" "$PVD_PRELOAD_LIB" || lab_finish
user() { lab_as_nobody PVD_PRELOAD_LIB="$LAB_UBIN/libpvd-preload.so" "$LAB_UBIN/pvd" "$@"; }
for x in a b; do
	y=b; [ $x = b ] && y=a
	src=$(user exec $x.example -- curl -sS -g -o /dev/null -w '%{local_ip}' --max-time 5 \
		"http://[2001:db8:${x}1::80]:8080/" 2>"$LAB_TMP/err")
	[[ $src == 2001:db8:$x:* ]]
	log_test $? 0 "unprivileged pvd exec $x.example: curl by address, source $src"
	grep -q "not root" "$LAB_TMP/err"
	log_test $? 0 "unprivileged pvd exec $x.example: the caveat is printed"
	src=$(user exec $x.example -- curl -sS -o /dev/null -w '%{local_ip}' --max-time 5 \
		"http://server-$x.example:8080/" 2>/dev/null)
	[[ $src == 2001:db8:$x:* ]]
	log_test $? 0 "unprivileged pvd exec $x.example: curl by name, source $src"
	user exec $x.example -- curl -sS -g -o /dev/null --max-time 3 "http://[2001:db8:${y}1::80]:8080/" 2>/dev/null
	[ $? -ne 0 ]
	log_test $? 0 "unprivileged pvd exec $x.example: $y.example's server unreachable"
done
PVD_VRF=bogus LD_PRELOAD=$PVD_PRELOAD_LIB /bin/true 2>"$LAB_TMP/err"
grep -q "not a pvd-vrfd VRF name" "$LAB_TMP/err"
log_test $? 0 "the shim refuses a malformed PVD_VRF and says so"

# monitor saw both PvDs appear and a.example change, one line each.
lab_ra_a --seq 2
busywait 5000 grep -q "^changed a.example .*Sequence=2" "$LAB_TMP/monitor.out"
kill $mon_pid; wait $mon_pid 2>/dev/null
log_test $? 0 "pvd monitor exits 0 on SIGTERM"
mon_pid=
cat "$LAB_TMP/monitor.out"
grep -q "^added   a.example$" "$LAB_TMP/monitor.out" && grep -q "^added   b.example$" "$LAB_TMP/monitor.out" &&
	grep -q "^changed a.example .*Sequence=2" "$LAB_TMP/monitor.out"
log_test $? 0 "pvd monitor: added a.example, b.example; a.example's Sequence=2"

lab_finish
