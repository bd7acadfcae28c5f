#!/bin/sh
# ci/airgap/boot.sh - boot a rootfs with systemd, air-gapped, in the background.
#
#   sh ci/airgap/boot.sh start ROOTFS NAME [--netns PATH] [--property KEY=VALUE]...
#                                            boot; returns once systemd is up
#   sh ci/airgap/boot.sh exec NAME CMD...    run CMD inside as root; CMD's status
#   sh ci/airgap/boot.sh stop NAME           power off (kill after 30 s), clean up
#   sh ci/airgap/boot.sh kill NAME           pull the plug: SIGKILL to the
#                                            container's init, no shutdown; clean up;
#                                            prints the time of the SIGKILL (epoch s)
#
# ROOTFS comes from `ci/airgap/rootfs.sh SUITE DEST --with-systemd`.  The
# container has a private network namespace with only loopback, or, with
# --netns PATH (a namespace the caller made, /run/netns/NAME, holding the
# interfaces and addresses it wants the host to have), that one.  State lives
# in ${PGBUNDLE_TEST_RUN:-/run/pgbundle-test}/NAME/: nspawn.pid, init.pid
# (the container's systemd, as seen from the host), rootfs, console.log (the
# boot output; read it when start fails).  `start` fails, and cleans up, if
# systemd does not reach "running" or "degraded" within 60 s; "degraded"
# counts as up because a minbase host always has some unit that cannot start.
# No policy-rc.d here: services are meant to start.  Needs root.
#
# --property KEY=VALUE limits the container as nspawn's --property would
# (nspawn cannot here: with --keep-unit it makes no scope to set them on):
# CPUQuota=N% and MemoryMax=SIZE (K, M, G suffixes), written to the cgroups
# of the container's own (cpu.cfs_quota_us and memory.limit_in_bytes on a
# host with cgroup v1 controllers, cpu.max and memory.max on a v2 one).  On
# a v1 host the container then boots with the legacy hierarchy, so that it
# sees its limits as a real small host sees its RAM (/sys/fs/cgroup/memory),
# which forky's systemd (>= 258) does not boot with.  Commands run by `exec`
# join those cgroups too.  STATEDIR/limits lists the limited cgroup
# directories (memory.oom_control or memory.events there count OOM kills).
set -eu

die() { echo "boot.sh: $*" >&2; exit 125; }
run_base=${PGBUNDLE_TEST_RUN:-/run/pgbundle-test}
usage="usage: $0 start ROOTFS NAME [--netns PATH] [--property KEY=VALUE]... | exec NAME CMD... | stop NAME | kill NAME"

# alive PID: PID runs.  Not `kill -0`: nspawn started by `start` is our
# child, and a child that has exited stays a zombie until the shell ends.
alive() {
	s=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	case "$s" in Z*) return 1 ;; esac
}

state_dir() {
	case "$1" in
	""|*/*|.|..) die "bad NAME '$1': want a plain name such as d12-boot" ;;
	esac
	echo "$run_base/$1"
}

# init_pid DIR: the recorded container init, only while it is still the
# child of the recorded nspawn (PIDs get reused).
init_pid() {
	[ -f "$1/nspawn.pid" ] && [ -f "$1/init.pid" ] || return 1
	n=$(cat "$1/nspawn.pid") i=$(cat "$1/init.pid")
	[ "$(ps -o ppid= -p "$i" 2>/dev/null | tr -d ' ')" = "$n" ] || return 1
	echo "$i"
}

# join_own_cgroup NAME STATEDIR: move this (sub)shell into a new child
# cgroup NAME of its current cgroup, in the v2 tree and in v1's name=systemd
# tree if mounted, and list the new directories in STATEDIR/cgroups.  nspawn
# puts the container in "payload" under its own cgroup: without this two
# containers booted from one caller would share one cgroup tree.  Best
# effort: where the host refuses, nspawn runs in the caller's cgroup.
join_own_cgroup() {
	v2=/sys/fs/cgroup
	[ -f "$v2/cgroup.controllers" ] || v2=/sys/fs/cgroup/unified
	for h in "$v2:0::" "/sys/fs/cgroup/systemd:[0-9]*:name=systemd:"; do
		mnt=${h%%:*} key=${h#*:}
		[ -f "$mnt/cgroup.procs" ] || continue
		cur=$(sed -n "s|^$key||p" /proc/self/cgroup | head -n 1)
		[ -n "$cur" ] || continue
		cg=$mnt${cur%/}/pgbundle-test-$1
		mkdir "$cg" 2>/dev/null || continue
		echo "$cg" >>"$2/cgroups"
		# "0" moves the writer, which is this very shell.
		echo 0 >"$cg/cgroup.procs" 2>/dev/null || true
	done
}

# rm_cgroups DIR: remove the cgroups join_own_cgroup made, deepest first
# (systemd inside leaves its slices behind).
rm_cgroups() {
	[ -f "$1/cgroups" ] || return 0
	while read -r cg; do
		[ -d "$cg" ] && find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null
	done <"$1/cgroups"
	return 0
}

# kill_all DIR: stop nspawn and the container, then forget them.
kill_all() {
	n=$(cat "$1/nspawn.pid" 2>/dev/null || true)
	i=$(cat "$1/init.pid" 2>/dev/null || true)
	# nspawn turns SIGTERM into SIGRTMIN+3 for the container's systemd:
	# an orderly poweroff.
	[ -n "$n" ] && alive "$n" && kill -TERM "$n"
	t=0
	while [ -n "$n" ] && alive "$n" && [ "$t" -lt 300 ]; do sleep 0.1; t=$((t + 1)); done
	if [ -n "$n" ] && alive "$n"; then
		echo "boot.sh: $(basename "$1") did not power off in 30 s; killing it" >&2
		# Killing a PID namespace's init kills everything in it.
		[ -n "$i" ] && kill -KILL "$i" 2>/dev/null
		kill -KILL "$n" 2>/dev/null || true
		t=0
		while alive "$n" && [ "$t" -lt 50 ]; do sleep 0.1; t=$((t + 1)); done
	fi
	rm_cgroups "$1"
	rm -rf "$1"
}

# size_bytes 2G: bytes of a systemd size (K, M, G, T: powers of 1024).
size_bytes() {
	case "$1" in
	*[Kk]) echo $((${1%?} * 1024)) ;;
	*[Mm]) echo $((${1%?} * 1024 * 1024)) ;;
	*[Gg]) echo $((${1%?} * 1024 * 1024 * 1024)) ;;
	*[Tt]) echo $((${1%?} * 1024 * 1024 * 1024 * 1024)) ;;
	*[0-9]) echo "$1" ;;
	*) die "bad size '$1' (want a number with K, M, G or T)" ;;
	esac
}

# limit_cgroups NAME STATEDIR: the cgroups of --property (CPU_QUOTA, a
# percentage; MEM_MAX, bytes), made and joined by this (sub)shell, each
# listed in STATEDIR/limits; prints nothing, dies when the host has no
# controller to enforce a limit asked for.
limit_cgroups() {
	v1=/sys/fs/cgroup
	for c in memory cpu; do
		want=$MEM_MAX
		[ "$c" = cpu ] && want=$CPU_QUOTA
		[ -n "$want" ] || continue
		if [ -f "$v1/$c/cgroup.procs" ]; then
			cur=$(sed -n "s|^[0-9]*:\([^:]*,\)*$c\(,[^:]*\)*:||p" /proc/self/cgroup | head -n 1)
			cg=$v1/$c${cur%/}/pgbundle-test-$1
			mkdir -p "$cg"
			if [ "$c" = memory ]; then
				echo "$want" >"$cg/memory.limit_in_bytes"
			else
				echo 100000 >"$cg/cpu.cfs_period_us"
				echo $((want * 1000)) >"$cg/cpu.cfs_quota_us"
			fi
		else
			v2=$v1
			[ -f "$v2/cgroup.controllers" ] || v2=$v1/unified
			grep -qw "$c" "$v2/cgroup.controllers" 2>/dev/null ||
				die "no $c controller on this host (cgroup v1 or v2) to apply the limit"
			cur=$(sed -n 's|^0::||p' /proc/self/cgroup | head -n 1)
			cg=$v2${cur%/}/pgbundle-test-$1
			mkdir -p "$cg"
			echo "+$c" >"$v2${cur%/}/cgroup.subtree_control" 2>/dev/null || true
			if [ "$c" = memory ]; then
				echo "$want" >"$cg/memory.max"
			else
				echo "$((want * 1000)) 100000" >"$cg/cpu.max"
			fi
		fi
		echo "$cg" >>"$2/limits"
		grep -qx "$cg" "$2/cgroups" 2>/dev/null || echo "$cg" >>"$2/cgroups"
		echo 0 >"$cg/cgroup.procs"
	done
}

cmd_start() {
	[ $# -ge 2 ] || die "$usage"
	root=$1 name=$2
	shift 2
	net=--private-network caps= CPU_QUOTA="" MEM_MAX=""
	while [ $# -gt 0 ]; do
		case "$1" in
		--netns)
			[ $# -ge 2 ] && [ -e "$2" ] || die "$usage (no network namespace '${2:-}')"
			net=--network-namespace-path=$2
			# Its own network to manage, as a host has: nspawn keeps CAP_NET_ADMIN
			# for --private-network only (a VIP is added from a systemd service).
			caps=--capability=CAP_NET_ADMIN
			shift 2 ;;
		--property)
			[ $# -ge 2 ] || die "$usage"
			case "$2" in
			CPUQuota=*%) CPU_QUOTA=${2#CPUQuota=}; CPU_QUOTA=${CPU_QUOTA%\%} ;;
			MemoryMax=*) MEM_MAX=$(size_bytes "${2#MemoryMax=}") ;;
			*) die "unsupported --property '$2' (CPUQuota=N% or MemoryMax=SIZE)" ;;
			esac
			shift 2 ;;
		*) die "$usage" ;;
		esac
	done
	set -- "$root" "$name"
	# Legacy cgroups when a v1 controller enforces a limit (see the top).
	unified=1
	if [ -n "$CPU_QUOTA$MEM_MAX" ] && [ -f /sys/fs/cgroup/memory/cgroup.procs ]; then
		unified=0
	fi
	root=$1 dir=$(state_dir "$2")
	[ -x "$root/lib/systemd/systemd" ] ||
		die "$root has no systemd; create it with ci/airgap/rootfs.sh SUITE DEST --with-systemd"
	if [ -d "$dir" ]; then
		init_pid "$dir" >/dev/null && die "$2 is already running; stop it first: $0 stop $2"
		rm -rf "$dir"
	fi
	mkdir -p "$dir"
	realpath "$root" >"$dir/rootfs"
	# --keep-unit/--register=no: the host's PID 1 is not always systemd (it
	# is not in CI sandboxes), so nspawn must not ask it for a scope.
	# A pure cgroup v2 tree for the container whatever the host mounts:
	# systemd >= 258 (forky) exits at once, silently, on the hybrid v1/v2
	# layout nspawn would otherwise copy from a v1 host.
	(
		join_own_cgroup "$2" "$dir"
		limit_cgroups "$2" "$dir"
		SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=$unified exec systemd-nspawn -D "$root" \
			"$net" $caps --register=no --keep-unit --link-journal=no \
			--machine="$2" -b --console=pipe
	) </dev/null >"$dir/console.log" 2>&1 &
	n=$!
	echo "$n" >"$dir/nspawn.pid"
	if ! why=$(wait_up "$dir" "$n"); then
		cp "$dir/console.log" "$run_base/$2.console.log" 2>/dev/null || true
		kill_all "$dir"
		die "$2: $why; boot log: $run_base/$2.console.log"
	fi
}

# wait_up DIR NSPAWN_PID: wait (60 s at most) for the container's systemd to
# report running or degraded; record init.pid.  On failure print why.
wait_up() {
	deadline=$(($(date +%s) + 60)) i=""
	while [ -z "$i" ]; do
		alive "$2" || { echo "systemd-nspawn exited during boot"; return 1; }
		[ "$(date +%s)" -lt "$deadline" ] || { echo "no systemd inside after 60 s"; return 1; }
		i=$(pgrep -P "$2" -x systemd || true)
		[ -n "$i" ] || sleep 0.1
	done
	echo "$i" >"$1/init.pid"
	# Polled, not `is-system-running --wait`: in the first moments the
	# container has no bus socket yet and --wait fails at once.
	state=""
	while [ "$(date +%s)" -lt "$deadline" ] && alive "$i"; do
		state=$(timeout 5 nsenter -t "$i" -a systemctl is-system-running 2>/dev/null || true)
		case "$state" in running|degraded) return 0 ;; esac
		sleep 0.2
	done
	echo "systemd inside is '${state:-not answering}', not running or degraded, after 60 s"
	return 1
}

cmd_exec() {
	[ $# -ge 2 ] || die "$usage"
	dir=$(state_dir "$1"); shift
	i=$(init_pid "$dir") || die "$(basename "$dir") is not running; start it with: $0 start ROOTFS NAME"
	# Within the container's limits, as its own processes are.
	if [ -f "$dir/limits" ]; then
		while read -r cg; do echo $$ >"$cg/cgroup.procs"; done <"$dir/limits"
	fi
	# A clean environment, like a login on that host; none of the caller's.
	exec nsenter -t "$i" -a -- env -i \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive container=systemd-nspawn "$@"
}

# kill: what a power failure does - the container's init and everything in
# it die at once (a PID namespace dies with its init), nothing is flushed.
cmd_kill() {
	[ $# = 1 ] || die "$usage"
	dir=$(state_dir "$1")
	[ -d "$dir" ] || die "$1 is not running (no $dir)"
	n=$(cat "$dir/nspawn.pid" 2>/dev/null || true)
	# The time of the kill itself, for the HA tests' RTO: on a loaded host
	# this script may start seconds before it gets to it.
	i=$(init_pid "$dir") && kill -KILL "$i" 2>/dev/null && date +%s.%N
	t=0
	while [ -n "$n" ] && alive "$n" && [ "$t" -lt 100 ]; do sleep 0.05; t=$((t + 1)); done
	kill_all "$dir"
}

cmd_stop() {
	[ $# = 1 ] || die "$usage"
	dir=$(state_dir "$1")
	[ -d "$dir" ] || die "$1 is not running (no $dir)"
	kill_all "$dir"
}

[ "$(id -u)" = 0 ] || die "needs root (systemd-nspawn, nsenter)"
[ $# -ge 1 ] || die "$usage"
sub=$1; shift
case "$sub" in
start) cmd_start "$@" ;;
exec) cmd_exec "$@" ;;
stop) cmd_stop "$@" ;;
kill) cmd_kill "$@" ;;
*) die "$usage" ;;
esac
