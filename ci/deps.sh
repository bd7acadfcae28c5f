#!/bin/sh
# ci/deps.sh - install the Debian packages pgbundle needs, only those missing.
#
#   sh ci/deps.sh build   compilers and -dev libraries (what `make` needs)
#   sh ci/deps.sh images  build plus what ci/images.sh uses (`make images`)
#   sh ci/deps.sh test    build plus the tools the tests drive (what `make check` needs)
#   sh ci/deps.sh bench   test plus what ci/bench/*.sh use
#   sh ci/deps.sh fuzz    build plus clang and its libFuzzer/sanitizer runtimes (make fuzz)
#
# The Makefile calls this, so a fresh Debian 12 host needs nothing done by hand.
# It runs apt-get only when something is missing; as non-root it prints the
# command to run instead and fails.
set -eu

build_pkgs="gcc g++ make pkg-config libc6-dev libsolv-dev libsolvext-dev libapt-pkg-dev
 librpm-dev libarchive-dev libzstd-dev libssl-dev libyaml-dev libcurl4-openssl-dev
 libjansson-dev liblzma-dev zlib1g-dev libbz2-dev libacl1-dev libcreaterepo-c-dev
 libmodulemd-dev libxml2-dev"
# postgresql-common carries PGDG's apt key (recipes/repos.yml pgdg-apt), as
# debian-archive-keyring carries Debian's; bzip2 packs the PGDG fixture's
# Packages.bz2 as reprepro does; dnf installs the EL fixtures.  iproute2: the
# cluster tests' network namespaces, bridge and veth pairs (ip).
test_pkgs="gpgv gnupg sqv dpkg-dev debian-archive-keyring postgresql-common mmdebstrap
 systemd-container procps jq zstd xz-utils bzip2 curl python3 ca-certificates createrepo-c rpm
 dnf yq nodejs chromium iproute2 strace"
# ci/images.sh: tar unpacks the payloads through zstd.
images_pkgs="zstd"
# ci/bench/*.sh: timing, arithmetic, file types.
bench_pkgs="bc time file"
# make fuzz (tests/fuzz/): Debian's default clang and its compiler-rt (libFuzzer,
# ASan, UBSan); on Debian 12 these are clang-14 and libclang-rt-14-dev.
fuzz_pkgs="clang libclang-rt-dev"

case "${1:-build}" in
build) want="$build_pkgs" ;;
images) want="$build_pkgs $images_pkgs" ;;
test) want="$build_pkgs $test_pkgs" ;;
bench) want="$build_pkgs $test_pkgs $bench_pkgs" ;;
fuzz) want="$build_pkgs $fuzz_pkgs" ;;
*) echo "usage: $0 build|images|test|bench|fuzz" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	if ! dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done
# npm: Debian's own package, unless the Node.js installed already brings it
# (NodeSource's nodejs does, and conflicts with Debian's npm).  The tests
# install their validators (CycloneDX, CI schemas, Playwright) with it.
case $want in *nodejs*) command -v npm >/dev/null 2>&1 || missing="$missing npm" ;; esac
[ -z "$missing" ] && exit 0

echo "ci/deps.sh: installing:$missing" >&2
if [ "$(id -u)" != 0 ]; then
	echo "ci/deps.sh: not root; run: sudo apt-get install --no-install-recommends$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >&2
