#!/bin/sh
# tier: all
# Issue 11, kill -9 at any point of an install.  A small d12 bundle
# (tests/e2e/kill_install.sh: PostgreSQL 15, PgBouncer, two extensions, two
# users, two databases) is installed once, uninterrupted, on a fresh
# air-gapped bookworm: that host is the reference.  Then, on a fresh host
# each time, the install is killed (SIGKILL to the installer and every
# program it runs) at one moment of:
#   extraction   the installer's Nth write into the staging directory
#                (strace), at 10%, 35%, 60% and 90% of them;
#   apt          dpkg's log reaching the Kth "unpacked" or "half-configured";
#   cluster      the new cluster's data directory reaching K files (inside
#                postgresql-common's pg_createcluster / initdb);
#   bootstrap    the installer printing that it writes the settings, enables
#                or restarts the server;
#   users        ... generates a password, creates a role, grants, creates
#                a database or an extension;
#   pgbouncer    ... writes PgBouncer's user list;
# and the same command is run again.  It must complete, and the host must
# then equal the reference: the same packages at the same versions and
# states, the same files under /etc/postgresql, /etc/pgbouncer, /etc/apt,
# /etc/pgbundle and /var/lib/pgbundle (secrets compared by name), nothing
# else under the prefix, the same services, databases, roles, grants,
# schemas and extensions.  Prints how many moments were tried per phase
# and how many re-runs converged.
. tests/lib.sh
. tests/e2e/install_target.sh
. tests/e2e/kill_install.sh
need_root "kill -9 during an install"
command -v strace >/dev/null || { not_ok "kill -9 during an install" "strace is missing (ci/deps.sh test)"; exit 1; }
ki_build || exit 1
t_tmpdir
trap 'ki_stop_all; t_cleanup' EXIT

# The reference, and what its install did: files extracted, dpkg steps.
if ! ki_boot ref >"$T_TMP/why"; then not_ok "boot the reference host" "$(cat "$T_TMP/why")"; exit 1; fi
KI_LOG=$T_TMP/ref.log
setsid strace -f -qq -y -o "$T_TMP/ref.st" -e trace=write \
	sh "$TOP/ci/airgap/boot.sh" exec "$CT" /root/bundle.run install --yes --key /root/pgbundle.asc >"$KI_LOG" 2>&1
if ! grep -q '^Done: ' "$KI_LOG"; then
	not_ok "the reference install" "$(grep -v '^    |' "$KI_LOG" | tail -n 8)"
	exit 1
fi
ki_state "$T_TMP/ref.state"
# The installer's writes, numbered as strace counts them, that go into staging.
inst=$(awk '/ write\(.*\.staging-/ { print $1; exit }' "$T_TMP/ref.st")
awk -v p="$inst" '$1 == p && / write\(/ { n++ } $1 == p && /\.staging-/ && / write\(/ { print n }' \
	"$T_TMP/ref.st" >"$T_TMP/extract.writes"
nw=$(wc -l <"$T_TMP/extract.writes")
nu=$(grep -c ' status unpacked ' "$root/var/log/dpkg.log")
nh=$(grep -c ' status half-configured ' "$root/var/log/dpkg.log")
ni=$(find "$root/var/lib/postgresql/15/main" -type f | wc -l)
echo "# reference: $nw writes into staging, $nu unpacked and $nh half-configured in dpkg's log, $ni files in the new cluster"
ki_stop

{
	for pct in 10 35 60 90; do
		echo "extraction strace $(sed -n "$(( nw * pct / 100 + 1 ))p" "$T_TMP/extract.writes") -"
	done
	for k in 1 $((nu / 3)) $((nu * 2 / 3)) "$nu"; do echo "apt dpkg unpacked $k"; done
	for k in 1 $((nh / 2)) "$nh"; do echo "apt dpkg half-configured $k"; done
	for k in 1 $((ni / 3)) $((ni * 2 / 3)); do echo "cluster initdb - $k"; done
	echo "bootstrap out write@/etc/postgresql/15/main/conf.d 1"
	echo "bootstrap out restart@postgresql@15-main 1"
	echo "users out generate@a@password 1"
	echo "users out create@role@dbuser_app 1"
	echo "users out grant@dbrole_admin@to@dbuser_admin 1"
	echo "users out create@database@app 1"
	echo "users out create@extension@hypopg 1"
	echo "users out create@database@reports 1"
	echo "pgbouncer out update@/etc/pgbouncer/userlist.txt 1"
} >"$T_TMP/points"

tried=0 converged=0 failures="" landed=""
while read -r phase kind arg k; do
	arg=$(echo "$arg" | tr '@' ' ')
	tried=$((tried + 1))
	label="$phase ($kind $arg $k)"
	if ! ki_boot "p$tried" >"$T_TMP/why"; then failures="$failures [$label: $(cat "$T_TMP/why")]"; continue; fi
	KI_LOG=$T_TMP/kill-$tried.log
	if [ "$kind" = strace ]; then
		ki_install_strace "$KI_LOG" "$arg"
		wait "$KI_PID"
		ki_reaped
		grep -q 'killed by SIGKILL' "$T_TMP/strace.out" && how=hit || how=ended
	else
		ki_install "$KI_LOG"
		how=$(ki_kill_when "$kind" "$arg" "$k")
	fi
	if [ "$how" != hit ]; then
		failures="$failures [$label: the install ended before that moment]"
		ki_stop
		continue
	fi
	landed="$landed $phase"
	ki_rerun_converges "$label, killed" "$tried"
	ki_stop
done <"$T_TMP/points"

per=$(echo "$landed" | tr ' ' '\n' | grep . | uniq -c | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }')
echo "install kill -9: $tried interruption points tried ($per); $converged re-runs converged"
if [ "$tried" -ge 20 ] && [ "$converged" = "$tried" ] && [ -z "$failures" ]; then
	ok "kill -9 at $tried points of an install ($per): every re-run converged to the uninterrupted host"
else
	not_ok "kill -9 at any point of an install" "$tried tried, $converged converged:$failures"
fi
