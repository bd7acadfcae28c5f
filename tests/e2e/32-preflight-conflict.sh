#!/bin/sh
# tier: fast
# The installer refuses, before changing anything, a host it cannot install
# on: (1) a bookworm host with a package (built here) that Breaks pgbouncer
# from the bundle: the pre-flight names both packages; (2) the d12 bundle on
# a trixie host: the host check names both releases.  Each time nothing is
# written under /etc, no package changes and no repository is left under the
# prefix (not even the prefix directory).
. tests/lib.sh
. tests/e2e/install_target.sh
need_root "pre-flight conflict"
install_build d12 || exit 1
t_tmpdir

# snapshot ROOT: the host state the installer must not touch.
snapshot() {
	sh "$TOP/ci/airgap/run.sh" "$1" -- sh -c '
		dpkg-query -W -f "\${Package} \${Version} \${db:Status-Abbrev}\n"
		find /etc/apt -type f | sort | xargs sha256sum
		ls -d /www /www/pgbundle /var/lib/pgbundle /etc/pgbundle 2>&1' 2>/dev/null
}

# refused NAME ROOT LOG PATTERN...: the installer ran in ROOT (log in LOG)
# and was refused with every PATTERN in its message, nothing changed.
refused() {
	r_name=$1 r_root=$2 r_log=$3 r_rc=$4
	shift 4
	missing=""
	for p in "$@"; do
		grep -q -- "$p" "$r_log" || missing="$missing '$p'"
	done
	if [ "$r_rc" != 0 ] && [ -z "$missing" ]; then
		ok "$r_name: refused with a message naming$(printf ' %s' "$@")"
	else
		not_ok "$r_name: refused naming$(printf ' %s' "$@")" "status $r_rc, missing$missing: $(tail -n 6 "$r_log")"
	fi
	snapshot "$r_root" >"$r_log.after"
	# From outside: /usr/sbin itself changes when run.sh removes its policy-rc.d.
	changed=$(find "$r_root/etc" "$r_root/usr" "$r_root/var/lib/dpkg" "$r_root/var/lib/apt" \
		-cnewer "$r_root/root/marker" ! -path "$r_root/usr/sbin" | head -n 5)
	if diff "$r_log.before" "$r_log.after" >"$r_log.diff" && [ -z "$changed" ]; then
		ok "$r_name: nothing changed: packages, /etc/apt and the prefix as before, no file under /etc or /usr written"
	else
		not_ok "$r_name: nothing changed" "$(head -n 8 "$r_log.diff") $changed"
	fi
}

# --- (1) a host package that Breaks a package of the bundle
root=$T_TMP/bookworm
if ! sh "$TOP/ci/airgap/rootfs.sh" bookworm "$root" >"$T_TMP/rootfs.log" 2>&1; then
	not_ok "minbase bookworm rootfs" "$(tail -n 3 "$T_TMP/rootfs.log")"
	exit 1
fi
echo "deb http://deb.example.invalid/debian bookworm main" >"$root/etc/apt/sources.list"
pkg=$T_TMP/pkg
mkdir -p "$pkg/DEBIAN"
cat >"$pkg/DEBIAN/control" <<'CONTROL'
Package: pgb-breaker
Version: 1.0
Architecture: all
Maintainer: pgbundle tests <tests@invalid>
Breaks: pgbouncer
Description: a host package that breaks the bundle's pgbouncer
CONTROL
dpkg-deb --root-owner-group -b "$pkg" "$root/root/pgb-breaker_1.0_all.deb" >/dev/null
if sh "$TOP/ci/airgap/run.sh" "$root" -- dpkg -i /root/pgb-breaker_1.0_all.deb >"$T_TMP/dpkg.log" 2>&1; then
	ok "conflict: pgb-breaker (Breaks: pgbouncer) is installed on the host first"
else
	not_ok "conflict: install pgb-breaker" "$(tail -n 3 "$T_TMP/dpkg.log")"
	exit 1
fi
cp "$RUN" "$root/root/bundle.run"
install_key "$root"
snapshot "$root" >"$T_TMP/conflict.log.before"
touch "$root/root/marker"
sleep 1
sh "$TOP/ci/airgap/run.sh" "$root" -- /root/bundle.run install --yes --key /root/pgbundle.asc >"$T_TMP/conflict.log" 2>&1
refused "conflict" "$root" "$T_TMP/conflict.log" $? \
	"pgb-breaker 1.0 (installed on this host) Breaks pgbouncer (from the bundle)" \
	"nothing was changed"

# --- (2) the d12 bundle on a d13 host
root=$T_TMP/trixie
if ! sh "$TOP/ci/airgap/rootfs.sh" trixie "$root" >"$T_TMP/rootfs13.log" 2>&1; then
	not_ok "minbase trixie rootfs" "$(tail -n 3 "$T_TMP/rootfs13.log")"
	exit 1
fi
echo "deb http://deb.example.invalid/debian trixie main" >"$root/etc/apt/sources.list"
cp "$RUN" "$root/root/bundle.run"
install_key "$root"
snapshot "$root" >"$T_TMP/release.log.before"
touch "$root/root/marker"
sleep 1
sh "$TOP/ci/airgap/run.sh" "$root" -- /root/bundle.run install --yes --key /root/pgbundle.asc >"$T_TMP/release.log" 2>&1
refused "d12 bundle on a d13 host" "$root" "$T_TMP/release.log" $? \
	"bookworm" "target d12" "Debian GNU/Linux 13 (trixie)"
