#!/bin/sh
# ci/airgap/rootfs.sh - a fresh, air-gapped Debian rootfs for the tests.
#
#   sh ci/airgap/rootfs.sh SUITE DEST [--with-systemd] [--suite-only] [--include PKG,...]
#   sh ci/airgap/rootfs.sh --mirror | --security-mirror
#
# SUITE is bullseye, bookworm, trixie or forky.  DEST must not exist or be an
# empty directory; on failure nothing is left at DEST.  The rootfs is a
# `mmdebstrap --variant=minbase` of SUITE (+ SUITE-updates, SUITE-security) from
# the Debian mirror the host's apt uses, with every apt source and option that
# points to that mirror removed: the only source a test sees is the one it adds.
# --with-systemd adds systemd, systemd-sysv and dbus so ci/airgap/boot.sh can
# boot it.  --suite-only installs from SUITE alone, without -updates and
# -security: the point release as published, a host that was never updated.
# --include PKG,... installs these Debian packages too (with --with-systemd:
# tests/e2e/48 gives a booted host Debian's rpm and dnf and the libraries of
# the programs it repackages); the list is part of the cache entry's name.
#
# The pristine tarball is cached per (suite, variant, UTC day) under
# ${PGBUNDLE_TEST_CACHE:-/var/cache/pgbundle-test}/rootfs/, so every test after
# the first in a day costs one `tar -x`.  Older days are pruned.
# The mirrors come from apt's own view of the host's sources (apt-get
# indextargets); PGBUNDLE_DEBIAN_MIRROR / PGBUNDLE_DEBIAN_SECURITY override.
# Needs root (mmdebstrap root mode, device nodes, numeric owners).
set -eu

die() { echo "rootfs.sh: $*" >&2; exit 1; }

# host_repo_uri SUFFIX: the URI of the host's apt source whose suite is the
# host's codename followed by SUFFIX ("" for the archive, "-security").
host_repo_uri() {
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	[ -n "$codename" ] || die "no VERSION_CODENAME in /etc/os-release; set PGBUNDLE_DEBIAN_MIRROR"
	# shellcheck disable=SC2016
	apt-get indextargets --format '$(RELEASE) $(REPO_URI)' 'Created-By: Packages' 2>/dev/null |
		awk -v want="$codename$1" '$1 == want { sub("/*$", "", $2); print $2; exit }'
}

mirror() {
	m=${PGBUNDLE_DEBIAN_MIRROR:-$(host_repo_uri "")}
	[ -n "$m" ] || die "the host's apt has no Debian archive source; set PGBUNDLE_DEBIAN_MIRROR=URI"
	echo "$m"
}

security_mirror() {
	m=${PGBUNDLE_DEBIAN_SECURITY:-$(host_repo_uri -security)}
	[ -n "$m" ] || die "the host's apt has no Debian security source; set PGBUNDLE_DEBIAN_SECURITY=URI"
	echo "$m"
}

case "${1:-}" in
--mirror) mirror; exit 0 ;;
--security-mirror) security_mirror; exit 0 ;;
esac

usage="usage: $0 SUITE DEST [--with-systemd] [--suite-only] [--include PKG,...]"
[ $# -ge 2 ] && [ $# -le 6 ] || die "$usage"
suite=$1 dest=$2 variant=minbase include="" suite_only=no extra=""
shift 2
while [ $# -gt 0 ]; do
	case "$1" in
	--with-systemd) variant=minbase-systemd include=--include=systemd,systemd-sysv,dbus ;;
	--suite-only) suite_only=yes ;;
	--include)
		[ $# -ge 2 ] || die "$usage"
		case "$2" in *[!a-z0-9.+,-]*|"") die "--include: a comma-separated list of package names, not '$2'" ;; esac
		extra=$2
		shift ;;
	*) die "unknown option '$1'; $usage" ;;
	esac
	shift
done
if [ -n "$extra" ]; then
	# Its own cache entry, named by a digest of the list.
	variant=$variant-inc$(printf %s "$extra" | sha256sum | cut -c1-8)
	include=${include:+$include,}$extra
	include=--include=${include#--include=}
fi
# A separate cache entry: the variant names what the tarball holds.
[ "$suite_only" = yes ] && variant=$variant-suite-only
case "$suite" in
bullseye|bookworm|trixie|forky) ;;
*) die "unsupported suite '$suite'; use bullseye, bookworm, trixie or forky" ;;
esac
[ "$(id -u)" = 0 ] || die "needs root (mmdebstrap root mode, device nodes in the rootfs)"
if [ -e "$dest" ] && [ -n "$(ls -A "$dest" 2>/dev/null)" ]; then
	die "$dest exists and is not empty; remove it first"
fi

cache=${PGBUNDLE_TEST_CACHE:-/var/cache/pgbundle-test}/rootfs
day=$(date -u +%Y%m%d)
tarball=$cache/$suite-$variant-$day.tar
mkdir -p "$cache"

build_tarball() {
	main=$(mirror)
	sec=$(security_mirror)
	validity=""
	# forky's Release files on the mirror are past their Valid-Until (testing
	# is not refreshed there); only forky gets the check switched off.  The
	# quotes are apt's config syntax and reach mmdebstrap as one argument.
	# shellcheck disable=SC2089
	[ "$suite" = forky ] && validity='--aptopt=Acquire::Check-Valid-Until "false"'
	tmp=$cache/.$suite-$variant-$day.$$.tar
	updates="deb $main $suite-updates main"
	security="deb $sec $suite-security main"
	if [ "$suite_only" = yes ]; then updates="" security=""; fi
	# The hook runs before the tarball is written, so the cache itself holds
	# no source, no apt option (99mmdebstrap) and none of the host's DNS or
	# hostname.  /etc/hosts gives localhost, which servers under test bind.
	# shellcheck disable=SC2086,SC2090,SC2016
	if ! mmdebstrap --variant=minbase --format=tar $include ${validity:+"$validity"} \
		--customize-hook='rm -rf "$1"/etc/apt/sources.list "$1"/etc/apt/sources.list.d "$1"/etc/apt/apt.conf.d/99mmdebstrap' \
		--customize-hook='mkdir "$1"/etc/apt/sources.list.d' \
		--customize-hook=': > "$1"/etc/resolv.conf; echo pgbundle-airgap > "$1"/etc/hostname' \
		--customize-hook='printf "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n" > "$1"/etc/hosts' \
		"$suite" "$tmp" "deb $main $suite main" ${updates:+"$updates"} ${security:+"$security"} >&2; then
		rm -f "$tmp"
		die "mmdebstrap of $suite ($variant) from $main failed; see the messages above"
	fi
	mv "$tmp" "$tarball"
	# Only this variant's older days: minbase-[0-9]* is not minbase-systemd-*.
	for old in "$cache/$suite-$variant"-[0-9]*.tar; do
		[ "$old" = "$tarball" ] || rm -f "$old"
	done
}

# One builder per cache entry: a second test waits and then extracts.
(
	flock 9
	[ -f "$tarball" ] || build_tarball
) 9>"$cache/.$suite-$variant.lock"

partial=$dest.partial.$$
trap 'rm -rf "$partial"' EXIT INT TERM
mkdir -p "$partial"
tar --numeric-owner -xpf "$tarball" -C "$partial" || die "extracting $tarball into $partial failed"
[ -d "$dest" ] && rmdir "$dest"
mv "$partial" "$dest"
trap - EXIT INT TERM
