#!/bin/sh
# tier: all
# Issue 11, power off in the middle of an install: the container's init is
# SIGKILLed (every process of the host dies at once, PostgreSQL included)
# while the installer extracts, while dpkg unpacks and configures, and
# while the cluster is set up; the host is booted again from the same
# disk and the same command run again: it completes, PostgreSQL answers and
# the host equals one where nothing was interrupted (tests/e2e/kill_install.sh's
# comparison).  Prints how many power cuts were tried and how many
# re-runs converged.
. tests/lib.sh
. tests/e2e/install_target.sh
. tests/e2e/kill_install.sh
need_root "power off during an install"
ki_build || exit 1
t_tmpdir
trap 'ki_stop_all; t_cleanup' EXIT

if ! ki_boot ref >"$T_TMP/why"; then not_ok "boot the reference host" "$(cat "$T_TMP/why")"; exit 1; fi
KI_LOG=$T_TMP/ref.log
ki_install "$KI_LOG"
wait "$KI_PID"
if ! grep -q '^Done: ' "$KI_LOG"; then
	not_ok "the reference install" "$(grep -v '^    |' "$KI_LOG" | tail -n 8)"
	exit 1
fi
ki_state "$T_TMP/ref.state"
nu=$(grep -c ' status unpacked ' "$root/var/log/dpkg.log")
nh=$(grep -c ' status half-configured ' "$root/var/log/dpkg.log")
ki_stop

# power_off: SIGKILL to the container's init, as a power cut does to a host.
power_off() {
	i=$(cat "${PGBUNDLE_TEST_RUN:-/run/pgbundle-test}/$CT/init.pid")
	kill -9 "$i"
	kill -9 "-$KI_PID" 2>/dev/null
	wait "$KI_PID" 2>/dev/null
	ki_reaped
	sh "$TOP/ci/airgap/boot.sh" stop "$CT" >/dev/null 2>&1
}

tried=0 converged=0 failures=""
for point in "files - 5" "dpkg unpacked $((nu / 2))" "dpkg half-configured $((nh / 2))" \
	"out create@role@dbuser_app 1"; do
	set -- $point
	arg=$(echo "$2" | tr '@' ' ')
	tried=$((tried + 1))
	if ! ki_boot "off$tried" >"$T_TMP/why"; then failures="$failures [$point: $(cat "$T_TMP/why")]"; continue; fi
	KI_LOG=$T_TMP/cut-$tried.log
	ki_install "$KI_LOG"
	while ki_alive && ! ki_cond "$1" "$arg" "$3"; do sleep 0.02; done
	if ! ki_alive; then
		failures="$failures [$point: the install ended first]"
		ki_stop
		continue
	fi
	power_off
	# Booted again from the same disk, under a new name.
	CT=$CT-again
	KI_CTS="$KI_CTS $CT"
	if ! sh "$TOP/ci/airgap/boot.sh" start "$root" "$CT" 2>"$T_TMP/boot.log"; then
		failures="$failures [$point: no boot after the power cut: $(cat "$T_TMP/boot.log")]"
		continue
	fi
	ki_rerun_converges "power cut at $point, booted again" "$tried"
	ki_stop
done
echo "power off: $tried power cuts tried; $converged re-runs after booting again converged"
if [ "$converged" = "$tried" ] && [ -z "$failures" ]; then
	ok "power off at $tried moments of an install (extraction, unpack, configure, roles): boot, re-run, the host converged each time"
else
	not_ok "power off during an install" "$tried tried, $converged converged:$failures"
fi
