# tests/e2e/fixture_pgdg.sh - a PGDG-like apt repository (apt.postgresql.org)
# for bookworm, built in the test with dpkg-deb and signed with gpg: no PGDG
# host is reachable here.  Laid out and named as the real one (pgapt's
# repo/conf/distributions, reprepro): suite bookworm-pgdg, Origin
# apt.postgresql.org, components main and one per major (14 15 16 17 18;
# 16 holds that major's older libpq5, 18 a beta, as PGDG stows them),
# pool/main/p/SOURCE/ and pool/MAJOR/p/postgresql-MAJOR/, Packages plain, .gz and
# .bz2, Contents-amd64.gz per component, InRelease and Release.gpg.
# Source tests/lib.sh and tests/e2e/fixture_repo.sh first.
#
#   fixture_pgdg ROOT KEYHOME WORK
#
# What it holds (versions PGDG style, X-1.pgdg120+1), and why:
#   postgresql-16, postgresql-client-16   a major Debian 12 does not ship; the
#                       server needs postgresql-common (>= 252~), newer than
#                       bookworm's 248, the client libpq5 (>= 16.6)
#   postgresql-common, postgresql-client-common 262.pgdg120+1   Debian's own
#                       packages repacked under PGDG's version: their
#                       maintainer scripts are real, so Debian's postgresql-15
#                       configures against them in the air-gapped install
#   libpq5 17.2 (main), libpq5 16.6 (component 16)   PGDG's newest libpq in
#                       main, the older one stowed per major
#   postgresql-15, postgresql-client-15 15.99   PGDG's build of the major
#                       Debian ships, newer than Debian's (`prefer: pgdg`)
#   postgresql-15-pgvector, postgresql-16-pgvector   the extension "vector"
#                       (vector.control), which bookworm does not have
#   pgbouncer 1.24.1    newer than bookworm's 1.18
#   postgresql-18, postgresql-client-18, libpq5 18~beta1 (component 18)
#                       a beta, which PGDG publishes in its major's component
#                       only until the release
# The packages other than postgresql-common are fake (a control file, the
# extension's control file, no binaries): apt installs them, PostgreSQL 16
# cannot run from them.

# pgdg_deb OUT NAME VERSION ARCH "FILE..." CONTROL-LINE...
pgdg_deb() {
	pd_out=$1 pd_name=$2 pd_ver=$3 pd_arch=$4 pd_files=$5
	shift 5
	pd_d=$(mktemp -d)
	mkdir -p "$pd_d/DEBIAN" "$pd_d/usr/share/doc/$pd_name" "$pd_out"
	echo "$pd_name $pd_ver (fixture)" >"$pd_d/usr/share/doc/$pd_name/README"
	for pd_f in $pd_files; do
		mkdir -p "$pd_d$(dirname "$pd_f")"
		echo "# $pd_name fixture" >"$pd_d$pd_f"
	done
	{
		echo "Package: $pd_name"
		echo "Version: $pd_ver"
		echo "Architecture: $pd_arch"
		echo "Maintainer: Debian PostgreSQL Maintainers <team+postgresql@tracker.debian.org>"
		echo "Section: database"
		echo "Priority: optional"
		for pd_l in "$@"; do echo "$pd_l"; done
		echo "Description: fixture of PGDG's $pd_name"
	} >"$pd_d/DEBIAN/control"
	dpkg-deb --root-owner-group -Zxz -b "$pd_d" "$pd_out/${pd_name}_${pd_ver}_${pd_arch}.deb" >/dev/null
	pd_rc=$?
	rm -rf "$pd_d"
	return $pd_rc
}

# pgdg_repack DEB OUT VERSION: Debian's package DEB under PGDG's VERSION,
# its "(= old)" dependencies on packages of the same source moved along.
pgdg_repack() {
	pr_d=$(mktemp -d)
	dpkg-deb -R "$1" "$pr_d" || return 1
	pr_old=$(sed -n 's/^Version: //p' "$pr_d/DEBIAN/control")
	sed -i "s/^Version: .*/Version: $3/; s/(= $pr_old)/(= $3)/g" "$pr_d/DEBIAN/control"
	pr_name=$(sed -n 's/^Package: //p' "$pr_d/DEBIAN/control")
	pr_arch=$(sed -n 's/^Architecture: //p' "$pr_d/DEBIAN/control")
	mkdir -p "$2"
	dpkg-deb --root-owner-group -b "$pr_d" "$2/${pr_name}_$3_${pr_arch}.deb" >/dev/null
	pr_rc=$?
	rm -rf "$pr_d"
	return $pr_rc
}

# Contents-amd64 of the .deb files under a pool directory: "path section/pkg".
pgdg_contents() {
	for pc_deb in $(find "$1" -name '*.deb' | sort); do
		pc_sp=$(dpkg-deb -f "$pc_deb" Section Package | sed 's/^[^:]*: //' | paste -sd /)
		dpkg-deb -c "$pc_deb" | awk -v p="$pc_sp" \
			'$1 !~ /^d/ { f = $6; sub(/^\.\//, "", f); print f "\t" p }'
	done | sort
}

# One component: Packages (plain, .gz, .bz2) of pool/COMP, its Contents.
pgdg_component() {
	pgc_root=$1 pgc_comp=$2
	pgc_bin=$pgc_root/dists/bookworm-pgdg/$pgc_comp/binary-amd64
	mkdir -p "$pgc_bin" "$pgc_root/pool/$pgc_comp"
	# (dpkg-scanpackages is slow to start: not for an empty component)
	if [ -n "$(ls -A "$pgc_root/pool/$pgc_comp")" ]; then
		(cd "$pgc_root" && dpkg-scanpackages --multiversion "pool/$pgc_comp" /dev/null 2>/dev/null)
	fi >"$pgc_bin/Packages"
	gzip -9nk "$pgc_bin/Packages"
	bzip2 -9k "$pgc_bin/Packages"
	printf 'Archive: bookworm-pgdg\nComponent: %s\nOrigin: apt.postgresql.org\nLabel: PostgreSQL for Debian/Ubuntu repository\nArchitecture: amd64\n' \
		"$pgc_comp" >"$pgc_bin/Release"
	pgdg_contents "$pgc_root/pool/$pgc_comp" | gzip -9n \
		>"$pgc_root/dists/bookworm-pgdg/$pgc_comp/Contents-amd64.gz"
}

fixture_pgdg_release() {
	echo "Origin: apt.postgresql.org"
	echo "Label: PostgreSQL for Debian/Ubuntu repository"
	echo "Suite: bookworm-pgdg"
	echo "Codename: bookworm-pgdg"
	echo "Date: $(LC_ALL=C date -u -R -d @$(( $(date +%s) - 3600 )) | sed 's/+0000/UTC/')"
	echo "Architectures: amd64"
	echo "Components: main 14 15 16 17 18"
	echo "Description: Apt repository for PostgreSQL (fixture)"
	echo "SHA256:"
	# One sha256sum and one find for every file (forks are slow here).
	(cd "$1" && find . -mindepth 2 -type f -printf '%P\n' | sort >.files &&
		xargs -d '\n' sha256sum <.files >.sums && xargs -d '\n' stat -c %s <.files |
		paste -d ' ' .sums - | awk '{ printf " %s %s %s\n", $1, $3, $2 }' && rm -f .files .sums)
}

fixture_pgdg() {
	fp_root=$1 fp_key=$2 fp_work=$3
	fp_v=pgdg120+1
	M=$fp_root/pool/main/p
	mkdir -p "$fp_work/debian" "$M"
	# Debian's postgresql-common, under PGDG's version (real maintainer scripts).
	(cd "$fp_work/debian" && apt-get download -q postgresql-common postgresql-client-common \
		>/dev/null 2>&1) || { echo "apt-get download postgresql-common failed" >&2; return 1; }
	for fp_deb in "$fp_work"/debian/*.deb; do
		pgdg_repack "$fp_deb" "$M/postgresql-common" "262.$fp_v" || return 1
	done
	fp_libs="libc6 (>= 2.34), libssl3 (>= 3.0.0), libzstd1 (>= 1.5.2), zlib1g (>= 1:1.1.4)"
	pgdg_deb "$M/postgresql-17" libpq5 "17.2-1.$fp_v" amd64 "/usr/lib/x86_64-linux-gnu/libpq.so.5" \
		"Multi-Arch: same" "Depends: libc6 (>= 2.34), libgssapi-krb5-2 (>= 1.17), libldap-2.5-0 (>= 2.5.4), libssl3 (>= 3.0.0)"
	for fp_pg in 15 16; do
		[ $fp_pg = 15 ] && fp_ver="15.99-1.$fp_v" || fp_ver="16.6-1.$fp_v"
		pgdg_deb "$M/postgresql-$fp_pg" postgresql-$fp_pg "$fp_ver" amd64 \
			"/usr/lib/postgresql/$fp_pg/bin/postgres /usr/share/postgresql/$fp_pg/extension/plpgsql.control /usr/share/postgresql/$fp_pg/extension/pg_stat_statements.control" \
			"Depends: locales | locales-all, postgresql-client-$fp_pg, postgresql-common (>= 252~), ssl-cert, tzdata, debconf (>= 0.5) | debconf-2.0, $fp_libs, libicu72 (>= 72.1~rc-1~), libldap-2.5-0 (>= 2.5.4), libpq5 (>= 14~beta2), libxml2 (>= 2.7.4)" \
			"Provides: postgresql-$fp_pg-jit-llvm (= 14), postgresql-contrib-$fp_pg" \
			"Recommends: sysstat"
		pgdg_deb "$M/postgresql-$fp_pg" postgresql-client-$fp_pg "$fp_ver" amd64 \
			"/usr/lib/postgresql/$fp_pg/bin/psql" \
			"Depends: libpq5 (>= ${fp_ver%%-*}), postgresql-client-common (>= 182~), sensible-utils, $fp_libs, libreadline8 (>= 6.0)" \
			"Provides: postgresql-client"
		pgdg_deb "$M/pgvector" postgresql-$fp_pg-pgvector "0.8.0-1.$fp_v" amd64 \
			"/usr/share/postgresql/$fp_pg/extension/vector.control /usr/lib/postgresql/$fp_pg/lib/vector.so" \
			"Depends: postgresql-$fp_pg, libc6 (>= 2.14)"
	done
	pgdg_deb "$M/pgbouncer" pgbouncer "1.24.1-1.$fp_v" amd64 "/usr/sbin/pgbouncer" \
		"Depends: libc-ares2 (>= 1.11.0~rc1), libevent-2.1-7 (>= 2.1.8-stable), $fp_libs, adduser, lsb-base, postgresql-common (>= 183~)"
	pgdg_deb "$fp_root/pool/16/p/postgresql-16" libpq5 "16.6-1.$fp_v" amd64 \
		"/usr/lib/x86_64-linux-gnu/libpq.so.5" "Multi-Arch: same" \
		"Depends: libc6 (>= 2.34), libgssapi-krb5-2 (>= 1.17), libldap-2.5-0 (>= 2.5.4), libssl3 (>= 3.0.0)"
	fp_b="18~beta1-1.$fp_v"
	fp_p18=$fp_root/pool/18/p/postgresql-18
	pgdg_deb "$fp_p18" postgresql-18 "$fp_b" amd64 "/usr/share/postgresql/18/extension/plpgsql.control" \
		"Depends: postgresql-client-18, postgresql-common (>= 252~), $fp_libs, libpq5 (>= 14~beta2)"
	pgdg_deb "$fp_p18" postgresql-client-18 "$fp_b" amd64 "/usr/lib/postgresql/18/bin/psql" \
		"Depends: libpq5 (>= 18~beta1), postgresql-client-common (>= 182~), $fp_libs"
	pgdg_deb "$fp_p18" libpq5 "$fp_b" amd64 "/usr/lib/x86_64-linux-gnu/libpq.so.5" "Multi-Arch: same" \
		"Depends: libc6 (>= 2.34), libgssapi-krb5-2 (>= 1.17), libldap-2.5-0 (>= 2.5.4), libssl3 (>= 3.0.0)"
	for fp_c in main 14 15 16 17 18; do
		pgdg_component "$fp_root" "$fp_c"
	done
	fixture_pgdg_release "$fp_root/dists/bookworm-pgdg" >"$fp_root/dists/bookworm-pgdg/Release"
	fixture_sign "$fp_root/dists/bookworm-pgdg" "$fp_key"
}

# fixture_recipes_pgdg DIR KEYRING FPR: a copy of recipes/ whose pgdg-apt
# checks KEYRING and pins FPR (the fixture's key instead of PGDG's).
fixture_recipes_pgdg() {
	rm -rf "$1" && cp -r "$TOP/recipes" "$1"
	sed -i "s|/usr/share/postgresql-common/pgdg/apt.postgresql.org.gpg|$2|; s|B97B0AFCAA1A47F044F244A07FCC7D46ACCC4CF8|$3|" \
		"$1/repos.yml"
}

# fixture_debian_for_pgdg ROOT KEYHOME PGDGROOT: a tiny signed "bookworm"
# suite standing in for Debian 12 beside the PGDG fixture: a minbase
# (fx-base, apt), Debian's PostgreSQL 15 side (postgresql-15 and -client-15
# 15.20, postgresql-common 248+deb12u2, libpq5 15.20, pgbouncer 1.18), and
# fx-stubs providing, at 9:99, every other package the PGDG fixture needs.
fixture_debian_for_pgdg() {
	fd_root=$1 fd_key=$2 fd_pgdg=$3
	fd_d=$(mktemp -d)
	fixture_deb "$fd_d" fx-base 1.0 "Essential: yes" "Priority: required"
	fixture_deb "$fd_d" apt 2.6.1 "Priority: required"
	fixture_deb "$fd_d" postgresql-15 15.20-0+deb12u1 \
		"Depends: postgresql-client-15, postgresql-common (>= 241~), libpq5 (>= 14~beta2), libc6 (>= 2.34)" \
		"Provides: postgresql-contrib-15"
	fixture_deb "$fd_d" postgresql-client-15 15.20-0+deb12u1 \
		"Depends: libpq5 (>= 15.20), postgresql-client-common (>= 182~)"
	fixture_deb "$fd_d" postgresql-common 248+deb12u2 \
		"Depends: postgresql-client-common (= 248+deb12u2), adduser"
	fixture_deb "$fd_d" postgresql-client-common 248+deb12u2 "Depends: netbase"
	fixture_deb "$fd_d" libpq5 15.20-0+deb12u1 "Depends: libc6 (>= 2.33)"
	fixture_deb "$fd_d" pgbouncer 1.18.0-1+deb12u1 "Depends: postgresql-common (>= 183~)"
	fd_have=$(cat "$fd_pgdg"/dists/bookworm-pgdg/*/binary-amd64/Packages | sed -n 's/^Package: //p';
		  for f in "$fd_d"/*.deb; do dpkg-deb -f "$f" Package; done)
	# One package provides them all at 9:99 (versioned Provides); perl is
	# its own, Multi-Arch: allowed, for "perl:any".
	fd_prov=""
	for fd_n in $(cat "$fd_pgdg"/dists/bookworm-pgdg/*/binary-amd64/Packages |
			sed -n 's/^\(Pre-\)\{0,1\}Depends: //p' | tr ',' '\n' |
			sed 's/|.*//; s/(.*//; s/:any//; s/ //g' | sort -u); do
		echo "$fd_have" | grep -qx "$fd_n" && continue
		[ "$fd_n" = perl ] && continue
		fd_prov="$fd_prov${fd_prov:+, }$fd_n (= 9:99)"
	done
	fixture_deb "$fd_d" perl 9:99 "Multi-Arch: allowed"
	fixture_deb "$fd_d" fx-stubs 9:99 "Provides: $fd_prov"
	fixture_suite "$fd_root" bookworm "$fd_key" main:"$fd_d"
	fd_rc=$?
	rm -rf "$fd_d"
	return $fd_rc
}
