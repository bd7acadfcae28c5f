#!/bin/sh
# tier: fast
# Issue 11, drift between bundle and host, on d12 (bookworm): the same .run
#  - installs and brings up PostgreSQL on a host made from the point release
#    alone (never updated: no -updates, no -security) and on one made with
#    -updates and -security;
#  - on a host that already has a newer version of a package of the bundle's
#    closure (made with dpkg-deb from the bundle's own .deb, version bumped),
#    keeps the host's version when the dependencies allow it (libjson-perl:
#    postgresql-common asks for any version), and otherwise refuses before
#    changing anything, naming the package and both versions
#    (postgresql-common needs postgresql-client-common = its own version).
. tests/lib.sh
. tests/e2e/install_target.sh
need_root "drift between bundle and host (d12)"
install_build d12 || exit 1
t_tmpdir
CTS=""
trap 'for c in $CTS; do sh "$TOP/ci/airgap/boot.sh" stop "$c" 2>/dev/null; done; t_cleanup' EXIT
TAR=$(ls "${RUN%.run}".tar.zst)

# boot_host NAME [rootfs.sh options]: a fresh bookworm booted with systemd as $CT.
boot_host() {
	CT=pgb-drift-$1-$$ root=$T_TMP/$1
	shift
	CTS="$CTS $CT"
	if ! why=$(boot_fresh "$CT" "$root" bookworm "$@"); then
		not_ok "bookworm $*" "$why"
		return 1
	fi
}

# installs WHAT: the .run installs, and PostgreSQL answers.
installs() {
	in_ct /root/bundle.run install --yes --key /root/pgbundle.asc >"$T_TMP/$CT.log" 2>&1
	rc=$?
	up=$(in_ct runuser -u postgres -- psql -XAtq -c "SELECT 'up ' || current_setting('server_version_num')" 2>&1)
	if [ "$rc" = 0 ] && grep -q '^Done: ' "$T_TMP/$CT.log" && case "$up" in up\ 15*) true ;; *) false ;; esac; then
		ok "$1: the .run installs and PostgreSQL 15 answers ($(grep -o '[0-9]* to install, [0-9]* to upgrade' "$T_TMP/$CT.log"))"
	else
		not_ok "$1: the .run installs and PostgreSQL answers" \
			"status $rc, psql: $up; $(grep -v '^    |' "$T_TMP/$CT.log" | tail -n 10)"
		return 1
	fi
}

# newer_deb NAME SUFFIX: NAME's .deb from the bundle, its version + SUFFIX,
# without Depends (only the version matters here), into the rootfs and
# installed with dpkg.  Prints the new version.
newer_deb() {
	d=$T_TMP/deb-$1
	rm -rf "$d" && mkdir -p "$d"
	tar --zstd -xf "$TAR" -C "$d" --wildcards "*/pool/$1_*.deb" &&
		dpkg-deb -R "$d"/*/pool/"$1"_*.deb "$d/tree" || return 1
	v=$(sed -n 's/^Version: //p' "$d/tree/DEBIAN/control")$2
	sed -i -e "s/^Version: .*/Version: $v/" -e '/^Depends:/d' -e '/^Pre-Depends:/d' "$d/tree/DEBIAN/control"
	dpkg-deb --root-owner-group -b "$d/tree" "$root/root/$1.deb" >/dev/null &&
		in_ct dpkg -i "/root/$1.deb" >"$T_TMP/dpkg-$1.log" 2>&1 || return 1
	echo "$v"
}

installed_version() { in_ct dpkg-query -W -f '${Version}' "$1" 2>/dev/null; }

# 1. The point release alone: a host never updated.
if boot_host release --suite-only; then
	n=$(in_ct sh -c 'ls /var/lib/apt/lists 2>/dev/null | grep -c -- "-\(updates\|security\)_"')
	echo "# the release-only host: $(in_ct dpkg-query -W -f '.\n' | wc -l) packages, lists of -updates/-security: ${n:-0}"
	installs "bookworm as published, never updated"
fi

# 2. With -updates and -security.
if boot_host updated; then
	installs "bookworm with -updates and -security"
fi

# 3. A newer libjson-perl on the host: postgresql-common takes any version.
if boot_host newer && v=$(newer_deb libjson-perl +local1); then
	installs "a host with libjson-perl $v (newer than the bundle's)" &&
	if [ "$(installed_version libjson-perl)" = "$v" ]; then
		ok "the host's newer libjson-perl $v is kept"
	else
		not_ok "the host's newer libjson-perl is kept" "dpkg says $(installed_version libjson-perl)"
	fi
fi

# 4. A newer postgresql-client-common: postgresql-common needs its own version.
if boot_host pinned && v=$(newer_deb postgresql-client-common +local1); then
	bv=${v%+local1}
	in_ct /root/bundle.run install --yes --key /root/pgbundle.asc >"$T_TMP/pinned.log" 2>&1
	rc=$?
	src=$(in_ct ls /etc/apt/sources.list.d)
	if [ "$rc" != 0 ] && grep -q "postgresql-client-common" "$T_TMP/pinned.log" &&
	   grep -qF "$v" "$T_TMP/pinned.log" && grep -qF "$bv" "$T_TMP/pinned.log" &&
	   [ "$(installed_version postgresql-client-common)" = "$v" ] && [ -z "$src" ] &&
	   ! in_ct test -e /var/lib/postgresql; then
		ok "a host with postgresql-client-common $v: refused before any change, naming the package, $v and $bv"
		grep -A4 'pre-flight' "$T_TMP/pinned.log" | sed 's/^/# /'
	else
		not_ok "a newer postgresql-client-common is refused, naming both versions" \
			"status $rc, sources.list.d: $src; $(tail -n 8 "$T_TMP/pinned.log")"
	fi
fi
