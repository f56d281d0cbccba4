#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# pvd exec's name resolution on a host that does not read /etc/resolv.conf:
# nsswitch.conf says "hosts: resolve [!UNAVAIL=return] files dns" (the
# Fedora/Ubuntu default with libnss-resolve) and systemd-resolved runs, with
# the "host resolver" (a DNS responder on 2001:db8:ff::53 in the host
# namespace, answering server-a/b.example with 2001:db8:ff::a/b) as its only
# server; an nscd socket exists too.  Then:
#   - outside pvd exec, getent goes through resolved to the host resolver
#     (the control: the setup does what it claims);
#   - pvd exec a.example -- getent ahosts server-a.example gets a.example's
#     answer, from a.example's server only (the servers' query logs: not
#     b.example's, not the host's), asked from an address of a.example's VRF
#     (the log's peer), and b.example likewise; as root (glibc's resolver in
#     the VRF's cgroup) and as an unprivileged user (a user + mount
#     namespace, the shim's resolver: glibc's own sockets would escape the
#     shim and leave through the main table, which the control shows);
#     gethostbyname (getent hosts) too;
#   - inside, nsswitch.conf's hosts: is "files dns", its other lines are the
#     host's, and no nscd socket is visible;
#   - with unprivileged user namespaces forbidden, the unprivileged exec
#     falls back to the shim alone and says why; getaddrinfo still asks
#     the PvD's server (PVD_RESOLV_CONF) through the VRF;
#   - a link-local server: a.example's RDNSS moved to rA's fe80::a, which
#     the resolv.conf scopes to a.example's sub-interface; root and user
#     both reach it from the VRF.
# All of the host's changes live in this test's own mount namespace.
# Topology: see pvdlab.sh, plus 2001:db8:ff::53 on the host's lo.
# Re-run in a private mount namespace.  (Its root must be the namespace's
# root, not a chroot: the kernel refuses a chrooted process a user namespace,
# EPERM; tests/vm/init sees to that in the VM.)
if [ -z "${PVD_TEST_PRIVATE_MOUNTS:-}" ]; then
	PVD_TEST_PRIVATE_MOUNTS=1 exec unshare --mount --propagation private "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pvdlab.sh"

PVD=$BUILD/src/pvd
export PVD_PRELOAD_LIB=$BUILD/src/libpvd-preload.so
RESOLVED=/lib/systemd/systemd-resolved
userns_sysctl=/proc/sys/kernel/unprivileged_userns_clone
userns_saved=$(cat "$userns_sysctl" 2>/dev/null || true)
for f in "$RESOLVED" /lib/x86_64-linux-gnu/libnss_resolve.so.2; do
	[ -e "$f" ] || { echo "FAIL: $f missing: install systemd-resolved and libnss-resolve (tests/install-deps)"; exit 1; }
done

# The user namespace half needs them: Debian's switch on (restored at exit).
[ -z "$userns_saved" ] || echo 1 >"$userns_sysctl"

lab_up
require_vrf "$host"
lab_bus_start || exit 1
lab_daemon_start
cleanup() {
	[ -z "$userns_saved" ] || echo "$userns_saved" >"$userns_sysctl"
	lab_daemon_stop TERM
	kill "$LAB_BUS_PID"
	ns_cleanup
}
trap cleanup EXIT
chmod 755 "$LAB_TMP"

# The host's resolver setup, in this mount namespace only.
etc=$LAB_TMP/etc
mkdir -p "$etc"
echo "nameserver 2001:db8:ff::53" >"$etc/resolv.conf"
sed 's/^hosts:.*/hosts:          resolve [!UNAVAIL=return] files dns/' /etc/nsswitch.conf >"$etc/nsswitch.conf"
grep -q '^hosts: *resolve' "$etc/nsswitch.conf" || echo "hosts:          resolve [!UNAVAIL=return] files dns" >>"$etc/nsswitch.conf"
printf '[Resolve]\nDNS=2001:db8:ff::53\nDNSStubListener=no\nLLMNR=no\nMulticastDNS=no\nDNSSEC=no\nCache=no\n' >"$etc/resolved.conf"
chmod 644 "$etc"/*
mount --bind "$etc/resolv.conf" /etc/resolv.conf &&
	mount --bind "$etc/nsswitch.conf" /etc/nsswitch.conf &&
	mount --bind "$etc/resolved.conf" /etc/systemd/resolved.conf ||
	{ echo "FAIL: cannot set up the host's resolver files"; exit 1; }
for d in /run/systemd/resolve /run/nscd; do
	mkdir -p "$d" && mount -t tmpfs -o mode=0755 tmpfs "$d" || { echo "FAIL: tmpfs on $d"; exit 1; }
done
chown systemd-resolve:systemd-resolve /run/systemd/resolve

ip -n "$host" addr add 2001:db8:ff::53/128 dev lo
ip netns exec "$host" $PY "$LAB_DIR/dns-responder.py" 2001:db8:ff::53 \
	server-a.example=2001:db8:ff::a server-b.example=2001:db8:ff::b >"$LAB_TMP/dns-host.log" &
disown $!
ip netns exec "$host" "$RESOLVED" >"$LAB_TMP/resolved.log" 2>&1 &
disown $!
# An nscd socket: a listener on nscd's path (nothing answers; glibc would
# try it before any NSS module).
ip netns exec "$host" $PY -c 'import socket,sys,time
s=socket.socket(socket.AF_UNIX); s.bind("/run/nscd/socket"); s.listen(); time.sleep(3600)' &
disown $!

lab_dns
lab_ra_a
lab_ra_b
pvd() { ip netns exec "$host" "$PVD" "$@"; }
resolv_of() { test -s "$LAB_RUN/$(vrf_of "$1")/resolv.conf"; }
busywait 15000 resolv_of a.example && busywait 15000 resolv_of b.example
log_test $? 0 "a.example and b.example have a resolv.conf"
busywait 10000 test -S /run/systemd/resolve/io.systemd.Resolve
log_test $? 0 "systemd-resolved is up (its varlink socket)"
test -S /run/nscd/socket
log_test $? 0 "an nscd socket exists on the host"

queries() { grep -c "^$2 " "$LAB_TMP/dns-$1.log"; }	# queries LOG NAME
# peers LOG NAME N: the distinct sources of the queries for NAME after the
# first N (a responder logs a query before it answers: no waiting needed).
peers() { grep "^$2 " "$LAB_TMP/dns-$1.log" | tail -n +"$(($3 + 1))" | awk '{ sub("%.*", "", $3); print $3 }' | sort -u; }
# from_vrf X PEER...: there are peers, and each is an address of X.example's VRF.
from_vrf() {
	local addrs p
	addrs=$(vrf_addrs "$(vrf_of "$1.example")")
	shift
	[ $# -gt 0 ] || return 1
	for p; do grep -qF " $p/" <<<"$addrs" || return 1; done
}
# The control: the host resolves through resolved, to the host resolver.
out=$(ip netns exec "$host" getent ahosts server-a.example | awk 'NR == 1 { print $1 }')
[ "$out" = 2001:db8:ff::a ] && [ "$(queries host server-a.example)" -gt 0 ]
log_test $? 0 "host: getent ahosts server-a.example goes to resolved's server ($out)"
resolvectl_query=$(ip netns exec "$host" getent -s resolve hosts server-b.example | awk '{ print $1 }')
[ "$resolvectl_query" = 2001:db8:ff::b ]
log_test $? 0 "host: nss-resolve answers ($resolvectl_query)"

# check_exec WHO X [DB]: WHO (root or user) runs getent DB (ahosts, the
# default: getaddrinfo; hosts: gethostbyname2) in X.example; the answer is
# X.example's, X's server saw the query, from an address of X's VRF, and
# neither the other PvD's server nor the host resolver did.
check_exec() {
	local who=$1 x=$2 db=${3:-ahosts} y=b before_x before_y before_host out p
	[ "$x" = a ] || y=a
	before_x=$(queries "$x" "server-$x.example")
	before_y=$(queries "$y" "server-$x.example")
	before_host=$(queries host "server-$x.example")
	out=$($who exec "$x.example" -- getent "$db" "server-$x.example" 2>"$LAB_TMP/err" | awk 'NR == 1 { print $1 }')
	[ "$out" = "2001:db8:${x}1::80" ]
	log_test $? 0 "$who: pvd exec $x.example -- getent $db server-$x.example: $out"
	[ "$out" = "2001:db8:${x}1::80" ] || { sed 's/^/      stderr: /' "$LAB_TMP/err"; diag=1; }
	[ "$(queries "$x" "server-$x.example")" -gt "$before_x" ]
	log_test $? 0 "$who: ... asked $x.example's server"
	p=$(peers "$x" "server-$x.example" "$before_x")
	# shellcheck disable=SC2086
	from_vrf "$x" $p
	log_test $? 0 "$who: ... from an address of $x.example's VRF ($(echo $p))"
	[ "$(queries "$y" "server-$x.example")" -eq "$before_y" ]
	log_test $? 0 "$who: ... not $y.example's server"
	[ "$(queries host "server-$x.example")" -eq "$before_host" ]
	log_test $? 0 "$who: ... and not the host's resolver"
}
root() { pvd "$@"; }
user() { lab_as_nobody PVD_PRELOAD_LIB="$PVD_PRELOAD_LIB" "$PVD" "$@"; }

for who in root user; do
	check_exec $who a
	check_exec $who b
	check_exec $who a hosts
	[ "$($who exec a.example -- grep '^hosts:' /etc/nsswitch.conf 2>/dev/null | tr -s ' ')" = "hosts: files dns" ]
	log_test $? 0 "$who: inside, nsswitch.conf's hosts: is 'files dns'"
	[ "$($who exec a.example -- grep -v '^hosts:' /etc/nsswitch.conf 2>/dev/null)" = "$(grep -v '^hosts:' /etc/nsswitch.conf)" ]
	log_test $? 0 "$who: inside, nsswitch.conf's other lines are the host's"
	$who exec a.example -- sh -c 'test -e /run/nscd/socket || test -e /var/run/nscd/socket' 2>/dev/null
	log_test $? 1 "$who: inside, no nscd socket"
	$who exec a.example -- grep -q '^nameserver 2001:db8:a::53$' /etc/resolv.conf 2>/dev/null
	log_test $? 0 "$who: inside, /etc/resolv.conf is a.example's"
done
user exec a.example -- true 2>"$LAB_TMP/err"
grep -q "DNS: the PvD's" "$LAB_TMP/err"
log_test $? 0 "user: the notice says the PvD's resolv.conf is used"
# The control: without the shim, glibc's resolver (the namespace's
# resolv.conf is a.example's) makes sockets nothing binds, so its query, if
# it gets out at all, leaves through the main table: not from the VRF.
before=$(queries a server-a.example)
user exec a.example -- env -u LD_PRELOAD getent ahosts server-a.example >/dev/null 2>&1
p=$(peers a server-a.example "$before")
# shellcheck disable=SC2086
from_vrf a $p
log_test $? 1 "control: glibc's own resolver, no shim: its query is not from the VRF ($(echo $p))"
grep -q '^hosts: *resolve' /etc/nsswitch.conf && test -S /run/nscd/socket &&
	grep -q '^nameserver 2001:db8:ff::53$' /etc/resolv.conf
log_test $? 0 "the host's files are untouched by pvd exec"

# Unprivileged user namespaces forbidden (Debian's switch): the fallback.
if [ -n "$userns_saved" ]; then
	echo 0 >"$userns_sysctl"
	before=$(queries a server-a.example)
	before_host=$(queries host server-a.example)
	out=$(user exec a.example -- getent ahosts server-a.example 2>"$LAB_TMP/err" | awk 'NR == 1 { print $1 }')
	grep -q "no.*user namespace for the PvD's resolv.conf (kernel.unprivileged_userns_clone is 0)" <(tr '\n' ' ' <"$LAB_TMP/err")
	log_test $? 0 "user, no user namespaces: exec falls back and says why"
	p=$(peers a server-a.example "$before")
	# shellcheck disable=SC2086
	[ "$out" = 2001:db8:a1::80 ] && from_vrf a $p && [ "$(queries host server-a.example)" -eq "$before_host" ]
	log_test $? 0 "user, no user namespaces: getaddrinfo asks a.example's server from its VRF (got '$out' from $(echo $p))"
	echo "$userns_saved" >"$userns_sysctl"
else
	log_test 1 0 "kernel.unprivileged_userns_clone exists (Debian's kernel)"
fi

# A link-local server: rA answers on fe80::a too (a second responder on the
# wildcard: the 2-tuple bind of dns-responder.py takes no scope; the first
# keeps 2001:db8:a::53), and a.example's RA moves its RDNSS there (the
# global one withdrawn, lifetime 0).
ip netns exec "$rA" $PY "$LAB_DIR/dns-responder.py" :: server-a.example=2001:db8:a1::80 \
	>"$LAB_TMP/dns-a-ll.log" &
disown $!
lab_ra "$rA" --lifetime 1800 --pvd a.example --seq 2 \
	--prefix 2001:db8:a::/64,valid=3600,preferred=1800,flags=LA \
	--rio 2001:db8:a1::/48,pref=high,lifetime=1800 \
	--rdnss 2001:db8:a::53,lifetime=0 --rdnss fe80::a,lifetime=1800 --dnssl a.example,lifetime=1800
resolv_a=$LAB_RUN/$(vrf_of a.example)/resolv.conf
ll_only() { grep -q '^nameserver fe80::a%pvd' "$resolv_a" && ! grep -q '^nameserver 2001:db8:a::53' "$resolv_a"; }
busywait 15000 ll_only
log_test $? 0 "a.example's resolv.conf names only fe80::a, scoped: $(grep '^nameserver' "$resolv_a" | tr '\n' ' ')"
ll_listening() { [ "$(ip netns exec "$rA" ss -Hlun 'sport = :53' | wc -l)" -ge 2 ]; }
busywait 10000 ll_listening
log_test $? 0 "rA's second DNS responder listens (on the wildcard, for fe80::a)"
for who in root user; do
	before=$(queries a-ll server-a.example)
	before_host=$(queries host server-a.example)
	out=$($who exec a.example -- getent ahosts server-a.example 2>"$LAB_TMP/err" | awk 'NR == 1 { print $1 }')
	p=$(peers a-ll server-a.example "$before")
	# shellcheck disable=SC2086
	[ "$out" = 2001:db8:a1::80 ] && from_vrf a $p && [ "$(queries host server-a.example)" -eq "$before_host" ]
	log_test $? 0 "$who: a link-local server: fe80::a answers, asked from a.example's VRF (got '$out' from $(echo $p))"
done
if [ -n "${diag:-}" ]; then
	echo "---- the host's routes and addresses"
	ip -n "$host" -6 route show
	ip -n "$host" -6 addr show dev eth0
	ip -n "$host" -6 route get 2001:db8:a::53
	user exec a.example -- getent ahosts server-a.example; echo "getent: $?"
	user exec a.example -- /usr/bin/python3 -c 'import socket; print(socket.getaddrinfo("server-a.example", 80))'
fi
if [ "$nfail" -ne 0 ]; then
	for l in host a b a-ll; do echo "---- dns-$l.log"; cat "$LAB_TMP/dns-$l.log"; done
	echo "---- resolved.log"; cat "$LAB_TMP/resolved.log"
	echo "---- last pvd exec stderr"; cat "$LAB_TMP/err"
fi
lab_finish
