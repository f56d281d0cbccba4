#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-install.sh BUILD_DIR SBINDIR BINDIR SYSCONFDIR MANDIR UNITDIR LIBDIR DATADIR
#                 UDEVRULESDIR NETWORKDIR
#
# `meson install --destdir` into a temporary directory installs the whole
# package, the systemd unit there is valid, and its sandbox stays tight:
#   - every file of the package is present (the directories are this build's
#     absolute install paths, from meson.build);
#   - ExecStart= runs the installed daemon, which answers --version, and the
#     installed configuration passes --check-config;
#   - `systemd-analyze verify` prints nothing at all (it exits 0 even after
#     "Unknown key" and "Failed to parse" warnings, so its output counts): the
#     unit runs with ExecStart= pointed into the destdir and MANPATH at the
#     installed manual pages, so the binary and each Documentation= page are
#     checked too;
#   - `systemd-analyze security --offline=yes` rates it below 3.0, and finds
#     no exposure beyond those the unit's header comment accepts (the same
#     list as $accepted below).  The unit rates 1.9 today.  The score alone
#     is too coarse (losing ProtectSystem= costs 0.2, losing the capability
#     bounding set 1.5), so each exposure counts on its own too; the
#     threshold is the ceiling for the accepted ones;
#   - every installed manual page formats without a groff warning;
#   - a program built against the installed libpvd through its installed
#     pkg-config file runs on the installed libpvd.so.
# Needs systemd-analyze (package systemd) and groff (groff-base); without
# them it fails, saying so.  TAP output.
set -u
build=$1 sbindir=$2 bindir=$3 sysconfdir=$4 mandir=$5 unitdir=$6 libdir=$7 datadir=$8
udevrulesdir=$9 networkdir=${10}
threshold=3.0
# Exposures the unit cannot avoid; the unit's header comment says why.
accepted=(
	'PrivateNetwork='
	'User=/DynamicUser='
	'RestrictAddressFamilies=~AF_(INET|INET6)'
	'RestrictAddressFamilies=~AF_NETLINK'
	'RestrictAddressFamilies=~AF_UNIX'
	'CapabilityBoundingSet=~CAP_NET_ADMIN'
	'CapabilityBoundingSet=~CAP_NET_(BIND_SERVICE|BROADCAST|RAW)'
	'PrivateUsers='
	'IPAddressDeny='
	'ProcSubset='
	'UMask='
	'DeviceAllow='
	'RootDirectory=/RootImage='
)
n=0 failed=0
tmp=$(mktemp -d)
log=$build/meson-logs/install-log.txt
# meson install rewrites the build's install log, which `ninja uninstall`
# reads: keep the real one.
[ -f "$log" ] && cp -p "$log" "$tmp/install-log.txt.saved"
cleanup() {
	if [ -f "$tmp/install-log.txt.saved" ]; then
		cp -p "$tmp/install-log.txt.saved" "$log"
	else
		rm -f "$log"
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

ok() {		# ok DESCRIPTION
	n=$((n + 1))
	echo "ok $n - $1"
}
not_ok() {	# not_ok DESCRIPTION [DETAILS]
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	[ $# -lt 2 ] || printf '%s\n' "$2" | sed 's/^/# /'
}
check() {	# check DESCRIPTION CMD...: passes when CMD succeeds silently
	local what=$1 out
	shift
	if out=$("$@" 2>&1) && [ -z "$out" ]; then
		ok "$what"
	else
		not_ok "$what" "$out"
	fi
}

dest=$tmp/dest
if out=$(meson install -C "$build" --destdir "$dest" --no-rebuild 2>&1); then
	ok "meson install --destdir"
else
	not_ok "meson install --destdir" "$(printf '%s\n' "$out" | tail -20)"
fi

unit=$unitdir/pvd-vrfd.service
files=(
	"$sbindir/pvd-vrfd"
	"$bindir/pvd"
	"$sysconfdir/pvd-vrfd.conf"
	"$sysconfdir/iproute2/rt_protos.d/pvd-vrfd.conf"
	"$unit"
	"$mandir/man8/pvd-vrfd.8"
	"$mandir/man5/pvd-vrfd.conf.5"
	"$mandir/man5/org.pvd.5"
	"$mandir/man1/pvd.1"
	"$datadir/dbus-1/system.d/org.pvd.conf"
	"$libdir/libpvd-preload.so"
	"$libdir/pkgconfig/libpvd.pc"
	"$mandir/man3/libpvd.3"
	"$datadir/bash-completion/completions/pvd"
	"$udevrulesdir/85-pvd-vrfd.rules"
	"$networkdir/10-pvd-vrfd.network"
)
for f in "${files[@]}"; do
	if [ -f "$dest$f" ]; then
		ok "installed $f"
	else
		not_ok "installed $f" "missing from $dest"
	fi
done
for f in "$sbindir/pvd-vrfd" "$bindir/pvd"; do
	if [ -x "$dest$f" ]; then ok "$f is executable"; else not_ok "$f is executable"; fi
done

# Coexistence files: where udev and networkd look, and matching exactly our
# links' names (pvdXXXXXX, pvdXXXXXX.N), never a parent such as eth0 or pvd0.
case $udevrulesdir in
*/lib/udev/rules.d) ok "udev rule in a udev rules directory ($udevrulesdir)" ;;
*) not_ok "udev rule in a udev rules directory" "$udevrulesdir" ;;
esac
case $networkdir in
/etc/systemd/network|*/lib/systemd/network) ok "networkd file in a networkd directory ($networkdir)" ;;
*) not_ok "networkd file in a networkd directory" "$networkdir" ;;
esac
rule=$dest$udevrulesdir/85-pvd-vrfd.rules net=$dest$networkdir/10-pvd-vrfd.network
if grep -qE '^ACTION!="remove", SUBSYSTEM=="net", KERNEL=="[^"]+", ENV\{NM_UNMANAGED\}="1"$' "$rule" 2>/dev/null; then
	ok "udev rule sets NM_UNMANAGED=1 on net devices by name"
else
	not_ok "udev rule sets NM_UNMANAGED=1 on net devices by name" "$(grep -v '^#' "$rule" 2>&1)"
fi
if grep -qx 'Unmanaged=yes' "$net" 2>/dev/null && [ "$(grep -c '^Name=' "$net")" = 1 ] &&
	[ -z "$(grep -vE '^(#.*|\[Match\]|\[Link\]|Name=.*|Unmanaged=yes|)$' "$net")" ]; then
	ok "networkd file: [Match] Name= only, [Link] Unmanaged=yes"
else
	not_ok "networkd file: [Match] Name= only, [Link] Unmanaged=yes" "$(cat "$net" 2>&1)"
fi
# The names both files match, with fnmatch(3) semantics (udev's "|"
# alternatives and networkd's blank-separated list are the same globs).
globs=$(sed -n 's/^Name=//p' "$net" 2>/dev/null)
udev_globs=$(sed -n 's/.*KERNEL=="\([^"]*\)".*/\1/p' "$rule" 2>/dev/null | tr '|' ' ')
matches() {	# matches NAME GLOBS...
	local name=$1 g
	shift
	for g in "$@"; do
		# shellcheck disable=SC2053
		[[ $name == $g ]] && return 0
	done
	return 1
}
bad=
set -f	# the globs are words here, never file names
for name in pvd1a2b3c pvd1a2b3c.2 pvdffffff.1f; do
	# shellcheck disable=SC2086
	matches "$name" $globs && matches "$name" $udev_globs || bad+=" $name(not matched)"
done
for name in eth0 enp1s0 pvd0 pvd pvd1a2b3 pvd1A2B3C pvdprobe123 wlan0.1 xpvd1a2b3c; do
	# shellcheck disable=SC2086
	! matches "$name" $globs && ! matches "$name" $udev_globs || bad+=" $name(matched)"
done
set +f
if [ -n "$globs" ] && [ -n "$udev_globs" ] && [ -z "$bad" ]; then
	ok "both match our VRFs and sub-interfaces, no other link"
else
	not_ok "both match our VRFs and sub-interfaces, no other link" "globs '$globs' / '$udev_globs':$bad"
fi

exec_start=$(sed -n 's/^ExecStart=//p' "$dest$unit" 2>/dev/null)
want="$sbindir/pvd-vrfd --config $sysconfdir/pvd-vrfd.conf"
if [ "$exec_start" = "$want" ]; then
	ok "ExecStart= runs the installed daemon with the installed configuration"
else
	not_ok "ExecStart= runs the installed daemon with the installed configuration" \
		"ExecStart=$exec_start, want $want"
fi
if grep -q '@[A-Z_]*@' "$dest$unit" 2>/dev/null; then
	not_ok "no @VARIABLE@ left in the unit" "$(grep '@[A-Z_]*@' "$dest$unit")"
else
	ok "no @VARIABLE@ left in the unit"
fi
if out=$("$dest$sbindir/pvd-vrfd" --version 2>&1) && [[ $out == "pvd-vrfd "* ]]; then
	ok "installed daemon runs (--version)"
else
	not_ok "installed daemon runs (--version)" "$out"
fi
if out=$("$dest$sbindir/pvd-vrfd" --check-config -c "$dest$sysconfdir/pvd-vrfd.conf" 2>&1); then
	ok "installed configuration passes --check-config"
else
	not_ok "installed configuration passes --check-config" "$out"
fi

if ! command -v systemd-analyze >/dev/null; then
	not_ok "systemd-analyze verify" "systemd-analyze not found: install the 'systemd' package (tests/install-deps does)"
	not_ok "systemd-analyze security" "systemd-analyze not found"
else
	# The unit as installed, but its ExecStart= pointing into the destdir.
	mkdir -p "$tmp/verify"
	sed "s|^ExecStart=$sbindir/|ExecStart=$dest$sbindir/|" "$dest$unit" >"$tmp/verify/pvd-vrfd.service"
	check "systemd-analyze verify (silent, binary and manual pages found)" \
		env MANPATH="$dest$mandir" systemd-analyze verify "$tmp/verify/pvd-vrfd.service"

	out=$(systemd-analyze security --offline=yes "$dest$unit" 2>&1)
	score=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for pvd-vrfd.service: \([0-9.]*\).*/\1/p')
	if [ -z "$score" ]; then
		not_ok "systemd-analyze security" "no score in: $(printf '%s\n' "$out" | tail -3)"
	elif awk -v s="$score" -v t="$threshold" 'BEGIN { exit !(s < t) }'; then
		ok "exposure $score < $threshold (systemd-analyze security --offline=yes)"
	else
		not_ok "exposure $score < $threshold (systemd-analyze security --offline=yes)" \
			"$(printf '%s\n' "$out" | grep '✗')"
	fi
	unexpected=$(printf '%s\n' "$out" | sed -n 's/^✗ \([^ ]*\) .*/\1/p' |
		grep -vxF -f <(printf '%s\n' "${accepted[@]}"))
	if [ -z "$unexpected" ]; then
		ok "no exposure beyond the accepted ones"
	else
		not_ok "no exposure beyond the accepted ones" "$unexpected"
	fi
fi

for page in "$dest$mandir"/man[0-9]/*; do
	[ -f "$page" ] || continue
	if ! command -v groff >/dev/null; then
		not_ok "${page#"$dest"} formats without warnings" "groff not found: install 'groff-base'"
		continue
	fi
	check "${page#"$dest"} formats without warnings" groff -man -Tutf8 -ww -z "$page"
done

# libpvd as an application uses it: the installed header and library found
# through the installed pkg-config file (with the destdir as sysroot), and a
# program built with them that runs and gets libpvd's answer for "no daemon".
# (A sanitized build's library needs a sanitized program: the unit suite's.)
pc=$dest$libdir/pkgconfig
san=
ldd "$dest$libdir/libpvd.so" 2>/dev/null | grep -q libasan && san=-fsanitize=address,undefined
if flags=$(PKG_CONFIG_PATH=$pc PKG_CONFIG_SYSROOT_DIR=$dest pkg-config --cflags --libs libpvd 2>&1) &&
	printf '%s\n' '#include <pvd/libpvd.h>' '#include <stdio.h>' \
		'int main(void) { struct pvd_handle *h = NULL; int r = pvd_open(&h); printf("%d\n", r); pvd_close(h); return 0; }' |
	cc $san -x c -o "$tmp/app" - $flags 2>"$tmp/cc.err"; then
	ok "a program builds with the installed libpvd (pkg-config --cflags --libs libpvd)"
	r=$(DBUS_SYSTEM_BUS_ADDRESS=unix:path=$tmp/no-bus LD_LIBRARY_PATH=$dest$libdir "$tmp/app" 2>&1)
	if [ "$r" -lt 0 ] 2>/dev/null; then
		ok "... and runs on the installed libpvd.so: pvd_open without a bus is $r"
	else
		not_ok "... and runs on the installed libpvd.so" "$r"
	fi
else
	not_ok "a program builds with the installed libpvd (pkg-config --cflags --libs libpvd)" "$flags $(cat "$tmp/cc.err" 2>/dev/null)"
fi

echo "1..$n"
[ $failed -eq 0 ]
