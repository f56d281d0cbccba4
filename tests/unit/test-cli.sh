#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-cli.sh DAEMON CLI CONF: bad arguments and bad configuration files get
# a specific message and exit status 2, before anything is touched.
set -u
daemon=$1 cli=$2 conf=$3
n=0 failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check() {	# check DESCRIPTION EXPECTED-STATUS STDERR-REGEX CMD...
	local what=$1 want=$2 re=$3 rc
	shift 3
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	n=$((n + 1))
	if [ $rc -eq "$want" ] && grep -qE -- "$re" "$tmp/err" "$tmp/out"; then
		echo "ok $n - $what"
	else
		failed=$((failed + 1))
		echo "not ok $n - $what (exit $rc, want $want; stderr: $(head -c 200 "$tmp/err"))"
	fi
}

printf 'links = eth0\n# fine so far\nfoo = bar\n' >"$tmp/unknown.conf"
printf 'table_range = 9-3\n' >"$tmp/range.conf"
printf 'state_dir = /var/lib/x\n' >"$tmp/ok.conf"

check "daemon: unknown option" 2 "^Usage: pvd-vrfd" "$daemon" --bogus
check "daemon: stray argument" 2 "unexpected argument 'extra'" "$daemon" extra
check "daemon: unknown key names file:line" 2 "unknown.conf:3: unknown key 'foo'" "$daemon" -c "$tmp/unknown.conf"
check "daemon: bad value names file:line" 2 "range.conf:1: table_range: '9-3'" "$daemon" -c "$tmp/range.conf"
check "daemon: missing file" 2 "nonexistent.conf: No such file or directory" "$daemon" -c "$tmp/nonexistent.conf"
check "daemon: --check-config accepts a good file" 0 "ok.conf: OK" "$daemon" --check-config -c "$tmp/ok.conf"
check "daemon: the shipped file is valid" 0 ": OK" "$daemon" --check-config -c "$conf"
check "daemon: --version" 0 "^pvd-vrfd [0-9]" "$daemon" --version
check "pvd: no command" 2 "^Usage: pvd" "$cli"
check "pvd: unknown option" 2 "^Usage: pvd" "$cli" --bogus
check "pvd: unknown command" 2 "unknown command 'frobnicate'" "$cli" frobnicate
check "pvd: --version" 0 "^pvd [0-9]" "$cli" --version
check "pvd: --help on stdout" 0 "^  exec NAME -- CMD" "$cli" --help
check "pvd list: stray argument" 2 "list: unexpected argument 'x'" "$cli" list x
check "pvd list: --json with --names" 2 "exclude each other" "$cli" list --json --names
check "pvd show: no NAME" 2 "show: missing PvD NAME" "$cli" show
check "pvd show: two NAMEs" 2 "show: unexpected argument 'b.example'" "$cli" show a.example b.example
check "pvd show: unknown option" 2 "^Usage: pvd" "$cli" show --bogus a.example
check "pvd monitor: stray argument" 2 "monitor: unexpected argument 'x'" "$cli" monitor x
check "pvd monitor: --names" 2 "^Usage: pvd" "$cli" monitor --names
check "pvd exec: no NAME" 2 "exec: missing PvD NAME" "$cli" exec
check "pvd exec: no command" 2 "exec: missing command" "$cli" exec a.example --
check "pvd exec: --json does not apply" 2 "do not apply" "$cli" --json exec a.example -- true

# No bus at all, then a bus with nobody on it: a clear message, exit 1, and
# exec runs nothing.
DBUS_SYSTEM_BUS_ADDRESS=unix:path=$tmp/nobus
export DBUS_SYSTEM_BUS_ADDRESS
check "pvd list: no system bus" 1 "cannot connect to the system bus at unix:path=.*nobus" "$cli" list
if command -v dbus-daemon >/dev/null; then
	cat >"$tmp/bus.conf" <<-EOF
	<busconfig>
	  <type>system</type>
	  <listen>unix:path=$tmp/bus</listen>
	  <auth>EXTERNAL</auth>
	  <policy context="default">
	    <allow user="*"/>
	    <allow own="*"/>
	    <allow send_destination="*"/>
	    <allow receive_sender="*"/>
	  </policy>
	</busconfig>
	EOF
	dbus-daemon --config-file="$tmp/bus.conf" --nofork --nopidfile --nosyslog 2>"$tmp/bus.log" &
	bus_pid=$!
	trap 'kill $bus_pid 2>/dev/null; wait $bus_pid 2>/dev/null; rm -rf "$tmp"' EXIT
	for _ in $(seq 100); do [ -S "$tmp/bus" ] && break; sleep 0.05; done
	DBUS_SYSTEM_BUS_ADDRESS=unix:path=$tmp/bus
	for c in list "show a.example" monitor; do
		# shellcheck disable=SC2086
		check "pvd $c: daemon not running" 1 "pvd-vrfd is not running" timeout 10 "$cli" $c
	done
	check "pvd exec: daemon not running, nothing run" 1 "pvd-vrfd is not running" \
		"$cli" exec a.example -- touch "$tmp/ran"
	[ ! -e "$tmp/ran" ]
	n=$((n + 1)); if [ $? -eq 0 ]; then echo "ok $n - pvd exec: the command did not run"; else failed=$((failed + 1)); echo "not ok $n - pvd exec: the command ran"; fi
else
	n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - dbus-daemon not installed (package dbus)"
fi

echo "1..$n"
echo "# $((n - failed)) passed, $failed failed"
[ $failed -eq 0 ]
