# SPDX-License-Identifier: GPL-2.0-or-later
#
# What test-unit-vm, test-networkd-vm and test-nm-vm share.  On the host they call
# vm_job_init and vm_job_run; the job.sh that vm_job_init starts sources this
# file again inside the test VM (tests/vm/run-in-vm), where the rest of it
# installs pvd-vrfd from the job directory, makes the lab
#
#   [ systemd: MANAGER, pvd-vrfd.service ] v0 ---- v1 [ netns r: ra.py ]
#
# boots /lib/systemd/systemd as PID 1 of a PID and mount namespace, and
# provides the checks the manager tests make of our objects.

# vm_job_init NAME FILE...: (host) the job directory, in the build directory
# (the guest mounts a tmpfs on /tmp), with the daemon, its unit and bus
# policy, this file and FILEs; job.sh begins with job=, repo= and the
# sourcing of this file.  Sets job; the test appends its checks to job.sh.
vm_job_init() {
	local name=$1; shift
	[ -x "$build/src/pvd-vrfd" ] && [ -f "$build/systemd/pvd-vrfd.service" ] ||
		{ echo "test-$name: build $build first" >&2; exit 2; }
	job=$(mktemp -d "$build/$name.XXXXXX")
	trap 'rm -rf "$job"' EXIT
	cp "$build/src/pvd-vrfd" "$build/systemd/pvd-vrfd.service" "$repo/systemd/org.pvd.conf" \
		"${BASH_SOURCE[0]}" "$@" "$job/"
	printf '#!/bin/bash\njob=%q repo=%q\n. "$job/vm-lib.sh"\n' "$job" "$repo" >"$job/job.sh"
	chmod +x "$job/job.sh"
}
# vm_job_run TIMEOUT: (host) job.sh in the VM
vm_job_run() { "$repo/tests/vm/run-in-vm" --timeout "$1" -- "$job/job.sh"; }

fails=0
check() {	# check DESCRIPTION CMD...
	local what=$1; shift
	if "$@"; then echo "OK   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}
scale=${PVD_WAIT_SCALE:-1}
poll() {	# poll SECONDS CMD...: CMD until it succeeds or the deadline passes
	local deadline=$(($(date +%s) + $1 * scale))
	shift
	echo "     (waiting for: $*)"
	until "$@"; do
		[ "$(date +%s)" -lt "$deadline" ] || { echo "     (timed out: $*)"; state_dump; return 1; }
		sleep 0.2
	done
}
journal_units=(-u pvd-vrfd)	# the test adds its manager's unit
state_dump() {
	ip -br link; ip -6 addr show dev v0; ip -6 route show table all | head -40
	[ -z "${sd:-}" ] || timeout 30 nsenter -t "$sd" -m -p -r -w -- journalctl --no-pager -o cat \
		"${journal_units[@]}" | tail -30
}

# install_pvd_vrfd CONFIG: the daemon, its unit and bus policy where the
# unit says, with this configuration file.
install_pvd_vrfd() {	# sets config (the file's path)
	local exec_start
	exec_start=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$job/pvd-vrfd.service")
	config=$(sed -n 's/^ExecStart=.*--config \([^ ]*\).*/\1/p' "$job/pvd-vrfd.service")
	mkdir -p "$(dirname "$exec_start")" "$(dirname "$config")"
	install -m755 "$job/pvd-vrfd" "$exec_start"
	cp "$job/pvd-vrfd.service" /etc/systemd/system/
	cp "$job/org.pvd.conf" /usr/share/dbus-1/system.d/
	printf '%s\n' "$1" >"$config"
	printf 'd /tmp 1777 root root -\n' >/etc/tmpfiles.d/tmp.conf	# see test-unit-vm
}

# make_lab: v0 here, v1 in the router namespace r (up).
make_lab() {
	ip link add v0 type veth peer name v1
	ip netns add r
	ip link set v1 netns r
	ip netns exec r ip link set v1 up
}

# boot_systemd RO_SYS UNIT...: systemd with a target requiring UNITs; RO_SYS
# "ro" remounts /sys read-only first (how networkd and NetworkManager know
# that no udevd will initialize links, the container rule).  Sets sd, the
# PID of systemd as seen from here.
boot_systemd() {
	local ro=$1; shift
	printf '[Unit]\nRequires=%s\nAfter=%s\n' "$*" "$*" >/etc/systemd/system/pvdtest.target
	unshare -m -p -f --mount-proc bash -c '
		mount --make-rprivate /
		mount --rbind / /mnt
		cd /mnt && pivot_root . . && umount -l . || exit 1
		[ "$1" != ro ] || mount -o remount,bind,ro /sys || exit 1
		exec /lib/systemd/systemd --unit=pvdtest.target --log-target=console \
			--log-level=warning --show-status=false
	' boot "$ro" &
	us=$!
	sd=
	poll 60 find_systemd || { echo "FAIL systemd did not start"; exit 1; }
}
find_systemd() { sd=$(pgrep -P $us || true); [ -n "$sd" ]; }
sysd() { timeout 60 nsenter -t "$sd" -m -p -r -w -- "$@"; }
active() { [ "$(sysd systemctl is-active "$1" 2>/dev/null)" = active ]; }
alive() { kill -0 "$sd" 2>/dev/null; }
up_or_gone() { active "$1" || ! alive; }
# started UNIT: wait for UNIT (SECONDS, default 120) and check it is active
started() {
	poll "${2:-120}" up_or_gone "$1"
	check "$1 active" active "$1"
	alive || { echo "FAIL systemd exited"; exit 1; }
}
has_addr() { ip -6 addr show dev v0 | grep -q "inet6 $1/"; }

# send_ra [RA.PY-ARGS...]: once v1's link-local address is usable, one RA
# for a.example with prefix 2001:db8:a::/64 (A and L set); --count N
# --interval S (in the background) make the router advertise periodically.
router_ready() { ! ip netns exec r ip -6 addr show dev v1 | grep -q tentative &&
	ip netns exec r ip -6 addr show dev v1 | grep -q 'scope link'; }
send_ra() {
	poll 10 router_ready
	ip netns exec r /usr/bin/python3 "$repo/tests/netns/ra.py" --dev v1 --lifetime 1800 \
		--prefix 2001:db8:a::/64,valid=3600,preferred=1800,flags=LA --pvd a.example \
		--rdnss 2001:db8:a::53 "$@" >/dev/null
}
# made: our VRF and sub-interface (sets vrf, sub), the address from the
# prefix and the default route in the VRF.
vrf= sub=
made() {
	vrf=$(ip -br link show type vrf | awk '$1 ~ /^pvd/ { print $1 }' | head -1)
	sub=$(ip -br link | awk '$1 ~ /^pvd[0-9a-f]+\./ { print $1 }' | cut -d@ -f1 | head -1)
	[ -n "$vrf" ] && [ -n "$sub" ] && ip -6 route show vrf "$vrf" proto 249 | grep -q default &&
		ip -6 addr show dev "$sub" | grep -q 'inet6 2001:db8:a:'
}
# none_left: no link of ours (pvd*) is left
none_left() { ! ip -br link | grep -q '^pvd'; }
# slaac_v0: the manager's own address on v0 from the RA
slaac_v0() { ip -6 addr show dev v0 | grep -v 'inet6 2001:db8:f::' | grep -oE 'inet6 2001:db8:a:[0-9a-f:]+' | head -1; }
# ours: everything pvd-vrfd made, for before/after comparisons (needs table)
ours() {
	ip -o link show | awk -F': ' '$2 ~ /^pvd/ { sub(" state [A-Z]*.*", "", $3); print $2, $3 }'
	ip -6 -o addr show | awk '$2 ~ /^pvd/ { print $2, $4 }'
	ip -6 route show table "$table" | sed 's/ expires [0-9]*sec//'
	ip -4 route show table "$table"
	ip -6 rule show; ip -4 rule show
}
# snapshot: table and before (the state the manager's actions must keep)
snapshot() {
	table=$(ip -d link show dev "$vrf" | sed -n 's/.*vrf table \([0-9]*\).*/\1/p')
	before=$(ours)
	echo "$before" | sed 's/^/    /'
	check "table $table has the IPv6 and IPv4 unreachable defaults" \
		eval '[ "$(grep -c "^unreachable default" <<<"$before")" = 2 ]'
	check "an l3mdev rule exists" grep -q 'l3mdev' <<<"$before"
}
# survived WHAT: our objects are as they were at the snapshot
survived() {
	local after
	after=$(ours)
	check "our links, addresses, routes, unreachables and rules survive $1" test "$before" = "$after"
	[ "$before" = "$after" ] || diff <(echo "$before") <(echo "$after") | sed 's/^/    /'
}
# finish: the journal on failure, systemd killed, the verdict
finish() {
	if [ $fails -gt 0 ]; then
		echo "== journal"
		sysd journalctl --no-pager -o cat "${journal_units[@]}" | tail -60
	fi
	kill -9 "$sd"
	echo "$1: $fails failed"
	[ $fails -eq 0 ]
}
