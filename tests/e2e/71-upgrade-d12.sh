#!/bin/sh
# tier: all
# readme: build/pgbundle build manifests/d12.yml --update-from images/pgsql-d12-1.0.lock
# readme: ./pgsql-d12-1.1.d12.amd64.delta-from-1.0.run install --yes
# Updates of an air-gapped d12 host, from the real Debian archive (whose pool
# keeps both versions): the older state is manifests/d12.yml built from the
# release suite alone (`upstreams: [debian]`, version 1.0), the newer the
# same manifest with -updates and -security (version 1.1), as a full bundle
# and as a delta (`--update-from` the older lock).  On booted air-gapped
# bookworms (ci/airgap/boot.sh):
#   - sizes: the delta against the full bundle; and a delta of a few changed
#     packages (the newer set with OpenSSL held at the release's version,
#     then OpenSSL's update: libssl3 and openssl) is under 10% of it;
#   - host A, 1.0 installed with data in it: an upgrade whose apt run fails
#     (a dpkg pre-invoke hook that fails) puts apt's sources back to 1.0 and
#     keeps its repository; then the delta upgrades it: the PostgreSQL minor
#     release comes by a restart (same system identifier, the data there,
#     never an initdb), no service of the bundle runs a replaced file, the
#     1.0 repository is gone, the logins still work, a second run changes
#     nothing;
#   - host B, the full 1.1 on a fresh host: A's packages (and versions, and
#     apt's automatic marks) are B's;
#   - host C, 1.0 installed, then the full 1.1 bundle, powered off (SIGKILL
#     to its init) while dpkg upgrades: after booting again the same command
#     completes the upgrade; C's packages are B's.
# The figures (sizes, upgrade times) are printed.
. tests/lib.sh
. tests/e2e/install_target.sh
. tests/e2e/upgrade_bundles.sh
need_root "upgrade d12"
t_tmpdir
CTS=""
trap 'for c in $CTS; do sh "$TOP/ci/airgap/boot.sh" stop "$c" 2>/dev/null; done; t_cleanup' EXIT

upgrade_bundles || exit 1

# --- sizes ---
size() { stat -c %s "$1"; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", 100 * a / b }'; }
full=$(size "$FULLRUN") delta=$(size "$DELTARUN") ssl=$(size "$SSLRUN")
echo "# full 1.1 .run $full bytes ($(size "$U/full/$NEWB.tar.zst") .tar.zst); release->security delta .run $delta bytes ($(pct "$delta" "$full")%, $("$DELTARUN" info --json | jq .delta.packages) of $("$DELTARUN" info --json | jq .packages) packages); OpenSSL-update delta .run $ssl bytes ($(pct "$ssl" "$full")%, $(size "${SSLRUN%.run}.tar.zst") .tar.zst, $("$SSLRUN" info --json | jq .delta.packages) packages)"
if [ "$delta" -lt $((full / 2)) ]; then
	ok "the release->security delta is much smaller than the full bundle ($(pct "$delta" "$full")%: $("$DELTARUN" info --json | jq .delta.packages) packages changed)"
else
	not_ok "the release->security delta is much smaller" "$delta of $full bytes"
fi
if [ "$("$SSLRUN" info --json | jq .delta.packages)" = 2 ] && [ "$ssl" -lt $((full / 10)) ]; then
	ok "a delta of a few changed packages (OpenSSL's update: 2) is under 10% of the full bundle ($(pct "$ssl" "$full")%, the installer stub included)"
else
	not_ok "a delta of a few packages under 10%" "$ssl of $full bytes, $("$SSLRUN" info --json | jq -c .delta)"
fi

# --- hosts ---
# boot_host NAME: a fresh bookworm with systemd booted as $CT, root $root.
boot_host() {
	CT=pgb-up-$1-$$ root=$T_TMP/$1
	CTS="$CTS $CT"
	if ! sh "$TOP/ci/airgap/rootfs.sh" bookworm "$root" --with-systemd >"$T_TMP/rootfs.log" 2>&1 ||
	   ! sh "$TOP/ci/airgap/boot.sh" start "$root" "$CT" 2>"$T_TMP/boot.log"; then
		not_ok "$1: boot a fresh bookworm" "$(tail -n 3 "$T_TMP/rootfs.log" "$T_TMP/boot.log")"
		return 1
	fi
}
# run_install NAME RUN LOG: RUN install --yes inside $CT, trusting the
# publisher's key given beside it (--key pgbundle.asc) unless RI_VERBATIM is
# set (the README's command: the key pinned by the first install); sets SECS.
run_install() {
	cp "$2" "$root/root/" && cp "$U/keys/pgbundle.asc" "$root/root/" || return 1
	ri_key="--key pgbundle.asc"
	[ -z "${RI_VERBATIM:-}" ] || ri_key=""
	ri_start=$(date +%s%N)
	in_ct sh -c "cd /root && ./$(basename "$2") install --yes${ri_key:+ $ri_key}" >"$3" 2>&1
	ri_rc=$?
	SECS=$(awk -v a="$ri_start" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
	return $ri_rc
}
# install_ok HOST RUN LOG WHAT: RUN installs on $CT, or the test stops.
install_ok() {
	if run_install "$1" "$2" "$3"; then
		ok "$1: $4 ($SECS s)"
	else
		not_ok "$1: $4" "$(grep -v '^    |' "$3" | tail -n 8)"
		exit 1
	fi
}
q() { in_ct runuser -u postgres -- psql -XAtq -d "$1" -c "$2"; }
pkgs_of() { in_ct dpkg-query -W -f '${Package} ${Version} ${db:Status-Abbrev}\n' | sort; }
# Processes of postgres and pgbouncer that map a file an upgrade replaced.
stale_maps() {
	in_ct sh -c 'for m in /proc/[0-9]*/maps; do
		p=${m#/proc/}; p=${p%/maps}
		case "$(readlink /proc/$p/exe 2>/dev/null)" in *postgres*|*pgbouncer*) ;; *) continue ;; esac
		grep -q " /usr/.* (deleted)$" "$m" 2>/dev/null && echo "$p $(readlink /proc/$p/exe)"
	done; true'
}
NEWPG=$(jq -r '.packages[] | select(.name == "postgresql-15") | .version' "$U/full/pgsql-d12.lock")
DB=$(cfg_db)

# Host B: the full 1.1 on a fresh host, the reference.
boot_host b || exit 1
install_ok B "$FULLRUN" "$T_TMP/b.log" "the full 1.1 installs on a fresh host"
pkgs_of >"$T_TMP/b.pkgs"
in_ct apt-mark showauto | sort >"$T_TMP/b.auto"
sh "$TOP/ci/airgap/boot.sh" stop "$CT"

# Host A: 1.0 with data; then a failed upgrade, then the delta.
boot_host a || exit 1
install_ok A "$OLDRUN" "$T_TMP/a1.log" "1.0 (the release suite's packages) installs"
q "$DB" "CREATE TABLE app.upgrade_probe AS SELECT g FROM generate_series(1, 1000) g" >/dev/null
sysid=$(q postgres "SELECT system_identifier FROM pg_control_system()")
oldver=$(q postgres "SHOW server_version")
# A's 1.0 state, kept for host C.
sh "$TOP/ci/airgap/boot.sh" stop "$CT"
cp -a "$root" "$T_TMP/c" || { not_ok "copy of A's 1.0 state for C"; exit 1; }
sh "$TOP/ci/airgap/boot.sh" start "$root" "$CT" 2>"$T_TMP/boot.log" || { not_ok "A: boot again" "$(cat "$T_TMP/boot.log")"; exit 1; }

in_ct sh -c 'echo "DPkg::Pre-Invoke { \"false\"; };" >/etc/apt/apt.conf.d/99pgbundle-test-fail'
run_install a "$DELTARUN" "$T_TMP/a2.log"
rc=$?
src=$(in_ct grep '^URIs:' /etc/apt/sources.list.d/pgbundle.sources)
if [ "$rc" != 0 ] && grep -q "Upgrade failed: back to the sources of pgsql-d12 1.0" "$T_TMP/a2.log" &&
   [ "$src" = "URIs: file:/www/pgbundle/$OLDB" ] && in_ct test -d "/www/pgbundle/$OLDB/pool" &&
   ! in_ct test -e /var/lib/pgbundle/upgrade &&
   [ "$(q postgres 'SHOW server_version')" = "$oldver" ] &&
   in_ct apt-get update -o Acquire::Languages=none >/dev/null 2>&1; then
	ok "A: an upgrade whose apt run fails puts apt's sources back to 1.0, keeps its repository; apt works"
else
	not_ok "A: rollback of a failed upgrade" "status $rc; $src; $(grep -v '^    |' "$T_TMP/a2.log" | tail -n 6)"
fi
in_ct rm -f /etc/apt/apt.conf.d/99pgbundle-test-fail
t_readme_cmd "$README_INSTALL" || exit 1
RI_VERBATIM=1
install_ok A "$DELTARUN" "$T_TMP/a3.log" "the delta upgrades 1.0 to 1.1, as the README says"
RI_VERBATIM=
echo "# A: delta upgrade $SECS s; $(grep -o 'packages and restarts done .*' "$T_TMP/a3.log")"
# The failed run unpacked and completed the delta; this one found it in place.
grep -q "completed from /www/pgbundle/$OLDB: " "$T_TMP/a2.log" &&
	grep -q "already extracted from this bundle" "$T_TMP/a3.log" &&
	ok "A: the delta was completed from the 1.0 repository on the host, once" ||
	not_ok "A: completed from the base" "$(grep -i 'complet\|extract' "$T_TMP/a2.log" "$T_TMP/a3.log")"
echo "# A: $(grep -A3 'Services still running replaced files' "$T_TMP/a3.log" | grep -v '^==>' | tr -s ' ' | tr '\n' ';')"
newver=$(q postgres "SHOW server_version")
case "$newver" in
"${NEWPG%%-*} "*)
	if [ "$(q postgres "SELECT system_identifier FROM pg_control_system()")" = "$sysid" ] &&
	   [ "$(q "$DB" "SELECT count(*) FROM app.upgrade_probe")" = 1000 ]; then
		ok "A: PostgreSQL $oldver -> $newver by a restart: the same cluster (system identifier), its data there"
	else
		not_ok "A: the same cluster after the minor upgrade" "sysid $sysid; $(q "$DB" "SELECT count(*) FROM app.upgrade_probe" 2>&1)"
	fi ;;
*) not_ok "A: PostgreSQL runs the new minor release" "server_version '$newver', the bundle has $NEWPG" ;;
esac
stale=$(stale_maps)
[ -z "$stale" ] && ok "A: no postgres or pgbouncer process runs a file the upgrade replaced" ||
	not_ok "A: stale processes after the upgrade" "$stale"
left=$(in_ct sh -c 'ls /www/pgbundle; ls -d /var/lib/pgbundle/upgrade 2>/dev/null; grep "^URIs:" /etc/apt/sources.list.d/pgbundle.sources' | tr '\n' ' ')
if [ "$left" = "$NEWB URIs: file:/www/pgbundle/$NEWB " ]; then
	ok "A: only the 1.1 repository is left, and apt uses it"
else
	not_ok "A: repositories after the upgrade" "$left"
fi
IH_RUN=/root/$(basename "$DELTARUN") install_checks A 15
run_install a "$DELTARUN" "$T_TMP/a4.log"
if grep -q 'nothing to change' "$T_TMP/a4.log"; then
	ok "A: the delta run again changes nothing"
else
	not_ok "A: a second run changes nothing" "$(grep -v '^    |' "$T_TMP/a4.log" | tail -n 6)"
fi
pkgs_of >"$T_TMP/a.pkgs"
in_ct apt-mark showauto | sort >"$T_TMP/a.auto"
if diff "$T_TMP/b.pkgs" "$T_TMP/a.pkgs" >"$T_TMP/ab.diff" && diff "$T_TMP/b.auto" "$T_TMP/a.auto" >>"$T_TMP/ab.diff"; then
	ok "A after the delta has B's packages, versions and automatic marks ($(wc -l <"$T_TMP/a.pkgs") packages)"
else
	not_ok "A equals a fresh full install" "$(head -n 12 "$T_TMP/ab.diff")"
fi
sh "$TOP/ci/airgap/boot.sh" stop "$CT"

# Host C: 1.0 (A's state before the upgrade), the full 1.1, powered off mid-upgrade.
CT=pgb-up-c-$$ root=$T_TMP/c
CTS="$CTS $CT"
sh "$TOP/ci/airgap/boot.sh" start "$root" "$CT" 2>"$T_TMP/boot.log" || { not_ok "C: boot" "$(cat "$T_TMP/boot.log")"; exit 1; }
cp "$FULLRUN" "$root/root/"
upgrades_before=$(grep -c ' upgrade ' "$root/var/log/dpkg.log")
in_ct sh -c "cd /root && ./$NEWB.run install --yes" >"$T_TMP/c1.log" 2>&1 &
bg=$!
n=0 t=0
while [ "$t" -lt 1800 ]; do
	n=$(( $(grep -c ' upgrade ' "$root/var/log/dpkg.log") - upgrades_before ))
	[ "$n" -ge 4 ] && break
	kill -0 "$bg" 2>/dev/null || break
	sleep 0.2
	t=$((t + 1))
done
init=$(cat "${PGBUNDLE_TEST_RUN:-/run/pgbundle-test}/$CT/init.pid")
kill -KILL "$init"
wait "$bg"
sh "$TOP/ci/airgap/boot.sh" stop "$CT" 2>/dev/null
echo "# C: powered off after dpkg began $n upgrades"
sh "$TOP/ci/airgap/boot.sh" start "$root" "$CT" 2>"$T_TMP/boot.log" || { not_ok "C: boot after the power-off" "$(cat "$T_TMP/boot.log")"; exit 1; }
audit=$(in_ct dpkg --audit | head -c 300)
if [ "$n" -ge 4 ] && ! grep -q '^Done: ' "$T_TMP/c1.log" && in_ct test -f /var/lib/pgbundle/upgrade/from; then
	ok "C: powered off while dpkg upgraded ($n packages begun; dpkg --audit: $(echo "${audit:-nothing}" | head -n 1))"
else
	not_ok "C: powered off in the middle of the upgrade" "after $n upgrades; $(tail -n 3 "$T_TMP/c1.log")"
fi
if run_install c "$FULLRUN" "$T_TMP/c2.log" && grep -q "an upgrade from pgsql-d12 1.0 .* was interrupted: finishing it" "$T_TMP/c2.log"; then
	ok "C: the same command after booting again completes the upgrade ($SECS s)"
else
	not_ok "C: the re-run completes the upgrade" "$(grep -v '^    |' "$T_TMP/c2.log" | tail -n 10)"
fi
pkgs_of >"$T_TMP/c.pkgs"
in_ct apt-mark showauto | sort >"$T_TMP/c.auto"
if diff "$T_TMP/b.pkgs" "$T_TMP/c.pkgs" >"$T_TMP/bc.diff" && diff "$T_TMP/b.auto" "$T_TMP/c.auto" >>"$T_TMP/bc.diff" &&
   [ -z "$(in_ct dpkg --audit)" ]; then
	ok "C after the interrupted upgrade has B's packages, versions and automatic marks; dpkg is consistent"
else
	not_ok "C equals a fresh full install" "$(head -n 12 "$T_TMP/bc.diff")"
fi
newver=$(q postgres "SHOW server_version")
left=$(in_ct sh -c 'ls /www/pgbundle; ls -d /var/lib/pgbundle/upgrade 2>/dev/null' | tr '\n' ' ')
if [ "$(q postgres "SELECT system_identifier FROM pg_control_system()")" = "$sysid" ] &&
   [ "$(q "$DB" "SELECT count(*) FROM app.upgrade_probe")" = 1000 ] &&
   [ "${newver%% *}" = "${NEWPG%%-*}" ] && [ -z "$(stale_maps)" ] && [ "$left" = "$NEWB " ]; then
	ok "C: PostgreSQL $newver on the same cluster with its data, nothing stale, only the 1.1 repository left"
else
	not_ok "C: state after the completed upgrade" "version '$newver'; left: $left; stale: $(stale_maps)"
fi
