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

echo "1..$n"
echo "# $((n - failed)) passed, $failed failed"
[ $failed -eq 0 ]
